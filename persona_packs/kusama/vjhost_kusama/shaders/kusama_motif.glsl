// kusama motif: a hexagonal lattice of round polka dots drawn by the shader over the picture.
//
// The pack's `motif` effect: the one layer of kusama that the shader draws itself rather than
// finishing what the decoder drew.  `amount` mixes it in (0 = off and costs no pass, the
// default: a sharp decoder draws its own dots).  Round dots on any aspect ratio cover the screen;
// each takes the picture's colour at its centre (already the pack's palette), the ground is the
// colour most of the picture has, and where a dot matches the ground it is drawn in the ground's
// contrast colour (white on red, black on yellow).  Dots swell with the bass and the kick until
// neighbours touch.
//
// Cost: what a dot looks like depends only on its cell, so it is worked out once per cell, not per
// pixel: stage `cells` (96x16 texels, two per cell: the lattice's two rows of offset cells, enough
// for a 3:1 screen) holds each dot's colour and radius; the full-size pass finds its pixel's cell
// and reads it -- two reads a pixel instead of eight.  The ground colour comes from a 1x1 stage.
#pragma vjhost stage ground 1x1
#pragma vjhost stage cells 96x16

#include "kusama_palette.glsl"

uniform float u_amount;  // 0..1 mix of the lattice over the picture
uniform sampler2D u_ground, u_cells;

const float PITCH = 1.0 / 14.0;   // dot spacing, in screen heights
const vec2 R = vec2(1.0, 1.7320508);  // the lattice's repeat: cells at (i + 0.5) R and (i + 1) R

float aspect() { return u_resolution.x / u_resolution.y; }

// lattice coordinates (one unit = one dot spacing) <-> picture coordinates
vec2 to_lattice(vec2 uv) { return vec2(uv.x * aspect(), uv.y) / PITCH; }
vec2 to_picture(vec2 p) { return p * PITCH / vec2(aspect(), 1.0); }

vec3 pic(vec2 q) { return texture(u_input, clamp(q, 0.0, 1.0)).rgb; }

#if defined(VJ_STAGE_ground)
// the ground: its palette colour (rgb) and whether it is dark (a: the contrast dots are white)
void main() {
    vec3 g = PALETTE[ks_ground(u_input)];
    o_color = vec4(g, ks_luma(g) < 0.45 ? 1.0 : 0.0);
}
#elif defined(VJ_STAGE_cells)
// one texel per cell: x = 2 * column + sublattice (+2 margin), y = row (+1 margin).  rgb: the dot's
// colour, a: its radius over 0.5 (in dot spacings)
void main() {
    ivec2 t = ivec2(gl_FragCoord.xy);
    float sub = float(t.x & 1);
    vec2 i = vec2(float(t.x >> 1) - 1.0, float(t.y) - 1.0);
    vec2 cell = (i + 0.5) * R + sub * 0.5 * R;           // the dot's centre, lattice units
    vec2 q = to_picture(cell);                           // ... in picture coordinates
    vec4 gr = texelFetch(u_ground, ivec2(0, 0), 0);
    vec3 ground = gr.rgb;
    vec3 contrast = gr.a > 0.5 ? PALETTE[2] : PALETTE[3];
    // this dot: its colour, and whether the picture is brighter here than around it
    vec3 c = pic(q);
    vec3 around = vec3(0.0);
    vec2 reach = 1.5 * PITCH * vec2(1.0 / aspect(), 1.0);   // six neighbours, constant directions
    around += pic(q + reach * vec2(1.0, 0.0)) + pic(q + reach * vec2(-1.0, 0.0));
    around += pic(q + reach * vec2(0.5, 0.8660254)) + pic(q + reach * vec2(-0.5, 0.8660254));
    around += pic(q + reach * vec2(0.5, -0.8660254)) + pic(q + reach * vec2(-0.5, -0.8660254));
    float spot = clamp(ks_luma(c) - ks_luma(around / 6.0), -0.12, 0.12);
    vec3 k = PALETTE[ks_snap(c)];
    bool plain = dot(abs(k - ground), vec3(1.0)) < 0.02;
    vec3 dot_col = plain ? contrast : k;
    // on a black ground (the mirror room) the plain dots are faint, far-away lights
    float base = plain ? (ks_luma(ground) < 0.1 ? 0.14 : 0.30) : 0.38;
    float swell = clamp(0.75 * u_bass + 0.5 * u_kick, 0.0, 1.0);
    float r = clamp((base + 0.8 * spot) * (1.0 + 0.6 * swell), 0.08, 0.46);
    o_color = vec4(dot_col, r / 0.5);
}
#else
void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    vec2 p = to_lattice(v_uv);
    // the nearest dot: of the two offset rows of cells, the nearer centre
    vec2 ia = floor(p / R), ib = floor((p - 0.5 * R) / R);
    vec2 a = (ia + 0.5) * R, b = (ib + 0.5) * R + 0.5 * R;
    bool use_a = dot(p - a, p - a) < dot(p - b, p - b);
    vec2 cell = use_a ? a : b;
    vec2 i = use_a ? ia : ib;
    vec4 d = texelFetch(u_cells, ivec2(int(i.x + 1.0) * 2 + (use_a ? 0 : 1), int(i.y + 1.0)), 0);
    float r = d.a * 0.5;
    float aa = 0.75 / (PITCH * u_resolution.y);
    float mask = smoothstep(r + aa, r - aa, length(p - cell));
    vec4 gr = texelFetch(u_ground, ivec2(0, 0), 0);
    vec3 lattice = mix(gr.rgb, d.rgb, mask);
    lattice = mix(lattice, 1.0 - lattice, ks_flip());
    o_color = vec4(mix(here, lattice, clamp(u_amount, 0.0, 1.0)), 1.0);
}
#endif
