// vjhost HUD: what the machine hears, drawn over the finished frame (`vjhost run --hud`).
// Drawn by vjhost/render/hud.py after the chain; every value comes in through the
// u_hud_* uniforms below (not the VJ block), so the HUD shows the same numbers as
// the tempo status even when the chain did not run (blackout).
//
// Bottom strip: 8 band bars | bass mid high | onset kick snare hat lamps | beat phase + 4 bar boxes.
// Top left: BPM in seven-segment digits, then a square in the tempo source's colour.

#undef u_bpm
uniform float u_bpm;             // the tempo the show runs at (from TempoSync)
uniform float u_hud_bands[8];    // 0..1, low to high
uniform vec4  u_hud_levels;      // bass, mid, high, rms
uniform vec4  u_hud_hits;        // onset, kick, snare, hat (0..1: envelope, 1 in the trigger frame)
uniform vec4  u_hud_beat;        // beat phase, bar phase, downbeat envelope, audio beat confidence
uniform float u_hud_source;      // 0 link, 1 midi, 2 osc, 3 tap, 4 audio, 5 internal
uniform vec2  u_hud_size;        // output size in pixels
uniform float u_hud_opacity;     // background darkening of the strip

const vec3 SOURCE_COLORS[6] = vec3[6](
    vec3(1.0, 0.55, 0.0),   // link: orange
    vec3(0.8, 0.2, 1.0),    // midi: purple
    vec3(0.0, 0.8, 1.0),    // osc: cyan
    vec3(1.0, 0.9, 0.1),    // tap: yellow
    vec3(0.2, 1.0, 0.3),    // audio: green
    vec3(0.55, 0.55, 0.55)  // internal: grey
);

float box(vec2 p, vec2 lo, vec2 hi) {
    return step(lo.x, p.x) * step(p.x, hi.x) * step(lo.y, p.y) * step(p.y, hi.y);
}

float seg_dist(vec2 p, vec2 a, vec2 b) {
    vec2 pa = p - a, ba = b - a;
    float h = clamp(dot(pa, ba) / dot(ba, ba), 0.0, 1.0);
    return length(pa - ba * h);
}

