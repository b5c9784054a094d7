"""The pack toolkit's drawing kit: the shared shape of a procedural dataset, and its primitives.

A pack's ``dataset.py`` defines its motif drawers ``draw(rng, size) -> float
image (C, H, W) in 0..1`` and calls :func:`balanced` from its ``generate``::

    def generate(n, size=128, seed=0):
        return balanced(n, size, seed, _DRAW, channels=3, finish=_tonemap_and_flip)

Deterministic for a seed: one ``numpy`` generator draws the shuffled, balanced
labels, then each image and its finishing touches in order.

The primitives (all vectorised numpy, all in uv coordinates 0..1 so the same
random choices draw the same picture at 128² and 256², anti-aliased over about
one pixel at either):

- :mod:`.raster` -- pixel grids, :func:`~.raster.coverage` (SDF -> anti-aliased
  mask), exact-area bitmaps, and :class:`~.raster.Canvas` (fill, stroke, add, glow,
  and vectorised point clouds);
- :mod:`.shapes` -- signed distance fields: disc, ellipse, ring, box (rounded),
  polygon, star, segment, polyline, arc, petal, flower, and their combinations;
- :mod:`.tiling` -- square / hex lattices by domain repetition, per-cell hashes
  and jitter, explicit lattice points;
- :mod:`.palettes` -- named palettes as data, nearest-colour snapping, the
  distance of a picture to a palette;
- :mod:`.noise` -- seedable value / gradient noise, fBm, ridges, domain warping;
- :mod:`.textures` -- brick walls and concrete;
- :mod:`.glyphs` -- text-free glyphs: 0/1 bits and abstract marks;
- :mod:`.figures` -- featureless human figures: a posed 2-D skeleton, its
  silhouette, its bones, a head-and-shoulders bust;
- :mod:`.waves` -- smooth fields from a few plane waves (exact gradients, contours
  with one-pixel edges, a divergence-free curl flow and particles traced along it);
- :mod:`.points3d` -- 3-D point clouds by rule (Fibonacci sphere, torus, surface,
  spiral), turned and seen in perspective;
- :mod:`.cells` -- Voronoi cells of a rule-placed point set and their crisp edges
  (caustic webs, cracks, grains);
- :mod:`.arrange` -- many elements placed by a rule: concentric rings, a sunflower
  spiral, beads at even steps along a curve or spiral, a 3-D lattice in perspective,
  k-fold symmetric copies;
- :mod:`.light` -- glowing light on a dark ground kept per colour, so every pixel
  stays on one palette colour's ramp (ground -> colour -> white-hot);
- :mod:`.budget` -- count the random numbers a motif drawer takes (a test holds
  every family to a few discrete and at most ~16-24 continuous ones).

Draw so a 64-d latent can hold the picture: each image follows from a modest
number of random choices (a lattice, a seed, a few positions), textures from
smooth functions with a random offset -- never fresh per-pixel noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import (
    arrange,
    budget,
    cells,
    figures,
    glyphs,
    light,
    noise,
    palettes,
    points3d,
    raster,
    shapes,
    textures,
    tiling,
    waves,
)
from .raster import Canvas, coverage, grid

__all__ = ["balanced", "Draw", "Finish", "Canvas", "coverage", "grid",
           "arrange", "budget", "cells", "figures", "glyphs", "light", "noise", "palettes", "points3d", "raster",
           "shapes", "textures", "tiling", "waves"]

Draw = Callable[[np.random.Generator, int], np.ndarray]
Finish = Callable[[np.random.Generator, int, np.ndarray], np.ndarray]


def balanced(n: int, size: int, seed: int, draws: Sequence[Draw], *, channels: int = 3,
             finish: Finish | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(uint8 (n, channels, size, size), int labels)``, the labels balanced over ``draws``.

    ``finish(rng, label, image)`` may flip, invert or tone-map each drawn image
    (float 0..1, or bool) before it is quantised.
    """
    rng = np.random.default_rng(seed)
    images = np.empty((n, channels, size, size), np.uint8)
    labels = np.arange(n) % len(draws)
    rng.shuffle(labels)
    for i, k in enumerate(labels):
        img = draws[k](rng, size)
        if finish is not None:
            img = finish(rng, int(k), img)
        img = np.asarray(img)
        if img.dtype == bool:
            images[i] = img.reshape(channels, size, size).astype(np.uint8) * 255
        else:
            images[i] = np.clip(img * 255.0 + 0.5, 0, 255).reshape(channels, size, size).astype(np.uint8)
    return images, labels
