"""Live audio: the ring buffer, degrading without devices, and real-time I/O through JACK's dummy backend.

The JACK tests start their own ``jackd --no-realtime -d dummy`` under a
private server name (so they never touch another JACK server) and are
skipped when jackd or PortAudio is not installed
(``apt-get install -y jackd2 libportaudio2``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from vjhost.audio import live
from vjhost.audio.live import AudioDeviceError, FilePlayer, LiveInput, RingBuffer

# --------------------------------------------------------------------------- RingBuffer


def test_ring_keeps_order_across_the_wrap():
    ring = RingBuffer(10)
    data = np.arange(37, dtype=np.float32)
    got = []
    for i in range(0, 37, 3):
        ring.write(data[i : i + 3])
        while (x := ring.read(4)) is not None:
            got.append(x.copy())
    assert ring.read(4) is None  # only 1 left
    assert np.array_equal(np.concatenate(got), data[:36])
    assert ring.overruns == 0 and ring.lost == 0 and ring.available() == 1


def test_ring_counts_overruns_and_skips_to_intact_data():
    ring = RingBuffer(8)
    ring.write(np.arange(6, dtype=np.float32))
    assert ring.overruns == 0
    ring.write(np.arange(6, 12, dtype=np.float32))  # 12 unread > 8: samples 0..3 overwritten
    assert ring.overruns == 1
    out = np.zeros(4, np.float32)
    assert ring.read(4, out) is out
    assert np.array_equal(out, [4, 5, 6, 7])  # the oldest intact samples
    assert ring.lost == 4
    ring.write(np.arange(12, 40, dtype=np.float32))  # a write bigger than the ring
    assert ring.overruns == 2
    assert np.array_equal(ring.read(8), np.arange(32, 40))


def test_ring_threaded_producer_consumer_never_tears():
    """An audio-thread-like producer and an analysis-thread-like consumer: every hop read is contiguous."""
    ring = RingBuffer(4096)
    n_blocks, block = 400, 256
    done = threading.Event()

    def produce():
        for b in range(n_blocks):
            ring.write(np.arange(b * block, (b + 1) * block, dtype=np.float32))
            if b % 8 == 0:
                time.sleep(0.0005)
        done.set()

    th = threading.Thread(target=produce)
    th.start()
    hops, out = 0, np.zeros(512, np.float32)
    while not (done.is_set() and ring.available() < 512):
        x = ring.read(512, out)
        if x is None:
            time.sleep(0.0002)
            continue
        assert np.array_equal(np.diff(x), np.ones(511, np.float32)), "torn read"
        hops += 1
    th.join()
    assert hops * 512 + ring.lost + ring.available() == n_blocks * block


# --------------------------------------------------------------------------- no devices


@pytest.fixture
def no_portaudio(monkeypatch):
    monkeypatch.setattr(live, "_sd", None)
    monkeypatch.setattr(live, "_sd_error", "sounddevice/PortAudio unavailable: PortAudio library not found")


def test_without_portaudio_everything_degrades(no_portaudio):
    assert live.list_input_devices() == [] and live.list_output_devices() == []
    assert "PortAudio" in live.audio_unavailable_reason()
    assert live.find_input_device(None) is None
    with pytest.raises(AudioDeviceError, match="Rubix24.*no input devices"):
        live.find_input_device("Rubix24")
    with pytest.raises(AudioDeviceError, match="unavailable"):
        LiveInput().start()
    player = FilePlayer(np.zeros((48000, 2), np.float32), 48000)
    player.start()
    assert "wall clock" in player.fallback_reason and "PortAudio" in player.fallback_reason
    time.sleep(0.15)
    pos = player.position()
    assert 0.1 < pos < 0.5
    assert player.position() >= pos  # monotonic
    player.stop()


def test_with_portaudio_but_no_devices(monkeypatch):
    sd = live._sounddevice()
    if sd is None:
        pytest.skip(f"needs PortAudio: {live.audio_unavailable_reason()}")
    monkeypatch.setattr(sd, "query_devices", lambda *a, **k: [])
    assert live.list_input_devices() == [] and live.list_output_devices() == []
    assert live.audio_unavailable_reason() == "PortAudio reports no audio devices"
    assert live.find_input_device(None) is None
    with pytest.raises(AudioDeviceError, match="no input device matches 'Rubix24'"):
        live.find_input_device("Rubix24")
    with pytest.raises(AudioDeviceError, match="no audio input device"):
        LiveInput().start()
    player = FilePlayer(np.zeros(4800, np.float32), 48000)
    player.start()
    assert "no audio output device" in player.fallback_reason
    time.sleep(0.2)
    assert player.position() == pytest.approx(0.1)  # clamped to the 0.1 s buffer
    assert player.finished
    player.stop()


def test_query_failure_is_reported_not_raised(monkeypatch):
    sd = live._sounddevice()
    if sd is None:
        pytest.skip("needs PortAudio")

    def boom(*a, **k):
        raise sd.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sd, "query_devices", boom)
    assert live.list_input_devices() == []
    assert "querying audio devices failed" in live.audio_unavailable_reason()


# --------------------------------------------------------------------------- JACK dummy backend

JACKD = shutil.which("jackd")
needs_jack = pytest.mark.skipif(JACKD is None, reason="jackd not installed (apt-get install -y jackd2)")


def _jackd_cmd(name: str) -> list[str]:
    return [JACKD or "jackd", "-n", name, "--no-realtime",
            "-d", "dummy", "-r", "48000", "-p", "256", "-C", "2", "-P", "2"]


@pytest.fixture(scope="module")
def jack():
    """A private JACK server on the dummy backend; PortAudio re-scanned so it sees it."""
    from conftest import private_jackd

    sd = live._sounddevice()
    if sd is None:
        pytest.skip(f"needs PortAudio: {live.audio_unavailable_reason()}")

    def portaudio_sees_it() -> bool:
        return live.refresh_devices() and any(d["hostapi"].startswith("JACK") for d in live.list_input_devices())

    try:
        with private_jackd("audio", 256, ready=portaudio_sees_it) as name:
            yield name
            sd._terminate()  # let go of the server before it goes away
    finally:
        sd._initialize()


def _loop_back(server: str) -> None:
    """Connect our PortAudio client's outputs to its inputs (the player feeds the capture)."""
    ports = subprocess.run(["jack_lsp", "-s", server], capture_output=True, text=True, check=True).stdout.split()
    outs = sorted(p for p in ports if p.startswith("PortAudio:out_"))[-2:]
    ins = sorted(p for p in ports if p.startswith("PortAudio:in_"))[-2:]
    assert outs and ins, ports
    for o, i in zip(outs, ins):
        subprocess.run(["jack_connect", "-s", server, o, i], check=True)


