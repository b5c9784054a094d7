// teamlab motif: sparks bursting on onsets, drawn by the shader over the decoded scene.
//
// The pack's `motif` effect: the one layer of teamlab that the shader draws itself rather than
// finishing what the decoder drew.  `amount` scales it (0 = off and costs no pass, the default:
// with a sharp decoder the particles are the decoder's own points of light).
//
// On every onset 40 sparks burst out of the brightest of eight places in the decoded frame:
// brightness follows the onset envelope, the sparks fly out (fast, then slowing, falling a
// little) as it decays, and their colours come from the decoded frame, so they belong to the
// scene.  Each onset (each eighth note of the beat grid) picks its own place.  The search for
// that place runs once per frame on a 6x1 target (stage `burst`), not per pixel; the sparks themselves
// are light drawn at half the render size (stage `sparks`, kept above 1 where they stack) and added at
// full size with one read; between onsets the stage draws nothing and the pass only copies its input.
#pragma vjhost stage burst 6x1 float
#pragma vjhost stage sparks 0.5 float

#include "teamlab_common.glsl"

uniform float u_amount;  // 0..1 strength of the sparks
uniform sampler2D u_burst, u_sparks;

const int SPARKS = 40;
const float ONSET_T10 = 0.15;        // the analysis onset envelope falls from 1 to 0.1 in 0.15 s

// seconds since the onset (exact for the analysis envelope)
float tl_age() { return -ONSET_T10 * log(max(u_onset, 1e-4)) / log(10.0); }

// which eighth note of the beat grid the onset fell on: the same on every frame of one burst, so
// the burst keeps its place.  The eighths start a little before the grid line, so neither
// detection latency nor the internal clock's linear envelope (which this estimate ages slightly
// wrong) crosses an edge.  Wrapped, so the hashes stay well inside float precision in a long show.
float tl_key() {
    float beats = u_beat_count + u_beat_phase - tl_age() * max(u_bpm, 1.0) / 60.0;
    return mod(floor(beats * 2.0 + 0.15), 512.0);
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

#if defined(VJ_STAGE_burst)
// texel 0: the origin (texture coordinates); 1: its colour made luminous; 2-5: the four spark colours
void main() {
    float key = tl_key();
    // eight candidate places: the burst starts from the brightest, and the sparks take their
    // colours from the four brightest after it (a dark one lends the origin's colour instead)
    vec2 o = vec2(0.5);
    vec3 oc = vec3(0.0), k0 = vec3(0.0), k1 = vec3(0.0), k2 = vec3(0.0), k3 = vec3(0.0);
    for (int j = 0; j < 8; j++) {
        vec2 c = tl_candidate(key, float(j));
        vec3 col = vj_image(c).rgb;
        float m = tl_max(col);
        if (m > tl_max(oc)) { vec3 t = oc; oc = col; col = t; o = c; m = tl_max(col); }
        if (m > tl_max(k0)) { vec3 t = k0; k0 = col; col = t; m = tl_max(col); }
        if (m > tl_max(k1)) { vec3 t = k1; k1 = col; col = t; m = tl_max(col); }
        if (m > tl_max(k2)) { vec3 t = k2; k2 = col; col = t; m = tl_max(col); }
        if (m > tl_max(k3)) { k3 = col; }
    }
    int i = int(gl_FragCoord.x);
    vec3 k = i == 2 ? k0 : i == 3 ? k1 : i == 4 ? k2 : k3;
    vec3 v = i == 0 ? vec3(o, 0.0) : i == 1 ? tl_luminous(oc) : tl_luminous(mix(oc, k, smoothstep(0.1, 0.3, tl_max(k))));
    o_color = vec4(v, 1.0);
}
#else

vec3 tl_sparks(vec2 p) {
    float env = u_onset;
    float age = tl_age();
    float key = tl_key();
    vec2 op = tl_p(texelFetch(u_burst, ivec2(0, 0), 0).xy);
    vec3 lum_o = texelFetch(u_burst, ivec2(1, 0), 0).rgb;
    vec3 pal0 = texelFetch(u_burst, ivec2(2, 0), 0).rgb, pal1 = texelFetch(u_burst, ivec2(3, 0), 0).rgb;
    vec3 pal2 = texelFetch(u_burst, ivec2(4, 0), 0).rgb, pal3 = texelFetch(u_burst, ivec2(5, 0), 0).rgb;

    float reach = 0.48 * (u_section > 1.5 && u_section < 2.5 ? 1.25 : 1.0);  // bigger in the drop
    float speed = exp(-age / 0.14);   // sparks fly out fast and slow down (drag)
    float travel = 0.35 + 0.65 * (1.0 - speed);
    float bright = pow(env, 0.55);
    float px = 1.0 / max(u_target_size.y, 1.0);  // a pixel of the target the sparks are drawn into

    vec3 light = vec3(0.0);
    // the flash where it starts
    vec2 dp = p - op;
    float d0 = length(dp);
    light += mix(lum_o, vec3(1.0), 0.3) * env * env * (0.7 * exp(-d0 * d0 / 0.0005) + 0.2 * exp(-d0 / 0.04));
    if (d0 < reach + 0.12) {
        // spark i flies out at angle (i + 0.8 h1) / SPARKS of a turn: only the sparks whose slot is
        // nearest this pixel's angle can reach it, so four are drawn per pixel, not all of them
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

#if defined(VJ_STAGE_sparks)
void main() {
    vec3 light = vec3(0.0);
    // Between onsets the sparks cost nothing: a loop of zero iterations is skipped outright,
    // where software GL (llvmpipe) runs both sides of an if under a mask.
    int bursts = u_onset >= 0.004 ? 1 : 0;
    for (int i = 0; i < bursts; i++) {
        light = tl_sparks(tl_p(v_uv));
    }
    o_color = vec4(light, 1.0);
}
#else
void main() {
    vec3 col = texture(u_input, v_uv).rgb;
    int bursts = u_onset >= 0.004 ? 1 : 0;
    for (int i = 0; i < bursts; i++) {
        // stacked light rolls off to white; the layer only ever adds light to the picture under it
        col = max(col, min(tl_shoulder(col + u_amount * texture(u_sparks, v_uv).rgb), 1.0));
    }
    o_color = vec4(col, 1.0);
}
#endif
#endif
