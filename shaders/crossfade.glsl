// Host-internal: crossfade the two newest decoded frames, run at decode size.
void main() {
    o_color = mix(texture(u_image_prev, v_uv), texture(u_image, v_uv), u_image_mix);
}
