"""Bad input never costs the user's work: one clear error naming the file and the problem, through
the real ``vjhost`` entry point; outputs written under a temporary name and renamed, never over an
existing file unless ``--force``."""

from __future__ import annotations

import importlib
import io
import os
import pickle
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from vjhost.cli import main

IKEDA = Path(__file__).resolve().parents[1] / "persona_packs" / "ikeda" / "vjhost_ikeda"


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "error" in line.lower()]


def one_error(capsys, *needles: str) -> str:
    """Exactly one error line, and it names every needle (the file, the problem)."""
    err = capsys.readouterr().err
    lines = error_lines(err)
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], (n, lines[0])
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def wav(tmp_path, demo_track):
    from vjhost.audio.demo import write_wav

    path = tmp_path / "track.wav"
    write_wav(path, demo_track.audio[: 48000], demo_track.sr)
    return path


# --------------------------------------------------------------------------- absurd flag values


@pytest.mark.parametrize("argv,message", [
    (["render", "--size", "0x0"], "argument --size: size '0x0': width and height must be even, 16..8192"),
    (["render", "--size", "99999x99999"], "argument --size: size '99999x99999'"),
    (["render", "--size", "-1280x720"], "argument --size"),
    (["render", "--fps", "-1"], "argument --fps: must be > 0, got '-1'"),
    (["render", "--fps", "0"], "argument --fps: must be > 0"),
    (["render", "--fps", "100000"], "argument --fps: must be at most 240"),
    (["render", "--duration", "-5"], "argument --duration: must be > 0, got '-5'"),
    (["render", "--duration", "nan"], "argument --duration: expected a finite number, got 'nan'"),
    (["render", "--start", "-0.5"], "argument --start: must be >= 0"),
    (["render", "--start", "inf"], "argument --start: expected a finite number"),
    (["render", "--decode-every", "0"], "argument --decode-every: must be > 0"),
    (["demo", "--duration", "-1"], "argument --duration: must be > 0"),
    (["demo", "--bpm", "0"], "argument --bpm: must be 20..400"),
    (["demo", "--bpm", "1e9"], "argument --bpm: must be 20..400"),
    (["run", "--seconds", "-3"], "argument --seconds: must be > 0"),
    (["run", "--osc-port", "70000"], "argument --osc-port: must be 0..65535"),
    (["run", "--web-port", "-1"], "argument --web-port: must be 0..65535"),
    (["run", "--decode-hz", "-1"], "argument --decode-hz: must be 0..240"),
    (["run", "--monitor", "-1"], "argument --monitor: must be 0..64"),
    (["run", "--fps", "nan"], "argument --fps: expected a number, got 'nan'"),
])
def test_absurd_values_get_one_usage_error(argv, message, capsys, tmp_path):
    if argv[0] == "render":
        argv = argv + ["--audio", "x.wav", "--out", str(tmp_path / "o.mp4")]
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == 2
    out = capsys.readouterr()
    assert message in out.err and out.err.count("error:") == 1
    assert not (tmp_path / "o.mp4").exists()


# --------------------------------------------------------------------------- audio files


def test_audio_that_is_text_empty_or_missing_is_named(tmp_path, capsys):
    cases = {
        "notes.wav": (b"title = 'my set'\nbpm = 128\n", "is a text file, not audio (it starts \"title = 'my set'\")"),
        "set.flac": (b"just some words\n", "is a text file, not audio"),
        "empty.mp3": (b"", "empty file (0 bytes), not audio"),
        "noise.wav": (bytes(range(256)) * 8, "cannot open as audio"),
    }
    out = tmp_path / "o.mp4"
    for name, (data, problem) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert main(["render", "--audio", str(tmp_path / name), "--out", str(out), "--quiet"]) == 1
        one_error(capsys, str(tmp_path / name), problem)
    assert main(["render", "--audio", str(tmp_path), "--out", str(out)]) == 1
    one_error(capsys, str(tmp_path), "is a directory")
    assert not out.exists()


def six_channel_96k(path: Path, seconds: float = 1.0) -> Path:
    import av

    sr = 96000
    t = np.arange(int(sr * seconds)) / sr
    x = np.stack([0.2 * np.sin(2 * np.pi * (110 * (i + 1)) * t) for i in range(6)]).astype(np.float32)
    with av.open(str(path), "w") as c:
        s = c.add_stream("pcm_f32le", rate=sr)
        s.layout = "5.1"
        fr = av.AudioFrame.from_ndarray(x, format="fltp", layout="5.1")
        fr.sample_rate, fr.pts = sr, 0
        for p in [*s.encode(fr), *s.encode(None)]:
            c.mux(p)
    return path


