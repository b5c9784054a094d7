"""External tempo: tap, MIDI clock over real JACK ports, OSC over real UDP, Link, and TempoSync's precedence."""

from __future__ import annotations

import random
import socket
import time
from typing import Callable

import pytest

from vjhost.analysis.tempo import LinkTempo, MidiClockIn, OscTempo, TapTempo, TempoSync
from vjhost.protocols import Features

JACK_BACKEND = "mido.backends.rtmidi/UNIX_JACK"


def wait_for(pred: Callable[[], object], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return bool(pred())


# --------------------------------------------------------------------------- tap


def test_tap_tempo_median_reset_and_phase():
    t = TapTempo()
    assert t.tap(10.0) is None
    assert t.tap(10.5) == pytest.approx(120.0)
    t.tap(11.0)
    t.tap(11.6)  # one sloppy tap: the median ignores it
    t.tap(12.0)
    assert t.bpm == pytest.approx(120.0)
    assert t.beat(12.25) == pytest.approx(0.5)  # phase from the last tap
    assert t.active(12.5) and not t.active(12.0 + t.hold + 1)
    # a 2 s gap starts a new measurement
    assert t.tap(15.0) is None and t.bpm == pytest.approx(120.0)
    assert t.tap(15.4) == pytest.approx(150.0)


# --------------------------------------------------------------------------- TempoSync


def run_sync(sync: TempoSync, start: float, seconds: float, fps: float = 100.0, features=None):
    out = []
    for i in range(int(seconds * fps)):
        now = start + i / fps
        out.append((now, sync.apply(features() if features else Features(), now)))
    return out


def test_tap_leads_beats_fire_once_per_boundary_and_bars_are_counted():
    tap = TapTempo()
    for i in range(4):
        tap.tap(i * 0.5)  # 120 BPM, last tap (a beat) at 1.5 s
    sync = TempoSync([tap])
    frames = run_sync(sync, 1.5, 4.1, fps=97.0)  # fps not a multiple of the beat rate
    beats = [now for now, f in frames if f.beat]
    assert len(beats) == 8  # 2.0, 2.5 ... 5.5: once each
    assert all(b - round(b * 2) / 2 < 0.011 for b in beats)  # within one frame after the boundary
    assert all(f.bpm == pytest.approx(120.0) for _, f in frames)
    assert sync.status()["active"] == "tap"
    downs = [now for now, f in frames if f.downbeat]
    assert len(downs) == 2 and downs[1] - downs[0] == pytest.approx(2.0, abs=0.02)
    counts = [f.beat_count for _, f in frames if f.beat]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    assert all(0.0 <= f.beat_phase < 1.0 and 0.0 <= f.bar_phase < 1.0 for _, f in frames)


def test_audio_leads_without_external_and_falls_back_when_osc_goes_stale():
    osc = OscTempo()  # not started: fed directly
    sync = TempoSync([osc, TapTempo()])

    def heard():
        f = Features()
        f.bpm, f.beat_confidence, f.beat_phase = 128.0, 0.8, 0.25
        return f

    f = sync.apply(heard(), 100.0)
    assert sync.active == "audio" and f.bpm == 128.0 and f.beat_phase == 0.25
    osc._on_bpm("/vj/bpm", 140.0)
    frames = run_sync(sync, osc.last, 2.0, features=heard)
    assert sync.active == "osc" and all(f.bpm == 140.0 for _, f in frames)
    assert sum(f.beat for _, f in frames) in (4, 5)  # 140 BPM for 2 s: 4.67 beats
    assert sync.status()["audio"]["bpm"] == 128.0  # the heard tempo is still reported
    # stale: back to the audio analysis
    f = sync.apply(heard(), osc.last + osc.hold + 1)
    assert sync.active == "audio" and f.bpm == 128.0
    # no audio lock either: the internal clock carries on at the last tempo any source gave
    f = sync.apply(Features(), osc.last + osc.hold + 2)
    assert sync.active == "internal" and f.bpm == 128.0 and f.beat_confidence == 0.0


def test_midi_clock_outranks_tap_and_start_gives_a_downbeat():
    clock = MidiClockIn()  # not started: messages fed with explicit times
    tap = TapTempo()
    for i in range(3):
        tap.tap(i * 0.4)
    sync = TempoSync([tap, clock])
    dt = 60.0 / (24 * 125.0)
    t0 = 1.0
    clock.handle("start", now=t0)
    out = []
    for k in range(24 * 8 + 1):  # 8 beats of clock, a frame after each tick
        now = t0 + 0.001 + k * dt
        clock.handle("clock", now=now)
        out.append(sync.apply(Features(), now + 0.002))
    assert clock.bpm == pytest.approx(125.0, rel=1e-6)
    assert sync.active == "midi"
    # the clock leads once 24 ticks have measured its tempo (the tap tempo led before)
    beat_ticks = [k for k, f in enumerate(out) if f.beat and k >= 23]
    assert beat_ticks == [24 * i for i in range(1, 9)]
    assert [k for k, f in enumerate(out) if f.downbeat and k >= 23] == [96, 192]
    assert len(beat_ticks) == len(set(beat_ticks))
    assert out[24 * 3 + 12].beat_phase == pytest.approx(0.5, abs=0.1)
    # stopped: the tap tempo leads again
    clock.handle("stop", now=now + 0.01)
    sync.apply(Features(), now + 0.02)
    assert sync.active == "tap"


# --------------------------------------------------------------------------- OSC over UDP


def test_osc_bpm_tap_and_garbage_over_udp():
    from pythonosc.osc_message_builder import OscMessageBuilder
    from pythonosc.udp_client import SimpleUDPClient

    tap = TapTempo()
    osc = OscTempo(port=0, tap=tap).start()
    try:
        assert osc.error is None, osc.error
        host, port = osc.address
        client = SimpleUDPClient(host, port)
        client.send_message("/vj/bpm", 140.0)
        assert wait_for(lambda: osc.bpm == 140.0)
        assert osc.active(time.monotonic())

        rng = random.Random(0)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        bad = 0
        for i in range(2000):
            kind = i % 4
            if kind == 0:
                data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))
            elif kind == 1:
                b = OscMessageBuilder("/vj/bpm")
                b.add_arg(rng.choice(["fast", 1e9, -5.0, True, b"\x00"]))
                data = b.build().dgram
            elif kind == 2:
                data = OscMessageBuilder(f"/nope/{i}").build().dgram
            else:
                data = b"/vj/bpm\x00,f\x00\x00\x00"  # truncated float argument
            sock.sendto(data, (host, port))
            bad += 1
            if i % 100 == 99:  # let the server keep up: UDP drops what overflows the socket buffer
                assert wait_for(lambda: osc.malformed >= bad * 0.95, 5.0), (osc.malformed, bad)
        sock.close()
        assert wait_for(lambda: osc.malformed >= bad * 0.95, 5.0), (osc.malformed, bad)
        assert osc.bpm == 140.0  # nothing of that set the tempo
        client.send_message("/vj/bpm", 128.5)  # and the server still works
        assert wait_for(lambda: osc.bpm == 128.5)
        for _ in range(3):
            client.send_message("/vj/tap", 1)
            client.send_message("/vj/tap", 0)  # TouchOSC release: ignored
            time.sleep(0.3)
        assert wait_for(lambda: tap.bpm is not None and len(tap.taps) == 3)
        assert tap.bpm == pytest.approx(200.0, rel=0.15)
    finally:
        osc.stop()


