"""Procedural training data for the murakami pack: a homage to superflat smiling-flower fields.

Nothing here is, or is derived from, anyone's artwork, and no character from
any work is drawn: every image is built from one generic motif -- a flat,
black-outlined flower of round petals around a round face with two dot eyes
and an open arc smile -- laid out by a rule (a lattice, rings, a spiral, a
grid of rows) in flat saturated primaries and pastels, with no shading.

Every image follows from a few random choices so a 64-d decoder can hold it:
a motif family, a handful of discrete choices (pitch, colour rule, ground,
petal count) and at most about a dozen continuous numbers (lattice angle and
offset, the phases of a smooth size field, a centre, a turn).  A flower's
colour and size come from its lattice index through a rule (``(a*i + b*j +
c) mod k``) or a smooth field, never from an independent random draw per
flower.  Edges are anti-aliased in uv units (the drawing kit), so the same
seed draws the same picture at 128² and 256².

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import Canvas, balanced, palettes, tiling

MOTIFS = ("flowers", "spin", "pulse", "scatter", "pattern", "pastel", "mandala", "spiral")

#: The persona's colours: the same list as pack.toml's ``palette`` (the test suite checks they agree).
PALETTE = ("#111111", "#ffffff", "#e60012", "#ffd900", "#0068b7", "#00a73c", "#f39800", "#e4007f", "#7d3f98",
           "#4cb8e8", "#ffb3c7", "#fff08a", "#a8e6cf", "#d5b3ff", "#a0c4ff", "#fff6e5")
_PAL = palettes.palette(PALETTE)
INK, WHITE = 0, 1
#: saturated petal colours, in rainbow order (red, orange, yellow, green, sky, blue, purple, magenta)
SAT = (2, 6, 3, 5, 9, 4, 8, 7)
#: pastel petal colours (pink, lemon, mint, sky, lavender)
PASTEL = (10, 11, 12, 14, 13)
#: face colours: yellow, lemon (the source pass finds each flower's centre by its face colour)
FACES = (3, 11)
#: flat grounds for the saturated families: white, cream, lemon, pink, mint, baby blue, sky, yellow
GROUNDS = (1, 15, 11, 10, 12, 14, 9, 3)


def _rgb(idx) -> np.ndarray:
    """Palette colours by index: ``(..., 3)``."""
    return _PAL[np.asarray(idx, np.int64)]


def flower(c: Canvas, cx: float, cy: float, r: float, angle: float, petals: int, colours, face: int = 3,
           eyes: str = "open", outline: float | None = None) -> None:
    """One smiling flower: ``petals`` round petals reaching radius ``r`` around a face, black outlines.

    ``colours`` is one palette index (every petal alike) or a sequence the petals take in turn
    (a rainbow, or two colours alternating).  The face (radius ``0.42 r``) stays upright; the
    petals turn with ``angle``.  ``eyes`` "open" draws two dot eyes, "closed" two small arcs;
    the mouth is a plain arc smile in both (a generic smiley, no character).
    """
    if r < 0.09:
        petals = min(petals, 8)  # a small flower keeps a few big petals (fewer edges than pixels)
    w = outline if outline is not None else float(np.clip(0.08 * r, 0.009, 0.016))
    ys, xs, u, v = c.region((cx - r - w, cy - r - w, cx + r + w, cy + r + w))
    if not u.size:
        return
    s = c.size
    dx, dy = u - np.float32(cx), v - np.float32(cy)
    ca, sa = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    px, py = dx * ca + dy * sa, dy * ca - dx * sa
    rho = np.sqrt(px * px + py * py)
    sector = 2 * np.pi / petals
    a = np.arctan2(py, px)
    k = np.round(a / sector)
    af = a - k * sector  # the angle within the petal's sector, -sector/2..sector/2
    # round petals, a touch wider than touching so neighbours overlap along a radial seam
    pr = r * np.sin(sector / 2) / (1 + np.sin(sector / 2)) * 1.2
    pr = min(pr, r * 0.5)
    qx, qy = rho * np.cos(af), rho * np.sin(af)
    d_petal = np.sqrt((qx - (r - pr)) ** 2 + qy * qy) - pr
    d_hub = rho - (r - pr)  # fills the middle between the petals' inner ends
    d_flower = np.minimum(d_petal, d_hub)
    cols = np.atleast_1d(np.asarray(colours, np.int64))
    idx = cols[(k.astype(np.int64) % petals) % len(cols)]
    tgt = c.img[:, ys, xs]
    m = np.clip(0.5 - d_flower * s, 0.0, 1.0)
    tgt += (np.moveaxis(_rgb(idx), -1, 0) - tgt) * m[None]
    # outlines: the petals' rim and the seams between petals (rays on the sector borders)
    seam = np.maximum(rho * np.sin(sector / 2 - np.abs(af)) - w * 0.35, d_flower)
    line = np.minimum(np.abs(d_flower) - w / 2, seam)
    _paint(tgt, line, INK, s)
    # the face: a disc with a rim, two eyes, an open smile
    rf = 0.42 * r
    fx, fy = dx, dy  # upright
    d_face = np.sqrt(fx * fx + fy * fy) - rf
    _paint(tgt, d_face, face, s)
    ex, ey, er = 0.36 * rf, -0.22 * rf, max(0.11 * rf, w * 0.6)
    if eyes == "open":
        d_eyes = np.sqrt((np.abs(fx) - ex) ** 2 / 0.7 + (fy - ey) ** 2) - er  # slightly tall dots
    else:  # closed: little arcs, bowed upward (^ ^)
        ax, ay = np.abs(fx) - ex, fy - ey + 0.1 * rf
        ring = np.abs(np.sqrt(ax * ax + ay * ay) - 0.16 * rf) - w * 0.45
        d_eyes = np.maximum(ring, ay)
    _paint(tgt, d_eyes, INK, s)
    # the smile: a thick arc under the eyes, round-capped
    _paint(tgt, _smile(fx, fy, rf, w), INK, s)
    _paint(tgt, np.abs(d_face) - w / 2, INK, s)


def _smile(fx, fy, rf: float, w: float) -> np.ndarray:
    """The signed distance of a smile: an arc of radius ``0.55 rf`` through the lower third of the face."""
    cy, rad, half = -0.05 * rf, 0.55 * rf, max(0.075 * rf, w * 0.45)
    a = np.arctan2(fy - cy, fx)  # 0 to the right, pi/2 straight down (v grows downward)
    lo, hi = 0.2 * np.pi, 0.8 * np.pi
    on = (a >= lo) & (a <= hi)
    d_arc = np.abs(np.sqrt(fx * fx + (fy - cy) ** 2) - rad)
    ends = [(rad * np.cos(t), cy + rad * np.sin(t)) for t in (lo, hi)]
    d_end = np.minimum(*[np.sqrt((fx - ex) ** 2 + (fy - ey) ** 2) for ex, ey in ends])
    return np.where(on, d_arc, d_end) - half


def _paint(tgt: np.ndarray, d: np.ndarray, idx: int, s: int) -> None:
    """Paint palette colour ``idx`` over ``tgt`` (a canvas window) where the distance ``d`` is negative."""
    m = np.clip(0.5 - d * s, 0.0, 1.0)
    tgt += (_PAL[idx][:, None, None] - tgt) * m[None]


def _scheme(kind: int, base: int, petals: int, pool=SAT) -> list[int]:
    """Petal colours: 0 a rainbow from ``base``, 1 one colour, 2 two colours alternating."""
    n = len(pool)
    if kind == 0:
        return [pool[(base + i) % n] for i in range(petals)]
    if kind == 1:
        return [pool[base % n]]
    return [pool[base % n], pool[(base + 3) % n]]


def _field(rng) -> tuple[float, float, float, float]:
    """A smooth size field's parameters: a direction, a frequency and two phases (4 numbers)."""
    return float(rng.uniform(0, np.pi)), float(rng.uniform(1.0, 2.2)), float(rng.uniform(0, 2 * np.pi)), \
        float(rng.uniform(0, 2 * np.pi))


