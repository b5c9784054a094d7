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
// Cost: nothing of the deal depends on the pixel but which side of each cut it lies, so the cut tree is
// worked out once a frame in a 16x1 float stage `cuts` (per node: its cut as a line, d = a x + b y + c,
// the first cut's slant carried down as a slope of the x edges below it; per leaf: the screen-to-picture
// map of its panel; which picture each panel shows), and the three past decodes are finished once a
// frame, side by side at their own 128 pixels, in a 384x128 stage `past`.  Per pixel the pass, at half
// the render size (the chain's final copy is the upscale), walks the tree with three texel fetches and
// two dots, fetches its leaf and reads one picture: the input or the past atlas, in a branch (software
// GL skips a branch no pixel of a block takes, and a panel is one picture); the gutter and seam are
// worked out only near a cut, in a branch too.  Measured at 1280x720 on llvmpipe, round-robin in one
// run: the default chain 3.06x -> 2.78x a bare frame from this pass alone (it walked the tree per
// pixel: three hashes and the rect's mixes per level, two hashes for the deal, four picture reads and
// the finish for past panels, 2.4 ms of ALU at half size); with the source's `fin` stage, 3.02x ->
// 2.68x (vjhost bench: the cut-up adds 2.3 ms, was 3.4; offline 1.31x realtime, was 1.04x).  The
// stages cost about 0.25 ms each, mostly fixed; the tree walk's four fetches about 0.5 ms.  The
// zoom is rounded to what a half float holds, so at amount ~0 the panels are the input exactly.  Differences from the per-pixel walk: a slanted child's "across or along" is decided at its
// rect's middle row (it could flip part way down the panel), and the past panels' window flicker cells
// sit on the decode, not the screen.
#pragma vjhost stage cuts 16x1 float
#pragma vjhost stage past 384x128
#pragma vjhost scale 0.5
#pragma vjhost decodes 3
#include "beeple_common.glsl"

uniform float u_amount;  // 0..1: share of panels from past beats, zoom depth, seams
uniform float u_every;   // beats per cut (1..8)
uniform float u_panels;  // panels per cut (2..8)
uniform sampler2D u_decode1, u_decode2, u_decode3;
uniform sampler2D u_cuts, u_past;

const float BIG = 1e4;     // "no cut here" (a half float holds it)

// the deal: a new cut every `every` beats
float bp_deal() { return floor(u_beat_count / max(1.0, floor(u_every + 0.5))); }

#if defined(VJ_STAGE_cuts)
// One texel per node of the cut tree (a heap: node k's halves are 2k and 2k+1), worked out once a
// frame.  Columns 1-7, the nodes that may be cut: the cut as a line, (a, b, c) with d = a x + b y + c
// at the screen point (x, y): the pixel goes to the low half where d < 0, and |d| is its distance to
// the cut in picture heights (the first cut is slanted, so every x edge below it is a line in y too).
// A node not cut is (0, 0, -BIG): all its pixels go low, no edge.  In columns 4-7, w is which picture
// each half shows (0 = the input, 1-3 = u_decode1-3; low + 4 high).  Columns 8-15, the leaves at depth
// 3: the panel each shows, as the map from the screen to the picture (uv.x = m x + e y + f,
// uv.y = |m| y + g: zoomed by 1/|m|, mirrored when m < 0) in (m, e, f, g).
float g_aspect, g_deal, g_n, g_a;

// The rect of a node: its x edges as lines in y (lo at y = 0 and slope, hi at y = 0 and slope), its
// y edges.  The cut of node k (a float, as the tree walk hashed it), in its rect r.
struct Rect { vec2 x0, x1, y; };

// the cut of node k in r: across (an x that is a line in y) or along y; the line (a, b, c) of d
vec3 cut_of(float k, Rect r, out bool across, out vec2 cx, out float cy) {
    float h = vj_hash(vec2(k * 7.13, g_deal * 1.618));
    float at = mix(0.3, 0.7, h);
    float ymid = 0.5 * (r.y.x + r.y.y);
    float width = (r.x1.x - r.x0.x) + (r.x1.y - r.x0.y) * ymid;  // at the rect's middle row
    across = (width * g_aspect > r.y.y - r.y.x) != (fract(h * 53.1) < 0.25);  // mostly the longer side
    float slant = k == 1.0 ? (fract(h * 91.7) - 0.5) * 0.3 : 0.0;
    cx = mix(vec2(r.x0.x, r.x0.y), vec2(r.x1.x, r.x1.y), at) + vec2(-0.5 * slant, slant);  // x = cx.x + cx.y y
    cy = mix(r.y.x, r.y.y, at);
    return across ? g_aspect * vec3(1.0, -cx.y, -cx.x) : vec3(0.0, 1.0, -cy);
}

// the rect of node k (every node above it is cut)
Rect rect_of(int k) {
    int d = k >= 8 ? 3 : (k >= 4 ? 2 : (k >= 2 ? 1 : 0));
    Rect r = Rect(vec2(0.0), vec2(1.0, 0.0), vec2(0.0, 1.0));
    int node = 1;
    for (int i = 0; i < 3; i++) {
        if (i < d) {
            int bit = (k >> (d - 1 - i)) & 1;
            bool across; vec2 cx; float cy;
            cut_of(float(node), r, across, cx, cy);
            if (across) { if (bit == 1) r.x0 = cx; else r.x1 = cx; }
            else { if (bit == 1) r.y.x = cy; else r.y.y = cy; }
            node = 2 * node + bit;
        }
    }
    return r;
}

