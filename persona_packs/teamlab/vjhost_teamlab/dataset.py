"""Procedural training data for the teamlab pack: a homage to immersive light and nature.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
from a small motif vocabulary on a dark ground -- fields of glowing
particles (drifting, or swirling in a vortex), petals carried by a flow,
blossoms (a field of them, a branch, a wreath), light streams running along
a flow's streamlines, hanging strings of light points in depth, radial bursts
of sparks, water drawn as lines of light, and large bokeh discs.

Recipe v2 (the sharp-decoder recipe, docs/training.md): every image follows
from its family, a few discrete choices (one of six light palettes, a layout,
a count) and at most a dozen or so continuous numbers (a pitch, an angle, a
centre, the phases of one to three plane waves) -- never from a random
number per particle.  Lights are placed by rules (lattices displaced by a
smooth flow, a sunflower spiral, strings on depth layers, rays of a burst,
the contours of a stream function) and their sizes, brightness and colours
come from smooth wave fields (``vjhost.train.motifs.waves``) or from their
index in the rule.  Light is kept per colour and composited so every pixel
lies on one colour's ramp, ground -> colour -> white-hot
(``vjhost.train.motifs.light``): the picture stays in :data:`PALETTE`.
Cores are crisp (anti-aliased over one pixel in uv units), glows are halos
of a fixed uv width, so the same seed draws the same picture at 128² and 256².
Deterministic: the same ``seed`` gives the same images.

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import arrange, balanced, coverage, grid, palettes, shapes, tiling, waves
from vjhost.train.motifs.light import Lights, halo

MOTIFS = ("particles", "petals", "blossoms", "streams", "light_strings", "burst", "water", "bokeh")

#: The persona's colours: the same list as pack.toml's ``palette`` (the shared suite checks they agree):
#: the near-black ground, six light palettes of three colours (blossom, water, lantern, firefly, violet,
#: autumn) and white-hot.
PALETTE = ("#020308", "#ff8cbf", "#ffd9e6", "#f2598c", "#59bfff", "#99f2ff", "#3366ff", "#ffbf4c", "#fff299",
           "#ff7326", "#8cff99", "#4ce6d9", "#e6ff80", "#bf73ff", "#6680ff", "#ff80e6", "#ff4c40", "#ffb24c",
           "#fff2cc", "#ffffff")
_RGB = palettes.palette(PALETTE)
GROUND, WHITE = 0, len(PALETTE) - 1
#: the light palettes: three colours each, indices into PALETTE
LIGHTS = tuple(tuple(range(1 + 3 * i, 4 + 3 * i)) for i in range(6))

MIN_R = 0.7 / 128  # the smallest point of light: most of a pixel at 128²


def _lights(rng, s: int) -> Lights:
    """A dark frame ready for light in one of the six palettes (one discrete choice)."""
    pal = LIGHTS[int(rng.integers(len(LIGHTS)))]
    return Lights(s, [_RGB[i] for i in pal], _RGB[GROUND], hot=_RGB[WHITE], knee=1.0)


def _unit(f: np.ndarray, w: waves.Waves) -> np.ndarray:
    """A wave field scaled to 0..1."""
    return 0.5 + 0.5 * f / float(np.abs(w.amp).sum())


def _hue(f01: np.ndarray) -> np.ndarray:
    """A 0..1 field cut into three bands: which of the palette's three colours."""
    return np.clip((np.asarray(f01) * 3).astype(int), 0, 2)


