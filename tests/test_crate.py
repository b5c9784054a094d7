"""The crate companion's parts: keys and Camelot, tempo/key/energy ranking, the look, room energy, the embedding."""

from __future__ import annotations

import numpy as np
import pytest

from vjhost.crate.db import Track
from vjhost.crate.key import camelot, camelot_relation, detect_key, mirex_score, parse_key
from vjhost.crate.look import Character, choose_look, palette_for
from vjhost.crate.suggest import energy_fit, resolve_direction, suggest, tempo_match
from vjhost.crate.synth import TrackSpec, synthesize_track

INSTALLED = ["ikeda", "kusama", "teamlab"]


# --------------------------------------------------------------------------- keys


def test_camelot_codes_follow_the_wheel():
    assert camelot(9, "minor") == "8A" and camelot(0, "major") == "8B"
    assert camelot(7, "major") == "9B" and camelot(4, "minor") == "9A"  # G, E minor: a fifth up
    assert camelot(11, "major") == "1B" and camelot(8, "minor") == "1A"  # B, G# minor
    assert camelot(5, "major") == "7B" and camelot(2, "minor") == "7A"  # F, D minor
    codes = {camelot(t, m) for t in range(12) for m in ("major", "minor")}
    assert len(codes) == 24
    assert parse_key("Am") == (9, "minor") and parse_key("F# major") == (6, "major")
    assert parse_key("Bb minor") == (10, "minor") and parse_key("8B") == (0, "major")
    with pytest.raises(ValueError):
        parse_key("H# dorian")


def test_camelot_relations():
    assert camelot_relation("8A", "8A") == "same"
    assert camelot_relation("8A", "9A") == "+1" and camelot_relation("12B", "1B") == "+1"
    assert camelot_relation("1A", "12A") == "-1"
    assert camelot_relation("8A", "8B") == "relative"
    assert camelot_relation("8A", "10A") is None and camelot_relation("8A", "9B") is None


def test_mirex_score_matches_mir_eval():
    mir_eval = pytest.importorskip("mir_eval")
    names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    for rt in range(12):
        for rm in ("major", "minor"):
            for et in range(12):
                for em in ("major", "minor"):
                    ref, est = f"{names[rt]} {rm}", f"{names[et]} {em}"
                    assert mirex_score((rt, rm), (et, em)) == pytest.approx(
                        mir_eval.key.weighted_score(ref, est)), (ref, est)


@pytest.mark.parametrize("spec", [
    TrackSpec("house", 9, "minor", 124.0, seed=1, duration=16.0, intensity=0.6),
    TrackSpec("downtempo", 6, "major", 100.0, seed=2, duration=16.0, intensity=0.3),
    TrackSpec("trance", 2, "minor", 138.0, seed=3, duration=16.0, intensity=0.7, progression=2),
])
def test_key_of_synthesised_tracks(spec):
    tr = synthesize_track(spec, sr=22050)
    k = detect_key(tr.audio.mean(axis=1), 22050)
    assert (k.tonic, k.mode) == (spec.tonic, spec.mode), f"{spec.key} heard as {k.name}"
    assert k.camelot == camelot(spec.tonic, spec.mode)


# --------------------------------------------------------------------------- ranking


def _track(i, bpm, cam_key, energy, emb, genre="house", brightness=0.5):
    tonic, mode = parse_key(cam_key)
    e = np.asarray(emb, np.float32)
    e = e / np.linalg.norm(e)
    return Track(id=i, path=f"/crate/t{i}.wav", duration=60.0, bpm=bpm, key=f"{tonic} {mode}", tonic=tonic, mode=mode,
                 camelot=camelot(tonic, mode), energy=energy, brightness=brightness, genre=genre, embedding=e,
                 segments=e[None, :])


def test_tempo_match_allows_six_percent_and_half_double():
    assert tempo_match(128.0, 128.0)[0] == 1.0
    s, f, d = tempo_match(128.0, 134.0)
    assert d < 0.06 and s > 0.6 and f == 1.0
    assert tempo_match(128.0, 140.0)[2] > 0.06 and tempo_match(128.0, 140.0)[0] < 0.6
    s, f, d = tempo_match(87.0, 174.0)
    assert f == 0.5 and d == pytest.approx(0.0) and s == 1.0
    assert tempo_match(174.0, 87.0)[1] == 2.0


