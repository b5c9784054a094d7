"""The shared shape of a pack's procedural dataset generator.

A pack's ``dataset.py`` defines its motif drawers ``draw(rng, size) -> float
image (C, H, W) in 0..1`` and calls :func:`balanced` from its ``generate``::

    def generate(n, size=128, seed=0):
        return balanced(n, size, seed, _DRAW, channels=3, finish=_tonemap_and_flip)

Deterministic for a seed: one ``numpy`` generator draws the shuffled, balanced
labels, then each image and its finishing touches in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

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
