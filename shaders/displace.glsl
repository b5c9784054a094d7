// Displacement by the decoded image: every pixel of the chain is pushed in a
// direction set by the decoded frame's luminance there (angle = luminance x
// twist turns), by a distance that swells with the bass and the kick.  2 fetches.
uniform float u_amount;  // 0..1 push distance (share of picture height / 10)
uniform float u_twist;   // turns of direction across black..white (0..4)
uniform float u_react;   // 0..1 how much bass and kick swell the push

void main() {
    float y = dot(vj_image(v_uv).rgb, vec3(0.299, 0.587, 0.114));
    float a = 6.2831853 * (y * u_twist + 0.125);
    float dist = 0.1 * u_amount * (0.3 + 0.7 * y) * (1.0 + u_react * (1.5 * u_bass + 2.0 * u_kick));
    vec2 d = vec2(cos(a), sin(a)) * dist * vec2(u_resolution.y / u_resolution.x, 1.0);
    vec2 uv = 1.0 - abs(1.0 - mod(v_uv + d, 2.0));
    o_color = vec4(texture(u_input, uv).rgb, 1.0);
}
