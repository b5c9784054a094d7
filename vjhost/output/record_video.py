"""``vjhost run --record-video show.mp4``: what the audience saw, H.264 + the input audio, in sync.

:class:`ShowRecorder` is an :class:`~vjhost.protocols.Output` that wants
pixels: the frame tap hands it each presented frame (read back through a
pixel buffer, one frame late, without stalling the GPU).  On the render
thread it only copies the frame into a free buffer of a fixed pool and queues
it; an encoder thread of its own converts and compresses (libx264
``ultrafast``/``zerolatency`` by default: the show needs the CPU more).  When
the encoder falls behind and the pool is empty, the frame is dropped *from the
recording* -- never from the show -- and counted (:attr:`ShowRecorder.dropped`,
printed when the show ends).

Timing: every frame is stamped with its show time on a ``1/fps`` grid, so a
show that slows down leaves a held frame in the file, not a faster video; two
frames that land on one slot (a show faster than ``fps``) keep the first.
Audio: a playing file (``--audio``) is cut from the file itself at the same
show times, so picture and sound are locked as they were in the room; live
input is taken hop by hop from the analysis thread (what the analysis heard,
in the order it heard it), starting with the first frame, and padded with
silence while the input is lost.

Nothing is overwritten: the file is written under a hidden temporary name in
the same folder and renamed into place when the show ends; without ``--force``
an existing file (even one that appeared during the show) is never replaced
-- the recording is kept under its temporary name and the message says where
(:mod:`vjhost.atomic`).
"""

from __future__ import annotations

import collections
import queue
import threading
from pathlib import Path

import numpy as np

from ..atomic import OutputExists, check_new, finish, temp_name
from ..protocols import OutputFrame
from .video import mux_audio, mux_video, open_mp4, yuv420


class FileAudio:
    """Audio for the recording from a playing file: the samples at the frames' show times."""

    def __init__(self, audio: np.ndarray, sample_rate: int) -> None:
        a = np.asarray(audio, np.float32)
        self.audio = a if a.ndim == 2 else a[:, None]
        self.sample_rate = int(sample_rate)
        self.channels = self.audio.shape[1]
        self._pos: int | None = None

    def start(self, t: float) -> None:
        self._pos = max(0, int(round(t * self.sample_rate)))

    def until(self, t: float) -> np.ndarray | None:
        """The samples from where the last call ended up to show time ``t``, (n, ch)."""
        end = min(len(self.audio), max(0, int(round(t * self.sample_rate))))
        if self._pos is None or end <= self._pos:
            return None
        out = self.audio[self._pos:end]
        self._pos = end
        return out


class LiveAudio:
    """Audio for the recording from live input: the analysis thread's hops (mono), as they were heard.

    Call :meth:`tap` (analysis thread) with each hop; the recorder drains them.
    ``start(t)`` marks the first frame: hops before it are not recorded.
    """

    def __init__(self, sample_rate: int, max_seconds: float = 10.0) -> None:
        self.sample_rate = int(sample_rate)
        self.channels = 1
        self._q: collections.deque = collections.deque(maxlen=max(1, int(max_seconds * sample_rate / 256)))
        self._on = False
        self._t0 = 0.0
        self._n = 0  # samples handed out

    def tap(self, block: np.ndarray) -> None:
        if self._on:
            self._q.append(np.array(block, np.float32, copy=True))

    def start(self, t: float) -> None:
        self._t0 = t
        self._on = True

    def until(self, t: float) -> np.ndarray | None:
        parts = []
        while self._q:
            parts.append(self._q.popleft())
        n = sum(len(p) for p in parts)
        behind = int((t - self._t0) * self.sample_rate) - (self._n + n) - self.sample_rate // 5
        if behind > 0:  # the input was lost: silence, so the picture that follows stays in sync
            parts.append(np.zeros(behind, np.float32))
        if not parts:
            return None
        out = np.concatenate(parts)[:, None]
        self._n += len(out)
        return out


