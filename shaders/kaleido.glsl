// Kaleidoscope: the picture folded into N mirrored wedges about the centre.
// The wedges turn with the bar (spin) and kicks zoom in.  1 fetch.
// With spin 0 and no kick the result is mirror-symmetric about the horizontal
// centre line (the first fold axis).
uniform float u_amount;    // 0..1 mix of the folded picture over the input
uniform float u_segments;  // number of wedges (2..16)
uniform float u_spin;      // turns per bar of the whole pattern (-1..1)

void main() {
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = (v_uv - 0.5) * vec2(aspect, 1.0);
    float n = max(1.0, floor(u_segments + 0.5));
    float wedge = 3.14159265 / n;  // half a segment
    float a = atan(p.y, p.x);
    float r = length(p) * (1.0 - 0.25 * u_kick);
    a = mod(a, 2.0 * wedge);
    a = abs(a - wedge);             // mirror inside the segment: symmetric about the wedge edges
    a = wedge - a;                  // 0 at the fold axis
    a += 6.2831853 * u_spin * (u_bar_phase + floor(u_beat_count / 4.0));
    vec2 q = vec2(cos(a), sin(a)) * r;
    q = q / vec2(aspect, 1.0) + 0.5;
    q = 1.0 - abs(1.0 - mod(q, 2.0));  // mirror at the borders instead of clamping
    vec3 k = texture(u_input, q).rgb;
    vec3 c = k;
    if (u_amount < 1.0) c = texture(u_input, v_uv).rgb;  // a real branch on a uniform: no fetch at 1
    o_color = vec4(mix(c, k, u_amount), 1.0);
}
