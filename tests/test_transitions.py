"""Transitions (issue #6): crossfade, cut on the beat, the painterly stroke mask, latent channel painting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.render.transition import Transition, channel_weights, latent_channel_blend

SHADERS = Path(__file__).resolve().parents[1] / "shaders"
BPM = 120.0


def beat_features(make_features, t: float, bpm: float = BPM):
    """What a steady analysis reports at time t: beats at 0, 60/bpm, ...; bars of 4 from t = 0."""
    beats = t * bpm / 60.0
    return make_features(t=t, bpm=bpm, beat_count=int(np.floor(beats + 1e-9)), beat_phase=beats % 1.0,
                         bar_phase=(beats / 4.0) % 1.0, beat=False, downbeat=False)


# --------------------------------------------------------------------------- clock (no GL)


class _NoGL:
    """Just enough of a Renderer for the clock: programs are never built."""

    def _build(self, p):
        p.broken = True
        return p


def clock(kind="crossfade", **kw) -> Transition:
    return Transition(_NoGL(), kind, **kw)


def test_cut_on_beat_switches_exactly_at_the_next_beat(make_features):
    tr = clock("cut", quantize="beat")
    tr.start(beat_features(make_features, 1.3))  # beats at 1.0, 1.5, 2.0 ...
    fps = 240
    seen = []
    for i in range(int(1.3 * fps), int(2.0 * fps)):
        t = i / fps
        seen.append((t, tr.progress(beat_features(make_features, t))))
    before = [t for t, p in seen if p == 0.0]
    after = [t for t, p in seen if p is None]
    assert max(before) < 1.5 <= min(after)
    assert min(after) - 1.5 < 1 / fps + 1e-9  # the first frame at the boundary
    assert [p for _, p in seen] == [0.0] * len(before) + [None] * len(after)  # and it stays switched


def test_cut_on_bar_waits_for_the_downbeat(make_features):
    tr = clock("cut", quantize="bar")
    tr.start(beat_features(make_features, 2.6))  # bars at 0, 2, 4 s
    assert tr.progress(beat_features(make_features, 3.0)) == 0.0  # a beat, not a bar
    assert tr.progress(beat_features(make_features, 3.99)) == 0.0
    assert tr.progress(beat_features(make_features, 4.0)) is None


def test_quantised_start_on_the_beat_itself_is_immediate(make_features):
    tr = clock("cut", quantize="beat")
    tr.start(beat_features(make_features, 1.5))
    assert tr.progress(beat_features(make_features, 1.5)) is None


def test_crossfade_in_beats_follows_the_beat_and_ends(make_features):
    tr = clock("crossfade", duration_beats=2, quantize="beat")
    tr.start(beat_features(make_features, 0.2))  # starts at 0.5 s, lasts until 1.5 s
    assert tr.progress(beat_features(make_features, 0.4)) == 0.0
    assert tr.progress(beat_features(make_features, 0.5)) == pytest.approx(0.0, abs=1e-6)
    assert tr.progress(beat_features(make_features, 1.0)) == pytest.approx(0.5)
    assert tr.progress(beat_features(make_features, 1.25)) == pytest.approx(0.75)
    assert tr.progress(beat_features(make_features, 1.5)) is None
    assert tr.done and tr.progress(beat_features(make_features, 1.6)) is None


def test_duration_in_seconds_and_lost_beat_tracking_still_finish(make_features):
    tr = clock("paint", duration_s=2.0)
    tr.start(make_features(t=10.0))
    assert tr.progress(make_features(t=11.0)) == pytest.approx(0.5)
    assert tr.progress(make_features(t=12.0)) is None
    stuck = clock("crossfade", duration_beats=2, quantize="beat")  # the analysis stops counting beats
    stuck.start(make_features(t=0.2, bpm=120.0, beat_phase=0.4, beat_count=0))
    ps = [stuck.progress(make_features(t=0.2 + i / 60, bpm=120.0, beat_phase=0.4, beat_count=0)) for i in range(300)]
    assert ps[0] == 0.0 and ps[-1] is None


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        clock("wipe")
    with pytest.raises(ValueError):
        clock(quantize="sixteenth")
    with pytest.raises(ValueError):
        clock(duration_beats=2, duration_s=1)


# --------------------------------------------------------------------------- latent channel blend


def test_latent_channel_blend_endpoints_monotone_and_channelwise():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(64).astype(np.float32), rng.standard_normal(64).astype(np.float32)
    assert np.array_equal(latent_channel_blend(a, b, 0.0, order=3), a)
    assert np.array_equal(latent_channel_blend(a, b, 1.0, order=3), b)
    ws = np.stack([channel_weights(64, p, order=3) for p in np.linspace(0, 1, 41)])
    assert (np.diff(ws, axis=0) >= -1e-7).all()  # every channel only moves towards the destination
    mid = ws[20]
    assert (mid > 0.99).sum() > 20 and (mid < 0.01).sum() > 20  # switching, not a global mix
    assert not np.array_equal(channel_weights(64, 0.5, order=3), channel_weights(64, 0.5, order=4))
    assert np.array_equal(channel_weights(64, 0.5, order=3), channel_weights(64, 0.5, order=3))  # seeded
    # smooth within a channel: no channel jumps more than a step's worth between nearby progress values
    fine = np.stack([channel_weights(64, p, order=3) for p in np.linspace(0, 1, 401)])
    assert np.abs(np.diff(fine, axis=0)).max() < 0.05


def test_latent_channel_blend_on_channel_first_latents_and_explicit_order():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((4, 8, 8)), rng.standard_normal((4, 8, 8))
    z = latent_channel_blend(a, b, 0.5, order=[3, 2, 1, 0], axis=0, softness=0.2)
    assert z.dtype == np.float32 and z.shape == (4, 8, 8)
    assert np.allclose(z[3], b[3], atol=1e-6) and np.allclose(z[0], a[0], atol=1e-6)  # channel 3 goes first
    with pytest.raises(ValueError):
        latent_channel_blend(a, b[:2], 0.5)
    with pytest.raises(ValueError):
        latent_channel_blend(a, b, 0.5, order=[0, 0, 1, 2], axis=0)


# --------------------------------------------------------------------------- GL


@pytest.fixture
def rig(gl):
    """(renderer, source texture, destination texture): two flat colours of the renderer's size."""
    from vjhost.render.chain import Renderer, _Target
    from vjhost.render.shaders import ShaderFinder

    made = []

    def make(size=(64, 36), src=(1.0, 0.0, 0.0), dst=(0.0, 0.0, 1.0)):
        faults = FaultLog(stream=None)
        r = Renderer(size, ShaderFinder([SHADERS]), faults)
        texs = []
        for c in (src, dst):
            t = _Target(*size)
            if isinstance(c, np.ndarray):  # (H, W, 3) uint8, bottom row first
                GL = r.GL
                GL.glBindTexture(GL.GL_TEXTURE_2D, t.tex)
                GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
                GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, size[0], size[1], GL.GL_RGB, GL.GL_UNSIGNED_BYTE,
                                   np.ascontiguousarray(c))
            else:
                r.GL.glBindFramebuffer(r.GL.GL_FRAMEBUFFER, t.fbo)
                r.GL.glClearColor(*c, 1.0)
                r.GL.glClear(r.GL.GL_COLOR_BUFFER_BIT)
            texs.append(t)
        made.append((r, texs))
        return r, texs[0].tex, texs[1].tex, faults

    yield make
    for r, texs in made:
        r.GL.glDeleteFramebuffers(len(texs), [t.fbo for t in texs])
        r.GL.glDeleteTextures([t.tex for t in texs])
        r.close()


