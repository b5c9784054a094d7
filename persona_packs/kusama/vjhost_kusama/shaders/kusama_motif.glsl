// kusama motif: a hexagonal lattice of round polka dots drawn by the shader over the picture.
//
// The pack's `motif` effect: the one layer of kusama that the shader draws itself rather than
// finishing what the decoder drew.  `amount` mixes it in (0 = off and costs no pass, the
// default: a sharp decoder draws its own dots).  Round dots on any aspect ratio cover the screen;
// each takes the picture's colour at its centre (already the pack's palette), the ground is the
// colour most of the picture has (found once per frame in a 1x1 stage), and where a dot matches
// the ground it is drawn in the ground's contrast colour (white on red, black on yellow).  Dots
// swell with the bass and the kick until neighbours touch.
#pragma vjhost stage ground 1x1

#include "kusama_palette.glsl"

uniform float u_amount;  // 0..1 mix of the lattice over the picture
uniform sampler2D u_ground;

const float PITCH = 1.0 / 14.0;   // dot spacing, in screen heights

// the centre of the nearest dot of a hexagonal lattice with unit spacing
vec2 hex_centre(vec2 p) {
    const vec2 r = vec2(1.0, 1.7320508);
    vec2 a = (floor(p / r) + 0.5) * r;
    vec2 b = (floor((p - 0.5 * r) / r) + 0.5) * r + 0.5 * r;
    return dot(p - a, p - a) < dot(p - b, p - b) ? a : b;
}

vec3 pic(vec2 q) { return texture(u_input, clamp(q, 0.0, 1.0)).rgb; }

#if defined(VJ_STAGE_ground)
void main() { o_color = vec4(float(ks_ground(u_input)) / 8.0, 0.0, 0.0, 1.0); }
#else
void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y) / PITCH;   // lattice units (square on screen)
    vec2 cell = hex_centre(p);
    vec2 q = cell * PITCH / vec2(aspect, 1.0);         // the dot centre in picture coordinates

    int g = int(floor(texelFetch(u_ground, ivec2(0, 0), 0).r * 8.0 + 0.5));
    vec3 ground = PALETTE[g];
    vec3 contrast = ks_luma(ground) < 0.45 ? PALETTE[2] : PALETTE[3];

    // this dot: its colour, and whether the picture is brighter here than around it
    vec3 c = pic(q);
    vec3 around = vec3(0.0);
    vec2 reach = 1.5 * PITCH * vec2(1.0 / aspect, 1.0);   // six neighbours, constant directions
    around += pic(q + reach * vec2(1.0, 0.0)) + pic(q + reach * vec2(-1.0, 0.0));
    around += pic(q + reach * vec2(0.5, 0.8660254)) + pic(q + reach * vec2(-0.5, 0.8660254));
    around += pic(q + reach * vec2(0.5, -0.8660254)) + pic(q + reach * vec2(-0.5, -0.8660254));
    float spot = clamp(ks_luma(c) - ks_luma(around / 6.0), -0.12, 0.12);
    int k = ks_snap(c);
    bool plain = k == g;
    vec3 dot_col = plain ? contrast : PALETTE[k];
    // on a black ground (the mirror room) the plain dots are faint, far-away lights
    float base = plain ? (g == 3 ? 0.14 : 0.30) : 0.38;

    float swell = clamp(0.75 * u_bass + 0.5 * u_kick, 0.0, 1.0);
    float r = clamp((base + 0.8 * spot) * (1.0 + 0.6 * swell), 0.08, 0.46);
    float aa = 0.75 / (PITCH * u_resolution.y);
    float mask = smoothstep(r + aa, r - aa, length(p - cell));
    vec3 lattice = mix(ground, dot_col, mask);
    lattice = mix(lattice, 1.0 - lattice, ks_flip());
    o_color = vec4(mix(here, lattice, clamp(u_amount, 0.0, 1.0)), 1.0);
}
#endif
