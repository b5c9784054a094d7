/*{
    "ISFVSN": "2.0",
    "DESCRIPTION": "automatic uniforms: FRAMEINDEX, TIMEDELTA, DATE, RENDERSIZE, isf_FragNormCoord",
    "INPUTS": [],
}*/

void main() {
    float fi = float(FRAMEINDEX) / 255.0;
    float dt = TIMEDELTA * 10.0;                      // 0.05 s -> 0.5
    float day = DATE.z / 255.0;                       // day of month
    float edge = step(0.5, isf_FragNormCoord.x) * step(RENDERSIZE.x, 64.5);
    gl_FragColor = vec4(fi, dt, day, 0.5 + 0.5 * edge);
}