def _field_at(x, y, f) -> np.ndarray:
    """The smooth field at ``(x, y)``, in -1..1: two crossing waves."""
    a, freq, p1, p2 = f
    t1 = np.cos(a) * x + np.sin(a) * y
    t2 = -np.sin(a) * x + np.cos(a) * y
    return 0.6 * np.sin(2 * np.pi * freq * t1 + p1) + 0.4 * np.sin(2 * np.pi * freq * 0.7 * t2 + p2)


def _face(n: int, ground: int) -> int:
    """A face colour by the rule ``n``, never the ground's (a face must stand out from it)."""
    f = FACES[n % len(FACES)]
    return f if f != ground else FACES[(n + 1) % len(FACES)]


def _ground(rng, choices=GROUNDS) -> int:
    """A ground colour (a palette index) from ``choices``."""
    return choices[int(rng.integers(len(choices)))]


def _flowers(rng, s):
    """A dense field of overlapping flowers of many sizes (a hex lattice, sizes from a smooth field)."""
    g = _ground(rng)
    c = Canvas(s, _rgb(g))
    pitch = float(rng.choice([0.28, 0.33, 0.4]))
    f = _field(rng)
    off = rng.uniform(0, pitch, 2)
    turn = float(rng.uniform(0, 2 * np.pi))
    a, b, base = int(rng.choice([1, 2, 3])), int(rng.choice([2, 3, 5])), int(rng.integers(8))
    petals = int(rng.choice([10, 12]))
    pts = tiling.lattice_points(pitch, "hex", offset=(float(off[0]), float(off[1])), margin=pitch * 0.6)
    size = 0.62 + 0.3 * _field_at(pts[:, 0], pts[:, 1], f)
    for (x, y, i, j), sz in sorted(zip(pts, size), key=lambda t: t[1]):  # small first, the big ones on top
        n = int(a * i + b * j + base)
        flower(c, x, y, pitch * sz, turn + 0.4 * n, petals, _scheme(n % 3, n, petals), _face(n, g))
    return c.image()


