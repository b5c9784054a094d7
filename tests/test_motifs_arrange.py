"""The drawing kit's rule-based arrangements, palette-safe light and draw budget (vjhost.train.motifs.arrange,
.light, .budget): many elements from a few numbers, glowing light that stays on the palette, and a count of
the random numbers a picture takes."""

from __future__ import annotations

import numpy as np
import pytest

from vjhost.train.motifs import arrange, grid, shapes, tiling
from vjhost.train.motifs.budget import CountingRng, draw_budget
from vjhost.train.motifs.light import Lights, composite
from vjhost.train.motifs.palettes import palette_distance


def nearest_gaps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each point's distance to its nearest neighbour."""
    d = np.hypot(x[:, None] - x[None], y[:, None] - y[None])
    np.fill_diagonal(d, np.inf)
    return d.min(1)


# --------------------------------------------------------------------------- arrangements


def test_concentric_rings_space_their_elements_evenly():
    p = arrange.concentric(0.5, 0.5, 0.1, 0.05, reach=0.4, twist=0.3)
    assert sorted(set(p.index.tolist())) == [0, 1, 2, 3]
    for k in range(4):
        ring = p.take(p.index == k)
        r = 0.1 * (k + 1)
        assert np.allclose(np.hypot(ring.x - 0.5, ring.y - 0.5), r) and np.allclose(ring.t, r)
        assert ring.n == round(2 * np.pi * r / 0.05)  # as many as fit at the spacing
        assert np.allclose(nearest_gaps(ring.x, ring.y), 2 * r * np.sin(np.pi / ring.n))  # evenly
    # the spacing may grow with the radius; a centre element when the first ring has radius 0
    grow = arrange.concentric(0.5, 0.5, 0.1, lambda r: 0.05 + 0.2 * r, first=0.0, reach=0.3)
    assert grow.take(grow.index == 0).n == 1 and grow.take(grow.index == 3).n == round(2 * np.pi * 0.3 / 0.11)
    # counts fixed by a whole number instead: ring k holds 6 (k + 1), whatever the step -- no jumps as it changes
    for step in (0.05, 0.0501, 0.07):
        fixed = arrange.concentric(0.5, 0.5, step, per_ring=6, reach=0.35)
        assert [fixed.take(fixed.index == k).n for k in range(3)] == [6, 12, 18]
    with pytest.raises(ValueError, match="one of spacing or per_ring"):
        arrange.concentric(0.5, 0.5, 0.1, 0.05, per_ring=6)


def test_a_sunflower_packs_its_seeds_evenly():
    p = arrange.phyllotaxis(0.5, 0.5, 0.02, 400)
    assert p.n == 400 and np.allclose(p.t, 0.02 * np.sqrt(np.arange(400)))
    gaps = nearest_gaps(p.x, p.y)[50:]  # away from the crowded first seeds
    assert 1.6 * 0.02 < gaps.min() and gaps.max() < 1.9 * 0.02 and gaps.std() < 0.05 * gaps.mean()
    arms = arrange.phyllotaxis(0.5, 0.5, 0.02, 400, turn=arrange.GOLDEN_ANGLE + 0.01)
    assert nearest_gaps(arms.x, arms.y)[50:].min() < 0.8 * gaps.min()  # off the golden angle: seeds bunch into arms


def test_beads_along_a_curve_sit_at_equal_arc_lengths():
    p = arrange.curve(lambda t: (0.1 + 0.8 * t, 0.5 + 0.2 * np.sin(2 * np.pi * t)), 0.05, offset=0.02)
    assert np.allclose(np.diff(p.t), 0.05) and p.t[0] == pytest.approx(0.02)
    steps = np.hypot(np.diff(p.x), np.diff(p.y))
    assert np.allclose(steps, 0.05, rtol=0.05)  # chords of a gentle curve: about the arc step
    # the angle is the curve's direction: along +x at the crest of the sine
    crest = np.argmin(np.abs(p.x - 0.3))
    assert abs(np.cos(p.angle[crest])) > 0.95
    s = arrange.spiral(0.5, 0.5, 0.1, 0.03, turns=3, arms=2)
    assert set(s.index.tolist()) == {0, 1} and s.t.max() <= 0.3 + 1e-6


def test_a_lattice_in_perspective_shrinks_toward_the_vanishing_point():
    p, scale, ij = arrange.perspective_lattice(0.5, 0.5, 0.3, 1.0, np.array([1.0, 2.0, 4.0]))
    assert np.allclose(scale, 0.3 / p.t)
    for k, z in enumerate((1.0, 2.0, 4.0)):
        plane = p.take(p.index == k)
        # the plane's points form a square lattice 0.3 / z apart around the vanishing point
        assert np.allclose(np.sort(np.unique(np.round(plane.x, 6)))[:2] @ [-1, 1], 0.3 / z)
        assert ((plane.x > -0.05) & (plane.x < 1.05)).all()
    assert ij.shape == (p.n, 2)
    assert p.take(p.index == 2).n > 4 * p.take(p.index == 0).n  # farther planes: more, smaller steps


def test_rotated_copies_are_symmetric():
    p = arrange.along(np.array([0.5, 0.9]), np.array([0.5, 0.5]), 0.1, offset=0.05)
    six = arrange.rotated_copies(p, 0.5, 0.5, 6, mirror=True)
    assert six.n == 12 * p.n
    r = np.hypot(six.x - 0.5, six.y - 0.5)
    assert np.allclose(np.sort(r)[::12], np.sort(np.hypot(p.x - 0.5, p.y - 0.5)))


