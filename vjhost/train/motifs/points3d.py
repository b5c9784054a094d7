"""Point clouds in 3-D, drawn as dots: shapes made of many points that follow from a few numbers.

A hologram-like sphere, a torus, a wave surface or a spiral are hundreds of
points placed by a rule (a Fibonacci lattice, a parametric grid), never by
independent random draws; turning the cloud (:func:`rotate`) and looking at it
in perspective (:func:`project`) are a handful of continuous parameters.
:func:`project` returns the screen position (uv), a size and a brightness per
point from its depth, ready for :meth:`.raster.Canvas.points`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fibonacci_sphere", "torus", "surface", "spiral", "rotate", "project"]

_GOLDEN = np.pi * (3.0 - np.sqrt(5.0))


def fibonacci_sphere(n: int) -> np.ndarray:
    """``(n, 3)``: ``n`` evenly spread points on the unit sphere (a Fibonacci lattice)."""
    i = np.arange(n, dtype=np.float64) + 0.5
    z = 1.0 - 2.0 * i / n
    r = np.sqrt(np.maximum(0.0, 1.0 - z * z))
    a = _GOLDEN * i
    return np.stack([r * np.cos(a), r * np.sin(a), z], 1)


def torus(n_major: int, n_minor: int, radius: float = 0.7, tube: float = 0.3, twist: float = 0.0) -> np.ndarray:
    """``(n_major * n_minor, 3)``: rings of ``n_minor`` points around a circle of ``radius``; ``twist`` turns
    each ring."""
    a = 2 * np.pi * np.arange(n_major)[:, None] / n_major
    b = 2 * np.pi * np.arange(n_minor)[None, :] / n_minor + twist * a
    x = (radius + tube * np.cos(b)) * np.cos(a)
    y = (radius + tube * np.cos(b)) * np.sin(a)
    z = tube * np.sin(b) * np.ones_like(a)
    return np.stack([x.ravel(), y.ravel(), z.ravel()], 1)


def surface(nx: int, ny: int, height, extent: float = 1.0) -> np.ndarray:
    """``(nx * ny, 3)``: a square grid of points in the x-y plane (``-extent..extent``) lifted by ``height(x, y)``."""
    x, y = np.meshgrid(np.linspace(-extent, extent, nx), np.linspace(-extent, extent, ny))
    return np.stack([x.ravel(), y.ravel(), np.asarray(height(x, y), np.float64).ravel()], 1)


def spiral(n: int, turns: float, radius: float = 1.0, height: float = 1.0, arms: int = 1) -> np.ndarray:
    """``(n, 3)``: points along ``arms`` spirals of ``turns`` turns widening to ``radius`` while rising ``height``."""
    t = (np.arange(n) + 0.5) / n
    arm = np.arange(n) % arms
    a = 2 * np.pi * (turns * t + arm / arms)
    r = radius * t
    return np.stack([r * np.cos(a), r * np.sin(a), height * (t - 0.5)], 1)


def rotate(p: np.ndarray, yaw: float, pitch: float, roll: float = 0.0) -> np.ndarray:
    """``p`` ``(n, 3)`` turned by ``yaw`` about y (the vertical), then ``pitch`` about x, then ``roll`` about z."""
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return np.asarray(p, np.float64) @ (rz @ rx @ ry).T


def project(p: np.ndarray, cx: float = 0.5, cy: float = 0.5, scale: float = 0.35, distance: float = 3.0
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Perspective from a camera ``distance`` in front of the cloud (+z towards the viewer).

    Returns ``x, y`` (uv: the cloud's origin at ``(cx, cy)``, a unit length
    ``scale`` uv at the origin's depth; y up on the screen), the perspective
    ``size`` factor per point (1 at the origin's depth, larger nearer) and the
    ``near`` factor 0..1 (0 the farthest point, 1 the nearest), both for sizes
    and brightness.  Points come back sorted far to near (painter's order).
    """
    p = np.asarray(p, np.float64)
    depth = distance - p[:, 2]
    k = distance / np.maximum(depth, 1e-3)
    order = np.argsort(-depth, kind="stable")
    x = cx + scale * p[:, 0] * k
    y = cy - scale * p[:, 1] * k
    span = np.ptp(depth) if len(depth) else 0.0
    near = (depth.max() - depth) / span if span > 0 else np.ones_like(depth)
    return x[order], y[order], k[order], near[order]
