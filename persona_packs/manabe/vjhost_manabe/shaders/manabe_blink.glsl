// manabe blink: blocks of the picture switch off and on locked to the beat grid, more of them the louder
// the music; nothing blinks in silence.
//
// The frame is cut into blocks -- eight columns, four rows or an 8x4 grid, a different cut each bar --
// and on every step of the beat grid (`rate` steps per beat: 1, 2 or 4) each block is lit or dark by a
// hash of the block and the step: a strict, tempo-locked light score over the picture.  The share of
// dark blocks follows `amount` and the music's energy (0 in silence).  On each beat the blocks that
// stay lit flash brighter for a moment.  One texture read per pixel.
uniform float u_amount;  // 0..1: how many blocks may go dark
uniform float u_rate;    // steps per beat (1, 2 or 4)

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    float rate = exp2(floor(log2(clamp(u_rate, 1.0, 4.0)) + 0.5));    // 1, 2 or 4
    float beats = u_beat_count + u_beat_phase;
    float step_no = mod(floor(beats * rate), 256.0);
    float bar = mod(floor(beats / 4.0), 3.0);
    vec2 cut = bar < 0.5 ? vec2(8.0, 1.0) : (bar < 1.5 ? vec2(1.0, 4.0) : vec2(8.0, 4.0));
    vec2 block = floor(v_uv * cut);
    float gate = smoothstep(0.05, 0.3, u_energy) * clamp(u_amount, 0.0, 1.0);
    float dark = float(vj_hash((block + 0.5) * 0.37 + vec2(step_no * 1.618, bar * 7.3 + 0.21)) < 0.55 * gate);
    c *= (1.0 - 0.94 * dark) * (1.0 + 0.35 * gate * u_beat * (1.0 - dark));
    o_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
