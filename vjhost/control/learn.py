"""MIDI learn: bind the next control that moves to a parameter or an action, and save it in the user's layout.

Arm a :class:`MidiLearn` with a target, move a knob, fader, pad or button on
the controller, and the binding is written to the layout TOML file:

* a CC (knob/fader) bound to a parameter moves it over its range
  (``[[ccs]] cc = 21, param = "fx.feedback.amount"``); bound to an action it
  fires when the value goes up past 63 (buttons that send CCs);
* a note (pad/key/button) fires the action (``[[notes]] note = 36, action =
  "toggle", value = "fx.feedback"``); a parameter target makes it a "param"
  pad that sets the parameter to its maximum (``amount = 1``).

Targets are written like the layout's button strings: a parameter name
(``fx.feedback.amount``), an action (``blackout``, ``freeze``, ``tap``), or an
action with its value (``scene:2``, ``pack:ikeda``, ``toggle:fx.feedback``,
``param:master.strobe=1``).

The file (default :func:`user_layout_path`, ``~/.config/vjhost/layout.toml``)
is a ``device = "generic"`` layout (see :data:`vjhost.control.layout.GENERIC_DOC`)
that the ``generic-midi`` mapping (``vjhost_builtins.generic_midi``) plays; an
existing APC mini layout gets ``[[faders]]``/``[[pads]]`` entries instead.  The
user's file is edited as text, never regenerated: comments, order and every
other binding stay; a binding for the same control is replaced in place (only
its binding keys: its comments, label, colour ... stay), a new one is appended.
The result is validated with :func:`~vjhost.control.layout.parse_layout` before
anything is written; the new text goes to a temporary file in the same folder
that is renamed over the old one, and the previous version is kept as
``<file>.bak``.  An existing file that does not validate is never touched: the
error names the file and line.
"""

from __future__ import annotations

import argparse
import datetime
import os
import queue
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..tomlcompat import tomllib
from .layout import (
    ACTIONS,
    FADER_CC0,
    GENERIC,
    N_FADERS,
    Binding,
    Layout,
    LayoutError,
    _KeyLines,
    _suggest,
    parse_binding,
    parse_layout,
)
from .state import ControlState

#: CCs 120-127 are channel mode messages (all notes off, reset ...), never a control that moved
MODE_CCS = range(120, 128)
#: ports a learn never listens to (our own clients, ALSA/JACK loopbacks)
_SKIP_PORT = re.compile(r"vjhost|rtmidi|midi through", re.IGNORECASE)


class LearnError(ValueError):
    """Learning cannot go on (a bad target, an invalid layout file, a control the layout cannot hold)."""


