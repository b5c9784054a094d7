"""Live audio through PortAudio (sounddevice): capture for analysis, playback for ``--audio FILE``.

Threads:

- PortAudio's **audio callback thread** calls ``LiveInput._callback`` /
  ``FilePlayer._callback``.  They only copy samples (into the
  :class:`RingBuffer` / out of the file buffer) and record a timestamp: no
  locks, no allocation, no Python logging.
- The **analysis thread** calls :meth:`LiveInput.read_hop` (the consumer side
  of the ring) and :meth:`LiveInput.position`.
- The **host / main thread** opens, starts, stops, checks :attr:`LiveInput.alive`
  and calls :meth:`LiveInput.reconnect`; the **render thread** reads
  :meth:`FilePlayer.position`.

Without a sound card or without PortAudio everything degrades instead of
raising: the device lists are empty, :func:`audio_unavailable_reason` says
why, and :class:`FilePlayer` falls back to the wall clock.
"""

from __future__ import annotations

import threading
import time
from types import ModuleType
from typing import Any, Sequence

import numpy as np

__all__ = [
    "AudioDeviceError",
    "RingBuffer",
    "RingInput",
    "LiveInput",
    "FilePlayer",
    "list_input_devices",
    "list_output_devices",
    "find_input_device",
    "find_output_device",
    "audio_unavailable_reason",
    "refresh_devices",
]


class AudioDeviceError(Exception):
    """An audio device could not be found or opened; the message says which and lists the alternatives."""


# --------------------------------------------------------------------------- sounddevice, lazily

_sd: ModuleType | None = None
_sd_error: str | None = None
_last_error: str | None = None
_open_streams = 0  # streams of ours that PortAudio holds open (refresh_devices must not pull the rug)
_streams_lock = threading.Lock()
_wedged: str | None = None  # set when closing a dead stream hung inside PortAudio
CLOSE_TIMEOUT = 1.0  #: seconds to wait for PortAudio to close a stream


def _sounddevice() -> ModuleType | None:
    """Import sounddevice once; None (and a remembered reason) when PortAudio is missing."""
    global _sd, _sd_error
    if _sd is None and _sd_error is None:
        try:
            import sounddevice

            _sd = sounddevice
        except (ImportError, OSError) as e:  # OSError: "PortAudio library not found"
            _sd_error = f"sounddevice/PortAudio unavailable: {e} (install libportaudio2)"
    return _sd


def audio_unavailable_reason() -> str | None:
    """Why there is no live audio (PortAudio missing, no devices, a query failure), or None when devices exist."""
    sd = _sounddevice()
    if sd is None:
        return _sd_error
    if _wedged:
        return _wedged
    if _last_error:
        return _last_error
    if not _query_all():
        return _last_error or "PortAudio reports no audio devices"
    return None


def _query_all() -> list[dict[str, Any]]:
    global _last_error
    sd = _sounddevice()
    if sd is None:
        return []
    try:
        devices = list(sd.query_devices())
        apis = list(sd.query_hostapis())
    except Exception as e:  # PortAudioError and anything a broken backend throws
        _last_error = f"querying audio devices failed: {e}"
        return []
    _last_error = None if devices else "PortAudio reports no audio devices"
    out = []
    for i, d in enumerate(devices):
        api = d.get("hostapi", -1)
        out.append({
            "index": int(d.get("index", i)),
            "name": str(d.get("name", f"device {i}")),
            "input_channels": int(d.get("max_input_channels", 0)),
            "output_channels": int(d.get("max_output_channels", 0)),
            "default_samplerate": float(d.get("default_samplerate", 0.0)),
            "hostapi": str(apis[api]["name"]) if 0 <= api < len(apis) else "",
        })
    return out


def _public(d: dict[str, Any], kind: str) -> dict[str, Any]:
    return {"index": d["index"], "name": d["name"], "channels": d[f"{kind}_channels"],
            "default_samplerate": d["default_samplerate"], "hostapi": d["hostapi"]}


def list_input_devices() -> list[dict[str, Any]]:
    """Capture devices: ``{index, name, channels, default_samplerate, hostapi}``; [] when there are none."""
    return [_public(d, "input") for d in _query_all() if d["input_channels"] > 0]


