"""One suite every installed persona pack passes, with no test code of its own.

The packs come from the plugin host (the ``vjhost`` entry points), so a newly
installed pack (``pip install -e persona_packs/NAME``) is tested here as it is.
What a pack must provide to pass is listed in docs/packs.md ("What every pack
passes"); in short: a valid manifest with ``palette`` and at least 8 scenes, trained
weights with an anchor per scene that decode to different pictures in the palette,
a source pass that reacts to the music, an APC mini MK2 layout with a scene row and
the pack row, and an ``EVAL.json`` from ``vjhost pack eval NAME --write`` with the
sharpness and style figures.

Pack-specific looks stay in each pack's own tests (test_pack_kusama.py, ...).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from vjhost.plugins import load_host

#: The retraining switch.  The shipped packs' EVAL.json predate the sharp-decoder goals of issue 11
#: (gradient ratio >= 0.8, high-band ratio >= 0.7, C2ST accuracy <= 0.75, teacher and student) and the
#: issue-13 style goal (own pack >= 90 % of random decodes).  Set to True once every pack is retrained:
#: the goals then fail the suite instead of being expected to fail.
RETRAINED = False
GOALS_PENDING = pytest.mark.xfail(
    not RETRAINED, strict=False,
    reason="issue 11/13: packs are being retrained on the sharp-decoder recipe; set RETRAINED = True in "
           "tests/test_every_pack.py when their EVAL.json meet the goals")

PACKS = sorted(load_host().packs.names())  # discovery only: imports no torch, no weights
MIN_SCENES = 8
#: a decode is "in the palette" where it lies within this RGB distance (0..sqrt 3) of a palette colour or a
#: mix of two (anti-aliased edges, glows fading into the ground); this share of its pixels must
PALETTE_TOLERANCE, PALETTE_SHARE = 0.15, 0.95
#: two scenes "decode distinctly" when their anchor pictures differ by more than this mean |difference| (0..255)
DISTINCT_LEVELS = 5.0
#: a kick "visibly changes" the frame where a pixel moves by more than this (0..255) -- on this share of it
#: (a pack of lights on a dark ground, like teamlab, reacts on its lights: about 5 % of the frame)
VISIBLE_LEVELS, REACT_SHARE = 8, 0.02


class PackUnderTest:
    """One installed pack, its manifest and teacher decoder, loaded once for the whole suite."""

    def __init__(self, host, name: str) -> None:
        from vjhost.packs import load_manifest

        self.host, self.name = host, name
        self.manifest = load_manifest(host.pack(name), controllers=host.controllers.names())
        self._decoder = None
        self._report = None

    @property
    def decoder(self):
        if self._decoder is None:
            self._decoder = self.host.decoders.get("torch").factory(self.manifest.weights, "cpu")
        return self._decoder

    def decode(self, z: np.ndarray) -> np.ndarray:
        """uint8 (N, H, W, 3) (grey decoders repeated to RGB)."""
        img = self.decoder.decode(np.asarray(z, np.float32))
        return np.repeat(img, 3, -1) if img.shape[-1] == 1 else img

    @property
    def validate_report(self) -> dict:
        if self._report is None:
            from vjhost.validate import validate_pack

            self._report = validate_pack(self.host, self.name, size=(160, 90))
        return self._report

    def eval_report(self) -> dict:
        m = self.manifest
        assert m.eval_report is not None and m.eval_report.is_file(), (
            f"{m.path}: decoder.eval names no EVAL.json: run `vjhost pack eval {self.name} --write`")
        return json.loads(m.eval_report.read_text())


@pytest.fixture(scope="module")
def suite_host():
    h = load_host()
    assert not h.errors(), h.errors()
    return h


@pytest.fixture(scope="module", params=PACKS)
def pack(request, suite_host):
    return PackUnderTest(suite_host, request.param)


def test_packs_are_found():
    assert {"ikeda", "kusama", "teamlab"} <= set(PACKS)


def test_vjhost_pack_validate_passes(pack):
    rep = pack.validate_report
    assert rep["ok"], "\n".join(f"{c['name']}: {c['detail']}" for c in rep["checks"] if not c["ok"])
    names = {c["name"] for c in rep["checks"]}
    m = pack.manifest
    assert {"manifest", "trained", "weights", "scene anchors", "controller", "decode", "render"} <= names
    assert f"shader {m.source_shader.rsplit('.', 1)[0]}" in names or "shader source" in names
    assert {f"layout {k}" for k in m.layouts} <= names


def test_the_manifest_declares_scenes_palette_and_an_apc_layout(pack):
    from vjhost.control.layout import load_layout

    m = pack.manifest
    assert len(m.scenes) >= MIN_SCENES, f"{m.path}: {len(m.scenes)} scenes, a persona has at least {MIN_SCENES}"
    assert len(m.palette) >= 2, f"{m.path}: no `palette` (the persona's \"#rrggbb\" colours, docs/packs.md)"
    assert "apc_mini_mk2" in m.layouts, f"{m.path}: [layouts] apc_mini_mk2 missing"
    layout = load_layout(m.layouts["apc_mini_mk2"])
    # every scene has a control; the bottom row switches among the installed packs
    scene_values = {p.binding.value for p in layout.pads if p.binding.action == "scene"}
    scene_values |= {b.value for b in (*layout.scene, *layout.track) if b is not None and b.action == "scene"}
    assert layout.grid.scenes_row is not None or set(range(min(8, len(m.scenes)))) <= scene_values
    assert layout.grid.packs_row == 0, f"{m.layouts['apc_mini_mk2']}: [grid] packs_row = 0 (the pack row)"


def test_the_layout_only_names_effects_of_the_chain(pack, suite_host):
    """A toggle or an effect parameter on the controller names an effect the pack's chain has (no dead pads)."""
    from vjhost.control.layout import load_layout

    m = pack.manifest
    chain = set(m.chain)
    for path in m.layouts.values():
        layout = load_layout(path)
        bindings = [p.binding for p in layout.pads] + [p.shift for p in layout.pads if p.shift is not None]
        rows = (*layout.track, *layout.scene, *layout.shift_track, *layout.shift_scene)
        bindings += [b for b in rows if b is not None]
        names = [str(b.value) for b in bindings if b.action in ("toggle", "param")]
        names += [f.param for f in layout.faders]
        for name in names:
            if name.startswith("fx."):
                effect = name.split(".")[1]
                assert effect in chain, (
                    f"{path}: {name}: the pack's chain has no effect {effect!r} ({', '.join(m.chain)})")


