// beeple motif: a neon skyline along the bottom of the frame, drawn by the shader over the picture.
//
// The pack's `motif` effect: the one layer the shader draws itself rather than finishing what the
// decoder drew (amount 0 = off and costs no pass, the default: the decoder draws its own cities).
// Towers of hashed heights stand in a row (about 18 across the frame), the bass raises them; lit
// windows on a grid flicker with the hats; a neon roofline runs along their tops and flares white on
// the kick, its colour changing each bar.
#include "beeple_common.glsl"

uniform float u_amount;  // 0..1 mix of the skyline over the picture

void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float aspect = u_resolution.x / u_resolution.y;
    float x = v_uv.x * aspect * 10.0;
    float id = floor(x);
    float fx = fract(x) - 0.5;
    float h = (0.08 + 0.22 * vj_hash(vec2(id, 3.1))) * (1.0 + 0.35 * u_bass);  // share of the height
    float hw = 0.32 + 0.12 * vj_hash(vec2(id, 7.7));                            // half width, cell units
    float y = v_uv.y;                                                           // 0 at the bottom
    float px = 1.0 / u_resolution.y;
    float cellw = 1.0 / (aspect * 10.0) * aspect;                               // a cell's width in heights
    // distance (heights) outside the tower: its sides and its top
    float d = max((abs(fx) - hw) * cellw, y - h);
    float tower = 1.0 - smoothstep(-0.5 * px, 0.5 * px, d);
    // windows: a grid inside the tower, lit by a hash, flickering off with the hats
    vec2 g = vec2((fx + hw) / (2.0 * hw) * 4.0, y / 0.022);
    vec2 cell = floor(g);
    vec2 f = fract(g) - 0.5;
    float lit = step(0.45, vj_hash(cell + id * 13.0));
    float tick = floor((u_beat_count + u_beat_phase) * 8.0);
    lit *= 1.0 - u_hat * step(0.5, vj_hash(cell + id * 5.0 + tick));
    float win = step(abs(f.x), 0.27) * step(abs(f.y), 0.25) * step(0.02, h - y) * step(0.5, g.x) * step(g.x, 3.5);
    vec3 neon = BP_NEON[int(mod(floor(u_beat_count / 4.0), 4.0))];
    vec3 layer = mix(here, BP_PALETTE[0], tower);
    layer = mix(layer, BP_PALETTE[6], tower * win * lit);
    // the neon roofline: a tube along the tops, glowing, white-hot on the kick
    float roof = abs(y - h) * step(abs(fx), hw);
    float tube = 1.0 - smoothstep(0.6 * px, 1.6 * px, roof);
    float glow = exp(-roof / (6.0 * px)) * 0.5;
    layer = mix(layer, neon, max(tube, glow * step(h, y)));
    layer = mix(layer, BP_WHITE, tube * u_kick * 0.7);
    o_color = vec4(mix(here, layer, clamp(u_amount, 0.0, 1.0)), 1.0);
}
