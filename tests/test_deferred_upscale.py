"""A chain that ends on a reduced-size pass is upscaled once: by the window's present (live) or the encoder
(offline), not first into a render-size target by GL as well (``Renderer.defer_upscale``).  The picture the
performer sees is the same either way, feedback included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog

SHADERS = Path(__file__).resolve().parents[1] / "shaders"
W, H = 320, 180
SMALL_SOURCE = """#pragma vjhost scale 0.5
void main() {
    vec2 p = gl_FragCoord.xy;
    o_color = vec4(fract(p.x / 7.0), fract(p.y / 5.0), fract((p.x + p.y + u_frame * 3.0) / 11.0), 1.0);
}
"""
TRAIL = """#pragma vjhost scale 0.5
uniform float u_amount;
void main() { o_color = vec4(mix(texture(u_input, v_uv).rgb, texture(u_prev, v_uv).gbr, 0.5 * u_amount), 1.0); }
"""


@pytest.fixture
def make(gl, tmp_path):
    """A fresh renderer each call (feedback starts from black in each), freed at the end."""
    from vjhost.protocols import Param
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "small.glsl").write_text(SMALL_SOURCE)
    (tmp_path / "trail.glsl").write_text(TRAIL)
    made = []

    def new():
        faults = FaultLog(stream=None)
        r = Renderer((W, H), ShaderFinder([tmp_path, SHADERS]), faults)
        r.set_source("small.glsl")
        r.add_effect("trail", "trail.glsl", (Param("amount", 0.0),))
        assert not faults.faults, faults.faults
        made.append(r)
        return r

    yield new
    for r in made:
        r.close()


def frames(r, defer: bool, params: dict, n: int = 4) -> tuple[list[np.ndarray], int]:
    """``n`` frames presented into a window-sized target; (pictures, full-size copies GL drew)."""
    from vjhost.bench import busy_features
    from vjhost.render.chain import _Target

    r.defer_upscale = defer
    window = _Target(W, H)
    copies = []
    real = r._copy
    r._copy = lambda tex, dst: (copies.append((dst.w, dst.h)), real(tex, dst))[1]
    f = busy_features()
    out = []
    try:
        for i in range(n):
            r.render(f, params, frame=i)
            r.draw_output(window.fbo, W, H)
            r.GL.glBindFramebuffer(r.GL.GL_READ_FRAMEBUFFER, window.fbo)
            px = r.GL.glReadPixels(0, 0, W, H, r.GL.GL_RGBA, r.GL.GL_UNSIGNED_BYTE)
            out.append(np.frombuffer(px, np.uint8).reshape(H, W, 4).copy())
    finally:
        del r._copy
        window.release(r.GL)
    return out, copies.count((W, H))


def test_the_present_upscales_a_chain_ending_small_once(make):
    plain, plain_copies = frames(make(), False, {})
    deferred, deferred_copies = frames(make(), True, {})
    assert plain_copies == 4 and deferred_copies == 0  # no closing upscale drawn by GL
    for a, b in zip(plain, deferred):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1  # the same bilinear upscale, drawn once
    assert plain[0].std() > 20


def test_feedback_still_reads_last_frames_full_output(make):
    """A pass that reads u_prev gets last frame's output at the render size: the upscale is drawn for it."""
    on = {"fx.trail.amount": 1.0}
    plain, _ = frames(make(), False, on)
    deferred, copies = frames(make(), True, on)
    assert copies == 4  # drawn at once: the next frame reads it (the trail pass samples u_prev)
    for a, b in zip(plain, deferred):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    assert np.abs(plain[3].astype(int) - frames(make(), False, {})[0][3].astype(int)).mean() > 5  # trails show


def test_everything_that_reads_the_output_gets_it_at_the_render_size(make):
    from vjhost.bench import busy_features

    plain, _ = frames(make(), False, {}, n=1)
    renderer = make()
    renderer.defer_upscale = True
    renderer.render(busy_features(), {}, frame=0)
    assert renderer.drawn_size() == (W // 2, H // 2)
    rgba = renderer.read_rgba()  # resolves: the upscale is drawn now
    assert renderer.drawn_size() == (W // 2, H // 2)  # (the small picture is still there to read, the same)
    assert np.abs(rgba.astype(int) - plain[0].astype(int)).max() <= 1
    renderer.set_scale(0.5)  # the output carried over to the new size: read at the render size from here
    assert renderer.drawn_size() == (W // 2, H // 2) == (renderer.w, renderer.h)


@pytest.mark.parametrize("into_output", [False, True])
def test_the_hud_reads_the_small_picture_as_drawn(make, make_features, into_output):
    """The HUD over a chain ending small: the same overlay picture, and GL draws no closing upscale for it."""
    from vjhost.render.hud import Hud

    pictures = []
    for defer in (False, True):
        r = make()
        r.defer_upscale = defer
        hud = Hud(r)
        copies = []
        real = r._copy
        r._copy = lambda tex, dst: (copies.append((dst.w, dst.h)), real(tex, dst))[1]
        try:
            f = make_features()
            r.render(f, {})
            hud.draw(f, None, into_output=into_output)
            pictures.append(hud.read_rgba().astype(int))
        finally:
            del r._copy
            hud.close()
        assert copies.count((W, H)) == (0 if defer else 1)
        if into_output:
            assert r.drawn_size() == (W, H) and r.output == r.targets[r.prev].tex
    assert np.abs(pictures[0] - pictures[1]).max() <= 1 and pictures[0].std() > 20
