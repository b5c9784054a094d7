"""The pack toolkit's drawing primitives (vjhost.train.motifs): shapes are the shapes they say, edges are
one pixel of anti-aliasing at any size, the same parameters give the same picture at 128² and 256², and
textures and noise are smooth, seeded and repeatable."""

from __future__ import annotations

import numpy as np
import pytest

from vjhost.train.motifs import Canvas, balanced, coverage, glyphs, grid, noise, palettes, shapes, textures, tiling
from vjhost.train.motifs.raster import bitmap_coverage, window


def area(d: np.ndarray, size: int) -> float:
    """The shape's area in uv units² from its anti-aliased coverage."""
    return float(coverage(d, size).sum()) / size**2


def edge_widths(row: np.ndarray) -> list[int]:
    """Lengths of the runs of partly covered pixels (0 < c < 1) along a row: the anti-aliased edges."""
    part = (row > 1e-3) & (row < 1 - 1e-3)
    runs, n = [], 0
    for p in part:
        if p:
            n += 1
        elif n:
            runs.append(n)
            n = 0
    return runs + ([n] if n else [])


def runs_on_circle(d_fn, cx, cy, r, samples=720) -> int:
    """How many separate arcs of the circle of radius r lie inside the shape (counts petals, points)."""
    t = np.linspace(0, 2 * np.pi, samples, endpoint=False)
    inside = d_fn(cx + r * np.cos(t), cy + r * np.sin(t)) < 0
    return int(np.sum(inside & ~np.roll(inside, 1)))


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("size", [128, 256])
def test_a_disc_is_round_with_a_one_pixel_edge(size):
    u, v = grid(size)
    r = 0.3
    d = shapes.disc(u, v, 0.5, 0.5, r)
    assert area(d, size) == pytest.approx(np.pi * r * r, rel=2e-3)
    m = coverage(d, size)
    for line in (m[size // 2], m[:, size // 3], np.diagonal(m)):
        widths = edge_widths(line)
        assert widths and max(widths) <= 2  # crisp: at most two partly covered pixels per crossing
    # round: the covered extent is the same along both axes and the diagonal
    rows = m.sum(1).max() / size
    diag = np.diagonal(m).sum() * np.sqrt(2) / size
    assert rows == pytest.approx(2 * r, abs=1.5 / size) and diag == pytest.approx(2 * r, abs=3 / size)


@pytest.mark.parametrize("name,d,expected", [
    ("ellipse", lambda u, v: shapes.ellipse(u, v, 0.5, 0.5, 0.35, 0.15, 0.6), np.pi * 0.35 * 0.15),
    ("ring", lambda u, v: shapes.ring(u, v, 0.5, 0.5, 0.3, 0.04), 2 * np.pi * 0.3 * 0.04),
    ("box", lambda u, v: shapes.box(u, v, 0.5, 0.5, 0.3, 0.1, 0.4), 4 * 0.3 * 0.1),
    ("rounded box", lambda u, v: shapes.box(u, v, 0.5, 0.5, 0.3, 0.2, 0.0, 0.08),
     4 * 0.3 * 0.2 - (4 - np.pi) * 0.08**2),
    ("hexagon", lambda u, v: shapes.polygon(u, v, 0.5, 0.5, 0.3, 6, 0.2), 1.5 * np.sqrt(3) * 0.09),
    ("triangle", lambda u, v: shapes.polygon(u, v, 0.5, 0.5, 0.3, 3), 0.75 * np.sqrt(3) * 0.09),
    ("segment", lambda u, v: shapes.segment(u, v, 0.2, 0.3, 0.8, 0.7, 0.05),
     np.hypot(0.6, 0.4) * 0.05 + np.pi * 0.025**2),
    ("petal", lambda u, v: shapes.petal(u, v, 0.2, 0.5, 0.6, 0.2),
     # a lens of two circular segments: 2 * (r^2 acos(d/r) - d sqrt(r^2 - d^2)) with a = 0.3, b = 0.1
     2 * (((0.09 / 0.1 + 0.1) / 2) ** 2 * np.arccos(((0.09 / 0.1 - 0.1) / 2) / ((0.09 / 0.1 + 0.1) / 2))
          - ((0.09 / 0.1 - 0.1) / 2) * 0.3)),
])
def test_shapes_have_their_areas_at_both_sizes(name, d, expected):
    for size in (128, 256):
        u, v = grid(size)
        assert area(d(u, v), size) == pytest.approx(expected, rel=0.012), (name, size)


def test_distances_are_true_distances_away_from_the_edge():
    """Exact fields: the distance at a sample equals its Euclidean distance to the shape."""
    x, y = np.array([0.9, 0.5, 0.5], np.float32), np.array([0.5, 0.95, 0.5], np.float32)
    np.testing.assert_allclose(shapes.disc(x, y, 0.5, 0.5, 0.2), [0.2, 0.25, -0.2], atol=1e-6)
    np.testing.assert_allclose(shapes.box(x, y, 0.5, 0.5, 0.2, 0.1), [0.2, 0.35, -0.1], atol=1e-6)
    corner = shapes.box(np.float32(0.8), np.float32(0.7), 0.5, 0.5, 0.2, 0.1)
    assert float(corner) == pytest.approx(np.hypot(0.1, 0.1), abs=1e-6)
    d = float(shapes.segment(np.float32(0.5), np.float32(0.6), 0.2, 0.5, 0.8, 0.5, 0.02))
    assert d == pytest.approx(0.09, abs=1e-6)
    # the ellipse's first-order distance is right on and near its edge
    assert float(shapes.ellipse(np.float32(0.85), np.float32(0.5), 0.5, 0.5, 0.3, 0.1)) == pytest.approx(0.05, abs=0.01)


def test_stars_and_flowers_have_their_points_and_petals():
    for n in (4, 5, 7):
        star = lambda x, y: shapes.star(x, y, 0.5, 0.5, 0.3, n, 3.0, 0.1)
        assert runs_on_circle(star, 0.5, 0.5, 0.27) == n
        assert star(np.float32(0.5), np.float32(0.5)) < 0  # the middle is inside
    for n, pointed in ((5, False), (8, False), (6, True)):
        f = lambda x, y: shapes.flower(x, y, 0.5, 0.5, 0.3, n, 0.3, pointed=pointed)
        assert runs_on_circle(f, 0.5, 0.5, 0.25) == n
        assert runs_on_circle(f, 0.5, 0.5, 0.32) == 0  # nothing beyond its radius
    # a hexagon is its circumradius across corner to corner, its inradius across flats
    u, v = grid(256)
    m = coverage(shapes.polygon(u, v, 0.5, 0.5, 0.3, 6), 256)  # a vertex points along +v
    assert m[:, 128].sum() / 256 == pytest.approx(0.6, abs=2 / 256)
    assert m[128].sum() / 256 == pytest.approx(0.6 * np.sqrt(3) / 2, abs=2 / 256)


def test_polylines_arcs_and_combinations():
    u, v = grid(128)
    pts = [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9)]
    line = coverage(shapes.polyline(u, v, pts, 0.02), 128)
    assert line[int(0.1 * 128), 64] == 1.0 and line[64, int(0.9 * 128)] == 1.0 and line[64, 64] == 0.0
    closed = coverage(shapes.polyline(u, v, pts, 0.02, closed=True), 128)
    assert closed[64, 64] == 1.0  # the closing diagonal
    # a half-circle arc from angle 0 to pi (downward in image rows): covers the bottom, not the top
    a = coverage(shapes.arc(u, v, 0.5, 0.5, 0.3, 0.02, 0.0, np.pi), 128)
    assert a[int(0.8 * 128), 64] == 1.0 and a[int(0.2 * 128), 64] == 0.0
    ring = shapes.subtract(shapes.disc(u, v, 0.5, 0.5, 0.3), shapes.disc(u, v, 0.5, 0.5, 0.2))
    assert area(ring, 128) == pytest.approx(np.pi * (0.09 - 0.04), rel=0.01)
    both = shapes.union(shapes.disc(u, v, 0.3, 0.5, 0.1), shapes.disc(u, v, 0.7, 0.5, 0.1))
    assert area(both, 128) == pytest.approx(2 * np.pi * 0.01, rel=0.01)
    lens = shapes.intersect(shapes.disc(u, v, 0.45, 0.5, 0.1), shapes.disc(u, v, 0.55, 0.5, 0.1))
    assert 0 < area(lens, 128) < np.pi * 0.01
    blob = shapes.smooth_union(shapes.disc(u, v, 0.4, 0.5, 0.1), shapes.disc(u, v, 0.6, 0.5, 0.1), 0.05)
    assert area(blob, 128) > area(shapes.union(shapes.disc(u, v, 0.4, 0.5, 0.1), shapes.disc(u, v, 0.6, 0.5, 0.1)), 128)
    assert (area(shapes.outline(shapes.disc(u, v, 0.5, 0.5, 0.3), 0.02), 128)
            == pytest.approx(2 * np.pi * 0.3 * 0.02, rel=0.02))


# --------------------------------------------------------------------------- the canvas, sizes


def scene(size: int) -> np.ndarray:
    """A picture of many primitives, from fixed parameters."""
    c = Canvas(size, "#10141c")
    wall = textures.brick(c.u, c.v, courses=9, seed=2)
    c.img *= (0.7 + 0.3 * wall.shade)[None]
    c.fill(wall.mortar, "#8a8a8a")
    c.fill(lambda u, v: shapes.disc(u, v, 0.25, 0.3, 0.12), "#e60012", bounds=(0.1, 0.15, 0.4, 0.45))
    c.stroke(lambda u, v: shapes.star(u, v, 0.7, 0.3, 0.15, 5), 0.012, "#ffd900")
    c.fill(lambda u, v: shapes.flower(u, v, 0.3, 0.72, 0.16, 7), "#ffb3c7")
    c.fill(lambda u, v: shapes.disc(u, v, 0.3, 0.72, 0.06), "#ffffff")
    c.fill(lambda u, v: shapes.polyline(u, v, [(0.55, 0.9), (0.65, 0.6), (0.75, 0.85), (0.9, 0.55)], 0.01), "#00f0ff")
    c.glow(0.8, 0.7, 0.01, (0.4, 0.8, 1.0), gain=1.5)
    c.blend(glyphs.bit_row([1, 0, 1, 1], 0.52, 0.05, 0.08, size), "#ffffff")
    return c.image()


def test_the_same_parameters_draw_the_same_picture_at_128_and_256():
    small, large = scene(128), scene(256)
    down = large.reshape(3, 128, 2, 128, 2).mean(axis=(2, 4))
    assert np.abs(down - small).mean() < 0.006
    assert np.percentile(np.abs(down - small), 99) < 0.1
    assert small.std() > 0.1  # (and there is a picture)


def test_bounds_limit_where_a_shape_is_drawn_without_changing_it():
    a, b = Canvas(128), Canvas(128)
    a.fill(lambda u, v: shapes.disc(u, v, 0.4, 0.6, 0.1), 1.0)
    b.fill(lambda u, v: shapes.disc(u, v, 0.4, 0.6, 0.1), 1.0, bounds=(0.3, 0.5, 0.5, 0.7))
    assert np.array_equal(a.img, b.img)
    assert window((0.3, 0.5, 0.5, 0.7), 128) == (slice(62, 92), slice(36, 66))
    assert window((1.5, 1.5, 2.0, 2.0), 128) == (slice(128, 128), slice(128, 128))
    # off-frame: no-op
    Canvas(128).fill(lambda u, v: shapes.disc(u, v, 1.5, 1.5, 0.1), 1.0, bounds=(1.4, 1.4, 1.6, 1.6))


def test_canvas_compositing():
    c = Canvas(64, (0.2, 0.4, 0.6))
    assert c.img.shape == (3, 64, 64) and np.allclose(c.img[:, 0, 0], (0.2, 0.4, 0.6))
    c.fill(lambda u, v: shapes.box(u, v, 0.5, 0.5, 0.25, 0.25), "#ff0000", alpha=0.5)
    assert np.allclose(c.img[:, 32, 32], (0.6, 0.2, 0.3))  # half way to red
    c.add(lambda u, v: shapes.disc(u, v, 0.5, 0.5, 0.1), (1.0, 1.0, 1.0), gain=2.0)
    assert c.img[0, 32, 32] > 2.0 and c.image().max() == 1.0  # light adds up; image() clips
    g = Canvas(64, channels=1)
    assert g.img.shape == (1, 64, 64)
    g.fill(lambda u, v: shapes.disc(u, v, 0.5, 0.5, 0.2), (1.0, 0.0, 0.0))  # RGB -> its luma
    assert g.img[0, 32, 32] == pytest.approx(0.299)
    glow = Canvas(128)
    glow.glow(0.5, 0.5, 0.02, 1.0)
    core, halo, far = glow.img[0, 64, 64], glow.img[0, 64, 64 + 6], glow.img[0, 64, 64 + 40]
    assert core >= 1.0 and 0.02 < halo < 0.5 and far == 0.0


def test_bitmaps_cover_exactly_their_area_at_any_placement():
    cells = np.array([[1, 0, 1], [0, 1, 0]], np.float32)
    for bounds in ((0.1, 0.2, 0.7, 0.5), (0.1037, 0.2211, 0.6719, 0.4893)):
        for size in (128, 256):
            m = bitmap_coverage(cells, bounds, size)
            x0, y0, x1, y1 = bounds
            lit = cells.mean() * (x1 - x0) * (y1 - y0)
            assert m.sum() / size**2 == pytest.approx(lit, rel=1e-4)
            assert m.max() == 1.0 and ((m > 0) & (m < 1)).sum() < 0.2 * (m > 0).sum()


def test_bit_glyphs_are_only_zeros_and_ones():
    assert set(glyphs.BITS) == {0, 1}
    bm = glyphs.bits_bitmap([1, 0, 1])
    assert bm.shape == (5, 3 * 3 + 2)
    assert np.array_equal(bm[:, :3], glyphs.BITS[1]) and np.array_equal(bm[:, 4:7], glyphs.BITS[0])
    m = glyphs.bit_row([0, 1], 0.1, 0.1, 0.25, 128)  # 5 rows of 0.05 uv = 6.4 px per glyph pixel
    assert m.sum() / 128**2 == pytest.approx((glyphs.BITS[0].sum() + glyphs.BITS[1].sum()) * 0.05**2, rel=1e-3)


def test_marks_follow_from_their_code():
    u, v = grid(128)
    a = coverage(glyphs.mark(u, v, 0.5, 0.5, 0.4, 0b101), 128)
    b = coverage(glyphs.mark(u, v, 0.5, 0.5, 0.4, 0b101), 128)
    c = coverage(glyphs.mark(u, v, 0.5, 0.5, 0.4, 0b110), 128)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a[int(0.3 * 128) + 1, int(0.3 * 128) + 1] > 0.5  # stroke 0: the diagonal from node 0 to node 8
    lone = coverage(glyphs.mark(u, v, 0.5, 0.5, 0.4, 0), 128)
    assert lone.sum() == pytest.approx(np.pi * (0.4 * 0.12 * 128) ** 2, rel=0.02) and lone[64, 64] == 1.0


# --------------------------------------------------------------------------- tiling


def test_square_and_hex_cells_tile_the_plane():
    u, v = grid(128)
    sq = tiling.square_cells(u, v, 0.1)
    assert np.abs(sq.x).max() <= 0.05 + 1e-6 and np.abs(sq.y).max() <= 0.05 + 1e-6
    assert len(np.unique(sq.ix)) == 10  # ten cells across, the lattice centred on the frame
    hx = tiling.hex_cells(u, v, 0.1, angle=0.3)
    r = np.hypot(hx.x, hx.y)
    assert r.max() <= 0.1 / np.sqrt(3) + 1e-4  # within the hexagon's circumradius of its centre
    # every pixel is nearest its own centre: the centres recovered from pixel - local agree within a cell
    pts = tiling.lattice_points(0.1, "hex")
    nn = np.sort(np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1]), axis=1)[:, 1]
    assert np.allclose(nn, 0.1)
    assert pts[:, :2].min() > 0 and pts[:, :2].max() < 1
    bond = tiling.square_cells(u, v, 0.2, stagger=0.5)
    assert not np.array_equal(bond.ix[5], bond.ix[20])  # alternate rows shifted by half a cell


