"""MidiSurface against real (virtual) MIDI ports: JACK's dummy backend, a fake APC mini MK2.

The machine has no sound card and no ALSA sequencer; ``jackd -d dummy`` gives
real JACK MIDI ports that python-rtmidi can create and connect to.  Each
module run starts its own named JACK server so it never meets another one.
"""

from __future__ import annotations

import time
from importlib.resources import files
from pathlib import Path
from typing import Callable

import mido
import pytest

from vjhost.control.layout import load_layout
from vjhost.control.midi import JACK_BACKEND, MidiSurface, list_midi_ports, pair_output
from vjhost.control.state import Action, ControlState
from vjhost.faults import FaultLog
from vjhost.protocols import MappingSpec, Param
from vjhost_builtins.apcmini import ApcMiniMk2, is_mk2_port

PORT = "APC mini mk2 Control"
INTRO = [0xF0, 0x47, 0x7F, 0x4F, 0x60, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0xF7]
SCENES = ["stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines"]
MK2_SPEC = MappingSpec("apc-mini-mk2", is_mk2_port, ApcMiniMk2, layout_key="apc_mini_mk2")


def wait_for(pred: Callable[[], object], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return bool(pred())


def make_state() -> ControlState:
    state = ControlState([Param("latent.speed", 0.5), Param("fx.feedback.amount", 0.0),
                          Param("master.brightness", 1.0)])
    state.scenes = list(SCENES)
    state.packs = ["ikeda"]
    state.pack = "ikeda"
    return state


class Actions:
    """Collects what the control state was asked to do (the engine would drain these each frame)."""

    def __init__(self, state: ControlState) -> None:
        self.state = state
        self.seen: list[Action] = []

    def __call__(self) -> list[Action]:
        self.seen += self.state.drain_actions()
        return self.seen


# --------------------------------------------------------------------------- no JACK needed


def test_pair_output():
    assert pair_output("APC mini mk2 Control", ["X", "APC mini mk2 Control"]) == "APC mini mk2 Control"
    # JACK: the device's input port lives in a second client, renamed "-01"
    assert pair_output("APC mini mk2:APC mini mk2 Control",
                       ["RtMidiIn Client:x",
                        "APC mini mk2-01:APC mini mk2 Control"]) == "APC mini mk2-01:APC mini mk2 Control"
    # Windows numbering
    assert pair_output("APC mini mk2 0", ["Microsoft GS Wavetable Synth 0", "APC mini mk2 1"]) == "APC mini mk2 1"
    assert pair_output("APC mini mk2 Control", ["Other"], is_mk2_port) is None


def test_no_midi_system_is_reported_once_and_idles():
    info = list_midi_ports("vjhost_no_such_backend")
    assert info["inputs"] == [] and info["outputs"] == []
    assert info["error"].startswith("no MIDI system: vjhost_no_such_backend: ModuleNotFoundError")

    log = FaultLog(stream=None)
    surface = MidiSurface([MK2_SPEC], make_state(), backend="vjhost_no_such_backend", faults=log, poll_interval=0.01)
    surface.start()
    assert wait_for(lambda: "midi" in log.faults)
    time.sleep(0.05)
    assert log.faults["midi"].count == 1 and "no MIDI system" in log.faults["midi"].message
    assert surface.running  # idles, does not die
    t = time.monotonic()
    surface.stop()
    assert not surface.running and time.monotonic() - t < 1.0


# --------------------------------------------------------------------------- JACK


class FakeApc:
    """A virtual APC mini MK2 Control port pair: ``send`` plays the hardware, ``received`` is what its LEDs got.

    Plain python-rtmidi without a callback: RtMidi queues input in C++, so the
    JACK process thread of the fake device never waits for the GIL (a Python
    callback there makes the client late under load, and JACK drops the
    events of a cycle a client misses).
    """

    def __init__(self) -> None:
        import rtmidi

        self.out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="APC mini mk2")
        self.out.open_virtual_port(PORT)  # the device's output: the host reads it
        self.inp = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name="APC mini mk2", queue_size_limit=4096)
        self.inp.ignore_types(sysex=False, timing=False, active_sense=True)
        self.inp.open_virtual_port(PORT)  # JACK names this second client "APC mini mk2-01"
        self.received: list[list[int]] = []

    def send(self, *data: int) -> None:
        self.out.send_message(list(data))

    def collect(self, pred: Callable[[list[list[int]]], bool], timeout: float = 5.0) -> bool:
        def poll() -> bool:
            while (m := self.inp.get_message()) is not None:
                self.received.append(list(m[0]))
            return pred(self.received)

        return wait_for(poll, timeout)

    def close(self) -> None:
        for rt in (self.inp, self.out):
            rt.close_port()
            rt.delete()


def ikeda_layout():
    return load_layout(Path(str(files("vjhost_ikeda"))) / "layouts" / "apc_mini_mk2.toml")


