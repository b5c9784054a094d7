"""The murakami pack's own tests: what a player sees, headless on Mesa.

Flat, outlined smiling flowers: the source pass snaps the decode to the pack's flat colours
(outlines stay ink, never a third colour), keeps the flowers round on a wide screen, turns every
flower about its own centre on the beat (left, then right) and swells it with the kick, and steps
the colours along the rainbow on the bar's downbeat.  The pictures here are drawn with the pack's own
flower (dataset.py), so nothing depends on how well the decoder is trained.  Once the pack is
installed, vjhost's shared suite (tests/test_every_pack.py) tests it too.
"""

from __future__ import annotations

import re
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

PKG = Path(__file__).resolve().parents[1] / "vjhost_murakami"


def palette():
    from vjhost_murakami.dataset import PALETTE

    return rgb255(PALETTE)


def is_colour(px: np.ndarray, idx: int, tol: int = 2) -> np.ndarray:
    return np.abs(px - palette()[idx]).max(-1) <= tol


def on_palette(px: np.ndarray, tol: int = 2) -> np.ndarray:
    return (np.abs(px[..., None, :] - palette()).max(-1) <= tol).any(-1)


def picture(flowers, ground: int = 15, size: int = 128, blur: float = 0.0) -> np.ndarray:
    """A decoded-looking frame (H, W, 3) uint8 drawn with the pack's own flower: [(x, y, r, petal colours, face)]."""
    from vjhost_murakami.dataset import _PAL, flower

    from vjhost.train.motifs import Canvas

    c = Canvas(size, _PAL[ground])
    for x, y, r, cols, face in flowers:
        flower(c, x, y, r, 0.0, 12, cols, face)
    img = soften(c.image(), blur) if blur else c.image()  # as soft as a decoder draws it
    return (np.moveaxis(img, 0, -1) * 255 + 0.5).clip(0, 255).astype(np.uint8)


RAINBOW = [2, 6, 3, 5, 9, 4, 8, 7]
TWO = [(0.3, 0.5, 0.2, RAINBOW, 3), (0.72, 0.45, 0.22, RAINBOW[3:] + RAINBOW[:3], 11)]


@pytest.fixture(scope="module")
def rig(gl):
    with PackChain(PKG, (192, 192), effects=("motif",)) as r:
        yield r


