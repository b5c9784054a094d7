"""The manabe pack's own tests: what a player sees, headless on Mesa.

Lines the decoder drew soft come out crisp and in the pack's colours, thicker with the
volume; blocks blink locked to the beat grid, only with the music; hits tear the picture;
the point and wave layers are off (no pass) until raised; the dataset draws its eight
families sharply in the palette from a few parameters.  Once the pack is installed, vjhost's
shared suite (tests/test_every_pack.py) tests it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from vjhost.packtest import check_dataset, manifest, scene_row

PKG = Path(__file__).resolve().parents[1] / "vjhost_manabe"
sys.path.insert(0, str(PKG.parent))

GROUND = np.array([4, 5, 10])
WHITE, CYAN = np.array([255, 255, 255]), np.array([0, 229, 255])
MAGENTA, LIME = np.array([255, 43, 214]), np.array([57, 255, 20])
LOUD = dict(rms=0.9, bass=1.0, energy=0.9)


@pytest.fixture
def chain(pack_chain):
    return lambda *effects, size=(320, 180), image=None: pack_chain(PKG, *effects, size=size,
                                                                      image=soft_lines() if image is None else image)


def soft_lines(colour=(0, 225, 250), size=128) -> np.ndarray:
    """A decoded-looking frame: a soft vertical line (2 px, gaussian falloff) and a soft horizontal one, in a
    slightly-off neon cyan on the dark ground, (H, W, 3) uint8 top row first."""
    y, x = np.mgrid[0:size, 0:size] + 0.5
    m = np.maximum(np.exp(-((x - 64) / 1.6) ** 2), np.exp(-((y - 40) / 1.6) ** 2))[..., None]
    return (GROUND * (1 - m) + np.array(colour) * m).round().astype(np.uint8)


def near(px: np.ndarray, colour: np.ndarray, tol: int = 3) -> np.ndarray:
    return np.abs(px - colour).max(-1) <= tol


# --------------------------------------------------------------------------- the source pass: line rendering


def test_soft_decoded_lines_come_out_crisp_in_the_pack_colour(chain):
    px = chain(size=(640, 360)).frame()
    lit = ~near(px, GROUND, 12)
    core = near(px, CYAN, 3)
    assert core.mean() > 0.015 and near(px, GROUND, 3).mean() > 0.8   # flat ground, lines in the exact cyan
    # across the vertical line (a row away from the horizontal one): a solid core with edges a pixel or two
    # wide -- the decode's soft falloff is either line or faint glow, never a wide smear
    row = px[300]
    on = np.nonzero(near(row, CYAN, 3))[0]
    assert len(on) >= 4 and on.max() - on.min() + 1 == len(on)        # one solid run of line colour
    ramp = np.nonzero(~near(row, CYAN, 3) & (np.abs(row - GROUND).max(-1) > 60))[0]
    assert len(ramp) <= 4                                                # the edge: at most two pixels a side
    assert lit.mean() < 0.2


def test_lines_thicken_with_the_volume_and_flash_white_on_the_kick(chain):
    c = chain(size=(640, 360))
    width = [(c.frame(**f)[300].max(-1) > 200).sum() for f in ({}, dict(rms=0.5, bass=0.5), LOUD)]  # the line's body
    assert width[0] < width[1] < width[2] and width[2] >= 1.4 * width[0]
    kick = c.frame(kick_env=1.0)
    assert (np.abs(kick - WHITE).max(-1) < 120).sum() > 0.8 * near(c.frame(), CYAN, 3).sum()  # white-hot lines
    still = c.frame()
    assert np.array_equal(still, c.frame())  # silence: a still picture stays still


def test_each_line_keeps_its_nearest_pack_colour(chain):
    for decoded, want in (((240, 60, 200), MAGENTA), ((70, 240, 40), LIME), ((230, 235, 240), WHITE)):
        px = chain(image=soft_lines(decoded)).frame()
        assert near(px, want, 3).mean() > 0.01, decoded


def test_the_decode_keeps_its_aspect_and_echoes_to_the_sides(chain):
    px = chain(size=(640, 360)).frame()
    cols = np.nonzero(near(px[300], CYAN, 3))[0]
    assert abs(cols.mean() - 320) < 4  # the vertical line in the middle of the decode stays in the middle
    # the horizontal line runs across the whole width: full colour over the square middle, dimmer echoes beyond
    y = int(round(40 / 128 * 360))
    line_row = px[y - 3:y + 4].max(0)
    assert near(line_row[200:440], CYAN, 3).all()
    side = line_row[20:120]
    assert (side.max(-1) > 40).all() and (side.max(-1) < 160).all()


# --------------------------------------------------------------------------- blink, glitch, points, waves


def blocks_dark(px: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Per pixel: darker than the reference frame by more than half."""
    return (px.max(-1) < 0.5 * ref.max(-1)) & (ref.max(-1) > 60)


