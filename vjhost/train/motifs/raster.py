"""Rasterising in frame units: pixel grids, anti-aliased coverage, a small canvas.

Everything a pack draws is defined in **uv** coordinates: ``u`` runs 0..1 left
to right, ``v`` 0..1 top to bottom, and a pixel is sampled at its centre.  A
shape is a signed distance field (:mod:`.shapes`: negative inside, in uv
units); :func:`coverage` turns it into an anti-aliased mask whose edge ramps
over about one pixel at whatever size it is drawn.  So the same parameters give
the same picture at 128² and 256², with edges one pixel wide at either.

:class:`Canvas` keeps the image ``(C, size, size)`` float 0..1 and composites
onto it: ``fill`` (paint over), ``stroke`` (an outline), ``add`` (light adds
up) and ``glow`` (a crisp point of light with a soft halo).  A ``bounds``
rectangle (uv) limits where a shape is evaluated -- many small shapes cost
their own area, not the frame's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Union

import numpy as np

Colour = Union[float, Sequence[float], np.ndarray]
SDF = Callable[[np.ndarray, np.ndarray], np.ndarray]
Bounds = tuple[float, float, float, float]  # x0, y0, x1, y1 in uv

__all__ = ["Canvas", "grid", "coverage", "window", "colour", "box_filter_weights", "bitmap_coverage",
           "field_distance", "level_set", "iso_lines", "bands"]


@functools.lru_cache(maxsize=16)
def grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(u, v)``: float32 ``(size, size)`` pixel-centre coordinates in 0..1 (read-only, cached)."""
    c = (np.arange(size, dtype=np.float32) + 0.5) / size
    u = np.ascontiguousarray(np.broadcast_to(c[None, :], (size, size)))
    v = np.ascontiguousarray(np.broadcast_to(c[:, None], (size, size)))
    u.flags.writeable = False
    v.flags.writeable = False
    return u, v


def coverage(d: np.ndarray, size: int, soft: float = 1.0) -> np.ndarray:
    """Anti-aliased coverage 0..1 of the signed distance ``d`` (uv units, negative inside).

    The edge ramps over ``soft`` pixels (1: a box-filtered edge; larger: a
    deliberately soft one), centred on the zero crossing.
    """
    return np.clip(0.5 - d * (size / soft), 0.0, 1.0).astype(np.float32, copy=False)


def window(bounds: Bounds | None, size: int, margin: float = 2.0) -> tuple[slice, slice]:
    """The pixel ``(rows, cols)`` slices covering ``bounds`` (uv ``x0, y0, x1, y1``) plus ``margin`` pixels."""
    if bounds is None:
        return slice(0, size), slice(0, size)
    x0, y0, x1, y1 = bounds
    c0 = int(np.clip(np.floor(min(x0, x1) * size - margin), 0, size))
    c1 = int(np.clip(np.ceil(max(x0, x1) * size + margin), 0, size))
    r0 = int(np.clip(np.floor(min(y0, y1) * size - margin), 0, size))
    r1 = int(np.clip(np.ceil(max(y0, y1) * size + margin), 0, size))
    return slice(r0, r1), slice(c0, c1)


def colour(c: Colour, channels: int) -> np.ndarray:
    """``c`` as a ``(channels, 1, 1)`` float32 array: a grey level, an RGB triple or a ``"#rrggbb"`` string."""
    if isinstance(c, str):
        from .palettes import rgb

        c = rgb(c)
    a = np.asarray(c, np.float32).reshape(-1)
    if a.size == 1:
        a = np.repeat(a, channels)
    elif channels == 1:
        a = np.asarray([a @ np.asarray([0.299, 0.587, 0.114], np.float32)], np.float32)
    if a.size != channels:
        raise ValueError(f"colour {c!r}: expected 1 or {channels} values")
    return a.reshape(channels, 1, 1)


def box_filter_weights(edges: np.ndarray, size: int) -> np.ndarray:
    """``(size, k)``: the share of each pixel (row) covered by each of the ``k`` intervals between ``edges`` (uv)."""
    px0 = np.arange(size, dtype=np.float64)[:, None]
    e = np.asarray(edges, np.float64) * size
    lo, hi = e[None, :-1], e[None, 1:]
    return np.clip(np.minimum(px0 + 1, hi) - np.maximum(px0, lo), 0.0, 1.0).astype(np.float32)


