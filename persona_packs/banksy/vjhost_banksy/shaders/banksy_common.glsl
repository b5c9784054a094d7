// banksy: the pack's colours and how a picture reads as paint on a wall (included by the source pass
// and the motif layer).  Colours (pack.toml `palette`): stencil ink; the walls -- whitewash, pale,
// mid and dark concrete, brick, light brick, mortar; and the one accent, red.

const int NP = 9;
const vec3 PALETTE[NP] = vec3[NP](vec3(0.0431, 0.0431, 0.0431), vec3(0.9333, 0.9255, 0.9020), vec3(0.7882, 0.7765, 0.7490), vec3(0.6078, 0.5961, 0.5608), vec3(0.4039, 0.3922, 0.3686), vec3(0.5490, 0.2275, 0.1529), vec3(0.7059, 0.3451, 0.2275), vec3(0.8275, 0.7882, 0.7216), vec3(0.8431, 0.0784, 0.1176));
const vec3 INK = vec3(0.0431);
const vec3 ACCENT = vec3(0.8431, 0.0784, 0.1176);

// Ink is whatever is darker than half way from the ink to the darkest wall (brick, luma 0.31);
// the accent is whatever is redder than half way from light brick (red minus the larger of green
// and blue: 0.36) to the accent (0.72).  Everything else is wall.
const float INK_LEVEL = 0.18;
const float RED_LEVEL = 0.54;

float bk_luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }
float bk_redness(vec3 c) { return c.r - max(c.g, c.b); }

// c as wall: a grey (the concrete's warm grey at c's lightness) unless it is brick-red, then as it is --
// whatever other tint the decoder adds is taken out, the wall's smooth tone kept
const vec3 WARM = vec3(1.0146, 0.9995, 0.9641);   // pale concrete over its own lightness
vec3 bk_wall(vec3 c) {
    float brick = smoothstep(0.12, 0.25, bk_redness(c));
    return mix(bk_luma(c) * WARM, c, brick);
}

// a smooth paint map of a decoded colour: (paint 0..1, of which red 0..1)
vec2 bk_paint(vec3 c) {
    float ink = 1.0 - smoothstep(INK_LEVEL - 0.06, INK_LEVEL + 0.06, bk_luma(c));
    float red = smoothstep(RED_LEVEL - 0.1, RED_LEVEL + 0.1, bk_redness(c));
    return vec2(max(ink, red), red);
}
