// teamlab bloom: every light glows softly into the dark around it, a little brighter on the beat.
//
// A mip chain, as real-time engines do it, instead of dozens of full-size taps: the highlights
// (a soft knee on each pixel's brightest channel) are taken at a quarter of the (half-size) pass --
// every source pixel under a texel knee'd on its own, then averaged, so a spark a pixel or two wide
// keeps its glow wherever it moves (a knee after a bilinear tap dims it below the knee whenever it
// straddles taps: it flickered) -- and upscaled, that is the tight halo; they are taken down again,
// without gaps, to a sixteenth and blurred wide with a 7x7 gaussian at a thirty-second (the soft
// haze).  The main pass screens both onto the picture, so the glow never clips flat; amount 0 costs
// no pass at all (run anyway, it gives back a half-size input exactly, a full-size one resampled to
// half size).  Sizes are shares of the picture height, so the look does not change with the render
// scale.
//
// Reach: the halo is about two quarter-size texels wide (upscaled), the haze reaches 2.25 x WIDE plus
// the bilinear reach of a texel of its level and of the highlights' (64 + 16 render pixels), so
// nothing further than about 0.25 of the height from a light is touched at 720 rows and up.
//
// Cost: on software GL each stage costs a fixed price (a draw into its own target) whatever its
// size, and each full-size pass about a bare frame, so the bloom is three small stages and a
// half-size main pass: `bright` (a quarter of the pass: 160x90 at 720p, sixteen texel reads each),
// `down` (a sixteenth: four bilinear reads cover the 4x4 `bright` texels under each), `wide` (a
// thirty-second, float so the faint haze does not band: 49 bilinear taps of `down`) and the screen
// at half the render size (the source is drawn at half size, so a full-size screen only added
// pixels the picture does not have; the chain's closing copy is the upscale).  Measured at
// 1280x720 on llvmpipe, round-robin in one run: the default chain 3.05x a bare frame against 3.87x
// with the earlier six stages (bright, tight_x, tight at 1/4, wide_x, wide at 1/8, glow at 1/4) and
// a full-size screen; an eighth-size `bright` of four knee'd bilinear taps was 2.8x but lost small
// lights between its taps, and sixteen reads at an eighth (every other pixel) made the trails glow
// into a fog.  vjhost bench: the default chain 2.98x, offline 1.16x realtime (was 0.88x).  A 5x5
// haze showed blobs; the screen at full size cost 0.5x more than the half-size pass and the copy.
#pragma vjhost stage bright 0.25
#pragma vjhost stage down 0.0625 float
#pragma vjhost stage wide 0.03125 float
#pragma vjhost scale 0.5

uniform float u_amount;  // 0..1 glow strength
uniform sampler2D u_bright, u_down, u_wide;

const float WIDE = 0.072;   // sigma of the haze, share of picture height

// a soft knee on a source pixel's brightest channel
vec3 highlight(vec3 c) { return c * smoothstep(0.3, 0.9, max(max(c.r, c.g), c.b)); }

#if defined(VJ_STAGE_bright)
// a quarter of the (half-size) pass: the 4x4 source pixels under the texel, each knee'd on its own
// before they are averaged -- a knee after a bilinear tap would dim a light a pixel or two wide
// below the knee whenever it straddles taps, and a moving spark would lose its glow every few
// pixels (tests/test_pack_teamlab.py: a small moving light glows steadily)
void main() {
    ivec2 n = textureSize(u_input, 0);
    ivec2 r = max(n / ivec2(u_target_size), ivec2(1));  // source pixels per texel (4 behind a half-size source)
    ivec2 base = ivec2(gl_FragCoord.xy) * r;
    vec3 s = vec3(0.0);
    for (int j = 0; j < 4; j++) {
        for (int i = 0; i < 4; i++) {
            s += highlight(texelFetch(u_input, min(base + (ivec2(i, j) * r) / 4, n - 1), 0).rgb);
        }
    }
    o_color = vec4(s * (1.0 / 16.0), 1.0);
}
#elif defined(VJ_STAGE_down)
// a sixteenth size: four bilinear taps, one bright texel off the centre each way, cover the 4x4
// bright texels under the texel (no light falls between taps, so a moving point never pops)
void main() {
    vec2 t = 1.0 / vec2(textureSize(u_bright, 0));
    vec3 s = texture(u_bright, v_uv + t * vec2(-1.0, -1.0)).rgb + texture(u_bright, v_uv + t * vec2(1.0, -1.0)).rgb
           + texture(u_bright, v_uv + t * vec2(-1.0, 1.0)).rgb + texture(u_bright, v_uv + t * vec2(1.0, 1.0)).rgb;
    o_color = vec4(s * 0.25, 1.0);
}
#elif defined(VJ_STAGE_wide)
// a thirty-second size: 7x7 taps of a gaussian, 0.75 sigma apart
void main() {
    const float W[4] = float[4](1.0, 0.7548, 0.3247, 0.0796);  // exp(-(0.75 k)^2 / 2)
    vec2 d = 0.75 * WIDE * vec2(u_resolution.y / u_resolution.x, 1.0);
    vec3 s = vec3(0.0);
    for (int j = -3; j <= 3; j++) {
        for (int i = -3; i <= 3; i++) {
            s += texture(u_down, v_uv + d * vec2(float(i), float(j))).rgb * (W[abs(i)] * W[abs(j)]);
        }
    }
    const float N = (W[0] + 2.0 * (W[1] + W[2] + W[3])) * (W[0] + 2.0 * (W[1] + W[2] + W[3]));
    o_color = vec4(s * (1.0 / N), 1.0);
}
#else
// halo and haze screened onto the picture at half size
void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    vec3 glow = 1.5 * texture(u_bright, v_uv).rgb + 1.1 * texture(u_wide, v_uv).rgb;
    vec3 g = min(glow * (u_amount * (1.0 + 0.5 * u_beat)), 1.0);
    o_color = vec4(c + g - c * g, 1.0);
}
#endif
