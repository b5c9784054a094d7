"""External tempo: Ableton Link, MIDI beat clock, OSC, tap tempo -- and :class:`TempoSync`, which picks one.

Precedence (the first that is *active* leads; :meth:`TempoSync.status` says which):

1. ``link``     -- Ableton Link with at least one peer (djay on an iPad, Live, ...).  Tempo,
                   beat and phase come from the Link session; the bar is the Link quantum (4).
2. ``midi``     -- MIDI beat clock running: 0xF8 ticks arrived in the last 0.5 s and the
                   transport is not stopped (0xFC).  Beat position from the tick count since
                   start / song position, so the bar is known after a start or song position.
3. ``osc``      -- an OSC ``/vj/bpm <float>`` received in the last ``osc_hold`` s (30 s).
                   Tempo only: the phase runs on from wherever the beat was.
4. ``tap``      -- tap tempo (keyboard Space, the controller's ``tap`` button, OSC ``/vj/tap``)
                   tapped in the last ``tap_hold`` s (30 s); phase aligned to the last tap.
5. ``audio``    -- the audio analysis' own beat tracker, when it is locked
                   (``features.beat_confidence > audio_confidence``): features pass through.
6. ``internal`` -- a metronome at the last tempo any source gave (120 BPM at first).

When an external source (1-4) or the internal clock leads, ``bpm``, ``beat``,
``beat_phase``, ``bar_phase``, ``downbeat``, ``beat_count`` and ``beat_env``
come from it: a beat fires exactly once per crossing of one of its beat
boundaries, and ``beat_confidence`` becomes 1 (0 for the internal clock).  The
audio analysis' own values stay in :attr:`TempoSync.audio` (bpm, confidence
and the phase offset between the heard beat and the external one) for the HUD
as a check that the room and the clock agree.

All times are ``time.monotonic()`` seconds.  Every source runs on its own
thread (or none), never raises into the caller and reports problems in
``.error``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from typing import Any, Sequence

from ..protocols import Features

QUANTUM = 4  #: beats per bar (4/4) for Link and for counted bars


def _now() -> float:
    return time.monotonic()


# --------------------------------------------------------------------------- tap tempo


class TapTempo:
    """Tempo from taps: median of the recent intervals, reset after a ``reset_gap`` s pause.

    The beat phase is aligned to the last tap (a tap *is* a beat).
    """

    name = "tap"
    has_bar = False

    def __init__(self, reset_gap: float = 2.0, max_taps: int = 8, hold: float = 30.0,
                 min_bpm: float = 30.0, max_bpm: float = 300.0) -> None:
        self.reset_gap = reset_gap
        self.max_taps = max_taps
        self.hold = hold
        self.min_bpm, self.max_bpm = min_bpm, max_bpm
        self.taps: list[float] = []
        self.bpm: float | None = None
        self.last_tap: float | None = None
        self.count = 0  #: taps since the last reset
        self._lock = threading.Lock()

    def tap(self, now: float | None = None) -> float | None:
        """Register a tap; returns the tempo once there are two taps in a row (else None)."""
        now = _now() if now is None else now
        with self._lock:
            if self.taps and (now - self.taps[-1] > self.reset_gap or now <= self.taps[-1]):
                self.taps = []
            self.taps = (self.taps + [now])[-self.max_taps:]
            self.last_tap = now
            if len(self.taps) >= 2:
                iv = sorted(b - a for a, b in zip(self.taps, self.taps[1:]))
                mid = len(iv) // 2
                med = iv[mid] if len(iv) % 2 else 0.5 * (iv[mid - 1] + iv[mid])
                bpm = 60.0 / med
                if self.min_bpm <= bpm <= self.max_bpm:
                    self.bpm = bpm
            return self.bpm if len(self.taps) >= 2 else None

    def active(self, now: float) -> bool:
        return self.bpm is not None and self.last_tap is not None and now - self.last_tap < self.hold

    def beat(self, now: float) -> float | None:
        """Beats since the last tap (0 at the tap); None without a tempo."""
        if self.bpm is None or self.last_tap is None:
            return None
        return (now - self.last_tap) * self.bpm / 60.0

    def state(self, now: float) -> dict[str, Any]:
        return {"active": self.active(now), "bpm": self.bpm, "taps": len(self.taps),
                "since_last": None if self.last_tap is None else round(now - self.last_tap, 3)}


# --------------------------------------------------------------------------- MIDI clock


class MidiClockIn:
    """MIDI beat clock input (24 PPQN) on a background thread.

    :param port_name_substring: open the first input port whose name contains this
        (case-insensitive); ``None``: the first input port that is not one of ours.
        Rescanned every ``rescan`` s until found, and again after the port disappears.
    :param backend: a mido backend name (``"mido.backends.rtmidi/UNIX_JACK"``); ``None``: mido's default.

    mido's rtmidi backend opens inputs with ``ignore_types(sysex=False, timing=False,
    active_sense=True)``, so clock/start/stop/continue/songpos do arrive.  Messages are
    handled in the port callback and time-stamped on arrival; the tempo is the
    least-squares slope over the last 24-96 ticks (USB/JACK jitter averages out).
    """

    name = "midi"
    TICKS = 24
    WINDOW = 96
    MIN_TICKS = 24
    STALE = 0.5  #: s without a tick: not running

    def __init__(self, port_name_substring: str | None = None, backend: str | None = None,
                 rescan: float = 1.0) -> None:
        self.substring = port_name_substring
        self.backend_name = backend
        self.rescan = rescan
        self.error: str | None = None
        self.port_name: str | None = None
        self.bpm: float | None = None
        self.transport = "unknown"  #: "unknown" (ticks, never a start), "playing", "stopped"
        self.ticks = 0  #: clocks since start (song position * 6 after a songpos)
        self.has_bar = False  #: True after a start or song position: tick 0 is a downbeat
        self.messages = 0
        self.epoch = 0  #: bumped by start and song position (TempoSync re-anchors its beat count)
        self._times: deque[float] = deque(maxlen=self.WINDOW)
        self._last_tick: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._port = None
        self._thread = threading.Thread(target=self._run, name="vjhost-midi-clock", daemon=True)

    # -- lifecycle
    def start(self) -> "MidiClockIn":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._close()

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # noqa: BLE001
                pass

    def _run(self) -> None:
        try:
            import mido

            from ..control.midi import _PortLister  # one long-lived client for port listing (cheap on JACK)

            backend = mido.Backend(self.backend_name, load=True) if self.backend_name else mido.Backend(load=True)
            lister = _PortLister(backend)
        except Exception as exc:  # noqa: BLE001 - no MIDI system: say so and idle
            self.error = f"no MIDI system: {type(exc).__name__}: {exc}"
            return
        while not self._stop.is_set():
            try:
                names = list(lister.names()[0])
            except Exception as exc:  # noqa: BLE001 - e.g. no ALSA sequencer, jackd gone
                self.error = f"no MIDI system: {type(exc).__name__}: {exc}"
                self._close()
                self.port_name = None
                self._stop.wait(self.rescan)
                continue
            if self._port is not None and self.port_name not in names:
                self.error = f"MIDI clock port {self.port_name!r} disappeared"
                self._close()
                self.port_name = None
            if self._port is None:
                name = self._pick(names)
                if name is None:
                    if self.error is None or not self.error.startswith("MIDI clock port"):
                        want = f"containing {self.substring!r}" if self.substring else "at all"
                        self.error = f"no MIDI input port {want}"
                else:
                    try:
                        self._port = backend.open_input(name, callback=self._on_message)
                        self.port_name, self.error = name, None
                    except Exception as exc:  # noqa: BLE001
                        self.error = f"cannot open MIDI port {name!r}: {type(exc).__name__}: {exc}"
            self._stop.wait(self.rescan)
        lister.close()

    def _pick(self, names: Sequence[str]) -> str | None:
        for n in names:
            if self.substring is None:
                if "vjhost" not in n.lower():
                    return n
            elif self.substring.lower() in n.lower():
                return n
        return None

    # -- messages (rtmidi's thread)
    def _on_message(self, msg, now: float | None = None) -> None:
        self.handle(msg.type, getattr(msg, "pos", 0), _now() if now is None else now)

    def handle(self, kind: str, pos: int = 0, now: float | None = None) -> None:
        """Apply one message (``clock``, ``start``, ``stop``, ``continue``, ``songpos``) at time ``now``."""
        now = _now() if now is None else now
        with self._lock:
            self.messages += 1
            if kind == "clock":
                if self._last_tick is not None and now - self._last_tick > self.STALE:
                    self._times.clear()  # the clock paused: do not average across the gap
                self._times.append(now)
                self._last_tick = now
                if self.transport != "stopped":
                    self.ticks += 1
                self._update_bpm()
            elif kind == "start":
                # the first clock after a start is beat 0 (a downbeat)
                self.transport, self.ticks, self.has_bar = "playing", -1, True
                self.epoch += 1
                if self._last_tick is not None:
                    self._last_tick = now
            elif kind == "continue":
                self.transport = "playing"
            elif kind == "stop":
                self.transport = "stopped"
            elif kind == "songpos":
                # 16ths -> clocks; the first clock after the following continue plays that position
                self.ticks, self.has_bar = int(pos) * 6 - 1, True
                self.epoch += 1
                if self._last_tick is not None:
                    self._last_tick = now

    def _update_bpm(self) -> None:
        n = len(self._times)
        if n < self.MIN_TICKS:
            return
        ts = self._times
        t0 = ts[0]
        mx = (n - 1) / 2.0
        my = sum(t - t0 for t in ts) / n
        num = sum((i - mx) * (t - t0 - my) for i, t in enumerate(ts))
        den = sum((i - mx) ** 2 for i in range(n))
        slope = num / den if den else 0.0  # seconds per tick
        if slope > 0:
            bpm = 60.0 / (self.TICKS * slope)
            if 20.0 <= bpm <= 400.0:
                self.bpm = bpm

    # -- queries
    @property
    def running(self) -> bool:
        return self.is_running(_now())

    def is_running(self, now: float) -> bool:
        return (self.transport != "stopped" and self._last_tick is not None and self.bpm is not None
                and now - self._last_tick < self.STALE)

    def active(self, now: float) -> bool:
        return self.is_running(now)

    def beat(self, now: float) -> float | None:
        """Beats since start (or song position), interpolated between ticks."""
        with self._lock:
            if self.bpm is None or self._last_tick is None:
                return None
            tick_s = 60.0 / (self.TICKS * self.bpm)
            frac = 0.0
            if self.transport != "stopped":
                frac = min(0.999, max(0.0, (now - self._last_tick) / tick_s))
            return (self.ticks + frac) / self.TICKS

    def phase(self, now: float | None = None) -> float | None:
        """Beat phase 0..1 (0 on the beat), or None before the tempo is known."""
        b = self.beat(_now() if now is None else now)
        return None if b is None else b - math.floor(b)

    def state(self, now: float) -> dict[str, Any]:
        return {"active": self.active(now), "bpm": self.bpm, "transport": self.transport,
                "port": self.port_name, "error": self.error}


# --------------------------------------------------------------------------- OSC


class OscTempo:
    """``/vj/bpm <float>`` and ``/vj/tap`` over OSC/UDP (python-osc ``ThreadingOSCUDPServer``).

    Localhost by default; pass ``host="0.0.0.0"`` to accept a tablet on the network.
    ``port=0`` picks a free port (see :attr:`address`).  Bad messages (wrong
    type, out-of-range tempo, undecodable datagrams) are counted in
    :attr:`malformed` and otherwise ignored.  ``/vj/tap`` feeds ``tap`` (pass the
    show's shared :class:`TapTempo`).
    """

    name = "osc"
    has_bar = False

    def __init__(self, host: str = "127.0.0.1", port: int = 9001, tap: TapTempo | None = None,
                 hold: float = 30.0) -> None:
        self.host, self.port = host, port
        self.tap = tap if tap is not None else TapTempo()
        self.hold = hold
        self.bpm: float | None = None
        self.last: float | None = None  #: when the last /vj/bpm arrived
        self.received = 0
        self.malformed = 0
        self.error: str | None = None
        self.address: tuple[str, int] | None = None
        self._server = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> "OscTempo":
        try:
            from pythonosc import osc_packet
            from pythonosc.dispatcher import Dispatcher
            from pythonosc.osc_server import ThreadingOSCUDPServer

            owner = self

            class _Dispatcher(Dispatcher):
                """Counts what it cannot parse; ignores bundle time tags (no sleeping on a far-future tag)."""

                def call_handlers_for_packet(self, data, client_address):
                    try:
                        packet = osc_packet.OscPacket(data)
                    except Exception:  # noqa: BLE001 - ParseError, and anything odder
                        owner._bad()
                        return []
                    for timed in packet.messages:
                        for handler in self.handlers_for_address(timed.message.address):
                            try:
                                handler.invoke(client_address, timed.message)
                            except Exception:  # noqa: BLE001
                                owner._bad()
                    return []

            d = _Dispatcher()
            d.map("/vj/bpm", self._on_bpm)
            d.map("/vj/tap", self._on_tap)
            d.set_default_handler(self._on_other)

            class _Server(ThreadingOSCUDPServer):
                daemon_threads = True

                def verify_request(self, request, client_address):
                    ok = super().verify_request(request, client_address)
                    if not ok:  # neither an OSC message nor a bundle: dropped by python-osc, counted here
                        owner._bad()
                    return ok

                def handle_error(self, request, client_address):  # noqa: ARG002 - undecodable datagram
                    with owner._lock:
                        owner.malformed += 1

            self._server = _Server((self.host, self.port), d)
            self.address = self._server.server_address[:2]
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="vjhost-osc", daemon=True)
            self._thread.start()
        except Exception as exc:  # noqa: BLE001 - port in use, no network: report, do not stop the show
            self.error = f"OSC server on {self.host}:{self.port} unavailable: {type(exc).__name__}: {exc}"
            self._server = None
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _bad(self) -> None:
        with self._lock:
            self.malformed += 1

    def _on_bpm(self, address: str, *args: Any) -> None:
        try:
            if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], (int, float)):
                raise ValueError
            bpm = float(args[0])
            if not (20.0 <= bpm <= 400.0):  # also rejects nan
                raise ValueError
        except (ValueError, TypeError, OverflowError):
            self._bad()
            return
        with self._lock:
            self.bpm, self.last = bpm, _now()
            self.received += 1

    def _on_tap(self, address: str, *args: Any) -> None:
        # TouchOSC push buttons send 1 on press and 0 on release: only the press taps
        if args and isinstance(args[0], (int, float)) and not isinstance(args[0], bool) and args[0] == 0:
            return
        with self._lock:
            self.received += 1
        self.tap.tap()

    def _on_other(self, address: str, *args: Any) -> None:
        self._bad()

    # -- fed by another server: vjhost.control.osc.OscControl owns the port, this instance is never started
    def accept_bpm(self, bpm: Any, now: float | None = None) -> bool:
        """A ``/vj/bpm`` value received elsewhere; False (nothing changes) unless a number in 20..400."""
        if isinstance(bpm, bool) or not isinstance(bpm, (int, float)):
            return False
        try:
            bpm = float(bpm)
        except (ValueError, OverflowError):
            return False
        if not (20.0 <= bpm <= 400.0):  # also rejects nan
            return False
        with self._lock:
            self.bpm, self.last = bpm, _now() if now is None else now
            self.received += 1
        return True

    def accept_tap(self, now: float | None = None) -> float | None:
        """A ``/vj/tap`` press received elsewhere: taps the shared :class:`TapTempo`."""
        with self._lock:
            self.received += 1
        return self.tap.tap(now)

    def active(self, now: float) -> bool:
        return self.bpm is not None and self.last is not None and now - self.last < self.hold

    def beat(self, now: float) -> float | None:
        return None  # tempo only: TempoSync runs the phase on

    def state(self, now: float) -> dict[str, Any]:
        return {"active": self.active(now), "bpm": self.bpm, "address": self.address,
                "received": self.received, "malformed": self.malformed, "error": self.error}


# --------------------------------------------------------------------------- Ableton Link


class LinkTempo:
    """Ableton Link session (quantum 4) through ``LinkPython-extern`` (``import link``).

    Without the package :attr:`error` says "Ableton Link unavailable: install ..."
    and the source is never active.  Link is only *active* with at least one
    peer: alone, it would just echo our own tempo.
    """

    name = "link"
    has_bar = True
    INSTALL = "pip install LinkPython-extern  (1.3.0, or: pip install 'vjhost[link]')"

    def __init__(self, bpm: float = 120.0, quantum: int = QUANTUM) -> None:
        self.quantum = quantum
        self.error: str | None = None
        self._link = None
        try:
            import link  # LinkPython-extern

            self._link = link.Link(float(bpm))
        except Exception as exc:  # noqa: BLE001 - ImportError or a broken install
            self.error = f"Ableton Link unavailable: {self.INSTALL} ({type(exc).__name__}: {exc})"

    @property
    def available(self) -> bool:
        return self._link is not None

    def start(self) -> "LinkTempo":
        """Join the network's Link sessions (UDP multicast on the LAN); ``VJHOST_NO_LINK=1`` keeps it off."""
        if self._link is not None and os.environ.get("VJHOST_NO_LINK", "") != "1":
            self._link.enabled = True
        return self

    def stop(self) -> None:
        if self._link is not None:
            self._link.enabled = False

    @property
    def peers(self) -> int:
        return int(self._link.numPeers()) if self._link is not None else 0

    @property
    def bpm(self) -> float | None:
        return float(self._link.captureSessionState().tempo()) if self._link is not None else None

    def active(self, now: float) -> bool:
        return self._link is not None and self._link.enabled and self.peers > 0

    def _session(self, now: float):
        micros = self._link.clock().micros() + int((now - _now()) * 1e6)
        return self._link.captureSessionState(), micros

    def beat(self, now: float) -> float | None:
        if self._link is None:
            return None
        s, t = self._session(now)
        return float(s.beatAtTime(t, self.quantum))

    def bar(self, now: float) -> float | None:
        """Position in the bar, 0..quantum beats (the Link phase)."""
        if self._link is None:
            return None
        s, t = self._session(now)
        return float(s.phaseAtTime(t, self.quantum))

    def state(self, now: float) -> dict[str, Any]:
        if self._link is None:
            return {"active": False, "error": self.error}
        return {"active": self.active(now), "bpm": self.bpm, "peers": self.peers,
                "enabled": bool(self._link.enabled), "error": None}


# --------------------------------------------------------------------------- the combination


ORDER = ("link", "midi", "osc", "tap", "audio", "internal")
#: the HUD's colour code for each source (also ``TempoSync.source_index``)
SOURCE_INDEX = {name: i for i, name in enumerate(ORDER)}


class TempoSync:
    """Lock the features' beat to the leading tempo source (see the module docstring for the order).

    :param sources: any of :class:`LinkTempo`, :class:`MidiClockIn`, :class:`OscTempo`,
        :class:`TapTempo` (order does not matter; precedence is by ``name``).
    :param internal_bpm: the metronome's tempo until a source gives one.
    :param audio_confidence: the audio beat leads above this ``beat_confidence``.
    """

    def __init__(self, sources: Sequence[Any] = (), internal_bpm: float = 120.0,
                 audio_confidence: float = 0.1) -> None:
        self.sources = sorted(sources, key=lambda s: ORDER.index(s.name))
        self.internal_bpm = float(internal_bpm)
        self.audio_confidence = audio_confidence
        self.active = "internal"
        self.audio: dict[str, Any] = {"bpm": None, "confidence": 0.0, "offset": None}
        self._pos: float | None = None  # free-running beat position (osc, internal)
        self._pos_t = 0.0
        self._src_name: str | None = None
        self._epoch = 0
        self._last_floor: int | None = None
        self._count = 0
        self._bar_index = 0
        self._beat_t = -1e9
        self._last: Features | None = None

    def tap(self, now: float | None = None) -> float | None:
        """Forward a tap (keyboard, controller ``tap`` action) to the :class:`TapTempo` source."""
        for s in self.sources:
            if s.name == "tap":
                return s.tap(now)
        return None

    def leader(self, features: Features | None, now: float) -> Any | None:
        for s in self.sources:
            try:
                if s.active(now):
                    return s
            except Exception:  # noqa: BLE001 - a broken source never stops the show
                continue
        return None

    def apply(self, features: Features, now: float | None = None) -> Features:
        """A copy of ``features`` with the beat fields from the leading source (the same object if audio leads)."""
        now = _now() if now is None else now
        src = self.leader(features, now)
        self.audio = {"bpm": features.bpm, "confidence": features.beat_confidence, "offset": None}
        if src is None and features.beat_confidence > self.audio_confidence:
            self.active = "audio"
            self._src_name = None
            self._pos, self._pos_t = features.beat_count + features.beat_phase, now
            self._last_floor = None
            if features.bpm:
                self.internal_bpm = features.bpm
            self._last = features
            return features
        name = src.name if src is not None else "internal"
        bpm = (src.bpm if src is not None else None) or self.internal_bpm
        raw = bar_pos = None
        epoch = 0
        if src is not None:
            try:
                raw = src.beat(now)
                epoch = getattr(src, "epoch", 0)
                if raw is not None and name == "link":
                    bar_pos = src.bar(now)
                elif raw is not None and getattr(src, "has_bar", False):
                    bar_pos = raw % QUANTUM
            except Exception:  # noqa: BLE001 - a broken source counts as silent
                raw = bar_pos = None
        if raw is None:
            # tempo only (osc, internal): run on from the last position, in its coordinates
            if self._pos is None:
                self._pos, self._pos_t = 0.0, now
            pos = self._pos + (now - self._pos_t) * bpm / 60.0
        else:
            pos = raw
        # a new phase source brings its own coordinates; a free-running one continues the old ones
        switched = name != self._src_name and raw is not None
        self._src_name = name
        self._pos, self._pos_t = pos, now
        if src is not None and src.bpm:
            self.internal_bpm = float(src.bpm)  # when it goes stale, the metronome carries on at its tempo

        fl = math.floor(pos)
        beat = False
        if switched or self._last_floor is None:
            self._last_floor = fl  # new coordinates: the next boundary is the next beat
            self._epoch = epoch
        elif epoch != self._epoch:
            self._epoch = epoch  # transport start / song position: the position was set anew
            self._last_floor = fl
            beat = pos - fl < 0.05 and pos >= 0
        elif fl > self._last_floor:
            beat = True
            self._last_floor = fl
        elif pos < self._last_floor - 0.25:  # a big jump back (Link re-sync): start counting again
            self._last_floor = fl
            beat = pos - fl < 0.05
        phase = pos - fl
        if beat:
            self._count += 1
            self._beat_t = now
        if bar_pos is not None:
            bar_index = int(math.floor(bar_pos - phase + 0.5)) % QUANTUM
        else:
            if beat:
                self._bar_index = (self._bar_index + 1) % QUANTUM
            bar_index = self._bar_index
        self._bar_index = bar_index

        out = features.copy()
        out.bpm = float(bpm)
        out.beat = beat
        out.beat_phase = float(phase)
        out.bar_phase = (bar_index + phase) / QUANTUM
        out.downbeat = beat and bar_index == 0
        out.beat_count = self._count
        out.beat_env = max(0.0, 1.0 - (now - self._beat_t) * 4.0)
        out.beat_confidence = 0.0 if name == "internal" else 1.0
        if features.beat_confidence > 0:
            d = (features.beat_phase - phase + 0.5) % 1.0 - 0.5
            self.audio["offset"] = d  # heard beat vs external beat, in beats (-0.5..0.5)
        self.active = name
        self._last = out
        return out

    @property
    def source_index(self) -> int:
        return SOURCE_INDEX.get(self.active, SOURCE_INDEX["internal"])

    def status(self, now: float | None = None) -> dict[str, Any]:
        """``{"active": name, "index": HUD colour index, "bpm": ..., "audio": {...}, "sources": {name: state}}``."""
        now = _now() if now is None else now
        srcs = {}
        for s in self.sources:
            try:
                srcs[s.name] = s.state(now)
            except Exception as exc:  # noqa: BLE001
                srcs[s.name] = {"active": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"active": self.active, "index": self.source_index,
                "bpm": self._last.bpm if self._last is not None else self.internal_bpm,
                "precedence": list(ORDER), "audio": dict(self.audio), "sources": srcs}

    def stop(self) -> None:
        """Stop every source's thread/server (MIDI clock, OSC, Link)."""
        for s in self.sources:
            stop = getattr(s, "stop", None)
            if stop is not None:
                try:
                    stop()
                except Exception:  # noqa: BLE001
                    pass
