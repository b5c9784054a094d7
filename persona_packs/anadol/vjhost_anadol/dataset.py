"""Procedural training data for the anadol pack: a homage to "data painting" -- fluid colour in motion.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
with the drawing kit (:mod:`vjhost.train.motifs`) from a small vocabulary of
fluid colour: marbled bands of pigment bent by a flow, point clouds folding
into ribbons, particles spiralling into a dense core, kaleidoscopic flows,
streamlines of a curling current, a breathing mass of colour rings, facades
melting into streams and a vortex of colour arms.  Flat bands of the palette
with one-pixel edges, always in the order of one of four colour ramps, so
neighbouring bands blend like paint.

Each image follows from a handful of random choices (a colour ramp, a count, a
symmetry) and at most about sixteen continuous parameters (a few plane waves
of a flow, positions, angles) -- never per-element or per-pixel randomness --
so the 64-d decoder can hold it sharply (docs/packs.md).  Deterministic: the
same ``seed`` gives the same images.  Imported only by the training tools,
never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import Canvas, balanced, palettes, points3d, raster, shapes, waves

MOTIFS = ("fluid", "pointcloud", "condense", "kaleido", "curl", "mass", "dissolve", "vortex")

#: The persona's colours: the same list as pack.toml's ``palette`` (the test suite checks they agree):
#: night indigo, deep blue, turquoise, orange, magenta, violet, gold, white.
PALETTE = ("#05040f", "#1b1f6b", "#1fb5c9", "#ff6a1a", "#e8287c", "#7a3cff", "#ffc93c", "#f5f0ff")
_PAL = palettes.palette(PALETTE)
NIGHT, DEEP, TURQ, ORANGE, MAGENTA, VIOLET, GOLD, WHITE = _PAL

#: colour ramps, dark to bright: bands run through one of them in order, so neighbours blend like paint
RAMPS = (
    (NIGHT, MAGENTA, ORANGE, GOLD),      # ember
    (NIGHT, DEEP, TURQ, WHITE),          # ocean
    (DEEP, VIOLET, MAGENTA, TURQ),       # aurora
    (VIOLET, MAGENTA, ORANGE, GOLD, WHITE),  # sunset
)


def _ramp(rng) -> np.ndarray:
    return np.asarray(RAMPS[int(rng.integers(len(RAMPS)))], np.float32)


def _bands(c: Canvas, t: np.ndarray, colours: np.ndarray, cycle: bool = True, order=None,
           grad: np.ndarray | None = None) -> None:
    """Paint the canvas with flat bands of ``colours``, one per unit of the smooth field ``t``
    (:func:`vjhost.train.motifs.raster.bands`: up and down the ramp, or clipped to it with ``cycle`` off)."""
    c.img[:] = raster.bands(t, colours, c.size, order=order, clip=not cycle, grad=grad)


def _flow(rng, n: int = 3, freq=(0.8, 2.2)) -> waves.Waves:
    return waves.random_waves(rng, n, freq=freq, decay=0.5)


def _fluid(rng, s):
    """Marbled pigment: parallel bands of colour bent and folded by a smooth flow.

    Choices: the ramp (4).  Continuous: the bands' direction and frequency, warp strength, three waves
    of the warp (3 x 3) -- 12.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)
    ang, freq = float(rng.uniform(0, np.pi)), float(rng.uniform(4.0, 7.0))
    amt = float(rng.uniform(0.18, 0.32))
    w = _flow(rng)
    wx, wy = waves.curl(c.u, c.v, w)
    norm = np.float32(2 * np.pi * float((w.freq * w.amp).sum()))
    u, v = c.u + amt * wx / norm, c.v + amt * wy / norm
    u, v = u + 0.5 * amt * waves.field(u, v, w), v  # fold once more along the first flow
    t = ((u - 0.5) * np.cos(ang) + (v - 0.5) * np.sin(ang)) * freq
    _bands(c, t, cols)
    return c.image()


