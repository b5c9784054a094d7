"""The companion in a show: told over OSC and the web page, hearing the track, auto look on phrases, overrides."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from vjhost.control.state import ControlState
from vjhost.crate.companion import Companion
from vjhost.crate.db import CrateDB
from vjhost.crate.evaluate import write_crate
from vjhost.crate.scan import scan
from vjhost.crate.synth import TrackSpec
from vjhost.protocols import Features, Param

SPECS = [
    TrackSpec("downtempo", 0, "major", 100.0, seed=21, duration=12.0, intensity=0.2),
    TrackSpec("techno", 9, "minor", 130.0, seed=22, duration=12.0, intensity=0.8),
    TrackSpec("house", 4, "minor", 124.0, seed=23, duration=12.0, intensity=0.6),
    TrackSpec("dnb", 2, "minor", 174.0, seed=24, duration=12.0, intensity=0.8),
]
PACKS = ["ikeda", "kusama", "teamlab"]


@pytest.fixture(scope="module")
def crate_db(tmp_path_factory, host):
    d = tmp_path_factory.mktemp("livecrate")
    files = write_crate(d / "music", SPECS, ("wav", "flac"))
    with CrateDB(d / "crate.sqlite") as db:
        res = scan(d / "music", db, host=host)
        assert res.analysed == len(SPECS)
    return d / "crate.sqlite", files


@pytest.fixture
def companion(crate_db):
    path, files = crate_db
    db = CrateDB(path)
    db.clear_plays()
    st = ControlState([Param("fx.hue.amount", 0.0, 0.0, 1.0)])
    st.packs, st.pack = list(PACKS), "ikeda"
    said: list[str] = []
    comp = Companion(db, st, PACKS, say=said.append, every=0.0, window=8.0)
    comp.said = said  # type: ignore[attr-defined]
    yield comp
    comp.stop()
    db.close()


def _id(comp, genre):
    return next(t.id for t in comp.tracks if genre in t.title)


def test_osc_tells_what_is_playing(companion):
    from vjhost.control.osc import OscControl

    comp, st = companion, companion.state
    osc = OscControl(st, port=0)  # not started: messages handed in directly, as its server thread does
    tid = _id(comp, "techno")
    assert osc.handle_message("/vj/crate/playing", (tid,))
    assert comp.playing is not None and comp.playing.id == tid and comp.playing_source == "osc"
    assert len(comp.suggestions) == 3 and tid not in [s.track.id for s in comp.suggestions]
    assert comp.db.played()[-1] == tid
    assert osc.handle_message("/vj/crate/energy", ("up",)) and comp.direction == "up"
    assert osc.handle_message("/vj/crate/playing", ("house",))  # part of a file name works too
    assert comp.playing.id == _id(comp, "house")
    assert not osc.handle_message("/vj/crate/playing", (1.5,)) and osc.malformed == 1
    assert not osc.handle_message("/vj/crate/energy", ("sideways",)) and osc.malformed == 2
    assert osc.handle_message("/vj/crate/auto", (1,)) and comp.auto
    assert osc.handle_message("/vj/crate/auto", (0,)) and not comp.auto


def test_web_page_and_json_behind_the_token(companion):
    from websockets.sync.client import connect

    from vjhost.control.web import WebSurface
    from vjhost.crate.web import add_routes

    comp = companion
    comp.tell_playing(_id(comp, "downtempo"))
    web = WebSurface(comp.state, port=0).start()
    try:
        add_routes(web, comp)
        base = f"http://127.0.0.1:{web.port}"
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{base}/crate.json?token=wrong", timeout=10)
        assert e.value.code == 403
        with urllib.request.urlopen(f"{base}/crate.json?token={web.token}", timeout=10) as r:
            data = json.loads(r.read())
            assert r.headers["Content-Type"] == "application/json"
        assert data["playing"]["genre"] == "downtempo" and len(data["suggestions"]) == 3
        assert len(data["map"]["points"]) == 4 and data["map"]["path"][-1] == data["playing"]["id"]
        assert all(s["reasons"] for s in data["suggestions"])
        with urllib.request.urlopen(f"{base}/crate?token={web.token}", timeout=10) as r:
            html = r.read().decode()
            assert "connect-src 'self'" in r.headers["Content-Security-Policy"]
        assert "crate.playing" in html and "<script src=" not in html  # one inlined document
        with connect(f"ws://127.0.0.1:{web.port}/ws?token={web.token}") as ws:
            ws.send(json.dumps({"type": "action", "name": "crate.energy", "value": "down"}))
            ws.send(json.dumps({"type": "action", "name": "crate.playing", "value": _id(comp, "dnb")}))
            ws.send(json.dumps({"type": "action", "name": "crate.energy", "value": "sideways"}))
            deadline = time.monotonic() + 10
            while (comp.direction != "down" or comp.playing.id != _id(comp, "dnb")) and time.monotonic() < deadline:
                time.sleep(0.05)
        assert comp.direction == "down" and comp.playing.id == _id(comp, "dnb") and comp.playing_source == "web"
        deadline = time.monotonic() + 5
        while web.bad_messages < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert web.bad_messages == 1
    finally:
        web.stop()


def _bars(comp, n, t0=0.0):
    for i in range(n):
        comp(None, Features(t=t0 + i * 2.0, downbeat=True, beat=True, bpm=100.0))
        comp(None, Features(t=t0 + i * 2.0 + 1.0, bpm=100.0))


def test_auto_look_switches_on_phrases_and_yields_to_the_performer(companion):
    comp, st = companion, companion.state
    comp.every = 1e9  # no identification here
    comp.tell_playing(_id(comp, "downtempo"))
    st.drain_actions()
    _bars(comp, 8)
    assert not [a for a in st.drain_actions() if a.name == "pack"]  # auto is off: nothing changes
    assert comp.look is not None and comp.look.persona == "teamlab"  # ... but the look is known
    comp.set_auto(True)
    _bars(comp, 3)
    assert not [a for a in st.drain_actions() if a.name == "pack"]  # only on a phrase boundary (every 8 bars)
    _bars(comp, 5)
    acts = [a for a in st.drain_actions() if a.name == "pack"]
    assert [(a.value, a.source) for a in acts] == [("teamlab", "crate")]
    assert st.get("fx.hue.amount") == pytest.approx(comp.look.hue_shift, abs=1e-6)
    st.pack = "teamlab"
    # the performer picks a pack on the APC: auto stops at once
    st.trigger("pack", "ikeda", source="apc")
    assert not comp.auto and any("auto look off" in m and "apc" in m for m in comp.said)
    st.pack = "ikeda"
    st.drain_actions()
    _bars(comp, 16)
    assert not [a for a in st.drain_actions() if a.name == "pack"]
    # turned back on from a pad bound to `toggle crate.auto`: the engine flips the toggle
    st.toggle("crate.auto")
    _bars(comp, 8)
    assert [a.value for a in st.drain_actions() if a.name == "pack"] == ["teamlab"]
    assert any("auto look on (toggled)" in m for m in comp.said)


def test_hearing_the_track_from_the_show_audio(companion, crate_db):
    from vjhost.analysis.live import TimelineSource
    from vjhost.audio.files import read_audio

    comp = companion
    _, files = crate_db
    path, spec = files[2]  # the house track
    audio, sr = read_audio(path, sr=48000, mono=True)
    src = TimelineSource(timeline=None, mono=audio[:, 0], sample_rate=sr)
    comp.attach_source(src)
    t = 10.0
    deadline = time.monotonic() + 30
    while (comp.playing is None) and time.monotonic() < deadline:
        while comp._busy and time.monotonic() < deadline:
            time.sleep(0.02)
        comp(None, Features(t=t, bpm=124.0, beat_confidence=0.8))
        t += 0.5
    assert comp.playing is not None and comp.playing.title == path.stem and comp.playing_source == "heard"
    assert comp.last_match[0]["id"] == comp.playing.id and comp.suggestions


def test_a_companion_error_never_reaches_the_render_loop(companion):
    comp = companion
    comp.tell_playing(_id(comp, "techno"))
    comp.tracks.append(object())  # a broken crate entry
    for i in range(3):
        comp(None, Features(t=9.0 + i, downbeat=True))  # identification and look may fail: never raise
    time.sleep(0.5)
    comp(None, "not features")  # type: ignore[arg-type]
    assert comp.errors >= 1 and sum("companion error" in m for m in comp.said) == 1


def test_vjhost_run_with_the_crate_hears_the_track(crate_db, tmp_path):
    """The real show in a window (Xvfb): --crate hears the file it plays; no camera is one line and nothing else."""
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    for n in range(140, 170):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            break
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
            if time.time() > deadline or xvfb.poll() is not None:
                pytest.skip("Xvfb did not start")
            time.sleep(0.05)
        db, files = crate_db
        path, _ = files[1]  # the techno track
        env = {**os.environ, "DISPLAY": f":{n}", "JACK_NO_START_SERVER": "1"}
        env.pop("PYOPENGL_PLATFORM", None)
        r = subprocess.run([sys.executable, "-m", "vjhost", "run", "--pack", "ikeda", "--size", "160x90", "--seconds",
                            "11", "--no-midi", "--no-link", "--osc-port", "0", "--audio", str(path), "--crate", str(db),
                            "--auto-look", "--room-camera", "/dev/video-vjhost-none"],
                           env=env, capture_output=True, text=True, timeout=150)
    finally:
        xvfb.terminate()
        xvfb.wait(5)
    text = r.stdout + r.stderr
    assert r.returncode == 0, r.stderr
    assert "crate companion: 4 tracks" in text and "auto look on" in text
    assert "now playing" in text and path.stem in text and "heard" in text
    assert sum("no camera" in ln for ln in text.splitlines()) == 1 and "WARN" not in text


class _FileInput:
    """A live input at the edge: hands out a file's samples hop by hop, as PortAudio's callback ring would."""

    def __init__(self, mono):
        self.mono, self.pos, self.alive = mono, 0, True

    def start(self):
        pass

    def stop(self):
        pass

    def read_hop(self, hop):
        if self.pos + hop > len(self.mono):
            time.sleep(0.01)
            return None
        b = self.mono[self.pos:self.pos + hop]
        self.pos += hop
        return b

    def position(self):
        return self.pos / 48000


def test_hearing_the_track_from_the_live_input(companion, crate_db, host):
    """From the live analysis thread: the companion taps the hops into its window and identifies the track."""
    from vjhost.analysis.live import LiveAnalysis
    from vjhost.audio.files import read_audio
    from vjhost.engine import HOP, make_analyzers
    from vjhost.faults import FaultLog

    comp = companion
    _, files = crate_db
    path, _ = files[3]  # the drum & bass track
    audio, sr = read_audio(path, sr=48000, mono=True)
    live = LiveAnalysis(lambda: _FileInput(audio[:, 0]), make_analyzers(host, FaultLog(stream=None)), HOP, stream=None)
    comp.attach_source(live)
    assert comp.window in live.analyzers
    live.start()
    try:
        deadline = time.monotonic() + 60
        while comp.playing is None and time.monotonic() < deadline:
            while comp._busy and time.monotonic() < deadline:
                time.sleep(0.02)
            comp(None, live.features(0.0))
            time.sleep(0.2)
    finally:
        live.stop()
    assert comp.window.seconds > 3.0
    assert comp.playing is not None and comp.playing.title == path.stem and comp.playing_source == "heard"
    assert "room.energy" not in comp.state.params()  # no camera: no new parameter either


def test_room_energy_reaches_the_controls_and_the_ranking(companion):
    class Room:  # what RoomCamera offers the companion
        energy = 0.1
        status = "live"

    comp, st = companion, companion.state
    comp.room = Room()
    comp.every = 1e9
    comp(None, Features(t=1.0))
    assert st.get("room.energy") == pytest.approx(0.1)  # what a latent controller reads: controls.get("room.energy")
    comp.tell_playing(_id(comp, "house"))
    comp.set_direction("room")
    quiet = [s.track.id for s in comp.suggestions]
    assert all("asked up" in s.reasons[-1] for s in comp.suggestions)  # a still floor: take it up
    Room.energy = 0.9
    comp(None, Features(t=2.0))
    comp.set_direction("room")
    assert all("asked" not in s.reasons[-1] for s in comp.suggestions) and st.get("room.energy") == pytest.approx(0.9)
    assert quiet and comp.snapshot()["room"] == pytest.approx(0.9)
