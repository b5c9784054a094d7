"""Feature sources for the live loop: live input, a playing file, or the internal clock.

Each source answers ``features(t)`` for the render thread without blocking.

- :class:`LiveAnalysis` runs the analyzers on its own thread over hops read
  from a :class:`~vjhost.audio.live.LiveInput` and publishes the newest
  :class:`Features`.  If the device disappears it says so once, keeps the
  show on the internal clock (at the last tempo it heard) and reconnects by
  itself when the device returns.  If an analyzer blocks the thread for more
  than :data:`~vjhost.faults.BLOCKED_S` the render thread notices (the
  watchdog in :meth:`LiveAnalysis.features`), names the analyzer once and
  keeps the beat on the internal clock until it returns; the audio that piled
  up meanwhile is skipped, so the picture follows the music again at once.
- :class:`TimelineSource` serves a pre-analysed file at the player's position.
- :class:`InternalClock` is a metronome: beats at a fixed (or tapped) tempo,
  so the picture keeps moving with no audio at all.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, Sequence

from ..faults import BLOCKED_S
from ..protocols import Features

TRIGGERS = ("onset", "kick", "snare", "hat", "beat", "downbeat")
MAX_LAG = 0.5  #: seconds of unanalysed audio after which the analysis skips to the newest


class InternalClock:
    """Beat features from a steady tempo: what the show runs on without audio."""

    def __init__(self, bpm: float = 120.0) -> None:
        self.bpm = bpm
        self._last_beat = -1
        self._beat_t = 0.0
        self._f = Features()

    def features(self, t: float) -> Features:
        f = self._f
        beats = t * self.bpm / 60.0
        n = int(beats)
        f.t, f.bpm = t, self.bpm
        f.beat_phase = beats - n
        f.bar_phase = ((n % 4) + f.beat_phase) / 4.0
        f.beat = n != self._last_beat
        f.downbeat = f.beat and n % 4 == 0
        if f.beat:
            self._last_beat, self._beat_t = n, t
        f.beat_count = n
        f.beat_env = max(0.0, 1.0 - (t - self._beat_t) * 4.0)
        f.kick, f.kick_env = f.beat, f.beat_env
        f.onset, f.onset_env = f.beat, f.beat_env
        f.bass = 0.5 * f.beat_env
        f.beat_confidence = 0.0
        return f


class TimelineSource:
    """A file analysed ahead of time, served at the playback position (causal lookups)."""

    def __init__(self, timeline, mono=None, sample_rate: int = 48000) -> None:
        self.timeline = timeline
        self.mono = mono
        self.sample_rate = sample_rate

    def features(self, t: float) -> Features:
        return self.timeline.at(t)

    def waveform(self, t: float, n: int = 512):
        """The ``n`` samples up to ``t`` (for ISF audio inputs), or None."""
        if self.mono is None:
            return None
        end = max(0, int(t * self.sample_rate))
        return self.mono[max(0, end - n) : end]


class LiveAnalysis:
    """Analysis thread over a live input, with fallback to the internal clock and auto-reconnect."""

    def __init__(self, open_input: Callable[[], object], analyzers: Sequence, hop: int,
                 stream=sys.stderr, retry_seconds: float = 2.0) -> None:
        self._open = open_input
        self.analyzers = list(analyzers)
        self.hop = hop
        self.stream = stream
        self.retry = retry_seconds
        self.input = None
        self.status = "starting"
        self._latest = Features()
        self._fallback = InternalClock()
        self._lock = threading.Lock()
        self._consumed = True
        self._block = None
        self._busy: tuple[Any, float] | None = None  # (analyzer, monotonic start) while one runs
        self._stall_said: tuple[Any, float] | None = None
        self.skipped = 0  #: samples of backlog skipped after stalls
        self._hops = 0  #: hops analysed since the thread started
        #: callables given every hop (mono float32) as it is analysed, on this thread (the show recording's audio)
        self.taps: list[Callable[[Any], None]] = []
        for a in self.analyzers:
            if hasattr(a, "watch_hangs"):
                a.watch_hangs = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vjhost-analysis", daemon=True)

    def start(self) -> "LiveAnalysis":
        self._thread.start()
        return self

    def _say(self, msg: str) -> None:
        if self.stream:
            print(f"vjhost: {msg}", file=self.stream, flush=True)

    def _connect(self) -> bool:
        try:
            self.input = self._open()
            self.input.start()
        except Exception as exc:  # noqa: BLE001 - any PortAudio/device error
            if self.status not in ("no input", "lost"):  # (after "lost" it was said already)
                self._say(f"audio input unavailable ({exc}); running on the internal clock, "
                          f"retrying every {self.retry:g} s")
            self.status = "no input"
            self.input = None
            return False
        if self.status in ("no input", "lost"):
            self._say("audio input is back; analysing live again")
        self.status = "live"
        return True

    def _run(self) -> None:
        f = Features()
        while not self._stop.is_set():
            if self.input is None or not getattr(self.input, "alive", True):
                if self.input is not None:
                    self._say(f"audio input lost ({getattr(self.input, 'error', '') or 'device gone'}); "
                              "keeping the show on the internal clock, reconnecting when it is back")
                    self.status = "lost"
                    self._fallback.bpm = self._latest.bpm or 120.0
                    try:
                        self.input.stop()
                    except Exception:  # noqa: BLE001
                        pass
                    self.input = None
                if not self._connect():
                    self._stop.wait(self.retry)
                    continue
            block = self.input.read_hop(self.hop)
            if block is None:
                self._stop.wait(0.002)
                continue
            self._block = block  # the newest samples, for ISF audio inputs
            for tap in self.taps:
                tap(block)
            for trig in TRIGGERS:
                setattr(f, trig, False)
            for a in self.analyzers:
                self._busy = (a, time.monotonic())
                a.process(block, f)
            self._busy = None
            self._hops += 1
            ring = getattr(self.input, "ring", None)
            if ring is not None and ring.available() > MAX_LAG * getattr(self.input, "sample_rate", 48000):
                self.skipped += ring.skip_to_latest(keep=self.hop)  # after a stall: the newest audio, not a backlog
            f.t = self.input.position()
            snap = f.copy()
            with self._lock:
                # latch triggers until the render thread has seen them (hops outpace frames)
                for trig in TRIGGERS:
                    if getattr(self._latest, trig) and not self._consumed:
                        setattr(snap, trig, True)
                self._latest = snap
                self._consumed = False

    def waveform(self, t: float, n: int = 512):
        return self._block if self.status == "live" else None

    @property
    def stalled(self) -> bool:
        """Is an analyzer blocking the analysis thread right now (longer than BLOCKED_S)?"""
        busy = self._busy
        return busy is not None and time.monotonic() - busy[1] > BLOCKED_S

    def _stall(self, busy: tuple[Any, float]) -> None:
        """Render thread: an analyzer is stuck.  Say so once per stall; keep the beat at the last tempo."""
        if self._stall_said is busy:
            return
        self._stall_said = busy
        self._fallback.bpm = self._latest.bpm or self._fallback.bpm
        analyzer = busy[0]
        guard = getattr(analyzer, "guard", None)
        msg = (f"has blocked the analysis thread for over {BLOCKED_S:g} s; the show keeps the beat on the "
               "internal clock until it returns")
        if guard is not None:
            analyzer.hang_reported = True  # (first: the analyzer may return while this is being said)
            guard.log.report(guard.source, msg)
        else:
            self._say(f"analyzer {getattr(analyzer, 'name', analyzer)!s} {msg}")

    def features(self, t: float) -> Features:
        if self.status != "live":
            return self._fallback.features(t)
        busy = self._busy
        if busy is not None and time.monotonic() - busy[1] > BLOCKED_S:
            if self._hops > 1:  # (an analyzer's first hop may plan FFTs and the like: not a hang)
                self._stall(busy)
            return self._fallback.features(t)
        with self._lock:
            self._consumed = True
            return self._latest

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        if self.input is not None:
            try:
                self.input.stop()
            except Exception:  # noqa: BLE001
                pass
