"""The AKAI APC mini (MK2 and mk1) as a VJ surface.

One :class:`ApcMini` drives both models; a :class:`Device` says what differs
(button notes, LED vocabulary, RGB).  The layout (``vjhost.control.layout``)
says what each control does:

* pads (notes 0-63, row 0 at the bottom) fire ``state.trigger(action, value,
  source="apc")``; "param" pads set a parameter directly; SHIFT (held) + pad
  fires the pad's ``shift_action`` when it has one;
* faders (CC 48-56) set their parameter with soft takeover: a fader moves its
  parameter only once it has reached the parameter's current value, so
  nothing jumps after a pack switch or a change from another surface.  The
  MK2's answer to the introduction SysEx tells where every fader sits;
* track and scene buttons fire the ``[buttons]`` strings;
* :meth:`ApcMini.feedback` lights what is active (scene, pack, toggles,
  blackout, freeze, held pads) and returns only LEDs that changed since the
  last call; :meth:`ApcMini.on_connect` selects session mode, sends the
  introduction and the full LED state.

MIDI facts: ``/work/shared/PROTOCOLS.md`` (APC mini MK2 + mk1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import mido

from vjhost.control.layout import Binding, Layout, LayoutError, Look, default_layout, layout_from_dict
from vjhost.control.state import ControlState
from vjhost.control.takeover import fader_moved

SOURCE = "apc"
SYSEX_HEADER = (0x47, 0x7F, 0x4F)  #: AKAI, all devices, APC mini MK2
SYSEX_RGB, SYSEX_INTRO, SYSEX_INTRO_REPLY, SYSEX_PAD_MODE = 0x24, 0x60, 0x61, 0x62
FADER_CCS = range(48, 57)
N_PADS = 64
BUTTON_OFF, BUTTON_ON, BUTTON_BLINK = 0, 1, 2
#: solid brightness (%) -> MK2 LED channel 0..6
MK2_BRIGHTNESS = (10, 25, 50, 65, 75, 90, 100)
MK2_PULSE = {"1/16": 7, "1/8": 8, "1/4": 9, "1/2": 10}
MK2_BLINK = {"1/24": 11, "1/16": 12, "1/8": 13, "1/4": 14, "1/2": 15}
MK2_FULL = 6  #: channel 6 (status 0x96) = solid 100 %
#: mk1 pad LED velocities: colour -> (solid, blinking)
MK1_COLORS = {"green": (1, 2), "red": (3, 4), "yellow": (5, 6)}

#: an LED's state: ("note", channel, velocity) or ("rgb", r, g, b)
Led = tuple


# --------------------------------------------------------------------------- port names


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.lower())


def is_mk2_port(name: str) -> bool:
    """The MK2's "Control" port: macOS ``APC mini mk2 Control``, ALSA ``... APC mini mk2 Contr 20:0``,
    Windows ``APC mini mk2`` (its second port, ``MIDIIN2 (APC mini mk2)``, carries Note mode only)."""
    n = _norm(name)
    if "apc mini mk2" not in n:
        return False
    if "contr" in n:
        return True
    return "note" not in n and not re.match(r"midi(in|out)\d", n)


def is_mk1_port(name: str) -> bool:
    """The original APC mini (one port, ``APC MINI`` / ``APC MINI:APC MINI MIDI 1 20:0``)."""
    n = _norm(name)
    return "apc mini" in n and "mk2" not in n


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Device:
    name: str
    track_notes: tuple[int, ...]  #: track buttons 1-8 (bottom row)
    scene_notes: tuple[int, ...]  #: scene buttons 1-8 (right column, top first)
    shift_note: int
    rgb: bool  #: MK2: palette + brightness/pulse/blink channels + RGB SysEx; mk1: 3 colours on channel 0


MK2 = Device("APC mini mk2", tuple(range(100, 108)), tuple(range(112, 120)), 122, rgb=True)
MK1 = Device("APC mini", tuple(range(64, 72)), tuple(range(82, 90)), 98, rgb=False)


def sysex(cmd: int, payload: Sequence[int]) -> mido.Message:
    """``F0 47 7F 4F cmd lenMSB lenLSB payload F7``."""
    n = len(payload)
    return mido.Message("sysex", data=(*SYSEX_HEADER, cmd, (n >> 7) & 0x7F, n & 0x7F, *payload))


def rgb_sysex(start: int, end: int, rgb: tuple[int, int, int]) -> mido.Message:
    """Pads ``start..end`` to an exact colour (each 0-255 component as two 7-bit bytes)."""
    data = [start, end]
    for v in rgb:
        data += [(v >> 7) & 0x7F, v & 0x7F]
    return sysex(SYSEX_RGB, data)


def mk1_velocity(rgb: tuple[int, int, int], blinking: bool = False) -> int:
    """The nearest mk1 LED (green, red, yellow; off for near-black).  Blue counts as green (no blue LED)."""
    r, g = rgb[0], max(rgb[1], rgb[2])
    top = max(r, g)
    if top < 40:
        return 0
    r, g = r / top, g / top  # hue only: the mk1 has no brightness levels
    name = min(_MK1_RG, key=lambda c: (_MK1_RG[c][0] - r) ** 2 + (_MK1_RG[c][1] - g) ** 2)
    return MK1_COLORS[name][1 if blinking else 0]


_MK1_RG = {"green": (0.0, 1.0), "red": (1.0, 0.0), "yellow": (1.0, 1.0)}


@dataclass(frozen=True)
class _Slot:
    """What one pad does right now (explicit pad or grid fill)."""

    binding: Binding
    look: Look
    shift: Binding | None = None
    momentary: bool = False


class _Fader:
    """Soft takeover for one fader."""

    def __init__(self, param: str, takeover: bool) -> None:
        self.param = param
        self.takeover = takeover
        self.position: int | None = None  #: last known hardware value 0..127
        self.sent: float | None = None  #: the normalised value we last wrote (None: not in control)


class ApcMini:
    """An APC mini driving a :class:`ControlState` through a layout; see the module docs."""

    device: Device = MK2
    #: a fader "has" its parameter when within this many steps of it
    TAKEOVER_WINDOW = 2

    def __init__(self, layout: Layout | Mapping[str, Any] | None, state: ControlState,
                 device: Device | None = None) -> None:
        if device is not None:
            self.device = device
        if layout is None:
            layout = default_layout()
        elif not isinstance(layout, Layout):
            layout = layout_from_dict(layout, f"<{self.device.name} layout>")
        self.layout = layout
        self.state = state
        self.shift = False
        self.held: set[int] = set()  #: notes held down
        self._restore: dict[int, tuple[str, float]] = {}  #: momentary param pads: note -> (param, old value)
        self._shadow: dict[int, Led] = {}  #: note -> the LED state the device shows
        self._slots_key: tuple | None = None
        self._slots: dict[int, _Slot] = {}
        self._faders = {f.cc: _Fader(f.param, f.takeover) for f in layout.faders}
        self._buttons: dict[int, tuple[Binding | None, Binding | None]] = {}
        for notes, row, shift_row in ((self.device.track_notes, layout.track, layout.shift_track),
                                      (self.device.scene_notes, layout.scene, layout.shift_scene)):
            for note, b, sb in zip(notes, row, shift_row):
                self._buttons[note] = (b, sb)

    # ---------------------------------------------------------------- ControllerMapping
    def on_connect(self) -> list[mido.Message]:
        out: list[mido.Message] = []
        if self.device.rgb:
            out.append(sysex(SYSEX_PAD_MODE, (0,)))  # session mode: pads on channel 1, LEDs ours
            out.append(sysex(SYSEX_INTRO, (0, 1, 0, 0)))  # answered by 0x61 with the fader positions
        self._shadow.clear()  # unknown: send everything
        for param, value in self._restore.values():  # a momentary pad held while unplugged
            self.state.set(param, value)
        self._restore.clear()
        self.held.clear()
        self.shift = False
        for f in self._faders.values():  # unknown until the 0x61 reply or the first movement
            f.position, f.sent = None, None
        return out + self.feedback()

    def handle(self, msg: mido.Message) -> None:
        t = msg.type
        if t == "note_on" or t == "note_off":
            down = t == "note_on" and msg.velocity > 0
            note = msg.note
            if note == self.device.shift_note:
                self.shift = down
            elif note < N_PADS:
                self._pad(note, down)
            elif note in self._buttons:
                self._button(note, down)
        elif t == "control_change" and msg.control in self._faders:
            self._fader(self._faders[msg.control], msg.value)
        elif t == "sysex":
            self._sysex(tuple(msg.data))

    def feedback(self) -> list[mido.Message]:
        want = self._desired()
        notes: list[mido.Message] = []
        rgb: list[tuple[int, tuple[int, int, int]]] = []
        for note, led in want.items():
            old = self._shadow.get(note)
            if old == led:
                continue
            if led[0] == "rgb":
                if old is None or (old[0] == "note" and old[1] > MK2_FULL):
                    # SysEx colour is ignored on a pulsing/blinking pad: make it solid black first
                    notes.append(mido.Message("note_on", channel=MK2_FULL, note=note, velocity=0))
                rgb.append((note, led[1:]))
            else:
                notes.append(mido.Message("note_on", channel=led[1], note=note, velocity=led[2]))
            self._shadow[note] = led
        out = notes
        i = 0
        while i < len(rgb):  # runs of neighbouring pads with one colour share a range
            j = i
            while j + 1 < len(rgb) and rgb[j + 1][0] == rgb[j][0] + 1 and rgb[j + 1][1] == rgb[i][1]:
                j += 1
            out.append(rgb_sysex(rgb[i][0], rgb[j][0], rgb[i][1]))
            i = j + 1
        return out

    # ---------------------------------------------------------------- input
    def _fire(self, b: Binding) -> None:
        if b.action == "param":
            self.state.set_normalized(b.value, b.amount)
            return
        value = b.value
        if b.action == "scene" and isinstance(value, str) and value in self.state.scenes:
            value = self.state.scenes.index(value)
        self.state.trigger(b.action, value, source=SOURCE)

    def _pad(self, note: int, down: bool) -> None:
        if not down:
            self.held.discard(note)
            restore = self._restore.pop(note, None)
            if restore is not None:
                self.state.set(*restore)
            return
        self.held.add(note)
        slot = self._pad_slots().get(note)
        if slot is None:
            return
        use_shift = self.shift and slot.shift is not None
        b = slot.shift if use_shift else slot.binding
        if slot.momentary and not use_shift and b.value in self.state.params():
            self._restore.setdefault(note, (b.value, self.state.get(b.value)))
        self._fire(b)

    def _button(self, note: int, down: bool) -> None:
        if not down:
            self.held.discard(note)
            return
        self.held.add(note)
        b, sb = self._buttons[note]
        b = sb if (self.shift and sb) else b
        if b is not None:
            self._fire(b)

    def _fader(self, f: _Fader, value: int) -> None:
        prev, f.position = f.position, value
        f.sent = fader_moved(self.state, f.param, prev, value, f.sent, f.takeover, self.TAKEOVER_WINDOW, source="apc")

    def _sysex(self, data: tuple[int, ...]) -> None:
        if data[:4] != (*SYSEX_HEADER, SYSEX_INTRO_REPLY) or len(data) < 6:
            return
        n = (data[4] << 7) | data[5]
        for cc, value in zip(FADER_CCS, data[6:6 + n]):
            f = self._faders.get(cc)
            if f is None:
                continue
            f.position = value
            near = f.param in self.state.params() and \
                abs(value - self.state.normalized(f.param) * 127) <= self.TAKEOVER_WINDOW
            f.sent = self.state.normalized(f.param) if near else None

    # ---------------------------------------------------------------- LEDs
    def _pad_slots(self) -> dict[int, _Slot]:
        """Explicit pads over the grid rows filled from the current scene and pack lists."""
        st = self.state
        key = (tuple(st.scenes), tuple(st.packs))
        if key != self._slots_key:
            grid = self.layout.grid
            slots: dict[int, _Slot] = {}
            if grid.scenes_row is not None:
                for i, _name in enumerate(key[0][:8]):
                    slots[grid.scenes_row * 8 + i] = _Slot(Binding("scene", i), grid.scenes)
            if grid.packs_row is not None:
                for i, name in enumerate(key[1][:8]):
                    slots[grid.packs_row * 8 + i] = _Slot(Binding("pack", name), grid.packs)
            for p in self.layout.pads:
                slots[p.note] = _Slot(p.binding, p.look, p.shift, p.momentary)
            self._slots, self._slots_key = slots, key
        return self._slots

    def _active(self, b: Binding, note: int) -> bool:
        st = self.state
        a = b.action
        if a == "scene":
            v = b.value
            if isinstance(v, str):
                return v in st.scenes and st.scenes.index(v) == st.scene
            return st.scene == v
        if a == "pack":
            return st.pack == b.value
        if a == "toggle":
            return st.enabled(b.value)
        if a == "blackout":
            return bool(st.blackout)
        if a == "freeze":
            return bool(st.freeze)
        if a == "param":
            return note in self.held or (b.value in st.params() and abs(st.normalized(b.value) - b.amount) < 0.5 / 127)
        return note in self.held  # tap: lit while pressed

    def _pad_led(self, look: Look, active: bool) -> Led:
        c = look.color
        if not self.device.rgb:
            if not active:
                return ("note", 0, 0)
            return ("note", 0, mk1_velocity(c.rgb, look.behaviour != "solid"))
        level = look.brightness if active else look.dim
        if c.is_rgb:
            return ("rgb", *(round(v * level / 100) for v in c.rgb))
        if active and look.behaviour == "pulse":
            return ("note", MK2_PULSE[look.rate], c.velocity)
        if active and look.behaviour == "blink":
            return ("note", MK2_BLINK[look.rate], c.velocity)
        if level <= 0:
            return ("note", MK2_FULL, 0)
        channel = min(range(len(MK2_BRIGHTNESS)), key=lambda i: abs(MK2_BRIGHTNESS[i] - level))
        return ("note", channel, c.velocity)

    def _desired(self) -> dict[int, Led]:
        slots = self._pad_slots()
        off: Led = ("note", MK2_FULL if self.device.rgb else 0, 0)
        want: dict[int, Led] = {}
        for note in range(N_PADS):
            slot = slots.get(note)
            want[note] = off if slot is None else self._pad_led(slot.look, self._active(slot.binding, note))
        for note, (b, _sb) in self._buttons.items():
            if b is None:
                level = BUTTON_OFF
            elif not self._active(b, note):
                level = BUTTON_OFF
            else:
                level = BUTTON_BLINK if b.action in ("blackout", "freeze") else BUTTON_ON
            want[note] = ("note", 0, level)
        return want


class ApcMiniMk2(ApcMini):
    """AKAI APC mini MK2: RGB pads (palette with brightness, pulse and blink, or exact RGB by SysEx)."""

    device = MK2


class ApcMiniMk1(ApcMini):
    """The original APC mini: green/red/yellow pads, track buttons 64-71, scene buttons 82-89, shift 98."""

    device = MK1


__all__ = ["ApcMini", "ApcMiniMk1", "ApcMiniMk2", "Device", "LayoutError", "MK1", "MK2",
           "is_mk1_port", "is_mk2_port", "mk1_velocity", "rgb_sysex", "sysex"]
