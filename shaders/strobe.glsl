// Strobe: the picture goes dark for part of each beat subdivision (rate per
// beat, duty = dark share), and onsets can flash it white.  1 fetch.
uniform float u_amount;  // 0..1 depth of the dark phase
uniform float u_rate;    // flashes per beat (1, 2, 4 ...)
uniform float u_duty;    // share of each period that is dark (0..1)
uniform float u_flash;   // 0..1 white flash on onsets

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    float ph = fract(u_beat_phase * max(1.0, floor(u_rate + 0.5)));
    float dark = step(1.0 - u_duty, ph) * u_amount;
    c *= 1.0 - dark;
    c = mix(c, vec3(1.0), clamp(u_flash * u_onset * u_onset, 0.0, 1.0) * u_amount);
    o_color = vec4(c, 1.0);
}
