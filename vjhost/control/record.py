"""Record a performance to a standard MIDI file, and replay it against the music.

:class:`PerformanceRecorder` listens to the :class:`~vjhost.control.state.ControlState`
(:meth:`~vjhost.control.state.ControlState.subscribe`), so it hears every
surface -- MIDI, OSC, web, keyboard, the cue sequencer -- and stores each
change with its beat position (``beat_count + beat_phase`` of the latest
frame, extrapolated by the wall clock to the moment of the change) and wall
time.  :meth:`PerformanceRecorder.save` writes a standard MIDI file;
:class:`PerformancePlayer` reads one back and, frame by frame, applies every
event whose beat position the music has reached -- so a replay follows the
music at whatever tempo it plays now.

The file (see ``docs/cues.md``):

* type 1, ``PPQ`` (480) ticks per beat, one track named ``vjhost performance``;
  tick 0 is the bar line at or before the start of the recording; a 4/4 time
  signature; ``set_tempo`` at tick 0 and after every tempo change of more than
  0.5 % (at most one a beat), so a DAW plays it in time.
* parameters: 14-bit control changes, MSB on CC *n*, LSB on CC *n* + 32, with
  *n* from :data:`MSB_CCS` (1..31 without 6, data entry) on channels 1..16,
  the value normalised to the parameter's range (0 = min, 16383 = max).
  The mapping is stable (every declared parameter, sorted by name) and kept
  in a text meta event at tick 0: ``vjhost-params {"version": 1, "params":
  {name: [channel, cc, min, max], ...}}``.  A parameter past the 480 the
  mapping holds is written as a ``param`` action instead.
* actions: marker meta events ``vj:name json-value [json-extra]`` --
  ``vj:scene 2``, ``vj:pack "kusama"``, ``vj:blackout null``,
  ``vj:transition ["crossfade", 4.0]`` -- with ``{"source": ..., "t": ...}``
  (who did it, seconds into the recording) as the extra.  Other markers (a
  DAW user's "Verse 2") are ignored on replay.
* a text meta event ``vjhost-origin {"beat": B, "bpm": X}``: the absolute beat
  position of tick 0 (for replaying against the same track).
"""

from __future__ import annotations

import bisect
import json
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..protocols import Features
from .state import ControlEvent, ControlState

PPQ = 480
#: the MSB controller numbers parameters use, per channel (LSB = MSB + 32); 6 (data entry) is left out
MSB_CCS: tuple[int, ...] = tuple(n for n in range(1, 32) if n != 6)
MAX_CC_PARAMS = 16 * len(MSB_CCS)
PARAMS_TAG = "vjhost-params"
ORIGIN_TAG = "vjhost-origin"
TRACK_NAME = "vjhost performance"
MARKER_PREFIX = "vj:"  #: action markers start with it; a DAW's own markers ("Verse 2") are left alone
REPLAY_SOURCE = "replay"
#: actions a recording leaves out by default: momentary ones, and ``param`` (its effect is recorded)
IGNORE_ACTIONS = ("quit", "hud", "tap", "param")
#: ... and the cue sequencer's controls (what the cues then do is recorded, with source "cues")
IGNORE_PREFIXES = ("cue.",)
TEMPO_CHANGE = 0.005  #: relative BPM change that writes a new set_tempo
MAX_EXTRAPOLATE = 1.0  #: beats an event may be placed past the latest frame (a stalled loop)


@dataclass(frozen=True)
class RecordedEvent:
    beat: float  #: beat position (beat_count + beat_phase)
    t: float  #: wall time, seconds since the recording started
    kind: str  #: "param" or "action"
    name: str
    value: Any
    source: str = ""


def _bpm_of(source: Any) -> float | None:
    """A BPM from a number, a callable, or anything with a ``bpm`` attribute (Features, a tempo source)."""
    try:
        if source is None:
            return None
        if callable(source):
            source = source()
        elif hasattr(source, "bpm"):
            source = source.bpm
        v = float(source)
        return v if math.isfinite(v) and v > 0 else None
    except Exception:  # noqa: BLE001 - a tempo source that fails is no tempo source
        return None


def _bar_floor(beat_count: int, bar_phase: float) -> float:
    slot = int(math.floor(float(bar_phase) * 4.0 + 1e-6)) % 4
    return float(int(beat_count) - slot)


