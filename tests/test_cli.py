"""The command line as a user meets it: listings, clear errors for bad flags, validate."""

from __future__ import annotations

import json

import pytest

from vjhost.cli import main


@pytest.mark.parametrize("argv,message", [
    (["render", "--audio", "x.wav", "--out", "o.mp4", "--size", "1280by720"], "size must look like 1280x720"),
    (["render", "--audio", "x.wav", "--out", "o.mp4", "--size", "1281x720"], "width and height must be even"),
    (["render", "--audio", "x.wav", "--out", "o.mp4", "--fps", "-3"], "must be > 0"),
    (["render", "--audio", "x.wav", "--out", "o.mp4", "--start", "-1"], "must be >= 0"),
    (["run", "--audio", "a.wav", "--audio-device", "Rubix24"], "not allowed with argument"),
])
def test_bad_flags_get_a_clear_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as err:
        main(argv)
    assert err.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_audio_file_is_named(tmp_path, capsys):
    assert main(["render", "--audio", str(tmp_path / "nope.wav"), "--out", str(tmp_path / "o.mp4")]) == 1
    err = capsys.readouterr().err
    assert "nope.wav" in err and err.startswith("vjhost: error:")


def test_unknown_pack_lists_what_is_installed(tmp_path, capsys, demo_track):
    from vjhost.audio.demo import write_wav

    wav = tmp_path / "t.wav"
    write_wav(wav, demo_track.audio[:48000], demo_track.sr)
    assert main(["render", "--pack", "nosuch", "--audio", str(wav), "--out", str(tmp_path / "o.mp4")]) == 1
    err = capsys.readouterr().err
    assert "no pack named 'nosuch' (installed: " in err and "ikeda" in err.split("installed: ", 1)[1]


def test_packs_and_plugins_json(capsys):
    assert main(["packs", "--json"]) == 0
    packs = json.loads(capsys.readouterr().out)
    ikeda = next(p for p in packs["packs"] if p["name"] == "ikeda")
    assert ikeda["distribution"] == "vjhost-pack-ikeda" and ikeda["error"] is None and len(ikeda["scenes"]) == 8
    assert main(["plugins", "--json"]) == 0
    plugins = {p["name"]: p for p in json.loads(capsys.readouterr().out)["plugins"]}
    assert plugins["builtins"]["registers"]["decoders"] == ["torch", "onnx"]
    assert plugins["ikeda"]["registers"] == {"packs": ["ikeda"]}


def test_devices_says_clearly_when_there_are_none(capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "audio inputs:" in out and "MIDI inputs:" in out and "monitors:" in out
    assert "none (no display" in out
    assert main(["devices", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) >= {"audio_inputs", "midi", "monitors"}


def test_run_without_a_display_points_to_render(capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["run", "--pack", "ikeda"]) == 1
    assert "no display" in capsys.readouterr().err


@pytest.mark.parametrize("pack,effect", [("ikeda", "ikeda_flicker"), ("kusama", "kusama_mirror"),
                                         ("teamlab", "teamlab_bloom")])
def test_pack_validate_shipped_packs(capsys, pack, effect):
    assert main(["pack", "validate", pack, "--json", "--size", "160x90"]) == 0
    report = json.loads(capsys.readouterr().out)
    names = {c["name"]: c for c in report["checks"]}
    assert report["ok"], [c for c in report["checks"] if not c["ok"]]
    assert {"manifest", "weights", "scene anchors", "decode", "shader source", f"shader {effect}", "render",
            "layout apc_mini_mk2"} <= set(names)
    assert "frames/s" in names["decode"]["detail"]
