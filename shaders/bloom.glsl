// Bloom: what is brighter than a threshold glows into its surroundings; the glow pumps with the
// kick and the bass.  A mip chain: the bright parts at a quarter of the render size, blurred there
// with a separable gaussian (five bilinear reads each way), added back at full size -- two reads
// per full-size pixel instead of nine.  Sizes are shares of the picture height, so the look does
// not change with the render scale.
#pragma vjhost stage bright 0.25
#pragma vjhost stage glow_x 0.25
#pragma vjhost stage glow 0.25

uniform float u_amount;     // 0..1 glow strength
uniform float u_radius;     // glow radius, share of picture height (0.005..0.1)
uniform float u_threshold;  // luminance above which things glow (0..1)
uniform sampler2D u_bright, u_glow_x, u_glow;

vec3 bright(vec3 c) { return max(c - u_threshold, 0.0) / max(1e-3, 1.0 - u_threshold); }

// nine gaussian taps from five reads, along `d` (one unit; the outermost taps at 3.23 units)
vec3 gauss5(sampler2D t, vec2 uv, vec2 d) {
    vec3 s = texture(t, uv).rgb * 0.2270270;
    s += (texture(t, uv + d * 1.3846154).rgb + texture(t, uv - d * 1.3846154).rgb) * 0.3162162;
    s += (texture(t, uv + d * 3.2307692).rgb + texture(t, uv - d * 3.2307692).rgb) * 0.0702703;
    return s;
}

float reach() { return u_radius * (1.0 + 0.8 * u_kick) / 3.2307692; }

#if defined(VJ_STAGE_bright)
// a quarter size: four bilinear reads cover the 4x4 pixels under each texel, each thresholded on its own
void main() {
    vec2 t = 1.0 / u_resolution;
    vec3 s = bright(texture(u_input, v_uv + t * vec2(-1.0, -1.0)).rgb) + bright(texture(u_input, v_uv + t * vec2(1.0, -1.0)).rgb)
           + bright(texture(u_input, v_uv + t * vec2(-1.0, 1.0)).rgb) + bright(texture(u_input, v_uv + t * vec2(1.0, 1.0)).rgb);
    o_color = vec4(s * 0.25, 1.0);
}
#elif defined(VJ_STAGE_glow_x)
void main() { o_color = vec4(gauss5(u_bright, v_uv, vec2(reach() * u_resolution.y / u_resolution.x, 0.0)), 1.0); }
#elif defined(VJ_STAGE_glow)
void main() { o_color = vec4(gauss5(u_glow_x, v_uv, vec2(0.0, reach())), 1.0); }
#else
void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    float gain = u_amount * (1.0 + 0.6 * u_bass + 0.8 * u_kick) * 1.5;
    o_color = vec4(c + texture(u_glow, v_uv).rgb * gain, 1.0);
}
#endif
