"""Arrangements: many elements placed by a rule that follows from a few numbers.

A dense picture need not be many random numbers.  Each function here places
as many elements as the picture wants -- dots on concentric rings, seeds of a
sunflower spiral, beads at even steps along a curve, a lattice of lights seen
in perspective, k-fold symmetric copies -- from a handful of parameters (a
centre, a spacing, a turn), so a 64-d latent can hold the whole arrangement.
Everything is in uv coordinates (0..1, ``v`` down) like the rest of the kit;
the results are plain arrays to hand to :meth:`.raster.Canvas.points`, to
:class:`.light.Lights`, or to a loop of shapes.

Every function returns a :class:`Placed`: ``x, y`` (centres), ``index`` (the
element's integer index in its rule: ring number, seed number, depth layer,
bead number -- for colour rules like ``index % 3``), ``t`` (a continuous
coordinate the rule gives it: ring radius, arc position, depth) and ``angle``
(its direction: around the ring, along the curve, out of the centre).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["Placed", "concentric", "phyllotaxis", "along", "curve", "spiral", "perspective_lattice",
           "rotated_copies", "inside", "GOLDEN_ANGLE"]

#: the golden angle (radians): successive seeds of a sunflower head turn by it
GOLDEN_ANGLE = float(np.pi * (3.0 - np.sqrt(5.0)))


class Placed(NamedTuple):
    x: np.ndarray      # centres (uv)
    y: np.ndarray
    index: np.ndarray  # the element's integer index in its rule (int)
    t: np.ndarray      # a continuous coordinate from the rule (radius, arc length, depth)
    angle: np.ndarray  # a direction (radians): around the ring, along the curve, out of the centre

    def take(self, keep: np.ndarray) -> "Placed":
        """The elements where ``keep`` (a boolean mask or index array) holds."""
        return Placed(*(np.asarray(a)[keep] for a in self))

    @property
    def n(self) -> int:
        """How many elements."""
        return int(np.size(self.x))


def _placed(x, y, index, t, angle) -> Placed:
    return Placed(np.asarray(x, np.float64), np.asarray(y, np.float64), np.asarray(index, np.int64),
                  np.asarray(t, np.float64), np.asarray(angle, np.float64))


def concentric(cx: float, cy: float, step: float, spacing: float | Callable[[np.ndarray], np.ndarray] | None = None,
               *, per_ring: int | None = None, first: float | None = None, reach: float = 0.75, twist: float = 0.0,
               phase: float = 0.0) -> Placed:
    """Elements on concentric rings ``step`` apart around ``(cx, cy)``, ``spacing`` apart along each ring.

    Ring ``k`` (``index``, from 0) has radius ``first + k * step`` (``first``
    defaults to ``step``; ``t`` is the radius) and as many elements as fit at
    that spacing (``spacing`` may be a function of the radius: dots that grow
    outward sit further apart), starting at angle ``phase + k * twist``.  A
    centre element (radius 0) comes first when ``first`` is 0.  Rings stop at
    radius ``reach``.

    Or give ``per_ring`` instead of ``spacing``: ring ``k`` then holds
    ``per_ring * (k + 1)`` elements (evenly spaced, about ``2 pi step /
    per_ring`` apart with the default ``first``).  The counts no longer depend
    on a continuous parameter, so the picture changes smoothly with ``step``
    (a count rounded from the spacing jumps, and every element of its ring
    with it).
    """
    if (spacing is None) == (per_ring is None):
        raise ValueError("give one of spacing or per_ring")
    first = step if first is None else first
    xs, ys, ks, rs, angs = [], [], [], [], []
    k = 0
    while first + k * step <= reach + 1e-9:
        r = first + k * step
        if r <= 1e-9:
            xs.append([cx]), ys.append([cy]), ks.append([k]), rs.append([0.0]), angs.append([phase])
        else:
            if per_ring is not None:
                n = int(per_ring) * (k + 1)
            else:
                gap = float(spacing(np.asarray(r)) if callable(spacing) else spacing)
                n = max(1, int(round(2 * np.pi * r / max(gap, 1e-6))))
            a = phase + k * twist + 2 * np.pi * np.arange(n) / n
            xs.append(cx + r * np.cos(a)), ys.append(cy + r * np.sin(a))
            ks.append(np.full(n, k)), rs.append(np.full(n, r)), angs.append(a)
        k += 1
    cat = np.concatenate
    return _placed(cat(xs), cat(ys), cat(ks), cat(rs), np.mod(cat(angs), 2 * np.pi))


def phyllotaxis(cx: float, cy: float, spacing: float, n: int, *, turn: float = GOLDEN_ANGLE,
                rotation: float = 0.0, first: int = 0) -> Placed:
    """A sunflower head (Vogel's model): seed ``i`` at radius ``spacing * sqrt(i)``, angle ``i * turn``.

    With the golden angle the seeds pack evenly in interlocking spirals, each
    holding an area of ``pi * spacing**2`` (neighbours about ``1.75 * spacing``
    apart); a turn slightly off it opens visible spiral arms.
    ``t`` is the radius, ``angle`` the direction out of the centre.
    """
    i = np.arange(first, first + int(n))
    r = spacing * np.sqrt(i)
    a = rotation + i * turn
    return _placed(cx + r * np.cos(a), cy + r * np.sin(a), i, r, np.mod(a, 2 * np.pi))


def along(x: np.ndarray, y: np.ndarray, spacing: float, *, offset: float = 0.0) -> Placed:
    """Beads every ``spacing`` (uv, measured along the curve) on the polyline ``x, y`` (dense samples of a curve).

    The first bead sits ``offset`` (taken modulo the spacing) from the start.
    ``t`` is the arc length of each bead from the start, ``angle`` the curve's
    direction there, ``index`` the bead's number.
    """
    x, y = np.asarray(x, np.float64).ravel(), np.asarray(y, np.float64).ravel()
    if x.size < 2:
        return _placed([], [], [], [], [])
    seg = np.hypot(np.diff(x), np.diff(y))
    s = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.arange(np.mod(offset, spacing), s[-1] + 1e-12, spacing)
    j = np.clip(np.searchsorted(s, at, side="right") - 1, 0, seg.size - 1)
    f = (at - s[j]) / np.maximum(seg[j], 1e-12)
    bx, by = x[j] + f * (x[j + 1] - x[j]), y[j] + f * (y[j + 1] - y[j])
    ang = np.arctan2(y[j + 1] - y[j], x[j + 1] - x[j])
    return _placed(bx, by, np.arange(at.size), at, ang)


def curve(fn: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], spacing: float, *, t0: float = 0.0,
          t1: float = 1.0, samples: int = 1024, offset: float = 0.0) -> Placed:
    """Beads every ``spacing`` (arc length) along the parametric curve ``fn(t) -> (x, y)``, ``t`` from ``t0``
    to ``t1``."""
    t = np.linspace(t0, t1, samples)
    x, y = fn(t)
    return along(x, y, spacing, offset=offset)


def spiral(cx: float, cy: float, pitch: float, spacing: float, *, turns: float = 4.0, rotation: float = 0.0,
           first: float = 0.0, arms: int = 1, offset: float = 0.0) -> Placed:
    """Beads every ``spacing`` along an Archimedean spiral (radius grows ``pitch`` per turn), ``arms`` of them.

    Arm ``m`` is turned by ``2 pi m / arms``; ``index`` numbers the arms (the
    bead number is the order within the result), ``t`` is the radius.
    """
    xs, ys, ks, rs, angs = [], [], [], [], []
    for m in range(int(arms)):
        rot = rotation + 2 * np.pi * m / arms
        th = np.linspace(0.0, 2 * np.pi * turns, max(64, int(512 * turns)))
        r = first + pitch * th / (2 * np.pi)
        p = along(cx + r * np.cos(th + rot), cy + r * np.sin(th + rot), spacing, offset=offset)
        xs.append(p.x), ys.append(p.y), ks.append(np.full(p.n, m))
        rs.append(np.hypot(p.x - cx, p.y - cy)), angs.append(p.angle)
    cat = np.concatenate
    return _placed(cat(xs), cat(ys), cat(ks), cat(rs), cat(angs))


def perspective_lattice(vx: float, vy: float, focal: float, spacing: float, depths: np.ndarray, *,
                        offset: tuple[float, float] = (0.0, 0.0), margin: float = 0.05,
                        ys: tuple[float, float] | None = None) -> tuple[Placed, np.ndarray, np.ndarray]:
    """A 3-D lattice of points seen by a pinhole camera looking down +Z, vanishing point ``(vx, vy)``.

    Lattice points sit at ``X = (i + ox) * spacing``, ``Y = (j + oy) * spacing``
    on each plane ``Z`` of ``depths``; they project to ``(vx + focal X / Z,
    vy + focal Y / Z)``.  Only points within the frame (plus ``margin``) are
    kept; ``ys`` limits the lattice's ``Y`` range (a floor and a ceiling).
    Returns the points (``index``: the depth plane, ``t``: ``Z``, ``angle``:
    the direction from the vanishing point), ``scale = focal / Z`` per point
    (multiply a size by it) and the lattice indices ``(n, 2)`` ``i, j`` of
    each point (for colour rules like ``(i + j + plane) % 3``).
    """
    xs_, ys_, ks, zs, sc, ij = [], [], [], [], [], []
    for k, z in enumerate(np.asarray(depths, np.float64)):
        s = focal / z
        # the lattice columns and rows whose projection lands in the frame
        ilo = np.floor(((-margin - vx) / s) / spacing - offset[0]) - 1
        ihi = np.ceil(((1 + margin - vx) / s) / spacing - offset[0]) + 1
        jlo = np.floor(((-margin - vy) / s) / spacing - offset[1]) - 1
        jhi = np.ceil(((1 + margin - vy) / s) / spacing - offset[1]) + 1
        i, j = np.meshgrid(np.arange(ilo, ihi + 1), np.arange(jlo, jhi + 1))
        i, j = i.ravel(), j.ravel()
        X, Y = (i + offset[0]) * spacing, (j + offset[1]) * spacing
        if ys is not None:
            ok = (Y >= ys[0]) & (Y <= ys[1])
            X, Y, i, j = X[ok], Y[ok], i[ok], j[ok]
        x, y = vx + s * X, vy + s * Y
        keep = (x > -margin) & (x < 1 + margin) & (y > -margin) & (y < 1 + margin)
        xs_.append(x[keep]), ys_.append(y[keep]), ks.append(np.full(int(keep.sum()), k))
        zs.append(np.full(int(keep.sum()), z)), sc.append(np.full(int(keep.sum()), s))
        ij.append(np.stack([i[keep], j[keep]], 1).astype(np.int64))
    cat = np.concatenate
    x, y = cat(xs_), cat(ys_)
    return _placed(x, y, cat(ks), cat(zs), np.arctan2(y - vy, x - vx)), cat(sc), cat(ij)


def rotated_copies(p: Placed, cx: float, cy: float, k: int, *, mirror: bool = False) -> Placed:
    """``k``-fold rotational copies of an arrangement about ``(cx, cy)`` (and their mirror images about the
    first copy's axis through the centre, ``mirror``); ``index`` becomes ``copy * len(p) + index``."""
    out = []
    n = p.n
    for m in range(int(k)):
        a = 2 * np.pi * m / k
        c, s = np.cos(a), np.sin(a)
        dx, dy = p.x - cx, p.y - cy
        out.append((cx + c * dx - s * dy, cy + s * dx + c * dy, m * n + p.index, p.t, p.angle + a))
        if mirror:
            out.append((cx + c * dx + s * dy, cy + s * dx - c * dy, (k + m) * n + p.index, p.t, a - p.angle))
    return _placed(*(np.concatenate([o[i] for o in out]) for i in range(5)))


def inside(p: Placed, margin: float = 0.0) -> Placed:
    """The elements whose centres lie in the frame grown by ``margin`` (uv)."""
    return p.take((p.x > -margin) & (p.x < 1 + margin) & (p.y > -margin) & (p.y < 1 + margin))
