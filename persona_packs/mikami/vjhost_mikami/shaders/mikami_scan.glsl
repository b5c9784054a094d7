// mikami scan: the look of a surveillance monitor -- scanlines, a brighter bar rolling down once a bar,
// and noise grain that grows with the hats and the highs.
//
// `amount` scales all three (0 = off and costs no pass).  A scanline every three pixels of the height
// (240 at 720p; never finer, so they never alias away); the rolling bar follows the bar phase; the grain
// is re-drawn thirty times a second, faint in silence and stronger with the hats.
// Cost: one texture read per pixel at full size (the chain's last pass, so it stands in for the closing
// upscale) and a little arithmetic: the scanline's profile is a smoothstep, not a cosine, and the grain
// one hash.  Measured at 1280x720 on llvmpipe: it added 0.66x a bare frame with the cosine (and after
// the half-size delay grid), 0.45x now.  The grain is also what an encoder pays for most: at 0.03 +
// 0.14 hats + 0.08 highs an offline render (1280x720, 60 fps, x264 superfast) ran at 1.01-1.04x
// realtime and wrote 3.0 MB a second; at the present 0.02 + 0.08 + 0.05 -- still a visible grain over
// the scanlines on the hats -- 1.12-1.13x and 2.0 MB (a grain re-drawn 15 times a second instead
// gained less, 1.08-1.12x, and stepped visibly).
uniform float u_amount;  // 0..1

void main() {
    float a = clamp(u_amount, 0.0, 1.0);
    vec3 c = texture(u_input, v_uv).rgb;
    float rows = floor(u_resolution.y / 3.0);
    // 0 on a scanline, 1 half-way between: a smoothstep of the distance, within 1% of a raised cosine
    // (0.5 - 0.5 cos) and a third of its cost
    float s = abs(2.0 * fract(v_uv.y * rows + 0.5) - 1.0);
    c *= 1.0 - 0.45 * a * s * s * (3.0 - 2.0 * s);
    float bar = fract(1.0 - v_uv.y - u_bar_phase);                   // rolls down once a bar
    c *= 1.0 + 0.25 * a * smoothstep(0.12, 0.0, bar);
    float grain = vj_hash(gl_FragCoord.xy + floor(u_time * 30.0) * vec2(17.0, 31.0)) - 0.5;
    c += grain * a * (0.02 + 0.08 * u_hat + 0.05 * u_high);
    o_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
