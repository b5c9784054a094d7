// Scanlines / CRT: barrel curvature, dark scanlines that breathe with the bass,
// an RGB shadow mask, vignette, and a vertical roll jolt on onsets.  1 fetch.
uniform float u_amount;  // 0..1 strength of the whole look
uniform float u_lines;   // scanlines per picture height (60..720)
uniform float u_curve;   // 0..1 barrel curvature

void main() {
    vec2 p = v_uv * 2.0 - 1.0;
    p *= 1.0 + u_curve * u_amount * 0.12 * dot(p, p);
    vec2 uv = p * 0.5 + 0.5;
    uv.y = fract(uv.y + 0.03 * u_onset * u_onset * u_amount);  // roll on hits
    vec3 c = texture(u_input, uv).rgb;
    float inside = step(0.0, uv.x) * step(uv.x, 1.0) * step(0.0, p.y + 1.0) * step(p.y, 1.0);
    float s = 0.5 + 0.5 * cos(6.2831853 * uv.y * u_lines);
    float depth = (0.55 - 0.3 * u_bass) * u_amount;
    c *= 1.0 - depth * s;
    int m = int(mod(gl_FragCoord.x, 3.0));  // aperture-grille mask
    vec3 mask = vec3(m == 0, m == 1, m == 2) * 0.5 + 0.75;
    c *= mix(vec3(1.0), mask, 0.6 * u_amount);
    float vig = 1.0 - 0.35 * u_amount * dot(p * 0.7, p * 0.7);
    o_color = vec4(c * vig * inside, 1.0);
}
