"""The anadol pack as a viewer sees it, headless on Mesa: saturated paint whose warmth follows the music, a
persistent fluid field that the music stirs and that carries the colour masses in swirls (and lets them
settle back when the music stops), a point-cloud layer off by default, a layout in the pack's colours, and
procedural training data that is deterministic, balanced, in the palette, crisp and true to its families.

Once the pack is installed (`pip install -e persona_packs/anadol`), vjhost's shared suite
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
    size_difference,
)

PKG = Path(__file__).resolve().parents[1] / "vjhost_anadol"
sys.path.insert(0, str(PKG.parent))
MANIFEST = manifest(PKG)
PALETTE_OF_PACK = tuple(MANIFEST["palette"])
SIZE = (192, 108)
DT = 1 / 60
FLUID = {"fx.anadol_fluid.amount": 1.0}


def music(i: int, **kw) -> dict:
    """Frame i of a steady groove: loud, energetic, the bass pulsing on the beat (no kicks unless asked)."""
    return dict(t=5.0 + i * DT, rms=0.6, energy=0.7, bass=0.5, beat_count=float(i // 30), **kw)


motif_images = functools.cache(lambda: motif_pictures(PKG))  # one training picture per motif: what a decoder draws


@pytest.fixture
def show(pack_chain):
    """show(*effects, image=None) -> PackChain: the source pass, then the named pack effects, over a decoded frame."""
    return lambda *effects, image=None, size=SIZE: pack_chain(
        PKG, *effects, size=size, image=motif_images()["fluid"] if image is None else image)


def lum(px: np.ndarray) -> np.ndarray:
    return px.mean(axis=-1)


def stripes(period: int = 16) -> np.ndarray:
    """Vertical bands, magenta on night: any sideways or turning motion shows."""
    img = np.zeros((128, 128, 3), np.uint8)
    img[:] = (5, 4, 15)
    img[:, (np.arange(128) // (period // 2)) % 2 == 0] = (232, 40, 124)
    return img


# --------------------------------------------------------------------------- the source pass


def test_the_source_pass_is_still_in_silence_and_richer_than_the_decode(show):
    for name, img in motif_images().items():
        r = show(image=img)
        a = r.frame(t=5.0)
        assert np.array_equal(a, r.frame(t=5.0)), name
        def sat(px):  # noqa: E306
            px = px.reshape(-1, 3).astype(np.float32)
            return float((px.max(1) - px.min(1)).mean())
        assert sat(a) >= sat(img) - 2, name  # paint, not haze: at least as saturated as the decode


def test_loud_passages_turn_the_colours_warmer(show):
    r = show(image=motif_images()["curl"])
    quiet = r.frame(t=5.0).reshape(-1, 3).astype(np.float64)
    loud = r.frame(t=5.0, energy=1.0, rms=1.0).reshape(-1, 3).astype(np.float64)
    lit = quiet.max(1) > 60
    warmth = lambda px: (px[lit, 0] - px[lit, 2]).mean()  # noqa: E731 - red over blue
    assert warmth(loud) > warmth(quiet) + 3
    assert abs(lum(loud).mean() - lum(quiet).mean()) < 8  # a turn of the hues, not a change of level


def test_a_kick_pushes_the_picture_in_and_flashes_it(show):
    img = np.zeros((128, 128, 3), np.uint8)
    img[:] = (5, 4, 15)
    img[:, 28:36] = (245, 240, 255)  # a white bar left of centre
    r = show(image=img)
    quiet = r.frame(t=5.0)
    kick = r.frame(t=5.0, kick_env=1.0, kick=True)
    col = lambda px: float(np.nonzero(lum(px) > 128)[1].mean())  # noqa: E731 - where the bar is
    assert col(kick) < col(quiet) - 1.5  # the bar moves outward: the picture is pushed in
    assert lum(kick).mean() > lum(quiet).mean() + 5  # and flashes


# --------------------------------------------------------------------------- the fluid


def test_fluid_at_zero_costs_no_pass_and_silence_keeps_the_picture_still(show):
    r = show("anadol_fluid")
    bare = show()
    assert not r.active("anadol_fluid", {"fx.anadol_fluid.amount": 0.0})
    f = music(0, kick_env=1.0)
    assert np.array_equal(r.frame({"fx.anadol_fluid.amount": 0.0}, **f), bare.frame(**f))
    still = show("anadol_fluid")
    first = still.frame(FLUID, t=5.0)
    assert np.abs(first - bare.frame(t=5.0)).max() <= 1  # the picture as it is (one more resample)
    for i in range(30):  # silence stirs nothing, however long
        last = still.frame(FLUID, t=5.0 + i * DT)
    assert np.array_equal(last, first)


def _stir(r, n: int, start: int = 0, **kw) -> list[np.ndarray]:
    return [r.frame(FLUID, **music(start + i, **kw)) for i in range(n)]


def test_the_music_stirs_the_picture_into_a_slow_continuous_flow(show):
    img = motif_images()["mass"]
    r = show("anadol_fluid", image=img)
    bare = show(image=img)
    frames = _stir(r, 120)
    refs = [bare.frame(**music(i)) for i in range(120)]  # the same music without the fluid
    ref = refs[-1]
    away = [np.abs(f - g).mean() for f, g in zip(frames, refs)]
    steps = [np.abs(b - a).mean() for a, b in zip(frames, frames[1:])]
    assert away[119] > 4 * away[10] and away[119] > 5  # the colour masses are carried further and further
    assert max(steps) < 0.25 * away[119]  # in small steps (a flow, not jumps)
    assert min(steps[20:]) > 0.0  # and never stopping while the music plays
    # stirred, not piled up: the colours are moved about, their amounts stay (a divergence-free flow)
    hist = lambda px: np.histogram(lum(px), bins=8, range=(0, 256))[0] / lum(px).size  # noqa: E731
    assert np.abs(hist(frames[-1]) - hist(ref)).sum() < 0.25


def test_the_field_persists_the_paint_settles_back_slowly_when_the_music_stops(show):
    """The state lives in the pass: with the music gone the picture does not snap back (a shader without a
    state would), it relaxes over seconds, and it keeps moving a little as the flow coasts to a stop."""
    img = motif_images()["mass"]
    r = show("anadol_fluid", image=img)
    ref = show(image=img).frame(t=5.0)
    _stir(r, 120)
    after = [np.abs(r.frame(FLUID, t=7.0 + i * DT) - ref).mean() for i in range(300)]
    assert after[0] > 5 and after[1] > 0.95 * after[0]  # still carried, a frame after the music stopped
    assert after[299] < 0.4 * after[0]  # settling back to the decoded form within seconds ...
    assert after[60] > after[299]  # ... gradually


def test_the_bass_stirs_harder(show):
    img = stripes()
    soft = show("anadol_fluid", image=img)
    hard = show("anadol_fluid", image=img)
    ref = show(image=img).frame(t=5.0)
    for i in range(90):
        a = soft.frame(FLUID, t=5.0 + i * DT, rms=0.3, energy=0.3, bass=0.0)
        b = hard.frame(FLUID, t=5.0 + i * DT, rms=0.3, energy=0.3, bass=1.0)
    assert np.abs(b - ref).mean() > 1.5 * np.abs(a - ref).mean()


def test_a_kick_throws_a_vortex_at_a_place_its_beat_picks(show):
    img = stripes()
    ref = show(image=img).frame(t=5.0)
    centres = []
    for beat in (3.0, 8.0):
        r = show("anadol_fluid", image=img)
        for i in range(40):  # one kick, its envelope decaying, no other music
            r.frame(FLUID, t=5.0 + i * DT, beat_count=beat, kick_env=float(np.exp(-i * DT / 0.08)))
        d = lum(np.abs(r.frame(FLUID, t=5.0 + 40 * DT, beat_count=beat) - ref))
        moved = d > 30
        assert 0.01 < moved.mean() < 0.4, moved.mean()  # a local swirl, not the whole picture
        ys, xs = np.nonzero(moved)
        assert np.ptp(xs) < 0.75 * SIZE[0]
        centres.append((xs.mean(), ys.mean()))
    assert np.hypot(centres[0][0] - centres[1][0], centres[0][1] - centres[1][1]) > 0.1 * SIZE[1]


# --------------------------------------------------------------------------- motif layer


def test_point_cloud_layer_is_off_by_default_and_scatters_on_the_beat(show):
    assert {p.name: p.default for p in effect_params(PKG, "motif")}["amount"] == 0.0
    assert MANIFEST["defaults"]["fx.motif.amount"] == 0.0
    img = motif_images()["fluid"]
    r = show("motif", image=img)
    assert not r.active("motif")
    plain = show(image=img).frame(t=5.0)
    dots = r.frame({"fx.motif.amount": 1.0}, t=5.0)
    assert lum(dots).mean() < 0.8 * lum(plain).mean()  # points with dark gaps between them
    scattered = r.frame({"fx.motif.amount": 1.0}, t=5.0, beat_env=1.0)
    assert np.abs(scattered - dots).mean() > 5  # thrown off their places on the beat ...
    assert np.array_equal(r.frame({"fx.motif.amount": 1.0}, t=5.0, beat_env=0.0), dots)  # ... and back


# --------------------------------------------------------------------------- manifest and layout


def test_manifest_chain_controller_and_layout_fit_the_persona():

    assert MANIFEST["name"] == "anadol" and len(MANIFEST["scenes"]) == 8
    assert "anadol_fluid" in MANIFEST["chain"] and MANIFEST["defaults"]["fx.anadol_fluid.amount"] > 0
    ctl = MANIFEST["controller"]["settings"]
    # slow continuous flow: no beat snap, no scene cut, long glides that arrive as the next begins, a drift
    assert ctl["beat_snap"] == 0.0 and ctl["scene_snap"] == 0.0 and ctl["jump_every"] >= 8
    assert ctl["latent.speed"] >= 0.9 and ctl["latent.drift"] >= 0.4
    layout, by_note = scene_row(PKG)
    assert len({by_note[56 + i].look.color.text for i in range(8)}) == 8
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert {"fx.anadol_fluid", "fx.kaleido"} <= toggles
    assert "fx.anadol_fluid.amount" in {f.param for f in layout.faders}
    assert layout.grid.packs_row == 0


# --------------------------------------------------------------------------- training data


def test_dataset_is_deterministic_balanced_and_in_the_palette():
    check_dataset(PKG, share=0.99)


def test_the_same_picture_at_128_and_256_with_crisp_edges():
    """Shapes are drawn in uv units; edges ramp over about one pixel: at 256 a family has about half the
    share of in-between pixels it has at 128 (edge pixels grow with the side, the picture with its square)."""
    assert (size_difference(PKG, 32, seed=4) < 6).all()
    for name, (s, g) in edge_shares(PKG, 32, seed=4).items():
        assert g < (0.85 if name in ("pointcloud", "condense") else 0.65) * s + 1e-3, (name, s, g)


def _family(name: str, n: int = 4, size: int = 128, seed: int = 21) -> np.ndarray:
    from vjhost_anadol.dataset import MOTIFS, generate

    imgs, labels = generate(8 * n, size, seed=seed)
    return imgs[labels == MOTIFS.index(name)].astype(np.float32)


def _colours(img: np.ndarray) -> int:
    """How many palette colours cover at least 3 % of the picture."""
    from vjhost_anadol.dataset import PALETTE

    from vjhost.train.motifs.palettes import nearest

    k, d = nearest(img / 255.0, PALETTE)
    return int((np.bincount(k[d < 0.1].ravel(), minlength=len(PALETTE)) > 0.03 * k.size).sum())


def test_the_families_look_as_intended():
    from scipy import ndimage

    for img in _family("fluid"):
        assert _colours(img) >= 3  # bands of several paint colours over the whole frame
    for img in _family("pointcloud"):
        lit = img.max(0) > 60
        assert ndimage.label(lit)[1] > 20 and lit.mean() < 0.35  # many separate points on night
    for img in _family("condense"):
        lit = img.max(0) > 60
        labels, _ = ndimage.label(lit)
        biggest = np.bincount(labels.ravel())[1:].argmax() + 1
        ys, xs = np.nonzero(labels == biggest)  # the core: the one large disc ...
        core = np.array([xs.mean(), ys.mean()])
        yy, xx = np.nonzero(lit)
        near = np.hypot(xx - core[0], yy - core[1]) < 25
        assert near.mean() > 0.3 and ndimage.label(lit)[1] > 40  # ... with particles crowding toward it
    for img in _family("kaleido"):
        g = img.mean(0)
        best = 0.0
        for n in (6, 8, 10, 12):  # mirror symmetry about the centre: turning by a wedge gives it back
            rot = ndimage.rotate(g, 360.0 / n, reshape=False, order=1)
            m = np.hypot(*np.mgrid[-64:64, -64:64]) < 50
            best = max(best, np.corrcoef(rot[m], g[m])[0, 1])
        assert best > 0.8, best
    for img in _family("curl"):
        lit = img.max(0) > 60
        assert 0.05 < lit.mean() < 0.5 and ndimage.label(lit)[1] >= 3  # thin streamlines on night
    for img in _family("mass"):
        lit = img.max(0) > 60
        labels, n = ndimage.label(lit)
        assert np.bincount(labels.ravel())[1:].max() > 0.9 * lit.sum() and _colours(img) >= 3  # one ringed mass
    for img in _family("dissolve"):
        g = img.max(0)
        assert (g[64:] > 60).mean() > 2 * (g[:40] > 60).mean()  # facades below, melting into the dark above
    for img in _family("vortex"):
        assert _colours(img) >= 2 and img.std() > 40


def test_two_pictures_of_a_family_differ_in_their_parameters_not_in_noise():
    from vjhost_anadol.dataset import MOTIFS

    from vjhost.train.motifs.palettes import nearest

    for name in MOTIFS:
        a, b = _family(name, seed=31)[:2]
        assert np.abs(a - b).mean() > 5, name
        for img in (a, b):  # flat palette colours with edges between: noise would be anything at all
            _, d = nearest(img / 255.0, PALETTE_OF_PACK)
            assert (d < 0.1).mean() > 0.6, (name, (d < 0.1).mean())


def test_every_family_follows_from_few_numbers_that_each_move_the_picture_a_little():
    """The budget a 64-d latent holds sharply: a few discrete choices and at most 16 continuous numbers per
    picture (counted as drawn: no number per element), and nudging every continuous number by a thousandth
    of its range moves the picture a little -- under 4 levels of 255 on average (thin lines and many crisp
    edges move by a fraction of a pixel) -- where another seed changes it completely."""
    check_families(PKG, discrete=4, continuous=16, seeds=range(6), nudged_below=4.0, of_reseed=0.25)
