// Stencil: the decoded frame (u_image) cut out as a spray-paint stencil.  Where
// the image is above the level the chain shows through; elsewhere flat ink, with
// a speckled overspray edge.  Onsets push the level (the cut flickers open on
// hits).  2 fetches.
uniform float u_amount;  // 0..1 ink opacity
uniform float u_level;   // image luminance where the cut is (0..1)
uniform float u_spray;   // 0..1 width of the speckled overspray

void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    float y = dot(vj_image(v_uv).rgb, vec3(0.299, 0.587, 0.114));
    float lev = clamp(u_level - 0.25 * u_onset, 0.0, 1.0);
    float w = 0.01 + 0.2 * u_spray;
    float speck = vj_hash(floor(gl_FragCoord.xy) + floor(u_time * 12.0));
    float open = smoothstep(lev - w, lev + w, y + (speck - 0.5) * w * 1.5);
    vec3 ink = vec3(0.02);
    o_color = vec4(mix(c, mix(ink, c, open), u_amount), 1.0);
}