def test_crossfade_draws_source_half_and_destination(rig):
    r, src, dst, faults = rig()
    tr = Transition(r, "crossfade", duration_beats=4)
    for p, want in ((0.0, (255, 0)), (0.5, (128, 128)), (1.0, (0, 255))):
        tr.draw(src, dst, p)
        px = tr.read_rgba()
        assert abs(int(px[10, 10, 0]) - want[0]) <= 1 and abs(int(px[10, 10, 2]) - want[1]) <= 1
    tr.draw(src, dst, None)  # done: the destination
    assert tuple(tr.read_rgba()[0, 0, :3]) == (0, 0, 255)
    assert not faults.faults
    tr.close()


def test_cut_draws_only_one_picture_at_a_time(rig, make_features):
    r, src, dst, _ = rig()
    tr = Transition(r, "cut", quantize="beat")
    tr.start(beat_features(make_features, 0.2))
    tr.draw(src, dst, tr.progress(beat_features(make_features, 0.4)))
    assert tuple(tr.read_rgba()[0, 0, :3]) == (255, 0, 0)
    tr.draw(src, dst, tr.progress(beat_features(make_features, 0.5)))
    assert tuple(tr.read_rgba()[0, 0, :3]) == (0, 0, 255)
    tr.close()


def ramp(w, h, horizontal=True):
    """A luminance ramp with a few hard steps: its edges run vertically if horizontal."""
    x = np.linspace(0, 1, w)[None, :].repeat(h, 0) if horizontal else np.linspace(0, 1, h)[:, None].repeat(w, 1)
    v = (0.6 * x + 0.4 * (np.floor(x * 5) / 5)) * 255
    return np.repeat(v[..., None], 3, axis=2).astype(np.uint8)


