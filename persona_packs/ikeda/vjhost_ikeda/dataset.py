"""Procedural training data for the ikeda pack: a homage to data-art minimalism.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
from a small motif vocabulary -- square-wave stripes and scanlines (steady,
sweeping, two rates side by side, or pulse-width modulated), barcodes, bit
grids, test-pattern gratings and checkers whose rate doubles band by band,
matrices of 0/1 glyphs spelling binary counters, full-field flashes and
hairline grids with data points -- in pure black and white.

Recipe v4 (the sharp-decoder recipe, docs/training.md; issue 11): every picture
follows from its family, a few discrete choices (a kind, a rate from a test
chart's list, a count, an orientation: each from a short list) and a few
continuous numbers (phases, positions, the periods and phases of three
sinusoids, the offset of a smooth field) -- never a random number per bar,
bit or point.  Many elements come from rules: barcode modules are a sum of
three sinusoids thresholded (with fixed guard bars), bit grids a smooth field
thresholded per cell or a binary counter from a small start and step, glyph
rows counters from small numbers, data points on a diagonal, every p-th
crossing or a sampled sine.

Every shape is defined in frame units (uv) and rasterised by exact area
(1-D spans and :func:`vjhost.train.motifs.raster.bitmap_coverage`), so the
same seed draws the same picture at 128² and 256² (the 256² picture's 2x2
means *are* the 128² picture).  Rates are capped for 128²: gratings at 24
cycles per frame (a period >= 5.3 px), bars, modules and glyph strokes >= 2 px.
Hairlines are 1/256 of the frame: one pixel at 256², a half-covered pixel at
128² -- the reason this pack's decoder is meant to ship at 256².
Deterministic: the same ``seed`` gives the same images.

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import balanced, glyphs, waves
from vjhost.train.motifs.raster import bitmap_coverage

MOTIFS = ("stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines")

#: the gratings' vocabulary, in cycles per frame (a test chart's calibrated rates; <= 24: a period >= 5.3 px at 128²)
CYCLES = (4, 6, 8, 12, 16, 24)
DUTIES = (0.25, 1 / 3, 0.5, 2 / 3, 0.75)
MIN_BAR = 2 / 128  #: the thinnest bar, module or glyph stroke (uv): 2 px at 128²
HAIR = 1 / 256     #: a hairline's width (uv): one pixel at 256², a half-covered pixel at 128²


# --- exact-area rasterising of 1-D spans ------------------------------------------------------------------

def _spans(a, b, s: int) -> np.ndarray:
    """``(s, k)``: the share of each of ``s`` pixels covered by each interval ``[a_i, b_i]`` (uv) -- exact area."""
    px = np.arange(s, dtype=np.float64)[:, None]
    lo = np.asarray(a, np.float64).reshape(1, -1) * s
    hi = np.asarray(b, np.float64).reshape(1, -1) * s
    return np.clip(np.minimum(px + 1, hi) - np.maximum(px, lo), 0.0, 1.0).astype(np.float32)


def _square(s: int, phi, duty=0.5, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """``(s,)``: exact coverage of ``{t in [lo, hi]: frac(phi(t)) < duty(t)}`` -- a square wave of any rate law.

    ``phi`` (cycles, increasing) and ``duty`` (a number or a function of t, with ``phi - duty``
    increasing too) are smooth; each bar's edges are found by inverting them on a fine grid.
    """
    t = np.linspace(lo, hi, 4097)
    p = phi(t)
    q = p - (duty(t) if callable(duty) else duty)
    k = np.arange(np.floor(q[0]) - 1, np.ceil(p[-1]) + 1)
    a, b = np.interp(k, p, t), np.interp(k, q, t)  # bar k: from phi = k to phi = k + duty
    return _spans(a, b, s).sum(1)


def _lines(s: int, centres, width: float) -> np.ndarray:
    """``(s,)``: exact coverage of lines ``width`` uv wide at ``centres`` (uv, non-overlapping)."""
    c = np.asarray(centres, np.float64)
    return np.minimum(_spans(c - width / 2, c + width / 2, s).sum(1), 1.0)


def _cells(s: int, lo: float, hi: float, k: int, gap: float = 0.0) -> np.ndarray:
    """``(s, k)``: exact coverage of ``k`` equal cells between ``lo`` and ``hi`` (uv), each ``gap`` of a cell shy
    at both ends."""
    e = np.linspace(lo, hi, k + 1)
    inset = gap * (hi - lo) / k / 2
    return _spans(e[:-1] + inset, e[1:] - inset, s)


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def _duty(rng, rate: float) -> float:
    """A duty cycle from :data:`DUTIES` whose bars and gaps are both at least :data:`MIN_BAR` wide at ``rate``."""
    return float(_pick(rng, [d for d in DUTIES if min(d, 1 - d) / rate >= MIN_BAR - 1e-9]))


# --- the families -----------------------------------------------------------------------------------------

def _square_profile(rng, s: int) -> np.ndarray:
    """A square wave across the frame: steady, a sweep, two rates side by side, or pulse-width modulated.

    Discrete: kind, rate (and a second rate), duty.  Continuous: phase, the cut (two rates), the
    modulation's depth, rate and phase (pulse width).
    """
    kind = int(rng.integers(4))
    phase = rng.uniform(0.0, 1.0)
    if kind == 3:  # pulse width: the duty swings with a slow sine (bars thicken and thin across the frame)
        n = float(_pick(rng, CYCLES[:4]))
        d0 = float(_pick(rng, DUTIES[1:4]))
        depth, f, ph = rng.uniform(0.1, 0.3), rng.uniform(0.5, 2.0), rng.uniform(0.0, 2 * np.pi)
        depth = min(depth, d0 - n * MIN_BAR, 1 - d0 - n * MIN_BAR, 0.95 * n / (2 * np.pi * f))
        return _square(s, lambda t: n * t + phase, lambda t: d0 + depth * np.sin(2 * np.pi * f * t + ph))
    n0 = float(_pick(rng, CYCLES))
    if kind == 0:
        return _square(s, lambda t: n0 * t + phase, _duty(rng, n0))
    n1 = float(_pick(rng, [c for c in CYCLES if c != n0]))
    duty = _duty(rng, max(n0, n1))
    if kind == 1:  # the rate sweeps from n0 to n1 across the frame
        return _square(s, lambda t: n0 * t + 0.5 * (n1 - n0) * t * t + phase, duty)
    cut = rng.uniform(0.3, 0.7)
    return _square(s, lambda t: np.where(t < cut, n0 * t, n0 * cut + n1 * (t - cut)) + phase, duty)


def _stripes(rng, s):
    return np.broadcast_to(_square_profile(rng, s)[None, :], (s, s))


def _scanlines(rng, s):
    return np.broadcast_to(_square_profile(rng, s)[:, None], (s, s))


#: a barcode's guard bars (modules): at both ends, and in the middle between its two halves
_GUARD_END, _GUARD_MID = (1, 0, 1), (0, 1, 0, 1, 0)


def _code_bits(half: int, periods, phases, level: float) -> tuple[np.ndarray, np.ndarray]:
    """A barcode's modules: guards + two halves of ``half`` modules where a sum of sinusoids exceeds ``level``.

    Returns ``(bits, guard)`` (0/1 per module, and which modules belong to the guards).
    """
    j = np.arange(2 * half) + 0.5
    f = sum(np.cos(2 * np.pi * j / p + ph) for p, ph in zip(periods, phases))
    data = (f > level).astype(np.float32)
    g0, g1 = np.asarray(_GUARD_END, np.float32), np.asarray(_GUARD_MID, np.float32)
    bits = np.concatenate([g0, data[:half], g1, data[half:], g0])
    guard = np.concatenate([np.ones(3), np.zeros(half), np.ones(5), np.zeros(half), np.ones(3)]).astype(np.float32)
    return bits, guard


def _barcode(rng, s):
    """One or two stacked barcodes: equal modules, guard bars a little longer than the data bars.

    Discrete: data modules per half (35-51 modules in all: >= 2 px at 128²), one code or two.
    Continuous: the code's left and right ends, top and bottom, three sinusoids' periods (2.2-5 modules)
    and phases, the threshold, the split and phase offset of the second code.
    """
    half = int(_pick(rng, (12, 16, 20)))
    pair = int(rng.integers(2))
    x0, x1 = rng.uniform(0.02, 0.1), rng.uniform(0.9, 0.98)
    y0, y1 = rng.uniform(0.06, 0.3), rng.uniform(0.7, 0.94)
    periods = rng.uniform(2.2, 5.0, 3)
    phases = rng.uniform(0.0, 2 * np.pi, 3)
    level = rng.uniform(-0.3, 0.3)
    split, shift = rng.uniform(0.3, 0.7), rng.uniform(0.5, 2 * np.pi - 0.5)
    gap = 0.04
    rows = [(y0, y1)] if not pair else [(y0, y0 + split * (y1 - y0) - gap / 2), (y0 + split * (y1 - y0) + gap / 2, y1)]
    img = np.zeros((s, s), np.float32)
    for i, (top, bottom) in enumerate(rows):
        bits, guard = _code_bits(half, periods, phases + i * shift, level)
        drop = 0.06 * (bottom - top)  # the data bars stop short of the guards' length
        img += bitmap_coverage((bits * guard)[None, :], (x0, top, x1, bottom), s)
        img += bitmap_coverage((bits * (1 - guard))[None, :], (x0, top, x1, bottom - drop), s)
    return np.clip(img, 0.0, 1.0)


def _bitgrid(rng, s):
    """Square bits on a grid: a smooth field thresholded cell by cell, or a binary counter.

    Discrete: field or counter, the grid (k x k, or rows x columns), the counter's start and step.
    Continuous: the gap between bits; the field's two plane waves (frequency, direction, phase) and
    its threshold.
    """
    counter = int(rng.integers(2))
    gap = rng.uniform(0.0, 0.3)
    if counter:  # column c shows a + b * c in binary, least significant bit at the bottom
        rows, cols = int(_pick(rng, (6, 8))), int(_pick(rng, (8, 12, 16)))
        a, b = int(rng.integers(16)), int(rng.integers(1, 8))
        values = a + b * np.arange(cols)
        bits = ((values[None, :] >> np.arange(rows)[::-1, None]) & 1).astype(np.float32)
    else:
        k = int(_pick(rng, (6, 8, 12, 16)))
        w = waves.random_waves(rng, 2, freq=(k / 7, k / 3.5))
        level = rng.uniform(-0.25, 0.25)
        c = (np.arange(k) + 0.5) / k
        f = sum(w.amp[i] * np.cos(2 * np.pi * w.freq[i]
                                  * (c[None, :] * np.cos(w.angle[i]) + c[:, None] * np.sin(w.angle[i]))
                                  + w.phase[i]) for i in range(len(w)))
        bits = (f > level).astype(np.float32)
    wy, wx = _cells(s, 0.0, 1.0, bits.shape[0], gap), _cells(s, 0.0, 1.0, bits.shape[1], gap)
    return wy @ bits @ wx.T


def _testpattern(rng, s):
    """Bands of gratings (or checkers) whose rate doubles from band to band (or halves): a test chart.

    Discrete: gratings or checkers, number of bands, the first rate, the order, the orientation.
    Continuous: the gratings' phase.  The checkers' rows start at each band's top, so no cell is cut
    thinner than 2.6 px at 128².
    """
    checker = int(rng.integers(2))
    bands = int(_pick(rng, (2, 3, 4)))
    n0 = float(_pick(rng, [c for c in (2, 3, 4, 6, 8, 12) if c * 2 ** (bands - 1) <= CYCLES[-1]]))
    rev, turn = int(rng.integers(2)), int(rng.integers(2))
    px = rng.uniform(0.0, 1.0)
    img = np.zeros((s, s), np.float32)
    for b in range(bands):
        n = n0 * 2 ** (bands - 1 - b if rev else b)
        lo, hi = b / bands, (b + 1) / bands
        gx = _square(s, lambda t: n * t + px)  # (s,) across
        if checker:  # square cells, the rows clipped to the band (exact: xor of two separable square waves)
            gy = _square(s, lambda t, lo=lo: n * (t - lo), 0.5, lo, hi)
            rows = _spans([lo], [hi], s)[:, 0]
            img += gy[:, None] * (1 - gx[None, :]) + (rows - gy)[:, None] * gx[None, :]
        else:
            img += _spans([lo], [hi], s)[:, 0][:, None] * gx[None, :]
    img = np.clip(img, 0.0, 1.0)
    return img.T if turn else img


def _datamatrix(rng, s):
    """Rows of 0/1 glyphs spelling binary counters (row r shows a + b * r), scrolled row by row.

    Discrete: glyphs per row, the counter's start and step, which rows are lit (all, a block, every
    k-th).  Continuous: the matrix's offset (within a glyph cell across, a row down), the shear (how
    far each row scrolls past the one above).
    """
    cols = int(_pick(rng, (8, 10, 12, 16)))
    unit = 1.0 / (4 * cols)  # a glyph is 3 units wide plus a one-unit gap; 5 high plus a one-unit gap
    n_rows = int(np.ceil(1.0 / (6 * unit))) + 1
    a, b = int(rng.integers(32)), int(rng.integers(1, 16))
    lit_kind = int(rng.integers(3))
    r0 = int(rng.integers(4))
    step = int(_pick(rng, (2, 3)))
    x0, y0 = rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0)  # in glyph cells, in rows
    shear = rng.uniform(-0.5, 0.5)  # glyph cells per row
    if lit_kind == 0:
        lit = range(n_rows)
    elif lit_kind == 1:
        lit = range(r0, min(n_rows, r0 + 2 + step))
    else:
        lit = range(r0 % step, n_rows, step)
    cell = 4 * unit
    img = np.zeros((s, s), np.float32)
    for r in lit:
        value = a + b * r
        digits = (value >> (cols - 1 - np.arange(cols))) & 1  # most significant first
        start = ((x0 + r * shear) * cell) % 1.0  # the row scrolls: its word repeats, wrapped round the frame
        top = (r - 1 + y0) * 6 * unit
        img = np.maximum(img, glyphs.bit_row(np.tile(digits, 2), start - 1.0, top, 5 * unit, s))
    return img


def _flash(rng, s):
    """A full-field flash, black or white, cut by up to three evenly spaced bars of the other.

    Discrete: white or black, how many bars, horizontal or vertical.  Continuous: the first bar's
    place, the spacing, the bars' width.
    """
    on, n, turn = int(rng.integers(2)), int(rng.integers(4)), int(rng.integers(2))
    y0, dy, w = rng.uniform(0.05, 0.95), rng.uniform(0.08, 0.3), rng.uniform(MIN_BAR, 4 * MIN_BAR)
    centres = (y0 + dy * np.arange(n)) % 1.0
    bar = np.clip(_lines(s, centres, w), 0.0, 1.0)
    img = np.broadcast_to((on + (1 - 2 * on) * bar)[:, None], (s, s))
    return img.T if turn else img


def _hairlines(rng, s):
    """Hairlines (1/256 of the frame) on a regular grid with square data points placed by a rule.

    Discrete: lines per frame, the rule (a diagonal, every p-th crossing, a sampled sine over
    vertical lines, or a wrapped line of slope p), the rule's offset and step.  Continuous: the grid's
    offset, the points' size, the sine's depth, rate and phase.
    """
    k = int(_pick(rng, (6, 8, 12, 16)))
    rule = int(rng.integers(4))
    d, p = int(rng.integers(k)), int(_pick(rng, (3, 5, 7)))
    ox, oy = rng.uniform(0.0, 1.0 / k), rng.uniform(0.0, 1.0 / k)
    r = rng.uniform(1.0, 2.0) / 128  # half the side of a data point: 2-4 px across at 128²
    amp, f, ph = rng.uniform(0.15, 0.4), rng.uniform(0.5, 2.0), rng.uniform(0.0, 2 * np.pi)
    cx, cy = ox + np.arange(k) / k, oy + np.arange(k) / k
    hy = cy if rule != 2 else np.array([0.5])  # the horizontal lines (a lone axis under the sine)
    lx, ly = _lines(s, cx, HAIR), _lines(s, hy, HAIR)
    img = 1 - (1 - lx[None, :]) * (1 - ly[:, None])  # the union of the vertical and horizontal lines (exact)
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")  # i: row, j: column
    if rule == 0:    # on a diagonal
        lit = (j - i) % k == d
    elif rule == 1:  # every p-th crossing, counted row by row
        lit = (i * k + j) % p == d % p
    elif rule == 3:  # one per row, on a line of slope p wrapped round the grid
        lit = (j - p * i - d) % k == 0
    if rule == 2:    # one point on each vertical line: a sine sampled
        px, py = cx, 0.5 + amp * np.sin(2 * np.pi * f * cx + ph)
    else:
        px, py = cx[j[lit]], cy[i[lit]]
    return np.clip(img + _points(s, px, py, r, cx, hy), 0.0, 1.0)


def _points(s: int, x, y, r: float, vx, hy) -> np.ndarray:
    """What square points (half side ``r``) at ``(x, y)`` add to hairlines at ``vx`` (vertical) and ``hy``
    (horizontal): each square's area less its overlap with the lines, by exact area."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    sx, sy = _spans(x - r, x + r, s), _spans(y - r, y + r, s)  # (s, n) each

    def under(c, lines):  # the part of each point's span that the nearest line covers
        near = np.asarray(lines, np.float64)[np.abs(c[:, None] - np.asarray(lines)[None, :]).argmin(1)]
        return _spans(np.maximum(c - r, near - HAIR / 2), np.minimum(c + r, near + HAIR / 2), s)

    lx, ly = under(x, vx), under(y, hy)
    # square - (square & lines): |S| - (|Sx & X| |Sy| + |Sx| |Sy & Y| - |Sx & X| |Sy & Y|)
    return sy @ sx.T - (sy @ lx.T + ly @ sx.T - ly @ lx.T)


