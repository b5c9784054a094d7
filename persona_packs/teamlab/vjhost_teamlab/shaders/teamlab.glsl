// teamlab source pass: it finishes the decoded frame as light flowing on a deep dark ground.
//
// The decoder draws the scene (particles, petals, blossoms, streams, points of light); this pass
// finishes it and draws nothing of its own:
//  - the ground goes deep (the decoder's haze to black) and the lights stay luminous, swelling a
//    little with the bass (a toe curve on each pixel's brightest channel, hue kept),
//  - the picture is bent along a slow, smooth, ever-changing flow field (the curl of a few
//    drifting waves: divergence-free, so light swirls like water instead of piling up),
//  - last frame's lights flow downstream along the same field and fade (trails through u_prev);
//    only what stands out from its surroundings feeds back, so the bloom after this pass never
//    builds up into a fog.
// The sparks that burst on onsets are the pack's `motif` effect (teamlab_motif.glsl), off by default.
//
// Cost: the look is soft (a 128-pixel decode, glowing lights, flowing trails), so the pass draws
// at half the render size and the bloom after it reads it bilinearly -- a quarter of the pixels for
// the same picture.  Per pixel: three texture reads and a little arithmetic, no division, no exp or
// pow (software GL pays dearly for them).  The flow field is smooth and last frame's "surroundings"
// are soft, so both come from one small stage drawn once per frame at an eighth of the size
// (`flow_lo`: the flow in texture units in rg, the brightest channel of last frame there in b, and
// in a the border fade of the decode at the warped place, which is smooth too).  The trail's fade
// per frame is 1 - dt ln2 / half-life (exp2 within a percent at 30-60 fps) and the shoulder
// (tl_shoulder) is a parabola, not three exps.  On llvmpipe the pass's
// structure dominates: the half-size pass and the chain's closing copy 1.4x a bare frame, the read of
// last frame (a full-size texture) 0.25x, the flow_lo stage and its read 0.3x, the arithmetic about
// 0.1x; moving the grade into a 128x128 stage saved nothing (a stage costs what it saves).  Measured
// at 1280x720, effects off, round-robin in one run: 2.04x a bare frame against 2.21x before.
#pragma vjhost scale 0.5
#pragma vjhost stage flow_lo 0.125 float

#include "teamlab_common.glsl"

uniform sampler2D u_flow_lo;

const float FLOW_RATE = 0.7;         // how fast the flow field itself changes
const float FLOW_SPEED = 0.07;       // how far trails drift per second (share of picture height)
const float WARP = 0.06;             // how far the picture is bent along the flow (share of height)
const float TRAIL_HALF_LIFE = 0.16;  // seconds

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

#if defined(VJ_STAGE_flow_lo)
// rg: the flow, never scaled by a feature (a change of speed would jump the whole field), in
// texture units (x shrunk by the aspect ratio) so the main pass needs no division.  b: last
// frame's brightest channel at an eighth of the size (four bilinear taps: a box over the pixels
// under each texel) -- the "surroundings" the trails stand out from.  a: the decode's border fade
// at the place the main pass reads it (one step back along the flow).
void main() {
    vec2 v = tl_flow(tl_p(v_uv), u_time * FLOW_RATE);
    vec2 t = 2.0 / u_resolution;
    vec3 lo = 0.25 * (texture(u_prev, v_uv + t * vec2(-1.0, -1.0)).rgb + texture(u_prev, v_uv + t * vec2(1.0, -1.0)).rgb
                    + texture(u_prev, v_uv + t * vec2(-1.0, 1.0)).rgb + texture(u_prev, v_uv + t * vec2(1.0, 1.0)).rgb);
    vec2 f = v * vec2(u_resolution.y / u_resolution.x, 1.0);
    vec2 w = v_uv - f * WARP;
    vec2 e = smoothstep(0.0, 0.04, min(w, 1.0 - w));
    o_color = vec4(f, tl_max(lo), e.x * e.y);
}
#else

// the look: a toe curve on each pixel's brightest channel (hue kept) pulls the decoder's dim
// haze down to black and leaves the lights as they are; colours a little richer
vec3 tl_grade(vec3 c) {
    float m = tl_max(c);
    float s = smoothstep(0.03, 0.35, m);
    c *= mix(s, sqrt(s), 0.4);  // about s^0.8; cheaper than pow
    float l = dot(c, vec3(0.299, 0.587, 0.114));
    c = max(mix(vec3(l), c, 1.3), 0.0);
    return c * (1.0 + 0.3 * u_bass * smoothstep(0.2, 0.8, m));  // the lights breathe with the bass
}

// last frame, carried downstream by the flow and fading.  Only what stands out from its
// surroundings (the brightest channel of last frame at an eighth of the size) flows on: lights,
// petals and sparks leave trails, but smooth glow -- the bloom that later effects add to u_prev --
// never feeds back.
vec3 tl_trail(vec2 uv, float around) {
    vec3 peak = max(texture(u_prev, uv).rgb - 0.75 * around, 0.0);
    float fade = max(1.0 - u_dt * (0.6931 / TRAIL_HALF_LIFE), 0.0);
    return peak * (fade * smoothstep(0.05, 0.3, tl_max(peak)));
}

void main() {
    vec4 fl = texture(u_flow_lo, v_uv);
    vec2 v = fl.xy;
    // the picture bent along the flow: one step back along the streamline
    // (fl.w: the decode fading out over its last few pixels at the border, where the warp reaches
    // past the edge and clamped texels would smear)
    vec3 col = tl_grade(vj_image(v_uv - v * WARP).rgb * fl.w);
    col = max(col, tl_trail(v_uv - v * (FLOW_SPEED * u_dt), fl.z));
    o_color = vec4(min(tl_shoulder(col), 1.0), 1.0);
}
#endif
