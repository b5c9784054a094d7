"""Procedural training data for the kusama pack: a homage to obsessive polka dots.

Nothing here is, or is derived from, anyone's artwork.  Every image is drawn
from a small motif vocabulary -- regular polka-dot lattices, dots of many
sizes, "nets" of tiny loops, a ribbed gourd covered in rows of dots, a dark
mirror room of glowing dots receding without end, dots on concentric rings
and spirals, rows of dots riding waves, and a lattice whose dots swell -- in
saturated two-colour pairs (red/white, yellow/black, ...).

Recipe v2 (the sharp-decoder recipe, docs/training.md): every image follows
from its family, a few discrete choices (colour pair, lattice kind, a count,
a layout) and at most a dozen or so continuous numbers (pitch, angle, a
centre, sizes, the phases of a smooth field) -- never from a random number
per dot.  Dots are placed by rules (lattices, rings, spirals, a 3-D lattice
seen in perspective) and their sizes and displacements come from smooth
fields of one or two plane waves (``vjhost.train.motifs.waves``), so two seeds
of a family differ in those few numbers, not in noise.  Flat colours from
:data:`PALETTE`, edges anti-aliased over one pixel in uv units (the drawing
kit), so the same seed draws the same picture at 128² and 256².
Deterministic: the same ``seed`` gives the same images.

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import Canvas, arrange, balanced, grid, palettes, shapes, tiling, waves
from vjhost.train.motifs.light import Lights

MOTIFS = ("polka", "scatter", "net", "pumpkin", "mirror_room", "rings", "waves", "swell")

#: The persona's colours: the same list as pack.toml's ``palette`` (the shared suite checks they agree).
PALETTE = ("#db0d14", "#fad105", "#faf7f0", "#080808", "#1a38cc", "#f24c9e", "#0d8c40", "#fa730d", "#4c99ff")
RED, YELLOW, WHITE, BLACK, BLUE, PINK, GREEN, ORANGE, SKY = range(len(PALETTE))
_RGB = palettes.palette(PALETTE)

#: Saturated (ground, dot) pairs, and for each a third colour for alternating rows or rings.
PAIRS = ((RED, WHITE), (YELLOW, BLACK), (WHITE, RED), (BLACK, YELLOW),
         (BLUE, WHITE), (PINK, BLACK), (GREEN, YELLOW), (ORANGE, BLACK))
ACCENT = (YELLOW, RED, BLACK, RED, YELLOW, WHITE, WHITE, WHITE)

#: The gourd's (ground, body, dots): yellow and black above all, on red, black or white.
GOURDS = ((RED, YELLOW, BLACK), (BLACK, YELLOW, BLACK), (WHITE, YELLOW, BLACK), (YELLOW, RED, BLACK),
          (BLUE, YELLOW, BLACK), (BLACK, RED, WHITE))

#: The mirror room's lights: one colour, or colours taken in turn across the lattice.
ROOM_LIGHTS = ((YELLOW,), (RED,), (WHITE,), (SKY,), (RED, YELLOW, WHITE), (PINK, SKY, YELLOW),
               (GREEN, RED, YELLOW), (ORANGE, YELLOW, SKY))


def _c(i: int) -> np.ndarray:
    return _RGB[i]


def _pair(rng) -> tuple[int, int, int]:
    """A (ground, dot, accent) colour triple: one discrete choice."""
    k = int(rng.integers(len(PAIRS)))
    return PAIRS[k][0], PAIRS[k][1], ACCENT[k]


def _logu(rng, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _unit(f: np.ndarray, w: waves.Waves) -> np.ndarray:
    """A wave field scaled to 0..1."""
    return 0.5 + 0.5 * f / float(np.abs(w.amp).sum())


def _polka(rng, s):
    """One lattice of equal dots (or two sizes row by row): pitch, dot size, a slight turn.

    Discrete: colour pair, square/hex, a dot or a gap at the centre, one size or two.
    Continuous (3): pitch, dot radius / pitch, angle.
    """
    g, f, _ = _pair(rng)
    hexa, centred, two = (int(rng.integers(2)) for _ in range(3))
    pitch = _logu(rng, 0.07, 0.25)
    ratio = rng.uniform(0.22, 0.42)
    angle = rng.uniform(-0.35, 0.35)
    u, v = grid(s)
    off = (0.0, 0.0) if centred else (pitch / 2, 0.0)
    cells = (tiling.hex_cells if hexa else tiling.square_cells)(u, v, pitch, offset=off, angle=angle)
    r = np.full(u.shape, ratio * pitch, np.float32)
    if two:  # every other row (hex) or every other dot (square, a checkerboard) smaller
        odd = (cells.iy % 2 == 1) if hexa else ((cells.ix + cells.iy) % 2 == 1)
        r = np.where(odd, r * 0.55, r)
    c = Canvas(s, _c(g))
    c.fill(np.hypot(cells.x, cells.y) - r, _c(f))
    return c.image()


def _scatter(rng, s):
    """Dots of many sizes: big dots on a loose lattice pushed about by a smooth field, small ones filling the gaps.

    Discrete: colour pair, fine/coarse pitch ratio (1/2 or 1/3).
    Continuous (12): coarse pitch, angle, displacement amount, the displacement wave (3),
    the size field's two waves (6).
    """
    g, f, _ = _pair(rng)
    fine = (0.5, 1 / 3)[int(rng.integers(2))]
    big = rng.uniform(0.17, 0.3)
    angle = rng.uniform(0, np.pi / 3)
    push = rng.uniform(0.1, 0.3) * big
    shove = waves.random_waves(rng, 1, freq=(0.8, 1.6))
    size = waves.random_waves(rng, 2, freq=(0.7, 2.0))

    def moved(p):
        x, y = p[:, 0], p[:, 1]
        return x + push * waves.field(x, y, shove), y + push * waves.field(y + 0.37, x + 0.61, shove)

    bx, by = moved(tiling.lattice_points(big, "hex", angle=angle, margin=big))
    br = big * (0.1 + 0.3 * _unit(waves.field(bx, by, size), size))
    p = fine * big
    sx, sy = moved(tiling.lattice_points(p, "hex", angle=angle + 0.5, margin=p))
    sr = p * (0.16 + 0.2 * _unit(waves.field(2 * sx + 0.3, 2 * sy, size), size))
    # a small dot only where it keeps clear of every big one
    gap = np.hypot(sx[:, None] - bx[None], sy[:, None] - by[None]) - br[None] - sr[:, None]
    keep = gap.min(1) > 0.35 * p
    c = Canvas(s, _c(g))
    c.points(np.concatenate([bx, sx[keep]]), np.concatenate([by, sy[keep]]),
             np.concatenate([br, sr[keep]]), _c(f), mode="over")
    return c.image()


def _net(rng, s):
    """An "infinity net": a dense mesh of small loops that flows -- loops apart, or so wide that each
    meets its neighbours and the paint becomes one net around round holes.

    Discrete: colour pair (either way round), loops apart or meeting.
    Continuous (11): pitch, loop radius / pitch, line width, angle, flow amount, the flow's two waves (6).
    """
    g, f, _ = _pair(rng)
    if rng.integers(2):
        g, f = f, g
    meet = int(rng.integers(2))
    pitch = rng.uniform(0.065, 0.1)
    ratio = rng.uniform(0.47, 0.52) if meet else rng.uniform(0.32, 0.4)
    width = (rng.uniform(0.12, 0.18) if meet else rng.uniform(0.16, 0.24)) * pitch
    angle = rng.uniform(0, np.pi / 3)
    flow = rng.uniform(0.01, 0.03)
    w = waves.random_waves(rng, 2, freq=(0.6, 1.6))
    u, v = grid(s)
    uu = u + flow * waves.field(u, v, w)
    vv = v + flow * waves.field(v + 0.41, u + 0.17, w)
    cells = tiling.hex_cells(uu, vv, pitch, angle=angle)
    c = Canvas(s, _c(g))
    c.fill(np.abs(np.hypot(cells.x, cells.y) - ratio * pitch) - width / 2, _c(f))  # a loop in every cell
    return c.image()


def _pumpkin(rng, s):
    """A ribbed gourd: ribs side by side, a column of dots down each, largest at its middle; a stem.

    Discrete: colours (ground, body, dots), ribs 5-8, dots per rib 4-7, plain or dotted ground.
    Continuous (6): centre (2), width, height, dot size, the ground dots' pitch.
    """
    gnd, body, ink = GOURDS[int(rng.integers(len(GOURDS)))]
    ribs = int(rng.integers(5, 9))
    rows = int(rng.integers(4, 8))
    dotted = int(rng.integers(2))
    cx, cy = rng.uniform(0.42, 0.58), rng.uniform(0.53, 0.6)
    rx, ry = rng.uniform(0.27, 0.36), rng.uniform(0.23, 0.3)
    dot = rng.uniform(0.75, 1.1)
    gp = rng.uniform(0.07, 0.11)
    c = Canvas(s, _c(gnd))
    u, v = grid(s)
    if dotted:  # the ground dotted too, in the ink colour (or white on black)
        cells = tiling.hex_cells(u, v, gp)
        c.fill(np.hypot(cells.x, cells.y) - 0.28 * gp, _c(WHITE if gnd == BLACK else ink))
    th = -np.pi / 2 + np.pi * (np.arange(ribs) + 0.5) / ribs
    xs = cx + rx * np.sin(th)
    hw = rx * np.pi / ribs * 0.85 * np.cos(th) ** 0.7 + 0.025  # fat ribs, overlapping their neighbours
    hh = ry * (0.74 + 0.26 * np.cos(th))
    stem_top = cy - ry - 0.09
    c.fill(lambda x, y: shapes.box(x, y, cx, cy - ry * 0.95 - 0.035, 0.028, 0.06, radius=0.012), _c(ink),
           bounds=(cx - 0.05, stem_top - 0.01, cx + 0.05, cy - ry * 0.8))
    for j in np.argsort(np.cos(th), kind="stable"):  # back ribs first, the front one last
        box = (xs[j] - hw[j], cy - hh[j], xs[j] + hw[j], cy + hh[j])
        c.fill(lambda x, y: shapes.ellipse(x, y, xs[j], cy, hw[j], hh[j]), _c(body), bounds=box)
        c.stroke(lambda x, y: shapes.ellipse(x, y, xs[j], cy, hw[j], hh[j]), 0.01, _c(ink), bounds=box)
        phi = -np.pi / 2 + np.pi * (np.arange(rows) + 0.5) / rows
        ys = cy + 0.82 * hh[j] * np.sin(phi)
        r = dot * np.minimum(0.55 * hw[j], 0.4 * np.pi * hh[j] / rows) * np.cos(phi) ** 0.6
        squash = 0.55 + 0.45 * np.cos(th[j])  # dots on the side ribs are seen at a slant
        for y0, r0 in zip(ys, r):
            c.fill(lambda x, y: shapes.ellipse(x, y, xs[j], y0, r0 * squash, r0), _c(ink),
                   bounds=(xs[j] - r0, y0 - r0, xs[j] + r0, y0 + r0))
    return c.image()


def _mirror_room(rng, s):
    """An infinity mirror room: dots of light on the walls, floor and ceiling of a room that mirrors repeat
    without end -- rectangles of glowing dots shrinking toward the vanishing point, on black.

    Discrete: the lights' colours (one, or three taken in turn), colour rule (by depth, or across the walls),
    dots across the room (8-14).
    Continuous (6): vanishing point (2), room aspect, the camera's place along the room and across the
    walls (2), dot size.
    """
    hues = ROOM_LIGHTS[int(rng.integers(len(ROOM_LIGHTS)))]
    across = int(rng.integers(2))
    nx = int(rng.integers(8, 15))  # dots across the ceiling: the room's dot spacing is its width / nx
    vx, vy = rng.uniform(0.38, 0.62), rng.uniform(0.4, 0.6)
    aspect = rng.uniform(0.55, 1.0)
    oz, ow = rng.uniform(0, 1), rng.uniform(0, 1)
    focal, w, h = 0.42, 1.0, aspect
    step = 2 * w / nx
    dot = rng.uniform(0.16, 0.28) * step
    # the room's cross-section: dots every `step` around the rectangle (w x h), the same at every depth;
    # the side walls keep that spacing as well as they can with whole dots (their count follows nx, not the aspect)
    ny = max(2, int(round(nx * 0.775)))
    tx = -w + (np.arange(nx) + ow) * (2 * w / nx)
    ty = -h + (np.arange(ny) + ow) * (2 * h / ny)
    ring_x = np.concatenate([tx, tx, np.full(ny, -w), np.full(ny, w)])
    ring_y = np.concatenate([np.full(nx, -h), np.full(nx, h), ty, ty])
    ring_i = np.concatenate([np.arange(nx), np.arange(nx), np.arange(ny), np.arange(ny)])
    zs = 0.35 + (np.arange(int(6.0 / step)) + oz) * step
    z = np.repeat(zs, ring_x.size)
    k = np.repeat(np.arange(zs.size), ring_x.size)
    scale = focal / z
    x, y = vx + np.tile(ring_x, zs.size) * scale, vy + np.tile(ring_y, zs.size) * scale
    r = np.maximum(dot * scale, 0.6 / 128)
    gain = 1.5 * np.exp(-(z - zs[0]) / 2.0)
    hue = ((k + np.tile(ring_i, zs.size)) if across else k) % len(hues)
    on = (x > -0.05) & (x < 1.05) & (y > -0.05) & (y < 1.05)
    lights = Lights(s, [_c(h_) for h_ in hues], _c(BLACK), hot=_c(WHITE), knee=0.8)
    # halos 1.6 radii wide, but no wider than 0.03 uv round the big near dots (cheaper too)
    lights.points(x[on], y[on], r[on], hue[on], gain=gain[on], glow=1.6, glow_gain=0.25, glow_max=0.03)
    return lights.image()


def _rings(rng, s):
    """Dots on concentric rings (ring k holding k + 1 times the first ring's dots), or beads along a spiral
    of 1-3 arms, around a centre, growing outward.

    Discrete: colour pair, rings or spiral, dots on the first ring (5-8) or arms (1-3), one colour or
    alternating rings.
    Continuous (7): centre (2), ring step, dot spacing along a spiral / step, dot size, growth, twist.
    """
    g, f, a = _pair(rng)
    spiral = int(rng.integers(2))
    count = int(rng.integers(5, 9))  # dots on the first ring; or the spiral's arms, 1-3
    arms = 1 + count % 3
    alt = int(rng.integers(2))
    cx, cy = rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75)
    step = rng.uniform(0.05, 0.1)
    spacing = step * rng.uniform(1.0, 1.5)
    size = rng.uniform(0.16, 0.28)
    grow = rng.uniform(0.0, 0.2)
    twist = rng.uniform(0, 0.5)
    if spiral:  # the arms' turns sit `step` apart, like the rings
        p = arrange.inside(arrange.spiral(cx, cy, step * arms, spacing, turns=1.2 / (step * arms),
                                          rotation=2 * np.pi * twist, first=step * 0.5, arms=arms), 0.05)
        ring = p.index if arms > 1 else np.floor(p.t / step).astype(int)
    else:
        p = arrange.inside(arrange.concentric(cx, cy, step, per_ring=count, reach=1.2, twist=twist), 0.05)
        ring = p.index
    r = step * (size + grow * np.clip(p.t / 0.7, 0, 1))
    col = np.where((ring % 2 == 1) & bool(alt), a, f)
    c = Canvas(s, _c(g))
    c.points(p.x, p.y, r, _RGB[col], mode="over")
    return c.image()


def _waves(rng, s):
    """Rows of dots riding waves that travel down the frame; the dots swell on the crests.

    Discrete: colour pair, one colour or every third row in the accent colour.
    Continuous (9): pitch, tilt, wave height, wave rate, phase, travel per row, dot size, swell, swell phase.
    """
    g, f, a = _pair(rng)
    alt = int(rng.integers(2))
    pitch = rng.uniform(0.065, 0.11)
    tilt = rng.uniform(-0.3, 0.3)
    amp = rng.uniform(0.02, 0.08)
    rate = rng.uniform(0.8, 2.5)
    phase = rng.uniform(0, 2 * np.pi)
    travel = rng.uniform(-1.5, 1.5)
    size = rng.uniform(0.2, 0.32)
    swell = rng.uniform(0.0, 0.12)
    sphase = rng.uniform(0, 2 * np.pi)
    pts = tiling.lattice_points(pitch, "hex", angle=tilt, margin=amp + pitch)
    x, y, row = pts[:, 0], pts[:, 1], pts[:, 3].astype(int)
    arg = 2 * np.pi * (rate * x + travel * y) + phase
    y = y + amp * np.sin(arg)
    r = pitch * (size + swell * np.sin(arg + sphase))
    col = np.where((row % 3 == 0) & bool(alt), a, f)
    c = Canvas(s, _c(g))
    c.points(x, y, r, _RGB[col], mode="over")
    return c.image()


def _swell(rng, s):
    """One lattice whose dots swell toward one or two centres until they touch and fill the ground.

    Discrete: colour pair, square/hex, one or two centres.
    Continuous (9): pitch, angle, smallest and largest dot / pitch, reach, centres (2 or 4).
    """
    g, f, _ = _pair(rng)
    hexa = int(rng.integers(2))
    n = int(rng.integers(1, 3))
    pitch = rng.uniform(0.06, 0.13)
    angle = rng.uniform(-0.4, 0.4)
    small, big = rng.uniform(0.06, 0.16), rng.uniform(0.48, 0.72)
    reach = rng.uniform(0.3, 0.8)
    centres = rng.uniform(0.1, 0.9, (n, 2))
    u, v = grid(s)
    cells = (tiling.hex_cells if hexa else tiling.square_cells)(u, v, pitch, angle=angle)
    px, py = tiling.cell_centres(u, v, cells, angle)
    near = np.zeros(u.shape, np.float32)
    for cx, cy in centres:
        near = np.maximum(near, np.exp(-((px - cx) ** 2 + (py - cy) ** 2) / reach**2))
    r = pitch * (small + (big - small) * near)
    c = Canvas(s, _c(g))
    c.fill(np.hypot(cells.x, cells.y) - r, _c(f))
    return c.image()


_DRAW = (_polka, _scatter, _net, _pumpkin, _mirror_room, _rings, _waves, _swell)


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3)


RECIPE = {
    "generator": "vjhost_kusama.dataset.generate",
    "version": 2,
    "motifs": list(MOTIFS),
    "colour": "RGB, flat saturated two-colour pairs from the pack palette (red/white, yellow/black, blue/white, ...); "
              "the mirror room's dots glow on black, each pixel on one colour's ramp (black -> colour -> white)",
    "rendering": "defined in uv units, anti-aliased over one pixel (vjhost.train.motifs): the same seed draws the "
                 "same picture at any size",
    "vocabulary": "each image: its family, a few discrete choices (colour pair, lattice kind, count, layout) and "
                  "at most 12 continuous numbers (pitch, angle, centre, sizes, the phases of one or two plane "
                  "waves); dots placed by rule (lattices, rings, spirals, a 3-D lattice in perspective), sizes and "
                  "displacements from smooth wave fields -- no random number per dot",
}