def test_cell_hashes_and_jitter_are_deterministic_and_uniform():
    ix, iy = np.meshgrid(np.arange(64), np.arange(64))
    h = tiling.cell_hash(ix, iy, seed=5)
    assert np.array_equal(h, tiling.cell_hash(ix, iy, seed=5))
    assert not np.array_equal(h, tiling.cell_hash(ix, iy, seed=6))
    assert 0 <= h.min() and h.max() < 1 and abs(h.mean() - 0.5) < 0.02 and abs(h.std() - 0.2887) < 0.01
    jx, jy = tiling.jitter(ix, iy, 5, 0.02)
    assert np.abs(jx).max() <= 0.02 and np.abs(jy).max() <= 0.02 and np.corrcoef(jx.ravel(), jy.ravel())[0, 1] < 0.1
    pts = tiling.lattice_points(0.1, "square", jitter_amount=0.02, seed=1)
    assert np.array_equal(pts, tiling.lattice_points(0.1, "square", jitter_amount=0.02, seed=1))
    with pytest.raises(ValueError, match="square' or 'hex"):
        tiling.lattice_points(0.1, "triangle")


# --------------------------------------------------------------------------- noise and textures


@pytest.mark.parametrize("fn", [noise.value_noise, noise.gradient_noise])
def test_noise_is_seeded_smooth_and_size_agnostic(fn):
    u, v = grid(256)
    a = fn(u, v, 8.0, 3)
    assert np.array_equal(a, fn(u, v, 8.0, 3)) and not np.allclose(a, fn(u, v, 8.0, 4))
    assert -1.05 <= a.min() and a.max() <= 1.05 and a.std() > 0.15
    # smooth: neighbouring pixels differ by a small fraction of the range (per-pixel noise would not)
    assert np.abs(np.diff(a, axis=1)).max() < 0.1
    u2, v2 = grid(128)
    b = fn(u2, v2, 8.0, 3)  # the same uv give the same values at any size: downsampled, the two agree
    down = a.reshape(128, 2, 128, 2).mean(axis=(1, 3))
    assert np.abs(down - b).mean() < 0.01