def list_output_devices() -> list[dict[str, Any]]:
    """Playback devices, like :func:`list_input_devices`."""
    return [_public(d, "output") for d in _query_all() if d["output_channels"] > 0]


def refresh_devices() -> bool:
    """Re-scan devices (PortAudio only enumerates them when it starts): for a device plugged
    in, or a JACK server started, after sounddevice was imported.  Refused (False) while one
    of our streams is open, since restarting PortAudio would close it.  Main thread only."""
    sd = _sounddevice()
    if sd is None:
        return False
    with _streams_lock:
        if _open_streams or _wedged:
            return False
        try:
            sd._terminate()  # sounddevice's own re-initialisation hooks
            sd._initialize()
        except Exception as e:
            global _last_error
            _last_error = f"re-initialising PortAudio failed: {e}"
            return False
    return True


def _close_stream_safely(stream: Any) -> bool:
    """Abort and close a PortAudio stream without ever blocking the caller for long.

    After an audio server dies (JACK) PortAudio can hang forever stopping the
    dead stream.  The close runs on a daemon thread; if it doesn't finish in
    ``CLOSE_TIMEOUT`` the stream is abandoned, PortAudio is marked as wedged
    (no reconnect is possible in this process) and sounddevice's exit handler
    is unregistered so the program can still quit.
    """
    global _wedged

    def close() -> None:
        try:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
        except Exception:
            pass

    th = threading.Thread(target=close, name="vjhost-audio-close", daemon=True)
    th.start()
    th.join(CLOSE_TIMEOUT)
    if not th.is_alive():
        return True
    _wedged = "PortAudio hung closing a stream whose device or audio server vanished; restart to reconnect"
    sd = _sounddevice()
    if sd is not None:
        import atexit

        atexit.unregister(getattr(sd, "_exit_handler", lambda: None))
    return False


def _abandon_stream(stream: Any) -> None:
    """A stream whose JACK server died: never stop or close it (that hangs, or crashes once a new server
    runs); PortAudio can't reach JACK again in this process, so live input goes on through a helper
    process (:mod:`vjhost.audio.child`) and sounddevice's exit handler is unregistered."""
    global _wedged
    from . import jack

    jack.abandon(stream)
    _wedged = ("the JACK server went away under an open stream; PortAudio cannot use JACK again until vjhost "
               "restarts (live input goes on through a helper process)")
    sd = _sounddevice()
    if sd is not None:
        import atexit

        atexit.unregister(getattr(sd, "_exit_handler", lambda: None))


def _jack_generation(sd: ModuleType, device: Any) -> int | None:
    """The JACK server's generation when ``device`` is on the JACK host API (see :mod:`vjhost.audio.jack`),
    else None."""
    try:
        api = sd.query_hostapis(sd.query_devices(device)["hostapi"])["name"]
    except Exception:  # noqa: BLE001
        return None
    if "jack" not in str(api).lower():
        return None
    from . import jack

    return jack.current()


def _stream_opened() -> None:
    global _open_streams
    with _streams_lock:
        _open_streams += 1


def _stream_closed() -> None:
    global _open_streams
    with _streams_lock:
        _open_streams = max(0, _open_streams - 1)


def _default_device(kind: str) -> int | None:
    sd = _sounddevice()
    if sd is None:
        return None
    try:
        idx = sd.default.device[0 if kind == "input" else 1]
    except Exception:
        idx = -1
    devices = list_input_devices() if kind == "input" else list_output_devices()
    if idx is not None and idx >= 0 and any(d["index"] == idx for d in devices):
        return int(idx)
    return devices[0]["index"] if devices else None


def _find(kind: str, name_or_index: str | int | None) -> int | None:
    devices = list_input_devices() if kind == "input" else list_output_devices()
    if name_or_index is None or name_or_index == "":
        return _default_device(kind)
    listing = "; ".join(f"[{d['index']}] {d['name']} ({d['hostapi']}, {d['channels']} ch)" for d in devices)
    available = f"available {kind} devices: {listing}" if devices else \
        f"there are no {kind} devices ({audio_unavailable_reason() or 'none found'})"
    key = name_or_index
    if isinstance(key, str) and key.strip().lstrip("-").isdigit():
        key = int(key)
    if isinstance(key, int):
        for d in devices:
            if d["index"] == key:
                return key
        raise AudioDeviceError(f"no {kind} device with index {key}; {available}")
    needle = str(key).casefold()
    matches = [d for d in devices if needle in d["name"].casefold()]
    if not matches:
        raise AudioDeviceError(f"no {kind} device matches {key!r}; {available}")
    exact = [d for d in matches if d["name"].casefold() == needle]
    return (exact or matches)[0]["index"]


