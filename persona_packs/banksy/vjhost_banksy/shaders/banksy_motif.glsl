// banksy motif: a procession of black stencil rats running along the bottom of the picture, drawn by
// the shader.
//
// The pack's `motif` effect: the one layer of banksy that the shader draws itself rather than
// finishing what the decoder drew.  `amount` mixes it in (0 = off and costs no pass, the default: a
// trained decoder sprays its own stencils).  The rats are flat ink silhouettes in profile (body, head,
// ear, legs, curled tail), evenly spaced, stepping one place forward on every beat and hopping on the
// kick; every fourth rat is sprayed in the accent red.
#include "banksy_common.glsl"

uniform float u_amount;  // 0..1 mix of the rats over the picture

const float SIZE = 0.16;   // a rat's length, in screen heights
const float GAP = 0.3;     // nose to nose

float ellipse(vec2 p, vec2 c, vec2 r) { vec2 q = (p - c) / r; return (length(q) - 1.0) * min(r.x, r.y); }
float segment(vec2 p, vec2 a, vec2 b, float w) {
    vec2 pa = p - a, ba = b - a;
    return length(pa - ba * clamp(dot(pa, ba) / dot(ba, ba), 0.0, 1.0)) - 0.5 * w;
}

// a rat in profile facing +x, its feet at the origin, length L (y grows upward)
float rat(vec2 p, float L) {
    float d = ellipse(p, vec2(-0.05, 0.17) * L, vec2(0.3, 0.15) * L);
    d = min(d, ellipse(p, vec2(0.3, 0.2) * L, vec2(0.14, 0.09) * L));
    d = min(d, segment(p, vec2(0.3, 0.2) * L, vec2(0.48, 0.15) * L, 0.07 * L));
    d = min(d, length(p - vec2(0.24, 0.29) * L) - 0.055 * L);
    d = min(d, segment(p, vec2(0.12, 0.1) * L, vec2(0.16, 0.01) * L, 0.045 * L));
    d = min(d, segment(p, vec2(-0.22, 0.1) * L, vec2(-0.28, 0.01) * L, 0.05 * L));
    vec2 t = p - vec2(-0.45, 0.35) * L;                  // the tail: an arc curling up behind
    float a = atan(-t.y, -t.x);
    float arc = abs(length(t) - 0.28 * L) - 0.0175 * L;
    return min(d, mix(1e3, arc, step(-0.2, a) * step(a, 1.2)));
}

void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y);              // screen heights, y up
    float step_ = floor(u_beat_count) + smoothstep(0.0, 0.3, u_beat_phase);   // one place per beat
    float x = p.x + step_ * GAP * 0.5;
    float k = floor(x / GAP);
    vec2 local = vec2(x - (k + 0.5) * GAP, p.y - 0.06 - 0.04 * u_kick * step(0.5, mod(k, 2.0)));
    float d = rat(vec2(-local.x, local.y), SIZE);         // running right to left
    float aa = 1.0 / u_resolution.y;
    float cover = clamp(0.5 - d / aa, 0.0, 1.0);
    vec3 paint = mod(k, 4.0) == 0.0 ? ACCENT : INK;
    vec3 c = mix(here, paint, cover);
    o_color = vec4(mix(here, c, clamp(u_amount, 0.0, 1.0)), 1.0);
}
