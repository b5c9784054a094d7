// buffer A reads itself (iChannel0 = bufferA by default): +0.1 per frame
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    float v = texture(iChannel0, uv).r;
    fragColor = vec4(v + 0.1, iChannelResolution[0].x / 1000.0, 0.0, 1.0);
}
