// single pass: red = x, green = y, blue = 1 after frame 0 (iFrame), plus iMouse in alpha-free check
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    fragColor = vec4(uv, iFrame > 0 ? 1.0 : 0.0, 0.0);
}