def bitmap_coverage(cells: np.ndarray, bounds: Bounds, size: int) -> np.ndarray:
    """Exact area coverage ``(size, size)`` of an axis-aligned bitmap ``cells`` (rows, cols) stretched over ``bounds``.

    Each pixel gets the share of its area that lit cells cover (box-filter
    anti-aliasing, separable: two small matrix products), so pixel-art marks,
    bit glyphs and monitor grids have one-pixel edges at any size.
    """
    cells = np.asarray(cells, np.float32)
    x0, y0, x1, y1 = bounds
    wy = box_filter_weights(np.linspace(y0, y1, cells.shape[0] + 1), size)
    wx = box_filter_weights(np.linspace(x0, x1, cells.shape[1] + 1), size)
    return np.clip(wy @ cells @ wx.T, 0.0, 1.0)


def field_distance(field: np.ndarray, level: float | np.ndarray, size: int) -> np.ndarray:
    """The signed distance (uv, negative where ``field > level``) to a smooth field's ``level`` contour.

    First order: ``(level - field) / |grad field|`` with the gradient taken
    numerically (per uv), so any smooth full-frame field -- noise, metaballs,
    a stream function -- gets contours that are crisp at whatever size it is
    sampled at.
    """
    f = np.asarray(field, np.float32)
    gy, gx = np.gradient(f)
    g = np.sqrt(gx * gx + gy * gy) * np.float32(size)
    return ((level - f) / np.maximum(g, np.float32(1e-4))).astype(np.float32)


def level_set(field: np.ndarray, level: float | np.ndarray, size: int, soft: float = 1.0) -> np.ndarray:
    """Anti-aliased coverage of ``field > level`` (a cloud, a blob, a pool of colour) with ~1 px edges."""
    return coverage(field_distance(field, level, size), size, soft)


def iso_lines(field: np.ndarray, spacing: float, width: float, size: int, offset: float = 0.0) -> np.ndarray:
    """Coverage of contour lines ``width`` uv wide at every ``spacing`` of a smooth field (plus ``offset``)."""
    f = np.asarray(field, np.float32)
    gy, gx = np.gradient(f)
    g = np.maximum(np.sqrt(gx * gx + gy * gy) * np.float32(size), np.float32(1e-4))
    t = (f - offset) / spacing
    d = np.abs(t - np.round(t)) * spacing / g - np.float32(width / 2)
    return coverage(d, size)


def bands(field: np.ndarray, colours, size: int, *, order: Sequence[int] | None = None, clip: bool = False,
          grad: np.ndarray | None = None) -> np.ndarray:
    """``(3, size, size)``: flat bands of ``colours`` (``(k, 3)`` floats 0..1), one per unit of a smooth field.

    Band ``i`` (where ``floor(field) == i``) takes ``colours[order[i mod len(order)]]``; by default the
    order runs up and back down the list (a ping-pong), so neighbouring bands are always neighbours in
    the list -- marbling, contour maps, spirals of paint.  ``clip`` instead clamps ``i`` to the list
    (rings inside a blob, a mass on its ground).  Each edge blends the two neighbouring colours over
    about one pixel, from the field's gradient (numerical, or ``grad`` in units per uv where it is known
    exactly -- across an angle's branch cut, say).
    """
    cols = np.asarray(colours, np.float32).reshape(-1, 3)
    k = len(cols)
    if order is None:
        order = np.concatenate([np.arange(k), np.arange(k - 2, 0, -1)]) if k > 2 else np.arange(k)
    order = np.asarray(order, np.int64)
    t = np.asarray(field, np.float32)
    if grad is None:
        gy, gx = np.gradient(t)
        g = np.sqrt(gx * gx + gy * gy) * np.float32(size)
    else:
        g = np.asarray(grad, np.float32)
    g = np.maximum(g, np.float32(1e-4))
    i = np.floor(t)
    f = t - i
    i = i.astype(np.int64)

    def col(j):
        idx = np.clip(j, 0, k - 1) if clip else order[np.mod(j, len(order))]
        return np.moveaxis(cols[idx], -1, 0)

    up = np.clip(0.5 - (1.0 - f) / g * size, 0.0, 1.0)  # the band above reaches into this pixel
    lo = np.clip(0.5 - f / g * size, 0.0, 1.0)          # ... and the band below
    return (col(i) * (1.0 - up - lo)[None] + col(i + 1) * up[None] + col(i - 1) * lo[None]).astype(np.float32)


