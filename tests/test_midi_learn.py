"""MIDI learn: editing the user's layout file carefully, and learning from a real (virtual) JACK MIDI port.

The JACK part runs a private ``jackd -d dummy`` (as tests/test_midi_surface.py
does): python-rtmidi creates a virtual controller port there, the learner
opens it like any device.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from typing import Callable

import mido
import pytest

from vjhost.control.layout import GENERIC, load_layout
from vjhost.control.learn import (
    LearnError,
    MidiLearn,
    add_parser,
    parse_target,
    save_binding,
    user_layout_path,
)
from vjhost.control.midi import JACK_BACKEND, MidiSurface
from vjhost.control.state import Action, ControlState
from vjhost.faults import FaultLog
from vjhost.protocols import MappingSpec, Param
from vjhost_builtins.generic_midi import GenericMidi, port_matches, user_layout

USER_LAYOUT = """\
# my nanoKONTROL: hand-written, please keep this comment
schema_version = 1
device = "generic"   # any controller
port = "LearnCtl"

# the big knob
[[ccs]]
cc = 16
channel = 1
param = "latent.speed"   # how fast the walk goes
label = "speed"

[[notes]]
note = 40
action = "blackout"
"""


def wait_for(pred: Callable[[], object], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return bool(pred())


def make_state() -> ControlState:
    st = ControlState([Param("latent.speed", 1.0, 0.0, 4.0), Param("fx.feedback.amount", 0.0),
                       Param("master.brightness", 1.0)])
    st.scenes = ["a", "b", "c"]
    return st


# --------------------------------------------------------------------------- no MIDI needed


def test_targets():
    params = ["fx.feedback.amount", "latent.speed"]
    assert parse_target("fx.feedback.amount", params).param == "fx.feedback.amount"
    assert parse_target("fx.feedback.amount").param == "fx.feedback.amount"  # the CLI knows no params
    assert parse_target("blackout").binding.action == "blackout"
    b = parse_target("scene:2").binding
    assert (b.action, b.value) == ("scene", 2)
    b = parse_target("param:latent.speed=0.5", params).binding
    assert (b.action, b.value, b.amount) == ("param", "latent.speed", 0.5)
    for bad in ("", "scene", "blackout:1", "toggle:", "bogus:x", "has space"):
        with pytest.raises(LearnError):
            parse_target(bad, params)
    with pytest.raises(LearnError, match="did you mean 'latent.speed'"):
        parse_target("latent.sped", params)


def test_user_layout_path(monkeypatch, tmp_path):
    monkeypatch.setenv("VJHOST_LAYOUT", str(tmp_path / "mine.toml"))
    assert user_layout_path() == tmp_path / "mine.toml"
    monkeypatch.delenv("VJHOST_LAYOUT")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_layout_path() == tmp_path / "vjhost" / "layout.toml"


def test_save_keeps_comments_and_other_bindings(tmp_path):
    path = tmp_path / "layout.toml"
    path.write_text(USER_LAYOUT)
    os.chmod(path, 0o640)

    # a new control is appended
    got = save_binding(path, "cc", 21, 1, parse_target("fx.feedback.amount"), "LearnCtl:out")
    assert not got.replaced and got.table == "ccs" and got.backup == tmp_path / "layout.toml.bak"
    text = path.read_text()
    assert text.startswith(USER_LAYOUT)  # everything the user wrote, byte for byte
    assert got.backup.read_text() == USER_LAYOUT
    assert (path.stat().st_mode & 0o777) == 0o640
    layout = load_layout(path)
    assert [(c.cc, c.channel, c.param) for c in layout.ccs] == [(16, 1, "latent.speed"), (21, 1, "fx.feedback.amount")]

    # the same control again: replaced in place, its comments and label kept
    got = save_binding(path, "cc", 16, 1, parse_target("master.brightness"), "LearnCtl:out")
    assert got.replaced
    text2 = path.read_text()
    assert "# the big knob" in text2 and 'label = "speed"' in text2 and "please keep this comment" in text2
    assert '"latent.speed"' not in text2
    assert got.backup.read_text() == text  # .bak is the version before this save
    layout = load_layout(path)
    assert [(c.cc, c.param) for c in layout.ccs] == [(16, "master.brightness"), (21, "fx.feedback.amount")]
    assert text2.index("cc = 16") < text2.index("master.brightness") < text2.index("[[notes]]")

    # a note: an action; the same note on the existing entry replaces its action
    save_binding(path, "note", 36, 10, parse_target("toggle:fx.feedback"))
    save_binding(path, "note", 40, 1, parse_target("scene:2"))
    layout = load_layout(path)
    assert [(n.note, n.channel, n.binding.action, n.binding.value) for n in layout.notes] == \
        [(40, None, "scene", 2), (36, 10, "toggle", "fx.feedback")]
    # a CC button bound to an action
    save_binding(path, "cc", 16, 1, parse_target("freeze"))
    layout = load_layout(path)
    assert [(c.cc, c.param, c.binding and c.binding.action) for c in layout.ccs][0] == (16, None, "freeze")
    assert "please keep this comment" in path.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temp files left behind


def test_new_file_is_a_generic_layout(tmp_path):
    path = tmp_path / "sub" / "layout.toml"
    got = save_binding(path, "note", 60, 2, parse_target("latent.speed"), "Some Keys:Some Keys MIDI 1 20:0")
    assert got.backup is None and not path.with_name("layout.toml.bak").exists()
    layout = load_layout(path)
    assert layout.device == GENERIC and layout.port == "Some Keys:Some Keys MIDI 1"
    n = layout.notes[0]
    assert (n.note, n.channel, n.binding.action, n.binding.value) == (60, 2, "param", "latent.speed")


def test_invalid_existing_layout_is_not_overwritten(tmp_path):
    path = tmp_path / "layout.toml"
    bad = USER_LAYOUT.replace('action = "blackout"', 'action = "blakcout"')
    path.write_text(bad)
    line = bad.splitlines().index('action = "blakcout"') + 1
    with pytest.raises(LearnError) as e:
        save_binding(path, "cc", 21, 1, parse_target("fx.feedback.amount"))
    assert f"{path}:{line}: notes.0.action" in str(e.value) and "did you mean 'blackout'" in str(e.value)
    assert path.read_text() == bad and not path.with_name("layout.toml.bak").exists()
    # arming refuses at once (before anyone moves a control)
    with pytest.raises(LearnError, match=f"{path}:{line}"):
        MidiLearn(make_state(), path, listen=False).arm("fx.feedback.amount")
    # a TOML syntax error too
    path.write_text("schema_version = 1\ndevice = \"generic\"\n[[ccs]\ncc = 1\n")
    with pytest.raises(LearnError, match=f"{path}:3"):
        save_binding(path, "cc", 21, 1, parse_target("fx.feedback.amount"))
    assert path.read_text().startswith("schema_version = 1\n")
    # an edit that would break the file is refused (an inline array cannot take [[ccs]] blocks)
    inline = 'schema_version = 1\ndevice = "generic"\nccs = [{cc = 1, param = "a"}]\n'
    path.write_text(inline)
    with pytest.raises(LearnError, match="inline"):
        save_binding(path, "cc", 21, 1, parse_target("fx.feedback.amount"))
    assert path.read_text() == inline


def test_apc_layout_gets_faders_and_pads(tmp_path):
    path = tmp_path / "apc.toml"
    text = ('schema_version = 1\ndevice = "apc_mini_mk2"\n# faders\n[[faders]]\nfader = 2\nparam = "latent.speed"\n'
            "takeover = false  # mine\n")
    path.write_text(text)
    save_binding(path, "cc", 49, 1, parse_target("fx.feedback.amount"))  # fader 2: replaced, takeover kept
    save_binding(path, "note", 9, 1, parse_target("toggle:fx.blur"))
    layout = load_layout(path)
    assert [(f.fader, f.param, f.takeover) for f in layout.faders] == [(2, "fx.feedback.amount", False)]
    assert [(p.note, p.binding.action, p.binding.value) for p in layout.pads] == [(9, "toggle", "fx.blur")]
    with pytest.raises(LearnError, match="not an APC mini fader"):
        save_binding(path, "cc", 7, 1, parse_target("fx.feedback.amount"))
    with pytest.raises(LearnError, match="not an APC mini pad"):
        save_binding(path, "note", 100, 1, parse_target("blackout"))


def test_feed_and_live_loop_action(tmp_path):
    path = tmp_path / "layout.toml"
    state = make_state()
    learned = []
    learn = MidiLearn(state, path, listen=False, on_learned=learned.append)
    learn.handle_action(Action("learn", "no.such.param"))  # never raises in the live loop
    assert learn.armed is None and "unknown parameter" in learn.message
    learn.handle_action(Action("learn", "fx.feedback.amount"))
    assert learn.armed is not None
    assert learn.feed(mido.Message("note_off", note=3)) is None  # not a control that moved
    assert learn.feed(mido.Message("control_change", control=123)) is None  # all notes off (mode message)
    assert learn.feed(mido.Message("clock")) is None
    got = learn.feed(mido.Message("control_change", channel=3, control=7, value=5), "X:y")
    assert got is not None and learned == [got] and learn.armed is None
    assert (got.kind, got.number, got.channel) == ("cc", 7, 4)
    assert learn.feed(mido.Message("control_change", control=8)) is None  # disarmed after one
    learn.handle_action(Action("learn", "blackout"))
    learn.handle_action(Action("learn", None))  # cancel
    assert learn.armed is None and learn.feed(mido.Message("note_on", note=1, velocity=1)) is None
    layout = load_layout(path)
    assert layout.port == "X:y" and [(c.cc, c.channel) for c in layout.ccs] == [(7, 4)] and not layout.notes


def test_generic_mapping_without_ports(tmp_path):
    path = tmp_path / "layout.toml"
    path.write_text(USER_LAYOUT + '\n[[ccs]]\ncc = 30\naction = "tap"\n[[notes]]\nnote = 41\n'
                                  'action = "param"\nvalue = "master.brightness"\namount = 0.0\nmomentary = true\n')
    state = make_state()
    m = GenericMidi(load_layout(path), state)
    assert m.matches("LearnCtl:LearnCtl out") and not m.matches("APC mini mk2:Control")
    assert m.on_connect() == [] and m.feedback() == []
    # soft takeover: latent.speed is 1.0 of 0..4 (CC ~32); far away does nothing, reaching it takes over
    m.handle(mido.Message("control_change", control=16, value=100))
    assert state.get("latent.speed") == 1.0
    m.handle(mido.Message("control_change", control=16, value=20))  # crossed 32 on the way: picked up
    assert state.get("latent.speed") == pytest.approx(4 * 20 / 127)
    m.handle(mido.Message("control_change", control=16, channel=1, value=127))  # channel 2: not this entry
    assert state.get("latent.speed") == pytest.approx(4 * 20 / 127)
    m.handle(mido.Message("control_change", control=30, value=127))  # CC button: fires once per press
    m.handle(mido.Message("control_change", control=30, value=127))
    m.handle(mido.Message("control_change", control=30, value=0))
    m.handle(mido.Message("note_on", note=40, velocity=90, channel=5))  # any channel
    assert [(a.name, a.value, a.source) for a in state.drain_actions()] == [("tap", None, "midi"),
                                                                            ("blackout", None, "midi")]
    m.handle(mido.Message("note_on", note=41, velocity=90))  # momentary param
    assert state.get("master.brightness") == 0.0
    m.handle(mido.Message("note_off", note=41))
    assert state.get("master.brightness") == 1.0
    assert port_matches(user_layout(path), "xx learnctl yy") and user_layout(tmp_path / "none.toml") is None


# --------------------------------------------------------------------------- JACK


class FakeController:
    """A virtual generic controller: its output port is what the host reads."""

    def __init__(self, client: str = "LearnCtl", port: str = "LearnCtl out") -> None:
        import rtmidi

        self.out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name=client)
        self.out.open_virtual_port(port)
        self.name = f"{client}:{port}"

    def send(self, *data: int) -> None:
        self.out.send_message(list(data))

    def close(self) -> None:
        self.out.close_port()
        self.out.delete()


def learn_by_moving(learn: MidiLearn, dev: FakeController, target: str, *message: int):
    learn.arm(target)
    assert wait_for(lambda: dev.name in learn.listening), learn.listening
    end = time.monotonic() + 10
    while learn.armed is not None and time.monotonic() < end:  # resend: JACK may drop a late client's cycle
        dev.send(*message)
        wait_for(lambda: learn.armed is None, 0.3)
    got = learn.wait(5.0)
    assert got is not None, (learn.message, learn.listening, learn._thread and learn._thread.is_alive())
    return got


def test_learn_cc_and_note_over_jack_then_the_mapping_plays(jack, tmp_path):
    path = tmp_path / "layout.toml"
    path.write_text(USER_LAYOUT)
    state = make_state()
    dev = FakeController()
    other = FakeController("Other", "Other out")  # also moving, but not the --port we listen to
    learn = MidiLearn(state, path, port="LearnCtl", backend=JACK_BACKEND, rescan=0.05)
    surface = None
    try:
        other.send(0xB0, 99, 1)
        got = learn_by_moving(learn, dev, "fx.feedback.amount", 0xB0, 21, 64)  # CC 21, channel 1
        assert (got.kind, got.number, got.channel, got.port, got.table) == ("cc", 21, 1, dev.name, "ccs")
        assert other.name not in learn.listening
        got = learn_by_moving(learn, dev, "toggle:fx.feedback", 0x99, 36, 100)  # note 36, channel 10
        assert (got.kind, got.number, got.channel) == ("note", 36, 10)
        assert wait_for(lambda: learn.listening == [])  # ports closed once learned

        text = path.read_text()
        assert text.startswith(USER_LAYOUT)  # the user's comments and bindings, untouched
        assert path.with_name("layout.toml.bak").exists()
        layout = load_layout(path)  # validates
        assert [(c.cc, c.param) for c in layout.ccs] == [(16, "latent.speed"), (21, "fx.feedback.amount")]
        assert [(n.note, n.channel, n.binding.action) for n in layout.notes] == [(40, None, "blackout"),
                                                                                 (36, 10, "toggle")]

        # the generic mapping now drives the parameter from the same port
        log = FaultLog(stream=None)
        spec = MappingSpec("generic-midi", lambda n: port_matches(load_layout(path), n),
                           lambda lay, st: GenericMidi(load_layout(path), st), layout_key="generic")
        surface = MidiSurface([spec], state, backend=JACK_BACKEND, faults=log, poll_interval=0.05).start()
        assert wait_for(lambda: surface.connected == dev.name, 10), (list(surface.events), log.faults)
        assert wait_for(lambda: (dev.send(0xB0, 21, 0), state.get("fx.feedback.amount") == 0.0)[1])
        assert wait_for(lambda: (dev.send(0xB0, 21, 100),
                                 state.get("fx.feedback.amount") == pytest.approx(100 / 127))[1])
        seen: list[Action] = []
        assert wait_for(lambda: (dev.send(0x99, 36, 100), seen.extend(state.drain_actions()),
                                 Action("toggle", "fx.feedback", "midi") in seen)[2])
    finally:
        if surface is not None:
            surface.stop()
        learn.stop()
        dev.close()
        other.close()


def test_cli_learn_over_jack(jack, tmp_path, capsys):
    ap = argparse.ArgumentParser(prog="vjhost")
    add_parser(ap.add_subparsers(dest="cmd"))
    path = tmp_path / "new.toml"
    args = ap.parse_args(["midi", "learn", "--port", "CliCtl", "--layout", str(path), "--timeout", "20",
                          "--backend", JACK_BACKEND, "scene:1"])
    dev = FakeController("CliCtl", "CliCtl out")
    result: list[int] = []
    t = threading.Thread(target=lambda: result.append(args.func(args)))
    try:
        t.start()
        assert wait_for(lambda: "move a control" in capsys.readouterr().out or result, 10)
        end = time.monotonic() + 15
        while t.is_alive() and time.monotonic() < end:
            dev.send(0x90, 48, 127)
            t.join(0.3)
        assert result == [0]
        layout = load_layout(path)
        assert layout.device == GENERIC and layout.port == dev.name
        assert [(n.note, n.binding.action, n.binding.value) for n in layout.notes] == [(48, "scene", 1)]
        bad = ap.parse_args(["midi", "learn", "--layout", str(path), "--backend", JACK_BACKEND, "scene"])
        assert bad.func(bad) == 1 and "needs a value" in capsys.readouterr().err
    finally:
        t.join(5)
        dev.close()
