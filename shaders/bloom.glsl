// Bloom: what is brighter than a threshold glows into its surroundings; the glow
// pumps with the kick and the bass.  Single pass, 9 taps: the centre plus two
// rotated rings of four at radius and half radius.
uniform float u_amount;     // 0..1 glow strength
uniform float u_radius;     // glow radius, share of picture height (0.005..0.1)
uniform float u_threshold;  // luminance above which things glow (0..1)

vec3 bright(vec2 uv) {
    vec3 c = texture(u_input, uv).rgb;
    return max(c - u_threshold, 0.0) / max(1e-3, 1.0 - u_threshold);
}

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    vec2 r = vec2(u_resolution.y / u_resolution.x, 1.0) * u_radius * (1.0 + 0.8 * u_kick);
    vec3 g = max(c - u_threshold, 0.0) / max(1e-3, 1.0 - u_threshold);
    g += 0.8 * (bright(v_uv + r * vec2(0.5, 0.0)) + bright(v_uv - r * vec2(0.5, 0.0)) +
                bright(v_uv + r * vec2(0.0, 0.5)) + bright(v_uv - r * vec2(0.0, 0.5)));
    g += 0.5 * (bright(v_uv + r * vec2(0.707, 0.707)) + bright(v_uv - r * vec2(0.707, 0.707)) +
                bright(v_uv + r * vec2(0.707, -0.707)) + bright(v_uv - r * vec2(0.707, -0.707)));
    g /= 6.2;
    float gain = u_amount * (1.0 + 0.6 * u_bass + 0.8 * u_kick) * 1.5;
    o_color = vec4(c + g * gain, 1.0);
}