def user_layout_path() -> Path:
    """The user's controller layout: ``$VJHOST_LAYOUT``, else ``$XDG_CONFIG_HOME/vjhost/layout.toml``
    (``~/.config/vjhost/layout.toml``)."""
    env = os.environ.get("VJHOST_LAYOUT")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "vjhost" / "layout.toml"


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """What the next control will do: move ``param``, or fire ``binding``."""

    text: str
    param: str | None = None
    binding: Binding | None = None

    def __str__(self) -> str:
        return self.text


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def parse_target(text: Any, params: Sequence[str] = ()) -> Target:
    """A parameter name or an action string (``blackout``, ``scene:2``, ``param:NAME=0.5``); raises :class:`LearnError`.

    ``params``: the declared parameters, when known (a running show): a name not among them is an error.
    """
    if isinstance(text, Target):
        return text
    if not isinstance(text, str) or not text.strip():
        raise LearnError(f"learn needs a target: a parameter name or an action like \"scene:2\", got {text!r}")
    text = text.strip()
    if text in params:
        return Target(text, param=text)
    try:
        binding = parse_binding(text)
    except ValueError as exc:
        head = text.partition(":")[0]
        if ":" in text or head in ACTIONS or not _NAME.fullmatch(text):
            raise LearnError(f"learn target {text!r}: {exc}") from None
        if params and text not in params:
            raise LearnError(f"unknown parameter {text!r}{_suggest(text, params)} "
                             f"(or an action: one of {', '.join(ACTIONS)})") from None
        return Target(text, param=text)
    if binding.action == "param" and params and binding.value not in params:
        raise LearnError(f"unknown parameter {binding.value!r}{_suggest(binding.value, params)}")
    return Target(text, binding=binding)


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class Learned:
    """A binding that was saved."""

    kind: str  #: "cc" or "note"
    number: int
    channel: int  #: 1..16, as it arrived
    target: Target
    path: Path
    table: str  #: the layout table it went to ("ccs", "notes", "faders", "pads")
    replaced: bool  #: an entry for the same control was replaced (else appended)
    port: str | None = None
    backup: Path | None = None  #: the previous version of the file (None: there was no file)

    def describe(self) -> str:
        what = f"CC {self.number}" if self.kind == "cc" else f"note {self.number}"
        where = f" on {self.port!r}" if self.port else ""
        verb = "replaced the binding of" if self.replaced else "bound"
        tail = f" (previous version: {self.backup})" if self.backup else ""
        return f"{verb} {what} (channel {self.channel}){where} -> {self.target} in {self.path}{tail}"


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _binding_lines(target: Target, *, cc_table: bool) -> list[str]:
    if target.param is not None:
        if cc_table:
            return [f"param = {_toml_str(target.param)}"]
        return ['action = "param"', f"value = {_toml_str(target.param)}"]
    b = target.binding
    lines = [f"action = {_toml_str(b.action)}"]
    if b.value is not None:
        lines.append(f"value = {b.value}" if isinstance(b.value, int) else f"value = {_toml_str(str(b.value))}")
    if b.action == "param" and b.amount != 1.0:
        lines.append(f"amount = {b.amount!r}")
    return lines


#: per table: the keys that identify the control, and the keys that are its binding (replaced on re-learn)
_IDENTITY = {"ccs": ("cc", "channel"), "notes": ("note", "channel"), "faders": ("fader", "cc"),
             "pads": ("note", "row", "col")}
_BINDING_KEYS = {"ccs": ("param", "action", "value", "amount"), "notes": ("action", "value", "amount", "momentary"),
                 "faders": ("param",), "pads": ("action", "value", "amount", "momentary")}


def _plan(layout: Layout | None, kind: str, number: int, channel: int, target: Target, source: str) \
        -> tuple[str, list[str]]:
    """(table, identity lines) for this control in this kind of layout; raises :class:`LearnError`."""
    if layout is None or layout.device == GENERIC:
        if kind == "cc":
            return "ccs", [f"cc = {number}", f"channel = {channel}"]
        return "notes", [f"note = {number}", f"channel = {channel}"]
    # an APC mini layout: its faders and pads
    if kind == "cc":
        if not FADER_CC0 <= number < FADER_CC0 + N_FADERS:
            raise LearnError(f"{source}: CC {number} is not an APC mini fader "
                             f"(CC {FADER_CC0}-{FADER_CC0 + N_FADERS - 1}); learn on a generic controller "
                             f"writes a device = \"generic\" layout (use another --layout)")
        if target.param is None:
            raise LearnError(f"{source}: an APC mini fader moves a parameter; {target} is an action (use a pad)")
        return "faders", [f"cc = {number}"]
    if not 0 <= number < 64:
        raise LearnError(f"{source}: note {number} is not an APC mini pad (notes 0-63); track and scene buttons "
                         f"are set in [buttons] (edit the file)")
    return "pads", [f"note = {number}"]


def _same_control(table: str, entry: Any, number: int, channel: int) -> bool:
    if not isinstance(entry, dict):
        return False
    if table in ("ccs", "notes"):
        key = "cc" if table == "ccs" else "note"
        ch = entry.get("channel")
        return entry.get(key) == number and (ch is None or ch == channel)
    if table == "faders":
        cc = entry.get("cc")
        if cc is None and isinstance(entry.get("fader"), int):
            cc = FADER_CC0 + entry["fader"] - 1
        return cc == number
    note = entry.get("note")
    if note is None and isinstance(entry.get("row"), int) and isinstance(entry.get("col"), int):
        note = entry["row"] * 8 + entry["col"]
    return note == number


_KEY_LINE = re.compile(r"\s*([A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")


def _line_key(line: str) -> str | None:
    m = _KEY_LINE.match(line)
    return m.group(1).strip("\"'") if m else None