def _spin(rng, s):
    """One big rainbow flower on a sunburst of two flat colours."""
    g = _ground(rng, (1, 15, 11, 10, 12, 14))
    c = Canvas(s, _rgb(g))
    cx, cy = rng.uniform(0.38, 0.62, 2)
    rays, turn = int(rng.choice([12, 16, 20])), float(rng.uniform(0, np.pi))
    ray_col = (3, 10, 12, 9, 11, 14)[int(rng.integers(6))]
    if ray_col != g:
        a = np.arctan2(c.v - cy, c.u - cx) - turn
        t = np.mod(a / (2 * np.pi) * rays, 1.0) - 0.5
        rho = np.sqrt((c.u - cx) ** 2 + (c.v - cy) ** 2)
        c.fill((np.abs(t) - 0.25) * 2 * np.pi / rays * np.maximum(rho, 1e-3), _rgb(ray_col))
    petals = int(rng.choice([10, 12, 14]))
    r = float(rng.uniform(0.3, 0.44))
    flower(c, float(cx), float(cy), r, float(rng.uniform(0, 2 * np.pi)), petals,
           _scheme(0, int(rng.integers(8)), petals), _face(int(rng.integers(2)), g))
    return c.image()


def _pulse(rng, s):
    """Rows of flowers on alternating pastel bands, their sizes riding a wave across the rows."""
    pitch = float(rng.choice([0.25, 0.333]))
    c = Canvas(s, _rgb(10))
    off = rng.uniform(0, pitch, 2)
    bands = [(10, 11), (12, 14), (13, 11), (1, 10)][int(rng.integers(4))]
    row = np.floor((c.v - off[1]) / pitch)
    alt = (np.mod(row, 2) == 1)
    c.img[:] = np.where(alt[None], _rgb(bands[1])[:, None, None], _rgb(bands[0])[:, None, None])
    wave_a, wave_k = float(rng.uniform(0, np.pi)), float(rng.choice([1.0, 1.5, 2.0]))
    ph = float(rng.uniform(0, 2 * np.pi))
    base, petals = int(rng.integers(8)), int(rng.choice([8, 10, 12]))
    turn = float(rng.uniform(0, np.pi))
    pts = tiling.lattice_points(pitch, "square", offset=(float(off[0]), float(off[1])), margin=pitch * 0.5)
    for x, y, _i, j in pts:
        t = np.cos(wave_a) * x + np.sin(wave_a) * y
        sz = 0.3 + 0.15 * (1 + np.sin(2 * np.pi * wave_k * t + ph))
        flower(c, x, y, pitch * sz, turn, petals, _scheme(1, base + int(j), petals), 3)
    return c.image()


def _scatter(rng, s):
    """Small flowers sprinkled over a flat saturated ground: a loose lattice bent by a smooth field."""
    g = (9, 4, 5, 2, 7, 3)[int(rng.integers(6))]
    c = Canvas(s, _rgb(g))
    pitch = float(rng.choice([0.25, 0.3]))
    off = rng.uniform(0, pitch, 2)
    f, fd = _field(rng), _field(rng)
    pts = tiling.lattice_points(pitch, "hex", offset=(float(off[0]), float(off[1])), margin=0.05)
    a, b = int(rng.choice([1, 2])), int(rng.choice([3, 5]))
    face = _face(int(rng.integers(2)), g)
    for x, y, i, j in pts:
        sz = 0.26 + 0.16 * _field_at(x, y, f)
        if sz < 0.14:
            continue  # the field leaves gaps
        x2 = x + 0.25 * pitch * _field_at(y, x, fd)
        y2 = y + 0.25 * pitch * _field_at(x + 0.3, y, fd)
        n = int(a * i + b * j)
        petals = (SAT[n % 8],) if SAT[n % 8] != g else (1,)
        flower(c, float(x2), float(y2), pitch * float(sz), 0.5 * n, 8, list(petals), face)
    return c.image()


