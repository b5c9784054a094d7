// ochiai glitch-particle dissolve: on onsets the picture breaks into square particles of light that rise, shrink and fade, with glitched slices.
//
// The picture is a grid of small square cells.  Each cell lets go at its own moment -- a slow front
// drifting over the picture mixed with the cell's own hash -- once the dissolve level passes it: an
// onset raises the level at once and it sinks back with the onset envelope (so the particles fall
// back into place: the form condenses again), the bass holds it up a little, `amount` scales it all;
// in silence nothing dissolves.
// A released cell leaves a dim trace behind and becomes a particle carrying its colour, glowing toward
// pale blue, rising up to RISE cells and shrinking to nothing as its age grows.  On strong onsets some rows
// of cells slip sideways by whole cells (a digital glitch), a fresh choice of rows on every beat.
// `amount` 0 gives the picture back and costs no pass.
//
// Cost: all of that is worked out once per frame per cell, in a stage of two texels per cell
// (`cells`, 160x45: square cells on a 16:9 show, 1/45 of the height each): for each cell of the
// screen its row's slip, how far the picture's cell under it has let go, and the one particle that
// covers most of it (its place, size and glowing colour; of the particles rising through a cell from
// the RISE cells below, only the biggest part is drawn where two would overlap -- a sliver of the
// other is lost, too small to see).  The pass itself draws at half the render size and per pixel
// reads its cell's two texels and the picture once.  Measured at 1280x720 on llvmpipe (default chain):
// the pass added 1.83x a bare frame when it looked at its cell and the RISE cells below it per pixel
// (eleven reads, the particles' glow worked out per pixel), 0.61x now.
#pragma vjhost stage cells 160x45
#pragma vjhost scale 0.5

#include "ochiai_common.glsl"

uniform float u_amount;  // 0..1 how much of the picture dissolves
uniform sampler2D u_cells;

const int RISE = 3;        // cells a particle rises at most
const float SPREAD = 0.3;  // the dissolve level's width: how far past its key a particle is fully gone
const float SLIPS = 8.0;   // a row's slip is stored as (cells + SLIPS) / (2 SLIPS)

float level() {
    return clamp(u_amount, 0.0, 1.0) * (0.9 * u_onset + 0.15 * u_bass);  // silence: nothing dissolves
}

#if defined(VJ_STAGE_cells)
// when a cell lets go: 0 first ... 1 last (a smooth front drifting over the picture, and the cell's own hash)
float key(vec2 id, vec2 grid) {
    vec2 q = id / grid.y;  // picture units
    float front = 0.5 + 0.5 * sin(2.3 * q.x + 1.7 * q.y + 0.4 * u_time) * sin(1.3 * q.y - 0.9 * q.x - 0.3 * u_time);
    return mix(front, vj_hash(id + 0.5), 0.55);
}

// a row's glitch: whole cells sideways, for the rows this beat picked, on strong onsets
float slip(float row) {
    float pick = step(0.82, vj_hash(vec2(row, u_beat_count)));
    float cells = floor(8.0 * vj_hash(vec2(u_beat_count, row + 3.0))) - 4.0;
    return pick * cells * step(0.5, u_onset * u_amount);
}

// a cell's particle: 0 in place ... 1 gone
float age(vec2 id, vec2 grid) {
    id = clamp(id, vec2(0.0), grid - 1.0);
    return clamp((level() - key(id, grid)) / SPREAD, 0.0, 1.0);
}

// texel (2x, y), for the screen's cell (x, y): r how far the picture's cell there has gone, g the
// centre's height in the cell as (y + 0.5) / 2, b the particle's half size / 0.5 (0: none), a the
// row's slip; texel (2x + 1, y): the particle's colour
void main() {
    vec2 grid = vec2(0.5 * u_target_size.x, u_target_size.y);
    ivec2 t = ivec2(gl_FragCoord.xy);
    vec2 screen = vec2(float(t.x / 2), float(t.y));
    float s = slip(screen.y);
    vec2 id = screen + vec2(s, 0.0);  // the picture's cell shown there
    float gone = smoothstep(0.0, 0.2, age(id, grid));
    float best = 0.0, yc = 0.0, half_ = 0.0, best_a = 0.0;
    vec2 best_src = id;
    for (int k = 0; k <= RISE; k++) {  // this cell's particle, and those that rose from the cells below
        vec2 src = id - vec2(0.0, float(k));
        float a = age(src, grid);
        float h = (a > 0.0 && a < 1.0) ? 0.45 * (1.0 - a) : 0.0;  // the particle shrinks as it rises
        float c = 0.5 + a * float(RISE) - float(k);                 // its centre, in this cell's heights
        float cover = max(min(c + h, 1.0) - max(c - h, 0.0), 0.0) * h;
        if (cover > best) { best = cover; yc = c; half_ = h; best_a = a; best_src = src; }
    }
    if ((t.x & 1) == 0) {
        o_color = vec4(gone, (yc + 0.5) * 0.5, half_ * 2.0, (s + SLIPS) / (2.0 * SLIPS));
    } else {
        vec3 pc = texture(u_input, (clamp(best_src, vec2(0.0), grid - 1.0) + 0.5) / grid).rgb;
        float l = oc_luma(pc);  // lit particles glow toward pale light; dark ones stay dark
        pc = mix(pc, mix(OC_LIGHT, OC_WHITE, l), (0.35 + 0.5 * best_a) * smoothstep(0.1, 0.5, l));
        o_color = vec4(pc, 1.0);
    }
}
#else
void main() {
    ivec2 grid = textureSize(u_cells, 0) / ivec2(2, 1);
    vec2 p = v_uv * vec2(grid);  // in cells
    ivec2 cell = min(ivec2(p), grid - 1);
    vec4 geo = texelFetch(u_cells, ivec2(2 * cell.x, cell.y), 0);
    vec3 pc = texelFetch(u_cells, ivec2(2 * cell.x + 1, cell.y), 0).rgb;
    float s = floor(geo.a * (2.0 * SLIPS) + 0.5) - SLIPS;
    vec3 pic = texture(u_input, (p + vec2(s, 0.0)) / vec2(grid)).rgb;
    vec3 col = mix(pic, mix(OC_INK, pic, 0.3), geo.r);  // what is left where a particle let go: a dim trace
    vec2 d = abs(p - vec2(cell) - vec2(0.5, geo.g * 2.0 - 0.5));
    float inside = step(max(d.x, d.y), geo.b * 0.5 - 0.001);
    o_color = vec4(mix(col, max(col, pc), inside), 1.0);
}
#endif
