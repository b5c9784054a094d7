"""``vjhost analyze``: the JSON report, --curves, --plot and file errors (vjhost.analysis.report)."""

from __future__ import annotations

import argparse
import json
import struct
import zlib

import numpy as np
import pytest

from vjhost.analysis.report import CURVE_NAMES, EVENTS, add_parser, main, plot_size
from vjhost.audio.demo import synthesize_demo, write_wav
from vjhost.audio.files import AudioFileError

BPM = 128.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vjhost")
    add_parser(p.add_subparsers(dest="command", required=True))
    return p


@pytest.fixture(scope="module")
def demo_wav(tmp_path_factory):
    # 14 s: intro (4 bars), build (2 bars), the drop from 11.25 s
    track = synthesize_demo(duration=14.0, bpm=BPM, seed=2)
    path = tmp_path_factory.mktemp("analyze") / "demo.wav"
    write_wav(path, track.audio, track.sr)
    return path, track


@pytest.fixture(scope="module")
def result(demo_wav, tmp_path_factory):
    """One full run (--json --curves --plot) through the subparser, as the CLI will call it."""
    path, _ = demo_wav
    png = tmp_path_factory.mktemp("plot") / "out.png"
    args = _parser().parse_args(["analyze", str(path), "--json", "--curves", "--plot", str(png)])
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = args.func(args)
    assert rc == 0
    return json.loads(buf.getvalue()), png


def test_json_has_every_field_with_plausible_values(result, demo_wav):
    res, _ = result
    _, track = demo_wav
    for key in ("bpm", "beats", "downbeats", "onsets", "kicks", "snares", "hats", "sections", "duration"):
        assert key in res, key
    assert res["duration"] == pytest.approx(14.0, abs=0.05)
    assert abs(res["bpm"] / BPM - 1.0) < 0.01
    for key, _ in EVENTS:
        ev = np.array(res[key])
        assert np.all(np.diff(ev) > 0) and np.all((ev >= 0) & (ev <= res["duration"] + 1e-6)), key
    beats = np.array(res["beats"])
    assert 15 <= len(beats) <= 25  # ~ (14 s - lock time) at 128 BPM
    assert np.median(np.diff(beats)) == pytest.approx(60.0 / BPM, rel=0.03)
    assert set(res["downbeats"]) <= set(res["beats"])
    kicks = np.array(res["kicks"])
    hits = [np.any(np.abs(kicks - k - 0.02) < 0.04) for k in track.kicks]
    assert np.mean(hits) > 0.8
    assert len(res["hats"]) > 20 and len(res["onsets"]) > 20 and len(res["snares"]) >= 2
    for s in res["sections"]:
        assert s["name"] in ("build", "drop", "breakdown") and 0 <= s["start"] < s["end"] <= res["duration"] + 1e-6
    assert any(s["name"] == "drop" and abs(s["start"] - track.drop_time) < 0.6 for s in res["sections"])


def test_curves(result):
    res, _ = result
    c = res["curves"]
    n = len(c["t"])
    assert n == int(14.0 * 48000) // 512
    for name in CURVE_NAMES:
        assert len(c[name]) == n, name
    assert np.array(c["bands"]).shape == (n, 8)
    assert len(c["section"]) == n
    assert 0.0 <= min(c["rms"]) and max(c["rms"]) <= 1.0 + 1e-6
    assert c["bpm"][-1] == pytest.approx(res["bpm"], abs=1e-3)


def _read_png(path) -> np.ndarray:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and ctype == 2
    pos, idat = 8, b""
    while pos < len(data):
        (ln,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + ln]
        pos += 12 + ln
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert np.all(raw[:, 0] == 0)  # write_png uses filter 0
    return raw[:, 1:].reshape(h, w, 3)


def test_plot_is_a_png_of_the_right_size_and_not_blank(result):
    res, png = result
    img = _read_png(png)
    assert img.shape[:2] == plot_size()
    assert res["plot"] == str(png)
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50  # waveform, heat strip, ticks, labels
    assert img.std() > 20


def test_text_output(demo_wav, capsys):
    path, _ = demo_wav
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "bpm" in out and "kicks" in out and "sections" in out


@pytest.mark.parametrize("kind", ["missing", "garbage"])
def test_bad_file_is_an_error(tmp_path, capsys, kind):
    path = tmp_path / "track.wav"
    if kind == "garbage":
        path.write_bytes(b"this is not audio" * 100)
    args = _parser().parse_args(["analyze", str(path)])
    with pytest.raises(AudioFileError, match=str(path)):
        args.func(args)
    assert main([str(path), "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"vjhost: error: {path}: ")
