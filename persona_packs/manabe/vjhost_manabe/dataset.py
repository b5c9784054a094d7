"""Procedural training data for the manabe pack: a homage to data and the body.

Nothing here is, or is derived from, anyone's artwork, performance or motion
capture: every image is drawn with the pack toolkit's drawing kit
(:mod:`vjhost.train.motifs`) from a small vocabulary -- anonymous dancers
posed by a few joint-angle parameters (:func:`~vjhost.train.motifs.figures.dance_pose`:
a move, its phase, the energy, a lean) and drawn as a wireframe, a point cloud
or a stick skeleton with motion trails, sensor graphs, rectangular waves, a
perspective floor grid, glitch-sliced bodies and a blinking light score.  White
or one neon line colour on a near-black ground, lines about two pixels wide at
128² (what a 64-d decoder holds; the source pass draws them crisp at screen
size).  No faces, no text, no logos.

Each image follows from one motif family, a few discrete choices (line colour,
move, count, mode, mirror) and at most a dozen continuous parameters, each of
which changes the picture smoothly -- the families below list theirs.  Many
elements (graph samples, lattice points, grid cells) are placed by rules driven
by those few numbers, never by independent random draws.
Deterministic: the same ``seed`` gives the same images.  Imported only by the
training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import Canvas, balanced, figures, palettes, shapes, tiling

MOTIFS = ('wireframe', 'pointcloud', 'skeleton', 'graphs', 'squarewave', 'grid', 'glitch', 'blink')

#: The persona's colours: the same list as pack.toml's ``palette`` (the test suite checks they agree):
#: a near-black ground, white and three neon line colours (cyan, magenta, lime).
PALETTE = ('#04050a', '#ffffff', '#00e5ff', '#ff2bd6', '#39ff14')
_PAL = palettes.palette(PALETTE)
GROUND = _PAL[0]
LINES = _PAL[1:]

#: The dance moves the dancers take (the kit's, less its walk).
MOVES = tuple(m for m in figures.DANCE_MOVES if m != "walk")

#: Line widths and point radii in uv: about 2 pixels wide at 128².
LINE = 0.016
RIB = 0.013
THIN = 0.011
DOT = 0.011


def _colours(rng, own: int) -> tuple[np.ndarray, np.ndarray]:
    """The line colour -- the family's own (``own``: 0 white, 1 cyan, 2 magenta, 3 lime, the colour of its
    scene pad on the controller) six times in ten, else any line colour -- and an accent: another one."""
    i = own if rng.random() < 0.6 else int(rng.integers(len(LINES)))
    j = (i + int(rng.integers(1, len(LINES)))) % len(LINES)
    return LINES[i], LINES[j]


def _dancer(rng, x_range=(0.35, 0.65), h_range=(0.62, 0.8), ground=(0.9, 0.95)):
    """A posed dancer: (joints, height).  Discrete: the move; continuous: phase, energy, lean, x, height, ground."""
    move = MOVES[int(rng.integers(len(MOVES)))]
    phase, energy, lean = float(rng.uniform(0, 1)), float(rng.uniform(0.7, 1.25)), float(rng.uniform(-0.15, 0.15))
    h = float(rng.uniform(*h_range))
    js = figures.joints(figures.dance_pose(move, phase, energy, lean), float(rng.uniform(*x_range)),
                        float(rng.uniform(*ground)), h)
    return js, h, (move, phase, energy, lean)


def _wireframe(rng, s):
    """A dancer as a scanned wireframe: the body's outline and horizontal contour ribs inside it, joints as dots.

    Discrete: colour, move.  Continuous (8): phase, energy, lean, x, height, ground, rib pitch, rib phase.
    """
    line, _ = _colours(rng, 0)
    c = Canvas(s, GROUND)
    js, h, _ = _dancer(rng, x_range=(0.42, 0.58), h_range=(0.8, 0.9), ground=(0.95, 0.97))  # close up
    pitch = float(rng.uniform(0.035, 0.06))
    off = float(rng.uniform(0, 1))
    box = figures.extent(js, h)

    def body(u, v):
        return figures.silhouette(u, v, js, h, build=1.15)

    def ribs(u, v):
        t = (v / pitch + off) % 1.0
        band = (np.abs(t - 0.5) * pitch) - RIB / 2
        return shapes.intersect(band, body(u, v))

    c.stroke(body, RIB, line, bounds=box)
    c.fill(ribs, line, bounds=box)
    joints = np.array([js[k] for k in js if k != "head"])
    c.points(joints[:, 0], joints[:, 1], DOT * 1.2, line, mode="over")
    return c.image()


def _pointcloud(rng, s):
    """A dancer as a point cloud: a hexagonal lattice of dots kept inside the body, larger in a scanning band.

    Discrete: colour, move.  Continuous (10): phase, energy, lean, x, height, ground, pitch, lattice offset (2),
    band height.
    """
    line, _ = _colours(rng, 1)
    c = Canvas(s, GROUND)
    js, h, _ = _dancer(rng)
    pitch = float(rng.uniform(0.026, 0.036))
    pts = tiling.lattice_points(pitch, "hex", offset=tuple(rng.uniform(0, pitch, 2)))
    d = figures.silhouette(pts[:, 0], pts[:, 1], js, h, build=1.25)
    pts = pts[d < 0]
    band = float(rng.uniform(0.25, 0.9))
    r = pitch * (0.28 + 0.12 * np.exp(-((pts[:, 1] - band) / 0.08) ** 2))
    c.points(pts[:, 0], pts[:, 1], r, line, mode="over")
    return c.image()


def _skeleton(rng, s):
    """A stick-figure skeleton with its joints as dots and the trails its wrists and ankles left over the last
    stretch of the move, fading out.

    Discrete: colour, move.  Continuous (7): phase, energy, lean, x, height, ground, trail length.
    """
    line, accent = _colours(rng, 2)
    c = Canvas(s, GROUND)
    move = MOVES[int(rng.integers(len(MOVES)))]
    phase, energy, lean = float(rng.uniform(0, 1)), float(rng.uniform(0.8, 1.25)), float(rng.uniform(-0.15, 0.15))
    x, h, ground = float(rng.uniform(0.38, 0.62)), float(rng.uniform(0.55, 0.68)), float(rng.uniform(0.86, 0.92))
    span = float(rng.uniform(0.2, 0.4))
    steps = 10
    trail = [figures.joints(figures.dance_pose(move, phase - span * (1 - k / steps), energy, lean), x, ground, h)
             for k in range(steps + 1)]
    for end in ("l_wrist", "r_wrist", "l_ankle", "r_ankle"):
        path = np.array([t[end] for t in trail])
        for k in range(steps):
            a, b = path[k], path[k + 1]
            box = (min(a[0], b[0]) - RIB, min(a[1], b[1]) - RIB, max(a[0], b[0]) + RIB, max(a[1], b[1]) + RIB)
            c.fill(lambda u, v: shapes.segment(u, v, *a, *b, RIB), accent, bounds=box, alpha=0.3 + 0.6 * k / steps)
    js = trail[-1]
    c.fill(lambda u, v: figures.skeleton(u, v, js, LINE), line, bounds=figures.extent(js, h))
    joints = np.array([js[k] for k in js if k != "head"])
    c.points(joints[:, 0], joints[:, 1], DOT * 1.4, line, mode="over")
    return c.image()


def _graph_lines(c: Canvas, f, df, centres, width, colour, alpha=1.0) -> None:
    """Draw ``y = f(u, i)`` for each channel ``i`` (centred on ``centres[i]``) as a line ``width`` thick."""
    u, v = c.u, c.v
    for i, y0 in enumerate(centres):
        d = np.abs(v - y0 - f(u, i)) / np.sqrt(1.0 + df(u, i) ** 2) - width / 2
        c.fill(d, colour, alpha=alpha)


def _graphs(rng, s):
    """Sensor graphs: stacked channels of a two-tone signal with periodic spikes (muscle / heart-like), dim
    baselines, and a cursor line marking each trace with a dot.

    Discrete: colour, channel count (3-6).  Continuous (9): frequency, overtone ratio, phase, phase step per
    channel, amplitude, spike height, spike period, spike phase, cursor position.
    """
    line, accent = _colours(rng, 3)
    c = Canvas(s, GROUND)
    k = int(rng.choice([3, 4, 5, 6]))
    lane = 0.84 / k
    centres = 0.08 + lane * (np.arange(k) + 0.5)
    f1, ratio = float(rng.uniform(1.5, 4.0)), float(rng.uniform(2.2, 3.6))
    ph0, dph = float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0.4, 1.6))
    amp = float(rng.uniform(0.12, 0.28)) * lane
    spike, period, sph = float(rng.uniform(0.2, 0.45)) * lane, float(rng.uniform(0.18, 0.35)), float(rng.uniform(0, 1))
    w = 0.012

    def f(u, i):
        p = ph0 + i * dph
        t = ((u - sph - 0.07 * i) / period) % 1.0 - 0.5
        return (amp * (np.sin(2 * np.pi * f1 * u + p) + 0.45 * np.sin(2 * np.pi * f1 * ratio * u + 2 * p))
                - spike * np.exp(-(t * period / w) ** 2))

    def df(u, i):
        p = ph0 + i * dph
        t = ((u - sph - 0.07 * i) / period) % 1.0 - 0.5
        return (amp * 2 * np.pi * f1 * (np.cos(2 * np.pi * f1 * u + p)
                                        + 0.45 * ratio * np.cos(2 * np.pi * f1 * ratio * u + 2 * p))
                + spike * 2 * (t * period) / w ** 2 * np.exp(-(t * period / w) ** 2))

    for y0 in centres:  # dim baselines
        c.fill(np.abs(c.v - y0) - THIN / 4, line, alpha=0.3)
    _graph_lines(c, f, df, centres, LINE * 0.85, line)
    cx = float(rng.uniform(0.15, 0.85))
    c.fill(np.abs(c.u - cx) - THIN / 2, accent, alpha=0.8)
    ys = np.array([y0 + f(np.float32(cx), i) for i, y0 in enumerate(centres)])
    c.points(np.full(k, cx), ys, DOT * 1.6, accent, mode="over")
    return c.image()


def _square_path(u, v, y0, amp, period, phase, duty):
    """Signed distance to a rectangular wave centred at ``y0``, ``amp`` high (0..1 the frame), as a path of zero
    width."""
    t = (u / period + phase) % 1.0
    high = t < duty
    level = np.where(high, y0 - amp / 2, y0 + amp / 2)
    d_h = np.abs(v - level)
    # the nearest rising / falling edge: at t = 0 and t = duty
    e0 = np.minimum(t, 1 - t) * period
    e1 = np.abs(t - duty) * period
    dx = np.minimum(e0, e1)
    dy = np.maximum(np.abs(v - y0) - amp / 2, 0.0)
    return np.minimum(d_h, np.sqrt(dx * dx + dy * dy))


def _squarewave(rng, s):
    """Rectangular waves on stacked lanes: a binary counter (each lane half the rate of the last), harmonic
    rates, or one pulse-width-modulated train per lane.

    Discrete: colour, mode (3), lane count (3-6).  Continuous (4): base period, phase, duty, lane amplitude.
    """
    line, _ = _colours(rng, 0)
    c = Canvas(s, GROUND)
    mode = int(rng.integers(3))
    k = int(rng.choice([3, 4, 5, 6]))
    lane = 0.84 / k
    p0, ph, duty = float(rng.uniform(0.06, 0.14)), float(rng.uniform(0, 1)), float(rng.uniform(0.3, 0.7))
    amp = float(rng.uniform(0.45, 0.7)) * lane
    for i in range(k):
        y0 = 0.08 + lane * (i + 0.5)
        if mode == 0:      # a binary counter: the bits of a clock
            period, dt, phase = p0 * 2 ** i, 0.5, ph / 2 ** i
        elif mode == 1:    # harmonic rates
            period, dt, phase = p0 * (1 + 0.75 * i), duty, ph
        else:              # the same rate, the duty walking down the lanes
            period, dt, phase = p0 * 1.5, 0.15 + 0.7 * (i + 0.5) / k, ph + 0.1 * i
        d = _square_path(c.u, c.v, y0, amp, period, phase, dt)
        c.fill(d - LINE * 0.45, line)
    return c.image()


def _grid(rng, s):
    """A perspective floor grid fading into the dark horizon, a dancer of motion-capture markers (dots along its
    bones) standing on it, rings of light under its feet.

    Discrete: colour, move.  Continuous (9): horizon, vanishing point, grid pitch, depth scroll, phase, energy,
    lean, x, height.
    """
    line, accent = _colours(rng, 1)
    c = Canvas(s, GROUND)
    hz, vx = float(rng.uniform(0.35, 0.5)), float(rng.uniform(0.35, 0.65))
    pitch, scroll = float(rng.uniform(0.12, 0.2)), float(rng.uniform(0, 1))
    u, v = c.u, c.v
    below = np.maximum(v - hz, 1e-4)
    depth = (1.0 - hz) / below                       # 1 at the bottom edge, infinity at the horizon
    # rails: x on the floor = (u - vx) * depth, every `pitch`; cross lines every 1/0.6 of depth.  Each set of
    # lines fades out where its spacing on screen falls under about six pixels (at 128²), before it crowds
    gx = (u - vx) * depth / pitch
    rail_gap = pitch / depth
    dxl = np.abs(gx - np.round(gx)) * rail_gap
    gz = depth * 0.6 + scroll
    cross_gap = below ** 2 / (0.6 * (1.0 - hz))
    dz = np.abs(gz - np.round(gz)) * cross_gap
    m = Canvas(s, 0.0, 1)
    m.fill(dxl - THIN / 2, 1.0)
    rails = m.img[0] * np.clip((rail_gap - 0.05) / 0.05, 0, 1)
    m = Canvas(s, 0.0, 1)
    m.fill(dz - THIN / 2, 1.0)
    cross = m.img[0] * np.clip((cross_gap - 0.04) / 0.04, 0, 1)
    c.blend(np.maximum(rails, cross) * (v > hz), line, alpha=0.85)
    js, h, _ = _dancer(rng, x_range=(0.38, 0.62), h_range=(0.45, 0.6), ground=(0.86, 0.92))
    for foot in ("l_ankle", "r_ankle"):
        fx, fy = js[foot]
        c.fill(lambda uu, vv: shapes.outline(shapes.ellipse(uu, vv, fx, fy + 0.015, 0.06, 0.018), THIN), accent,
               bounds=(fx - 0.08, fy - 0.03, fx + 0.08, fy + 0.05))
    pts = figures.bone_points(js, 0.028)  # the dancer as motion-capture markers along its bones
    c.points(pts[:, 0], pts[:, 1], DOT, line, mode="over")
    return c.image()


def _glitch(rng, s):
    """A dancer's body cut into horizontal slices, each pushed sideways by a smooth function of its height, with
    a channel-split copy in the accent colour behind it.

    Discrete: colour, move.  Continuous (11): phase, energy, lean, x, height, ground, slice pitch, push amplitude,
    push frequency, push phase, split offset.
    """
    line, accent = _colours(rng, 2)
    c = Canvas(s, GROUND)
    js, h, _ = _dancer(rng)
    pitch = float(rng.uniform(0.035, 0.07))
    amp, freq, ph = float(rng.uniform(0.03, 0.09)), float(rng.uniform(1.0, 3.0)), float(rng.uniform(0, 2 * np.pi))
    split = float(rng.uniform(0.015, 0.03)) * float(rng.choice([-1.0, 1.0]))
    band = np.floor(c.v / pitch)
    push = amp * np.sin(2 * np.pi * freq * band * pitch + ph) * (np.sin(3.7 * band + ph) > -0.2)
    u = c.u - push
    c.fill(figures.silhouette(u - split, c.v, js, h), accent)
    c.fill(figures.silhouette(u, c.v, js, h), line)
    return c.image()


def _euclid(hits: int, steps: int, rotate: int) -> np.ndarray:
    """A Euclidean rhythm: ``hits`` onsets spread as evenly as possible over ``steps``, rotated."""
    i = np.arange(steps)
    return (((i + rotate) * hits) % steps < hits).astype(np.float32)


def _blink(rng, s):
    """A light score: lanes of square cells lit in Euclidean rhythms (each lane one more hit, shifted), a
    playhead column outlined.

    Discrete: colour, lanes (4-8), steps (8/12/16), base hits, rotation step.  Continuous (3): cell fill, margin,
    playhead position.
    """
    line, accent = _colours(rng, 3)
    c = Canvas(s, GROUND)
    lanes, steps = int(rng.choice([4, 6, 8])), int(rng.choice([8, 12, 16]))
    k0, rot = int(rng.integers(2, 5)), int(rng.integers(0, 4))
    fill, margin = float(rng.uniform(0.5, 0.75)), float(rng.uniform(0.06, 0.12))
    cw, ch = (1 - 2 * margin) / steps, (1 - 2 * margin) / lanes
    cell = min(cw, ch)
    cells = np.array([_euclid(min(k0 + i, steps - 1), steps, rot * i) for i in range(lanes)])
    gx, gy = (c.u - margin) / cw, (c.v - margin) / ch
    ix, iy = np.clip(np.floor(gx), 0, steps - 1).astype(int), np.clip(np.floor(gy), 0, lanes - 1).astype(int)
    inside = (gx >= 0) & (gx < steps) & (gy >= 0) & (gy < lanes)
    lx, ly = (gx - ix - 0.5) * cw, (gy - iy - 0.5) * ch
    half = fill * cell / 2
    d = np.maximum(np.abs(lx), np.abs(ly)) - half
    on = cells[iy, ix] * inside
    c.fill(np.where(on > 0, d, 1.0), line)
    c.fill(np.where(inside & (on == 0), np.abs(d) - THIN / 2, 1.0), line, alpha=0.4)  # the unlit cells' dim frames
    col = int(np.floor(rng.uniform(0, steps)))
    x0 = margin + (col + 0.5) * cw
    c.fill(lambda uu, vv: shapes.outline(shapes.box(uu, vv, x0, 0.5, cw * 0.5, 0.5 - margin * 0.6), THIN), accent,
           bounds=(x0 - cw, 0, x0 + cw, 1))
    return c.image()


_DRAW = (_wireframe, _pointcloud, _skeleton, _graphs, _squarewave, _grid, _glitch, _blink)


def _finish(rng, k: int, img: np.ndarray) -> np.ndarray:
    """Mirror half the images left-right (dancers, graphs and scores have no handedness)."""
    return img[:, :, ::-1] if rng.random() < 0.5 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_finish)


RECIPE = {
    "generator": "vjhost_manabe.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB: white or one neon line colour (cyan, magenta, lime) about 2 px wide at 128², on near-black "
              + PALETTE[0] + "; dancers posed by figures.dance_pose (move, phase, energy, lean)",
}
