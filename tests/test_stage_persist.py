"""Persistent stages (``#pragma vjhost stage NAME SIZE [float] persist``), headless on Mesa: a stage that
reads its own previous frame -- the state of a simulation or an advected field -- keeps it from frame to
frame, later passes read this frame's state, and it starts from zero (and again after a size change)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog

SHADERS = Path(__file__).resolve().parents[1] / "shaders"

#: a counter: the persistent stage adds 0.1 each frame; a second stage and the main pass read this frame's count
COUNTER = """
#pragma vjhost stage acc 4x4 float persist
#pragma vjhost stage twice 4x4 float
uniform sampler2D u_acc, u_twice;
#if defined(VJ_STAGE_acc)
// the count in r; alpha must start at zero too (a state is all zero at first), or the count goes negative
void main() { vec4 s = texture(u_acc, v_uv); o_color = vec4(s.r + 0.1 - s.a, 0.0, 0.0, 0.0); }
#elif defined(VJ_STAGE_twice)
void main() { o_color = vec4(2.0 * texture(u_acc, v_uv).r, 0.0, 0.0, 1.0); }
#else
void main() { o_color = vec4(texture(u_acc, v_uv).r / 4.0, texture(u_twice, v_uv).r / 8.0, 0.0, 1.0); }
#endif
"""


@pytest.fixture
def make(gl, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    made = []

    def build(source: str, size=(32, 18)):
        (tmp_path / "src.glsl").write_text(source)
        faults = FaultLog(stream=None)
        r = Renderer(size, ShaderFinder([tmp_path, SHADERS]), faults)
        r.set_source("src.glsl")
        r.upload_image(np.zeros((8, 8, 3), np.uint8))
        made.append(r)
        return r, faults

    yield build
    for r in made:
        r.close()


def count(r, make_features) -> tuple[float, float]:
    r.render(make_features(), {})
    px = r.read_rgba()[::-1].astype(np.float64)
    return px[..., 0].mean() / 255 * 4, px[..., 1].mean() / 255 * 8


def test_a_persistent_stage_keeps_its_state_and_later_passes_read_this_frame(make, make_features):
    r, faults = make(COUNTER)
    assert not faults.faults, faults.faults
    assert [s.decl.persist for s in r.source.stages] == [True, False]
    seen = [count(r, make_features) for _ in range(6)]
    assert [round(a, 1) for a, _ in seen] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]  # starts from zero, counts every frame
    assert [round(b, 1) for _, b in seen] == [0.2, 0.4, 0.6, 0.8, 1.0, 1.2]  # the next stage sees this frame's count


def test_the_state_survives_a_size_change_and_nothing_is_made_per_frame(make, make_features):
    from vjhost.render.chain import _Target

    r, _ = make(COUNTER, size=(64, 36))
    for _ in range(3):
        count(r, make_features)
    made = _Target.made
    for _ in range(3):
        count(r, make_features)
    assert _Target.made == made  # the two targets swap; none is made per frame
    r.set_scale(0.5)
    assert round(count(r, make_features)[0], 1) == pytest.approx(0.7)  # a fixed-size stage keeps its state
    half = STATE_AT_SCALE
    r2, _ = make(half, size=(64, 36))
    for _ in range(3):
        count(r2, make_features)
    made = _Target.made
    r2.set_scale(0.5)  # its size follows the render size: made anew, the state carried over
    assert round(count(r2, make_features)[0], 1) == pytest.approx(0.4)
    assert [(s.target.w, s.target.h) for s in r2.source.stages][0] == (8, 4)  # a quarter of 32x18 (rounded)
    assert round(count(r2, make_features)[0], 1) == pytest.approx(0.5)
    assert _Target.made > made


STATE_AT_SCALE = COUNTER.replace("stage acc 4x4 float persist", "stage acc 0.25 float persist")


def test_persist_is_parsed_and_a_bad_word_names_the_line(make):
    from vjhost.render.shaders import Source, parse_stages

    decls = parse_stages(Source("#pragma vjhost stage a 0.5 persist\n#pragma vjhost stage b 2x2 float persist // ok\n"
                                "#pragma vjhost stage c 0.5 float\n"))
    assert [(d.name, d.float_, d.persist) for d in decls] == [("a", False, True), ("b", True, True), ("c", True, False)]
    r, faults = make("#pragma vjhost stage a 0.5 forever\nvoid main() { o_color = vec4(1.0); }\n")
    assert r.source.broken
    message = faults.faults["shader source"].message
    assert "src.glsl:1" in message and "[persist]" in message