class Canvas:
    """An image ``(channels, size, size)`` float32 in 0..1 (more while light adds up) drawn in uv coordinates."""

    def __init__(self, size: int, ground: Colour = 0.0, channels: int = 3):
        self.size, self.channels = int(size), int(channels)
        self.img = np.empty((self.channels, self.size, self.size), np.float32)
        self.img[:] = colour(ground, self.channels)

    @property
    def u(self) -> np.ndarray:
        return grid(self.size)[0]

    @property
    def v(self) -> np.ndarray:
        return grid(self.size)[1]

    def region(self, bounds: Bounds | None) -> tuple[slice, slice, np.ndarray, np.ndarray]:
        """``(rows, cols, u, v)`` of the window over ``bounds`` (the whole frame for ``None``)."""
        ys, xs = window(bounds, self.size)
        u, v = grid(self.size)
        return ys, xs, u[ys, xs], v[ys, xs]

    def mask(self, sdf: SDF | np.ndarray, bounds: Bounds | None = None, soft: float = 1.0) -> np.ndarray:
        """Coverage ``(size, size)`` of a shape (a callable ``sdf(u, v)`` or a full-frame distance array)."""
        if not callable(sdf):
            return coverage(np.asarray(sdf), self.size, soft)
        out = np.zeros((self.size, self.size), np.float32)
        ys, xs, u, v = self.region(bounds)
        if u.size:
            out[ys, xs] = coverage(sdf(u, v), self.size, soft)
        return out

    def blend(self, m: np.ndarray, c: Colour, alpha: float = 1.0, where: tuple[slice, slice] | None = None) -> None:
        """Paint colour ``c`` over the image through coverage ``m`` (the full frame, or the window ``where``)."""
        ys, xs = where or (slice(None), slice(None))
        a = (m * alpha)[None]
        tgt = self.img[:, ys, xs]
        tgt += (colour(c, self.channels) - tgt) * a

    def fill(self, sdf: SDF | np.ndarray, c: Colour, *, bounds: Bounds | None = None, alpha: float = 1.0,
             soft: float = 1.0) -> np.ndarray:
        """Paint the inside of a shape in ``c``; returns its coverage in the evaluated window."""
        if not callable(sdf):
            m = coverage(np.asarray(sdf), self.size, soft)
            self.blend(m, c, alpha)
            return m
        ys, xs, u, v = self.region(bounds)
        if not u.size:
            return np.zeros((0, 0), np.float32)
        m = coverage(sdf(u, v), self.size, soft)
        self.blend(m, c, alpha, (ys, xs))
        return m

    def stroke(self, sdf: SDF | np.ndarray, width: float, c: Colour, *, bounds: Bounds | None = None,
               alpha: float = 1.0, soft: float = 1.0) -> np.ndarray:
        """Draw the outline of a shape, ``width`` uv wide, centred on its edge."""
        if not callable(sdf):
            return self.fill(np.abs(np.asarray(sdf)) - width / 2, c, alpha=alpha, soft=soft)
        pad = width / 2
        if bounds is not None:
            bounds = (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
        return self.fill(lambda u, v: np.abs(sdf(u, v)) - width / 2, c, bounds=bounds, alpha=alpha, soft=soft)

    def add(self, sdf: SDF | np.ndarray, c: Colour, *, gain: float = 1.0, bounds: Bounds | None = None,
            soft: float = 1.0) -> np.ndarray:
        """Add light ``c * gain`` through a shape's coverage (light sums; tone-map at the end)."""
        if not callable(sdf):
            m = coverage(np.asarray(sdf), self.size, soft)
            self.img += colour(c, self.channels) * (m * gain)[None]
            return m
        ys, xs, u, v = self.region(bounds)
        if not u.size:
            return np.zeros((0, 0), np.float32)
        m = coverage(sdf(u, v), self.size, soft)
        self.img[:, ys, xs] += colour(c, self.channels) * (m * gain)[None]
        return m

    def add_field(self, field: np.ndarray, c: Colour, gain: float = 1.0) -> None:
        """Add a full-frame light field (e.g. a smooth halo or a noise texture) in colour ``c``."""
        self.img += colour(c, self.channels) * (np.asarray(field, np.float32) * gain)[None]

    def glow(self, cx: float, cy: float, r: float, c: Colour, *, gain: float = 1.0, halo: float = 3.0,
             halo_gain: float = 0.35) -> None:
        """A point of light: a crisp anti-aliased core of radius ``r`` plus a gaussian halo ``halo * r`` wide."""
        reach = max(r * halo * 2.5, r + 2.0 / self.size)
        ys, xs, u, v = self.region((cx - reach, cy - reach, cx + reach, cy + reach))
        if not u.size:
            return
        d = np.sqrt((u - cx) ** 2 + (v - cy) ** 2)
        m = coverage(d - r, self.size) + halo_gain * np.exp(-((d / (r * halo)) ** 2))
        self.img[:, ys, xs] += colour(c, self.channels) * (m * gain)[None]

    def points(self, x, y, r, c: Colour | np.ndarray, *, gain: float | np.ndarray = 1.0, mode: str = "add",
               halo: float = 0.0, halo_gain: float = 0.35) -> None:
        """Many small discs at once (point clouds, particles, dots), fully vectorised.

        ``x, y, r`` are arrays of centres and radii (uv; ``r`` may be one
        number), ``c`` one colour or one per point (``(k, channels)``), ``gain``
        one number or one per point.  ``mode`` "add" sums light (with an
        optional gaussian ``halo`` of ``halo * r``); "over" paints the discs
        over the picture (the largest coverage wins where they overlap).
        Each point costs its own few pixels, never the frame.  ``c`` is one
        colour (a grey level, an RGB triple, ``"#rrggbb"``) or a 2-D array
        with one row per point.
        """
        x, y = np.asarray(x, np.float32).ravel(), np.asarray(y, np.float32).ravel()
        n = x.size
        if n == 0:
            return
        r = np.broadcast_to(np.asarray(r, np.float32), (n,))
        g = np.broadcast_to(np.asarray(gain, np.float32), (n,))
        s = self.size
        if isinstance(c, str) or np.ndim(c) < 2:  # one colour for every point
            cols = np.broadcast_to(colour(c, self.channels).reshape(1, -1), (n, self.channels))
        else:  # one row per point
            cols = np.asarray(c, np.float32).reshape(n, -1)
            if self.channels == 1 and cols.shape[1] == 3:
                cols = (cols @ np.asarray([0.299, 0.587, 0.114], np.float32))[:, None]
            cols = np.broadcast_to(cols, (n, self.channels))
        reach = r * (1.0 + (2.5 * halo if mode == "add" and halo else 0.0)) + 1.5 / s
        k = int(np.ceil(float(reach.max()) * s)) + 1
        off = np.arange(-k, k + 1)
        px = np.floor(x * s).astype(np.int64)[:, None, None] + off[None, None, :]
        py = np.floor(y * s).astype(np.int64)[:, None, None] + off[None, :, None]
        ok = (px >= 0) & (px < s) & (py >= 0) & (py < s)
        d = np.sqrt(((px + 0.5) / s - x[:, None, None]) ** 2
                    + ((py + 0.5) / s - y[:, None, None]) ** 2).astype(np.float32)
        m = np.clip(0.5 - (d - r[:, None, None]) * s, 0.0, 1.0)
        if mode == "add" and halo:
            m = m + halo_gain * np.exp(-((d / (r[:, None, None] * halo)) ** 2))
        m = m * ok
        flat = (np.clip(py, 0, s - 1) * s + np.clip(px, 0, s - 1)).ravel()
        if mode == "add":
            w = (m * g[:, None, None]).ravel()
            for ch in range(self.channels):
                add = np.bincount(flat, w * np.repeat(cols[:, ch], m[0].size), minlength=s * s)
                self.img[ch] += add.reshape(s, s).astype(np.float32)
        elif mode == "over":
            w = (m * g[:, None, None]).ravel()
            cover = np.zeros(s * s, np.float32)
            np.maximum.at(cover, flat, w)
            # each pixel takes the colour of the point covering it most (assigned in rising order: the last wins)
            order = np.argsort(w, kind="stable")
            who = np.zeros(s * s, np.int64)
            who[flat[order]] = np.repeat(np.arange(n), m[0].size)[order]
            self.img += (cols[who].T.reshape(self.channels, s, s) - self.img) * cover.reshape(1, s, s)
        else:
            raise ValueError(f"points mode must be 'add' or 'over', got {mode!r}")

    def image(self) -> np.ndarray:
        """The picture, clipped to 0..1."""
        return np.clip(self.img, 0.0, 1.0)