// Seven-segment digit d (0..9) in a cell p in [0,1]x[0,2]; 1 inside a lit segment.
float digit(vec2 p, int d) {
    const int CODES[10] = int[10](0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F);
    if (d < 0 || d > 9 || p.x < -0.2 || p.x > 1.2 || p.y < -0.2 || p.y > 2.2) return 0.0;
    int c = CODES[d];
    float m = 1e9;
    if ((c & 0x01) != 0) m = min(m, seg_dist(p, vec2(0.1, 2.0), vec2(0.9, 2.0)));  // a
    if ((c & 0x02) != 0) m = min(m, seg_dist(p, vec2(1.0, 1.1), vec2(1.0, 1.9)));  // b
    if ((c & 0x04) != 0) m = min(m, seg_dist(p, vec2(1.0, 0.1), vec2(1.0, 0.9)));  // c
    if ((c & 0x08) != 0) m = min(m, seg_dist(p, vec2(0.1, 0.0), vec2(0.9, 0.0)));  // d
    if ((c & 0x10) != 0) m = min(m, seg_dist(p, vec2(0.0, 0.1), vec2(0.0, 0.9)));  // e
    if ((c & 0x20) != 0) m = min(m, seg_dist(p, vec2(0.0, 1.1), vec2(0.0, 1.9)));  // f
    if ((c & 0x40) != 0) m = min(m, seg_dist(p, vec2(0.1, 1.0), vec2(0.9, 1.0)));  // g
    return step(m, 0.13);
}

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    vec2 px = v_uv * u_hud_size;
    float W = u_hud_size.x, H = u_hud_size.y;
    float strip = floor(0.16 * H);
    float pad = max(1.0, floor(0.01 * H));

    // ---- bottom strip
    if (px.y < strip) {
        c = mix(c, vec3(0.0), u_hud_opacity);
        float top = strip - pad, bot = pad, hmax = top - bot;
        vec3 ink = vec3(0.0);
        float lit = 0.0;
        // 8 bands over [0, 0.44 W]
        float bw = 0.44 * W / 8.0;
        int i = int(px.x / bw);
        if (i >= 0 && i < 8) {
            float x0 = float(i) * bw + pad, x1 = float(i + 1) * bw - pad;
            float h = clamp(u_hud_bands[i], 0.0, 1.0) * hmax;
            float on = box(px, vec2(x0, bot), vec2(x1, bot + h));
            ink += on * mix(vec3(0.1, 0.5, 1.0), vec3(1.0, 0.3, 0.6), float(i) / 7.0);
            lit = max(lit, on);
        }
        // bass / mid / high over [0.46, 0.58] W
        float lw = 0.04 * W;
        for (int k = 0; k < 3; k++) {
            float x0 = 0.46 * W + float(k) * lw + pad, x1 = 0.46 * W + float(k + 1) * lw - pad;
            float h = clamp(u_hud_levels[k], 0.0, 1.0) * hmax;
            float on = box(px, vec2(x0, bot), vec2(x1, bot + h));
            ink += on * vec3(1.0, 0.8 - 0.3 * float(k), 0.2 + 0.3 * float(k));
            lit = max(lit, on);
        }
        // onset / kick / snare / hat lamps over [0.60, 0.72] W
        float qw = 0.03 * W;
        for (int k = 0; k < 4; k++) {
            vec2 ctr = vec2(0.60 * W + (float(k) + 0.5) * qw, 0.5 * strip);
            float r = min(0.5 * qw, 0.3 * strip) - pad;
            float on = step(length(px - ctr), r);
            float level = clamp(u_hud_hits[k], 0.0, 1.0);
            ink += on * mix(vec3(0.15), vec3(1.0, 1.0, 1.0), level);
            lit = max(lit, on);
        }
        // beat phase bar (upper half) and 4 bar-phase boxes (lower half) over [0.74, 0.98] W
        float x0 = 0.74 * W, x1 = 0.98 * W;
        float mid = 0.5 * strip;
        float on = box(px, vec2(x0, mid + pad), vec2(x0 + (x1 - x0) * clamp(u_hud_beat.x, 0.0, 1.0), top));
        ink += on * vec3(1.0);
        lit = max(lit, on);
        float frame = box(px, vec2(x0, mid + pad), vec2(x1, top)) * (1.0 - on) * 0.25;
        ink += vec3(frame);
        lit = max(lit, frame);
        int cur = int(floor(clamp(u_hud_beat.y, 0.0, 0.9999) * 4.0));
        float cw = (x1 - x0) / 4.0;
        for (int k = 0; k < 4; k++) {
            float b = box(px, vec2(x0 + float(k) * cw + pad, bot), vec2(x0 + float(k + 1) * cw - pad, mid - pad));
            vec3 col = vec3(0.2);
            if (k == cur) col = (k == 0) ? mix(vec3(1.0, 0.2, 0.1), vec3(1.0, 0.9, 0.8), u_hud_beat.z) : vec3(0.9);
            ink += b * col;
            lit = max(lit, b);
        }
        c = mix(c, ink, lit);
    }

    // ---- top left: BPM digits and the tempo source colour
    float dh = floor(0.07 * H);            // digit height
    float dw = 0.5 * dh;                   // digit width
    vec2 org = vec2(pad * 2.0 + 0.2 * dw, H - pad * 2.0 - dh - 0.2 * dw);
    float panel = box(px, vec2(0.0), vec2(org.x + 5.3 * dw * 1.35 + dh, H)) * step(org.y - 0.4 * dw, px.y);
    if (panel > 0.0) {
        c = mix(c, vec3(0.0), u_hud_opacity);
        float bpm = clamp(u_bpm, 0.0, 999.9);
        int tenths = int(floor(bpm * 10.0 + 0.5));
        int digits[4] = int[4]((tenths / 1000) % 10, (tenths / 100) % 10, (tenths / 10) % 10, tenths % 10);
        float adv = dw * 1.35;
        float on = 0.0;
        for (int k = 0; k < 4; k++) {
            float x = org.x + float(k) * adv + (k == 3 ? 0.4 * dw : 0.0);
            if (k == 0 && digits[0] == 0) continue;  // no leading zero
            on = max(on, digit((px - vec2(x, org.y)) / dw, digits[k]));
        }
        // decimal point
        vec2 dp = vec2(org.x + 3.0 * adv + 0.05 * dw, org.y);
        on = max(on, step(length(px - dp), 0.15 * dw));
        vec3 src = SOURCE_COLORS[clamp(int(u_hud_source + 0.5), 0, 5)];
        c = mix(c, src * 0.4 + 0.6, on);
        // the source square, right of the digits
        float sx = org.x + 4.0 * adv + 0.6 * dw;
        float sq = box(px, vec2(sx, org.y), vec2(sx + 0.8 * dh, org.y + dh));
        c = mix(c, src, sq);
        // audio confidence: a thin bar under the square
        float conf = box(px, vec2(sx, org.y - 0.3 * dw), vec2(sx + 0.8 * dh * clamp(u_hud_beat.w, 0.0, 1.0), org.y - 0.15 * dw));
        c = mix(c, vec3(0.2, 1.0, 0.3), conf);
    }
    o_color = vec4(c, 1.0);
}
