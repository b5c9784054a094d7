"""Text-free glyphs: 0/1 bit glyphs and abstract marks.

No letters and no digits of real text, except the two bits: a data screen
reads as data without saying anything.  Bit glyphs are 3x5 pixel-art bitmaps
drawn with exact area anti-aliasing (:func:`.raster.bitmap_coverage`);
abstract marks are strokes and dots on a 3x3 node grid picked by a code
number, drawn as signed distances (:func:`mark`), so a mark is crisp at any
size and a row of them follows from a few integers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import shapes
from .raster import Bounds, bitmap_coverage

__all__ = ["BITS", "bits_bitmap", "bit_row", "mark", "MARK_STROKES"]

#: 3 wide x 5 high bitmaps of the two bits (rows top to bottom).
BITS = {
    0: np.array([[1, 1, 1], [1, 0, 1], [1, 0, 1], [1, 0, 1], [1, 1, 1]], np.float32),
    1: np.array([[0, 1, 0], [1, 1, 0], [0, 1, 0], [0, 1, 0], [1, 1, 1]], np.float32),
}


def bits_bitmap(bits: Sequence[int], gap: int = 1) -> np.ndarray:
    """The bitmap (5 rows) of a row of 0/1 glyphs, ``gap`` empty columns between them."""
    cols = []
    for i, b in enumerate(bits):
        if i and gap:
            cols.append(np.zeros((5, gap), np.float32))
        cols.append(BITS[int(b) & 1])
    return np.hstack(cols) if cols else np.zeros((5, 0), np.float32)


def bit_row(bits: Sequence[int], x0: float, y0: float, height: float, size: int, gap: int = 1) -> np.ndarray:
    """Coverage ``(size, size)`` of 0/1 glyphs ``height`` uv tall from ``(x0, y0)`` (their top left) rightward."""
    bm = bits_bitmap(bits, gap)
    unit = height / 5
    bounds: Bounds = (x0, y0, x0 + unit * bm.shape[1], y0 + height)
    return bitmap_coverage(bm, bounds, size)


# the 3x3 node grid of a mark: 0 1 2 / 3 4 5 / 6 7 8
_NODES = np.array([(c, r) for r in range(3) for c in range(3)], np.float64) - 1.0
#: Strokes a mark's code bits pick from: node pairs (lines), and (node, -1) dots, (node, -2) small rings.
MARK_STROKES: tuple[tuple[int, int], ...] = (
    (0, 8), (2, 6), (0, 4), (4, 8), (2, 4), (4, 6), (1, 5), (3, 7), (1, 3), (5, 7),
    (4, -2), (0, -1), (2, -1), (6, -1), (8, -1), (1, -2),
)


def mark(x, y, cx: float, cy: float, size: float, code: int, width: float | None = None) -> np.ndarray:
    """The signed distance of an abstract mark ``size`` uv across: the strokes of :data:`MARK_STROKES` whose bit
    is set in ``code``.

    Mostly diagonals, dots and rings on a 3x3 grid (nothing a reader would
    take for a letter); ``code`` 0 draws a lone centre dot.
    """
    half = size / 2
    w = width if width is not None else size * 0.12
    d = None
    for k, (a, b) in enumerate(MARK_STROKES):
        if not (code >> k) & 1:
            continue
        ax, ay = cx + _NODES[a, 0] * half, cy + _NODES[a, 1] * half
        if b == -1:
            s = shapes.disc(x, y, ax, ay, w * 0.9)
        elif b == -2:
            s = shapes.ring(x, y, ax, ay, half * 0.35, w * 0.8)
        else:
            s = shapes.segment(x, y, ax, ay, cx + _NODES[b, 0] * half, cy + _NODES[b, 1] * half, w)
        d = s if d is None else np.minimum(d, s)
    if d is None:
        d = shapes.disc(x, y, cx, cy, w)
    return d
