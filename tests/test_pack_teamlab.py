"""The teamlab persona pack as a viewer sees it, headless on Mesa: light flowing on a deep dark
ground, sparks bursting on onsets in the scene's colours, a soft bloom, a valid controller
layout, and procedural training data that is deterministic, balanced and dark."""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.protocols import Param
from vjhost.tomlcompat import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "persona_packs" / "teamlab" / "vjhost_teamlab"
SHADERS = PACK / "shaders"
MANIFEST = tomllib.loads((PACK / "pack.toml").read_text())

SIZE = (160, 90)
DT = 1 / 60

def _onset_t10() -> float:
    """How long the analysis onset envelope takes to fall from 1 to 0.1 (the shader ages bursts by it)."""
    from vjhost_builtins.analysis import OnsetAnalyzer

    return OnsetAnalyzer.ENV_TIME


ONSET_T10 = _onset_t10()


@functools.cache
def motif_images(seed: int = 3) -> dict[str, np.ndarray]:
    """One training image per motif, (128, 128, 3) uint8: what a trained decoder draws."""
    from vjhost_teamlab.dataset import MOTIFS, generate

    imgs, labels = generate(16, 128, seed=seed)
    return {name: imgs[int(np.flatnonzero(labels == k)[0])].transpose(1, 2, 0) for k, name in enumerate(MOTIFS)}


def effect_params(name: str) -> tuple[Param, ...]:
    spec = next(e for e in MANIFEST["effects"] if e["name"] == name)
    return tuple(Param(p["name"], p["default"], p["min"], p["max"]) for p in spec["params"])


def bloom_params() -> tuple[Param, ...]:
    return effect_params("teamlab_bloom")


#: the pack's `motif` layer (the sparks the shader draws itself) raised all the way
SPARKS = {"fx.motif.amount": 1.0}


@pytest.fixture
def show(gl, tmp_path):
    """show(source, bloom=False, image=None, motif=False) -> Renderer: a pack shader over a decoded frame.

    ``motif=True`` adds the pack's `motif` layer (the sparks) at its default amount, 0 (off)."""
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    made = []

    def make(source: str = "teamlab.glsl", bloom: bool = False, image: np.ndarray | None = None,
             bloom_spec: tuple[Param, ...] | None = None, size=SIZE, motif: bool = False) -> Renderer:
        faults = FaultLog(stream=None)
        r = Renderer(size, ShaderFinder([tmp_path, SHADERS, ROOT / "shaders"]), faults)
        r.set_source(source)
        if motif:
            r.add_effect("motif", "teamlab_motif.glsl", effect_params("motif"))
        if bloom:
            r.add_effect("teamlab_bloom", "teamlab_bloom.glsl", bloom_params() if bloom_spec is None else bloom_spec)
        assert not faults.faults, faults.faults
        r.upload_image(motif_images()["particles"] if image is None else image)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def frame(r, f, params=None, **kw) -> np.ndarray:
    """Render one frame; (H, W, 3) int, top row first."""
    r.render(f, params or {}, **kw)
    return r.read_rgba()[::-1, :, :3].astype(np.int32).copy()


def lum(px: np.ndarray) -> np.ndarray:
    return px.mean(axis=-1)


# --------------------------------------------------------------------------- the source pass


def test_ground_stays_deep_and_lights_stay_luminous(show, make_features):
    # at the show's size: the source pass draws at half of it, still well over the 128-pixel decode
    for name, img in motif_images().items():
        r = show(image=img, size=(1280, 720))
        px = frame(r, make_features(t=5.0))
        l = lum(px)
        assert np.median(l) < 12, f"{name}: the dark ground is lifted (median {np.median(l):.1f})"
        src = img.astype(np.float32).mean(axis=-1)
        assert l.max() > 0.9 * src.max(), f"{name}: the lights lost their glow (max {l.max():.0f} of {src.max():.0f})"
        # the ground is darker than in the decoded frame itself: the decoder's haze goes to black
        assert np.median(l) <= np.median(img.mean(axis=-1)) + 1, name


def test_onset_bursts_into_many_bright_sparks(show, make_features):
    r = show(image=motif_images()["water"], motif=True)
    quiet = frame(r, make_features(t=5.0), SPARKS)
    r2 = show(image=motif_images()["water"], motif=True)
    burst = frame(r2, make_features(t=5.0, onset_env=1.0), SPARKS)
    bright_quiet, bright_burst = (lum(quiet) > 150).sum(), (lum(burst) > 150).sum()
    assert bright_burst > bright_quiet + 150 and bright_burst > 1.5 * bright_quiet, (bright_quiet, bright_burst)
    assert (burst >= quiet).all()  # sparks only add light


