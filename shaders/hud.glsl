// vjhost HUD: what the machine hears and how the show is doing, drawn over the finished frame
// (`vjhost run --hud`).  Drawn by vjhost/render/hud.py after the chain, at the show's size: the
// pass reads the chain's output with bilinear filtering, so it is also the upscale from a reduced
// render scale.  Every value comes in through the u_hud_* uniforms below (not the VJ block), so
// the HUD shows the same numbers as the tempo status even when the chain did not run (blackout).
//
// Bottom strip: 8 band bars | bass mid high | onset kick snare hat lamps | beat phase + 4 bar boxes.
// All text -- the labels over the strip, the BPM and the tempo source top left, fps / p99 / render
// scale / decode rate / dropped frames top right -- comes from u_hud_text, a canvas of font
// pixels drawn on the CPU only when a value changes: 64 a darkened panel, 128 the tempo source's
// swatch, 192 ink tinted with the source's colour, 255 white ink.

#undef u_bpm
uniform float u_bpm;             // the tempo the show runs at (from TempoSync)
uniform float u_hud_bands[8];    // 0..1, low to high
uniform vec4  u_hud_levels;      // bass, mid, high, rms
uniform vec4  u_hud_hits;        // onset, kick, snare, hat (0..1: envelope, 1 in the trigger frame)
uniform vec4  u_hud_beat;        // beat phase, bar phase, downbeat envelope, audio beat confidence
uniform float u_hud_source;      // 0 link, 1 midi, 2 osc, 3 tap, 4 audio, 5 internal
uniform vec2  u_hud_size;        // output size in pixels
uniform float u_hud_opacity;     // background darkening of the strip and the text panels
uniform sampler2D u_hud_text;    // the text canvas (R8, bottom row first, nearest)
uniform float u_hud_text_px;     // screen pixels per canvas pixel

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
        // onset / kick / snare / hat lamps over [0.60, 0.74] W
        float qw = 0.035 * W;
        for (int k = 0; k < 4; k++) {
            vec2 ctr = vec2(0.60 * W + (float(k) + 0.5) * qw, 0.5 * strip);
            float r = min(0.5 * qw, 0.3 * strip) - pad;
            float on = step(length(px - ctr), r);
            float level = clamp(u_hud_hits[k], 0.0, 1.0);
            ink += on * mix(vec3(0.15), vec3(1.0, 1.0, 1.0), level);
            lit = max(lit, on);
        }
        // beat phase bar (upper half) and 4 bar-phase boxes (lower half) over [0.76, 0.98] W
        float x0 = 0.76 * W, x1 = 0.98 * W;
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

    // ---- text: labels, BPM and tempo source, how the show is doing
    float t = texelFetch(u_hud_text, ivec2(px / u_hud_text_px), 0).r;
    vec3 src = SOURCE_COLORS[clamp(int(u_hud_source + 0.5), 0, 5)];
    c = mix(c, c * (1.0 - u_hud_opacity), step(0.1, t));                 // panel
    c = mix(c, src, step(0.4, t) * step(t, 0.6));                          // the source's swatch
    c = mix(c, src * 0.4 + 0.6, step(0.65, t) * step(t, 0.85));            // tinted ink (the BPM)
    c = mix(c, vec3(1.0), step(0.9, t));                                   // ink
    o_color = vec4(c, 1.0);
}