def test_fbm_ridges_and_warp():
    u, v = grid(128)
    f = noise.fbm(u, v, 4.0, 1, octaves=5)
    assert np.abs(f).max() <= 1.0 and f.std() > 0.1
    assert np.array_equal(f, noise.fbm(u, v, 4.0, 1, octaves=5))
    r = noise.ridged(u, v, 4.0, 1)
    assert 0 <= r.min() and r.max() <= 1
    wx, wy = noise.warp(u, v, 3.0, 0.1, 9)
    assert 0.01 < np.abs(wx - u).mean() < 0.1 and np.abs(wy - v).max() <= 0.1 + 1e-6
    # fBm's power is mostly at low frequencies: a texture, not per-pixel noise
    p = np.abs(np.fft.fft2(f - f.mean())) ** 2
    fr = np.hypot(*np.meshgrid(np.fft.fftfreq(128), np.fft.fftfreq(128)))
    assert p[fr > 0.25].sum() < 0.01 * p.sum()


def test_brick_walls_have_mortar_joints_and_bricks():
    u, v = grid(256)
    w = textures.brick(u, v, courses=8, ratio=2.0, joint=0.12, seed=1)
    share = coverage(w.mortar, 256).mean()
    # horizontal joints take 12 % of the height, vertical ones 12 % of a course / a brick twice as long
    assert share == pytest.approx(0.12 + 0.88 * 0.06, abs=0.02)
    bricks_in_a_row = len(np.unique(w.ix[128]))
    assert bricks_in_a_row in (4, 5, 6)
    assert len(np.unique(w.iy[:, 128])) in (8, 9, 10)
    assert np.array_equal(w.shade, textures.brick(u, v, courses=8, seed=1).shade)
    rot = textures.brick(u, v, courses=8, angle=0.2, seed=1)
    assert coverage(rot.mortar, 256).mean() == pytest.approx(share, abs=0.02)


