// ochiai motif: hologram-like points of light drawn by the shader, drifting up through the picture and twinkling with the hats.
//
// The pack's `motif` effect: the one layer the shader draws itself rather than finishing what the
// decoder drew (amount 0 = off and costs no pass, the default: the decoder draws its own particle
// clouds).  One point per cell of a coarse grid, at the cell's own place, rising at the cell's own
// speed and wrapping round (each point only ever needs its own cell: one evaluation per pixel); the
// points take pale blue to white, glow a little, grow with the bass and twinkle with the hats.
// Light only adds (screen), so the picture under them stays as it is.

#include "ochiai_common.glsl"

uniform float u_amount;  // 0..1 how bright the points are

const float PITCH = 1.0 / 18.0;  // one point per cell this wide (share of the picture height)

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    vec2 p = oc_p(v_uv) / PITCH;
    float col = floor(p.x);
    float speed = 0.15 + 0.35 * vj_hash(vec2(col, 7.0));  // cells per second, per column
    p.y -= u_time * speed;                                 // the column's points rise
    vec2 id = floor(p);
    vec2 h = vec2(vj_hash(id), vj_hash(id + 31.7));
    vec2 centre = id + 0.2 + 0.6 * h;
    float d = length(p - centre) * PITCH * u_resolution.y;  // pixels from the point
    float r = 1.2 + 1.5 * h.x + 2.0 * u_bass;
    float core = clamp(r - d + 0.5, 0.0, 1.0);
    float glow = 0.25 * exp(-d * d / (9.0 * r * r));
    float twinkle = 1.0 - 0.7 * u_hat * step(0.6, vj_hash(id + floor(u_time * 12.0)));
    vec3 light = mix(OC_LIGHT, OC_WHITE, h.y) * (core + glow) * twinkle * clamp(u_amount, 0.0, 1.0);
    o_color = vec4(c + light - c * light, 1.0);
}
