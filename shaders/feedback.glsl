// Video feedback: the last frame, zoomed and rotated about the centre and decayed,
// kept under the new picture.  Bass and kicks push the zoom.
uniform float u_amount;  // 0..1 trail strength
uniform float u_zoom;    // zoom per frame
uniform float u_rotate;  // radians per frame

void main() {
    vec4 now = texture(u_input, v_uv);
    vec2 c = v_uv - 0.5;
    c.x *= u_resolution.x / u_resolution.y;
    float z = 1.0 - (u_zoom + 0.03 * u_kick + 0.02 * u_bass);
    // the rotation per frame is small (|a| <= 0.05): its sine and cosine as short series, exact to
    // 1e-8 there, and far cheaper per pixel than sin/cos on software GL
    float a = u_rotate, a2 = a * a;
    float ca = 1.0 - 0.5 * a2 + a2 * a2 / 24.0, sa = a * (1.0 - a2 / 6.0 + a2 * a2 / 120.0);
    c = mat2(ca, -sa, sa, ca) * c * z;
    c.x /= u_resolution.x / u_resolution.y;
    vec4 trail = texture(u_prev, c + 0.5) * (0.80 + 0.18 * u_amount);
    o_color = vec4(max(now.rgb, trail.rgb * u_amount), 1.0);
}
