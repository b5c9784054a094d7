"""Text for the HUD: a 5x7 pixel font drawn into a small numpy canvas, uploaded when it changes.

The HUD shader samples the canvas (one byte per font pixel, nearest filtering)
at a whole number of screen pixels per font pixel, so labels stay crisp at any
size.  Drawing is plain numpy on the render thread, only when the text
changes (a few times a second at most); nothing here runs per pixel.
"""

from __future__ import annotations

import numpy as np

GLYPH_W, GLYPH_H = 5, 7
ADVANCE = GLYPH_W + 1  #: font pixels from one character to the next
LINE = GLYPH_H + 2  #: font pixels from one line to the next

_FONT_ROWS = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
    "B": ("11110", "10001", "10001", "11110", "10001", "10001", "11110"),
    "C": ("01110", "10001", "10000", "10000", "10000", "10001", "01110"),
    "D": ("11100", "10010", "10001", "10001", "10001", "10010", "11100"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "F": ("11111", "10000", "10000", "11110", "10000", "10000", "10000"),
    "G": ("01110", "10001", "10000", "10111", "10001", "10001", "01111"),
    "H": ("10001", "10001", "10001", "11111", "10001", "10001", "10001"),
    "I": ("01110", "00100", "00100", "00100", "00100", "00100", "01110"),
    "J": ("00111", "00010", "00010", "00010", "00010", "10010", "01100"),
    "K": ("10001", "10010", "10100", "11000", "10100", "10010", "10001"),
    "L": ("10000", "10000", "10000", "10000", "10000", "10000", "11111"),
    "M": ("10001", "11011", "10101", "10101", "10001", "10001", "10001"),
    "N": ("10001", "10001", "11001", "10101", "10011", "10001", "10001"),
    "O": ("01110", "10001", "10001", "10001", "10001", "10001", "01110"),
    "P": ("11110", "10001", "10001", "11110", "10000", "10000", "10000"),
    "Q": ("01110", "10001", "10001", "10001", "10101", "10010", "01101"),
    "R": ("11110", "10001", "10001", "11110", "10100", "10010", "10001"),
    "S": ("01111", "10000", "10000", "01110", "00001", "00001", "11110"),
    "T": ("11111", "00100", "00100", "00100", "00100", "00100", "00100"),
    "U": ("10001", "10001", "10001", "10001", "10001", "10001", "01110"),
    "V": ("10001", "10001", "10001", "10001", "10001", "01010", "00100"),
    "W": ("10001", "10001", "10001", "10101", "10101", "10101", "01010"),
    "X": ("10001", "10001", "01010", "00100", "01010", "10001", "10001"),
    "Y": ("10001", "10001", "01010", "00100", "00100", "00100", "00100"),
    "Z": ("11111", "00001", "00010", "00100", "01000", "10000", "11111"),
    " ": ("00000",) * 7,
    ".": ("00000", "00000", "00000", "00000", "00000", "01100", "01100"),
    ",": ("00000", "00000", "00000", "00000", "01100", "00100", "01000"),
    ":": ("00000", "01100", "01100", "00000", "01100", "01100", "00000"),
    "%": ("11000", "11001", "00010", "00100", "01000", "10011", "00011"),
    "/": ("00000", "00001", "00010", "00100", "01000", "10000", "00000"),
    "-": ("00000", "00000", "00000", "11111", "00000", "00000", "00000"),
    "+": ("00000", "00100", "00100", "11111", "00100", "00100", "00000"),
    "(": ("00010", "00100", "01000", "01000", "01000", "00100", "00010"),
    ")": ("01000", "00100", "00010", "00010", "00010", "00100", "01000"),
    "!": ("00100", "00100", "00100", "00100", "00100", "00000", "00100"),
    "?": ("01110", "10001", "00001", "00010", "00100", "00000", "00100"),
}
#: character -> (GLYPH_H, GLYPH_W) uint8 of 0/255, top row first
FONT: dict[str, np.ndarray] = {
    ch: np.array([[255 if b == "1" else 0 for b in row] for row in rows], np.uint8) for ch, rows in _FONT_ROWS.items()
}


def text_width(text: str) -> int:
    """Width of ``text`` in font pixels."""
    return max(0, len(text) * ADVANCE - 1)


class TextCanvas:
    """A (rows, cols) uint8 canvas in font pixels, top row first; draw text, then upload it."""

    def __init__(self, cols: int, rows: int) -> None:
        self.pixels = np.zeros((max(1, rows), max(1, cols)), np.uint8)

    @property
    def size(self) -> tuple[int, int]:
        return self.pixels.shape[1], self.pixels.shape[0]

    def clear(self) -> None:
        self.pixels[:] = 0

    def text(self, x: int, y: int, text: str, value: int = 255, scale: int = 1) -> None:
        """Draw ``text`` with its top-left corner at font pixel (x, y); clipped to the canvas.

        Lower case is drawn as upper case; characters the font lacks as '?'.
        ``value`` is the byte the glyphs' pixels get; ``scale`` draws every
        font pixel as a ``scale`` x ``scale`` block (big digits).
        """
        h, w = self.pixels.shape
        gw, gh, adv = GLYPH_W * scale, GLYPH_H * scale, ADVANCE * scale
        for i, ch in enumerate(text.upper()):
            g = FONT.get(ch, FONT["?"])
            if scale > 1:
                g = np.kron(g, np.ones((scale, scale), np.uint8))
            if value != 255:
                g = np.where(g > 0, np.uint8(value), np.uint8(0))
            x0 = x + i * adv
            if x0 >= w or y >= h or x0 + gw <= 0 or y + gh <= 0:
                continue
            gx0, gy0 = max(0, -x0), max(0, -y)
            gx1, gy1 = min(gw, w - x0), min(gh, h - y)
            np.maximum(self.pixels[y + gy0 : y + gy1, x0 + gx0 : x0 + gx1], g[gy0:gy1, gx0:gx1],
                       out=self.pixels[y + gy0 : y + gy1, x0 + gx0 : x0 + gx1])

    def fill(self, x: int, y: int, w: int, h: int, value: int) -> None:
        """Raise the rectangle (x, y, w, h) to at least ``value`` (a panel behind text, a swatch)."""
        H, W = self.pixels.shape
        x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
        if x1 > x0 and y1 > y0:
            np.maximum(self.pixels[y0:y1, x0:x1], np.uint8(value), out=self.pixels[y0:y1, x0:x1])
