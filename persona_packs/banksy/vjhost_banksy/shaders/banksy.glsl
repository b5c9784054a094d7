// banksy source pass: the decoded wall finished as stencil street art -- crisp black stencils and one red
// accent on a smooth concrete or brick wall, a sprayed edge that widens with the bass, a paint splatter
// on every onset.  The decoder draws the walls and the stencils; this pass draws none of its own (the
// shader-drawn stencil rats are the pack's `motif` effect, banksy_motif.glsl, off by default):
//  - the decode keeps its proportions: it fills the screen's height and is mirror-repeated sideways,
//  - the stencil is cut clean: ink is whatever is darker than half way from ink to the bare wall around
//    it, the accent whatever is redder than half way from that wall to the accent red, both edges
//    anti-aliased (drawn in decode space at 360x360, upscaled); the rest is wall, kept smooth but put
//    back on the wall's own colours (the decoder's stray tints removed; beside paint, the bare wall
//    around it: no soft dark or pink ring) -- one accent colour, never more,
//  - the spray-paint edge: outside every stencil a band of paint speckles (fine grain, fixed on the
//    wall, denser toward the edge), in the stencil's own colour; the bass and the kick widen the band
//    like a heavier hand on the can,
//  - a paint splatter on every onset: a lumpy blot with tapering arms and a ring of droplets, black or
//    red, somewhere new on the wall each time, shrinking away after half a second (its age and place
//    come from the onset envelope, which falls by a known rate: no state is kept),
//  - a kick pushes the whole picture in a touch.
//
// Cost: the full-size pass is one texture read and a hash (the spray's grain, which is fixed on the
// screen's pixels).  The stencil cut, the wall and the splatter are finished in decode space, in the
// `flat` stage: a fixed 360x360 square (half the height of 1280x720: a seventh of its pixels, still
// about three stage pixels to a decoded one; fixed, not a share of the render size, so small renders
// and live render scales keep edges at least this fine), its alpha holding the spray band for the
// full-size pass; its edges ramp over half a stage pixel, so upscaled to 720 lines they are about a
// screen pixel or two.  It reads one texel of decode space holding the bare wall, the paint nearby and
// the splatter (the `edge` stage, 128x128); the paint map and the bare wall are 64x64 stages in decode
// space (each with a separable gaussian blur): a fixed cost per frame at any render size.  Measured
// at 1280x720 on llvmpipe, default chain, round-robin in one run: 5.0 ms a frame = 2.5x a bare frame
// (2.0 ms), against 7.0 ms = 3.5x for the stencil cut at full size; 480x480 cost 6.0 ms.
#pragma vjhost stage paint 64x64
#pragma vjhost stage paint_x 64x64
#pragma vjhost stage paint_y 64x64
#pragma vjhost stage wall 64x64 float
#pragma vjhost stage wall_x 64x64 float
#pragma vjhost stage wall_y 64x64 float
#pragma vjhost stage edge 128x128 float
#pragma vjhost stage flat 360x360

#include "banksy_common.glsl"

uniform sampler2D u_paint, u_paint_x, u_paint_y, u_wall, u_wall_x, u_wall_y, u_edge, u_flat;

const float AA = 2.0;        // edges in the flat stage ramp over 1/AA of its texels
const float CROP = 0.03;     // the decode's outermost pixels (decoder edge effects) left out
const float TAU = 0.0651;    // the onset envelope's time constant: it falls to 0.1 in 0.15 s
const float LIFE = 0.6;      // seconds a splatter stays on the wall
const vec3 BRICK_TINT = vec3(0.72, -0.27, -0.48);   // brick over grey of the same lightness, per unit of redness
const float SPREAD = 1.0;    // the paint map's gaussian taps a texel (two decoded pixels) apart: sigma 3.2 decoded pixels

vec3 bk_decoded(vec2 q) { return vj_image_inset(q, CROP).rgb; }

