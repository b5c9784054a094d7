// kusama: the pack's flat, saturated palette and the nearest-colour search (included by the
// source pass and the motif layer).

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

// the palette by channel, three entries per vec3 (0-2, 3-5, 6-8), for a vectorised nearest search
const vec3 RA = vec3(0.86, 0.98, 0.98), GA = vec3(0.05, 0.82, 0.97), BA = vec3(0.08, 0.02, 0.94);
const vec3 RB = vec3(0.03, 0.10, 0.95), GB = vec3(0.03, 0.22, 0.30), BB = vec3(0.03, 0.80, 0.62);
const vec3 RC = vec3(0.05, 0.98, 0.30), GC = vec3(0.55, 0.45, 0.60), BC = vec3(0.25, 0.05, 1.00);

float ks_luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

vec3 ks_dist3(vec3 c, vec3 r, vec3 g, vec3 b) {   // roughly by how different they look
    vec3 dr = c.r - r, dg = c.g - g, db = c.b - b;
    return 0.8 * dr * dr + 1.2 * dg * dg + 0.6 * db * db;
}

// saturation and contrast pushed up (the decoder's colours are a little muddy)
vec3 ks_vivid(vec3 c) {
    float l = ks_luma(c);
    c = clamp(mix(vec3(l), c, 1.8), 0.0, 1.0);
    return clamp((c - 0.5) * 1.3 + 0.5, 0.0, 1.0);
}

// distances of c to the nine palette colours, in three vec3s
void ks_distances(vec3 c, out vec3 da, out vec3 db, out vec3 dc) {
    da = ks_dist3(c, RA, GA, BA);
    db = ks_dist3(c, RB, GB, BB);
    dc = ks_dist3(c, RC, GC, BC);
}

// the distance between two colours, as ks_dist3 weighs it
float ks_dist(vec3 a, vec3 b) { vec3 d = a - b; return dot(vec3(0.8, 1.2, 0.6), d * d); }

// the nearest palette entry to a colour already made vivid
int ks_snap_vivid(vec3 c) {
    vec3 da, db, dc;
    ks_distances(c, da, db, dc);
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

// the nearest palette entry
int ks_snap(vec3 c) { return ks_snap_vivid(ks_vivid(c)); }

// the ground: the palette colour most of a fixed set of samples of `tex` snap to (votes in three
// vec3 bins: no dynamically indexed arrays, cheap on software GL too).  Drawn once per frame into
// a 1x1 stage, never per pixel.
int ks_ground(sampler2D tex) {
    vec3 v0 = vec3(0.0), v1 = vec3(0.0), v2 = vec3(0.0);
    for (int i = 0; i < 12; i++) {
        vec2 q = 0.03 + 0.94 * fract(vec2(0.5) + float(i) * vec2(0.7548777, 0.5698403));
        vec3 k = vec3(float(ks_snap(texture(tex, q).rgb)));
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
    return g;
}

// accented beats (the bar's downbeat and a few others), as long as the beat rings; never in the breakdown
float ks_flip() {
    float accent = max(step(u_bar_phase, 0.2), step(0.65, vj_hash(vec2(floor(u_beat_count), 3.1))));
    return smoothstep(0.62, 0.72, u_beat) * accent * step(u_section, 2.5);
}
