"""The HUD overlay, headless: band bars follow the features, the BPM digits follow the tempo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog

SHADERS = Path(__file__).resolve().parents[1] / "shaders"
GREY = "void main() { o_color = vec4(0.5, 0.5, 0.5, 1.0); }\n"
W, H = 320, 180


@pytest.fixture
def hud(gl, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.hud import Hud
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "src.glsl").write_text(GREY)
    faults = FaultLog(stream=None)
    r = Renderer((W, H), ShaderFinder([tmp_path, SHADERS]), faults)
    r.set_source("src.glsl")
    h = Hud(r)
    assert not faults.faults, faults.faults
    return r, h


def frame(r, h, f, status=None, into_output=False):
    r.render(f, {})
    h.draw(f, status, into_output=into_output)
    return h.read_rgba()[::-1].astype(np.int32).copy()  # top row first


def test_band_bars_follow_the_bands(hud, make_features):
    r, h = hud
    strip = slice(H - int(0.16 * H) + 1, H)  # bottom strip rows (top-down)
    band_cols = slice(0, int(0.44 * W))
    quiet = frame(r, h, make_features(bands=np.zeros(8, np.float32)))
    loud = frame(r, h, make_features(bands=np.ones(8, np.float32)))
    half = frame(r, h, make_features(bands=np.full(8, 0.5, np.float32)))
    lum = lambda px: px[strip, band_cols, :3].mean(axis=-1)  # noqa: E731
    lit = lambda px: int((lum(px) > 60).sum())  # noqa: E731
    assert lit(quiet) < lit(half) < lit(loud)
    # only band 3 up: only its column lights
    one = np.zeros(8, np.float32)
    one[3] = 1.0
    px = frame(r, h, make_features(bands=one))
    cols = (lum(px) > 60).sum(axis=0)
    bw = int(0.44 * W) / 8
    assert cols[int(3.5 * bw)] > 0 and cols[int(1.5 * bw)] == 0 and cols[int(6.5 * bw)] == 0
    # the picture above the strip and outside the HUD panels is the chain's output, untouched
    assert np.abs(px[H // 2, W // 2, :3] - 128).max() <= 2


def test_bpm_digits_change_with_bpm(hud, make_features):
    r, h = hud
    box = (slice(0, int(0.15 * H)), slice(0, int(0.3 * W)))  # top-left panel
    a = frame(r, h, make_features(bpm=120.0))[box]
    a2 = frame(r, h, make_features(bpm=120.0))[box]
    b = frame(r, h, make_features(bpm=174.5))[box]
    assert np.array_equal(a, a2)
    assert np.abs(a - b).sum() > 1000
    # the digits are bright strokes on the darkened panel
    assert (a[..., :3].mean(axis=-1) > 200).sum() > 30


def test_source_colour_and_beat_boxes(hud, make_features):
    r, h = hud
    f = make_features(bpm=128.0, bar_phase=0.1, beat_phase=0.4, downbeat=True)
    link = frame(r, h, f, {"active": "link"})
    internal = frame(r, h, f, {"active": "internal"})
    top = (slice(0, int(0.15 * H)), slice(0, int(0.3 * W)))
    assert np.abs(link[top] - internal[top]).sum() > 0
    later = frame(r, h, make_features(bpm=128.0, bar_phase=0.6, beat_phase=0.9), {"active": "link"})
    right = (slice(H - int(0.16 * H) + 1, H), slice(int(0.74 * W), W))
    assert np.abs(later[right] - link[right]).sum() > 0


def test_into_output_becomes_the_renderer_output(hud, make_features):
    r, h = hud
    f = make_features(bands=np.ones(8, np.float32))
    px = frame(r, h, f, into_output=True)
    assert np.array_equal(px, r.read_rgba()[::-1].astype(np.int32))
    assert h.output == r.output


SHOW = {"fps": 59.7, "p99_ms": 16.9, "render_scale": 0.75, "auto_scale": True, "decode_hz": 30.2, "dropped": 3}


def test_show_status_is_labelled_top_right(hud, make_features, monkeypatch):
    from vjhost.render import hud as hud_mod

    monkeypatch.setattr(hud_mod, "TEXT_EVERY_S", 0.0)  # read the show's numbers on every frame here
    r, h = hud
    corner = (slice(0, int(0.2 * H)), slice(int(0.55 * W), W))
    f = make_features(bpm=128.0)
    bare = frame(r, h, f)[corner]
    assert np.abs(bare[..., :3] - 128).max() <= 2  # no status given: the picture, untouched
    r.render(f, {})
    h.draw(f, None, show=SHOW)
    a = h.read_rgba()[::-1].astype(np.int32)[corner].copy()
    assert (a[..., :3].mean(-1) > 200).sum() > 100  # white text on a darkened panel
    assert (a[..., :3].mean(-1) < 80).sum() > 100
    h.draw(f, None, show={**SHOW, "render_scale": 0.5})
    b = h.read_rgba()[::-1].astype(np.int32)[corner]
    assert np.abs(a - b).sum() > 500  # the render scale's figure changed


def test_strip_is_labelled(hud, make_features):
    r, h = hud
    px = frame(r, h, make_features())
    strip_top = H - int(0.16 * H)
    labels = px[strip_top - 10 : strip_top, :, :3].mean(-1)
    assert (labels > 200).sum() > 150  # BANDS, LO MID HI, ONS KCK SNR HAT, BEAT / BAR over the strip


def test_hud_draws_at_the_show_size_at_a_reduced_render_scale(gl, tmp_path, make_features):
    from vjhost.render.chain import Renderer
    from vjhost.render.hud import Hud
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "src.glsl").write_text(GREY)
    r = Renderer((W, H), ShaderFinder([tmp_path, SHADERS]), FaultLog(stream=None))
    r.set_source("src.glsl")
    r.set_scale(0.5)
    h = Hud(r)
    px = frame(r, h, make_features(bpm=120.0))
    assert px.shape[:2] == (H, W)  # the HUD pass is the upscale: text at the show's resolution
    assert np.abs(px[H // 2, W // 2, :3] - 128).max() <= 2
    h.close()
    r.close()
