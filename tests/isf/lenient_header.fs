/*{
    "isfvsn": "2",
    "description": "lowercase keys and trailing commas, as real files have them",
    "inputs": [
        {"name": "center", "type": "point2D", "default": [0.25, 0.75], "min": [0, 0], "max": [1, 1],},
        {"name": "flag", "type": "bool", "default": true,},
        {"name": "mode", "type": "long", "values": [0, 1, 2], "labels": ["a", "b", "c"], "default": 2,},
        {"name": "flash", "type": "event",},
    ],
}*/

void main() {
    gl_FragColor = vec4(center.x, flag ? 1.0 : 0.0, float(mode) / 2.0, flash ? 1.0 : 0.0);
}