def test_every_shader_says_what_it_does(pack):
    for shader in sorted(pack.manifest.shader_dir.glob("*.glsl")):
        head = shader.read_text().splitlines()[0] if shader.read_text() else ""
        assert head.startswith("// ") and len(head) > 20, f"{shader}: start with a comment saying what it draws"


def test_the_dataset_draws_every_scene_deterministically(pack):
    """``[training]``: the generator is deterministic for a seed, balanced over its motifs, and scene i is motif i."""
    from vjhost.train.cli import resolve
    from vjhost.train.evaluate import _generator

    m = pack.manifest
    gen = _generator(m)
    assert gen is not None, f"{m.path}: [training] dataset does not import"
    if "motifs" in m.training:
        assert tuple(resolve(m.training["motifs"])) == m.scenes, f"{m.path}: scenes differ from {m.training['motifs']}"
    n = 2 * len(m.scenes)
    a, la = gen(n, 32, 11)
    b, lb = gen(n, 32, 11)
    assert a.shape == (n, m.channels, 32, 32) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert np.bincount(la, minlength=len(m.scenes)).tolist() == [2] * len(m.scenes)
    assert not np.array_equal(a, gen(n, 32, 12)[0])


def test_scenes_decode_distinctly(pack):
    anchors = np.asarray(pack.decoder.anchors, np.float32)
    assert len(anchors) >= len(pack.manifest.scenes)
    img = pack.decode(anchors[: len(pack.manifest.scenes)]).astype(np.float32)
    scenes = pack.manifest.scenes
    for i, s in enumerate(scenes):
        assert img[i].std() > 4, f"scene {s} decodes to a blank picture"
        for j in range(i + 1, len(scenes)):
            d = float(np.abs(img[i] - img[j]).mean())
            assert d > DISTINCT_LEVELS, f"scenes {s} and {scenes[j]} decode alike (mean |difference| {d:.1f})"


def test_decodes_are_in_the_palette(pack):
    from vjhost.train.motifs.palettes import palette_distance

    z = np.concatenate([np.asarray(pack.decoder.anchors, np.float32),
                        np.random.default_rng(0).standard_normal((24, pack.decoder.latent_dim)).astype(np.float32)])
    img = pack.decode(z)
    d = np.concatenate([palette_distance(np.moveaxis(i, -1, 0), pack.manifest.palette).ravel() for i in img])
    share = float((d < PALETTE_TOLERANCE).mean())
    assert share >= PALETTE_SHARE, (f"{pack.name}: {share:.1%} of decoded pixels lie on the palette "
                                    f"{', '.join(pack.manifest.palette)} (want {PALETTE_SHARE:.0%})")


def test_the_dataset_draws_the_same_palette(pack):
    """A pack whose dataset.py declares PALETTE keeps it equal to pack.toml's (one list, two readers)."""
    from vjhost.train.evaluate import _generator

    gen = _generator(pack.manifest)
    assert gen is not None, f"{pack.manifest.path}: [training] dataset does not import"
    declared = getattr(__import__(gen.__module__, fromlist=["_"]), "PALETTE", None)
    if isinstance(declared, (list, tuple)) and declared and isinstance(declared[0], str):
        assert [c.lower() for c in declared] == list(pack.manifest.palette)


