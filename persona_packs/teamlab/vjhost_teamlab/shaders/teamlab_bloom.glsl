// teamlab bloom: every light glows softly into the dark around it, a little brighter on the beat.
// The highlights (soft knee) are gathered twice, gaussian-weighted: a tight halo (16 taps) that
// makes even small lights glow, and a wide soft haze (24 taps), both on golden-angle spirals
// whose offsets and weights are constants (no trigonometry per pixel: cheap even on software
// GL); the spirals turn from pixel to pixel.  The glow is screened onto the picture, so it never clips flat, and amount 0 gives the
// picture back exactly.
uniform float u_amount;  // 0..1 glow strength

const float TIGHT = 0.02;  // halo radius, share of picture height
const float WIDE = 0.16;   // haze radius

const vec2 TIGHT_AT[16] = vec2[16](
    vec2(0.1768, 0.0000), vec2(-0.2258, 0.2068), vec2(0.0346, -0.3938), vec2(0.2846, 0.3712),
    vec2(-0.5222, -0.0924), vec2(0.4947, -0.3147), vec2(-0.1655, 0.6155), vec2(-0.3156, -0.6076),
    vec2(0.6846, 0.2500), vec2(-0.7123, 0.2940), vec2(0.3434, -0.7337), vec2(0.2537, 0.8089),
    vec2(-0.7647, -0.4432), vec2(0.8971, -0.1972), vec2(-0.5475, 0.7788), vec2(-0.1265, -0.9761));
const float TIGHT_W[16] = float[16](0.9248, 0.7911, 0.6766, 0.5788, 0.4950, 0.4234, 0.3622, 0.3098, 0.2650, 0.2266, 0.1939, 0.1658, 0.1418, 0.1213, 0.1038, 0.0888);
const vec2 WIDE_AT[24] = vec2[24](
    vec2(0.1443, 0.0000), vec2(-0.1843, 0.1689), vec2(0.0282, -0.3215), vec2(0.2324, 0.3031),
    vec2(-0.4264, -0.0754), vec2(0.4039, -0.2569), vec2(-0.1351, 0.5026), vec2(-0.2577, -0.4961),
    vec2(0.5590, 0.2041), vec2(-0.5816, 0.2401), vec2(0.2803, -0.5991), vec2(0.2072, 0.6605),
    vec2(-0.6244, -0.3619), vec2(0.7325, -0.1610), vec2(-0.4470, 0.6359), vec2(-0.1033, -0.7970),
    vec2(0.6340, 0.5343), vec2(-0.8532, 0.0353), vec2(0.6223, -0.6193), vec2(-0.0416, 0.9004),
    vec2(-0.5922, -0.7096), vec2(0.9380, 0.1262), vec2(-0.7948, 0.5530), vec2(0.2172, -0.9654));
const float WIDE_W[24] = float[24](0.9692, 0.9105, 0.8553, 0.8035, 0.7548, 0.7091, 0.6661, 0.6258, 0.5879, 0.5523, 0.5188, 0.4874, 0.4578, 0.4301, 0.4040, 0.3796, 0.3566, 0.3350, 0.3147, 0.2956, 0.2777, 0.2609, 0.2451, 0.2302);

vec3 highlight(vec2 uv) {
    vec3 c = texture(u_input, uv).rgb;
    return c * smoothstep(0.3, 0.9, max(max(c.r, c.g), c.b));
}

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    if (u_amount <= 0.0) {
        o_color = vec4(c, 1.0);
        return;
    }
    vec2 aspect = vec2(u_resolution.y / u_resolution.x, 1.0);
    // the spirals turned from pixel to pixel (interleaved gradient noise): a small light gets a
    // smooth halo, not ghost copies -- one sin/cos per pixel, not per tap
    float turn = 6.2831853 * fract(52.9829189 * fract(dot(gl_FragCoord.xy, vec2(0.06711056, 0.00583715))));
    mat2 spin = mat2(cos(turn), sin(turn), -sin(turn), cos(turn));
    vec3 h0 = highlight(v_uv);
    vec3 tight = h0;
    float tw = 1.0;
    for (int i = 0; i < 16; i++) {
        tight += highlight(v_uv + (spin * TIGHT_AT[i]) * aspect * TIGHT) * TIGHT_W[i];
        tw += TIGHT_W[i];
    }
    vec3 wide = h0;
    float ww = 1.0;
    for (int i = 0; i < 24; i++) {
        wide += highlight(v_uv + (spin * WIDE_AT[i]) * aspect * WIDE) * WIDE_W[i];
        ww += WIDE_W[i];
    }
    vec3 glow = 1.5 * tight / tw + 1.1 * wide / ww;
    vec3 g = min(glow * u_amount * (1.0 + 0.5 * u_beat), 1.0);
    o_color = vec4(c + g - c * g, 1.0);
}
