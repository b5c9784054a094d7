"""Voronoi cells of a point set: the nearest and second-nearest site, and crisp cell edges.

The sites are a rule-placed set (a lattice displaced by a smooth field, points
on a curve), so the cells follow from a few numbers.  Useful for caustic webs
(the edges of a warped hexagonal lattice), cracked ground, stained glass or
crystal grains.  Distances are in uv; :func:`edge_distance` is the signed
distance to the nearest cell edge, ready for :func:`.raster.coverage`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["nearest_two", "edge_distance"]


def nearest_two(x, y, px, py) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(d1, d2, index)``: the distance to the nearest and second-nearest site and the nearest's index."""
    x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
    d1 = np.full(x.shape, np.inf, np.float32)
    d2 = np.full(x.shape, np.inf, np.float32)
    idx = np.zeros(x.shape, np.int64)
    for i, (sx, sy) in enumerate(zip(np.ravel(px), np.ravel(py))):
        d = (x - np.float32(sx)) ** 2 + (y - np.float32(sy)) ** 2
        closer = d < d1
        d2 = np.where(closer, d1, np.minimum(d2, d))
        d1 = np.where(closer, d, d1)
        idx[closer] = i
    return np.sqrt(d1), np.sqrt(d2), idx


def edge_distance(x, y, px, py, width: float = 0.0) -> np.ndarray:
    """Signed distance (uv) to a band ``width`` wide along the Voronoi edges of the sites ``(px, py)``.

    Uses ``(d2**2 - d1**2) / (2 |s2 - s1|)``, the exact distance to the bisector
    of the two nearest sites, so edges are one pixel sharp at any size.
    """
    x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
    px, py = np.ravel(px).astype(np.float32), np.ravel(py).astype(np.float32)
    d1 = np.full(x.shape, np.inf, np.float32)
    d2 = np.full(x.shape, np.inf, np.float32)
    i1 = np.zeros(x.shape, np.int64)
    i2 = np.zeros(x.shape, np.int64)
    for i in range(px.size):
        d = (x - px[i]) ** 2 + (y - py[i]) ** 2
        closer = d < d1
        second = ~closer & (d < d2)
        d2 = np.where(closer, d1, np.where(second, d, d2))
        i2 = np.where(closer, i1, np.where(second, i, i2))
        d1 = np.where(closer, d, d1)
        i1 = np.where(closer, i, i1)
    sep = np.sqrt((px[i2] - px[i1]) ** 2 + (py[i2] - py[i1]) ** 2)
    return ((d2 - d1) / np.maximum(2 * sep, np.float32(1e-6)) - np.float32(width / 2)).astype(np.float32)