def faces(px: np.ndarray) -> list[tuple[float, float, int]]:
    """The yellow and lemon face blobs left and right of the middle: (x, y, pixel count) each."""
    m = is_colour(px, 3, 6) | is_colour(px, 11, 6)
    out = []
    for half in (slice(0, px.shape[1] // 2), slice(px.shape[1] // 2, None)):
        sub = np.zeros_like(m)
        sub[:, half] = m[:, half]
        ys, xs = np.nonzero(sub)
        out.append((float(xs.mean()), float(ys.mean()), int(sub.sum())))
    return out


def ring_colours(px: np.ndarray, cx: float, cy: float, radius: float) -> np.ndarray:
    """The palette index at 360 points around (cx, cy), one per degree (ink where unsure)."""
    a = np.radians(np.arange(360))
    xs = np.clip(np.round(cx + radius * np.cos(a)).astype(int), 0, px.shape[1] - 1)
    ys = np.clip(np.round(cy + radius * np.sin(a)).astype(int), 0, px.shape[0] - 1)
    ring = px[ys, xs]
    return np.abs(ring[:, None, :] - palette()).sum(-1).argmin(1)


def turn_between(before: np.ndarray, after: np.ndarray) -> int:
    """The rotation (degrees, -60..60) that best maps the ring's colours before onto after."""
    shifts = list(range(-60, 61))
    agree = [np.mean(np.roll(before, s) == after) for s in shifts]
    return shifts[int(np.argmax(agree))]


# --------------------------------------------------------------------------- the source pass


def test_each_flower_turns_about_its_own_centre_on_the_beat(rig):
    rig.show(picture(TWO))
    rest = rig.frame()
    left = rig.frame(beat_env=1.0, beat_count=0, bar_phase=0.5)
    right = rig.frame(beat_env=1.0, beat_count=1, bar_phase=0.5)
    for (cx, cy, n), (lx, ly, _ln), (rx, ry, _rn) in zip(faces(rest), faces(left), faces(right)):
        # the faces stay where they are (each turns about its own centre, not the screen's)
        assert abs(lx - cx) < 2 and abs(ly - cy) < 2 and abs(rx - cx) < 2 and abs(ry - cy) < 2
        r = 0.8 * np.sqrt(n / np.pi) / 0.42  # 0.8 of the flower's radius: across the petals
        base = ring_colours(rest, cx, cy, r)
        t_left = turn_between(base, ring_colours(left, cx, cy, r))
        t_right = turn_between(base, ring_colours(right, cx, cy, r))
        # a full beat turns a flower about 26 degrees (0.45 rad), one way on one beat and back on the next
        assert 12 <= abs(t_left) <= 35 and 12 <= abs(t_right) <= 35, (t_left, t_right)
        assert np.sign(t_left) == -np.sign(t_right)
    # and as the beat fades the flowers come back to rest
    assert np.abs(rig.frame(beat_env=0.0, beat_count=1) - rest).max() == 0


def test_each_flower_swells_with_the_kick(rig):
    rig.show(picture(TWO))
    rest = faces(rig.frame())
    kick = faces(rig.frame(kick_env=1.0))
    for (cx, cy, n), (kx, ky, kn) in zip(rest, kick):
        # a kick grows each face by a third across (the whole picture also leans in 4 %) ... (counted by
        # whole palette pixels: the flat map's anti-aliased rim, a stage pixel wide, counts for neither)
        assert 1.4 < kn / n < 2.0, kn / n
        # ... about where it is: the picture's push-in moves it a little toward the screen's centre only
        assert abs(kx - (96 + (cx - 96) * 1.04)) < 2.5 and abs(ky - (96 + (cy - 96) * 1.04)) < 2.5


def test_soft_decodes_come_out_flat_with_ink_outlines_and_no_in_between_colours(rig):
    # blue flowers with yellow faces on white: a blurred yellow face rim passes through orange-brown
    # on its way to ink, and a blurred ink line on white through grey: neither may come out
    flowers = [(0.3, 0.5, 0.2, [4], 3), (0.72, 0.45, 0.22, [4], 3)]
    soft = picture(flowers, ground=1, blur=1.2)
    rig.show(soft)
    px = rig.frame()
    assert on_palette(soft.astype(np.int16)).mean() < 0.75  # the decode is soft ...
    assert on_palette(px).mean() > 0.93  # ... the screen flat: one palette colour per pixel but the 1-px edges
    used = {i for i in range(16) if is_colour(px, i).mean() > 0.002}
    assert used == {0, 1, 3, 4}, used  # ink, white, yellow, blue: no orange, grey, sky or lemon rims
    rig.show(picture(flowers, ground=1))
    sharp = rig.frame()
    assert is_colour(px, 0).mean() > 0.6 * is_colour(sharp, 0).mean()  # the outlines survive as ink


def test_flowers_stay_round_on_a_wide_screen(pack_chain):
    px = pack_chain(PKG, size=(256, 128), image=picture([(0.5, 0.5, 0.3, [4], 3)])).frame()  # blue petals, yellow face
    m = is_colour(px, 3)
    ys, xs = np.nonzero(m[:, 64:192])  # the face in the middle (the picture repeats mirrored at the sides)
    w, h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert abs(w - h) <= 2, (w, h)  # round, not stretched to the screen's 2:1
    assert is_colour(px[:, :40], 3).any() and is_colour(px[:, -40:], 3).any()  # the wallpaper continues


def test_the_downbeat_steps_the_colours_along_the_rainbow(rig):
    rig.show(picture([(0.5, 0.5, 0.35, [2], 3)]))  # red petals, a yellow face, cream ground
    beat = rig.frame(beat_env=1.0, bar_phase=0.5, beat_count=4)  # a beat in the bar: the flower turns ...
    red, yellow, cream = is_colour(beat, 2), is_colour(beat, 3), is_colour(beat, 15)
    assert red.mean() > 0.2 and yellow.mean() > 0.03 and cream.mean() > 0.2
    down = rig.frame(beat_env=1.0, bar_phase=0.0, beat_count=4)  # ... on the downbeat it turns the same way and
    assert is_colour(down, 6)[red].mean() > 0.97  # red -> orange
    assert is_colour(down, 5)[yellow].mean() > 0.97  # yellow -> green
    assert is_colour(down, 15)[cream].all()  # the cream ground stays
    # never in the breakdown
    calm = rig.frame(beat_env=1.0, bar_phase=0.0, beat_count=4, section="breakdown")
    assert np.array_equal(calm, beat)


def test_a_still_picture_in_silence_stays_still(rig):
    rig.show(picture(TWO, blur=1.0))
    a, b = rig.frame(), rig.frame()
    assert np.array_equal(a, b)


# --------------------------------------------------------------------------- the motif layer


def test_the_motif_lattice_draws_smiling_flowers_only_when_raised(rig):
    rig.show(np.full((128, 128, 3), (0, 104, 183), np.uint8))  # a flat blue frame
    off = rig.frame({"fx.motif.amount": 0.0})
    assert not rig.active("motif", {"fx.motif.amount": 0.0})  # amount 0: no pass at all
    assert is_colour(off, 4).mean() > 0.99  # flat blue, no flowers of the shader's own
    on = rig.frame({"fx.motif.amount": 1.0})
    assert is_colour(on, 3).mean() > 0.05  # yellow faces
    assert is_colour(on, 0).mean() > 0.05  # ink outlines, eyes and smiles
    assert sum(is_colour(on, i).mean() > 0.01 for i in RAINBOW) >= 6  # rainbow petals
    beat = rig.frame({"fx.motif.amount": 1.0}, beat_env=1.0)
    assert (np.abs(beat - on).max(-1) > 8).mean() > 0.05  # they turn on the beat


# --------------------------------------------------------------------------- dataset, manifest, layout


def test_dataset_is_deterministic_balanced_and_in_the_palette():
    check_dataset(PKG, share=0.95)


def test_every_family_is_flat_outlined_smiling_flowers():
    for name, img in dataset_pictures(PKG, 32, size=128, seed=5):
        flat = on_palette(img, 3).mean()
        assert flat > 0.5, f"{name}: {flat:.0%} of pixels are flat palette colours"  # the rest: 1-px edges
        assert is_colour(img, 0, 3).mean() > 0.01, f"{name}: no ink outlines"
        assert (is_colour(img, 3, 3) | is_colour(img, 11, 3)).mean() > 0.01, f"{name}: no faces"
        assert len({i for i in range(16) if is_colour(img, i, 3).mean() > 0.005}) >= 4, f"{name}: too few colours"


def test_the_same_seed_draws_the_same_picture_at_128_and_256():
    assert size_difference(PKG, 16, seed=2).mean() < 6  # the same shapes; only the edges' anti-aliasing differs


def test_families_differ_and_seeds_differ_in_layout_not_noise():
    from vjhost_murakami.dataset import MOTIFS, generate

    imgs, labels = generate(32, size=128, seed=9)
    f = imgs.astype(np.float32)
    for k in range(len(MOTIFS)):
        same = f[labels == k]
        assert np.abs(same[0] - same[1]).mean() > 10, MOTIFS[k]  # two seeds of a family are two pictures
    # and no picture is noise: flat areas, where neighbouring pixels are the same colour, make up a third or more
    same = (np.abs(np.diff(f, axis=-1)).max(1) < 4).mean((1, 2))
    assert same.min() > 0.33, same.min()


def test_shaders_share_the_manifest_palette():
    shader = glsl_palette(PKG / "shaders" / "murakami_palette.glsl")
    assert np.abs(shader * 255 - rgb255(manifest(PKG)["palette"])).max() < 1.0
    glsl = (PKG / "shaders" / "murakami_palette.glsl").read_text()
    # the vec4 channel groups of the nearest search are the same colours
    for ch, name in enumerate("RGB"):
        groups = [re.search(rf"{name}{g} = vec4\(([^)]*)\)", glsl).group(1) for g in range(4)]
        values = np.array([float(x) for grp in groups for x in grp.split(",")])
        assert np.abs(values - shader[:, ch]).max() < 1e-3


def test_layout_maps_the_scenes_and_the_pack_effects():
    layout, by_note = scene_row(PKG)
    colours = [by_note[56 + i].look.color.text for i in range(8)]
    assert colours == ["red", "orange", "yellow", "green", "cyan", "pink", "purple", "magenta"]  # a rainbow
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert toggles == {f"fx.{e}" for e in manifest(PKG)["chain"] if e != "feedback"}
    assert layout.grid.packs_row == 0 and layout.faders[-1].param == "master.brightness"
    assert {f.param for f in layout.faders} >= {"fx.motif.amount", "fx.kaleido.amount", "fx.mirror.amount"}


def test_every_family_follows_from_few_random_numbers():
    """A 64-d decoder holds a family sharply when each picture takes a few discrete choices and at most
    about 16 continuous numbers (counted as drawn: no number per flower, colours and sizes by rule)."""
    check_families(PKG, discrete=8, continuous=16, seeds=range(6))
