"""The AI-DJ companion in the live show: what is playing, what could come next, and which look suits it.

:class:`Companion` is a plain object the render loop calls once per frame
(``session.frame_hooks``); the call only counts bars and reads numbers.  The
slow work -- embedding the last ``window`` seconds to identify the track --
runs on a worker thread every ``every`` seconds.

What is playing comes from (newest wins): the performer telling it (OSC
``/vj/crate/playing``, the crate web page: action ``crate.playing``), or the
companion hearing it (a confident identification that holds for two looks in
a row; a track the performer named is kept for ``told_hold`` seconds before
hearing may replace it).  Each new track playing is added to the played path.

Auto look (action / toggle ``crate.auto``; off unless ``--auto-look``): on
each phrase boundary (every ``phrase_bars`` downbeats) the companion picks the
persona for the music's character among the installed packs and, when it
differs, asks for it (action ``pack``, source ``crate``) -- the show paints it
in as it does any pack switch -- and turns the ``hue`` effect towards the
palette.  Any pack switch from anyone else (APC, keyboard, OSC, web, cues)
turns auto off at once; moving the hue fader yourself stops the palette
following.  Turn auto back on with the ``crate.auto`` toggle (a pad bound
to ``toggle crate.auto``, ``/vj/crate/auto 1``, or the crate page).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import numpy as np

from vjhost.control.state import ControlEvent, ControlState
from vjhost.protocols import Features, Param

from .db import CrateDB, CrateError, Track
from .identify import AudioWindow, identify
from .look import Character, Look, character_of_track, choose_look
from .suggest import DIRECTIONS, Suggestion, suggest

__all__ = ["Companion", "SOURCE", "ACTIONS"]

SOURCE = "crate"
#: the control actions the companion answers (OSC /vj/crate/<name>, the web page's "crate.<name>")
ACTIONS = ("crate.playing", "crate.energy", "crate.auto")
ROOM_PARAM = Param("room.energy", 0.0, 0.0, 1.0, "the crowd's motion (camera), 0 without one")


class Companion:
    """The crate companion for one live show.

    :param db: the crate database (its tracks are read once, at start).
    :param state: the show's control state (actions in, pack/hue out, ``room.energy``).
    :param packs: the installed pack names (the look only ever picks one of these).
    :param auto: start with the auto look on.
    :param room: something with ``.energy`` (0..1 or None), e.g. :class:`~vjhost.crate.room.RoomCamera`.
    :param embedder: the embedding (the shipped one by default).
    """

    def __init__(self, db: CrateDB, state: ControlState, packs: list[str], *, auto: bool = False, room: Any = None,
                 embedder=None, window: float = 12.0, every: float = 4.0, phrase_bars: int = 8,
                 told_hold: float = 90.0, sr: int = 48000, say: Callable[[str], None] | None = None) -> None:
        from .embed import shared_embedder

        self.db = db
        self.state = state
        self.packs = list(packs)
        self.room = room
        self.embedder = embedder or shared_embedder()
        self.tracks: list[Track] = db.tracks()
        self.window = AudioWindow(window, sr)
        self.every = every
        self.phrase_bars = max(1, int(phrase_bars))
        self.told_hold = told_hold
        self.say = say or (lambda m: print(f"vjhost: {m}", flush=True))
        self.direction = "keep"
        self.playing: Track | None = None
        self.playing_source = ""
        self._told_at = -1e9
        self._candidate: int | None = None  # heard once; a second time makes it the playing track
        self.last_match: list[dict] = []
        self.suggestions: list[Suggestion] = []
        self.look: Look | None = None
        self.bars = 0
        self._bars_at_switch = 0
        self.switches = 0
        self.errors = 0
        self.palette_follow = True
        self._lock = threading.RLock()
        self._busy = False
        self._thread: threading.Thread | None = None
        self._next_look = 0.0
        self._features = Features()
        self._source_wave: Callable[[float, int], Any] | None = None
        self._auto_seen = bool(auto)
        self._unsubscribe = state.subscribe(self._on_event)
        if room is not None:  # no camera: nothing changes, not even a new fader on the page
            state.declare(ROOM_PARAM)
        with state._lock:  # a toggle that starts off (toggles default to on)
            state.toggles["crate.auto"] = bool(auto)
        state.touch()
        if not self.tracks:
            self.say(f"crate: {db.path} has no analysed tracks; `vjhost crate scan DIR` first (the show goes on)")

    # ------------------------------------------------------------------ control
    @property
    def auto(self) -> bool:
        return bool(self.state.toggles.get("crate.auto", False))

    def set_auto(self, on: bool, why: str = "") -> None:
        with self.state._lock:
            changed = self.state.toggles.get("crate.auto", False) != on
            self.state.toggles["crate.auto"] = on
        self._auto_seen = on
        if changed:
            self.state.touch()
            self.say(f"crate: auto look {'on' if on else 'off'}{' (' + why + ')' if why else ''}")
        if on:
            self.palette_follow = True
            self._bars_at_switch = self.bars - self.phrase_bars  # allowed at the next phrase boundary

    def _on_event(self, ev: ControlEvent) -> None:
        """Listener on the control state (any thread): crate actions, and the performer's overrides."""
        if ev.kind == "action":
            if ev.name == "crate.playing":
                self.tell_playing(ev.value, source=ev.source or "told")
            elif ev.name == "crate.energy":
                self.set_direction(str(ev.value))
            elif ev.name == "crate.auto":
                self.set_auto(not self.auto if ev.value is None else bool(ev.value), f"by {ev.source or 'request'}")
            elif ev.name == "toggle" and ev.value == "crate.auto":
                pass  # the engine flips the toggle itself (state.toggle)
            elif ev.name == "pack" and ev.source != SOURCE and self.auto:
                self.set_auto(False, f"{ev.source or 'the performer'} picked pack {ev.value}")
        elif ev.kind == "param" and ev.name == "fx.hue.amount" and ev.source not in (SOURCE, "") and self.auto:
            self.palette_follow = False

    def set_direction(self, direction: str) -> None:
        if direction not in DIRECTIONS:
            self.say(f"crate: energy direction {direction!r} ignored (one of {', '.join(DIRECTIONS)})")
            return
        self.direction = direction
        self._refresh_suggestions()

    def tell_playing(self, ref: Any, source: str = "told") -> Track | None:
        """The performer says what is playing (an id, a path or part of a file name)."""
        if isinstance(ref, (list, tuple)):
            ref = ref[0] if ref else None
        if ref is None or ref == "":
            return None
        try:
            t = self.db.find(int(ref) if isinstance(ref, float) and ref.is_integer() else ref, self.tracks)
        except CrateError as exc:
            self.say(f"crate: {exc}")
            return None
        self._told_at = time.monotonic()
        self._set_playing(t, source)
        return t

    def _set_playing(self, t: Track, source: str) -> None:
        with self._lock:
            changed = self.playing is None or self.playing.id != t.id
            self.playing, self.playing_source = t, source
        if changed:
            try:
                self.db.add_play(t.id, source)
            except Exception as exc:  # noqa: BLE001 - a locked database must not stop the show
                self.say(f"crate: could not record the play ({exc})")
            self.say(f"crate: now playing {t.id}:{t.title} ({t.bpm:.1f} BPM, {t.camelot}) - {source}")
        self._refresh_suggestions()

    def _refresh_suggestions(self) -> None:
        with self._lock:
            cur = self.playing
        if cur is None:
            return
        room = getattr(self.room, "energy", None) if self.room is not None else None
        try:
            played = self.db.played(50)
        except Exception:  # noqa: BLE001
            played = []
        sug = suggest(cur, self.tracks, direction=self.direction, exclude=played, room_energy=room)
        with self._lock:
            self.suggestions = sug

    # ------------------------------------------------------------------ per frame (render thread)
    def attach_source(self, source: Any) -> None:
        """Where the audio window comes from: a file's timeline (``waveform(t, n)``) or the live analysis thread."""
        if hasattr(source, "mono") and getattr(source, "mono", None) is not None:
            self._source_wave = source.waveform
        elif hasattr(source, "analyzers"):
            source.analyzers.append(self.window)  # fed hop by hop on the analysis thread

    def __call__(self, session: Any, f: Features) -> None:
        """Once per frame: count bars, publish room energy, start an identification now and then, auto look.

        Never raises into the render loop: the first error is reported, later ones counted.
        """
        try:
            self._step(f)
        except Exception as exc:  # noqa: BLE001 - the show must go on
            self.errors += 1
            if self.errors == 1:
                self.say(f"crate: companion error ({type(exc).__name__}: {exc}); the show goes on")

    def _step(self, f: Features) -> None:
        self._features = f
        now = time.monotonic()
        if self.auto != self._auto_seen:  # flipped as a toggle (an APC pad, /vj/toggle/crate.auto)
            self._auto_seen = self.auto
            self.say(f"crate: auto look {'on' if self.auto else 'off'} (toggled)")
            if self.auto:
                self.palette_follow = True
                self._bars_at_switch = self.bars - self.phrase_bars
        if self.room is not None:
            e = getattr(self.room, "energy", None)
            if e is not None:
                if ROOM_PARAM.name not in self.state.params():  # (a pack switch may have rebuilt the params)
                    self.state.declare(ROOM_PARAM)
                self.state.set(ROOM_PARAM.name, float(e), source=SOURCE)
        if now >= self._next_look and not self._busy and self.tracks:
            self._next_look = now + self.every
            audio = self._audio(f.t)
            if audio is not None and len(audio) >= int(3.2 * self.window.sr):
                self._busy = True
                self._thread = threading.Thread(target=self._identify, name="vjhost-crate", daemon=True,
                                                args=(audio, f.bpm if f.beat_confidence > 0 else None))
                self._thread.start()
        if f.downbeat:
            self.bars += 1
            if self.bars - self._bars_at_switch >= self.phrase_bars and self.bars % self.phrase_bars == 0:
                self.on_phrase()

    def _audio(self, t: float) -> np.ndarray | None:
        if self._source_wave is not None:
            return self._source_wave(t, self.window.n)
        return self.window.read() if self.window.seconds > 0 else None

    def _identify(self, audio: np.ndarray, bpm: float | None) -> None:
        try:
            matches = identify(audio, self.window.sr, self.tracks, self.embedder, bpm=bpm)
            self.last_match = [{"id": m.track.id, "title": m.track.title, "score": m.score, "margin": m.margin,
                                "similarity": m.similarity} for m in matches]
            if matches and matches[0].confident:
                best = matches[0].track
                told_recently = time.monotonic() - self._told_at < self.told_hold
                if (self.playing is None or best.id != self.playing.id) and not told_recently:
                    if self._candidate == best.id:
                        self._set_playing(best, "heard")
                    self._candidate = best.id
                else:
                    self._candidate = None
            if self.playing is not None and (not self.suggestions or self.direction == "room"):
                self._refresh_suggestions()  # (the room's energy moves: "room" follows it)
        except Exception as exc:  # noqa: BLE001 - never into the show; said once
            self.errors += 1
            if self.errors == 1:
                self.say(f"crate: identification failed ({type(exc).__name__}: {exc}); the show goes on")
        finally:
            self._busy = False

    # ------------------------------------------------------------------ the look
    def character(self) -> Character:
        """The music's character now: the playing track's, with the live energy and brightness mixed in."""
        f = self._features
        with self._lock:
            t = self.playing
        if t is not None:
            c = character_of_track(t)
            if f.rms > 0:
                return Character(energy=0.5 * c.energy + 0.5 * f.energy,
                                 brightness=0.5 * c.brightness + 0.5 * f.centroid,
                                 major=c.major, bpm=f.bpm if f.beat_confidence > 0 else c.bpm, genre=c.genre,
                                 camelot=c.camelot)
            return c
        return Character(energy=f.energy, brightness=f.centroid, major=0.5, bpm=f.bpm)

    def decide_look(self) -> Look:
        installed = [p for p in (self.state.packs or self.packs)]
        self.look = choose_look(self.character(), installed)
        return self.look

    def on_phrase(self) -> None:
        """A phrase boundary: in auto, switch to the look's pack (and palette) when it changed."""
        try:
            look = self.decide_look()
        except LookupError as exc:
            if self.auto:
                self.set_auto(False, str(exc))
            return
        if not self.auto:
            return
        if look.persona != self.state.pack:
            self.state.trigger("pack", look.persona, source=SOURCE)
            self._bars_at_switch = self.bars
            self.switches += 1
            self.say(f"crate: auto look -> {look.reason}")
        if self.palette_follow and "fx.hue.amount" in self.state.params():
            self.state.set("fx.hue.amount", look.hue_shift, source=SOURCE)

    # ------------------------------------------------------------------ for the page
    def snapshot(self) -> dict:
        from .cratemap import map_points

        with self._lock:
            cur, sug, look = self.playing, list(self.suggestions), self.look
        try:
            played = self.db.played(200)
        except Exception:  # noqa: BLE001
            played = []
        room = getattr(self.room, "energy", None) if self.room is not None else None
        return {"playing": cur.brief() if cur else None, "source": self.playing_source, "direction": self.direction,
                "directions": list(DIRECTIONS), "auto": self.auto, "room": None if room is None else round(room, 3),
                "room_status": getattr(self.room, "status", "off") if self.room is not None else "off",
                "suggestions": [s.to_dict() for s in sug], "look": look.to_dict() if look else None,
                "heard": self.last_match, "bars": self.bars, "phrase_bars": self.phrase_bars,
                "map": map_points(self.tracks, played)}

    def stop(self) -> None:
        self._unsubscribe()
        if self._thread is not None:
            self._thread.join(timeout=5)  # an identification in flight finishes (well under a second)
        if self.room is not None and hasattr(self.room, "stop"):
            self.room.stop()
