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
// Cost: the light of a decode pixel -- its place on the ramp, the contrast and the heartbeat, the ramp
// itself -- depends only on the decode and the music, so it is worked out once per frame in a stage in
// the decode's own space (`tone`, 256x128: the 128² decode twice side by side, at full light on the left
// and at the mirrored sides' light on the right).  The pass draws at 3/8 of the render size (480x270 at
// 720p, still twice the decode's 128 rows, and the size of the delay grid's ring that shows it; the next
// pass's bilinear read is the upscale): per pixel one hash for the blocks' push (both directions from
// it) and one texture read of the stage.  Measured at 1280x720 on llvmpipe, effects off, with the
// chain's closing upscale: 1.69x -> 1.41x a bare frame (it was the ramp per pixel at half size).
#pragma vjhost stage tone 256x128
#pragma vjhost scale 0.375

uniform sampler2D u_tone;

const vec3 RAMP0 = vec3(0.0078, 0.0235, 0.0588);   // #02060f
const vec3 RAMP1 = vec3(0.0431, 0.1647, 0.2902);   // #0b2a4a
const vec3 RAMP2 = vec3(0.1843, 0.4353, 0.6902);   // #2f6fb0
const vec3 RAMP3 = vec3(0.4980, 0.7686, 1.0);      // #7fc4ff
const vec3 RAMP4 = vec3(0.9098, 0.9647, 1.0);      // #e8f6ff
const float ECHO = 0.5;                            // light of the mirrored sides
const float CROP = 0.01;                           // the decode's outermost pixels left out (vj_image_inset)

#if defined(VJ_STAGE_tone)
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

// x < 0.5: the decode (inset by CROP) at full light; x >= 0.5: the same at the mirrored sides' light
void main() {
    float side = step(0.5, v_uv.x);
    vec2 uv = vec2(fract(2.0 * v_uv.x), v_uv.y);
    float t = mk_level(vj_image_inset(uv, CROP).rgb);
    t = 0.5 + (t - 0.5) * (1.0 + 0.35 * u_bass);                    // contrast with the bass
    // the heartbeat: lub as the kick hits, dub as its envelope passes half-way
    float dub = exp(-pow((u_kick - 0.45) / 0.08, 2.0)) * step(0.2, u_kick);
    t = t * (1.0 + 0.45 * u_kick + 0.3 * dub) + 0.06 * u_kick;
    o_color = vec4(mk_ramp(t * mix(1.0, ECHO, side)), 1.0);
}
#else
void main() {
    vec2 uv = vj_fill_height(v_uv);
    // footsteps: blocks of the frame pushed their own way, a new push every eighth note
    float shake = clamp(max(u_snare, u_onset), 0.0, 1.0);
    vec2 block = floor(v_uv * vec2(8.0, 6.0));
    float slot = mod(floor((u_beat_count + u_beat_phase) * 2.0), 64.0);
    float h = vj_hash(block + slot * 1.37);
    vec2 push = vec2(h, fract(h * 37.1)) - 0.5;
    uv += push * vec2(0.05, 0.03) * shake;
    float side = step(0.5, abs(uv.x - 0.5));                         // the mirrored sides: the stage's right half
    uv.x = vj_mirror(uv.x);
    // half a texel in from the halves' edges, so the bilinear read never blends the two
    uv = clamp(uv, vec2(1.0 / 256.0), vec2(1.0 - 1.0 / 256.0));
    o_color = vec4(texture(u_tone, vec2(0.5 * uv.x + 0.5 * side, uv.y)).rgb, 1.0);
}
#endif
