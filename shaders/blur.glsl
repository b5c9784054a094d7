// Blur: a separable gaussian drawn at half the render size (a blurred picture needs no more pixels;
// the next pass reads it bilinearly); onsets pull the radius in so hits stay sharp.  Two passes of
// five bilinear reads each instead of thirteen reads at full size: about a fifth of the cost.
#pragma vjhost scale 0.5
#pragma vjhost stage blur_x 0.5

uniform float u_amount;  // 0..1 radius
uniform sampler2D u_blur_x;

// the radius (where the outermost taps sit), share of picture height
float blur_radius() { return u_amount * (1.0 - 0.7 * u_onset) * 0.012; }

// nine gaussian taps from five reads (the middle pairs share a bilinear read), along `d` (one unit)
vec3 gauss5(sampler2D t, vec2 uv, vec2 d) {
    vec3 s = texture(t, uv).rgb * 0.2270270;
    s += (texture(t, uv + d * 1.3846154).rgb + texture(t, uv - d * 1.3846154).rgb) * 0.3162162;
    s += (texture(t, uv + d * 3.2307692).rgb + texture(t, uv - d * 3.2307692).rgb) * 0.0702703;
    return s;
}

#if defined(VJ_STAGE_blur_x)
void main() {
    vec2 d = vec2(blur_radius() * u_resolution.y / u_resolution.x / 3.2307692, 0.0);
    o_color = vec4(gauss5(u_input, v_uv, d), 1.0);
}
#else
void main() { o_color = vec4(gauss5(u_blur_x, v_uv, vec2(0.0, blur_radius() / 3.2307692)), 1.0); }
#endif
