"""Light on a dark ground that stays in the palette: glowing points, lines and shapes in a few colours.

Light adds up, and added light of two hues is a third colour no palette has;
tone-mapping the sum bends every glow off its colour too.  :class:`Lights`
keeps one intensity layer per colour instead and composites them so every
pixel lies on one colour's ramp: ``ground -> colour`` for intensities 0..1
(glows and halos fading into the dark) and ``colour -> hot`` (white) above 1
(the white-hot cores where light piles up).  Where lights of two colours
overlap, the stronger colour takes the pixel with the summed intensity.  So a
picture of glowing light is a mix of at most two palette colours at every
pixel, and a decoder judged against the palette can reproduce it.

Shapes are signed distance fields (:mod:`.shapes`, uv units).  A light is a
crisp core (anti-aliased over one pixel, :func:`.raster.coverage`) plus an
optional halo that falls off as a gaussian of the distance *outside* the
shape, ``halo`` uv wide -- in uv, so the same light is the same at 128² and 256².
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .raster import SDF, Bounds, Canvas, colour, coverage

__all__ = ["Lights", "halo", "composite"]


def halo(d: np.ndarray, width) -> np.ndarray:
    """A soft glow around a shape: ``exp(-(d / width)^2)`` outside it (``d > 0``, uv), 1 inside.

    ``width`` is one number or one per sample (lights of different sizes drawn by domain repetition).
    """
    d = np.maximum(np.asarray(d, np.float32), 0.0)
    return np.exp(-(d / np.maximum(np.asarray(width, np.float32), 1e-6)) ** 2).astype(np.float32)


def composite(layers: np.ndarray, colours, ground, hot=1.0, knee: float = 1.0) -> np.ndarray:
    """RGB ``(3, H, W)`` from intensity ``layers`` ``(k, H, W)`` of ``colours`` (``k`` of them) on ``ground``.

    Each pixel takes the colour of its strongest layer, at the summed
    intensity ``I``: ``ground`` to the colour as ``I`` goes 0..1, then on to
    ``hot`` as it goes 1..1+``knee``.
    """
    layers = np.maximum(np.asarray(layers, np.float32), 0.0)
    cols = np.stack([colour(c, 3).reshape(3) for c in colours])  # (k, 3)
    g, h = colour(ground, 3), colour(hot, 3)
    total = layers.sum(0)
    which = layers.argmax(0)
    c = np.moveaxis(cols[which], -1, 0)  # (3, H, W)
    t = np.clip(total, 0.0, 1.0)[None]
    w = np.clip((total - 1.0) / max(knee, 1e-6), 0.0, 1.0)[None]
    out = g + (c - g) * t
    return (out + (h - out) * w).astype(np.float32)


class Lights:
    """Light of a few ``colours`` on a dark ``ground``, kept as one intensity layer per colour.

    ``hue`` arguments are indices into ``colours``: one for the whole call, or
    one per point.  :meth:`image` composites (see :func:`composite`).
    """

    def __init__(self, size: int, colours: Sequence, ground, hot=1.0, knee: float = 1.0):
        self.size = int(size)
        self.colours, self.ground, self.hot, self.knee = list(colours), ground, hot, float(knee)
        self.k = len(self.colours)
        self.canvas = Canvas(self.size, 0.0, channels=self.k)  # channel i = the intensity of colour i

    @property
    def layers(self) -> np.ndarray:
        return self.canvas.img

    def _onehot(self, hue) -> np.ndarray:
        h = np.asarray(hue, np.int64)
        if np.any((h < 0) | (h >= self.k)):
            raise ValueError(f"hue {hue!r} outside the {self.k} colours")
        return np.eye(self.k, dtype=np.float32)[h]

    def add(self, sdf: SDF | np.ndarray, hue: int, *, gain: float = 1.0, glow: float = 0.0, glow_gain: float = 0.35,
            bounds: Bounds | None = None) -> None:
        """A lit shape: its crisp inside at ``gain`` plus a halo ``glow`` uv wide at ``glow_gain * gain``."""
        if bounds is not None and glow:
            r = 2.5 * glow
            bounds = (bounds[0] - r, bounds[1] - r, bounds[2] + r, bounds[3] + r)
        if callable(sdf):
            ys, xs, u, v = self.canvas.region(bounds)
            if not u.size:
                return
            d = sdf(u, v)
        else:
            ys, xs = slice(None), slice(None)
            d = np.asarray(sdf, np.float32)
        m = coverage(d, self.size)
        if glow:
            m = np.maximum(m, glow_gain * halo(d, glow))
        self.canvas.img[int(hue), ys, xs] += m * np.float32(gain)

    def line(self, d: np.ndarray, width, hue, *, gain=1.0, glow: float = 0.0, glow_gain: float = 0.35) -> None:
        """A line ``width`` uv wide along the zero set of the full-frame distance ``d``.

        ``width``, ``gain`` and ``hue`` are one value or one per pixel (a line that tapers, fades or
        changes colour along its length).
        """
        d = np.abs(np.asarray(d, np.float32)) - np.asarray(width, np.float32) / 2
        m = coverage(d, self.size)
        if glow:
            m = np.maximum(m, glow_gain * halo(d, glow))
        self.field(m * np.float32(gain), hue)

    def field(self, f: np.ndarray, hue, where: tuple[slice, slice] | None = None) -> None:
        """Add an intensity field to colour ``hue`` (one index, or an index per pixel): full-frame, or over the
        window ``where`` (``(rows, cols)`` slices, e.g. from ``canvas.region``)."""
        f = np.asarray(f, np.float32)
        ys, xs = where or (slice(None), slice(None))
        if np.ndim(hue) == 0:
            self.canvas.img[int(hue), ys, xs] += f
        else:
            h = np.asarray(hue, np.int64)
            for i in range(self.k):
                self.canvas.img[i, ys, xs] += np.where(h == i, f, 0.0)

    def points(self, x, y, r, hue, *, gain=1.0, glow: float = 0.0, glow_gain: float = 0.35,
               glow_max: float | None = None) -> None:
        """Many crisp points of light at once (radius ``r`` uv), each with a halo ``glow * r`` wide (at most
        about ``glow_max`` uv: big points get a narrower halo for their size, and cost less)."""
        x = np.asarray(x, np.float32).ravel()
        if x.size == 0:
            return
        y = np.asarray(y, np.float32).ravel()
        r = np.broadcast_to(np.asarray(r, np.float32), x.shape)
        hue = np.broadcast_to(np.asarray(hue, np.int64), x.shape)
        gain = np.broadcast_to(np.asarray(gain, np.float32), x.shape)
        # points of very different sizes go in separate batches (each batch costs its largest point's window)
        band = np.floor(2 * np.log2(np.maximum(r * self.size, 0.25))).astype(int)
        for b in np.unique(band):
            k = band == b
            g = glow if glow_max is None or not glow else min(glow, glow_max / float(r[k].max()))
            self.canvas.points(x[k], y[k], r[k], self._onehot(hue[k]), gain=gain[k], mode="add", halo=g,
                               halo_gain=glow_gain)

    def image(self) -> np.ndarray:
        """The picture, RGB ``(3, size, size)`` in 0..1."""
        return composite(self.canvas.img, self.colours, self.ground, self.hot, self.knee)
