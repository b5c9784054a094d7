"""Controller layouts: what each pad, fader and button of a surface does.

A layout is a small TOML file a pack author writes (``layouts/apc_mini_mk2.toml``
in a pack).  :func:`load_layout` reads and validates one into a frozen
:class:`Layout`; every problem is reported as ``file:line: key: message`` in a
:class:`LayoutError` (all problems at once, so one edit fixes them all).  The
mappings in ``vjhost_builtins.apcmini`` turn a :class:`Layout` into notes and
LED messages; nothing here knows MIDI numbers beyond their ranges.

Format (``schema_version = 1``)::

    schema_version = 1
    device = "apc_mini_mk2"          # or "apc_mini" (the mk1)

    [grid]                           # optional: rows filled from the running show
    scenes_row = 7                   # one pad per scene of the pack (scene 0 at col 0)
    packs_row = 0                    # one pad per installed pack
    scene_color = "white"            # look of those pads (see "colours" below)
    pack_color = "red"
    behaviour = "solid"              # how the active scene/pack pad lights
    dim = 25                         # brightness (%) of the inactive ones, 0 = off

    [[pads]]                         # row 0 is the bottom row; note = row*8 + col
    row = 1
    col = 0                          # (or: note = 8)
    action = "toggle"                # pack scene toggle tap blackout freeze param
    value = "fx.feedback"
    color = "blue"
    shift_action = "param"           # optional: what SHIFT + this pad does
    shift_value = "fx.feedback.amount"
    shift_amount = 0.0

    [[faders]]
    fader = 1                        # 1-8, 9 = master (or: cc = 48..56)
    param = "fx.feedback.amount"
    takeover = true                  # soft takeover (default)

    [buttons]                        # 8 entries each, "" = nothing
    track = ["blackout", "freeze", "tap", "", "", "", "", ""]
    scene = ["scene:0", "scene:1", "", "", "", "", "", "pack:ikeda"]
    shift_track = []                 # optional SHIFT layer of the same shape

Pad keys: ``action`` + ``value`` (scene: index or scene name; pack: pack name;
toggle: effect/toggle name; param: parameter name, with ``amount`` the 0..1
value to set and ``momentary = true`` to restore on release; tap, blackout and
freeze take no value); ``color``; ``behaviour`` ("solid", "pulse", "blink")
with ``rate`` ("1/16" .. "1/2"; blink also "1/24"); ``brightness`` (% when
active, solid only) and ``dim`` (% when inactive, 0 = off); ``label`` (free
text for the author, pads and faders).

Colours: a palette name (``PALETTE``: "white", "grey", "red", "blue" ...), a
palette index 0..127 (the APC mini MK2 velocity colour chart), or "#rrggbb"
(sent to an MK2 as an RGB SysEx; solid only).  The mk1 shows the nearest of
green, red and yellow.

Explicit ``[[pads]]`` win over ``[grid]`` rows where they overlap.  Button
strings are ``action`` or ``action:value`` (``param:NAME=0.5`` sets a value).

Any other controller (``device = "generic"``, see :data:`GENERIC_DOC`) has
``port``, ``[[ccs]]`` and ``[[notes]]`` instead of grid, pads, faders and buttons.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..tomlcompat import KeyLines as _KeyLines
from ..tomlcompat import tomllib

SCHEMA_VERSION = 1
DEVICES = ("apc_mini_mk2", "apc_mini")
#: the device of any other MIDI controller (bindings written by ``vjhost midi learn``): see GENERIC_DOC
GENERIC = "generic"
ALL_DEVICES = DEVICES + (GENERIC,)
#: keys only a generic layout has, and the APC-only ones it must not have
_GENERIC_KEYS = ("port", "ccs", "notes")
_APC_KEYS = ("grid", "pads", "faders", "buttons")
ACTIONS = ("pack", "scene", "toggle", "tap", "blackout", "freeze", "param")
#: actions whose value is required (the rest take none)
VALUE_ACTIONS = ("pack", "scene", "toggle", "param")
BEHAVIOURS = ("solid", "pulse", "blink")
RATES = {"solid": (), "pulse": ("1/16", "1/8", "1/4", "1/2"), "blink": ("1/24", "1/16", "1/8", "1/4", "1/2")}
N_FADERS = 9  #: 8 channel faders + master
FADER_CC0 = 48  #: fader 1 sends CC 48 ... master (9) sends CC 56

#: The APC mini MK2 velocity colour chart (from AKAI's "APC mini mk2 Communication
#: Protocol" document, as listed in PROTOCOLS.md [AG]): palette index -> 0xRRGGBB.
VELOCITY_RGB: tuple[int, ...] = (
    0x000000, 0x1E1E1E, 0x7F7F7F, 0xFFFFFF, 0xFF4C4C, 0xFF0000, 0x590000, 0x190000,
    0xFFBD6C, 0xFF5400, 0x591D00, 0x271B00, 0xFFFF4C, 0xFFFF00, 0x595900, 0x191900,
    0x88FF4C, 0x54FF00, 0x1D5900, 0x142B00, 0x4CFF4C, 0x00FF00, 0x005900, 0x001900,
    0x4CFF5E, 0x00FF19, 0x00590D, 0x001902, 0x4CFF88, 0x00FF55, 0x00591D, 0x001F12,
    0x4CFFB7, 0x00FF99, 0x005935, 0x001912, 0x4CC3FF, 0x00A9FF, 0x004152, 0x001019,
    0x4C88FF, 0x0055FF, 0x001D59, 0x000819, 0x4C4CFF, 0x0000FF, 0x000059, 0x000019,
    0x874CFF, 0x5400FF, 0x190064, 0x0F0030, 0xFF4CFF, 0xFF00FF, 0x590059, 0x190019,
    0xFF4C87, 0xFF0054, 0x59001D, 0x220013, 0xFF1500, 0x993500, 0x795100, 0x436400,
    0x033900, 0x005735, 0x00547F, 0x0000FF, 0x00454F, 0x2500CC, 0x7F7F7F, 0x202020,
    0xFF0000, 0xBDFF2D, 0xAFED06, 0x64FF09, 0x108B00, 0x00FF87, 0x00A9FF, 0x002AFF,
    0x3F00FF, 0x7A00FF, 0xB21A7D, 0x402100, 0xFF4A00, 0x88E106, 0x72FF15, 0x00FF00,
    0x3BFF26, 0x59FF71, 0x38FFCC, 0x5B8AFF, 0x3151C6, 0x877FE9, 0xD31DFF, 0xFF005D,
    0xFF7F00, 0xB9B000, 0x90FF00, 0x835D07, 0x392B00, 0x144C10, 0x0D5038, 0x15152A,
    0x16205A, 0x693C1C, 0xA8000A, 0xDE513D, 0xD86A1C, 0xFFE126, 0x9EE12F, 0x67B50F,
    0x1E1E30, 0xDCFF6B, 0x80FFBD, 0x9A99FF, 0x8E66FF, 0x404040, 0x757575, 0xE0FFFF,
    0xA00000, 0x350000, 0x1AD000, 0x074200, 0xB9B000, 0x3F3100, 0xB35F00, 0x4B1502,
)

#: Colour names a layout may use -> palette index.
PALETTE: dict[str, int] = {
    "off": 0, "black": 0, "dark_grey": 1, "dark_gray": 1, "grey": 2, "gray": 2, "white": 3,
    "light_red": 4, "red": 5, "dark_red": 6, "amber": 8, "orange": 9, "yellow": 13,
    "lime": 17, "green": 21, "dark_green": 22, "cyan": 37, "light_blue": 37, "blue": 45,
    "dark_blue": 46, "purple": 49, "magenta": 53, "pink": 56,
}


class TomlFileError(ValueError):
    """A checked TOML file (a layout, a cue list, a lighting mapping, a prompt library) that cannot be used.
    ``str()`` lists every problem, one ``file:line: key: message`` a line."""

    def __init__(self, source: str, issues: "list[LayoutIssue]") -> None:
        self.source = source
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class LayoutError(TomlFileError):
    """A layout that cannot be used.  ``str()`` lists every problem, one ``file:line: key: message`` a line."""


def read_toml_text(path: str | Path, source: str, error: type[TomlFileError]) -> str:
    """The text of a checked TOML file, or ``error`` saying it cannot be read (``source``: what to call it)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(source, [LayoutIssue(source, None, "", f"cannot read: {exc}")]) from exc