// the leaf that a pixel ending its walk at k (8..15) is in: the first node on the way not cut
int leaf_of(int k) {
    for (int j = 3; j > 0; j--) {
        if (float(k >> j) > g_n - 0.5) return k >> j;
    }
    return k;
}

// the panel's deal: which picture, how deep a zoom, where it looks, mirrored or not
float slot_of(float node) {
    float h1 = vj_hash(vec2(node * 3.71, g_deal * 0.731));
    return step(h1, g_a * 0.85) * (1.0 + floor(fract(h1 * 17.3) * 2.999));  // a share from the past
}

vec4 map_of(float node, Rect r) {
    float h1 = vj_hash(vec2(node * 3.71, g_deal * 0.731));
    float h2 = vj_hash(vec2(node * 5.13 + 2.0, g_deal * 0.577));
    vec2 cx = 0.5 * (r.x0 + r.x1);                    // the centre's x, a line in y
    float cy = 0.5 * (r.y.x + r.y.y);
    float t = 0.35 * g_a;                             // look = mix(centre, (h2, ..), t)
    float z = 1.0 / (1.0 + g_a * 0.4 * fract(h2 * 13.1));
    z = 1.0 - floor((1.0 - z) * 2048.0 + 0.5) / 2048.0;  // a half float holds it exactly: 1 stays 1
    float m = fract(h1 * 41.9) < 0.3 * g_a ? -z : z;  // a mirrored cut
    // uv = look + (p - centre) * (m, z)
    return vec4(m, (1.0 - t - m) * cx.y, (1.0 - t - m) * cx.x + t * h2,
                (1.0 - t) * cy + t * fract(h2 * 29.7) - z * cy);
}

void main() {
    g_aspect = u_resolution.x / u_resolution.y;
    g_deal = bp_deal();
    g_n = clamp(floor(u_panels + 0.5), 2.0, 8.0);
    g_a = clamp(u_amount, 0.0, 1.0);
    int k = int(gl_FragCoord.x);
    if (k >= 8) {
        int e = leaf_of(k);
        o_color = map_of(float(e), rect_of(e));
        return;
    }
    vec4 o = vec4(0.0, 0.0, -BIG, 0.0);
    if (k >= 1 && float(k) < g_n - 0.5) {
        bool across; vec2 cx; float cy;
        o.xyz = cut_of(float(k), rect_of(k), across, cx, cy);
    }
    if (k >= 4) o.w = slot_of(float(leaf_of(2 * k))) + 4.0 * slot_of(float(leaf_of(2 * k + 1)));
    o_color = o;
}
#elif defined(VJ_STAGE_past)
// the three past decodes side by side, finished (bp_finish, the window grid over the decode) and a
// shade darker
void main() {
    float w = v_uv.x * 3.0;
    vec2 uv = vec2(fract(w), v_uv.y);
    vec3 c = w < 1.0 ? texture(u_decode1, uv).rgb : (w < 2.0 ? texture(u_decode2, uv).rgb : texture(u_decode3, uv).rgb);
    o_color = vec4(bp_finish(c, uv) * (1.0 - 0.15 * clamp(u_amount, 0.0, 1.0)), 1.0);
}
#else
void main() {
    float a = clamp(u_amount, 0.0, 1.0);
    vec3 p = vec3(v_uv, 1.0);
    int node = 1;
    float edge = BIG;                    // distance to the nearest cut, in picture heights
    vec4 t;
    for (int i = 0; i < 3; i++) {
        t = texelFetch(u_cuts, ivec2(node, 0), 0);
        float d = dot(t.xyz, p);
        edge = min(edge, abs(d));
        node = 2 * node + int(d >= 0.0);
    }
    float slot = (node & 1) == 1 ? floor(t.w * 0.25) : mod(t.w, 4.0);
    vec4 m = texelFetch(u_cuts, ivec2(node, 0), 0);
    vec2 uv = clamp(vec2(dot(m.xyz, p), abs(m.x) * v_uv.y + m.w), 0.0, 1.0);
    vec3 c;
    if (slot < 0.5) c = texture(u_input, uv).rgb;
    else c = texture(u_past, vec2((clamp(uv.x, 0.5 / 128.0, 1.0 - 0.5 / 128.0) + slot - 1.0) / 3.0, uv.y)).rgb;
    // gutters and a neon seam along the cuts, flaring on the beat
    float px = 1.0 / u_target_size.y;    // one of this pass's pixels, in picture heights
    if (edge < 2.5 * px) {
        float seams = clamp(a * 5.0, 0.0, 1.0);
        float gutter = clamp(2.5 - edge / px, 0.0, 1.0) * seams;                     // 4 of its pixels wide
        float seam = clamp(1.0 - 1.5 * edge / px, 0.0, 1.0) * seams * (0.6 + 0.4 * u_beat);  // a thin core
        c = mix(c, BP_VOID, gutter);
        c = mix(c, mix(bp_neon(bp_deal()), BP_WHITE, 0.5 * u_beat), seam);
    }
    o_color = vec4(c, 1.0);
}
#endif