def test_blink_is_locked_to_the_beat_grid_and_quiet_in_silence(chain):
    lit = np.full((128, 128, 3), 200, np.uint8)  # a fully lit decode: every block can blink
    c = chain("manabe_glitch", image=lit)
    params = {"fx.manabe_glitch.amount": 1.0, "fx.manabe_glitch.blink": 1.0, "fx.manabe_glitch.rate": 2.0}
    ref = c.frame({"fx.manabe_glitch.amount": 0.0})
    assert not c.active("manabe_glitch", {"fx.manabe_glitch.amount": 0.0})
    for phase in (0.1, 0.6):  # silence: nothing blinks whatever the beat does
        assert np.array_equal(c.frame(params, beat_phase=phase, beat_count=5), ref)
    pats = {}
    for count in range(4):
        for phase in (0.05, 0.3, 0.55, 0.8):
            pats[count, phase] = blocks_dark(c.frame(params, beat_phase=phase, beat_count=count, **LOUD), ref)
    shares = [m.mean() for m in pats.values()]
    assert 0.1 < np.mean(shares) < 0.8  # a good share of the picture blinks off while the music is loud
    # locked to the grid: the pattern holds through each half beat (rate 2) and changes from one to the next
    for count in range(4):
        assert np.array_equal(pats[count, 0.05], pats[count, 0.3])
        assert np.array_equal(pats[count, 0.55], pats[count, 0.8])
    changed = [not np.array_equal(pats[k, 0.05], pats[k, 0.55]) for k in range(4)]
    assert sum(changed) >= 3
    # and repeats exactly: the same beat position gives the same picture
    again = blocks_dark(c.frame(params, beat_phase=0.3, beat_count=2, **LOUD), ref)
    assert np.array_equal(again, pats[2, 0.3])
    # the dark parts are whole blocks: each of bar 0's eight columns is all dark or all lit
    m = pats[0, 0.05]
    for col in np.array_split(m, 8, axis=1):
        assert col.mean() in (0.0, 1.0)
    # rate 4: the pattern changes within the half beat
    fast = {**params, "fx.manabe_glitch.rate": 4.0}
    quarter = [blocks_dark(c.frame(fast, beat_phase=ph, beat_count=1, **LOUD), ref) for ph in (0.05, 0.3)]
    assert not np.array_equal(*quarter)
    # blink 0: the same loud beat leaves every block lit
    steady = c.frame({**params, "fx.manabe_glitch.blink": 0.0}, beat_phase=0.05, beat_count=0, **LOUD)
    assert not blocks_dark(steady, ref).any()


