"""Procedural training data for the beeple pack: a homage to dense sci-fi collage.

Nothing here is, or is derived from, anyone's artwork: every image is drawn
from a small motif vocabulary with the drawing kit (:mod:`vjhost.train.motifs`)
in the pack's palette -- dark tones (void black, night navy, two steels) cut
with neon (magenta, cyan, sodium amber, violet) and white-hot neon cores.  No
characters, no people, no text, signs or logos: signs are blank neon bars.

Eight motif families, one per scene:

- ``skyline``  a front-on night skyline: two rows of towers whose heights follow a
  few harmonics, lit windows on a grid (lit where a smooth field is high), blank
  neon bars on some towers, a striped low sun behind;
- ``street``   a one-point-perspective canyon: walls of lit windows converging on
  a glowing vanishing point, neon bands along the walls, a grid on the street;
- ``gears``    a train of meshing gears (tangent, teeth in step) on a riveted hull;
- ``pistons``  a row of pistons whose extensions follow one wave, cables sagging
  between their heads, a big fan behind;
- ``panels``   a hull of greebles: a guillotine split into eight panels (vents,
  rivets, neon status bars, ports) crossed by a bundle of cables;
- ``monolith`` a colossal slab on a neon ground grid under a ring, scan lines on
  its face, drones on an orbit around it;
- ``orbital``  a planet's limb with a neon atmosphere, a wheel station with
  spokes and lit modules, an orbit path;
- ``collage``  the frame cut into three panels by a slanted guillotine rule, each
  a cut of another family (its canonical picture with two free parameters),
  black gutters and a neon seam.

Every picture follows from a handful of discrete choices and at most ~20
continuous parameters, drawn through :class:`Draws` (which counts them: see
:func:`parameter_counts`); many elements are placed by rules (lattices,
harmonics, tangency, guillotine splits), never by independent randomness.
Edges are anti-aliased over about one pixel in uv units, so the same seed
draws the same picture at 128² and 256².  Neon tubes have a soft halo (the
style needs it); everything else is flat.  Deterministic for a seed.  Imported
only by the training tools, never when the pack registers itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vjhost.train.motifs import Canvas, balanced, palettes, raster, shapes

MOTIFS = ("skyline", "street", "gears", "pistons", "panels", "monolith", "orbital", "collage")

#: The persona's colours: the same list as pack.toml's ``palette`` (the test suite checks they agree).
PALETTE = ("#05050a", "#11142a", "#262b45", "#5a6488", "#ff2bd6", "#00e5ff", "#ffb21e", "#8a2bff", "#f4f1ff")
_PAL = palettes.palette(PALETTE)
VOID, NAVY, STEEL, LIGHT, MAGENTA, CYAN, AMBER, VIOLET, WHITE = _PAL
NEONS = (MAGENTA, CYAN, AMBER, VIOLET)
TAU = 2 * np.pi


# --------------------------------------------------------------------------- the random choices, counted


class Draws:
    """The random choices of one picture: ``u`` draws a continuous parameter (``rng.uniform``), ``pick`` a
    discrete one from a short list (``rng.integers``) -- so the drawing kit's
    :func:`~vjhost.train.motifs.budget.draw_budget` counts them (:func:`parameter_counts`).

    With ``free`` set, only the first ``free`` continuous parameters come from ``rng``; every other
    choice comes from ``canon`` (a fixed generator: the family's canonical picture) -- how a collage
    panel shows a family with two parameters free.  ``canon`` is consumed for every choice, so its
    values never depend on ``free``.
    """

    def __init__(self, rng: np.random.Generator, free: int | None = None, canon: np.random.Generator | None = None):
        self.rng, self.free, self.canon = rng, free, canon
        self._drawn = 0

    def u(self, lo: float, hi: float) -> float:
        if self.free is None:
            return float(self.rng.uniform(lo, hi))
        self._drawn += 1
        fixed = float(self.canon.uniform(lo, hi))
        return float(self.rng.uniform(lo, hi)) if self._drawn <= self.free else fixed

    def pick(self, options: Sequence[Any]) -> Any:
        src = self.rng if self.free is None else self.canon
        return options[int(src.integers(len(options)))]


# --------------------------------------------------------------------------- shared drawing


def _waves(d: Draws, freq: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A smooth field in about [-1, 1]: three plane waves (fixed directions) with random phases (3 parameters)."""
    p = [d.u(0, TAU) for _ in range(3)]
    k = TAU * freq

    def f(x, y):
        return (np.sin(k * x + p[0]) + np.sin(1.31 * k * y + p[1]) + np.sin(0.77 * k * (x - y) + p[2])) / 3.0

    return f


Bounds = "tuple[float, float, float, float] | None"


def _grow(bounds, pad: float):
    return None if bounds is None else (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)


def _eval(c: Canvas, sdf, bounds):
    """``(where, d)``: a shape's distance over the window ``bounds`` (the whole frame for an array / None)."""
    if not callable(sdf):
        return (slice(None), slice(None)), np.asarray(sdf, np.float32)
    ys, xs, u, v = c.region(bounds)
    return (ys, xs), (sdf(u, v) if u.size else np.zeros((0, 0), np.float32))


def _halo(c: Canvas, sdf, col, reach: float, gain: float = 0.5, bounds=None) -> None:
    """A soft neon halo outside a shape (distance ``sdf``, uv): the colour mixed in, fading over ``reach``."""
    where, d = _eval(c, sdf, _grow(bounds, 2.5 * reach))
    if d.size:
        c.blend((gain * np.exp(-((np.maximum(d, 0.0) / reach) ** 2))).astype(np.float32), col, where=where)


def _fill(c: Canvas, sdf, col, bounds=None, alpha: float = 1.0) -> None:
    """Paint a shape (a callable ``sdf(u, v)`` evaluated over ``bounds``, or a full-frame distance array)."""
    where, d = _eval(c, sdf, _grow(bounds, 0.01))
    if d.size:
        c.blend(raster.coverage(d, c.size), col, alpha, where=where)


def _neon(c: Canvas, centre, col, width: float, reach: float = 0.025, gain: float = 0.45, hot: bool = True,
          bounds=None) -> None:
    """A neon tube along a centre line (its distance: callable or array, uv): halo, coloured tube, white-hot core."""
    where, d = _eval(c, centre, _grow(bounds, width + 2.5 * reach))
    if not d.size:
        return
    tube = np.abs(d) - width / 2
    c.blend((gain * np.exp(-((np.maximum(tube, 0.0) / reach) ** 2))).astype(np.float32), col, where=where)
    c.blend(raster.coverage(tube, c.size), col, where=where)
    if hot:
        c.blend(raster.coverage(np.abs(d) - width * 0.2, c.size), WHITE, 0.85, where=where)


def _graph(f, df):
    """The signed distance (about) to the curve ``v = f(u)``: vertical offset over the slope's secant."""
    return lambda u, v: (v - f(u)) / np.sqrt(1.0 + df(u) ** 2)


def _box(u, v, x0, y0, x1, y1):
    """Axis-aligned rectangle SDF from corners (uv)."""
    return np.maximum(np.maximum(x0 - u, u - x1), np.maximum(y0 - v, v - y1))


def _tri(t):
    """Distance to the nearest integer (a triangle wave in [0, 0.5]): continuous lattice coordinates."""
    return np.abs(t - np.round(t))


# --------------------------------------------------------------------------- the families


def _skyline(d: Draws, s: int) -> np.ndarray:
    """Two rows of towers: heights from harmonics, lit window grids, neon bars, a striped sun."""
    n = d.pick((7, 9, 12))
    accent = d.pick(NEONS)
    lit = d.pick((AMBER, CYAN, WHITE))
    roof_rule = d.pick((0, 1, 2))
    sun = d.pick((True, False))
    base, amp = d.u(0.25, 0.42), d.u(0.12, 0.22)
    p1, p2 = d.u(0, TAU), d.u(0, TAU)
    bp1, bp2, bbase = d.u(0, TAU), d.u(0, TAU), d.u(0.42, 0.6)
    pitch_x, pitch_y = d.u(0.026, 0.036), d.u(0.03, 0.045)
    thr = d.u(-0.35, 0.15)
    field = _waves(d, 2.0)
    sx, sy, sr = d.u(0.25, 0.75), d.u(0.3, 0.45), d.u(0.14, 0.24)
    ground = 0.9
    c = Canvas(s, VOID)
    u, v = c.u, c.v
    _fill(c, (ground - 0.5) - v, NAVY)  # the sky: black above a night-navy haze over the city
    if sun:  # a low sun behind the city, cut by horizontal stripes that thicken toward the horizon
        disc = shapes.disc(u, v, sx, sy, sr)
        stripe = _tri((v - sy) / 0.035) * 0.035 - 0.0175 * np.clip((v - sy + sr) / (2 * sr), 0, 1) ** 2
        _halo(c, disc, accent, 0.05, 0.35)
        c.fill(np.maximum(disc, np.where(v > sy, -stripe, -1.0)), accent)
    # back row: narrower, taller navy silhouettes, offset half a slot
    m = n + 3
    k = np.floor(u * m + 0.5)
    hb = bbase + 0.1 * np.sin(1.7 * k + bp1) + 0.06 * np.sin(4.3 * k + bp2)
    lx = u * m + 0.5 - k - 0.5
    c.fill(np.maximum((np.abs(lx) - 0.36) / m, (ground - hb) - v), STEEL)
    # front row: towers with window grids
    k = np.floor(u * n)
    h = base + amp * (0.6 * np.sin(2.3 * k + p1) + 0.4 * np.sin(5.1 * k + p2))
    w = 0.36 + 0.06 * np.sin(3.1 * k + p2)
    lx = (u * n - k - 0.5) / n  # uv from the slot's middle
    top = ground - h
    tower = np.maximum(np.abs(lx) - w / n, top - v)
    # roofs: a setback step on every third tower (which third: roof_rule)
    step = (k + roof_rule) % 3 == 0
    tower = np.where(step, np.maximum(tower, -np.maximum(np.abs(lx) - 0.45 * w / n, v - top - 0.04)), tower)
    c.fill(tower, VOID)
    # windows: a lattice from each tower's left edge, lit where the smooth field is above the threshold
    wx = (lx + w / n) / pitch_x
    wy = (v - top - 0.045) / pitch_y
    cx = (np.floor(wx) + 0.5) * pitch_x - w / n + (k + 0.5) / n
    cy = (np.floor(wy) + 0.5) * pitch_y + top + 0.045
    on = (field(cx, cy) > thr) & (wy > 0) & (np.abs(lx) < w / n - 0.6 * pitch_x) & (v < ground - 0.02)
    win = np.maximum(_tri(wx - 0.5) * pitch_x - 0.27 * pitch_x, _tri(wy - 0.5) * pitch_y - 0.27 * pitch_y) * -1
    c.fill(np.where(on, -win, 1.0), lit)
    # blank neon bars up one edge of every third tower (no signs, no text)
    bar = (k + roof_rule + 1) % 3 == 0
    dbar = np.maximum(np.abs(lx + 0.7 * w / n), np.maximum(top + 0.06 - v, v - top - 0.5 * h))
    # ... and a neon roofline along those towers' tops
    droof = np.maximum(np.abs(v - top + 0.005), np.abs(lx) - w / n)
    lit_bar = np.where(bar, np.minimum(dbar - 0.006, droof - 0.005), 1.0)
    _halo(c, lit_bar, accent, 0.015, 0.45)
    c.fill(lit_bar, accent)
    # the street: a neon line along the ground
    _neon(c, v - ground - 0.012, accent, 0.012, 0.025, 0.5)
    c.fill(ground + 0.016 - v, VOID)
    return c.image()


def _street(d: Draws, s: int) -> np.ndarray:
    """A one-point-perspective canyon of lit windows converging on a glowing vanishing point."""
    accent = d.pick(NEONS)
    lit = d.pick((AMBER, CYAN, WHITE))
    floor_col = d.pick((CYAN, MAGENTA, VIOLET))
    vx, vy = d.u(0.35, 0.65), d.u(0.35, 0.5)
    wall, floor = d.u(0.6, 1.2), d.u(0.5, 0.9)
    top_base, top_amp, top_phase = d.u(0.6, 1.2), d.u(0.1, 0.5), d.u(0, TAU)
    block = d.u(1.5, 3.0)
    pz, py = d.u(0.25, 0.45), d.u(0.12, 0.2)
    thr = d.u(-0.3, 0.2)
    field = _waves(d, 0.35)
    band = d.u(-0.4, 0.1)
    fog = d.u(5.0, 9.0)
    c = Canvas(s, VOID)
    u, v = c.u, c.v
    qx, qy = (u - vx).astype(np.float32), (v - vy).astype(np.float32)
    zw = wall / np.maximum(np.abs(qx), 1e-4)  # depth where the ray meets a wall
    zf = np.where(qy > 1e-4, floor / np.maximum(qy, 1e-4), 1e9)  # ... the street
    on_wall = zw < zf
    z = np.minimum(zw, zf)
    yw = qy * zw  # world height on the wall (down is positive)
    side = np.sign(qx)
    blk = np.floor(zw / block)
    height = top_base + top_amp * np.sin(1.9 * blk + top_phase + side)
    sky = on_wall & (yw < -height)
    fade = np.exp(-z / fog).astype(np.float32)
    # walls: a dark face with lit windows on a (depth, height) lattice
    a, b = zw / pz, yw / py
    win = np.maximum(_tri(a - 0.5) - 0.3, _tri(b - 0.5) - 0.3)  # cell units, negative inside a window
    lit_here = field(np.floor(a) * pz * 0.3 + side, np.floor(b) * py) > thr
    face = on_wall & ~sky
    c.blend((face * 1.0).astype(np.float32), NAVY)
    wmask = raster.level_set(-win, 0.0, s) * (face & lit_here & (yw < floor - 0.05))
    c.blend(wmask * fade, lit)
    # a neon band along both walls at one height, and a blank neon bar at the start of every other block
    dband = raster.field_distance(-np.abs(yw - band), -0.02, s)
    c.blend(raster.coverage(np.where(face, dband, 1.0), s) * np.maximum(fade, 0.25), accent)
    bar = np.abs(zw - (blk * block + 0.25)) / np.maximum(zw, 1e-3)
    vbar = face & (blk % 2 == 0) & (yw > band - 0.35) & (yw < band - 0.05)
    c.blend(raster.coverage(np.where(vbar, raster.field_distance(-bar, -0.02, s), 1.0), s) * fade, accent)
    # the street: a dark floor with a grid converging on the vanishing point
    ground = ~on_wall
    xw = qx * zf
    grid = np.minimum(_tri(xw / 0.3) * 0.3, _tri(zf / 0.6) * 0.6)
    gd = raster.field_distance(-grid, 0.0, s) - 0.005
    c.blend(raster.coverage(np.where(ground, gd, 1.0), s) * np.exp(-zf / fog).astype(np.float32), floor_col)
    # the light at the end of the street
    r = np.sqrt(((u - vx) * 1.0) ** 2 + (v - vy) ** 2)
    c.blend(np.clip(0.9 * np.exp(-(r / 0.06) ** 2), 0, 1).astype(np.float32), accent)
    c.fill(r - 0.012, WHITE)
    return c.image()


def _gear(u, v, cx, cy, r, teeth, phase, depth):
    """The distance (about, uv; negative inside) to a spur gear of pitch radius ``r``, trapezoid teeth ``depth``
    deep."""
    rho = np.sqrt((u - cx) ** 2 + (v - cy) ** 2)
    a = teeth * np.arctan2(v - cy, u - cx) - phase
    w = 2.2 * np.cos(a)
    edge = r + 0.5 * depth * np.clip(w, -1.0, 1.0)
    slope = np.where(np.abs(w) < 1.0, 0.5 * depth * 2.2 * teeth * np.sin(a) / np.maximum(rho, 1e-4), 0.0)
    return (rho - edge) / np.sqrt(1.0 + slope * slope)


def _gears(d: Draws, s: int) -> np.ndarray:
    """A train of three to five meshing gears over a riveted hull."""
    count = d.pick((3, 4, 5))
    sizes = d.pick(((1.0, 0.6, 1.4), (1.4, 0.7, 1.0), (0.8, 1.3, 0.6), (1.2, 1.2, 0.7)))
    accent = d.pick(NEONS)
    glow_at = d.pick((0, 1, 2))
    x0, y0 = d.u(0.15, 0.4), d.u(0.2, 0.5)
    turn0, bend = d.u(-0.6, 0.6), d.u(-0.9, 0.9)
    scale = d.u(0.12, 0.17)
    phase = d.u(0, TAU)
    seam = d.u(0.18, 0.3)
    ox, oy = d.u(0, 1), d.u(0, 1)
    c = Canvas(s, NAVY)
    u, v = c.u, c.v
    # the hull: panel seams on a square lattice with a rivet at every crossing
    gx, gy = (u + ox * seam) / seam, (v + oy * seam) / seam
    c.fill(np.minimum(_tri(gx), _tri(gy)) * seam - 0.003, VOID)
    c.fill(np.sqrt((_tri(gx) * seam) ** 2 + (_tri(gy) * seam) ** 2) - 0.009, STEEL)
    pitch = 0.045 * scale / 0.15  # tooth spacing along the pitch circle: the same for every gear (they mesh)
    cx, cy, ang, ph = x0, y0, turn0, phase
    prev = None
    for i in range(count):
        r = scale * sizes[i % 3] * (0.8 if i >= 3 else 1.0)
        teeth = max(8, int(round(TAU * r / pitch)))
        r = teeth * pitch / TAU
        depth = 0.55 * pitch
        if prev is not None:
            pr, pt, pph = prev
            gap = pr + r + 0.1 * depth
            cx, cy = cx + gap * np.cos(ang), cy + gap * np.sin(ang)
            # in step: the previous gear has a tooth pointing at the contact, this one a gap there
            ph = float(teeth * (ang + np.pi) - np.pi + (pt * ang - pph))
            ang += bend
        box = (cx - r - depth, cy - r - depth, cx + r + depth, cy + r + depth)
        gear = lambda x, y: _gear(x, y, cx, cy, r, teeth, ph, depth)
        _fill(c, lambda x, y: gear(x, y) - 0.004, VOID, box)  # a dark shadow edge
        _fill(c, gear, LIGHT, box)
        _fill(c, lambda x, y: shapes.disc(x, y, cx, cy, r - depth * 0.9), STEEL, box)
        # lightening holes on a ring (a rule: as many as fit), a hub and its bore
        holes = 4 + teeth // 12
        for k in range(holes):
            a = ph / teeth + TAU * k / holes
            hx, hy, hr = cx + 0.55 * r * np.cos(a), cy + 0.55 * r * np.sin(a), 0.16 * r
            _fill(c, lambda x, y: shapes.disc(x, y, hx, hy, hr), NAVY, (hx - hr, hy - hr, hx + hr, hy + hr))
        _fill(c, lambda x, y: shapes.disc(x, y, cx, cy, 0.26 * r), LIGHT, box)
        _fill(c, lambda x, y: shapes.disc(x, y, cx, cy, 0.12 * r), VOID, box)
        if i % 3 == glow_at:
            _neon(c, lambda x, y: shapes.disc(x, y, cx, cy, 0.8 * r - depth), accent, 0.008, 0.015, 0.5, bounds=box)
        prev = (r, teeth, ph)
    return c.image()


def _pistons(d: Draws, s: int) -> np.ndarray:
    """A row of pistons whose strokes follow one wave, cables sagging between their heads, a fan behind."""
    n = d.pick((4, 5, 6, 8))
    hang = d.pick((False, True))
    accent = d.pick(NEONS)
    e0, amp = d.u(0.2, 0.35), d.u(0.05, 0.15)
    k, p = d.u(0.5, 2.0), d.u(0, TAU)
    house_h, wfrac = d.u(0.22, 0.32), d.u(0.45, 0.65)
    sag = d.u(0.03, 0.12)
    fx, fy, fr, frot = d.u(0.25, 0.75), d.u(0.25, 0.45), d.u(0.18, 0.3), d.u(0, TAU)
    band = d.u(0.08, 0.14)
    c = Canvas(s, NAVY)
    u, v = c.u, c.v
    # the wall: horizontal plating bands
    c.fill(_tri(v / band) * band - 0.003, VOID)
    # a big fan behind: a ring, slats turning, a hub
    rho = np.sqrt((u - fx) ** 2 + (v - fy) ** 2)
    ang = np.arctan2(v - fy, u - fx) + frot
    c.fill(shapes.ring(u, v, fx, fy, fr, 0.03), STEEL)
    slats = _tri(ang * 7 / TAU) * TAU / 7 * rho - 0.012
    c.fill(np.maximum(slats, rho - fr + 0.01), STEEL)
    c.fill(rho - 0.18 * fr, LIGHT)
    _neon(c, rho - fr - 0.02, accent, 0.006, 0.015, 0.35, hot=False)
    slot = 1.0 / n
    heads = []
    base_top = 1.0 - house_h
    for i in range(n):
        x = (i + 0.5) * slot
        ext = e0 + amp * np.sin(k * i + p)
        hw = 0.5 * slot * wfrac
        head_y = base_top - ext
        col = (x - hw, head_y - 0.05, x + hw, 1.0)
        parts = ((x - 0.18 * hw, head_y, x + 0.18 * hw, base_top, LIGHT),  # the rod
                 (x - hw * 0.8, head_y - 0.04, x + hw * 0.8, head_y, LIGHT),  # the head
                 (x - hw * 0.8, head_y - 0.012, x + hw * 0.8, head_y - 0.006, STEEL))
        for x0, y0, x1, y1, cc in parts:
            _fill(c, lambda uu, vv: _box(uu, vv, x0, y0, x1, y1), cc, (x0, y0, x1, y1))
        _fill(c, lambda uu, vv: shapes.box(uu, vv, x, base_top + house_h / 2 + 0.01, hw, house_h / 2, radius=0.01),
              STEEL, col)  # the housing, two dark grooves, a status light
        for y0, y1, wd in ((0.03, 0.045, hw), (0.08, 0.095, 0.5 * hw)):
            _fill(c, lambda uu, vv: _box(uu, vv, x - wd, base_top + y0, x + wd, base_top + y1), VOID, col)
        ly = base_top + 0.14
        light = (x - 0.012, ly - 0.012, x + 0.012, ly + 0.012)
        _halo(c, lambda uu, vv: shapes.disc(uu, vv, x, ly, 0.012), accent, 0.015, 0.5, light)
        _fill(c, lambda uu, vv: shapes.disc(uu, vv, x, ly, 0.012), accent, light)
        heads.append((x, head_y - 0.02))
    # cables between neighbouring heads, sagging parabolas (every other one lit)
    for i in range(n - 1):
        (ax, ay), (bx, by) = heads[i], heads[i + 1]
        f = lambda uu: ay + (by - ay) * (uu - ax) / (bx - ax) + 4 * sag * (uu - ax) * (bx - uu) / (bx - ax) ** 2
        df = lambda uu: (by - ay) / (bx - ax) + 4 * sag * (ax + bx - 2 * uu) / (bx - ax) ** 2
        box = (ax, min(ay, by) - 0.01, bx, max(ay, by) + sag + 0.01)
        clip = lambda g: (lambda uu, vv: np.maximum(np.abs(g(uu, vv)), np.maximum(ax - uu, uu - bx)))
        if i % 2 == 0:
            _neon(c, clip(_graph(f, df)), accent, 0.007, 0.015, 0.4, bounds=box)
        else:
            _fill(c, lambda uu, vv: clip(_graph(f, df))(uu, vv) - 0.006, VOID, box)
    img = c.image()
    return img[:, ::-1] if hang else img  # hanging from the ceiling: the same machine upside down


def _panels(d: Draws, s: int) -> np.ndarray:
    """A hull of greebles: eight panels from a guillotine rule, crossed by a cable bundle."""
    accent = d.pick(NEONS)
    content = d.pick((0, 1, 2, 3))
    splits = [d.u(0.3, 0.7) for _ in range(7)]
    gap = d.u(0.008, 0.016)
    cy, camp, cph = d.u(0.3, 0.7), d.u(0.05, 0.2), d.u(0, TAU)
    c = Canvas(s, VOID)
    # guillotine: vertical cut, each half cut across, each quarter cut down again -> 8 panels
    x0 = splits[0]
    rects = []
    for hx, (a, b) in enumerate(((0.0, x0), (x0, 1.0))):
        y0 = splits[1 + hx]
        for hy, (ya, yb) in enumerate(((0.0, y0), (y0, 1.0))):
            xm = a + (b - a) * splits[3 + 2 * hx + hy]
            rects += [(a, ya, xm, yb), (xm, ya, b, yb)]
    for i, (a, ya, b, yb) in enumerate(rects):
        a, ya, b, yb = a + gap, ya + gap, b - gap, yb - gap
        box = (a, ya, b, yb)
        ys, xs, pu, pv = c.region(_grow(box, 0.01))
        where = (ys, xs)
        paint = lambda d, col, alpha=1.0: c.blend(raster.coverage(d, s), col, alpha, where=where)
        paint(_box(pu, pv, a, ya, b, yb), LIGHT)  # bevel: lit top-left edge ...
        paint(_box(pu, pv, a + 0.006, ya + 0.006, b, yb), NAVY)  # ... shadowed bottom-right
        paint(_box(pu, pv, a + 0.006, ya + 0.006, b - 0.006, yb - 0.006), STEEL)
        kind = (i + content) % 4
        w, h = b - a, yb - ya
        mx, my = (a + b) / 2, (ya + yb) / 2
        if kind == 0:  # vents: slats across the panel
            slat = min(h, w) * 0.12
            inner = _box(pu, pv, a + 0.2 * w, ya + 0.2 * h, b - 0.2 * w, yb - 0.2 * h)
            paint(np.maximum(inner, _tri((pv - ya) / slat) * slat - 0.3 * slat), VOID)
        elif kind == 1:  # rivets in the corners
            for rx in (a + 0.03, b - 0.03):
                for ry in (ya + 0.03, yb - 0.03):
                    paint(shapes.disc(pu, pv, rx, ry, 0.008), LIGHT)
        elif kind == 2:  # a neon status bar
            bar = _box(pu, pv, a + 0.15 * w, my - 0.015, b - 0.15 * w, my + 0.015)
            paint(_box(pu, pv, a + 0.12 * w, my - 0.03, b - 0.12 * w, my + 0.03), VOID)
            c.blend((0.6 * np.exp(-((np.maximum(bar, 0.0) / 0.012) ** 2))).astype(np.float32), accent, where=where)
            paint(bar, accent)
        else:  # a round port
            r = 0.3 * min(w, h)
            paint(shapes.disc(pu, pv, mx, my, r), VOID)
            paint(shapes.ring(pu, pv, mx, my, r, 0.008), LIGHT)
            paint(shapes.disc(pu, pv, mx, my, 0.35 * r), NAVY)
    # the cable bundle: three parallel cables along one smooth wave, the middle one lit
    band = (0.0, cy - camp - 0.08, 1.0, cy + camp + 0.08)
    for j, off in enumerate((-0.035, 0.0, 0.035)):
        cable = _graph(lambda x: cy + off + camp * np.sin(TAU * 0.8 * x + cph),
                       lambda x: camp * TAU * 0.8 * np.cos(TAU * 0.8 * x + cph))
        where, dl = _eval(c, cable, band)
        dl = np.abs(dl)
        if j == 1:
            c.blend(raster.coverage(dl - 0.016, s), VOID, where=where)
            _neon(c, lambda x, y, g=cable: g(x, y), accent, 0.009, 0.02, 0.5, bounds=band)
        else:
            c.blend(raster.coverage(dl - 0.014, s), VOID, where=where)
            c.blend(raster.coverage(dl - 0.009, s), STEEL, where=where)
    return c.image()


def _monolith(d: Draws, s: int) -> np.ndarray:
    """A colossal slab on a neon ground grid under a ring, scan lines on its face, drones orbiting it."""
    accent = d.pick(NEONS)
    grid_col = d.pick((CYAN, MAGENTA, VIOLET))
    drones = d.pick((5, 7, 9))
    horizon = d.u(0.55, 0.7)
    mx, mw, mh, taper = d.u(0.35, 0.65), d.u(0.07, 0.13), d.u(0.35, 0.5), d.u(0.0, 0.35)
    scan, scan_off = d.u(0.03, 0.06), d.u(0, 1)
    ring_r = d.u(0.2, 0.34)
    orx, ory, oph = d.u(0.18, 0.3), d.u(0.03, 0.08), d.u(0, TAU)
    gpitch, goff = d.u(0.12, 0.25), d.u(0, 1)
    c = Canvas(s, VOID)
    u, v = c.u, c.v
    _fill(c, np.maximum(horizon - 0.25 - v, v - horizon), NAVY)  # a night-navy haze along the horizon
    top = horizon - mh
    ring = shapes.ring(u, v, mx, top + 0.05, ring_r, 0.0)
    _neon(c, ring, accent, 0.01, 0.03, 0.4)
    # the ground: a perspective grid toward the slab's foot
    ground = v > horizon
    q = np.maximum(v - horizon, 1e-4)
    zg = 0.08 / q
    xg = (u - mx) * zg
    gd = np.minimum(_tri(xg / gpitch) * gpitch, _tri(zg / gpitch + goff) * gpitch)
    lines = raster.coverage(np.where(ground, raster.field_distance(-gd, 0.0, s) - 0.005, 1.0), s)
    c.fill(np.where(ground, -1.0, 1.0), VOID)
    c.blend(lines * np.clip(q * 6.0, 0, 1), grid_col)
    # the slab: a tapered dark body, a lit left edge, scan lines across its face
    half = mw * (1.0 - taper * (horizon - v) / mh)
    body = np.maximum(np.abs(u - mx) - half, np.maximum(top - v, v - horizon - 0.02))
    c.fill(body, NAVY)
    c.fill(np.maximum(body, u - mx + half - 0.008), LIGHT)
    inner = np.maximum(body + 0.012, _tri((v - top) / scan + scan_off) * scan - 0.003)
    c.fill(inner, accent)
    _halo(c, inner, accent, 0.008, 0.4)
    # drones: evenly spaced on an orbit around the slab (the far half hidden behind it)
    for j in range(drones):
        a = oph + TAU * j / drones
        px, py = mx + orx * np.cos(a), top + 0.4 * mh + ory * np.sin(a)
        if np.sin(a) < 0 and abs(px - mx) < mw:
            continue
        near = (px - 0.01, py - 0.01, px + 0.01, py + 0.01)
        _halo(c, lambda x, y: shapes.disc(x, y, px, py, 0.006), WHITE, 0.012, 0.5, near)
        _fill(c, lambda x, y: shapes.disc(x, y, px, py, 0.006), WHITE, near)
    return c.image()


def _orbital(d: Draws, s: int) -> np.ndarray:
    """A planet's limb with a neon atmosphere, a wheel station with spokes, an orbit path."""
    accent = d.pick(NEONS)
    spokes = d.pick((3, 4, 6))
    moon = d.pick((True, False))
    px, py, pr = d.u(0.2, 0.8), d.u(1.2, 1.6), d.u(0.6, 0.9)
    band = d.u(0.04, 0.08)
    sx, sy, sr, rot = d.u(0.3, 0.7), d.u(0.25, 0.45), d.u(0.12, 0.2), d.u(0, TAU)
    orx, ory, otilt = d.u(0.35, 0.55), d.u(0.08, 0.16), d.u(-0.3, 0.3)
    mxx, myy, mr = d.u(0.1, 0.9), d.u(0.1, 0.25), d.u(0.03, 0.06)
    c = Canvas(s, VOID)
    u, v = c.u, c.v
    if moon:
        c.fill(shapes.disc(u, v, mxx, myy, mr), STEEL)
        c.fill(shapes.disc(u, v, mxx + 0.35 * mr, myy - 0.2 * mr, mr), VOID)  # a crescent
    # the planet: navy with pale bands, a neon atmosphere along its limb
    planet = shapes.disc(u, v, px, py, pr)
    _neon(c, planet - 0.006, accent, 0.01, 0.04, 0.55, hot=False)
    c.fill(planet, NAVY)
    bands = np.maximum(planet + 0.02, _tri((v - py) / band) * band - 0.3 * band)
    c.fill(bands, STEEL)
    # an orbit path: a thin dashed ellipse
    cu, cv = shapes.local(u, v, sx, sy, otilt)
    e = np.sqrt((cu / orx) ** 2 + (cv / ory) ** 2)
    dash = _tri(np.arctan2(cv / ory, cu / orx) * 24 / TAU) - 0.25
    orbit = np.maximum(np.abs(e - 1) * ory - 0.002, dash * 0.02)
    c.fill(orbit, accent, alpha=0.9)
    # the station: rim, spokes, hub, lit modules at the spokes
    st = (sx - sr - 0.03, sy - sr - 0.03, sx + sr + 0.03, sy + sr + 0.03)
    _fill(c, lambda x, y: shapes.ring(x, y, sx, sy, sr, 0.022), LIGHT, st)
    _fill(c, lambda x, y: shapes.ring(x, y, sx, sy, sr, 0.008), STEEL, st)
    for j in range(spokes):
        a = rot + TAU * j / spokes
        ex, ey = sx + sr * np.cos(a), sy + sr * np.sin(a)
        spoke = (min(sx, ex), min(sy, ey), max(sx, ex), max(sy, ey))
        near = (ex - 0.025, ey - 0.025, ex + 0.025, ey + 0.025)
        _fill(c, lambda x, y: shapes.segment(x, y, sx, sy, ex, ey, 0.012), LIGHT, spoke)
        _fill(c, lambda x, y: shapes.box(x, y, ex, ey, 0.02, 0.014, angle=a), STEEL, near)
        _halo(c, lambda x, y: shapes.disc(x, y, ex, ey, 0.006), WHITE, 0.012, 0.5, near)
        _fill(c, lambda x, y: shapes.disc(x, y, ex, ey, 0.006), WHITE, near)
    _fill(c, lambda x, y: shapes.disc(x, y, sx, sy, 0.04), STEEL, st)
    _neon(c, lambda x, y: shapes.ring(x, y, sx, sy, 0.028, 0.0), accent, 0.006, 0.012, 0.5, bounds=st)
    return c.image()


#: the families a collage panel may show, and the canonical picture of each (its fixed choices)
_CUT_FAMILIES = ("skyline", "gears", "monolith", "street", "pistons", "orbital")
_CANON = {"skyline": 11, "gears": 5, "monolith": 3, "street": 7, "pistons": 2, "orbital": 13}


def _collage(d: Draws, s: int) -> np.ndarray:
    """Three panels from a slanted guillotine cut, each a cut of another family, gutters and a neon seam."""
    start = d.pick((0, 1, 2, 3, 4, 5))
    accent = d.pick(NEONS)
    cut, slant, cut2 = d.u(0.35, 0.65), d.u(-0.15, 0.15), d.u(0.35, 0.65)
    names = [_CUT_FAMILIES[(start + 2 * j) % len(_CUT_FAMILIES)] for j in range(3)]
    pics = []
    for name in names:
        sub = Draws(d.rng, free=2, canon=np.random.default_rng(_CANON[name]))
        pics.append(_FAMILIES[name](sub, s))
    c = Canvas(s, VOID)
    u, v = c.u, c.v
    # the first cut runs down the frame, slanted; the right side is cut across
    line = (u - cut) - slant * (v - 0.5)
    left = raster.coverage(line, s)
    top = raster.coverage(v - cut2, s) * (1.0 - left)
    bottom = (1.0 - left) * (1.0 - raster.coverage(v - cut2, s))
    c.img[:] = pics[0] * left + pics[1] * top + pics[2] * bottom
    # black gutters along both cuts, a neon seam in the first
    seam = np.abs(line) / np.sqrt(1 + slant * slant)
    across = np.where(line > 0, np.abs(v - cut2), 1.0)
    c.fill(np.minimum(seam, across) - 0.012, VOID)
    _neon(c, seam, accent, 0.005, 0.012, 0.45)
    return c.image()


_FAMILIES: dict[str, Callable[[Draws, int], np.ndarray]] = {
    "skyline": _skyline, "street": _street, "gears": _gears, "pistons": _pistons,
    "panels": _panels, "monolith": _monolith, "orbital": _orbital, "collage": _collage,
}


def _drawer(name: str):
    fam = _FAMILIES[name]
    return lambda rng, s: fam(Draws(rng), s)


_DRAW = tuple(_drawer(m) for m in MOTIFS)


def parameter_counts(seeds=range(8)) -> dict[str, tuple[int, int]]:
    """``{family: (discrete choices, continuous parameters)}``: the most one picture of each family draws."""
    from vjhost.train.motifs.budget import draw_budget

    return {name: tuple(draw_budget(draw, 32, seeds)) for name, draw in zip(MOTIFS, _DRAW)}


def _finish(rng, k: int, img: np.ndarray) -> np.ndarray:
    """Mirror half the images left-right (no motif has a handedness)."""
    return img[:, :, ::-1] if rng.random() < 0.5 else img


def generate(n: int, size: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, 3, size, size)`` RGB and motif ids, balanced over :data:`MOTIFS`."""
    return balanced(n, size, seed, _DRAW, channels=3, finish=_finish)


RECIPE = {
    "generator": "vjhost_beeple.dataset.generate",
    "motifs": list(MOTIFS),
    "colour": "RGB, dark tones with neon accents, flat colours of the pack's palette: " + ", ".join(PALETTE),
    "card": """Procedural only, generated by `vjhost_beeple.dataset.generate`: an homage to dense sci-fi collage,
drawn from a generic motif vocabulary -- no artist's work, name, signature or characters, no people, no
text, signs or logos (signs are blank neon bars).  Eight families, one per scene: `skyline` (two rows of
towers, lit window grids, neon bars and rooflines, a striped low sun), `street` (a one-point-perspective
canyon of lit windows and neon bands on a street grid), `gears` (a meshing gear train on a riveted hull),
`pistons` (pistons stroking along one wave, sagging cables, a fan), `panels` (greeble hull panels from a
guillotine split, a cable bundle), `monolith` (a slab on a neon ground grid under a ring, drones on an
orbit), `orbital` (a planet limb with a neon atmosphere, a wheel station, an orbit path) and `collage`
(three slanted guillotine panels, each another family's canonical picture with two free parameters).
Every picture is a function of 2-5 discrete choices and 9-16 continuous parameters (counted by
`vjhost_beeple.dataset.parameter_counts`); many elements are placed by rules (lattices, harmonics,
tangency, splits), never by independent randomness.  Flat palette colours with ~1 px anti-aliased edges,
soft halos only around neon tubes; 128 px (the finest detail, skyline windows, sits on a 3-5 px pitch).
Half the images are mirrored left-right.  The collage *between decodes* -- panels of the last beats'
pictures -- is the pack's `beeple_cutup` shader, not the decoder.""",
}
