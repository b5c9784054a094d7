// ikeda flicker: full-field strobing of the picture locked to sixteenth notes,
// strongest just after each beat.  amount 0 = off.
uniform float u_amount;

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    float sixteenth = fract(u_beat_phase * 4.0);
    float on = step(0.5, sixteenth) * step(u_beat_phase, 0.5);
    float k = u_amount * on * (0.4 + 0.6 * u_beat);
    o_color = vec4(mix(c, 1.0 - c, k), 1.0);
}
