// ochiai: what the source pass and the pack's effects share (the palette, the cool ramp, picture units).

// pack.toml's palette: ink black, deep sea blue, mid blue, pale sky blue, cold white, silver grey
const vec3 OC_INK = vec3(0.008, 0.024, 0.059);
const vec3 OC_DEEP = vec3(0.043, 0.165, 0.290);
const vec3 OC_MID = vec3(0.184, 0.435, 0.690);
const vec3 OC_LIGHT = vec3(0.498, 0.769, 1.000);
const vec3 OC_WHITE = vec3(0.910, 0.965, 1.000);
const vec3 OC_SILVER = vec3(0.541, 0.596, 0.659);

float oc_luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

// brightness 0..1 -> the cool monochrome ramp ink -> deep -> mid -> pale -> white (each step a mix of two
// palette colours, so the ramp stays on the palette)
vec3 oc_ramp(float l) {
    vec3 c = mix(OC_INK, OC_DEEP, smoothstep(0.0, 0.2, l));
    c = mix(c, OC_MID, smoothstep(0.2, 0.42, l));
    c = mix(c, OC_LIGHT, smoothstep(0.42, 0.7, l));
    return mix(c, OC_WHITE, smoothstep(0.7, 0.95, l));
}

float oc_aspect() { return u_resolution.x / max(u_resolution.y, 1.0); }

// picture units: height 1, x scaled by the aspect ratio, origin at the bottom left
vec2 oc_p(vec2 uv) { return uv * vec2(oc_aspect(), 1.0); }
