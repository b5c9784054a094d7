// anadol fluid: a persistent fluid field, stirred by the music, carries the picture's colour masses in slow swirls.
//
// A real-time advected field, as fluid solvers do it (semi-Lagrangian advection): one small float
// stage that keeps its state from frame to frame (`persist`) holds, per texel,
//  - rg: the fluid's velocity (picture heights per second), carried along by itself and relaxing
//    toward the forcing of the music within about TAU_V,
//  - ba: the displacement of the paint: where the colour now at this place came from.  It is carried
//    along by the velocity too, so the picture is smeared into the flow and swirls; it relaxes back
//    to the decoded form over about TAU_D seconds (the masses condense into their shapes again).
// The forcing is the curl of a few drifting waves -- divergence-free swirls, so colour is stirred,
// never piled up -- whose strength follows the loudness, the energy and the bass; onsets stir finer
// eddies; every kick throws a vortex at a place its beat picks.  Silence stirs nothing: the flow
// coasts to a stop and the paint settles back.  The main pass reads the picture through the
// displacement (`amount` scales it: 0 gives the picture back and costs no pass).
//
// Cost: the field is smooth, so the stage is an eighth of the render size (160x90 at 720p) and the
// pass draws at half size; two texture reads per texel of the field, two per pixel of the pass.
#pragma vjhost stage field 0.125 float persist
#pragma vjhost scale 0.5

#include "anadol_common.glsl"

uniform float u_amount;  // 0..1 how far the flow carries the picture
uniform sampler2D u_field;

const float TAU_V = 0.6;   // s: the velocity follows the music's forcing this fast
const float TAU_D = 3.0;   // s: carried paint relaxes back to the decoded form this slowly
const float MAX_D = 0.35;  // the most the paint is carried (picture heights)
const float SWIRL = 0.22;  // forcing speed at full drive (picture heights per second)

// the curl of one drifting wave of a stream function psi = a sin(k.p + phase): a cos(k.p + phase) (k.y, -k.x)
vec2 an_wave(vec2 p, float turn, float k, float phase, float a) {
    vec2 kv = k * vec2(cos(turn), sin(turn));
    return a * cos(dot(kv, p) + phase) * vec2(kv.y, -kv.x);
}

// how hard the music drives the flow, 0 in silence
float an_drive() {
    return clamp(0.35 * u_rms + 0.45 * u_energy + 0.6 * u_bass, 0.0, 1.5);
}

vec2 an_forcing(vec2 p, float t) {
    // large slow swirls, turning and travelling at unrelated rates (never repeating)
    vec2 f = an_wave(p, 0.40 + 0.05 * t, 2.1, 0.30 * t, 0.50 / 2.1);
    f += an_wave(p, 2.20 - 0.04 * t, 3.3, -0.20 * t + 1.7, 0.40 / 3.3);
    f += an_wave(p, 4.10 + 0.03 * t, 4.9, 0.45 * t + 4.0, 0.30 / 4.9);
    f *= SWIRL * an_drive();
    // onsets stir finer eddies, a new pattern each beat
    vec2 h = an_hash2(u_beat_count, 3.0);
    f += 0.6 * SWIRL * u_onset * (an_wave(p, 6.28 * h.x, 9.0, 1.3 * t, 1.0 / 9.0) + an_wave(p, 6.28 * h.y, 11.0, -1.1 * t, 1.0 / 11.0)) * 3.0;
    // a kick throws a vortex at a place (and a turning sense) its beat picks
    vec2 c = vec2(an_aspect() * (0.2 + 0.6 * h.x), 0.2 + 0.6 * h.y);
    vec2 d = p - c;
    float spin = h.x > 0.5 ? 1.0 : -1.0;
    f += 30.0 * SWIRL * u_kick * exp(-dot(d, d) / 0.03) * spin * vec2(-d.y, d.x);
    return f;
}

#if defined(VJ_STAGE_field)
void main() {
    vec4 s = texture(u_field, v_uv);                  // last frame's state here
    vec2 back = v_uv - an_uv(s.rg) * u_dt;            // where the fluid now here was a frame ago
    vec4 a = texture(u_field, back);                  // ... and what it carried
    vec2 vel = mix(a.rg, an_forcing(an_p(v_uv), u_time), 1.0 - exp(-u_dt / TAU_V));
    vec2 disp = (a.ba - vel * u_dt) * exp(-u_dt / TAU_D);
    float n = length(disp);
    disp *= n > MAX_D ? MAX_D / n : 1.0;
    o_color = vec4(vel, disp);
}
#else
void main() {
    vec2 d = texture(u_field, v_uv).ba * clamp(u_amount, 0.0, 1.0);
    vec2 uv = v_uv + an_uv(d);
    uv = 1.0 - abs(1.0 - abs(uv));  // paint carried in from beyond the border is its mirror image, not a smear
    o_color = vec4(texture(u_input, uv).rgb, 1.0);
}
#endif