_DRAW = (_stripes, _scanlines, _barcode, _bitgrid, _testpattern, _datamatrix, _flash, _hairlines)


def _invert_some(rng, k: int, img: np.ndarray) -> np.ndarray:
    """About a quarter inverted (black on white: the style flips polarity on the beat); never the flash."""
    img = np.asarray(img, np.float32)
    return 1.0 - img if k != 6 and rng.random() < 0.25 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 1, size, size)`` (black, white and exact-area edges)
    and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=1, finish=_invert_some)


RECIPE = {
    "generator": "vjhost_ikeda.dataset.generate",
    "version": 4,
    "motifs": list(MOTIFS),
    "colour": "monochrome, 25% inverted",
    "size": "256² (hairlines 1/256 of the frame); 128² draws the same picture",
    "rendering": "defined in frame units, rasterised by exact area (1-D spans, bitmap coverage): the same seed draws "
                 "the same picture at any size (256²'s 2x2 means are 128²); rates <= 24 cycles per frame, bars, "
                 "modules and glyph strokes >= 2 px at 128², hairlines 1/256 of the frame",
    "vocabulary": "each image: its family, at most 6 discrete choices (kind, a rate from 4-24 cycles per frame, a duty "
                  "from 5, a count, an orientation) and at most 13 continuous numbers (phases, positions, widths, the "
                  "periods and phases of three sinusoids, two plane waves) -- no random number per bar, bit or point: "
                  "stripes steady, sweeping, two-rate or pulse-width modulated; barcodes of 35-51 equal modules, guard "
                  "bars plus three thresholded sinusoids; bit grids a thresholded two-wave field or a binary counter "
                  "(start < 16, step < 8); test charts whose rate doubles band by band (gratings or checkers); glyph "
                  "rows counting a + b*r (a < 32, b < 16), scrolled row by row; flashes with evenly spaced bars; "
                  "hairline grids with data points on a diagonal, every p-th crossing, a wrapped line of slope p, "
                  "or a sampled sine",
}
