// mikami motif: sensor readouts drawn by the shader -- segmented meters of the eight bands at the bottom
// left and a pulse trace across the top that spikes with the kick; no text.
//
// The pack's `motif` effect: the one layer the shader draws itself rather than finishing what the decoder
// drew.  `amount` mixes it in (0 = off and costs no pass, the default: the decoder draws its own readouts).
uniform float u_amount;  // 0..1

const vec3 LIT = vec3(0.4980, 0.7686, 1.0);    // #7fc4ff
const vec3 DIM = vec3(0.0431, 0.1647, 0.2902); // #0b2a4a
const vec3 HOT = vec3(0.9098, 0.9647, 1.0);    // #e8f6ff

void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y);       // screen heights, y up
    float a = clamp(u_amount, 0.0, 1.0);
    vec3 col = here;
    // eight meters of ten segments in the bottom-left corner
    vec2 m = (p - vec2(0.04, 0.04)) / vec2(0.035, 0.022);
    if (m.x >= 0.0 && m.x < 8.0 && m.y >= 0.0 && m.y < 10.0) {
        vec2 cell = floor(m);
        vec2 f = fract(m);
        float inside = step(0.15, f.x) * step(f.x, 0.85) * step(0.2, f.y) * step(f.y, 0.8);
        float lit = step(cell.y + 0.5, vj_band(int(cell.x)) * 10.0);
        col = mix(col, mix(DIM, cell.y > 7.5 ? HOT : LIT, lit), inside * a);
    }
    // the pulse trace: a baseline near the top that spikes where the scan passes, higher with the kick
    float x = fract(p.x / aspect * 3.0 - u_beat_phase);
    float spike = exp(-pow((x - 0.5) / 0.02, 2.0)) * (0.02 + 0.06 * u_kick);
    float d = abs(p.y - (0.92 + spike));
    col = mix(col, LIT, smoothstep(2.0 / u_resolution.y, 0.5 / u_resolution.y, d) * a);
    o_color = vec4(col, 1.0);
}