def test_sparks_are_a_layer_off_by_default(show, make_features):
    """The shader finishes the decode but does not paint over it: no sparks until `motif` is raised."""
    assert {p.name: p.default for p in effect_params("motif")}["amount"] == 0.0
    assert MANIFEST["defaults"]["fx.motif.amount"] == 0.0
    r = show(image=motif_images()["water"], motif=True)
    assert not r._active(r.effects[0], {}, {})  # at its default: no pass at all
    bare = show(image=motif_images()["water"])
    f = make_features(t=5.0, onset_env=1.0)
    assert np.array_equal(frame(r, f), frame(bare, f))  # an onset changes nothing the shader draws itself


#: the sparks are drawn at half the render size: a frame big enough that they are still a few pixels there
BURST = (320, 180)


def _burst(show, make_features, image, envs, beat_count=4, t0=5.0):
    """Frames of one burst (envelope sequence ``envs``, the sparks raised) minus the same frames without it."""
    quiet, loud = show(image=image, motif=True, size=BURST), show(image=image, motif=True, size=BURST)
    out = []
    for i, env in enumerate(envs):
        kw = {"t": t0 + i * DT, "beat_count": beat_count, "beat_phase": 0.1 + i * DT * 2.0, "bpm": 120.0}
        a = frame(quiet, make_features(**kw), SPARKS, dt=DT)
        b = frame(loud, make_features(onset_env=env, **kw), SPARKS, dt=DT)
        out.append(b - a)
    return out


def _centre_and_spread(diff: np.ndarray) -> tuple[np.ndarray, float, float]:
    w = lum(diff).clip(0)
    ys, xs = np.mgrid[0 : w.shape[0], 0 : w.shape[1]]
    total = w.sum()
    c = np.array([(w * xs).sum(), (w * ys).sum()]) / total
    spread = float(np.sqrt((w * ((xs - c[0]) ** 2 + (ys - c[1]) ** 2)).sum() / total))
    return c, spread, float(total)


def test_burst_flies_out_and_fades_with_the_envelope_from_one_place(show, make_features):
    n = 20
    decay = 0.1 ** (DT / ONSET_T10)
    envs = [decay**i for i in range(n)]
    diffs = _burst(show, make_features, motif_images()["water"], envs)
    stats = [_centre_and_spread(d) for d in diffs]
    spread = [s for _, s, _ in stats]
    light = [t for _, _, t in stats]
    assert spread[6] > 1.25 * spread[0] and spread[12] > 1.6 * spread[0]  # the sparks fly outward ...
    assert light[12] < 0.5 * light[0]  # ... and fade as the envelope decays
    centres = np.array([c for c, _, _ in stats[:12]])
    assert np.abs(centres - centres[0]).max() < 0.1 * BURST[1]  # one burst, one origin, on every frame of it
    # the next onset (another eighth note) bursts somewhere else
    other = _centre_and_spread(_burst(show, make_features, motif_images()["water"], [1.0], beat_count=9)[0])[0]
    firsts = [_centre_and_spread(_burst(show, make_features, motif_images()["water"], [1.0], beat_count=b)[0])[0]
              for b in (10, 11, 12)]
    assert max(np.linalg.norm(c - centres[0]) for c in [other, *firsts]) > 0.1 * BURST[1]



def test_bursts_keep_their_place_on_the_internal_clock(show, make_features):
    """No audio: the internal clock's onsets are its beats, with a linear envelope."""
    from vjhost.analysis.live import InternalClock

    clock = InternalClock(bpm=140.0)
    img = motif_images()["water"]
    quiet, loud = show(image=img, motif=True), show(image=img, motif=True)
    beat = 60.0 / 140.0
    centres = []
    for i in range(int(0.24 / DT)):  # one beat's envelope, until it has all but gone
        f = clock.features(3 * beat + 1e-4 + i * DT).copy()
        calm = f.copy()
        calm.onset_env = 0.0
        d = frame(loud, f, SPARKS, dt=DT) - frame(quiet, calm, SPARKS, dt=DT)
        centres.append(_centre_and_spread(d)[0])
    centres = np.array(centres)
    assert np.abs(centres - centres[0]).max() < 0.1 * SIZE[1], centres

def _tinted(rgb) -> np.ndarray:
    """A field of soft lights of one colour on black."""
    y, x = np.mgrid[0:128, 0:128]
    rng = np.random.default_rng(1)
    g = np.zeros((128, 128), np.float32)
    for cx, cy in rng.uniform(10, 118, (30, 2)):
        g += np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 18.0)
    return (np.clip(g, 0, 1)[..., None] * np.asarray(rgb, np.float32) * 255).astype(np.uint8)


