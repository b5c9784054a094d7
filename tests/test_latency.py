"""Beat-predictive triggering and the latency calibration."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from vjhost.analysis.live import InternalClock
from vjhost.output.calibrate import Calibration
from vjhost.output.latency import BeatPredictor, LatencyFileError, latency_path, load_latency, save_latency, tap_offset
from vjhost.protocols import Features

FPS = 60


def _beats(lead: float, seconds: float = 4.0, bpm: float = 120.0):
    clock = InternalClock(bpm)
    pred = BeatPredictor(lead)
    fired, heard = [], []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        f = clock.features(t)
        if f.beat:
            heard.append(t)
        g = pred.apply(f)
        if g.beat:
            fired.append((t, g.beat_count, g.downbeat, g.bar_phase))
    return fired, heard


def test_beats_fire_the_lead_early_once_each_on_the_predicted_grid():
    fired, heard = _beats(0.1)
    times = [t for t, *_ in fired]
    # each beat fires on the first frame at least 100 ms before it is heard (the grid's next beat)
    for t, n, down, bar in fired:
        beat_at = n * 0.5
        assert beat_at - 0.1 - 1 / FPS < t <= beat_at - 0.1 + 1e-9
        assert down == (n % 4 == 0) and bar == pytest.approx(((n % 4) + (t + 0.1 - beat_at) / 0.5) / 4, abs=1e-6)
    assert [n for _, n, *_ in fired] == list(range(1, 9))  # never twice, none skipped
    assert len(heard) == 8 and all(h - t == pytest.approx(0.1, abs=1 / FPS) for t, h in zip(times, heard[1:]))


def test_no_lead_costs_nothing():
    pred = BeatPredictor(0.0)
    f = Features(beat=True)
    assert pred.apply(f) is f


def test_a_tracker_correction_backwards_never_fires_a_beat_twice():
    pred = BeatPredictor(0.08)
    f = Features(bpm=120.0, beat_count=3, beat_phase=0.8, bar_phase=0.95)
    assert not pred.apply(f).beat
    g = pred.apply(Features(bpm=120.0, beat_count=3, beat_phase=0.95, bar_phase=0.99, t=0.02))
    assert g.beat and g.beat_count == 4 and g.downbeat
    back = pred.apply(Features(bpm=120.0, beat_count=3, beat_phase=0.7, bar_phase=0.925, t=0.04))  # phase pulled back
    assert not back.beat
    again = pred.apply(Features(bpm=120.0, beat_count=3, beat_phase=0.9, bar_phase=0.975, t=0.06))
    assert not again.beat  # beat 4 fired already
    assert len(pred.fired) == 1
    with pytest.raises(ValueError, match="0..500 ms"):
        BeatPredictor(0.9)


def test_tap_offset_is_robust_to_a_missed_and_a_doubled_tap():
    stim = [1.0 + 0.6 * k for k in range(10)]
    taps = [s + 0.18 for s in stim]
    del taps[3]
    taps.append(stim[6] + 0.19)
    assert tap_offset(stim, taps, 0.6) == pytest.approx(0.18, abs=0.005)
    with pytest.raises(ValueError, match="tap along"):
        tap_offset(stim, [s + 0.3 for s in stim[:2]] + [0.0, 100.0, 200.0], 0.6)


def test_calibration_measures_the_pictures_latency_relative_to_the_sound():
    """A projector 70 ms late, a PA 10 ms late, a performer who reacts in ~180 ms (with jitter): 60 ms."""
    rng = np.random.default_rng(0)
    cal = Calibration(start=100.0, bpm=100.0, beats=12)
    cal.clicks = [cal.stimulus("click", n) for n in range(12)]  # when the sound card played them
    cal.flashes = [cal.stimulus("flash", n) for n in range(12)]  # when the window presented them
    for s in cal.clicks:
        cal.tap(s + 0.010 + 0.18 + rng.normal(0, 0.012))  # heard 10 ms later, tapped 180 ms after that
    for s in cal.flashes:
        cal.tap(s + 0.070 + 0.18 + rng.normal(0, 0.012))  # seen 70 ms later
    assert len(cal.click_taps) == 12 and len(cal.flash_taps) == 12
    latency, click, flash = cal.result()
    assert latency == pytest.approx(0.060, abs=0.012)
    assert cal.phase_at(cal.stimulus("flash", 11) + 1.5) == "done"


def test_the_saved_latency_is_read_back_and_a_bad_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_latency() is None
    path = save_latency(0.0625)
    assert path == latency_path() == tmp_path / "vjhost" / "latency.toml"
    assert load_latency() == pytest.approx(0.0625, abs=1e-4)
    path.write_text("# calibrated\nvideo_ms = 900\n")
    with pytest.raises(LatencyFileError, match=rf"{path}:2: video_ms: 900 out of range 0..500"):
        load_latency()
    path.write_text("video_ms = 'soon'\n")
    with pytest.raises(LatencyFileError, match=rf"{path}:1: video_ms: expected a number"):
        load_latency()


def test_the_live_show_takes_its_lead_from_the_flag_or_the_calibration(tmp_path, monkeypatch, capsys):
    from vjhost.output.live import _latency

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = argparse.Namespace(predictor=None)
    _latency(s, argparse.Namespace(latency_ms=None))
    assert s.predictor is None  # no calibration, no flag: nothing runs per frame
    save_latency(0.045)
    _latency(s, argparse.Namespace(latency_ms=None))
    assert s.predictor.lead == pytest.approx(0.045, abs=1e-4)
    assert "fire 45 ms early" in capsys.readouterr().out
    s.predictor = None
    _latency(s, argparse.Namespace(latency_ms=0.0))
    assert s.predictor is None  # --latency-ms 0 turns it off
    (tmp_path / "vjhost" / "latency.toml").write_text("video_ms = -3\n")
    _latency(s, argparse.Namespace(latency_ms=None))
    assert s.predictor is None and "out of range" in capsys.readouterr().err


def test_calibrate_without_a_display_says_so(monkeypatch, capsys):
    from vjhost.cli import main

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["calibrate"]) == 1
    assert "calibrate needs the stage display" in capsys.readouterr().err
