"""Outputs besides the window: the hook, the frame tap, NDI / virtual camera / Spout / Syphon, the show recording."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.output.outputs import FrameTap, OutputSet, availability, check_requests, open_outputs, parse_request
from vjhost.protocols import Features, OutputFrame, OutputSpec

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


# --------------------------------------------------------------------------- the hook


def test_a_third_party_output_registers_through_vjhost_register_outputs(tmp_path, monkeypatch):
    from test_plugins import install_fake_dist

    from vjhost.plugins import load_host

    install_fake_dist(tmp_path, monkeypatch, "vj-out", "vj_out", """
        from vjhost import hookimpl
        from vjhost.protocols import OutputSpec

        class Counter:
            wants = "features"
            def __init__(self, setting, size, fps):
                self.frames = 0
            def send(self, frame):
                self.frames += 1
            def close(self):
                pass

        @hookimpl
        def vjhost_register_outputs(register):
            register(OutputSpec("counter", Counter, "counts frames", available=lambda: None))
    """)
    host = load_host()
    assert "counter" in host.outputs and host.outputs.owner("counter") == "vj_out"
    assert {"virtualcam", "ndi", "spout", "syphon", "lights"} <= set(host.outputs.names())
    faults = FaultLog(stream=None)
    outs = open_outputs(host, check_requests(host, ["counter"]), (64, 36), 60, faults, stream=io.StringIO())
    for _ in range(3):
        outs.send(0.0, Features())
    assert outs.outputs[0].output.frames == 3  # features-only: no GL touched at all
    assert outs.tap is None


def test_requests_and_unknown_names(host):
    assert parse_request("ndi=Main stage") == ("ndi", "Main stage")
    assert parse_request("spout") == ("spout", None)
    with pytest.raises(ValueError, match=r"--output nope: no such output \(have: .*ndi.*virtualcam"):
        check_requests(host, ["nope"])


def test_devices_says_which_outputs_work_here_and_why_not(host):
    rows = {r["name"]: r for r in availability(host)}
    if sys.platform.startswith("linux"):
        assert not rows["spout"]["available"] and "Windows only" in rows["spout"]["reason"]
        assert not rows["syphon"]["available"] and "macOS only" in rows["syphon"]["reason"]
    assert rows["lights"]["available"]
    r = subprocess.run([PY, "-m", "vjhost", "devices"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    text = r.stdout.split("outputs (", 1)[1]
    for name in ("ndi", "virtualcam", "spout", "syphon", "lights"):
        assert f"  {name}" in text
    if sys.platform.startswith("linux"):
        assert "spout       not available: Spout is Windows only" in text


def test_an_unavailable_output_is_named_once_and_the_show_goes_on(host):
    stream = io.StringIO()
    faults = FaultLog(stream=stream)
    requests = [("spout", None), ("syphon", "x")] if sys.platform.startswith("linux") else []
    if not requests:
        pytest.skip("the not-on-this-OS path is checked on Linux")
    outs = open_outputs(host, requests, (64, 36), 60, faults, stream=stream)
    assert outs is None  # nothing open: nothing runs per frame
    lines = stream.getvalue().strip().splitlines()
    assert len(lines) == 2
    assert "output spout is not available: Spout is Windows only" in lines[0]
    assert "the show goes on without it" in lines[0]


def test_a_device_that_fails_to_open_is_reported_once():
    stream = io.StringIO()
    faults = FaultLog(stream=stream)

    def broken(setting, size, fps):
        raise OSError("/dev/video9: no such device")

    class FakeHost:
        from vjhost.plugins import Registry
        outputs = Registry("outputs")

    FakeHost.outputs.add("cam", OutputSpec("cam", broken), "test", builtin=True)
    assert open_outputs(FakeHost, [("cam", None)], (64, 36), 60, faults, stream=stream) is None
    assert stream.getvalue().count("could not open: /dev/video9: no such device") == 1


# --------------------------------------------------------------------------- the frame tap


def _draw(GL, fbo, w, h, top, bottom):
    """Fill ``fbo``: the top half ``top``, the bottom half ``bottom`` (RGB 0..1)."""
    GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
    GL.glViewport(0, 0, w, h)
    GL.glEnable(GL.GL_SCISSOR_TEST)
    for (y, rgb) in ((h // 2, top), (0, bottom)):
        GL.glScissor(0, y, w, h // 2)
        GL.glClearColor(*rgb, 1.0)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    GL.glDisable(GL.GL_SCISSOR_TEST)


def _target(GL, w, h):
    from vjhost.render.chain import _Target

    return _Target(w, h)


def test_frame_tap_reads_back_one_frame_late_top_row_first(gl):
    from OpenGL import GL

    src = _target(GL, 64, 36)
    tap = FrameTap((32, 18))  # also scales: the outputs' size need not be the window's
    _draw(GL, src.fbo, 64, 36, (1, 0, 0), (0, 0, 1))
    assert not tap.capture(1.0, src.fbo, (64, 36))  # the read was only started
    _draw(GL, src.fbo, 64, 36, (0, 1, 0), (0, 0, 0))
    assert tap.capture(2.0, src.fbo, (64, 36))
    assert tap.rgba_t == 1.0  # frame 1's pixels, while frame 2 is being read
    assert tuple(tap.rgba[0, 5, :3]) == (255, 0, 0) and tuple(tap.rgba[-1, 5, :3]) == (0, 0, 255)  # top row first
    buf = tap.rgba
    assert tap.capture(3.0, src.fbo, (64, 36))
    assert tap.rgba is buf  # one buffer, refilled: nothing allocated per frame
    assert tuple(tap.rgba[0, 5, :3]) == (0, 255, 0)
    tap.close()
    src.release(GL)


class _Collect:
    wants = "rgba"

    def __init__(self):
        self.got, self.closed = [], False

    def send(self, frame):
        self.got.append((frame.t, frame.rgba[0, 0, :3].copy()))

    def close(self):
        self.closed = True


class _Raises:
    wants = "rgba"

    def __init__(self):
        self.calls, self.closed = 0, False

    def send(self, frame):
        self.calls += 1
        raise OSError("the device disappeared")

    def close(self):
        self.closed = True


def test_an_output_that_raises_is_reported_once_bypassed_and_the_others_go_on(gl):
    from OpenGL import GL

    stream = io.StringIO()
    faults = FaultLog(stream=stream)
    outs = OutputSet((32, 18), faults)
    good, bad = _Collect(), _Raises()
    outs.add("cam", bad)
    outs.add("ndi", good)
    src = _target(GL, 32, 18)
    for i in range(8):
        _draw(GL, src.fbo, 32, 18, (i / 10, 0, 0), (0, 0, 0))
        outs.send(float(i), Features(), src_fbo=src.fbo, src_size=(32, 18))
    assert bad.calls == 3 and bad.closed  # three strikes, then bypassed and its device released
    assert [t for t, _ in good.got] == [float(i) for i in range(7)]  # every frame, one frame late
    assert [int(c[0]) for _, c in good.got] == [round(i / 10 * 255) for i in range(7)]
    text = stream.getvalue()
    assert text.count("[error] output cam: OSError: the device disappeared") == 1  # said once ...
    assert text.count("[bypassed] output cam") == 1  # ... and once more when it is bypassed
    outs.close()
    assert good.closed
    src.release(GL)


# --------------------------------------------------------------------------- NDI, virtual camera


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


NDI_SCRIPT = textwrap.dedent("""
    import numpy as np
    from vjhost.output.video_out import NdiSender
    from vjhost.protocols import OutputFrame
    s = NdiSender("vjhost test", (64, 36), 30.0)
    fr = OutputFrame(size=(64, 36), rgba=np.full((36, 64, 4), 200, np.uint8))
    for _ in range(10):
        s.send(fr)
    import time; time.sleep(0.2)
    s.close()
    print("sent", s.box.sent, "dropped", s.box.dropped, "connections", s.connections(0.0) if False else 0)