def test_osc_port_in_use_is_reported_not_raised():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        osc = OscTempo(port=s.getsockname()[1]).start()
        assert osc.error and "unavailable" in osc.error
        assert not osc.active(time.monotonic())
        osc.stop()
    finally:
        s.close()


# --------------------------------------------------------------------------- Link


def test_link_reports_unavailable_or_runs(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_link(name, *a, **kw):
        if name == "link":
            raise ImportError("No module named 'link'")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_link)
    missing = LinkTempo()
    monkeypatch.setattr(builtins, "__import__", real_import)
    assert not missing.available and missing.error.startswith("Ableton Link unavailable: pip install LinkPython-extern")
    assert not missing.active(time.monotonic()) and missing.beat(0.0) is None
    missing.start().stop()

    lk = LinkTempo(bpm=123.0)
    if not lk.available:
        pytest.skip(lk.error)
    # never enabled here: enabling joins the LAN's Link sessions (multicast); the timeline works without it
    try:
        now = time.monotonic()
        assert lk.bpm == pytest.approx(123.0)
        b0 = lk.beat(now)
        assert lk.beat(now + 60 / 123.0) == pytest.approx(b0 + 1.0, abs=1e-3)
        assert 0.0 <= lk.bar(now) < 4.0
        assert lk.peers == 0 and not lk.active(now)  # alone: never leads
        sync = TempoSync([lk])
        sync.apply(Features(), now)
        assert sync.active == "internal" and sync.status()["sources"]["link"]["peers"] == 0
    finally:
        lk.stop()


