/*{
    "ISFVSN": "2",
    "DESCRIPTION": "inverts the input by amount",
    "CATEGORIES": ["Color Effect"],
    "INPUTS": [
        {"NAME": "inputImage", "TYPE": "image"},
        {"NAME": "amount", "TYPE": "float", "DEFAULT": 1.0, "MIN": 0.0, "MAX": 1.0}
    ]
}*/

void main() {
    vec4 c = IMG_THIS_PIXEL(inputImage);
    vec4 d = IMG_NORM_THIS_PIXEL(inputImage);
    vec4 e = IMG_PIXEL(inputImage, gl_FragCoord.xy * IMG_SIZE(inputImage) / RENDERSIZE);
    vec4 f = IMG_THIS_NORM_PIXEL(inputImage);
    c = (c + d + e + f) * 0.25;
    gl_FragColor = vec4(mix(c.rgb, 1.0 - c.rgb, amount), 1.0);
}
