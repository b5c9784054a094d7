// ochiai caustics: a web of water caustics plays over the picture and shafts of light fall from above through it, both with the music.
//
// - Caustics: the bright web where light focuses under moving water -- the edges of the cells of a
//   lattice whose sites wander (F2 - F1 of a Voronoi diagram), as a pool floor shows them.  The web
//   lands on the picture as cool light, brighter where the picture is lit.  The water moves on a
//   clock of its own that runs faster with the bass and the energy (a persistent 1x1 stage: the
//   speed changes, the web never jumps); a kick flares it.
// - Light shafts: the picture's own highlights smeared toward a light source above the frame (a
//   radial march, as god rays are drawn in real-time engines), so the lit parts pour light down
//   through the mist; the kick and the beat flare them, the source drifts slowly along the top.
// `amount` 0 gives the picture back and costs no pass.
//
// Cost: the web and the shafts are soft light, so both are drawn together in one stage at an eighth
// of the render size (`light`: r the web, g the shafts; 8-bit, the clock keeps its own float texel),
// and the pass itself draws at half size (the next pass's bilinear read is the upscale) with two
// texture reads per pixel.  Measured at 1280x720 on llvmpipe, the pass added 1.11x a bare frame with
// the web and the shafts in two stages at a fifth of the size (three reads per pixel), 0.69x now (the
// stage about 0.2x of it; a cheap sine for the sites' paths saved nothing measurable).
#pragma vjhost stage clock 1x1 float persist
#pragma vjhost stage light 0.125
#pragma vjhost scale 0.5

#include "ochiai_common.glsl"

uniform float u_amount;  // 0..1 how much caustic light and how many shafts
uniform sampler2D u_clock, u_light;

const float CELLS = 5.5;       // caustic cells per picture height
const float RAY_STEPS = 8.0;   // taps of the radial march
const float RAY_REACH = 0.45;  // how far toward the source the march looks (share of the way)

#if defined(VJ_STAGE_clock)
// r: the water's phase, g: the light source's drift; both wrap at 1 (every motion below is periodic
// in whole turns of them), so the half-float state never loses precision over a long show
void main() {
    vec2 ph = texelFetch(u_clock, ivec2(0), 0).rg;
    float speed = 0.2 + 0.55 * u_bass + 0.25 * u_energy;
    ph += u_dt * vec2(speed, 0.02 + 0.03 * u_mid);
    o_color = vec4(fract(ph), 0.0, 1.0);
}
#elif defined(VJ_STAGE_light)
vec2 oc_hash2(vec2 c) {
    return vec2(vj_hash(c), vj_hash(c + 17.31));
}

// the web: 1 on the cells' edges, fading off them; ph is the water's phase (radians)
float caustic(float ph) {
    vec2 p = oc_p(v_uv) * CELLS;
    p += 0.25 * vec2(sin(0.7 * p.y + ph), sin(0.6 * p.x - ph));  // the surface's long swell bends the web
    vec2 cell = floor(p);
    float d1 = 9.0, d2 = 9.0;
    for (int j = -1; j <= 1; j++) {
        for (int i = -1; i <= 1; i++) {
            vec2 c = cell + vec2(i, j);
            vec2 h = oc_hash2(c);
            // each site circles its cell once or twice per turn of the clock, from its own start
            vec2 site = c + 0.5 + 0.36 * vec2(sin(ph * (1.0 + floor(2.0 * h.x)) + 6.2831853 * h.y),
                                               cos(ph * (1.0 + floor(2.0 * h.y)) + 6.2831853 * h.x));
            vec2 d = p - site;
            float dd = dot(d, d);
            d2 = min(d2, max(d1, dd));
            d1 = min(d1, dd);
        }
    }
    float edge = sqrt(d2) - sqrt(d1);  // 0 on a cell edge
    float web = 1.0 - smoothstep(0.0, 0.22, edge);
    return web * web;
}

// the shafts: the picture's highlights marched toward the source above the frame
float shafts(float drift) {
    vec2 src = vec2(0.5 + 0.35 * sin(6.2831853 * drift), 1.3);  // above the top edge
    vec2 step_ = (src - v_uv) * (RAY_REACH / RAY_STEPS);
    vec2 uv = v_uv;
    float sum = 0.0, w = 1.0;
    for (float i = 0.0; i < RAY_STEPS; i += 1.0) {
        sum += w * smoothstep(0.45, 0.9, oc_luma(texture(u_input, uv).rgb));
        w *= 0.83;
        uv += step_;
    }
    return sum * (1.0 / 4.6);  // 1/4.6: about the sum of the weights
}

// r: the web, g: the shafts
void main() {
    vec2 ph = texelFetch(u_clock, ivec2(0), 0).rg;
    o_color = vec4(caustic(6.2831853 * ph.x), shafts(ph.y), 0.0, 1.0);
}
#else
void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    vec2 lt = texture(u_light, v_uv).rg;
    float l = oc_luma(c);
    float a = clamp(u_amount, 0.0, 1.0);
    float web = lt.r * a * (0.55 + 0.6 * u_bass + 0.6 * u_kick) * (0.3 + 0.7 * l);
    float shafts = lt.g * a * (0.55 + 0.9 * u_kick + 0.35 * u_beat);
    vec3 light = OC_LIGHT * (0.8 * web) + mix(OC_LIGHT, OC_WHITE, 0.5) * (0.6 * shafts);
    o_color = vec4(c + light - c * light, 1.0);  // screen: light adds without clipping flat
}
#endif
