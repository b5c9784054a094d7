/*{
    "ISFVSN": "2",
    "DESCRIPTION": "fills the frame with a colour; brightness follows TIME",
    "CATEGORIES": ["Generator"],
    "INPUTS": [
        {"NAME": "tint", "TYPE": "color", "DEFAULT": [1.0, 0.5, 0.0, 1.0]},
        {"NAME": "use_time", "TYPE": "bool", "DEFAULT": false}
    ]
}*/

void main() {
    float k = use_time ? clamp(TIME, 0.0, 1.0) : 1.0;
    gl_FragColor = vec4(tint.rgb * k, 1.0);
}
