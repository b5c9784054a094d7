/*{
    "ISFVSN": "2",
    "INPUTS": [
        {"NAME": "x" "TYPE": "float"}
    ]
}*/
void main() { gl_FragColor = vec4(1.0); }
