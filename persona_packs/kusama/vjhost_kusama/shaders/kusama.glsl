// kusama source pass: it finishes the decoded frame as flat, saturated polka dots that swell with
// the bass.  The decoder draws the dots and nets; this pass draws none of its own:
//  - every pixel is snapped to the pack's small saturated palette (red, yellow, white, black,
//    blue, pink, ...) after saturation and contrast are pushed up, so colours stay vivid and flat,
//  - the edge between two palette colours is found where the decode is equally near both and
//    drawn crisp and anti-aliased (the decode is 128 pixels; the edge is drawn at 640x360, a few
//    times finer, and upscaled),
//  - with the bass and the kick the decoder's own dots swell into the ground: a blurred map of
//    "not ground" (with the dots' colours) is thresholded lower as the swell rises, so every dot,
//    net and gourd grows outward in its own colour, round and anti-aliased; the whole picture
//    also leans in a little (a lens around the centre),
//  - accented beats (the bar's downbeat and a few others) flip the colours like a negative,
//    never in the breakdown.
// The hexagonal lattice of dots that this pass used to draw itself is the pack's `motif` effect
// (kusama_motif.glsl), off by default.
//
// Cost: the full-size pass is one texture read (a bilinear upscale).  The finish itself -- the swell,
// the nine-colour nearest search, the anti-aliased edge and the flip -- runs in the `flat` stage, a fixed
// 640x360 (half of 1280x720 each way: a quarter of the pixels, still five stage pixels to a decoded
// pixel across, 2.8 down, the decode being stretched over the frame; fixed, not a share of the render
// size, so small renders and live render scales of 50-100 % keep edges at least this fine).  Its edge
// ramp is half a stage pixel wide, so at 1280x720 the upscaled edge is about a screen pixel or two
// (on a polka test frame 8 % of pixels are between palette colours, against 2.6 % when the search ran
// at full size).  Measured at 1280x720 on llvmpipe, default chain, round-robin in one run: 4.7 ms a
// frame = 2.4x a bare frame (2.0 ms), against 7.8 ms = 3.9x for the search at full size; a share of
// 0.67 of the screen cost 6.1 ms, 0.4 cost 4.1 ms but its edges soften visibly.  What needs
// neighbourhoods runs small, once per frame, at a fixed size (the same look at any render scale): the
// ground colour in a 1x1 stage, the "not ground" map at 160x90 and its separable blur (a 9-tap
// gaussian each way).
#pragma vjhost stage ground 1x1
#pragma vjhost stage cover 160x90
#pragma vjhost stage cover_x 160x90
#pragma vjhost stage swell 160x90
#pragma vjhost stage flat 640x360

#include "kusama_palette.glsl"

uniform sampler2D u_ground, u_cover, u_cover_x, u_swell, u_flat;

const float STEP = 1.5;   // gaussian taps this many texels apart: sigma 2.4 texels of the 160x90 stages

// the decode stretched over the frame; its outermost pixels (decoder edge effects) left out
vec3 ks_decoded(vec2 uv) { return vj_image_inset(uv, 0.03).rgb; }

// the swell of this frame: 0 at rest, 1 at full bass and kick
float ks_swell() { return clamp(0.75 * u_bass + 0.5 * u_kick, 0.0, 1.0); }

// the lens: the picture leans in around the centre with the swell
vec2 ks_lens(vec2 uv) { return 0.5 + (uv - 0.5) * (1.0 - 0.05 * ks_swell()); }

