// beeple common: the palette and the finish both the source pass and the cut-up give a decoded picture.
//
// bp_finish() is pointwise and cheap (no loops, no neighbourhood reads: software GL runs every branch
// of a shader, so the cut-up finishes its past panels with one call, not one per panel kind):
//  - the decoder's haze goes dark (a toe on each pixel's brightest channel, hue kept),
//  - neon (saturated, bright) flares toward white-hot on the kick and swells with the bass,
//  - lit windows (bright, unsaturated pixels) flicker off with the hats, cell by cell of a coarse grid.
// Silence changes nothing: every reaction is zero when the features are.

const vec3 BP_VOID = vec3(0.0196, 0.0196, 0.0392);
const vec3 BP_NAVY = vec3(0.0667, 0.0784, 0.1647);
const vec3 BP_AMBER = vec3(1.0, 0.698, 0.1176);
const vec3 BP_WHITE = vec3(0.9569, 0.9451, 1.0);

// the neon accents in turn (magenta, cyan, amber, violet) for k = 0, 1, 2, 3 (no array indexing)
vec3 bp_neon(float k) {
    k = mod(k, 4.0);
    vec3 c = mix(vec3(1.0, 0.1686, 0.8392), vec3(0.0, 0.898, 1.0), step(0.5, k));
    c = mix(c, vec3(1.0, 0.698, 0.1176), step(1.5, k));
    return mix(c, vec3(0.5412, 0.1686, 1.0), step(2.5, k));
}

// the decoded colour c at screen position uv (0..1), finished
vec3 bp_finish(vec3 c, vec2 uv) {
    float m = max(max(c.r, c.g), c.b);
    float s = m - min(min(c.r, c.g), c.b);
    c *= clamp((m - 0.02) * 12.5, 0.0, 1.0);                          // haze to black, navy stays
    float neon = clamp((s - 0.35) * 3.3, 0.0, 1.0) * clamp((m - 0.5) * 3.0, 0.0, 1.0);
    c = mix(c, BP_WHITE, neon * 0.6 * u_kick) * (1.0 + 0.35 * neon * u_bass);
    // lit windows flicker off with the hats: cells of a 48 x 27 grid, re-dealt 8 times a beat
    float lit = clamp((m - 0.45) * 4.0, 0.0, 1.0) * (1.0 - neon);
    float tick = floor((u_beat_count + u_beat_phase) * 8.0);
    float off = step(0.55, vj_hash(floor(uv * vec2(48.0, 27.0)) + tick * vec2(0.37, 1.3)));
    return clamp(mix(c, BP_NAVY, lit * off * u_hat * 0.85), 0.0, 1.0);
}
