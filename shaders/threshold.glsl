// Threshold: luminance cut to pure black and white at a level that the bass and
// kick push up (react; in silence the level is the fader's).  At amount 1 the
// output is strictly binary.  1 fetch.
uniform float u_amount;  // 0..1 mix of the binary picture over the input
uniform float u_level;   // luminance threshold 0..1
uniform float u_react;   // how far the bass and kick move the level (-1..1)

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    float y = dot(c, vec3(0.299, 0.587, 0.114));
    float lev = clamp(u_level + u_react * (0.3 * u_bass + 0.2 * u_kick), 0.02, 0.98);
    vec3 b = vec3(step(lev, y));
    o_color = vec4(mix(c, b, u_amount), 1.0);
}