def _particles(rng, s):
    """Glowing particles: a drifting field in two depths, or a swirling vortex.

    Discrete: palette, drift or vortex.
    Continuous, drift (12): pitch, angle, drift amount, the flow's two waves (6), the light wave (3);
    vortex (6): centre (2), spacing, turn off the golden angle, swirl, size.
    """
    lights = _lights(rng, s)
    if rng.integers(2):  # a vortex: a sunflower spiral of particles, turned more the further out
        cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
        spacing = rng.uniform(0.026, 0.04)
        turn = arrange.GOLDEN_ANGLE + rng.uniform(-0.012, 0.012)
        swirl = rng.uniform(-4.0, 4.0)
        size = rng.uniform(0.8, 1.3)
        p = arrange.phyllotaxis(cx, cy, spacing, int((0.75 / spacing) ** 2), turn=turn)
        a = p.angle + swirl * p.t
        x, y = cx + p.t * np.cos(a), cy + p.t * np.sin(a)
        fade = np.clip(1.15 - p.t / 0.75, 0, 1)
        r = np.maximum(size * 0.006 * (0.6 + 0.8 * fade), MIN_R)
        lights.points(x, y, r, p.index % 3, gain=1.5 * fade**1.5, glow=2.0, glow_gain=0.25)
        return lights.image()
    pitch = rng.uniform(0.055, 0.08)
    angle = rng.uniform(0, np.pi / 3)
    drift = rng.uniform(0.8, 1.8) * pitch
    flow = waves.random_waves(rng, 2, freq=(0.8, 2.2))
    glow = waves.random_waves(rng, 1, freq=(0.7, 1.6))
    for depth, (k, r0, g0) in enumerate(((1.0, 0.007, 1.1), (2.6, 0.014, 1.6))):  # far small, near large
        pts = tiling.lattice_points(pitch * k, "hex", angle=angle + 0.7 * depth, margin=0.05)
        x, y = pts[:, 0], pts[:, 1]
        x, y = x + drift * k * waves.field(x, y, flow), y + drift * k * waves.field(y + 0.31, x + 0.53, flow)
        b = _unit(waves.field(x, y, glow), glow)
        lit = 0.15 + 0.85 * b**1.5  # brighter and dimmer regions drift across the field
        hue = _hue(_unit(waves.field(1.7 * x + 0.2, 1.7 * y, flow), flow))
        lights.points(x, y, np.maximum(r0 * (0.7 + 0.6 * b), MIN_R), (hue + depth) % 3, gain=g0 * lit,
                      glow=2.0, glow_gain=0.25)
    return lights.image()


def _petal(x, y, cx, cy, length, width, angle):
    """A cherry petal: a pointed lens from its base, a notch cut into its tip."""
    d = shapes.petal(x, y, cx, cy, length, width, angle)
    tip_x, tip_y = cx + length * np.cos(angle), cy + length * np.sin(angle)
    return shapes.subtract(d, shapes.disc(x, y, tip_x, tip_y, 0.22 * width))


def _petals(rng, s):
    """Petals carried by a flow: a loose lattice displaced and turned by a smooth field, sizes from another.

    Discrete: palette.
    Continuous (12): pitch, angle, drift amount, petal size, slenderness, the flow's two waves (6), spin.
    """
    lights = _lights(rng, s)
    pitch = rng.uniform(0.11, 0.17)
    angle = rng.uniform(0, np.pi / 3)
    drift = rng.uniform(0.2, 0.45) * pitch
    size = rng.uniform(0.4, 0.56) * pitch
    slender = rng.uniform(0.45, 0.65)
    flow = waves.random_waves(rng, 2, freq=(0.6, 1.8))
    spin = rng.uniform(-np.pi, np.pi)
    pts = tiling.lattice_points(pitch, "hex", angle=angle, margin=0.08)
    x, y = pts[:, 0], pts[:, 1]
    f = waves.field(x, y, flow)
    x, y = x + drift * f, y + drift * waves.field(y + 0.29, x + 0.47, flow)
    gx, gy = waves.curl(x, y, flow)
    turn = np.arctan2(gy, gx) + spin * _unit(f, flow)  # along the flow, tumbling a little with the field
    length = size * (0.75 + 0.5 * _unit(waves.field(x + 0.5, y, flow), flow))
    hue = _hue(_unit(waves.field(1.6 * y, 1.6 * x + 0.4, flow), flow))
    for x0, y0, l0, a0, h in zip(x, y, length, turn, hue):
        # the petal spans its centre +- half its length along a0
        bx, by = x0 - 0.5 * l0 * np.cos(a0), y0 - 0.5 * l0 * np.sin(a0)
        lights.add(lambda u, v: _petal(u, v, bx, by, l0, slender * l0, a0), int(h), gain=1.0, glow=0.012,
                   glow_gain=0.3, bounds=(x0 - l0, y0 - l0, x0 + l0, y0 + l0))
    return lights.image()


