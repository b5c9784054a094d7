// manabe source pass: the decoder's lines and points re-drawn crisp, white or neon on dark,
// thicker with the volume, white-hot with a glow on the kick.
//
// It draws no motif of its own (the decoder carries the dancers, graphs and waves; the shader-drawn
// layer is the `motif` effect, manabe_motif.glsl, off by default).  Line rendering:
//  - the decode's light (its brightest channel) is cut at a threshold with a sharp edge (a quarter of its
//    gradient across a half-size pixel; the upscale anti-aliases it over about two screen pixels), so a
//    line the decoder drew two soft pixels wide at 128² comes out as a clean line at 1280x720;
//  - the threshold falls with the volume and the bass: the lines grow thicker as the music gets louder;
//  - each line keeps the pack colour nearest its hue (white, cyan, magenta, lime), the ground is flat;
//  - what the threshold leaves out (the decoder's soft falloff) comes back as a faint neon glow that
//    swells with the bass; the kick turns the lines white-hot and pushes the picture in a touch;
//  - the square decode keeps its aspect in the middle of the frame, mirrored out to the sides as dimmer
//    echoes (a dancer is never stretched).
// The decode is first upsampled once per frame to 256x256 with a cubic B-spline (stage `smooth`: four
// bilinear reads per texel), so the threshold's contour is round, not the polygon a bilinear read of a
// two-pixel line gives.  The stage also stores each texel's light (alpha) and its line colour (rgb:
// the nearest pack colour to the hue of its four taps together, so a dim texel beside a line takes
// that line's colour and the edges do not pick up the ground's hue).
//
// Cost: the main pass draws at half the render size (`#pragma vjhost scale 0.5`; the next pass's
// bilinear read, or the chain's final copy, is the upscale): one texture read and a smoothstep per
// pixel.  The edge is cut at a quarter of the half-size pixel's gradient, so after the 2x bilinear
// upscale it is about two screen pixels wide (at the half-size pixel's width it came out soft).
// Measured at 1280x720 on llvmpipe, round-robin in one run, effects off: a frame 1.7x a bare frame
// (the pass 2.8 ms, the final upscale copy 3.8 ms, on a loaded machine), against 2.3x for the
// full-size pass it replaces (8.8 ms: one read, the four-colour compare per pixel); with the default
// glitch, also at half size now, the chain went from 5.9x to 2.4x (vjhost bench: 2.7x under load).
// The lines are a touch softer under a 4x zoom, with a faint stair on diagonals; at 1x they read crisp.
#pragma vjhost scale 0.5
#pragma vjhost stage smooth 256x256

// The audio features (u_kick, u_bass, u_rms, ...) are in vjhost's header, vjhost.glsl.
uniform sampler2D u_smooth;

const vec3 GROUND = vec3(0.0157, 0.0196, 0.0392);   // #04050a
const vec3 WHITE = vec3(1.0);
const vec3 CYAN = vec3(0.0, 0.898, 1.0);            // #00e5ff
const vec3 MAGENTA = vec3(1.0, 0.169, 0.839);       // #ff2bd6
const vec3 LIME = vec3(0.224, 1.0, 0.078);          // #39ff14
const float ECHO = 0.35;                            // brightness of the mirrored echoes at the sides

// the line colour whose hue is nearest the decode's (compared at full brightness)
vec3 mb_line_colour(vec3 c) {
    vec3 n = c / max(max(max(c.r, c.g), c.b), 1e-3);
    vec3 best = WHITE;
    float e = dot(n - WHITE, n - WHITE);
    float k = dot(n - CYAN, n - CYAN);
    if (k < e) { e = k; best = CYAN; }
    k = dot(n - MAGENTA, n - MAGENTA);
    if (k < e) { e = k; best = MAGENTA; }
    k = dot(n - LIME, n - LIME);
    if (k < e) { best = LIME; }
    return best;
}

#if defined(VJ_STAGE_smooth)
// cubic B-spline weights folded into four bilinear reads (GPU Gems 2, ch. 20); out: the line colour of
// the four taps together, and the light of the smoothed decode
void main() {
    vec2 size = vec2(textureSize(u_image, 0));
    vec2 p = v_uv * size - 0.5;
    vec2 i = floor(p), f = p - i;
    vec2 w0 = (1.0 - f) * (1.0 - f) * (1.0 - f) / 6.0;
    vec2 w1 = (4.0 - 6.0 * f * f + 3.0 * f * f * f) / 6.0;
    vec2 w3 = f * f * f / 6.0;
    vec2 w2 = 1.0 - w0 - w1 - w3;
    vec2 g0 = w0 + w1, g1 = w2 + w3;
    vec2 h0 = (i - 1.0 + w1 / g0 + 0.5) / size, h1 = (i + 1.0 + w3 / g1 + 0.5) / size;
    vec4 a = texture(u_image, vec2(h0.x, h0.y)), b = texture(u_image, vec2(h1.x, h0.y));
    vec4 d = texture(u_image, vec2(h0.x, h1.y)), e = texture(u_image, vec2(h1.x, h1.y));
    vec4 c = g0.y * (g0.x * a + g1.x * b) + g1.y * (g0.x * d + g1.x * e);
    o_color = vec4(mb_line_colour((a + b + d + e).rgb), max(max(c.r, c.g), c.b) - GROUND.b);
}
#else
void main() {
    float push = clamp(0.6 * u_kick + 0.3 * u_bass, 0.0, 1.0);
    // the square decode at its own aspect in the middle of the frame, mirrored out to the sides as
    // dimmer echoes (a dancer is never stretched; a graph runs on without a seam); a kick pushes in
    vec2 uv = 0.5 + (v_uv - 0.5) * vec2(vj_aspect(), 1.0) * (1.0 - 0.03 * push);   // vj_fill_height, pushed in
    float echo = abs(uv.x - 0.5) > 0.5 ? ECHO : 1.0;
    uv.x = vj_mirror(uv.x);
    vec4 m = texture(u_smooth, 0.01 + 0.98 * uv);                     // the decoder's outermost pixels left out
    float light = m.a;
    float loud = clamp(0.6 * u_rms + 0.6 * u_bass, 0.0, 1.0);
    float th = 0.45 - 0.25 * loud;                                     // thicker lines with the volume
    float fw = max(0.25 * fwidth(light), 1e-3);                 // half-size pass: a sharp cut (see Cost)
    float cover = smoothstep(th - fw, th + fw, light);                 // anti-aliased by the upscale
    vec3 lc = m.rgb;
    vec3 core = mix(lc, WHITE, 0.65 * u_kick);                         // white-hot on the kick
    float glow = smoothstep(0.06, th, light) * (1.0 - cover) * (0.22 + 0.3 * u_bass + 0.3 * u_kick);
    vec3 col = mix(GROUND, core, cover * echo) + lc * glow * echo;
    o_color = vec4(clamp(col, 0.0, 1.0), 1.0);
}
#endif