def paint_masks(rig, dst, progresses, size, follow=1.0, seed=0):
    r, src, dtex, faults = rig(size=size, src=(0.0, 0.0, 0.0), dst=dst)
    tr = Transition(r, "paint", duration_beats=8, seed=seed, follow=follow)
    tr.show_mask = True
    out = []
    for p in progresses:
        tr.draw(src, dtex, p)
        out.append(tr.read_rgba()[..., 0].astype(np.float32) / 255.0)
    assert not faults.faults, faults.faults
    tr.close()
    return out


def test_paint_mask_starts_empty_ends_full_and_only_grows(rig):
    ps = list(np.linspace(0.0, 1.0, 11))
    masks = paint_masks(rig, ramp(128, 72), ps, (128, 72))
    cover = [float((m > 0.5).mean()) for m in masks]
    assert masks[0].max() == 0.0 and masks[-1].min() == 1.0
    assert all(b >= a for a, b in zip(cover, cover[1:]))
    for a, b in zip(masks, masks[1:]):
        assert (b >= a - 1.5 / 255).all()  # per pixel, paint is never taken away
    assert 0.05 < cover[3] < 0.8  # strokes arrive over time, not all at once


def test_paint_strokes_are_elongated_along_the_destinations_edges(rig):
    w, h = 160, 160
    (vert,) = paint_masks(rig, ramp(w, h, horizontal=True), [0.3], (w, h))  # edges vertical
    (horz,) = paint_masks(rig, ramp(w, h, horizontal=False), [0.3], (w, h))  # edges horizontal

    def variation(m):  # mean |dm/dx|, mean |dm/dy|
        return np.abs(np.diff(m, axis=1)).mean(), np.abs(np.diff(m, axis=0)).mean()

    vx, vy = variation(vert)
    hx, hy = variation(horz)
    assert vx > 1.8 * vy  # strokes run up and down: the mask changes across them, i.e. along x
    assert hy > 1.8 * hx
    # structure, not noise: a lagged copy along the stroke is much closer than across it
    lag = 6
    along = np.abs(vert[lag:, :] - vert[:-lag, :]).mean()
    across = np.abs(vert[:, lag:] - vert[:, :-lag]).mean()
    assert along < 0.6 * across


def test_paint_over_pictures_and_a_broken_shader_falls_back(rig, tmp_path):
    r, src, dst, faults = rig(src=(1.0, 0.0, 0.0), dst=(0.0, 0.0, 1.0))
    tr = Transition(r, "painterly", duration_beats=4)
    tr.draw(src, dst, 0.5)
    px = tr.read_rgba()[..., :3].astype(int)
    red, blue = (px[..., 0] > 200).mean(), (px[..., 2] > 200).mean()
    assert red > 0.05 and blue > 0.05 and (px[..., 1] < 5).all()
    tr.close()
    (tmp_path / "transition_paint.glsl").write_text("void main() { o_color = nope; }\n")
    r.finder.add(tmp_path, first=True)
    bad = Transition(r, "paint", duration_beats=4)
    assert "shader transition paint" in faults.faults
    bad.draw(src, dst, 0.5)  # crossfades instead
    px = bad.read_rgba()
    assert abs(int(px[3, 3, 0]) - 128) <= 1 and abs(int(px[3, 3, 2]) - 128) <= 1
    bad.close()