def test_six_channel_96k_audio_plays_downmixed_to_stereo_48k(tmp_path, capsys):
    """A 5.1 96 kHz master is not an error: FFmpeg's downmix and resampler make it a stereo 48 kHz track."""
    import av

    from vjhost.audio.files import read_audio

    src = six_channel_96k(tmp_path / "master51.wav")
    audio, sr = read_audio(src, sr=48000)
    assert audio.shape == (48000, 2) and sr == 48000 and np.abs(audio).max() > 0.1
    out = tmp_path / "six.mp4"
    assert main(["render", "--audio", str(src), "--out", str(out), "--size", "64x64", "--fps", "10", "--quiet"]) == 0
    assert "error" not in capsys.readouterr().err
    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.sample_rate == 48000 and a.codec_context.channels == 2
        assert c.streams.video[0].frames == 10


# --------------------------------------------------------------------------- packs: weights, manifest, layout


def install_pack(site: Path, name: str) -> Path:
    """A copy of ikeda installed as ``name`` (a dist-info with the entry point) under ``site``; returns its folder."""
    pkg = site / f"vjhost_{name}"
    shutil.copytree(IKEDA, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    (pkg / "__init__.py").write_text((IKEDA / "__init__.py").read_text().replace('"ikeda"', f'"{name}"'))
    toml = (pkg / "pack.toml").read_text().replace('name = "ikeda"', f'name = "{name}"', 1)
    (pkg / "pack.toml").write_text(toml)
    info = site / f"vjhost_pack_{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: vjhost-pack-{name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[vjhost]\n{name} = vjhost_{name}\n")
    return pkg


