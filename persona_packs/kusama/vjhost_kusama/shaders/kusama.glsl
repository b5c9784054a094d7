// kusama source pass: it finishes the decoded frame as flat, saturated polka dots that swell with
// the bass.  The decoder draws the dots and nets; this pass draws none of its own:
//  - every pixel is snapped to the pack's small saturated palette (red, yellow, white, black,
//    blue, pink, ...) after saturation and contrast are pushed up, so colours stay vivid and flat,
//  - the edge between two palette colours is found where the decode is equally near both and
//    drawn crisp and anti-aliased at any size (the decode is 128 pixels; the screen is not),
//  - with the bass and the kick every dot swells into the ground: the ground colour (what most
//    of the frame snaps to, found once per frame in a 1x1 stage) loses ground to the others,
//    and the whole picture leans in a little (a lens around the centre),
//  - accented beats (the bar's downbeat and a few others) flip the colours like a negative,
//    never in the breakdown.
// The hexagonal lattice of dots that this pass used to draw itself is the pack's `motif` effect
// (kusama_motif.glsl), off by default.
#pragma vjhost stage ground 1x1

#include "kusama_palette.glsl"

uniform sampler2D u_ground;

#if defined(VJ_STAGE_ground)
void main() { o_color = vec4(float(ks_ground(u_image)) / 8.0, 0.0, 0.0, 1.0); }
#else

// keep the nearest two (e1 <= e2) of the distances seen so far, with their colours
void ks_top2(float e, vec3 p, inout float e1, inout vec3 c1, inout float e2, inout vec3 c2) {
    bool b1 = e < e1, b2 = e < e2;
    e2 = b1 ? e1 : (b2 ? e : e2);
    c2 = b1 ? c1 : (b2 ? p : c2);
    e1 = b1 ? e : e1;
    c1 = b1 ? p : c1;
}

void main() {
    float swell = clamp(0.75 * u_bass + 0.5 * u_kick, 0.0, 1.0);
    // the lens: the picture leans in around the centre with the swell
    vec2 uv = 0.5 + (v_uv - 0.5) * (1.0 - 0.05 * swell);
    // the decode stretched over the frame; its outermost pixels (decoder edge effects) left out
    vec3 c = ks_vivid(vj_image(0.03 + 0.94 * uv).rgb);
    vec3 da, db, dc;
    ks_distances(c, da, db, dc);
    // the ground colour keeps less of what is near it as the dots swell
    float g = floor(texelFetch(u_ground, ivec2(0, 0), 0).r * 8.0 + 0.5);
    float bias = 0.35 * swell;
    da += bias * vec3(equal(vec3(g), vec3(0.0, 1.0, 2.0)));
    db += bias * vec3(equal(vec3(g), vec3(3.0, 4.0, 5.0)));
    dc += bias * vec3(equal(vec3(g), vec3(6.0, 7.0, 8.0)));
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
    // anti-aliased edge: (e2 - e1) is 0 on the edge and grows away from it; over its screen
    // gradient it is about the distance in pixels
    float s = e2 - e1;
    float cover = clamp(0.5 + s / max(fwidth(s), 1e-6), 0.5, 1.0);
    vec3 col = mix(c2, c1, cover);
    col = mix(col, 1.0 - col, ks_flip());
    o_color = vec4(col, 1.0);
}
#endif
