// mikami source pass: the decode as a cool blue surveillance picture that pulses like a heartbeat on the
// kick and whose blocks shake on footsteps (snares and onsets).
//
// It draws no motif of its own (the decoder carries the monitor walls, facets, silhouettes and readouts;
// the shader-drawn readouts are the `motif` effect, mikami_motif.glsl, off by default):
//  - the decode's light is mapped onto the pack's blue ramp (navy -> ice), contrast a little up with the
//    bass, so whatever colour the decoder drifts to the picture stays blue monochrome;
//  - the kick pulses the light twice, lub-dub: a flash as it hits and a smaller one as the kick's
//    envelope passes half-way;
//  - snares and onsets shake the picture in blocks (an 8x6 grid, each block pushed its own way, new on
//    every eighth note), like a camera mount knocked by footsteps;
//  - the square decode keeps its aspect in the middle of the frame, mirrored out to the sides dimmer.
// Cost: one texture read and a five-colour ramp per pixel, at half the render size (the picture is the
// decoder's soft 128² frame: half size loses nothing; the next pass's bilinear read is the upscale).
#pragma vjhost scale 0.5

const vec3 RAMP0 = vec3(0.0078, 0.0235, 0.0588);   // #02060f
const vec3 RAMP1 = vec3(0.0431, 0.1647, 0.2902);   // #0b2a4a
const vec3 RAMP2 = vec3(0.1843, 0.4353, 0.6902);   // #2f6fb0
const vec3 RAMP3 = vec3(0.4980, 0.7686, 1.0);      // #7fc4ff
const vec3 RAMP4 = vec3(0.9098, 0.9647, 1.0);      // #e8f6ff
const float ECHO = 0.5;                            // light of the mirrored sides

// t 0..1 along the ramp, as the dataset maps grey levels (evenly spaced stops)
vec3 mk_ramp(float t) {
    t = clamp(t, 0.0, 1.0) * 4.0;
    vec3 c = mix(RAMP0, RAMP1, clamp(t, 0.0, 1.0));
    c = mix(c, RAMP2, clamp(t - 1.0, 0.0, 1.0));
    c = mix(c, RAMP3, clamp(t - 2.0, 0.0, 1.0));
    return mix(c, RAMP4, clamp(t - 3.0, 0.0, 1.0));
}

// where on the ramp a colour lies (0..1): its luminance placed between the stops' luminances, so the
// ramp's own colours map to themselves
float mk_level(vec3 c) {
    float l = dot(c, vec3(0.299, 0.587, 0.114));
    const float L0 = 0.0229, L1 = 0.1427, L2 = 0.3893, L3 = 0.7141, L4 = 0.9523;
    return 0.25 * (clamp((l - L0) / (L1 - L0), 0.0, 1.0) + clamp((l - L1) / (L2 - L1), 0.0, 1.0)
                 + clamp((l - L2) / (L3 - L2), 0.0, 1.0) + clamp((l - L3) / (L4 - L3), 0.0, 1.0))
         + max(l - L4, 0.0);
}

void main() {
    vec2 uv = vj_fill_height(v_uv);
    // footsteps: blocks of the frame pushed their own way, a new push every eighth note
    float shake = clamp(max(u_snare, u_onset), 0.0, 1.0);
    vec2 block = floor(v_uv * vec2(8.0, 6.0));
    float slot = mod(floor((u_beat_count + u_beat_phase) * 2.0), 64.0);
    vec2 push = vec2(vj_hash(block + slot * 1.37), vj_hash(block.yx + slot * 2.11 + 5.0)) - 0.5;
    uv += push * vec2(0.05, 0.03) * shake;
    float echo = abs(uv.x - 0.5) > 0.5 ? ECHO : 1.0;
    uv.x = vj_mirror(uv.x);
    float t = mk_level(vj_image_inset(clamp(uv, 0.0, 1.0), 0.01).rgb);
    t = 0.5 + (t - 0.5) * (1.0 + 0.35 * u_bass);                    // contrast with the bass
    // the heartbeat: lub as the kick hits, dub as its envelope passes half-way
    float dub = exp(-pow((u_kick - 0.45) / 0.08, 2.0)) * step(0.2, u_kick);
    t = t * (1.0 + 0.45 * u_kick + 0.3 * dub) + 0.06 * u_kick;
    o_color = vec4(mk_ramp(t * echo), 1.0);
}