def test_concrete_is_mottled_smooth_with_crisp_pits():
    u, v = grid(256)
    c = textures.concrete(u, v, seed=4, pits=0.03, size=256)
    assert np.array_equal(c, textures.concrete(u, v, seed=4, pits=0.03, size=256))
    assert 0.3 < c.mean() < 0.6 and c.std() > 0.02
    plain = textures.concrete(u, v, seed=4)
    pits = plain - c > 0.1
    assert 0.003 < pits.mean() < 0.08  # a few dark pores
    small = textures.concrete(*grid(128), seed=4, pits=0.03, size=128)
    assert np.abs(c.reshape(128, 2, 128, 2).mean(axis=(1, 3)) - small).mean() < 0.01


# --------------------------------------------------------------------------- palettes


def test_palettes_parse_snap_and_measure():
    assert palettes.rgb("#ff8000") == (1.0, 128 / 255, 0.0)
    assert palettes.hex_colour((1.0, 128 / 255, 0.0)) == "#ff8000"
    for bad in ("ff8000", "#ff80", "#gg0000", "red"):
        with pytest.raises(ValueError, match="#rrggbb"):
            palettes.rgb(bad)
    with pytest.raises(KeyError, match="no palette named 'nope'"):
        palettes.palette("nope")
    for name in palettes.PALETTES:
        assert palettes.palette(name).shape[1] == 3
    pal = palettes.palette(["#000000", "#ff0000", "#ffffff"])
    img = np.random.default_rng(0).random((3, 16, 16)).astype(np.float32)
    snapped = palettes.snap(img, pal)
    assert ((np.abs(snapped[..., None] - pal.T[:, None, None, :]).max(0) < 1e-6).any(-1)).all()
    k, d = palettes.nearest(np.array([[[0.9]], [[0.1]], [[0.1]]], np.float32), pal)
    assert k[0, 0] == 1 and d[0, 0] == pytest.approx(np.sqrt(0.01 * 3), abs=1e-6)
    # mixes of two palette colours (an anti-aliased edge, a fade to black) are on the palette; green is not
    mix = np.array([[[0.5, 0.3, 0.0]], [[0.0, 0.3, 1.0]], [[0.0, 0.3, 0.0]]], np.float32)  # (3, 1, 3)
    dist = palettes.palette_distance(mix, pal)
    assert dist[0, 0] < 1e-6 and dist[0, 1] < 1e-6 and dist[0, 2] > 0.2
    u8 = (np.clip(mix, 0, 1) * 255).round().astype(np.uint8)
    assert palettes.palette_distance(u8, pal)[0, 0] < 0.01  # uint8 images read as 0..255


