// Hue rotation (YIQ), stepped by a fraction of a turn on every beat if asked.
uniform float u_amount;  // 0..1 = a full turn
uniform float u_beat_step;  // hue.beat: extra turn per beat

void main() {
    vec4 c = texture(u_input, v_uv);
    float turns = u_amount + u_beat_step * u_beat_count * 0.125;
    o_color = vec4(clamp(vj_hue(c.rgb, turns), 0.0, 1.0), 1.0);
}