def parse_toml(text: str, source: str, error: type[TomlFileError]) -> dict[str, Any]:
    """``text`` parsed, or ``error`` naming the line of the syntax mistake."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(source, [_syntax_issue(text, source, exc)]) from None


@dataclass(frozen=True)
class LayoutIssue:
    source: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass(frozen=True)
class Color:
    """A pad colour: a palette index (``velocity``) or an exact RGB for SysEx (``velocity`` None)."""

    text: str
    velocity: int | None
    rgb: tuple[int, int, int]

    @property
    def is_rgb(self) -> bool:
        return self.velocity is None


@dataclass(frozen=True)
class Binding:
    """What pressing a control does: an action with its value (``amount``: the 0..1 value a param action sets)."""

    action: str
    value: Any = None
    amount: float = 1.0


@dataclass(frozen=True)
class Look:
    """How a pad lights: colour, behaviour when active, brightness (%) when active and inactive."""

    color: Color
    behaviour: str = "solid"
    rate: str = "1/4"
    brightness: int = 100
    dim: int = 25


@dataclass(frozen=True)
class Pad:
    row: int  #: 0 = bottom
    col: int  #: 0 = left
    binding: Binding
    look: Look
    shift: Binding | None = None
    momentary: bool = False  #: param pads: restore the old value on release

    @property
    def note(self) -> int:
        return self.row * 8 + self.col


@dataclass(frozen=True)
class Fader:
    fader: int  #: 1..8, 9 = master
    param: str
    takeover: bool = True

    @property
    def cc(self) -> int:
        return FADER_CC0 + self.fader - 1


@dataclass(frozen=True)
class Grid:
    scenes_row: int | None = None
    packs_row: int | None = None
    scenes: Look = field(default_factory=lambda: Look(color("white")))
    packs: Look = field(default_factory=lambda: Look(color("white")))


GENERIC_DOC = """A generic MIDI controller (``device = "generic"``), e.g. as written by ``vjhost midi learn``::

    schema_version = 1
    device = "generic"
    port = "nanoKONTROL2"            # the input port whose name contains this (case-insensitive)

    [[ccs]]                          # a knob/fader: CC 0..127 moves a parameter
    cc = 21
    channel = 1                      # optional 1..16; without it any channel
    param = "fx.feedback.amount"
    takeover = true                  # soft takeover (default)

    [[ccs]]                          # a button that sends CCs: fires when the value goes up past 63
    cc = 45
    action = "blackout"

    [[notes]]                        # a pad/key/button that sends notes
    note = 36
    action = "toggle"                # pack scene toggle tap blackout freeze param
    value = "fx.feedback"            # (param: amount = 0..1, momentary = true)
