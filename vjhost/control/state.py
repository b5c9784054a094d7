"""The one control model every surface writes to and reads back from.

Parameters are named, ranged floats (``fx.feedback.amount``, ``latent.speed``,
``master.brightness`` ...); actions are named one-shot requests (``pack``,
``scene``, ``tap``, ``blackout`` ...).  MIDI, OSC, the keyboard and the web
surface call :meth:`set` / :meth:`trigger` from their own threads; the render
loop calls :meth:`drain_actions` once per frame and reads parameters directly.
A monotonically increasing :attr:`version` lets surfaces send feedback only
when something changed.

Listeners (:meth:`ControlState.subscribe`) see every control change as a
:class:`ControlEvent` -- a parameter that took a new value, or an action that
was triggered -- whichever surface made it; the performance recorder
(:mod:`vjhost.control.record`) is one.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..protocols import Param


@dataclass(frozen=True)
class Action:
    name: str  #: "pack", "scene", "toggle", "tap", "blackout", "freeze", ...
    value: Any = None
    source: str = ""


@dataclass(frozen=True)
class ControlEvent:
    """One control change, as listeners see it."""

    kind: str  #: "param" (``value`` is the new, clamped value) or "action" (``value`` is the action's value)
    name: str  #: the parameter or action name
    value: Any = None
    source: str = ""  #: who made it ("midi", "osc", "web", "keyboard", "cues", ...; "" if not said)


Listener = Callable[[ControlEvent], None]


class ControlState:
    def __init__(self, params: Iterable[Param] = ()) -> None:
        self._lock = threading.Lock()
        self._listeners: tuple[Listener, ...] = ()  # copy-on-write: notifying never takes the lock
        self.listener_errors = 0  #: exceptions raised by listeners (swallowed so no surface breaks)
        self._specs: dict[str, Param] = {}
        self._values: dict[str, float] = {}
        self._actions: deque[Action] = deque(maxlen=256)
        self.version = 0
        #: what is showing now (written by the engine, read by feedback)
        self.pack: str = ""
        self.packs: list[str] = []
        self.scene: int = 0
        self.scenes: list[str] = []
        self.blackout = False
        self.freeze = False
        self.toggles: dict[str, bool] = {}
        for p in params:
            self.declare(p)

    # ---------------------------------------------------------------- parameters
    def declare(self, param: Param) -> None:
        with self._lock:
            self._specs[param.name] = param
            self._values.setdefault(param.name, param.default)
            self.version += 1

    def params(self) -> dict[str, Param]:
        return dict(self._specs)

    def get(self, name: str, default: float = 0.0) -> float:
        return self._values.get(name, default)

    def set(self, name: str, value: float, *, source: str = "") -> bool:
        """Set a declared parameter (clamped to its range).  Unknown names return False.

        Listeners hear of it (with ``source``) only when the value actually changed.
        """
        spec = self._specs.get(name)
        if spec is None:
            return False
        v = spec.clamp(value)
        changed = False
        with self._lock:
            if self._values.get(name) != v:
                self._values[name] = v
                self.version += 1
                changed = True
        if changed and self._listeners:
            self._notify(ControlEvent("param", name, v, source))
        return True

    def set_normalized(self, name: str, x: float, *, source: str = "") -> bool:
        """Set from a 0..1 control (a fader) mapped onto the parameter's range."""
        spec = self._specs.get(name)
        if spec is None:
            return False
        return self.set(name, spec.min + (spec.max - spec.min) * min(1.0, max(0.0, float(x))), source=source)

    def normalized(self, name: str) -> float:
        spec = self._specs[name]
        span = spec.max - spec.min
        return 0.0 if span == 0 else (self.get(name, spec.default) - spec.min) / span

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)

    # ---------------------------------------------------------------- actions
    def trigger(self, name: str, value: Any = None, source: str = "") -> None:
        with self._lock:
            self._actions.append(Action(name, value, source))
        if self._listeners:
            self._notify(ControlEvent("action", name, value, source))

    def drain_actions(self) -> list[Action]:
        with self._lock:
            out = list(self._actions)
            self._actions.clear()
        return out

    def toggle(self, name: str) -> bool:
        with self._lock:
            self.toggles[name] = not self.toggles.get(name, True)
            self.version += 1
            return self.toggles[name]

    def enabled(self, name: str) -> bool:
        return self.toggles.get(name, True)

    def touch(self) -> None:
        """Mark the state changed (pack/scene switched by the engine)."""
        with self._lock:
            self.version += 1

    # ---------------------------------------------------------------- listeners
    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(event)`` on every control change; returns a function that unsubscribes.

        ``event`` is a :class:`ControlEvent`: ``kind="param"`` after :meth:`set` /
        :meth:`set_normalized` changed a value, ``kind="action"`` after
        :meth:`trigger`.  The callback runs on the caller's thread (a MIDI, OSC or
        web thread, or the render loop), after the change and outside the
        state's lock, so it may read the state; it must be quick and must not
        block.  Its exceptions are swallowed (counted in :attr:`listener_errors`).
        Safe to call from any thread.
        """
        with self._lock:
            self._listeners = self._listeners + (callback,)

        def unsubscribe() -> None:
            with self._lock:
                ls = list(self._listeners)
                if callback in ls:
                    ls.remove(callback)
                self._listeners = tuple(ls)

        return unsubscribe

    def _notify(self, event: ControlEvent) -> None:
        for cb in self._listeners:  # a snapshot: the tuple is replaced, never mutated
            try:
                cb(event)
            except Exception:  # noqa: BLE001 - a listener must never break a surface
                self.listener_errors += 1