# --------------------------------------------------------------------------- the balanced generator


def test_balanced_draws_every_family_equally_and_repeatably():
    draws = [lambda rng, s, k=k: Canvas(s, k / 3.0).image() for k in range(3)]
    a, la = balanced(30, 16, 7, draws)
    b, lb = balanced(30, 16, 7, draws)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert np.bincount(la).tolist() == [10, 10, 10]
    assert all(a[i, 0, 0, 0] == round(la[i] / 3 * 255) for i in range(30))


# --------------------------------------------------------------------------- point clouds and figures


def test_points_draw_many_crisp_discs_at_once():
    c = Canvas(128)
    xs, ys = np.array([0.25, 0.5, 0.75]), np.array([0.5, 0.5, 0.5])
    c.points(xs, ys, 0.05, 1.0)
    assert c.img[0].sum() / 128**2 == pytest.approx(3 * np.pi * 0.05**2, rel=0.01)  # three discs' area of light
    one = Canvas(128)
    one.fill(lambda u, v: shapes.disc(u, v, 0.5, 0.5, 0.05), 1.0)
    np.testing.assert_allclose(c.img[:, :, 48:80], one.img[:, :, 48:80], atol=1e-6)  # the same disc as fill draws
    # per-point colours and gains; light adds up where points overlap
    c = Canvas(64)
    c.points([0.5, 0.5], [0.5, 0.5], [0.1, 0.1], np.array([[1.0, 0, 0], [0, 0, 1.0]]), gain=[1.0, 0.5])
    assert np.allclose(c.img[:, 32, 32], (1.0, 0.0, 0.5))
    # "over" paints instead: the strongest cover wins
    c = Canvas(64, 0.2)
    c.points([0.3, 0.7], [0.5, 0.5], 0.1, np.array([[1.0, 0, 0], [0, 1.0, 0]]), mode="over")
    assert np.allclose(c.img[:, 32, int(0.3 * 64)], (1, 0, 0)) and np.allclose(c.img[:, 32, int(0.7 * 64)], (0, 1, 0))
    assert np.allclose(c.img[:, 2, 2], 0.2)
    halo = Canvas(128)
    halo.points([0.5], [0.5], 0.01, 1.0, halo=3.0)
    assert halo.img[0, 64, 64] >= 1.0 and 0.01 < halo.img[0, 64, 68] < 0.5
    off = Canvas(32)
    off.points([-0.5, 1.5], [0.5, 0.5], 0.05, 1.0)  # off the frame: nothing, no error
    assert off.img.max() == 0.0
    with pytest.raises(ValueError, match="'add' or 'over'"):
        Canvas(16).points([0.5], [0.5], 0.1, 1.0, mode="xor")


