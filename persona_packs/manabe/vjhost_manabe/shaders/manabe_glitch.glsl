// manabe glitch: the raw-data treatment -- blocks of the picture blink off locked to the beat grid while
// the music plays, and onsets and snares tear it into displaced slices and misplaced blocks with a
// colour split; in silence the picture is left alone.
//
// `amount` scales both (0 = off and costs no pass); `blink` and `tear` weigh the two; `rate` is the blink's
// steps per beat (1, 2 or 4).
//  - blink: the frame is cut into blocks -- eight columns, four rows or an 8x4 grid, a different cut each
//    bar -- and on every step of the beat grid each block is lit or dark by a hash of the block and the
//    step: a strict, tempo-locked light score.  The share of dark blocks follows the music's energy (none
//    in silence); on each beat the blocks that stay lit flash brighter for a moment.
//  - tear: strength = the larger of the onset and snare envelopes; while it lasts the tear is re-drawn
//    twelve times a second: a random number of horizontal slices, some pushed sideways, a few blocks of a
//    16x9 grid showing another block's content, red and blue pulled apart.
//
// Cost: nothing in it depends on more than the row, the 16x9 cell column and the music, so all the
// hashing is done once per frame in a 16x720 float stage `map` (one texel per cell column and row band:
// where to read, as an offset, the blink's gain, the colour split's width); the main pass does one
// texelFetch of it and two reads of the picture (red one way, green and blue the other; the same texel
// twice when nothing tears).  The main pass draws at half the render size (`#pragma vjhost scale 0.5`):
// behind the source pass, itself drawn at half size, it loses nothing, and the chain's final copy (or
// the next effect's read) is the upscale; the tear's slice and block edges come out about a screen
// pixel soft.  (The motif and point layers, off by default, are drawn at full size: under the glitch
// they are shown through its half-size pass.)  Measured at 1280x720 on llvmpipe, round-robin in one
// run on a loaded machine: the pass 2.2 ms against 13.7 ms before (per-pixel hashes and a branch at full
// size), the default chain 2.4x a bare frame against 5.9x; vjhost bench: the glitch adds 0.7x a bare
// frame (was 3.5x).  At full size with the map the pass cost 5.0 ms, more than at half size plus the
// final copy (1.7 + 2.8 ms, same run): the texelFetch and each dependent read cost about a bare pass.
#pragma vjhost scale 0.5
#pragma vjhost stage map 16x720 float

uniform float u_amount;  // 0..1: both
uniform float u_blink;   // 0..1: how many blocks may go dark
uniform float u_tear;    // 0..1: how hard hits tear
uniform float u_rate;    // blink steps per beat (1, 2 or 4)
uniform sampler2D u_map;

#if defined(VJ_STAGE_map)
// one texel per cell column (16: two per blink column) and row: (where to read, as an offset from here; the blink's gain; the
// colour split's half width), all in uv
void main() {
    float a = clamp(u_amount, 0.0, 1.0);
    float g = a * clamp(u_tear, 0.0, 1.0) * clamp(max(u_onset, u_snare), 0.0, 1.0);
    vec2 off = vec2(0.0);
    if (g >= 0.002) {
        float slot = mod(floor(u_time * 12.0), 997.0);
        // slices
        float n = floor(10.0 + 38.0 * vj_hash(vec2(slot, 3.1)));
        float band = floor(v_uv.y * n);
        float torn = step(1.0 - 0.7 * g, vj_hash(vec2(band * 0.13, slot)));
        off.x = torn * (vj_hash(vec2(slot, band + 7.0)) - 0.5) * 0.35 * g;
        // misplaced blocks: the whole cell reads another cell (instead of its slice's shift)
        vec2 cells = vec2(16.0, 9.0);
        vec2 cell = floor(v_uv * cells);
        if (vj_hash(cell * 0.071 + slot * 0.013) < 0.18 * g) {
            vec2 other = floor(vec2(vj_hash(cell + slot), vj_hash(cell.yx + slot + 3.0)) * cells);
            off = (other - cell) / cells;
        }
    }
    // the beat-locked blink
    float rate = u_rate < 1.5 ? 1.0 : (u_rate < 3.0 ? 2.0 : 4.0);
    float beats = u_beat_count + u_beat_phase;
    float step_no = mod(floor(beats * rate), 256.0);
    float bar = mod(floor(beats / 4.0), 3.0);
    vec2 cut = bar < 0.5 ? vec2(8.0, 1.0) : (bar < 1.5 ? vec2(1.0, 4.0) : vec2(8.0, 4.0));
    vec2 block = floor(v_uv * cut);
    float gate = smoothstep(0.05, 0.3, u_energy) * a * clamp(u_blink, 0.0, 1.0);
    float dark = float(vj_hash((block + 0.5) * 0.37 + vec2(step_no * 1.618, bar * 7.3 + 0.21)) < 0.55 * gate);
    float gain = (1.0 - 0.94 * dark) * (1.0 + 0.35 * gate * u_beat * (1.0 - dark));
    o_color = vec4(off, gain, 0.0075 * g);
}
#else
void main() {
    vec4 m = texelFetch(u_map, ivec2(v_uv * vec2(textureSize(u_map, 0))), 0);
    vec2 uv = v_uv + m.xy;
    vec2 w = vec2(m.w, 0.0);
    // colour split: red one way, green and blue the other
    vec3 c = vec3(texture(u_input, uv + w).r, texture(u_input, uv - w).gb);
    o_color = vec4(clamp(c * m.z, 0.0, 1.0), 1.0);
}
#endif