"""


@dataclass(frozen=True)
class CcControl:
    """A generic controller's CC: moves ``param`` (0..127 onto its range) or fires ``binding`` on a press."""

    cc: int
    param: str | None = None
    binding: Binding | None = None
    channel: int | None = None  #: 1..16, None = any
    takeover: bool = True


@dataclass(frozen=True)
class NoteControl:
    """A generic controller's note: fires ``binding`` on note-on (``momentary`` param: restored on release)."""

    note: int
    binding: Binding
    channel: int | None = None  #: 1..16, None = any
    momentary: bool = False


@dataclass(frozen=True)
class Layout:
    device: str = "apc_mini_mk2"
    pads: tuple[Pad, ...] = ()
    faders: tuple[Fader, ...] = ()
    track: tuple[Binding | None, ...] = (None,) * 8
    scene: tuple[Binding | None, ...] = (None,) * 8
    shift_track: tuple[Binding | None, ...] = (None,) * 8
    shift_scene: tuple[Binding | None, ...] = (None,) * 8
    grid: Grid = field(default_factory=Grid)
    source: str = field(default="", compare=False)
    schema_version: int = SCHEMA_VERSION
    port: str = ""  #: generic: the input port name substring
    ccs: tuple[CcControl, ...] = ()  #: generic only
    notes: tuple[NoteControl, ...] = ()  #: generic only


# --------------------------------------------------------------------------- public entry points


def load_layout(path: str | Path, source_name: str | None = None) -> Layout:
    """Read and validate a layout file.  Raises :class:`LayoutError` (also for an unreadable file)."""
    name = source_name or str(path)
    return parse_layout(read_toml_text(path, name, LayoutError), name)


def parse_layout(text: str, source_name: str = "<layout>") -> Layout:
    """Parse and validate layout TOML ``text``; ``source_name`` is what error messages call the file."""
    return layout_from_dict(parse_toml(text, source_name, LayoutError), source_name, text)


def layout_from_dict(data: Mapping[str, Any], source_name: str = "<layout>", text: str | None = None) -> Layout:
    """Validate an already-parsed layout (e.g. a ``[layouts]`` table).  ``text``, if given, supplies line numbers."""
    v = _Validator(source_name, text)
    layout = v.layout(data)
    if v.issues:
        raise LayoutError(source_name, v.issues)
    return layout


