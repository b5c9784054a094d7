// Collage / cut-up: the screen is cut into a grid of rectangles; a share of them
// show another, shifted and rescaled piece of the picture (or of the decoded
// frame).  The cut is re-dealt on every beat; onsets re-deal half a beat early.
// 1 fetch.
uniform float u_amount;  // 0..1 share of cut-up pieces
uniform float u_cells;   // grid density: pieces across (2..16)
uniform float u_image_share;  // 0..1 share of pieces that show the decoded frame

void main() {
    float deal = u_beat_count + step(0.5, u_beat_phase) * step(0.5, u_onset) * 0.5;
    float n = max(1.0, floor(u_cells + 0.5));
    vec2 grid = vec2(n, max(1.0, floor(n * u_resolution.y / u_resolution.x + 0.5)));
    // uneven columns: warp the cell coordinate with a per-deal sine
    vec2 g = v_uv * grid;
    g.x += 0.35 * sin(floor(g.y) * 2.1 + deal * 1.7);
    vec2 id = floor(g);
    vec2 f = fract(g);
    float h = vj_hash(id + deal * 17.0);
    float cut = step(1.0 - u_amount, h);
    vec2 from_id = floor(vec2(vj_hash(id + deal + 3.1), vj_hash(id - deal + 5.7)) * grid);
    float scale = mix(0.6, 1.6, vj_hash(id + 9.3 + deal));
    vec2 uv = (from_id + (f - 0.5) * scale + 0.5) / grid;
    uv = mix(v_uv, uv, cut);
    uv = 1.0 - abs(1.0 - mod(uv, 2.0));
    bool img = cut > 0.5 && vj_hash(id + deal * 3.0 + 1.3) < u_image_share;
    vec3 c = img ? vj_image(uv).rgb : texture(u_input, uv).rgb;
    // a thin dark seam around cut pieces
    float seam = cut * (1.0 - step(0.03, min(min(f.x, 1.0 - f.x), min(f.y, 1.0 - f.y))));
    o_color = vec4(c * (1.0 - 0.8 * seam), 1.0);
}
