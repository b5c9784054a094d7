"""The beeple pack's own tests: what a player sees, headless on Mesa.

On every beat the frame is cut into panels of the current picture and the decodes of past beats
(black gutters, a neon seam flaring on the beat), re-cut each beat or each bar; the source pass makes
neon go white-hot on the kick, pushes in with the bass, tears a band on the snare and flickers lit
windows with the hats, and leaves a still picture alone in silence; the shader's own skyline layer is
off (no pass) until raised; the controller cuts hard on the beat; the dataset draws eight families of
dark-and-neon sci-fi motifs in the palette from a few parameters each.  Once the pack is installed,
vjhost's shared suite (tests/test_every_pack.py) tests it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

PKG = Path(__file__).resolve().parents[1] / "vjhost_beeple"
sys.path.insert(0, str(PKG.parent))

from vjhost.packtest import check_dataset, effect_params, families, manifest, scene_row  # noqa: E402
from vjhost.train.motifs.budget import nudge_changes  # noqa: E402

MANIFEST = manifest(PKG)
VOID, NAVY = np.array([5, 5, 10]), np.array([17, 20, 42])
MAGENTA, CYAN, AMBER, VIOLET = (np.array(c) for c in ((255, 43, 214), (0, 229, 255), (255, 178, 30), (138, 43, 255)))
LIT = np.array([240, 236, 224])  # a lit window: bright, not neon-saturated


# --------------------------------------------------------------------------- driving the chain


@pytest.fixture
def chain(pack_chain):
    """chain(*effects, size, image) -> a PackChain: the source pass and the named effects over ``image``
    (``chain.renderer.upload_image`` brings in one more decode, as the decoder would)."""
    return lambda *effects, size=(320, 180), image=None: pack_chain(PKG, *effects, size=size,
                                                                      image=flat(NAVY) if image is None else image)


def flat(colour, size=128) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.uint8), (size, size, 3)).copy()


def near(px: np.ndarray, colour, tol: int = 12) -> np.ndarray:
    return np.abs(px - np.asarray(colour)).max(-1) <= tol


def vertical_line(x: float, colour=MAGENTA, size=128) -> np.ndarray:
    img = flat(NAVY, size)
    c = int(x * size)
    img[:, c - 1 : c + 2] = colour
    return img


def stripes(size=128) -> np.ndarray:
    """Vertical stripes 4 pixels wide, navy and cyan: anything that slides sideways shows."""
    img = flat(NAVY, size)
    img[:, (np.arange(size) // 4) % 2 == 1] = CYAN
    return img


# --------------------------------------------------------------------------- the source pass


def test_a_still_picture_stays_still_in_silence(chain):
    c = chain(image=stripes())
    a = c.frame(t=1.0, beat_phase=0.1, beat_count=3)
    b = c.frame(t=5.0, beat_phase=0.7, beat_count=3, bar_phase=0.5)
    assert np.array_equal(a, b)


def test_neon_goes_white_hot_on_the_kick_and_the_dark_stays_dark(chain):
    neon = chain(image=flat(MAGENTA))
    rest, kick = neon.frame(), neon.frame(kick_env=1.0)
    assert near(rest, MAGENTA, 3).mean() > 0.99
    # white-hot: the missing green comes in, every pixel, by more than a hundred levels
    assert (kick[..., 1] - rest[..., 1]).min() > 100 and kick.min() > 150
    dark = chain(image=flat(NAVY))
    assert np.abs(dark.frame(kick_env=1.0) - dark.frame()).max() <= 2


def test_the_bass_and_the_kick_push_the_picture_in(chain):
    c = chain(image=vertical_line(0.1), size=(640, 360))

    def line_x(px):
        return np.flatnonzero(px[180].max(-1) > 100).mean()  # the neon line (white-hot on the kick)

    rest, loud = line_x(c.frame()), line_x(c.frame(bass=1.0, kick_env=1.0))
    assert abs(rest - 0.1 * 640) < 3
    assert rest - loud > 12  # pushed in toward the centre: the line moves out to the edge


def test_the_snare_tears_one_band_of_rows_sideways(chain):
    c = chain(image=stripes(), size=(320, 180))
    rest = c.frame(beat_count=5)
    torn = c.frame(beat_count=5, snare_env=1.0)
    rows = np.flatnonzero(np.abs(torn - rest).max(axis=(1, 2)) > 40)
    assert 0.05 * 180 < len(rows) < 0.15 * 180
    assert rows.max() - rows.min() == len(rows) - 1  # one band, in one piece
    other = c.frame(beat_count=6, snare_env=1.0)  # the next beat tears another band
    rows6 = np.flatnonzero(np.abs(other - rest).max(axis=(1, 2)) > 40)
    assert set(rows6) != set(rows)


def test_lit_windows_flicker_with_the_hats_but_neon_does_not(chain):
    windows = chain(image=flat(LIT))
    assert near(windows.frame(), LIT, 3).mean() > 0.99
    a = windows.frame(hat_env=1.0, beat_count=2, beat_phase=0.0)
    off = near(a, NAVY, 40)
    assert 0.2 < off.mean() < 0.7  # some cells go dark, the rest stay lit
    b = windows.frame(hat_env=1.0, beat_count=2, beat_phase=0.2)
    assert (near(b, NAVY, 40) != off).mean() > 0.2  # re-dealt within the beat
    neon = chain(image=flat(CYAN))
    assert near(neon.frame(hat_env=1.0), CYAN, 3).mean() > 0.99


# --------------------------------------------------------------------------- the cut-up

#: the decodes of four beats, each a flat colour, so every panel says which beat it shows
BEATS = (VIOLET, AMBER, CYAN, MAGENTA)


def cut(c, **params):
    return {f"fx.beeple_cutup.{k}": float(v) for k, v in params.items()}


def play_beats(c, params, colours=BEATS, first_beat=0):
    """The offline renderer's way: each beat's first frame comes with that beat's decode.  Returns the last frame."""
    for k, col in enumerate(colours):
        c.renderer.upload_image(flat(col))
        px = c.frame(params, beat_count=first_beat + k)
    return px


