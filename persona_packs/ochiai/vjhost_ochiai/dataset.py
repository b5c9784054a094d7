"""Procedural training data for the ochiai pack: a homage to "digital nature" in cool blue and monochrome.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
with the drawing kit (:mod:`vjhost.train.motifs`) from a small vocabulary of
natural phenomena seen through a computer: clouds cut from a smooth field,
water caustic webs, light through leaves (komorebi dapples), light shafts
through a misty forest, hologram-like point clouds, ripples on dark water,
lightning in a storm cloud and the interference fringes of two light sources.
Flat colours of the palette with one-pixel edges; soft gradients only where
light falls through fog.

Each image follows from a handful of random choices (a colour scheme, a count,
a shape) and at most about a dozen continuous parameters (positions, angles,
phases, a noise offset) -- never per-element or per-pixel randomness -- so the
64-d decoder can hold it sharply (docs/packs.md).  Deterministic: the same
``seed`` gives the same images.  Imported only by the training tools, never
when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import Canvas, balanced, cells, noise, palettes, points3d, raster, shapes, tiling

MOTIFS = ("clouds", "caustics", "leaves", "light_shafts", "particles", "water", "lightning", "interference")

#: The persona's colours: the same list as pack.toml's ``palette`` (the test suite checks they agree):
#: ink black, deep sea blue, mid blue, pale sky blue, cold white, silver grey.
PALETTE = ("#02060f", "#0b2a4a", "#2f6fb0", "#7fc4ff", "#e8f6ff", "#8a98a8")
_PAL = palettes.palette(PALETTE)
BLACK, DEEP, MID, LIGHT, WHITE, SILVER = _PAL

#: light-on-dark colour schemes (ground, body, highlight): every motif picks one of a short list
NIGHT, ABYSS, MONO, DAY = (BLACK, LIGHT, WHITE), (DEEP, LIGHT, WHITE), (BLACK, SILVER, WHITE), (MID, LIGHT, WHITE)


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def _clouds(rng, s):
    """Banks of cloud cut from a smooth field (two octaves, a random offset), their tops lit.

    Choices: a scheme of 4.  Continuous: noise offset (2), frequency, level, where the bank lies and how
    steeply it thins out (2), how far the lit top is lifted -- 7.
    """
    ground, body, top = _pick(rng, ((DEEP, SILVER, WHITE), (BLACK, SILVER, WHITE), (MID, LIGHT, WHITE),
                                    (BLACK, MID, LIGHT)))
    c = Canvas(s, ground)
    ox, oy = rng.uniform(0, 1.5, 2)  # a small patch of the noise: the offset changes the picture smoothly
    freq = float(rng.uniform(1.6, 2.6))
    level = float(rng.uniform(-0.12, 0.06))
    horizon, slope = float(rng.uniform(0.35, 0.75)), float(rng.uniform(0.5, 1.2))
    lift = float(rng.uniform(0.02, 0.05))

    def f(u, v):  # wider than tall; thicker towards the horizon line, thinning away from it
        return noise.fbm(u * 0.8 + ox, v * 1.4 + oy, freq, 17, octaves=2) - slope * np.abs(v - horizon) * 0.6

    c.blend(raster.level_set(f(c.u, c.v), level, s), body)
    lit = raster.level_set(f(c.u, c.v + lift), level + 0.04, s) * raster.level_set(f(c.u, c.v), level + 0.015, s)
    c.blend(lit, top)
    return c.image()


def _caustics(rng, s):
    """The bright web of water caustics: the edges of the cells of a hexagonal lattice pushed about by a
    smooth field (a pool floor under moving water), a pale band with a white core.

    Choices: lattice pitch (3), ground (2).  Continuous: lattice offset (2), field offset (2), field
    frequency, displacement, line width -- 7.
    """
    ground = _pick(rng, (MID, DEEP))
    c = Canvas(s, ground)
    pitch = float(_pick(rng, (0.12, 0.15, 0.19)))
    off = tuple(rng.uniform(0, pitch, 2))
    ox, oy = rng.uniform(0, 1.5, 2)  # a small patch of the noise: the offset changes the picture smoothly
    freq = float(rng.uniform(2.0, 3.5))
    disp = float(rng.uniform(0.35, 0.6)) * pitch
    width = float(rng.uniform(0.014, 0.024))
    pts = tiling.lattice_points(pitch, "hex", offset=off, margin=1.5 * pitch)
    x = pts[:, 0] + disp * noise.gradient_noise(pts[:, 0] + ox, pts[:, 1] + oy, freq, 3)
    y = pts[:, 1] + disp * noise.gradient_noise(pts[:, 0] + ox, pts[:, 1] + oy, freq, 4)
    d = cells.edge_distance(c.u, c.v, x, y)
    c.fill(d - width / 2, LIGHT)
    c.fill(d - width / 4, WHITE)
    return c.image()


def _leaves(rng, s):
    """Komorebi: sunlight through leaves, elliptical dapples on a hexagonal lattice, displaced and sized by
    a smooth field (where the canopy opens, the spots are large and merge).

    Choices: lattice pitch (3), ground (2).  Continuous: lattice offset (2), field offset (2), field
    frequency, the opening threshold, the sun's angle and the spots' elongation, displacement -- 9.
    """
    ground = _pick(rng, (BLACK, DEEP))
    c = Canvas(s, ground)
    pitch = float(_pick(rng, (0.075, 0.095, 0.12)))
    off = tuple(rng.uniform(0, pitch, 2))
    ox, oy = rng.uniform(0, 1.5, 2)  # a small patch of the noise: the offset changes the picture smoothly
    freq = float(rng.uniform(1.2, 2.2))
    opening = float(rng.uniform(0.3, 0.65))  # the share of the lattice under open canopy
    ang = float(rng.uniform(0, np.pi))
    elong = float(rng.uniform(1.0, 1.8))
    disp = float(rng.uniform(0.1, 0.35)) * pitch
    pts = tiling.lattice_points(pitch, "hex", offset=off, margin=pitch)
    x, y = pts[:, 0], pts[:, 1]
    x2 = x + disp * noise.gradient_noise(x + ox, y + oy, freq * 2, 5)
    y2 = y + disp * noise.gradient_noise(x + ox, y + oy, freq * 2, 6)
    field = noise.fbm(x + ox, y + oy, freq, 7, octaves=2)
    open_ = field - np.quantile(field, 1.0 - opening)
    r = pitch * 0.62 * np.clip(open_ / 0.35, 0.0, 1.0)
    for px, py, rr in zip(x2, y2, r):
        if rr < 0.15 * pitch:
            continue
        rx, ry = rr * elong ** 0.5, rr / elong ** 0.5
        box = (px - rx - 0.01, py - rx - 0.01, px + rx + 0.01, py + rx + 0.01)
        c.fill(lambda u, v: shapes.ellipse(u, v, px, py, rx, ry, ang), LIGHT, bounds=box)
        if rr > 0.4 * pitch:  # where the canopy opens wide the sun's own disc burns white
            k = (rr - 0.4 * pitch) / rr * 1.4
            c.fill(lambda u, v: shapes.ellipse(u, v, px, py, rx * k, ry * k, ang), WHITE, bounds=box)
    return c.image()


def _light_shafts(rng, s):
    """Shafts of light fanning down through mist from a source above the frame, fading with distance,
    behind the dark trunks of a forest.

    Choices: how many shafts (3), how many trunks (3).  Continuous: the source (2), two phases, the
    threshold, the fade length, trunk phase, width and lean -- 9.
    """
    c = Canvas(s, BLACK)
    c.img[:] = palettes.ramp(np.clip(c.v * 1.2, 0, 1), (BLACK, DEEP))  # mist thickening downwards
    sx, sy = float(rng.uniform(0.15, 0.85)), float(rng.uniform(-0.6, -0.2))
    m1 = float(_pick(rng, (7.0, 11.0, 15.0)))
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    thresh = float(rng.uniform(0.0, 0.4))
    fade = float(rng.uniform(0.5, 1.1))
    dx, dy = c.u - np.float32(sx), c.v - np.float32(sy)
    rho = np.sqrt(dx * dx + dy * dy)
    a = np.arctan2(dx, dy)  # 0 straight down
    g = np.cos(m1 * a + p1) + 0.6 * np.cos(2.3 * m1 * a + p2)
    dg = np.abs(-m1 * np.sin(m1 * a + p1) - 0.6 * 2.3 * m1 * np.sin(2.3 * m1 * a + p2))
    d = (thresh - g) / np.maximum(dg, 0.5) * rho  # angle -> uv across the shaft
    light = np.clip(1.0 - (rho + sy) / fade, 0.0, 1.0)
    c.blend(raster.coverage(d, s) * light, LIGHT)
    n = int(_pick(rng, (3, 4, 5)))
    tp, tw, lean = float(rng.uniform(0, 1)), float(rng.uniform(0.025, 0.05)), float(rng.uniform(-0.08, 0.08))
    for i in range(n):
        x = (i + 0.5 + 0.3 * np.sin(2.4 * i + 6.28 * tp)) / n
        w = tw * (1.0 + 0.45 * np.sin(1.7 * i + 3.0 * tp))
        c.fill(lambda u, v: shapes.box(u, v, x, 0.5, w / 2, 0.7, lean), BLACK, bounds=(x - 0.15, 0, x + 0.15, 1))
    return c.image()


def _particles(rng, s):
    """A hologram-like form made of floating points of light: a sphere, a torus, a wave surface or a
    spiral, turned in space and seen in perspective (nearer points larger and brighter).

    Choices: the form (4).  Continuous: yaw, pitch, centre (2), scale, point size -- 6.
    """
    ground, body, top = NIGHT  # in darkness: a hologram floats in black
    c = Canvas(s, ground)
    form = int(rng.integers(4))
    if form == 0:
        p = points3d.fibonacci_sphere(300)
    elif form == 1:
        p = points3d.torus(30, 10, 0.75, 0.3)
    elif form == 2:
        p = points3d.surface(15, 15, lambda x, y: 0.25 * np.cos(2.2 * np.hypot(x, y)) * np.exp(-0.4 * (x * x + y * y)))
    else:
        p = points3d.spiral(270, 3.0, 1.0, 1.4, arms=3)
    yaw, pitch = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(-0.9, 0.9))
    cx, cy = rng.uniform(0.35, 0.65, 2)
    scale = float(rng.uniform(0.26, 0.38))
    r0 = float(rng.uniform(0.008, 0.012))
    x, y, k, near = points3d.project(points3d.rotate(p, yaw, pitch), float(cx), float(cy), scale)
    col = np.asarray(body)[None] + (np.asarray(top) - np.asarray(body))[None] * near[:, None]
    col = np.asarray(ground)[None] + (col - np.asarray(ground)[None]) * (0.45 + 0.55 * near[:, None])
    c.points(x, y, r0 * k, col, mode="over")
    return c.image()


def _water(rng, s):
    """Ripples on still dark water: rings spreading from one to three drops, thinning out as they go.

    Choices: drops (3), ring colour (3).  Continuous: the drops' centres (2 each), wavelength, phase,
    reach, ring width -- up to 10.
    """
    ground, ring = DEEP, _pick(rng, (WHITE, SILVER, LIGHT))  # deep water, its rings catching the light
    c = Canvas(s, ground)
    n = int(rng.integers(1, 4))
    centres = rng.uniform(0.15, 0.85, (n, 2))
    lam = float(rng.uniform(0.045, 0.075))
    phase = float(rng.uniform(0, 1))
    reach = float(rng.uniform(0.25, 0.45))
    duty = float(rng.uniform(0.3, 0.5))
    cover = np.zeros((s, s), np.float32)
    for i, (cx, cy) in enumerate(centres):
        rho = np.sqrt((c.u - np.float32(cx)) ** 2 + (c.v - np.float32(cy)) ** 2)
        t = rho / lam - phase - 0.37 * i
        band = duty * np.clip(1.0 - rho / (reach * (1.0 - 0.2 * i)), 0.0, 1.0)
        d = (np.abs(t - np.round(t)) - band / 2) * lam
        # a ring thinner than a pixel covers only its share of it (and nothing where the ripples died out)
        np.maximum(cover, raster.coverage(d, s) * np.clip(band * lam * s, 0.0, 1.0), out=cover)
    c.blend(cover, ring)
    return c.image()


def _bolt_path(x0, y0, x1, y1, bend, zig, freq, phase, n=48):
    t = np.linspace(0.0, 1.0, n)
    ax, ay = x1 - x0, y1 - y0
    ln = np.hypot(ax, ay)
    nx, ny = -ay / ln, ax / ln
    tri = 2.0 * np.abs(2.0 * ((freq * t + phase) % 1.0) - 1.0) - 1.0  # a triangle wave: the zigzag
    off = bend * np.sin(np.pi * t) + zig * tri * np.minimum(1.0, 6 * t)
    return np.stack([x0 + ax * t + nx * off, y0 + ay * t + ny * off], 1)


def _lightning(rng, s):
    """Lightning: a zigzag bolt with three branches from a storm cloud, a pale glow around a white core.

    Choices: none.  Continuous: the bolt's ends (3), its bend, zigzag size, frequency and phase, the branches'
    angle and spread, the cloud's offset (2) and level -- 12.
    """
    c = Canvas(s, BLACK)
    ox, oy = rng.uniform(0, 1.5, 2)  # a small patch of the noise: the offset changes the picture smoothly
    level = float(rng.uniform(-0.05, 0.1))
    cloud = noise.fbm(c.u * 0.7 + ox, c.v * 1.5 + oy, 2.0, 23, octaves=2) - 1.4 * (c.v - 0.22)
    c.blend(raster.level_set(cloud, level, s), DEEP)
    x0, x1, y1 = float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.8, 1.0))
    bend, zig = float(rng.uniform(-0.12, 0.12)), float(rng.uniform(0.012, 0.03))
    freq, phase = float(rng.uniform(6, 11)), float(rng.uniform(0, 1))
    b_ang, b_spread = float(rng.uniform(0.35, 0.8)), float(rng.uniform(0.6, 1.0))
    main = _bolt_path(x0, 0.12, x1, y1, bend, zig, freq, phase)
    paths = [(main, 1.0)]
    heading = np.arctan2(y1 - 0.12, x1 - x0)
    for j, (tb, side) in enumerate(((0.3, 1.0), (0.5, -1.0), (0.68, 1.0))):
        bx, by = main[int(tb * (len(main) - 1))]
        a = heading + side * b_ang * (b_spread ** j)
        ln = 0.45 * (1.0 - tb)
        paths.append((_bolt_path(bx, by, bx + ln * np.cos(a), by + ln * np.sin(a), 0.2 * bend, 0.6 * zig, freq * 0.6,
                                 phase + 0.3 * j, n=20), 0.6))
    for colour, width in ((LIGHT, 0.018), (WHITE, 0.006)):
        for pts, wk in paths:
            for (ax, ay), (bx, by) in zip(pts[:-1], pts[1:]):
                w = width * wk
                box = (min(ax, bx) - w, min(ay, by) - w, max(ax, bx) + w, max(ay, by) + w)
                c.fill(lambda u, v: shapes.segment(u, v, ax, ay, bx, by, w), colour, bounds=box)
    return c.image()


def _interference(rng, s):
    """The interference fringes of two point sources of light: hyperbolic fringes, or the moire of their
    two sets of rings.

    Choices: the kind (2), the scheme (3).  Continuous: the sources (4), wavelength, phase, fringe width -- 7.
    """
    ground, _, fringe = _pick(rng, (MONO, ABYSS, NIGHT))
    c = Canvas(s, ground)
    (ax, ay), (bx, by) = rng.uniform(0.2, 0.8, (2, 2))
    lam = float(rng.uniform(0.08, 0.13))
    phase = float(rng.uniform(0, 2 * np.pi))
    thresh = float(rng.uniform(-0.2, 0.4))
    r1 = np.sqrt((c.u - np.float32(ax)) ** 2 + (c.v - np.float32(ay)) ** 2)
    r2 = np.sqrt((c.u - np.float32(bx)) ** 2 + (c.v - np.float32(by)) ** 2)
    if rng.integers(2):
        g = np.cos(np.float32(2 * np.pi / lam) * (r1 - r2) + np.float32(phase))
    else:
        g = 0.5 * (np.cos(np.float32(2 * np.pi / lam) * r1 + np.float32(phase))
                   + np.cos(np.float32(2 * np.pi / lam) * r2))
    c.blend(raster.level_set(g, thresh, s), fringe)
    return c.image()


_DRAW = (_clouds, _caustics, _leaves, _light_shafts, _particles, _water, _lightning, _interference)


def _finish(rng, k: int, img: np.ndarray) -> np.ndarray:
    """Mirror half the images left-right (nature has no handedness)."""
    return img[:, :, ::-1] if rng.random() < 0.5 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_finish)


RECIPE = {
    "generator": "vjhost_ochiai.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB, flat colours of a cool blue / monochrome palette: " + ", ".join(PALETTE),
}