#if defined(VJ_STAGE_ground)
// once per frame: the ground's palette colour (rgb) and how far the colours flip this frame (a)
void main() { o_color = vec4(PALETTE[ks_ground(u_image)], ks_flip()); }
#elif defined(VJ_STAGE_cover)
// what is not ground, with its colour premultiplied (a = 1 inside dots, 0 on the ground).  A texel
// counts as much as it is surely its colour and not the ground (its margin, relative to how far
// its colour is from the ground's), and only inside a dot: where the decode snaps to another
// colour half a decoded pixel away it is a rim (pink between white and red), which must not
// lend its in-between colour to the swell.
void main() {
    vec2 uv = ks_lens(v_uv);
    vec3 v = ks_vivid(ks_decoded(uv));
    int k = ks_snap_vivid(v);
    vec2 d = vec2(0.5 / 128.0, 0.0);
    float inside = float(ks_snap(ks_decoded(uv + d.xy)) == k) * float(ks_snap(ks_decoded(uv - d.xy)) == k)
                 * float(ks_snap(ks_decoded(uv + d.yx)) == k) * float(ks_snap(ks_decoded(uv - d.yx)) == k);
    vec3 ground = texelFetch(u_ground, ivec2(0, 0), 0).rgb;
    float apart = ks_dist(PALETTE[k], ground);  // 0 when this is the ground colour (to 8-bit rounding)
    float margin = (ks_dist(v, ground) - ks_dist(v, PALETTE[k])) / max(apart, 1e-3);
    float m = smoothstep(0.1, 0.5, margin) * inside * step(1e-3, apart);
    o_color = vec4(PALETTE[k] * m, m);
}
#elif defined(VJ_STAGE_cover_x)
void main() { o_color = vj_gauss9(u_cover, v_uv, vec2(STEP / u_target_size.x, 0.0)); }
#elif defined(VJ_STAGE_swell)
// the blurred coverage (a) and the colour of the dots it comes from (rgb, no longer premultiplied)
void main() {
    vec4 s = vj_gauss9(u_cover_x, v_uv, vec2(0.0, STEP / u_target_size.y));
    o_color = vec4(s.rgb / max(s.a, 1e-3), s.a);
}
#elif defined(VJ_STAGE_flat)
// the finished picture at 640x360 (the full-size pass upscales it)

// keep the nearest two (e1 <= e2) of the distances seen so far, with their colours
void ks_top2(float e, vec3 p, inout float e1, inout vec3 c1, inout float e2, inout vec3 c2) {
    bool b1 = e < e1, b2 = e < e2;
    e2 = b1 ? e1 : (b2 ? e : e2);
    c2 = b1 ? c1 : (b2 ? p : c2);
    e1 = b1 ? e : e1;
    c1 = b1 ? p : c1;
}

void main() {
    float swell = ks_swell();
    vec2 uv = ks_lens(v_uv);
    vec3 c = ks_vivid(ks_decoded(uv));
    // the swell: where the blurred "not ground" map rises above a threshold that falls with the
    // bass, what is (near) the ground colour -- the ground, and the in-between colours of a rim, not
    // another dot's inside -- takes the nearest dot's colour; it is snapped with the rest below, so
    // the grown edge is as crisp
    vec4 gf = texelFetch(u_ground, ivec2(0, 0), 0);  // the ground colour; a: the flip
    vec4 sw = texture(u_swell, v_uv);
    float th = 0.45 - 0.4 * swell;
    float grow = smoothstep(th - 0.04, th + 0.04, sw.a) * step(0.01, swell);
    float apart = ks_dist(sw.rgb, gf.rgb);
    c = mix(c, sw.rgb, grow * (1.0 - smoothstep(0.3 * apart, 0.6 * apart, ks_dist(c, gf.rgb))));
    vec3 da, db, dc;
    ks_distances(c, da, db, dc);
    // the nearest two palette colours (compare-and-select on constants: no indexed arrays,
    // which software GL pays for per pixel)
    float e1 = 1e9, e2 = 1e9;
    vec3 c1 = vec3(0.0), c2 = vec3(0.0);
    ks_top2(da.x, PALETTE[0], e1, c1, e2, c2);
    ks_top2(da.y, PALETTE[1], e1, c1, e2, c2);
    ks_top2(da.z, PALETTE[2], e1, c1, e2, c2);
    ks_top2(db.x, PALETTE[3], e1, c1, e2, c2);
    ks_top2(db.y, PALETTE[4], e1, c1, e2, c2);
    ks_top2(db.z, PALETTE[5], e1, c1, e2, c2);
    ks_top2(dc.x, PALETTE[6], e1, c1, e2, c2);
    ks_top2(dc.y, PALETTE[7], e1, c1, e2, c2);
    ks_top2(dc.z, PALETTE[8], e1, c1, e2, c2);
    // anti-aliased edge: (e2 - e1) is 0 on the edge and grows away from it; over its gradient it is
    // about the distance in stage pixels.  The ramp is half a stage pixel: the bilinear upscale of
    // the full-size pass widens it to about a screen pixel or two
    float s = e2 - e1;
    float cover = clamp(0.5 + 2.0 * s / max(fwidth(s), 1e-6), 0.5, 1.0);
    vec3 col = mix(c2, c1, cover);
    col = mix(col, 1.0 - col, gf.a);
    o_color = vec4(col, 1.0);
}
#else
// full size: the finished picture, upscaled (one bilinear read)
void main() { o_color = vec4(texture(u_flat, v_uv).rgb, 1.0); }
#endif
