"""The drawing kit's wave fields, Voronoi cells and 3-D point clouds (vjhost.train.motifs.waves / cells /
points3d): few numbers define them, gradients and distances are exact, edges are one pixel at any size,
and a curl flow carries particles along the field's contours."""

from __future__ import annotations

import numpy as np
import pytest

from vjhost.train.motifs import cells, coverage, grid, points3d, waves


def test_waves_field_gradient_and_contours_are_exact():
    w = waves.waves([2.0, 3.5], [0.3, 2.0], [0.1, 1.2], [0.7, 0.3])
    u, v = grid(128)
    f = waves.field(u, v, w)
    assert np.abs(f).max() <= 1.0 + 1e-5 and f.std() > 0.2
    gx, gy = waves.gradient(u, v, w)
    h = 1e-3
    nx = (waves.field(u + h, v, w) - waves.field(u - h, v, w)) / (2 * h)
    ny = (waves.field(u, v + h, w) - waves.field(u, v - h, w)) / (2 * h)
    assert np.abs(gx - nx).max() < 0.02 * np.abs(gx).max() and np.abs(gy - ny).max() < 0.02 * np.abs(gy).max()
    # the contour drawn from the distance has one-pixel edges at both sizes, and the same area
    areas = []
    for size in (128, 256):
        uu, vv = grid(size)
        m = coverage(waves.distance(uu, vv, w, 0.2), size)
        part = ((m > 0.02) & (m < 0.98)).mean()
        edge_px = np.hypot(*np.gradient(m)).sum()  # about the contour's length in pixels
        assert part * size * size < 1.6 * edge_px, size  # partly covered pixels: about one per pixel of edge
        areas.append(m.mean())
    assert areas[0] == pytest.approx(areas[1], abs=0.01)


def test_random_waves_follow_their_seed_and_ranges():
    a = waves.random_waves(np.random.default_rng(3), 4, freq=(2.0, 5.0))
    b = waves.random_waves(np.random.default_rng(3), 4, freq=(2.0, 5.0))
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and len(a) == 4
    assert (a.freq >= 2.0).all() and (a.freq <= 5.0).all() and a.amp.sum() == pytest.approx(1.0)
    c = waves.random_waves(np.random.default_rng(4), 3, angle=1.0, spread=0.1)
    assert (np.abs(c.angle - 1.0) <= 0.1).all()


def test_curl_is_divergence_free_and_particles_follow_the_contours():
    w = waves.random_waves(np.random.default_rng(7), 3, freq=(1.0, 2.5))
    u, v = grid(64)
    h = 1e-3
    div = ((waves.curl(u + h, v, w)[0] - waves.curl(u - h, v, w)[0])
           + (waves.curl(u, v + h, w)[1] - waves.curl(u, v - h, w)[1])) / (2 * h)
    assert np.abs(div).max() < 1e-2 * np.abs(waves.curl(u, v, w)[0]).max()
    x0, y0 = np.array([0.3, 0.6, 0.5]), np.array([0.4, 0.5, 0.8])
    px, py = waves.trace(x0, y0, w, steps=40, step=0.005)
    assert px.shape == (3, 41)
    steps = np.hypot(np.diff(px, axis=1), np.diff(py, axis=1))
    assert np.allclose(steps, 0.005, rtol=0.05)  # even spacing
    f = waves.field(px, py, w)
    assert np.abs(f - f[:, :1]).max() < 0.02  # a streamline keeps its stream-function value


def test_voronoi_edges_are_the_bisectors_with_one_pixel_edges():
    px, py = np.array([0.3, 0.7]), np.array([0.5, 0.5])
    for size in (128, 256):
        u, v = grid(size)
        d = cells.edge_distance(u, v, px, py, width=0.02)
        assert np.allclose(d, np.abs(u - 0.5) - 0.01, atol=1e-5)  # the bisector x = 0.5, a band 0.02 wide
        m = coverage(d, size)
        assert m.mean() == pytest.approx(0.02, abs=1.5 / size)
    d1, d2, idx = cells.nearest_two(u, v, px, py)
    assert (idx == (u > 0.5)).all() and (d1 <= d2).all()


def test_point_clouds_are_rule_placed_and_projected_far_to_near():
    s = points3d.fibonacci_sphere(300)
    assert s.shape == (300, 3) and np.allclose(np.linalg.norm(s, axis=1), 1.0)
    assert abs(s[:, 2].mean()) < 0.01 and abs(s[:, 0].mean()) < 0.02  # spread evenly
    t = points3d.torus(20, 8, 0.7, 0.3)
    rho = np.hypot(t[:, 0], t[:, 1])
    assert t.shape == (160, 3) and rho.min() == pytest.approx(0.4) and rho.max() == pytest.approx(1.0)
    r = points3d.rotate(s, 0.7, -0.4, 0.2)
    assert np.allclose(np.linalg.norm(r, axis=1), 1.0)
    x, y, k, near = points3d.project(r, 0.5, 0.5, 0.3)
    assert np.all(np.diff(near) >= 0) and near[0] == 0.0 and near[-1] == pytest.approx(1.0)
    assert np.all(np.diff(k) >= -1e-12)  # nearer points are drawn larger, last
    assert 0.15 < x.min() and x.max() < 0.85 and 0.15 < y.min() and y.max() < 0.85
    surf = points3d.surface(5, 4, lambda a, b: a * 0 + 0.2)
    assert surf.shape == (20, 3) and np.allclose(surf[:, 2], 0.2)
    sp = points3d.spiral(90, 2.0, arms=3)
    assert sp.shape == (90, 3) and np.hypot(sp[:, 0], sp[:, 1]).max() <= 1.0


def test_bands_are_flat_colours_in_ramp_order_with_one_pixel_edges():
    from vjhost.train.motifs import raster

    cols = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]], np.float32)
    for size in (128, 256):
        u, v = grid(size)
        img = raster.bands(u * 7.0, cols, size)  # seven bands across
        centres = ((np.arange(7) + 0.5) / 7 * size).astype(int)
        seen = [tuple(img[:, 0, x]) for x in centres]
        assert seen == [tuple(cols[i]) for i in (0, 1, 2, 3, 2, 1, 0)]  # up the ramp and back down
        row = img[0, 0]
        assert ((row > 0.01) & (row < 0.99)).sum() <= 2 * 6  # each edge blends over one or two pixels
    clipped = raster.bands(u * 7.0 - 1.0, cols, size, clip=True)
    assert tuple(clipped[:, 0, 0]) == tuple(cols[0]) and tuple(clipped[:, 0, -1]) == tuple(cols[-1])
    custom = raster.bands(u * 4.0, cols, size, order=[3, 1])
    assert tuple(custom[:, 0, size // 8]) == tuple(cols[3]) and tuple(custom[:, 0, 3 * size // 8]) == tuple(cols[1])