def test_pack_switch_between_two_renderers_and_a_scene_switch_snapshot(gl, tmp_path, make_features):
    """The engine recipe: both shows render every frame, the transition mixes their outputs."""
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "red.glsl").write_text("void main() { o_color = vec4(1.0, 0.0, 0.0, 1.0); }\n")
    (tmp_path / "blue.glsl").write_text("void main() { o_color = vec4(0.0, 0.0, 1.0, 1.0); }\n")
    faults = FaultLog(stream=None)
    old = Renderer((32, 18), ShaderFinder([tmp_path, SHADERS]), faults)
    old.set_source("red.glsl")
    new = Renderer((32, 18), ShaderFinder([tmp_path, SHADERS]), faults)
    new.set_source("blue.glsl")
    tr = Transition(new, "crossfade", duration_beats=2, quantize="beat")
    tr.start(beat_features(make_features, 0.3))
    shown = []
    for i in range(18, 120, 6):  # 60 fps frames from t = 0.3 s
        f = beat_features(make_features, i / 60)
        tex = tr.frame(f, old.render(f, {}), new.render(f, {}))
        shown.append(None if tex is None else tuple(int(v) for v in tr.read_rgba()[0, 0, :3]))
    assert shown[0] == (255, 0, 0)  # waiting for the beat at 0.5 s
    mids = [c for c in shown if c is not None and 40 < c[0] < 215]
    assert mids and all(abs(c[0] + c[2] - 255) <= 2 for c in mids)
    assert shown[-1] is None and tr.done  # 1.5 s: the new show alone
    # scene switch inside one renderer: hold the old picture, keep rendering the new one
    held = Transition(new, "paint", duration_beats=4)
    still = held.snapshot(old)
    (tmp_path / "red.glsl").write_text("void main() { o_color = vec4(0.0, 1.0, 0.0, 1.0); }\n")
    old.set_source("red.glsl")
    old.render(make_features(), {})
    held.draw(still, old.output, 0.0)
    assert tuple(held.read_rgba()[0, 0, :3]) == (255, 0, 0)
    assert not faults.faults
    for x in (tr, held, old, new):
        x.close()


def test_an_isf_transition_is_a_transition_kind_and_a_filter_is_refused(rig, monkeypatch):
    isf = Path(__file__).resolve().parent / "isf"
    r, src, dst, faults = rig()
    tr = Transition(r, str(isf / "crossfade_transition.fs"), duration_beats=2)
    for p, want in ((0.0, (255, 0)), (0.5, (128, 128)), (1.0, (0, 255))):
        tr.draw(src, dst, p)
        px = tr.read_rgba()
        assert abs(int(px[10, 10, 0]) - want[0]) <= 1 and abs(int(px[10, 10, 2]) - want[1]) <= 1
    assert not faults.faults
    from OpenGL import GL

    prog = tr._isf.program
    assert GL.glIsProgram(prog)
    tr.close()
    assert not GL.glIsProgram(prog)  # closed with the transition (a pack switch closes one every time)
    from vjhost.render.isf import MultipassEffect

    built = []
    real_build = MultipassEffect.build

    def spy(self):
        real_build(self)
        built.append(self.program)

    monkeypatch.setattr(MultipassEffect, "build", spy)
    wrong = Transition(r, str(isf / "invert_filter.fs"))  # a filter: reported, and it crossfades instead
    with pytest.raises(ValueError, match="quantize"):  # bad arguments: refused before anything is built
        Transition(r, str(isf / "crossfade_transition.fs"), quantize="sometimes")
    assert "not a transition" in faults.faults[f"transition {isf / 'invert_filter.fs'}"].message
    assert len(built) == 1 and built[0] and not GL.glIsProgram(built[0])  # the filter's program is not left behind
    wrong.draw(src, dst, 0.5)
    assert abs(int(wrong.read_rgba()[10, 10, 0]) - 128) <= 1
    wrong.close()
