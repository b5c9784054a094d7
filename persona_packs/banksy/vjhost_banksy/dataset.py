"""Procedural training data for the banksy pack: a homage to stencil street art.

Nothing here is, or is derived from, anyone's artwork: every image is a wall -- smooth concrete,
concrete panels, brick, whitewashed brick -- with black stencil silhouettes sprayed on it, drawn
from generic shapes: featureless posed figures (the drawing kit's skeletons), rats, balloons,
surveillance cameras, an umbrella, a bunch of flowers, paint splatter.  One accent colour (red) at
most, no text, no real person's likeness, no logos.

Every image follows from a few random choices so a 64-d decoder can hold it: a motif family, a
handful of discrete choices (wall kind, count, facing, pose style) and a dozen or two continuous
numbers (positions, sizes, angles, a wall's noise offset and tone).  Textures are smooth
low-frequency functions (two-octave fBm with a random offset, brick courses), never per-pixel
noise; several elements (rats in a row, drips under a stencil, droplets around a splash) are placed
by a rule, not by independent draws.  A stencil's overspray is a narrow soft halo of its signed
distance and its drips hang from its lowest edge, so they too follow from the shape.  Edges are
anti-aliased in uv units (the drawing kit): the same seed draws the same picture at 128² and 256².

Imported only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

import numpy as np

from vjhost.train.motifs import Canvas, balanced, figures, noise, palettes, shapes, textures

MOTIFS = ("wall", "rats", "balloon", "figure", "camera", "splatter", "bricks", "flowers")

#: The persona's colours: the same list as pack.toml's ``palette`` (the test suite checks they agree).
PALETTE = ("#0b0b0b", "#eeece6", "#c9c6bf", "#9b988f", "#67645e", "#8c3a27", "#b4583a", "#d3c9b8", "#d7141e")
_PAL = palettes.palette(PALETTE)
INK, WHITEWASH, PALE, CONCRETE, DARK, BRICK, LIGHT_BRICK, MORTAR, RED = range(9)

Window = tuple[float, float, float, float]


# --------------------------------------------------------------------------- walls


def _wall(rng, s: int, kind: str) -> Canvas:
    """A wall filling the frame: ``concrete``, ``panels``, ``brick`` or ``whitewash`` (brick painted over).

    Concrete is a tone between two palette greys modulated by two-octave fBm with a random offset
    (3 numbers); brick is courses, a bond offset and a tone field (4 numbers).
    """
    c = Canvas(s, _PAL[PALE])
    u, v = c.u, c.v
    seed = int(rng.integers(1 << 20))
    if kind in ("concrete", "panels"):
        lo, hi = (PALE, CONCRETE) if rng.random() < 0.6 else (WHITEWASH, PALE)
        tone = float(rng.uniform(0.2, 0.8))
        f = noise.fbm(u, v, float(rng.uniform(2.0, 4.0)), seed, octaves=2)
        t = np.clip(tone + 0.45 * f, 0.0, 1.0)
        c.img[:] = _PAL[lo][:, None, None] * (1 - t) + _PAL[hi][:, None, None] * t
        if kind == "panels":  # cast concrete panels: thin dark seams on a grid
            w = float(rng.choice([0.33, 0.5]))
            ox, oy = rng.uniform(0, w, 2)
            gx = np.abs(np.mod(u - ox, w) - w / 2) - (w / 2 - 0.004)
            gy = np.abs(np.mod(v - oy, w) - w / 2) - (w / 2 - 0.004)
            c.blend(c.mask(-np.maximum(gx, gy)), _PAL[DARK], alpha=0.8)
        return c
    courses = float(rng.choice([7.0, 9.0, 12.0]))
    b = textures.brick(u, v, courses=courses, ratio=2.1, joint=0.14, offset=tuple(rng.uniform(0, 1, 2)), seed=seed)
    f = noise.fbm(u, v, float(rng.uniform(1.5, 3.0)), seed + 1, octaves=2)
    if kind == "whitewash":
        body, joint = WHITEWASH, PALE
        t = np.clip(0.5 + 0.5 * f, 0, 1) * 0.5
        c.img[:] = _PAL[body][:, None, None] * (1 - t) + _PAL[PALE][:, None, None] * t
    else:
        body, joint = BRICK, MORTAR
        t = np.clip(0.5 + 0.6 * f, 0, 1)
        c.img[:] = _PAL[BRICK][:, None, None] * (1 - t) + _PAL[LIGHT_BRICK][:, None, None] * t
    c.blend(c.mask(b.mortar), _PAL[joint], alpha=0.9)
    return c


# --------------------------------------------------------------------------- stencils


def spray(c: Canvas, sdf, bounds: Window, colour: int = INK, *, halo: float = 0.012, drips: int = 0,
          drip_len: float = 0.1, phase: float = 0.0) -> None:
    """Spray a stencil: the shape in ``colour``, a narrow soft overspray halo, and ``drips`` drips.

    The halo darkens the wall toward the paint over ``halo`` uv outside the edge.  Drips hang from
    the shape's lowest painted pixel at evenly spaced columns across its width, their lengths from
    one smooth function of the column (``phase`` shifts it), ending in a round drop.
    """
    x0, y0, x1, y1 = bounds
    reach = halo * 3
    ys, xs, u, v = c.region((x0 - reach, y0 - reach, x1 + reach, y1 + reach))
    if not u.size:
        return
    d = sdf(u, v)
    s = c.size
    core = np.clip(0.5 - d * s, 0.0, 1.0)
    mist = 0.45 * np.exp(-np.maximum(d, 0.0) / halo) * (d > 0)
    a = np.maximum(core, mist)
    tgt = c.img[:, ys, xs]
    tgt += (_PAL[colour][:, None, None] - tgt) * a[None]
    if drips <= 0:
        return
    painted = core > 0.5
    cols = np.nonzero(painted.any(0))[0]
    if cols.size < 3:
        return
    for i in range(drips):
        k = cols[int(round((i + 0.5) / drips * (cols.size - 1)))]
        rows = np.nonzero(painted[:, k])[0]
        bx = float(u[0, k])
        by = float(v[rows.max(), 0])
        ln = drip_len * (0.35 + 0.65 * (0.5 + 0.5 * np.sin(phase + 2.39 * i)))
        w = 0.006 + 0.002 * np.cos(phase + 1.7 * i)
        c.fill(lambda uu, vv: shapes.union(shapes.segment(uu, vv, bx, by - 0.005, bx, by + ln, w),
                                           shapes.disc(uu, vv, bx, by + ln, w * 0.9)),
               _PAL[colour], bounds=(bx - 0.02, by - 0.01, bx + 0.02, by + ln + 0.02))


def rat(x, y, cx: float, cy: float, size: float, facing: float = 1.0, tail: float = 0.5, head: float = 0.0):
    """A rat in profile, ``size`` uv long nose to rump, feet at ``cy``: body, head, ear, legs, curled tail.

    ``tail`` 0..1 curls the tail up; ``head`` -1..1 lowers or raises the head.
    """
    f = 1.0 if facing >= 0 else -1.0
    px = (x - cx) * f  # the rat faces +x in its own frame
    py = y - cy
    L = size
    body = shapes.ellipse(px, py, -0.05 * L, -0.17 * L, 0.3 * L, 0.15 * L)
    hy = -0.2 * L - 0.08 * L * head
    skull = shapes.ellipse(px, py, 0.3 * L, hy, 0.14 * L, 0.09 * L, -0.25 * head)
    snout = shapes.segment(px, py, 0.3 * L, hy, 0.48 * L, hy + 0.05 * L, 0.07 * L)
    ear = shapes.disc(px, py, 0.24 * L, hy - 0.09 * L, 0.055 * L)
    legs = shapes.union(shapes.segment(px, py, 0.12 * L, -0.1 * L, 0.16 * L, -0.01 * L, 0.045 * L),
                        shapes.segment(px, py, -0.22 * L, -0.1 * L, -0.28 * L, -0.01 * L, 0.05 * L))
    # the tail: an arc from the rump sweeping back and curling up by `tail`
    r = 0.28 * L
    tcx, tcy = -0.33 * L - r * 0.2, -0.12 * L - r * (0.3 + 0.8 * tail)
    tail_d = shapes.arc(px, py, tcx, tcy, r, 0.035 * L, 0.4 * np.pi, 0.55 * np.pi)
    return shapes.union(body, skull, snout, ear, legs, tail_d)


def camera(x, y, cx: float, cy: float, size: float, tilt: float = 0.3, facing: float = 1.0):
    """A surveillance camera on a wall bracket: a box body with a hood, on an arm, ``size`` uv long."""
    f = 1.0 if facing >= 0 else -1.0
    px, py = (x - cx) * f, y - cy
    L = size
    body = shapes.box(px, py, 0.0, 0.0, 0.32 * L, 0.13 * L, tilt, 0.02 * L)
    ca, sa = np.cos(tilt), np.sin(tilt)
    hx, hy = 0.34 * L * ca, 0.34 * L * sa
    hood = shapes.box(px, py, hx, hy, 0.07 * L, 0.17 * L, tilt, 0.01 * L)
    # the arm from the back of the body to a bracket on the wall
    ax, ay = -0.2 * L * ca, -0.2 * L * sa
    arm = shapes.segment(px, py, ax, ay + 0.1 * L, -0.55 * L, 0.28 * L, 0.06 * L)
    bracket = shapes.box(px, py, -0.58 * L, 0.28 * L, 0.04 * L, 0.12 * L)
    return shapes.union(body, hood, arm, bracket)


def balloon(x, y, cx: float, cy: float, r: float, heart: bool = False):
    """A balloon of radius ``r`` (round, or a heart) with its knot, centre ``(cx, cy)``."""
    if heart:
        k = r * 0.55
        lobes = shapes.union(shapes.disc(x, y, cx - k * 0.72, cy - k * 0.35, k),
                             shapes.disc(x, y, cx + k * 0.72, cy - k * 0.35, k))
        point = shapes.box(x, y, cx, cy + k * 0.25, k * 1.0, k * 1.0, np.pi / 4)
        body = shapes.intersect(shapes.union(lobes, point), shapes.half_plane(x, y, cx, cy - k * 2, 0.0))
        bottom = cy + k * 1.65
    else:
        body = shapes.ellipse(x, y, cx, cy, r * 0.86, r)
        bottom = cy + r
    knot = shapes.polygon(x, y, cx, bottom + r * 0.06, r * 0.12, 3)
    return shapes.union(body, knot)


def string(x, y, x0: float, y0: float, length: float, sway: float, width: float = 0.005):
    """A balloon string hanging from ``(x0, y0)``: a gentle S curve (``sway`` its amplitude)."""
    t = np.linspace(0, 1, 9)
    pts = np.stack([x0 + sway * np.sin(t * np.pi * 1.5), y0 + t * length], 1)
    return shapes.polyline(x, y, pts, width)


def umbrella(x, y, cx: float, cy: float, r: float, tilt: float = 0.0):
    """An open umbrella: a scalloped half-disc canopy of radius ``r`` centred ``(cx, cy)`` and a hooked handle."""
    px, py = shapes.local(x, y, 0.0, 0.0, tilt)
    lx, ly = shapes.local(x, y, cx, cy, tilt)
    canopy = shapes.intersect(shapes.disc(lx, ly, 0, 0, r), ly - 0.0)  # the top half (v grows down)
    for k in range(4):  # scallops bitten out of the rim
        canopy = shapes.subtract(canopy, shapes.disc(lx, ly, -r + (k + 0.5) * r / 2, 0.02 * r, r / 4.2))
    shaft = shapes.segment(lx, ly, 0, -r * 1.08, 0, r * 0.9, 0.05 * r)
    hook = shapes.arc(lx, ly, 0.12 * r, r * 0.9, 0.12 * r, 0.05 * r, 0.0, np.pi)
    return shapes.union(canopy, shaft, hook)


def bouquet(x, y, cx: float, cy: float, size: float, heads: int, spread: float):
    """A bunch of flowers: stems fanning from a wrapped cone, ``heads`` round flower heads.

    Returns ``(stems and wrap, heads)`` as two distance fields (the heads take the accent colour).
    """
    base_x, base_y = cx, cy + 0.45 * size
    wrap = shapes.polygon(x, y, cx, cy + 0.3 * size, 0.28 * size, 3, np.pi)  # a cone, point down
    stems = wrap
    head_d = None
    for i in range(heads):
        a = -np.pi / 2 + spread * ((i + 0.5) / heads - 0.5)
        hx, hy = cx + np.cos(a) * 0.55 * size, cy - 0.05 * size + np.sin(a) * 0.55 * size
        stems = shapes.union(stems, shapes.segment(x, y, base_x, base_y, hx, hy, 0.025 * size))
        fl = shapes.union(shapes.flower(x, y, hx, hy, 0.16 * size, 5 + i % 3, 0.7 * i),
                          shapes.disc(x, y, hx, hy, 0.07 * size))
        head_d = fl if head_d is None else shapes.union(head_d, fl)
    return stems, head_d


def splat(x, y, cx: float, cy: float, r: float, spikes: int, phase: float, drops: int = 10):
    """A paint splatter: a lumpy blot with ``spikes`` tapering arms and droplets on a golden-angle spiral."""
    dx, dy = x - cx, y - cy
    rho = np.sqrt(dx * dx + dy * dy)
    a = np.arctan2(dy, dx)
    lump = 1.0 + 0.18 * np.sin(3 * a + phase) + 0.1 * np.sin(5 * a - 2 * phase)
    arms = np.maximum(np.cos(spikes * (a + phase)), 0.0) ** 12 * (0.8 + 0.4 * np.sin(2 * a + 3 * phase))
    d = rho - r * (lump + arms)
    golden = np.pi * (3 - np.sqrt(5))
    for i in range(drops):
        ang = phase * 2 + i * golden
        dist = r * (1.5 + 0.35 * i)
        dr = r * 0.22 * (1 - i / (drops + 2))
        d = np.minimum(d, shapes.disc(x, y, cx + dist * np.cos(ang), cy + dist * np.sin(ang), dr))
    return d.astype(np.float32)


# --------------------------------------------------------------------------- the eight scenes


def _wall_scene(rng, s):
    """A weathered concrete wall: stains, and one rat sprayed low on it, dripping."""
    c = _wall(rng, s, str(rng.choice(["concrete", "panels"])))
    # stains: a second smooth field, dark where it peaks
    f = noise.fbm(c.u, c.v, float(rng.uniform(1.5, 2.5)), int(rng.integers(1 << 20)), octaves=2)
    c.blend(np.clip((f - 0.25) * 2.5, 0.0, 1.0), _PAL[DARK], alpha=0.5)
    size, facing = float(rng.uniform(0.35, 0.55)), float(rng.choice([-1.0, 1.0]))
    cx, cy = float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.68, 0.85))
    tail, head = float(rng.uniform(0, 1)), float(rng.uniform(-1, 1))
    spray(c, lambda u, v: rat(u, v, cx, cy, size, facing, tail, head),
          (cx - size * 0.75, cy - size * 0.6, cx + size * 0.75, cy + 0.02),
          drips=int(rng.integers(2, 5)), drip_len=float(rng.uniform(0.04, 0.12)), phase=float(rng.uniform(0, 6.28)))
    return c.image()


def _rats(rng, s):
    """Rats in a row across a wall, evenly spaced along a slanting line, each a little different by a rule."""
    c = _wall(rng, s, str(rng.choice(["concrete", "panels", "brick"])))
    n = int(rng.choice([3, 4, 5]))
    size = float(rng.uniform(1.2, 1.5)) / (n + 0.5)
    y0, slope = float(rng.uniform(0.45, 0.8)), float(rng.uniform(-0.25, 0.25))
    facing = float(rng.choice([-1.0, 1.0]))
    ph = float(rng.uniform(0, 6.28))
    accent = int(rng.integers(-1, n)) if rng.random() < 0.5 else -1  # one red rat, sometimes
    for i in range(n):
        cx = (i + 0.75) / (n + 0.5)
        cy = y0 + slope * (cx - 0.5)
        tail, head = 0.5 + 0.5 * np.sin(ph + 1.9 * i), np.sin(ph + 2.7 * i)
        spray(c, lambda u, v, cx=cx, cy=cy, t=tail, h=head: rat(u, v, cx, cy, size, facing, t, h),
              (cx - size * 0.75, cy - size * 0.6, cx + size * 0.75, cy + 0.02), RED if i == accent else INK)
    return c.image()


def _balloon(rng, s):
    """Balloons on strings drifting up a pale wall: one red (round or a heart), the rest black."""
    c = _wall(rng, s, str(rng.choice(["whitewash", "concrete"])))
    n = int(rng.choice([1, 2, 3]))
    heart = bool(rng.random() < 0.5)
    x0, y0 = float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.22, 0.4))
    r, gap, sway = float(rng.uniform(0.09, 0.14)), float(rng.uniform(0.18, 0.26)), float(rng.uniform(-0.04, 0.04))
    for i in range(n):
        cx = x0 + gap * (i - (n - 1) / 2) * 0.9
        cy = y0 + 0.07 * ((i * 7) % 3 - 1)
        red = i == 0
        h = heart and red
        bottom = cy + (r * 0.55 * 1.65 if h else r) + r * 0.12
        length = float(0.95 - bottom)
        spray(c, lambda u, v, cx=cx, cy=cy, b=bottom, ln=length: string(u, v, cx, b, ln, sway * (1 + i)),
              (cx - 0.06, bottom, cx + 0.06, bottom + length), halo=0.006)
        spray(c, lambda u, v, cx=cx, cy=cy, h=h: balloon(u, v, cx, cy, r, h),
              (cx - r, cy - r * 1.1, cx + r, cy + r * 1.3),
              RED if red else INK, drips=1 if red else 0, drip_len=0.08, phase=float(cx * 10))
    return c.image()


def _figure(rng, s):
    """One or two featureless figures (one generic pose, the second mirroring it) on a wall, one holding a blank
    red placard."""
    c = _wall(rng, s, str(rng.choice(["whitewash", "panels", "concrete"])))
    n = int(rng.choice([1, 2]))
    h = float(rng.uniform(0.6, 0.8)) if n == 1 else float(rng.uniform(0.5, 0.65))
    ground = float(rng.uniform(0.9, 0.96))
    style = str(rng.choice(["stand", "walk", "reach"]))
    pose = figures.random_pose(rng, style)  # ten angles; a second figure mirrors it, facing the first
    for i in range(n):
        x = 0.5 if n == 1 else (0.32 if i == 0 else 0.68)
        facing = 1.0 if i == 0 else -1.0
        js = figures.joints(pose, x, ground, h, facing)
        spray(c, lambda u, v, js=js: figures.silhouette(u, v, js, h), figures.extent(js, h), drips=2, drip_len=0.04,
              phase=float(x * 7))
        if i == 0:  # the placard: a blank red board on a stick, held from the higher hand
            hand = min((js["l_wrist"], js["r_wrist"]), key=lambda p: p[1])
            pw, ph = float(rng.uniform(0.09, 0.14)), float(rng.uniform(0.07, 0.1))
            bx, by = float(hand[0]), max(float(hand[1]) - 0.22 * h, 2 * ph + 0.04)
            spray(c, lambda u, v: shapes.segment(u, v, float(hand[0]), float(hand[1]), bx, by, 0.012),
                  (bx - 0.02, by - 0.02, bx + 0.02, float(hand[1]) + 0.02))
            spray(c, lambda u, v: shapes.box(u, v, bx, by - ph, pw, ph, 0.0, 0.005),
                  (bx - pw, by - 2 * ph, bx + pw, by), RED, drips=2, drip_len=0.05, phase=float(pw * 40))
    return c.image()


def _camera(rng, s):
    """Surveillance cameras sprayed on concrete, watching: one, or a cluster on one bracket line."""
    c = _wall(rng, s, str(rng.choice(["concrete", "panels"])))
    n = int(rng.choice([1, 2, 3]))
    size = float(rng.uniform(0.35, 0.5)) if n == 1 else float(rng.uniform(0.25, 0.33))
    x0, y0 = float(rng.uniform(0.4, 0.6)), float(rng.uniform(0.3, 0.45))
    tilt, spread = float(rng.uniform(0.15, 0.5)), float(rng.uniform(0.2, 0.3))
    facing = float(rng.choice([-1.0, 1.0]))
    accent = bool(rng.random() < 0.5)
    for i in range(n):
        cx = x0 + (i - (n - 1) / 2) * spread * 1.3
        cy = y0 + 0.18 * ((i % 2) - 0.5) * (n > 1)
        f = facing if i % 2 == 0 else -facing
        spray(c, lambda u, v, cx=cx, cy=cy, f=f: camera(u, v, cx, cy, size, tilt, f),
              (cx - size * 0.7, cy - size * 0.4, cx + size * 0.7, cy + size * 0.45), drips=2, drip_len=0.06,
              phase=float(cx * 9))
    if accent:  # a red recording light on the first camera
        cx = x0 - (n - 1) / 2 * spread * 1.3
        cy = y0 - 0.09 * (n > 1)
        lx = cx + facing * 0.12 * size * np.cos(tilt) - 0.05 * size * facing
        ly = cy + 0.12 * size * np.sin(tilt) - 0.2 * size
        spray(c, lambda u, v: shapes.disc(u, v, lx, ly, 0.035 * size), (lx - 0.03, ly - 0.03, lx + 0.03, ly + 0.03),
              RED, halo=0.006)
    return c.image()


def _splatter(rng, s):
    """Bursts of sprayed paint on a light wall: black splats, and one red one dripping."""
    c = _wall(rng, s, str(rng.choice(["concrete", "whitewash"])))
    n = int(rng.choice([1, 2, 3]))
    ph = float(rng.uniform(0, 6.28))
    x0, y0, r0 = float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.07, 0.11))
    spikes = int(rng.choice([5, 7, 9]))
    for i in range(n):
        cx = x0 + 0.3 * np.cos(ph + i * 2.4) * (i > 0)
        cy = y0 + 0.25 * np.sin(ph + i * 2.4) * (i > 0)
        r = r0 * (1.0 - 0.25 * i)
        red = i == n - 1
        spray(c, lambda u, v, cx=cx, cy=cy, r=r, k=i: splat(u, v, cx, cy, r, spikes, ph + k),
              (cx - r * 4.5, cy - r * 4.5, cx + r * 4.5, cy + r * 4.5), RED if red else INK, halo=0.008,
              drips=3 if red else 1, drip_len=0.15, phase=ph + i)
    return c.image()


def _bricks(rng, s):
    """A close brick wall with a black stencil umbrella (and the rain it keeps off: short dashes around it)."""
    c = _wall(rng, s, "brick")
    cx, cy, r = float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.35, 0.5)), float(rng.uniform(0.18, 0.28))
    tilt = float(rng.uniform(-0.35, 0.35))
    red = bool(rng.random() < 0.4)
    spray(c, lambda u, v: umbrella(u, v, cx, cy, r, tilt), (cx - r * 1.3, cy - r * 1.3, cx + r * 1.3, cy + r * 1.2),
          RED if red else INK, drips=3, drip_len=0.08, phase=float(cx * 11))
    # rain: slanted dashes on a lattice above the canopy, none under it
    pitch, slant = float(rng.choice([0.09, 0.12])), float(rng.uniform(-0.3, 0.3))
    gx = np.mod(c.u - slant * c.v, pitch) - pitch / 2
    gy = np.mod(c.v + 0.5 * np.floor((c.u - slant * c.v) / pitch) * pitch, pitch * 1.6) - pitch * 0.8
    dash = np.maximum(np.abs(gx) - 0.004, np.abs(gy) - pitch * 0.25)
    dx, dy = shapes.local(c.u, c.v, cx, cy, tilt)
    under = (np.abs(dx) < r) & (dy > -r * 0.1)
    dash = np.where(under, 1.0, dash)
    c.blend(c.mask(dash), _PAL[INK], alpha=0.9)
    return c.image()


def _flowers(rng, s):
    """A bunch of flowers sprayed as a stencil: black stems and wrap, the heads in red."""
    c = _wall(rng, s, str(rng.choice(["concrete", "whitewash", "panels"])))
    cx, cy, size = float(rng.uniform(0.38, 0.62)), float(rng.uniform(0.42, 0.55)), float(rng.uniform(0.45, 0.65))
    heads, spread = int(rng.choice([3, 4, 5])), float(rng.uniform(1.6, 2.4))
    stems, head_d = bouquet(c.u, c.v, cx, cy, size, heads, spread)
    box = (cx - size, cy - size, cx + size, cy + size)
    spray(c, lambda u, v: bouquet(u, v, cx, cy, size, heads, spread)[0], box, drips=2, drip_len=0.07, phase=cx * 5)
    spray(c, lambda u, v: bouquet(u, v, cx, cy, size, heads, spread)[1], box, RED, drips=1, drip_len=0.06, phase=cy * 5)
    return c.image()


_DRAW = (_wall_scene, _rats, _balloon, _figure, _camera, _splatter, _bricks, _flowers)


def _finish(rng, k: int, img: np.ndarray) -> np.ndarray:
    """Mirror half the images left-right (no text anywhere, so nothing reads backwards)."""
    return img[:, :, ::-1] if rng.random() < 0.5 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_finish)


RECIPE = {
    "generator": "vjhost_banksy.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB: concrete greys, brick and whitewash walls, black stencils with overspray and drips, "
              "one red accent: " + ", ".join(PALETTE),
}
