// mikami scan: the look of a surveillance monitor -- scanlines, a brighter bar rolling down once a bar,
// and noise grain that grows with the hats and the highs.
//
// `amount` scales all three (0 = off and costs no pass).  A scanline every three pixels of the height
// (240 at 720p; never finer, so they never alias away); the rolling bar follows the bar phase; the grain
// is re-drawn thirty times a second, faint in silence and stronger with the hats.  One texture read per
// pixel.
uniform float u_amount;  // 0..1

void main() {
    float a = clamp(u_amount, 0.0, 1.0);
    vec3 c = texture(u_input, v_uv).rgb;
    float rows = floor(u_resolution.y / 3.0);
    float line = 0.5 + 0.5 * cos(6.2831853 * v_uv.y * rows);        // 1 on a scanline, 0 between
    c *= 1.0 - 0.45 * a * (1.0 - line);
    float bar = fract(1.0 - v_uv.y - u_bar_phase);                   // rolls down once a bar
    c *= 1.0 + 0.25 * a * smoothstep(0.12, 0.0, bar);
    float grain = vj_hash(gl_FragCoord.xy + floor(u_time * 30.0) * vec2(17.0, 31.0)) - 0.5;
    c += grain * a * (0.03 + 0.14 * u_hat + 0.08 * u_high);
    o_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