def test_glitch_tears_on_hits_and_leaves_silence_alone(chain):
    from vjhost.render.chain import Renderer  # noqa: F401  (the chain under test)

    c = chain("manabe_glitch", size=(320, 180))
    params = {"fx.manabe_glitch.amount": 1.0, "fx.manabe_glitch.tear": 1.0}
    bare = c.frame({"fx.manabe_glitch.amount": 0.0})
    assert np.array_equal(c.frame(params, t=3.0), bare)  # no onset, no snare: untouched
    hit = c.frame(params, t=3.0, onset_env=1.0)
    rows_moved = (np.abs(hit - bare).max(-1) > 40).any(1).mean()
    assert rows_moved > 0.2  # slices pushed sideways, blocks misplaced
    assert np.array_equal(hit, c.frame(params, t=3.0, onset_env=1.0))  # the same moment tears the same way
    later = c.frame(params, t=3.2, onset_env=1.0)
    assert not np.array_equal(hit, later)  # re-drawn while the hit lasts
    fading = c.frame(params, t=3.0, onset_env=0.2)
    assert np.abs(fading - bare).mean() < np.abs(hit - bare).mean()
    snare = c.frame(params, t=3.0, snare_env=1.0)
    assert not np.array_equal(snare, bare)
    assert np.array_equal(c.frame({**params, "fx.manabe_glitch.tear": 0.0}, t=3.0, onset_env=1.0), bare)  # tear 0


def count_blobs(mask: np.ndarray) -> int:
    from scipy import ndimage

    return int(ndimage.label(mask)[1])


def test_points_redraw_the_picture_as_a_dot_lattice_swelling_with_the_highs(chain):
    lit = np.full((128, 128, 3), 4, np.uint8)
    lit[30:100, 20:110] = (0, 229, 255)  # a cyan block
    c = chain("manabe_points", size=(1280, 720), image=lit)
    assert not c.active("manabe_points", {"fx.manabe_points.amount": 0.0})
    px = c.frame({"fx.manabe_points.amount": 1.0})
    dots = ~near(px, GROUND, 30)
    n = count_blobs(dots)
    # one dot per lattice point (90 rows, hexagonal: ~16 600 over the frame) where the block lies: it covers
    # 70 % x 70 % of the square decode in the middle (~4 600 points), more in its dimmer echoes at the sides
    assert 4000 < n < 9000
    cores = px[px.max(-1) > 150].astype(np.float32)
    hue = cores / cores.max(-1, keepdims=True) * 255  # dots in the block's colour (edges anti-aliased)
    assert len(cores) > 0.3 * dots.sum() and near(hue, CYAN, 12).mean() > 0.95
    loud = c.frame({"fx.manabe_points.amount": 1.0}, hat_env=1.0, high=1.0)
    assert (~near(loud, GROUND, 30)).mean() > 1.3 * dots.mean()  # the dots swell with the highs ...
    assert count_blobs(loud.max(-1) > 120) > 0.8 * n               # ... and stay apart


def test_motif_waves_follow_the_bands_in_the_bottom_third(chain):
    dark = np.full((128, 128, 3), 4, np.uint8)
    c = chain("motif", size=(640, 360), image=dark)
    assert not c.active("motif", {"fx.motif.amount": 0.0})
    quiet = c.frame({"fx.motif.amount": 1.0}, bands=[0.0] * 8)
    loud = c.frame({"fx.motif.amount": 1.0}, bands=[1.0] * 8)
    lit_q, lit_l = (~near(x, GROUND, 20) for x in (quiet, loud))
    assert lit_q[:220].sum() == 0 and lit_l[:220].sum() == 0  # only the bottom lanes
    assert lit_l.sum() > 1.25 * lit_q.sum()  # taller waves: longer vertical edges
    for colour in (WHITE, CYAN, MAGENTA, LIME):
        assert near(loud, colour, 10).sum() > 50
    stepped = c.frame({"fx.motif.amount": 1.0}, bands=[1.0] * 8, beat_count=1, beat_phase=0.5)
    assert not np.array_equal(stepped, loud)  # a step on the beat


# --------------------------------------------------------------------------- the manifest and layout


