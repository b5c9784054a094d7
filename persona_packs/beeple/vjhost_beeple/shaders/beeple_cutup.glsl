// beeple cut-up: on every beat (or every N beats) the frame is re-cut into panels of different decodes.
//
// A collage between decodes: the chain keeps the decoded frame of each of the last three beats
// (`#pragma vjhost decodes 3`: u_decode1 is the picture the previous beat ended on, u_decode2 the one
// before ...), and with the pack's hard beat cuts each of them is a different picture.  On every cut
// (`every` beats: 1 = each beat, 4 = each bar, on the bar grid) the frame is split by a guillotine
// rule into `panels` rectangles -- breadth-first binary cuts across the longer side at 30-70 %, the
// first one slanted -- and each panel shows a cut of the current picture (this chain's input, the
// source pass's finish) or of a past decode (finished here the same way, bp_finish), zoomed in and
// sometimes mirrored by the deal.  Black gutters and a neon seam run along the cuts, the seam in the
// next neon each cut and flaring white on the beat.
//   amount: 0 = the input untouched (and no pass at all); up to 1 = most panels from the past, deeper zooms.
// Cost: software GL runs every branch, so each pixel reads its panel's picture with one of four reads
// (all at decode size but the input at half size) and finishes once; hashes come three from one.  The
// pictures are 128-pixel decodes, so the pass draws at half the render size (a quarter of the pixels;
// the final upscale is bilinear) -- gutters and seams are measured in its own pixels.
#pragma vjhost scale 0.5
#pragma vjhost decodes 3
#include "beeple_common.glsl"

uniform float u_amount;  // 0..1: share of panels from past beats, zoom depth, seams
uniform float u_every;   // beats per cut (1..8)
uniform float u_panels;  // panels per cut (2..8)
uniform sampler2D u_decode1, u_decode2, u_decode3;

void main() {
    float a = clamp(u_amount, 0.0, 1.0);
    float deal = floor(u_beat_count / max(1.0, floor(u_every + 0.5)));
    float n = clamp(floor(u_panels + 0.5), 2.0, 8.0);
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = v_uv;
    vec4 r = vec4(0.0, 0.0, 1.0, 1.0);  // the panel: x0, y0, x1, y1
    float node = 1.0;
    float edge = 1e9;                    // distance to the nearest cut, in picture heights
    for (int depth = 0; depth < 3; depth++) {
        // nodes 1 .. n-1 are cut, breadth first: n leaves
        float cut = step(node, n - 0.5);
        float h = vj_hash(vec2(node * 7.13, deal * 1.618));
        float at = mix(0.3, 0.7, h);
        bool across = ((r.z - r.x) * aspect > r.w - r.y) != (fract(h * 53.1) < 0.25);  // mostly the longer side
        float slant = node == 1.0 ? (fract(h * 91.7) - 0.5) * 0.3 : 0.0;
        float x = mix(r.x, r.z, at) + slant * (p.y - 0.5);
        float y = mix(r.y, r.w, at);
        float d = across ? abs(p.x - x) * aspect : abs(p.y - y);
        bool low = across ? p.x < x : p.y < y;
        vec4 lo = across ? vec4(r.xy, x, r.w) : vec4(r.xyz, y);
        vec4 hi = across ? vec4(x, r.yzw) : vec4(r.x, y, r.zw);
        r = mix(r, low ? lo : hi, cut);
        edge = mix(edge, min(edge, d), cut);
        node = mix(node, 2.0 * node + (low ? 0.0 : 1.0), cut);
    }
    // the panel's deal: which picture, how deep a zoom, where it looks, mirrored or not
    float h1 = vj_hash(vec2(node * 3.71, deal * 0.731));
    float h2 = vj_hash(vec2(node * 5.13 + 2.0, deal * 0.577));
    float past = step(h1, a * 0.85);     // a share of the panels from the past
    float slot = past * (1.0 + floor(fract(h1 * 17.3) * 2.999));
    vec2 centre = 0.5 * (r.xy + r.zw);
    vec2 look = mix(centre, vec2(h2, fract(h2 * 29.7)), 0.35 * a);
    vec2 q = (p - centre) / (1.0 + a * 0.4 * fract(h2 * 13.1));
    q.x *= fract(h1 * 41.9) < 0.3 * a ? -1.0 : 1.0;  // a mirrored cut
    vec2 uv = clamp(look + q, 0.0, 1.0);
    vec3 c;
    if (slot < 0.5) c = texture(u_input, uv).rgb;
    else if (slot < 1.5) c = texture(u_decode1, uv).rgb;
    else if (slot < 2.5) c = texture(u_decode2, uv).rgb;
    else c = texture(u_decode3, uv).rgb;
    c = mix(c, bp_finish(c, p) * (1.0 - 0.15 * a), past);  // past panels finished here, a shade darker
    // gutters and a neon seam along the cuts, flaring on the beat
    float px = 1.0 / u_target_size.y;    // one of this pass's pixels, in picture heights
    float seams = clamp(a * 5.0, 0.0, 1.0);
    float gutter = clamp(2.5 - edge / px, 0.0, 1.0) * seams;                     // 4 of its pixels wide
    float seam = clamp(1.0 - 1.5 * edge / px, 0.0, 1.0) * seams * (0.6 + 0.4 * u_beat);  // a thin core
    c = mix(c, BP_VOID, gutter);
    c = mix(c, mix(bp_neon(deal), BP_WHITE, 0.5 * u_beat), seam);
    o_color = vec4(c, 1.0);
}