@pytest.mark.parametrize("rgb,channel", [((1.0, 0.25, 0.5), 0), ((0.2, 1.0, 0.4), 1), ((0.3, 0.5, 1.0), 2)])
def test_spark_colours_come_from_the_scene(show, make_features, rgb, channel):
    img = _tinted(rgb)
    diff = _burst(show, make_features, img, [0.5])[0]
    added = diff.reshape(-1, 3).clip(0).sum(axis=0)
    assert added.argmax() == channel, added


def test_the_picture_flows_slowly_and_coherently_without_audio(show, make_features):
    r = show(image=motif_images()["light_strings"])
    frames = [frame(r, make_features(t=5.0 + i * DT), dt=DT, frame=i) for i in range(90)]
    steps = [np.abs(b - a).mean() for a, b in itertools.pairwise(frames[30:])]
    assert min(steps) > 0.0  # it never stops ...
    assert max(steps) < 1.0  # ... and every frame is a small step from the last (no jumps)
    assert np.abs(frames[-1] - frames[30]).mean() > 4 * np.mean(steps)  # but it really travels
    # seconds apart the picture has moved further still
    later = frame(r, make_features(t=9.0), dt=DT)
    assert np.abs(later - frames[-1]).mean() > np.abs(frames[-1] - frames[30]).mean()


def test_trails_never_build_up_into_fog(show, make_features):
    """Source trails + bloom feed back through u_prev: the picture must not brighten by itself."""
    for name in ("blossoms", "particles", "bokeh"):
        r = show(image=motif_images()[name], bloom=True)
        params = {"fx.teamlab_bloom.amount": 1.0}
        first = frame(r, make_features(t=5.0), params, dt=DT)
        for i in range(1, 150):
            last = frame(r, make_features(t=5.0 + i * DT, beat_env=1.0 if i % 30 == 0 else 0.0), params, dt=DT, frame=i)
        assert lum(last).mean() < 1.1 * lum(first).mean() + 2, name
        assert np.median(lum(last)) < np.median(lum(first)) + 3, name


# --------------------------------------------------------------------------- teamlab_bloom


DOT = """
#pragma vjhost scale 0.5
// drawn at half size, as the pack's source pass is (the bloom's composite is half size too)
void main() {
    vec2 d = (v_uv - vec2(0.5)) * u_resolution;
    float dot_ = step(length(d), 3.0);
    o_color = vec4(vec3(1.0, 0.8, 0.9) * dot_ + 0.02, 1.0);
}
"""


def test_bloom_at_zero_is_an_exact_passthrough(show, make_features, tmp_path):
    r = show(bloom=True)
    f = make_features(t=5.0, beat_env=1.0, onset_env=0.6, beat_count=3)
    bare = show()
    assert np.array_equal(frame(r, f, {"fx.teamlab_bloom.amount": 0.0}), frame(bare, f))
    # and the shader itself gives the picture back at amount 0 (a pass that always runs)
    (tmp_path / "dot.glsl").write_text(DOT)
    always = show("dot.glsl", bloom=True, bloom_spec=(Param("level", 0.0),))  # no "amount": never skipped
    plain = show("dot.glsl")
    assert np.array_equal(frame(always, f), frame(plain, f))


def test_bloom_spreads_light_around_a_bright_dot(show, make_features, tmp_path):
    (tmp_path / "dot.glsl").write_text(DOT)
    size = (640, 360)  # the haze's stage is 1/64 of the render size: big enough here to see where it ends
    bare = frame(show("dot.glsl", size=size), make_features())
    r = show("dot.glsl", bloom=True, size=size)
    glow = frame(r, make_features(), {"fx.teamlab_bloom.amount": 1.0})
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w]
    dist = np.hypot(xs + 0.5 - w / 2, ys + 0.5 - h / 2)
    near = (dist > 4) & (dist < 7)
    # beyond the glow's reach: 2.25 x WIDE of the haze's taps, plus the bilinear reach of a texel of its
    # stage (1/32 of the half-size pass: 64 render pixels) and of the highlights' (1/8 of it: 16)
    far = dist > 2.25 * 0.072 * h + 64 + 16 + 4
    assert (glow >= bare).all()
    lift = (lum(glow) - lum(bare))[near]
    assert lift.mean() > 8 and (lift > 2).mean() > 0.9, lift  # the dark around the dot lights up ...
    assert np.array_equal(glow[far], bare[far])  # ... only around it
    beat = frame(r, make_features(beat_env=1.0), {"fx.teamlab_bloom.amount": 1.0})
    assert (lum(beat) - lum(bare))[near].mean() > 1.2 * (lum(glow) - lum(bare))[near].mean()  # brighter on the beat