def shares(px: np.ndarray) -> dict[str, float]:
    """Share of the frame each beat's colour holds (past panels are shaded up to 15 %: matched by hue)."""
    rgb = px.reshape(-1, 3).astype(np.float64)
    bright = rgb.max(1) > 80
    unit = rgb / np.maximum(np.linalg.norm(rgb, axis=1, keepdims=True), 1)
    out = {}
    for name, col in zip(("violet", "amber", "cyan", "magenta"), BEATS):
        ref = col / np.linalg.norm(col)
        out[name] = float((bright & (unit @ ref > 0.99)).mean())
    return out


def gutters(px: np.ndarray) -> np.ndarray:
    """The black gutters along the cuts (every beat's colour here is bright)."""
    return px.max(-1) < 40


def test_the_cut_up_shows_the_current_picture_and_past_beats_in_panels(chain):
    c = chain("beeple_cutup")
    px = play_beats(c, cut(c, amount=1.0, panels=8))
    s = shares(px)
    assert s["magenta"] > 0.05  # the current picture keeps some panels
    past = [k for k in ("violet", "amber", "cyan") if s[k] > 0.03]
    assert len(past) >= 2, s  # and the panels around it show at least two past beats
    assert 0.01 < gutters(px).mean() < 0.2  # cut by black gutters


def test_the_panels_are_recut_on_every_beat_and_hold_between_beats(chain):
    c = chain("beeple_cutup")
    params = cut(c, amount=1.0, panels=6)
    play_beats(c, params)
    a = c.frame(params, beat_count=3, beat_phase=0.2)
    b = c.frame(params, beat_count=3, beat_phase=0.8)
    assert np.array_equal(a, b)  # within a beat: nothing moves
    nxt = c.frame(params, beat_count=4)
    assert (gutters(a) != gutters(nxt)).mean() > 0.02  # the next beat: a new cut


def test_every_four_beats_recuts_on_the_bar_lines(chain):
    c = chain("beeple_cutup")
    params = cut(c, amount=1.0, panels=6, every=4)
    masks = [gutters(c.frame(params, beat_count=b)) for b in range(4, 10)]
    for m in masks[1:4]:
        assert np.array_equal(m, masks[0])  # beats 4-7: one bar, one cut
    assert (masks[4] != masks[0]).mean() > 0.02  # beat 8: a new bar, a new cut
    assert np.array_equal(masks[5], masks[4])


def test_more_panels_more_cuts(chain):
    c = chain("beeple_cutup", image=flat(MAGENTA))

    def gutter_share(n):
        return np.mean([gutters(c.frame(cut(c, amount=1.0, panels=n), beat_count=b)).mean() for b in range(8)])

    two, five, eight = gutter_share(2), gutter_share(5), gutter_share(8)
    assert two < five < eight and eight > 2 * two


def test_the_seams_flare_on_the_beat_and_only_there(chain):
    c = chain("beeple_cutup")
    params = cut(c, amount=1.0, panels=6)
    play_beats(c, params)
    calm = c.frame(params, beat_count=3, beat_env=0.0)
    hit = c.frame(params, beat_count=3, beat_env=1.0)
    changed = np.abs(hit - calm).max(-1) > 8
    assert changed.mean() > 0.002 and (hit.sum(-1) >= calm.sum(-1) - 3).all()
    # only along the cuts: every changed pixel lies within a few pixels of a gutter
    g = gutters(calm)
    near_cut = np.zeros_like(g)
    for dy in range(-5, 6):
        for dx in range(-5, 6):
            near_cut |= np.roll(np.roll(g, dy, 0), dx, 1)
    assert near_cut[changed].all()


