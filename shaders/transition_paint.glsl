// Transition, painterly, pass 2 of 2: the incoming picture (u_dest) painted over
// the outgoing one (u_input) through the stroke mask of pass 1
// (transition_paint_mask.glsl, drawn at reduced size and upsampled bilinearly
// here).  See that file for the strokes.  3 fetches.
uniform sampler2D u_dest;    // the incoming show's output
uniform sampler2D u_mask;    // the paint mask (red channel)
uniform float u_show_mask;   // 1: draw the mask in grey (tests, debugging)

void main() {
    float m = texture(u_mask, v_uv).r;
    if (u_show_mask > 0.5) {
        o_color = vec4(m, m, m, 1.0);
        return;
    }
    vec3 src = texture(u_input, v_uv).rgb;
    vec3 dst = texture(u_dest, v_uv).rgb;
    o_color = vec4(mix(src, dst, m), 1.0);
}
