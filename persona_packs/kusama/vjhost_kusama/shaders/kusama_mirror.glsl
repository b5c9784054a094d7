// kusama mirror: an infinity mirror room.  The picture becomes the far wall of a square room;
// the four walls around it are lined with the picture again, mirror-folded tile after tile,
// shrinking and darkening toward the vanishing point, drifting a quarter tile deeper each beat.
//
// amount 0 = the picture untouched (the far wall fills the screen); amount 1 = a small far wall
// at the end of a deep room.  Every wall shows the picture and its mirror image side by side,
// so the walls meet without a seam in the corners and the room is symmetric left to right.
uniform float u_amount;

const float FOG = 0.3;    // light lost per unit of depth

void main() {
    float a = clamp(u_amount, 0.0, 1.0);
    vec2 d = v_uv * 2.0 - 1.0;              // -1..1, the room's cross-section
    float n = max(abs(d.x), abs(d.y));      // which square "ring" of the room this pixel is on
    float s = 1.0 - 0.75 * a;               // size of the far wall on screen
    float far = 1.0 / s - 1.0;              // its depth
    vec3 col;
    if (n < s) {
        // the far wall: the picture itself, shrunk to the end of the room
        col = texture(u_input, 0.5 + 0.5 * d / s).rgb * exp(-FOG * far);
    } else {
        // a wall: perspective depth from the ring, position across the wall from the other axis
        float depth = 1.0 / n - 1.0;
        float across = (abs(d.x) >= abs(d.y) ? d.y : d.x) / n;   // -1..1 along the wall's width
        float tile = clamp(far / 2.0, 0.25, 1.0);                // depth of one mirrored copy
        // a quarter tile per beat; after 8 beats the mirrored pair of tiles repeats exactly
        float scroll = 0.25 * (mod(u_beat_count, 8.0) + u_beat_phase);
        vec2 t = vec2(vj_mirror(across + 1.0), vj_mirror(depth / tile - scroll));  // mirror-folded
        col = texture(u_input, t).rgb * exp(-FOG * depth);
    }
    o_color = vec4(col, 1.0);
}
