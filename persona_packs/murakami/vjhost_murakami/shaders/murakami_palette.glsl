// murakami: the pack's sixteen flat colours and the flat quantiser (included by the source pass and
// the motif layer).  Colours: ink, white, the rainbow (red, yellow, blue, green, orange, magenta,
// purple, sky), the pastels (pink, lemon, mint, lavender, baby blue) and cream -- pack.toml `palette`.
//
// The quantiser snaps a colour to the palette the way a flat, outlined drawing is made: every
// candidate is a *segment from ink to a palette colour* (a decoded outline blurs ink into the colour
// beside it; that blend must become ink or the colour, never a third colour that happens to lie
// near the blend -- yellow beside black would otherwise come out orange).  Vectorised: four vec4
// groups of four colours; the nearest two are picked out with one-hot vec4 masks and dot products
// (no dynamically indexed arrays and no per-colour branches, which software GL pays for per pixel).

const int NP = 16;
const vec3 PALETTE[NP] = vec3[NP](vec3(0.0667, 0.0667, 0.0667), vec3(1.0000, 1.0000, 1.0000), vec3(0.9020, 0.0000, 0.0706), vec3(1.0000, 0.8510, 0.0000), vec3(0.0000, 0.4078, 0.7176), vec3(0.0000, 0.6549, 0.2353), vec3(0.9529, 0.5961, 0.0000), vec3(0.8941, 0.0000, 0.4980), vec3(0.4902, 0.2471, 0.5961), vec3(0.2980, 0.7216, 0.9098), vec3(1.0000, 0.7020, 0.7804), vec3(1.0000, 0.9412, 0.5412), vec3(0.6588, 0.9020, 0.8118), vec3(0.8353, 0.7020, 1.0000), vec3(0.6275, 0.7686, 1.0000), vec3(1.0000, 0.9647, 0.8980));
const vec3 INK = vec3(0.0667);

// the palette by channel, four colours per vec4
const vec4 R0 = vec4(0.0667, 1.0000, 0.9020, 1.0000), R1 = vec4(0.0000, 0.0000, 0.9529, 0.8941);
const vec4 R2 = vec4(0.4902, 0.2980, 1.0000, 1.0000), R3 = vec4(0.6588, 0.8353, 0.6275, 1.0000);
const vec4 G0 = vec4(0.0667, 1.0000, 0.0000, 0.8510), G1 = vec4(0.4078, 0.6549, 0.5961, 0.0000);
const vec4 G2 = vec4(0.2471, 0.7216, 0.7020, 0.9412), G3 = vec4(0.9020, 0.7020, 0.7686, 0.9647);
const vec4 B0 = vec4(0.0667, 1.0000, 0.0706, 0.0000), B1 = vec4(0.7176, 0.2353, 0.0000, 0.4980);
const vec4 B2 = vec4(0.5961, 0.9098, 0.7804, 0.5412), B3 = vec4(0.8118, 1.0000, 1.0000, 0.8980);
// the same, each colour stepped one place along the rainbow (red -> orange -> yellow -> green -> sky ->
// blue -> purple -> magenta -> red) and the pastels along theirs; ink, white and cream stay: what an
// accented beat shows
const vec4 RN0 = vec4(0.0667, 1.0000, 0.9529, 0.0000), RN1 = vec4(0.4902, 0.2980, 1.0000, 0.9020);
const vec4 RN2 = vec4(0.8941, 0.0000, 1.0000, 0.6588), RN3 = vec4(0.6275, 1.0000, 0.8353, 1.0000);
const vec4 GN0 = vec4(0.0667, 1.0000, 0.5961, 0.6549), GN1 = vec4(0.2471, 0.7216, 0.8510, 0.0000);
const vec4 GN2 = vec4(0.0000, 0.4078, 0.9412, 0.9020), GN3 = vec4(0.7686, 0.7020, 0.7020, 0.9647);
const vec4 BN0 = vec4(0.0667, 1.0000, 0.0000, 0.2353), BN1 = vec4(0.5961, 0.9098, 0.0000, 0.0706);
const vec4 BN2 = vec4(0.4980, 0.7176, 0.5412, 0.8118), BN3 = vec4(1.0000, 0.7804, 1.0000, 0.8980);
// 1 / |colour - ink|^2 (0 for ink itself: its segment is the point)
const vec4 IL0 = vec4(0.0000, 0.3827, 1.4241, 0.6708), IL1 = vec4(1.8361, 2.6392, 0.9344, 1.1426);
const vec4 IL2 = vec4(2.0317, 0.8380, 0.5605, 0.5373), IL3 = vec4(0.6236, 0.5360, 0.5958, 0.4222);
const vec3 W = vec3(0.8, 1.2, 0.6);   // channel weights: roughly how different colours look