def _pointcloud(rng, s):
    """Points drifting in a flowing ribbon: a wave surface of points turned in space, coloured along the ramp.

    Choices: the ramp (4), the grid density (2).  Continuous: the surface's two waves (frequency, phase,
    height each), yaw, pitch, roll, centre (2), scale, point size -- 13.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)[1:]
    n = int(rng.choice([26, 32]))
    f1, f2 = rng.uniform(1.0, 2.5, 2)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    h1, h2 = rng.uniform(0.15, 0.4, 2)
    pts = points3d.surface(n, n, lambda x, y: h1 * np.sin(f1 * 2 * x + p1) + h2 * np.cos(f2 * 2 * (x + y) + p2))
    pts[:, 1] *= 0.45  # a ribbon: long in x, narrow in y
    rot = points3d.rotate(pts, float(rng.uniform(-0.8, 0.8)), float(rng.uniform(-1.2, -0.3)),
                          float(rng.uniform(-0.6, 0.6)))
    cx, cy = rng.uniform(0.4, 0.6, 2)
    x, y, k, near = points3d.project(rot, float(cx), float(cy), float(rng.uniform(0.32, 0.42)))
    along = np.clip((x - x.min()) / max(np.ptp(x), 1e-6), 0, 1)  # colour runs along the ribbon
    idx = np.minimum((along * len(cols)).astype(int), len(cols) - 1)
    c.points(x, y, float(rng.uniform(0.005, 0.008)) * k, cols[idx], mode="over")
    return c.image()


def _condense(rng, s):
    """Particles spiralling inward and condensing into a dense glowing core.

    Choices: the ramp (4), the arms (4).  Continuous: the centre (2), the twist, the turn, the core's
    radius, point size -- 6.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)[1:]
    arms = int(rng.choice([3, 4, 5, 6]))
    cx, cy = rng.uniform(0.35, 0.65, 2)
    twist, turn = float(rng.uniform(2.5, 5.0)), float(rng.uniform(0, 2 * np.pi))
    core = float(rng.uniform(0.06, 0.11))
    r0 = float(rng.uniform(0.006, 0.009))
    t = np.linspace(0.0, 1.0, 70)
    rad = core + (0.62 - core) * t ** 1.6  # denser near the core
    a = turn + twist * np.log(rad / core) * 0.9
    arm = np.arange(arms)[:, None] * (2 * np.pi / arms)
    x = (cx + rad[None] * np.cos(a[None] + arm)).ravel()
    y = (cy + rad[None] * np.sin(a[None] + arm)).ravel()
    shade = np.broadcast_to(1.0 - t[None], (arms, t.size)).ravel()  # brighter toward the core
    idx = np.minimum((shade * len(cols)).astype(int), len(cols) - 1)
    size = r0 * (0.6 + 0.8 * (1.0 - np.broadcast_to(t[None], (arms, t.size)).ravel()))
    c.points(x, y, size, cols[idx], mode="over")
    for i, rr in enumerate((core, core * 0.62, core * 0.3)):  # the core: rings of the ramp's bright end
        c.fill(lambda u, v: shapes.disc(u, v, cx, cy, rr), cols[min(len(cols) - 1, len(cols) - 2 + i)],
               bounds=(cx - rr, cy - rr, cx + rr, cy + rr))
    return c.image()


def _kaleido(rng, s):
    """A kaleidoscopic flow: marbled bands folded into an N-fold mirror symmetry about the centre.

    Choices: the ramp (4), the symmetry (4).  Continuous: the turn, the bands' direction and
    frequency, warp strength, the warp's two waves (2 x 3) -- 10.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)
    n = int(rng.choice([6, 8, 10, 12]))
    turn = float(rng.uniform(0, 2 * np.pi))
    dx, dy = c.u - np.float32(0.5), c.v - np.float32(0.5)
    r = np.sqrt(dx * dx + dy * dy)
    a = np.mod(np.arctan2(dy, dx) + turn, 2 * np.pi / n)
    a = np.abs(a - np.pi / n)  # a mirror in every wedge
    fx, fy = r * np.cos(a), r * np.sin(a)
    w = _flow(rng, 2, freq=(1.5, 3.0))
    amt = float(rng.uniform(0.05, 0.1))
    wx, wy = waves.curl(fx, fy, w)
    norm = np.float32(2 * np.pi * float((w.freq * w.amp).sum()))
    fx, fy = fx + amt * wx / norm, fy + amt * wy / norm
    ang, freq = float(rng.uniform(0, np.pi)), float(rng.uniform(8.0, 14.0))
    rr = np.sqrt(fx * fx + fy * fy)  # rings bent by a lean: the field always grows outward, so no wedge goes flat
    _bands(c, (0.8 * rr + 0.5 * (fx * np.cos(ang) + fy * np.sin(ang))) * freq, cols)
    return c.image()


def _curl(rng, s):
    """Streaks of pigment following curling currents: the streamlines of a smooth divergence-free flow,
    thin lines coloured along the ramp by which stream they follow.

    Choices: the ramp (4).  Continuous: three waves of the stream function (3 x 3), line spacing and
    width -- 11.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)[1:]
    w = waves.random_waves(rng, 3, freq=(0.7, 1.8), decay=0.7, angle=0.0, spread=np.pi / 2)
    u, v = c.u - np.float32(0.5), c.v - np.float32(0.5)  # waves about the centre: a turn moves the edges least
    psi = waves.field(u, v, w)
    spacing = float(rng.uniform(0.15, 0.22))
    width = float(rng.uniform(0.009, 0.014))
    gx, gy = waves.gradient(u, v, w)
    g = np.maximum(np.sqrt(gx * gx + gy * gy), np.float32(1e-3))
    t = psi / np.float32(spacing)
    d = np.abs(t - np.round(t)) * np.float32(spacing) / g - np.float32(width / 2)
    line = raster.coverage(d, s)
    # each streamline takes the ramp colour of its stream value (constant along the line)
    band = np.round(t).astype(np.int64)
    idx = np.mod(band, len(cols))
    c.blend(line, 0.0)
    c.img += np.moveaxis(cols[idx], -1, 0) * line[None]
    return c.image()


