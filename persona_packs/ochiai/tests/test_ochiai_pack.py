"""The ochiai pack as a viewer sees it, headless on Mesa: cool "digital nature" pictures that breathe with
the music, a web of water caustics and light shafts that follow the bass and the kick, a glitch-particle
dissolve that bursts on onsets and condenses back, a hologram particle layer off by default, a layout in
the pack's colours, and procedural training data that is deterministic, balanced, cool, crisp and true to
its motif families.

Once the pack is installed (`pip install -e persona_packs/ochiai`), vjhost's shared suite
(tests/test_every_pack.py) tests it too.  Nothing here depends on how well the decoder is trained: the
shaders are driven with the dataset's own pictures and given audio features.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np
import pytest

from vjhost.packtest import (
    check_dataset,
    check_families,
    edge_shares,
    effect_params,
    manifest,
    motif_pictures,
    scene_row,
)

PKG = Path(__file__).resolve().parents[1] / "vjhost_ochiai"
sys.path.insert(0, str(PKG.parent))
MANIFEST = manifest(PKG)
SIZE = (192, 108)
BIG = (384, 216)  # the dissolve's particles are 1/45 of the height: a few pixels each here
DT = 1 / 60


motif_images = functools.cache(lambda: motif_pictures(PKG))  # one training picture per motif: what a decoder draws


@pytest.fixture
def show(pack_chain):
    """show(*effects, image=None) -> PackChain: the source pass, then the named pack effects, over a decoded frame."""
    return lambda *effects, image=None, size=SIZE: pack_chain(
        PKG, *effects, size=size, image=motif_images()["clouds"] if image is None else image)


def lum(px: np.ndarray) -> np.ndarray:
    return px.mean(axis=-1)


def flat(rgb, size=128) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(np.asarray(rgb, np.uint8), (size, size, 3)))


# --------------------------------------------------------------------------- the source pass


def test_the_source_pass_keeps_the_picture_cool_and_still_in_silence(show):
    for name, img in motif_images().items():
        r = show(image=img)
        a = r.frame(t=5.0)
        b = r.frame(t=5.0)
        assert np.array_equal(a, b), name  # a still picture in silence does not change
        mean = a.reshape(-1, 3).mean(0)
        assert mean[2] >= mean[0] + 5, f"{name}: not cool ({mean})"  # blue over red: cool light
        # the decode's shapes survive: the finished frame follows the decoded brightness
        src = lum(img.astype(np.float32))
        big = lum(a).astype(np.float32)
        ys = (np.arange(SIZE[1]) + 0.5) / SIZE[1] * 128
        xs = (np.arange(SIZE[0]) + 0.5) / SIZE[0] * 128
        ref = src[ys.astype(int)][:, xs.astype(int)]
        blocks = lambda x: x.reshape(27, 4, 48, 4).mean((1, 3))  # noqa: E731 - shapes, not single pixels
        assert np.corrcoef(blocks(ref).ravel(), blocks(big).ravel())[0, 1] > 0.85, name


def test_a_kick_flashes_the_lights_and_lifts_the_shadows(show):
    r = show(image=motif_images()["clouds"])
    quiet = r.frame(t=5.0)
    kick = r.frame(t=5.0, kick_env=1.0, kick=True)
    lit = lum(quiet) > 150
    dark = lum(quiet) < 40
    assert lit.mean() > 0.1 and dark.mean() > 0.1
    assert (kick[lit] >= quiet[lit]).all()  # the lights flash toward white ...
    assert (lum(kick) - lum(quiet))[dark].mean() > 10  # ... and the shadows lift a step
    assert (kick[dark][:, 2] - quiet[dark][:, 2]).mean() > (kick[dark][:, 0] - quiet[dark][:, 0]).mean()  # in blue
    bass = r.frame(t=5.0, bass=1.0)
    assert (lum(bass) - lum(quiet))[lit & (lum(quiet) < 235)].mean() > 5  # the lights swell with the bass


def test_hats_shimmer_the_highlights_in_scan_lines(show):
    r = show(image=motif_images()["clouds"])
    quiet = r.frame(t=5.0)
    hat = r.frame(t=5.0, hat_env=1.0)
    lit = lum(quiet) > 150
    drop = (lum(quiet) - lum(hat))[lit]
    assert drop.max() > 20 and (drop > 5).mean() > 0.3  # the lit parts dim in lines ...
    rows = (lum(quiet) - lum(hat)).mean(1)
    assert np.abs(np.diff(rows)).mean() > 2  # ... that alternate from row to row (scan lines, not a fade)
    assert np.abs(lum(hat) - lum(quiet))[lum(quiet) < 40].mean() < 1  # the dark stays as it is


# --------------------------------------------------------------------------- caustics and light shafts


def test_caustics_at_zero_cost_no_pass_and_give_the_picture_back(show):
    r = show("ochiai_caustics")
    bare = show()
    assert not r.active("ochiai_caustics", {"fx.ochiai_caustics.amount": 0.0})
    f = dict(t=5.0, bass=0.7, kick_env=1.0)
    assert np.array_equal(r.frame({"fx.ochiai_caustics.amount": 0.0}, **f), bare.frame(**f))


def _web(show, bass: float, frames: int, image=None, kick=0.0) -> list[np.ndarray]:
    r = show("ochiai_caustics", image=flat((47, 111, 176)) if image is None else image)
    out = []
    for i in range(frames):
        out.append(r.frame({"fx.ochiai_caustics.amount": 1.0}, t=5.0 + i * DT, bass=bass, kick_env=kick))
    return out


def test_a_web_of_caustic_light_plays_over_the_picture(show):
    base = show(image=flat((47, 111, 176))).frame(t=5.0)
    lit = _web(show, 0.0, 3)[-1]
    added = lum(lit) - lum(base)
    assert (lit >= base - 1).all()  # light only adds
    assert added.mean() > 2 and added.max() > 15 and added.std() > 4  # a pattern of light, not a flat lift
    # a web: thin bright lines around darker cells -- any row or column across the picture crosses
    # several lines, each a few pixels wide
    lines = added > np.quantile(added, 0.8)
    for run in (lines[SIZE[1] // 2], lines[SIZE[1] // 3], lines[:, SIZE[0] // 2], lines[:, SIZE[0] // 3]):
        starts = np.flatnonzero(run[1:] & ~run[:-1])
        assert 2 <= len(starts) <= 25 and run.mean() < 0.5, (len(starts), run.mean())
    # cool light: of the room each channel had left (screen blending), blue takes the most
    room = lambda ch: ((lit[..., ch] - base[..., ch]) / (256.0 - base[..., ch])).mean()  # noqa: E731
    assert room(2) >= room(1) >= room(0)


def test_the_water_moves_faster_with_the_bass_and_never_jumps(show):
    calm = _web(show, 0.0, 30)
    loud = _web(show, 1.0, 30)
    steps = lambda fr: np.array([np.abs(b - a).mean() for a, b in zip(fr[5:], fr[6:])])  # noqa: E731
    assert np.median(steps(calm)) > 0.1  # the web drifts even when quiet ...
    assert np.median(steps(loud)) > 1.5 * np.median(steps(calm))  # ... faster with the bass
    for fr in (calm, loud):  # and evenly, frame by frame: no jumps (the clock is integrated, not t * speed)
        assert steps(fr).max() < 2.0 * np.median(steps(fr))
    # the bass coming in mid-stream speeds the water up from where it is: no jump either
    r = show("ochiai_caustics", image=flat((47, 111, 176)))
    base = lum(show(image=flat((47, 111, 176))).frame(t=5.0)).astype(np.float64)
    seq = []
    for i in range(14):
        added = lum(r.frame({"fx.ochiai_caustics.amount": 1.0}, t=5.0 + i * DT, bass=0.0 if i < 10 else 1.0)) - base
        seq.append(added / added.mean())  # the web's shape (the bass also brightens it: that may jump)
    shape_steps = [np.abs(b - a).mean() for a, b in zip(seq, seq[1:])]
    assert max(shape_steps[9:]) < 2.0 * np.median(shape_steps[10:]), shape_steps


def test_a_kick_flares_the_caustics(show):
    plain = _web(show, 0.0, 2)[-1]
    flare = _web(show, 0.0, 2, kick=1.0)[-1]
    assert lum(flare).mean() > lum(plain).mean() + 5


def test_light_shafts_pour_down_from_the_lit_parts(show):
    """Shafts: a bright band near the top lights the dark below it; the same frame without the band does not."""
    dark = np.zeros((128, 128, 3), np.uint8)
    dark[:] = (2, 6, 15)
    band = dark.copy()
    band[10:30, 40:88] = (232, 246, 255)
    with_band, without = _web(show, 0.0, 2, image=band)[-1], _web(show, 0.0, 2, image=dark)[-1]
    h, w = SIZE[1], SIZE[0]
    below = (slice(int(0.35 * h), int(0.75 * h)), slice(int(0.35 * w), int(0.65 * w)))
    above = (slice(0, int(0.05 * h)), slice(0, int(0.15 * w)))
    shaft = lum(with_band)[below] - lum(without)[below]
    assert shaft.mean() > 6  # light falls below the bright band
    assert abs((lum(with_band)[above] - lum(without)[above]).mean()) < 2  # not off to the side above it


# --------------------------------------------------------------------------- glitch-particle dissolve


def _split_image() -> np.ndarray:
    img = np.zeros((128, 128, 3), np.uint8)
    img[:] = (2, 6, 15)
    img[64:] = (232, 246, 255)  # the bottom half lit
    return img


def test_dissolve_is_quiet_in_silence_and_bursts_into_rising_particles_on_an_onset(show):
    img = _split_image()
    bare = show(image=img, size=BIG)
    r = show("ochiai_dissolve", image=img, size=BIG)
    p = {"fx.ochiai_dissolve.amount": 0.7}
    silent = r.frame(p, t=5.0)
    assert np.array_equal(silent, bare.frame(t=5.0))  # silence: nothing dissolves
    burst = r.frame(p, t=5.0, onset_env=0.7, beat_count=2)
    h = BIG[1]
    lit_half, dark_half = slice(h // 2 + 2, h), slice(0, h // 2 - 2)
    holes = (lum(silent[lit_half]) - lum(burst[lit_half]) > 60).mean()
    risen = (lum(burst[dark_half]) - lum(silent[dark_half]) > 60)
    assert 0.03 < holes < 0.7, holes  # the lit picture breaks up ...
    assert risen.mean() > 0.002  # ... into particles of light that rose above it
    rows = np.flatnonzero(risen.any(1))
    assert rows.min() > h // 2 - 2 - 0.25 * h  # just above where they came from (a few cells), not everywhere
    # particles are squares of a few pixels: not single-pixel noise
    from scipy import ndimage

    labels, n = ndimage.label(risen)
    sizes = np.bincount(labels.ravel())[1:]
    assert n > 0 and np.median(sizes) >= 2


def test_dissolved_particles_fall_back_into_place_as_the_onset_fades(show):
    img = _split_image()
    r = show("ochiai_dissolve", image=img)
    p = {"fx.ochiai_dissolve.amount": 1.0}
    whole = show(image=img).frame(t=5.0)
    diffs = [np.abs(r.frame(p, t=5.0, onset_env=e, beat_count=2) - whole).mean() for e in (1.0, 0.6, 0.3, 0.05, 0.0)]
    assert diffs[0] > diffs[1] > diffs[2] > diffs[3] >= diffs[4] == 0.0, diffs


def test_strong_onsets_slip_rows_sideways_a_new_choice_each_beat(show):
    stripes = np.zeros((128, 128, 3), np.uint8)
    stripes[:, ::16] = 255  # vertical lines: a sideways slip shows as a broken line
    stripes[:, 1::16] = 255
    r = show("ochiai_dissolve", image=stripes)
    p = {"fx.ochiai_dissolve.amount": 1.0}
    a, b = (r.frame(p, t=5.0, onset_env=1.0, beat_count=beat) for beat in (4, 5))
    slipped = np.abs(a - b).max(axis=(1, 2)) > 100  # the same moment, another beat: only the slips differ
    assert 0.1 < slipped.mean() < 0.6, slipped.mean()  # some rows, not the whole picture
    weak = [r.frame(p, t=5.0, onset_env=0.3, beat_count=beat) for beat in (4, 5)]
    assert np.array_equal(*weak)  # a weak onset dissolves but does not glitch


# --------------------------------------------------------------------------- motif layer


def test_hologram_particles_are_a_layer_off_by_default_that_only_adds_light(show):
    assert {p.name: p.default for p in effect_params(PKG, "motif")}["amount"] == 0.0
    assert MANIFEST["defaults"]["fx.motif.amount"] == 0.0
    img = motif_images()["water"]
    r = show("motif", image=img)
    assert not r.active("motif")
    quiet = show(image=img).frame(t=5.0)
    on = r.frame({"fx.motif.amount": 1.0}, t=5.0)
    assert (on >= quiet - 1).all() and ((lum(on) - lum(quiet)) > 40).mean() > 0.003
    later = r.frame({"fx.motif.amount": 1.0}, t=6.0)
    assert np.abs(later - on).mean() > 0.2  # the points drift


# --------------------------------------------------------------------------- manifest and layout


def test_manifest_chain_defaults_and_layout_fit_the_persona():

    assert MANIFEST["name"] == "ochiai" and len(MANIFEST["scenes"]) == 8
    assert MANIFEST["chain"][:3] == ["motif", "ochiai_caustics", "ochiai_dissolve"]
    d = MANIFEST["defaults"]
    assert d["fx.ochiai_caustics.amount"] > 0 and d["fx.ochiai_dissolve.amount"] > 0  # the persona's effects are on
    ctl = MANIFEST["controller"]["settings"]
    assert ctl["jump_every"] >= 8 and ctl["beat_snap"] <= 0.25  # calm: slow glides, no hard cuts
    layout, by_note = scene_row(PKG)
    assert len({by_note[56 + i].look.color.text for i in range(8)}) == 8
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert {"fx.ochiai_caustics", "fx.ochiai_dissolve"} <= toggles
    assert {f.param for f in layout.faders} >= {"fx.ochiai_caustics.amount", "fx.ochiai_dissolve.amount"}
    assert layout.grid.packs_row == 0


# --------------------------------------------------------------------------- training data


def test_dataset_is_deterministic_balanced_and_in_the_palette():
    check_dataset(PKG, share=0.99)


def test_every_picture_is_cool_and_the_same_at_128_and_256():
    from vjhost_ochiai.dataset import generate

    a, _ = generate(24, size=128, seed=9)
    b, _ = generate(24, size=256, seed=9)
    for small, big in zip(a.astype(np.float32), b.astype(np.float32)):
        assert small[2].mean() >= small[0].mean()  # blue at least as strong as red: cool or neutral
        down = big.reshape(3, 128, 2, 128, 2).mean((2, 4))
        assert np.abs(down - small).mean() < 4  # the same picture: shapes are drawn in uv units


def test_edges_are_crisp_at_any_size():
    """Edges ramp over about one pixel: at 256 a family has about half the share of in-between pixels it has
    at 128 (edge pixels grow with the side, the picture with its square).  The light shafts' fade through
    the mist is a gradient by design and keeps its share."""
    for name, (small, big) in edge_shares(PKG, 32, seed=4).items():
        if name == "light_shafts":
            assert big > 0.8 * small, (name, small, big)
        elif name == "particles":  # points 2-3 pixels across at 128: most of a point is its edge
            assert big < 0.85 * small, (name, small, big)
        else:
            assert big < 0.65 * small, (name, small, big)


def _family(name: str, n: int = 4, size: int = 128, seed: int = 21) -> np.ndarray:
    from vjhost_ochiai.dataset import MOTIFS, generate

    imgs, labels = generate(8 * n, size, seed=seed)
    return imgs[labels == MOTIFS.index(name)].astype(np.float32)


def test_the_families_look_as_intended():
    from scipy import ndimage

    for img in _family("particles"):
        bright = img.mean(0) > 110
        n = ndimage.label(bright)[1]
        assert n > 40 and bright.mean() < 0.25, n  # many separate points of light on dark
    for img in _family("caustics"):
        bright = img.mean(0) > 150  # the web
        labels, n = ndimage.label(bright)
        assert 0.01 < bright.mean() < 0.3 and np.bincount(labels.ravel())[1:].max() > 0.5 * bright.sum()  # one net
    for img in _family("light_shafts"):
        assert img.mean(0).max() > 150 and img.std() > 20  # lit shafts on dark
    for img in _family("lightning"):
        white = img.min(0) > 200
        assert 0.002 < white.mean() < 0.05  # a thin bolt ...
        rows = np.flatnonzero(white.any(1))
        assert np.ptp(rows) > 0.5 * 128  # ... reaching down most of the frame
    for img in _family("water"):
        g = img.mean(0)
        assert (g > 100).mean() < 0.35  # thin rings on dark water
    for img in _family("clouds"):
        assert img.std() > 30  # banks of cloud against the sky


def test_two_pictures_of_a_family_differ_in_their_parameters_not_in_noise():
    """Same family, two seeds: different pictures, both as smooth as one another (no per-pixel noise)."""
    from vjhost_ochiai.dataset import MOTIFS

    for name in MOTIFS:
        a, b = _family(name, seed=31)[:2]
        assert np.abs(a - b).mean() > 5, name
        for img in (a, b):
            g = img.mean(0)
            # noise would make almost every pixel differ from its neighbour; flat colours make most equal
            same = (np.abs(np.diff(g, axis=1)) < 2).mean()
            assert same > 0.5, (name, same)


def test_every_family_follows_from_few_numbers_that_each_move_the_picture_a_little():
    """The budget a 64-d latent holds sharply: a few discrete choices and at most 16 continuous numbers per
    picture (counted as drawn: no number per element), and nudging every continuous number by a thousandth
    of its range moves the picture a little -- under 4 levels of 255 on average (thin lines and many crisp
    edges move by a fraction of a pixel) -- where another seed changes it completely."""
    check_families(PKG, discrete=4, continuous=16, seeds=range(6), nudged_below=4.0, of_reseed=0.25)