def _is_header(line: str) -> bool:
    return line.lstrip().startswith("[")


def new_layout_text(port: str | None) -> str:
    stamp = datetime.date.today().isoformat()
    lines = [f"# vjhost controller layout, started by `vjhost midi learn` on {stamp}.",
             "# Edit freely: learning again keeps your comments and other bindings (the previous",
             "# version is kept as .bak).  Format: device = \"generic\" in vjhost/control/layout.py.",
             "schema_version = 1", f"device = {_toml_str(GENERIC)}"]
    if port:
        lines.append(f"port = {_toml_str(port)}  # part of the MIDI input port's name")
    return "\n".join(lines) + "\n"


def port_key(name: str) -> str:
    """A stable part of a port name for ``port = ...``: ALSA/Windows numbers dropped (``... 20:0``, `` 1``)."""
    n = re.sub(r"\s+\d+(:\d+)?$", "", name.strip())
    return n or name


def edit_layout_text(text: str | None, source: str, kind: str, number: int, channel: int, target: Target,
                     port: str | None = None) -> tuple[str, str, bool]:
    """The layout text with this binding in it: ``(new text, table, replaced)``.  Raises :class:`LearnError`.

    ``text`` None: a new generic layout.  The text is checked with the layout
    validator before and after; nothing else in it changes.
    """
    if text is None:
        text, layout = new_layout_text(port_key(port) if port else None), None
    else:
        try:
            layout = parse_layout(text, source)
        except LayoutError as exc:
            raise LearnError(f"the layout file is not valid, so it was left as it is:\n{exc}") from None
    table, ident = _plan(layout, kind, number, channel, target, source)
    data = tomllib.loads(text)
    lines = text.splitlines()
    new_binding = _binding_lines(target, cc_table=table in ("ccs", "faders"))
    entries = data.get(table, [])
    index = next((i for i, e in enumerate(entries) if _same_control(table, e, number, channel)), None) \
        if isinstance(entries, list) else None
    replaced = index is not None
    if replaced:
        where = _KeyLines(text).scan().get((table, index))
        if where is None or not lines[where - 1].lstrip().startswith("[["):
            raise LearnError(f"{source}:{where or '?'}: {table}.{index} is written as an inline table; "
                             f"learn can only replace a [[{table}]] block (rewrite it as one, or remove it)")
        start = where  # 0-based index of the first line after the header
        end = start
        while end < len(lines) and not _is_header(lines[end]):
            end += 1
        block = lines[start:end]
        drop = set(_BINDING_KEYS[table])
        if target.param is None:
            drop.add("takeover")  # an action CC has no takeover
        kept = [ln for ln in block if _line_key(ln) not in drop]
        at = 0
        for j, ln in enumerate(kept):
            if _line_key(ln) in _IDENTITY[table]:
                at = j + 1
        kept[at:at] = new_binding
        lines[start:end] = kept
    else:
        if isinstance(data.get(table), list) and data[table] and \
                not any(ln.strip().startswith(f"[[{table}]]") for ln in lines):
            raise LearnError(f"{source}: {table} is written as an inline array; learn appends [[{table}]] "
                             f"blocks (rewrite the array as [[{table}]] blocks)")
        if layout is not None and layout.device == GENERIC and "port" not in data and port:
            # a generic layout without a port: say which controller it is for, at the top level
            at = next((i for i, ln in enumerate(lines) if _is_header(ln)), len(lines))
            dev = next((i for i, ln in enumerate(lines[:at]) if _line_key(ln) == "device"), None)
            at = dev + 1 if dev is not None else at
            lines[at:at] = [f"port = {_toml_str(port_key(port))}  # part of the MIDI input port's name"]
        while lines and not lines[-1].strip():
            lines.pop()
        note = f"  # learned {datetime.date.today().isoformat()}" + (f" on {port!r}" if port else "")
        lines += ["", f"[[{table}]]{note.replace(chr(10), ' ')}"] + ident + new_binding
    out = "\n".join(lines) + "\n"
    try:
        result = parse_layout(out, source)
    except LayoutError as exc:
        raise LearnError(f"binding {kind} {number} to {target} would make {source} invalid, so it was left "
                         f"as it is:\n{exc}") from None
    if not _check(result, table, number, channel, target):  # pragma: no cover - a bug here, not the user's
        raise LearnError(f"internal error: the edited layout does not bind {kind} {number} to {target}")
    return out, table, replaced