def _flower_field(lights: Lights, s: int, petals: np.ndarray, rho: np.ndarray, r, hue, where=None) -> None:
    """Glowing blossoms from their petals' distance field and the distance ``rho`` to their centres (radius
    ``r``): petals in ``hue`` with a halo, around a heart in the next colour burning white at its middle."""
    lights.field(np.maximum(coverage(petals, s), 0.3 * halo(petals, 0.015)) * np.float32(0.95), hue, where)
    lights.field(coverage(rho - 0.22 * r, s) * np.float32(1.1), (hue + 1) % 3, where)
    heart = rho - 0.1 * r
    lights.field(np.maximum(coverage(heart, s), 0.6 * halo(heart, 0.3 * r)) * np.float32(0.9), (hue + 1) % 3, where)


def _flower(lights: Lights, x0, y0, r, petals: int, pointed: bool, width: float, angle: float, hue: int) -> None:
    """One glowing blossom at ``(x0, y0)``, drawn in its own window."""
    reach = r + 0.04
    ys, xs, u, v = lights.canvas.region((x0 - reach, y0 - reach, x0 + reach, y0 + reach))
    if u.size:
        _flower_field(lights, lights.size, shapes.flower(u, v, x0, y0, r, petals, angle, width, pointed),
                      np.hypot(u - x0, v - y0), r, hue, (ys, xs))


