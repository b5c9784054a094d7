// beeple motif: a neon skyline along the bottom of the frame, drawn by the shader over the picture.
//
// The pack's `motif` effect: the one layer the shader draws itself rather than finishing what the
// decoder drew (amount 0 = off and costs no pass, the default: the decoder draws its own cities).
// Towers of hashed heights stand in a row (ten per picture height across the frame) and rise with
// the bass; lit windows on a grid flicker with the hats; a neon roofline runs along their tops with a
// soft glow above, white-hot on the kick, in the next neon every bar.
#include "beeple_common.glsl"

uniform float u_amount;  // 0..1 mix of the skyline over the picture

void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float x = v_uv.x * (u_resolution.x / u_resolution.y) * 10.0;   // tower cells, a tenth of the height wide
    float id = floor(x);
    float fx = fract(x) - 0.5;
    float rnd = vj_hash(vec2(id, 3.1));
    float h = (0.08 + 0.22 * rnd) * (1.0 + 0.35 * u_bass);         // its height, share of the picture height
    float hw = 0.32 + 0.12 * fract(rnd * 23.7);                     // its half width, in cells
    float y = v_uv.y;                                               // 0 at the bottom
    float px = 1.0 / u_target_size.y;
    float d = max((abs(fx) - hw) * 0.1, y - h);                     // outside the tower, in picture heights
    float tower = clamp(0.5 - d / px, 0.0, 1.0);
    // windows: four columns on a grid of rows, lit by a hash, flickering off with the hats
    vec2 g = vec2((fx + hw) / (2.0 * hw) * 4.0, y / 0.022);
    vec2 f = abs(fract(g) - 0.5);
    float tick = floor((u_beat_count + u_beat_phase) * 8.0);
    float lit = step(0.45, vj_hash(floor(g) + id * 13.0)) * (1.0 - u_hat * step(0.5, vj_hash(floor(g) + id * 5.0 + tick)));
    float win = step(f.x, 0.27) * step(f.y, 0.25) * step(0.02, h - y) * step(0.5, g.x) * step(g.x, 3.5);
    vec3 layer = mix(here, BP_VOID, tower);
    layer = mix(layer, BP_AMBER, tower * win * lit);
    // the neon roofline: a tube along the tops, a glow above them, white-hot on the kick
    float roof = abs(y - h) * step(abs(fx), hw) + step(hw, abs(fx));
    float tube = clamp(1.6 - roof / px, 0.0, 1.0);
    float glow = 0.5 * exp(-roof / (6.0 * px)) * step(h, y);
    layer = mix(layer, bp_neon(floor(u_beat_count / 4.0)), max(tube, glow));
    layer = mix(layer, BP_WHITE, tube * u_kick * 0.7);
    o_color = vec4(mix(here, layer, clamp(u_amount, 0.0, 1.0)), 1.0);
}
