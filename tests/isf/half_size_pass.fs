/*{
    "ISFVSN": "2",
    "DESCRIPTION": "first pass at a computed size; the output shows that size and PASSINDEX",
    "INPUTS": [
        {"NAME": "scale", "TYPE": "float", "DEFAULT": 0.5, "MIN": 0.125, "MAX": 1.0}
    ],
    "PASSES": [
        {"TARGET": "small", "WIDTH": "max(1.0, floor($WIDTH * $scale))", "HEIGHT": "ceil($HEIGHT / 2.0)"},
        {}
    ]
}*/

void main() {
    if (PASSINDEX == 0) {
        // remember this pass's own RENDERSIZE in the buffer
        gl_FragColor = vec4(RENDERSIZE / 255.0, 0.0, 1.0);
    } else {
        vec2 s = IMG_SIZE(small);
        vec4 inner = IMG_NORM_PIXEL(small, vec2(0.5));
        gl_FragColor = vec4(s.x / 255.0, s.y / 255.0, inner.r, 1.0);
    }
}
