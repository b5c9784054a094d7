// 13-tap blur (a disc of 12 taps plus the centre); onsets pull the radius in so hits stay sharp.
uniform float u_amount;  // 0..1 radius

void main() {
    float r = u_amount * (1.0 - 0.7 * u_onset) * 0.012;
    vec2 px = vec2(r * u_resolution.y / u_resolution.x, r);
    vec4 acc = texture(u_input, v_uv);
    const float golden = 2.39996323;
    for (int i = 1; i <= 12; i++) {
        float fi = float(i);
        float a = fi * golden;
        acc += texture(u_input, v_uv + vec2(cos(a), sin(a)) * px * sqrt(fi / 12.0));
    }
    o_color = vec4(acc.rgb / 13.0, 1.0);
}