def _mass(rng, s):
    """A pulsating mass of colour: three merged blobs, their inside cut into rings of the ramp.

    Choices: the ramp (4).  Continuous: three centres (2 each), three radii, the ring spacing -- 10.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)
    cols = cols if np.array_equal(cols[0], NIGHT) else np.vstack([NIGHT[None], cols])  # a mass on the night
    centres = rng.uniform(0.3, 0.7, (3, 2))
    radii = rng.uniform(0.12, 0.22, 3)
    f = np.zeros((s, s), np.float32)
    for (cx, cy), r in zip(centres, radii):
        f += np.float32(r * r) / ((c.u - np.float32(cx)) ** 2 + (c.v - np.float32(cy)) ** 2 + np.float32(0.002))
    level = np.log(f)  # smooth, rising toward each centre
    spacing = float(rng.uniform(0.35, 0.6))
    t = np.clip((level - 0.0) / spacing + 1.0, 0.0, None)  # 0 outside the mass, a band per spacing inside
    _bands(c, t, cols, cycle=False)
    return c.image()


def _dissolve(rng, s):
    """Facades dissolving into flowing streams: a row of buildings drawn as window grids, the higher
    parts carried ever further along a flow.

    Choices: the ramp (4), the buildings (3).  Continuous: heights (a phase and a slope), window pitch,
    where the melting starts, its strength, two waves of the flow (2 x 3) -- 11.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)[1:]
    nb = int(rng.choice([3, 4, 5]))
    ph, slope = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(-0.15, 0.15))
    pitch = float(rng.uniform(0.035, 0.05))
    melt_at, melt = float(rng.uniform(0.5, 0.75)), float(rng.uniform(0.25, 0.45))
    w = _flow(rng, 2, freq=(1.0, 2.5))
    wx, wy = waves.curl(c.u, c.v, w)
    norm = np.float32(2 * np.pi * float((w.freq * w.amp).sum()))
    lift = np.clip((np.float32(melt_at) - c.v) / np.float32(0.4), 0.0, 1.0) ** 1.5  # higher: more melted
    u = c.u + melt * lift * wx / norm
    v = c.v + melt * lift * (wy / norm - 0.5)
    bi = np.floor(u * nb)
    top = 0.18 + 0.25 * (0.5 + 0.5 * np.sin(2.7 * bi + ph)) + slope * (bi / nb - 0.5)
    d_build = np.maximum((np.abs(u * nb - bi - 0.5) - 0.42) / nb, top - v)  # <0 inside a building
    row = np.floor((v - top) / pitch)
    gx = np.abs(np.mod(u, pitch) / pitch - 0.5)
    gy = np.abs((v - top) / pitch - row - 0.5)
    d_win = np.float32(pitch * 0.18) - np.minimum(0.5 - gx, 0.5 - gy) * pitch  # <0 inside a window pane
    c.fill(d_build, DEEP)
    # each pane keeps one colour of the ramp (by its floor and building), so it melts into a stream of it
    k = np.mod(row.astype(np.int64) + bi.astype(np.int64), len(cols))
    pane = raster.coverage(np.maximum(d_build, d_win), s)
    c.img += (np.moveaxis(cols[k], -1, 0) - c.img) * pane[None]
    return c.image()


def _vortex(rng, s):
    """A vortex of colour: spiral arms of flat colour wound around a centre, tighter toward it.

    Choices: the ramp (4), the arms (4).  Continuous: the centre (2), the winding, the turn -- 4.
    """
    c = Canvas(s, NIGHT)
    cols = _ramp(rng)
    arms = int(rng.choice([2, 3, 4, 6]))
    cx, cy = rng.uniform(0.35, 0.65, 2)
    wind, turn = float(rng.uniform(2.0, 4.5)), float(rng.uniform(0, 2 * np.pi))
    dx, dy = c.u - np.float32(cx), c.v - np.float32(cy)
    r = np.sqrt(dx * dx + dy * dy) + np.float32(1e-3)
    a = np.arctan2(dy, dx)
    t = (a + turn) * arms / (2 * np.pi) + wind * np.log(r) * arms / (2 * np.pi) * 2.0
    grad = arms / (2 * np.pi * r) * np.sqrt(1.0 + (2.0 * wind) ** 2)  # exact: np.gradient would see the cut
    _bands(c, t, cols, order=np.arange(arms) % len(cols), grad=grad)  # arms colours round: seamless across it
    return c.image()


_DRAW = (_fluid, _pointcloud, _condense, _kaleido, _curl, _mass, _dissolve, _vortex)


def _finish(rng, k: int, img: np.ndarray) -> np.ndarray:
    """Mirror half the images left-right (flows have no handedness)."""
    return img[:, :, ::-1] if rng.random() < 0.5 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_finish)


RECIPE = {
    "generator": "vjhost_anadol.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB, flat bands along four colour ramps of the palette: " + ", ".join(PALETTE),
}
