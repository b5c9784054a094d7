// history: the frames a pass saw before -- include it in a pass that declares '#pragma vjhost history N [SIZE]'.
//
// The chain copies the pass's input (u_input) into a ring of N layers every frame the pass draws
// (vjhost/render/history.py); vj_history(uv, delay) reads it `delay` frames ago.  Include once.

uniform sampler2DArray u_history;  // the pass's input over the last N frames, one layer each
uniform vec2 u_history_ring;       // x: the layer holding this frame's input, y: frames recorded so far (1..N)

// The ring's layer holding the pass's input `delay` frames ago (0 = this frame).  A delay further back
// than the frames recorded so far (the pass just started, or was off) gives the oldest frame recorded.
// (A pass that works out its layers once a frame in a small stage stores this and reads
// texture(u_history, vec3(uv, layer)) itself: persona_packs/mikami's delay grid.)
float vj_history_layer(float delay) {
    float n = float(textureSize(u_history, 0).z);
    float d = clamp(floor(delay + 0.5), 0.0, max(u_history_ring.y - 1.0, 0.0));
    return mod(u_history_ring.x - d + n, n);
}

// The pass's input `delay` frames ago at uv (0 = this frame).
vec4 vj_history(vec2 uv, float delay) {
    return texture(u_history, vec3(uv, vj_history_layer(delay)));
}
