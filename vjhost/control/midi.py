"""MIDI controllers on their own thread: find the port, drive the mapping, survive unplugging.

:class:`MidiSurface` scans the input port names, opens the first one a
registered :class:`~vjhost.protocols.MappingSpec` accepts (plus the output
port of the same device), sends the mapping's ``on_connect()`` messages, hands
every incoming message to ``mapping.handle`` and every ``feedback_interval``
sends ``mapping.feedback()``.  A port that goes away is reported once, closed,
and reopened (with its LEDs restored) when it comes back.  Nothing a mapping
does can stop the thread: its exceptions go to the :class:`~vjhost.faults.FaultLog`.

Linux without ALSA (containers, CI): run JACK (``jackd -d dummy``) and pass
``backend="mido.backends.rtmidi/UNIX_JACK"``; with ``backend=None`` the
surface tries mido's default and then JACK by itself.  On JACK the surface
also survives the server dying and coming back: its clients of the dead
server are abandoned, never touched again (see :mod:`vjhost.audio.jack`),
and new ones are made once a server is there.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections import deque
from typing import Any, Callable, Sequence

import mido

from ..faults import FaultLog
from ..protocols import ControllerMapping, MappingSpec
from .quiet import silence_native_audio_logs
from .state import ControlState

JACK_BACKEND = "mido.backends.rtmidi/UNIX_JACK"

#: (spec) -> the layout its factory gets (a Layout, the layout table, or None for the default)
LayoutGetter = Callable[[MappingSpec], Any]


# --------------------------------------------------------------------------- listing


def list_midi_ports(backend: str | None = None) -> dict[str, Any]:
    """``{"inputs": [...], "outputs": [...], "error": None | str, "backend": name}``; never raises.

    With ``backend=None`` mido's default backend is tried, then rtmidi's JACK API.
    """
    silence_native_audio_logs()
    errors: list[str] = []
    for name in _candidates(backend):
        try:
            b = _backend(name)
            ins, outs = b.get_input_names(), b.get_output_names()
        except Exception as exc:  # noqa: BLE001 - reporting is the point
            errors.append(_explain(name, exc))
            continue
        return {"inputs": list(ins), "outputs": list(outs), "error": None, "backend": name or _default_name()}
    return {"inputs": [], "outputs": [], "error": "no MIDI system: " + "; ".join(errors), "backend": backend}


def _default_name() -> str:
    return mido.Backend(load=False).name


def _candidates(backend: str | None) -> list[str | None]:
    if backend is not None:
        return [backend]
    out: list[str | None] = [None]
    if _default_name().split("/")[0] == "mido.backends.rtmidi":
        out.append(JACK_BACKEND)
    return out


def _backend(name: str | None) -> mido.Backend:
    return mido.Backend(name, load=True) if name else mido.Backend(load=True)


def _explain(name: str | None, exc: BaseException) -> str:
    text = f"{name or _default_name()}: {type(exc).__name__}: {exc}".strip()
    s = str(exc)
    if "ALSA" in s:
        text += " (no ALSA sequencer, /dev/snd/seq; on a machine without sound hardware start JACK: " \
                "jackd -d dummy, and use backend " + JACK_BACKEND + ")"
    elif "JACK" in s:
        text += " (is jackd running? e.g. jackd --no-realtime -d dummy)"
    return text


class _PortLister:
    """Port names, cheaply and repeatedly.

    mido's ``get_input_names()`` opens and closes a client per call (about
    0.1 s on JACK, and every JACK client costs the server a graph change), so
    for rtmidi one long-lived client per direction is kept and asked.
    """

    def __init__(self, backend: mido.Backend) -> None:
        self.backend = backend
        self._rt: tuple[Any, Any] | None = None
        if backend.module.__name__.endswith(".rtmidi"):
            import rtmidi

            api = getattr(rtmidi, "API_" + backend.api) if backend.api else rtmidi.API_UNSPECIFIED
            mi = rtmidi.MidiIn(rtapi=api)
            try:
                mo = rtmidi.MidiOut(rtapi=api)
            except Exception:
                mi.delete()
                raise
            self._rt = (mi, mo)
        else:
            backend.get_input_names()  # fail now if there is no MIDI system

    def names(self) -> tuple[list[str], list[str]]:
        if self._rt is not None:
            return self._rt[0].get_ports(), self._rt[1].get_ports()
        return list(self.backend.get_input_names()), list(self.backend.get_output_names())

    def close(self) -> None:
        if self._rt is not None:
            for rt in self._rt:
                try:
                    rt.delete()
                except Exception:  # noqa: BLE001
                    pass
            self._rt = None


def pair_output(input_name: str, outputs: Sequence[str], match: Callable[[str], bool] | None = None) -> str | None:
    """The output port of the device whose input port is ``input_name``.

    Same name first (macOS, ALSA); else the same name once client prefixes
    (JACK renames a second client ``NAME-01``) and port numbers (ALSA
    ``20:0``, Windows ``0``/``1``) are set aside; else an output ``match``
    accepts, the most similar first.
    """
    if input_name in outputs:
        return input_name
    key = _port_key(input_name)
    same = [o for o in outputs if _port_key(o) == key]
    if same:
        return same[0]
    if match is None:
        return None
    ok = []
    for o in outputs:
        try:
            if match(o):
                ok.append(o)
        except Exception:  # noqa: BLE001 - a broken matcher just matches nothing
            pass
    if not ok:
        return None
    return max(ok, key=lambda o: len(_common_prefix(o.lower(), input_name.lower())))


def _port_key(name: str) -> str:
    n = name.lower().strip()
    n = re.sub(r"\s+\d+(:\d+)?$", "", n)  # ALSA "20:0", Windows " 1"
    if ":" in n:  # JACK / ALSA "client:port" -> the port part
        n = n.split(":", 1)[1]
    return n.strip()


def _common_prefix(a: str, b: str) -> str:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[:i]


# --------------------------------------------------------------------------- the surface


def _open_backend(name: str | None) -> tuple[Any, Any]:
    """``(backend, lister)`` for a mido backend name.  JACK goes through a helper process
    (:mod:`vjhost.control.midi_bridge`): there every port open and close is a server round trip
    that python-rtmidi would make holding the GIL, stopping the picture while JACK is busy."""
    if name == JACK_BACKEND:
        from .midi_bridge import MidiBridge

        bridge = MidiBridge()
        return bridge, bridge
    backend = _backend(name)
    return backend, _PortLister(backend)


class _Connection:
    def __init__(self, spec: MappingSpec, mapping: ControllerMapping, layout: Any, in_name: str,
                 out_name: str | None, inport: Any, outport: Any, generation: int) -> None:
        self.spec = spec
        self.mapping = mapping
        self.layout = layout
        self.in_name = in_name
        self.out_name = out_name
        self.inport = inport
        self.outport = outport
        self.generation = generation
        self.last_sent_sysex = True


class MidiSurface:
    """Controllers matched by ``specs`` drive ``state`` from a background thread.

    :param specs: the registered mappings, tried in order against each input port name.
    :param state: the control state the mappings write to and light up from.
    :param layout: ``layout(spec)`` -> the layout for that mapping's factory (e.g. the
        active pack's ``layouts/apc_mini_mk2.toml``, loaded).  Asked again every
        ``poll_interval``: when its answer changes (a pack switch) the mapping is
        rebuilt and the device re-initialised.  ``None``: every mapping's default.
    :param backend: a mido backend name (``"mido.backends.rtmidi/UNIX_JACK"``); ``None``:
        mido's default, then JACK.
    :param faults: where problems go (no port, unplugged, a mapping's exception).
    :param poll_interval: seconds between port scans (hot-plug latency).
    :param feedback_interval: seconds between ``mapping.feedback()`` calls.
    """

    #: a device's output port may appear a moment after its input port (JACK, Windows):
    #: wait this long for it before running input-only, without LEDs
    OUTPUT_GRACE = 1.0
    #: after a port fails to open (or its mapping fails to build), try again this much later
    RETRY = 1.0

    def __init__(self, specs: Sequence[MappingSpec], state: ControlState, layout: LayoutGetter | None = None,
                 backend: str | None = None, faults: FaultLog | None = None, poll_interval: float = 0.5,
                 feedback_interval: float = 0.02) -> None:
        self.specs = list(specs)
        self.state = state
        self.layout_getter = layout or (lambda spec: None)
        self.backend_name = backend
        self.faults = faults if faults is not None else FaultLog()
        self.poll_interval = poll_interval
        self.feedback_interval = feedback_interval
        #: what happened, newest last ("connected ...", "disconnected ..."), for the HUD and tests
        self.events: deque[str] = deque(maxlen=100)
        self.backend: mido.Backend | None = None
        self._conn: _Connection | None = None
        self._generation = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lister: _PortLister | None = None
        self._jack_gen: int | None = None  #: on JACK: the server generation our clients belong to
        self._renewed = False  #: clients were remade after a JACK restart
        self._closing: list[tuple[float, list]] = []  #: (when, ports) of vanished devices, closed later
        self._retry_at: dict[str, float] = {}  #: ports whose open failed -> when to try again
        self._first_seen: dict[str, float] = {}  #: matching input ports waiting for their output port

    # ---------------------------------------------------------------- public
    def start(self) -> "MidiSurface":
        silence_native_audio_logs()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="vjhost-midi", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> "MidiSurface":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def connected(self) -> str | None:
        """The input port in use, or None."""
        c = self._conn
        return None if c is None else c.in_name

    @property
    def mapping(self) -> ControllerMapping | None:
        c = self._conn
        return None if c is None else c.mapping

    # ---------------------------------------------------------------- thread
    def _run(self) -> None:
        lister = self._open_lister()
        if lister is None:
            self._stop.wait()  # no MIDI system: said so once; idle until stopped
            return
        self._lister = lister
        try:
            self._loop(lister)
        finally:
            if self._jack_gone() or (self._renewed and not hasattr(self._lister, "kill")):
                # clients of a dead server must not be touched; and after a JACK restart, closing even the
                # new ones was seen to block inside libjack with the GIL held: at the end of the show the
                # process lets them go by exiting instead
                self._abandon_jack(say=False)
                from ..audio import jack

                jack.abandon(*(p for _, ports in self._closing for p in ports))
                self._closing = []
            else:
                self._close(reason=None)
                self._close_due(force=True)
                self._lister.close()

    # ---------------------------------------------------------------- a JACK server that dies
    def _jack_gone(self) -> bool:
        """On JACK: has the server died (or been replaced) since our clients were made?"""
        if self._jack_gen is None:
            return False
        from ..audio import jack

        return jack.generation() != self._jack_gen

    def _abandon_jack(self, say: bool = True) -> None:
        """Let go of every client of the dead server without touching it (closing would hang or crash)."""
        from ..audio import jack

        c, self._conn = self._conn, None
        lister, self._lister = self._lister, None
        if hasattr(lister, "kill"):  # the helper process: it dies, and its clients with it
            lister.kill()
        else:
            jack.abandon(*(getattr(lister, "_rt", None) or ()), lister, *((c.inport, c.outport) if c else ()),
                         *(p for _, ports in self._closing for p in ports))
        self._closing = []
        if c is not None and say:
            self.faults.report(f"midi/{c.in_name}", "the JACK server went away; reconnecting when it is back")
            self.events.append(f"closed {c.in_name}: JACK server gone")

    def _renew_lister(self) -> "_PortLister | None":
        """After the server died: new clients once a server is back (None while there is none)."""
        from ..audio import jack

        if self._lister is not None:
            self._abandon_jack()
        if not jack.settled():  # (the rush of clients right after a restart makes opening one slow)
            return None
        gen = jack.generation()
        try:
            if hasattr(self.backend, "kill"):
                self.backend, lister = _open_backend(JACK_BACKEND)
            else:
                lister = _PortLister(self.backend)
        except Exception as exc:  # noqa: BLE001 - the server went again; next poll
            self.events.append(f"JACK back but no MIDI client yet: {exc}")
            return None
        self._lister, self._jack_gen = lister, gen
        self._renewed = True
        self._retry_at.clear()
        self._first_seen.clear()
        self.events.append("JACK server back: MIDI clients renewed")
        return lister

    def _open_lister(self) -> _PortLister | None:
        errors = []
        for name in _candidates(self.backend_name):
            try:
                backend, lister = _open_backend(name)
            except Exception as exc:  # noqa: BLE001
                errors.append(_explain(name, exc))
                continue
            self.backend = backend
            self.events.append(f"using MIDI backend {name or backend.name}")
            if "JACK" in (getattr(backend, "api", None) or ""):
                from ..audio import jack

                self._jack_gen = jack.current()
            return lister
        self.faults.note("midi", "no MIDI system, MIDI control is off: " + "; ".join(errors),
                         "MIDI control is off: no MIDI system here (no ALSA sequencer, no JACK server); "
                         "`vjhost devices` says more")
        self.events.append("no MIDI system")
        return None

    def _loop(self, lister: _PortLister) -> None:
        next_scan = next_feedback = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if self._jack_gone():  # before anything touches a client of the dead server
                lister = self._renew_lister()
                if lister is None:
                    next_scan = now + self.poll_interval
                    self._stop.wait(self.poll_interval)
                    continue
            if now >= next_scan:
                self._scan(lister)
                self._close_due()
                next_scan = now + self.poll_interval
            if self._conn is not None and now >= next_feedback:
                self._feedback()
                next_feedback = now + self.feedback_interval
            deadline = next_scan if self._conn is None else min(next_scan, next_feedback)
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                continue
            while item is not None:
                self._dispatch(*item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break

    def _dispatch(self, generation: int, msg: mido.Message) -> None:
        c = self._conn
        if c is None or generation != c.generation:
            return  # from a port since closed
        try:
            c.mapping.handle(msg)
        except Exception as exc:  # noqa: BLE001
            self.faults.exception(f"midi/{c.spec.name}", exc)

    def _feedback(self) -> None:
        c = self._conn
        if c is None or self._jack_gone():
            return
        try:
            msgs = c.mapping.feedback()
        except Exception as exc:  # noqa: BLE001
            self.faults.exception(f"midi/{c.spec.name}", exc)
            return
        self._send(msgs)

    def _send(self, msgs: Sequence[mido.Message]) -> None:
        c = self._conn
        if c is None or c.outport is None or not msgs:
            return
        try:
            for msg in msgs:
                is_sysex = msg.type == "sysex"
                if is_sysex and not c.last_sent_sysex:
                    time.sleep(0.001)  # the APC mini MK2 drops a SysEx right behind a note-on LED message
                c.last_sent_sysex = is_sysex
                c.outport.send(msg)
        except Exception as exc:  # noqa: BLE001
            self.faults.exception(f"midi/{c.out_name}", exc)
            self._close(reason=f"send failed: {exc}")

    # ---------------------------------------------------------------- ports
    def _scan(self, lister: _PortLister) -> None:
        try:
            inputs, outputs = lister.names()
        except Exception as exc:  # noqa: BLE001
            self.faults.exception("midi", exc)
            return
        now = time.monotonic()
        self._retry_at = {k: t for k, t in self._retry_at.items() if k in inputs and t > now}
        c = self._conn
        if c is not None:
            if c.in_name not in inputs:
                self._close(reason="disconnected (port gone); waiting for it to come back", later=True)
            else:
                if c.outport is None:
                    self._attach_output(c, outputs)
                self._check_layout(c)
                return
        for name in list(self._first_seen):
            if name not in inputs:
                del self._first_seen[name]
        for name in inputs:
            if name in self._retry_at:
                continue
            for spec in self.specs:
                try:
                    ok = spec.match(name)
                except Exception as exc:  # noqa: BLE001
                    self.faults.exception(f"midi/{spec.name}", exc)
                    continue
                if not ok:
                    continue
                out_name = pair_output(name, outputs, spec.match)
                if out_name is None and now - self._first_seen.setdefault(name, now) < self.OUTPUT_GRACE:
                    return  # its output port may be a moment behind
                self._first_seen.pop(name, None)
                self._open(spec, name, out_name)
                return

    def _attach_output(self, c: _Connection, outputs: Sequence[str]) -> None:
        """An output port that showed up after the input was opened: open it and light the device."""
        out_name = pair_output(c.in_name, outputs, c.spec.match)
        if out_name is None:
            return
        try:
            c.outport = self.backend.open_output(out_name)
        except Exception as exc:  # noqa: BLE001
            self.faults.report(f"midi/{out_name}", f"cannot open: {type(exc).__name__}: {exc}")
            return
        c.out_name = out_name
        self.events.append(f"LEDs on {out_name}")
        self._connect_messages(c)

    def _layout_for(self, spec: MappingSpec) -> Any:
        try:
            return self.layout_getter(spec)
        except Exception as exc:  # noqa: BLE001
            self.faults.exception(f"midi/{spec.name}", exc)
            return None

    def _check_layout(self, c: _Connection) -> None:
        layout = self._layout_for(c.spec)
        if layout is c.layout or layout == c.layout:
            return
        try:
            c.mapping = c.spec.factory(layout, self.state)
        except Exception as exc:  # noqa: BLE001 - keep the old mapping
            self.faults.exception(f"midi/{c.spec.name}", exc)
            c.layout = layout
            return
        c.layout = layout
        self.events.append(f"new layout for {c.in_name}")
        self._connect_messages(c)

    def _open(self, spec: MappingSpec, in_name: str, out_name: str | None) -> None:
        layout = self._layout_for(spec)
        try:
            mapping = spec.factory(layout, self.state)
        except Exception as exc:  # noqa: BLE001
            self.faults.exception(f"midi/{spec.name}", exc)
            self._retry_at[in_name] = time.monotonic() + self.RETRY
            return
        self._generation += 1
        gen = self._generation
        inport = outport = None
        try:
            inport = self.backend.open_input(in_name, callback=lambda m: self._queue.put((gen, m)))
            if out_name is not None:
                outport = self.backend.open_output(out_name)
        except Exception as exc:  # noqa: BLE001
            self.faults.report(f"midi/{in_name}", f"cannot open: {type(exc).__name__}: {exc}")
            for p in (inport, outport):
                if p is not None:
                    try:
                        p.close()
                    except Exception:  # noqa: BLE001
                        pass
            self._retry_at[in_name] = time.monotonic() + self.RETRY
            return
        if out_name is None:
            self.faults.report(f"midi/{in_name}", "no matching output port yet: controls work, LEDs stay dark")
        c = self._conn = _Connection(spec, mapping, layout, in_name, out_name, inport, outport, gen)
        self.events.append(f"connected {in_name} -> {spec.name}" + (f" (LEDs on {out_name})" if out_name else ""))
        self._connect_messages(c)

    def _connect_messages(self, c: _Connection) -> None:
        try:
            msgs = c.mapping.on_connect()
        except Exception as exc:  # noqa: BLE001
            self.faults.exception(f"midi/{c.spec.name}", exc)
            return
        self._send(msgs)

    #: a device that vanished: close our ports to it this much later.  Right after an unplug the MIDI
    #: system is busy removing the device, and closing a port then can take a second or more, which
    #: python-rtmidi spends holding the GIL (the picture stops); a little later it takes milliseconds.
    CLOSE_LATER = 3.0

    def _close(self, reason: str | None, later: bool = False) -> None:
        c, self._conn = self._conn, None
        if c is None:
            return
        if reason:
            self.faults.report(f"midi/{c.in_name}", reason)
            self.events.append(f"closed {c.in_name}: {reason}")
        ports = [p for p in (c.inport, c.outport) if p is not None]
        if later:
            self._closing.append((time.monotonic() + self.CLOSE_LATER, ports))
            return
        self._close_ports(ports)

    @staticmethod
    def _close_ports(ports: Sequence[Any]) -> None:
        for port in ports:
            try:
                port.close()
            except Exception:  # noqa: BLE001 - it is gone either way
                pass

    def _close_due(self, force: bool = False) -> None:
        """Close the ports of vanished devices whose time has come (all of them with ``force``)."""
        now = time.monotonic()
        due = [ports for t, ports in self._closing if force or t <= now]
        self._closing = [(t, ports) for t, ports in self._closing if not (force or t <= now)]
        for ports in due:
            self._close_ports(ports)