def _blossoms(rng, s):
    """Blossoms opening: a field of them, a curving branch of them, or a wreath around one.

    Discrete: palette, layout (field, branch, wreath), petals (5, 6, 8), pointed or round, count (wreath 6-10).
    Continuous: field (7) pitch, angle, size, opening, turn, size wave (2: angle, phase at a set rate);
    branch (8) ends (2), bend, size, shrink, opening, turn, spacing;
    wreath (6) centre (2), radius, size, opening, turn.
    """
    lights = _lights(rng, s)
    layout = int(rng.integers(3))
    petals = (5, 6, 8)[int(rng.integers(3))]
    pointed = bool(rng.integers(2))
    n = int(rng.integers(6, 11))
    if layout == 0:  # a field of blossoms on a loose lattice, sizes swelling with a smooth wave
        pitch = rng.uniform(0.2, 0.3)
        angle = rng.uniform(0, np.pi / 3)
        size, opening, turn = rng.uniform(0.2, 0.32), rng.uniform(0.7, 1.0), rng.uniform(0, 2 * np.pi)
        w = waves.waves(1.2, rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi))
        # one blossom per cell of a hex lattice (domain repetition: the whole field in one pass), each sized
        # and turned by the wave at its cell's centre
        u, v = grid(s)
        cells = tiling.hex_cells(u, v, pitch, angle=angle)
        cx, cy = tiling.cell_centres(u, v, cells, angle)
        b = _unit(waves.field(cx, cy, w), w)
        r = pitch * size * (0.6 + 0.6 * b)
        rot = turn + 1.3 * b
        c, sn = np.cos(rot), np.sin(rot)
        lx, ly = cells.x * c + cells.y * sn, cells.y * c - cells.x * sn
        hue = (cells.ix + 2 * cells.iy) % 3
        _flower_field(lights, s, shapes.flower(lx, ly, 0.0, 0.0, r, petals, 0.0, opening, pointed),
                      np.hypot(cells.x, cells.y), r, hue)
    elif layout == 1:  # along a branch, largest at its base
        y0, y1 = rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75)
        bend = rng.uniform(-0.3, 0.3)
        size, shrink = rng.uniform(0.08, 0.13), rng.uniform(0.3, 0.6)
        opening, turn, gap = rng.uniform(0.7, 1.0), rng.uniform(0, 2 * np.pi), rng.uniform(1.7, 2.4)

        def branch(t):
            return -0.05 + 1.1 * t, y0 + (y1 - y0) * t + bend * 4 * t * (1 - t)

        # the branch is the graph of y(x): its distance to first order is the height off it over the slope
        u, v = grid(s)
        t = (u + 0.05) / 1.1
        slope = ((y1 - y0) + bend * 4 * (1 - 2 * t)) / 1.1
        lights.line((v - branch(t)[1]) / np.sqrt(1 + slope**2), 0.006, 2, gain=0.45, glow=0.01)
        p = arrange.curve(branch, gap * size, offset=0.5 * gap * size)
        for x0, y0_, t, a, i in zip(p.x, p.y, p.t, p.angle, p.index):
            side = 0.6 * size * (1 if i % 2 else -1)  # blossoms alternate either side of the branch
            r = size * (1 - shrink * t / max(p.t.max(), 1e-6))
            _flower(lights, x0 - side * np.sin(a), y0_ + side * np.cos(a), r, petals, pointed, opening,
                    turn + i * 0.9, int(i) % 3)
    else:  # a wreath of n blossoms around a larger one
        cx, cy = rng.uniform(0.38, 0.62), rng.uniform(0.38, 0.62)
        radius, size = rng.uniform(0.24, 0.34), rng.uniform(0.28, 0.4)
        opening, turn = rng.uniform(0.7, 1.0), rng.uniform(0, 2 * np.pi)
        small = radius * np.sin(np.pi / n) * 1.1
        for i in range(n):
            a = turn + 2 * np.pi * i / n
            _flower(lights, cx + radius * np.cos(a), cy + radius * np.sin(a), small, petals, pointed, opening,
                    a, i % 2)
        _flower(lights, cx, cy, radius * size * 1.6, petals, pointed, opening, turn, 2)
    return lights.image()


def _streams(rng, s):
    """Light streams: comet-like dashes of light running along the streamlines of a smooth flow.

    The flow's stream function is a uniform drift plus two plane waves; its contours are the streamlines.
    Discrete: palette.
    Continuous (12): drift direction, drift strength, the two waves (6), line spacing, line width,
    dash rate, dash phase.
    """
    lights = _lights(rng, s)
    a = rng.uniform(0, 2 * np.pi)
    strength = rng.uniform(0.25, 0.6)
    w = waves.random_waves(rng, 2, freq=(0.6, 1.6))
    spacing = rng.uniform(0.05, 0.08)
    width = rng.uniform(0.012, 0.018)
    rate, phase = rng.uniform(1.0, 2.2), rng.uniform(0, 1)
    u, v = grid(s)
    along = u * np.cos(a) + v * np.sin(a)
    psi = strength * (v * np.cos(a) - u * np.sin(a)) + 0.1 * waves.field(u, v, w)
    gy, gx = np.gradient(psi)
    g = np.maximum(np.hypot(gx, gy) * s, 1e-4)
    t = psi / spacing
    line = np.round(t)
    d = np.abs(t - line) * spacing / g  # uv distance to the nearest streamline
    # dashes travel along the drift: a bright head, a tail fading behind it, a gap; the phase shifts per line
    k = np.mod(rate * along * 2 + 0.37 * line + phase, 1.0)
    tail = np.clip((k - 0.35) / 0.65, 0, 1) ** 1.5
    lights.line(d, width * (0.5 + tail), (line.astype(int) % 3), gain=tail * 1.6, glow=0.012, glow_gain=0.35)
    return lights.image()


