// Halftone: a rotated screen of ink dots whose size follows the luminance of the
// picture at the dot's cell centre; kicks enlarge the cells.  2 fetches (1 at
// amount 1).
uniform float u_amount;  // 0..1 mix of the halftone over the input
uniform float u_cell;    // cell size in pixels (4..40)
uniform float u_angle;   // screen angle, turns (0..1)

void main() {
    float cell = max(2.0, u_cell * (1.0 + 0.5 * u_kick));
    float a = 6.2831853 * u_angle;
    mat2 rot = mat2(cos(a), sin(a), -sin(a), cos(a));
    vec2 px = rot * gl_FragCoord.xy / cell;
    vec2 centre = (floor(px) + 0.5);
    vec2 cuv = (transpose(rot) * (centre * cell)) / u_resolution;
    vec3 s = texture(u_input, clamp(cuv, 0.0, 1.0)).rgb;
    float y = dot(s, vec3(0.299, 0.587, 0.114));
    float d = length(px - centre);
    float rad = 0.6 * sqrt(y);  // dot area ~ luminance; even white leaves the corners
    float aa = 1.5 / cell;
    vec3 ink = s * smoothstep(rad + aa, rad - aa, d) / max(0.25, y + 0.25);
    vec3 c = ink;
    if (u_amount < 1.0) c = texture(u_input, v_uv).rgb;  // a real branch on a uniform: no fetch at 1
    o_color = vec4(mix(c, clamp(ink, 0.0, 1.0), u_amount), 1.0);
}
