// murakami: the pack's sixteen flat colours and the flat quantiser (included by the source pass and
// the motif layer).  Colours: ink, white, the rainbow (red, yellow, blue, green, orange, magenta,
// purple, sky), the pastels (pink, lemon, mint, lavender, baby blue) and cream -- pack.toml `palette`.
//
// The quantiser snaps a colour to the palette the way a flat, outlined drawing is made: every
// candidate is a *segment from ink to a palette colour* (a decoded outline blurs ink into the colour
// beside it; that blend must become ink or the colour, never a third colour that happens to lie
// near the blend -- yellow beside black would otherwise come out orange).  Vectorised: four vec4
// groups of four colours, compare-and-select on constants (no dynamically indexed arrays in the
// inner loop, which software GL pays for per pixel).

const int NP = 16;
const vec3 PALETTE[NP] = vec3[NP](vec3(0.0667, 0.0667, 0.0667), vec3(1.0000, 1.0000, 1.0000), vec3(0.9020, 0.0000, 0.0706), vec3(1.0000, 0.8510, 0.0000), vec3(0.0000, 0.4078, 0.7176), vec3(0.0000, 0.6549, 0.2353), vec3(0.9529, 0.5961, 0.0000), vec3(0.8941, 0.0000, 0.4980), vec3(0.4902, 0.2471, 0.5961), vec3(0.2980, 0.7216, 0.9098), vec3(1.0000, 0.7020, 0.7804), vec3(1.0000, 0.9412, 0.5412), vec3(0.6588, 0.9020, 0.8118), vec3(0.8353, 0.7020, 1.0000), vec3(0.6275, 0.7686, 1.0000), vec3(1.0000, 0.9647, 0.8980));
// on an accented beat the colours step one place along the rainbow (red -> orange -> yellow -> green
// -> sky -> blue -> purple -> magenta -> red) and the pastels along theirs; ink, white and cream stay
const int NEXT[NP] = int[NP](0, 1, 6, 5, 8, 9, 3, 2, 7, 4, 11, 12, 14, 10, 13, 15);
const vec3 INK = vec3(0.0667);

// the palette by channel, four colours per vec4
const vec4 R0 = vec4(0.0667, 1.0000, 0.9020, 1.0000), R1 = vec4(0.0000, 0.0000, 0.9529, 0.8941);
const vec4 R2 = vec4(0.4902, 0.2980, 1.0000, 1.0000), R3 = vec4(0.6588, 0.8353, 0.6275, 1.0000);
const vec4 G0 = vec4(0.0667, 1.0000, 0.0000, 0.8510), G1 = vec4(0.4078, 0.6549, 0.5961, 0.0000);
const vec4 G2 = vec4(0.2471, 0.7216, 0.7020, 0.9412), G3 = vec4(0.9020, 0.7020, 0.7686, 0.9647);
const vec4 B0 = vec4(0.0667, 1.0000, 0.0706, 0.0000), B1 = vec4(0.7176, 0.2353, 0.0000, 0.4980);
const vec4 B2 = vec4(0.5961, 0.9098, 0.7804, 0.5412), B3 = vec4(0.8118, 1.0000, 1.0000, 0.8980);
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

// keep the nearest two (e1 <= e2) candidates seen so far: their index and position along the segment
void mk_top2(float e, float i, float t, inout vec3 a, inout vec3 b) {
    // a, b = (distance, index, t)
    bool b1 = e < a.x, b2 = e < b.x;
    b = b1 ? a : (b2 ? vec3(e, i, t) : b);
    a = b1 ? vec3(e, i, t) : a;
}

// the nearest two candidates of colour c: (distance, palette index, t along ink -> colour)
void mk_nearest2(vec3 c, out vec3 a, out vec3 b) {
    vec4 t0, t1, t2, t3;
    vec4 e0 = mk_seg(c, R0, G0, B0, IL0, t0), e1 = mk_seg(c, R1, G1, B1, IL1, t1);
    vec4 e2 = mk_seg(c, R2, G2, B2, IL2, t2), e3 = mk_seg(c, R3, G3, B3, IL3, t3);
    a = vec3(1e9, 0.0, 0.0);
    b = vec3(1e9, 0.0, 0.0);
    mk_top2(e0.x, 0.0, t0.x, a, b);   mk_top2(e0.y, 1.0, t0.y, a, b);
    mk_top2(e0.z, 2.0, t0.z, a, b);   mk_top2(e0.w, 3.0, t0.w, a, b);
    mk_top2(e1.x, 4.0, t1.x, a, b);   mk_top2(e1.y, 5.0, t1.y, a, b);
    mk_top2(e1.z, 6.0, t1.z, a, b);   mk_top2(e1.w, 7.0, t1.w, a, b);
    mk_top2(e2.x, 8.0, t2.x, a, b);   mk_top2(e2.y, 9.0, t2.y, a, b);
    mk_top2(e2.z, 10.0, t2.z, a, b);  mk_top2(e2.w, 11.0, t2.w, a, b);
    mk_top2(e3.x, 12.0, t3.x, a, b);  mk_top2(e3.y, 13.0, t3.y, a, b);
    mk_top2(e3.z, 14.0, t3.z, a, b);  mk_top2(e3.w, 15.0, t3.w, a, b);
}

// the palette index nearest c (as ink or the colour at the far end of the nearest segment)
int mk_snap(vec3 c) {
    vec3 a, b;
    mk_nearest2(c, a, b);
    return a.z < 0.5 ? 0 : int(a.y);
}

// palette colour k, stepped along its rainbow when `cycle` is set
vec3 mk_colour(int k, bool cycle) { return PALETTE[cycle ? NEXT[k] : k]; }

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