def find_input_device(name_or_index: str | int | None) -> int | None:
    """Resolve a device: an index, or a case-insensitive substring of its name (``"Rubix24"``).

    ``None`` gives the default input device, or None when there is none.  A
    name or index that matches nothing raises :class:`AudioDeviceError`
    listing the available devices.
    """
    return _find("input", name_or_index)


def find_output_device(name_or_index: str | int | None) -> int | None:
    """Like :func:`find_input_device`, for playback."""
    return _find("output", name_or_index)


# --------------------------------------------------------------------------- ring buffer


class RingBuffer:
    """Single-producer / single-consumer float32 ring (mono).

    The producer (the audio callback) calls :meth:`write`; the consumer (the
    analysis thread) calls :meth:`read`.  No locks: each side only advances its
    own counter (``written`` / ``read_pos``, total samples, plain ints whose
    updates are atomic under the GIL) after copying, and the writer never
    waits.  When the writer gets more than ``capacity`` ahead, unread samples
    are overwritten: that is an *overrun*, counted in :attr:`overruns`
    (events) and :attr:`lost` (samples), and the reader skips forward to the
    oldest sample still intact.
    """

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = int(capacity)
        self._buf = np.zeros(self.capacity, np.float32)
        self.written = 0  # total samples written (producer-owned)
        self._writing = 0  # end of the region being written (producer-owned)
        self.read_pos = 0  # total samples consumed (consumer-owned)
        self.overruns = 0  # producer-owned
        self.lost = 0  # consumer-owned: samples skipped after overruns

    def available(self) -> int:
        """Samples ready to read (capped at capacity)."""
        return min(self.written - self.read_pos, self.capacity)

    def write(self, x: np.ndarray) -> None:
        """Producer side: copy ``x`` (1-D float32) in.  Only slice copies, no allocation."""
        total = len(x)
        if total == 0:
            return
        cap = self.capacity
        w = self.written
        if total > cap:  # only the newest `cap` samples can survive
            x = x[total - cap :]
            w += total - cap
        n = len(x)
        if w + n - self.read_pos > cap:
            self.overruns += 1
        self._writing = w + n  # announce the region first, so a reader can detect a torn copy
        i = w % cap
        first = min(n, cap - i)
        self._buf[i : i + first] = x[:first]
        if n > first:
            self._buf[: n - first] = x[first:]
        self.written = w + n  # publish after the copy

    def read(self, n: int, out: np.ndarray | None = None) -> np.ndarray | None:
        """Consumer side: the next ``n`` samples in order, or None if fewer are available.

        Copies into ``out`` (length ``n``) when given, else into a new array.
        """
        cap = self.capacity
        if n > cap:
            raise ValueError(f"cannot read {n} samples from a ring of {cap}")
        dst = out if out is not None else np.empty(n, np.float32)
        while True:
            w = self.written
            oldest = max(w, self._writing) - cap  # (a write in progress is clobbering what is older)
            if self.read_pos < oldest:  # overrun: skip to the oldest intact sample
                self.lost += oldest - self.read_pos
                self.read_pos = oldest
            if w - self.read_pos < n:
                return None
            i = self.read_pos % cap
            first = min(n, cap - i)
            dst[:first] = self._buf[i : i + first]
            if n > first:
                dst[first:n] = self._buf[: n - first]
            if self._writing - self.read_pos <= cap:  # not lapped while copying: the samples are whole
                self.read_pos += n
                return dst
            # the writer overwrote what we were copying: skip past it and try again

    def skip_to_latest(self, keep: int = 0) -> int:
        """Consumer side: drop all but the newest ``keep`` unread samples (to cut latency); returns how many."""
        drop = max(0, self.written - self.read_pos - max(0, keep))
        self.read_pos += drop
        return drop

    def reset(self) -> None:
        """Only while neither side is running."""
        self.written = self._writing = self.read_pos = self.overruns = self.lost = 0


