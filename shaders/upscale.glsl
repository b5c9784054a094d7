// Host-internal: the chain's output drawn at the show's size (the upscale from the render size).
// A plain bilinear copy: software GL (llvmpipe) runs it on its fast path, about twice as fast as a
// scaled glBlitFramebuffer there.
void main() { o_color = vec4(texture(u_input, v_uv).rgb, 1.0); }