def test_apc_over_jack_pads_leds_and_hot_plug(jack):
    state = make_state()
    layout = ikeda_layout()
    log = FaultLog(stream=None)
    actions = Actions(state)
    dev = FakeApc()
    surface = MidiSurface([MK2_SPEC], state, layout=lambda spec: layout, backend=JACK_BACKEND, faults=log,
                          poll_interval=0.05)
    try:
        surface.start()
        # connect: session mode, introduction, the full LED state (scene 0 bright, the rest dim)
        assert dev.collect(lambda r: INTRO in r and [0x96, 56, 3] in r and [0x91, 63, 3] in r), dev.received
        assert dev.received[0] == [0xF0, 0x47, 0x7F, 0x4F, 0x62, 0x00, 0x01, 0x00, 0xF7]
        assert surface.connected == f"APC mini mk2:{PORT}"

        # the device answers the introduction with its fader positions: fader 4 (latent.speed) sits at 64
        dev.send(0xF0, 0x47, 0x7F, 0x4F, 0x61, 0x00, 0x09, 0, 0, 0, 64, 0, 0, 0, 0, 127, 0xF7)
        # press and release the second scene pad (note 57, channel 1)
        dev.send(0x90, 57, 127)
        dev.send(0x80, 57, 0)
        assert wait_for(lambda: actions() == [Action("scene", 1, "apc")]), actions.seen
        dev.send(0xB0, 51, 70)  # fader 4: already at the parameter, so it follows at once
        assert wait_for(lambda: state.get("latent.speed") == pytest.approx(70 / 127))

        # the engine switches scene: the new pad lights fully, the old one dims
        dev.received.clear()
        state.scene = 1
        state.touch()
        # (the scene buttons follow: button 1 off, button 2 on)
        lit = ([0x96, 57, 3], [0x91, 56, 3], [0x90, 112, 0], [0x90, 113, 1])
        assert dev.collect(lambda r: all(m in r for m in lit)), dev.received

        # unplug: reported once, the thread keeps running and scanning
        source = f"midi/APC mini mk2:{PORT}"
        dev.close()
        assert wait_for(lambda: surface.connected is None)
        assert "disconnected" in log.faults[source].message and log.faults[source].count == 1
        assert surface.running
        state.scene = 2  # changed while the controller is away
        state.touch()
        time.sleep(0.15)  # a few scans with nothing there
        assert log.faults[source].count == 1

        # replug: reopened, re-initialised, LEDs restored to the current state
        dev = FakeApc()
        want = [INTRO, [0x96, 58, 3], [0x91, 57, 3]]
        assert dev.collect(lambda r: all(m in r for m in want)), \
            ([m for m in want if m not in dev.received], len(dev.received), list(surface.events), log.faults)
        assert surface.connected is not None
        dev.send(0x90, 63, 127)
        assert wait_for(lambda: actions()[-1:] == [Action("scene", 7, "apc")]), actions.seen
    finally:
        surface.stop()
        dev.close()
    assert not surface.running


class BrokenMapping:
    def __init__(self, layout, state) -> None:
        self.handled = 0

    def on_connect(self):
        return [mido.Message("note_on", note=1, velocity=1)]

    def handle(self, msg):
        self.handled += 1
        raise ValueError(f"bad message {msg.bytes()}")

    def feedback(self):
        return []


def test_mapping_errors_are_reported_not_fatal_and_layout_changes_reinit(jack):
    state = make_state()
    log = FaultLog(stream=None)
    spec = MappingSpec("broken", is_mk2_port, BrokenMapping)
    current = {"layout": None}
    dev = FakeApc()
    surface = MidiSurface([spec], state, layout=lambda s: current["layout"], backend=JACK_BACKEND, faults=log,
                          poll_interval=0.05)
    try:
        surface.start()
        assert dev.collect(lambda r: [0x90, 1, 1] in r)
        for i in range(3):
            dev.send(0x90, 10 + i, 127)
        assert wait_for(lambda: "midi/broken" in log.faults and log.faults["midi/broken"].count == 3)
        assert "ValueError: bad message" in log.faults["midi/broken"].message and surface.mapping.handled == 3
        assert surface.running and surface.connected

        # a pack switch changes the layout: the mapping is rebuilt and on_connect resent
        first = surface.mapping
        dev.received.clear()
        current["layout"] = {"schema_version": 1}
        assert dev.collect(lambda r: [0x90, 1, 1] in r)
        assert surface.mapping is not first
    finally:
        surface.stop()
        dev.close()


def test_list_midi_ports_over_jack(jack):
    dev = FakeApc()
    try:
        info = list_midi_ports(JACK_BACKEND)
        assert info["error"] is None
        assert f"APC mini mk2:{PORT}" in info["inputs"]
        assert any(o.endswith(f":{PORT}") for o in info["outputs"])
    finally:
        dev.close()