class RingInput:
    """The analysis thread's side of a live input that captures into ``self.ring`` (a :class:`RingBuffer` of
    mono samples at ``self.sample_rate``): :class:`LiveInput` in this process, :class:`~vjhost.audio.child.ChildInput`
    through a helper process."""

    ring: RingBuffer
    sample_rate: int

    def read_hop(self, hop: int, out: np.ndarray | None = None) -> np.ndarray | None:
        """The next ``hop`` mono samples, in order, or None when not enough have arrived yet."""
        return self.ring.read(hop, out)

    def position(self) -> float:
        """Seconds of audio consumed by :meth:`read_hop` so far (the analysis clock)."""
        return self.ring.read_pos / self.sample_rate

    def latency(self) -> float:
        """Seconds of audio waiting in the ring."""
        return self.ring.available() / self.sample_rate

    @property
    def overruns(self) -> int:
        """Times the analysis fell so far behind that unread audio was overwritten."""
        return self.ring.overruns


# --------------------------------------------------------------------------- capture


class _StreamOwner:
    """Closes its PortAudio stream safely and keeps the module's open-stream count right."""

    _stream = None
    _open = False
    _jack_gen: int | None = None  #: the JACK server generation the stream was opened in (JACK devices only)

    def _lost(self) -> bool:
        """Did the stream stop delivering on its own (device or server trouble)?"""
        return False

    def _close_stream(self) -> None:
        s, self._stream = self._stream, None
        if s is not None:
            from . import jack

            # a JACK stream whose server died, or is dying (its graph stopped): PortAudio's clean-up of
            # it hangs, or fails an assertion and aborts the process, so it is left alone
            if self._jack_gen is not None and (jack.generation() != self._jack_gen
                                               or (self._lost() and not jack.running())):
                _abandon_stream(s)
            else:
                _close_stream_safely(s)
        if self._open:
            self._open = False
            _stream_closed()


