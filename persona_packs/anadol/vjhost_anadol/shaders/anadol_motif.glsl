// anadol motif: the picture redrawn as a cloud of data points that scatter on every beat and condense back into its forms.
//
// The pack's `motif` effect: the one layer the shader draws itself rather than finishing what the
// decoder drew (amount 0 = off and costs no pass, the default).  The picture is sampled on a grid of
// points, each a dot of the colour under it, larger where the picture is brighter.  On each beat the
// points are thrown off their places along their own directions and gather again as the beat
// envelope decays -- the point cloud condensing into the form.  Each pixel looks only at the point of
// its own cell and its neighbours (a 3x3 neighbourhood: points never fly further than a cell).
// `amount` mixes the point cloud over the picture.

#include "anadol_common.glsl"

uniform float u_amount;  // 0..1 how much of the picture is the point cloud

const float PITCH = 1.0 / 60.0;  // point spacing, share of the picture height

void main() {
    vec3 pic = texture(u_input, v_uv).rgb;
    vec2 p = an_p(v_uv) / PITCH;
    vec2 cell = floor(p);
    float px = PITCH * u_resolution.y;          // pixels per cell
    float scatter = 0.9 * u_beat + 0.3 * u_bass;   // cells a point is thrown
    vec3 cloud = vec3(0.0);
    float cover = 0.0;
    for (int j = -1; j <= 1; j++) {
        for (int i = -1; i <= 1; i++) {
            vec2 id = cell + vec2(i, j);
            vec2 home = id + 0.5;
            vec3 col = texture(u_input, an_uv(home * PITCH)).rgb;
            float a = 6.2831853 * vj_hash(id + floor(u_beat_count) * 0.37);
            vec2 at = home + min(scatter, 0.95) * vec2(cos(a), sin(a));
            float r = (0.12 + 0.3 * an_luma(col)) * px;   // brighter: a bigger point (in pixels)
            float d = length(p - at) * px;
            float m = clamp(r - d + 0.5, 0.0, 1.0);
            cloud = max(cloud, col * m);
            cover = max(cover, m);
        }
    }
    vec3 layer = mix(pic * 0.15, cloud, cover);
    o_color = vec4(mix(pic, layer, clamp(u_amount, 0.0, 1.0)), 1.0);
}
