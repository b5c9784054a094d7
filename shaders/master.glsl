// Master output: brightness and a beat-locked strobe.  Only runs when not neutral.
uniform float u_brightness;  // 0..1
uniform float u_strobe;      // 0..1: share of each beat that is dark

void main() {
    vec3 c = texture(u_input, v_uv).rgb * u_brightness;
    float dark = step(1.0 - u_strobe, fract(u_beat_phase * 4.0)) * step(0.001, u_strobe);
    o_color = vec4(c * (1.0 - dark), 1.0);
}
