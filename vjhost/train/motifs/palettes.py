"""Palettes as data: named colour sets, hex parsing, nearest-colour snapping, distance to a palette.

A palette is a tuple of ``"#rrggbb"`` strings (what a pack's ``pack.toml``
``palette`` key holds) or an ``(k, 3)`` float array in 0..1.
:func:`palette_distance` measures how far each pixel is from the palette's
colours *and the mixes of any two of them* (anti-aliased edges, glows fading
into the ground, gradients between two colours all lie on such a mix), which
is how a decode can be judged "in the pack's palette".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PALETTES", "rgb", "hex_colour", "palette", "ramp", "snap", "nearest", "palette_distance"]

#: Named palettes, generic building blocks (packs declare their own in pack.toml ``palette``).
PALETTES: dict[str, tuple[str, ...]] = {
    "mono": ("#000000", "#ffffff"),
    "greys": ("#000000", "#404040", "#808080", "#c0c0c0", "#ffffff"),
    "primaries": ("#e60012", "#ffd900", "#0068b7", "#ffffff", "#000000"),
    "pastels": ("#ffb3c7", "#ffe08a", "#a8e6cf", "#a0c4ff", "#d5b3ff", "#fff6e5"),
    "cool_blue": ("#02060f", "#0b2a4a", "#2f6fb0", "#7fc4ff", "#e8f6ff"),
    "neon": ("#ff2bd6", "#00f0ff", "#39ff14", "#ffe600", "#8a2bff", "#0a0a12"),
    "ember": ("#1a0500", "#7a1500", "#e0400a", "#ffa22b", "#fff0c0"),
    "forest": ("#06140c", "#1d4a2a", "#4f8f3a", "#b7d96a", "#f2f7d8"),
}


def rgb(hexstr: str) -> tuple[float, float, float]:
    """``"#rrggbb"`` -> ``(r, g, b)`` in 0..1 (``ValueError`` for anything else)."""
    s = hexstr.strip()
    if len(s) != 7 or s[0] != "#":
        raise ValueError(f"expected a colour '#rrggbb', got {hexstr!r}")
    try:
        return tuple(int(s[i:i + 2], 16) / 255.0 for i in (1, 3, 5))  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f"expected a colour '#rrggbb', got {hexstr!r}") from None


def hex_colour(c: Sequence[float]) -> str:
    """``(r, g, b)`` in 0..1 -> ``"#rrggbb"``."""
    return "#" + "".join(f"{int(round(float(np.clip(x, 0, 1)) * 255)):02x}" for x in c)


def palette(colours: str | Sequence) -> np.ndarray:
    """A named palette, hex strings or RGB triples as a ``(k, 3)`` float32 array in 0..1."""
    if isinstance(colours, str):
        if colours not in PALETTES:
            raise KeyError(f"no palette named {colours!r} (named: {', '.join(PALETTES)})")
        colours = PALETTES[colours]
    return np.asarray([rgb(c) if isinstance(c, str) else tuple(c) for c in colours], np.float32).reshape(-1, 3)


def ramp(t: np.ndarray, colours, stops: Sequence[float] | None = None) -> np.ndarray:
    """A colour ramp: ``t`` (any shape, 0..1) through ``colours`` (evenly spaced, or at ``stops``)
    -> ``(3, *t.shape)``."""
    pal = palette(colours)
    xs = np.linspace(0.0, 1.0, len(pal)) if stops is None else np.asarray(stops, np.float64)
    t = np.asarray(t, np.float32)
    return np.stack([np.interp(t, xs, pal[:, ch]).astype(np.float32) for ch in range(3)])


def _pixels(img: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """``(N, 3)`` floats 0..1 from an image ``(3, H, W)`` (float 0..1 or uint8)."""
    a = np.asarray(img)
    scale = 1 / 255.0 if a.dtype == np.uint8 else 1.0
    return (a.reshape(3, -1).T * scale).astype(np.float32), a.shape[1:]


def nearest(img: np.ndarray, colours) -> tuple[np.ndarray, np.ndarray]:
    """``(index, distance)`` per pixel of ``img`` ``(3, H, W)``: the nearest palette colour and the RGB distance
    to it."""
    pal = palette(colours)
    px, shape = _pixels(img)
    d = np.sqrt(((px[:, None, :] - pal[None]) ** 2).sum(-1))
    k = d.argmin(1)
    return k.reshape(shape), d[np.arange(len(px)), k].reshape(shape)


def snap(img: np.ndarray, colours) -> np.ndarray:
    """``img`` ``(3, H, W)`` float with every pixel replaced by its nearest palette colour."""
    pal = palette(colours)
    k, _ = nearest(img, pal)
    return np.moveaxis(pal[k], -1, 0)


def palette_distance(img: np.ndarray, colours) -> np.ndarray:
    """Per pixel ``(H, W)``: the RGB distance (0..sqrt 3) to the nearest colour or mix of two colours of the palette."""
    pal = palette(colours)
    px, shape = _pixels(img)
    best = np.sqrt(((px[:, None, :] - pal[None]) ** 2).sum(-1)).min(1)
    for i in range(len(pal)):
        for j in range(i + 1, len(pal)):
            a, ab = pal[i], pal[j] - pal[i]
            t = np.clip((px - a) @ ab / max(float(ab @ ab), 1e-12), 0.0, 1.0)
            best = np.minimum(best, np.sqrt((((a + t[:, None] * ab) - px) ** 2).sum(-1)))
    return best.reshape(shape)
