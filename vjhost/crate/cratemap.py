"""The crate map: the tracks' embeddings on a plane (PCA), coloured by key or energy, with the played path.

PCA is deterministic and needs nothing beyond numpy (UMAP would need a
package and a random seed for a few hundred points that PCA already spreads
well).  :func:`map_points` gives the plane for the web page (an SVG drawn in
the browser); :func:`draw_map` writes a PNG with numpy only (the analysis
plot's bitmap font labels it).
"""

from __future__ import annotations

import colorsys
from pathlib import Path
from typing import Sequence

import numpy as np

from .db import Track

__all__ = ["project_2d", "map_points", "draw_map", "key_colour", "energy_colour"]


def project_2d(emb: np.ndarray) -> np.ndarray:
    """``(n, d)`` -> ``(n, 2)`` in -1..1: the first two principal components, sign-fixed so the map is stable."""
    x = np.asarray(emb, np.float64)
    if len(x) == 0:
        return np.zeros((0, 2))
    if len(x) == 1:
        return np.zeros((1, 2))
    xc = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    comps = vt[:2]
    for i in range(len(comps)):  # the largest loading positive: the same crate draws the same way up
        if comps[i][np.argmax(np.abs(comps[i]))] < 0:
            comps[i] = -comps[i]
    p = xc @ comps.T
    if p.shape[1] < 2:
        p = np.concatenate([p, np.zeros((len(p), 2 - p.shape[1]))], axis=1)
    scale = np.abs(p).max(axis=0)
    scale[scale < 1e-9] = 1.0
    return p / scale


def key_colour(camelot: str) -> tuple[int, int, int]:
    """The Camelot wheel as hues (1..12 round the circle); A (minor) darker than B (major)."""
    try:
        num, letter = int(camelot[:-1]), camelot[-1]
    except (ValueError, IndexError):
        return (150, 150, 150)
    r, g, b = colorsys.hls_to_rgb((num - 1) / 12.0, 0.45 if letter == "A" else 0.62, 0.85)
    return int(r * 255), int(g * 255), int(b * 255)


def energy_colour(e: float) -> tuple[int, int, int]:
    from vjhost.analysis.report import _heat

    c = _heat(np.array([0.15 + 0.85 * float(e)]))[0]
    return int(c[0]), int(c[1]), int(c[2])


def map_points(tracks: Sequence[Track], played: Sequence[int] = ()) -> dict:
    """What the web page draws: ``{"points": [...], "path": [ids], ...}`` in -1..1 coordinates."""
    xy = project_2d(np.stack([t.embedding for t in tracks])) if tracks else np.zeros((0, 2))
    pts = []
    for t, (x, y) in zip(tracks, xy):
        pts.append({**t.brief(), "x": round(float(x), 4), "y": round(float(y), 4),
                    "key_colour": "#%02x%02x%02x" % key_colour(t.camelot),
                    "energy_colour": "#%02x%02x%02x" % energy_colour(t.energy)})
    ids = {t.id for t in tracks}
    return {"points": pts, "path": [i for i in played if i in ids]}