def default_layout() -> Layout:
    """The layout used when a pack has none: scenes on the top row, packs on the bottom, the usual faders."""
    return parse_layout(DEFAULT_LAYOUT_TOML, "<default layout>")


DEFAULT_LAYOUT_TOML = """
schema_version = 1
device = "apc_mini_mk2"
[grid]
scenes_row = 7
packs_row = 0
scene_color = "white"
pack_color = "orange"
[[pads]]
note = 8
action = "toggle"
value = "fx.feedback"
color = "blue"
[[pads]]
note = 9
action = "toggle"
value = "fx.blur"
color = "blue"
[[pads]]
note = 10
action = "toggle"
value = "fx.hue"
color = "blue"
[[faders]]
fader = 1
param = "fx.feedback.amount"
[[faders]]
fader = 2
param = "fx.blur.amount"
[[faders]]
fader = 3
param = "fx.hue.amount"
[[faders]]
fader = 9
param = "master.brightness"
[buttons]
track = ["blackout", "freeze", "tap"]
"""


def color(spec: Any) -> Color:
    """A :class:`Color` from a palette name, a palette index or ``"#rrggbb"``; raises ``ValueError``."""
    if isinstance(spec, bool) or not isinstance(spec, (int, str)):
        raise ValueError(f"expected a colour name, a palette index 0..127 or \"#rrggbb\", got {spec!r}")
    if isinstance(spec, int):
        if not 0 <= spec <= 127:
            raise ValueError(f"palette index {spec} out of range 0..127")
        return Color(str(spec), spec, _split(VELOCITY_RGB[spec]))
    s = spec.strip().lower()
    if s.startswith("#"):
        if not re.fullmatch(r"#[0-9a-f]{6}", s):
            raise ValueError(f"bad RGB colour {spec!r} (expected \"#rrggbb\")")
        return Color(s, None, _split(int(s[1:], 16)))
    key = re.sub(r"[\s-]+", "_", s)
    if key not in PALETTE:
        raise ValueError(f"unknown colour {spec!r} (expected one of {', '.join(_canonical_names())}, "
                         f"a palette index 0..127 or \"#rrggbb\"){_suggest(key, PALETTE)}")
    return Color(key, PALETTE[key], _split(VELOCITY_RGB[PALETTE[key]]))


def parse_binding(text: str) -> Binding | None:
    """A button string (``""``, ``"tap"``, ``"scene:2"``, ``"param:master.strobe=1"``) -> binding.

    Raises ``ValueError``."""
    if not isinstance(text, str):
        raise ValueError(f"expected a string like \"scene:0\" or \"blackout\", got {text!r}")
    text = text.strip()
    if not text:
        return None
    action, sep, value = text.partition(":")
    action = action.strip()
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (expected one of {', '.join(ACTIONS)}){_suggest(action, ACTIONS)}")
    value = value.strip()
    if action not in VALUE_ACTIONS:
        if sep:
            raise ValueError(f"{action!r} takes no value")
        return Binding(action)
    if not value:
        raise ValueError(f"{action!r} needs a value, e.g. \"{action}:{_EXAMPLE[action]}\"")
    amount = 1.0
    if action == "param":
        name, eq, amt = value.partition("=")
        value = name.strip()
        if eq:
            try:
                amount = float(amt)
            except ValueError:
                raise ValueError(f"bad amount {amt.strip()!r} in {text!r} (expected a number 0..1)") from None
            if not 0.0 <= amount <= 1.0:
                raise ValueError(f"amount {amount} out of range 0..1")
    return Binding(action, _scene_value(value) if action == "scene" else value, amount)


# --------------------------------------------------------------------------- validation

_EXAMPLE = {"pack": "ikeda", "scene": "0", "toggle": "fx.feedback", "param": "master.strobe=1"}
_TOP_KEYS = ("schema_version", "device", "grid", "pads", "faders", "buttons", "port", "ccs", "notes")
_CC_KEYS = ("cc", "channel", "param", "takeover", "action", "value", "amount", "label")
_NOTE_KEYS = ("note", "channel", "action", "value", "amount", "momentary", "label")
_PAD_KEYS = ("row", "col", "note", "action", "value", "amount", "momentary", "color", "behaviour",
             "rate", "brightness", "dim", "shift_action", "shift_value", "shift_amount", "label")
_FADER_KEYS = ("fader", "cc", "param", "takeover", "label")
_GRID_KEYS = ("scenes_row", "packs_row", "scene_color", "pack_color", "behaviour", "rate", "dim")
_BUTTON_KEYS = ("track", "scene", "shift_track", "shift_scene")