class PerformanceRecorder:
    """Records every control change on ``state`` with its beat position.

    :param bpm_source: the tempo for the file's tempo map: a number, a callable
        returning BPM, or an object with a ``bpm`` attribute; ``None`` uses the
        ``bpm`` of the features given to :meth:`step`.
    :param clock: wall clock (seconds); tests pass a fake one.
    :param snapshot: write the state at the start (pack, scene, every parameter) at tick 0.

    Call :meth:`step` once per frame (render thread) so the recorder knows
    where in the music it is; tick 0 is the bar line at or before the frame
    seen last before :meth:`start` (or, if none, the first one after it).
    The listener runs on whichever thread made the change and only appends to
    a list.
    """

    def __init__(self, state: ControlState, bpm_source: Any = None, *, clock: Callable[[], float] = time.monotonic,
                 snapshot: bool = True, ignore_actions: tuple[str, ...] = IGNORE_ACTIONS,
                 ignore_sources: tuple[str, ...] = (REPLAY_SOURCE,)) -> None:
        self.state = state
        self.bpm_source = bpm_source
        self.clock = clock
        self.snapshot = snapshot
        self.ignore_actions = tuple(ignore_actions)
        self.ignore_sources = tuple(ignore_sources)
        self.events: list[RecordedEvent] = []
        self.tempo: list[tuple[float, float]] = []  #: (beat position, bpm) tempo map
        self.origin = 0.0  #: beat position of tick 0
        self._lock = threading.Lock()
        self._anchor: tuple[float, float, float, int, float] | None = None  # (pos, wall, bpm, beat_count, bar_phase)
        self._unsubscribe: Callable[[], None] | None = None
        self._t0 = 0.0
        self._origin_pending = False
        self._specs: dict[str, tuple[float, float]] = {}

    # ------------------------------------------------------------------ control
    @property
    def recording(self) -> bool:
        return self._unsubscribe is not None

    def start(self) -> None:
        """Start (or restart, discarding what was recorded) listening to the state."""
        self.stop()
        now = self.clock()
        with self._lock:
            self.events = []
            self.tempo = []
            self._t0 = now
            a = self._anchor
            # no frame seen yet: tick 0 is fixed by the first step() (events until then land on it)
            self._origin_pending = a is None
            self.origin = _bar_floor(a[3], a[4]) if a is not None else 0.0
            self.tempo.append((self.origin, self._current_bpm()))
            self._specs = {n: (p.min, p.max) for n, p in self.state.params().items()}
        if self.snapshot:
            pos = self.origin if not self._origin_pending else math.nan
            if self.state.pack:
                self._add(RecordedEvent(pos, 0.0, "action", "pack", self.state.pack, "snapshot"))
            if self.state.scenes:
                self._add(RecordedEvent(pos, 0.0, "action", "scene", int(self.state.scene), "snapshot"))
            for name, value in sorted(self.state.snapshot().items()):
                self._add(RecordedEvent(pos, 0.0, "param", name, float(value), "snapshot"))
        self._unsubscribe = self.state.subscribe(self._on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def step(self, features: Features) -> None:
        """Learn where the music is (once per frame, on the render thread)."""
        f = features
        pos = float(f.beat_count) + float(f.beat_phase)
        bpm = _bpm_of(self.bpm_source) or _bpm_of(f.bpm) or 120.0
        self._anchor = (pos, self.clock(), bpm, int(f.beat_count), float(f.bar_phase))
        if self.recording:
            with self._lock:
                if self._origin_pending:
                    self._origin_pending = False
                    self.origin = _bar_floor(f.beat_count, f.bar_phase)
                    self.tempo = [(self.origin, bpm)]
                    self.events = [ev if not math.isnan(ev.beat) else
                                   RecordedEvent(self.origin, ev.t, ev.kind, ev.name, ev.value, ev.source)
                                   for ev in self.events]
                last_pos, last_bpm = self.tempo[-1] if self.tempo else (self.origin, 0.0)
                if abs(bpm - last_bpm) > TEMPO_CHANGE * max(last_bpm, 1e-6) and pos >= last_pos + 1.0 - 1e-9:
                    self.tempo.append((max(pos, self.origin), bpm))

    # ------------------------------------------------------------------ listening
    def position(self, wall: float | None = None) -> float:
        """The beat position at wall time ``wall`` (default now)."""
        now = self.clock() if wall is None else wall
        a = self._anchor
        if a is None:
            return self.origin + max(0.0, now - self._t0) * self._current_bpm() / 60.0
        pos, w, bpm = a[0], a[1], a[2]
        return pos + min(MAX_EXTRAPOLATE, max(0.0, now - w) * bpm / 60.0)

    def _current_bpm(self) -> float:
        a = self._anchor
        return _bpm_of(self.bpm_source) or (a[2] if a is not None else None) or 120.0

    def _on_event(self, e: ControlEvent) -> None:
        if e.source in self.ignore_sources:
            return
        if e.kind == "action" and (e.name in self.ignore_actions or e.name.startswith(IGNORE_PREFIXES)):
            return
        now = self.clock()
        beat = math.nan if self._origin_pending else self.position(now)
        self._add(RecordedEvent(beat, now - self._t0, e.kind, e.name, e.value, e.source))

    def _add(self, ev: RecordedEvent) -> None:
        with self._lock:
            self.events.append(ev)

    # ------------------------------------------------------------------ the file
    def param_map(self) -> dict[str, tuple[int, int, float, float]]:
        """name -> (channel 0..15, MSB controller, min, max): every declared parameter, sorted by name."""
        specs = dict(self._specs)
        for n, p in self.state.params().items():
            specs.setdefault(n, (p.min, p.max))
        for ev in self.events:
            if ev.kind == "param" and ev.name not in specs:
                specs[ev.name] = (0.0, 1.0)
        out = {}
        for i, name in enumerate(sorted(specs)[:MAX_CC_PARAMS]):
            ch, k = divmod(i, len(MSB_CCS))
            out[name] = (ch, MSB_CCS[k], float(specs[name][0]), float(specs[name][1]))
        return out

    def to_midi(self):
        """The recording as a ``mido.MidiFile``."""
        import mido

        with self._lock:
            origin = self.origin
            events = [e if not math.isnan(e.beat) else RecordedEvent(origin, e.t, e.kind, e.name, e.value, e.source)
                      for e in self.events]  # (never stepped: everything sits at tick 0)
            events.sort(key=lambda e: e.beat)  # stable: same-beat events keep their order
            tempo = list(self.tempo) or [(self.origin, self._current_bpm())]
        cmap = self.param_map()

        def tick(beat: float) -> int:
            return max(0, int(round((beat - origin) * PPQ)))

        timed: list[tuple[int, Any]] = []  # (absolute tick, message); sorted stably below
        head = [
            mido.MetaMessage("track_name", name=TRACK_NAME),
            mido.MetaMessage("time_signature", numerator=4, denominator=4),
            mido.MetaMessage("text", text=ORIGIN_TAG + " " + json.dumps(
                {"version": 1, "beat": origin, "bpm": round(tempo[0][1], 4)})),
            mido.MetaMessage("text", text=PARAMS_TAG + " " + json.dumps(
                {"version": 1, "params": {n: list(v) for n, v in cmap.items()}}, ensure_ascii=True)),
        ]
        timed.extend((0, m) for m in head)
        for beat, bpm in tempo:
            timed.append((tick(beat), mido.MetaMessage("set_tempo", tempo=int(round(mido.bpm2tempo(bpm))))))
        for ev in events:
            at = tick(ev.beat)
            if ev.kind == "param" and ev.name in cmap:
                ch, cc, lo, hi = cmap[ev.name]
                span = hi - lo
                q = 0 if span == 0 else int(round(min(1.0, max(0.0, (float(ev.value) - lo) / span)) * 16383))
                timed.append((at, mido.Message("control_change", channel=ch, control=cc, value=q >> 7)))
                timed.append((at, mido.Message("control_change", channel=ch, control=cc + 32, value=q & 0x7F)))
            else:
                name, value = (ev.name, ev.value) if ev.kind == "action" else ("param", (ev.name, ev.value))
                extra = {"source": ev.source, "t": round(ev.t, 4)}
                timed.append((at, mido.MetaMessage("marker", text=format_marker(name, value, extra))))
        timed.sort(key=lambda x: x[0])  # stable
        track = mido.MidiTrack()
        last = 0
        for at, msg in timed:
            track.append(msg.copy(time=at - last))
            last = at
        track.append(mido.MetaMessage("end_of_track", time=0))
        mf = mido.MidiFile(type=1, ticks_per_beat=PPQ)
        mf.tracks.append(track)
        return mf

    def save(self, path: str | Path, force: bool = True) -> Path:
        """Write the recording as a standard MIDI file (recording may go on); returns where it went.

        Written under a temporary name and renamed, so a crash never leaves half a
        take.  With ``force=False`` an existing file is never replaced: the take goes
        to the next free ``name-2.mid`` instead (nothing recorded is lost).
        """
        from ..atomic import OutputExists, atomic_output, free_name

        path = Path(path)
        target = path if force else free_name(path)
        try:
            with atomic_output(target, force=force) as tmp:
                self.to_midi().save(str(tmp))
        except OutputExists:  # appeared in the meantime: the next free name
            target = free_name(path)
            with atomic_output(target) as tmp:
                self.to_midi().save(str(tmp))
        return target


# --------------------------------------------------------------------------- markers


def format_marker(name: str, value: Any, extra: dict | None = None) -> str:
    """``vj:scene 2`` / ``vj:pack "kusama"`` / ``vj:transition ["crossfade", 4.0] {"source": "cues"}``."""
    head = name if name and not any(c.isspace() for c in name) and not name.startswith('"') else json.dumps(name)
    text = f"{MARKER_PREFIX}{head} {json.dumps(value, ensure_ascii=True, default=str)}"
    if extra:
        text += " " + json.dumps(extra, ensure_ascii=True, default=str)
    return text


def parse_marker(text: str) -> tuple[str, Any, dict]:
    """The inverse of :func:`format_marker`; raises ``ValueError`` for a marker that is not an action."""
    dec = json.JSONDecoder()
    text = text.strip()
    if not text.startswith(MARKER_PREFIX):
        raise ValueError(f"not a vjhost action marker: {text!r}")
    text = text[len(MARKER_PREFIX):]
    if text.startswith('"'):
        name, i = dec.raw_decode(text)
    else:
        i = len(text.split(None, 1)[0]) if text else 0
        name = text[:i]
    if not name:
        raise ValueError("empty marker")
    rest = text[i:].lstrip()
    value: Any = None
    extra: dict = {}
    if rest:
        value, j = dec.raw_decode(rest)
        rest = rest[j:].lstrip()
        if rest:
            extra, _ = dec.raw_decode(rest)
            if not isinstance(extra, dict):
                extra = {}
    return name, _tuples(value), extra


def _tuples(v: Any) -> Any:
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class PlayEvent:
    beat: float  #: beats after tick 0
    kind: str  #: "param" or "action"
    name: str
    value: Any
    source: str = ""


class PerformanceFile:
    """A performance read back from a MIDI file: its events, tempo map and origin."""

    def __init__(self, path: str | Path) -> None:
        import mido

        self.path = Path(path)
        mf = mido.MidiFile(str(self.path))
        self.ticks_per_beat = mf.ticks_per_beat
        self.type = mf.type
        timed: list[tuple[int, int, int, Any]] = []  # (tick, track, index, msg)
        for ti, track in enumerate(mf.tracks):
            at = 0
            for mi, msg in enumerate(track):
                at += msg.time
                timed.append((at, ti, mi, msg))
        timed.sort(key=lambda x: (x[0], x[1], x[2]))
        self.origin = 0.0
        self.bpm: float | None = None
        self.tempo: list[tuple[float, float]] = []  #: (beat, bpm)
        cmap: dict[tuple[int, int], tuple[str, float, float]] = {}
        for at, _, _, msg in timed:
            if msg.type == "text" and msg.text.startswith(ORIGIN_TAG + " "):
                data = json.loads(msg.text[len(ORIGIN_TAG) + 1:])
                self.origin = float(data.get("beat", 0.0))
                self.bpm = data.get("bpm")
            elif msg.type == "text" and msg.text.startswith(PARAMS_TAG + " "):
                data = json.loads(msg.text[len(PARAMS_TAG) + 1:])
                for name, (ch, cc, lo, hi) in data.get("params", {}).items():
                    cmap[(int(ch), int(cc))] = (name, float(lo), float(hi))
            elif msg.type == "set_tempo":
                self.tempo.append((at / self.ticks_per_beat, mido.tempo2bpm(msg.tempo)))
        self.param_names = sorted(n for n, _, _ in cmap.values())

        events: list[tuple[int, PlayEvent]] = []
        msb: dict[tuple[int, int], int] = {}  # last MSB per (channel, cc)
        pending: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, cc) -> (tick, slot in events)
        tpb = float(self.ticks_per_beat)

        def value_of(key: tuple[int, int], q14: int) -> PlayEvent | None:
            name, lo, hi = cmap[key]
            return PlayEvent(0.0, "param", name, lo + (hi - lo) * q14 / 16383.0)

        for at, _, _, msg in timed:
            if msg.type == "control_change":
                key = (msg.channel, msg.control)
                if key in cmap:  # an MSB: coarse value now, refined by an LSB at the same tick
                    msb[key] = msg.value
                    ev = value_of(key, msg.value << 7 | msg.value)  # 127 -> 16383: full scale
                    events.append((at, ev))
                    pending[key] = (at, len(events) - 1)
                elif (msg.channel, msg.control - 32) in cmap:
                    mkey = (msg.channel, msg.control - 32)
                    q = msb.get(mkey, 0) << 7 | msg.value
                    slot = pending.get(mkey)
                    if slot is not None and slot[0] == at:
                        events[slot[1]] = (at, value_of(mkey, q))
                    else:
                        events.append((at, value_of(mkey, q)))
                    pending.pop(mkey, None)
            elif msg.type == "marker":
                try:
                    name, value, extra = parse_marker(msg.text)
                except ValueError:
                    continue  # a DAW's own marker ("Verse", ...) is not an action
                if name == "param" and isinstance(value, tuple) and len(value) == 2:
                    events.append((at, PlayEvent(0.0, "param", str(value[0]), float(value[1]),
                                                 str(extra.get("source", "")))))
                else:
                    events.append((at, PlayEvent(0.0, "action", name, value, str(extra.get("source", "")))))
        self.events: list[PlayEvent] = [
            PlayEvent(at / tpb, e.kind, e.name, e.value, e.source) for at, e in events if e is not None]