def test_a_small_moving_light_glows_steadily(show, make_features, tmp_path):
    """The highlights are taken down without gaps: a point of light a few pixels wide keeps its halo wherever
    it is, so a moving spark does not flicker (a downsample that skips pixels loses a small light between
    its taps and finds it again a few pixels on)."""
    moving = DOT.replace("(v_uv - vec2(0.5))", "(v_uv - vec2(0.3 + 0.0023 * u_time, 0.5))")
    (tmp_path / "moving.glsl").write_text(moving)
    size = (640, 360)
    bare_r, r = show("moving.glsl", size=size), show("moving.glsl", bloom=True, size=size)
    w, h = size
    ys, xs = np.mgrid[0:h, 0:w]
    halos = []
    for t in range(12):  # the dot steps 1.5 pixels a frame, across several texels of every level
        f = make_features(t=float(t))
        bare = frame(bare_r, f)
        glow = frame(r, f, {"fx.teamlab_bloom.amount": 1.0})
        dist = np.hypot(xs + 0.5 - (0.3 + 0.0023 * t) * w, ys + 0.5 - h / 2)
        halos.append((lum(glow) - lum(bare))[(dist > 8) & (dist < 16)].mean())
    halos = np.asarray(halos)
    assert halos.min() > 0.3 and halos.max() < 2.0 * halos.min(), halos


# --------------------------------------------------------------------------- manifest and layout


def test_the_spark_layer_knows_how_fast_the_onset_envelope_decays():
    """The burst's age and place are read off the envelope: the shader's constant must match the analysis."""
    text = (SHADERS / "teamlab_motif.glsl").read_text()
    assert float(re.search(r"const float ONSET_T10 = ([0-9.]+);", text).group(1)) == pytest.approx(ONSET_T10)


def test_manifest_names_the_pack_effects_shaders_and_layout():
    assert MANIFEST["name"] == "teamlab" and len(MANIFEST["scenes"]) == 8
    assert MANIFEST["chain"][-1] == "teamlab_bloom"
    assert MANIFEST["chain"][0] == "motif"  # the sparks: a layer right after the source pass, off by default
    assert (SHADERS / MANIFEST["shaders"]["source"]).is_file()
    for e in MANIFEST["effects"]:
        assert (SHADERS / e["shader"]).is_file()
        head = (SHADERS / e["shader"]).read_text().splitlines()[0]
        assert head.startswith("// ") and len(head) > 20
    assert (PACK / MANIFEST["layouts"]["apc_mini_mk2"]).is_file()


def test_layout_validates_and_matches_the_pack():
    from vjhost.control.layout import Binding, load_layout

    layout = load_layout(PACK / "layouts" / "apc_mini_mk2.toml")
    by_note = {p.note: p for p in layout.pads}
    assert [by_note[56 + i].binding for i in range(8)] == [Binding("scene", i) for i in range(8)]
    scene_colours = [by_note[56 + i].look.color.text for i in range(8)]
    assert len(set(scene_colours)) == 8 and {"pink", "cyan", "amber", "purple"} <= set(scene_colours)
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert toggles == {"fx.feedback", "fx.blur", "fx.hue", "fx.teamlab_bloom"}
    assert {p.binding.action for p in layout.pads} >= {"blackout", "freeze", "tap"}
    assert all(p.shift is not None for p in layout.pads if p.binding.action == "toggle")
    assert layout.grid.packs_row == 0
    # every effect the layout touches is in the pack's chain
    chain = {f"fx.{n}" for n in MANIFEST["chain"]}
    for name in toggles | {f.param.rsplit(".", 1)[0] for f in layout.faders if f.param.startswith("fx.")}:
        assert name in chain, name


# --------------------------------------------------------------------------- training data


def test_dataset_is_deterministic_balanced_and_dark():
    from vjhost_teamlab.dataset import MOTIFS, RECIPE, generate

    a, la = generate(32, 128, seed=7)
    b, lb = generate(32, 128, seed=7)
    assert a.shape == (32, 3, 128, 128) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, generate(32, 128, seed=8)[0])
    assert np.bincount(la, minlength=len(MOTIFS)).tolist() == [4] * len(MOTIFS)
    luma = a.astype(np.float32).mean(axis=1)  # (n, H, W)
    assert luma.mean() < 0.15 * 255  # light on a dark ground ...
    assert np.median(luma) < 0.05 * 255
    assert (a.max(axis=1).reshape(32, -1).max(axis=1) > 120).all()  # ... and every image has luminous light
    assert RECIPE["motifs"] == list(MOTIFS) == MANIFEST["scenes"]
