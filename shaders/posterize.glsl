// Posterize: each channel quantised to N levels; kicks take levels away
// (react), so hits look harder.  At amount 1 every channel has <= N values.
// 1 fetch.
uniform float u_amount;  // 0..1 mix of the posterized picture over the input
uniform float u_levels;  // levels per channel (2..16)
uniform float u_react;   // levels removed at a full kick, as a share of them (0..1)

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    float n = max(2.0, floor(u_levels * (1.0 - u_react * u_kick) + 0.5));
    vec3 q = floor(c * n * 0.9999) / (n - 1.0);  // n bins -> n values 0, 1/(n-1) .. 1
    o_color = vec4(mix(c, q, u_amount), 1.0);
}