Path_ = tuple  # a key path: ("pads", 3, "action")


class TomlChecker:
    """Collects every problem in a TOML document as ``file:line: key: message`` (shared by layouts and cue lists).

    Subclasses set :attr:`top_keys` (keys that belong above the first ``[table]``)
    and may override :meth:`misplaced` for the message about one found below it.
    """

    top_keys: tuple[str, ...] = ()

    def __init__(self, source: str, text: str | None) -> None:
        self.source = source
        self.text = text
        self._lines: dict[tuple, int] | None = None
        self.issues: list[LayoutIssue] = []

    # ---------------------------------------------------------------- reporting
    def error(self, path: Path_, message: str) -> None:
        issue = LayoutIssue(self.source, self.line_of(path), ".".join(str(p) for p in path), message)
        if issue not in self.issues:
            self.issues.append(issue)

    def line_of(self, path: Path_) -> int | None:
        if self.text is None:
            return None
        if self._lines is None:
            try:
                self._lines = _KeyLines(self.text).scan()
            except Exception:  # noqa: BLE001 - line numbers are a nicety, never a second failure
                self._lines = {}
        for n in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:n]))
            if line is not None:
                return line
        return None

    def misplaced(self, path: Path_, key: str) -> str:
        return (f"unknown key in [{path[0]}]: {key} belongs at the top level, so move it "
                f"above the first [table] header (keys below a header belong to that table)")

    def keys(self, table: Mapping[str, Any], allowed: Iterable[str], path: Path_) -> None:
        allowed = tuple(allowed)
        for k in table:
            if k in allowed:
                continue
            if path and k in self.top_keys:
                self.error(path + (k,), self.misplaced(path, k))
            else:
                self.error(path + (k,), f"unknown key (expected one of {', '.join(allowed)}){_suggest(k, allowed)}")

    def typed(self, table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: Path_,
              default: Any = None, required: bool = False, what: str = "") -> Any:
        if key not in table:
            if required:
                self.error(path + (key,), f"missing{' (' + what + ')' if what else ''}")
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            names = " or ".join({int: "an integer", float: "a number", str: "a string", bool: "true/false",
                                 list: "a list", dict: "a table"}[k] for k in kinds)
            self.error(path + (key,), f"expected {names}, got {value!r}")
            return default
        return value



