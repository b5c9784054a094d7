"""Procedural surface textures from smooth functions: brick walls and concrete.

A texture follows from a few numbers (course count, bond, a noise seed and
scale) and is the same picture at any size.  Crisp parts (mortar joints,
pits) are signed distances, anti-aliased by :func:`.raster.coverage`; the
soft part (the surface's mottling) is low-frequency fBm, never per-pixel noise.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .noise import fbm, gradient_noise
from .tiling import cell_hash, square_cells

__all__ = ["Bricks", "brick", "concrete"]


class Bricks(NamedTuple):
    mortar: np.ndarray  # signed distance to the mortar joints (uv): negative inside a joint
    shade: np.ndarray   # a per-brick value in [0, 1) (its tone)
    ix: np.ndarray      # the brick's column and course
    iy: np.ndarray


def brick(x, y, courses: float = 12.0, ratio: float = 2.0, joint: float = 0.12, bond: float = 0.5,
          offset: tuple[float, float] = (0.0, 0.0), angle: float = 0.0, seed: int = 0) -> Bricks:
    """A brick wall: ``courses`` rows of bricks per frame height, each ``ratio`` times as long as high.

    ``joint`` is the mortar's width as a share of a course; ``bond`` shifts
    every other course by that share of a brick (0.5: running bond).
    """
    h = 1.0 / courses
    w = h * ratio
    # cells as tall as a course and as wide as a brick: scale y so one square cell covers a brick
    if angle:
        ca, sa = np.float32(np.cos(angle)), np.float32(np.sin(angle))
        dx, dy = x - np.float32(0.5), y - np.float32(0.5)
        x, y = dx * ca + dy * sa + np.float32(0.5), dy * ca - dx * sa + np.float32(0.5)
    c = square_cells(x, y * np.float32(ratio), w, offset=(offset[0], offset[1] * ratio), stagger=bond)
    lx, ly = c.x, c.y / np.float32(ratio)
    # distance to the cell's border (inside the brick: positive), minus half a joint
    # distance from the brick's border inward; the joint is the band within joint*h/2 of a border
    inner = np.minimum(w / 2 - np.abs(lx), h / 2 - np.abs(ly))
    mortar = inner - np.float32(joint * h / 2)
    return Bricks(mortar.astype(np.float32), cell_hash(c.ix, c.iy, seed, 3), c.ix, c.iy)


def concrete(x, y, seed: int, scale: float = 5.0, contrast: float = 0.12, pits: float = 0.0,
             size: int | None = None) -> np.ndarray:
    """A concrete surface's brightness around 0.5: mottled fBm ``scale`` cells per frame, ``contrast`` deep.

    ``pits`` > 0 adds small dark pores (the share of the surface, about):
    crisp-edged where ``size`` (the raster size) is given, so they keep one-pixel
    edges instead of blurring.
    """
    base = 0.5 + contrast * fbm(x, y, scale, seed, octaves=4)
    if pits > 0:
        freq = scale * 9.0
        n = gradient_noise(x, y, freq, seed + 31)
        thresh = 0.3 * _normal_quantile(1.0 - pits)  # gradient noise is about N(0, 0.3) in its body
        if size:
            # n is ~ linear across a pore's edge; its slope is about 1.06 * freq per uv
            d = (thresh - n) / np.float32(1.06 * freq)
            m = np.clip(0.5 - d * size, 0.0, 1.0)
        else:
            m = (n > thresh).astype(np.float32)
        base = base - 0.25 * m
    return np.clip(base, 0.0, 1.0).astype(np.float32)


def _normal_quantile(q: float) -> float:
    """The standard normal's ``q`` quantile, ``q`` in (0.5, 1) (Abramowitz & Stegun 26.2.23, |error| < 5e-4)."""
    t = float(np.sqrt(-2.0 * np.log(1.0 - q)))
    return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t**3)
