// Host-internal: the chain's output as an I420 (yuv420p) picture for the video encoder, drawn into one
// R8 target W x 1.5H so a single glReadPixels gives the encoder its three planes, top row first --
// no colour conversion, flip or copy on the CPU.  BT.601, limited range (what FFmpeg's swscale makes
// of RGB by default).  Rows 0..H-1 (from the bottom of the target = the top of the buffer): Y;
// then H/4 rows of U, two chroma rows per target row; then V.  Chroma is the mean of each 2x2 block:
// one bilinear read at its centre.  The source may be smaller (a reduced render scale): this pass
// is also the upscale.
uniform vec2 u_size;   // W, H of the video

void main() {
    float W = u_size.x, H = u_size.y;
    vec2 p = floor(gl_FragCoord.xy);  // x: column, y: row of the I420 buffer
    // chroma: which plane, row and column this texel holds (computed everywhere, used below H)
    float k = p.y - H;
    float plane = step(H * 0.25, k);            // 0: U, 1: V
    k -= plane * H * 0.25;
    float right = step(W * 0.5, p.x);
    float row = 2.0 * k + right, col = p.x - right * W * 0.5;
    // one read, selected rather than branched (software GL runs both sides of an if)
    bool luma = p.y < H;
    vec2 uv = luma ? vec2((p.x + 0.5) / W, 1.0 - (p.y + 0.5) / H)
                   : vec2((2.0 * col + 1.0) / W, 1.0 - (2.0 * row + 1.0) / H);
    vec3 c = texture(u_input, uv).rgb;
    float v = luma ? 16.0 + dot(c, vec3(65.481, 128.553, 24.966))
                   : 128.0 + dot(c, mix(vec3(-37.797, -74.203, 112.0), vec3(112.0, -93.786, -18.214), plane));
    o_color = vec4(clamp(floor(v + 0.5), 0.0, 255.0) / 255.0, 0.0, 0.0, 1.0);
}
