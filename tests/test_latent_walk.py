"""audio-walk: deterministic, smooth between beats, jumps on beats, anchored, on the shell, drops morph."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from vjhost.control.state import ControlState
from vjhost.protocols import Features, LatentController
from vjhost_builtins.latent_walk import AudioWalk

D = 64
R = math.sqrt(D)
FPS = 60.0


def make_anchors(k: int = 5, seed: int = 3) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal((k, D))
    return (a / np.linalg.norm(a, axis=1, keepdims=True) * R).astype(np.float32)


def stream(n, bpm=120.0, beats=True, section=lambda i: "", bass=0.0, onset_every=0, centroid=lambda i: 0.5):
    """Features for n frames at 60 fps: a steady beat grid, optional bass / onsets / sections."""
    period = 60.0 / bpm
    for i in range(n):
        t = i / FPS
        k = int(t / period)
        k_prev = int((i - 1) / FPS / period) if i else -1
        is_beat = beats and k != k_prev
        yield Features(
            t=t, bpm=bpm, beat=is_beat, beat_phase=(t / period) % 1.0, beat_count=k,
            downbeat=is_beat and k % 4 == 0, bar_phase=(t / (4 * period)) % 1.0,
            bass=bass, kick_env=bass, onset=bool(onset_every) and i % onset_every == 3,
            centroid=centroid(i), section=section(i),
        )


def run(walk, controls, feats, dt=1 / FPS):
    out, events = [], []
    for f in feats:
        out.append(walk.step(f, dt, controls))
        events.append(walk.last_event)
    return np.array(out), events


def cosines(z, anchors):
    zn = z / np.linalg.norm(z, axis=-1, keepdims=True)
    an = anchors / np.linalg.norm(anchors, axis=-1, keepdims=True)
    return zn @ an.T


def new(anchors=None, settings=None, seed=0):
    w = AudioWalk(D, anchors, settings or {})
    w.reset(seed)
    return w, ControlState(w.PARAMS)


def test_protocol_and_output_type():
    w, cs = new(make_anchors())
    assert isinstance(w, LatentController)
    z = w.step(Features(), 1 / FPS, cs)
    assert z.shape == (D,) and z.dtype == np.float32
    assert all(p.name.startswith("latent.") for p in AudioWalk.PARAMS)
    assert {p.name for p in AudioWalk.PARAMS} >= {
        "latent.speed", "latent.jump", "latent.bass_push", "latent.onset_pulse", "latent.drift"}


def test_deterministic_for_a_seed():
    anchors = make_anchors()
    feats = list(stream(600, bass=0.6, onset_every=11, centroid=lambda i: 0.5 + 0.4 * math.sin(i / 50)))
    a = run(*new(anchors, seed=42), feats)[0]
    b = run(*new(anchors, seed=42), feats)[0]
    c = run(*new(anchors, seed=43), feats)[0]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.5
    # reset() replays the same path on the same object
    w, cs = new(anchors, seed=42)
    run(w, cs, feats[:100])
    w.reset(42)
    np.testing.assert_array_equal(run(w, cs, feats)[0], a)


@pytest.mark.parametrize("anchors", [None, make_anchors()], ids=["no-anchors", "anchors"])
def test_glides_smoothly_without_beats(anchors):
    # 12 s with no beat from the tracker (it free-runs on the BPM), steady bass, a wandering centroid
    w, cs = new(anchors)
    z, _ = run(w, cs, stream(720, beats=False, bass=0.5, centroid=lambda i: 0.5 + 0.5 * math.sin(i / 90)))
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    assert steps.max() < 0.06 * R, steps.max()
    assert steps.sum() > 2 * R  # ... but it does move


def test_jumps_on_beats():
    w, cs = new(make_anchors())
    feats = list(stream(600))
    z, events = run(w, cs, feats)
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    beat = np.array([f.beat for f in feats[1:]])
    assert beat.sum() >= 15
    assert steps[~beat].max() < 0.06 * R
    assert np.median(steps[beat]) > 0.1 * R
    assert np.median(steps[beat]) > 3 * steps[~beat].max()
    assert events[1:].count("jump") == beat.sum()


def test_jump_every_n_beats():
    w, cs = new(make_anchors(), {"jump_every": 4})
    feats = list(stream(600))
    _, events = run(w, cs, feats)
    n_beats = sum(f.beat for f in feats)
    assert abs(events.count("jump") - (n_beats - 1) // 4) <= 1


def test_stays_near_the_scene_anchor_and_follows_scene_changes():
    anchors = make_anchors(5)
    w, cs = new(anchors)
    cs.scene = 2
    z, _ = run(w, cs, stream(900, bass=0.7, onset_every=9))
    nearest = cosines(z, anchors).argmax(axis=1)
    assert (nearest == 2).mean() > 0.97
    assert cosines(z, anchors)[:, 2].mean() > 0.7
    cs.scene = 4
    z, events = run(w, cs, stream(300, bass=0.7))
    assert events[0] == "scene"
    assert (cosines(z[60:], anchors).argmax(axis=1) == 4).mean() > 0.97


@pytest.mark.parametrize("maxed", [False, True], ids=["defaults", "all-params-max"])
def test_stays_on_the_prior_norm_shell(maxed):
    w, cs = new(make_anchors())
    if maxed:
        for name in ("latent.jump", "latent.bass_push", "latent.onset_pulse", "latent.drift", "latent.speed"):
            cs.set_normalized(name, 1.0)
    rng = np.random.default_rng(0)
    feats = list(stream(1200, bass=1.0, onset_every=5, centroid=lambda i: float(rng.random()),
                        section=lambda i: ["", "build", "drop", "breakdown"][(i // 200) % 4]))
    z, _ = run(w, cs, feats)
    norms = np.linalg.norm(z, axis=1)
    # never outside sqrt(D) * (1 +- norm_band), even with everything at maximum
    assert np.all(np.abs(norms - R) <= w.norm_band * R + 1e-4), (norms.min(), norms.max())
    if not maxed:
        assert abs(norms.mean() - R) < 0.05 * R, norms.mean()


def test_drop_morphs_once_to_another_region_and_returns():
    anchors = make_anchors(5)
    w, cs = new(anchors)
    cs.scene = 1
    pre, _ = run(w, cs, stream(240))
    pre_steps = np.linalg.norm(np.diff(pre, axis=0), axis=1)
    # the drop starts off the beat grid (frame 7 of a beat): the morph must not wait for a beat
    drop = list(stream(247 + 480, section=lambda i: "drop" if i >= 247 else ""))[240:]
    z, events = run(w, cs, drop)
    assert events[7] == "drop" and events.count("drop") == 1
    big = np.linalg.norm(z[7] - z[6])
    assert big > 0.6 * R and big > 2 * pre_steps.max()
    nearest = cosines(z[30:], anchors).argmax(axis=1)
    assert (nearest != 1).mean() > 0.95  # a different anchor region for the whole drop
    # after the drop the walk glides home to the scene anchor
    after, events = run(w, cs, stream(240))
    assert "drop" not in events
    assert cosines(after[-60:], anchors).argmax(axis=1).tolist().count(1) > 55


def test_build_leans_toward_the_next_anchor():
    anchors = make_anchors(5)
    w, cs = new(anchors, {"build_bars": 4})
    cs.scene = 0
    run(w, cs, stream(120))
    z, _ = run(w, cs, stream(8 * 120, section=lambda i: "build"))  # 8 bars at 120 bpm
    c_next = cosines(z, anchors)[:, 1]
    assert c_next[-120:].mean() > c_next[:120].mean() + 0.2
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    beat = np.array([f.beat for f in stream(8 * 120)])[1:]
    assert steps[~beat].max() < 0.08 * R  # gradually


def test_bass_push_and_onset_pulse_move_the_latent():
    anchors = make_anchors()
    quiet = run(*new(anchors), stream(300))[0]
    loud = run(*new(anchors), stream(300, bass=1.0))[0]
    pulsed = run(*new(anchors), stream(300, onset_every=13))[0]
    assert np.linalg.norm(loud - quiet, axis=1).mean() > 0.05 * R
    assert np.linalg.norm(pulsed - quiet, axis=1).mean() > 0.02 * R


def test_params_are_read_each_step_and_settings_override_defaults():
    anchors = make_anchors()
    w, cs = new(anchors, {"jump": 0.0, "latent.drift": 0.0, "bass_push": 0.0, "onset_pulse": 0.0})
    params = {p.name: p for p in w.PARAMS}
    assert params["latent.jump"].default == 0.0 and params["latent.drift"].default == 0.0
    assert AudioWalk.PARAMS[1].default == 0.5  # the class attribute keeps the built-in defaults
    cs.scene = 3
    z, _ = run(w, cs, stream(120))
    # no jump offset, no push/pulse/drift: the walk settles on the scene anchor itself
    np.testing.assert_allclose(cosines(z[-1], anchors)[3], 1.0, atol=1e-4)
    cs.set("latent.jump", 2.0)
    z, _ = run(w, cs, stream(120))
    assert cosines(z[-1], anchors)[3] < 0.9
    with pytest.warns(UserWarning, match="unknown"):
        AudioWalk(D, anchors, {"jumpp": 1})


def test_freeze_holds_and_speed_zero_holds_the_glide():
    w, cs = new(make_anchors(), {"latent.drift": 0.0})
    z0 = w.step(Features(bpm=120), 1 / FPS, cs)
    cs.freeze = True
    z1 = w.step(Features(bpm=120, beat=True, bass=1.0), 1 / FPS, cs)
    np.testing.assert_array_equal(z0, z1)
    cs.freeze = False
    cs.set("latent.speed", 0.0)
    z, events = run(w, cs, stream(300))
    steps = np.linalg.norm(np.diff(z, axis=0), axis=1)
    beat = np.array(events[1:]) == "jump"
    assert steps[~beat].max() < 1e-5  # no glide between beats, only the snaps on them
    assert steps[beat].min() > 0.05 * R


def test_cheap_per_frame():
    w, cs = new(make_anchors())
    feats = list(stream(2000, bass=0.5, onset_every=7))
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for f in feats:
            w.step(f, 1 / FPS, cs)
        best = min(best, (time.perf_counter() - t0) / len(feats))
    assert best < 100e-6, f"{best * 1e6:.1f} us per step"


# --------------------------------------------------------------------------- the list, each behind a parameter

STILL = {"jump": 0.0, "bass_push": 0.0, "bass_zoom": 0.0, "onset_pulse": 0.0, "drift": 0.0}  # the bare anchor


def test_every_behaviour_is_a_parameter_in_the_control_model():
    _, cs = new(make_anchors(), {"jump_every": 4, "latent.drop_snap": 0.5, "centroid_steer": 0.0})
    params = cs.params()
    assert {"latent.speed", "latent.jump", "latent.jump_every", "latent.beat_snap", "latent.bass_push",
            "latent.bass_zoom", "latent.onset_pulse", "latent.drift", "latent.centroid_steer",
            "latent.build_pull", "latent.drop_snap"} <= set(params)
    assert cs.get("latent.jump_every") == 4.0 and cs.get("latent.drop_snap") == 0.5
    assert cs.get("latent.centroid_steer") == 0.0
    from vjhost.protocols import SettingsError

    with pytest.raises(SettingsError) as err:
        AudioWalk(D, None, {"jump_every": "often"})
    assert err.value.key == "jump_every"
    with pytest.raises(SettingsError):
        AudioWalk(D, None, {"free_run": "yes"})


def test_jumps_fall_on_the_beat_grid_every_n_beats_live(make_features):
    w, cs = new(make_anchors(), {"jump_every": 4})
    feats = list(stream(16 * 30))
    _, events = run(w, cs, feats)
    jumps = [i for i, e in enumerate(events) if e == "jump"]
    assert [feats[i].beat_count for i in jumps] == [0, 4, 8, 12]  # on the bar lines
    assert all(feats[i].downbeat for i in jumps)
    cs.set("latent.jump_every", 2.0)  # a fader: twice as often, from the next even beat
    _, events = run(w, cs, [f.copy() for f in feats])
    jumps = [i for i, e in enumerate(events) if e == "jump"]
    assert [feats[i].beat_count for i in jumps] == [0, 2, 4, 6, 8, 10, 12, 14]
    # the tracker's downbeats set the bar lines, even when its count does not start on one
    w, cs = new(make_anchors(), {"jump_every": 4})
    feats = [make_features(t=f.t, bpm=120.0, beat=f.beat, beat_phase=f.beat_phase, beat_count=f.beat_count + 1,
                           downbeat=f.beat and f.beat_count % 4 == 2) for f in stream(16 * 30)]
    _, events = run(w, cs, feats)
    jumps = [i for i, e in enumerate(events) if e == "jump"]
    assert all(feats[i].downbeat for i in jumps[1:]) and len(jumps) >= 3


def test_beat_snap_parameter_sets_the_hit():
    steps = {}
    for snap in (0.0, 1.0):
        w, cs = new(make_anchors(), {"latent.drift": 0.0, "bass_push": 0.0, "onset_pulse": 0.0})
        cs.set("latent.beat_snap", snap)
        z, events = run(w, cs, stream(300))
        jump = np.array(events[1:]) == "jump"
        steps[snap] = np.median(np.linalg.norm(np.diff(z, axis=0), axis=1)[jump])
    assert steps[1.0] > 0.5 * R and steps[0.0] < 0.1 * R


def test_bass_zoom_raises_the_latent_norm():
    anchors = make_anchors()
    quiet = run(*new(anchors, STILL | {"bass_zoom": 1.0}), stream(240))[0]
    loud = run(*new(anchors, STILL | {"bass_zoom": 1.0}), stream(240, bass=1.0))[0]
    nq, nl = np.linalg.norm(quiet, axis=1), np.linalg.norm(loud, axis=1)
    np.testing.assert_allclose(nq, R, rtol=1e-5)
    assert np.all(nl[10:] > R + 0.05 * R)  # outward ...
    assert np.all(nl <= R * (1 + 0.12) + 1e-4)  # ... within the norm band
    cos = np.sum(quiet * loud, axis=1) / (nq * nl)
    assert cos.min() > 1 - 1e-6  # the same direction: zoom only
    off = run(*new(anchors, STILL), stream(240, bass=1.0))[0]  # bass_zoom 0: bass changes nothing here
    np.testing.assert_allclose(off, quiet, atol=1e-5)


def test_centroid_turns_the_direction_of_travel():
    anchors = make_anchors()
    settings = STILL | {"drift": 1.0}

    def travel(centroid, steer=None):
        w, cs = new(anchors, settings, seed=7)
        if steer is not None:
            cs.set("latent.centroid_steer", steer)
        z, _ = run(w, cs, stream(90, centroid=lambda i: centroid))  # 1.5 s: within one drift plane
        return z[-1] - z[0]

    dark, mid, bright = travel(0.0), travel(0.5), travel(1.0)

    def cos(a, b):
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    assert np.linalg.norm(dark) > 0.3  # it travels ...
    assert cos(dark, bright) < -0.9  # ... dark and bright in opposite directions (+-90 degrees from the middle)
    assert abs(cos(dark, mid)) < 0.2 and abs(cos(bright, mid)) < 0.2
    assert cos(travel(0.0, steer=0.0), travel(1.0, steer=0.0)) > 0.999  # no steer: the centroid does nothing
    assert 0.2 < cos(travel(0.0, steer=0.5), mid) < 0.9  # half steer: 45 degrees


@pytest.mark.parametrize("settings", [{}, {"jump_every": 4, "speed": 0.25}], ids=["defaults", "slow-walk"])
def test_a_drop_after_a_build_morphs_to_the_target_within_a_beat(settings):
    anchors = make_anchors(5)
    w, cs = new(anchors, STILL | {"build_bars": 2} | settings)
    cs.scene = 0
    run(w, cs, stream(120))
    build, _ = run(w, cs, stream(180, section=lambda i: "build"))  # 1.5 bars: the build leans toward anchor 1
    c = cosines(build, anchors)
    assert c[-1, 1] > c[0, 1] + 0.1 and c[-1, 0] > c[-1, 1]  # leaning, not there
    # the drop lands 7 frames into a beat, off the grid; one beat is 30 frames
    z, events = run(w, cs, stream(7 + 120, section=lambda i: "drop" if i >= 7 else "build"))
    assert events[7] == "drop"
    c = cosines(z, anchors)[:, 1]
    assert c[7] > 0.85  # drop_snap of the way at once
    assert c[7 + 30] > 1 - 1e-6  # all the way within one beat, whatever the walk's speed
    assert c[7 + 29] < c[7 + 30]
    assert np.all(cosines(z[7:], anchors).argmax(axis=1) == 1)


def test_build_pull_parameter_sets_the_lean():
    anchors = make_anchors(5)
    lean = {}
    for pull in (0.0, 0.5, 1.0):
        w, cs = new(anchors, STILL | {"build_bars": 2})
        cs.set("latent.build_pull", pull)
        z, _ = run(w, cs, stream(300, section=lambda i: "build" if i >= 60 else ""))
        lean[pull] = cosines(z[-1], anchors)[1]
    assert lean[0.0] < lean[0.5] < lean[1.0]
    assert lean[1.0] > 1 - 1e-6  # a full pull reaches the drop's anchor before the drop


def test_docs_example_builds_and_runs():
    import re
    from pathlib import Path

    from vjhost.tomlcompat import tomllib

    doc = (Path(__file__).resolve().parents[1] / "docs" / "controllers.md").read_text()
    block = next(b for b in re.findall(r"```toml\n(.*?)```", doc, re.S) if 'name = "audio-walk"' in b)
    w, cs = new(make_anchors(), tomllib.loads(block)["controller"]["settings"])
    assert cs.get("latent.jump") == 0.9 and cs.get("latent.bass_zoom") == 0.5 and cs.get("latent.beat_snap") == 1.0
    z, events = run(w, cs, stream(240, bass=0.5))
    assert "jump" in events and np.all(np.isfinite(z))
