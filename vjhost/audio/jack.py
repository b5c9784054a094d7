"""Is the JACK server there?  A watcher that notices at once when it dies, and when it is back.

A JACK client (PortAudio's, rtmidi's) cannot be used -- not even closed --
once its server has died: closing it hangs, and once a new server has started
the dead client points into shared memory the new server reuses, which crashes
the process.  So whoever opens JACK objects notes :func:`generation` at that
moment; if it has changed later, the server died (and perhaps came back)
since, and those objects must be abandoned with :func:`abandon`, never closed.

The watcher is one small JACK client of its own (``vjhost-watch``, no ports)
with a shutdown callback; while the server is away it tries to reconnect every
``RETRY`` seconds.  It starts on first use, from whichever thread asks, and
never raises: without libjack or without a server :func:`alive` is simply False.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from typing import Any

RETRY = 1.0  #: seconds between reconnection attempts while the server is away
#: after the server went, wait this long before the first attempt: a client that connects to a server
#: still shutting down keeps that server from exiting (and from freeing its slot in JACK's registry)
QUIET = 1.5
_NO_START_SERVER = 0x01  # JackNoStartServer

_lock = threading.Lock()
_watch: "JackWatch | None" = None
_graveyard: list[Any] = []  # native objects of dead servers: kept alive forever, never closed


class JackWatch:
    def __init__(self) -> None:
        from ..control.quiet import silence_native_audio_logs

        silence_native_audio_logs()  # libjack's "Cannot connect to server socket" while it is away
        self.generation = 0  #: changes when the server dies and when one (re)appears
        self.alive = False
        self.since = 0.0  #: monotonic time the current server was found
        self._client: int | None = None
        self._lib = None
        self._cb = None
        self._wake = threading.Event()
        self._connecting = threading.Lock()
        self._gone_at = -QUIET
        name = ctypes.util.find_library("jack")
        if not name:
            return
        try:
            lib = ctypes.CDLL(name)
            lib.jack_client_open.restype = ctypes.c_void_p
            lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
            self._cbtype = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
            lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, self._cbtype, ctypes.c_void_p]
            lib.jack_activate.argtypes = [ctypes.c_void_p]
            lib.jack_activate.restype = ctypes.c_int
            lib.jack_client_close.argtypes = [ctypes.c_void_p]
            lib.jack_last_frame_time.argtypes = [ctypes.c_void_p]
            lib.jack_last_frame_time.restype = ctypes.c_uint32
        except (OSError, AttributeError):
            return
        self._lib = lib
        self._cb = self._cbtype(self._on_shutdown)
        self._stop = False
        self._connect()  # synchronously: a caller's objects opened after this belong to this generation
        self._thread = threading.Thread(target=self._run, name="vjhost-jack-watch", daemon=True)
        self._thread.start()
        import atexit

        atexit.register(self.close)  # a thread left inside libjack at exit aborts the process

    def running(self, window: float = 0.5) -> bool:
        """Is the server alive *and* running its graph (a process cycle began within ``window`` s)?

        False while a server shuts down: it stops its driver before it lets its clients go, and
        PortAudio's clean-up of a stream in that state fails an assertion and aborts the process.
        """
        with _lock:
            client = self._client if self.alive else None
        if client is None:
            return False
        t0 = self._lib.jack_last_frame_time(client)  # the current cycle's start, from shared memory
        time.sleep(window)
        with _lock:
            if self._client != client or not self.alive:
                return False
            return self._lib.jack_last_frame_time(client) != t0

    def close(self) -> None:
        """Stop watching: the thread ends, and our client leaves a live server."""
        self._stop = True
        self._wake.set()
        self._thread.join(2.0)
        with _lock:
            client, self._client = self._client, None
            was_alive, self.alive = self.alive, False
        if client is not None and was_alive:
            self._lib.jack_client_close(client)

    def current(self) -> int:
        """The generation of the server a client opened now would join: connects first if the watcher is
        not connected (say a test's server replaced the last one), so the number belongs to that server."""
        if self._lib is not None and not self.alive:
            self._connect()
        return self.generation

    def _connect(self) -> bool:
        with self._connecting:
            if self.alive:
                return True
            return self._open()

    def _open(self) -> bool:
        status = ctypes.c_int(0)
        client = self._lib.jack_client_open(b"vjhost-watch", _NO_START_SERVER, ctypes.byref(status))
        if not client:
            return False
        self._lib.jack_on_shutdown(client, self._cb, None)
        if self._lib.jack_activate(client) != 0:  # half-connected: leave it, try again later
            _graveyard.append(client)
            return False
        with _lock:
            self._client = client
            self.alive = True
            self.generation += 1
            self.since = time.monotonic()
        return True

    def _on_shutdown(self, arg: Any) -> None:  # libjack's thread: the server is gone
        with _lock:
            if self._client is not None:
                _graveyard.append(self._client)  # never jack_client_close a client of a dead server
                self._client = None
            self.alive = False
            self.generation += 1
            self._gone_at = time.monotonic()

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(RETRY)
            self._wake.clear()
            if not self.alive and not self._stop and time.monotonic() - self._gone_at > QUIET:
                self._connect()


def watch() -> JackWatch:
    """The process's watcher, started on first use."""
    global _watch
    if _watch is None:
        w = JackWatch()
        with _lock:
            if _watch is None:
                _watch = w
    return _watch


def generation() -> int:
    """A number that changes whenever the JACK server dies or a new one is found."""
    return watch().generation


def current() -> int:
    """:func:`generation`, for someone about to open JACK clients: the watcher joins the server first."""
    return watch().current()


def alive() -> bool:
    """Is a JACK server running now (as far as the watcher knows)?"""
    return watch().alive


def settled(seconds: float = 3.0) -> bool:
    """Has the current server been up for ``seconds``?  Right after a (re)start every client of the
    studio connects at once and opening one can take seconds, which python-rtmidi spends holding the GIL."""
    w = watch()
    return w.alive and time.monotonic() - w.since >= seconds


def running(window: float = 0.25) -> bool:
    """Is a JACK server there and running its graph (see :meth:`JackWatch.running`)?"""
    return watch().running(window)


def abandon(*objects: Any) -> None:
    """Keep native objects of a dead server referenced forever, so no destructor ever closes them."""
    with _lock:
        for o in objects:
            if o is not None:
                _graveyard.append(o)
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(o))  # not even at interpreter exit


__all__ = ["JackWatch", "abandon", "alive", "current", "generation", "running", "settled", "watch"]
