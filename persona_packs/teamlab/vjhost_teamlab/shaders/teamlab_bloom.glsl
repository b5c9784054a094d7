// teamlab bloom: every light glows softly into the dark around it, a little brighter on the beat.
//
// A mip chain, as real-time engines do it, instead of dozens of full-size taps: the highlights
// (a soft knee on each pixel's brightest channel) are taken at a quarter of the render size and
// blurred there with a separable gaussian (the tight halo that makes even small lights glow),
// then taken down to an eighth and blurred wider (the soft haze).  The main pass screens both
// onto the picture, so the glow never clips flat; amount 0 gives the picture back exactly (and
// costs no pass at all).  Sizes are shares of the picture height, so the look does not change
// with the render scale.
//
// Reach: the halo fades out by 3 x TIGHT, the haze by 3 x WIDE (plus a texel of the eighth-size
// level), so nothing further than about 0.25 of the height from a light is touched.
#pragma vjhost stage bright 0.25
#pragma vjhost stage tight_x 0.25
#pragma vjhost stage tight 0.25
#pragma vjhost stage wide_x 0.125
#pragma vjhost stage wide 0.125
#pragma vjhost stage glow 0.25

uniform float u_amount;  // 0..1 glow strength
uniform sampler2D u_bright, u_tight_x, u_tight, u_wide_x, u_wide, u_glow;

const float TIGHT = 0.009;  // gaussian sigma of the halo, share of picture height
const float WIDE = 0.072;   // sigma of the haze

vec3 highlight(vec3 c) {
    return c * smoothstep(0.3, 0.9, max(max(c.r, c.g), c.b));
}

// 9 taps of a gaussian along `axis` (in picture heights per sigma), taps 0.75 sigma apart
vec3 gauss9(sampler2D tex, vec2 uv, vec2 axis) {
    const float W0 = 1.0, W1 = 0.7548, W2 = 0.3247, W3 = 0.0796, W4 = 0.0111;  // exp(-(0.75 k)^2 / 2)
    vec2 d = axis * 0.75;
    vec3 s = texture(tex, uv).rgb * W0;
    s += (texture(tex, uv + d).rgb + texture(tex, uv - d).rgb) * W1;
    s += (texture(tex, uv + 2.0 * d).rgb + texture(tex, uv - 2.0 * d).rgb) * W2;
    s += (texture(tex, uv + 3.0 * d).rgb + texture(tex, uv - 3.0 * d).rgb) * W3;
    s += (texture(tex, uv + 4.0 * d).rgb + texture(tex, uv - 4.0 * d).rgb) * W4;
    return s / (W0 + 2.0 * (W1 + W2 + W3 + W4));
}

vec2 per_height() { return vec2(u_resolution.y / u_resolution.x, 1.0); }  // picture heights -> uv

#if defined(VJ_STAGE_bright)
// a quarter size: four bilinear taps cover the 4x4 pixels under each texel, each knee'd on its own
void main() {
    vec2 t = 1.0 / u_resolution;
    vec3 s = highlight(texture(u_input, v_uv + t * vec2(-1.0, -1.0)).rgb) + highlight(texture(u_input, v_uv + t * vec2(1.0, -1.0)).rgb)
           + highlight(texture(u_input, v_uv + t * vec2(-1.0, 1.0)).rgb) + highlight(texture(u_input, v_uv + t * vec2(1.0, 1.0)).rgb);
    o_color = vec4(s * 0.25, 1.0);
}
#elif defined(VJ_STAGE_tight_x)
void main() { o_color = vec4(gauss9(u_bright, v_uv, vec2(TIGHT, 0.0) * per_height()), 1.0); }
#elif defined(VJ_STAGE_tight)
void main() { o_color = vec4(gauss9(u_tight_x, v_uv, vec2(0.0, TIGHT)), 1.0); }
#elif defined(VJ_STAGE_wide_x)
void main() { o_color = vec4(gauss9(u_tight, v_uv, vec2(WIDE, 0.0) * per_height()), 1.0); }
#elif defined(VJ_STAGE_wide)
void main() { o_color = vec4(gauss9(u_wide_x, v_uv, vec2(0.0, WIDE)), 1.0); }
#elif defined(VJ_STAGE_glow)
// halo and haze summed at a quarter size, so the full-size pass reads one glow texture
void main() {
    vec3 glow = 1.5 * texture(u_tight, v_uv).rgb + 1.1 * texture(u_wide, v_uv).rgb;
    o_color = vec4(min(glow * u_amount * (1.0 + 0.5 * u_beat), 1.0), 1.0);
}
#else
void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    vec3 g = texture(u_glow, v_uv).rgb;
    o_color = vec4(c + g - c * g, 1.0);
}
#endif