// a paint splatter around the origin of p (screen heights): a blot of radius r with `arms` arms
float bk_splat(vec2 p, float r, float arms, float phase) {
    float rho = length(p);
    float a = atan(p.y, p.x);
    float lump = 1.0 + 0.18 * sin(3.0 * a + phase) + 0.1 * sin(5.0 * a - 2.0 * phase);
    float k = max(cos(arms * (a + phase)), 0.0);
    float k4 = k * k; k4 *= k4;
    float arm = k4 * k4 * k4 * (0.8 + 0.4 * sin(2.0 * a + 3.0 * phase));   // cos^12: narrow arms
    float d = rho - r * (lump + arm);
    // droplets on a golden-angle spiral, smaller further out (the direction turned step by step)
    vec2 dir = vec2(cos(2.0 * phase), sin(2.0 * phase));
    const mat2 GOLDEN = mat2(-0.7373689, 0.6754903, -0.6754903, -0.7373689);   // a turn of 2.39996 rad
    for (int i = 0; i < 9; i++) {
        float dist = r * (1.5 + 0.35 * float(i));
        d = min(d, length(p - dist * dir) - r * 0.22 * (1.0 - float(i) / 11.0));
        dir = GOLDEN * dir;
    }
    return d;
}

// this onset's splatter: (centre, radius, a hash for its shape and paint) in decode space; radius 0
// once it is LIFE old or when there is none.  Its age comes from the onset envelope (it falls by a
// known rate), its place from the onset's moment, to 1/8 s: no state is kept.
vec4 bk_splat_now() {
    float age = -TAU * log(max(u_onset, 1e-30));
    float slot = floor((u_time - age) * 8.0 + 0.5);
    vec3 h = vec3(vj_hash(vec2(slot, 1.7)), vj_hash(vec2(slot, 5.3)), vj_hash(vec2(slot, 9.1)));
    float fade = 1.0 - smoothstep(LIFE - 0.2, LIFE, age);   // the last 0.2 s it shrinks away
    float r = (0.08 + 0.05 * h.z) * (0.3 + 0.7 * fade) * step(age, LIFE);
    return vec4(0.15 + 0.7 * h.x, 0.2 + 0.6 * h.y, r, h.z);
}

