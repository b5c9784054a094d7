/*{
    "ISFVSN": "2",
    "DESCRIPTION": "a persistent 32-bit buffer gains 0.001 per frame; the output shows it times 100",
    "PASSES": [
        {"TARGET": "acc", "PERSISTENT": true, "FLOAT": true},
        {}
    ]
}*/

void main() {
    if (PASSINDEX == 0) {
        float v = IMG_THIS_PIXEL(acc).r;
        gl_FragColor = vec4(v + 0.001, 0.0, 0.0, 1.0);
    } else {
        gl_FragColor = vec4(vec3(IMG_NORM_PIXEL(acc, isf_FragNormCoord).r * 100.0), 1.0);
    }
}