def test_figures_are_posed_skeletons_with_a_silhouette():
    from vjhost.train.motifs import figures

    rng = np.random.default_rng(0)
    for style in figures.POSE_STYLES:
        pose = figures.random_pose(rng, style)
        js = figures.joints(pose, 0.5, 0.95, 0.8)
        assert len(js) == 16
        feet = max(js["l_ankle"][1], js["r_ankle"][1])
        assert js["head"][1] < js["chest"][1] < js["pelvis"][1] < feet <= 0.95 + 1e-6  # upright: head on top
        x0, y0, x1, y1 = figures.extent(js, 0.8)
        assert 0.0 < y0 and y1 < 1.1 and x1 - x0 < 0.9
    with pytest.raises(ValueError, match="pose style"):
        figures.random_pose(rng, "cartwheel")
    pose = figures.Pose()
    js = figures.joints(pose, 0.5, 0.95, 0.8)
    # standing straight: symmetric left-right and about as tall as asked
    assert js["l_ankle"][0] == pytest.approx(1.0 - js["r_ankle"][0]) and js["head"][0] == pytest.approx(0.5)
    u, v = grid(128)
    body = coverage(figures.silhouette(u, v, js, 0.8), 128)
    rows = np.nonzero(body.max(1) > 0.5)[0]
    assert (rows[-1] - rows[0]) / 128 == pytest.approx(0.8, abs=0.06)
    assert np.abs(body - body[:, ::-1]).mean() < 0.01
    bones = coverage(figures.skeleton(u, v, js, 0.01), 128)
    assert 0 < bones.sum() < 0.5 * body.sum()  # lines, thinner than the body
    mirrored = figures.joints(figures.random_pose(rng, "dance"), 0.5, 0.95, 0.8, facing=-1)
    assert set(mirrored) == set(js)
    assert figures.Pose(l_arm=1.0).lerp(figures.Pose(l_arm=2.0), 0.25).l_arm == pytest.approx(1.25)
    b = coverage(figures.bust(u, v, 0.5, 0.4, 0.5), 128)
    assert b[int(0.4 * 128), 64] == 1.0 and b[int(0.95 * 128), 64] == 1.0 and b[5, 5] == 0.0