def _light_strings(rng, s):
    """Strings of light points hanging in a room, on three to five depth layers seen in perspective:
    nearer layers larger, brighter, wider apart; farther ones gather toward the vanishing point.

    Discrete: palette, layers 3-5, colour by layer or by string.
    Continuous (12): vanishing point (2), string spacing, side shift, bead spacing, bead phase, bead size,
    hanging length and its wave (rate, phase, depth), sway.
    """
    lights = _lights(rng, s)
    layers = int(rng.integers(3, 6))
    by_string = int(rng.integers(2))
    vx, vy = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.55)
    spacing, shift = rng.uniform(0.11, 0.17), rng.uniform(0, 1)
    gap, bead_phase, size = rng.uniform(0.045, 0.07), rng.uniform(0, 1), rng.uniform(0.8, 1.3)
    hang, rate = rng.uniform(0.1, 0.45), rng.uniform(0.5, 2.0)
    hang_phase, dip = rng.uniform(0, 2 * np.pi), rng.uniform(0.05, 0.25)
    sway = rng.uniform(-0.03, 0.03)
    # world units: the nearest layer (depth 1) spans the frame; the room is 1.3 wide, the ceiling 0.6 up
    for k in range(layers - 1, -1, -1):  # far to near
        z = 1.0 + 0.9 * k
        X = (np.arange(-12, 13) + np.mod(shift + 0.618 * k, 1.0)) * spacing
        X = X[np.abs(X) < 0.65]
        step = gap * (1 + 0.35 * k)  # farther strings carry sparser beads: they stay points, not a smear
        Y = -0.6 + (np.arange(int(1.4 / step)) + np.mod(bead_phase + 0.37 * k, 1.0)) * step
        X, Y = np.meshgrid(X, Y)
        col = np.meshgrid(np.arange(X.shape[1]), Y[:, 0])[0]
        end = hang + dip * np.sin(2 * np.pi * rate * X + hang_phase + 1.3 * k)  # each string ends where the wave says
        keep = Y < end
        X = X + sway * np.sin(2 * np.pi * 1.3 * Y + k) * (Y + 0.6)  # the strings swing a little from the ceiling
        x, y = vx + X / z, vy + Y / z
        r = np.maximum(size * 0.011 / z, MIN_R)
        hue = (col + k) % 3 if by_string else np.full(x.shape, k % 3)
        lights.points(x[keep], y[keep], r, hue[keep], gain=1.5 / z**1.3, glow=2.0, glow_gain=0.3)
    return lights.image()


def _burst(rng, s):
    """A radial burst of sparks: rays of short streaks flying out of one point, one or two shells.

    Discrete: palette, rays (12, 16, 24, 32), sparks per ray (3-6), shells (1, 2), colour by ray or by shell.
    Continuous (9): centre (2), reach, turn, outline wave (2: depth, phase), spacing exponent, streak length,
    streak width.
    """
    lights = _lights(rng, s)
    rays = (12, 16, 24, 32)[int(rng.integers(4))]
    sparks = int(rng.integers(3, 7))
    shells = int(rng.integers(1, 3))
    by_ray = int(rng.integers(2))
    cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
    reach, turn = rng.uniform(0.28, 0.45), rng.uniform(0, 2 * np.pi)
    lobe, lobe_phase = rng.uniform(0.0, 0.25), rng.uniform(0, 2 * np.pi)
    power, streak, width = rng.uniform(0.6, 1.2), rng.uniform(0.25, 0.5), rng.uniform(0.004, 0.008)
    u, v = grid(s)
    dx, dy = u - cx, v - cy
    rho, th = np.hypot(dx, dy), np.arctan2(dy, dx)
    for shell in range(shells):
        sector = 2 * np.pi / rays
        rot = turn + shell * sector / 2
        m = np.round((th - rot) / sector)  # which ray (domain repetition around the centre)
        am = rot + m * sector
        along, across = rho * np.cos(th - am), rho * np.sin(th - am)
        R = reach * (1 - 0.35 * shell) * (1 + lobe * np.cos(3 * am + lobe_phase))
        j = np.clip(np.round(sparks * np.clip(along / R, 0, None) ** (1 / power)), 1, sparks)
        head = R * (j / sparks) ** power  # spark j of the ray sits here ...
        tail = head - streak * R / sparks  # ... and streaks back toward the centre
        t = np.clip((along - tail) / np.maximum(head - tail, 1e-6), 0, 1)
        d = np.hypot(along - (tail + t * (head - tail)), across) - width / 2 * (0.4 + 0.6 * t)
        hue = (m.astype(int) % 3) if by_ray else np.full(u.shape, shell % 3)
        m_ = np.maximum(coverage(d, s), 0.35 * halo(d, 0.012))
        lights.field(m_ * (1.5 * (0.35 + 0.65 * t)) * (1.2 - 0.5 * j / sparks), hue)
    lights.add(lambda x, y: shapes.disc(x, y, cx, cy, 0.012), 2, gain=2.0, glow=0.03, glow_gain=0.5)
    return lights.image()