float mk_luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

// distances of c to the four ink->colour segments of one group, and where along them it lies (t)
vec4 mk_seg(vec3 c, vec4 r, vec4 g, vec4 b, vec4 il, out vec4 t) {
    vec3 p = c - INK;
    vec4 vr = r - INK.r, vg = g - INK.g, vb = b - INK.b;
    t = clamp((p.r * vr + p.g * vg + p.b * vb) * il, 0.0, 1.0);
    vec4 dr = p.r - t * vr, dg = p.g - t * vg, db = p.b - t * vb;
    return W.r * dr * dr + W.g * dg * dg + W.b * db * db;
}

// per group: (red, green, blue, t) summed over the entries a one-hot (few-hot on a tie) mask picks
vec4 mk_pick(vec4 k0, vec4 k1, vec4 k2, vec4 k3, mat4 r, mat4 g, mat4 b, mat4 tt) {
    vec4 s = vec4(dot(k0, r[0]), dot(k0, g[0]), dot(k0, b[0]), dot(k0, tt[0]))
           + vec4(dot(k1, r[1]), dot(k1, g[1]), dot(k1, b[1]), dot(k1, tt[1]))
           + vec4(dot(k2, r[2]), dot(k2, g[2]), dot(k2, b[2]), dot(k2, tt[2]))
           + vec4(dot(k3, r[3]), dot(k3, g[3]), dot(k3, b[3]), dot(k3, tt[3]));
    return s / max(dot(k0 + k1 + k2 + k3, vec4(1.0)), 1.0);
}

