"""Procedural training data for the kusama pack: a homage to obsessive polka dots.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
from a small motif vocabulary -- regular polka-dot grids, scattered dots of
many sizes, scalloped "nets" of tiny loops, a ribbed pumpkin-like form covered
in dots that shrink toward its edges, a dark mirror room of glowing dots
receding to a vanishing point, concentric dot rings and dotted waves -- in
saturated two-colour pairs (red/white, yellow/black, ...).  Deterministic: the
same ``seed`` gives the same images.

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import balanced

MOTIFS = ("polka", "scatter", "net", "pumpkin", "mirror_room", "rings", "waves", "swell")

# Saturated (background, dot) pairs, 0..1 RGB.  Primary-heavy and high contrast.
PAIRS = (
    ((0.86, 0.05, 0.08), (0.98, 0.97, 0.94)),  # red / white
    ((0.98, 0.82, 0.02), (0.03, 0.03, 0.03)),  # yellow / black
    ((0.98, 0.97, 0.94), (0.86, 0.05, 0.08)),  # white / red
    ((0.03, 0.03, 0.03), (0.98, 0.82, 0.02)),  # black / yellow
    ((0.10, 0.22, 0.80), (0.98, 0.97, 0.94)),  # blue / white
    ((0.95, 0.30, 0.62), (0.03, 0.03, 0.03)),  # pink / black
    ((0.05, 0.55, 0.25), (0.98, 0.82, 0.02)),  # green / yellow
    ((0.98, 0.45, 0.05), (0.03, 0.03, 0.03)),  # orange / black
)

# Glowing dot colours for the dark mirror room.
GLOW = ((1.0, 0.25, 0.35), (1.0, 0.85, 0.2), (0.3, 0.6, 1.0), (1.0, 1.0, 1.0), (0.3, 1.0, 0.5), (1.0, 0.4, 0.9))


def _grid(s: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:s, 0:s].astype(np.float32)
    return (x + 0.5) / s, (y + 0.5) / s


def _aa(d: np.ndarray, r, s: int) -> np.ndarray:
    """Anti-aliased disc coverage from a distance field (in uv units) and radius."""
    return np.clip((r - d) * s + 0.5, 0.0, 1.0)


def _box(x0: float, y0: float, r: float, s: int) -> tuple[slice, slice]:
    """The pixel rows/columns a disc of radius r (uv) at (x0, y0) can touch."""
    return (slice(max(0, int((y0 - r) * s)), max(0, int((y0 + r) * s) + 2)),
            slice(max(0, int((x0 - r) * s)), max(0, int((x0 + r) * s) + 2)))


def _paint(bg, fg, mask: np.ndarray) -> np.ndarray:
    bg, fg = np.asarray(bg, np.float32), np.asarray(fg, np.float32)
    return bg[:, None, None] * (1 - mask) + fg[:, None, None] * mask


def _lattice_dots(u, v, pitch, radius, hexa: bool, s: int) -> np.ndarray:
    """Distance to the nearest dot of a square or hexagonal lattice (uv units)."""
    gy = v / pitch
    row = np.floor(gy)
    shift = np.where((row % 2 == 1) & hexa, 0.5, 0.0)
    gx = u / pitch + shift
    dx = (gx - np.floor(gx) - 0.5) * pitch
    dy = (gy - row - 0.5) * pitch
    return _aa(np.hypot(dx, dy), radius, s)


def _polka(rng, s):
    u, v = _grid(s)
    pitch = rng.choice([0.08, 0.1, 0.125, 0.16, 0.2, 0.25])
    r = pitch * rng.uniform(0.25, 0.45)
    bg, fg = PAIRS[rng.integers(len(PAIRS))]
    return _paint(bg, fg, _lattice_dots(u, v, pitch, r, bool(rng.random() < 0.5), s))


def _scatter_mask(rng, s, u, v, n, rmin, rmax):
    m = np.zeros((s, s), np.float32)
    cx, cy = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    rr = np.exp(rng.uniform(np.log(rmin), np.log(rmax), n))
    for x0, y0, r in zip(cx, cy, rr):
        ys, xs = _box(x0, y0, r + 1.5 / s, s)
        np.maximum(m[ys, xs], _aa(np.hypot(u[ys, xs] - x0, v[ys, xs] - y0), r, s), out=m[ys, xs])
    return m


def _scatter(rng, s):
    u, v = _grid(s)
    bg, fg = PAIRS[rng.integers(len(PAIRS))]
    n = int(rng.integers(25, 70))
    return _paint(bg, fg, _scatter_mask(rng, s, u, v, n, 0.015, 0.09))


def _net(rng, s):
    """An "infinity net": a dense mesh of tiny scalloped loops (rings on a jittered lattice)."""
    u, v = _grid(s)
    pitch = rng.choice([0.05, 0.0625, 0.08, 0.1])
    gx, gy = u / pitch, v / pitch
    ix, iy = np.floor(gx), np.floor(gy)
    # deterministic per-cell jitter from a hash of the cell index
    h = np.sin(ix * 12.9898 + iy * 78.233 + rng.uniform(0, 100)) * 43758.5453
    jx, jy = (h - np.floor(h) - 0.5) * 0.3, (np.cos(h) * 0.5) * 0.3
    d = np.hypot(gx - ix - 0.5 - jx, gy - iy - 0.5 - jy) * pitch
    r = pitch * rng.uniform(0.38, 0.5)
    w = pitch * rng.uniform(0.08, 0.16)
    ring = np.clip(w * 0.5 * s - np.abs(d - r) * s + 0.5, 0, 1)
    bg, fg = PAIRS[rng.integers(len(PAIRS))]
    if rng.random() < 0.5:
        bg, fg = fg, bg
    return _paint(bg, fg, ring)


def _pumpkin(rng, s):
    """A ribbed, squat gourd shape covered in dots that shrink toward its silhouette."""
    u, v = _grid(s)
    cx, cy = rng.uniform(0.4, 0.6), rng.uniform(0.5, 0.62)
    rx, ry = rng.uniform(0.3, 0.42), rng.uniform(0.24, 0.32)
    lobes = int(rng.integers(4, 8))
    x, y = (u - cx) / rx, (v - cy) / ry
    ang = np.arctan2(y, x)
    # lobed silhouette: radius modulated by |cos| of the lobe angle
    rad = 1.0 - 0.12 * np.abs(np.sin(ang * lobes / 2))
    rho = np.hypot(x, y)
    body = np.clip((rad - rho) * rx * s + 0.5, 0, 1)
    # stem
    stem = ((np.abs(u - cx) < 0.03) & (v > cy - ry - 0.1) & (v < cy - ry + 0.03)).astype(np.float32)
    # dots laid out along the ribs: columns of dots whose size follows the bulge
    col = (x * lobes * 0.9)
    ci = np.round(col)
    py = 0.3
    row = np.round(y / py)
    dx = (col - ci) / (lobes * 0.9) * rx
    dy = (y - row * py) * ry
    bulge = np.sqrt(np.clip(1 - (ci / (lobes * 0.9)) ** 2, 0, 1)) * np.sqrt(np.clip(1 - (row * py) ** 2, 0, 1))
    dots = _aa(np.hypot(dx, dy), 0.032 * bulge * rng.uniform(0.8, 1.3), s) * body
    bg_choice = rng.integers(3)
    body_c = (0.98, 0.82, 0.02) if rng.random() < 0.7 else (0.86, 0.05, 0.08)
    bg = ((0.86, 0.05, 0.08), (0.03, 0.03, 0.03), (0.98, 0.97, 0.94))[bg_choice]
    if bg == body_c:
        bg = (0.03, 0.03, 0.03)
    img = _paint(bg, body_c, body)
    img = img * (1 - dots) + np.asarray((0.03, 0.03, 0.03), np.float32)[:, None, None] * dots
    # background dots around the form
    if rng.random() < 0.6:
        m = _lattice_dots(u, v, 0.1, 0.025, True, s) * (1 - body) * (1 - stem)
        img = img * (1 - m) + np.asarray((0.03, 0.03, 0.03) if bg[0] > 0.5 else (0.98, 0.82, 0.02), np.float32)[:, None, None] * m
    img = img * (1 - stem) + np.asarray((0.15, 0.35, 0.1), np.float32)[:, None, None] * stem
    return img


def _mirror_room(rng, s):
    """Glowing dots on black receding to a vanishing point, mirrored above/below like a mirror room."""
    u, v = _grid(s)
    img = np.zeros((3, s, s), np.float32)
    vx, vy = rng.uniform(0.35, 0.65), rng.uniform(0.4, 0.6)
    n = int(rng.integers(50, 110))
    depth = rng.uniform(0.08, 1.0, n) ** 1.5
    ang = rng.uniform(0, 2 * np.pi, n)
    dist = rng.uniform(0.1, 1.0, n)
    palette = np.asarray(GLOW, np.float32)
    mono = rng.random() < 0.5
    cols = palette[np.full(n, rng.integers(len(GLOW))) if mono else rng.integers(len(GLOW), size=n)]
    for d, a, r0, c in zip(depth, ang, dist, cols):
        px = vx + np.cos(a) * r0 * d * 0.9
        py = vy + np.sin(a) * r0 * d * 0.9
        r = 0.006 + 0.035 * d
        ys, xs = _box(px, py, r * 4.0, s)
        dd = np.hypot(u[ys, xs] - px, v[ys, xs] - py)
        glow = np.exp(-(dd / (r * 1.8)) ** 2) * 0.5 + _aa(dd, r, s)
        img[:, ys, xs] += c[:, None, None] * (glow * (0.35 + 0.65 * d))[None]
    return np.clip(img, 0, 1)


def _rings(rng, s):
    """Dots set on concentric rings around a centre, growing outward."""
    u, v = _grid(s)
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    dx, dy = u - cx, v - cy
    rho, th = np.hypot(dx, dy), np.arctan2(dy, dx)
    step = rng.uniform(0.06, 0.11)
    k = np.round(rho / step)
    rk = k * step
    n_on = np.maximum(1, np.round(2 * np.pi * rk / step))
    tk = np.round(th / (2 * np.pi) * n_on) / n_on * 2 * np.pi
    px, py = cx + rk * np.cos(tk), cy + rk * np.sin(tk)
    rad = step * (0.18 + 0.25 * np.clip(rk / 0.7, 0, 1))
    m = _aa(np.hypot(u - px, v - py), rad, s)
    bg, fg = PAIRS[rng.integers(len(PAIRS))]
    return _paint(bg, fg, m)


def _waves(rng, s):
    """Rows of dots riding sine waves, like a dotted tentacle field."""
    u, v = _grid(s)
    pitch = rng.uniform(0.07, 0.12)
    amp, freq, ph = rng.uniform(0.03, 0.1), rng.uniform(1.0, 3.0), rng.uniform(0, 2 * np.pi)
    vv = v - amp * np.sin(2 * np.pi * freq * u + ph)
    r = pitch * rng.uniform(0.25, 0.42)
    m = _lattice_dots(u, vv, pitch, r, True, s)
    bg, fg = PAIRS[rng.integers(len(PAIRS))]
    img = _paint(bg, fg, m)
    if rng.random() < 0.5:  # a second colour on every other band
        band = (np.floor(vv / (pitch * 3)) % 2 == 0).astype(np.float32)
        c2 = np.asarray(PAIRS[rng.integers(len(PAIRS))][0], np.float32)[:, None, None]
        img = img * (1 - m * band) + c2 * (m * band)
    return img


def _swell(rng, s):
    """One lattice whose dots grow across the frame: the swell the bass drives live."""
    u, v = _grid(s)
    pitch = rng.choice([0.1, 0.125, 0.16])
    cx, cy = rng.uniform(0, 1), rng.uniform(0, 1)
    grow = np.clip(1 - np.hypot(u - cx, v - cy) / 1.2, 0, 1)
    gy = v / pitch
    row = np.floor(gy)
    gx = u / pitch + np.where(row % 2 == 1, 0.5, 0.0)
    dx = (gx - np.floor(gx) - 0.5) * pitch
    dy = (gy - row - 0.5) * pitch
    r = pitch * (0.12 + 0.42 * grow)
    m = _aa(np.hypot(dx, dy), r, s)
    bg, fg = PAIRS[rng.integers(len(PAIRS))]
    return _paint(bg, fg, m)


_DRAW = (_polka, _scatter, _net, _pumpkin, _mirror_room, _rings, _waves, _swell)


def _mirror_half(rng, k: int, img: np.ndarray) -> np.ndarray:
    return img[:, :, ::-1] if rng.random() < 0.5 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_mirror_half)


RECIPE = {
    "generator": "vjhost_kusama.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB, saturated two-colour pairs (red/white, yellow/black, blue/white, ...), glowing dots on black for the mirror room",
}
