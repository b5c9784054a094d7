"""The ikeda pack's training data (recipe v4): black-and-white data art a 64-d decoder can hold sharply.

Every family follows from a few discrete choices and a few continuous numbers (counted by
``vjhost.train.motifs.budget``) -- no random number per bar, bit or point -- each continuous number moves
the picture a little, and every shape is rasterised by exact area in frame units, so the 256² picture's
2x2 means are the 128² picture.  Bars, modules and glyph strokes are at least 2 px at 128², gratings at
most 24 cycles per frame, hairlines 1/256 of the frame.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from vjhost.packtest import families, family_budget_tests

NAMES = ("stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines")
PACK = "vjhost_ikeda"
SEEDS = range(12)


def draw(name: str, seed: int, size: int = 128) -> np.ndarray:
    return np.asarray(families(PACK)[name](np.random.default_rng(seed), size), np.float64)


def runs(profile: np.ndarray) -> tuple[list[float], list[float]]:
    """Exact widths (px) of the bars (ink) and gaps along a 1-D coverage profile, leaving out those cut by the
    frame's edges: a bar is a run of pixels with any ink, bounded by fully empty pixels, its width the ink it holds."""
    def widths(p):
        lab, n = ndimage.label(p > 1e-4)
        out = []
        for i in range(1, n + 1):
            idx = np.flatnonzero(lab == i)
            if idx[0] > 0 and idx[-1] < len(p) - 1:
                out.append(float(p[idx].sum()))
        return out

    return widths(profile), widths(1.0 - profile)


def still(m: np.ndarray) -> np.ndarray:
    """Where the picture does not change from one row to the next (off any edge that runs along the rows)."""
    d = np.abs(np.diff(m, axis=0)) < 0.02
    out = np.ones_like(m, bool)
    out[:-1] &= d
    out[1:] &= d
    return out


def along(img: np.ndarray) -> np.ndarray:
    """The picture turned so that its pattern varies along the rows."""
    return img if np.abs(np.diff(img, axis=1)).sum() >= np.abs(np.diff(img, axis=0)).sum() else img.T


def test_dataset_is_deterministic_balanced_and_black_and_white():
    from vjhost_ikeda.dataset import MOTIFS, RECIPE, generate

    a, la = generate(32, seed=3)
    b, lb = generate(32, seed=3)
    c, _ = generate(32, seed=4)
    assert a.shape == (32, 1, 128, 128) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(la, lb) and not np.array_equal(a, c)
    assert MOTIFS == NAMES and RECIPE["motifs"] == list(MOTIFS) and RECIPE["version"] == 4
    assert np.bincount(la, minlength=8).tolist() == [4] * 8
    big, lbig = generate(16, size=256, seed=5)
    assert big.shape == (16, 1, 256, 256)
    # pure black and white: apart from anti-aliased edges and hairlines, every pixel is 0 or 255
    for img, label in zip(big[:, 0], lbig):
        if MOTIFS[label] != "hairlines":
            assert ((img == 0) | (img == 255)).mean() > 0.7, MOTIFS[label]
    # about a quarter inverted (black on white), the flash never (it is black or white anyway)
    many, labels = generate(160, size=32, seed=1)
    light = many.reshape(160, -1).mean(1) > 127
    assert 0.1 < light[labels != MOTIFS.index("flash")].mean() < 0.5


# At most 6 discrete choices and 1..16 continuous numbers per picture, whatever the seed: no random number per
# bar, bit or data point (v3 drew up to 88 per barcode and 36 per bit grid).  Every continuous number moved by
# 0.1 % of its range moves the picture, by less than 6 levels (a plain flash has nothing to move: 2 seeds of 8 may not).
(test_every_family_follows_from_a_few_numbers,
 test_small_parameter_steps_move_the_picture_a_little) = family_budget_tests(
    PACK, discrete=6, continuous=16, least=1, seeds=range(32), nudge_below=6.0, nudge_seeds=range(8),
    unmoved={"flash": 2})


@pytest.mark.parametrize("name", NAMES)
def test_the_same_picture_at_128_and_256(name):
    """Exact-area rasterising in frame units: the 2x2 means of the 256² picture are the 128² picture."""
    for seed in range(6):
        small, big = draw(name, seed, 128), draw(name, seed, 256)
        shrunk = big.reshape(128, 2, 128, 2).mean((1, 3))
        assert np.abs(shrunk - small).max() < 1e-3, (name, seed)


@pytest.mark.parametrize("name", ("stripes", "scanlines", "barcode", "testpattern", "flash", "datamatrix"))
def test_edges_are_one_pixel_and_nothing_is_thinner_than_two_pixels_at_128(name):
    """Bars, gaps, modules and glyph strokes are at least 2 px wide at 128² (exact widths: the ink a bar holds),
    and an edge is one anti-aliased pixel: never two grey pixels side by side along the pattern."""
    for seed in SEEDS:
        for size in (128, 256):
            img = draw(name, seed, size)
            # the axis the pattern varies along (scanlines, turned test charts and flashes vary down the frame)
            for m in ([img, img.T] if name == "datamatrix" else [along(img)]):
                calm = still(m)  # off the edges that run along the rows (a band's top, a glyph's foot)
                grey = (m > 0.02) & (m < 0.98) & calm
                assert not (grey[:, 1:] & grey[:, :-1]).any(), (name, seed, size)
                if size == 128:
                    for row in m[calm.all(1)][::3]:
                        bars, gaps = runs(row)
                        thinnest = min(bars + gaps, default=2.0)
                        assert thinnest >= 2.0 - 1e-3, (name, seed, thinnest)


