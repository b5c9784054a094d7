// manabe points: point rendering -- the picture re-drawn as a hexagonal lattice of dots, each sized
// by the light under it and coloured by it, swelling with the highs and the hats.
//
// `amount` mixes the dots over the picture (0 = off and costs no pass, the default).  The lattice
// pitch is a fixed share of the screen height (90 rows), so it looks the same at any render size;
// each dot reads the picture once at its centre.  Two texture reads per pixel.
uniform float u_amount;  // 0..1 mix of the point cloud over the picture

const float ROWS = 90.0;
const vec3 GROUND = vec3(0.0157, 0.0196, 0.0392);

// the centre of the nearest point of a hexagonal lattice with unit spacing
vec2 hex_centre(vec2 p) {
    const vec2 r = vec2(1.0, 1.7320508);
    vec2 a = (floor(p / r) + 0.5) * r;
    vec2 b = (floor((p - 0.5 * r) / r) + 0.5) * r + 0.5 * r;
    return dot(p - a, p - a) < dot(p - b, p - b) ? a : b;
}

void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y) * ROWS;
    vec2 cell = hex_centre(p);
    vec3 c = texture(u_input, clamp(cell / ROWS / vec2(aspect, 1.0), 0.0, 1.0)).rgb;
    float light = max(max(c.r, c.g), c.b) - GROUND.b;
    float r = min((0.1 + 0.22 * smoothstep(0.05, 0.8, light)) * (1.0 + 0.4 * u_hat + 0.3 * u_high), 0.42) * step(0.08, light);
    float aa = 0.75 * ROWS / u_resolution.y;
    float dotm = smoothstep(r + aa, r - aa, length(p - cell));
    vec3 pts = mix(GROUND, c / max(light + GROUND.b, 1e-3), dotm);
    o_color = vec4(mix(here, pts, clamp(u_amount, 0.0, 1.0)), 1.0);
}
