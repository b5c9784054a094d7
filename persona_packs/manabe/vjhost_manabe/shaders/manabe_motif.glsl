// manabe motif: rectangular waves drawn by the shader along the bottom of the frame, one lane per pair
// of bands, each as high as its bands are loud, stepping with the beat.
//
// The pack's `motif` effect: the one layer the shader draws itself rather than finishing what the
// decoder drew.  `amount` mixes it in (0 = off and costs no pass, the default: the decoder draws its
// own square waves and graphs).  Four lanes in white, cyan, magenta and lime fill the bottom third;
// lane i's wave has 3 + 2i periods across the frame, its height follows bands 2i and 2i+1, and it
// moves a step on every beat.  Lines two pixels wide at 720p.
uniform float u_amount;  // 0..1

const vec3 LANE_COLOURS[4] = vec3[4](vec3(1.0), vec3(0.0, 0.898, 1.0), vec3(1.0, 0.169, 0.839), vec3(0.224, 1.0, 0.078));

// distance (screen heights) to a rectangular wave in a lane centred at y0, amp high
float square_wave(vec2 p, float y0, float amp, float period, float phase) {
    float t = fract(p.x / period + phase);
    float level = t < 0.5 ? y0 + amp * 0.5 : y0 - amp * 0.5;
    float dh = abs(p.y - level);
    float dx = min(min(t, 1.0 - t), abs(t - 0.5)) * period;
    float dy = max(abs(p.y - y0) - amp * 0.5, 0.0);
    return min(dh, length(vec2(dx, dy)));
}

void main() {
    vec3 here = texture(u_input, v_uv).rgb;
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, 1.0 - v_uv.y);     // y down from the top, in screen heights
    float lane_h = 0.075;
    float i = floor((p.y - (1.0 - 4.0 * lane_h - 0.02)) / lane_h);
    vec3 col = here;
    if (i >= 0.0 && i < 4.0) {
        int k = int(i);
        float level = max(vj_band(2 * k), vj_band(2 * k + 1));
        float y0 = 1.0 - 4.0 * lane_h - 0.02 + (i + 0.5) * lane_h;
        float amp = lane_h * (0.1 + 0.75 * clamp(level, 0.0, 1.0));
        float period = aspect / (3.0 + 2.0 * i);
        float phase = floor(u_beat_count) * 0.25 + 0.25 * smoothstep(0.0, 0.15, u_beat_phase);
        float d = square_wave(p, y0, amp, period, phase);
        float w = 1.0 / u_resolution.y;
        float line = smoothstep(w * 1.5, w * 0.5, d);
        col = mix(here, LANE_COLOURS[k], line * clamp(u_amount, 0.0, 1.0));
    }
    o_color = vec4(col, 1.0);
}
