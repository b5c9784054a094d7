/*{
    "ISFVSN": "2",
    "DESCRIPTION": "shows an imported 2x2 PNG (top: red green, bottom: blue white)",
    "IMPORTED": {
        "quad": {"PATH": "quad.png"}
    }
}*/

void main() {
    gl_FragColor = IMG_NORM_PIXEL(quad, isf_FragNormCoord);
}
