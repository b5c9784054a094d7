// vjhost standard header: prepended to every effect and pack shader by the loader.
// Do not add #version; the loader owns it.
//
// Textures:  u_input  the chain so far (the source pass sees the decoded frame here too)
//            u_prev   last frame's final output (feedback)
//            u_image  the decoded frame (already crossfaded between the two newest
//                     decodes by the host), u_image_prev the older of the two
// Audio features arrive in one uniform block, updated once per frame; read them
// through the names below.  Envelopes (*_env) jump to 1 on the event and decay.

in vec2 v_uv;
out vec4 o_color;

uniform sampler2D u_input;
uniform sampler2D u_prev;
uniform sampler2D u_image;
uniform sampler2D u_image_prev;
uniform vec2 u_target_size;  // pixels of the target being drawn: a stage's own size, else the render size

layout(std140) uniform VJ {
    vec4 vj_time;      // time (s), dt (s), frame index, bpm
    vec4 vj_beat;      // beat phase, bar phase, beat envelope, beat count
    vec4 vj_level;     // rms, bass, mid, high            (0..1, auto gain)
    vec4 vj_hits;      // onset, kick, snare, hat envelopes
    vec4 vj_spec;      // centroid, flux, energy, section (0 none, 1 build, 2 drop, 3 breakdown)
    vec4 vj_bands[2];  // 8 log-spaced bands, low to high
    vec4 vj_frame;     // render width, height (the internal size: the show's size times its render
                       // scale), decoded-frame crossfade 0..1, scene index
};

#define u_time        vj_time.x
#define u_dt          vj_time.y
#define u_frame       vj_time.z
#define u_bpm         vj_time.w
#define u_beat_phase  vj_beat.x
#define u_bar_phase   vj_beat.y
#define u_beat        vj_beat.z
#define u_beat_count  vj_beat.w
#define u_rms         vj_level.x
#define u_bass        vj_level.y
#define u_mid         vj_level.z
#define u_high        vj_level.w
#define u_onset       vj_hits.x
#define u_kick        vj_hits.y
#define u_snare       vj_hits.z
#define u_hat         vj_hits.w
#define u_centroid    vj_spec.x
#define u_flux        vj_spec.y
#define u_energy      vj_spec.z
#define u_section     vj_spec.w
#define u_resolution  vj_frame.xy
#define u_image_mix   vj_frame.z
#define u_scene       vj_frame.w

float vj_band(int i) { return vj_bands[i >> 2][i & 3]; }

// The decoded frame (the host has already crossfaded the two newest decodes into
// u_image at decode size, so this is a single texture fetch).
vec4 vj_image(vec2 uv) {
    return texture(u_image, uv);
}

// The frame's aspect ratio, width over height.
float vj_aspect() { return u_resolution.x / max(u_resolution.y, 1.0); }

// A coordinate mirror-folded into [0, 1]: 0..1 as is, 1..2 mirrored, and so on (0..1..0 across
// each pair of tiles, no seam).
float vj_mirror(float x) { return 1.0 - abs(1.0 - mod(x, 2.0)); }

// Screen uv -> the square decode at its own aspect: it fills the height, centred; x runs past
// 0..1 at the sides of a wide frame (mirror it with vj_mirror, or dim what lies outside).
vec2 vj_fill_height(vec2 uv) { return vec2(0.5 + (uv.x - 0.5) * vj_aspect(), uv.y); }

// Screen uv -> where to read the square decode so it keeps its proportions: it fills the height
// and is mirror-repeated sideways (round stays round on a wide screen; a pattern continues).
vec2 vj_image_fit(vec2 uv) {
    vec2 q = vj_fill_height(uv);
    return vec2(vj_mirror(q.x), q.y);
}

// Nine taps of a gaussian (sigma 1.6 steps) along `step`: one direction of a separable blur,
// run in a small stage (an x stage, then a y stage).
vec4 vj_gauss9(sampler2D tex, vec2 uv, vec2 step) {
    const float W1 = 0.8226, W2 = 0.4578, W3 = 0.1724, W4 = 0.0439;  // exp(-k^2 / (2 * 1.6^2))
    vec4 s = texture(tex, uv);
    s += (texture(tex, uv + step) + texture(tex, uv - step)) * W1;
    s += (texture(tex, uv + 2.0 * step) + texture(tex, uv - 2.0 * step)) * W2;
    s += (texture(tex, uv + 3.0 * step) + texture(tex, uv - 3.0 * step)) * W3;
    s += (texture(tex, uv + 4.0 * step) + texture(tex, uv - 4.0 * step)) * W4;
    return s / (1.0 + 2.0 * (W1 + W2 + W3 + W4));
}

// The decoded frame with its outermost `crop` (a share of each side) left out -- a decoder's edge
// pixels are its least reliable -- and the rest stretched over 0..1.
vec4 vj_image_inset(vec2 uv, float crop) {
    return vj_image(crop + (1.0 - 2.0 * crop) * uv);
}

// Cheap hash noise in [0, 1).
float vj_hash(vec2 p) {
    p = fract(p * vec2(123.34, 456.21));
    p += dot(p, p + 45.32);
    return fract(p.x * p.y);
}

vec3 vj_hue(vec3 c, float turns) {
    // rotate hue in YIQ space
    const mat3 toYIQ = mat3(0.299, 0.596, 0.211, 0.587, -0.274, -0.523, 0.114, -0.322, 0.312);
    const mat3 toRGB = mat3(1.0, 1.0, 1.0, 0.956, -0.272, -1.106, 0.621, -0.647, 1.703);
    vec3 yiq = toYIQ * c;
    float a = turns * 6.2831853;
    float s = sin(a), k = cos(a);
    yiq.yz = mat2(k, s, -s, k) * yiq.yz;
    return toRGB * yiq;
}