class LiveInput(RingInput, _StreamOwner):
    """Capture from a PortAudio device into a :class:`RingBuffer` for the analysis thread.

    ``channels`` picks what to analyse: ``(l, r)`` (0-based) downmixes a stereo
    pair, ``(c,)`` takes one channel; ``None`` uses the first two channels (or
    the only one).  ``device`` is anything :func:`find_input_device` accepts.
    """

    def __init__(self, device: str | int | None = None, sample_rate: int = 48000, blocksize: int = 256,
                 channels: Sequence[int] | None = None, buffer_seconds: float = 2.0,
                 stall_timeout: float = 1.0) -> None:
        self.device_spec = device
        self.sample_rate = int(sample_rate)
        self.blocksize = int(blocksize)
        self.channels = tuple(channels) if channels is not None else None
        self.stall_timeout = float(stall_timeout)
        self.ring = RingBuffer(max(4096, int(buffer_seconds * sample_rate)))
        self.error: str | None = None
        self.device: int | None = None
        self.xruns = 0  # callbacks that PortAudio flagged (input overflow / underflow)
        self._stream: Any = None
        self._open = False
        self._stopping = False
        self._scratch = np.zeros(max(8192, 4 * self.blocksize), np.float32)
        self._last_callback = 0.0  # time.monotonic() of the last callback
        self._adc_time = 0.0  # PortAudio stream time of the latest block's first sample
        self._pair: tuple[int, int] | None = None
        self._single = 0

    # ---------------------------------------------------------------- host thread
    def start(self) -> None:
        """Open and start the stream.  Raises :class:`AudioDeviceError` when the device can't be opened."""
        sd = _sounddevice()
        if sd is None or _wedged:
            self.error = _sd_error or _wedged
            raise AudioDeviceError(f"live input unavailable: {self.error}")
        self.device = find_input_device(self.device_spec)
        if self.device is None:
            self.error = f"no audio input device ({audio_unavailable_reason() or 'none found'})"
            raise AudioDeviceError(self.error)
        info = sd.query_devices(self.device)
        max_ch = int(info["max_input_channels"])
        chans = self.channels if self.channels is not None else ((0, 1) if max_ch >= 2 else (0,))
        if not chans or any(c < 0 or c >= max_ch for c in chans) or len(chans) > 2:
            raise AudioDeviceError(f"{info['name']}: channels {chans} invalid, it has {max_ch} input channels")
        n_open = max(chans) + 1
        if len(chans) == 2:
            self._pair = (chans[0], chans[1])
        else:
            self._pair, self._single = None, chans[0]
        self._stopping = False
        self.error = None
        self._jack_gen = _jack_generation(sd, self.device)
        try:
            self._stream = sd.InputStream(device=self.device, channels=n_open, samplerate=self.sample_rate,
                                          blocksize=self.blocksize, dtype="float32", callback=self._callback,
                                          finished_callback=self._finished)
            _stream_opened()
            self._open = True
            self._last_callback = time.monotonic()
            self._stream.start()
        except Exception as e:
            self.error = f"{info['name']}: cannot open input stream: {e}"
            self._close_stream()
            raise AudioDeviceError(self.error) from e

    def stop(self) -> None:
        """Stop and close the stream (idempotent)."""
        self._stopping = True
        self._close_stream()

    def _lost(self) -> bool:
        return bool(self.error)

    @property
    def alive(self) -> bool:
        """Is audio arriving?  False after a PortAudio error, a lost device, or no callback for ``stall_timeout`` s."""
        if self._stream is None or self.error:
            return False
        try:
            active = bool(self._stream.active)
        except Exception as e:
            self.error = f"input stream failed: {e}"
            return False
        if not active:
            self.error = self.error or "the input stream stopped (device lost?)"
            return False
        if time.monotonic() - self._last_callback > self.stall_timeout:
            self.error = f"no audio from the input device for {self.stall_timeout:g} s (device lost?)"
            return False
        return True

    def reconnect(self) -> bool:
        """Try to reopen the device after it was lost (host thread, e.g. once a second while not alive).

        Closes the dead stream, re-scans devices and opens the device again; the
        analysis carries on from where it was (the ring keeps its position).
        Returns True when audio is flowing again.
        """
        self._close_stream()
        if _wedged:
            self.error = _wedged
            return False
        refresh_devices()
        try:
            self.start()
        except AudioDeviceError as e:
            self.error = str(e)
            return False
        return True

    # ---------------------------------------------------------------- analysis thread (and RingInput's)
    @property
    def stream_time(self) -> float:
        """PortAudio stream time of the newest captured block."""
        return self._adc_time

    # ---------------------------------------------------------------- audio callback thread
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status:
            self.xruns += 1
        if self._pair is not None:
            if frames > len(self._scratch):  # only if PortAudio hands us a huge block
                self._scratch = np.zeros(frames, np.float32)
            mix = self._scratch[:frames]
            np.add(indata[:, self._pair[0]], indata[:, self._pair[1]], out=mix)
            mix *= 0.5
            self.ring.write(mix)
        else:
            self.ring.write(indata[:, self._single])
        try:
            self._adc_time = float(time_info.inputBufferAdcTime)
        except Exception:
            pass
        self._last_callback = time.monotonic()

    def _finished(self) -> None:
        if not self._stopping and not self.error:
            self.error = "the input stream finished unexpectedly (device lost?)"

    def __enter__(self) -> "LiveInput":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# --------------------------------------------------------------------------- playback


