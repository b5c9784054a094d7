// a filter: iChannel0 is the chain input; iChannel1 the music texture (row 0 spectrum)
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    vec3 c = invert(texture(iChannel0, uv).rgb);
    float fft = texture(iChannel1, vec2(0.05, 0.25)).r;
    fragColor = vec4(c.rg, fft, 1.0);
}
