// ochiai source pass: finishes the decoded frame as cool, clean "digital nature" light that breathes with the music.
//
// The decoder draws the scene (clouds, caustic webs, komorebi dapples, light shafts, hologram point
// clouds, ripples, lightning, interference fringes); this pass finishes it and draws nothing of its own:
//  - every colour is pulled a little toward the cool monochrome ramp of its own brightness (ink ->
//    deep blue -> mid blue -> pale blue -> cold white), so the decoder's stray tints settle on the palette,
//  - the picture floats on a slow refraction wobble, like light seen through water; the bass deepens it,
//  - the lights swell toward white with the bass, a kick throws a cold flash over the lit parts and
//    lifts the shadows a step, the beat breathes the exposure,
//  - hi-hats make the highlights shimmer with fine scan lines, like a hologram.
// The caustics and light shafts (ochiai_caustics.glsl) and the glitch-particle dissolve
// (ochiai_dissolve.glsl) are the pack's effects.
//
// Cost: everything but the scan lines depends only on where in the decode a pixel reads (the decode is
// stretched over the screen, so the decode's uv is the screen's uv) and on the music, and the wobble
// is a long, smooth swell (about a pixel): so the wobble, the ramp and the light are worked out once
// per frame in a 128x128 stage over the screen's uv (`lit`: the decode's own 128 pixels, the ramp
// applied to them before the bilinear stretch; a 256x256 stage looked the same and cost more).  The
// pass itself draws at half the render size (the next pass's bilinear read is the upscale; the scan
// lines need its rows): one texture read and the scan line per pixel.  Measured at 1280x720 on
// llvmpipe, effects off, with the chain's closing upscale: 1.70x -> 1.43x a bare frame (the two sines
// of the wobble and the ramp per pixel of the half-size pass cost about 0.6 ms).
#pragma vjhost stage lit 128x128
#pragma vjhost scale 0.5

#include "ochiai_common.glsl"

uniform sampler2D u_lit;

const float PULL = 0.3;       // 0 = the decode as it is, 1 = the cool ramp of its brightness only
const float WOBBLE = 0.0015;  // refraction wobble, share of the picture height (more with the bass)

#if defined(VJ_STAGE_lit)
// rgb: the finished colour but for the scan lines; a: how lit the pixel is (where the scan lines shimmer)
void main() {
    vec2 p = oc_p(v_uv);
    float wob = WOBBLE * (1.0 + 2.0 * u_bass);
    vec2 uv = v_uv + wob * vec2(sin(7.0 * p.y + 0.9 * u_time), sin(6.0 * p.x - 0.7 * u_time + 1.3));
    vec3 c = vj_image(uv).rgb;
    float l = oc_luma(c);
    c = mix(c, oc_ramp(l), PULL);
    float hi = smoothstep(0.35, 0.85, l);  // the lit parts
    c = mix(c, OC_WHITE, hi * (0.35 * u_bass + 0.3 * u_kick));               // lights swell, flash on the kick
    c += OC_DEEP * (0.9 * u_kick) * (1.0 - hi);                              // the shadows lift a step
    c *= 1.0 + 0.08 * u_beat;                                                 // the beat breathes
    o_color = vec4(clamp(c, 0.0, 1.0), hi);
}
#else
void main() {
    vec4 c = texture(u_lit, v_uv);
    float scan = step(0.5, fract(gl_FragCoord.y * 0.5));                      // every other row of the pass
    o_color = vec4(c.rgb * (1.0 - 0.3 * u_hat * c.a * scan), 1.0);           // hologram shimmer on the hats
}
#endif