def test_suggest_prefers_mixable_tracks_and_explains_why():
    base = np.eye(8)[0] + 0.2
    cur = _track(1, 124.0, "Am", 0.6, base)
    close_clash = _track(2, 124.0, "F#", 0.6, base + 0.01 * np.eye(8)[1])  # sounds the same, key clash
    good = _track(3, 126.0, "Em", 0.62, base + 0.3 * np.eye(8)[2])  # +1 on the wheel, 1.6 % faster
    far_tempo = _track(4, 140.0, "Am", 0.6, base + 0.3 * np.eye(8)[3])  # same key, 13 % faster
    half = _track(5, 62.5, "C", 0.6, base + 0.3 * np.eye(8)[4])  # relative major at half time
    sug = suggest(cur, [cur, close_clash, good, far_tempo, half], direction="keep")
    ids = [s.track.id for s in sug]
    assert 1 not in ids and len(ids) == 4
    assert ids.index(3) < ids.index(2) and ids.index(3) < ids.index(4)
    top = sug[0]
    assert top.key_ok and top.tempo_ok
    text = " ".join(sug[ids.index(5)].reasons)
    assert "relative" in text and "half time" in text
    assert any("key clash" in r for r in sug[ids.index(2)].reasons)
    assert suggest(cur, [cur, good], exclude=[3]) == []


def test_energy_direction_changes_the_order():
    cur = _track(1, 128.0, "Am", 0.5, np.ones(4))
    calm = _track(2, 128.0, "Am", 0.3, np.ones(4))
    hot = _track(3, 128.0, "Am", 0.65, np.ones(4))
    assert suggest(cur, [calm, hot], direction="up")[0].track.id == 3
    assert suggest(cur, [calm, hot], direction="down")[0].track.id == 2
    assert energy_fit(0.5, 0.52, "keep") > energy_fit(0.5, 0.8, "keep")
    assert resolve_direction("room", None) == "keep"  # no camera: nothing changes
    assert resolve_direction("room", 0.1) == "up" and resolve_direction("room", 0.8) == "keep"
    with pytest.raises(ValueError):
        resolve_direction("sideways")


# --------------------------------------------------------------------------- the look


def test_look_only_picks_installed_personas():
    calm = Character(energy=0.25, brightness=0.5, major=1.0, bpm=100.0, genre="downtempo", camelot="11B")
    hard = Character(energy=0.85, brightness=0.8, major=0.0, bpm=132.0, genre="techno", camelot="8A")
    party = Character(energy=0.65, brightness=0.55, major=1.0, bpm=124.0, genre="house", camelot="9B")
    assert choose_look(calm, INSTALLED).persona == "teamlab"
    assert choose_look(hard, INSTALLED).persona == "ikeda"
    assert choose_look(party, INSTALLED).persona == "kusama"
    # a better-fitting persona that isn't installed is never chosen
    assert choose_look(hard, ["kusama", "teamlab"]).persona in ("kusama", "teamlab")
    assert choose_look(calm, ["ikeda", "mikami"]).persona == "mikami"
    with pytest.raises(LookupError):
        choose_look(calm, ["mypack"])
    look = choose_look(hard, INSTALLED)
    assert set(look.scores) == set(INSTALLED) and "techno" in look.reason


