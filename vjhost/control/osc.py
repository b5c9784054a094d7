"""OSC control: every parameter and action of :class:`~vjhost.control.state.ControlState` over UDP.

One server on one port (default 9000, localhost only unless opened with
``--osc-host 0.0.0.0``) takes the whole ``/vj/...`` address space, including
the tempo messages ``/vj/bpm`` and ``/vj/tap`` that it hands to an
:class:`~vjhost.analysis.tempo.OscTempo` (pass it as ``tempo=``; that instance
is never started, so there is no second server).  The address space, with
examples and a TouchOSC layout, is in ``docs/osc.md``:

=============================  =================================================
``/vj/pack <name|index>``      switch pack (``/vj/pack/<name|index> [1]`` too)
``/vj/scene <index|name>``     switch scene (``/vj/scene/<index|name> [1]`` too)
``/vj/param/<name> <float>``   set a parameter in its own range
``/vj/paramn/<name> <0..1>``   set a parameter from a normalised fader
``/vj/action/<name> [value]``  any action: toggle, blackout, freeze, tap, scene,
                               pack, transition, learn, hud, bpm
``/vj/toggle/<name> [1|0]``    flip an effect toggle (0, a button release, is ignored)
``/vj/blackout [1|0]``         blackout on/off (no value: flip); ``/vj/freeze`` alike
``/vj/bpm <float>``            external tempo (20..400)
``/vj/tap [1]``                tap tempo (0, a button release, is ignored)
``/vj/transition [kind]``      start a transition
``/vj/state``                  reply to the sender with the full state, then ``/vj/state/end <n>``
``/vj/crate/playing <id|name>``  the crate companion: what is playing (``energy <keep|up|down|room>``,
                               ``auto [1|0]`` too; docs/crate.md)
=============================  =================================================

Feedback: every change of the state (parameters, pack, scene, blackout,
freeze, toggles, tempo and beat when the render loop reports them with
:meth:`OscControl.update_tempo`) is sent as the same addresses
(``/vj/param/<name>`` and ``/vj/paramn/<name>``, ``/vj/scene``,
``/vj/pack``, ``/vj/bpm``, ``/vj/beat`` ...) to every client that has sent a
valid message (at its source address), or, with ``feedback_port``, to each
client's host at that port, or, with ``feedback_host`` too, to that one
address only.

Nothing a client sends can stop the server: datagrams that are not OSC, or
known addresses with unusable arguments, are counted in :attr:`malformed`
(the first one is reported, once, naming the sender: a flood costs one line);
well-formed messages to addresses (or parameter/action names) we do not have
are counted in :attr:`unknown`; both are otherwise ignored.  Packets are
handled one at a time, in arrival order (a fader sweep ends where it stopped).
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections import OrderedDict
from typing import Any, Iterable

from .state import ControlState

DEFAULT_PORT = 9000
PREFIX = "/vj"
SOURCE = "osc"
#: actions ``/vj/action/<name>`` may ask for (``quit`` is deliberately not one: no remote off switch)
ACTIONS = ("pack", "scene", "toggle", "tap", "blackout", "freeze", "transition", "learn", "hud", "bpm", "param")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_CLIENTS = 16  #: feedback goes to the most recent senders, at most this many
CLIENT_TTL = 600.0  #: a client that has said nothing for this long gets no more feedback


#: ``/vj/crate/<name>``: what is playing (a track id or a file-name part), the energy direction, the auto look
CRATE = ("playing", "energy", "auto")


def _crate_value(name: str, args: tuple) -> Any:
    v = args[0] if args else None
    if name == "auto":
        return _as_flag(args)
    if name == "energy" and v in ("keep", "up", "down", "room"):
        return v
    if name == "playing" and isinstance(v, str) and v.strip():
        return v.strip()
    if name == "playing" and not isinstance(v, bool) and isinstance(v, (int, float)) and float(v).is_integer():
        return int(v)
    raise _Bad(f"/vj/crate/{name}: unusable argument {v!r}")


class _Bad(Exception):
    """A known address with arguments we cannot use (counted as malformed)."""


class _Unknown(Exception):
    """A well-formed message to an address, parameter or action we do not have."""


def _number(args: tuple, index: int = 0) -> float:
    if len(args) <= index:
        raise _Bad("missing number")
    v = args[index]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad(f"expected a number, got {v!r}")
    v = float(v)
    if not math.isfinite(v):
        raise _Bad("not a finite number")
    return v


def _pressed(args: tuple) -> bool:
    """No argument, or a true/non-zero first argument (a TouchOSC button's press; 0 is its release)."""
    if not args:
        return True
    v = args[0]
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isnan(v):
            raise _Bad("nan")
        return v != 0
    if v is None:
        return True
    raise _Bad(f"expected nothing or a number, got {v!r}")


def _as_flag(args: tuple) -> bool | None:
    """``None`` (flip) without an argument, else the argument as on/off."""
    if not args or args[0] is None:
        return None
    return _pressed(args)


_BUNDLE = b"#bundle\x00"
MAX_BUNDLE_DEPTH = 8


def parse_datagram(data: bytes) -> list[tuple[str, tuple]]:
    """The ``(address, args)`` messages of one UDP payload, bundles flattened and their time tags ignored.

    Raises ``ValueError`` for anything that is not entirely OSC (a bundle with one bad
    element is rejected whole, as are bundles nested deeper than ``MAX_BUNDLE_DEPTH``).
    """
    from pythonosc.osc_message import OscMessage

    out: list[tuple[str, tuple]] = []
    todo = [(bytes(data), 0)]
    while todo:
        dgram, depth = todo.pop()
        if dgram.startswith(_BUNDLE):
            if depth >= MAX_BUNDLE_DEPTH or len(dgram) < 16:
                raise ValueError("bundle too deep or too short")
            i, items = 16, []  # prefix + 8-byte time tag (ignored: everything happens now)
            while i < len(dgram):
                if i + 4 > len(dgram):
                    raise ValueError("truncated bundle element size")
                size = int.from_bytes(dgram[i:i + 4], "big", signed=True)
                if size <= 0 or size % 4 or i + 4 + size > len(dgram):
                    raise ValueError("bad bundle element size")
                items.append((dgram[i + 4:i + 4 + size], depth + 1))
                i += 4 + size
            todo.extend(reversed(items))
        elif dgram.startswith(b"/"):
            _check_type_tags(dgram)
            m = OscMessage(dgram)
            out.append((m.address, tuple(m.params)))
        else:
            raise ValueError("neither an OSC message nor a bundle")
    return out


_TYPE_TAGS = frozenset(b"ifdsbhtTFNIcrm[]")


def _check_type_tags(dgram: bytes) -> None:
    """Reject type tags python-osc would skip with a log line (garbage must not spam the log)."""
    end = dgram.find(b"\0")
    if end < 0:
        raise ValueError("unterminated address")
    i = (end // 4 + 1) * 4
    if i >= len(dgram):
        return  # no type tag string: an old-style message without arguments
    if dgram[i:i + 1] != b",":
        raise ValueError("no type tag string")
    tend = dgram.find(b"\0", i)
    if tend < 0 or any(c not in _TYPE_TAGS for c in dgram[i + 1:tend]):
        raise ValueError("bad type tags")


class OscControl:
    """The OSC server.  ``start()`` / ``stop()``; never raises for network trouble (see :attr:`error`).

    :param state: the control state everything is read from and written to.
    :param host: the address to listen on; ``127.0.0.1`` unless the user opens it.
    :param port: UDP port (0: any free one, see :attr:`address`).
    :param feedback_port: send feedback to each client's host at this port (TouchOSC's
        "incoming" port) instead of the client's source port.  An ``"host:port"``
        string or a ``(host, port)`` pair sets :attr:`feedback_host` as well.
    :param tempo: an :class:`~vjhost.analysis.tempo.OscTempo` (not started) that
        ``/vj/bpm`` and ``/vj/tap`` feed; without one they become the actions
        ``bpm`` and ``tap`` on ``state``.
    :param feedback_host: with ``feedback_port``: send feedback only there.
    :param feedback_interval: seconds between checks of the state for changes.
    :param faults: where the first malformed packet is reported (stderr if None).
    """

    def __init__(self, state: ControlState, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 feedback_port: int | str | tuple[str, int] | None = None, tempo: Any = None,
                 feedback_host: str | None = None, feedback_interval: float = 0.02, faults: Any = None) -> None:
        self.state = state
        self.faults = faults
        self._bad_said = False
        self.host, self.port = host, int(port)
        if isinstance(feedback_port, str) and ":" in feedback_port:
            h, _, p = feedback_port.rpartition(":")
            feedback_host, feedback_port = h or feedback_host, int(p)
        elif isinstance(feedback_port, (tuple, list)):
            feedback_host, feedback_port = feedback_port[0], int(feedback_port[1])
        self.feedback_port = None if feedback_port is None else int(feedback_port)
        self.feedback_host = feedback_host if self.feedback_port is not None else None
        self.tempo = tempo
        self.feedback_interval = feedback_interval
        #: counters (read them from any thread)
        self.received = 0  #: messages that did something
        self.malformed = 0  #: datagrams that are not OSC, or known addresses with bad arguments
        self.unknown = 0  #: well-formed messages to addresses / names we do not have
        self.sent = 0  #: feedback messages sent
        self.error: str | None = None  #: why the server is not running
        self.warning: str | None = None  #: e.g. "open to the network on 0.0.0.0:9000"
        self.address: tuple[str, int] | None = None  #: where it listens, once started
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._clients: OrderedDict[tuple[str, int], float] = OrderedDict()
        self._sent_state: dict[str, Any] = {}  #: address -> the value clients were last told
        self._seen_version = -1
        self._bpm: float | None = None
        self._beat: int | None = None
        self._beat_sent: int | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> "OscControl":
        if self._sock is not None:
            return self
        try:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # room for a burst of fader moves
            except OSError:
                pass
            try:
                sock.bind((self.host, self.port))
            except Exception:
                sock.close()
                raise
            sock.settimeout(0.1)
        except Exception as exc:  # noqa: BLE001 - port in use, bad host: report, do not stop the show
            self.error = f"OSC server on {self.host}:{self.port} unavailable: {type(exc).__name__}: {exc}"
            return self
        self._sock = sock
        self.address = tuple(sock.getsockname()[:2])  # type: ignore[assignment]
        self.error = None
        if self.host not in LOCAL_HOSTS:
            self.warning = f"OSC control is open to the network on {self.host}:{self.address[1]}"
        if self.tempo is not None:
            try:  # the tempo source's status (HUD) shows where its messages arrive
                self.tempo.address = self.address
            except Exception:  # noqa: BLE001
                pass
        self._stop.clear()
        self._threads = [threading.Thread(target=self._serve, name="vjhost-osc-control", daemon=True),
                         threading.Thread(target=self._feedback_loop, name="vjhost-osc-feedback", daemon=True)]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        self._threads = []
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def __enter__(self) -> "OscControl":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._sock is not None and any(t.is_alive() for t in self._threads)

    @property
    def clients(self) -> list[tuple[str, int]]:
        with self._lock:
            return list(self._clients)

    def update_tempo(self, bpm: float | None = None, beat_count: int | None = None) -> None:
        """Call once per frame from the render loop (``f.bpm``, ``f.beat_count``): feeds ``/vj/bpm`` and
        ``/vj/beat``."""
        if bpm is not None:
            self._bpm = float(bpm)
        if beat_count is not None:
            self._beat = int(beat_count)

    # ---------------------------------------------------------------- receiving
    def _serve(self) -> None:
        sock = self._sock
        while not self._stop.is_set() and sock is not None:
            try:
                data, addr = sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue  # e.g. ICMP port unreachable from a gone feedback client (ECONNREFUSED)
            try:
                self.handle_datagram(data, addr)
            except Exception:  # noqa: BLE001 - nothing a client sends stops the server
                with self._lock:
                    self.malformed += 1
            if self.malformed and not self._bad_said:
                self._say_malformed(addr)

    def _say_malformed(self, addr: tuple[str, int] | None) -> None:
        """Once per server: somebody sends garbage.  The rest is only counted (see :meth:`status`)."""
        self._bad_said = True
        who = f"{addr[0]}:{addr[1]}" if addr else "a client"
        msg = f"malformed packets from {who} are ignored (counted in the OSC status)"
        if self.faults is not None:
            self.faults.report("osc", msg)
        else:
            import sys

            print(f"vjhost: osc: {msg}", file=sys.stderr, flush=True)

    def handle_datagram(self, data: bytes, addr: tuple[str, int] | None = None) -> None:
        """Handle one UDP payload (a message or a bundle; bundle time tags are ignored: everything is now)."""
        try:
            messages = parse_datagram(data)
        except Exception:  # noqa: BLE001 - ParseError, and anything odder
            messages = []
        if not messages:  # not OSC, a broken bundle, or a bundle with nothing in it
            with self._lock:
                self.malformed += 1
            return
        for address, args in messages:
            self.handle_message(address, args, addr)

    def handle_message(self, address: str, args: Iterable[Any] = (), addr: tuple[str, int] | None = None) -> bool:
        """Apply one message; True if it did something.  Counts malformed/unknown ones instead of raising."""
        args = tuple(args)
        try:
            self._dispatch(address, args, addr)
        except _Unknown:
            with self._lock:
                self.unknown += 1
            return False
        except Exception:  # noqa: BLE001 - _Bad, and anything a state call raises on odd input
            with self._lock:
                self.malformed += 1
            return False
        with self._lock:
            self.received += 1
            if addr is not None:
                self._clients[addr] = time.monotonic()
                self._clients.move_to_end(addr)
                while len(self._clients) > MAX_CLIENTS:
                    self._clients.popitem(last=False)
        return True

    def _dispatch(self, address: str, args: tuple, addr: tuple[str, int] | None) -> None:
        if not isinstance(address, str) or not address.startswith(PREFIX + "/"):
            raise _Unknown(address)
        parts = address[len(PREFIX) + 1:].split("/", 1)
        head, rest = parts[0], (parts[1] if len(parts) > 1 else "")
        st = self.state
        if head in ("param", "paramn") and rest:
            v = _number(args)
            if rest not in st.params():
                raise _Unknown(rest)
            (st.set if head == "param" else st.set_normalized)(rest, v)
        elif head == "action" and rest:
            if rest not in ACTIONS:
                raise _Unknown(rest)
            self._action(rest, args)
        elif rest and head in ("pack", "scene", "toggle"):
            if _pressed(args):  # TouchOSC button per item: press selects, release does nothing
                self._action(head, (rest,))
        elif head == "crate" and rest in CRATE:  # the AI-DJ companion (vjhost.crate.companion)
            st.trigger(f"crate.{rest}", _crate_value(rest, args), source=SOURCE)
        elif rest:
            raise _Unknown(address)
        elif head == "state":
            if addr is None:
                raise _Bad("no sender to reply to")
            self._send_state(addr)
        elif head in ACTIONS and head not in ("param", "learn", "hud"):
            self._action(head, args)
        else:
            raise _Unknown(address)

    def _action(self, name: str, args: tuple) -> None:
        st = self.state
        v = args[0] if args else None
        if name == "tap":
            if _pressed(args):
                if self.tempo is not None:
                    self.tempo.accept_tap()
                else:
                    st.trigger("tap", source=SOURCE)
        elif name == "bpm":
            bpm = _number(args)
            if self.tempo is not None:
                if not self.tempo.accept_bpm(bpm):
                    raise _Bad(f"bpm {bpm} out of range 20..400")
            elif 20.0 <= bpm <= 400.0:
                st.trigger("bpm", bpm, source=SOURCE)
            else:
                raise _Bad(f"bpm {bpm} out of range 20..400")
        elif name == "pack":
            st.trigger("pack", self._pack(v), source=SOURCE)
        elif name == "scene":
            st.trigger("scene", self._scene(v), source=SOURCE)
        elif name == "toggle":
            if not isinstance(v, str) or not v:
                raise _Bad("toggle needs a name")
            st.trigger("toggle", v, source=SOURCE)
        elif name in ("blackout", "freeze"):
            st.trigger(name, _as_flag(args), source=SOURCE)
        elif name == "transition":
            if isinstance(v, str):
                st.trigger("transition", v or None, source=SOURCE)
            elif _pressed(args):
                st.trigger("transition", None, source=SOURCE)
        elif name == "learn":
            if not isinstance(v, str) or not v.strip():
                raise _Bad("learn needs a target (a parameter name or an action like \"scene:2\")")
            st.trigger("learn", v.strip(), source=SOURCE)
        elif name == "hud":
            if _pressed(args):
                st.trigger("hud", source=SOURCE)
        elif name == "param":
            if len(args) != 2 or not isinstance(args[0], str):
                raise _Bad("param needs a name and a value")
            if args[0] not in st.params():
                raise _Unknown(args[0])
            st.set(args[0], _number(args, 1))
        else:  # pragma: no cover - ACTIONS and this list agree
            raise _Unknown(name)

    def _pack(self, v: Any) -> str:
        packs = self.state.packs
        if isinstance(v, str) and v.strip().lstrip("-").isdigit() and v.strip() not in packs:
            v = int(v)
        if isinstance(v, str) and v:
            if packs and v not in packs:
                raise _Unknown(v)
            return v
        i = int(_number((v,)))
        if not 0 <= i < len(packs):
            raise _Unknown(f"pack {i}")
        return packs[i]

    def _scene(self, v: Any) -> int:
        scenes = self.state.scenes
        if isinstance(v, str):
            s = v.strip()
            if s in scenes:
                return scenes.index(s)
            if s.isdigit():
                v = int(s)
            else:
                raise _Unknown(v)
        x = _number((v,))
        if x != int(x) or x < 0 or (scenes and x >= len(scenes)):
            raise _Bad(f"scene {v!r}")
        return int(x)

    # ---------------------------------------------------------------- sending
    def _targets(self) -> list[tuple[str, int]]:
        if self.feedback_port is not None and self.feedback_host:
            return [(self.feedback_host, self.feedback_port)]
        now = time.monotonic()
        with self._lock:
            for a in [a for a, t in self._clients.items() if now - t > CLIENT_TTL]:
                del self._clients[a]
            clients = list(self._clients)
        if self.feedback_port is not None:
            return list(dict.fromkeys((h, self.feedback_port) for h, _ in clients))
        return clients

    def _send(self, messages: list[tuple[str, Any]], targets: list[tuple[str, int]]) -> None:
        sock = self._sock
        if sock is None or not targets or not messages:
            return
        from pythonosc.osc_message_builder import OscMessageBuilder

        for address, value in messages:
            b = OscMessageBuilder(address)
            for v in (value if isinstance(value, tuple) else (value,)):
                b.add_arg(v)
            dgram = b.build().dgram
            for t in targets:
                try:
                    sock.sendto(dgram, t)
                    self.sent += 1
                except OSError:
                    pass  # a client that went away: UDP, nothing to do

    def _state_messages(self) -> list[tuple[str, Any]]:
        st = self.state
        out: list[tuple[str, Any]] = []
        values = st.snapshot()
        for name, spec in sorted(st.params().items()):
            v = values.get(name, spec.default)
            out.append((f"{PREFIX}/param/{name}", float(v)))
            span = spec.max - spec.min
            out.append((f"{PREFIX}/paramn/{name}", 0.0 if span == 0 else (float(v) - spec.min) / span))
        out.append((f"{PREFIX}/pack", st.pack or ""))
        out.append((f"{PREFIX}/scene", int(st.scene)))
        if st.scenes and 0 <= st.scene < len(st.scenes):
            out.append((f"{PREFIX}/scene/name", st.scenes[st.scene]))
        out.append((f"{PREFIX}/blackout", 1 if st.blackout else 0))
        out.append((f"{PREFIX}/freeze", 1 if st.freeze else 0))
        for name, on in sorted(dict(st.toggles).items()):
            out.append((f"{PREFIX}/toggle/{name}", 1 if on else 0))
        bpm = self._current_bpm()
        if bpm is not None:
            out.append((f"{PREFIX}/bpm", round(bpm, 2)))
        return out

    def _current_bpm(self) -> float | None:
        if self._bpm is not None:
            return self._bpm
        tempo_bpm = getattr(self.tempo, "bpm", None)
        return float(tempo_bpm) if tempo_bpm is not None else None

    def _send_state(self, addr: tuple[str, int]) -> None:
        msgs = self._state_messages()
        msgs.append((f"{PREFIX}/packs", tuple(self.state.packs) or ("",)))
        msgs.append((f"{PREFIX}/scenes", tuple(self.state.scenes) or ("",)))
        msgs.append((f"{PREFIX}/state/end", len(msgs)))
        target = addr
        if self.feedback_port is not None:
            target = (self.feedback_host or addr[0], self.feedback_port)
        self._send(msgs, [target])

    def _feedback_loop(self) -> None:
        while not self._stop.wait(self.feedback_interval):
            try:
                self._feedback_once()
            except Exception:  # noqa: BLE001 - feedback is best effort
                pass

    def _feedback_once(self) -> None:
        targets = self._targets()
        changed: list[tuple[str, Any]] = []
        if self.state.version != self._seen_version:
            self._seen_version = self.state.version
            for address, value in self._state_messages():
                if address == f"{PREFIX}/bpm":
                    continue
                if self._sent_state.get(address) != value:
                    self._sent_state[address] = value
                    changed.append((address, value))
        bpm = self._current_bpm()
        if bpm is not None:
            bpm = round(bpm, 1)
            if self._sent_state.get(f"{PREFIX}/bpm") != bpm:
                self._sent_state[f"{PREFIX}/bpm"] = bpm
                changed.append((f"{PREFIX}/bpm", bpm))
        if self._beat is not None and self._beat != self._beat_sent:
            self._beat_sent = self._beat
            changed.append((f"{PREFIX}/beat", self._beat))
        self._send(changed, targets)

    def status(self) -> dict[str, Any]:
        return {"address": self.address, "error": self.error, "warning": self.warning, "received": self.received,
                "malformed": self.malformed, "unknown": self.unknown, "sent": self.sent, "clients": self.clients}


__all__ = ["ACTIONS", "DEFAULT_PORT", "OscControl"]
