// mikami delay grid: the picture in a grid of monitor windows, each showing it a different number of frames
// ago -- a ring of the last 48 frames (history.glsl) -- the windows' delays reassigned on every beat.
//
// `amount` is how far back the windows reach (0 = off, no pass; 1 = the furthest window 47 frames, about
// 0.8 s at 60 fps, behind); `windows` the grid (2..8 a side); `zoom` 0 shows each window its own part of
// the frame (the picture whole, but every part at its own moment: a compound eye), 1 the whole frame in
// every window (a wall of monitors).  Bezels between the windows grow with the zoom.  On the beat the
// window showing the present lights its frame (a tally light); the hats flicker the windows.
// The ring is recorded at 480x270; every window reads it, the one showing the present too (its newest
// layer is this frame's input, copied in before the pass draws).  Drawn at 3/8 of the render size, the
// ring's own 480x270 at 720p (the scan pass after it draws its scanlines at full size over it).
// Cost: the windows' delays (as ring layers), flicker and tally are worked out once per frame in an 8x8
// stage (`win`, one texel per window); per pixel the pass reads its window's texel and the ring once,
// and draws the bezels; plus the ring's 480x270 copy.  Measured at 1280x720 on llvmpipe, the pass added
// 0.93x a bare frame at half size with the delays, a hash and two reads per pixel (the present's window
// read the input: software GL runs both sides of that choice), 0.53x now.
#pragma vjhost history 48 480x270
#pragma vjhost stage win 8x8
#pragma vjhost scale 0.375
#include "history.glsl"

uniform float u_amount;   // 0..1: how far back the windows reach
uniform float u_windows;  // 2..8 windows a side
uniform float u_zoom;     // 0 = each window its own part of the frame, 1 = the whole frame
uniform sampler2D u_win;

const vec3 BEZEL = vec3(0.0078, 0.0235, 0.0588);   // the palette's navy black
const vec3 TALLY = vec3(0.4980, 0.7686, 1.0);      // the palette's light blue

float windows_a_side() { return floor(clamp(u_windows, 2.0, 8.0) + 0.5); }

#if defined(VJ_STAGE_win)
// one texel per window (the grid's first n x n): r the ring layer it shows / 64, g its hats' flicker
// (a light factor), b 1 for the window showing the present
void main() {
    float n = windows_a_side();
    vec2 cell = floor(gl_FragCoord.xy);
    float k = cell.y * n + cell.x;
    float windows = n * n;
    // the delays: every window a different step of the ring, the order turned over on every beat
    float beat = mod(floor(u_beat_count), 64.0);
    float order = mod(k * 7.0 + beat * 5.0, windows);
    float step_frames = clamp(u_amount, 0.0, 1.0) * 47.0 / max(windows - 1.0, 1.0);
    float delay = floor(order * step_frames + 0.5);
    float layer = vj_history_layer(delay);  // the ring's layer `delay` frames back
    // hats flicker the windows a little, each its own way
    float flicker = 1.0 - 0.25 * u_hat * vj_hash(vec2(k, floor(u_time * 20.0)));
    o_color = vec4((layer + 0.5) / 64.0, flicker, float(delay < 0.5), 1.0);
}
#else
void main() {
    float n = windows_a_side();
    vec2 grid = vec2(n);
    vec2 cell = min(floor(v_uv * grid), grid - 1.0);
    vec2 local = v_uv * grid - cell;                               // 0..1 within the window
    vec3 w = texelFetch(u_win, ivec2(cell), 0).rgb;
    vec2 uv = mix(v_uv, local, clamp(u_zoom, 0.0, 1.0));
    vec3 c = texture(u_history, vec3(uv, floor(w.r * 64.0))).rgb * w.g;
    // bezels: a hairline at zoom 0, a monitor's frame at zoom 1 (pixels of the target drawn)
    vec2 px = min(local, 1.0 - local) * u_target_size / grid;
    float edge = min(px.x, px.y);
    float bezel = mix(0.5, 0.035 * u_target_size.y / n, clamp(u_zoom, 0.0, 1.0));
    float frame = smoothstep(bezel + 1.0, bezel, edge);
    c = mix(c, BEZEL, frame);
    // the tally light: the window showing the present, framed in light on the beat
    float tally = w.b * u_beat * (1.0 - smoothstep(bezel + 1.0, bezel + 2.0, edge)) * (1.0 - frame);
    c = mix(c, TALLY, tally);
    o_color = vec4(c, 1.0);
}
#endif