def test_manifest_chain_defaults_and_layout():
    from vjhost_manabe.dataset import MOTIFS

    m = manifest(PKG)
    assert tuple(m["scenes"]) == MOTIFS
    assert m["chain"][:3] == ["motif", "manabe_points", "manabe_glitch"]
    d = m["defaults"]
    assert d["fx.motif.amount"] == 0.0 and d["fx.manabe_points.amount"] == 0.0
    assert d["fx.manabe_glitch.amount"] > 0 and d["fx.manabe_glitch.blink"] > 0 and d["fx.manabe_glitch.tear"] > 0
    on = [n for n in m["chain"] if d.get(f"fx.{n}.amount", 0.0) > 0]
    assert len(on) + 1 <= 2  # the source pass and one more at full size: the frame budget's room
    for shader in (PKG / "shaders").glob("*.glsl"):
        head = shader.read_text().splitlines()[0]
        assert head.startswith("// ") and len(head) > 20, shader
    layout, by_note = scene_row(PKG)
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert {"fx.manabe_points", "fx.manabe_glitch"} <= toggles
    assert {f.param for f in layout.faders} >= {"fx.manabe_glitch.blink", "fx.manabe_glitch.rate",
                                                "fx.manabe_glitch.amount",
                                                 "fx.manabe_glitch.tear"}
    scene_colours = [by_note[56 + i].look.color.text for i in range(8)]
    assert scene_colours == ["white", "cyan", "magenta", "lime"] * 2  # the line colours


# --------------------------------------------------------------------------- the dataset


def test_dataset_is_deterministic_balanced_and_in_the_palette():
    check_dataset(PKG, share=0.95)


@pytest.fixture(scope="module")
def families():
    """Four images of each family at 128² and the same at 256² (a fresh generator per image and seed)."""
    from vjhost_manabe import dataset

    out = {}
    for k, name in enumerate(dataset.MOTIFS):
        out[name] = [(dataset._DRAW[k](np.random.default_rng(s), 128), dataset._DRAW[k](np.random.default_rng(s), 256))
                     for s in range(4)]
    return out


def test_families_are_line_art_on_the_dark_ground_with_one_pixel_edges(families):
    from scipy import ndimage

    for name, pairs in families.items():
        for small, big in pairs:
            light = small.max(0)
            ground = light < 0.06
            assert 0.4 < ground.mean() < 0.97, name  # lines and points on a mostly dark ground
            # crisp: edges ramp over about a pixel -- the light's gradient on the edges is steep, twice what it
            # is once the picture is blurred by a one-pixel gaussian
            g = np.hypot(*np.gradient(light))
            soft = np.hypot(*np.gradient(ndimage.gaussian_filter(light, 1.0)))
            assert np.median(g[g > 0.05]) > 0.15 and np.median(g[g > 0.05]) > 1.5 * np.median(soft[soft > 0.05]), name
            # the same parameters draw the same picture at 256² (averaged down) as at 128²
            down = big.reshape(3, 128, 2, 128, 2).mean((2, 4))
            assert np.abs(down - small).mean() < 0.03, name


def test_pointclouds_are_many_separate_dots_and_graphs_one_trace_per_channel(families):
    for small, _ in families["pointcloud"]:
        assert count_blobs(small.max(0) > 0.5) > 60
    for small, _ in families["graphs"]:
        # every column crosses each channel's trace (and the cursor): the traces span the frame unbroken
        lit = small.max(0) > 0.5
        per_col = [count_blobs(lit[:, i:i + 1]) for i in range(8, 120, 8)]
        assert min(per_col) >= 3


def test_square_waves_are_only_horizontal_and_vertical_strokes(families):
    for _small, big in families["squarewave"]:
        lum = big.max(0)
        gy, gx = np.gradient(lum)
        strong = np.hypot(gx, gy) > 0.2
        axis = np.minimum(np.abs(gx), np.abs(gy))[strong]
        assert (axis < 0.1).mean() > 0.9  # edges run along the axes (corners aside)


def test_two_seeds_of_a_family_differ_in_their_parameters_not_in_noise(families):
    """The same family at two seeds: different pictures, each as clean as the other (no per-pixel noise)."""
    for name, pairs in families.items():
        a, b = pairs[0][0], pairs[1][0]
        assert np.abs(a - b).mean() > 0.01, name
        for img in (a, b):
            # no speckle: a lit pixel with nothing but ground all around it never happens
            lit, touched = img.max(0) > 0.3, img.max(0) > 0.06
            nb = sum(np.roll(np.roll(touched, dy, 0), dx, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) - touched
            assert (lit & (nb == 0)).sum() == 0, name
