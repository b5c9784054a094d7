"""The live show in a real glfw window, on a virtual X display (Xvfb)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt-get install xvfb)")


@pytest.fixture(scope="module")
def xdisplay():
    for n in range(91, 120):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(5)


def run_live(xdisplay, tmp_path, *extra):
    env = {**os.environ, "DISPLAY": xdisplay, "JACK_NO_START_SERVER": "1"}
    env.pop("PYOPENGL_PLATFORM", None)
    shot = tmp_path / "last.png"
    r = subprocess.run([sys.executable, "-m", "vjhost", "run", "--pack", "ikeda", "--size", "320x180", "--seconds", "3",
                        "--no-midi", "--no-link", "--osc-port", "0", "--screenshot", str(shot), *extra],
                       env=env, capture_output=True, text=True, timeout=120)
    return r, shot


def png_pixels(path):
    import zlib

    data = path.read_bytes()
    w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    idat, i = b"", 8
    while i < len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        if data[i + 4:i + 8] == b"IDAT":
            idat += data[i + 8:i + 8 + n]
        i += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * 3)
    return raw[:, 1:].reshape(h, w, 3)


def test_live_window_plays_a_file_and_draws(xdisplay, tmp_path, demo_track):
    from vjhost.audio.demo import write_wav

    wav = tmp_path / "demo.wav"
    write_wav(wav, demo_track.audio[: 48000 * 6], demo_track.sr)
    r, shot = run_live(xdisplay, tmp_path, "--audio", str(wav))
    assert r.returncode == 0, r.stderr
    assert "live - pack ikeda, 320x180" in r.stdout
    px = png_pixels(shot)
    assert px.shape == (180, 320, 3) and px.std() > 20  # stripes, not a blank window


def test_live_without_an_input_device_runs_on_the_internal_clock(xdisplay, tmp_path):
    r, shot = run_live(xdisplay, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "internal clock" in r.stderr
    assert png_pixels(shot).std() > 20


@pytest.fixture
def second_pack(tmp_path):
    """A second installed pack ('ikedab', the ikeda files under another name) for pack switches."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "persona_packs" / "ikeda" / "vjhost_ikeda"
    site = tmp_path / "site"
    pkg = site / "vjhost_ikedab"
    shutil.copytree(src, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    (pkg / "__init__.py").write_text((src / "__init__.py").read_text().replace('"ikeda"', '"ikedab"'))
    toml = (pkg / "pack.toml").read_text().replace('name = "ikeda"', 'name = "ikedab"', 1)
    (pkg / "pack.toml").write_text(toml)
    info = site / "vjhost_pack_ikedab-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vjhost-pack-ikedab\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[vjhost]\nikedab = vjhost_ikedab\n")
    return site


def test_cue_list_switches_pack_with_a_transition_and_the_take_is_recorded(xdisplay, tmp_path, demo_track, second_pack):
    import mido

    from vjhost.audio.demo import write_wav

    wav = tmp_path / "demo.wav"
    write_wav(wav, demo_track.audio[: 48000 * 8], demo_track.sr)
    cues = tmp_path / "set.toml"
    cues.write_text('schema_version = 1\n\n[[cues]]\nname = "open"\npack = "ikeda"\nbars = 1\n\n'
                    '[[cues]]\nname = "switch"\npack = "ikedab"\ntransition = "painterly"\n'
                    'transition_beats = 2\nbars = 8\n')
    take = tmp_path / "take.mid"
    env_path = f"{second_pack}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    os.environ["PYTHONPATH"], old = env_path, os.environ.get("PYTHONPATH")
    try:
        r, shot = run_live(xdisplay, tmp_path, "--audio", str(wav), "--cues", str(cues), "--record", str(take))
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = old
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    markers = [m.text for m in mido.MidiFile(str(take)).tracks[0] if m.type == "marker"]
    assert any(t.startswith('vj:pack "ikedab"') for t in markers), markers
    assert "vjhost: pack ikedab (paint over 2 beats)" in r.stdout
    assert any(t.startswith("vj:transition") for t in markers), markers
    assert png_pixels(shot).std() > 20


def test_osc_switches_the_pack_of_a_running_show(xdisplay, tmp_path, second_pack):
    import socket

    from pythonosc.udp_client import SimpleUDPClient

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DISPLAY": xdisplay, "JACK_NO_START_SERVER": "1",
           "PYTHONPATH": f"{second_pack}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("PYOPENGL_PLATFORM", None)
    proc = subprocess.Popen([sys.executable, "-m", "vjhost", "run", "--size", "160x90", "--seconds", "20", "--no-midi",
                             "--no-link", "--osc-port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert "live - pack ikeda" in proc.stdout.readline()
        client = SimpleUDPClient("127.0.0.1", port)
        client.send_message("/vj/pack", "ikedab")
        line = proc.stdout.readline()
        assert line.startswith("vjhost: pack ikedab"), line
    finally:
        proc.terminate()
        proc.wait(20)


def test_the_show_tells_the_performer_how_it_is_doing(xdisplay, tmp_path):
    """Software GL is announced once, the HUD labels fps / render scale / decode rate, the run ends with a summary."""
    r, shot = run_live(xdisplay, tmp_path, "--hud", "--render-scale", "0.5")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("software OpenGL") == 1 and "fixed render scale of 50%" in r.stderr
    summary = [line for line in r.stdout.splitlines() if "fps (target 60)" in line]
    assert len(summary) == 1 and "p99" in summary[0] and "dropped" in summary[0] and "render scale 50%" in summary[0]
    px = png_pixels(shot).astype(int)
    assert px.shape == (180, 320, 3)  # the HUD at the window's size, over the chain drawn at half of it
    corner = px[: int(0.2 * 180), int(0.55 * 320):].mean(-1)
    assert (corner > 200).sum() > 40 and (corner < 60).sum() > 200  # the status text on its dark panel


def test_a_bad_render_scale_is_named(tmp_path):
    r = subprocess.run([sys.executable, "-m", "vjhost", "run", "--render-scale", "0.2"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "--render-scale" in r.stderr and "0.5..1" in r.stderr
