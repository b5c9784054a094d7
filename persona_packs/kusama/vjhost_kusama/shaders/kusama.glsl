// kusama source pass: the decoded frame re-screened as flat polka dots that swell with the bass.
//
// The decoder paints soft fields of colour with faint dot texture; this pass makes them dots:
//  - a hexagonal lattice of round dots covers the screen (round on any aspect ratio); each dot
//    takes the decoded colour at its centre, snapped to a small saturated palette (red, yellow,
//    pink, blue, ...), so every colour stays vivid and flat,
//  - the ground is the frame's dominant palette colour, one flat colour over the whole screen;
//    where the decode matches the ground the dot is drawn in its contrast colour (white on red,
//    black on yellow), elsewhere in the decoded colour, a little bigger,
//  - every dot swells with the bass and the kick until neighbours touch,
//  - accented beats (the bar's downbeat and a few others) flip the colours like a negative,
//    never in the breakdown.

const float TAU = 6.2831853;
const float PITCH = 1.0 / 14.0;   // dot spacing, in screen heights
const int NG = 6;                 // samples that find the ground colour
const int NP = 9;

const vec3 PALETTE[NP] = vec3[NP](
    vec3(0.86, 0.05, 0.08),   // red
    vec3(0.98, 0.82, 0.02),   // yellow
    vec3(0.98, 0.97, 0.94),   // white
    vec3(0.03, 0.03, 0.03),   // black
    vec3(0.10, 0.22, 0.80),   // blue
    vec3(0.95, 0.30, 0.62),   // pink
    vec3(0.05, 0.55, 0.25),   // green
    vec3(0.98, 0.45, 0.05),   // orange
    vec3(0.30, 0.60, 1.00));  // sky (the mirror room's lights)

// the decode, stretched over the frame; its outermost pixels (decoder edge effects) left out
vec3 img(vec2 q) { return vj_image(0.03 + 0.94 * clamp(q, 0.0, 1.0)).rgb; }

float luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

// the palette by channel, three entries per vec3 (0-2, 3-5, 6-8), for a vectorised nearest search
const vec3 RA = vec3(0.86, 0.98, 0.98), GA = vec3(0.05, 0.82, 0.97), BA = vec3(0.08, 0.02, 0.94);
const vec3 RB = vec3(0.03, 0.10, 0.95), GB = vec3(0.03, 0.22, 0.30), BB = vec3(0.03, 0.80, 0.62);
const vec3 RC = vec3(0.05, 0.98, 0.30), GC = vec3(0.55, 0.45, 0.60), BC = vec3(0.25, 0.05, 1.00);

vec3 dist3(vec3 c, vec3 r, vec3 g, vec3 b) {   // roughly by how different they look
    vec3 dr = c.r - r, dg = c.g - g, db = c.b - b;
    return 0.8 * dr * dr + 1.2 * dg * dg + 0.6 * db * db;
}

// saturation and contrast pushed up, then the nearest palette colour
int snap(vec3 c) {
    float l = luma(c);
    c = clamp(mix(vec3(l), c, 1.8), 0.0, 1.0);
    c = clamp((c - 0.5) * 1.3 + 0.5, 0.0, 1.0);
    vec3 da = dist3(c, RA, GA, BA), db = dist3(c, RB, GB, BB), dc = dist3(c, RC, GC, BC);
    int best = 0;
    float e = da.x;
    if (da.y < e) { e = da.y; best = 1; }
    if (da.z < e) { e = da.z; best = 2; }
    if (db.x < e) { e = db.x; best = 3; }
    if (db.y < e) { e = db.y; best = 4; }
    if (db.z < e) { e = db.z; best = 5; }
    if (dc.x < e) { e = dc.x; best = 6; }
    if (dc.y < e) { e = dc.y; best = 7; }
    if (dc.z < e) { e = dc.z; best = 8; }
    return best;
}

