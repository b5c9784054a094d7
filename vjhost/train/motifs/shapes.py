"""Signed distance fields of simple shapes, vectorised over numpy coordinate arrays.

Every function takes the sample coordinates ``x, y`` (arrays of any one shape,
uv units: :func:`.raster.grid` or a window of it) and the shape's parameters
in uv units (sizes may be arrays of the same shape too: one size per cell of
a tiling), and returns the signed distance to its edge: negative inside,
positive outside, in uv units -- exact for discs, rings, boxes, segments,
polygons, stars, vesica petals and arcs, a close approximation for ellipses
and flowers.  Turn one into an anti-aliased mask with
:func:`.raster.coverage` or draw it with a :class:`.raster.Canvas`.

``angle`` (radians) turns a shape about its centre (counter-clockwise on the
screen as ``v`` grows downward: clockwise-looking; only the relative turn
matters).  Combine fields with :func:`union`, :func:`intersect`,
:func:`subtract`, :func:`outline` and :func:`smooth_union`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import numpy as np

__all__ = ["local", "disc", "ellipse", "ring", "box", "polygon", "star", "segment", "polyline", "arc",
           "petal", "flower", "half_plane", "union", "intersect", "subtract", "outline", "smooth_union"]

_EPS = 1e-9


def local(x: np.ndarray, y: np.ndarray, cx: float, cy: float, angle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` relative to the centre ``(cx, cy)``, turned by ``-angle`` (the shape's own frame)."""
    dx, dy = x - np.float32(cx), y - np.float32(cy)
    if angle == 0.0:
        return dx, dy
    c, s = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    return dx * c + dy * s, dy * c - dx * s


def disc(x, y, cx: float, cy: float, r: float) -> np.ndarray:
    return np.sqrt((x - np.float32(cx)) ** 2 + (y - np.float32(cy)) ** 2) - np.float32(r)


def ring(x, y, cx: float, cy: float, r: float, width: float) -> np.ndarray:
    """A ring of radius ``r`` (to the middle of the band) and band ``width``."""
    return np.abs(disc(x, y, cx, cy, r)) - np.float32(width / 2)


def ellipse(x, y, cx: float, cy: float, rx: float, ry: float, angle: float = 0.0) -> np.ndarray:
    """An ellipse with semi-axes ``rx``, ``ry`` (a first-order distance: exact on the edge, close near it)."""
    px, py = local(x, y, cx, cy, angle)
    k0 = np.sqrt((px / rx) ** 2 + (py / ry) ** 2)
    k1 = np.sqrt((px / (rx * rx)) ** 2 + (py / (ry * ry)) ** 2)
    return np.where(k1 > 1e-6, k0 * (k0 - 1.0) / np.maximum(k1, _EPS), -np.minimum(rx, ry)).astype(np.float32)


def box(x, y, cx: float, cy: float, hw: float, hh: float, angle: float = 0.0, radius: float = 0.0) -> np.ndarray:
    """A rectangle of half-width ``hw`` and half-height ``hh``; ``radius`` rounds its corners."""
    px, py = local(x, y, cx, cy, angle)
    r = np.minimum(np.minimum(radius, hw), hh).astype(np.float32)
    qx = np.abs(px) - np.float32(hw) + r
    qy = np.abs(py) - np.float32(hh) + r
    outside = np.sqrt(np.maximum(qx, 0) ** 2 + np.maximum(qy, 0) ** 2)
    return outside + np.minimum(np.maximum(qx, qy), 0) - r


def polygon(x, y, cx: float, cy: float, r: float, n: int, angle: float = 0.0) -> np.ndarray:
    """A regular ``n``-gon of circumradius ``r``, one vertex pointing along ``+v`` (turned by ``angle``)."""
    return star(x, y, cx, cy, r, n, 2.0, angle)


def star(x, y, cx: float, cy: float, r: float, n: int, sharpness: float = 3.0, angle: float = 0.0) -> np.ndarray:
    """An ``n``-pointed star of outer radius ``r``; ``sharpness`` from 2 (a polygon) to ``n`` (needle points)."""
    px, py = local(x, y, cx, cy, angle)
    an = np.pi / n
    en = np.pi / float(np.clip(sharpness, 2.0, n))
    acx, acy = np.float32(np.cos(an)), np.float32(np.sin(an))
    ecx, ecy = np.float32(np.cos(en)), np.float32(np.sin(en))
    bn = np.mod(np.arctan2(px, py), 2 * an) - an
    rho = np.sqrt(px * px + py * py)
    qx, qy = rho * np.cos(bn) - r * acx, rho * np.abs(np.sin(bn)) - r * acy
    t = np.clip(-(qx * ecx + qy * ecy), 0.0, r * acy / ecy)
    qx, qy = qx + ecx * t, qy + ecy * t
    return (np.sqrt(qx * qx + qy * qy) * np.sign(qx)).astype(np.float32)


