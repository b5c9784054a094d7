"""keyframes: slerp between keyframes, held for beats, moves quantised to the beat grid, audio on top."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import numpy as np
import pytest

from vjhost.control.state import ControlState
from vjhost.protocols import LatentController, SettingsError
from vjhost.tomlcompat import tomllib
from vjhost_builtins.keyframes import Keyframes
from vjhost_builtins.latent_walk import slerp

ROOT = Path(__file__).resolve().parents[1]
D = 64
R = math.sqrt(D)
FPS = 60.0
QUIET = {"bass_push": 0.0, "onset_pulse": 0.0}  # no audio modulation: the bare path


def make_anchors(k: int = 5, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((k, D)).astype(np.float32)


def grid(make_features, n, bpm=120.0, offset=0.0, **fields):
    """``n`` frames at 60 fps of a steady beat grid, ``offset`` beats in (a fraction starts mid-beat).

    ``fields`` are more feature values, constants or functions of the frame index.
    """
    period = 60.0 / bpm
    frames = []
    for i in range(n):
        b = offset + i * bpm / 60.0 / FPS
        k = math.floor(b + 1e-9)
        k_prev = math.floor(offset + (i - 1) * bpm / 60.0 / FPS + 1e-9) if i else (k - 1 if b - k < 1e-9 else k)
        beat = k != k_prev
        extra = {name: (v(i) if callable(v) else v) for name, v in fields.items()}
        frames.append(make_features(t=b * period, bpm=bpm, beat=beat, beat_phase=max(0.0, b - k), beat_count=k,
                                    downbeat=beat and k % 4 == 0, bar_phase=(b / 4.0) % 1.0, **extra))
    return frames


def new(anchors=None, settings=None, seed=0):
    kf = Keyframes(D, anchors, settings or {})
    kf.reset(seed)
    return kf, ControlState(kf.PARAMS)


def run(kf, controls, feats):
    out, events = [], []
    for f in feats:
        out.append(kf.step(f, 1 / FPS, controls))
        events.append(kf.last_event)
    return np.array(out), events


def frames_of(events, name):
    return [i for i, e in enumerate(events) if e == name]


# --------------------------------------------------------------------------- slerp


def test_slerp_of_orthogonal_unit_vectors_keeps_unit_norm_and_is_equidistant():
    a, b = np.eye(D)[0], np.eye(D)[1]
    m = slerp(a, b, 0.5)
    assert np.linalg.norm(m) == pytest.approx(1.0, abs=1e-12)
    assert np.linalg.norm(m - a) == pytest.approx(np.linalg.norm(m - b), abs=1e-12)
    np.testing.assert_allclose(m, (a + b) / math.sqrt(2), atol=1e-12)
    # constant angular speed along the great circle, unit norm all the way
    for t in np.linspace(0, 1, 11):
        v = slerp(a, b, t)
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-12)
        assert math.atan2(v[1], v[0]) == pytest.approx(t * math.pi / 2, abs=1e-12)
    assert slerp(a, b, 0.0) is a and slerp(a, b, 1.0) is b


def test_slerp_lerps_the_norms_and_handles_parallel_and_opposite_vectors():
    a, b = np.eye(D)[0], np.eye(D)[1]
    m = slerp(2 * a, 4 * b, 0.5)  # directions slerped, norms lerped
    assert np.linalg.norm(m) == pytest.approx(3.0)
    np.testing.assert_allclose(m / 3.0, (a + b) / math.sqrt(2), atol=1e-12)
    u = np.random.default_rng(0).standard_normal(D)
    near = u + 1e-9 * np.random.default_rng(1).standard_normal(D)  # sin(angle) ~ 0
    v = slerp(u, 2 * near, 0.25)
    assert np.all(np.isfinite(v)) and np.linalg.norm(v) == pytest.approx(1.25 * np.linalg.norm(u))
    np.testing.assert_allclose(v / np.linalg.norm(v), u / np.linalg.norm(u), atol=1e-8)
    w = slerp(u, -u, 0.5)  # opposite: a quarter turn through a perpendicular, not through the origin
    assert np.linalg.norm(w) == pytest.approx(np.linalg.norm(u))
    assert abs(w @ u) < 1e-9
    assert np.linalg.norm(slerp(u, -u, 0.999) + u) < 0.01 * np.linalg.norm(u)


# --------------------------------------------------------------------------- the contract


def test_registered_built_from_settings_and_parameters_in_the_control_model(host, make_features):
    spec = host.controllers.get("keyframes")
    assert spec is not None
    assert host.controllers.owner("keyframes") == host.controllers.owner("audio-walk") == "builtins"
    kf = spec.factory(D, make_anchors(), {"keyframes": [0, 2], "glide": 1, "keyframes.hold": 8, "bass_push": 0.2})
    assert isinstance(kf, LatentController)
    kf.reset(0)
    state = ControlState(kf.PARAMS)
    params = state.params()
    assert {"keyframes.hold", "keyframes.glide", "keyframes.quantize", "keyframes.ease",
            "latent.bass_push", "latent.onset_pulse"} <= set(params)
    assert state.get("keyframes.glide") == 1.0 and state.get("keyframes.hold") == 8.0
    assert state.get("latent.bass_push") == pytest.approx(0.2)
    assert Keyframes.PARAMS[1].default == 4.0  # the class keeps the built-in defaults
    z = kf.step(grid(make_features, 1)[0], 1 / FPS, state)
    assert z.shape == (D,) and z.dtype == np.float32


def test_holds_until_the_boundary_then_arrives_after_glide_beats(make_features):
    anchors = make_anchors()
    kf, cs = new(anchors, {"keyframes": [0, 1, 2], "hold": 4, "glide": 2, "quantize": 4, **QUIET})
    V = kf.keyframe_vectors
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), R, rtol=1e-6)  # on the prior's shell by default
    np.testing.assert_allclose(V[1] / R, anchors[1] / np.linalg.norm(anchors[1]), atol=1e-6)
    z, events = run(kf, cs, grid(make_features, 12 * 30))  # 12 beats at 120 bpm: a beat is 30 frames
    # held exactly on keyframe 0 up to and including the bar line at beat 4, where the move starts
    np.testing.assert_array_equal(z[:121], np.broadcast_to(V[0], (121, D)))
    assert frames_of(events, "move") == [120]
    # the move: away from 0 and toward 1 every frame, arriving exactly 2 beats later
    d0 = np.linalg.norm(z[120:181] - V[0], axis=1)
    d1 = np.linalg.norm(z[120:181] - V[1], axis=1)
    assert np.all(np.diff(d0) > 0) and np.all(np.diff(d1) < 0)
    assert frames_of(events, "arrive") == [180]
    assert d1[-2] > 1e-4
    np.testing.assert_array_equal(z[180:], np.broadcast_to(V[1], (len(z) - 180, D)))
    # the norm stays on the shell while the direction turns (slerp, not a lerp through the middle)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), R, rtol=1e-5)
    # the hold (4 beats from the arrival at beat 6) ends at beat 10, mid-bar: the next move waits for beat 12
    z, events = run(kf, cs, grid(make_features, 12 * 30, offset=12))
    assert frames_of(events, "move") == [0, 240] and frames_of(events, "arrive") == [60, 300]  # hold to 18, move at 20
    np.testing.assert_allclose(z[60], V[2])
    np.testing.assert_array_equal(z[60:241], np.broadcast_to(V[2], (181, D)))


@pytest.mark.parametrize("quantize,first_move_beat", [(1, 3), (2, 4), (4, 4)])
def test_a_hold_ending_mid_beat_waits_for_the_quantise_boundary(make_features, quantize, first_move_beat):
    kf, cs = new(make_anchors(), {"keyframes": [0, 1], "hold": 2.5, "glide": 1, "quantize": quantize, **QUIET})
    feats = grid(make_features, 16 * 30)
    z, events = run(kf, cs, feats)
    moves = frames_of(events, "move")
    assert moves[0] == first_move_beat * 30
    for i in moves:  # every move starts on a beat that is a multiple of the quantise
        assert feats[i].beat and feats[i].beat_count % quantize == 0
    np.testing.assert_array_equal(z[: moves[0] + 1], np.broadcast_to(kf.keyframe_vectors[0], (moves[0] + 1, D)))


def test_moves_stay_on_the_grid_when_the_stream_starts_mid_beat_and_glides_end_mid_beat(make_features):
    kf, cs = new(make_anchors(), {"keyframes": [0, 1, 2, 3], "hold": 1, "glide": 1.5, "quantize": 2, **QUIET})
    feats = grid(make_features, 40 * 30, offset=0.5)
    _, events = run(kf, cs, feats)
    moves, arrivals = frames_of(events, "move"), frames_of(events, "arrive")
    assert len(moves) >= 8
    for i in moves:
        assert feats[i].beat and feats[i].beat_count % 2 == 0
    for i in arrivals:  # 1.5 beats after a boundary: mid-beat
        assert not feats[i].beat and 0.45 < feats[i].beat_phase < 0.55
    # a move never starts before its hold is over: arrival + 1 beat, rounded up to the next even beat
    for a, m in zip(arrivals, moves[1:]):
        assert feats[m].beat_count == 2 * math.ceil((feats[a].beat_count + feats[a].beat_phase + 1) / 2)


def test_glide_zero_cuts_on_the_boundary_and_loop_false_stays_on_the_last(make_features):
    kf, cs = new(make_anchors(), {"keyframes": [0, 1], "hold": 4, "glide": 0, "loop": False, **QUIET})
    z, events = run(kf, cs, grid(make_features, 20 * 30))
    assert frames_of(events, "cut") == [120]
    np.testing.assert_array_equal(z[119], kf.keyframe_vectors[0])
    np.testing.assert_array_equal(z[120:], np.broadcast_to(kf.keyframe_vectors[1], (len(z) - 120, D)))


def test_easing_and_differing_norms(make_features):
    anchors = make_anchors(2)
    anchors[1] *= 3.0 / np.linalg.norm(anchors[1]) * np.linalg.norm(anchors[0])
    for ease in (0.0, 1.0):
        kf, cs = new(anchors, {"keyframes": [0, 1], "hold": 0, "glide": 4, "quantize": 1, "ease": ease,
                               "on_shell": False, "loop": False, **QUIET})
        z, events = run(kf, cs, grid(make_features, 5 * 30 + 1))
        assert frames_of(events, "move") == [0] and frames_of(events, "arrive") == [120]
        n0, n1 = np.linalg.norm(anchors, axis=1)
        # keyframes keep their own norms; half-way the norm is half-way (lerped), the direction on the great circle
        assert np.linalg.norm(z[60]) == pytest.approx((n0 + n1) / 2, rel=1e-5)
        u = z[60] / np.linalg.norm(z[60])
        a0, a1 = anchors[0] / n0, anchors[1] / n1
        assert u @ a0 == pytest.approx(u @ a1, abs=1e-5)
        # a quarter of the way in time: linear (ease 0) has turned a quarter of the angle, smoothstep less
        ang = math.acos(np.clip((z[30] / np.linalg.norm(z[30])) @ a0, -1, 1)) / math.acos(np.clip(a0 @ a1, -1, 1))
        assert ang == pytest.approx(0.25 if ease == 0.0 else 0.15625, abs=1e-4)


# --------------------------------------------------------------------------- audio on top


def test_bass_raises_the_latent_norm(make_features):
    anchors = make_anchors()
    settings = {"keyframes": [0, 1], "hold": 2, "glide": 2, "quantize": 1, "onset_pulse": 0.0}
    quiet, _ = run(*new(anchors, settings), grid(make_features, 240))
    loud, _ = run(*new(anchors, settings), grid(make_features, 240, bass=1.0))
    nq, nl = np.linalg.norm(quiet, axis=1), np.linalg.norm(loud, axis=1)
    np.testing.assert_allclose(nq, R, rtol=1e-5)
    assert np.all(nl[10:] > nq[10:] * 1.07)  # 1 + 0.15 * bass_push 0.5 at full bass, after the 40 ms attack
    # the direction is the path's: bass only zooms
    cos = np.sum(quiet * loud, axis=1) / (nq * nl)
    assert cos.min() > 1 - 1e-6
    # and it is the parameter that does it
    kf, cs = new(anchors, settings)
    cs.set("latent.bass_push", 0.0)
    off, _ = run(kf, cs, grid(make_features, 240, bass=1.0))
    np.testing.assert_allclose(off, quiet, atol=1e-5)


def test_an_onset_pulse_turns_the_latent_and_decays(make_features):
    kf, cs = new(make_anchors(), {"keyframes": [0], "bass_push": 0.0, "onset_pulse": 0.5})
    z, _ = run(kf, cs, grid(make_features, 120, onset=lambda i: i == 10))
    v = kf.keyframe_vectors[0]
    d = np.linalg.norm(z - v, axis=1)
    assert np.all(d[:10] == 0.0)
    assert d[10] > 0.1 * R  # the hit, at once
    assert np.all(np.diff(d[10:70]) < 0)  # then it decays ...
    assert d[70] < 0.01 * d[10] and d[-1] < 1e-3  # ... to nothing within a second
    # sideways: the pulse turns the latent without changing its norm
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), R, rtol=1e-5)


def test_deterministic_for_the_same_feature_stream(make_features):
    anchors = make_anchors()
    settings = {"keyframes": [0, 3, {"seed": 11}, 1], "hold": 2, "glide": 1.5, "quantize": 1}
    feats = grid(make_features, 900, bass=lambda i: 0.5 + 0.5 * math.sin(i / 17), onset=lambda i: i % 13 == 5)
    a = run(*new(anchors, settings, seed=5), feats)[0]
    b = run(*new(anchors, settings, seed=5), feats)[0]
    c = run(*new(anchors, settings, seed=6), feats)[0]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.1  # the onset pulses' directions come from the seed
    kf, cs = new(anchors, settings, seed=5)
    run(kf, cs, feats[:300])
    kf.reset(5)
    np.testing.assert_array_equal(run(kf, cs, feats)[0], a)


# --------------------------------------------------------------------------- live parameters, scenes


def test_changing_the_parameters_changes_the_path(make_features):
    anchors = make_anchors()
    settings = {"keyframes": [0, 1, 2], "hold": 4, "glide": 4, "quantize": 4, **QUIET}
    feats = grid(make_features, 16 * 30)
    base, events = run(*new(anchors, settings), feats)
    assert frames_of(events, "move") == [120, 360] and frames_of(events, "arrive") == [240]

    kf, cs = new(anchors, settings)
    cs.set("keyframes.glide", 1.0)  # a fader: shorter moves
    z, events = run(kf, cs, feats)
    assert frames_of(events, "arrive")[0] == 150
    assert np.abs(z - base).max() > 1.0

    kf, cs = new(anchors, settings)
    cs.set("keyframes.hold", 8.0)
    _, events = run(kf, cs, feats)
    assert frames_of(events, "move")[0] == 240

    kf, cs = new(anchors, settings)
    cs.set("keyframes.hold", 2.5)
    cs.set_normalized("keyframes.quantize", 0.0)  # 1 beat, as a 0..1 surface would send it
    _, events = run(kf, cs, feats)
    assert frames_of(events, "move")[0] == 90

    kf, cs = new(anchors, settings)
    cs.set("keyframes.ease", 0.0)
    z, _ = run(kf, cs, feats)
    assert np.abs(z[130:230] - base[130:230]).max() > 0.05  # same ends, different timing between them
    np.testing.assert_array_equal(z[240], base[240])

    # the parameter read mid-move takes effect at once, and the move never runs backwards
    kf, cs = new(anchors, settings)
    z1, _ = run(kf, cs, feats[:180])
    cs.set("keyframes.glide", 16.0)
    z2, events = run(kf, cs, feats[180:])
    d = np.linalg.norm(np.concatenate([z1, z2])[120:300] - kf.keyframe_vectors[0], axis=1)
    assert np.all(np.diff(d) >= -1e-6)


def test_scene_switch_moves_on_the_next_boundary(make_features):
    anchors = make_anchors(5)
    kf, cs = new(anchors, {"keyframes": [0, 1, 2], "hold": 16, "glide": 2, "quantize": 4, **QUIET})
    V = kf.keyframe_vectors
    run(kf, cs, grid(make_features, 45))  # mid-beat 1
    cs.scene = 2  # a keyframe of the path: go there, without waiting for the 16-beat hold ...
    z, events = run(kf, cs, grid(make_features, 8 * 30, offset=1.5))
    assert events[0] == "scene"
    assert frames_of(events, "move") == [75]  # ... from the next bar line (beat 4)
    np.testing.assert_allclose(z[135], V[2], atol=1e-6)
    assert kf.keyframe == 2
    cs.scene = 4  # not on the path: visit the scene's anchor, then carry on after keyframe 2
    z, events = run(kf, cs, grid(make_features, 20 * 30, offset=9.5))
    scene4 = anchors[4] / np.linalg.norm(anchors[4]) * R
    np.testing.assert_allclose(z[frames_of(events, "arrive")[0]], scene4, atol=1e-5)
    assert kf.keyframe == 2


def test_scene_names_are_looked_up_in_the_control_state(make_features):
    anchors = make_anchors(3)
    kf, cs = new(anchors, {"keyframes": ["c", {"scene": "a", "hold": 1}], **QUIET})
    cs.scenes = ["a", "b", "c"]
    assert np.isnan(kf.keyframe_vectors).all()  # not known before the first frame
    z = kf.step(grid(make_features, 1)[0], 1 / FPS, cs)
    np.testing.assert_allclose(z, anchors[2] / np.linalg.norm(anchors[2]) * R, rtol=1e-6)
    kf, cs = new(anchors, {"keyframes": ["a", "nope"]})
    cs.scenes = ["a", "b", "c"]
    with pytest.raises(SettingsError, match=r"keyframes\[1\]: no scene named 'nope'") as err:
        kf.step(grid(make_features, 1)[0], 1 / FPS, cs)
    assert err.value.key == "keyframes[1]"


@pytest.mark.parametrize("settings,key", [
    ({"keyframes": [0, {"scene": 1, "seed": 2}]}, "keyframes[1]"),
    ({"keyframes": [0, {"scene": 1, "hold": "long"}]}, "keyframes[1].hold"),
    ({"keyframes": [0, {"scene": 1, "colour": 3}]}, "keyframes[1].colour"),
    ({"keyframes": [7]}, "keyframes[0]"),
    ({"keyframes": [0, 1.5]}, "keyframes[1]"),
    ({"keyframes": []}, "keyframes"),
    ({"hold": "4 bars"}, "hold"),
    ({"loop": 1}, "loop"),
])
def test_bad_settings_name_their_key(settings, key):
    with pytest.raises(SettingsError) as err:
        Keyframes(D, make_anchors(5), settings)
    assert err.value.key == key
    with pytest.warns(UserWarning, match="unknown settings"):
        Keyframes(D, make_anchors(5), {"jump_every": 4})


def test_defaults_without_settings_or_anchors(make_features):
    kf, cs = new(make_anchors(3))
    assert len(kf.keyframe_vectors) == 3  # every anchor, in order
    kf, cs = new(None, {"keyframes": [0, {"seed": 3}]})
    z, events = run(kf, cs, grid(make_features, 40 * 30, bass=0.3))
    assert "move" in events and np.all(np.isfinite(z))
    seeded = np.random.default_rng(3).standard_normal(D)
    np.testing.assert_allclose(kf.keyframe_vectors[1], seeded / np.linalg.norm(seeded) * R, rtol=1e-6)


def test_free_runs_on_the_bpm_without_beats_and_freeze_holds(make_features):
    kf, cs = new(make_anchors(), {"keyframes": [0, 1], "hold": 4, "glide": 2, "quantize": 1, **QUIET})
    feats = [make_features(t=i / FPS, bpm=120.0, beat_phase=0.0) for i in range(600)]  # the tracker says nothing
    z, events = run(kf, cs, feats)
    assert "move" in events and "arrive" in events
    assert np.linalg.norm(np.diff(z, axis=0), axis=1).max() < 0.1 * R
    cs.freeze = True
    frozen, _ = run(kf, cs, grid(make_features, 120, bass=1.0, onset=True))
    np.testing.assert_array_equal(frozen, np.broadcast_to(z[-1], frozen.shape))


def test_docs_example_builds_and_runs(make_features):
    doc = (ROOT / "docs" / "controllers.md").read_text()
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", doc, re.S) if 'name = "keyframes"' in b]
    assert blocks
    table = tomllib.loads(blocks[0])["controller"]
    kf = Keyframes(D, make_anchors(8), table["settings"])
    kf.reset(0)
    cs = ControlState(kf.PARAMS)
    cs.scenes = ["stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines"]
    z, events = run(kf, cs, grid(make_features, 64 * 30, bass=0.5, onset=lambda i: i % 40 == 0))
    assert "move" in events and np.all(np.isfinite(z))


def test_cheap_per_frame(make_features):
    kf, cs = new(make_anchors(), {"keyframes": [0, 1, 2, 3], "hold": 1, "glide": 2, "quantize": 1})
    feats = grid(make_features, 2000, bass=0.5, onset=lambda i: i % 7 == 0)
    best = float("inf")
    for _ in range(3):
        kf.reset(0)
        t0 = time.perf_counter()
        for f in feats:
            kf.step(f, 1 / FPS, cs)
        best = min(best, (time.perf_counter() - t0) / len(feats))
    assert best < 100e-6, f"{best * 1e6:.1f} us per step"


def test_picking_the_scene_showing_or_on_the_way_changes_nothing(make_features):
    settings = {"keyframes": [0, 1], "hold": 4, "glide": 2, **QUIET}
    feats = grid(make_features, 12 * 30)
    base, _ = run(*new(make_anchors(5), settings), feats)
    kf, cs = new(make_anchors(5), settings)
    out = [run(kf, cs, feats[:30])[0]]
    cs.scene = 0  # showing already: nothing to do
    out.append(run(kf, cs, feats[30:130])[0])  # the move to keyframe 1 starts at beat 4 (frame 120)
    cs.scene = 1  # where the move is going anyway
    z, events = run(kf, cs, feats[130:])
    out.append(z)
    assert events[0] == "scene" and "move" not in events[:100]
    np.testing.assert_array_equal(np.concatenate(out), base)
    # a scene asked for on the way somewhere else does turn the path, on the next boundary
    kf, cs = new(make_anchors(5), {"keyframes": [0, 1, 2], "hold": 2, "glide": 4, "quantize": 1, **QUIET})
    run(kf, cs, feats[:100])  # the move to keyframe 1 started at beat 2 (frame 60), arrives at beat 6
    assert kf.moving
    cs.scene = 2
    z, events = run(kf, cs, feats[100:])
    assert events[0] == "scene" and events[20] == "move"  # from the next beat (4, frame 120), mid-move
    assert "arrive" not in events[:140]
    np.testing.assert_allclose(z[20 + 120], kf.keyframe_vectors[2], atol=1e-6)  # 4 beats later
    assert kf.keyframe == 2
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    assert steps.max() < 0.05 * R  # no jump where the path turned