""")


def test_ndi_sender_is_created_in_process_with_no_traffic_beyond_this_machine():
    if not _has("cyndilib"):
        pytest.skip("cyndilib is not installed (pip install -e .[outputs]): the NDI output is unavailable here")
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare(1) missing: the NDI test runs in a network namespace holding only loopback")
    probe = subprocess.run([unshare, "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private network namespace here ({probe.stderr.decode().strip()})")
    # a fresh network namespace: only 127.0.0.1 exists, so NDI's discovery cannot reach any other machine
    cmd = ["sh", "-c", f"ip link set lo up 2>/dev/null; exec {PY} -c \"$0\"", NDI_SCRIPT]
    r = subprocess.run([unshare, "-n", *cmd], capture_output=True, text=True, timeout=60, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    sent = int(r.stdout.split("sent", 1)[1].split()[0])
    assert sent >= 1


def test_ndi_unavailable_without_cyndilib_is_one_clear_reason(monkeypatch):
    import importlib.util

    from vjhost.output import video_out

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "cyndilib" else real(name, *a))
    assert video_out.ndi_available() == ("the cyndilib package is not installed "
                                         "(pip install cyndilib (or pip install -e .[outputs]))")


def _v4l2_device() -> str | None:
    from vjhost.output.video_out import v4l2loopback_devices

    devs = v4l2loopback_devices()
    if not devs and shutil.which("modprobe") and os.geteuid() == 0:
        subprocess.run(["modprobe", "v4l2loopback", "devices=1", "exclusive_caps=1", "card_label=vjhost-test"],
                       capture_output=True, timeout=30)
        devs = v4l2loopback_devices()
    return devs[0] if devs else None


def test_virtual_camera_against_a_real_v4l2loopback_device():
    if not sys.platform.startswith("linux"):
        pytest.skip("v4l2loopback is Linux only")
    if not _has("pyvirtualcam"):
        pytest.skip("pyvirtualcam is not installed (pip install -e .[outputs])")
    dev = _v4l2_device()
    if dev is None:
        pytest.skip("no v4l2loopback device and the kernel module cannot be loaded here "
                    "(apt-get install v4l2loopback-dkms; modprobe v4l2loopback): the virtual camera test needs one")
    from vjhost.output.video_out import VirtualCamera

    cam = VirtualCamera(dev, (64, 36), 30.0)
    assert cam.device == dev
    fr = OutputFrame(size=(64, 36), rgba=np.full((36, 64, 4), 128, np.uint8))
    for _ in range(5):
        cam.send(fr)
    cam.close()
    assert cam.box.sent >= 1 and cam.box.error is None


# --------------------------------------------------------------------------- the mailbox


def test_a_slow_device_drops_its_own_frames_never_the_shows():
    import threading
    import time

    from vjhost.output.video_out import _Mailbox

    gate = threading.Event()
    got = []

    def slow(buf):
        gate.wait(5)
        got.append(int(buf[0]))

    box = _Mailbox("test", (4,), slow)
    t0 = time.perf_counter()
    for i in range(50):
        box.put(lambda b, i=i: b.fill(i))
    took = time.perf_counter() - t0
    gate.set()
    time.sleep(0.2)
    box.close()
    assert took < 1.0  # the caller never waited for the device
    assert box.sent + box.dropped == 50 and box.dropped >= 47
    assert got[-1] == 49  # the newest frame is the one that gets out
