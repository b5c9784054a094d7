// teamlab source pass: the decoded frame as light flowing on a deep dark ground.
//
// The VAE carries the shapes (particles, petals, blossoms, streams of light); this pass
//  - keeps the ground deep (the decoder's haze goes to black) and the lights luminous,
//    swelling a little with the bass,
//  - bends the picture along a slow, smooth, ever-changing flow field (the curl of a few
//    drifting waves: divergence-free, so light swirls like water instead of piling up),
//  - lets last frame's lights flow downstream along the same field and fade (trails
//    through u_prev), so everything seems to drift like petals on water; only what stands
//    out from its surroundings feeds back, so the bloom after this pass never builds up,
//  - and on every onset bursts 40 sparks out of the brightest of four places in the
//    picture: brightness follows the onset envelope, the sparks fly out (fast, then
//    slowing, falling a little) as it decays, and their colours come from the decoded
//    frame, so they belong to the scene.  Each onset picks its own place.

const float TAU = 6.2831853;
const int SPARKS = 40;
const float ONSET_T10 = 0.15;        // the analysis onset envelope falls from 1 to 0.1 in 0.15 s
const float FLOW_RATE = 0.7;         // how fast the flow field itself changes
const float FLOW_SPEED = 0.07;       // how far trails drift per second (share of picture height)
const float WARP = 0.06;             // how far the picture is bent along the flow (share of height)
const float TRAIL_HALF_LIFE = 0.16;  // seconds
const float TRAIL_RING = 0.012;      // what counts as "surroundings" for a trail (share of height)

float tl_aspect() { return u_resolution.x / max(u_resolution.y, 1.0); }

// picture coordinates (height 1, centred) <-> texture coordinates
vec2 tl_p(vec2 uv) { return (uv - 0.5) * vec2(tl_aspect(), 1.0); }
vec2 tl_uv(vec2 p) { return p / vec2(tl_aspect(), 1.0) + 0.5; }

// one drifting wave of the stream function: psi = a sin(k.p + phase); its curl is
// a cos(k.p + phase) (k.y, -k.x)
vec2 tl_wave(vec2 p, float turn, float k, float phase, float a) {
    vec2 kv = k * vec2(cos(turn), sin(turn));
    return a * cos(dot(kv, p) + phase) * vec2(kv.y, -kv.x);
}

// the flow: a slow current whose direction wanders, plus swirls from three waves
// turning and travelling at unrelated rates (never repeats, never stops).  |v| is about 1.
vec2 tl_flow(vec2 p, float t) {
    vec2 v = 0.35 * vec2(cos(0.031 * t + 1.0), sin(0.023 * t + 2.0));
    v += tl_wave(p, 0.40 + 0.050 * t, 2.3, 0.31 * t, 0.55 / 2.3);
    v += tl_wave(p, 2.10 - 0.037 * t, 3.1, -0.23 * t + 1.7, 0.45 / 3.1);
    v += tl_wave(p, 4.00 + 0.021 * t, 4.7, 0.41 * t + 4.2, 0.30 / 4.7);
    return v;
}

float tl_max(vec3 c) { return max(max(c.r, c.g), c.b); }

// the look: a toe curve on each pixel's brightest channel (hue kept) pulls the decoder's dim
// haze down to black and leaves the lights as they are; colours a little richer
vec3 tl_grade(vec3 c) {
    float m = tl_max(c);
    c *= pow(smoothstep(0.03, 0.35, m), 0.8);
    float l = dot(c, vec3(0.299, 0.587, 0.114));
    c = max(mix(vec3(l), c, 1.3), 0.0);
    return c * (1.0 + 0.3 * u_bass * smoothstep(0.2, 0.8, m));  // the lights breathe with the bass
}

// the decoded frame at uv, fading out over the last few of its pixels at the border (the
// flow warp reaches a little past the edge, where clamped texels would smear)
vec3 tl_decoded(vec2 uv) {
    vec2 e = smoothstep(0.0, 0.04, min(uv, 1.0 - uv));
    return vj_image(uv).rgb * (e.x * e.y);
}