def test_the_show_reacts_to_a_kick(gl, pack, make_features):
    """Through the real chain at a small size: a kick, an onset and the bass change the rendered frame."""
    from vjhost.engine import Show
    from vjhost.faults import FaultLog

    faults = FaultLog(stream=None)
    show = Show(pack.host, pack.name, (96, 54), faults=faults, device="cpu")
    try:
        img = pack.decode(np.asarray(pack.decoder.anchors[:1], np.float32))[0]
        if pack.manifest.channels == 1:
            img = img[..., :1]
        show.renderer.upload_image(img)
        show.renderer.upload_image(img)

        def frame(**feats) -> np.ndarray:
            show.render(make_features(t=2.0, bpm=120.0, **feats), 1 / 60)
            return show.renderer.read_rgba()[..., :3].astype(np.float32)

        for _ in range(6):  # let feedback trails settle on the still picture
            silent = frame()
        still = float((np.abs(frame() - silent).max(-1) > VISIBLE_LEVELS).mean())
        loud = frame(kick=True, kick_env=1.0, onset=True, onset_env=1.0, bass=1.0, rms=0.9, peak=1.0,
                     beat=True, beat_env=1.0, energy=0.9, flux=1.0, bands=np.ones(8, np.float32))
        assert not faults.faults, faults.faults
        moved = float((np.abs(loud - silent).max(-1) > VISIBLE_LEVELS).mean())
        assert still == 0.0, f"{pack.name}: a still picture in silence keeps changing ({still:.1%} of the frame)"
        assert moved >= REACT_SHARE, (f"{pack.name}: a kick visibly changes {moved:.1%} of the frame "
                                      f"(want {REACT_SHARE:.0%} by more than {VISIBLE_LEVELS} levels)")
    finally:
        show.renderer.close()


def test_frame_budget(gl, pack, suite_host):
    """The pack holds the frame budget (docs/packs.md, "Holding the frame budget"): `vjhost pack validate`'s
    `frame budget` check passes (the default chain costs at most BUDGET_X bare frames at 1280x720, measured as a
    ratio on this GL; at most MAX_FULL_PASSES full-size passes counted by pixels; no GL target made per frame) and
    so does its `decode budget`; and the pass count, taken here from the pack's own chain at its defaults the way
    validate counts it (a pass at scale 0.5 is a quarter, a stage or a history ring by its share of the pixels,
    an effect at amount 0 nothing), is within MAX_FULL_PASSES.
    """
    from vjhost.engine import Show
    from vjhost.faults import FaultLog
    from vjhost.render.budget import BUDGET_SIZE, MAX_FULL_PASSES, pixel_passes

    checks = {c["name"]: c for c in pack.validate_report["checks"]}
    for name in ("frame budget", "decode budget"):
        assert name in checks and checks[name]["ok"], f"{pack.name}: {name}: {checks.get(name)}"
    decode = checks["decode"]
    assert decode["ok"] and "frames/s" in decode["detail"]
    show = Show(pack.host, pack.name, BUDGET_SIZE, faults=FaultLog(stream=None), device="cpu")
    try:
        full, names = pixel_passes(show.renderer, show.state.snapshot(), show.state.toggles)
    finally:
        show.renderer.close()
    assert full <= MAX_FULL_PASSES + 1e-6, (f"{pack.name}: {full:.2f} full-size passes at the pack's defaults "
                                            f"({', '.join(names)}; at most {MAX_FULL_PASSES})")


@GOALS_PENDING
def test_sharpness_goals_are_recorded_and_met(pack):
    from vjhost.train.sharpness import GOALS, goals_met

    sh = pack.eval_report().get("sharpness")
    assert isinstance(sh, dict), (
        f"{pack.name}: EVAL.json has no sharpness figures: `vjhost pack eval {pack.name} --write`")
    for role in ("teacher", "student"):
        assert role in sh, f"{pack.name}: EVAL.json sharpness has no {role}"
        met = goals_met(sh[role])
        assert len(met) == len(GOALS) and all(met.values()), f"{pack.name} {role}: {met}"


def _style(pack) -> dict:
    style = pack.eval_report().get("style")
    assert isinstance(style, dict) and pack.name in style.get("classes", []), (
        f"{pack.name}: EVAL.json has no style figure with this pack as a class "
        f"(got {style!r:.80}): `vjhost pack eval {pack.name} --write` with the other packs installed")
    return style


def test_random_decodes_are_recognisably_the_persona(pack):
    """The style classifier (trained on every installed pack's data) takes the raw decodes for this pack more
    often than for any other, teacher and student (EVAL.json ``style``; decoder output, no shader)."""
    style = _style(pack)
    for role, sc in style[pack.name].items():
        pred = sc["predicted"]
        assert max(pred, key=pred.get) == pack.name, f"{pack.name} {role}: decodes read as {pred}"
        assert sc["top1"] > 1.0 / len(style["classes"]), f"{pack.name} {role}: {sc}"


@GOALS_PENDING
def test_random_decodes_are_their_own_pack_nine_times_in_ten(pack):
    style = _style(pack)
    for role, sc in style[pack.name].items():
        assert sc["top1"] >= 0.9, f"{pack.name} {role}: own pack wins {sc['top1']:.0%} of random decodes"
