void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec4 a = texture(iChannel0, fragCoord / iResolution.xy);
    fragColor = vec4(a.r, a.g, 0.0, 1.0);
}