// a colour from the scene, made luminous (full brightness, a touch towards white);
// warm white where the scene has no light to take a colour from
vec3 tl_luminous(vec3 c) {
    float m = tl_max(c);
    vec3 hue = mix(c / max(m, 1e-3), vec3(1.0), 0.1);
    return mix(vec3(1.0, 0.93, 0.85), hue, smoothstep(0.03, 0.2, m));
}

vec2 tl_candidate(float key, float j) {
    return 0.15 + 0.7 * vec2(vj_hash(vec2(key + 0.37, j * 7.1 + 1.3)), vj_hash(vec2(j * 3.7 + 0.5, key + 0.61)));
}

// sparks bursting from one light of the picture on the latest onset
vec3 tl_sparks(vec2 p) {
    float env = u_onset;
    if (env < 0.004) {
        return vec3(0.0);
    }
    // seconds since the onset (exact for the analysis envelope), and which eighth note of the
    // beat grid it fell on: the same on every frame of one burst, so the burst keeps its place.
    // The eighths start a little before the grid line, so neither detection latency nor the
    // internal clock's linear envelope (which this estimate ages slightly wrong) crosses an edge.
    float age = -ONSET_T10 * log(max(env, 1e-4)) / log(10.0);
    float beats = u_beat_count + u_beat_phase - age * max(u_bpm, 1.0) / 60.0;
    // (wrapped, so the hashes stay well inside float precision in a show of many hours)
    float key = mod(floor(beats * 2.0 + 0.15), 512.0);

    // eight candidate places in the decoded frame: the burst starts from the brightest, and the
    // sparks take their colours from the four brightest after it (a dark one lends the origin's
    // colour instead).  (Plain variables, no local arrays: arrays are costly on software GL.)
    vec2 o = vec2(0.5);
    vec3 oc = vec3(0.0), k0 = vec3(0.0), k1 = vec3(0.0), k2 = vec3(0.0), k3 = vec3(0.0);
    for (int j = 0; j < 8; j++) {
        vec2 c = tl_candidate(key, float(j));
        vec3 col = vj_image(c).rgb;
        float m = tl_max(col);
        if (m > tl_max(oc)) { vec3 t = oc; oc = col; col = t; o = c; m = tl_max(col); }
        // keep the four brightest of the rest, brightest first
        if (m > tl_max(k0)) { vec3 t = k0; k0 = col; col = t; m = tl_max(col); }
        if (m > tl_max(k1)) { vec3 t = k1; k1 = col; col = t; m = tl_max(col); }
        if (m > tl_max(k2)) { vec3 t = k2; k2 = col; col = t; m = tl_max(col); }
        if (m > tl_max(k3)) { k3 = col; }
    }
    vec2 op = tl_p(o);
    vec3 pal0 = tl_luminous(mix(oc, k0, smoothstep(0.1, 0.3, tl_max(k0))));
    vec3 pal1 = tl_luminous(mix(oc, k1, smoothstep(0.1, 0.3, tl_max(k1))));
    vec3 pal2 = tl_luminous(mix(oc, k2, smoothstep(0.1, 0.3, tl_max(k2))));
    vec3 pal3 = tl_luminous(mix(oc, k3, smoothstep(0.1, 0.3, tl_max(k3))));

    float reach = 0.48 * (u_section > 1.5 && u_section < 2.5 ? 1.25 : 1.0);  // bigger in the drop
    float speed = exp(-age / 0.14);   // sparks fly out fast and slow down (drag)
    float travel = 0.35 + 0.65 * (1.0 - speed);
    float bright = pow(env, 0.55);
    float px = 1.0 / max(u_resolution.y, 1.0);

    vec3 light = vec3(0.0);
    // the flash where it starts
    vec2 dp = p - op;
    float d0 = length(dp);
    light += mix(tl_luminous(oc), vec3(1.0), 0.3) * env * env * (0.7 * exp(-d0 * d0 / 0.0005) + 0.2 * exp(-d0 / 0.04));
    if (d0 < reach + 0.12) {
        // spark i flies out at angle (i + 0.8 h1) / SPARKS of a turn: only the sparks whose slot is
        // nearest this pixel's angle can reach it, so three are drawn per pixel, not all of them
        float slot = floor(atan(dp.y, dp.x) / TAU * float(SPARKS) + 0.5);
        for (int k = -2; k <= 1; k++) {
            float fi = mod(slot + float(k), float(SPARKS));
            float h1 = vj_hash(vec2(fi + 0.5, key + 0.25));
            float h2 = vj_hash(vec2(key + 3.1, fi * 1.7 + 2.0));
            float h3 = vj_hash(vec2(fi * 2.3 + key, 9.7));
            float a = TAU * (fi + 0.8 * h1) / float(SPARKS);
            vec2 dir = vec2(cos(a), sin(a));
            float r = reach * (0.3 + 0.7 * h2);
            vec2 tip = op + dir * r * travel - vec2(0.0, 0.06) * age * age;  // and fall a little
            vec2 tail = tip - dir * r * (0.04 + 0.26 * speed);                // streaks while fast
            vec2 pa = p - tail, ba = tip - tail;
            float t = clamp(dot(pa, ba) / dot(ba, ba), 0.0, 1.0);
            float d = length(pa - ba * t);
            float w = max(0.0022 + 0.0018 * h3, 0.9 * px);
            float core = exp(-d * d / (w * w)) * (0.15 + 0.85 * t);  // hottest at the head
            float halo = exp(-d / (6.0 * w)) * t * t;
            int ci = int(fi) & 3;
            vec3 c = ci == 0 ? pal0 : ci == 1 ? pal1 : ci == 2 ? pal2 : pal3;
            light += (mix(c, vec3(1.0), 0.3 * core) * core * 1.3 + c * halo * 0.2) * (0.55 + 0.45 * h3);
        }
    }
    return light * bright;
}

