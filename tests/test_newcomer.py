"""What a new user trips over first (issue 12): every demo/render option explained, the demo's full output
path and git-ignored numbered demos, one quiet line when there is no MIDI system, the file's own sample rate."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", ["demo", "render", "run", "bench"])
def test_every_option_has_help_text(command):
    from vjhost.cli import build_parser

    ap = build_parser()
    sub = next(a for a in ap._actions if a.dest == "cmd").choices[command]
    missing = [a.option_strings[0] for a in sub._actions if a.option_strings and a.dest != "help" and not a.help]
    assert not missing, f"vjhost {command}: no help for {missing}"


def test_numbered_demos_are_git_ignored(tmp_path):
    for name in ("demo.mp4", "demo-2.mp4", "demo-17.mp4", "demo.wav"):
        r = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", name])
        assert r.returncode == 0, f"{name} is not git-ignored"


def test_demo_reports_the_full_path(tmp_path):
    out = tmp_path / "first.mp4"
    env_cmd = [sys.executable, "-m", "vjhost", "demo", "--offline", "--duration", "1", "--size", "160x90", "--fps",
               "30", "--out", str(out)]
    r = subprocess.run(env_cmd, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"wrote {out.resolve()}:" in r.stdout
    assert "\r" not in r.stderr  # stderr is not a terminal here: plain progress lines, no redrawn bar


def test_no_midi_system_is_one_quiet_line():
    from vjhost.control.midi import MidiSurface
    from vjhost.control.state import ControlState
    from vjhost.faults import FaultLog

    err = io.StringIO()
    log = FaultLog(stream=err)
    surface = MidiSurface([], ControlState(), backend="vjhost_no_such_backend", faults=log, poll_interval=0.01).start()
    try:
        import time

        end = time.monotonic() + 5
        while "midi" not in log.faults and time.monotonic() < end:
            time.sleep(0.02)
    finally:
        surface.stop()
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and "[error]" not in lines[0] and lines[0].startswith("vjhost: MIDI control is off")
    assert "no MIDI system" in log.faults["midi"].message  # the whole story is kept for `vjhost devices` and the HUD


def test_analyze_prints_the_files_own_sample_rate(tmp_path, capsys):
    import numpy as np

    from vjhost.audio.demo import synthesize_demo, write_wav
    from vjhost.cli import main

    track = synthesize_demo(duration=4.0, seed=2)
    wav = tmp_path / "t.wav"
    write_wav(wav, track.audio[: 44100 * 4], 44100)  # the samples, labelled 44.1 kHz
    assert main(["analyze", str(wav)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "44100 Hz stereo" in first and "analysed at 48000 Hz" in first
    assert np.isfinite(4.0)
