"""How many random numbers does a picture take?  Count them.

A decoder with a 64-d latent reproduces a family of pictures sharply when each
picture follows from a few random choices -- a handful of discrete ones (a
layout, a palette entry, a count, each from a short list) and at most about
16-24 continuous ones (positions, sizes, angles, phases) -- and blurs when a
picture hides hundreds of independent numbers (particles at random places,
per-cell random bits).  :class:`CountingRng` stands in for the
``numpy.random.Generator`` a motif drawer gets and counts what it draws;
:func:`draw_budget` runs a drawer over several seeds and reports the most
it took, so a pack's tests can hold every family to the budget.

Counted as *discrete*: ``integers``, ``choice``, ``permutation``, ``shuffle``
(one per element drawn); *continuous*: everything else (``random``,
``uniform``, ``normal``, ... one per element).  A coin flip written
``rng.random() < 0.5`` counts as continuous: write ``rng.integers(2)``.

:func:`nudge_changes` draws each picture again with every continuous number
moved a little (:class:`NudgedRng`) and says how far the picture moved, in
levels of 255; :func:`reseed_changes` the same for another seed (a different
picture of the family), the scale to compare a nudge with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

__all__ = ["CountingRng", "NudgedRng", "Budget", "draw_budget", "nudge_changes", "reseed_changes"]

_DISCRETE = {"integers", "choice", "permutation", "shuffle", "permuted"}


class CountingRng:
    """A ``numpy.random.Generator`` that counts the numbers drawn from it (``discrete``, ``continuous``)."""

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self.discrete = 0
        self.continuous = 0

    def __getattr__(self, name: str):
        fn = getattr(self._rng, name)
        if not callable(fn) or name.startswith("_") or name in ("bit_generator", "spawn"):
            return fn

        def counted(*args, **kwargs):
            out = fn(*args, **kwargs)
            if name == "shuffle":
                n = int(np.size(args[0]))
            elif name == "choice":  # one pick per element of `size` (a pick may itself be a row)
                size = kwargs.get("size", args[1] if len(args) > 1 else None)
                n = 1 if size is None else int(np.prod(size))
            else:
                n = int(np.size(out)) if out is not None else 0
            if name in _DISCRETE:
                self.discrete += n
            else:
                self.continuous += n
            return out

        return counted


class Budget(NamedTuple):
    discrete: int    # the most discrete numbers one picture took
    continuous: int  # the most continuous numbers one picture took


def draw_budget(draw: Callable[[object, int], np.ndarray], size: int = 32, seeds: Iterable[int] = range(8)) -> Budget:
    """Run ``draw(rng, size)`` once per seed with a :class:`CountingRng`; the most numbers any one picture took."""
    most_d = most_c = 0
    for seed in seeds:
        rng = CountingRng(np.random.default_rng(seed))
        draw(rng, size)
        most_d, most_c = max(most_d, rng.discrete), max(most_c, rng.continuous)
    return Budget(most_d, most_c)


class NudgedRng(CountingRng):
    """A :class:`CountingRng` whose continuous draws come back moved by ``step`` of their range.

    ``uniform(lo, hi)`` gives the same draw plus ``step * (hi - lo)`` (kept in
    range), ``random()`` plus ``step``; discrete draws are unchanged.  Drawing a
    picture with it and with the plain generator of the same seed shows how
    the picture changes when every continuous parameter moves a little: a
    family whose numbers each "change the picture smoothly" moves a little too.
    """

    def __init__(self, rng: np.random.Generator, step: float = 1e-3):
        super().__init__(rng)
        self.step = float(step)

    def uniform(self, low=0.0, high=1.0, size=None):
        out = self._rng.uniform(low, high, size)
        self.continuous += int(np.size(out))
        lo, hi = np.minimum(low, high), np.maximum(low, high)
        return np.clip(out + self.step * (hi - lo), lo, hi)

    def random(self, size=None, *args, **kwargs):
        out = self._rng.random(size, *args, **kwargs)
        self.continuous += int(np.size(out))
        return np.clip(out + self.step, 0.0, 1.0)


def _levels(img, rounded: bool) -> np.ndarray:
    v = np.asarray(img, np.float64) * 255
    return np.round(v) if rounded else v


def nudge_changes(draw: Callable[[object, int], np.ndarray], seeds: Iterable[int] = range(4), size: int = 64,
                  step: float = 1e-3, *, rounded: bool = False) -> np.ndarray:
    """Per seed: the mean |change| (levels of 255) of ``draw(rng, size)`` when every continuous number is moved
    by ``step`` of its range (:class:`NudgedRng`); ``rounded``: both pictures as 8-bit levels first."""
    return np.array([np.abs(_levels(draw(NudgedRng(np.random.default_rng(s), step), size), rounded)
                            - _levels(draw(np.random.default_rng(s), size), rounded)).mean() for s in seeds])


def reseed_changes(draw: Callable[[object, int], np.ndarray], seeds: Iterable[int] = range(4), size: int = 64,
                   offset: int = 100, *, rounded: bool = False) -> np.ndarray:
    """Per seed: the mean |difference| (levels of 255) between the pictures of seed and seed + ``offset``."""
    return np.array([np.abs(_levels(draw(np.random.default_rng(s + offset), size), rounded)
                            - _levels(draw(np.random.default_rng(s), size), rounded)).mean() for s in seeds])
