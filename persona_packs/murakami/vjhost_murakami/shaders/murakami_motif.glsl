// murakami motif: a hexagonal lattice of smiling flowers drawn by the shader over the picture.
//
// The pack's `motif` effect: the one layer of murakami that the shader draws itself rather than
// finishing what the decoder drew.  `amount` mixes it in (0 = off and costs no pass, the default: a
// trained decoder draws its own flowers).  Each flower has twelve round petals in the rainbow
// (starting from the picture's own colour at its centre, so the layer follows the scene), black
// outlines and seams, a yellow face with two dot eyes and an arc smile.  Every flower turns on the
// beat (left, then right) and swells with the bass and the kick; the ground shows the picture.
#include "murakami_palette.glsl"

uniform float u_amount;  // 0..1 mix of the flower lattice over the picture

const float PITCH = 1.0 / 4.5;   // flower spacing, in screen heights
const int PETALS = 12;
const int RAINBOW[8] = int[8](2, 6, 3, 5, 9, 4, 8, 7);

// the centre of the nearest point of a hexagonal lattice with unit spacing
vec2 hex_centre(vec2 p) {
    const vec2 r = vec2(1.0, 1.7320508);
    vec2 a = (floor(p / r) + 0.5) * r;
    vec2 b = (floor((p - 0.5 * r) / r) + 0.5) * r + 0.5 * r;
    return dot(p - a, p - a) < dot(p - b, p - b) ? a : b;
}

// paint colour `col` over `c` where the distance `d` (lattice units) is negative, anti-aliased
vec3 paint(vec3 c, float d, vec3 col, float aa) { return mix(c, col, clamp(0.5 - d / aa, 0.0, 1.0)); }

void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y) / PITCH;   // lattice units (square on screen)
    vec2 cell = hex_centre(p);
    float aa = 1.0 / (PITCH * u_resolution.y);         // one pixel in lattice units
    float side = mod(floor(u_beat_count), 2.0) < 0.5 ? 1.0 : -1.0;
    float turn = 0.45 * u_beat * side + 0.2 * (cell.x + cell.y);
    float r = 0.42 * (1.0 + 0.18 * clamp(u_kick + 0.5 * u_bass, 0.0, 1.0));
    float w = 0.035;                                   // outline width

    vec2 d = p - cell;
    float rho = length(d);
    float ang = atan(d.y, d.x) - turn;
    float sector = 6.2831853 / float(PETALS);
    float k = floor(ang / sector + 0.5);
    float af = ang - k * sector;
    float pr = min(r * sin(sector * 0.5) / (1.0 + sin(sector * 0.5)) * 1.2, 0.5 * r);
    vec2 qp = rho * vec2(cos(af), sin(af));
    float d_petal = min(length(qp - vec2(r - pr, 0.0)) - pr, rho - (r - pr));

    // petals: the rainbow, starting from the colour the picture has at the flower's centre
    vec2 q = clamp(cell * PITCH / vec2(aspect, 1.0), 0.0, 1.0);
    int base = mk_snap(texture(u_input, q).rgb);
    int start = 0;
    for (int i = 0; i < 8; i++) { if (RAINBOW[i] == base) start = i; }
    int petal = int(mod(k + float(start), 8.0));
    vec3 c = paint(here, d_petal, PALETTE[RAINBOW[petal]], aa);
    float seam = max(rho * sin(0.5 * sector - abs(af)) - 0.35 * w, d_petal);
    c = paint(c, min(abs(d_petal) - 0.5 * w, seam), INK, aa);
    // the face, upright
    float rf = 0.42 * r;
    float d_face = rho - rf;
    c = paint(c, d_face, PALETTE[3], aa);
    vec2 e = vec2(abs(d.x) - 0.36 * rf, d.y - 0.22 * rf);   // v_uv grows upward: eyes above the centre
    c = paint(c, length(e * vec2(1.2, 1.0)) - 0.11 * rf, INK, aa);
    vec2 m = d - vec2(0.0, 0.05 * rf);
    float ma = atan(-m.y, m.x);                            // the smile: the arc below the centre
    float on = step(0.2 * 3.1415927, ma) * step(ma, 0.8 * 3.1415927);
    float arc = abs(length(m) - 0.55 * rf);
    vec2 e1 = m - 0.55 * rf * vec2(cos(0.2 * 3.1415927), -sin(0.2 * 3.1415927));
    vec2 e2 = m - 0.55 * rf * vec2(cos(0.8 * 3.1415927), -sin(0.8 * 3.1415927));
    float smile = mix(min(length(e1), length(e2)), arc, on) - 0.075 * rf;
    c = paint(c, smile, INK, aa);
    c = paint(c, abs(d_face) - 0.5 * w, INK, aa);
    o_color = vec4(mix(here, c, clamp(u_amount, 0.0, 1.0)), 1.0);
}
