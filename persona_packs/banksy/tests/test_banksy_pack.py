"""The banksy pack's own tests: what a player sees, headless on Mesa.

Stencil street art: the source pass cuts the decoder's soft stencils clean (ink and one red accent,
crisp edges, the wall smooth and back on its own colours), sprays a band of paint speckles along
every stencil edge that widens with the bass, and splashes a paint splatter somewhere new on every
onset.  The pictures here are drawn with the pack's own stencils (dataset.py), so nothing depends on
how well the decoder is trained.  Once the pack is installed, vjhost's shared suite
(tests/test_every_pack.py) tests it too.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from vjhost.packtest import (
    PackChain,
    check_dataset,
    check_families,
    dataset_pictures,
    glsl_palette,
    manifest,
    rgb255,
    scene_row,
    size_difference,
    soften,
)

PKG = Path(__file__).resolve().parents[1] / "vjhost_banksy"
TAU = 0.15 / math.log(10.0)  # the analysis' onset envelope falls to 0.1 in 0.15 s


def palette():
    from vjhost_banksy.dataset import PALETTE

    return rgb255(PALETTE)


INK, WHITEWASH, PALE, CONCRETE, DARK, BRICK, LIGHT_BRICK, MORTAR, RED = range(9)


def is_colour(px: np.ndarray, idx: int, tol: int = 3) -> np.ndarray:
    return np.abs(px - palette()[idx]).max(-1) <= tol


def picture(draw, wall: int = PALE, size: int = 128, blur: float = 0.0) -> np.ndarray:
    """A decoded-looking frame (H, W, 3) uint8: a flat wall with ``draw(canvas)``'s stencils, optionally soft."""
    from vjhost_banksy.dataset import _PAL

    from vjhost.train.motifs import Canvas

    c = Canvas(size, _PAL[wall])
    draw(c)
    img = soften(c.image(), blur) if blur else c.image()  # as soft as a decoder draws it
    return (np.moveaxis(img, 0, -1) * 255 + 0.5).clip(0, 255).astype(np.uint8)


def disc(x=0.5, y=0.5, r=0.25, colour=INK, halo=0.012):
    from vjhost_banksy.dataset import spray

    from vjhost.train.motifs import shapes

    return lambda c: spray(c, lambda u, v: shapes.disc(u, v, x, y, r), (x - r, y - r, x + r, y + r), colour, halo=halo)


@pytest.fixture(scope="module")
def rig(gl):
    with PackChain(PKG, (192, 192), effects=("motif",)) as r:
        yield r


def radius_map(n: int = 192) -> np.ndarray:
    """Each pixel's distance from the picture's centre, in pixels.

    (The square render shows the decode 1:1 but its crop.)"""
    y, x = np.mgrid[0:n, 0:n] + 0.5
    return np.hypot(x - n / 2, y - n / 2)


# --------------------------------------------------------------------------- the stencil cut


def test_a_soft_stencil_comes_out_cut_clean_on_a_clean_wall(rig):
    soft = picture(disc(), blur=1.5)
    rig.show(soft)
    px = rig.frame()
    ink, wall = is_colour(px, INK), is_colour(px, PALE, 8)
    between = ~(ink | wall)
    r = radius_map()
    edge_r = 0.25 / 0.94 * 192  # the disc's edge on screen (the decode's outer 3 % are cropped)
    assert ink[r < edge_r - 3].all() and wall[r > edge_r + 3].all()  # solid ink inside, bare wall outside
    # only the anti-aliased edge lies between, one or two pixels of it: the decode's soft ramp is gone
    assert between.sum() < 2.5 * 2 * np.pi * edge_r, between.sum()
    soft_between = ~(is_colour(soft.astype(np.int16), INK, 3) | is_colour(soft.astype(np.int16), PALE, 8))
    assert soft_between.mean() > 3 * between.mean()