def test_the_cut_up_at_zero_leaves_the_picture_alone_and_costs_no_pass(chain):
    c = chain("beeple_cutup", image=stripes())
    assert c.active("beeple_cutup", cut(c, amount=0.8))
    assert not c.active("beeple_cutup", cut(c, amount=0.0))
    bare = c.frame(cut(c, amount=0.0), beat_count=5)
    nearly = c.frame(cut(c, amount=1e-6), beat_count=5)
    assert np.abs(nearly - bare).max() <= 2


# --------------------------------------------------------------------------- the motif layer


def test_the_skyline_layer_is_off_until_raised_and_rises_with_the_bass(chain):
    c = chain("motif", image=flat(NAVY))
    assert not c.active("motif", {"fx.motif.amount": 0.0})
    assert near(c.frame({"fx.motif.amount": 0.0}), NAVY, 2).all()
    px = c.frame({"fx.motif.amount": 1.0})
    bottom, top = px[-40:], px[:80]
    assert near(top, NAVY, 2).mean() > 0.99  # the sky above the towers is the picture as it was
    assert near(bottom, VOID, 6).mean() > 0.3 and near(bottom, AMBER, 30).mean() > 0.02  # dark towers, lit windows
    loud = c.frame({"fx.motif.amount": 1.0}, bass=1.0)
    assert (~near(loud, NAVY, 2)).mean() > 1.15 * (~near(px, NAVY, 2)).mean()


# --------------------------------------------------------------------------- controller, manifest, layout


def test_the_controller_cuts_hard_on_every_beat():
    from vjhost.analysis.live import InternalClock
    from vjhost.control.state import ControlState
    from vjhost.engine import make_controller
    from vjhost.packs import load_manifest
    from vjhost.plugins import load_host

    host = load_host()
    m = load_manifest(host.pack("beeple"), controllers=host.controllers.names())
    anchors = np.random.default_rng(0).standard_normal((8, 64)).astype(np.float32)
    ctl = make_controller(host, m, 64, anchors)
    state = ControlState(tuple(ctl.PARAMS))
    state.scenes = list(m.scenes)
    for k, v in m.controller_settings.items():
        if k in {p.name for p in ctl.PARAMS}:
            state.set(k, v)
    ctl.reset(0)
    clock = InternalClock(120.0)
    zs, beats = [], []
    for i in range(60 * 6):
        f = clock.features(i / 60.0)
        zs.append(np.asarray(ctl.step(f, 1 / 60.0, state)))
        beats.append(f.beat_count)
    step = np.linalg.norm(np.diff(zs, axis=0), axis=1)[60:]
    on_beat = np.diff(beats)[60:] != 0
    assert on_beat.sum() >= 8
    # the picture jumps on the beat and is almost still in between
    assert np.median(step[on_beat]) > 8 * np.median(step[~on_beat])


def test_the_manifest_cuts_up_by_default_and_draws_its_own_layer_only_when_asked():
    from vjhost_beeple.dataset import MOTIFS

    assert tuple(MANIFEST["scenes"]) == MOTIFS
    assert MANIFEST["chain"][0] == "beeple_cutup"
    d = MANIFEST["defaults"]
    assert d["fx.beeple_cutup.amount"] > 0.5 and d["fx.beeple_cutup.every"] == 1.0 and d["fx.motif.amount"] == 0.0
    ctl = MANIFEST["controller"]["settings"]
    assert ctl["jump_every"] == 1 and ctl["beat_snap"] == 1.0  # hard beat cuts
    for shader in (PKG / "shaders").glob("*.glsl"):
        head = shader.read_text().splitlines()[0]
        assert head.startswith("// ") and len(head) > 20, f"{shader.name} needs a header comment"
    assert "#pragma vjhost decodes 3" in (PKG / "shaders" / "beeple_cutup.glsl").read_text()


