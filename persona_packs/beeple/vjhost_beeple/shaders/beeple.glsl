// beeple source pass: finishes the decoded collage in dark tones and neon, hit by the kick, torn by the snare.
//
// The decoder draws the scene (skylines, streets, gears, pistons, hull panels, monoliths, stations,
// collages); this pass finishes it and draws nothing of its own (bp_finish in beeple_common.glsl:
// palette settle, neon flaring white-hot on the kick and swelling with the bass, windows flickering
// with the hats), and moves it:
//  - the bass and the kick push the picture in (a zoom toward the centre),
//  - the snare tears it: one band of rows (a new band each beat) slides sideways for a moment.
// The collage cut-up between decodes is the pack's `beeple_cutup` effect right after this pass; the
// shader-drawn skyline layer is the `motif` effect (beeple_motif.glsl), off by default.
//
// Cost: one texture read and a short palette loop per pixel.
#include "beeple_common.glsl"

void main() {
    float push = clamp(0.6 * u_kick + 0.4 * u_bass, 0.0, 1.0);
    vec2 uv = 0.5 + (v_uv - 0.5) * (1.0 - 0.07 * push);
    // the snare tear: a band a tenth of the height, placed anew each beat
    float band = vj_hash(vec2(u_beat_count, 4.7));
    float inband = step(abs(uv.y - band), 0.05);
    uv.x += inband * u_snare * 0.06 * (vj_hash(vec2(u_beat_count, 9.1)) < 0.5 ? -1.0 : 1.0);
    vec3 c = bp_finish(vj_image(uv).rgb, v_uv);
    o_color = vec4(c, 1.0);
}
