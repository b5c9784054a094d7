"""Live input through a helper process, for when PortAudio can't reopen a device in this one.

When a JACK server dies under an open stream, PortAudio can neither close that
stream nor reach JACK again in the same process (see :mod:`vjhost.audio.jack`).
The show then captures through a child process instead: ``python -m
vjhost.audio.child DEVICE RATE BLOCK`` opens the device with a fresh PortAudio,
writes the mono float32 samples to its stdout, and exits by itself (without
touching the stream) when the device or its server goes away.  Each reconnect
is a new child, so a server can die and come back any number of times.

:class:`ChildInput` has :class:`~vjhost.audio.live.LiveInput`'s interface
(``start``, ``stop``, ``alive``, ``error``, ``ring``, and the analysis side,
``read_hop``, ``position``, ``latency``, from their common base
:class:`~vjhost.audio.live.RingInput`), and :func:`input_opener` gives the
analysis thread whichever of the two works in this process right now.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any, Callable

import numpy as np

from .live import AudioDeviceError, RingBuffer, RingInput

__all__ = ["ChildInput", "input_opener"]

READY = b"VJOK"  #: the child's first bytes on stdout once its stream runs


class ChildInput(RingInput):
    """Capture ``device`` (a name, as PortAudio lists it; None: the default input) in a helper process."""

    def __init__(self, device: str | None, sample_rate: int = 48000, blocksize: int = 512,
                 buffer_seconds: float = 2.0, stall_timeout: float = 1.0, start_timeout: float = 5.0) -> None:
        self.device_spec = device
        self.sample_rate = int(sample_rate)
        self.blocksize = int(blocksize)
        self.stall_timeout = float(stall_timeout)
        self.start_timeout = float(start_timeout)
        self.ring = RingBuffer(max(4096, int(buffer_seconds * sample_rate)))
        self.error: str | None = None
        self.xruns = 0
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._last_data = 0.0

    # ---------------------------------------------------------------- host thread
    def start(self) -> None:
        """Start the child and wait for its stream.  Raises :class:`AudioDeviceError` if it can't open the device."""
        self.stop()
        self.error = None
        cmd = [sys.executable, "-m", "vjhost.audio.child", self.device_spec or "", str(self.sample_rate),
               str(self.blocksize)]
        # (no preexec_fn: that forces a full fork() of this big process, which stalls the render thread;
        # the child arranges to die with us itself)
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      bufsize=0)
        ready = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(self._proc, ready), name="vjhost-audio-child",
                                        daemon=True)
        self._reader.start()
        if not ready.wait(self.start_timeout) or self._proc.poll() is not None:
            why = self._why(self._proc) or f"no audio from the helper within {self.start_timeout:g} s"
            self.stop()
            self.error = why
            raise AudioDeviceError(why)
        self._last_data = time.monotonic()

    def stop(self) -> None:
        p, self._proc = self._proc, None
        if p is not None:
            if p.poll() is None:
                p.kill()  # it holds nothing the OS won't clean up; its stream is never closed
            p.wait()
            for f in (p.stdin, p.stdout, p.stderr):
                if f is not None:
                    f.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(2)
        self._reader = None

    def reconnect(self) -> bool:
        try:
            self.start()
        except AudioDeviceError:
            return False
        return True

    @property
    def alive(self) -> bool:
        p = self._proc
        if p is None or self.error:
            return False
        if p.poll() is not None:
            self.error = self._why(p) or "the input stream stopped (device lost?)"
            return False
        if time.monotonic() - self._last_data > self.stall_timeout:
            self.error = f"no audio from the input device for {self.stall_timeout:g} s (device lost?)"
            return False
        return True

    # ---------------------------------------------------------------- reader thread
    def _read(self, proc: subprocess.Popen, ready: threading.Event) -> None:
        out = proc.stdout
        head = b""
        while len(head) < len(READY):
            chunk = out.read(len(READY) - len(head))
            if not chunk:
                return
            head += chunk
        if head != READY:
            return
        ready.set()
        n = 4 * self.blocksize
        pending = b""
        while True:
            chunk = out.read(n)
            if not chunk:
                return
            pending += chunk
            usable = len(pending) - len(pending) % 4
            if usable:
                self.ring.write(np.frombuffer(pending[:usable], np.float32))
                pending = pending[usable:]
                self._last_data = time.monotonic()

    @staticmethod
    def _why(proc: subprocess.Popen) -> str | None:
        if proc.poll() is None or proc.stderr is None:
            return None
        try:
            text = proc.stderr.read().decode(errors="replace").strip()
        except (OSError, ValueError):
            return None
        lines = [line for line in text.splitlines() if line.startswith("vjhost:")]
        return lines[-1][len("vjhost:"):].strip() if lines else None


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: it notices its stdin closing instead
        pass


def _device_name(device: Any) -> str | None:
    """The PortAudio name of an input device index (names survive a re-enumeration; indices may not)."""
    if device is None or isinstance(device, str):
        return device
    from .live import list_input_devices

    for d in list_input_devices():
        if d["index"] == device:
            return d["name"]
    return None


def input_opener(device: Any, sample_rate: int, blocksize: int) -> Callable[[], Any]:
    """For :class:`~vjhost.analysis.live.LiveAnalysis`: a factory giving a :class:`~vjhost.audio.live.LiveInput`
    while PortAudio works in this process, and a :class:`ChildInput` once it can't (a JACK server died)."""
    from . import live

    name = _device_name(device)

    def open_input() -> Any:
        if live._wedged:
            return ChildInput(name, sample_rate=sample_rate, blocksize=blocksize)
        return live.LiveInput(device, sample_rate=sample_rate, blocksize=blocksize)

    return open_input


# --------------------------------------------------------------------------- the child


def _child(argv: list[str]) -> int:
    _die_with_parent()
    name, rate, block = (argv + ["", "48000", "512"])[:3]
    rate, block = int(rate), int(block)
    from . import live

    sd = live._sounddevice()
    if sd is None:
        print(f"vjhost: {live.audio_unavailable_reason()}", file=sys.stderr, flush=True)
        return 2
    try:
        device = live.find_input_device(name or None)
        if device is None:
            raise AudioDeviceError(f"no audio input device ({live.audio_unavailable_reason() or 'none found'})")
        channels = min(2, int(sd.query_devices(device)["max_input_channels"]))
        last = [time.monotonic()]
        ready = [False]  # no samples before the READY mark
        fd = sys.stdout.fileno()

        def callback(indata: np.ndarray, frames: int, t: Any, status: Any) -> None:
            last[0] = time.monotonic()
            if ready[0]:
                mono = indata.mean(axis=1, dtype=np.float32) if channels == 2 else indata[:, 0]
                os.write(fd, np.ascontiguousarray(mono, np.float32).tobytes())

        stream = sd.InputStream(device=device, channels=channels, samplerate=rate, blocksize=block,
                                dtype="float32", callback=callback)
        stream.start()
    except Exception as exc:  # noqa: BLE001 - the parent reports it and retries
        print(f"vjhost: {exc}", file=sys.stderr, flush=True)
        return 2
    os.write(fd, READY)
    ready[0] = True
    parent = os.getppid()
    while stream.active and os.getppid() == parent and time.monotonic() - last[0] < 2.0:
        time.sleep(0.1)
    os._exit(0)  # never close a stream whose device or server went away: that is what hangs


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
