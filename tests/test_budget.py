"""The frame-budget check of `vjhost pack validate`: measured as a ratio to a bare frame on the same GL, so it
holds on a busy machine; a heavy chain, too many full-size passes or a target made per frame fail it, named."""

from __future__ import annotations

import numpy as np
import pytest

from vjhost.faults import FaultLog

HEAVY = """
void main() {   // 48 texture reads per pixel: far over any budget
    vec3 s = vec3(0.0);
    for (int i = 0; i < 48; i++) s += texture(u_image, v_uv + 0.001 * float(i)).rgb;
    o_color = vec4(s / 48.0, 1.0);
}
"""


@pytest.fixture
def budget_show(gl, host):
    from vjhost.engine import Show
    from vjhost.render.budget import BUDGET_SIZE

    shows = []

    def make(pack: str = "ikeda"):
        show = Show(host, pack, BUDGET_SIZE, faults=FaultLog(stream=None))
        shows.append(show)
        return show

    yield make
    for s in shows:
        s.renderer.close()


def image(show) -> np.ndarray:
    return show.decoder.decode(np.zeros((1, show.decoder.latent_dim), np.float32))[0]


def test_a_shipped_chain_fits_and_says_what_it_costs(budget_show):
    from vjhost.render.budget import BUDGET_X, measure

    show = budget_show("teamlab")
    b = measure(show, image(show), seconds=1.0)
    assert b.ok, b.detail()
    assert 0 < b.x_bare <= BUDGET_X and b.made_per_frame == 0
    # half-size passes count a quarter
    assert b.passes == ["source at 0.5", "teamlab_bloom at 0.5"] and b.full_passes < 1
    assert "x a bare frame" in b.detail() and "nothing made per frame" in b.detail()


def test_a_heavy_source_pass_is_over_budget(budget_show, tmp_path):
    from vjhost.render.budget import BUDGET_X, measure

    (tmp_path / "heavy.glsl").write_text(HEAVY)
    show = budget_show()
    show.renderer.finder.add(tmp_path, first=True)
    show.renderer.set_source("heavy.glsl")
    b = measure(show, image(show), seconds=0.2, min_frames=4)
    assert not b.ok and b.x_bare > BUDGET_X, b.detail()
    assert f"budget {BUDGET_X:g}x" in b.detail()


def test_too_many_full_size_passes_and_per_frame_targets_fail(budget_show, monkeypatch):
    from vjhost.render import budget
    from vjhost.render.chain import _Target

    show = budget_show()
    params = {f"fx.{n}.amount": 1.0 for n in ("feedback", "blur", "hue", "ikeda_flicker")}
    for k, v in params.items():
        show.state.set(k, v)
    full, names = budget.pixel_passes(show.renderer, show.state.snapshot())
    assert names == ["source", "feedback", "blur at 0.5", "hue", "ikeda_flicker"]
    assert full == pytest.approx(4.5)  # the half-size blur and its half-size stage count a quarter each
    b = budget.measure(show, image(show), seconds=0.1, min_frames=3)
    assert not b.ok and "at most 4" in b.detail()
    for k in params:
        show.state.set(k, 0.0)
    # a chain that makes a GL target every frame (a leak, and a stall on every frame)
    real = show.render
    leaked = []

    def leaky(*a, **kw):
        leaked.append(_Target(8, 8))
        return real(*a, **kw)

    monkeypatch.setattr(show, "render", leaky)
    b = budget.measure(show, image(show), seconds=0.1, min_frames=3)
    assert not b.ok and b.made_per_frame == 1.0 and "1.00 GL targets made per frame" in b.detail()
    for t in leaked:
        t.release(show.renderer.GL)