def _pattern(rng, s):
    """Wallpaper: a strict grid of same-sized flowers, each a different colour by a rule."""
    g = (1, 0, 15)[int(rng.integers(3))]
    c = Canvas(s, _rgb(g))
    pitch = float(rng.choice([0.25, 0.333]))
    off = rng.uniform(0, pitch, 2)
    diag = bool(rng.random() < 0.5)
    stride = int(rng.choice([1, 3, 5]))
    petals = int(rng.choice([6, 8, 12]))
    turn = float(rng.uniform(0, np.pi))
    if diag:  # a checkerboard of flowers: every other cell, shifted
        pts = tiling.lattice_points(pitch, "hex", offset=(float(off[0]), float(off[1])), margin=pitch * 0.5)
    else:
        pts = tiling.lattice_points(pitch, "square", offset=(float(off[0]), float(off[1])), margin=pitch * 0.5)
    for x, y, i, j in pts:
        n = int(i + stride * j)
        flower(c, x, y, pitch * 0.46, turn, petals, [SAT[n % 8]], _face(n, g))
    return c.image()


def _pastel(rng, s):
    """Pastel flowers with closed-eye smiles on cream: a hex lattice, sizes from a smooth field."""
    g = (15, 1, 14, 10)[int(rng.integers(4))]
    c = Canvas(s, _rgb(g))
    pitch = float(rng.choice([0.28, 0.33]))
    off = rng.uniform(0, pitch, 2)
    f = _field(rng)
    turn = float(rng.uniform(0, np.pi))
    base = int(rng.integers(5))
    petals = int(rng.choice([8, 10]))
    pts = tiling.lattice_points(pitch, "hex", offset=(float(off[0]), float(off[1])), margin=pitch * 0.6)
    size = 0.55 + 0.2 * _field_at(pts[:, 0], pts[:, 1], f)
    for (x, y, i, j), sz in sorted(zip(pts, size), key=lambda t: t[1]):
        n = int(i + 2 * j + base)
        col = PASTEL[n % 5] if PASTEL[n % 5] != g else PASTEL[(n + 1) % 5]
        flower(c, x, y, pitch * sz, turn + 0.3 * n, petals, [col], _face(n, g), eyes="closed")
    return c.image()


def _mandala(rng, s):
    """Rings of flowers around a big one: each ring one colour, turned by a twist."""
    g = _ground(rng)
    c = Canvas(s, _rgb(g))
    cx, cy = rng.uniform(0.4, 0.6, 2)
    step = float(rng.uniform(0.2, 0.25))
    twist, base = float(rng.uniform(0, np.pi)), int(rng.integers(8))
    petals = int(rng.choice([8, 10, 12]))
    for k in range(6, 0, -1):  # outer rings first
        rk = k * step
        n = max(6, int(np.round(2 * np.pi * rk / (step * 0.95))))
        size = min(step * 0.56, np.pi * rk / n * 1.05)
        ang = twist * k + np.arange(n) * 2 * np.pi / n
        col = SAT[(base + k) % 8]
        if col == g:
            col = 1
        for a in ang:
            x, y = cx + rk * np.cos(a), cy + rk * np.sin(a)
            if -size < x < 1 + size and -size < y < 1 + size:
                flower(c, float(x), float(y), float(size), float(a), petals, [col], _face(k, g))
    flower(c, float(cx), float(cy), step * 0.75, twist, 12, _scheme(0, base, 12), _face(0, g))
    return c.image()


def _spiral(rng, s):
    """Flowers on a sunflower spiral (the golden angle), growing from the centre outward."""
    g = _ground(rng)
    c = Canvas(s, _rgb(g))
    cx, cy = rng.uniform(0.35, 0.65, 2)
    spacing = float(rng.uniform(0.1, 0.12))
    grow, turn = float(rng.uniform(0.45, 0.6)), float(rng.uniform(0, 2 * np.pi))
    base, period = int(rng.integers(8)), int(rng.choice([3, 5, 8]))
    golden = np.pi * (3 - np.sqrt(5))
    n = int((1.1 / spacing) ** 2)
    items = []
    for i in range(1, n):
        rad = spacing * np.sqrt(i)
        a = turn + i * golden
        x, y = cx + rad * np.cos(a), cy + rad * np.sin(a)
        size = spacing * grow * (0.9 + 0.12 * np.sqrt(i))
        if -size < x < 1 + size and -size < y < 1 + size:
            items.append((i, x, y, size, a))
    for i, x, y, size, a in reversed(items):  # the outer, larger ones underneath
        col = SAT[(base + i % period) % 8]
        if col == g:
            col = 1
        flower(c, float(x), float(y), float(size), float(a), 10, [col], _face(i, g))
    return c.image()


_DRAW = (_flowers, _spin, _pulse, _scatter, _pattern, _pastel, _mandala, _spiral)


def _finish(rng, k: int, img: np.ndarray) -> np.ndarray:
    """Mirror half the images left-right (the motifs have no handedness; the faces are symmetric)."""
    return img[:, :, ::-1] if rng.random() < 0.5 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_finish)


RECIPE = {
    "generator": "vjhost_murakami.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB, flat saturated primaries and pastels with black outlines: " + ", ".join(PALETTE),
}