def segment(x, y, ax: float, ay: float, bx: float, by: float, width: float) -> np.ndarray:
    """A line from ``(ax, ay)`` to ``(bx, by)``, ``width`` thick, with round caps."""
    pax, pay = x - np.float32(ax), y - np.float32(ay)
    bax, bay = np.float32(bx - ax), np.float32(by - ay)
    h = np.clip((pax * bax + pay * bay) / max(float(bax * bax + bay * bay), _EPS), 0.0, 1.0)
    return np.sqrt((pax - bax * h) ** 2 + (pay - bay * h) ** 2) - np.float32(width / 2)


def polyline(x, y, points: Sequence[Sequence[float]] | np.ndarray, width: float, closed: bool = False) -> np.ndarray:
    """Connected segments through ``points`` (``(k, 2)``), ``width`` thick, round joins; ``closed`` joins the ends."""
    p = np.asarray(points, np.float64)
    if closed:
        p = np.vstack([p, p[:1]])
    if len(p) == 1:
        return disc(x, y, p[0, 0], p[0, 1], width / 2)
    d = None
    for (ax, ay), (bx, by) in zip(p[:-1], p[1:]):
        s = segment(x, y, ax, ay, bx, by, width)
        d = s if d is None else np.minimum(d, s)
    return d


def arc(x, y, cx: float, cy: float, r: float, width: float, start: float, sweep: float) -> np.ndarray:
    """A circular arc of radius ``r`` from angle ``start`` through ``sweep`` (radians), ``width`` thick, round caps."""
    dx, dy = x - np.float32(cx), y - np.float32(cy)
    a = np.mod(np.arctan2(dy, dx) - start, 2 * np.pi)
    on = a <= sweep
    d_arc = np.abs(np.sqrt(dx * dx + dy * dy) - r)
    ex0, ey0 = r * np.cos(start), r * np.sin(start)
    ex1, ey1 = r * np.cos(start + sweep), r * np.sin(start + sweep)
    d_end = np.minimum(np.sqrt((dx - ex0) ** 2 + (dy - ey0) ** 2), np.sqrt((dx - ex1) ** 2 + (dy - ey1) ** 2))
    return (np.where(on, d_arc, d_end) - width / 2).astype(np.float32)


def petal(x, y, cx: float, cy: float, length: float, width: float, angle: float = 0.0) -> np.ndarray:
    """A pointed petal (a vesica: two circles' lens) from its base ``(cx, cy)`` along ``angle``."""
    a, b = length / 2, max(min(width / 2, length / 2), 1e-6)
    px, py = local(x, y, cx + a * np.cos(angle), cy + a * np.sin(angle), angle)
    return _vesica(np.abs(py), np.abs(px), a, b)


def _vesica(px, py, a: float, b: float) -> np.ndarray:
    """The lens of half-length ``a`` (along ``py``) and half-width ``b`` (along ``px``), both already ``abs``."""
    r = (a * a / b + b) / 2
    d = (a * a / b - b) / 2
    use_tip = (py - a) * d > px * a
    tip = np.sqrt(px * px + (py - a) ** 2)
    side = np.sqrt((px + d) ** 2 + py * py) - r
    return np.where(use_tip, tip, side).astype(np.float32)


def flower(x, y, cx: float, cy: float, r: float, petals: int, angle: float = 0.0, width: float = 1.0,
           pointed: bool = False) -> np.ndarray:
    """A ring of ``petals`` petals reaching out to radius ``r`` (no centre: draw it with :func:`disc`).

    Round petals are discs spaced around the centre, ``width`` 1 making
    neighbours touch; pointed ones are vesica petals from the centre.  Exact
    near each petal (the angle is folded into one petal's sector).
    """
    px, py = local(x, y, cx, cy, angle)
    sector = 2 * np.pi / petals
    a = np.arctan2(py, px)
    k = np.round(a / sector)
    a = a - k * sector
    rho = np.sqrt(px * px + py * py)
    qx, qy = rho * np.cos(a), rho * np.sin(a)
    if pointed:
        b = r / 2 * np.sin(sector / 2) * width  # neighbours touch at their widest for width 1
        return _vesica(np.abs(qy), np.abs(qx - r / 2), r / 2, np.minimum(b, r / 2))  # r may be per sample
    pr = r * np.sin(sector / 2) / (1 + np.sin(sector / 2)) * width  # the petal disc radius
    return (np.sqrt((qx - (r - pr)) ** 2 + qy * qy) - pr).astype(np.float32)


def half_plane(x, y, px: float, py: float, angle: float) -> np.ndarray:
    """Everything on one side of the line through ``(px, py)``: inside where ``local y`` is positive."""
    _, ly = local(x, y, px, py, angle)
    return -ly


def union(*ds: np.ndarray) -> np.ndarray:
    return reduce(np.minimum, ds)


def intersect(*ds: np.ndarray) -> np.ndarray:
    return reduce(np.maximum, ds)


def subtract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` with ``b`` cut out."""
    return np.maximum(a, -b)


def outline(d: np.ndarray, width: float) -> np.ndarray:
    """The band ``width`` wide centred on a shape's edge."""
    return np.abs(d) - np.float32(width / 2)


def smooth_union(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Union with the seam rounded over about ``k`` (uv): blobs that melt together."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)
