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
// Cost: every particle's age and every row's slip are worked out once per frame in a stage of one
// texel per cell (80x45: square cells on a 16:9 show, 1/45 of the height each); the pass itself draws
// at half the render size and per pixel reads the picture once, the ages of its cell and the RISE
// cells below it (texel fetches), and the picture again only where a particle covers the pixel.
#pragma vjhost stage ages 80x45
#pragma vjhost scale 0.5

#include "ochiai_common.glsl"

uniform float u_amount;  // 0..1 how much of the picture dissolves
uniform sampler2D u_ages;

const int RISE = 3;        // cells a particle rises at most
const float SPREAD = 0.3;  // the dissolve level's width: how far past its key a particle is fully gone
const float SLIPS = 8.0;   // a row slips by up to this many cells either way

float level() {
    return clamp(u_amount, 0.0, 1.0) * (0.9 * u_onset + 0.15 * u_bass);  // silence: nothing dissolves
}

#if defined(VJ_STAGE_ages)
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

// r: the particle's age (0 in place ... 1 gone), g: its row's slip, as (cells + SLIPS) / (2 SLIPS)
void main() {
    vec2 id = floor(gl_FragCoord.xy);
    float age = clamp((level() - key(id, u_target_size)) / SPREAD, 0.0, 1.0);
    o_color = vec4(age, (slip(id.y) + SLIPS) / (2.0 * SLIPS), 0.0, 1.0);
}
#else
float age_of(ivec2 id, ivec2 grid) {
    return texelFetch(u_ages, clamp(id, ivec2(0), grid - 1), 0).r;
}

void main() {
    ivec2 grid = textureSize(u_ages, 0);
    vec2 p = v_uv * vec2(grid);  // in cells
    p.x += texelFetch(u_ages, ivec2(0, clamp(int(p.y), 0, grid.y - 1)), 0).g * (2.0 * SLIPS) - SLIPS;
    vec2 id = floor(p);
    vec2 to_uv = 1.0 / vec2(grid);
    vec3 pic = texture(u_input, p * to_uv).rgb;
    float gone = smoothstep(0.0, 0.2, age_of(ivec2(id), grid));
    vec3 col = mix(pic, mix(OC_INK, pic, 0.3), gone);  // what is left where a particle let go: a dim trace
    for (int k = 0; k <= RISE; k++) {  // this cell's particle, and those that rose from the cells below
        vec2 src = id - vec2(0.0, float(k));
        float a = age_of(ivec2(src), grid);
        if (a <= 0.0 || a >= 1.0) continue;
        vec2 centre = src + 0.5 + vec2(0.0, a * float(RISE));
        vec2 d = abs(p - centre);
        if (max(d.x, d.y) < 0.45 * (1.0 - a)) {  // the particle shrinks as it rises
            vec3 pc = texture(u_input, (src + 0.5) * to_uv).rgb;
            float l = oc_luma(pc);  // lit particles glow toward pale light; dark ones stay dark
            pc = mix(pc, mix(OC_LIGHT, OC_WHITE, l), (0.35 + 0.5 * a) * smoothstep(0.1, 0.5, l));
            col = max(col, pc);
        }
    }
    o_color = vec4(clamp(col, 0.0, 1.0), 1.0);
}
#endif
