// beeple source pass: finishes the decoded collage in dark tones and neon, hit by the kick, torn by the snare.
//
// The decoder draws the scene (skylines, streets, gears, pistons, hull panels, monoliths, stations,
// collages); this pass finishes it and draws nothing of its own (bp_finish in beeple_common.glsl:
// haze to black, neon flaring white-hot on the kick and swelling with the bass, windows flickering
// with the hats), and moves it:
//  - the bass and the kick push the picture in (a zoom toward the centre),
//  - the snare tears it: one band of rows (a new band each beat) slides sideways for a moment.
// The collage cut-up between decodes is the pack's `beeple_cutup` effect right after this pass; the
// shader-drawn skyline layer is the `motif` effect (beeple_motif.glsl), off by default.
//
// Cost: the decode is 128 pixels across, so this pass draws at half the render size (a quarter of
// the pixels; the cut-up after it reads it bilinearly, the upscale for free).  The finish (bp_finish:
// pointwise, but some fifty operations a pixel) runs once a frame on the decode's own 128x128 pixels
// in the stage `fin`, so the pass itself is the push and the tear and one texture read per pixel
// (the window flicker cells sit on the decode now, soft at its pixels' edges).  Measured at 1280x720
// on llvmpipe, round-robin in one run: the default chain 0.08x a bare frame cheaper than with the
// finish per pixel of the half-size pass (the stage's ~0.25 ms fixed cost against ~0.45 ms of ALU).
#pragma vjhost scale 0.5
#pragma vjhost stage fin 128x128
#include "beeple_common.glsl"

uniform sampler2D u_fin;

#if defined(VJ_STAGE_fin)
void main() { o_color = vec4(bp_finish(vj_image(v_uv).rgb, v_uv), 1.0); }
#else
void main() {
    float push = clamp(0.6 * u_kick + 0.4 * u_bass, 0.0, 1.0);
    vec2 uv = 0.5 + (v_uv - 0.5) * (1.0 - 0.07 * push);
    // the snare tear: a band a tenth of the height, placed anew each beat, sliding left or right
    float band = vj_hash(vec2(u_beat_count, 4.7));
    float side = step(0.5, fract(band * 37.0)) * 2.0 - 1.0;
    uv.x += step(abs(uv.y - band), 0.05) * u_snare * 0.06 * side;
    o_color = vec4(texture(u_fin, uv).rgb, 1.0);
}
#endif