def test_dance_poses_follow_smoothly_from_a_few_parameters():
    from vjhost.train.motifs import figures

    def pts(move, phase, energy=1.0, lean=0.0):
        return np.array(list(figures.joints(figures.dance_pose(move, phase, energy, lean), 0.5, 0.95, 0.8).values()))

    for i, move in enumerate(figures.DANCE_MOVES):
        assert np.allclose(pts(move, 0.0), pts(i, 1.0))  # a cycle: phase 1 is phase 0; a move by name or index
        assert not np.allclose(pts(move, 0.0), pts(move, 0.5), atol=0.02)  # the two key poses differ
        steps = [np.abs(pts(move, t + 0.01) - pts(move, t)).max() for t in np.linspace(0, 1, 50)]
        assert max(steps) < 0.03  # smooth: a hundredth of a cycle moves no joint by more than 3 % of the frame
        js = figures.joints(figures.dance_pose(move, 0.3), 0.5, 0.95, 0.8)
        assert js["head"][1] < js["chest"][1] < js["pelvis"][1]  # upright
        assert max(js["l_ankle"][1], js["r_ankle"][1]) <= 0.95 + 1e-6
    # energy 0 is a relaxed stand whatever the move or phase; lean tilts the torso on top
    assert np.allclose(pts("jump", 0.2, energy=0.0), pts("wave", 0.7, energy=0.0))
    leaning = figures.joints(figures.dance_pose("wave", 0.0, 0.0, lean=0.3), 0.5, 0.95, 0.8)
    assert abs(leaning["head"][0] - 0.5) > 0.05
    with pytest.raises(ValueError, match="dance move"):
        figures.dance_pose("moonwalk", 0.0)
    # points every `spacing` along the bones: joints included, gaps no wider than the spacing
    js = figures.joints(figures.dance_pose("robot", 0.25), 0.5, 0.95, 0.8)
    p = figures.bone_points(js, 0.02)
    assert p.shape[1] == 2 and len(p) > 60
    for name, q in js.items():
        if name != "head":
            assert np.hypot(*(p - q).T).min() < 1e-9
    for a, b, _ in figures.BONES:
        for t in np.linspace(0, 1, 7):
            q = js[a] + t * (js[b] - js[a])
            assert np.hypot(*(p - q).T).min() <= 0.0101  # every point of a bone is within half a spacing of one


