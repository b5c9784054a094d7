"""Any MIDI controller, played through a ``device = "generic"`` layout (what ``vjhost midi learn`` writes).

The layout (see :data:`vjhost.control.layout.GENERIC_DOC`) names the port by a
part of its name (``port = "nanoKONTROL2"``) and lists

* ``[[ccs]]``: a CC moves a parameter over its range (0..127 -> min..max),
  with soft takeover by default (the control moves the parameter only once it
  has reached the parameter's current value, so nothing jumps after another
  surface or a pack switch changed it), or, with ``action``, fires the action
  when its value goes up past 63 (buttons that send CCs);
* ``[[notes]]``: a note-on fires the action (``state.trigger(action, value,
  source="midi")``); "param" notes set the parameter to ``amount`` (0..1),
  ``momentary = true`` restores it on note-off.

Each entry may name a ``channel`` (1..16); without one it answers on every
channel.  Generic controllers get no LED feedback (their LED protocols differ).

Registration (``vjhost_register_mappings``)::

    register(MappingSpec("generic-midi", _lazy("vjhost_builtins.generic_midi:match_port"),
                         _lazy("vjhost_builtins.generic_midi:GenericMidi"),
                         "any MIDI controller bound with `vjhost midi learn` (the user's layout file)",
                         layout_key="generic"))

``match_port`` and ``GenericMidi(None, state)`` read the user's layout file
(:func:`vjhost.control.learn.user_layout_path`), re-read when it changes.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Mapping

import mido

from vjhost.control.layout import (
    GENERIC,
    Binding,
    Layout,
    LayoutError,
    layout_from_dict,
    load_layout,
)
from vjhost.control.learn import user_layout_path
from vjhost.control.state import ControlState
from vjhost.control.takeover import fader_moved

SOURCE = "midi"
PRESS = 64  #: a CC button is pressed at this value and above


# --------------------------------------------------------------------------- the user's layout file

_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], Layout | None, str | None]] = {}


def user_layout(path: str | Path | None = None) -> Layout | None:
    """The generic layout in the user's file (re-read when it changes); None if missing, invalid or not generic.

    Why it is None is in :func:`user_layout_error`.
    """
    p = Path(path).expanduser() if path is not None else user_layout_path()
    key = str(p)
    try:
        st = os.stat(p)
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        with _cache_lock:
            _cache[key] = ((0, 0), None, None)
        return None
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    layout, error = None, None
    try:
        layout = load_layout(p)
        if layout.device != GENERIC:
            layout, error = None, f"{p}: device is {layout.device!r}, not {GENERIC!r}"
    except LayoutError as exc:
        error = str(exc)
    with _cache_lock:
        _cache[key] = (stamp, layout, error)
    return layout


def user_layout_error(path: str | Path | None = None) -> str | None:
    p = Path(path).expanduser() if path is not None else user_layout_path()
    user_layout(p)
    with _cache_lock:
        hit = _cache.get(str(p))
    return None if hit is None else hit[2]


def port_matches(layout: Layout | None, name: str) -> bool:
    """Does this generic layout drive the input port ``name``?  (``port`` substring, case-insensitive; "" = none.)"""
    if layout is None or not layout.port.strip():
        return False
    return layout.port.strip().lower() in name.lower()


def match_port(name: str) -> bool:
    """The ``MappingSpec.match`` for the user's layout file."""
    return port_matches(user_layout(), name)


# --------------------------------------------------------------------------- the mapping


class _Cc:
    def __init__(self, param: str | None, binding: Binding | None, takeover: bool) -> None:
        self.param = param
        self.binding = binding
        self.takeover = takeover
        self.position: int | None = None  #: last value 0..127
        self.sent: float | None = None  #: the normalised value we last wrote (None: not in control)


class GenericMidi:
    """A generic controller driving a :class:`ControlState` through a ``device = "generic"`` layout.

    :param layout: a :class:`Layout`, its table (dict), a path to its file, or None for the user's file.
    """

    #: a CC "has" its parameter when within this many steps of it
    TAKEOVER_WINDOW = 2

    def __init__(self, layout: Layout | Mapping[str, Any] | str | Path | None, state: ControlState) -> None:
        if layout is None:
            path = user_layout_path()
            layout = user_layout(path)
            if layout is None:
                raise ValueError(user_layout_error(path) or
                                 f"no generic controller layout at {path} (run `vjhost midi learn`)")
        elif isinstance(layout, (str, Path)):
            layout = load_layout(layout)
        elif not isinstance(layout, Layout):
            layout = layout_from_dict(layout, "<generic layout>")
        if layout.device != GENERIC:
            raise ValueError(f"{layout.source or 'layout'}: GenericMidi needs device = \"{GENERIC}\", "
                             f"not {layout.device!r}")
        self.layout = layout
        self.state = state
        self._ccs: dict[int, list[tuple[int | None, _Cc]]] = {}
        for c in layout.ccs:
            self._ccs.setdefault(c.cc, []).append((c.channel, _Cc(c.param, c.binding, c.takeover)))
        self._notes: dict[int, list[tuple[int | None, Any]]] = {}
        for n in layout.notes:
            self._notes.setdefault(n.note, []).append((n.channel, n))
        self._restore: dict[tuple[int, int], tuple[str, float]] = {}  #: (channel, note) -> (param, old value)

    def matches(self, port_name: str) -> bool:
        return port_matches(self.layout, port_name)

    # ---------------------------------------------------------------- ControllerMapping
    def on_connect(self) -> list[mido.Message]:
        for param, value in self._restore.values():  # a momentary note held while unplugged
            self.state.set(param, value)
        self._restore.clear()
        for entries in self._ccs.values():
            for _, c in entries:
                c.position, c.sent = None, None
        return []

    def feedback(self) -> list[mido.Message]:
        return []

    def handle(self, msg: mido.Message) -> None:
        t = msg.type
        if t == "control_change":
            c = self._find(self._ccs, msg.control, msg.channel)
            if c is not None:
                self._cc(c, msg.value)
        elif t == "note_on" and msg.velocity > 0:
            n = self._find(self._notes, msg.note, msg.channel)
            if n is not None:
                self._press(n, (msg.channel, msg.note))
        elif t in ("note_on", "note_off"):
            restore = self._restore.pop((msg.channel, msg.note), None)
            if restore is not None:
                self.state.set(*restore)

    # ---------------------------------------------------------------- input
    @staticmethod
    def _find(table: dict, number: int, channel0: int) -> Any:
        for ch, item in table.get(number, ()):
            if ch is None or ch == channel0 + 1:
                return item
        return None

    def _fire(self, b: Binding) -> None:
        if b.action == "param":
            self.state.set_normalized(b.value, b.amount)
            return
        value = b.value
        if b.action == "scene" and isinstance(value, str) and value in self.state.scenes:
            value = self.state.scenes.index(value)
        self.state.trigger(b.action, value, source=SOURCE)

    def _press(self, n: Any, key: tuple[int, int]) -> None:
        b = n.binding
        if n.momentary and b.action == "param" and b.value in self.state.params():
            self._restore.setdefault(key, (b.value, self.state.get(b.value)))
        self._fire(b)

    def _cc(self, c: _Cc, value: int) -> None:
        prev, c.position = c.position, value
        if c.binding is not None:
            if value >= PRESS and (prev is None or prev < PRESS):
                self._fire(c.binding)
            return
        c.sent = fader_moved(self.state, c.param, prev, value, c.sent, c.takeover, self.TAKEOVER_WINDOW, source="midi")


__all__ = ["GenericMidi", "match_port", "port_matches", "user_layout", "user_layout_error"]
