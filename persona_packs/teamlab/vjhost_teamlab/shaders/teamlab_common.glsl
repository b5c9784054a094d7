// teamlab: what the source pass and the motif layer share (included by both).

const float TAU = 6.2831853;

float tl_aspect() { return u_resolution.x / max(u_resolution.y, 1.0); }

// picture coordinates (height 1, centred) <-> texture coordinates
vec2 tl_p(vec2 uv) { return (uv - 0.5) * vec2(tl_aspect(), 1.0); }
vec2 tl_uv(vec2 p) { return p / vec2(tl_aspect(), 1.0) + 0.5; }

float tl_max(vec3 c) { return max(max(c.r, c.g), c.b); }

// a soft shoulder: values up to 0.8 untouched, then a parabola reaching white at 1.2 (callers clamp
// what is beyond), so stacked light rolls off instead of clipping flat -- no exp (software GL pays
// dearly for it: three of them cost more than the rest of the source pass's grade)
vec3 tl_shoulder(vec3 c) {
    vec3 x = clamp(c - 0.8, 0.0, 0.4);
    return c - 1.25 * x * x;
}