class _Validator(TomlChecker):
    top_keys = _TOP_KEYS

    def ranged(self, table: Mapping[str, Any], key: str, lo: int, hi: int, path: Path_, default: Any = None,
               required: bool = False, what: str = "") -> Any:
        v = self.typed(table, key, int, path, default, required, what)
        if v is not None and not lo <= v <= hi:
            self.error(path + (key,), f"{v} out of range {lo}..{hi}{' (' + what + ')' if what else ''}")
            return default
        return v

    # ---------------------------------------------------------------- the document
    def layout(self, data: Mapping[str, Any]) -> Layout:
        self.keys(data, _TOP_KEYS, ())
        version = self.typed(data, "schema_version", int, (), required=True,
                             what=f"write schema_version = {SCHEMA_VERSION}")
        if version is not None and version != SCHEMA_VERSION:
            self.error(("schema_version",),
                       f"unsupported schema_version {version} (this vjhost reads {SCHEMA_VERSION})")
        device = self.typed(data, "device", str, (), "apc_mini_mk2")
        if device not in ALL_DEVICES:
            self.error(("device",), f"unknown device {device!r} (expected one of "
                                    f"{', '.join(DEVICES)}){_suggest(device, DEVICES)}")

        grid = self.grid(self.typed(data, "grid", dict, (), {}))
        pads = self.pads(self.typed(data, "pads", list, (), []))
        faders = self.faders(self.typed(data, "faders", list, (), []))
        buttons = self.typed(data, "buttons", dict, (), {})
        self.keys(buttons, _BUTTON_KEYS, ("buttons",))
        rows = self.buttons(buttons)
        port, ccs, notes = self.generic(data, device)
        return Layout(device=device if device in ALL_DEVICES else "apc_mini_mk2", pads=pads, faders=faders,
                      track=rows["track"], scene=rows["scene"], shift_track=rows["shift_track"],
                      shift_scene=rows["shift_scene"], grid=grid, source=self.source,
                      schema_version=version or SCHEMA_VERSION, port=port, ccs=ccs, notes=notes)

    # ---------------------------------------------------------------- generic controllers
    def generic(self, data: Mapping[str, Any],
                device: Any) -> tuple[str, tuple[CcControl, ...], tuple[NoteControl, ...]]:
        if device != GENERIC:
            for k in _GENERIC_KEYS:
                if k in data:
                    self.error((k,), f"{k} is for device = \"{GENERIC}\" layouts (this one is {device!r})")
            return "", (), ()
        for k in _APC_KEYS:
            if k in data:
                other = {"pads": "[[notes]]", "faders": "[[ccs]]"}.get(k, "[[notes]] and [[ccs]]")
                self.error((k,), f"{k} is for the APC mini layouts; a generic controller uses {other}")
        port = self.typed(data, "port", str, (), "", what="a part of the MIDI input port's name")
        ccs = self.ccs(self.typed(data, "ccs", list, (), []))
        notes = self.notes(self.typed(data, "notes", list, (), []))
        return port, ccs, notes

    def _channel(self, t: Mapping[str, Any], path: Path_) -> int | None:
        return self.ranged(t, "channel", 1, 16, path, what="MIDI channel 1..16; leave it out for any")

    def _overlap(self, seen: list, number: int, channel: int | None, path: Path_, what: str) -> bool:
        for n, ch, j in seen:
            if n == number and (ch is None or channel is None or ch == channel):
                self.error(path, f"{what} {number}{'' if channel is None else f' (channel {channel})'} "
                                 f"is already mapped by {path[0]}.{j}")
                return True
        return False

    def ccs(self, items: list) -> tuple[CcControl, ...]:
        out: list[CcControl] = []
        seen: list = []
        for i, t in enumerate(items):
            path = ("ccs", i)
            if not isinstance(t, dict):
                self.error(path, f"expected a table ([[ccs]] or {{cc = .., param = ..}}), got {t!r}")
                continue
            self.keys(t, _CC_KEYS, path)
            cc = self.ranged(t, "cc", 0, 127, path, required=True, what="the controller number 0..127")
            channel = self._channel(t, path)
            param = binding = None
            if "param" in t and "action" in t:
                self.error(path + ("action",), "give either param (a knob/fader) or action (a button), not both")
                continue
            if "action" in t:
                binding = self.binding(t, path)
                if "takeover" in t:
                    self.error(path + ("takeover",), "takeover only applies to a param")
                if binding is None:
                    continue
            else:
                param = self.typed(t, "param", str, path, required=True,
                                   what="the parameter it moves, e.g. \"master.brightness\", or an action")
                for k in ("value", "amount"):
                    if k in t:
                        self.error(path + (k,), f"{k} only applies with an action")
                if param is not None and not param.strip():
                    self.error(path + ("param",), "empty parameter name")
                    param = None
                if param is None:
                    continue
            takeover = self.typed(t, "takeover", bool, path, True)
            if cc is None or self._overlap(seen, cc, channel, path, "cc"):
                continue
            seen.append((cc, channel, i))
            out.append(CcControl(cc, param, binding, channel, bool(takeover)))
        return tuple(out)

    def notes(self, items: list) -> tuple[NoteControl, ...]:
        out: list[NoteControl] = []
        seen: list = []
        for i, t in enumerate(items):
            path = ("notes", i)
            if not isinstance(t, dict):
                self.error(path, f"expected a table ([[notes]] or {{note = .., action = ..}}), got {t!r}")
                continue
            self.keys(t, _NOTE_KEYS, path)
            note = self.ranged(t, "note", 0, 127, path, required=True, what="the note number 0..127")
            channel = self._channel(t, path)
            binding = self.binding(t, path)
            momentary = self.typed(t, "momentary", bool, path, False)
            if momentary and binding is not None and binding.action != "param":
                self.error(path + ("momentary",), "momentary only applies to action \"param\"")
            if note is None or binding is None or self._overlap(seen, note, channel, path, "note"):
                continue
            seen.append((note, channel, i))
            out.append(NoteControl(note, binding, channel, bool(momentary)))
        return tuple(out)

    def color(self, table: Mapping[str, Any], key: str, path: Path_, default: str) -> Color:
        spec = table.get(key, default)
        try:
            return color(spec)
        except ValueError as exc:
            self.error(path + (key,), str(exc))
            return color(default)

    def look(self, table: Mapping[str, Any], path: Path_, c: Color) -> Look:
        behaviour = self.typed(table, "behaviour", str, path, "solid")
        if behaviour not in BEHAVIOURS:
            self.error(path + ("behaviour",),
                       f"unknown behaviour {behaviour!r} "
                       f"(expected one of {', '.join(BEHAVIOURS)}){_suggest(behaviour, BEHAVIOURS)}")
            behaviour = "solid"
        rate = self.typed(table, "rate", str, path, "1/4")
        if "rate" in table and behaviour == "solid":
            self.error(path + ("rate",), "rate only applies to behaviour \"pulse\" or \"blink\"")
        elif behaviour != "solid" and rate not in RATES[behaviour]:
            self.error(path + ("rate",), f"{behaviour} rate {rate!r} not one of {', '.join(RATES[behaviour])}")
            rate = "1/4"
        if c.is_rgb and behaviour != "solid":
            self.error(path + ("behaviour",), f"an RGB colour ({c.text}) can only be solid; use a palette "
                                              f"colour to {behaviour}")
        brightness = self.ranged(table, "brightness", 0, 100, path, 100, what="percent")
        if "brightness" in table and behaviour != "solid":
            self.error(path + ("brightness",), "brightness only applies to behaviour \"solid\"")
        dim = self.ranged(table, "dim", 0, 100, path, 25, what="percent, 0 = off")
        return Look(c, behaviour, rate, brightness, dim)

    def binding(self, table: Mapping[str, Any], path: Path_, prefix: str = "") -> Binding | None:
        akey, vkey, mkey = prefix + "action", prefix + "value", prefix + "amount"
        if prefix and akey not in table:
            for k in (vkey, mkey):
                if k in table:
                    self.error(path + (k,), f"{k} without {akey}")
            return None
        action = self.typed(table, akey, str, path, required=True, what="one of " + ", ".join(ACTIONS))
        if action is None:
            return None
        if action not in ACTIONS:
            self.error(path + (akey,), f"unknown action {action!r} "
                                       f"(expected one of {', '.join(ACTIONS)}){_suggest(action, ACTIONS)}")
            return None
        value = table.get(vkey)
        if action not in VALUE_ACTIONS:
            if vkey in table:
                self.error(path + (vkey,), f"action {action!r} takes no value")
            if mkey in table:
                self.error(path + (mkey,), "amount only applies to action \"param\"")
            return Binding(action)
        if value is None:
            self.error(path + (vkey,), f"missing (action {action!r} needs a value, e.g. {_EXAMPLE[action]!r})")
            return None
        if action == "scene":
            if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "" or \
                    (isinstance(value, int) and not 0 <= value <= 127):
                self.error(path + (vkey,), f"scene value must be a scene index 0..127 or a scene name, got {value!r}")
                return None
            value = _scene_value(value)
        elif not isinstance(value, str) or not value.strip():
            self.error(path + (vkey,), f"action {action!r} needs a name (a non-empty string), got {value!r}")
            return None
        amount = 1.0
        if mkey in table:
            if action != "param":
                self.error(path + (mkey,), "amount only applies to action \"param\"")
            else:
                amount = self.typed(table, mkey, float, path, 1.0)
                if not 0.0 <= amount <= 1.0:
                    self.error(path + (mkey,), f"{amount} out of range 0..1 (the normalised value to set)")
                    amount = 1.0
        return Binding(action, value, amount)

    def grid(self, table: Mapping[str, Any]) -> Grid:
        path = ("grid",)
        self.keys(table, _GRID_KEYS, path)
        scenes_row = self.ranged(table, "scenes_row", 0, 7, path, what="0 = bottom row")
        packs_row = self.ranged(table, "packs_row", 0, 7, path, what="0 = bottom row")
        if scenes_row is not None and scenes_row == packs_row:
            self.error(path + ("packs_row",), f"row {packs_row} is already the scenes_row")
        scenes = self.look(table, path, self.color(table, "scene_color", path, "white"))
        packs = self.look(table, path, self.color(table, "pack_color", path, "white"))
        return Grid(scenes_row, packs_row, scenes, packs)

    def pads(self, items: list) -> tuple[Pad, ...]:
        out: list[Pad] = []
        seen: dict[int, int] = {}
        for i, t in enumerate(items):
            path = ("pads", i)
            if not isinstance(t, dict):
                self.error(path, f"expected a table ([[pads]] or {{row = .., col = .., action = ..}}), got {t!r}")
                continue
            self.keys(t, _PAD_KEYS, path)
            if "note" in t:
                for k in ("row", "col"):
                    if k in t:
                        self.error(path + (k,), "give either note or row + col, not both")
                note = self.ranged(t, "note", 0, 63, path, what="pads are notes 0..63")
                row, col = (None, None) if note is None else divmod(note, 8)
            else:
                row = self.ranged(t, "row", 0, 7, path, required=True, what="0 = bottom row, or give note")
                col = self.ranged(t, "col", 0, 7, path, required=True, what="0 = left column")
            binding = self.binding(t, path)
            shift = self.binding(t, path, "shift_")
            if "shift_amount" in t and shift is not None and shift.action != "param":
                self.error(path + ("shift_amount",), "shift_amount only applies to shift_action \"param\"")
            momentary = self.typed(t, "momentary", bool, path, False)
            if momentary and binding is not None and binding.action != "param":
                self.error(path + ("momentary",), "momentary only applies to action \"param\"")
            look = self.look(t, path, self.color(t, "color", path, "white"))
            if row is None or col is None or binding is None:
                continue
            note = row * 8 + col
            if note in seen:
                self.error(path, f"pad row {row} col {col} (note {note}) is already used by pads.{seen[note]}")
                continue
            seen[note] = i
            out.append(Pad(row, col, binding, look, shift, bool(momentary)))
        return tuple(out)

    def faders(self, items: list) -> tuple[Fader, ...]:
        out: list[Fader] = []
        seen: dict[int, int] = {}
        for i, t in enumerate(items):
            path = ("faders", i)
            if not isinstance(t, dict):
                self.error(path, f"expected a table ([[faders]] or {{fader = .., param = ..}}), got {t!r}")
                continue
            self.keys(t, _FADER_KEYS, path)
            if "cc" in t:
                if "fader" in t:
                    self.error(path + ("cc",), "give either fader or cc, not both")
                cc = self.ranged(t, "cc", FADER_CC0, FADER_CC0 + N_FADERS - 1, path,
                                 what="faders 1-8 send CC 48-55, master CC 56")
                number = None if cc is None else cc - FADER_CC0 + 1
            else:
                number = self.ranged(t, "fader", 1, N_FADERS, path, required=True, what="1-8, 9 = master")
            param = self.typed(t, "param", str, path, required=True,
                               what="the parameter it moves, e.g. \"master.brightness\"")
            if param is not None and not param.strip():
                self.error(path + ("param",), "empty parameter name")
                param = None
            takeover = self.typed(t, "takeover", bool, path, True)
            if number is None or param is None:
                continue
            if number in seen:
                self.error(path, f"fader {number} is already mapped by faders.{seen[number]}")
                continue
            seen[number] = i
            out.append(Fader(number, param, takeover))
        return tuple(out)

    def buttons(self, table: Mapping[str, Any]) -> dict[str, tuple[Binding | None, ...]]:
        rows: dict[str, tuple[Binding | None, ...]] = {}
        for key in _BUTTON_KEYS:
            path = ("buttons", key)
            items = self.typed(table, key, list, ("buttons",), [])
            if len(items) > 8:
                self.error(path, f"{len(items)} entries; there are 8 {key.replace('shift_', '')} buttons")
                items = items[:8]
            row: list[Binding | None] = []
            for i, s in enumerate(items):
                try:
                    row.append(parse_binding(s))
                except ValueError as exc:
                    self.error(path + (i,), str(exc))
                    row.append(None)
            rows[key] = tuple(row) + (None,) * (8 - len(row))
        return rows


