// Mirror tiling: the picture repeated in a grid of tiles, each neighbour flipped
// so edges meet seamlessly.  Bass zooms the tiling; the tiles scroll one tile per
// bar if asked.  1 fetch (2 while amount < 1).
uniform float u_amount;  // 0..1 mix of the tiling over the input
uniform float u_tiles;   // tiles across (1..8)
uniform float u_scroll;  // tiles scrolled per bar (-1..1)

void main() {
    float n = max(1.0, u_tiles) * (1.0 + 0.35 * u_bass);
    vec2 q = (v_uv - 0.5) * n + 0.5 * n;
    q.x += u_scroll * (u_bar_phase + floor(u_beat_count / 4.0));
    q = 1.0 - abs(1.0 - mod(q, 2.0));  // triangle wave: 0..1..0 across each pair of tiles
    vec3 k = texture(u_input, q).rgb;
    vec3 c = k;
    if (u_amount < 1.0) c = texture(u_input, v_uv).rgb;  // a real branch on a uniform: no fetch at 1
    o_color = vec4(mix(c, k, u_amount), 1.0);
}
