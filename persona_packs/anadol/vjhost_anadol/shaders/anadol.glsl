// anadol source pass: finishes the decoded frame as luminous, saturated paint whose colour breathes with the music.
//
// The decoder draws the scene (marbled bands, point ribbons, particles spiralling into a core,
// kaleidoscopic flows, streamlines, colour masses, melting facades, vortices); this pass finishes it
// and draws nothing of its own:
//  - colours are made richer (saturation and a soft contrast curve), so the decoder's in-between
//    colours read as paint, not haze,
//  - the palette's temperature follows the music: loud, energetic passages turn the hues a little
//    toward the warm end, quiet ones toward the cool (a small hue rotation, smooth with the level),
//  - the bass makes the bright masses glow, a kick pushes the picture in and flashes it.
// The fluid that carries the colour masses is the pack's `anadol_fluid` effect.
//
// Cost: the decode is 128 pixels; the pass draws at half the render size (the next pass's bilinear
// read is the upscale): one texture read and a little arithmetic per pixel.
#pragma vjhost scale 0.5

#include "anadol_common.glsl"

const float SATURATE = 1.25;   // saturation gain
const float WARMTH = 0.035;    // the most the hues turn with the music (turns of the colour wheel)

void main() {
    float push = clamp(0.8 * u_kick + 0.2 * u_bass, 0.0, 1.0);
    vec2 uv = 0.5 + (v_uv - 0.5) * (1.0 - 0.05 * push);       // a kick pushes in
    vec3 c = vj_image(uv).rgb;
    float l = an_luma(c);
    c = max(mix(vec3(l), c, SATURATE), 0.0);                   // richer paint
    c = c * c * (3.0 - 2.0 * c) * 0.35 + c * 0.65;             // a soft S-curve: deeper darks, fuller lights
    c = vj_hue(c, -WARMTH * (0.7 * u_energy + 0.3 * u_rms - 0.3 * u_centroid));  // warm when loud, cool when bright-thin
    float lit = smoothstep(0.3, 0.8, l);
    c *= 1.0 + (0.35 * u_bass + 0.45 * u_kick) * lit;          // the bright masses glow with the bass, flash on a kick
    c += 0.06 * u_kick;
    o_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