@pytest.fixture
def broken_pack(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    pkg = install_pack(site, "brokenpk")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    sys.modules.pop("vjhost_brokenpk", None)  # another test's copy
    yield pkg
    sys.modules.pop("vjhost_brokenpk", None)


def _torch_zip() -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save({"w": torch.zeros(3)}, buf)
    return buf.getvalue()


def _nan_weights(good: bytes) -> bytes:
    import json

    n = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + n])
    name, info = next((k, v) for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32")
    start = 8 + n + info["data_offsets"][0]
    return good[:start] + np.float32(np.nan).tobytes() + good[start + 4:]


WEIGHT_CASES = {
    "truncated": (lambda good: good[: len(good) // 2], "truncated: tensor"),
    "truncated header": (lambda good: good[:600], "truncated: the header needs"),
    "empty": (lambda good: b"", "empty file (0 bytes)"),
    "pickle renamed": (lambda good: pickle.dumps({"decoder.w": [0.0] * 8}, protocol=4), "this is a Python pickle"),
    "torch.save renamed": (lambda good: _torch_zip(), "this is a zip archive (PyTorch's torch.save format"),
    "huge header": (lambda good: struct.pack("<Q", 1 << 40) + good[8:],
                    "its header claims 1099511627776 bytes, more than the 8 MiB limit"),
    "header not json": (lambda good: good[:8] + b"\xff" * 64 + good[72:], "the header is not JSON"),
    "nan": (_nan_weights, "holds NaN or infinite values"),
}


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_corrupt_weights_are_named_by_render_and_validate(case, broken_pack, wav, tmp_path, capsys):
    weights = broken_pack / "weights" / "decoder.safetensors"
    make, problem = WEIGHT_CASES[case]
    weights.write_bytes(make(weights.read_bytes()))
    out = tmp_path / "o.mp4"
    assert main(["render", "--pack", "brokenpk", "--audio", str(wav), "--out", str(out), "--size", "64x64",
                 "--quiet"]) == 1
    one_error(capsys, str(weights), problem)
    assert not out.exists() and not list(tmp_path.glob("*.part*"))
    assert main(["pack", "validate", "brokenpk"]) == 1
    fails = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert any(str(weights) in line and problem in line for line in fails), fails


def test_bad_pack_manifest_is_named_with_its_line(broken_pack, wav, tmp_path, capsys):
    toml = broken_pack / "pack.toml"
    lines = toml.read_text().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("title ="))
    lines[i] = 'title = "ikeda: data / test pattern'  # a string never closed
    toml.write_text("\n".join(lines) + "\n")
    assert main(["render", "--pack", "brokenpk", "--audio", str(wav), "--out", str(tmp_path / "o.mp4")]) == 1
    one_error(capsys, str(toml), "not valid TOML", f"line {i + 1}")
    lines[i] = 'title = "ikeda"'
    j = next(k for k, line in enumerate(lines) if line.startswith("scenes ="))
    lines[j] = "scenes = 7"
    toml.write_text("\n".join(lines) + "\n")
    assert main(["pack", "validate", "brokenpk"]) == 1
    fails = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert any(f"{toml}:{j + 1}: scenes" in line for line in fails), fails


def test_bad_pack_layout_is_named_by_validate(broken_pack, capsys):
    layout = broken_pack / "layouts" / "apc_mini_mk2.toml"
    text = layout.read_text()
    layout.write_text(text.replace("dim = 20", "dim = \"bright\""))
    line = text.splitlines().index("dim = 20") + 1
    assert main(["pack", "validate", "brokenpk"]) == 1
    fails = [f for f in capsys.readouterr().out.splitlines() if f.startswith("FAIL")]
    assert any(f"{layout}:{line}" in f and "dim" in f for f in fails), fails
    layout.write_text(text + "\n[[faders]]\ncc = 999\n")
    assert main(["pack", "validate", "brokenpk"]) == 1
    fails = [f for f in capsys.readouterr().out.splitlines() if f.startswith("FAIL")]
    assert any(f"{layout}:" in f and "faders" in f for f in fails), fails


def test_bad_cue_list_and_replay_are_named_before_the_show_starts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":nowhere")  # the checks come before any window is opened
    cues = tmp_path / "set.toml"
    cues.write_text("schema_version = 1\n\n[[cues]]\nname = \"open\"\nbars = -4\n")
    assert main(["run", "--cues", str(cues)]) == 1
    one_error(capsys, f"{cues}:5", "bars")
    cues.write_text("schema_version = 1\n[[cues]\n")
    assert main(["run", "--cues", str(cues)]) == 1
    one_error(capsys, str(cues))
    take = tmp_path / "take.mid"
    take.write_text("not a midi file\n")
    assert main(["run", "--replay", str(take)]) == 1
    one_error(capsys, str(take), "not a readable MIDI file")
    take.write_bytes(b"")
    assert main(["run", "--replay", str(take)]) == 1
    one_error(capsys, str(take), "not a readable MIDI file")
    notes = tmp_path / "notes.wav"
    notes.write_text("remember the encore\n")
    assert main(["run", "--audio", str(notes)]) == 1
    one_error(capsys, str(notes), "is a text file, not audio")


def test_midi_learn_refuses_to_touch_a_broken_layout(tmp_path, capsys):
    layout = tmp_path / "mine.toml"
    text = 'schema_version = 1\ndevice = "generic"\n\n[[ccs]]\ncc = 300\nparam = "master.brightness"\n'
    layout.write_text(text)
    assert main(["midi", "learn", "master.brightness", "--layout", str(layout), "--timeout", "0.1"]) == 1
    err = capsys.readouterr().err  # one error: the refusal, then the layout's problems as file:line: key: message
    assert err.count("vjhost: error:") == 1 and "learn will not write" in err and f"{layout}:5: " in err, err
    assert layout.read_text() == text and not list(tmp_path.glob("*.bak"))


# --------------------------------------------------------------------------- outputs never clobber


def test_render_never_overwrites_without_force_and_writes_through_a_temp_name(wav, tmp_path, capsys, monkeypatch):
    out = tmp_path / "show.mp4"
    out.write_bytes(b"the user's earlier render")
    args = ["render", "--audio", str(wav), "--out", str(out), "--size", "64x64", "--fps", "10", "--quiet"]
    with pytest.raises(SystemExit) as err:
        main(args)
    assert err.value.code == 2 and f"{out} exists; pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"the user's earlier render"

    # a render that dies half-way (--force) leaves the old file whole and no temp file behind
    from vjhost.output import video

    seen = []

    def dying(real):  # (frames reach the writer by write(), or by write_frame() where GL reads into its frames)
        def write(self, frame):
            seen.append(self.tmp)
            if len(seen) == 4:
                raise RuntimeError("disk full")
            return real(self, frame)
        return write

    monkeypatch.setattr(video.VideoWriter, "write", dying(video.VideoWriter.write))
    monkeypatch.setattr(video.VideoWriter, "write_frame", dying(video.VideoWriter.write_frame))
    with pytest.raises(RuntimeError, match="disk full"):
        main(args + ["--force"])
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".show.") and seen[0].suffix == ".mp4"
    assert out.read_bytes() == b"the user's earlier render" and sorted(tmp_path.iterdir()) == sorted([out, wav])
    monkeypatch.undo()
    assert main(args + ["--force"]) == 0
    assert out.read_bytes()[4:8] == b"ftyp" and sorted(tmp_path.iterdir()) == sorted([out, wav])