// a soft shoulder: values up to 0.8 untouched, stacked light rolls off to white instead of clipping flat
vec3 tl_shoulder(vec3 c) {
    return mix(c, 0.8 + 0.2 * (1.0 - exp(-(c - 0.8) / 0.2)), step(0.8, c));
}

// last frame, carried downstream by the flow and fading.  Only what stands out from its
// surroundings flows on (the frame minus most of its local average): lights, petals and
// sparks leave trails, but smooth glow -- the bloom that later effects add to u_prev --
// never feeds back, so it cannot build up into a bright fog.
vec3 tl_trail(vec2 uv) {
    vec3 c = texture(u_prev, uv).rgb;
    vec2 r = vec2(1.0 / tl_aspect(), 1.0) * TRAIL_RING;
    vec3 ring = texture(u_prev, uv + r * vec2(0.7071, 0.7071)).rgb + texture(u_prev, uv + r * vec2(-0.7071, 0.7071)).rgb
              + texture(u_prev, uv + r * vec2(0.7071, -0.7071)).rgb + texture(u_prev, uv + r * vec2(-0.7071, -0.7071)).rgb;
    vec3 peak = max(c - 0.75 * ring / 4.0, 0.0);
    return peak * pow(0.5, u_dt / TRAIL_HALF_LIFE) * smoothstep(0.05, 0.3, tl_max(peak));
}

void main() {
    vec2 p = tl_p(v_uv);
    // never scaled by a feature: a change of speed would jump the whole field
    float t = u_time * FLOW_RATE;

    // the picture bent along the flow: one step back along the streamline
    vec2 q = p - tl_flow(p, t) * WARP;
    vec3 col = tl_grade(tl_decoded(tl_uv(q)));

    col = max(col, tl_trail(tl_uv(p - tl_flow(p, t) * FLOW_SPEED * u_dt)));
    // Between onsets the sparks cost nothing: a loop of zero iterations is skipped outright,
    // where software GL (llvmpipe) runs both sides of an if under a mask.
    int bursts = u_onset >= 0.004 ? 1 : 0;
    for (int i = 0; i < bursts; i++) {
        col += tl_sparks(p);
    }
    o_color = vec4(clamp(tl_shoulder(col), 0.0, 1.0), 1.0);
}