# --------------------------------------------------------------------------- helpers


def _scene_value(value: Any) -> int | str:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value.strip() if isinstance(value, str) else value


def _split(rgb: int) -> tuple[int, int, int]:
    return (rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF


def _canonical_names() -> list[str]:
    seen: dict[int, str] = {}
    for name, idx in PALETTE.items():
        seen.setdefault(idx, name)
    return list(seen.values())


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _syntax_issue(text: str, source: str, exc: Exception) -> LayoutIssue:
    msg = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    line = int(m.group(1)) if m else None
    msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
    key = "toml"
    if line is not None:
        lines = text.splitlines()
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        km = re.match(r"\s*([A-Za-z0-9_.\-\"' ]+?)\s*=", src) or re.match(r"\s*(\[\[?[^\]]*\]\]?)", src)
        if km:
            key = km.group(1).strip().strip("[]").strip()
        code = src.split("#", 1)[0]
        if "{" in code and "}" not in code:
            msg += " (a TOML inline table { ... } must be on one line)"
        elif ";" in code:
            msg += " (TOML has no ';': put each key on its own line, or write a pad as an inline table " \
                   "{row = 7, col = 0, action = \"scene\", value = 0})"
        msg = f"invalid TOML: {msg} (column {m.group(2)})" if m else f"invalid TOML: {msg}"
    else:
        msg = f"invalid TOML: {msg}"
    return LayoutIssue(source, line, key, msg)
