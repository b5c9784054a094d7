// beeple common: the palette and the finish both the source pass and the cut-up give a decoded picture.
//
// bp_finish() is pointwise (no neighbourhood reads), so the cut-up can finish a past decode in a panel
// exactly as the source pass finished the current one, at the cost of a few arithmetic operations:
//  - soft in-between colours settle toward the nearest palette colour (the decoder's haze goes dark,
//    its neon stays neon),
//  - neon (saturated, bright) flares toward white-hot on the kick,
//  - lit windows (bright pixels in a coarse grid of cells) flicker off with the hats, cell by cell.
// Silence changes nothing: every reaction is zero when the features are.

const int BP_N = 9;
const vec3 BP_PALETTE[BP_N] = vec3[BP_N](
    vec3(0.0196, 0.0196, 0.0392), vec3(0.0667, 0.0784, 0.1647), vec3(0.1490, 0.1686, 0.2706),
    vec3(0.3529, 0.3922, 0.5333), vec3(1.0000, 0.1686, 0.8392), vec3(0.0000, 0.8980, 1.0000),
    vec3(1.0000, 0.6980, 0.1176), vec3(0.5412, 0.1686, 1.0000), vec3(0.9569, 0.9451, 1.0000));
const vec3 BP_WHITE = vec3(0.9569, 0.9451, 1.0000);
// the neon accents, in the order the cut-up's seams take them
const vec3 BP_NEON[4] = vec3[4](vec3(1.0, 0.1686, 0.8392), vec3(0.0, 0.898, 1.0), vec3(1.0, 0.698, 0.1176),
                                vec3(0.5412, 0.1686, 1.0));

const float BP_PULL = 0.4;  // 0 = the decode as it is, 1 = flat palette colours only

float bp_max(vec3 c) { return max(max(c.r, c.g), c.b); }
float bp_sat(vec3 c) { return bp_max(c) - min(min(c.r, c.g), c.b); }

vec3 bp_nearest(vec3 c) {
    vec3 best = BP_PALETTE[0];
    float e = 1e9;
    for (int i = 0; i < BP_N; i++) {
        vec3 d = c - BP_PALETTE[i];
        float k = dot(d, d);
        if (k < e) { e = k; best = BP_PALETTE[i]; }
    }
    return best;
}

// the decoded colour c at screen position uv (0..1), finished
vec3 bp_finish(vec3 c, vec2 uv) {
    c = mix(c, bp_nearest(c), BP_PULL);
    float m = bp_max(c);
    float neon = smoothstep(0.35, 0.7, bp_sat(c)) * smoothstep(0.45, 0.9, m);
    c = mix(c, BP_WHITE, neon * 0.6 * u_kick);               // neon goes white-hot on the kick
    c *= 1.0 + 0.35 * neon * u_bass;                         // and swells with the bass
    // lit windows: bright, not neon-saturated pixels; a coarse grid of cells, re-dealt 8x a beat
    float lit = smoothstep(0.45, 0.7, m) * (1.0 - neon);
    vec2 cell = floor(uv * vec2(48.0, 27.0));
    float tick = floor((u_beat_count + u_beat_phase) * 8.0);
    float off = step(0.55, vj_hash(cell + vec2(tick * 0.37, tick * 1.3)));
    c = mix(c, BP_PALETTE[1], lit * off * u_hat * 0.85);
    return clamp(c, 0.0, 1.0);
}
