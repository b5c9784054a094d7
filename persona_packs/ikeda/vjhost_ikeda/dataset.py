"""Procedural training data for the ikeda pack: a homage to data-art minimalism.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
from a small motif vocabulary -- stripes, barcodes, binary grids, test-pattern
gratings, glyph matrices of 0/1, full-field flashes and hairline grids -- in
pure black and white.  Deterministic: the same ``seed`` gives the same images.

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import balanced

MOTIFS = ("stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines")

# 3x5 bitmap glyphs for the data matrix (rows top to bottom, 3 bits each).
_GLYPHS = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
}
_GLYPH = {k: np.array([[c == "1" for c in row] for row in v], dtype=bool) for k, v in _GLYPHS.items()}


def _runs(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """A 1-D on/off pattern of length n made of runs with widths in [lo, hi]."""
    out = np.zeros(n, bool)
    x, on = 0, bool(rng.integers(2))
    while x < n:
        w = int(rng.integers(lo, hi + 1))
        out[x : x + w] = on
        x, on = x + w, not on
    return out


def _square(rng, s: int) -> np.ndarray:
    """A square wave across s pixels: fixed period, a sweep (chirp), or two periods side by side."""
    x = np.arange(s, dtype=np.float64)
    kind = rng.integers(3)
    p0 = float(rng.choice([3, 4, 6, 8, 12, 16, 24, 32]))
    duty = rng.uniform(0.25, 0.75)
    phase = rng.uniform(0, 1)
    if kind == 0:
        cyc = x / p0
    elif kind == 1:  # frequency sweep, like a test pattern's
        p1 = float(rng.choice([3, 4, 6, 8, 12, 16, 24, 32]))
        cyc = np.cumsum(1.0 / np.linspace(p0, p1, s))
    else:
        p1 = float(rng.choice([3, 4, 6, 8, 12, 16, 24, 32]))
        cut = int(rng.integers(s // 4, 3 * s // 4))
        cyc = np.where(x < cut, x / p0, cut / p0 + (x - cut) / p1)
    return np.mod(cyc + phase, 1.0) < duty


def _stripes(rng, s):
    return np.broadcast_to(_square(rng, s), (s, s))


def _scanlines(rng, s):
    return _stripes(rng, s).T


def _barcode(rng, s):
    img = np.zeros((s, s), bool)
    top = int(rng.integers(0, s // 3))
    bot = int(rng.integers(2 * s // 3, s + 1))
    unit = int(rng.choice([2, 3, 4]))
    code = np.repeat(_runs(rng, -(-s // unit), 1, 3), unit)[:s]
    img[top:bot] = code[None, :]
    if rng.random() < 0.5:  # a second, thinner code band
        y = int(rng.integers(0, s - 8))
        img[y : y + int(rng.integers(3, 8))] = np.repeat(_runs(rng, -(-s // unit), 1, 2), unit)[None, :s]
    return img


def _bitgrid(rng, s):
    cells = int(rng.choice([4, 8]))
    bits = rng.random((cells, cells)) < rng.uniform(0.2, 0.8)
    return np.kron(bits, np.ones((s // cells, s // cells), bool))


def _testpattern(rng, s):
    img = np.zeros((s, s), bool)
    bands = int(rng.choice([2, 3, 4, 8]))
    h = s // bands
    x = np.arange(s)
    for b in range(bands):
        period = int(rng.choice([2, 4, 8, 16, 32]))
        row = (x // (period // 2 if period > 2 else 1)) % 2 == 0
        if rng.random() < 0.3:
            row = np.ones(s, bool) if rng.random() < 0.5 else np.zeros(s, bool)
        img[b * h : (b + 1) * h] = row[None, :]
    if rng.random() < 0.5:
        img = img.T
    return img


def _datamatrix(rng, s):
    img = np.zeros((s, s), bool)
    scale = 2
    gw, gh = 4 * scale, 6 * scale
    rows = s // gh
    cols = s // gw
    digits = rng.random((rows, cols)) < 0.5
    fill = np.zeros(rows, bool)
    fill[rng.choice(rows, size=int(rng.integers(2, 5)), replace=False)] = True
    for r in range(rows):
        if not fill[r]:
            continue
        for c in range(cols):
            g = _GLYPH["1" if digits[r, c] else "0"]
            if scale > 1:
                g = np.kron(g, np.ones((scale, scale), bool))
            img[r * gh : r * gh + g.shape[0], c * gw : c * gw + g.shape[1]] = g
    return img


def _flash(rng, s):
    img = np.full((s, s), rng.random() < 0.5)
    for _ in range(int(rng.integers(0, 4))):
        y = int(rng.integers(0, s))
        img[y : y + int(rng.integers(1, 3))] = ~img[y, 0]
    return img


def _hairlines(rng, s):
    img = np.zeros((s, s), bool)
    step = int(rng.choice([8, 16, 32]))
    off = int(rng.integers(0, step))
    img[:, off::step] = True
    if rng.random() < 0.6:
        img[off::step, :] = True
    # a few bright data points on the grid
    n = int(rng.integers(0, 12))
    ys, xs = rng.integers(0, s - 3, n), rng.integers(0, s - 3, n)
    for y, x in zip(ys, xs):
        img[y : y + 3, x : x + 3] = True
    return img


_DRAW = (_stripes, _scanlines, _barcode, _bitgrid, _testpattern, _datamatrix, _flash, _hairlines)


def _invert_some(rng, k: int, img: np.ndarray) -> np.ndarray:
    """About a quarter inverted (black on white: the style flips polarity on the beat); never the flash."""
    return ~img if k != 6 and rng.random() < 0.25 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 1, size, size)`` in {0, 255} and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=1, finish=_invert_some)


RECIPE = {
    "generator": "vjhost_ikeda.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "monochrome, 25% inverted",
    "limits": "A 64-d latent cannot hold every random bit of a barcode or a glyph matrix: decodes carry the structure "
    "(orientation, density, rhythm of the motif) and are softer than the data; the pack's shader thresholds them "
    "to hard black and white.",
}
