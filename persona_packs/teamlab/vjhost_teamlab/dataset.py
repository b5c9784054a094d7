"""Procedural training data for the teamlab pack: a homage to immersive light and nature.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
from a small motif vocabulary on a dark ground -- fields of glowing particles,
drifting petals, five-petal blossoms opening, long-exposure particle streams
following a flow field, hanging strings of light points in depth, radial bursts
of sparks, flowing water lines and large soft bokeh lights.  Light adds up
(additive glow with a soft halo), colours are vivid but luminous.
Deterministic: the same ``seed`` gives the same images.

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import balanced

MOTIFS = ("particles", "petals", "blossoms", "streams", "light_strings", "burst", "water", "bokeh")

# Luminous palettes (each a few related hues), 0..1 RGB.
PALETTES = (
    ((1.0, 0.55, 0.75), (1.0, 0.85, 0.9), (0.95, 0.35, 0.55)),  # cherry blossom
    ((0.35, 0.75, 1.0), (0.6, 0.95, 1.0), (0.2, 0.4, 1.0)),  # water / ice
    ((1.0, 0.75, 0.3), (1.0, 0.95, 0.6), (1.0, 0.45, 0.15)),  # lantern gold
    ((0.55, 1.0, 0.6), (0.3, 0.9, 0.85), (0.9, 1.0, 0.5)),  # firefly green
    ((0.75, 0.45, 1.0), (0.4, 0.5, 1.0), (1.0, 0.5, 0.9)),  # violet night
    ((1.0, 0.3, 0.25), (1.0, 0.7, 0.3), (1.0, 0.95, 0.8)),  # autumn
)


def _grid(s: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:s, 0:s].astype(np.float32)
    return (x + 0.5) / s, (y + 0.5) / s


def _ground(rng, s) -> np.ndarray:
    """A near-black ground with a faint vertical tint gradient."""
    _, v = _grid(s)
    tint = np.asarray(rng.choice([(0.0, 0.01, 0.04), (0.02, 0.0, 0.03), (0.0, 0.02, 0.02), (0.01, 0.01, 0.01)]), np.float32)
    return tint[:, None, None] * (0.5 + v)[None] * rng.uniform(0.5, 2.0)


def _box(x0: float, y0: float, r: float, s: int) -> tuple[slice, slice]:
    return (slice(max(0, int((y0 - r) * s)), max(0, int((y0 + r) * s) + 2)),
            slice(max(0, int((x0 - r) * s)), max(0, int((x0 + r) * s) + 2)))


def _glow(img, u, v, x0, y0, r, colour, gain=1.0, halo=3.0):
    """Add a glowing point: a bright gaussian core of radius r plus a soft halo."""
    ys, xs = _box(x0, y0, r * halo * 2.2, img.shape[-1])
    d2 = (u[ys, xs] - x0) ** 2 + (v[ys, xs] - y0) ** 2
    g = np.exp(-d2 / (r * r)) + 0.25 * np.exp(-d2 / ((r * halo) ** 2))
    img[:, ys, xs] += np.asarray(colour, np.float32)[:, None, None] * (g * gain)[None]


def _petal_shape(u, v, x0, y0, length, width, ang):
    """Soft petal (a teardrop-ish ellipse) coverage, 0..1."""
    c, s_ = np.cos(ang), np.sin(ang)
    dx, dy = u - x0, v - y0
    a = dx * c + dy * s_
    b = -dx * s_ + dy * c
    t = np.clip(a / length, -1, 1)
    wdt = width * np.sqrt(np.clip(1 - t * t, 0, 1)) * (1.0 - 0.35 * t)
    inside = (np.abs(a) < length) & (np.abs(b) < wdt + 1e-3)
    edge = np.clip(1 - np.abs(b) / np.maximum(wdt, 1e-3), 0, 1)
    return np.where(inside, np.sqrt(edge), 0.0)


def _pal(rng):
    return np.asarray(PALETTES[rng.integers(len(PALETTES))], np.float32)


def _particles(rng, s):
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    n = int(rng.integers(40, 120))
    for _ in range(n):
        r = float(np.exp(rng.uniform(np.log(0.004), np.log(0.018))))
        _glow(img, u, v, rng.uniform(0, 1), rng.uniform(0, 1), r, pal[rng.integers(3)], rng.uniform(0.4, 1.2))
    return img


def _petals(rng, s):
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    ang0 = rng.uniform(0, 2 * np.pi)
    for _ in range(int(rng.integers(12, 30))):
        x0, y0 = rng.uniform(0, 1), rng.uniform(0, 1)
        ln = rng.uniform(0.025, 0.06)
        ys, xs = _box(x0, y0, ln * 1.3, s)
        m = _petal_shape(u[ys, xs], v[ys, xs], x0, y0, ln, ln * rng.uniform(0.35, 0.6), ang0 + rng.normal(0, 0.6))
        img[:, ys, xs] = np.maximum(img[:, ys, xs], pal[rng.integers(3)][:, None, None] * m[None] * rng.uniform(0.6, 1.0))
    return img


def _blossoms(rng, s):
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    for _ in range(int(rng.integers(2, 7))):
        x0, y0 = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
        size = rng.uniform(0.05, 0.16)
        k = int(rng.choice([5, 5, 6, 8]))
        rot = rng.uniform(0, 2 * np.pi)
        c = pal[rng.integers(3)]
        ys, xs = _box(x0, y0, size * 2.1, s)
        m = np.zeros(u[ys, xs].shape, np.float32)
        for j in range(k):
            a = rot + 2 * np.pi * j / k
            px, py = x0 + np.cos(a) * size, y0 + np.sin(a) * size
            np.maximum(m, _petal_shape(u[ys, xs], v[ys, xs], px, py, size, size * 0.5, a), out=m)
        img[:, ys, xs] = np.maximum(img[:, ys, xs], c[:, None, None] * m[None])
        _glow(img, u, v, x0, y0, size * 0.25, (1.0, 0.95, 0.7), 0.9, halo=2.0)
    return img


def _streams(rng, s):
    """Particles traced along a smooth flow field: long-exposure light trails."""
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    k1, k2 = rng.uniform(2, 6, 2), rng.uniform(0, 2 * np.pi, 2)
    base = rng.uniform(0, 2 * np.pi)
    trails = np.zeros((s, s), np.float32)
    cols = np.zeros((3, s, s), np.float32)
    for _ in range(int(rng.integers(10, 24))):
        x, y = rng.uniform(0, 1), rng.uniform(0, 1)
        c = pal[rng.integers(3)]
        for t in range(40):
            a = base + np.sin(k1[0] * y + k2[0]) + 0.7 * np.cos(k1[1] * x + k2[1])
            x, y = x + 0.012 * np.cos(a), y + 0.012 * np.sin(a)
            ix, iy = int(x * s), int(y * s)
            if 0 <= ix < s and 0 <= iy < s:
                w = t / 40.0
                trails[iy, ix] += w
                cols[:, iy, ix] += c * w
    core = np.clip(trails, 0, 1)
    img += _blur(cols, 1.0) * 2.5 + _blur(cols, 4.0) * 3.0
    del core
    return img


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur (circular) of a (C, H, W) array through the FFT."""
    s = x.shape[-1]
    f = np.fft.fftfreq(s).astype(np.float32)
    g = np.exp(-2 * (np.pi * sigma) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    return np.fft.irfft2(np.fft.rfft2(x) * g[:, : s // 2 + 1], s=(s, s)).astype(np.float32)


def _light_strings(rng, s):
    """Vertical strings of light points at several depths (nearer: larger, brighter, sparser)."""
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    for depth in sorted(rng.uniform(0.2, 1.0, int(rng.integers(6, 14)))):
        x0 = rng.uniform(0, 1)
        gap = 0.02 + 0.05 * depth
        r = 0.003 + 0.008 * depth
        c = pal[rng.integers(3)] * (0.35 + 0.65 * depth)
        y = rng.uniform(0, gap)
        while y < 1.0:
            _glow(img, u, v, x0, y, r, c, 1.0, halo=2.5)
            y += gap
    return img


def _burst(rng, s):
    """A radial burst of sparks from one point (what an onset looks like)."""
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    for _ in range(int(rng.integers(40, 90))):
        a = rng.uniform(0, 2 * np.pi)
        d = rng.uniform(0.03, 0.45) ** 0.8
        c = pal[rng.integers(3)]
        for j in range(4):  # a short streak toward the centre
            dd = d * (1 - 0.06 * j)
            _glow(img, u, v, cx + np.cos(a) * dd, cy + np.sin(a) * dd, 0.005, c, 0.8 * (1 - 0.22 * j), halo=2.0)
    _glow(img, u, v, cx, cy, 0.03, (1.0, 0.95, 0.85), 1.2, halo=3.0)
    return img


def _water(rng, s):
    """Flowing lines of light, like water drawn by particles."""
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    n = int(rng.integers(5, 12))
    f1, f2 = rng.uniform(1, 3), rng.uniform(3, 7)
    ph = rng.uniform(0, 2 * np.pi)
    tilt = rng.uniform(-0.3, 0.3)
    for i in range(n):
        y0 = (i + rng.uniform(0, 1)) / n
        curve = y0 + tilt * (u - 0.5) + 0.04 * np.sin(2 * np.pi * f1 * u + ph + i) + 0.015 * np.sin(2 * np.pi * f2 * u + 2 * i)
        d = np.abs(v - curve)
        w = rng.uniform(0.003, 0.01)
        line = np.exp(-(d / w) ** 2) + 0.3 * np.exp(-(d / (w * 5)) ** 2)
        img += pal[rng.integers(3)][:, None, None] * (line * rng.uniform(0.4, 1.0))[None]
    return img


def _bokeh(rng, s):
    u, v = _grid(s)
    img, pal = _ground(rng, s), _pal(rng)
    for _ in range(int(rng.integers(8, 22))):
        x0, y0, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.04, 0.13)
        ys, xs = _box(x0, y0, r * 1.1, s)
        d = np.hypot(u[ys, xs] - x0, v[ys, xs] - y0)
        disc = np.clip((r - d) * s * 0.5, 0, 1) * (0.55 + 0.45 * (d / r) ** 2)
        img[:, ys, xs] += pal[rng.integers(3)][:, None, None] * (disc * rng.uniform(0.25, 0.6))[None]
    return img


_DRAW = (_particles, _petals, _blossoms, _streams, _light_strings, _burst, _water, _bokeh)


def _tonemap(img: np.ndarray) -> np.ndarray:
    """Soft highlight roll-off so stacked light blooms to white instead of clipping flat."""
    return 1.0 - np.exp(-1.6 * np.maximum(img, 0.0))


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=lambda rng, k, img: _tonemap(img))


RECIPE = {
    "generator": "vjhost_teamlab.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB, additive glowing light on a near-black ground, tone-mapped; six luminous palettes",
}