def test_one_accent_colour_and_the_wall_keeps_its_own_colours(rig):
    from vjhost_banksy.dataset import _PAL

    def draw(c):
        disc(0.3, 0.3, 0.15, RED)(c)
        c.fill(lambda u, v: (np.abs(u - 0.7) - 0.15).clip(min=None) + 0 * v, _PAL[BRICK], bounds=(0.55, 0, 0.85, 1))

    img = picture(draw, wall=PALE)
    muddy = img.astype(np.float32)
    muddy[..., 1] += 18  # the decoder's stray green tint over everything
    muddy[: 64, : 64, 1:] += 30  # and the red dulled toward pink
    rig.show(muddy.clip(0, 255).astype(np.uint8))
    px = rig.frame()
    red = is_colour(px, RED)
    assert red.mean() > 0.04  # the dull red is the accent red again, flat
    sat = px.max(-1) - px.min(-1)
    brickish = (px[..., 0] > px[..., 1] + 40) & ~red
    assert brickish.mean() > 0.15  # the brick stays brick, not the accent
    assert (sat[~red & ~brickish] < 40).mean() > 0.97  # the rest grey: the green tint is gone


# --------------------------------------------------------------------------- the sprayed edge


def test_the_sprayed_edge_speckles_around_the_stencil_and_widens_with_the_bass(rig):
    rig.show(picture(disc(r=0.2)))
    r = radius_map()
    edge_r = 0.2 / 0.94 * 192
    ring = (r > edge_r + 1) & (r < edge_r + 20)
    far = r > edge_r + 30
    counts = []
    for bass in (0.0, 1.0):
        px = rig.frame(bass=bass)
        speck = is_colour(px, INK, 10) & ring
        assert not is_colour(px, INK, 10)[far].any()  # nothing sprayed away from the stencil
        counts.append(int(speck.sum()))
        # speckles, not a solid ring: most of the band is still wall
        assert speck.sum() < 0.5 * ring.sum()
    assert counts[0] > 20, counts  # a sprayed edge at rest ...
    assert counts[1] > 1.5 * counts[0], counts  # ... and a heavier hand on the can with the bass


# --------------------------------------------------------------------------- the splatter


def splat_pixels(px: np.ndarray, rest: np.ndarray) -> np.ndarray:
    return np.abs(px - rest).max(-1) > 40


