"""The synthesized demo track: deterministic, sane levels, and its ground truth matches its audio."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from vjhost.audio.demo import NOISE_FLOOR_RMS, DemoTrack, main, synthesize_demo, write_wav


@pytest.fixture(scope="module")
def track() -> DemoTrack:
    return synthesize_demo()  # the defaults: 20 s, 48 kHz, 128 BPM


def _read_wav(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels())
        return data.astype(np.float32) / 32767.0, w.getframerate()


def _lowband_envelope(x: np.ndarray, sr: int, hz: float = 150.0, frame: float = 0.005) -> np.ndarray:
    """Energy below ``hz`` in consecutive ``frame``-second frames (FFT brick-wall filter)."""
    spec = np.fft.rfft(x)
    spec[np.fft.rfftfreq(len(x), 1 / sr) > hz] = 0
    low = np.fft.irfft(spec, len(x))
    n = int(frame * sr)
    return (low[: len(low) // n * n].reshape(-1, n) ** 2).mean(axis=1)


def test_shape_levels_and_determinism(track):
    a = track.audio
    assert a.dtype == np.float32 and a.ndim == 2 and a.shape[1] == 2
    assert len(a) == 20 * 48000 and track.sr == 48000 and track.bpm == 128.0
    assert np.abs(a).max() <= 1.0
    assert 0.05 < float(np.sqrt(np.mean(a**2))) < 0.7  # a real mix level, not clipped to death
    again = synthesize_demo()
    assert np.array_equal(again.audio, a)
    assert not np.array_equal(synthesize_demo(duration=2.0, seed=1).audio, synthesize_demo(duration=2.0, seed=0).audio)


def test_never_digital_silence(track):
    """aubio drops onsets followed by digital silence: the mix keeps a ~-60 dBFS noise floor."""
    mono = track.mono()
    frames = mono[: len(mono) // 480 * 480].reshape(-1, 480)
    quietest = float(np.sqrt((frames**2).mean(axis=1)).min())
    assert 0.5 * NOISE_FLOOR_RMS < quietest


def test_ground_truth_grid(track):
    beat = 60.0 / 128.0
    assert np.allclose(np.diff(track.beats), beat)
    assert np.allclose(track.downbeats, track.beats[::4])
    # every kick is on a beat
    assert len(track.kicks) > 20
    assert np.allclose(track.kicks / beat, np.round(track.kicks / beat), atol=1e-6)
    names = [s[0] for s in track.sections]
    assert names[:4] == ["intro", "build", "drop", "breakdown"]
    assert track.sections[0][1] == 0.0 and track.sections[-1][2] == pytest.approx(track.duration)
    for (_, _, end), (_, start, _) in zip(track.sections, track.sections[1:]):
        assert end == pytest.approx(start)
    assert track.drop_time == pytest.approx(dict((n, s) for n, s, _ in reversed(track.sections))["drop"])
    assert track.section_at(track.drop_time + 0.1) == "drop"
    # the kick drops out for the last bar of the build
    bar = 4 * beat
    assert not np.any((track.kicks > track.drop_time - bar + 1e-6) & (track.kicks < track.drop_time - 1e-6))


def test_kicks_are_in_the_audio_on_the_beats(tmp_path, track):
    """Render to WAV, read it back and check with numpy that low-end hits start on the kick times."""
    path = tmp_path / "demo.wav"
    write_wav(path, track.audio, track.sr)
    audio, sr = _read_wav(path)
    assert sr == track.sr and audio.shape == track.audio.shape
    env = _lowband_envelope(audio.mean(axis=1), sr)
    frame = 0.005
    rises = []
    for k in track.kicks[track.kicks > 0.1]:
        i = int(round(k / frame))
        before, after = env[max(0, i - 6) : i].mean() + 1e-9, env[i + 1 : i + 8].mean()
        rises.append(after / before)
    # the low end jumps at every kick (>= 10 dB)
    assert np.percentile(rises, 10) > 10.0
    # and there is no kick-like low-end jump far from the kick grid in kick sections (quarter-beat off)
    beat = 60.0 / 128.0
    off = [k + beat / 4 for k in track.kicks[track.kicks > 0.1]]
    off_rises = [env[int(round(t / frame)) + 1 : int(round(t / frame)) + 8].mean()
                 / (env[int(round(t / frame)) - 6 : int(round(t / frame))].mean() + 1e-9) for t in off]
    assert np.median(off_rises) < 2.0


def test_drop_is_louder_than_the_intro_and_breakdown(track):
    def rms(name):
        (s, e), = [(s, e) for n, s, e in track.sections[:4] if n == name]
        seg = track.audio[int(s * track.sr) : int(e * track.sr)]
        return float(np.sqrt(np.mean(seg**2)))

    assert rms("drop") > 1.2 * rms("intro")
    assert rms("drop") > 2.0 * rms("breakdown")


def test_cli_writes_a_wav(tmp_path, capsys):
    out = tmp_path / "x.wav"
    assert main([str(out), "--duration", "3", "--bpm", "120"]) == 0
    audio, sr = _read_wav(out)
    assert sr == 48000 and audio.shape == (3 * 48000, 2)
    assert "120 BPM" in capsys.readouterr().out


def test_write_wav_mono_and_clipping(tmp_path):
    path = tmp_path / "m.wav"
    write_wav(path, np.array([0.0, 0.5, 2.0, -2.0], np.float32), 8000)
    audio, sr = _read_wav(path)
    assert sr == 8000 and audio.shape == (4, 1)
    assert np.allclose(audio[:, 0], [0.0, 0.5, 1.0, -1.0], atol=1e-4)


def test_long_tracks_are_rendered_in_pieces_with_the_same_music(monkeypatch):
    """A long track is rendered piece by piece (bounded memory); the pieces join without a seam: the same
    samples (to float32 rounding) and the same ground truth as rendering it in one piece."""
    import tracemalloc

    from vjhost.audio import demo

    args = dict(duration=96.0, sr=8000, bpm=240.0, seed=4)  # 2-4 s sections: many pieces, cheaply
    whole = synthesize_demo(**args)
    monkeypatch.setattr(demo, "CHUNK_S", 2.0)
    tracemalloc.start()
    try:
        pieces = synthesize_demo(**args)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert pieces.audio.dtype == np.float32 and pieces.audio.shape == whole.audio.shape
    assert np.abs(pieces.audio.astype(np.float64) - whole.audio).max() < 1e-6
    assert pieces.sections == whole.sections
    for k in ("beats", "kicks", "snares", "hats"):
        assert np.array_equal(getattr(pieces, k), getattr(whole, k)), k
    # the work beside the output is a piece's, not the whole track's float64 stems (8 channels of n samples)
    stems = 8 * len(whole.audio) * 8
    assert peak - pieces.audio.nbytes < 0.4 * stems, (peak, stems)