def _sine(seconds: float, hz: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * 48000)) / 48000
    x = (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([x, x], axis=1)


@needs_jack
def test_jack_device_listing_and_lookup(jack):
    ins, outs = live.list_input_devices(), live.list_output_devices()
    jack_in = [d for d in ins if d["hostapi"].startswith("JACK")]
    assert jack_in and jack_in[0]["channels"] == 2 and jack_in[0]["default_samplerate"] == 48000
    assert any(d["hostapi"].startswith("JACK") for d in outs)
    assert live.audio_unavailable_reason() is None
    assert live.find_input_device("SYST") == jack_in[0]["index"]  # case-insensitive substring
    assert live.find_input_device(str(jack_in[0]["index"])) == jack_in[0]["index"]
    assert live.find_input_device(None) is not None
    with pytest.raises(AudioDeviceError) as err:
        live.find_input_device("Rubix24")
    assert "Rubix24" in str(err.value) and "system" in str(err.value)  # lists what is there


@needs_jack
def test_jack_live_input_receives_what_the_player_plays(jack):
    with LiveInput("system", 48000, blocksize=256) as mic, FilePlayer(_sine(3.0), 48000, blocksize=256) as player:
        assert player.fallback_reason is None
        _loop_back(jack)
        t0 = time.monotonic()
        levels = []
        out = np.zeros(512, np.float32)
        while time.monotonic() - t0 < 0.8:
            hop = mic.read_hop(512, out)
            if hop is None:
                time.sleep(0.003)
                continue
            levels.append(float(np.sqrt(np.mean(hop**2))))
        assert mic.alive and mic.error is None
        elapsed = time.monotonic() - t0
        # real-time clocked: about 48000 samples per second arrive, and position() counts what was read
        assert 0.5 * elapsed < len(levels) * 512 / 48000 < 1.5 * elapsed + 0.1
        assert mic.position() >= len(levels) * 512 / 48000
        assert max(levels) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)  # the sine came through
        assert mic.overruns == 0
        # the player's position follows the samples handed to the device, in real time
        pos = player.position()
        assert 0.4 < pos < elapsed + 0.3
        assert player.samples_handed / 48000 >= pos
        time.sleep(0.2)
        assert player.position() == pytest.approx(pos + 0.2, abs=0.1)