class PerformancePlayer:
    """Replays a recorded performance, following the music's beat position.

    :param align: ``"absolute"`` places tick 0 at the recorded absolute beat
        (replaying against the same track, analysed from its top);
        ``"start"`` at the bar line where the replay starts (live input).

    Call :meth:`step` once per frame; events whose beat position the music has
    reached are applied in order, as actions on the state with source
    ``"replay"`` (parameters as ``param`` actions ``(name, value)``, so they
    land after a pack switch recorded just before them).  If the music jumps
    back (a seek, a restart), the replay rewinds with it.
    """

    def __init__(self, path: str | Path, state: ControlState, *, align: str = "absolute") -> None:
        if align not in ("absolute", "start"):
            raise ValueError(f"align must be 'absolute' or 'start', not {align!r}")
        self.file = PerformanceFile(path)
        self.state = state
        self.align = align
        self.events = self.file.events
        self._beats = [e.beat for e in self.events]
        self.origin: float | None = self.file.origin if align == "absolute" else None
        self._next = 0
        self._last_pos: float | None = None
        self.fired: list[tuple[float, PlayEvent]] = []  #: (music beat position, event), newest last

    @property
    def done(self) -> bool:
        return self._next >= len(self.events)

    def restart(self) -> None:
        self._next = 0
        self._last_pos = None
        if self.align == "start":
            self.origin = None

    def step(self, features: Features) -> list[PlayEvent]:
        f = features
        pos = float(f.beat_count) + float(f.beat_phase)
        if self.origin is None:
            self.origin = _bar_floor(f.beat_count, f.bar_phase)
        if self._last_pos is not None and pos < self._last_pos - 0.5:  # the music went back: so do we
            self._next = bisect.bisect_left(self._beats, pos - self.origin - 1e-6)
        self._last_pos = pos
        rel = pos - self.origin + 1e-6
        out = []
        while self._next < len(self.events) and self.events[self._next].beat <= rel:
            ev = self.events[self._next]
            self._next += 1
            if ev.kind == "param":
                self.state.trigger("param", (ev.name, ev.value), source=REPLAY_SOURCE)
            else:
                self.state.trigger(ev.name, ev.value, source=REPLAY_SOURCE)
            self.fired.append((pos, ev))
            out.append(ev)
        return out

    def status(self) -> dict[str, Any]:
        return {"file": str(self.file.path), "events": len(self.events), "played": self._next, "done": self.done,
                "next_beat": None if self.done or self.origin is None else self.origin + self.events[self._next].beat}