#if defined(VJ_STAGE_paint)
// where the decode is paint (ink or red) and how much of it is red
void main() { o_color = vec4(bk_paint(bk_decoded(v_uv)), 0.0, 1.0); }
#elif defined(VJ_STAGE_paint_x)
void main() { o_color = vj_gauss9(u_paint, v_uv, vec2(SPREAD / u_target_size.x, 0.0)); }
#elif defined(VJ_STAGE_paint_y)
void main() { o_color = vj_gauss9(u_paint_x, v_uv, vec2(0.0, SPREAD / u_target_size.y)); }
#elif defined(VJ_STAGE_wall)
// the bare wall: the decode away from any paint (its soft overspray ramp left out), weighted
void main() {
    float w = 1.0 - smoothstep(0.0, 0.06, texture(u_paint_y, v_uv).x);
    o_color = vec4(bk_decoded(v_uv) * w, w);
}
#elif defined(VJ_STAGE_wall_x)
void main() { o_color = vj_gauss9(u_wall, v_uv, vec2(1.2 / u_target_size.x, 0.0)); }
#elif defined(VJ_STAGE_wall_y)
// the bare wall's colour (-1 where the wall around is all paint)
void main() {
    vec4 w = vj_gauss9(u_wall_x, v_uv, vec2(0.0, 1.2 / u_target_size.y));
    o_color = vec4(w.a > 0.02 ? w.rgb / w.a : vec3(-1.0), 1.0);
}
#elif defined(VJ_STAGE_edge)
// What the full-size pass reads, in one texel of decode space: the bare wall around (its lightness and
// redness), the paint nearby (negative where most of it is red), and this onset's splatter as a dome
// (1 inside, a half on its edge: the full-size pass cuts it there, anti-aliased)
void main() {
    vec4 w = texture(u_wall_y, v_uv);
    vec3 wall = w.r < 0.0 ? bk_decoded(v_uv) : w.rgb;
    vec2 near = texture(u_paint_y, v_uv).xy;
    float dome = 0.0;
    vec4 s = bk_splat_now();
    if (s.z > 0.0) {
        vec2 p = v_uv - s.xy;
        float d = length(p) < s.z * 4.6 ? bk_splat(p, s.z, floor(5.0 + 4.0 * s.w), 6.2831853 * fract(s.w * 7.3)) : 1.0;
        dome = clamp(0.5 - d / (0.25 * s.z), 0.0, 1.0);
    }
    o_color = vec4(bk_luma(wall), bk_redness(wall), near.y > 0.5 * near.x ? -near.x : near.x, dome);
}
#elif defined(VJ_STAGE_flat)
// the wall finished in decode space: rgb its colour (the stencil cut clean, the wall, the splatter); a
// the spray band, 0.5 plus half the share of grains that take paint there (minus: red paint nearby)
void main() {
    vec2 q = v_uv;
    vec3 c = bk_decoded(q);
    vec4 e = texture(u_edge, q);
    float near = abs(e.z);

    // the stencil, cut clean: ink where the decode is darker than half way from the ink to the wall
    // around it, the accent where it is redder than half way from that wall to the accent; both
    // edges anti-aliased; the wall beside paint is the bare wall around it (no dark or pink ring)
    float l = bk_luma(c), rd = bk_redness(c);
    float ink_level = 0.5 * (bk_luma(INK) + max(e.x, 0.3));
    float red_level = 0.5 * (bk_redness(ACCENT) + clamp(e.y, 0.0, 0.4));
    float red = clamp(0.5 + AA * (rd - red_level) / max(fwidth(rd), 1e-4), 0.0, 1.0);
    float ink = clamp(0.5 + AA * (ink_level - l) / max(fwidth(l), 1e-4), 0.0, 1.0) * (1.0 - red);
    vec3 wall = e.x * WARM + max(e.y, 0.0) * BRICK_TINT;   // the bare wall's colour again
    vec3 col = bk_wall(mix(c, wall, smoothstep(0.0, 0.08, near)));
    col = mix(mix(col, ACCENT, red), INK, ink);

    // the sprayed edge: how many grains outside the stencil take paint, more toward it; the bass
    // widens the band (the grains themselves are drawn at full size)
    float heavy = clamp(u_bass + 0.5 * u_kick, 0.0, 1.0);
    float density = smoothstep(0.18 - 0.14 * heavy, 0.5, near);

    // the onset's splatter, black or red, on the wall (and no spray over it)
    float splat = clamp(0.5 + AA * (e.w - 0.5) / max(fwidth(e.w), 1e-4), 0.0, 1.0);
    col = mix(col, bk_splat_now().w > 0.55 ? ACCENT : INK, splat);
    float spray = 0.85 * density * (1.0 - max(ink, red)) * (1.0 - splat);
    o_color = vec4(col, 0.5 + 0.5 * (e.z < 0.0 ? -spray : spray));
}
#else
// full size: the finished wall, upscaled, and the spray's grains (fixed on the screen's pixels)
void main() {
    vec2 uv = 0.5 + (v_uv - 0.5) * (1.0 - 0.04 * u_kick);   // a kick pushes in
    vec4 f = texture(u_flat, vj_image_fit(uv));
    float spray = 2.0 * f.a - 1.0;
    float g = max(1.0, floor(u_resolution.y / 360.0 + 0.5));    // grain: about 1/360 of the height
    // a grain takes paint where its hash is below the band's share (0.006: 8-bit rounding, no paint)
    float speck = float(vj_hash(floor(gl_FragCoord.xy / g)) + 0.006 < abs(spray));
    o_color = vec4(mix(f.rgb, spray < 0.0 ? ACCENT : INK, speck), 1.0);
}
#endif
