"""OscControl over real UDP on localhost: every address, feedback, garbage, the default bind address."""

from __future__ import annotations

import random
import socket
import time
from typing import Any, Callable

import pytest
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

from vjhost.analysis.tempo import OscTempo, TapTempo
from vjhost.control.osc import OscControl
from vjhost.control.state import ControlState
from vjhost.protocols import Param

SCENES = ["stripes", "scanlines", "barcode", "bitgrid"]
PACKS = ["ikeda", "bloom", "dust"]


def wait_for(pred: Callable[[], object], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.005)
    return bool(pred())


def make_state() -> ControlState:
    st = ControlState([Param("fx.feedback.amount", 0.0), Param("latent.speed", 1.0, 0.0, 4.0),
                       Param("master.brightness", 1.0)])
    st.scenes, st.packs, st.pack = list(SCENES), list(PACKS), "ikeda"
    return st


def dgram(address: str, *args: Any) -> bytes:
    b = OscMessageBuilder(address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram


class Client:
    """A UDP client with its own socket: sends to the server and collects what comes back."""

    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.got: list[tuple[str, tuple]] = []

    def send(self, address: str, *args: Any) -> None:
        self.sock.sendto(dgram(address, *args), self.server)

    def pump(self) -> list[tuple[str, tuple]]:
        while True:
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                return self.got
            for t in OscPacket(data).messages:
                self.got.append((t.message.address, tuple(t.message.params)))

    def wait(self, address: str, pred: Callable[[tuple], bool] = lambda a: True, timeout: float = 5.0) -> tuple:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for a, args in self.pump():
                if a == address and pred(args):
                    return args
        raise AssertionError(f"no {address} in {self.got[-20:]}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def osc():
    st = make_state()
    tap = TapTempo()
    tempo = OscTempo(tap=tap)  # never started: OscControl owns the port
    server = OscControl(st, port=0, tempo=tempo).start()
    assert server.error is None, server.error
    server.tap = tap
    yield server
    server.stop()


@pytest.fixture
def client(osc):
    c = Client(osc.address)
    yield c
    c.close()


def drained(st: ControlState, name: str, timeout: float = 5.0):
    """Wait for an action of ``name`` and return its value."""
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        seen += st.drain_actions()
        for a in seen:
            if a.name == name:
                assert a.source == "osc"
                return a.value
        time.sleep(0.005)
    raise AssertionError(f"no action {name!r} in {seen}")


def test_default_bind_address_is_localhost():
    st = make_state()
    server = OscControl(st, port=0)
    assert server.host == "127.0.0.1"
    server.start()
    try:
        assert server.address[0] == "127.0.0.1" and server.warning is None
    finally:
        server.stop()
    opened = OscControl(st, host="0.0.0.0", port=0).start()
    try:
        assert opened.warning and "open to the network" in opened.warning
    finally:
        opened.stop()


def test_port_in_use_is_reported_not_raised():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    try:
        server = OscControl(make_state(), port=s.getsockname()[1]).start()
        assert server.error and "unavailable" in server.error and not server.running
        server.stop()
    finally:
        s.close()


def test_params_raw_and_normalised(osc, client):
    st = osc.state
    client.send("/vj/param/latent.speed", 2.5)
    assert wait_for(lambda: st.get("latent.speed") == 2.5)
    client.send("/vj/paramn/latent.speed", 0.25)  # 0..1 onto 0..4
    assert wait_for(lambda: st.get("latent.speed") == 1.0)
    client.send("/vj/param/latent.speed", 99.0)  # clamped to the range
    assert wait_for(lambda: st.get("latent.speed") == 4.0)
    client.send("/vj/paramn/fx.feedback.amount", 1)  # an int is a number too
    assert wait_for(lambda: st.get("fx.feedback.amount") == 1.0)
    client.send("/vj/action/param", "master.brightness", 0.5)
    assert wait_for(lambda: st.get("master.brightness") == 0.5)
    client.send("/vj/param/no.such.param", 0.5)
    client.send("/vj/param/latent.speed", "fast")
    assert wait_for(lambda: osc.unknown == 1 and osc.malformed == 1)
    assert st.get("latent.speed") == 4.0


def test_pack_scene_and_actions(osc, client):
    st = osc.state
    client.send("/vj/pack", "bloom")
    assert drained(st, "pack") == "bloom"
    client.send("/vj/pack", 2)
    assert drained(st, "pack") == "dust"
    client.send("/vj/pack/ikeda", 1.0)
    assert drained(st, "pack") == "ikeda"
    client.send("/vj/scene", 3)
    assert drained(st, "scene") == 3
    client.send("/vj/scene", "scanlines")
    assert drained(st, "scene") == 1
    client.send("/vj/scene/2", 1.0)  # TouchOSC push button: press ...
    assert drained(st, "scene") == 2
    client.send("/vj/scene/2", 0.0)  # ... and release, which does nothing
    client.send("/vj/action/toggle", "fx.feedback")
    assert drained(st, "toggle") == "fx.feedback"
    client.send("/vj/toggle/fx.blur", 1.0)
    assert drained(st, "toggle") == "fx.blur"
    client.send("/vj/action/blackout")
    assert drained(st, "blackout") is None  # no value: flip
    client.send("/vj/blackout", 1)
    assert drained(st, "blackout") is True
    client.send("/vj/action/freeze", 0.0)
    assert drained(st, "freeze") is False
    client.send("/vj/transition", "crossfade")
    assert drained(st, "transition") == "crossfade"
    client.send("/vj/transition")
    assert drained(st, "transition") is None
    client.send("/vj/action/learn", "fx.feedback.amount")
    assert drained(st, "learn") == "fx.feedback.amount"
    client.send("/vj/pack", "no-such-pack")
    client.send("/vj/action/self_destruct")
    client.send("/vj/action/quit")  # no remote off switch
    client.send("/elsewhere/thing", 1)
    assert wait_for(lambda: osc.unknown == 4), osc.status()
    time.sleep(0.1)
    assert st.drain_actions() == []


def test_bpm_and_tap_feed_the_tempo_source(osc, client):
    tempo = osc.tempo
    client.send("/vj/bpm", 140.0)
    assert wait_for(lambda: tempo.bpm == 140.0)
    assert tempo.active(time.monotonic()) and tempo.address == osc.address
    client.send("/vj/bpm", 1000.0)
    client.send("/vj/bpm", "fast")
    assert wait_for(lambda: osc.malformed == 2)
    assert tempo.bpm == 140.0
    for _ in range(3):
        client.send("/vj/tap", 1.0)
        client.send("/vj/tap", 0.0)  # release: ignored
        time.sleep(0.25)
    client.send("/vj/action/tap")
    assert wait_for(lambda: len(osc.tap.taps) == 4)
    assert osc.tap.bpm is not None


def test_without_tempo_bpm_and_tap_become_actions():
    st = make_state()
    server = OscControl(st, port=0).start()
    c = Client(server.address)
    try:
        c.send("/vj/tap")
        assert drained(st, "tap") is None
        c.send("/vj/bpm", 128.0)
        assert drained(st, "bpm") == 128.0
    finally:
        c.close()
        server.stop()


def test_feedback_echo_and_state_query(osc, client):
    st = osc.state
    client.send("/vj/param/latent.speed", 3.0)
    assert client.wait("/vj/param/latent.speed", lambda a: a == (3.0,))
    assert client.wait("/vj/paramn/latent.speed", lambda a: a[0] == pytest.approx(0.75))
    # changes from elsewhere (the engine, another surface) reach the client too
    st.set("fx.feedback.amount", 0.5)
    assert client.wait("/vj/param/fx.feedback.amount", lambda a: a == (0.5,))
    st.scene = 2
    st.pack = "dust"
    st.blackout = True
    st.touch()
    assert client.wait("/vj/scene", lambda a: a == (2,))
    assert client.wait("/vj/pack", lambda a: a == ("dust",))
    assert client.wait("/vj/blackout", lambda a: a == (1,))
    osc.update_tempo(bpm=128.0, beat_count=7)
    assert client.wait("/vj/bpm", lambda a: a == (128.0,))
    assert client.wait("/vj/beat", lambda a: a == (7,))

    other = Client(osc.address)  # a second client: its query is answered to it alone
    try:
        other.send("/vj/state")
        end = other.wait("/vj/state/end")
        got = dict(other.got)
        assert end[0] == len(other.got) - 1
        assert got["/vj/param/latent.speed"] == (3.0,)
        assert got["/vj/paramn/master.brightness"] == (1.0,)
        assert got["/vj/scene"] == (2,) and got["/vj/scene/name"] == ("barcode",)
        assert got["/vj/pack"] == ("dust",) and got["/vj/packs"] == tuple(PACKS)
        assert got["/vj/scenes"] == tuple(SCENES) and got["/vj/bpm"] == (128.0,)
        assert got["/vj/blackout"] == (1,) and got["/vj/freeze"] == (0,)
        # and now it is a client: changes reach both
        st.set("latent.speed", 0.0)
        assert other.wait("/vj/param/latent.speed", lambda a: a == (0.0,))
        assert client.wait("/vj/param/latent.speed", lambda a: a == (0.0,))
        assert set(osc.clients) == {client.sock.getsockname(), other.sock.getsockname()}
    finally:
        other.close()


def test_fixed_feedback_address():
    st = make_state()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5.0)
    server = OscControl(st, port=0, feedback_port=listener.getsockname()[1], feedback_host="127.0.0.1").start()
    try:
        st.set("latent.speed", 2.0)  # nobody has sent anything: still goes to the fixed address
        deadline = time.monotonic() + 5
        seen = []
        while time.monotonic() < deadline and ("/vj/param/latent.speed", [2.0]) not in seen:
            data, _ = listener.recvfrom(65536)
            seen += [(t.message.address, t.message.params) for t in OscPacket(data).messages]
        assert ("/vj/param/latent.speed", [2.0]) in seen
    finally:
        server.stop()
        listener.close()


def test_thousands_of_random_and_malformed_packets(osc, client):
    st = osc.state
    before = st.snapshot()
    rng = random.Random(5)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host, port = osc.address
    n = 5000
    names = ["/vj/param/latent.speed", "/vj/paramn/fx.feedback.amount", "/vj/pack", "/vj/scene", "/vj/bpm",
             "/vj/action/toggle", "/vj/action/param", "/vj/toggle/x", "/vj/state"]
    for i in range(n):
        kind = i % 6
        if kind == 0:  # noise
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 80)))
        elif kind == 1:  # OSC-looking noise
            data = b"/vj/" + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
        elif kind == 2:  # known addresses, unusable arguments
            args = rng.choice([("fast",), (float("nan"),), (float("inf"),), (b"\x00\x01",), (True, 1, 2), ()])
            address = rng.choice(names[:7])
            if address == "/vj/action/param":
                args = (1.0, "x")
            data = dgram(address, *args)
        elif kind == 3:  # unknown addresses and names
            addr = rng.choice([f"/nope/{i}", f"/vj/param/nope{i}", f"/vj/action/nope{i}", f"/vj/x{i}", "/vj"])
            data = dgram(addr, 1.0)
        elif kind == 4:  # truncated / corrupted real messages
            good = dgram("/vj/param/latent.speed", 1.5)
            data = good[:rng.randint(1, len(good) - 1)] if rng.random() < 0.5 else \
                bytes(b ^ (rng.getrandbits(8) if rng.random() < 0.2 else 0) for b in good)
        else:  # bundles with garbage inside, far-future time tags
            data = b"#bundle\x00" + b"\xff" * 8 + (rng.randint(0, 64)).to_bytes(4, "big") + \
                bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
        sock.sendto(data, (host, port))
        if i % 100 == 99:  # let the server keep up: UDP drops what overflows the socket buffer
            wait_for(lambda i=i: osc.malformed + osc.unknown + osc.received >= i + 1, 2.0)
    sock.close()
    # corrupted real messages may still be valid (and set latent.speed): everything is accounted for
    assert wait_for(lambda: osc.malformed + osc.unknown + osc.received >= n * 0.95, 10.0), osc.status()
    assert osc.malformed > n / 3 and osc.unknown > n / 10, osc.status()
    assert osc.running
    st.set("latent.speed", 1.25)
    client.got.clear()
    client.send("/vj/state")
    client.wait("/vj/state/end")
    assert dict(client.got)["/vj/param/latent.speed"] == (1.25,)
    assert set(st.snapshot()) == set(before)  # no parameter appeared from nowhere