// c made flat: the nearest candidate's colour (ink below half way along its segment, its colour above,
// anti-aliased), and where the runner-up is nearly as near -- an edge between two colours -- the two
// mixed over a screen pixel.  The runner-up's colour is only worked out near an edge (a branch whole
// blocks of pixels skip); the derivatives are taken before it, for every pixel alike.
vec3 mk_flat(vec3 c, bool cycle) {
    vec4 t0, t1, t2, t3;
    vec4 e0 = mk_seg(c, R0, G0, B0, IL0, t0), e1 = mk_seg(c, R1, G1, B1, IL1, t1);
    vec4 e2 = mk_seg(c, R2, G2, B2, IL2, t2), e3 = mk_seg(c, R3, G3, B3, IL3, t3);
    // the palette as shown this frame (one select per group, on a uniform)
    mat4 r = cycle ? mat4(RN0, RN1, RN2, RN3) : mat4(R0, R1, R2, R3);
    mat4 g = cycle ? mat4(GN0, GN1, GN2, GN3) : mat4(G0, G1, G2, G3);
    mat4 b = cycle ? mat4(BN0, BN1, BN2, BN3) : mat4(B0, B1, B2, B3);
    mat4 tt = mat4(t0, t1, t2, t3);
    vec4 m = min(min(e0, e1), min(e2, e3));
    float best = min(min(m.x, m.y), min(m.z, m.w));
    vec4 k0 = vec4(equal(e0, vec4(best))), k1 = vec4(equal(e1, vec4(best)));
    vec4 k2 = vec4(equal(e2, vec4(best))), k3 = vec4(equal(e3, vec4(best)));
    vec4 first = mk_pick(k0, k1, k2, k3, r, g, b, tt);
    // the runner-up's distance: the nearest once the nearest is pushed away
    e0 += k0 * 1e9; e1 += k1 * 1e9; e2 += k2 * 1e9; e3 += k3 * 1e9;
    m = min(min(e0, e1), min(e2, e3));
    float second = min(min(m.x, m.y), min(m.z, m.w));
    float s = second - best;
    float cover = clamp(0.5 + s / max(fwidth(s), 1e-6), 0.5, 1.0);
    float h = first.w - 0.5;
    float fh = max(fwidth(h), 1e-4);
    vec3 col = mix(INK, first.rgb, clamp(0.5 + h / fh, 0.0, 1.0));
    if (cover < 1.0) {
        k0 = vec4(equal(e0, vec4(second))); k1 = vec4(equal(e1, vec4(second)));
        k2 = vec4(equal(e2, vec4(second))); k3 = vec4(equal(e3, vec4(second)));
        vec4 other = mk_pick(k0, k1, k2, k3, r, g, b, tt);
        col = mix(mix(INK, other.rgb, clamp(0.5 + (other.w - 0.5) / fh, 0.0, 1.0)), col, cover);
    }
    return col;
}

// the palette index nearest c (as ink or the colour at the far end of the nearest segment): for the
// small stages, never per screen pixel
int mk_snap(vec3 c) {
    vec4 t0, t1, t2, t3;
    vec4 e0 = mk_seg(c, R0, G0, B0, IL0, t0), e1 = mk_seg(c, R1, G1, B1, IL1, t1);
    vec4 e2 = mk_seg(c, R2, G2, B2, IL2, t2), e3 = mk_seg(c, R3, G3, B3, IL3, t3);
    int best = 0;
    float e = 1e9, tb = 0.0;
    for (int i = 0; i < 4; i++) {
        vec4 g = i == 0 ? e0 : (i == 1 ? e1 : (i == 2 ? e2 : e3));
        vec4 tg = i == 0 ? t0 : (i == 1 ? t1 : (i == 2 ? t2 : t3));
        for (int j = 0; j < 4; j++) {
            if (g[j] < e) { e = g[j]; best = 4 * i + j; tb = tg[j]; }
        }
    }
    return tb < 0.5 ? 0 : best;
}

// the ground: the palette colour most of a fixed set of samples of `tex` snap to.  Drawn once per
// frame into a 1x1 stage, never per pixel.
int mk_ground(sampler2D tex) {
    vec4 v0 = vec4(0.0), v1 = vec4(0.0), v2 = vec4(0.0), v3 = vec4(0.0);
    for (int i = 0; i < 24; i++) {
        vec2 q = 0.04 + 0.92 * fract(vec2(0.5) + float(i) * vec2(0.7548777, 0.5698403));
        vec4 k = vec4(float(mk_snap(texture(tex, q).rgb)));
        v0 += vec4(equal(k, vec4(0.0, 1.0, 2.0, 3.0)));
        v1 += vec4(equal(k, vec4(4.0, 5.0, 6.0, 7.0)));
        v2 += vec4(equal(k, vec4(8.0, 9.0, 10.0, 11.0)));
        v3 += vec4(equal(k, vec4(12.0, 13.0, 14.0, 15.0)));
    }
    int g = 0;
    float most = -1.0;
    for (int i = 0; i < 4; i++) {
        vec4 v = i == 0 ? v0 : (i == 1 ? v1 : (i == 2 ? v2 : v3));
        for (int j = 0; j < 4; j++) {
            if (v[j] > most) { most = v[j]; g = 4 * i + j; }
        }
    }
    return g;
}