@needs_jack
def test_jack_overruns_are_counted(jack):
    with LiveInput(None, 48000, blocksize=256, buffer_seconds=0.05) as mic:
        time.sleep(0.4)  # the analysis thread "stalls": ~19200 samples into a 4096 ring
        assert mic.overruns > 0
        assert mic.read_hop(512) is not None
        assert mic.ring.lost > 0
        assert mic.alive


@needs_jack
def test_jack_reconnect_after_the_stream_dies(jack):
    mic = LiveInput(None, 48000, blocksize=256)
    mic.start()
    try:
        time.sleep(0.2)
        assert mic.alive
        mic._stream.abort()  # what a device error looks like from here: the stream stops
        assert not mic.alive and "device lost" in mic.error
        before = mic.ring.written
        assert mic.reconnect()
        time.sleep(0.2)
        assert mic.alive and mic.error is None
        assert mic.ring.written > before
    finally:
        mic.stop()


_LOSS_CHILD = textwrap.dedent("""
    import json, os, subprocess, sys, time
    name = sys.argv[1]
    os.environ["JACK_DEFAULT_SERVER"] = name
    jack = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    from vjhost.audio import live
    mic = live.LiveInput(None, 48000, 256, stall_timeout=0.5)
    mic.start()
    time.sleep(0.3)
    out = {"alive_before": mic.alive}
    jack.terminate(); jack.wait()
    t0 = time.monotonic()
    while mic.alive and time.monotonic() - t0 < 3:
        time.sleep(0.02)
    out.update(alive_after=mic.alive, detect_s=time.monotonic() - t0, error=mic.error)
    t0 = time.monotonic()
    out.update(reconnected=mic.reconnect(), reconnect_s=time.monotonic() - t0, reason=mic.error)
    print(json.dumps(out), flush=True)
""")


@needs_jack
def test_jack_server_death_is_detected_and_does_not_hang(tmp_path):
    """Kill the audio server under a running input (in a child process: PortAudio can't recover in-process)."""
    if live._sounddevice() is None:
        pytest.skip("needs PortAudio")
    name = f"vjhost-loss-{os.getpid()}"
    script = tmp_path / "child.py"
    script.write_text(_LOSS_CHILD)
    proc = subprocess.run([sys.executable, str(script), name, *_jackd_cmd(name)], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["alive_before"] and not out["alive_after"]
    assert out["detect_s"] < 1.0
    assert "device lost" in out["error"] or "no audio" in out["error"]
    assert out["reconnect_s"] < 5.0  # never blocks the host for long
    if not out["reconnected"]:
        assert "restart" in out["reason"] or "cannot open" in out["reason"]