// the centre of the nearest dot of a hexagonal lattice with unit spacing
vec2 hex_centre(vec2 p) {
    const vec2 r = vec2(1.0, 1.7320508);
    vec2 a = (floor(p / r) + 0.5) * r;
    vec2 b = (floor((p - 0.5 * r) / r) + 0.5) * r + 0.5 * r;
    return dot(p - a, p - a) < dot(p - b, p - b) ? a : b;
}

void main() {
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y) / PITCH;   // lattice units (square on screen)
    vec2 cell = hex_centre(p);
    vec2 q = cell * PITCH / vec2(aspect, 1.0);         // the dot centre in decoded-image coordinates

    // the ground: the palette colour most of a fixed set of samples snap to (the same everywhere).
    // Votes go into three vec3 bins (no dynamically indexed arrays: cheap on software GL too).
    vec3 v0 = vec3(0.0), v1 = vec3(0.0), v2 = vec3(0.0);
    for (int i = 0; i < NG; i++) {
        vec3 k = vec3(float(snap(img(fract(vec2(0.5) + float(i) * vec2(0.7548777, 0.5698403))))));
        v0 += vec3(equal(k, vec3(0.0, 1.0, 2.0)));
        v1 += vec3(equal(k, vec3(3.0, 4.0, 5.0)));
        v2 += vec3(equal(k, vec3(6.0, 7.0, 8.0)));
    }
    int g = 0;
    float most = v0.x;
    if (v0.y > most) { most = v0.y; g = 1; }
    if (v0.z > most) { most = v0.z; g = 2; }
    if (v1.x > most) { most = v1.x; g = 3; }
    if (v1.y > most) { most = v1.y; g = 4; }
    if (v1.z > most) { most = v1.z; g = 5; }
    if (v2.x > most) { most = v2.x; g = 6; }
    if (v2.y > most) { most = v2.y; g = 7; }
    if (v2.z > most) { most = v2.z; g = 8; }
    vec3 ground = PALETTE[g];
    // the contrast colour: white on dark and strong grounds, black on light ones
    vec3 contrast = luma(ground) < 0.45 ? PALETTE[2] : PALETTE[3];

    // this dot: its colour, and whether the decode is brighter here than around it
    vec3 c = img(q);
    vec3 around = vec3(0.0);
    vec2 reach = 1.5 * PITCH * vec2(1.0 / aspect, 1.0);   // six neighbours, constant directions
    around += img(q + reach * vec2(1.0, 0.0)) + img(q + reach * vec2(-1.0, 0.0));
    around += img(q + reach * vec2(0.5, 0.8660254)) + img(q + reach * vec2(-0.5, 0.8660254));
    around += img(q + reach * vec2(0.5, -0.8660254)) + img(q + reach * vec2(-0.5, -0.8660254));
    float spot = clamp(luma(c) - luma(around / 6.0), -0.12, 0.12);
    int k = snap(c);
    bool plain = k == g;
    vec3 dot_col = plain ? contrast : PALETTE[k];
    // on a black ground (the mirror room) the plain dots are faint, far-away lights
    float base = plain ? (g == 3 ? 0.14 : 0.30) : 0.38;

    float swell = clamp(0.75 * u_bass + 0.5 * u_kick, 0.0, 1.0);
    float r = clamp((base + 0.8 * spot) * (1.0 + 0.6 * swell), 0.08, 0.46);
    float aa = 0.75 / (PITCH * u_resolution.y);
    float mask = smoothstep(r + aa, r - aa, length(p - cell));
    vec3 col = mix(ground, dot_col, mask);

    // accented beats: a negative for as long as the beat rings
    float accent = max(step(u_bar_phase, 0.2), step(0.65, vj_hash(vec2(floor(u_beat_count), 3.1))));
    float flip = smoothstep(0.62, 0.72, u_beat) * accent * step(u_section, 2.5);
    col = mix(col, 1.0 - col, flip);
    o_color = vec4(col, 1.0);
}
