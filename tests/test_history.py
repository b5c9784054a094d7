"""Past frames (``#pragma vjhost history N [SIZE]``), headless on Mesa: a pass reads its input as it was
``delay`` frames ago from a ring the chain fills one frame at a time; delays beyond what is recorded give the
oldest frame; the ring starts again after the pass was off and after a size change; bad pragmas name the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.protocols import Param

SHADERS = Path(__file__).resolve().parents[1] / "shaders"

#: the source draws the frame's time as a grey level (t = 0.1 -> 25.5 / 255 ...)
CLOCK = "void main() { o_color = vec4(vec3(u_time), 1.0); }\n"

#: the delay effect: the left half shows the input `delay` frames ago, the right half this frame's input
DELAY = """
#pragma vjhost history 8 16x8
#include "history.glsl"
uniform float u_amount;
uniform float u_delay;
void main() {
    vec4 now = texture(u_input, v_uv);
    o_color = v_uv.x < 0.5 ? vj_history(v_uv, u_delay) : now;
}
"""


@pytest.fixture
def make(gl, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    made = []

    def build(effect: str = DELAY, size=(32, 16)):
        (tmp_path / "clock.glsl").write_text(CLOCK)
        (tmp_path / "delay.glsl").write_text(effect)
        faults = FaultLog(stream=None)
        r = Renderer(size, ShaderFinder([tmp_path, SHADERS]), faults)
        r.set_source("clock.glsl")
        r.add_effect("delay", "delay.glsl", (Param("amount", 1.0), Param("delay", 0.0)))
        r.upload_image(np.zeros((8, 8, 3), np.uint8))
        made.append(r)
        return r, faults

    yield build
    for r in made:
        r.close()


def step(r, make_features, t: float, delay: float, amount: float = 1.0) -> tuple[float, float]:
    """Render one frame at time t; (left half, right half) as the time they show."""
    r.render(make_features(t=t), {"fx.delay.amount": amount, "fx.delay.delay": delay})
    px = r.read_rgba()[::-1, :, 0].astype(np.float64) / 255
    w = px.shape[1]
    return round(px[:, 2:w // 2 - 2].mean(), 2), round(px[:, w // 2 + 2:-2].mean(), 2)


def test_a_pass_reads_its_input_frames_ago(make, make_features):
    r, faults = make()
    assert not faults.faults, faults.faults
    assert r.effects[0].history is not None and r.effects[0].history.size == (16, 8)
    # the ring fills: a delay of 3 shows the oldest frame recorded until there are four, then runs 3 behind
    seen = [step(r, make_features, t=0.05 * k, delay=3.0) for k in range(1, 13)]
    assert np.allclose([now for _, now in seen], [0.05 * k for k in range(1, 13)], atol=0.01)  # the right half
    past = [old for old, _ in seen]
    assert np.allclose(past[:4], [0.05] * 4, atol=0.01)
    assert np.allclose(past[3:], [0.05 * (k - 3) for k in range(4, 13)], atol=0.01)
    # other delays up to N - 1 = 7 (the ring is full now): frame 13 reads frame 13 - delay; 0 is this frame's
    for k, delay in ((13, 0), (14, 1), (15, 5), (16, 7)):
        old, now = step(r, make_features, t=0.05 * k, delay=float(delay))
        assert old == pytest.approx(0.05 * (k - delay), abs=0.01) and now == pytest.approx(0.05 * k, abs=0.01)
    old, _ = step(r, make_features, t=0.05 * 17, delay=30.0)
    assert old == pytest.approx(0.05 * 10, abs=0.01)  # beyond the ring: the oldest it holds, frame 17 - 7


def test_the_ring_starts_again_after_the_pass_was_off(make, make_features):
    r, _ = make()
    for k in range(1, 9):
        step(r, make_features, t=0.1 * k, delay=4.0)
    old, _ = step(r, make_features, t=0.9, delay=4.0)
    assert old == pytest.approx(0.5, abs=0.01)
    _, now = step(r, make_features, t=0.2, delay=4.0, amount=0.0)  # off: no pass, nothing recorded
    assert not r._active(r.effects[0], {"fx.delay.amount": 0.0}, {})
    old, now = step(r, make_features, t=0.3, delay=4.0)  # back on: no stale frames, the present everywhere
    assert old == pytest.approx(0.3, abs=0.01) and now == pytest.approx(0.3, abs=0.01)
    old, _ = step(r, make_features, t=0.4, delay=4.0)
    assert old == pytest.approx(0.3, abs=0.01)  # then the delay spreads out again
    r.render(make_features(t=0.5), {"fx.delay.amount": 1.0}, blackout=True)  # a blackout frame draws no pass
    old, _ = step(r, make_features, t=0.6, delay=4.0)
    assert old == pytest.approx(0.6, abs=0.01)


def test_a_scaled_ring_follows_the_render_size(make, make_features):
    r, faults = make(DELAY.replace("16x8", "0.5"), size=(64, 32))
    assert not faults.faults, faults.faults
    h = r.effects[0].history
    assert h.size == (32, 16)
    for k in range(1, 5):
        step(r, make_features, t=0.1 * k, delay=2.0)
    tex = h.tex
    r.set_scale(0.5)
    old, now = step(r, make_features, t=0.5, delay=2.0)
    assert h.size == (16, 8) and h.tex != tex
    assert old == pytest.approx(0.5, abs=0.01)  # a new ring at the new size: starts from the present


def test_history_pragmas_are_checked_with_the_line(make):
    for bad, message in (("#pragma vjhost history 0", "1..128"), ("#pragma vjhost history 400", "1..128"),
                         ("#pragma vjhost history 8 0x9", "1..4096"), ("#pragma vjhost history 8 2.0", "(0, 1]"),
                         ("#pragma vjhost history eight", "expected")):
        r, faults = make(DELAY.replace("#pragma vjhost history 8 16x8", bad))
        assert r.effects[0].broken
        found = faults.faults
        text = "\n".join(str(f) for f in found.values()) if isinstance(found, dict) else str(found)
        assert "delay.glsl:2" in text and message in text, text
    r, faults = make(DELAY + "#pragma vjhost history 4\n")
    assert r.effects[0].broken and "given twice" in str(faults.faults)


def test_a_pass_without_the_pragma_keeps_no_ring(make, make_features):
    r, faults = make("uniform float u_amount;\nvoid main() { o_color = texture(u_input, v_uv); }\n")
    assert not faults.faults and r.effects[0].history is None
    assert step(r, make_features, t=0.4, delay=0.0) == (0.4, 0.4)