def test_every_onset_splashes_paint_somewhere_that_stays_then_goes(rig):
    rig.show(picture(lambda c: None))  # a bare wall
    rest = rig.frame(t=10.0)
    hit = splat_pixels(rig.frame(t=10.0, onset_env=1.0), rest)
    assert 0.005 < hit.mean() < 0.25, hit.mean()
    ys, xs = np.nonzero(hit)
    # a moment later the same splatter (grown to full size), in the same place
    age = 0.2
    later = splat_pixels(rig.frame(t=10.0 + age, onset_env=math.exp(-age / TAU)), rest)
    assert later.sum() >= hit.sum() and (later & hit).sum() > 0.8 * hit.sum()
    ly, lx = np.nonzero(later)
    assert abs(lx.mean() - xs.mean()) < 6 and abs(ly.mean() - ys.mean()) < 6
    # gone 0.6 s after the onset
    age = 0.65
    assert not splat_pixels(rig.frame(t=10.0 + age, onset_env=math.exp(-age / TAU)), rest).any()
    # the next onset splashes somewhere else
    places = {(int(np.nonzero(splat_pixels(rig.frame(t=t, onset_env=1.0), rest))[1].mean()) // 20)
              for t in (10.0, 10.5, 11.0, 11.5, 12.0)}
    assert len(places) >= 3
    # and the paint is the stencil's: ink or the accent red, flat
    px = rig.frame(t=10.0 + 0.2, onset_env=math.exp(-0.2 / TAU))
    core = later.copy()  # the splatter less its anti-aliased rim (two pixels in)
    for _ in range(2):
        core[1:-1, 1:-1] &= core[:-2, 1:-1] & core[2:, 1:-1] & core[1:-1, :-2] & core[1:-1, 2:]
    assert core.sum() > 0.2 * later.sum()
    assert (is_colour(px, INK, 4) | is_colour(px, RED, 4))[core].mean() > 0.9


def test_a_still_picture_in_silence_stays_still(rig):
    rig.show(picture(disc(), blur=1.0))
    a, b = rig.frame(t=3.0), rig.frame(t=3.5)
    assert np.array_equal(a, b)


# --------------------------------------------------------------------------- the motif layer


def test_the_motif_rats_run_along_the_bottom_only_when_raised(rig):
    rig.show(picture(lambda c: None, wall=WHITEWASH))
    off = rig.frame({"fx.motif.amount": 0.0})
    assert not rig.active("motif", {"fx.motif.amount": 0.0})  # amount 0: no pass at all
    assert not is_colour(off, INK, 10).any()
    on = rig.frame({"fx.motif.amount": 1.0}, beat_count=0)
    ink = is_colour(on, INK, 10)
    assert ink[-50:].mean() > 0.03 and not ink[:100].any()  # rats along the bottom, nothing above
    assert is_colour(on, RED, 10).any()  # every fourth one red
    step = rig.frame({"fx.motif.amount": 1.0}, beat_count=1)
    assert (np.abs(step - on).max(-1) > 40).mean() > 0.01  # they move on with the beat


# --------------------------------------------------------------------------- dataset, manifest, layout


def test_dataset_is_deterministic_balanced_and_in_the_palette():
    check_dataset(PKG, share=0.95)


def test_every_family_is_stencils_in_black_and_one_red_on_a_smooth_wall():
    for name, img in dataset_pictures(PKG, 32, size=128, seed=5):
        assert (is_colour(img, INK, 8) | is_colour(img, RED, 8)).mean() > 0.01, f"{name}: no stencil"
        sat = img.max(-1) - img.min(-1)
        # the only strong colour is the accent red and its overspray into the wall (brick is a dull red-brown)
        vivid = sat > 120
        reds = (img[..., 0] == img.max(-1)) & (np.abs(img[..., 1] - img[..., 2]) < 45)
        assert reds[vivid].all() if vivid.sum() < 50 else reds[vivid].mean() > 0.98, name
        # the wall is smooth: away from the stencils, neighbouring pixels barely differ (no per-pixel noise)
        wall = ~is_colour(img, INK, 60) & ~vivid
        step = np.abs(np.diff(img, axis=1)).max(-1)
        assert np.median(step[wall[:, 1:] & wall[:, :-1]]) <= 3, name


def test_the_same_seed_draws_the_same_picture_at_128_and_256():
    assert size_difference(PKG, 16, seed=2).mean() < 4


def test_seeds_of_a_family_differ():
    from vjhost_banksy.dataset import MOTIFS, generate

    imgs, labels = generate(32, size=64, seed=9)
    f = imgs.astype(np.float32)
    for k in range(len(MOTIFS)):
        same = f[labels == k]
        assert np.abs(same[0] - same[1]).mean() > 5, MOTIFS[k]


def test_shaders_share_the_manifest_palette():
    shader = glsl_palette(PKG / "shaders" / "banksy_common.glsl")
    assert np.abs(shader * 255 - rgb255(manifest(PKG)["palette"])).max() < 1.0


def test_layout_maps_the_scenes_and_the_pack_effects():
    layout, by_note = scene_row(PKG)
    colours = {by_note[56 + i].look.color.text for i in range(8)}
    assert colours <= {"white", "red", "orange"}  # black, white and one red, like the walls
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert toggles == {f"fx.{e}" for e in manifest(PKG)["chain"]}
    assert layout.grid.packs_row == 0 and layout.faders[-1].param == "master.brightness"


def test_every_family_follows_from_few_random_numbers():
    """A 64-d decoder holds a family sharply when each picture takes a few discrete choices and at most
    about 16-24 continuous numbers (counted as drawn: rats in a row, drips and droplets by rule)."""
    check_families(PKG, discrete=8, continuous=20, seeds=range(6))
