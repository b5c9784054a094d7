"""The decodes of past beats (``#pragma vjhost decodes N``), headless on Mesa: a pass reads the decoded frame
each of the last N beats ended on, newest first, whether the decode arrives between beats (the live show's
worker) or on the beat frame itself (the offline renderer); the ring costs nothing in a chain that does not
ask for it and makes nothing per frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.protocols import Param

SHADERS = Path(__file__).resolve().parents[1] / "shaders"

#: four quadrants: u_decode1 top left, u_decode2 top right, u_decode3 bottom left, u_image bottom right
QUADRANTS = """
#pragma vjhost decodes 3
uniform sampler2D u_decode1, u_decode2, u_decode3;
void main() {
    vec2 c = vec2(0.5);
    vec3 col;
    if (v_uv.y > 0.5) col = v_uv.x < 0.5 ? texture(u_decode1, c).rgb : texture(u_decode2, c).rgb;
    else col = v_uv.x < 0.5 ? texture(u_decode3, c).rgb : texture(u_image, c).rgb;
    o_color = vec4(col, 1.0);
}
"""

#: an effect with a stage before its decode: the stage's sampler and u_decode1 on their own units
STAGED = """
#pragma vjhost stage lo 4x4
#pragma vjhost decodes 1
uniform float u_amount;
uniform sampler2D u_lo, u_decode1;
#if defined(VJ_STAGE_lo)
void main() { o_color = vec4(0.0, 0.5, 0.0, 1.0); }
#else
void main() { o_color = vec4(texture(u_decode1, vec2(0.5)).r, texture(u_lo, vec2(0.5)).g, 0.25, 1.0); }
#endif
"""

PLAIN = "void main() { o_color = vec4(texture(u_image, v_uv).rgb, 1.0); }\n"


def solid(level: int, shape=(8, 8)) -> np.ndarray:
    """A decoded frame named by its red level."""
    img = np.zeros((*shape, 3), np.uint8)
    img[..., 0] = level
    return img


A, B, C, D, E = 40, 80, 120, 160, 200


@pytest.fixture
def make(gl, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    made = []

    def build(source: str, effect: str | None = None):
        (tmp_path / "src.glsl").write_text(source)
        if effect is not None:
            (tmp_path / "fx.glsl").write_text(effect)
        faults = FaultLog(stream=None)
        r = Renderer((32, 18), ShaderFinder([tmp_path, SHADERS]), faults)
        r.set_source("src.glsl")
        if effect is not None:
            r.add_effect("fx", "fx.glsl", (Param("amount", 1.0),))
        made.append(r)
        return r, faults

    yield build
    for r in made:
        r.close()


def quadrants(r, make_features, beat: int) -> tuple[int, int, int, int]:
    """(u_decode1, u_decode2, u_decode3, u_image) red levels after rendering a frame at beat count ``beat``."""
    r.render(make_features(beat_count=beat), {})
    px = r.read_rgba()[::-1, :, 0].astype(int)  # top row first
    h, w = px.shape
    return px[h // 4, w // 4], px[h // 4, 3 * w // 4], px[3 * h // 4, w // 4], px[3 * h // 4, 3 * w // 4]


def near(got, want) -> bool:
    return all(abs(int(g) - w) <= 2 for g, w in zip(got, want))


def test_each_slot_holds_the_picture_a_past_beat_ended_on(make, make_features):
    r, faults = make(QUADRANTS)
    assert not faults.faults, faults.faults
    r.upload_image(solid(A))
    assert near(quadrants(r, make_features, 0), (A, A, A, A))  # before any beat: the first decode everywhere
    r.upload_image(solid(B))  # the live worker: a decode arrives in the middle of beat 0
    assert near(quadrants(r, make_features, 0), (A, A, A, B))  # nothing pushed within a beat
    # beat 1 begins with no new decode yet: beat 0 ended on B
    assert near(quadrants(r, make_features, 1), (B, A, A, B))
    r.upload_image(solid(C))
    assert near(quadrants(r, make_features, 1), (B, A, A, C))
    # the offline renderer decodes the beat frame's latent before drawing it: that decode (D) belongs to
    # beat 2 already -- beat 1 ended on C
    r.upload_image(solid(D))
    assert near(quadrants(r, make_features, 2), (C, B, A, D))
    r.upload_image(solid(E))
    assert near(quadrants(r, make_features, 3), (D, C, B, E))  # the oldest (A) drops out


def test_a_size_change_starts_again_from_the_new_decode(make, make_features):
    r, _ = make(QUADRANTS)
    r.upload_image(solid(A))
    quadrants(r, make_features, 0)
    r.upload_image(solid(B))
    quadrants(r, make_features, 1)
    r.upload_image(solid(C, shape=(16, 16)))  # a pack with a bigger decoder
    assert near(quadrants(r, make_features, 1), (C, C, C, C))
    assert {(t.w, t.h) for t in r.ring.targets} == {(16, 16)}


def test_nothing_is_made_per_frame_and_a_chain_without_the_pragma_keeps_no_ring(make, make_features):
    from vjhost.render.chain import _Target

    r, _ = make(QUADRANTS)
    r.upload_image(solid(A))
    made = _Target.made
    for beat in range(12):
        r.upload_image(solid(A + beat))
        r.render(make_features(beat_count=beat // 2), {})
    assert _Target.made == made and len(r.ring.targets) == 3

    plain, _ = make(PLAIN)
    plain.upload_image(solid(A))
    for beat in range(4):
        plain.render(make_features(beat_count=beat), {})
    assert plain.ring.targets == [] and plain.ring.depth == 0


def test_an_effect_with_stages_reads_its_decodes_on_their_own_units(make, make_features):
    r, faults = make(PLAIN, effect=STAGED)
    assert not faults.faults, faults.faults
    r.upload_image(solid(A))
    r.render(make_features(beat_count=0), {})
    r.upload_image(solid(B))
    r.render(make_features(beat_count=1), {})
    r.render(make_features(beat_count=2), {})  # beat 1 ended on B
    px = r.read_rgba()[9, 16, :3].astype(int)
    assert abs(px[0] - B) <= 2 and abs(px[1] - 128) <= 2 and abs(px[2] - 64) <= 2


@pytest.mark.parametrize("line", ["#pragma vjhost decodes 9", "#pragma vjhost decodes", "#pragma vjhost decodes two"])
def test_a_bad_pragma_is_named_with_its_file_and_line(make, line):
    r, faults = make(f"// a pass\n{line}\n" + PLAIN)
    assert r.source.broken
    text = "\n".join(f.message for f in faults.faults.values())
    assert "src.glsl:2" in text and "1..8" in text
