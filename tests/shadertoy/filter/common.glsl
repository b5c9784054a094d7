vec3 invert(vec3 c) { return 1.0 - c; }
