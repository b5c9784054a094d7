"""The built-in effect library (issue #6), headless on Mesa: every effect compiles, costs no pass at
amount 0, changes the picture at amount 1, and visibly follows the audio it is wired to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog

SHADERS = Path(__file__).resolve().parents[1] / "shaders"
SIZE = (64, 36)
# an asymmetric, colourful source: diagonal colour ramps, a bright blob and the decoded frame
SOURCE = """
void main() {
    vec2 p = v_uv;
    vec3 c = vec3(fract(p.x * 2.3 + p.y * 0.7), p.y, 0.5 + 0.5 * sin(9.0 * p.x * p.y + 1.0));
    c = mix(c, vec3(1.0), smoothstep(0.12, 0.08, length(p - vec2(0.3, 0.7))));
    o_color = vec4(mix(c, vj_image(p).rgb, 0.3), 1.0);
}
"""


def library():
    from vjhost_builtins.effects import LIBRARY

    return {e.name: e for e in LIBRARY}


def test_library_specs_are_well_formed():
    lib = library()
    assert set(lib) >= {"rgbsplit", "kaleido", "mirror", "strobe", "threshold", "posterize", "crt", "bloom",
                        "halftone", "stencil", "collage", "displace"}
    for e in lib.values():
        assert e.params[0].name == "amount" and e.params[0].default == 0.0, e.name
        assert 2 <= len(e.params) <= 4, e.name
        assert (SHADERS / e.shader).is_file()
        head = (SHADERS / e.shader).read_text().splitlines()[0]
        assert head.startswith("// ") and len(head) > 20, f"{e.shader} needs a header comment"
        for p in e.params:
            assert p.min <= p.default <= p.max and p.description, (e.name, p.name)


def test_builtin_effects_are_registered(host):
    assert set(library()) <= set(host.effects.names())


def image(w=32, h=32):
    y, x = np.mgrid[0:h, 0:w]
    img = ((x // 4 + y // 8) % 2 * 160 + x * 3).astype(np.uint8)
    return img[..., None]


@pytest.fixture
def fx(gl, tmp_path):
    """fx(name) -> (renderer, pass, faults): the test source followed by one library effect."""
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "src.glsl").write_text(SOURCE)
    made = []

    def make(name: str, size=SIZE):
        spec = library()[name]
        faults = FaultLog(stream=None)
        r = Renderer(size, ShaderFinder([tmp_path, SHADERS]), faults)
        r.set_source("src.glsl")
        p = r.add_effect(spec.name, spec.shader, spec.params)
        r.upload_image(image())
        made.append(r)
        return r, p, faults

    yield make
    for r in made:
        r.close()


def frame(r, feats, params) -> np.ndarray:
    r.render(feats, params)
    return r.read_rgba()[::-1, :, :3].astype(np.int16).copy()  # top row first


BUSY = dict(beat_phase=0.75, bar_phase=0.3, kick_env=0.6, bass=0.5, onset_env=0.5, beat_count=5)


@pytest.mark.parametrize("name", sorted(library()))
def test_effect_compiles_is_free_at_zero_and_visible_at_one(fx, make_features, name):
    r, p, faults = fx(name)
    assert not p.broken and not faults.faults, faults.faults
    f = make_features(**BUSY)
    key = f"fx.{name}.amount"
    assert not r._active(p, {key: 0.0}, {}) and r._active(p, {key: 1.0}, {})
    without = frame(r, f, {key: 0.0})
    r.effects.remove(p)
    bare = frame(r, f, {})
    r.effects.append(p)
    assert np.array_equal(without, bare)  # amount 0: no pass at all
    on = frame(r, f, {key: 1.0})
    assert np.abs(on - bare).mean() > 2.0, f"{name} at amount 1 left the picture unchanged"
    assert not faults.faults


def split_width(px: np.ndarray) -> float:
    """How far red and blue have drifted apart: mean |R - B| on a grey picture."""
    return float(np.abs(px[..., 0] - px[..., 2]).mean())


def test_rgb_split_grows_with_the_kick(fx, make_features):
    r, _, _ = fx("rgbsplit")
    grey = "void main() { float v = step(0.5, fract(v_uv.x * 4.0)); o_color = vec4(vec3(v), 1.0); }\n"
    (Path(r.finder.dirs[0]) / "src.glsl").write_text(grey)
    r.set_source("src.glsl")
    params = {"fx.rgbsplit.amount": 1.0, "fx.rgbsplit.kick_push": 1.0, "fx.rgbsplit.glitch": 0.0}
    quiet = split_width(frame(r, make_features(kick_env=0.0), params))
    kick = split_width(frame(r, make_features(kick_env=1.0), params))
    assert quiet > 0.5 and kick > 3 * quiet


def test_strobe_is_dark_on_part_of_the_beat(fx, make_features):
    r, _, _ = fx("strobe")
    params = {"fx.strobe.amount": 1.0, "fx.strobe.rate": 1.0, "fx.strobe.duty": 0.5}
    lit = frame(r, make_features(beat_phase=0.2), params)
    dark = frame(r, make_features(beat_phase=0.7), params)
    assert lit.mean() > 60 and dark.max() == 0
    params["fx.strobe.rate"] = 2.0  # twice a beat: dark again at 0.3, lit at 0.6
    assert frame(r, make_features(beat_phase=0.3), params).max() == 0
    assert frame(r, make_features(beat_phase=0.6), params).mean() > 60


def test_strobe_flashes_white_on_onsets(fx, make_features):
    r, _, _ = fx("strobe")
    params = {"fx.strobe.amount": 1.0, "fx.strobe.flash": 1.0}
    assert frame(r, make_features(beat_phase=0.1, onset_env=1.0), params).min() > 250


def test_kaleidoscope_is_mirror_symmetric(fx, make_features):
    r, _, _ = fx("kaleido", size=(64, 64))
    for n in (3.0, 6.0):
        px = frame(r, make_features(), {"fx.kaleido.amount": 1.0, "fx.kaleido.segments": n, "fx.kaleido.spin": 0.0})
        assert np.abs(px - px[::-1]).mean() < 2.0  # symmetric about the horizontal centre line
        assert np.abs(px - px[:, ::-1]).mean() > 5.0 or n == 6.0  # an odd count is not left/right symmetric


def test_mirror_tiles_are_flipped_copies(fx, make_features):
    r, _, _ = fx("mirror", size=(64, 64))
    px = frame(r, make_features(bass=0.0), {"fx.mirror.amount": 1.0, "fx.mirror.tiles": 2.0})
    assert np.abs(px[:, :32] - px[:, 32:][:, ::-1]).mean() < 2.0
    assert np.abs(px[:32] - px[32:][::-1]).mean() < 2.0
    zoomed = frame(r, make_features(bass=1.0), {"fx.mirror.amount": 1.0, "fx.mirror.tiles": 2.0})
    assert np.abs(zoomed - px).mean() > 5.0  # the bass zooms the tiling


def test_threshold_output_is_binary_and_the_bass_moves_it(fx, make_features):
    r, _, _ = fx("threshold")
    params = {"fx.threshold.amount": 1.0, "fx.threshold.level": 0.5, "fx.threshold.react": 1.0}
    quiet = frame(r, make_features(bass=0.0), params)
    assert set(np.unique(quiet)) <= {0, 255} and 0.05 < (quiet == 255).mean() < 0.95
    loud = frame(r, make_features(bass=1.0, kick_env=1.0), params)
    assert set(np.unique(loud)) <= {0, 255}
    assert (loud == 255).mean() < (quiet == 255).mean()  # bass raises the level: less white


def test_posterize_has_at_most_n_levels_and_kicks_take_levels_away(fx, make_features):
    r, _, _ = fx("posterize")
    for n in (2, 3, 5):
        px = frame(r, make_features(), {"fx.posterize.amount": 1.0, "fx.posterize.levels": float(n)})
        for ch in range(3):
            assert 2 <= len(np.unique(px[..., ch])) <= n
    params = {"fx.posterize.amount": 1.0, "fx.posterize.levels": 8.0, "fx.posterize.react": 0.75}
    calm = max(len(np.unique(frame(r, make_features(), params)[..., c])) for c in range(3))
    hit = max(len(np.unique(frame(r, make_features(kick_env=1.0), params)[..., c])) for c in range(3))
    assert hit <= 2 < calm


def test_crt_draws_scanlines_that_the_bass_softens(fx, make_features):
    r, _, _ = fx("crt", size=(64, 64))
    params = {"fx.crt.amount": 1.0, "fx.crt.lines": 16.0, "fx.crt.curve": 0.0}
    px = frame(r, make_features(), params).mean(axis=(1, 2))[8:-8]  # row brightness
    ripple = np.abs(np.diff(px)).mean()
    soft = np.abs(np.diff(frame(r, make_features(bass=1.0), params).mean(axis=(1, 2))[8:-8])).mean()
    assert ripple > 8.0 and soft < 0.7 * ripple


def test_bloom_glows_around_bright_parts_and_pumps_with_the_kick(fx, make_features):
    r, _, _ = fx("bloom")
    f0 = make_features()
    bare = frame(r, f0, {})
    params = {"fx.bloom.amount": 0.3, "fx.bloom.threshold": 0.6}
    calm = frame(r, f0, params)
    assert (calm >= bare).all()  # bloom only adds light
    hit = frame(r, make_features(kick_env=1.0, bass=1.0), params)
    assert (hit - bare).mean() > 1.5 * (calm - bare).mean()


def test_halftone_is_dots_whose_cells_swell_on_kicks(fx, make_features):
    r, _, _ = fx("halftone", size=(96, 96))
    params = {"fx.halftone.amount": 1.0, "fx.halftone.cell": 8.0, "fx.halftone.angle": 0.0}
    px = frame(r, make_features(), params).mean(axis=2)
    assert (px < 8).mean() > 0.1  # black paper between the dots
    hit = frame(r, make_features(kick_env=1.0), params).mean(axis=2)
    assert np.abs(hit - px).mean() > 5.0


def test_stencil_cuts_along_the_decoded_image(fx, make_features):
    r, _, _ = fx("stencil")
    params = {"fx.stencil.amount": 1.0, "fx.stencil.level": 0.5, "fx.stencil.spray": 0.0}
    px = frame(r, make_features(), params).mean(axis=2)
    r.upload_image(np.full((32, 32, 1), 255, np.uint8))
    r.upload_image(np.full((32, 32, 1), 255, np.uint8))
    open_ = frame(r, make_features(), params).mean(axis=2)
    assert (px < 10).mean() > 0.2 and (open_ < 10).mean() < 0.02


def test_collage_is_redealt_on_every_beat(fx, make_features):
    r, _, _ = fx("collage")
    params = {"fx.collage.amount": 0.7, "fx.collage.cells": 6.0}
    a = frame(r, make_features(beat_count=3, beat_phase=0.1), params)
    a2 = frame(r, make_features(beat_count=3, beat_phase=0.4), params)
    b = frame(r, make_features(beat_count=4, beat_phase=0.1), params)
    assert np.array_equal(a, a2) and np.abs(a - b).mean() > 5.0


def test_displacement_follows_the_decoded_image_and_swells_with_the_bass(fx, make_features):
    r, _, _ = fx("displace")
    params = {"fx.displace.amount": 0.5, "fx.displace.react": 1.0}
    bare = frame(r, make_features(), {})
    calm = frame(r, make_features(), params)
    loud = frame(r, make_features(bass=1.0, kick_env=1.0), params)
    assert np.abs(loud - bare).mean() > 1.3 * np.abs(calm - bare).mean()
    r.upload_image(np.zeros((32, 32, 1), np.uint8))  # a different decoded frame pushes elsewhere
    r.upload_image(np.zeros((32, 32, 1), np.uint8))
    assert np.abs(frame(r, make_features(), params) - calm).mean() > 2.0


def test_blur_softens_edges_and_onsets_pull_it_in(gl, make_features, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder
    from vjhost_builtins.effects import EFFECTS

    spec = next(e for e in EFFECTS if e.name == "blur")
    (tmp_path / "src.glsl").write_text("void main() { o_color = vec4(vec3(step(0.5, v_uv.x)), 1.0); }\n")
    r = Renderer((640, 360), ShaderFinder([tmp_path, SHADERS]), FaultLog(stream=None))
    r.set_source("src.glsl")
    p = r.add_effect(spec.name, spec.shader, spec.params)
    assert p.scale == 0.5 and [s.decl.name for s in p.stages] == ["blur_x"]  # drawn small: a mip, not 13 full-size taps

    def edge_width(px: np.ndarray) -> int:
        row = px[180, :, 0]
        return int(((row > 20) & (row < 235)).sum())

    sharp = edge_width(frame(r, make_features(), {}))
    soft = edge_width(frame(r, make_features(), {"fx.blur.amount": 1.0}))
    hit = edge_width(frame(r, make_features(onset_env=1.0), {"fx.blur.amount": 1.0}))
    assert sharp <= 1 and soft >= 4 and hit < soft
    r.close()
