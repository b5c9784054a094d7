/*{
    "ISFVSN": "2",
    "DESCRIPTION": "red: the FFT magnitude under x; green: the waveform under x",
    "INPUTS": [
        {"NAME": "wave", "TYPE": "audio", "MAX": 512},
        {"NAME": "spectrum", "TYPE": "audioFFT", "MAX": 256}
    ]
}*/

void main() {
    float x = isf_FragNormCoord.x;
    float mag = IMG_NORM_PIXEL(spectrum, vec2(x, 0.5)).r;
    float w = IMG_NORM_PIXEL(wave, vec2(x, 0.5)).r;
    gl_FragColor = vec4(mag, w, 0.0, 1.0);
}