def test_palette_follows_the_key_and_energy():
    pal, hue = palette_for(Character(energy=0.9, major=0.0, camelot="8A"))
    assert len(pal) == 4 and all(len(c) == 7 and c.startswith("#") for c in pal)
    lum = [sum(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in pal]
    assert lum[0] < lum[-1]  # darkest first
    _, hue9 = palette_for(Character(energy=0.9, major=0.0, camelot="9A"))
    assert 0.05 < (hue9 - hue) % 1.0 < 0.12  # one step round the wheel: the neighbouring hue
    pal_low, _ = palette_for(Character(energy=0.05, major=0.0, camelot="8A"))
    sat = lambda c: max(int(c[i:i + 2], 16) for i in (1, 3, 5)) - min(int(c[i:i + 2], 16) for i in (1, 3, 5))  # noqa: E731
    assert sat(pal_low[2]) < sat(pal[2])


# --------------------------------------------------------------------------- room energy


def _frames(motion_px: int, n: int = 30, size=(240, 320), seed=0):
    """A dark room with a bright 'dancer' square that moves ``motion_px`` a frame, plus sensor noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        f = np.full(size + (3,), 30.0)
        x = 40 + (i * motion_px) % 200
        f[80:160, x:x + 60] = 200.0
        f += rng.normal(0, 2.0, f.shape)
        out.append(np.clip(f, 0, 255).astype(np.uint8))
    return out


def test_motion_energy_on_synthetic_frames():
    from vjhost.crate.room import MotionMeter, motion_energy

    still = _frames(0)
    slow, fast = _frames(4), _frames(25)
    assert motion_energy(still[0], still[1]) == pytest.approx(0.0, abs=1e-3)  # noise alone is no motion
    e_slow = np.mean([motion_energy(a, b) for a, b in zip(slow, slow[1:])])
    e_fast = np.mean([motion_energy(a, b) for a, b in zip(fast, fast[1:])])
    assert 0.0 < e_slow < e_fast <= 1.0
    m = MotionMeter(tau=0.5)
    for i, f in enumerate(fast * 2):
        m.update(f, i * 0.1)
    busy = m.energy
    for i, f in enumerate(still * 2):
        m.update(f, 6.0 + i * 0.1)
    assert busy > 0.8 and m.energy < 0.1


def test_no_camera_says_so_once_and_changes_nothing():
    pytest.importorskip("cv2")
    from vjhost.crate.room import RoomCamera

    said = []
    cam = RoomCamera("/dev/video-vjhost-none", say=said.append).start()
    try:
        assert cam.status == "unavailable" and cam.energy is None
        assert len(said) == 1 and "no camera" in said[0] and "go on without it" in said[0]
    finally:
        cam.stop()


def test_no_opencv_says_so(monkeypatch):
    import builtins

    from vjhost.crate.room import RoomCamera

    real = builtins.__import__

    def no_cv2(name, *a, **kw):
        if name == "cv2":
            raise ImportError("no cv2")
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_cv2)
    said = []
    cam = RoomCamera(0, say=said.append).start()
    assert cam.energy is None and len(said) == 1 and "OpenCV is not installed" in said[0]


# --------------------------------------------------------------------------- the embedding


def test_shipped_embedding_loads_and_is_small():
    from vjhost.crate.embed import EMBED_DIM, default_weights, load_embedder, log_mel, patches

    p = default_weights()
    assert p.stat().st_size < 1_000_000
    emb = load_embedder()
    assert emb.genres and "training" in emb.metadata
    tr = synthesize_track(TrackSpec("techno", 0, "minor", 130.0, seed=5, duration=8.0), sr=22050)
    x = patches(log_mel(tr.audio.mean(axis=1)))
    e1, logits = emb.forward(x)
    assert e1.shape == (len(x), EMBED_DIM) and np.allclose(np.linalg.norm(e1, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(e1, emb.forward(x)[0])  # deterministic
    # the level of the input does not matter (patches are mean-centred log-mels)
    x_quiet = patches(log_mel(0.25 * tr.audio.mean(axis=1)))
    assert (emb.forward(x_quiet)[0] * e1).sum(axis=1).min() > 0.99
    assert emb.genres[int(np.argmax(logits.mean(axis=0)))] == "techno"


def test_bad_embedding_files_are_named(tmp_path):
    from safetensors.numpy import save_file

    from vjhost.crate.embed import WeightsFileError, load_embedder

    text = tmp_path / "notes.safetensors"
    text.write_text("hello")
    with pytest.raises(WeightsFileError, match="notes.safetensors: not a safetensors"):
        load_embedder(text)
    wrong = tmp_path / "wrong.safetensors"
    save_file({"conv0.weight": np.zeros((3, 1, 3, 3), np.float32)}, str(wrong))
    with pytest.raises(WeightsFileError, match="wrong.safetensors: tensor 'conv0.weight' has shape"):
        load_embedder(wrong)
    with pytest.raises(WeightsFileError, match="no such weights file"):
        load_embedder(tmp_path / "missing.safetensors")


def test_audio_window_keeps_the_last_seconds():
    from vjhost.crate.identify import AudioWindow

    w = AudioWindow(1.0, 100)
    w.write(np.arange(60, dtype=np.float32))
    assert w.seconds == pytest.approx(0.6) and np.array_equal(w.read(), np.arange(60))
    w.process(np.arange(60, 130, dtype=np.float32), None)
    assert np.array_equal(w.read(), np.arange(30, 130))
