"""The mikami pack's own tests: what a player sees, headless on Mesa.

The delay grid shows the picture in windows each some frames behind, from the chain's ring of past
frames, reassigned on the beat and never stale when switched on; the picture stays on the blue ramp,
pulses lub-dub on the kick and shakes in blocks on footsteps; scanlines and grain; the dataset draws
its eight families in the ramp from a few parameters.  Once the pack is installed, vjhost's shared
suite (tests/test_every_pack.py) tests it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from vjhost.packtest import check_dataset, manifest, scene_row

PKG = Path(__file__).resolve().parents[1] / "vjhost_mikami"
sys.path.insert(0, str(PKG.parent))

PALETTE = ("#02060f", "#0b2a4a", "#2f6fb0", "#7fc4ff", "#e8f6ff")
NAVY = np.array([2, 6, 15])


@pytest.fixture
def chain(pack_chain):
    return lambda *effects, size=(320, 180), image=None: pack_chain(PKG, *effects, size=size,
                                                                      image=flat(0.5) if image is None else image)


def flat(level: float, size: int = 128) -> np.ndarray:
    """A decoded-looking frame of one grey level on the blue ramp."""
    from vjhost.train.motifs.palettes import ramp

    rgb = ramp(np.full((size, size), level, np.float32), PALETTE)
    return (np.moveaxis(rgb, 0, -1) * 255).round().astype(np.uint8)


def on_ramp(px: np.ndarray) -> np.ndarray:
    from vjhost.train.motifs.palettes import palette_distance

    return palette_distance(np.moveaxis(px.astype(np.uint8), -1, 0), PALETTE)


def window_means(px: np.ndarray, n: int) -> np.ndarray:
    """Mean brightness of each window's middle, (n, n), top row first."""
    h, w = px.shape[:2]
    out = np.zeros((n, n))
    for r in range(n):
        for c in range(n):
            y0, y1, x0, x1 = r * h // n, (r + 1) * h // n, c * w // n, (c + 1) * w // n
            out[r, c] = px[y0 + (y1 - y0) // 4:y1 - (y1 - y0) // 4, x0 + (x1 - x0) // 4:x1 - (x1 - x0) // 4].mean()
    return out


# --------------------------------------------------------------------------- the delay grid


def delay_params(**kw) -> dict[str, float]:
    p = {"fx.mikami_delay.amount": 1.0, "fx.mikami_delay.windows": 2.0, "fx.mikami_delay.zoom": 0.0,
         "fx.mikami_scan.amount": 0.0}
    p.update({f"fx.mikami_delay.{k}": v for k, v in kw.items()})
    return p


def levels(frames: int) -> list[float]:
    """A different grey level every frame (a ramp that wraps, so neighbours differ clearly)."""
    return [0.1 + 0.8 * ((k * 0.37) % 1.0) for k in range(frames)]


def test_windows_show_the_picture_a_different_number_of_frames_ago(chain):
    ref, grid = chain(), chain("mikami_delay")
    assert grid.renderer.effects[0].history is not None  # the chain keeps a ring of past frames for it
    seen_ref, seen = [], []
    for lv in levels(60):
        for c in (ref, grid):
            c.show(flat(lv))
        seen_ref.append(window_means(ref.frame(), 2))  # zoom 0: each window shows its own part of the frame
        seen.append(window_means(grid.frame(delay_params()), 2))
    # 2 x 2 windows at amount 1: the delays are 0, 16, 31 and 47 frames; window k (row-major from the
    # bottom) takes the (7 k mod 4)-th step: bottom-left 0, bottom-right 3, top-left 2, top-right 1
    want = {(1, 0): 0, (1, 1): 47, (0, 0): 31, (0, 1): 16}
    last = len(seen) - 1
    for (r, col), delay in want.items():
        assert seen[last][r, col] == pytest.approx(seen_ref[last - delay][r, col], abs=3), (r, col, delay)
    # all four differ (the levels do), and the present is the freshest frame exactly
    assert len({round(v) for v in seen[last].ravel()}) == 4
    # before the ring held 47 frames, the far windows showed the oldest frame there was
    early = seen[10]
    assert early[1, 1] == pytest.approx(seen_ref[0][1, 1], abs=3)
    assert early[1, 0] == pytest.approx(seen_ref[10][1, 0], abs=3)


def test_the_beat_reassigns_the_windows_and_amount_sets_the_reach(chain):
    ref, grid = chain(), chain("mikami_delay")
    out = {}
    for k, lv in enumerate(levels(60)):
        for c in (ref, grid):
            c.show(flat(lv))
        out["ref", k] = window_means(ref.frame(), 2)
        beat = 1.0 if k == 59 else 0.0
        out["grid", k] = window_means(grid.frame(delay_params(), beat_count=beat), 2)
    # beat 1: the order turns by 5 steps: bottom-left now shows step 1 (16 frames), bottom-right step 0
    assert out["grid", 59][1, 0] == pytest.approx(out["ref", 59 - 16][1, 0], abs=3)
    assert out["grid", 59][1, 1] == pytest.approx(out["ref", 59][1, 1], abs=3)
    # half the amount: the windows reach half as far back (0, 8, 16, 24 frames)
    ref2, half = chain(), chain("mikami_delay")
    for k, lv in enumerate(levels(40)):
        for c in (ref2, half):
            c.show(flat(lv))
        out["ref2", k] = window_means(ref2.frame(), 2)
        g = window_means(half.frame(delay_params(amount=0.5)), 2)
    assert g[1, 1] == pytest.approx(out["ref2", 39 - 24][1, 1], abs=3)
    assert not half.active("mikami_delay", delay_params(amount=0.0))  # 0: no pass, no ring copy


def test_switching_the_grid_on_never_shows_stale_frames(chain):
    grid = chain("mikami_delay")
    for lv in levels(30):
        grid.show(flat(lv))
        grid.frame(delay_params())
    grid.show(flat(0.2))
    grid.frame(delay_params(amount=0.0))  # off for a frame
    grid.show(flat(0.85))
    back = window_means(grid.frame(delay_params()), 2)
    assert back.max() - back.min() < 2  # every window shows the present, none the old frames


def test_zoom_turns_the_windows_into_a_wall_of_whole_frames_with_bezels(chain):
    img = flat(0.1)
    img[:, :64] = flat(0.9)[:, :64]  # the decode's left half bright
    c = chain("mikami_delay", size=(640, 360), image=img)
    p0, p1 = c.frame(delay_params(windows=4.0, zoom=0.0)), c.frame(delay_params(windows=4.0, zoom=1.0))
    lum0, lum1 = p0.mean(-1), p1.mean(-1)
    # zoom 0: the picture stays whole (the decode sits square in the middle: its bright half left of centre)
    assert lum0[:, 200:300].mean() > 2 * lum0[:, 340:440].mean()
    # zoom 1: every window holds the whole frame, so each window's own middle-left is brighter than its
    # middle-right, in all sixteen
    for r in range(4):
        for col in range(4):
            y, x = r * 90 + 45, col * 160
            window, bezel = lum1[y - 10:y + 10, x + 55:x + 75], lum1[y - 10:y + 10, x + 85:x + 105]
            assert window.mean() > 1.5 * bezel.mean(), (r, col)
    # bezels: dark frames between the windows, wider with the zoom
    col_edge = lambda lum: (lum[:, 157:163].mean(0) < 0.5 * lum.mean()).sum()  # noqa: E731
    assert col_edge(lum1) > col_edge(lum0) >= 1


# --------------------------------------------------------------------------- the source pass and scan


def test_the_picture_stays_on_the_blue_ramp_and_pulses_lub_dub_with_the_kick(chain):
    from vjhost.train.motifs.palettes import ramp

    g = np.linspace(0, 1, 128, dtype=np.float32)[None, :].repeat(128, 0)
    img = (np.moveaxis(ramp(g, PALETTE), 0, -1) * 255).round().astype(np.uint8)
    odd = img.copy()
    odd[..., 0] = np.clip(odd[..., 0].astype(int) + 60, 0, 255)  # a decode drifting toward purple
    c = chain(image=odd)
    px = c.frame()
    assert (on_ramp(px) < 0.08).mean() > 0.98  # pulled back onto the blue ramp
    light = {k: c.frame(kick_env=k).mean() for k in (0.0, 0.3, 0.45, 0.6, 1.0)}
    assert light[1.0] > light[0.0] + 15  # lub: the hit
    assert light[0.45] > light[0.6] > light[0.3]  # dub: a second pulse as the envelope passes half-way
    assert np.array_equal(c.frame(), c.frame())  # silence: still


def test_footsteps_shake_the_picture_in_blocks(chain):
    img = flat(0.1)
    img[:, ::16] = flat(0.9)[:, ::16]  # thin bright columns: a sideways push shows
    c = chain(size=(320, 180), image=img)
    calm = c.frame(beat_count=3.0)
    step = c.frame(beat_count=3.0, snare_env=1.0)
    moved = np.abs(step - calm).max(-1) > 30
    assert moved.mean() > 0.05
    # in blocks: the 8 x 6 grid of blocks, each moved as a whole or not at all
    blocks = moved.reshape(6, 30, 8, 40).any((1, 3))
    assert 4 < blocks.sum() <= 48
    later = c.frame(beat_count=3.5, snare_env=1.0)  # the next eighth note pushes another way
    assert not np.array_equal(later, step)
    assert np.array_equal(c.frame(beat_count=3.0, snare_env=1.0), step)


def test_scanlines_roll_and_grain_grows_with_the_hats(chain):
    c = chain("mikami_scan", size=(640, 480), image=flat(0.6))
    params = {"fx.mikami_scan.amount": 1.0}
    assert not c.active("mikami_scan", {"fx.mikami_scan.amount": 0.0})
    bare = c.frame({"fx.mikami_scan.amount": 0.0}, t=1.0).mean(-1)
    lines = c.frame(params, t=1.0, bar_phase=0.5).mean(-1)
    rows = lines[:, 100:540].mean(1)
    spectrum = np.abs(np.fft.rfft(rows - rows.mean()))
    assert np.argmax(spectrum[40:]) + 40 == 160  # a scanline every three pixels: 160 over 480 rows
    assert rows.min() < 0.7 * bare.mean()
    # the bright bar rolls with the bar phase
    a = c.frame(params, t=1.0, bar_phase=0.2).mean(-1).mean(1)
    b = c.frame(params, t=1.0, bar_phase=0.6).mean(-1).mean(1)
    assert abs(int(np.argmax(a)) - int(np.argmax(b))) > 100
    # grain: faint in silence (under 8 levels), stronger with the hats, re-drawn over time
    quiet = c.frame(params, t=1.0, bar_phase=0.5) - c.frame(params, t=1.1, bar_phase=0.5)
    loud = c.frame(params, t=1.0, bar_phase=0.5, hat_env=1.0, high=1.0) - c.frame(params, t=1.1, bar_phase=0.5,
                                                                                  hat_env=1.0, high=1.0)
    assert 0 < np.abs(quiet).mean() and np.abs(quiet).max() <= 12
    assert np.abs(loud).mean() > 3 * np.abs(quiet).mean()


def test_the_motif_readouts_follow_the_bands(chain):
    c = chain("motif", size=(640, 360), image=flat(0.0))
    assert not c.active("motif", {"fx.motif.amount": 0.0})
    low = c.frame({"fx.motif.amount": 1.0}, bands=[0.1] * 8)
    high = c.frame({"fx.motif.amount": 1.0}, bands=[0.9] * 8)
    corner = lambda px: (px[200:, :250].max(-1) > 150).sum()  # noqa: E731  (lit meter segments)
    assert corner(high) > 3 * corner(low) > 0


# --------------------------------------------------------------------------- manifest, layout, dataset


def test_manifest_chain_defaults_and_layout():
    from vjhost_mikami.dataset import MOTIFS

    m = manifest(PKG)
    assert tuple(m["scenes"]) == MOTIFS and tuple(m["palette"]) == PALETTE
    assert m["chain"][:3] == ["motif", "mikami_delay", "mikami_scan"]
    d = m["defaults"]
    assert d["fx.motif.amount"] == 0.0 and d["fx.mikami_delay.amount"] > 0 and d["fx.mikami_scan.amount"] > 0
    assert len([n for n in m["chain"] if d.get(f"fx.{n}.amount", 0.0) > 0]) + 1 <= 4
    assert "#pragma vjhost history 48" in (PKG / "shaders" / "mikami_delay.glsl").read_text()
    layout, by_note = scene_row(PKG)
    assert [by_note[24 + i].binding.amount for i in range(5)] == pytest.approx([0, 1 / 6, 1 / 3, 2 / 3, 1], abs=1e-3)
    assert {by_note[56 + i].look.color.text for i in range(8)} <= {"blue", "cyan", "white"}
    assert {f.param for f in layout.faders} >= {"fx.mikami_delay.amount", "fx.mikami_delay.windows",
                                                "fx.mikami_delay.zoom"}


def test_dataset_is_deterministic_balanced_and_on_the_ramp():
    check_dataset(PKG, tolerance=0.05, share=0.99)  # grey levels through the ramp: on it, not merely near


@pytest.fixture(scope="module")
def families():
    from vjhost_mikami import dataset

    return {name: [(dataset._DRAW[k](np.random.default_rng(s), 128)[0],
                    dataset._DRAW[k](np.random.default_rng(s), 256)[0])
                   for s in range(4)] for k, name in enumerate(dataset.MOTIFS)}


def test_families_are_crisp_and_the_same_at_both_sizes(families):
    from scipy import ndimage

    for name, pairs in families.items():
        for small, big in pairs:
            g = np.hypot(*np.gradient(small))
            soft = np.hypot(*np.gradient(ndimage.gaussian_filter(small, 1.0)))
            assert np.percentile(g, 99) > 1.25 * np.percentile(soft, 99), name  # edges over about a pixel
            down = big.reshape(128, 2, 128, 2).mean((1, 3))
            assert np.abs(down - small).mean() < 0.03, name


def test_monitor_walls_are_grids_of_windows_each_with_a_figure(families):
    for seed, (_, big) in enumerate(families["monitors"]):
        cols, rows = [(2, 2), (3, 2), (3, 3), (4, 3), (4, 4)][int(np.random.default_rng(seed).integers(5))]
        # dark gaps run right across the wall between the windows (and the margins around it)
        for dark, n in ((big.max(0) < 0.08, cols), (big.max(1) < 0.08, rows)):
            runs = np.diff(np.concatenate([[0], dark.astype(int), [0]]))
            assert (runs == 1).sum() == n + 1, (seed, cols, rows)
        # a figure in every window: the figure's light (or, backlit, its shadow) fills part of each
        spans = []
        for lit in (big.max(0) >= 0.08, big.max(1) >= 0.08):
            edges = np.diff(np.concatenate([[0], lit.astype(int), [0]]))
            spans.append(list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0])))
        assert len(spans[0]) == cols and len(spans[1]) == rows
        for x0, x1 in spans[0]:
            for y0, y1 in spans[1]:
                win = big[y0 + 3:y1 - 3, x0 + 3:x1 - 3]
                figure = (win > 0.85) if np.median(win) < 0.5 else (win < 0.1)
                assert 0.02 < figure.mean() < 0.5, (seed, x0, y0)


def test_delayed_copies_fade_and_facets_repeat_the_figure(families):
    for small, _ in families["delay"]:
        col_peak = small.max(0)  # brightest light in each column: the copies fade behind the leader
        assert col_peak.max() > 0.9 and (col_peak > 0.3).mean() > 0.2
        assert len(np.unique(np.round(small[small > 0.3], 1))) >= 3  # several copies, each its own level
    for small, _ in families["compound"]:
        from scipy import ndimage

        assert ndimage.label(small > 0.35)[1] >= 8  # the figure broken into many facets