def _water(rng, s):
    """Water drawn in light: undulating lines of light crowding toward a horizon, or a falling curtain of them.

    Discrete: palette, surface or fall.
    Continuous (11): line spacing, perspective, wave height, the two waves (6), glint rate, glint phase.
    """
    lights = _lights(rng, s)
    fall = int(rng.integers(2))
    spacing = rng.uniform(0.04, 0.07)
    crowd = rng.uniform(1.0, 1.8)
    height = rng.uniform(0.03, 0.08)
    w = waves.random_waves(rng, 2, freq=(0.7, 2.2), angle=0.0, spread=0.4)
    rate, phase = rng.uniform(3.0, 7.0), rng.uniform(0, 1)
    u, v = grid(s)
    a, b = (v, u) if fall else (u, v)  # a runs along the lines, b across them
    if fall:
        psi, step = b, spacing
    else:  # the surface crowds its lines toward the top (far away): about `spacing` apart at the bottom
        psi, step = (0.08 + b) ** crowd, spacing * crowd * 1.08 ** (crowd - 1)
    psi = psi + height * waves.field(a, b, w)
    gy, gx = np.gradient(psi)
    g = np.maximum(np.hypot(gx, gy) * s, 1e-4)
    t = psi / step
    line = np.round(t)
    d = np.abs(t - line) * step / g  # uv distance to the nearest line
    k = np.mod(rate * a + 0.43 * line + phase, 1.0)
    if fall:  # streaks of light falling down each line, thickest at their heads
        bright = np.clip((k - 0.3) / 0.7, 0, 1) ** 2
    else:  # glints riding the lines
        bright = np.clip(1 - np.abs(k - 0.5) / 0.15, 0, 1)
    lights.line(d, 0.008 + 0.014 * bright, line.astype(int) % 3, gain=0.35 + 1.25 * bright, glow=0.01, glow_gain=0.3)
    return lights.image()


