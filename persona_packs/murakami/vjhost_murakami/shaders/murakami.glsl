// murakami source pass: the decoded flower field finished flat -- snapped to the sixteen palette
// colours with crisp outlines -- and every flower turning and swelling about its own centre on the beat.
// The decoder draws the flowers; this pass draws none of its own (the shader-drawn flower lattice is
// the pack's `motif` effect, murakami_motif.glsl, off by default):
//  - the decode keeps its proportions: it fills the screen's height and is mirror-repeated sideways
//    (round flowers stay round on a wide screen; the wallpaper simply continues),
//  - flat colour quantisation: each pixel becomes ink or one palette colour (murakami_palette.glsl:
//    outlines blurred by the decoder become ink or the colour beside them, never a third colour),
//    and the edge between two colours is drawn anti-aliased at screen resolution,
//  - flower turn and swell: each pixel finds the centre of the flower it belongs to -- the centroid of
//    the nearby face-coloured pixels (yellow, white, lemon; not the ground), a blurred mass map in a
//    small stage -- and the picture is turned about that centre on every beat (left on one beat,
//    right on the next) and scaled up about it with the kick and the bass, so each flower wobbles
//    and pops in place; a kick also pushes the whole picture in a touch,
//  - on the bar's downbeat the colours step one place along the rainbow (red -> orange -> yellow ...),
//    never in the breakdown.
//
// Cost: the full-size pass is two texture reads (the warp map, the flat map).  The flat quantiser (a
// four-vec4 nearest search, the runner-up's colour only near edges) runs in decode space, in a square
// stage of 360x360 (half the height of a 720p screen: a seventh of its pixels, and about three times
// the decode's 128 pixels, so the outlines stay crisp when it is stretched; at 288x288 they soften
// visibly, measured 5.9 vs 6.5 ms a frame at 1280x720 on llvmpipe, against 10.5 ms for the quantiser
// at full size).  A fixed size, not a share of the screen: at small render sizes a share would fall
// under the decode's own resolution and lose its outlines.  The flower centres come from small float stages in decode space (a 64x64
// face mass map, its separable gaussian blur, and a 16x16 wider blur of that for big flowers), the
// ground colour from a 1x1 stage; the turn and swell are worked out in a 160x90 warp map (an eighth of 720p; they
// are smooth: the full-size pass reads it bilinearly).
#pragma vjhost stage ground 1x1
#pragma vjhost stage mass 64x64 float
#pragma vjhost stage mass_x 64x64 float
#pragma vjhost stage mass_y 64x64 float
#pragma vjhost stage wide_x 16x16 float
#pragma vjhost stage wide_y 16x16 float
#pragma vjhost stage warp 160x90 float
#pragma vjhost stage flat 360x360

#include "murakami_palette.glsl"

uniform sampler2D u_ground, u_mass, u_mass_x, u_mass_y, u_wide_x, u_wide_y, u_warp, u_flat;

const float CROP = 0.03;      // the decode's outermost pixels (decoder edge effects) left out
const float STEP = 2.5;       // gaussian taps this many texels apart: sigma 4 texels of 64 (0.06 of the decode)
const float TURN = 0.45;      // radians a flower turns on a full beat
const float SWELL = 0.3;      // how much a flower grows on a full kick (plus half that with the bass)

vec3 mk_decoded(vec2 q) { return vj_image_inset(q, CROP).rgb; }

int mk_ground_index() { return int(floor(texelFetch(u_ground, ivec2(0, 0), 0).a * 16.0 + 0.5)); }

// the bar's downbeat, as long as the beat rings; never in the breakdown
bool mk_cycle() { return u_beat > 0.6 && u_bar_phase < 0.2 && u_section < 2.5; }

#if defined(VJ_STAGE_ground)
void main() {
    int g = mk_ground(u_image);
    o_color = vec4(PALETTE[g], float(g) / 16.0);
}
#elif defined(VJ_STAGE_mass)
// face-coloured pixels that are not the ground, with their position (to find centroids)
void main() {
    int k = mk_snap(mk_decoded(v_uv));
    float m = float(k == 3 || k == 11) * float(k != mk_ground_index());
    o_color = vec4(m, m * v_uv, 0.0);
}
#elif defined(VJ_STAGE_mass_x)
void main() { o_color = vj_gauss9(u_mass, v_uv, vec2(STEP / u_target_size.x, 0.0)); }
#elif defined(VJ_STAGE_mass_y)
void main() { o_color = vj_gauss9(u_mass_x, v_uv, vec2(0.0, STEP / u_target_size.y)); }
#elif defined(VJ_STAGE_wide_x)
// the same mass at a quarter of the resolution and four times the reach (big flowers' far petals)
void main() { o_color = vj_gauss9(u_mass_y, v_uv, vec2(1.5 / u_target_size.x, 0.0)); }
#elif defined(VJ_STAGE_wide_y)
void main() { o_color = vj_gauss9(u_wide_x, v_uv, vec2(0.0, 1.5 / u_target_size.y)); }
#elif defined(VJ_STAGE_warp)
// where each screen point samples the decode, as an offset from where it would at rest: a 160x90
// map (the turn and swell are smooth; the full-size pass reads it bilinearly)
void main() {
    vec2 rest = vj_image_fit(v_uv);
    // a kick pushes the whole picture in a touch
    vec2 q = vj_image_fit(0.5 + (v_uv - 0.5) * (1.0 - 0.04 * u_kick));
    // the flower this point belongs to: the centroid of the face mass around it (near a face the close
    // centroid; further out, on a big flower's petals, the wide one)
    vec3 near = texture(u_mass_y, q).xyz, wide = texture(u_wide_y, q).xyz;
    float sure_near = smoothstep(0.03, 0.2, near.x);
    float sure = max(sure_near, smoothstep(0.01, 0.06, wide.x));
    vec2 centre = mix(wide.yz / max(wide.x, 1e-4), near.yz / max(near.x, 1e-4), sure_near);
    float side = mod(floor(u_beat_count), 2.0) < 0.5 ? 1.0 : -1.0;
    float a = sure * TURN * u_beat * side;
    float grow = 1.0 + sure * SWELL * (u_kick + 0.5 * u_bass);
    vec2 d = (q - centre) / grow;
    float ca = cos(a), sa = sin(a);
    q = centre + vec2(ca * d.x + sa * d.y, ca * d.y - sa * d.x);
    o_color = vec4(q - rest, 0.0, 1.0);
}
#elif defined(VJ_STAGE_flat)
void main() { o_color = vec4(mk_flat(mk_decoded(v_uv), mk_cycle()), 1.0); }
#else
void main() {
    vec2 q = vj_image_fit(v_uv) + texture(u_warp, v_uv).xy;
    o_color = vec4(texture(u_flat, clamp(q, 0.0, 1.0)).rgb, 1.0);
}
#endif
