// beeple cut-up: on every beat (or every N beats) the frame is re-cut into panels of different decodes.
//
// A collage between decodes: the chain keeps the decoded frame of each of the last three beats
// (`#pragma vjhost decodes 3`: u_decode1 is the picture the previous beat ended on, u_decode2 the one
// before ...), and with the pack's hard beat cuts each of them is a different picture.  On every cut
// (`every` beats: 1 = each beat, 4 = each bar) the frame is split by a guillotine rule into `panels`
// rectangles -- breadth-first binary cuts across the longer side at 30-70 %, the first one slanted --
// and each panel shows a cut of the current picture (this chain's input, finished by the source
// pass) or of a past decode (finished here the same way, bp_finish), zoomed and mirrored by the deal.
// Black gutters and a neon seam run along the cuts, flaring on the beat.
//   amount: 0 = the input untouched (no pass at all); up to 1 = most panels show the past, deeper zooms.
// Cost: one texture read per pixel (the panel's decode), a few hashes.
#pragma vjhost decodes 3
#include "beeple_common.glsl"

uniform float u_amount;  // 0..1: share of panels from past beats, zoom depth, seams
uniform float u_every;   // beats per cut (1..8)
uniform float u_panels;  // panels per cut (2..8)
uniform sampler2D u_decode1, u_decode2, u_decode3;

void main() {
    float a = clamp(u_amount, 0.0, 1.0);
    float deal = floor(u_beat_count / max(1.0, floor(u_every + 0.5)));
    int n = int(clamp(floor(u_panels + 0.5), 2.0, 8.0));
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = v_uv;
    vec4 r = vec4(0.0, 0.0, 1.0, 1.0);  // the panel: x0, y0, x1, y1
    int node = 1;
    float edge = 1e9;                    // distance to the nearest cut (in picture heights)
    for (int depth = 0; depth < 3; depth++) {
        if (node >= n) break;            // nodes 1 .. n-1 are cut (breadth first): n leaves
        vec2 key = vec2(float(node) * 7.13, deal * 1.618);
        float w = (r.z - r.x) * aspect, h = r.w - r.y;
        bool across = (w > h) != (vj_hash(key + 2.2) < 0.25);  // mostly cut the longer side
        float at = mix(0.3, 0.7, vj_hash(key));
        if (across) {
            float slant = node == 1 ? (vj_hash(key + 5.5) - 0.5) * 0.3 : 0.0;
            float x = mix(r.x, r.z, at) + slant * (p.y - 0.5);
            edge = min(edge, abs(p.x - x) * aspect);
            if (p.x < x) { r.z = x; node = 2 * node; } else { r.x = x; node = 2 * node + 1; }
        } else {
            float y = mix(r.y, r.w, at);
            edge = min(edge, abs(p.y - y));
            if (p.y < y) { r.w = y; node = 2 * node; } else { r.y = y; node = 2 * node + 1; }
        }
    }
    // the panel's deal: which decode, how deep a zoom, mirrored or not
    vec2 key = vec2(float(node) * 3.71, deal * 0.731);
    float past = step(vj_hash(key), a * 0.85);              // a share `a` of the panels from the past
    int slot = past > 0.5 ? 1 + int(floor(vj_hash(key + 1.9) * 2.999)) : 0;
    vec2 centre = 0.5 * (r.xy + r.zw);
    vec2 look = mix(centre, vec2(vj_hash(key + 4.4), vj_hash(key + 6.6)), 0.35 * a);
    float zoom = 1.0 + a * 0.7 * vj_hash(key + 8.8);
    vec2 q = p - centre;
    if (vj_hash(key + 3.3) < 0.3 * a) q.x = -q.x;           // a mirrored cut
    vec2 uv = clamp(look + q / zoom, 0.0, 1.0);
    vec3 c;
    if (slot == 0) c = texture(u_input, uv).rgb;
    else if (slot == 1) c = bp_finish(texture(u_decode1, uv).rgb, p);
    else if (slot == 2) c = bp_finish(texture(u_decode2, uv).rgb, p);
    else c = bp_finish(texture(u_decode3, uv).rgb, p);
    // gutters and a neon seam along the cuts, the seam flaring on the beat
    float px = 1.0 / u_resolution.y;                        // one pixel, in picture heights
    float seams = smoothstep(0.0, 0.2, a);
    float gutter = 1.0 - smoothstep(2.5 * px, 3.5 * px, edge);
    float seam = 1.0 - smoothstep(0.4 * px, 1.2 * px, edge);
    vec3 neon = BP_NEON[int(mod(deal, 4.0))];
    c = mix(c, BP_PALETTE[0], gutter * seams);
    c = mix(c, mix(neon, BP_WHITE, 0.5 * u_beat), seam * seams * (0.6 + 0.4 * u_beat));
    // a shade on the past panels so the current picture leads
    c *= 1.0 - 0.15 * past * a;
    c = mix(texture(u_input, v_uv).rgb, c, step(1e-6, a));
    o_color = vec4(c, 1.0);
}