# --------------------------------------------------------------------------- MIDI clock over JACK


def _play_clock(out, bpm: float, seconds: float) -> int:
    """0xF8 at ``bpm`` on an absolute schedule (no drift from sleep overshoot); returns ticks sent."""
    dt = 60.0 / (24 * bpm)
    t0 = time.monotonic()
    n = int(seconds / dt)
    for k in range(n):
        delay = t0 + k * dt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        out.send_message([0xF8])
    return n


def test_midi_clock_over_jack(jack):
    import rtmidi

    out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="djclock")
    out.open_virtual_port("djclock out")
    clock = MidiClockIn("djclock", backend=JACK_BACKEND, rescan=0.1).start()
    try:
        assert wait_for(lambda: clock.port_name is not None), clock.error
        assert "djclock" in clock.port_name and clock.error is None
        out.send_message([0xFA])  # start
        sent = _play_clock(out, 125.0, 2.0)
        assert wait_for(lambda: clock.ticks >= sent - 3, 2.0), (clock.ticks, sent)
        assert clock.transport == "playing" and clock.has_bar
        assert clock.bpm == pytest.approx(125.0, rel=0.03)
        assert clock.running
        assert clock.ticks == pytest.approx(sent - 1, abs=2)  # the first clock after start is tick 0
        # stop: not running, position frozen, ticks no longer advance it
        out.send_message([0xFC])
        assert wait_for(lambda: clock.transport == "stopped")
        assert not clock.running
        frozen = clock.beat(time.monotonic())
        _play_clock(out, 125.0, 0.2)
        time.sleep(0.1)
        assert clock.beat(time.monotonic()) == pytest.approx(frozen)
        # song position 16 sixteenths = beat 4 (a downbeat), then continue
        out.send_message([0xF2, 16, 0])
        assert wait_for(lambda: clock.ticks == 16 * 6 - 1)
        out.send_message([0xFB])
        assert wait_for(lambda: clock.transport == "playing")
        _play_clock(out, 125.0, 0.5)  # 25 ticks
        time.sleep(0.1)
        assert wait_for(lambda: clock.ticks >= 96 + 22, 2.0)
        assert clock.ticks == pytest.approx(96 + 24, abs=2)
        assert clock.phase(time.monotonic()) is not None
        st = clock.state(time.monotonic())
        assert st["port"] == clock.port_name and st["bpm"] == clock.bpm
    finally:
        clock.stop()
        out.close_port()
        out.delete()


def test_midi_clock_without_a_midi_system_never_raises():
    clock = MidiClockIn("x", backend="vjhost_no_such_backend").start()
    try:
        assert wait_for(lambda: clock.error is not None)
        assert clock.error.startswith("no MIDI system")
        assert not clock.running and clock.bpm is None and clock.phase() is None
    finally:
        clock.stop()
