"""Cue lists: a show's running order, advanced by the music.

A cue list is a small TOML file (``docs/cues.md`` has a complete example).
:func:`load_cues` reads and validates one into a frozen :class:`CueList`;
every problem is reported as ``file:line: key: message`` in a
:class:`CueError` (all problems at once, like layouts, see
:mod:`vjhost.control.layout`).  A :class:`CueSequencer` plays the list: the
render loop calls :meth:`CueSequencer.step` once per frame with that frame's
:class:`~vjhost.protocols.Features`, and when a cue fires the sequencer
triggers ordinary actions on the :class:`~vjhost.control.state.ControlState`
(source ``"cues"``), which the loop drains and applies like any surface's.

Format (``schema_version = 1``)::

    schema_version = 1
    name = "friday set"          # optional, for the HUD
    loop = true                  # after the last cue, go back to the first (default false: stop)
    quantize = "bar"             # default for every cue: "bar", "beat" or "none" (default "none")
    transition_beats = 4         # default length of cue transitions (default 4)

    [[cues]]
    name = "intro"               # optional label (default "cue N")
    pack = "ikeda"               # what the cue shows: any of pack, scene, params, transition
    scene = 0                    # a scene index, or a scene name of the (new) pack
    params = { "master.strobe" = 0.0, "fx.feedback.amount" = 0.4 }
    bars = 4                     # how long it lasts (see below)

    [[cues]]
    pack = "kusama"
    transition = "crossfade"     # "crossfade", "cut" or "painterly"
    transition_beats = 8
    until = "drop"               # advance on the next detected drop
    max_bars = 64                # ... or after 64 bars if none comes

How long a cue lasts -- give ``bars``, ``beats`` or ``until`` (or ``until``
together with one of the others):

* ``beats = N``: N beats after the cue fired.
* ``bars = N``: until the N-th downbeat after the cue fired (exactly N bars
  when the cue fired on a downbeat, as a ``quantize = "bar"`` cue does; a cue
  that fired mid-bar -- on a drop, or skipped to by hand -- ends on the bar
  line, so the show stays on the phrase grid).
* ``until = "drop"`` (also ``"build"``, ``"breakdown"``): advance when the
  analysis next *enters* that section (a drop already under way when the wait
  began does not count).  With ``bars``/``beats`` as well, those come first:
  ``bars = 16`` + ``until = "drop"`` reads "16 bars, then on the drop".
  ``max_bars`` / ``max_beats`` (counted from the cue's start) advance anyway if
  no drop is heard, so a missed detection never strands the show.
* ``until = "manual"``: only ``cue.next`` (a controller button) moves on.

``quantize`` delays a cue's firing, once its predecessor has ended (or
``cue.next``/``cue.prev``/``cue.start`` asked for it), to the next beat or
downbeat: a drop heard mid-bar with ``quantize = "bar"`` switches on the next
bar line.  A boundary that ends the previous cue is itself the boundary, so a
4-bar cue followed by a bar-quantised cue switches exactly on bar 5.

When a cue fires, the sequencer triggers, in this order: ``transition``
(value ``(kind, beats)``; it applies to the switch that follows in the same
frame), ``pack`` (name), ``scene`` (index) and one ``param`` per entry of
``params`` (value ``(name, value)``, in the parameter's own units).  Because
the actions are drained in order, parameters set by a cue land after the new
pack has loaded its defaults.  A scene given by name is looked up in
``ControlState.scenes`` once the cue's pack is showing.

Beat counting reads ``beat_count`` and ``bar_phase`` (filled by the analysis
and by every tempo source), so frames that miss a beat's hop still count it;
when ``beat_count`` never moves, the ``beat``/``downbeat`` flags are counted
instead.  ``section`` is watched for the drop.

Controller actions (route every action whose name starts with ``"cue."`` to
:meth:`CueSequencer.handle_action`): ``cue.start`` (value: optional cue index
or name to start from), ``cue.stop``, ``cue.next``, ``cue.prev``,
``cue.goto`` (index or name).  ``next``/``prev``/``goto`` honour the target
cue's ``quantize``; while stopped they start the list at that cue.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..protocols import Features
from .layout import TomlChecker, TomlFileError, _suggest, parse_toml, read_toml_text
from .state import ControlState

SCHEMA_VERSION = 1
SOURCE = "cues"  #: the ``source`` of every action the sequencer triggers
QUANTIZE = ("none", "beat", "bar")
TRANSITIONS = ("crossfade", "cut", "painterly")
_TRANSITION_ALIASES = {"fade": "crossfade", "paint": "painterly"}
SECTIONS = ("drop", "build", "breakdown")
UNTIL = SECTIONS + ("manual",)
ACTIONS = ("cue.start", "cue.stop", "cue.next", "cue.prev", "cue.goto")

_TOP_KEYS = ("schema_version", "name", "loop", "quantize", "transition", "transition_beats", "cues")
_CUE_KEYS = ("name", "pack", "scene", "params", "transition", "transition_beats", "bars", "beats", "until",
             "max_bars", "max_beats", "quantize")


class CueError(TomlFileError):
    """A cue list that cannot be used.  ``str()`` lists every problem, one ``file:line: key: message`` a line."""


@dataclass(frozen=True)
class Cue:
    """One entry of a cue list (validated)."""

    name: str
    pack: str | None = None
    scene: int | str | None = None
    params: tuple[tuple[str, float], ...] = ()
    transition: str | None = None  #: "crossfade", "cut", "painterly"
    transition_beats: float = 4.0
    bars: int | None = None
    beats: int | None = None
    until: str | None = None  #: "drop", "build", "breakdown", "manual" or None
    max_bars: int | None = None
    max_beats: int | None = None
    quantize: str = "none"  #: "none", "beat", "bar"
    line: int | None = None  #: where the cue starts in its file

    def actions(self) -> list[tuple[str, Any]]:
        """The (action, value) pairs this cue triggers, in order (a scene name is left as a name)."""
        out: list[tuple[str, Any]] = []
        if self.transition:
            out.append(("transition", (self.transition, 0.0 if self.transition == "cut" else self.transition_beats)))
        if self.pack:
            out.append(("pack", self.pack))
        if self.scene is not None:
            out.append(("scene", self.scene))
        out.extend(("param", (k, v)) for k, v in self.params)
        return out

    @property
    def length(self) -> str:
        """A short description of how long the cue lasts ("4 bars", "until drop", ...)."""
        parts = []
        if self.bars is not None:
            parts.append(f"{self.bars} bar{'s' if self.bars != 1 else ''}")
        if self.beats is not None:
            parts.append(f"{self.beats} beat{'s' if self.beats != 1 else ''}")
        if self.until:
            parts.append("manual" if self.until == "manual" else f"until {self.until}")
        return ", then ".join(parts)


@dataclass(frozen=True)
class CueList:
    cues: tuple[Cue, ...]
    loop: bool = False
    name: str = ""
    source: str = "<cues>"

    def __len__(self) -> int:
        return len(self.cues)

    def __getitem__(self, i: int) -> Cue:
        return self.cues[i]

    def check(self, packs: "Iterable[str] | None" = None, params: "Iterable[str] | None" = None) -> list[str]:
        """Names the show does not have, as ``file:line: key: message`` lines (warnings: packs may come later)."""
        out = []
        packs = None if packs is None else sorted(packs)
        params = None if params is None else sorted(params)
        for i, c in enumerate(self.cues):
            where = f"{self.source}:{c.line}" if c.line else self.source
            if packs is not None and c.pack and c.pack not in packs:
                out.append(f"{where}: cues.{i}.pack: unknown pack {c.pack!r}{_suggest(c.pack, packs)}")
            for k, _ in c.params:
                if params is not None and k not in params:
                    out.append(f"{where}: cues.{i}.params.{k}: unknown parameter{_suggest(k, params)}")
        return out

    def index(self, key: "int | str") -> int:
        """A cue by index or by name; raises ``KeyError``/``IndexError``."""
        if isinstance(key, str) and not key.strip().lstrip("-").isdigit():
            for i, c in enumerate(self.cues):
                if c.name == key:
                    return i
            raise KeyError(f"no cue named {key!r}{_suggest(key, [c.name for c in self.cues])}")
        i = int(key)
        if not -len(self.cues) <= i < len(self.cues):
            raise IndexError(f"cue {i} out of range (the list has {len(self.cues)})")
        return i % len(self.cues)


# --------------------------------------------------------------------------- loading


def load_cues(path: str | Path, source_name: str | None = None) -> CueList:
    """Read and validate a cue list file.  Raises :class:`CueError` (also for an unreadable file)."""
    name = source_name or str(path)
    return parse_cues(read_toml_text(path, name, CueError), name)


def parse_cues(text: str, source_name: str = "<cues>") -> CueList:
    """Parse and validate cue-list TOML ``text``; ``source_name`` is what error messages call the file."""
    return cues_from_dict(parse_toml(text, source_name, CueError), source_name, text)


def cues_from_dict(data: Mapping[str, Any], source_name: str = "<cues>", text: str | None = None) -> CueList:
    """Validate an already-parsed cue list.  ``text``, if given, supplies line numbers."""
    v = _Validator(source_name, text)
    cues = v.document(data)
    if v.issues:
        raise CueError(source_name, sorted(v.issues, key=lambda i: i.line or 0))
    return cues


class _Validator(TomlChecker):
    top_keys = _TOP_KEYS

    def misplaced(self, path: tuple, key: str) -> str:
        return f"unknown key in a cue: {key} belongs at the top level, above the first [[cues]]"

    def count(self, table: Mapping[str, Any], key: str, path: tuple, what: str) -> int | None:
        v = self.typed(table, key, int, path, None, what=what)
        if v is not None and v < 1:
            self.error(path + (key,), f"{v}: must be at least 1 ({what})")
            return None
        return v

    def choice(self, table: Mapping[str, Any], key: str, options: tuple[str, ...], path: tuple, default: Any,
               aliases: Mapping[str, str] | None = None) -> Any:
        v = self.typed(table, key, str, path, None, what="one of " + ", ".join(options))
        if v is None:
            return default
        v = (aliases or {}).get(v, v)
        if v not in options:
            self.error(path + (key,), f"unknown {key} {v!r} (expected one of "
                                      f"{', '.join(options)}){_suggest(v, options)}")
            return default
        return v

    def transition_beats(self, table: Mapping[str, Any], path: tuple, default: float) -> float:
        v = self.typed(table, "transition_beats", float, path, default)
        if v < 0 or not math.isfinite(v):
            self.error(path + ("transition_beats",), f"{v}: must be a number of beats >= 0")
            return default
        return v

    # ---------------------------------------------------------------- the document
    def document(self, data: Mapping[str, Any]) -> CueList:
        self.keys(data, _TOP_KEYS, ())
        version = self.typed(data, "schema_version", int, (), required=True,
                             what=f"write schema_version = {SCHEMA_VERSION}")
        if version is not None and version != SCHEMA_VERSION:
            self.error(("schema_version",),
                       f"unsupported schema_version {version} (this vjhost reads {SCHEMA_VERSION})")
        name = self.typed(data, "name", str, (), "")
        loop = self.typed(data, "loop", bool, (), False)
        quantize = self.choice(data, "quantize", QUANTIZE, (), "none")
        transition = self.choice(data, "transition", TRANSITIONS, (), None, _TRANSITION_ALIASES)
        tbeats = self.transition_beats(data, (), 4.0)
        items = self.typed(data, "cues", list, (), [], required=True, what="add at least one [[cues]] table")
        if "cues" in data and isinstance(data["cues"], list) and not items:
            self.error(("cues",), "the list is empty (add at least one [[cues]] table)")
        cues = []
        for i, t in enumerate(items):
            cue = self.cue(t, i, quantize, transition, tbeats)
            if cue is not None:
                cues.append(cue)
        return CueList(tuple(cues), bool(loop), name, self.source)

    def cue(self, t: Any, i: int, quantize: str, transition: str | None, tbeats: float) -> Cue | None:
        path = ("cues", i)
        if not isinstance(t, dict):
            self.error(path, f"expected a table ([[cues]] or {{pack = .., bars = ..}}), got {t!r}")
            return None
        self.keys(t, _CUE_KEYS, path)
        name = self.typed(t, "name", str, path, f"cue {i + 1}") or f"cue {i + 1}"
        pack = self.typed(t, "pack", str, path, None)
        if pack is not None and not pack.strip():
            self.error(path + ("pack",), "empty pack name")
            pack = None
        scene = None
        if "scene" in t:
            s = t["scene"]
            if isinstance(s, bool) or not isinstance(s, (int, str)) or (isinstance(s, str) and not s.strip()) or \
                    (isinstance(s, int) and not 0 <= s <= 127):
                self.error(path + ("scene",), f"scene must be a scene index 0..127 or a scene name, got {s!r}")
            else:
                scene = int(s.strip()) if isinstance(s, str) and s.strip().isdigit() else (
                    s.strip() if isinstance(s, str) else s)
        params: list[tuple[str, float]] = []
        table = self.typed(t, "params", dict, path, {}, what="a table of parameter = value")
        for k, v in table.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
                self.error(path + ("params", k), f"expected a number (the parameter's value), got {v!r}")
            else:
                params.append((k, float(v)))
        trans = self.choice(t, "transition", TRANSITIONS, path, transition, _TRANSITION_ALIASES)
        tb = self.transition_beats(t, path, tbeats)
        if "transition_beats" in t and "transition" not in t and transition is None:
            self.error(path + ("transition_beats",), "transition_beats without a transition")
        q = self.choice(t, "quantize", QUANTIZE, path, quantize)

        bars = self.count(t, "bars", path, "the cue's length in bars")
        beats = self.count(t, "beats", path, "the cue's length in beats")
        until = self.choice(t, "until", UNTIL, path, None)
        max_bars = self.count(t, "max_bars", path, "advance after this many bars if no drop came")
        max_beats = self.count(t, "max_beats", path, "advance after this many beats if no drop came")
        if bars is not None and beats is not None:
            self.error(path + ("beats",), "give either bars or beats, not both")
        if max_bars is not None and max_beats is not None:
            self.error(path + ("max_beats",), "give either max_bars or max_beats, not both")
        if until == "manual":
            for k in ("bars", "beats", "max_bars", "max_beats"):
                if k in t:
                    self.error(path + (k,), f"{k} with until = \"manual\" (a manual cue waits for cue.next only)")
        elif until is None:
            for k in ("max_bars", "max_beats"):
                if k in t:
                    self.error(path + (k,), f"{k} only applies with until = \"drop\" (or another section)")
            if "bars" not in t and "beats" not in t and "until" not in t:
                self.error(path, "how long does it last? give bars = N, beats = N, until = \"drop\" "
                                 "or until = \"manual\"")
        else:
            min_beats = (bars or 0) * 4 + (beats or 0)
            max_b = (max_bars or 0) * 4 + (max_beats or 0)
            if max_b and max_b <= min_beats:
                k = "max_bars" if max_bars is not None else "max_beats"
                self.error(path + (k,), f"{k} must be longer than the {'bars' if bars else 'beats'} "
                                        f"played before waiting for the {until}")
        return Cue(name=name, pack=pack, scene=scene, params=tuple(params), transition=trans,
                   transition_beats=0.0 if trans == "cut" else tb, bars=bars, beats=beats, until=until,
                   max_bars=max_bars, max_beats=max_beats, quantize=q, line=self.line_of(path))


# --------------------------------------------------------------------------- playing


class _BeatCounter:
    """Beats and downbeats crossed since the previous frame, from ``beat_count`` + ``bar_phase`` (or the flags)."""

    def __init__(self) -> None:
        self.last_count: int | None = None
        self.last_t: float | None = None
        self.counter = False  #: beat_count has been seen moving

    def reset(self) -> None:
        self.__init__()

    def update(self, f: Features) -> tuple[int, int]:
        count = int(f.beat_count)
        beats = downs = 0
        if self.last_count is None:  # the first frame: on a beat (bar line) only if exactly on one
            on_beat = bool(f.beat) or float(f.beat_phase) < 1e-6
            on_bar = bool(f.downbeat) or (on_beat and (f.bar_phase < 1e-6 or f.bar_phase > 1 - 1e-6))
            beats, downs = int(on_beat), int(on_bar)
        elif count != self.last_count:
            self.counter = True
            k = count - self.last_count
            if 0 < k <= 64:
                slot = int(math.floor(float(f.bar_phase) * 4.0 + 1e-6)) % 4  # bar position of the newest beat
                beats = k
                downs = sum(1 for back in range(k) if (slot - back) % 4 == 0)
            else:  # the counter restarted or leapt (a new source, a seek): count this frame's flags only
                beats, downs = int(bool(f.beat)), int(bool(f.downbeat))
        elif not self.counter and f.beat and (self.last_t is None or f.t != self.last_t):
            beats, downs = 1, int(bool(f.downbeat))
        self.last_count, self.last_t = count, f.t
        return beats, downs


@dataclass
class _Running:
    index: int
    beats: int = 0  #: beats crossed since the cue fired
    downbeats: int = 0
    waiting: bool = False  #: in the "until" phase (the bars/beats part is over)


class CueSequencer:
    """Plays a :class:`CueList` against the music by triggering actions on a :class:`ControlState`.

    Call :meth:`step` once per frame from the render loop (it is cheap); route
    actions named ``cue.*`` to :meth:`handle_action`.  :meth:`start`,
    :meth:`stop`, :meth:`next`, :meth:`prev` and :meth:`goto` may be called
    from any thread; they take effect at the next :meth:`step`.
    """

    def __init__(self, cues: CueList, state: ControlState) -> None:
        if not len(cues):
            raise ValueError("an empty cue list")
        self.cues = cues
        self.state = state
        self._lock = threading.Lock()
        self._counter = _BeatCounter()
        self._section: str | None = None  # None: no frame yet (a drop under way at the start is no edge)
        self._current: _Running | None = None  #: the cue showing (fired)
        self._armed: int | None = None  #: the cue waiting for its quantize boundary
        self._requests: list[tuple[str, Any]] = []  #: control requests for the next step, in order
        self._pending_scene: tuple[str | None, str] | None = None  #: (pack, scene name) to resolve
        self._running = False
        self._finished = False
        self._last: Features | None = None
        self.fired: list[tuple[int, float]] = []  #: (cue index, beat position) of every firing, newest last
        self.warning = ""  #: the latest problem (an unknown scene name ...), for the HUD

    # ------------------------------------------------------------------ control (any thread)
    @property
    def running(self) -> bool:
        reqs = self._requests
        return reqs[-1][0] != "stop" if reqs else self._running

    def start(self, at: "int | str | None" = None) -> None:
        """Start (or restart) the list from cue ``at`` (index or name; default the first)."""
        with self._lock:
            self._requests.append(("start", 0 if at is None else at))

    def stop(self) -> None:
        """Stop advancing; what is showing stays."""
        with self._lock:
            self._requests.append(("stop", None))

    def next(self) -> None:
        with self._lock:
            self._requests.append(("step", +1))

    def prev(self) -> None:
        with self._lock:
            self._requests.append(("step", -1))

    def goto(self, at: "int | str") -> None:
        with self._lock:
            self._requests.append(("start", at))

    def handle_action(self, action: Any) -> bool:
        """Apply a ``cue.*`` action (an :class:`~vjhost.control.state.Action`); False if it is not one."""
        name = getattr(action, "name", None)
        value = getattr(action, "value", None)
        if name is None and isinstance(action, (tuple, list)) and action:
            name, value = action[0], (action[1] if len(action) > 1 else None)
        if name == "cue.start":
            self.start(value)
        elif name == "cue.stop":
            self.stop()
        elif name == "cue.next":
            self.next()
        elif name == "cue.prev":
            self.prev()
        elif name == "cue.goto" and value is not None:
            self.goto(value)
        elif name == "cue.toggle":
            if self.running:
                self.stop()
            else:
                self.start()
        else:
            return False
        return True

    # ------------------------------------------------------------------ the render loop
    def step(self, features: Features) -> list[tuple[str, Any]]:
        """Advance by one frame; returns the actions triggered in this frame (also put on the state)."""
        f = features
        beats, downs = self._counter.update(f)
        section = f.section or ""
        entered = section if self._section is not None and section != self._section else ""
        self._section = section
        self._last = f
        out: list[tuple[str, Any]] = []

        with self._lock:
            reqs, self._requests = self._requests, []
        for req in reqs:
            self._apply_request(req)

        self._resolve_scene(out)
        if self._running:
            if self._armed is None and self._current is not None:
                cur = self._current
                cue = self.cues[cur.index]
                cur.beats += beats
                cur.downbeats += downs
                if self._ended(cue, cur, entered):
                    nxt = cur.index + 1
                    if nxt >= len(self.cues):
                        if self.cues.loop:
                            nxt = 0
                        else:
                            self._running, self._finished = False, True
                            nxt = None
                    self._armed = nxt
            if self._running and self._armed is not None:
                cue = self.cues[self._armed]
                boundary = {"none": True, "beat": beats > 0, "bar": downs > 0}[cue.quantize]
                if boundary:
                    self._fire(self._armed, out)
        return out

    def _apply_request(self, req: tuple[str, Any]) -> None:
        kind, value = req
        if kind == "stop":
            self._running, self._armed = False, None
            return
        try:
            if kind == "start":
                target = self.cues.index(value)
            else:  # step +-1 from the armed or showing cue
                if not self._running:
                    base = self._current.index if self._current is not None else (-1 if value > 0 else 0)
                else:
                    base = self._armed if self._armed is not None else (
                        self._current.index if self._current is not None else -1)
                target = base + value
                if not 0 <= target < len(self.cues):
                    if not self.cues.loop:  # the ends of a list that does not loop: stay
                        self.warning = "no next cue" if value > 0 else "no previous cue"
                        return
                    target %= len(self.cues)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            self.warning = str(exc.args[0] if exc.args else exc)
            return
        self._running, self._finished = True, False
        self._armed = target

    def _ended(self, cue: Cue, cur: _Running, entered: str) -> bool:
        if cue.until == "manual":
            cur.waiting = True
            return False
        if not cur.waiting:
            if cue.bars is not None and cur.downbeats < cue.bars:
                return self._timed_out(cue, cur)
            if cue.beats is not None and cur.beats < cue.beats:
                return self._timed_out(cue, cur)
            if cue.until is None:
                return True
            cur.waiting = True
            # the frame that completes the bars counts: a drop entered on it ends the wait
        if entered and entered == cue.until:
            return True
        return self._timed_out(cue, cur)

    @staticmethod
    def _timed_out(cue: Cue, cur: _Running) -> bool:
        if cue.max_bars is not None:
            return cur.downbeats >= cue.max_bars
        if cue.max_beats is not None:
            return cur.beats >= cue.max_beats
        return False

    def _fire(self, index: int, out: list[tuple[str, Any]]) -> None:
        cue = self.cues[index]
        self._armed = None
        self._current = _Running(index)
        self._pending_scene = None
        f = self._last
        self.fired.append((index, float(f.beat_count) + float(f.beat_phase) if f is not None else 0.0))
        for name, value in cue.actions():
            if name == "scene" and isinstance(value, str):
                self._pending_scene = (cue.pack, value)
                continue
            self.state.trigger(name, value, source=SOURCE)
            out.append((name, value))
        self._resolve_scene(out)

    def _resolve_scene(self, out: list[tuple[str, Any]]) -> None:
        if self._pending_scene is None:
            return
        pack, name = self._pending_scene
        if pack and self.state.pack != pack:
            return  # the new pack is not showing yet
        self._pending_scene = None
        scenes = list(self.state.scenes)
        if name in scenes:
            i = scenes.index(name)
            self.state.trigger("scene", i, source=SOURCE)
            out.append(("scene", i))
        else:
            self.warning = f"cue scene {name!r}: no such scene in pack {self.state.pack!r}{_suggest(name, scenes)}"

    # ------------------------------------------------------------------ feedback
    def status(self) -> dict[str, Any]:
        """What the HUD / web surface shows: the cue, what comes next and how long is left."""
        cur = self._current
        cue = self.cues[cur.index] if cur is not None else None
        f = self._last
        beat_phase = float(f.beat_phase) if f is not None else 0.0
        bar_phase = float(f.bar_phase) if f is not None else 0.0
        beats_left: float | None = None
        if cue is not None and self._running and self._armed is None and not cur.waiting:
            if cue.bars is not None:
                beats_left = max(0.0, (cue.bars - cur.downbeats - 1) * 4 + 4.0 * (1.0 - bar_phase))
            elif cue.beats is not None:
                beats_left = max(0.0, cue.beats - cur.beats - beat_phase)
        if cue is not None and self._running and self._armed is None and cur.waiting:
            cap = (cue.max_bars * 4 if cue.max_bars is not None else cue.max_beats)
            if cap is not None:
                beats_left = max(0.0, cap - cur.beats - beat_phase)
        nxt = self._armed if self._armed is not None else (
            (cur.index + 1) % len(self.cues) if cur is not None and (self.cues.loop or cur.index + 1 < len(self.cues))
            else (0 if cur is None else None))
        waiting = None
        if self._running and self._armed is not None:
            waiting = self.cues[self._armed].quantize if self.cues[self._armed].quantize != "none" else None
        elif cue is not None and self._running and cur.waiting:
            waiting = cue.until
        return {
            "list": self.cues.name,
            "running": self._running,
            "finished": self._finished,
            "index": cur.index if cur is not None else None,
            "cue": cue.name if cue is not None else None,
            "length": cue.length if cue is not None else None,
            "count": len(self.cues),
            "beats_left": beats_left,
            "bars_left": None if beats_left is None else beats_left / 4.0,
            "waiting": waiting,  #: "beat"/"bar" (a cue armed for its boundary), "drop"/... or "manual"
            "next": self.cues[nxt].name if nxt is not None else None,
            "warning": self.warning,
        }