@pytest.mark.parametrize("name", ("stripes", "scanlines", "testpattern"))
def test_gratings_are_coarse_enough_for_128(name):
    """At most 24 cycles per frame: a bar and the gap after it span at least 5.3 px at 128² (v3 went to 64)."""
    for seed in range(24):
        m = along(draw(name, seed))
        for row in m[still(m).all(1)][::3]:
            bars, gaps = runs(row)
            if len(bars) >= 2:
                pairs = np.array(bars[: len(gaps)]) + np.array(gaps[: len(bars)])
                assert pairs.min() >= 128 / 24 - 1e-2, (name, seed, pairs.min())


def test_stripes_and_scanlines_are_one_profile_across_the_frame():
    for seed in range(6):
        st, sc = draw("stripes", seed), draw("scanlines", seed)
        assert np.abs(st - st[:1]).max() == 0 and np.abs(sc - sc[:, :1]).max() == 0
        assert len(runs(st[0])[0]) >= 2 and len(runs(sc[:, 0])[0]) >= 2


def test_barcodes_are_whole_modules_with_guard_bars():
    """Every bar and gap is a whole number of equal modules (the thinnest, the guard bar at each end, is one);
    codes hold many bars, and the guards reach further down than the data bars."""
    for seed in SEEDS:
        img = draw("barcode", seed, 256)
        col = img.sum(1)
        rows = np.flatnonzero(col > 0.1 * col.max())
        bars, gaps = runs(img[rows[len(rows) // 3]])
        module = min(bars + gaps)
        assert module >= 4.0 - 1e-3  # >= 2 px at 128²
        units = np.array(bars + gaps) / module
        assert np.abs(units - units.round()).max() < 0.02 and units.max() <= 12, (seed, units)
        assert len(bars) >= 12, seed
        # the guard bars reach further down than the data bars: the code's last row of ink shows only the
        # guards, two bars at each end and two in the middle
        bottom = img[rows[-1] - 1] if img[rows[-1]].max() < 0.98 else img[rows[-1]]
        assert len(runs(bottom)[0]) == 6, seed


def test_bit_grids_are_bits_on_a_grid():
    """A bit grid is cells of a grid of at most 16 x 16: after thresholding, few distinct rows and columns (a cell's,
    a gap's, or where a pixel straddles two cells: at most 2 x 16 + 1)."""
    for seed in SEEDS:
        img = draw("bitgrid", seed, 256) > 0.5
        assert 0.05 < img.mean() < 0.95, seed
        assert np.unique(img, axis=0).shape[0] <= 33 and np.unique(img, axis=1).shape[1] <= 33, seed


def test_the_data_matrix_is_rows_of_zero_and_one_glyphs():
    """Every glyph is a 0 (a ring: one hole) or a 1 (solid), 3 units wide and 5 high."""
    for seed in SEEDS:
        img = draw("datamatrix", seed, 256) > 0.5
        lab, n = ndimage.label(img)
        kinds = set()
        for i, sl in enumerate(ndimage.find_objects(lab)):
            if sl[0].start == 0 or sl[1].start == 0 or sl[0].stop == 256 or sl[1].stop == 256:
                continue  # cut by the frame
            h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
            assert abs(h / w - 5 / 3) < 0.2, (seed, h, w)
            glyph = lab[sl] == i + 1
            holes = ndimage.label(ndimage.binary_fill_holes(glyph) & ~glyph)[1]
            assert holes in (0, 1), seed
            kinds.add(holes)
        assert n >= 8, seed
    assert kinds == {0, 1}


def test_flashes_are_one_field_cut_by_a_few_even_bars():
    for seed in SEEDS:
        img = draw("flash", seed)
        assert img.mean() > 0.7 or img.mean() < 0.3, seed
        m = along(img)
        profile = m[0] if img.mean() < 0.5 else 1 - m[0]
        bars, _ = runs(profile)
        assert len(bars) <= 3 and all(b >= 2.0 - 1e-3 for b in bars), seed


def test_hairlines_are_a_256th_of_the_frame_with_data_points_on_the_lines():
    """A hairline holds 1 px of ink per row at 256² and half a pixel at 128² (the same line, anti-aliased); data
    points are squares of 2-4 px at 128², centred on a vertical line."""
    for seed in SEEDS:
        img = {s: draw("hairlines", seed, s) for s in (128, 256)}
        for s, ink in ((128, 0.5), (256, 1.0)):
            row = img[s][img[s].sum(1).argmin()]  # a row off the horizontal lines and the points
            lab, n = ndimage.label(row > 1e-4)
            per_line = ndimage.sum(row, lab, range(1, n + 1))
            width = ndimage.sum(np.ones_like(row), lab, range(1, n + 1))
            assert 6 <= n <= 16 and np.allclose(per_line, ink, atol=1e-3) and width.max() <= 2, (seed, s, per_line)
        lines = np.array(ndimage.center_of_mass(row, lab, range(1, n + 1)))[:, 0]  # at 256²
        # data points: squares well beyond a line's width (opening wipes out the 1-px lines), on the vertical lines
        pts = ndimage.binary_opening(img[256] > 0.5, np.ones((3, 3)))
        lab, n = ndimage.label(pts)
        assert n >= 1, seed
        for i, sl in enumerate(ndimage.find_objects(lab)):
            if min(sl[0].start, sl[1].start) == 0 or max(sl[0].stop, sl[1].stop) == 256:
                continue  # cut by the frame
            assert 9 <= (lab == i + 1).sum() <= 81, seed
            cx = (sl[1].start + sl[1].stop - 1) / 2
            assert np.abs(lines - cx).min() <= 1.0, (seed, cx)
