// Transition: linear crossfade from the outgoing picture (u_input) to the
// incoming one (u_dest).  Also draws the beat-quantised cut (progress 0 or 1).
// 2 fetches.  Run by vjhost.render.transition, not part of the effect chain.
uniform sampler2D u_dest;   // the incoming show's output
uniform float u_progress;   // 0 = all source, 1 = all destination

void main() {
    vec3 a = texture(u_input, v_uv).rgb;
    vec3 b = texture(u_dest, v_uv).rgb;
    o_color = vec4(mix(a, b, clamp(u_progress, 0.0, 1.0)), 1.0);
}
