"""Procedural training data for the mikami pack: a homage to surveillance and the compound eye.

Nothing here is, or is derived from, anyone's artwork, installation or footage:
every image is drawn with the pack toolkit's drawing kit (:mod:`vjhost.train.motifs`)
from a small vocabulary -- walls of small monitor windows each showing the same
anonymous silhouette a step later, a compound eye of hexagonal facets, a walker
trailed by delayed copies of itself, a single screen swept by a scan bar, sensor
readouts (bar meters, a pulse trace, marker lights), a camera lens watching, a
figure on a screen torn by interference, and a corridor seen from above with the
people in it tracked by bracket boxes.  Cool blue monochrome: every image is a grey
level picture mapped through the pack's blue ramp (``PALETTE``, darkest to lightest).
Figures are featureless silhouettes (:mod:`~vjhost.train.motifs.figures`), posed by
:func:`~vjhost.train.motifs.figures.dance_pose`; no faces, no text, no numbers.

Each image follows from one motif family, a few discrete choices and at most about
a dozen continuous parameters that change it smoothly (the families list theirs);
the many windows, facets, copies and meter segments are placed by rules driven by
those few numbers, never by independent random draws.  Deterministic: the same
``seed`` gives the same images.  Imported only by the training tools, never when the
pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import Canvas, balanced, figures, noise, palettes, shapes, tiling

MOTIFS = ('monitors', 'compound', 'delay', 'scan', 'readouts', 'eye', 'noise', 'tracking')

#: The persona's colours: the same list as pack.toml's ``palette`` (the test suite checks they agree): a cool
#: blue ramp from near-black navy to ice white.  Images are grey levels mapped through it (0 -> the first).
PALETTE = ('#02060f', '#0b2a4a', '#2f6fb0', '#7fc4ff', '#e8f6ff')

LINE = 0.014   # uv: about two pixels at 128²
THIN = 0.01


def _canvas(s: int, level: float = 0.0) -> Canvas:
    """A one-channel canvas of grey levels (mapped through the blue ramp at the end)."""
    return Canvas(s, level, channels=1)


def _walker(move: str, phase: float, x: float, ground: float, h: float, facing: float = 1.0, energy: float = 1.0):
    return figures.joints(figures.dance_pose(move, phase, energy), x, ground, h, facing=facing)


def _monitors(rng, s):
    """A wall of monitor windows, each showing the same walking silhouette a step later than the last (a delay
    chain read left to right, top to bottom), the windows' light rising and falling across the wall.

    Discrete: grid (2x2 / 3x2 / 3x3 / 4x3 / 4x4), lit figures or backlit (dark on light).  Continuous (8): margin,
    gap, walk phase, phase step per window, stride across the windows, window light phase, light frequency,
    figure height.
    """
    c = _canvas(s, 0.0)
    cols, rows = [(2, 2), (3, 2), (3, 3), (4, 3), (4, 4)][int(rng.integers(5))]
    backlit = rng.random() < 0.35
    margin, gap = float(rng.uniform(0.03, 0.07)), float(rng.uniform(0.018, 0.03))
    ph0, dph = float(rng.uniform(0, 1)), float(rng.uniform(0.04, 0.12))
    stride = float(rng.uniform(-0.12, 0.12))
    lph, lfreq = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0.4, 1.2))
    hshare = float(rng.uniform(0.6, 0.8))
    ww, wh = (1 - 2 * margin - (cols - 1) * gap) / cols, (1 - 2 * margin - (rows - 1) * gap) / rows
    for j in range(rows):
        for i in range(cols):
            k = j * cols + i
            x0, y0 = margin + i * (ww + gap), margin + j * (wh + gap)
            box = (x0, y0, x0 + ww, y0 + wh)
            light = 0.5 + 0.5 * np.sin(lfreq * k + lph)
            bg = (0.55 + 0.25 * light) if backlit else (0.18 + 0.14 * light)
            fg = 0.04 if backlit else 0.92
            screen = lambda u, v: shapes.box(u, v, x0 + ww / 2, y0 + wh / 2, ww / 2, wh / 2, radius=0.008)
            c.fill(screen, bg, bounds=box)
            h = wh * hshare
            fx = x0 + ww * (0.5 + np.clip(stride * (k - (cols * rows - 1) / 2) / 2, -0.3, 0.3))  # walking on
            js = _walker("walk", ph0 + k * dph, fx, y0 + wh * 0.95, h)
            body = lambda u, v: shapes.intersect(figures.silhouette(u, v, js, h), screen(u, v))
            c.fill(body, fg, bounds=box)
            inset = lambda u, v: shapes.box(u, v, x0 + ww / 2, y0 + wh / 2, ww / 2 - THIN * 0.45, wh / 2 - THIN * 0.45,
                                            radius=0.006)
            c.stroke(inset, THIN * 0.9, 0.42 if not backlit else 0.95, bounds=box)  # the bezel, inside the window
    return c.img


def _compound(rng, s):
    """A compound eye: hexagonal facets, each showing the part of one silhouette under its centre magnified,
    facets fading to their dark rims.

    Discrete: the move.  Continuous (8): facet pitch, magnification, lattice offset (2), phase, figure x,
    figure height, facet light.
    """
    c = _canvas(s, 0.0)
    pitch = float(rng.uniform(0.09, 0.15))
    zoom = float(rng.uniform(0.45, 0.75))  # < 1: each facet magnifies what lies under its centre
    off = tuple(rng.uniform(0, pitch, 2))
    move = int(rng.integers(len(figures.DANCE_MOVES)))
    h = float(rng.uniform(0.75, 0.95))
    js = figures.joints(figures.dance_pose(move, float(rng.uniform(0, 1))), float(rng.uniform(0.38, 0.62)), 0.98, h)
    light = float(rng.uniform(0.6, 0.9))
    cells = tiling.hex_cells(c.u, c.v, pitch, offset=off)
    cx, cy = c.u - cells.x, c.v - cells.y
    qx, qy = cx + cells.x * zoom, cy + cells.y * zoom
    rho = np.sqrt(cells.x ** 2 + cells.y ** 2) / (pitch * 0.5)
    facet = np.clip(1.0 - 0.55 * rho ** 2, 0.0, 1.0)
    inside = c.mask(figures.silhouette(qx, qy, js, h))
    level = (0.16 + (light - 0.16) * inside) * facet
    rim = c.mask(THIN * 0.7 - pitch * 0.5 * (1.0 - rho))  # dark rims between the facets
    c.img[0] = level * rim
    return c.img


def _delay(rng, s):
    """A silhouette walking across an empty floor, trailed by fading delayed copies of itself.

    Discrete: copies (3-6), direction.  Continuous (7): lead position, spacing, walk phase, phase lag per copy,
    fade per copy, height, floor line.
    """
    c = _canvas(s, 0.0)
    n = int(rng.integers(3, 7))
    facing = float(rng.choice([-1.0, 1.0]))
    x0, dx = float(rng.uniform(0.55, 0.8)), float(rng.uniform(0.07, 0.12))
    ph, dph = float(rng.uniform(0, 1)), float(rng.uniform(0.08, 0.16))
    fade, h, ground = float(rng.uniform(0.6, 0.8)), float(rng.uniform(0.5, 0.7)), float(rng.uniform(0.82, 0.9))
    c.fill(np.abs(c.v - ground) - THIN / 2, 0.22)
    for i in reversed(range(n)):
        x = 0.5 + facing * (x0 - 0.5) - facing * i * dx
        js = _walker("walk", ph - i * dph, x, ground, h, facing)
        c.fill(lambda u, v: figures.silhouette(u, v, js, h), 0.95 * fade ** i, bounds=figures.extent(js, h))
    return c.img


def _scan(rng, s):
    """One screen: scanlines over a faint figure, a bright scan bar sweeping down, the figure lit where it passes.

    Discrete: bust or full figure, scanline pitch (4).  Continuous (7): bar position, bar width, figure x, figure
    size, phase, screen margin, corner radius.
    """
    c = _canvas(s, 0.0)
    margin, radius = float(rng.uniform(0.04, 0.09)), float(rng.uniform(0.02, 0.06))
    screen = shapes.box(c.u, c.v, 0.5, 0.5, 0.5 - margin, 0.5 - margin, radius=radius)
    pitch = float(rng.choice([0.03, 0.035, 0.04, 0.05]))
    bar, width = float(rng.uniform(0.15, 0.85)), float(rng.uniform(0.06, 0.14))
    x = float(rng.uniform(0.35, 0.65))
    if rng.random() < 0.5:
        size = float(rng.uniform(0.45, 0.6))
        fig = figures.bust(c.u, c.v, x, 0.75 - size * 0.55, size)
    else:
        h = float(rng.uniform(0.6, 0.8))
        js = _walker("walk", float(rng.uniform(0, 1)), x, 1 - margin - 0.03, h)
        fig = figures.silhouette(c.u, c.v, js, h)
    near_bar = np.exp(-((c.v - bar) / width) ** 2)
    rows = (np.abs((c.v / pitch) % 1.0 - 0.5) * pitch) - pitch * 0.22  # the bright rows of the scanlines
    body = c.mask(fig)
    level = 0.16 + 0.22 * c.mask(rows) + body * (0.18 + 0.62 * near_bar)
    level = level + 0.35 * near_bar * (1 - body)
    c.img[0] = level * c.mask(screen)
    c.stroke(screen, THIN, 0.4)
    return c.img


def _readouts(rng, s):
    """Sensor readouts, no text: a pulse trace across the top, segmented bar meters below whose heights follow a
    smooth curve, and a row of marker lights lit by a rule.

    Discrete: meter count (6/8/10/12), markers lit every 2nd / 3rd.  Continuous (7): curve frequency, phase,
    second harmonic, pulse period, pulse phase, baseline, marker phase.
    """
    c = _canvas(s, 0.0)
    n = int(rng.choice([6, 8, 10, 12]))
    f, ph, h2 = float(rng.uniform(0.4, 1.1)), float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0, 0.2))
    period, pph, base = float(rng.uniform(0.18, 0.32)), float(rng.uniform(0, 1)), float(rng.uniform(0.2, 0.28))
    every, mph = int(rng.choice([2, 3])), int(rng.integers(0, 3))
    # the pulse trace: a flat baseline with a sharp double spike every period (a heartbeat)
    u = c.u
    t = ((u - pph) / period) % 1.0
    spike = 0.09 * np.exp(-((t - 0.5) / 0.025) ** 2) - 0.04 * np.exp(-((t - 0.58) / 0.025) ** 2)
    dspike = (-0.09 * 2 * (t - 0.5) / 0.025 ** 2 * np.exp(-((t - 0.5) / 0.025) ** 2)
              + 0.04 * 2 * (t - 0.58) / 0.025 ** 2 * np.exp(-((t - 0.58) / 0.025) ** 2)) / period
    y = base - spike
    c.fill(np.abs(c.v - y) / np.sqrt(1 + dspike ** 2) - LINE / 2, 0.9)
    c.fill(np.abs(c.v - base) - THIN / 3, 0.3)
    # the meters: segmented bars from the bottom
    x0, x1, top, bottom = 0.08, 0.92, 0.4, 0.88
    bw = (x1 - x0) / n
    segs = 10
    sh = (bottom - top) / segs
    for i in range(n):
        level = (0.5 + 0.32 * np.sin(2 * np.pi * f * i / n * 3 + ph)
                 + h2 * np.sin(2 * np.pi * 2.3 * f * i / n * 3 + 2 * ph))
        lit = int(np.clip(round(level * segs), 1, segs))
        for k in range(segs):
            cx, cy = x0 + (i + 0.5) * bw, bottom - (k + 0.5) * sh
            on = k < lit
            c.fill(lambda uu, vv: shapes.box(uu, vv, cx, cy, bw * 0.36, sh * 0.36), 0.85 if on else 0.2,
                   bounds=(cx - bw / 2, cy - sh / 2, cx + bw / 2, cy + sh / 2))
    # the marker lights
    for i in range(8):
        cx = 0.12 + i * 0.76 / 7
        on = (i + mph) % every == 0
        c.fill(lambda uu, vv: shapes.disc(uu, vv, cx, 0.94, 0.018), 0.95 if on else 0.22,
               bounds=(cx - 0.03, 0.9, cx + 0.03, 0.98))
    return c.img


def _eye(rng, s):
    """A camera watching: the lens's concentric rings, an aperture of blades, a glint, corner ticks framing it.

    Discrete: blades (5-8).  Continuous (7): centre (2), radius, aperture opening, blade turn, glint angle,
    ring spacing.
    """
    c = _canvas(s, 0.04)
    n = int(rng.integers(5, 9))
    cx, cy, r = float(rng.uniform(0.4, 0.6)), float(rng.uniform(0.4, 0.6)), float(rng.uniform(0.26, 0.36))
    open_, turn = float(rng.uniform(0.25, 0.55)), float(rng.uniform(0, 2 * np.pi / n))
    glint = float(rng.uniform(0, 2 * np.pi))
    spacing = float(rng.uniform(0.14, 0.2))
    c.fill(shapes.disc(c.u, c.v, cx, cy, r), 0.2)
    for k in range(3):
        c.fill(shapes.ring(c.u, c.v, cx, cy, r * (1 - k * spacing), LINE * (1.3 - 0.3 * k)), 0.75 - 0.15 * k)
    c.fill(shapes.disc(c.u, c.v, cx, cy, r * (1 - 3 * spacing)), 0.45)
    c.fill(shapes.polygon(c.u, c.v, cx, cy, r * open_, n, turn), 0.02)  # the aperture, black
    gx, gy = cx + np.cos(glint) * r * 0.55, cy + np.sin(glint) * r * 0.55
    c.fill(shapes.ellipse(c.u, c.v, gx, gy, r * 0.12, r * 0.06, glint), 0.95)
    for sx in (-1, 1):  # corner ticks of a framing box
        for sy in (-1, 1):
            ax, ay = cx + sx * (r + 0.08), cy + sy * (r + 0.08)
            c.fill(shapes.segment(c.u, c.v, ax, ay, ax - sx * 0.07, ay, LINE), 0.8)
            c.fill(shapes.segment(c.u, c.v, ax, ay, ax, ay - sy * 0.07, LINE), 0.8)
    return c.img


def _noise(rng, s):
    """A figure on a screen breaking up: horizontal tears push slices of it sideways, bright bands roll through,
    the light mottled by a smooth low-frequency noise (interference, never per-pixel grain).

    Discrete: bust or full figure.  Continuous (10): figure x, size, tear amplitude, tear frequency, tear phase,
    slice pitch, band frequency, band phase, noise offset, noise strength.
    """
    c = _canvas(s, 0.0)
    x = float(rng.uniform(0.38, 0.62))
    amp, freq, ph = float(rng.uniform(0.02, 0.08)), float(rng.uniform(1.5, 4.0)), float(rng.uniform(0, 2 * np.pi))
    pitch = float(rng.uniform(0.03, 0.06))
    bfreq, bph = float(rng.uniform(2.0, 4.0)), float(rng.uniform(0, 1))
    seed, strength = int(rng.integers(1 << 20)), float(rng.uniform(0.1, 0.25))
    band_i = np.floor(c.v / pitch)
    push = amp * np.sin(2 * np.pi * freq * band_i * pitch + ph) * (np.sin(2.7 * band_i + ph) > 0.1)
    u = c.u - push
    if rng.random() < 0.5:
        size = float(rng.uniform(0.5, 0.65))
        fig = figures.bust(u, c.v, x, 0.78 - size * 0.55, size)
    else:
        h = float(rng.uniform(0.65, 0.85))
        js = _walker("walk", float(rng.uniform(0, 1)), x, 0.95, h)
        fig = figures.silhouette(u, c.v, js, h)
    mottle = noise.fbm(c.u * 0.5, c.v, 3.0, seed, octaves=2)
    bands = 0.5 + 0.5 * np.sin(2 * np.pi * (bfreq * c.v + bph))
    room = 0.2 + strength * mottle + 0.12 * bands
    c.img[0] = room + (0.88 - room) * c.mask(fig)
    return c.img


def _side(u, v, ax: float, ay: float, bx: float, by: float) -> np.ndarray:
    """Signed distance to the line through a and b: negative on the left of a -> b (v grows downward)."""
    dx, dy = bx - ax, by - ay
    return ((u - ax) * dy - (v - ay) * dx) / np.hypot(dx, dy) * -1.0


def _tracking(rng, s):
    """A corridor seen from a high corner: its edges converging, one to three people walking in it, each boxed by
    tracking brackets with a crosshair on the head.

    Discrete: people (1-3).  Continuous (8): vanishing point (2), corridor width, first position, spacing, depth
    step, walk phase, bracket margin.
    """
    c = _canvas(s, 0.03)
    n = int(rng.integers(1, 4))
    vx, vy, half = float(rng.uniform(0.4, 0.6)), float(rng.uniform(0.25, 0.4)), float(rng.uniform(0.12, 0.2))
    # the corridor: far wall and the four edges from the frame corners toward it
    fx0, fx1, fy0, fy1 = vx - half, vx + half, vy - half * 0.8, vy + half * 0.8
    c.fill(shapes.box(c.u, c.v, vx, vy, half, half * 0.8), 0.14)
    floor = shapes.intersect(_side(c.u, c.v, 0.0, 1.0, fx0, fy1), _side(c.u, c.v, fx1, fy1, 1.0, 1.0), fy1 - c.v)
    c.fill(floor, 0.22)
    for (ax, ay), (bx, by) in (((0, 0), (fx0, fy0)), ((1, 0), (fx1, fy0)), ((0, 1), (fx0, fy1)), ((1, 1), (fx1, fy1))):
        c.fill(shapes.segment(c.u, c.v, ax, ay, bx, by, THIN), 0.45)
    c.stroke(shapes.box(c.u, c.v, vx, vy, half, half * 0.8), THIN, 0.45)
    p0, dp, depth = float(rng.uniform(0.25, 0.45)), float(rng.uniform(0.18, 0.3)), float(rng.uniform(0.15, 0.3))
    ph, pad = float(rng.uniform(0, 1)), float(rng.uniform(0.015, 0.03))
    for i in range(n):
        t = min(0.95, 0.35 + i * depth)           # nearer people stand lower and taller
        ground = fy1 + (1 - fy1) * t
        h = 0.16 + 0.36 * t
        x = vx + (p0 + i * dp - 0.5) * (1.0 + 1.2 * t) * half * 2
        js = _walker("walk", ph + 0.3 * i, x, ground, h, facing=1.0 if i % 2 == 0 else -1.0)
        c.fill(lambda u, v: figures.silhouette(u, v, js, h), 0.85, bounds=figures.extent(js, h))
        x0, y0, x1, y1 = figures.extent(js, h, pad=0.0)
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        arm = 0.25 * min(x1 - x0, y1 - y0)
        for (bx, by, sx, sy) in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
            c.fill(shapes.segment(c.u, c.v, bx, by, bx + sx * arm, by, THIN), 0.98)
            c.fill(shapes.segment(c.u, c.v, bx, by, bx, by + sy * arm, THIN), 0.98)
        hx, hy = js["head"]
        c.fill(shapes.ring(c.u, c.v, hx, hy, 0.025 + 0.02 * t, THIN * 0.8), 0.98)
    return c.img


_DRAW = (_monitors, _compound, _delay, _scan, _readouts, _eye, _noise, _tracking)


def _tone(rng, k: int, img: np.ndarray) -> np.ndarray:
    """Grey levels ``(1, H, W)`` -> the blue ramp ``(3, H, W)``; half the images mirrored left-right."""
    level = np.clip(img[0], 0.0, 1.0)
    if rng.random() < 0.5:
        level = level[:, ::-1]
    return palettes.ramp(level, PALETTE)


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_tone)


RECIPE = {
    "generator": "vjhost_mikami.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB: grey levels mapped through the cool blue ramp " + " -> ".join(PALETTE)
              + "; featureless silhouettes posed by figures.dance_pose",
}
