"""JACK MIDI through a helper process, so that no JACK round trip ever stops the picture.

python-rtmidi holds the GIL in every call it makes.  On JACK, opening or
closing a port (or a client) is a round trip to the server, and right after a
device came or went the server can take a second or more to answer: in the
show's process that second is a second without a frame.  So on JACK the
:class:`~vjhost.control.midi.MidiSurface` talks to a small helper process
(``python -m vjhost.control.midi_bridge``) that owns the rtmidi objects: the
show sends it JSON lines (list the ports, open, send, close) and reads back
the replies and the incoming messages; it only ever waits on a pipe, without
the GIL.  When the JACK server dies the helper is simply killed (its dead
clients are never touched) and a new one is started once a server is back.

:class:`MidiBridge` looks like the part of a mido backend the surface uses
(``name``, ``api``, ``open_input(name, callback=)``, ``open_output(name)``)
plus the lister's ``names()`` and ``close()``.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from typing import Any, Callable

import mido

__all__ = ["BridgeError", "BridgePort", "MidiBridge"]

NAME = "mido.backends.rtmidi/UNIX_JACK"
TIMEOUT = 10.0  #: seconds to wait for the helper's answer to a request


class BridgeError(OSError):
    """The helper could not do it (no server, no such port) or is gone."""


class BridgePort:
    """An input or output port held by the helper."""

    def __init__(self, bridge: "MidiBridge", pid: int, name: str, is_input: bool) -> None:
        self.bridge, self.id, self.name, self.is_input = bridge, pid, name, is_input
        self.closed = False

    def send(self, msg: mido.Message) -> None:
        if self.closed:
            raise BridgeError(f"{self.name}: port closed")
        self.bridge._tell({"op": "send", "id": self.id, "b": list(msg.bytes())})

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.bridge._callbacks.pop(self.id, None)
            self.bridge._tell({"op": "close", "id": self.id})  # no answer awaited: the helper takes its time


class MidiBridge:
    """The helper process and the show's side of it.  Raises :class:`BridgeError` if it can't start."""

    name = NAME
    api = "UNIX_JACK"

    def __init__(self) -> None:
        self._proc = subprocess.Popen([sys.executable, "-m", "vjhost.control.midi_bridge"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
        self._lock = threading.Lock()
        self._next = 0
        self._waiting: dict[int, list] = {}  # request id -> [event, reply]
        self._callbacks: dict[int, Callable[[mido.Message], None]] = {}
        self._reader = threading.Thread(target=self._read, name="vjhost-midi-bridge", daemon=True)
        self._reader.start()
        try:
            self._ask({"op": "hello"})
        except BridgeError:
            self.close()
            raise

    # ---------------------------------------------------------------- what the surface calls
    def names(self) -> tuple[list[str], list[str]]:
        r = self._ask({"op": "list"})
        return list(r["inputs"]), list(r["outputs"])

    def open_input(self, name: str, callback: Callable[[mido.Message], None] | None = None) -> BridgePort:
        pid = self._ask({"op": "open_in", "name": name})["id"]
        if callback is not None:
            self._callbacks[pid] = callback
        return BridgePort(self, pid, name, True)

    def open_output(self, name: str) -> BridgePort:
        return BridgePort(self, self._ask({"op": "open_out", "name": name})["id"], name, False)

    def get_input_names(self) -> list[str]:
        return self.names()[0]

    def get_output_names(self) -> list[str]:
        return self.names()[1]

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        """End the helper: it closes its clients on the way out (a live server) ..."""
        self._stop(kill=False)

    def kill(self) -> None:
        """... or just dies (its JACK server died: its clients must not be touched)."""
        self._stop(kill=True)

    # ---------------------------------------------------------------- the pipe
    def _stop(self, kill: bool) -> None:
        p = self._proc
        if p.poll() is None:
            if kill:
                p.kill()
            else:
                try:
                    p.stdin.close()  # EOF: it closes its ports and exits
                except OSError:
                    pass
                try:
                    p.wait(TIMEOUT)
                except subprocess.TimeoutExpired:
                    p.kill()
        p.wait()
        for f in (p.stdin, p.stdout):
            try:
                f.close()
            except OSError:
                pass
        with self._lock:
            for waiter in self._waiting.values():
                waiter[0].set()

    def _tell(self, cmd: dict) -> None:
        data = (json.dumps(cmd) + "\n").encode()
        try:
            with self._lock:
                self._proc.stdin.write(data)
        except (OSError, ValueError) as exc:
            raise BridgeError(f"the MIDI helper is gone ({exc})") from None

    def _ask(self, cmd: dict, timeout: float = TIMEOUT) -> dict:
        with self._lock:
            self._next += 1
            rid = self._next
            waiter = self._waiting[rid] = [threading.Event(), None]
        try:
            self._tell({**cmd, "re": rid})
            if not waiter[0].wait(timeout):
                raise BridgeError(f"the MIDI helper did not answer {cmd['op']!r} within {timeout:g} s")
        finally:
            with self._lock:
                self._waiting.pop(rid, None)
        reply = waiter[1]
        if reply is None:
            raise BridgeError("the MIDI helper is gone")
        if "error" in reply:
            raise BridgeError(reply["error"])
        return reply

    def _read(self) -> None:
        for line in self._proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "in" in msg:
                cb = self._callbacks.get(msg["in"])
                if cb is not None:
                    try:
                        cb(mido.Message.from_bytes(msg["b"]))
                    except (ValueError, TypeError):
                        pass  # not a message mido knows: dropped, as rtmidi would
                continue
            with self._lock:
                waiter = self._waiting.get(msg.get("re"))
            if waiter is not None:
                waiter[1] = msg
                waiter[0].set()
        with self._lock:
            for waiter in self._waiting.values():
                waiter[0].set()


# --------------------------------------------------------------------------- the helper


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: it ends on stdin's EOF instead
        pass


def _helper() -> int:
    _die_with_parent()
    import rtmidi

    from .quiet import silence_native_audio_logs

    silence_native_audio_logs()
    api = rtmidi.API_UNIX_JACK
    out = sys.stdout
    ports: dict[int, Any] = {}
    inputs: dict[int, Any] = {}
    lister: list[Any] = []
    counter = [0]

    def say(obj: dict) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    def listers() -> tuple[Any, Any]:
        if not lister:
            lister.extend((rtmidi.MidiIn(rtapi=api), rtmidi.MidiOut(rtapi=api)))
        return lister[0], lister[1]

    def handle(cmd: dict) -> None:
        op, rid = cmd.get("op"), cmd.get("re")
        try:
            if op == "hello":
                reply: dict = {}
            elif op == "list":
                mi, mo = listers()
                reply = {"inputs": mi.get_ports(), "outputs": mo.get_ports()}
            elif op in ("open_in", "open_out"):
                name = cmd["name"]
                rt = (rtmidi.MidiIn(rtapi=api, queue_size_limit=4096) if op == "open_in"
                      else rtmidi.MidiOut(rtapi=api))
                names = rt.get_ports()
                if name not in names:
                    rt.delete()
                    raise OSError(f"unknown port {name!r}")
                if op == "open_in":
                    rt.ignore_types(sysex=False, timing=False, active_sense=True)
                rt.open_port(names.index(name))
                counter[0] += 1
                ports[counter[0]] = rt
                if op == "open_in":
                    inputs[counter[0]] = rt
                reply = {"id": counter[0]}
            elif op == "send":
                ports[cmd["id"]].send_message(cmd["b"])
                return
            elif op == "close":
                rt = ports.pop(cmd["id"], None)
                inputs.pop(cmd["id"], None)
                if rt is not None:
                    rt.close_port()
                    rt.delete()
                return
            else:
                raise ValueError(f"unknown op {op!r}")
        except Exception as exc:  # noqa: BLE001 - answered, never fatal
            if rid is not None:
                say({"re": rid, "error": f"{type(exc).__name__}: {exc}"})
            return
        if rid is not None:
            say({"re": rid, **reply})

    fd = sys.stdin.fileno()
    buf = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.003)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break  # the show let go of us
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    handle(json.loads(line))
                except ValueError:
                    pass
        for pid, rt in list(inputs.items()):  # polled: no Python in JACK's process thread
            while (m := rt.get_message()) is not None:
                say({"in": pid, "b": list(m[0])})
    for rt in list(ports.values()) + lister:
        try:
            rt.close_port()
            rt.delete()
        except Exception:  # noqa: BLE001
            pass
    return 0


if __name__ == "__main__":
    sys.exit(_helper())