def test_contours_of_smooth_fields_are_crisp_at_any_size():
    from vjhost.train.motifs.raster import iso_lines, level_set

    for size in (128, 256):
        u, v = grid(size)
        # a cone: its level sets are discs, its iso-lines rings
        cone = 1.0 - np.hypot(u - 0.5, v - 0.5)
        m = level_set(cone, 0.7, size)  # the disc of radius 0.3
        assert m.sum() / size**2 == pytest.approx(np.pi * 0.09, rel=5e-3)
        assert max(edge_widths(m[size // 2])) <= 2
        lines = iso_lines(cone, 0.1, 0.01, size)  # rings every 0.1 of radius, 0.01 wide
        n_rings = sum(1 for r in (0.1, 0.2, 0.3, 0.4) if lines[size // 2, int((0.5 + r) * size)] > 0.5)
        assert n_rings == 4 and lines[size // 2, int(0.55 * size)] == 0.0
        inner = (np.hypot(u - 0.5, v - 0.5) > 0.05) & (np.hypot(u - 0.5, v - 0.5) < 0.45)
        assert lines[inner].sum() / size**2 == pytest.approx(2 * np.pi * (0.1 + 0.2 + 0.3 + 0.4) * 0.01, rel=0.03)


def test_ramps_run_through_their_colours():
    t = np.array([0.0, 0.5, 1.0, 0.25])
    r = palettes.ramp(t, ["#000000", "#ff0000", "#ffffff"])
    assert r.shape == (3, 4)
    np.testing.assert_allclose(r[:, 0], 0.0)
    np.testing.assert_allclose(r[:, 1], (1, 0, 0))
    np.testing.assert_allclose(r[:, 2], 1.0)
    np.testing.assert_allclose(r[:, 3], (0.5, 0, 0))
    np.testing.assert_allclose(palettes.ramp(np.array([0.9]), ["#000000", "#ffffff"], stops=[0.0, 0.9])[:, 0], 1.0)