class ShowRecorder:
    """Records the presented frames (and the audio) to an mp4 on a thread of its own."""

    wants = "rgba"

    def __init__(self, path: str | Path, size: tuple[int, int], fps: float, *, audio=None, force: bool = False,
                 preset: str = "ultrafast", crf: int = 20, pool: int = 12) -> None:
        self.path = check_new(path, force, flag="--force")
        self.force = force
        self.size = (int(size[0]), int(size[1]))
        self.fps = int(round(fps))
        self.tmp = temp_name(self.path)
        self.container, self.video, self.audio = open_mp4(
            self.tmp, self.size, self.fps, preset=preset, crf=crf,
            audio_rate=audio.sample_rate if audio is not None else None, audio_channels=audio.channels if audio else 1)
        w, h = self.size
        self.audio_src = audio
        self._free: collections.deque = collections.deque(np.empty((h, w, 4), np.uint8) for _ in range(pool))
        self._q: queue.Queue = queue.Queue()
        self._t0: float | None = None
        self._last_slot = -1
        self._audio_pts = 0
        self._pending_audio = np.zeros((0, audio.channels if audio else 1), np.float32)
        self.frames = 0  #: frames offered by the show
        self.written = 0  #: frames encoded
        self.dropped = 0  #: frames the encoder could not take (the show did not wait)
        self.folded = 0  #: frames that fell on a slot already filled (a show faster than fps)
        self.error: BaseException | None = None
        self.saved: Path | None = None
        self.description = f"recording {self.path} ({w}x{h} @ {self.fps} fps, H.264" + \
            (" + audio)" if audio is not None else ", no audio)")
        self._thread = threading.Thread(target=self._run, name="vjhost-record", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ render thread
    def send(self, frame: OutputFrame) -> None:
        if self.error is not None:
            err, self.error = self.error, None
            raise RuntimeError(f"{self.path}: the encoder failed: {err}")
        self.frames += 1
        if self._t0 is None:
            self._t0 = frame.t
            if self.audio_src is not None:
                self.audio_src.start(frame.t)
        slot = int(round((frame.t - self._t0) * self.fps))
        if slot <= self._last_slot:
            self.folded += 1
            return
        try:
            buf = self._free.popleft()
        except IndexError:
            self.dropped += 1  # the encoder is behind: this frame is not recorded, the show goes on
            return
        np.copyto(buf, frame.rgba)
        self._last_slot = slot
        self._q.put((buf, slot, frame.t))

    # ------------------------------------------------------------------ encoder thread
    def _run(self) -> None:
        import av

        from ..priority import ENCODER_NICE, background

        background(ENCODER_NICE)  # the show first: x264's threads, made at the first frame, inherit it
        try:
            while True:
                item = self._q.get()
                if item is None:
                    break
                buf, slot, t = item
                vf = av.VideoFrame.from_ndarray(buf, format="rgba")  # a copy: the buffer goes back to the pool now
                self._free.append(buf)
                vf = yuv420(vf)
                mux_video(self.container, self.video, vf, slot)
                self.written += 1
                self._audio(t + 1.0 / self.fps)
        except BaseException as exc:  # noqa: BLE001 - raised on the render thread by the next send()
            self.error = exc
            while True:  # drain so nothing waits on us
                item = self._q.get()
                if item is None:
                    break
                self._free.append(item[0])

    def _audio(self, t: float, flush: bool = False) -> None:
        if self.audio is None:
            return
        got = self.audio_src.until(t)
        if got is not None:
            self._pending_audio = np.concatenate([self._pending_audio, got.astype(np.float32)])
        chunk = 1024
        while len(self._pending_audio) >= chunk or (flush and len(self._pending_audio)):
            part, self._pending_audio = self._pending_audio[:chunk], self._pending_audio[chunk:]
            mux_audio(self.container, self.audio, part.T, self.audio_src.sample_rate, self._audio_pts)
            self._audio_pts += len(part)
        if flush:
            for packet in self.audio.encode(None):
                self.container.mux(packet)

    # ------------------------------------------------------------------ the end
    def close(self) -> None:
        """Finish the file and move it into place (never over an existing file without --force)."""
        self._q.put(None)
        self._thread.join()
        if self.error is not None:
            self.container.close()
            raise RuntimeError(f"{self.path}: the encoder failed: {self.error}; the partial recording is {self.tmp}")
        for packet in self.video.encode(None):
            self.container.mux(packet)
        if self._t0 is not None:
            self._audio(self._t0 + max(1, self._last_slot + 1) / self.fps, flush=True)
        self.container.close()
        if not self.written:
            self.tmp.unlink(missing_ok=True)
            self.saved = None
            return
        try:
            self.saved = finish(self.tmp, self.path, self.force)
        except OutputExists as exc:
            self.saved = self.tmp
            raise OutputExists(f"{exc} (the recording was not lost)") from None

    def summary(self) -> str:
        where = self.saved or self.tmp
        return (f"recorded {self.written} frames to {where}" +
                (f"; {self.dropped} dropped from the recording (the encoder fell behind; the show dropped none)"
                 if self.dropped else "; none dropped") + (f"; {self.folded} faster than {self.fps} fps folded"
                                                          if self.folded else ""))
