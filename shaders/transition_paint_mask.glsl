// Transition, painterly, pass 1 of 2: the paint mask (0 = still the outgoing
// picture, 1 = painted with the incoming one).  Drawn at reduced size (half by
// default) into a mask target; transition_paint.glsl then composites at full
// size with the mask upsampled bilinearly, which also softens the bristle edges.
// After the Latent Painter idea (S. Su, arXiv 2308.16490): the destination
// appears as a canvas being painted, not a fade.
//
// Strokes live on a jittered grid (one per cell, each long enough to reach into
// its neighbours, so a pixel looks at the 3x3 cells around it).  Each stroke has
// a seeded place in the painting order (early strokes are broad, later ones
// finer: coarse to fine, as the predicted picture sharpens in Latent Painter);
// when progress reaches it the brush travels along the stroke's axis and lays
// paint with ragged bristle edges and streaks.  The axis follows the destination's isophotes (strokes run along
// edges, as a painter's do), blended with a smooth flow field where the image is
// flat.  Past progress 0.85 a glaze fills what the strokes missed, so progress 1
// is exactly the destination and progress 0 exactly the source; the mask only
// ever grows with progress.  3 fetches of the destination (its gradient) plus
// arithmetic for up to 9 strokes, per mask pixel.
uniform sampler2D u_dest;    // the incoming show's output (full size)
uniform float u_progress;    // 0..1
uniform float u_stroke;      // stroke width, share of picture height (0.01..0.15)
uniform float u_follow;      // 0 = flow field only, 1 = follow the destination's edges
uniform float u_seed;        // which painting (stroke places, order, flow field)
uniform vec2 u_size;         // output size in pixels (set by the transition, valid before any frame)

float luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

void main() {
    float aspect = u_size.x / max(1.0, u_size.y);
    vec2 p = v_uv * vec2(aspect, 1.0);  // picture-height units
    vec3 dst = texture(u_dest, v_uv).rgb;

    // --- stroke direction at this pixel
    float fa = 1.9 * sin(p.x * 2.3 + 1.7 * p.y + u_seed) + 1.3 * sin(p.y * 3.1 - 0.9 * p.x + 2.0 * u_seed);
    vec2 flow = vec2(cos(fa), sin(fa));
    float e = u_stroke * 0.6;
    float l0 = luma(dst);
    vec2 g = vec2(luma(texture(u_dest, v_uv + vec2(e / aspect, 0.0)).rgb) - l0,
                  luma(texture(u_dest, v_uv + vec2(0.0, e)).rgb) - l0);
    float gl = length(g);
    vec2 tang = gl > 1e-5 ? vec2(-g.y, g.x) / gl : flow;
    tang *= sign(dot(tang, flow) + 1e-6);  // a line has no sign: align with the flow before blending
    vec2 dir = normalize(mix(flow, tang, u_follow * smoothstep(0.001, 0.01, gl)) + 1e-6);
    vec2 nrm = vec2(-dir.y, dir.x);

    // --- the strokes of the 3x3 cells around this one
    float cell = u_stroke * 1.6;
    vec2 id0 = floor(p / cell);
    const float span = 0.22;  // share of the progress one stroke takes to paint
    float m = smoothstep(0.85, 1.0, u_progress);  // the glaze: nothing is left unpainted at 1
    for (int j = -1; j <= 1 && m < 1.0; j++) {
        for (int i = -1; i <= 1; i++) {
            vec2 id = id0 + vec2(i, j) + u_seed * 31.0;
            float h1 = vj_hash(id);
            float start = h1 * (0.85 - span);
            float r = clamp((u_progress - start) / span, 0.0, 1.0);
            if (r <= 0.0) continue;  // not painted yet: skip the rest (most of them early on)
            float h2 = vj_hash(id + 17.13);
            float h3 = vj_hash(id + 41.7);
            vec2 c = (id0 + vec2(i, j) + 0.5 + (vec2(h2, h3) - 0.5) * 0.8) * cell;
            vec2 d = p - c;
            float along = dot(d, dir), across = dot(d, nrm);
            float len = cell * (0.9 + 0.6 * h3);          // half length: 1.8..3 cells in all
            float wid = u_stroke * (0.62 - 0.3 * h1 + 0.12 * h2);  // half width: broad first, finer later
            float soft = wid * 0.6;
            float head = -len + 2.0 * len * r;            // the brush travels tail to head
            float cov_len = smoothstep(-len - soft, -len + soft, along) * smoothstep(head + soft, head - soft, along);
            // bristles: streaks along the stroke, each with its own reach and ink
            float bristle = vj_hash(vec2(floor(across / wid * 5.0), h1 * 97.0));
            float edge = wid * (0.8 + 0.35 * bristle);
            float cov_w = smoothstep(edge, edge * 0.55, abs(across));
            float ink = 0.8 + 0.2 * bristle;
            m = max(m, cov_len * cov_w * ink * smoothstep(0.0, 0.08, r));
        }
    }
    o_color = vec4(m, m, m, 1.0);
}
