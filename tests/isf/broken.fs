/*{
    "ISFVSN": "2",
    "DESCRIPTION": "does not compile: line 9 uses an undeclared name"
}*/

void main() {
    vec2 uv = isf_FragNormCoord;
    // the next line is line 9
    gl_FragColor = vec4(uv, undeclared_thing, 1.0);
}
