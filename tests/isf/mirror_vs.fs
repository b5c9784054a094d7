/*{
    "ISFVSN": "2",
    "DESCRIPTION": "v2 filter with a custom vertex shader that passes a mirrored coordinate",
    "INPUTS": [
        {"NAME": "inputImage", "TYPE": "image"}
    ]
}*/

varying vec2 mirrored;

void main() {
    gl_FragColor = IMG_NORM_PIXEL(inputImage, mirrored);
}
