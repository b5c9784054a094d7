// anadol: what the source pass and the fluid share (picture units, hashing).

float an_aspect() { return u_resolution.x / max(u_resolution.y, 1.0); }

// picture units: height 1, x scaled by the aspect ratio, origin at the bottom left; and back
vec2 an_p(vec2 uv) { return uv * vec2(an_aspect(), 1.0); }
vec2 an_uv(vec2 p) { return p / vec2(an_aspect(), 1.0); }

float an_luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }

// two hashes in [0, 1) of a number (a beat count, a salt)
vec2 an_hash2(float n, float salt) { return vec2(vj_hash(vec2(n, salt)), vj_hash(vec2(salt + 7.13, n))); }
