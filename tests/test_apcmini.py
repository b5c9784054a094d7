"""The APC mini mappings, byte for byte (no ports: messages in, messages out)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import mido
import pytest

from vjhost.control.layout import load_layout, parse_layout
from vjhost.control.state import Action, ControlState
from vjhost.protocols import Param
from vjhost_builtins.apcmini import ApcMiniMk1, ApcMiniMk2, is_mk1_port, is_mk2_port, mk1_velocity, rgb_sysex

IKEDA_SCENES = ["stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines"]
PARAMS = ["fx.feedback.amount", "fx.blur.amount", "fx.hue.amount", "latent.speed", "latent.jump",
          "latent.bass_push", "fx.ikeda_flicker.amount", "master.strobe"]


def ikeda_layout():
    return load_layout(Path(str(files("vjhost_ikeda"))) / "layouts" / "apc_mini_mk2.toml")


def make_state() -> ControlState:
    state = ControlState([Param(p, 0.0) for p in PARAMS] + [Param("master.brightness", 1.0)])
    state.scenes = list(IKEDA_SCENES)
    state.packs = ["ikeda", "neon"]
    state.pack = "ikeda"
    state.scene = 0
    return state


def raw(msgs) -> list[list[int]]:
    return [m.bytes() for m in msgs]


def msg(*data: int) -> mido.Message:
    return mido.Message.from_bytes(list(data))


@pytest.fixture
def mk2():
    state = make_state()
    apc = ApcMiniMk2(ikeda_layout(), state)
    apc.on_connect()
    return apc, state


# --------------------------------------------------------------------------- port names


@pytest.mark.parametrize("name, mk2, mk1", [
    ("APC mini mk2 Control", True, False),  # macOS
    ("APC mini mk2:APC mini mk2 APC mini mk2 Contr 20:0", True, False),  # Linux ALSA via rtmidi
    ("APC mini mk2:APC mini mk2 APC mini mk2 Note 20:1", False, False),
    ("APC mini mk2", True, False),  # Windows, port 1
    ("MIDIIN2 (APC mini mk2)", False, False),  # Windows, port 2 (Note mode)
    ("MIDIOUT2 (APC mini mk2)", False, False),
    ("apc MINI MK2 control", True, False),
    ("APC MINI", False, True),
    ("APC MINI:APC MINI MIDI 1 20:0", False, True),
    ("Launchpad Mini", False, False),
])
def test_port_names(name, mk2, mk1):
    assert is_mk2_port(name) is mk2
    assert is_mk1_port(name) is mk1


# --------------------------------------------------------------------------- connect


def test_on_connect_sets_session_mode_introduces_and_sends_all_leds():
    state = make_state()
    out = raw(ApcMiniMk2(ikeda_layout(), state).on_connect())
    assert out[0] == [0xF0, 0x47, 0x7F, 0x4F, 0x62, 0x00, 0x01, 0x00, 0xF7]  # pad mode: session
    assert out[1] == [0xF0, 0x47, 0x7F, 0x4F, 0x60, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0xF7]  # introduction
    leds = {(m[0], m[1]): m[2] for m in out[2:]}
    assert len(out) == 2 + 64 + 16  # every pad and every track/scene button, once
    assert leds[(0x96, 56)] == 3  # scene 0 (stripes) active: white, full brightness
    assert all(leds[(0x91, 56 + i)] == 3 for i in range(1, 8))  # other scenes: white, dim
    assert leds[(0x96, 0)] == 5 and leds[(0x91, 1)] == 5  # packs row: ikeda active red; neon dim (20 % -> 25 %, 0x91)
    assert leds[(0x96, 2)] == 0  # no third pack: off
    assert leds[(0x96, 8)] == 3  # toggle fx.feedback: on by default
    assert leds[(0x90, 112)] == 1 and leds[(0x90, 113)] == 0  # scene buttons: scene:0 on, scene:1 off
    assert leds[(0x90, 100)] == 0  # track button blackout: off


# --------------------------------------------------------------------------- pads and LEDs


def test_scene_pad_triggers_and_leds_follow_the_engine(mk2):
    apc, state = mk2
    assert apc.feedback() == []  # nothing changed since on_connect
    apc.handle(msg(0x90, 56, 127))  # top-left pad, channel 1
    apc.handle(msg(0x80, 56, 0))
    assert state.drain_actions() == [Action("scene", 0, "apc")]
    apc.handle(msg(0x90, 57, 127))
    assert state.drain_actions() == [Action("scene", 1, "apc")]
    # the engine switches scene; LEDs move: new pad full (0x96), old pad dim (0x91); scene buttons too
    state.scene = 1
    state.touch()
    assert raw(apc.feedback()) == [[0x91, 56, 3], [0x96, 57, 3], [0x90, 112, 0], [0x90, 113, 1]]
    assert apc.feedback() == []


def test_pack_toggle_and_show_action_pads(mk2):
    apc, state = mk2
    apc.handle(msg(0x90, 1, 127))  # packs row, second pack
    apc.handle(msg(0x90, 8, 127))  # toggle fx.feedback
    apc.handle(msg(0x90, 15, 127))  # blackout
    apc.handle(msg(0x90, 14, 127))  # freeze
    assert state.drain_actions() == [Action("pack", "neon", "apc"), Action("toggle", "fx.feedback", "apc"),
                                     Action("blackout", None, "apc"), Action("freeze", None, "apc")]
    state.pack = "neon"
    state.toggle("fx.feedback")  # the engine applies the toggle
    state.blackout = True
    state.touch()
    out = raw(apc.feedback())
    assert [0x91, 0, 5] in out and [0x96, 1, 5] in out  # ikeda dims, neon lights
    assert [0x91, 8, 3] in out  # feedback off: dim
    assert [0x9D, 15, 5] in out  # blackout: red, blinking 1/8 (channel 13)
    assert [0x90, 100, 2] in out  # track button 1 (blackout) blinks


def test_tap_lights_while_held(mk2):
    apc, state = mk2
    apc.handle(msg(0x90, 13, 127))
    assert state.drain_actions() == [Action("tap", None, "apc")]
    assert raw(apc.feedback()) == [[0x96, 13, 2]]  # grey at full
    apc.handle(msg(0x90, 13, 0))  # note-on velocity 0 = release
    assert raw(apc.feedback()) == [[0x91, 13, 2]]


def test_momentary_param_pad_and_shift_layer(mk2):
    apc, state = mk2
    state.set("master.strobe", 0.25)
    apc.handle(msg(0x90, 16, 127))  # hold: full strobe
    assert state.get("master.strobe") == 1.0
    apc.handle(msg(0x80, 16, 0))
    assert state.get("master.strobe") == 0.25
    state.set("fx.feedback.amount", 0.7)
    apc.handle(msg(0x90, 122, 127))  # SHIFT down
    apc.handle(msg(0x90, 8, 127))  # SHIFT + feedback toggle pad = feedback amount to 0
    apc.handle(msg(0x80, 122, 0))
    assert state.get("fx.feedback.amount") == 0.0
    assert state.drain_actions() == []  # no toggle fired
    apc.handle(msg(0x90, 8, 127))
    assert state.drain_actions() == [Action("toggle", "fx.feedback", "apc")]


def test_track_and_scene_buttons(mk2):
    apc, state = mk2
    apc.handle(msg(0x90, 100, 127))  # track 1: blackout
    apc.handle(msg(0x90, 102, 127))  # track 3: tap
    apc.handle(msg(0x90, 119, 127))  # scene button 8: scene 7
    assert state.drain_actions() == [Action("blackout", None, "apc"), Action("tap", None, "apc"),
                                     Action("scene", 7, "apc")]
    assert [0x90, 102, 1] in raw(apc.feedback())  # tap button lit while held


def test_rgb_pad_sysex_exact_bytes():
    # PROTOCOLS.md: pad 0 red = F0 47 7F 4F 24 00 08 00 00 01 7F 00 00 00 00 F7
    assert rgb_sysex(0, 0, (255, 0, 0)).bytes() == [
        0xF0, 0x47, 0x7F, 0x4F, 0x24, 0x00, 0x08, 0x00, 0x00, 0x01, 0x7F, 0x00, 0x00, 0x00, 0x00, 0xF7]
    state = make_state()
    layout = parse_layout("""schema_version = 1