def _line(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour, width: int = 2) -> None:
    n = max(abs(x1 - x0), abs(y1 - y0), 1)
    xs = np.linspace(x0, x1, n + 1).round().astype(int)
    ys = np.linspace(y0, y1, n + 1).round().astype(int)
    h, w = img.shape[:2]
    for dx in range(-(width // 2), width - width // 2):
        for dy in range(-(width // 2), width - width // 2):
            ok = (xs + dx >= 0) & (xs + dx < w) & (ys + dy >= 0) & (ys + dy < h)
            img[ys[ok] + dy, xs[ok] + dx] = colour


def _disc(img: np.ndarray, cx: int, cy: int, r: int, colour, ring=None) -> None:
    h, w = img.shape[:2]
    y, x = np.ogrid[max(0, cy - r - 2):min(h, cy + r + 3), max(0, cx - r - 2):min(w, cx + r + 3)]
    d2 = (x - cx) ** 2 + (y - cy) ** 2
    sub = img[max(0, cy - r - 2):min(h, cy + r + 3), max(0, cx - r - 2):min(w, cx + r + 3)]
    if ring is not None:
        sub[d2 <= (r + 2) ** 2] = ring
    sub[d2 <= r * r] = colour


def draw_map(tracks: Sequence[Track], out_png: str | Path, played: Sequence[int] = (), colour_by: str = "key",
             size: tuple[int, int] = (1000, 760), labels: bool = True, title: str = "") -> tuple[int, int]:
    """Draw the crate map to ``out_png``; returns (height, width).

    Dots are tracks (colour: Camelot key or energy; size: energy), the played
    path is a line through them in play order ending in a ring on the last
    one, and a legend names the colours.
    """
    from vjhost.analysis.report import _text
    from vjhost.png import write_png

    if colour_by not in ("key", "energy"):
        raise ValueError(f"colour_by must be 'key' or 'energy', not {colour_by!r}")
    W, H = size
    img = np.empty((H, W, 3), np.uint8)
    img[:] = (16, 16, 22)
    top, bottom, left, right = 34, 70, 30, 30
    pw, ph = W - left - right, H - top - bottom
    _text(img, 10, 8, (title or f"VJHOST CRATE MAP - {len(tracks)} TRACKS - COLOUR: {colour_by.upper()}")[:90])
    for gx in np.linspace(left, left + pw, 5).astype(int):
        img[top:top + ph, gx] = (32, 32, 40)
    for gy in np.linspace(top, top + ph, 5).astype(int):
        img[gy, left:left + pw] = (32, 32, 40)
    xy = project_2d(np.stack([t.embedding for t in tracks])) if tracks else np.zeros((0, 2))
    m = 0.06  # a margin, so the dots at the extremes are whole
    pos = {t.id: (int(left + (m + (1 - 2 * m) * (x + 1) / 2) * pw),
                  int(top + (m + (1 - 2 * m) * (1 - (y + 1) / 2)) * ph))
           for t, (x, y) in zip(tracks, xy)}
    path = [i for i in played if i in pos]
    for a, b in zip(path, path[1:]):
        _line(img, *pos[a], *pos[b], (235, 235, 235), width=2)
    for t in sorted(tracks, key=lambda t: -t.energy):  # small (calm) dots on top of big ones
        cx, cy = pos[t.id]
        col = key_colour(t.camelot) if colour_by == "key" else energy_colour(t.energy)
        r = int(5 + 7 * min(1.0, max(0.0, t.energy)))
        _disc(img, cx, cy, r, col, ring=(255, 255, 255) if t.id in path else (10, 10, 12))
        if labels and len(tracks) <= 80:
            _text(img, cx + r + 3, cy - 4, f"{t.id} {t.camelot}", colour=(190, 190, 200), scale=1)
    if path:
        cx, cy = pos[path[-1]]
        for rr in (17, 18):
            yy, xx = np.ogrid[:H, :W]
            ring = np.abs(np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) - rr) < 0.8
            img[ring] = (255, 220, 60)
    # legend
    y0 = H - bottom + 14
    if colour_by == "key":
        _text(img, 10, y0, "KEY", colour=(200, 200, 210))
        for i in range(12):
            for j, letter in enumerate("AB"):
                x = 60 + i * 62
                _disc(img, x, y0 + 4 + j * 18, 6, key_colour(f"{i + 1}{letter}"))
                _text(img, x + 10, y0 + j * 18, f"{i + 1}{letter}", colour=(170, 170, 180), scale=1)
    else:
        _text(img, 10, y0, "ENERGY", colour=(200, 200, 210))
        for i in range(300):
            img[y0:y0 + 12, 80 + i] = energy_colour(i / 299)
        _text(img, 80, y0 + 18, "LOW", colour=(170, 170, 180), scale=1)
        _text(img, 360, y0 + 18, "HIGH", colour=(170, 170, 180), scale=1)
    _text(img, W - 330, H - 22, "LINE: PLAYED PATH  RING: NOW PLAYING", colour=(170, 170, 180), scale=1)
    write_png(out_png, img)
    return H, W
