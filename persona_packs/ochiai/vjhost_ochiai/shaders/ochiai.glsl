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
// Cost: the decode is 128 pixels; the pass draws at half the render size (the next pass's bilinear
// read is the upscale): one texture read and a little arithmetic per pixel.
#pragma vjhost scale 0.5

#include "ochiai_common.glsl"

const float PULL = 0.3;       // 0 = the decode as it is, 1 = the cool ramp of its brightness only
const float WOBBLE = 0.0015;  // refraction wobble, share of the picture height (more with the bass)

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
    float scan = step(0.5, fract(gl_FragCoord.y * 0.5));                      // every other row of the pass
    c *= 1.0 - 0.3 * u_hat * hi * scan;                                       // hologram shimmer on the hats
    o_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