def test_demo_takes_the_next_free_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    Path("demo.mp4").write_bytes(b"first")
    Path("demo-2.mp4").write_bytes(b"second")
    assert main(["demo", "--duration", "0.5", "--size", "64x64", "--fps", "10", "--quiet"]) == 0
    assert f"wrote {(tmp_path / 'demo-3.mp4').resolve()}:" in capsys.readouterr().out  # the full path (issue 12)
    assert Path("demo.mp4").read_bytes() == b"first" and Path("demo-2.mp4").read_bytes() == b"second"
    assert Path("demo-3.mp4").stat().st_size > 1000


def test_run_refuses_to_record_over_a_take_or_a_screenshot(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DISPLAY", ":nowhere")
    take = tmp_path / "take.mid"
    take.write_bytes(b"MThd the user's best take")
    for flag, path in (("--record", take), ("--screenshot", tmp_path / "last.png")):
        path.write_bytes(b"mine") if not path.exists() else None
        before = path.read_bytes()
        with pytest.raises(SystemExit) as err:
            main(["run", flag, str(path)])
        assert err.value.code == 2
        assert f"{flag} {path} exists; pass --force" in capsys.readouterr().err
        assert path.read_bytes() == before
    with pytest.raises(SystemExit):
        main(["run", "--record", str(tmp_path / "no" / "such" / "take.mid")])
    assert "does not exist" in capsys.readouterr().err


def test_a_take_saved_over_an_existing_file_goes_to_the_next_free_name(tmp_path):
    from vjhost.control.record import PerformanceRecorder
    from vjhost.control.state import ControlState
    from vjhost.protocols import Param

    st = ControlState((Param("master.brightness", 1.0, 0.0, 1.0),))
    rec = PerformanceRecorder(st, None)
    rec.start()
    st.set("master.brightness", 0.5)
    rec.stop()
    take = tmp_path / "take.mid"
    take.write_bytes(b"earlier take")
    saved = rec.save(take, force=False)
    assert saved == tmp_path / "take-2.mid" and take.read_bytes() == b"earlier take"
    assert saved.read_bytes()[:4] == b"MThd"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take-2.mid", "take.mid"]
    assert rec.save(take, force=True) == take and take.read_bytes()[:4] == b"MThd"


def test_atomic_finish_never_replaces_a_file_that_appeared(tmp_path):
    from vjhost.atomic import OutputExists, atomic_output, free_name

    dest = tmp_path / "out.png"
    with pytest.raises(OutputExists):
        with atomic_output(dest) as tmp:
            tmp.write_bytes(b"new")
            dest.write_bytes(b"appeared meanwhile")
    assert dest.read_bytes() == b"appeared meanwhile"
    kept = [p for p in tmp_path.iterdir() if p != dest]
    assert len(kept) == 1 and kept[0].read_bytes() == b"new"  # the new work is kept, not lost
    with pytest.raises(ZeroDivisionError):
        with atomic_output(tmp_path / "x.png") as tmp:
            tmp.write_bytes(b"half")
            raise ZeroDivisionError
    assert not (tmp_path / "x.png").exists() and len(list(tmp_path.iterdir())) == 2
    assert free_name(dest) == tmp_path / "out-2.png"


def test_pack_new_never_touches_an_existing_folder(tmp_path, capsys):
    mine = tmp_path / "mypack"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own work")
    footage = tmp_path / "clips"
    footage.mkdir()
    assert main(["pack", "new", "mypack", "--footage", str(footage), "--dir", str(tmp_path)]) == 1
    one_error(capsys, str(mine), "already exists")
    assert os.listdir(mine) == ["notes.txt"] and (mine / "notes.txt").read_text() == "my own work"


@pytest.mark.parametrize("second", [2, 3, 4, 5])
def test_a_safetensors_file_whose_header_length_looks_like_a_pickle_loads(tmp_path, second):
    """A header of 0x0280..0x0580 bytes writes 0x80 0x02..0x05 first -- a pickle's magic.  Such a file is
    still safetensors (its JSON starts right after the length) and must load, not be refused as a pickle."""
    import torch
    from safetensors.torch import save_file

    from vjhost.decode.weights import check_safetensors

    path = tmp_path / "w.safetensors"
    pad = 0
    while True:  # grow a metadata string until the header is exactly 0x80 + 256 * second bytes
        save_file({"w": torch.zeros(3)}, str(path), metadata={"pad": "x" * pad})
        n = struct.unpack("<Q", path.read_bytes()[:8])[0]
        if n >= 0x80 + 256 * second:
            break
        pad += 0x80 + 256 * second - n
    assert path.read_bytes()[:2] == bytes([0x80, second])
    assert set(check_safetensors(path)) == {"w", "__metadata__"}