class FilePlayer(_StreamOwner):
    """Play a float32 ``(n, channels)`` buffer (the ``--audio FILE`` live mode).

    :meth:`position` is the playback position in seconds, derived from the
    samples actually handed to the device (minus its output latency,
    interpolated between callbacks), so visuals lock to what is heard.  With no
    output device (or no PortAudio) it advances by the wall clock instead and
    :attr:`fallback_reason` says why; so it does when the device stops calling
    back (its stream is no longer active -- unplugged, or its JACK server died --
    or no callback came for :attr:`STALL` seconds), so the picture never stops
    on a frozen position.
    """

    STALL = 3.0  #: seconds without a callback (from a stream still called active) before the wall clock leads

    def __init__(self, audio: np.ndarray, sample_rate: int, device: str | int | None = None,
                 blocksize: int = 512) -> None:
        a = np.asarray(audio, dtype=np.float32)
        self.audio = np.ascontiguousarray(a[:, None] if a.ndim == 1 else a)
        self.sample_rate = int(sample_rate)
        self.device_spec = device
        self.blocksize = int(blocksize)
        self.fallback_reason: str | None = None
        self.error: str | None = None
        self._stream: Any = None
        self._open = False
        self._frames = 0  # frames handed to the device so far (callback-owned)
        self._cb: tuple[int, float] = (0, 0.0)  # (frames handed before the latest callback, its perf_counter())
        self._latency = 0.0
        self._t0: float | None = None  # wall-clock fallback: perf_counter() at start
        self._paused_at: float | None = None
        self._last_pos = 0.0
        self._lost_at: tuple[float, float] | None = None  # (perf_counter, position) when callbacks stopped
        self._out_ch = self.audio.shape[1]

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def finished(self) -> bool:
        return self.position() >= self.duration

    # ---------------------------------------------------------------- host thread
    def start(self) -> None:
        """Start playing from the beginning; never raises for a missing device (falls back instead)."""
        sd = _sounddevice()
        reason = None
        dev = None
        if sd is None or _wedged:
            reason = _sd_error or _wedged
        else:
            try:
                dev = find_output_device(self.device_spec)
            except AudioDeviceError as e:
                reason = str(e)
            if dev is None and reason is None:
                reason = f"no audio output device ({audio_unavailable_reason() or 'none found'})"
        if reason is None:
            try:
                info = sd.query_devices(dev)
                self._out_ch = min(max(1, self.audio.shape[1]), int(info["max_output_channels"])) or 1
                if self.audio.shape[1] == 1:
                    self._out_ch = min(2, int(info["max_output_channels"]))
                self._frames = 0
                self._jack_gen = _jack_generation(sd, dev)
                self._stream = sd.OutputStream(device=dev, channels=self._out_ch, samplerate=self.sample_rate,
                                               blocksize=self.blocksize, dtype="float32", callback=self._callback)
                _stream_opened()
                self._open = True
                self._latency = float(self._stream.latency)
                self._cb = (0, time.perf_counter())
                self._stream.start()
                self.fallback_reason = None
                return
            except Exception as e:
                self._close_stream()
                reason = f"cannot open audio output: {e}"
        self.fallback_reason = f"{reason}; following the wall clock, no sound"
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        self._close_stream()
        self._t0 = None

    def _lost(self) -> bool:
        return self._lost_at is not None

    def _active(self) -> bool:
        try:
            return bool(self._stream.active)
        except Exception:  # noqa: BLE001 - a stream PortAudio lost track of
            return False

    @property
    def playing(self) -> bool:
        if self._stream is not None:
            try:
                return bool(self._stream.active)
            except Exception:
                return False
        return self._t0 is not None and not self.finished

    # ---------------------------------------------------------------- any thread (render)
    def position(self) -> float:
        """Seconds into the buffer of the sample being heard now (monotonic, 0..duration)."""
        if self._stream is None:
            if self._t0 is None:
                return self._last_pos
            pos = time.perf_counter() - self._t0
        else:
            frames, wall = self._cb  # one atomic read of the callback's snapshot
            now = time.perf_counter()
            gap = now - wall
            if gap > self.STALL or (gap > 0.25 and (self._lost_at is not None or not self._active())):
                # the device stopped asking for samples (gone, or its server died): the wall clock leads on
                if self._lost_at is None:
                    self._lost_at = (now, self._last_pos)
                    self.fallback_reason = "the audio output stopped (device or server lost?); following the wall clock"
                pos = self._lost_at[1] + now - self._lost_at[0]
            else:
                self._lost_at = None
                pos = frames / self.sample_rate + (now - wall) - self._latency
                pos = min(pos, self._frames / self.sample_rate)
        pos = min(max(pos, self._last_pos, 0.0), self.duration)
        self._last_pos = pos
        return pos

    @property
    def samples_handed(self) -> int:
        """Frames handed to the device so far."""
        return self._frames

    # ---------------------------------------------------------------- audio callback thread
    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        i = self._frames
        n = max(0, min(frames, len(self.audio) - i))
        src = self.audio[i : i + n]
        if self._out_ch == src.shape[1]:
            outdata[:n] = src
        elif src.shape[1] == 1:
            outdata[:n] = src  # broadcast mono to every output
        else:
            outdata[:n] = src[:, : self._out_ch]
        if n < frames:
            outdata[n:] = 0.0
        self._frames = i + n
        self._cb = (i, time.perf_counter())

    def __enter__(self) -> "FilePlayer":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