def _check(layout: Layout, table: str, number: int, channel: int, target: Target) -> bool:
    def fits(b: Binding | None) -> bool:
        if target.param is not None:
            return b is not None and b.action == "param" and b.value == target.param
        return b == target.binding

    if table == "ccs":
        return any(c.cc == number and c.channel in (None, channel) and
                   (c.param == target.param if target.param is not None else c.binding == target.binding)
                   for c in layout.ccs)
    if table == "notes":
        return any(n.note == number and n.channel in (None, channel) and fits(n.binding) for n in layout.notes)
    if table == "faders":
        return any(f.cc == number and f.param == target.param for f in layout.faders)
    return any(p.note == number and fits(p.binding) for p in layout.pads)


def write_atomic(path: Path, text: str) -> Path | None:
    """Replace ``path`` with ``text``: temp file in the same folder, fsync, rename; the old file stays as ``.bak``.

    Returns the backup's path (None if there was no file).  A symlinked layout is written through the link.
    """
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    mode = None
    if path.exists():
        mode = path.stat().st_mode & 0o7777
        backup = path.with_name(path.name + ".bak")
        _write_replace(backup, path.read_bytes(), mode)
    _write_replace(path, text.encode("utf-8"), mode)
    return backup


def _write_replace(path: Path, data: bytes, mode: int | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # the rename itself survives a power cut once the folder is synced
        dfd = os.open(str(path.parent), os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def check_layout_file(path: Path) -> None:
    """Raise :class:`LearnError` (naming file and line) if an existing layout file does not validate."""
    if not path.exists():
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LearnError(f"{path}: cannot read: {exc}") from None
    try:
        parse_layout(text, str(path))
    except LayoutError as exc:
        raise LearnError(f"the layout file is not valid, so learn will not write to it:\n{exc}") from None


def save_binding(path: str | Path, kind: str, number: int, channel: int, target: Target,
                 port: str | None = None) -> Learned:
    """Add (or replace) one binding in the layout file at ``path``; see the module docs."""
    path = Path(path).expanduser()
    source = str(path)
    text = None
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LearnError(f"{source}: cannot read: {exc}") from None
    new, table, replaced = edit_layout_text(text, source, kind, number, channel, target, port)
    try:
        backup = write_atomic(path, new)
    except OSError as exc:
        raise LearnError(f"{source}: cannot write: {exc}") from None
    return Learned(kind, number, channel, target, path, table, replaced, port, backup)


# --------------------------------------------------------------------------- learning


def control_of(msg: Any) -> tuple[str, int, int] | None:
    """``("cc" | "note", number, channel 1..16)`` for a control that moved (CC, note-on), else None."""
    t = getattr(msg, "type", None)
    if t == "control_change" and msg.control not in MODE_CCS:
        return "cc", int(msg.control), int(msg.channel) + 1
    if t == "note_on" and msg.velocity > 0:
        return "note", int(msg.note), int(msg.channel) + 1
    return None


class MidiLearn:
    """Arm with a target; the next control that moves is bound to it and saved (see the module docs).

    :param state: the control state (its declared parameters validate targets).
    :param layout_path: the layout file to write (default :func:`user_layout_path`).
    :param port: listen only to input ports whose name contains this (case-insensitive).
    :param backend: a mido backend name (``"mido.backends.rtmidi/UNIX_JACK"``); None: mido's default, then JACK.
    :param listen: open the input ports itself while armed (a second reader next to the
        :class:`~vjhost.control.midi.MidiSurface`; fine on ALSA, JACK and macOS).  With
        ``listen=False`` hand it messages with :meth:`feed`.
    :param on_learned: called with the :class:`Learned` after a save (on the learn thread).

    Use from the live loop: ``learn.handle_action(act)`` for each drained action named
    ``learn`` (value: the target; None or "" cancels).  :attr:`message` is a one-line
    status for the HUD / console (also :attr:`error`, :attr:`last`).
    """

    def __init__(self, state: ControlState | None, layout_path: str | Path | None = None, port: str | None = None,
                 backend: str | None = None, listen: bool = True,
                 on_learned: Callable[[Learned], None] | None = None, rescan: float = 0.25) -> None:
        self.state = state
        self.layout_path = Path(layout_path).expanduser() if layout_path else user_layout_path()
        self.port = port
        self.backend_name = backend
        self.listen = listen
        self.on_learned = on_learned
        self.rescan = rescan
        self.armed: Target | None = None
        self.last: Learned | None = None
        self.error: str | None = None
        self.message = ""
        self.listening: list[str] = []  #: input ports open for learning now
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._generation = 0
        self._saving = False  #: a control arrived and is being saved

    # ---------------------------------------------------------------- control
    def arm(self, target: Any) -> Target:
        """Wait for the next control for ``target``; raises :class:`LearnError` (bad target, invalid layout file)."""
        params = list(self.state.params()) if self.state is not None else []
        t = parse_target(target, params)
        check_layout_file(self.layout_path)
        with self._lock:
            self.armed, self.error = t, None
            self._generation += 1
            self.message = f"learn: move a control for {t}"
        if self.listen:
            self._start_listening()
        return t

    def cancel(self) -> None:
        with self._lock:
            was, self.armed = self.armed, None
            self._generation += 1
            if was is not None:
                self.message = "learn: cancelled"
            self._done.notify_all()
        self._stop_listening()

    def stop(self) -> None:
        self.cancel()

    def handle_action(self, action: Any) -> None:
        """The live loop's call for an action named ``learn``: its value arms (or, None/"", cancels). Never raises."""
        value = getattr(action, "value", action)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.cancel()
            return
        try:
            self.arm(value)
        except LearnError as exc:
            with self._lock:
                self.armed, self.error = None, str(exc)
                self.message = "learn: " + str(exc).splitlines()[-1]

    def feed(self, msg: Any, port_name: str | None = None) -> Learned | None:
        """One incoming MIDI message (any thread): when armed and it is a control, bind and save it."""
        ctl = control_of(msg)
        if ctl is None:
            return None
        with self._lock:
            target = self.armed
            if target is None:
                return None
            self.armed = None  # one control per arming, even if saving fails
            self._saving = True
            self._generation += 1
        kind, number, channel = ctl
        try:
            learned = save_binding(self.layout_path, kind, number, channel, target, port_name)
        except Exception as exc:  # noqa: BLE001 - LearnError, or an OSError we did not foresee
            with self._lock:
                self.error = str(exc) if isinstance(exc, LearnError) else f"{type(exc).__name__}: {exc}"
                self.message = "learn: " + self.error.splitlines()[-1]
                self._saving = False
                self._done.notify_all()
            return None
        with self._lock:
            self._saving = False
            self.last, self.error = learned, None
            self.message = "learn: " + learned.describe()
            self._done.notify_all()
        if self.on_learned is not None:
            try:
                self.on_learned(learned)
            except Exception:  # noqa: BLE001 - a callback never breaks learning
                pass
        return learned

    def wait(self, timeout: float | None = None) -> Learned | None:
        """Block until the armed target is learned (the :class:`Learned`), or cancelled / failed / timed out (None)."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self.armed is not None or self._saving:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._done.wait(0.1 if left is None else min(0.1, left))
            if self.error is not None:
                return None
            return self.last

    # ---------------------------------------------------------------- listening
    def _start_listening(self) -> None:
        if self._thread is not None:
            self._stop_listening()  # a fresh scan for this arming (the old thread may be winding down)
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="vjhost-midi-learn", daemon=True)
        self._thread.start()

    def _stop_listening(self) -> None:
        self._stop.set()
        self._queue.put(None)
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout=2)
        self._thread = None

    def wants(self, name: str) -> bool:
        if self.port is not None:
            return self.port.lower() in name.lower()
        return not _SKIP_PORT.search(name)

    def _listen(self) -> None:
        from .midi import _backend, _candidates, _explain, _PortLister

        lister = backend = None
        errors = []
        for name in _candidates(self.backend_name):
            try:
                backend = _backend(name)
                lister = _PortLister(backend)
                break
            except Exception as exc:  # noqa: BLE001
                errors.append(_explain(name, exc))
        if lister is None:
            with self._lock:
                self.error = "no MIDI system: " + "; ".join(errors)
                self.message = "learn: " + self.error
                self.armed = None
                self._done.notify_all()
            return
        ports: dict[str, Any] = {}
        try:
            next_scan = 0.0
            while not self._stop.is_set() and self.armed is not None:
                now = time.monotonic()
                if now >= next_scan:
                    next_scan = now + self.rescan
                    try:
                        names = lister.names()[0]
                    except Exception:  # noqa: BLE001 - the MIDI system went away
                        names = []
                    for n in [n for n in ports if n not in names]:
                        _close(ports.pop(n))
                    for n in names:
                        if n not in ports and self.wants(n):
                            try:
                                ports[n] = backend.open_input(n, callback=lambda m, n=n: self._queue.put((m, n)))
                            except Exception:  # noqa: BLE001 - busy (Windows) or gone: try again next scan
                                continue
                    self.listening = list(ports)
                try:
                    item = self._queue.get(timeout=max(0.01, min(0.05, next_scan - time.monotonic())))
                except queue.Empty:
                    continue
                if item is not None:
                    self.feed(*item)
        finally:
            for p in ports.values():
                _close(p)
            self.listening = []
            lister.close()


def _close(port: Any) -> None:
    try:
        port.close()
    except Exception:  # noqa: BLE001
        pass


# --------------------------------------------------------------------------- the command


def add_parser(subparsers) -> Any:
    """Add ``vjhost midi learn`` to an argparse ``subparsers``; ``args.func(args)`` returns the exit code."""
    p = subparsers.add_parser("midi", help="MIDI controller tools (learn)")
    sub = p.add_subparsers(dest="midi_cmd", required=True)
    lp = sub.add_parser(
        "learn", help="bind the next control you move to a parameter or an action",
        description="Wait for the next knob, fader, pad or button you move on a MIDI controller and bind it to "
                    "TARGET in your layout file (comments and other bindings are kept; the previous version is "
                    "saved as .bak).  TARGET: a parameter (fx.feedback.amount), an action (blackout, freeze, "
                    "tap) or an action with a value (scene:2, pack:ikeda, toggle:fx.feedback, "
                    "param:master.strobe=1).")
    lp.add_argument("target", metavar="PARAM_OR_ACTION")
    lp.add_argument("--port", metavar="NAME", help="listen only to the input port whose name contains NAME")
    lp.add_argument("--layout", metavar="FILE", help=f"layout file to write (default {user_layout_path()})")
    lp.add_argument("--timeout", type=float, default=None, metavar="S", help="give up after S seconds")
    lp.add_argument("--backend", default=None, help=argparse.SUPPRESS)  # tests: "mido.backends.rtmidi/UNIX_JACK"
    lp.set_defaults(func=run_learn)
    return p


def run_learn(args: Any, out: Any = None) -> int:
    """``vjhost midi learn``: 0 when bound and saved, 1 on an error or timeout."""
    import sys

    out = out or sys.stdout
    learn = MidiLearn(None, getattr(args, "layout", None), port=getattr(args, "port", None),
                      backend=getattr(args, "backend", None))
    try:
        try:
            target = learn.arm(args.target)
        except LearnError as exc:
            print(f"vjhost: error: {exc}", file=sys.stderr)
            return 1
        where = f"port {args.port!r}" if getattr(args, "port", None) else "any MIDI input"
        print(f"vjhost: move a control on {where} to bind it to {target} (writes {learn.layout_path}; Ctrl-C cancels)",
              file=out, flush=True)
        got = learn.wait(getattr(args, "timeout", None))
        if got is None:
            msg = learn.error or f"nothing moved within {args.timeout} s"
            print(f"vjhost: error: {msg}", file=sys.stderr)
            return 1
        print(f"vjhost: {got.describe()}", file=out, flush=True)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        learn.stop()


__all__ = ["LearnError", "Learned", "MidiLearn", "Target", "add_parser", "check_layout_file", "control_of",
           "edit_layout_text", "parse_target", "run_learn", "save_binding", "user_layout_path", "write_atomic"]
