// manabe glitch: onsets and snares tear the picture into sideways-displaced slices and misplaced
// blocks with a colour split; the tear fades with the hit and leaves the picture untouched in silence.
//
// Strength = `amount` x the larger of the onset and snare envelopes.  While it lasts the tear is
// re-drawn twelve times a second: a random number of horizontal slices, some pushed sideways; a few
// blocks of a 16x9 grid showing another block's content; red and blue pulled apart.  At strength 0
// the pass is one texture read.
uniform float u_amount;  // 0..1

void main() {
    float g = clamp(u_amount, 0.0, 1.0) * clamp(max(u_onset, u_snare), 0.0, 1.0);
    if (g < 0.002) {
        o_color = vec4(texture(u_input, v_uv).rgb, 1.0);
        return;
    }
    float slot = mod(floor(u_time * 12.0), 997.0);
    vec2 uv = v_uv;
    // slices
    float n = floor(10.0 + 38.0 * vj_hash(vec2(slot, 3.1)));
    float band = floor(uv.y * n);
    float torn = step(1.0 - 0.7 * g, vj_hash(vec2(band * 0.13, slot)));
    uv.x += torn * (vj_hash(vec2(slot, band + 7.0)) - 0.5) * 0.35 * g;
    // misplaced blocks
    vec2 cells = vec2(16.0, 9.0);
    vec2 cell = floor(v_uv * cells);
    if (vj_hash(cell * 0.071 + slot * 0.013) < 0.18 * g) {
        vec2 other = floor(vec2(vj_hash(cell + slot), vj_hash(cell.yx + slot + 3.0)) * cells);
        uv = (other + fract(v_uv * cells)) / cells;
    }
    // colour split
    vec2 w = vec2(0.015 * g, 0.0);
    float r = texture(u_input, uv + w).r;
    float gr = texture(u_input, uv).g;
    float b = texture(u_input, uv - w).b;
    o_color = vec4(r, gr, b, 1.0);
}
