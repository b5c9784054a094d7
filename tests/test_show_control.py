"""From the controller to the picture: APC mini MK2 bytes change what the ikeda show renders."""

from __future__ import annotations

import mido
import numpy as np
import pytest

from vjhost.faults import FaultLog


@pytest.fixture
def show(gl, host):
    from vjhost.engine import Show

    return Show(host, "ikeda", (160, 90), faults=FaultLog(stream=None), seed=3)


@pytest.fixture
def apc(show):
    from vjhost.control.layout import load_layout
    from vjhost_builtins.apcmini import ApcMiniMk2

    return ApcMiniMk2(load_layout(show.manifest.layouts["apc_mini_mk2"]), show.state)


def frame(show, make_features, steps=4):
    f = make_features(bpm=128.0)
    for _ in range(steps):
        show.renderer.upload_image(show.decoder.decode(show.latent(f, 1 / 60)[None])[0])
        show.render(f, 1 / 60)
    return show.renderer.read_rgba()[..., :3].astype(np.int16)


def press(apc, show, note):
    apc.handle(mido.Message.from_bytes([0x90, note, 127]))
    apc.handle(mido.Message.from_bytes([0x80, note, 0]))
    for act in show.state.drain_actions():
        show.apply_action(act.name, act.value)


def test_scene_pad_moves_the_walk_to_that_motif(show, apc, make_features):
    before = frame(show, make_features)
    press(apc, show, 7 * 8 + 3)  # top row, 4th pad: scene "bitgrid"
    assert show.state.scene == 3 and show.state.scenes[3] == "bitgrid"
    after = frame(show, make_features, steps=120)  # the walk glides there over about a beat
    assert np.abs(after - before).mean() > 20


def test_fader_drives_the_feedback_amount(show, apc, make_features):
    assert show.state.get("fx.feedback.amount") == 0.0
    for v in (0, 40, 90, 127):  # crosses the current value, so soft takeover lets go
        apc.handle(mido.Message.from_bytes([0xB0, 48, v]))
    assert show.state.get("fx.feedback.amount") == pytest.approx(1.0)


def test_blackout_pad_blacks_out_and_again_brings_it_back(show, apc, make_features):
    assert frame(show, make_features).max() > 0
    press(apc, show, 1 * 8 + 7)
    assert show.state.blackout and frame(show, make_features, 1).max() == 0
    press(apc, show, 1 * 8 + 7)
    assert not show.state.blackout and frame(show, make_features, 1).max() > 0


def test_effect_toggle_pad_lights_and_switches_the_effect(show, apc, make_features):
    show.state.set("fx.hue.amount", 0.5)
    apc.feedback()  # bring the shadow LED state up to date
    press(apc, show, 1 * 8 + 2)  # "hue" toggle off
    assert not show.state.enabled("fx.hue")
    leds = [m.bytes() for m in apc.feedback()]
    assert any(b[0] & 0xF0 == 0x90 and b[1] == 10 for b in leds)  # its LED changed
    assert not show.renderer._active(show.renderer.effects[2], show.state.snapshot(), show.state.toggles)
