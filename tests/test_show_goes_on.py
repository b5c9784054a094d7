"""The pieces tools/chaos.py relies on, one at a time and fast: a hung analyzer, a player whose device
stops, a JACK server that is not there, the once-only reports of floods."""

from __future__ import annotations

import io
import threading
import time

import numpy as np

from vjhost.analysis.live import LiveAnalysis
from vjhost.audio.live import FilePlayer, RingBuffer
from vjhost.engine import GuardedAnalyzer
from vjhost.faults import BLOCKED_S, HANG_S, FaultLog, Guard


class FakeInput:
    """A live input at the very edge: a 440 Hz tone arriving in real time (a thread plays the device)."""

    sample_rate = 48000

    def __init__(self) -> None:
        self.ring = RingBuffer(2 * 48000)
        self.alive, self.error = True, None
        self._stop = threading.Event()

    def start(self) -> None:
        def produce() -> None:
            n, t0 = 0, time.monotonic()
            while not self._stop.is_set():
                due = int((time.monotonic() - t0) * 48000)
                if due > n:
                    k = np.arange(n, due)
                    self.ring.write((0.3 * np.sin(2 * np.pi * 440 * k / 48000)).astype(np.float32))
                    n = due
                time.sleep(0.005)

        threading.Thread(target=produce, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def read_hop(self, hop: int, out=None):
        return self.ring.read(hop, out)

    def position(self) -> float:
        return self.ring.read_pos / 48000


class Sleepy:
    """An analyzer that blocks its thread for ``hang`` seconds the next time it is asked to."""

    def __init__(self) -> None:
        self.hang = 0.0
        self.calls = 0

    def process(self, block, features) -> None:
        self.calls += 1
        features.rms = float(np.sqrt(np.mean(block ** 2)))
        if self.hang:
            hang, self.hang = self.hang, 0.0
            time.sleep(hang)

    def reset(self) -> None:
        pass


def test_a_hung_analyzer_is_named_once_and_the_beat_goes_on():
    log = FaultLog(stream=io.StringIO())
    inner = Sleepy()
    analyzer = GuardedAnalyzer("sleepy", inner, log)
    la = LiveAnalysis(FakeInput, [analyzer], 512, stream=None).start()
    try:
        end = time.monotonic() + 5
        while la.status != "live" or inner.calls < 20:
            assert time.monotonic() < end
            time.sleep(0.01)
        assert analyzer.watch_hangs  # live: hangs are watched (offline renders never are)
        heard = la.features(1.0)
        assert heard.rms > 0.1
        inner.hang = 1.2
        time.sleep(BLOCKED_S + 0.2)
        assert la.stalled
        f = la.features(10.0)  # the render thread asks while the analyzer is stuck: the internal clock answers
        assert f.rms == 0.0 and f.bpm > 0 and f.t == 10.0
        la.features(10.1)
        assert log.faults["analyzer sleepy"].count == 1
        assert "blocked the analysis thread" in log.faults["analyzer sleepy"].message
        time.sleep(1.3)
        assert not la.stalled and la.features(11.0).rms > 0.1  # back to what it hears
        assert log.faults["analyzer sleepy"].count == 1  # said while stuck; not again when it returned
        assert not analyzer.guard.bypassed and la.skipped > 0  # the backlog was skipped, not replayed
    finally:
        la.stop()
    printed = log.stream.getvalue().strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("vjhost: [error] analyzer sleepy:")


def test_three_long_hangs_bypass_a_component_short_ones_do_not():
    log = FaultLog(stream=None)
    g = Guard("analyzer x", log)
    for _ in range(5):
        g.hung(BLOCKED_S + 0.1)  # a loaded machine: reported, never bypassed
    assert not g.bypassed and log.faults["analyzer x"].count == 5 and g.hangs == 0
    g.hung(HANG_S + 0.5, reported=True)
    g.hung(HANG_S + 0.5, reported=True)
    assert not g.bypassed
    g.hung(HANG_S + 0.5, reported=True)
    assert g.bypassed and log.faults["analyzer x"].bypassed
    assert "bypassed" in log.faults["analyzer x"].message


class StoppedStream:
    """A PortAudio stream at the edge: ``active`` until its device goes."""

    active = True


def test_a_file_player_whose_device_stops_follows_the_wall_clock():
    p = FilePlayer(np.zeros((48000 * 10, 2), np.float32), 48000)
    p._stream = StoppedStream()
    p._frames, p._latency = 4800, 0.0
    p._cb = (0, time.perf_counter())
    time.sleep(0.4)
    assert p.position() == 0.1  # a late callback: held at what was handed, locked to the sound
    p._stream.active = False  # the device (or its JACK server) is gone
    a = p.position()
    time.sleep(0.3)
    b = p.position()
    assert 0.25 < b - a < 0.45 and "wall clock" in p.fallback_reason  # the picture does not stop
    p._stream = None


def test_no_jack_server_is_no_problem(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", f"vjhost-nobody-{threading.get_ident()}")
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    from vjhost.audio.jack import JackWatch

    w = JackWatch()  # a watcher of its own (the process's one may be watching a real server)
    try:
        assert not w.alive and w.generation == 0
        assert not w.running(0.05)
    finally:
        if hasattr(w, "_thread"):
            w.close()


def test_an_osc_flood_is_reported_once():
    import socket

    from vjhost.control.osc import OscControl
    from vjhost.control.state import ControlState

    log = FaultLog(stream=None)
    osc = OscControl(ControlState(), port=0, faults=log).start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(300):
                s.sendto(bytes([i % 256]) * (1 + i % 40), osc.address)
        end = time.monotonic() + 5
        while osc.malformed < 300 and time.monotonic() < end:
            time.sleep(0.02)
        assert osc.malformed == 300
        assert log.faults["osc"].count == 1 and "malformed packets from 127.0.0.1" in log.faults["osc"].message
    finally:
        osc.stop()
