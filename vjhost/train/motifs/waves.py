"""Smooth fields from a few plane waves: the "few random Fourier coefficients" a 64-d latent can hold.

A :class:`Waves` is ``n`` plane waves, each a frequency (cycles per frame), a
direction, a phase and an amplitude -- ``4 n`` numbers define the whole field,
and each of them changes the picture smoothly.  Everything is analytic, so the
field's gradient is exact and its level sets get true one-pixel edges at any
size (:func:`distance`), and its curl is an exactly divergence-free flow
(:func:`curl`: streamlines are the field's contours, particles follow them
with :func:`trace`).  Evaluated in uv coordinates like the rest of the kit.

Typical uses: marbled colour bands and swirls (a warped coordinate), caustic
webs (the zero set of three waves at 120 degrees), a flow that particles or
streaks follow, a smooth displacement of a lattice.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Waves", "waves", "random_waves", "field", "gradient", "distance", "curl", "trace"]

_TAU = np.float32(2 * np.pi)


class Waves(NamedTuple):
    """``n`` plane waves ``amp * cos(2 pi freq (x cos angle + y sin angle) + phase)`` (arrays of ``n``)."""

    freq: np.ndarray
    angle: np.ndarray
    phase: np.ndarray
    amp: np.ndarray

    def __len__(self) -> int:  # type: ignore[override]
        return int(np.size(self.freq))


def waves(freq, angle, phase, amp=1.0) -> Waves:
    """Waves from their parameters (scalars broadcast to the longest of them)."""
    f, a, p, m = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, np.float64)) for x in (freq, angle, phase, amp)))
    return Waves(f.copy(), a.copy(), p.copy(), m.copy())


def random_waves(rng: np.random.Generator, n: int, freq: tuple[float, float] = (1.0, 3.0), decay: float = 1.0,
                 angle: float | None = None, spread: float = np.pi) -> Waves:
    """``n`` waves with frequencies uniform in ``freq`` and amplitudes ``freq ** -decay`` (normalised to sum 1).

    Directions are uniform, or within ``spread`` of ``angle`` when it is given;
    phases uniform.  Draws ``3 n`` numbers from ``rng`` in a fixed order.
    """
    k = rng.uniform(freq[0], freq[1], n)
    a = rng.uniform(-np.pi, np.pi, n) if angle is None else angle + rng.uniform(-spread, spread, n)
    ph = rng.uniform(0.0, 2 * np.pi, n)
    amp = k ** -float(decay)
    return Waves(k, a, ph, amp / amp.sum())


def _arg(x, y, w: Waves, i: int) -> np.ndarray:
    c, s = np.float32(np.cos(w.angle[i])), np.float32(np.sin(w.angle[i]))
    return _TAU * np.float32(w.freq[i]) * (x * c + y * s) + np.float32(w.phase[i])


def field(x, y, w: Waves) -> np.ndarray:
    """The sum of the waves at ``(x, y)`` (uv), float32; within ``[-sum |amp|, sum |amp|]``."""
    out = np.zeros(np.broadcast(x, y).shape, np.float32)
    for i in range(len(w)):
        out += np.float32(w.amp[i]) * np.cos(_arg(x, y, w, i))
    return out


def gradient(x, y, w: Waves) -> tuple[np.ndarray, np.ndarray]:
    """The exact gradient ``(d/dx, d/dy)`` of :func:`field` (per uv)."""
    gx = np.zeros(np.broadcast(x, y).shape, np.float32)
    gy = np.zeros_like(gx)
    for i in range(len(w)):
        s = np.float32(-w.amp[i] * 2 * np.pi * w.freq[i]) * np.sin(_arg(x, y, w, i))
        gx += s * np.float32(np.cos(w.angle[i]))
        gy += s * np.float32(np.sin(w.angle[i]))
    return gx, gy


def distance(x, y, w: Waves, level: float = 0.0) -> np.ndarray:
    """First-order signed distance (uv) to the contour ``field == level``, negative where the field is above it.

    Exact on the contour and close near it; where the gradient vanishes (a
    saddle on the contour) the distance stays small, so crossings stay joined.
    """
    gx, gy = gradient(x, y, w)
    g = np.sqrt(gx * gx + gy * gy)
    return ((np.float32(level) - field(x, y, w)) / np.maximum(g, np.float32(1e-3))).astype(np.float32)


def curl(x, y, w: Waves) -> tuple[np.ndarray, np.ndarray]:
    """The divergence-free flow whose stream function is the field: ``(d/dy, -d/dx)``; streamlines are its contours."""
    gx, gy = gradient(x, y, w)
    return gy, -gx


def trace(x0, y0, w: Waves, steps: int, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Particles from ``(x0, y0)`` (arrays of ``k``) carried ``steps`` times by the curl flow, ``step`` uv each.

    Each step moves ``step`` uv along the flow's direction (midpoint rule), so
    the trails have even spacing whatever the flow's speed.  Returns ``(k,
    steps + 1)`` arrays of positions, the start first.
    """
    px = np.empty((np.size(x0), steps + 1), np.float64)
    py = np.empty_like(px)
    px[:, 0], py[:, 0] = np.ravel(x0), np.ravel(y0)

    def unit(a, b):
        vx, vy = curl(a, b, w)
        n = np.maximum(np.hypot(vx, vy), 1e-6)
        return vx / n, vy / n

    for t in range(steps):
        ux, uy = unit(px[:, t], py[:, t])
        mx, my = unit(px[:, t] + 0.5 * step * ux, py[:, t] + 0.5 * step * uy)
        px[:, t + 1] = px[:, t] + step * mx
        py[:, t + 1] = py[:, t] + step * my
    return px, py
