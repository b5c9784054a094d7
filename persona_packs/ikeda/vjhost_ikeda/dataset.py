"""Procedural training data for the ikeda pack: a homage to data-art minimalism.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
from a small motif vocabulary -- square-wave stripes and scanlines (steady,
sweeping, or two rates side by side), barcodes, binary grids, test-pattern
gratings whose frequency doubles band by band, matrices of 0/1 glyphs,
full-field flashes and hairline grids -- in pure black and white.

Recipe v3 (the sharp-decoder recipe, docs/training.md): every image is
defined in frame units (0..1) and rendered with box-filtered anti-aliasing at
the requested size, so the same seed gives the same picture at 128² and
256², with edges one pixel wide at either.  The vocabulary is discrete, like
a test chart's: rates from :data:`CYCLES`, duty cycles from :data:`DUTIES`,
phases in eighths, edges on a 32-step grid, barcodes and bit grids made of
equal modules.  A conv VAE learns a discrete, grid-aligned vocabulary
crisply in a few hundred steps, where continuous rates and phases (a
translation family) stay grey for thousands (measured in docs/training.md).
Deterministic: the same ``seed`` gives the same images.

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import balanced

MOTIFS = ("stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines")

SS = 8  # sub-samples per pixel for the 1-D profiles (box-filter anti-aliasing)

# 3x5 bitmap glyphs for the data matrix (rows top to bottom, 3 bits each): only 0 and 1.
_GLYPH = {
    0: np.array([[1, 1, 1], [1, 0, 1], [1, 0, 1], [1, 0, 1], [1, 1, 1]], np.float32),
    1: np.array([[0, 1, 0], [1, 1, 0], [0, 1, 0], [0, 1, 0], [1, 1, 1]], np.float32),
}


def _t(s: int) -> np.ndarray:
    """Sub-sample positions across the frame, 0..1."""
    return (np.arange(s * SS) + 0.5) / (s * SS)


def _box(profile: np.ndarray, s: int) -> np.ndarray:
    """Average SS sub-samples per pixel: the anti-aliased 1-D profile."""
    return profile.reshape(s, SS).mean(axis=1, dtype=np.float32)


#: the gratings' vocabulary, in cycles per frame (a test chart's calibrated rates)
CYCLES = (4, 6, 8, 12, 16, 24, 32, 48)
DUTIES = (0.25, 1 / 3, 0.5, 2 / 3, 0.75)
PHASES = 8  # a grating starts at one of 8 phases (eighths of its period)
POSITIONS = 32  # band edges, lines and flashes sit on a 32-step grid across the frame


def _cycles(rng, lo: float = 4.0, hi: float = 48.0) -> float:
    """A rate from :data:`CYCLES` between ``lo`` and ``hi`` cycles per frame."""
    return float(rng.choice([c for c in CYCLES if lo <= c <= hi]))


def _phase(rng) -> float:
    return int(rng.integers(PHASES)) / PHASES


def _pos(rng, lo: float, hi: float) -> float:
    """A position on the :data:`POSITIONS` grid between ``lo`` and ``hi`` (frame units)."""
    return int(rng.integers(int(round(lo * POSITIONS)), int(round(hi * POSITIONS)) + 1)) / POSITIONS


def _square_profile(rng, s: int) -> np.ndarray:
    """A square wave across the frame: steady, a sweep (chirp), or two rates side by side."""
    t = _t(s)
    kind = rng.integers(3)
    n0 = _cycles(rng)
    duty = float(rng.choice(DUTIES))
    phase = _phase(rng)
    if kind == 0:
        cyc = n0 * t
    elif kind == 1:  # the rate sweeps from n0 to n1 across the frame
        n1 = _cycles(rng)
        cyc = n0 * t + 0.5 * (n1 - n0) * t * t
    else:
        n1 = _cycles(rng)
        cut = _pos(rng, 0.25, 0.75)
        cyc = np.where(t < cut, n0 * t, n0 * cut + n1 * (t - cut))
    return _box(np.mod(cyc + phase, 1.0) < duty, s)


def _stripes(rng, s):
    return np.broadcast_to(_square_profile(rng, s)[None, :], (s, s))


def _scanlines(rng, s):
    return np.broadcast_to(_square_profile(rng, s)[:, None], (s, s))


def _code(rng, s: int, modules: tuple[int, ...] = (32, 48, 64)) -> np.ndarray:
    """A barcode profile: ``m`` equal modules across the frame, each black or white, in runs of 1-3."""
    m = int(rng.choice(modules))
    bits = np.zeros(m, bool)
    i, on = 0, bool(rng.integers(2))
    while i < m:
        w = int(rng.integers(1, 4))
        bits[i : i + w] = on
        i, on = i + w, not on
    return bits[_cells(s, m)].astype(np.float32)


def _band(s: int, y0: float, y1: float) -> np.ndarray:
    t = _t(s)
    return _box((t >= y0) & (t < y1), s)


def _barcode(rng, s):
    y0, y1 = _pos(rng, 0.0, 0.3), _pos(rng, 0.65, 1.0)
    img = _band(s, y0, y1)[:, None] * _code(rng, s)[None, :]
    if rng.random() < 0.5:  # a second, thinner code band
        y = _pos(rng, 0.0, 0.9)
        img = np.maximum(img, _band(s, y, y + int(rng.integers(1, 3)) / POSITIONS)[:, None] * _code(rng, s, (64, 96))[None, :])
    return img


def _cells(s: int, k: int) -> np.ndarray:
    """Which of k equal cells each pixel lies in (its centre), 0..k-1."""
    return np.minimum(((np.arange(s) + 0.5) / s * k).astype(int), k - 1)


def _bitgrid(rng, s):
    """Bits on a k x m grid: random bits on a coarse grid, or a binary counter (column c shows a + b*c)."""
    if rng.random() < 0.5:
        k = int(rng.choice([3, 4, 5, 6]))
        bits = rng.random((k, k)) < rng.uniform(0.3, 0.7)
    else:
        rows, cols = int(rng.choice([6, 8, 10])), int(rng.choice([8, 12, 16]))
        a, b = int(rng.integers(0, 1 << 12)), int(rng.integers(1, 40))
        values = a + b * np.arange(cols)
        bits = ((values[None, :] >> np.arange(rows)[:, None]) & 1).astype(bool)
    ri, ci = _cells(s, bits.shape[0]), _cells(s, bits.shape[1])
    return bits[ri][:, ci].astype(np.float32)


def _testpattern(rng, s):
    """Horizontal bands of gratings whose frequency doubles from band to band (or halves), a test chart."""
    bands = int(rng.choice([2, 3, 4, 5]))
    n0 = float(rng.choice([c for c in (2, 3, 4, 6, 8, 12, 16, 24) if c * 2 ** (bands - 1) <= 64]))
    phase = 0.0
    t = _t(s)
    which = _cells(s, bands)
    order = np.arange(bands) if rng.random() < 0.5 else np.arange(bands)[::-1]
    rows = np.stack([_box(np.mod(n0 * 2 ** order[b] * t + phase, 1.0) < 0.5, s) for b in range(bands)])
    img = rows[which]
    if rng.random() < 0.5:
        img = img.T
    return img


def _datamatrix(rng, s):
    """Rows of 0/1 glyphs spelling binary counters, on black, a few rows lit."""
    img = np.zeros((s, s), np.float32)
    cols = int(rng.choice([12, 16, 20]))
    cell = 1.0 / cols  # a glyph cell (3x5 glyph + a one-unit gap) is 1/cols of the width
    unit = cell / 4.0
    n_rows = int(1.0 / (unit * 6))
    lit = rng.choice(n_rows, size=int(rng.integers(2, 6)), replace=False)
    a, b = int(rng.integers(0, 1 << 16)), int(rng.integers(1, 97))
    u = (np.arange(s) + 0.5) / s
    gx = np.floor(u / unit).astype(int)  # glyph-unit column of each pixel
    for r in lit:
        value = a + b * int(r)
        digits = (value >> (cols - 1 - np.arange(cols))) & 1
        y0 = r * 6 * unit
        gy = np.floor((u - y0) / unit).astype(int)
        in_row = (gy >= 0) & (gy < 5)
        col, sub = gx // 4, gx % 4
        glyph = np.stack([_GLYPH[int(d)] for d in digits])  # (cols, 5, 3)
        ok = (sub < 3) & (col < cols)
        vals = np.zeros((s, s), np.float32)
        yy = np.where(in_row)[0]
        xx = np.where(ok)[0]
        vals[np.ix_(yy, xx)] = glyph[col[xx][None, :], gy[yy][:, None], sub[xx][None, :]]
        img = np.maximum(img, vals)
    return img


def _flash(rng, s):
    on = float(rng.random() < 0.5)
    img = np.full((s, s), on, np.float32)
    for _ in range(int(rng.integers(0, 4))):
        y = _pos(rng, 0.0, 1.0)
        line = _band(s, y, y + int(rng.integers(1, 3)) / (4 * POSITIONS))[:, None]
        img = img * (1 - line) + (1 - on) * line
    return img


def _hairlines(rng, s):
    """A grid of one-pixel lines with bright data points on some of its crossings."""
    k = int(rng.choice([6, 8, 12, 16, 24]))
    off = int(rng.integers(4)) / (4 * k)
    t = (np.arange(s) + 0.5) / s
    dist = np.abs(np.mod(t - off + 0.5 / k, 1.0 / k) - 0.5 / k) * s  # pixels to the nearest line
    line = np.clip(1.0 - dist, 0.0, 1.0).astype(np.float32)  # one pixel wide, anti-aliased
    both = rng.random() < 0.6
    img = np.maximum(line[None, :], line[:, None]) if both else np.broadcast_to(line[None, :], (s, s)).copy()
    n = int(rng.integers(0, 9))
    r = max(1.5, s / 96)  # a data point: a small square, ~3 px at 256
    for _ in range(n):
        cx = (int(rng.integers(0, k)) / k + off) * s
        cy = (int(rng.integers(0, k)) / k + off) * s if both else _pos(rng, 0.0, 1.0) * s
        x0, x1 = int(max(0, cx - r)), int(min(s, cx + r + 1))
        y0, y1 = int(max(0, cy - r)), int(min(s, cy + r + 1))
        img[y0:y1, x0:x1] = 1.0
    return img


_DRAW = (_stripes, _scanlines, _barcode, _bitgrid, _testpattern, _datamatrix, _flash, _hairlines)


def _invert_some(rng, k: int, img: np.ndarray) -> np.ndarray:
    """About a quarter inverted (black on white: the style flips polarity on the beat); never the flash."""
    img = np.asarray(img, np.float32)
    return 1.0 - img if k != 6 and rng.random() < 0.25 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 1, size, size)`` (black, white and one-pixel AA edges)
    and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=1, finish=_invert_some)


RECIPE = {
    "generator": "vjhost_ikeda.dataset.generate",
    "version": 3,
    "motifs": list(MOTIFS),
    "colour": "monochrome, 25% inverted",
    "rendering": "defined in frame units, box-filtered anti-aliasing (8 sub-samples per pixel for profiles): "
                 "the same seed draws the same picture at any size, edges one pixel wide",
    "vocabulary": "discrete and grid-aligned: rates 4-48 cycles per frame from 8 values, 5 duty cycles, phases in "
                  "eighths, edges on a 32-step grid; barcodes of 32-96 equal modules in runs of 1-3; bit grids either a "
                  "coarse random grid or a binary counter; glyph rows spell binary counters",
}