def test_lattice_points_turn_and_cells_know_their_centres():
    turned = tiling.lattice_points(0.1, "square", angle=np.pi / 4, margin=0.0)
    assert ((turned[:, 0] > 0) & (turned[:, 0] < 1)).all() and len(turned) > 80
    assert nearest_gaps(turned[:, 0], turned[:, 1]).min() == pytest.approx(0.1)
    u, v = np.meshgrid(np.linspace(0.01, 0.99, 64), np.linspace(0.01, 0.99, 64))
    for cells_fn in (tiling.square_cells, tiling.hex_cells):
        cells = cells_fn(u, v, 0.13, angle=0.4)
        cx, cy = tiling.cell_centres(u, v, cells, 0.4)
        # samples of one cell share one centre, and lie within a pitch of it
        key = cells.ix.astype(np.int64) * 100003 + cells.iy
        for k in np.unique(key)[:20]:
            m = key == k
            assert np.ptp(cx[m]) < 1e-5 and np.ptp(cy[m]) < 1e-5
        assert np.hypot(u - cx, v - cy).max() < 0.13


# --------------------------------------------------------------------------- light


def test_light_stays_on_the_palette_however_it_piles_up():
    pal = ["#ff8cbf", "#59bfff", "#ffbf4c"]
    ground, hot = "#020308", "#ffffff"
    lights = Lights(64, pal, ground, hot=hot)
    lights.points(np.linspace(0.2, 0.8, 9), np.full(9, 0.5), 0.06, np.arange(9) % 3, gain=1.2, glow=2.0)
    lights.add(lambda u, v: np.hypot(u - 0.5, v - 0.5) - 0.2, 1, gain=0.5, glow=0.05)
    img = lights.image()
    assert palette_distance(img, [ground, *pal, hot]).max() < 0.02  # overlaps of hues: still a two-colour mix
    assert img[:, 0, 0] == pytest.approx(np.array([2, 3, 8]) / 255, abs=1e-6)  # the ground where nothing shines
    assert img.min(0).max() == pytest.approx(1.0)  # piled-up light burns to white


def test_composite_ramps_ground_to_colour_to_hot():
    layers = np.array([[[0.0, 0.5, 1.0, 1.5, 2.0]]], np.float32)
    img = composite(layers, [(1.0, 0.0, 0.0)], (0.0, 0.0, 0.0), hot=1.0, knee=1.0)
    assert np.allclose(img[:, 0, :].T, [[0, 0, 0], [0.5, 0, 0], [1, 0, 0], [1, 0.5, 0.5], [1, 1, 1]])


def test_lines_taper_with_a_per_pixel_width():
    lights = Lights(128, ["#ffffff"], "#000000")
    u = np.broadcast_to((np.arange(128) + 0.5) / 128, (128, 128))
    v = u.T
    lights.line(v - 0.5, 0.01 + 0.03 * u, 0)  # a horizontal line widening to the right
    img = lights.image()[0]
    assert img[:, 10].sum() / 128 == pytest.approx(0.01 + 0.03 * u[0, 10], abs=2 / 128)
    assert img[:, 118].sum() / 128 == pytest.approx(0.01 + 0.03 * u[0, 118], abs=2 / 128)


def test_lights_by_domain_repetition_take_per_sample_sizes():
    """A field of blossoms in one pass: a radius (and halo width) per sample, the same as one at a time."""
    u, v = grid(64)
    cells = tiling.square_cells(u, v, 0.25)
    cx, cy = tiling.cell_centres(u, v, cells)
    r = 0.06 + 0.1 * cx  # blossoms grow to the right
    for pointed in (False, True):
        d = shapes.flower(cells.x, cells.y, 0.0, 0.0, r, 5, 0.0, 0.8, pointed)
        one = shapes.flower(u, v, 0.625, 0.375, 0.06 + 0.1 * 0.625, 5, 0.0, 0.8, pointed)
        inside = (np.abs(u - 0.625) < 0.12) & (np.abs(v - 0.375) < 0.12)
        assert np.allclose(d[inside], one[inside], atol=1e-6)
    field = Lights(64, ["#ff0000", "#00ff00"], "#000000")
    field.field(np.ones((8, 8), np.float32), 1, where=(slice(0, 8), slice(8, 16)))  # a window of it
    assert field.layers[1, :8, 8:16].min() == 1.0 and field.layers[1].sum() == 64 and field.layers[0].max() == 0


# --------------------------------------------------------------------------- budget


def test_nudged_draws_move_every_continuous_number_a_little():
    from vjhost.train.motifs.budget import NudgedRng

    a, b = np.random.default_rng(4), NudgedRng(np.random.default_rng(4), 0.01)
    assert b.uniform(2.0, 4.0) == pytest.approx(a.uniform(2.0, 4.0) + 0.02)
    assert b.integers(10) == a.integers(10)  # discrete choices stay
    assert b.random() == pytest.approx(min(a.random() + 0.01, 1.0))
    assert b.continuous == 2 and b.discrete == 1


def test_the_draw_budget_counts_discrete_and_continuous_numbers():
    rng = CountingRng(np.random.default_rng(0))
    rng.integers(3)
    rng.choice([(1, 2, 3), (4, 5, 6)])  # one pick, though the pick is a row
    rng.choice(10, size=4)
    rng.uniform(0, 1, 5)
    rng.random()
    rng.normal(size=(2, 3))
    assert (rng.discrete, rng.continuous) == (6, 12)

    def few(r, s):
        k = int(r.integers(4))
        return np.full((3, s, s), r.uniform() * k)

    def many(r, s):  # 200 particles at independent random places: what the rule forbids
        return r.uniform(0, 1, (200, 2))

    assert draw_budget(few, seeds=range(3)) == (1, 1)
    assert draw_budget(many, seeds=range(3)).continuous == 400