def _bokeh(rng, s):
    """Large out-of-focus lights: crisp discs, brighter toward the rim, on a loose drifting lattice or along an arc.

    Discrete: palette, lattice or arc, rows along the arc (1-3).
    Continuous, lattice (10): pitch, angle, drift, the drift wave (3), the size wave (3), brightness;
    arc (8): height, curvature, tilt, spacing, first size, growth, brightness, phase.
    """
    lights = _lights(rng, s)
    arc = int(rng.integers(2))
    if arc:  # one to three rows of lights along a curve (a street far away), growing toward the viewer
        rows = int(rng.integers(1, 4))
        y0, bend, tilt = rng.uniform(0.3, 0.7), rng.uniform(-0.6, 0.6), rng.uniform(-0.4, 0.4)
        gap, r0, grow = rng.uniform(1.8, 2.6), rng.uniform(0.025, 0.045), rng.uniform(1.0, 3.0)
        bright, phase = rng.uniform(0.65, 0.9), rng.uniform(0, 1)
        x, y, r, hue = [], [], [], []
        for row in range(rows):
            # row k lies 0.17 further down (wrapping round), its lights smaller and half a step along
            yk = 0.15 + np.mod(y0 - 0.15 + 0.17 * row * (1 if y0 < 0.5 else -1), 0.7)
            xs = np.linspace(-0.1, 1.1, 2048)
            ys = yk + tilt * (xs - 0.5) + bend * (xs - 0.5) ** 2
            # spacing grows with the discs, so step along the curve by hand: each gap = the size there
            seg = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))])
            rk = r0 * (1 - 0.25 * row)
            pos = np.mod(phase + 0.5 * row, 1.0) * rk * gap
            while pos < seg[-1]:
                rad = rk * (1 + grow * pos / seg[-1])
                i = min(int(np.searchsorted(seg, pos)), xs.size - 1)
                x.append(xs[i]), y.append(ys[i]), r.append(rad), hue.append((len(hue) + row) % 3)
                pos += gap * rad
        x, y, r, hue = (np.asarray(a) for a in (x, y, r, hue))
    else:
        pitch = rng.uniform(0.16, 0.26)
        angle = rng.uniform(0, np.pi / 3)
        drift = rng.uniform(0.2, 0.5) * pitch
        move = waves.random_waves(rng, 1, freq=(0.7, 1.6))
        sizes = waves.random_waves(rng, 1, freq=(0.7, 1.6))
        bright = rng.uniform(0.65, 0.9)
        pts = tiling.lattice_points(pitch, "hex", angle=angle, margin=0.1)
        x, y = pts[:, 0], pts[:, 1]
        x, y = x + drift * waves.field(x, y, move), y + drift * waves.field(y + 0.4, x + 0.2, move)
        b = _unit(waves.field(x, y, sizes), sizes)
        r = pitch * (0.15 + 0.35 * b)
        hue = _hue(_unit(waves.field(y + 0.13, x + 0.71, sizes), sizes))
    for x0, y0, r0_, h in zip(x, y, r, hue):
        ys, xs_, uu, vv = lights.canvas.region((x0 - r0_, y0 - r0_, x0 + r0_, y0 + r0_))
        if not uu.size:
            continue
        rho = np.sqrt((uu - x0) ** 2 + (vv - y0) ** 2)
        disc = coverage(rho - r0_, s) * (0.8 + 0.2 * np.clip(rho / r0_, 0, 1) ** 2)
        # screened, not added: where discs overlap the light brightens but never burns to white
        total = lights.layers[:, ys, xs_].sum(0)
        lights.layers[int(h), ys, xs_] += disc * np.float32(bright * (1.1 - 0.3 * min(r0_ / 0.12, 1))) * (1 - total)
    return lights.image()


_DRAW = (_particles, _petals, _blossoms, _streams, _light_strings, _burst, _water, _bokeh)


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3)


RECIPE = {
    "generator": "vjhost_teamlab.dataset.generate",
    "version": 2,
    "motifs": list(MOTIFS),
    "colour": "RGB, light of one of six three-colour palettes on the #020308 ground, composited per colour so every "
              "pixel lies on ground -> colour -> white-hot (vjhost.train.motifs.light)",
    "rendering": "defined in uv units: crisp cores anti-aliased over one pixel, halos of a fixed uv width; the same "
                 "seed draws the same picture at any size",
    "vocabulary": "each image: its family, a few discrete choices (palette, layout, count) and at most 12 continuous "
                  "numbers (pitch, angle, centre, the phases of one to three plane waves); lights placed by rule "
                  "(displaced lattices, a sunflower spiral, strings on depth layers, rays, streamlines), sizes, "
                  "brightness and colours from smooth wave fields or the light's index -- no random number per light",
}
