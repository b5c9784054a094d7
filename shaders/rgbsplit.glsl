// RGB split / glitch: red and blue are fetched shifted apart along a slant, each
// kick widens the split, and onsets tear horizontal bands sideways (glitch).
// 3 fetches.
uniform float u_amount;      // 0..1 base split width (0 = off)
uniform float u_kick_push;   // 0..1 extra split on each kick
uniform float u_glitch;      // 0..1 band tearing, more of it on onsets

void main() {
    vec2 uv = v_uv;
    // glitch: 24 bands whose offsets are re-drawn 8 times a beat; a few always
    // tear at glitch 1, many more while the onset envelope is up
    float band = floor(uv.y * 24.0);
    float slot = floor((u_beat_count + u_beat_phase) * 8.0);
    float torn = step(1.0 - u_glitch * (0.1 + 0.6 * u_onset), vj_hash(vec2(band, slot)));
    uv.x += torn * (vj_hash(vec2(slot, band + 7.0)) - 0.5) * 0.2;
    // split: a constant share set by the fader plus the kick envelope
    float w = u_amount * (0.004 + 0.03 * u_kick_push * u_kick);
    vec2 d = vec2(0.94, 0.34) * w * vec2(u_resolution.y / u_resolution.x, 1.0);
    float r = texture(u_input, uv + d).r;
    vec2 gb = texture(u_input, uv).gb;
    float b = texture(u_input, uv - d).b;
    o_color = vec4(r, gb.x, b, 1.0);
}
