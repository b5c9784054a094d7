"""Smooth, seedable noise: value noise, gradient noise, fBm and domain warping (vectorised numpy).

All functions are evaluated at uv coordinates with a frequency in cycles per
frame, so a texture is the same at any size (a seed, a frequency and an
offset define it, never fresh per-pixel randomness).  The lattice values come
from an integer hash of the lattice point and the seed
(:func:`.tiling.hash_u32`): the same seed gives the same texture everywhere.
Values lie in about ``[-1, 1]``.
"""

from __future__ import annotations

import numpy as np

from .tiling import hash_u32

__all__ = ["value_noise", "gradient_noise", "fbm", "warp", "ridged"]


def _fade(t: np.ndarray) -> np.ndarray:
    return t * t * t * (t * (t * 6 - 15) + 10)


def _lattice(x, y, freq: float):
    gx, gy = x * np.float32(freq), y * np.float32(freq)
    ix, iy = np.floor(gx), np.floor(gy)
    return gx - ix, gy - iy, ix.astype(np.int64), iy.astype(np.int64)


def _unit(h: np.ndarray) -> np.ndarray:
    return (h >> np.uint32(8)).astype(np.float32) * np.float32(2.0 / (1 << 24)) - np.float32(1.0)


def value_noise(x, y, freq: float, seed: int) -> np.ndarray:
    """Smoothly interpolated random values on a lattice ``freq`` cells per frame, in ``[-1, 1]``."""
    fx, fy, ix, iy = _lattice(x, y, freq)
    sx, sy = _fade(fx), _fade(fy)
    v00, v10 = _unit(hash_u32(ix, iy, seed)), _unit(hash_u32(ix + 1, iy, seed))
    v01, v11 = _unit(hash_u32(ix, iy + 1, seed)), _unit(hash_u32(ix + 1, iy + 1, seed))
    a = v00 + (v10 - v00) * sx
    b = v01 + (v11 - v01) * sx
    return a + (b - a) * sy


def _grad_dot(ix, iy, seed, dx, dy):
    ang = (hash_u32(ix, iy, seed) >> np.uint32(8)).astype(np.float32) * np.float32(2 * np.pi / (1 << 24))
    return np.cos(ang) * dx + np.sin(ang) * dy


def gradient_noise(x, y, freq: float, seed: int) -> np.ndarray:
    """Perlin-style gradient noise, ``freq`` cells per frame, scaled to about ``[-1, 1]``."""
    fx, fy, ix, iy = _lattice(x, y, freq)
    sx, sy = _fade(fx), _fade(fy)
    n00 = _grad_dot(ix, iy, seed, fx, fy)
    n10 = _grad_dot(ix + 1, iy, seed, fx - 1, fy)
    n01 = _grad_dot(ix, iy + 1, seed, fx, fy - 1)
    n11 = _grad_dot(ix + 1, iy + 1, seed, fx - 1, fy - 1)
    a = n00 + (n10 - n00) * sx
    b = n01 + (n11 - n01) * sx
    return (a + (b - a) * sy) * np.float32(1.4142)


def fbm(x, y, freq: float, seed: int, octaves: int = 4, gain: float = 0.5, lacunarity: float = 2.0,
        kind: str = "gradient") -> np.ndarray:
    """Fractal sum of ``octaves`` noise layers (each ``lacunarity`` times finer, ``gain`` times weaker),
    ~``[-1, 1]``."""
    fn = {"gradient": gradient_noise, "value": value_noise}[kind]
    total = np.zeros(np.shape(x), np.float32)
    amp, norm, f = 1.0, 0.0, float(freq)
    for o in range(int(octaves)):
        total += np.float32(amp) * fn(x, y, f, seed + 7919 * o)
        norm += amp
        amp *= gain
        f *= lacunarity
    return total / np.float32(norm)


def ridged(x, y, freq: float, seed: int, octaves: int = 4) -> np.ndarray:
    """``1 - |fbm|``: sharp ridges along the noise's zero lines (veins, cracks, caustic-like webs), in ``[0, 1]``."""
    return 1.0 - np.abs(fbm(x, y, freq, seed, octaves))


def warp(x, y, freq: float, amount: float, seed: int, octaves: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The coordinates pushed by a smooth noise field ``amount`` uv: swirls and flows (domain warping)."""
    return (x + np.float32(amount) * fbm(x, y, freq, seed, octaves),
            y + np.float32(amount) * fbm(x, y, freq, seed + 104729, octaves))