pads = [
  { note = 0, action = "blackout", color = "#ff0000", dim = 0 },
  { note = 1, action = "freeze", color = "red", behaviour = "blink", rate = "1/8" },
]
""")
    apc = ApcMiniMk2(layout, state)
    out = raw(apc.on_connect())
    # state unknown after connect: solid black on 0x96 first (SysEx colour is ignored on a blinking pad), then RGB
    assert out.index([0x96, 0, 0]) < out.index([0xF0, 0x47, 0x7F, 0x4F, 0x24, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0xF7])
    state.blackout = True
    state.touch()
    assert raw(apc.feedback()) == [[0xF0, 0x47, 0x7F, 0x4F, 0x24, 0x00, 0x08, 0x00, 0x00, 0x01, 0x7F,
                                    0x00, 0x00, 0x00, 0x00, 0xF7]]


def test_rgb_after_blinking_pad_sends_solid_black_first():
    state = make_state()
    layout = parse_layout('schema_version = 1\n[grid]\nscenes_row = 0\nscene_color = "red"\nbehaviour = "blink"\n')
    apc = ApcMiniMk2(layout, state)
    apc.on_connect()
    assert apc._shadow[0] == ("note", 14, 5)  # scene 0 blinking red, 1/4
    apc.layout = parse_layout('schema_version = 1\n[grid]\nscenes_row = 0\nscene_color = "#00ff00"\n')
    apc._slots_key = None
    out = raw(apc.feedback())
    assert out[0] == [0x96, 0, 0]
    # pads 1-7 were dim palette red: now dim green, and pads 1..7 share one colour -> one range
    assert out[-1] == [0xF0, 0x47, 0x7F, 0x4F, 0x24, 0, 8, 1, 7, 0, 0, 0, 64, 0, 0, 0xF7]
    assert out[-2] == [0xF0, 0x47, 0x7F, 0x4F, 0x24, 0, 8, 0, 0, 0, 0, 1, 0x7F, 0, 0, 0xF7]


# --------------------------------------------------------------------------- faders


def test_fader_soft_takeover(mk2):
    apc, state = mk2
    state.set("latent.speed", 0.5)  # fader 4 = CC 51; parameter at 63.5 of 127
    apc.handle(msg(0xB0, 51, 10))  # first movement, far below: nothing moves
    apc.handle(msg(0xB0, 51, 40))
    assert state.get("latent.speed") == 0.5
    apc.handle(msg(0xB0, 51, 70))  # crossed the parameter's value: picked up
    assert state.get("latent.speed") == pytest.approx(70 / 127)
    apc.handle(msg(0xB0, 51, 20))  # now it follows directly
    assert state.get("latent.speed") == pytest.approx(20 / 127)
    state.set("latent.speed", 1.0)  # another surface moves it: pick up again
    apc.handle(msg(0xB0, 51, 30))
    assert state.get("latent.speed") == 1.0
    apc.handle(msg(0xB0, 51, 126))  # within the pick-up window
    assert state.get("latent.speed") == pytest.approx(126 / 127)


def test_fader_positions_from_introduction_reply(mk2):
    apc, state = mk2
    state.set("master.brightness", 1.0)
    # F0 47 7F 4F 61 00 09 <9 faders> F7: master sits at the top, fader 1 at 100
    apc.handle(msg(0xF0, 0x47, 0x7F, 0x4F, 0x61, 0x00, 0x09, 100, 0, 0, 0, 0, 0, 0, 0, 127, 0xF7))
    apc.handle(msg(0xB0, 56, 120))  # master already had it: follows at once
    assert state.get("master.brightness") == pytest.approx(120 / 127)
    apc.handle(msg(0xB0, 48, 90))  # fader 1 known at 100, parameter at 0: 100 -> 90 does not cross 0
    assert state.get("fx.feedback.amount") == 0.0
    apc.handle(msg(0xB0, 48, 0))
    assert state.get("fx.feedback.amount") == 0.0
    apc.handle(msg(0xB0, 48, 5))
    assert state.get("fx.feedback.amount") == pytest.approx(5 / 127)


def test_fader_for_unknown_param_is_ignored(mk2):
    apc, state = mk2
    apc.handle(msg(0xB0, 48, 64))
    apc.handle(msg(0xB0, 60, 64))  # not a fader
    apc.handle(msg(0xF0, 0x7E, 0x7F, 0x06, 0x02, 0xF7))  # someone else's SysEx


# --------------------------------------------------------------------------- mk1


def test_mk1_notes_and_leds():
    state = make_state()
    apc = ApcMiniMk1(ikeda_layout(), state)
    out = raw(apc.on_connect())
    assert all(m[0] == 0x90 for m in out)  # no SysEx, all LEDs on channel 1
    leds = {m[1]: m[2] for m in out}
    assert leds[56] == 5 and leds[57] == 0  # white -> yellow; inactive pads are dark on the mk1
    assert leds[0] == 3  # active pack: red
    assert leds[82] == 1 and leds[83] == 0  # scene button 1 (scene:0) on
    assert 112 not in leds and 100 not in leds
    apc.handle(msg(0x90, 64, 127))  # track 1 = blackout
    apc.handle(msg(0x90, 89, 127))  # scene button 8 = scene 7
    apc.handle(msg(0x90, 98, 127))  # shift
    apc.handle(msg(0x90, 8, 127))  # shift + feedback pad
    assert state.drain_actions() == [Action("blackout", None, "apc"), Action("scene", 7, "apc")]
    state.blackout = True
    state.touch()
    assert raw(apc.feedback()) == [[0x90, 15, 4], [0x90, 64, 2]]  # blackout pad red blinking, button blinks


def test_mk1_colour_mapping():
    assert mk1_velocity((255, 0, 0)) == 3
    assert mk1_velocity((0, 255, 0)) == 1
    assert mk1_velocity((0, 0, 255)) == 1  # no blue LED: green
    assert mk1_velocity((255, 255, 255)) == 5  # white -> yellow
    assert mk1_velocity((255, 255, 0), blinking=True) == 6
    assert mk1_velocity((10, 10, 10)) == 0


def test_layout_table_and_default():
    state = make_state()
    apc = ApcMiniMk2({"schema_version": 1, "faders": [{"fader": 9, "param": "master.brightness"}]}, state)
    assert apc.layout.faders[0].cc == 56
    apc = ApcMiniMk2(None, state)  # no layout: scenes top row, packs bottom row
    leds = {(m[0], m[1]): m[2] for m in raw(apc.on_connect()[2:])}
    assert leds[(0x96, 56)] == 3
