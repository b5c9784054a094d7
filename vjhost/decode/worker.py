"""Decoding off the render thread: a latest-wins mailbox in, the newest frame out.

The render loop produces one latent per frame and must never wait for the
decoder.  :class:`DecodeWorker` owns a daemon thread that decodes the most
recently submitted latent; a latent that is replaced before the thread gets to
it is dropped (counted), because showing a stale picture late is worse than
skipping it.  The renderer polls :meth:`DecodeWorker.latest` every frame and
uploads the image only when ``frame_id`` changed.

::

    worker = DecodeWorker(decoder, faults)
    ...                                  # per rendered frame:
    worker.submit(controller.step(features, dt, controls), tag=frame_no)
    got = worker.latest()                # (frame_id, image, tag) or None
    ...
    worker.close()

A decoder exception is reported through :class:`~vjhost.faults.FaultLog`
(source ``"decoder"`` unless told otherwise); the previous frame stays
published and the worker keeps going, so the next latent gets its chance.

The offline renderer uses :meth:`DecodeWorker.decode_now` instead: it decodes
in the calling thread, in order, every latent -- deterministic, nothing dropped
-- and errors propagate (an offline render should fail loudly).  Construct with
``start=False`` to get no thread at all.

GPU note: the worker treats the decoder's output as opaque apart from taking
item ``[0]`` of the batch.  Today frames are host ``numpy`` arrays (the
renderer uploads them with ``glTexSubImage2D``).  A GPU decoder could instead
return a device tensor or a handle to a GL texture it filled through CUDA-GL
interop; the mailbox, counters and fault handling stay the same, only the
renderer's upload step changes.  The decode call happens on this thread, so a
CUDA decoder should synchronise (or record an event) before returning.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Optional

import numpy as np

from ..faults import FaultLog
from ..protocols import Decoder

__all__ = ["DecodeWorker", "Frame"]

#: ``(frame_id, image (H, W, C) uint8, tag)`` -- frame ids start at 1 and only grow.
Frame = tuple[int, np.ndarray, Any]


class DecodeWorker:
    def __init__(
        self,
        decoder: Decoder,
        faults: FaultLog | None = None,
        *,
        source: str = "decoder",
        start: bool = True,
        ema: float = 0.1,
        name: str = "vjhost-decode",
    ) -> None:
        self.decoder = decoder
        #: where decode errors go (a private stderr log when none is given)
        self.faults = faults if faults is not None else FaultLog()
        self.source = source
        self._ema_alpha = float(ema)
        self._latent_dim = int(getattr(decoder, "latent_dim", 0) or 0)

        self._cond = threading.Condition(threading.Lock())  # guards the mailbox + counters
        self._frame_cond = threading.Condition(threading.Lock())  # signals new frames
        self._decode_lock = threading.Lock()  # one decode at a time (worker vs decode_now)
        self._pending: Optional[tuple[np.ndarray, Any]] = None
        self._frame: Optional[Frame] = None
        self._frame_id = 0
        self._closed = False
        self._busy = False

        self.submitted = 0
        self.decoded = 0
        self.dropped = 0
        self.errors = 0
        self._decode_ema: float | None = None  # seconds
        self._decode_last: float | None = None

        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()

    # ------------------------------------------------------------------ producer side
    def _as_batch(self, z: np.ndarray) -> np.ndarray:
        z = np.array(z, dtype=np.float32, copy=True)  # own copy: the caller may reuse its buffer
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[0] != 1 or (self._latent_dim and z.shape[1] != self._latent_dim):
            want = self._latent_dim or "D"
            raise ValueError(f"expected a latent of shape ({want},), got {np.shape(z)}")
        return z

    def submit(self, z: np.ndarray, tag: Any = None) -> None:
        """Queue ``z`` (``(D,)``) for decoding, replacing any latent still waiting.  Never blocks on a decode."""
        zb = self._as_batch(z)
        with self._cond:
            if self._closed:
                return
            if self._pending is not None:
                self.dropped += 1
            self._pending = (zb, tag)
            self.submitted += 1
            self._cond.notify_all()

    # ------------------------------------------------------------------ consumer side
    def latest(self) -> Frame | None:
        """The newest finished frame ``(frame_id, image, tag)``, or ``None`` before the first one."""
        return self._frame  # a single reference read: atomic, never blocks

    def wait_frame(self, after: int = 0, timeout: float | None = None) -> Frame | None:
        """Block until a frame with ``frame_id > after`` exists (or timeout); return the latest frame."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._frame_cond:
            while self._frame is None or self._frame[0] <= after:
                remaining = None if deadline is None else deadline - time.monotonic()
                if (remaining is not None and remaining <= 0) or self._closed:
                    break
                self._frame_cond.wait(remaining)
            return self._frame

    def idle(self) -> bool:
        """Nothing waiting and nothing being decoded."""
        with self._cond:
            return self._pending is None and not self._busy

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until :meth:`idle` (or timeout); True if idle."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending is not None or self._busy:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def stats(self) -> dict[str, Any]:
        """Counters and decode timing (``decode_ms``: exponential moving average)."""
        with self._cond:
            ema, last = self._decode_ema, self._decode_last
            return {
                "submitted": self.submitted,
                "decoded": self.decoded,
                "dropped": self.dropped,
                "errors": self.errors,
                "pending": self._pending is not None,
                "busy": self._busy,
                "frame_id": self._frame_id,
                "decode_ms": None if ema is None else ema * 1e3,
                "last_decode_ms": None if last is None else last * 1e3,
                "decode_fps": None if not ema else 1.0 / ema,
            }

    # ------------------------------------------------------------------ decoding
    def _publish(self, image: Any, tag: Any, seconds: float) -> Frame:
        with self._cond:
            self._frame_id += 1
            frame: Frame = (self._frame_id, image, tag)
            self.decoded += 1
            self._decode_last = seconds
            if self._decode_ema is None:
                self._decode_ema = seconds
            else:
                self._decode_ema += self._ema_alpha * (seconds - self._decode_ema)
        with self._frame_cond:
            self._frame = frame
            self._frame_cond.notify_all()
        return frame

    def _decode(self, zb: np.ndarray) -> tuple[Any, float]:
        with self._decode_lock:
            t0 = time.perf_counter()
            out = self.decoder.decode(zb)
            return out[0], time.perf_counter() - t0

    def decode_now(self, z: np.ndarray, tag: Any = None) -> np.ndarray:
        """Decode ``z`` in the calling thread and return its image (also published as the latest frame).

        For the offline renderer: every call decodes, in order, nothing is
        dropped, and a decoder exception propagates to the caller.
        """
        image, seconds = self._decode(self._as_batch(z))
        self._publish(image, tag, seconds)
        return image

    def _run(self) -> None:
        from ..priority import idle

        idle()  # the render thread first: the show crossfades to the newest decode whenever it comes
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                zb, tag = self._pending
                self._pending = None
                self._busy = True
            try:
                image, seconds = self._decode(zb)
            except Exception as exc:  # noqa: BLE001 - the show goes on with the previous frame
                with self._cond:
                    self.errors += 1
                self.faults.exception(self.source, exc)
            else:
                self._publish(image, tag, seconds)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    # ------------------------------------------------------------------ lifecycle
    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop the thread (after the decode in flight, if any) and join it.  Idempotent."""
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify_all()
        with self._frame_cond:
            self._frame_cond.notify_all()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    def __enter__(self) -> "DecodeWorker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