def test_layout_scene_row_in_distinct_neons_and_shift_sets_the_cut_rate():
    import mido

    from vjhost.control.state import Action, ControlState
    from vjhost.protocols import Param
    from vjhost_builtins.apcmini import ApcMiniMk2

    layout, by_note = scene_row(PKG)
    colours = [by_note[56 + i].look.color.velocity for i in range(8)]
    assert len(set(colours)) == 8 and 3 not in colours  # eight different colours, none plain white
    assert layout.grid.packs_row == 0
    chain = set(MANIFEST["chain"])
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert toggles and all(t.split(".")[1] in chain for t in toggles)
    state = ControlState([Param(f"fx.beeple_cutup.{p.name}", p.default, p.min, p.max)
                          for p in effect_params(PKG, "beeple_cutup")])
    state.scenes, state.packs, state.pack, state.scene = list(MANIFEST["scenes"]), ["beeple"], "beeple", 0
    apc = ApcMiniMk2(layout, state)
    apc.on_connect()
    apc.handle(mido.Message("note_on", note=56 + 7, velocity=127))
    assert state.drain_actions() == [Action("scene", 7, "apc")]
    for k, beats in enumerate((1.0, 2.0, 4.0, 8.0)):  # SHIFT + scene buttons 1-4: cut every 1, 2, 4, 8 beats
        apc.handle(mido.Message("note_on", note=122, velocity=127))
        apc.handle(mido.Message("note_on", note=112 + k, velocity=127))
        apc.handle(mido.Message("note_off", note=122))
        assert state.get("fx.beeple_cutup.every") == pytest.approx(beats, abs=1e-3)
    apc.handle(mido.Message("note_on", note=16, velocity=127))  # hold: the full cut-up
    assert state.get("fx.beeple_cutup.amount") == 1.0
    apc.handle(mido.Message("note_off", note=16))
    assert state.get("fx.beeple_cutup.amount") == pytest.approx(0.8)


# --------------------------------------------------------------------------- the dataset


def test_dataset_is_deterministic_balanced_and_in_the_palette():
    check_dataset(PKG, share=0.99)


def test_every_family_is_a_few_parameters_each_moving_the_picture_smoothly():
    """A handful of discrete choices and at most ~20 continuous numbers per picture, whatever the seed; nudging
    every continuous number a little moves the picture a little (no number hides a jump)."""
    from vjhost_beeple.dataset import MOTIFS, parameter_counts

    counts = parameter_counts()
    for name in MOTIFS:
        discrete, continuous = counts[name]
        assert discrete <= 6 and 6 <= continuous <= 20, (name, counts[name])
    for name, draw in families(PKG).items():
        assert (nudge_changes(draw, range(3), 64) < 0.01 * 255).all(), name  # under 3 levels of 255 on average


def test_dark_tones_with_neon_accents_in_every_family():
    from vjhost_beeple.dataset import MOTIFS, generate

    imgs, labels = generate(32, size=128, seed=7)
    px = imgs.transpose(0, 2, 3, 1).astype(np.int16)
    for k, name in enumerate(MOTIFS):
        for img in px[labels == k]:
            dark = img.max(-1) < 90
            neon = (img.max(-1) > 150) & (img.max(-1) - img.min(-1) > 120)  # bright and saturated
            assert dark.mean() > 0.5, f"{name}: {dark.mean():.0%} dark"
            assert neon.mean() > 0.002, f"{name}: no neon accent"


def test_flat_colours_with_crisp_edges_at_either_size():
    """The same seed draws the same picture at 128 and 256 (edges defined in uv), mostly in flat palette colours."""
    from vjhost_beeple.dataset import PALETTE, generate

    from vjhost.train.motifs.palettes import palette

    small, _ = generate(16, size=128, seed=11)
    big, _ = generate(16, size=256, seed=11)
    down = big.reshape(16, 3, 128, 2, 128, 2).astype(np.float32).mean(axis=(3, 5))
    assert np.abs(down - small).mean() < 6
    pal = (palette(PALETTE) * 255)[None, :, None, None, :]
    px = small.transpose(0, 2, 3, 1)[:, None].astype(np.float32)
    on_palette = (np.abs(px - pal).max(-1) <= 3).any(1)
    assert on_palette.mean() > 0.7  # flat colours; the rest are one-pixel edges and neon halos


def test_a_collage_panel_is_its_familys_canonical_picture_with_two_free_parameters():
    from vjhost_beeple.dataset import _CANON, _FAMILIES, Draws

    for name in ("skyline", "gears"):
        pics = []
        for seed in (1, 2):
            d = Draws(np.random.default_rng(seed), free=2, canon=np.random.default_rng(_CANON[name]))
            pics.append(_FAMILIES[name](d, 64))
        assert not np.array_equal(pics[0], pics[1])  # the two free parameters move it ...
        free0 = Draws(np.random.default_rng(1), free=0, canon=np.random.default_rng(_CANON[name]))
        free0b = Draws(np.random.default_rng(2), free=0, canon=np.random.default_rng(_CANON[name]))
        assert np.array_equal(_FAMILIES[name](free0, 64), _FAMILIES[name](free0b, 64))  # ... nothing else does
