// ikeda source pass: the decoded frame made into hard black and white data.
//
// The VAE carries the shapes (stripes, barcodes, bit grids); this pass
//  - thresholds them to pure black/white with a crisp, anti-aliased edge,
//  - inverts the whole field on accented beats (flash),
//  - slices rows sideways on kicks (data flicker), locked to the beat count,
//  - sprinkles pixel-level data noise with the hi-hats,
//  - and, rarely, on a snare in the drop, lets one band burn red.

void main() {
    vec2 uv = v_uv;
    float beat = floor(u_beat_count);
    // data flicker: on a kick some rows jump sideways by a whole number of "bits"
    if (u_kick >= 0.4) {
        float row = floor(uv.y * 48.0);
        float sel = step(0.82, vj_hash(vec2(row, beat)));
        uv.x = fract(uv.x + sel * (floor(vj_hash(vec2(beat, row)) * 16.0) / 16.0 - 0.5));
    }

    float v = vj_image(uv).r;
    float w = max(fwidth(v) * 0.75, 0.02);
    float b = smoothstep(0.5 - w, 0.5 + w, v);

    // polarity flash on accented beats (every bar's downbeat and strong kicks)
    float flash = step(0.75, u_beat) * step(0.5, vj_hash(vec2(beat, 7.0)) + (u_bar_phase < 0.25 ? 0.5 : 0.0));
    b = mix(b, 1.0 - b, flash);

    // hat-driven pixel data: single-pixel noise in thin horizontal bands
    if (u_hat > 0.02) {
        vec2 px = floor(gl_FragCoord.xy / 2.0);
        float band = step(0.93, vj_hash(vec2(floor(px.y / 3.0), beat + floor(u_time * 30.0))));
        float noise = step(0.5, vj_hash(px + fract(u_time)));
        b = mix(b, noise, band * u_hat * 0.9);
    }

    vec3 col = vec3(b);
    // rare red: only in the drop, on a snare, in one band of the screen
    if (u_snare > 0.0 && u_section > 1.5 && u_section < 2.5) {
        float redband = step(0.9, vj_hash(vec2(floor(v_uv.y * 8.0), beat)));
        col = mix(col, vec3(b, 0.0, 0.0), redband * u_snare);
    }
    o_color = vec4(col, 1.0);
}
