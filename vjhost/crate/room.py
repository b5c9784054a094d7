"""Room energy from a webcam: how much the crowd moves, as a 0..1 feature (optional; OpenCV).

:func:`motion_energy` is the share of the picture that changed between two
frames (greyscale, shrunk to 80x60 so sensor noise and compression blocks
average out; differences under ``noise`` are ignored), weighted by how much
it changed.  :class:`MotionMeter` smooths it (a couple of seconds) and
scales it against the busiest the room has been recently, so a small, packed
club and a big half-empty floor both span 0..1.

:class:`RoomCamera` reads the camera on its own thread.  With no OpenCV, or
no camera, it says so in one line and ``energy`` stays None: nothing else
changes (the suggestion's ``room`` direction falls back to ``keep``, the
``room.energy`` parameter stays at 0).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

__all__ = ["motion_energy", "MotionMeter", "RoomCamera", "NO_CAMERA"]

NO_CAMERA = "room energy: no camera{detail}; the show and the suggestions go on without it"
_SMALL = (60, 80)


def _small_grey(frame: np.ndarray) -> np.ndarray:
    f = np.asarray(frame, np.float32)
    if f.ndim == 3:
        f = f[..., :3].mean(axis=2)
    h, w = f.shape
    sh, sw = _SMALL
    ys = (np.arange(sh + 1) * h / sh).astype(int)
    xs = (np.arange(sw + 1) * w / sw).astype(int)
    # box-average into the small grid (reduceat over rows then columns)
    rows = np.add.reduceat(f, ys[:-1], axis=0) / np.maximum(1, np.diff(ys))[:, None]
    return np.add.reduceat(rows, xs[:-1], axis=1) / np.maximum(1, np.diff(xs))[None, :]


def motion_energy(prev: np.ndarray, cur: np.ndarray, noise: float = 6.0) -> float:
    """0..1: how much of the picture moved between two frames (uint8-range greyscale or RGB, any size)."""
    a, b = _small_grey(prev), _small_grey(cur)
    if a.shape != b.shape:
        return 0.0
    d = np.abs(b - a)
    moving = np.clip((d - noise) / 40.0, 0.0, 1.0)
    return float(moving.mean())


class MotionMeter:
    """Smoothed, self-scaling room energy from successive frames."""

    def __init__(self, tau: float = 2.0, memory: float = 120.0) -> None:
        self.tau = tau
        self.memory = memory
        self.reset()

    def reset(self) -> None:
        self._prev: np.ndarray | None = None
        self._t: float | None = None
        self.raw = 0.0
        self.smooth = 0.0
        self.peak = 0.02  # a floor: a still room stays near 0 instead of being scaled up to 1

    def update(self, frame: np.ndarray, t: float) -> float:
        """Feed a frame taken at ``t`` (s); returns the current room energy 0..1."""
        small = _small_grey(frame)
        if self._prev is not None and self._t is not None:
            dt = max(1e-3, t - self._t)
            self.raw = motion_energy(self._prev, small)
            a = 1.0 - np.exp(-dt / self.tau)
            self.smooth += a * (self.raw - self.smooth)
            self.peak = max(self.smooth, self.peak * np.exp(-dt / self.memory), 0.02)
        self._prev, self._t = small, t
        return self.energy

    @property
    def energy(self) -> float:
        return float(min(1.0, self.smooth / self.peak)) if self.peak > 0 else 0.0


class RoomCamera:
    """A webcam on a background thread feeding a :class:`MotionMeter`.  ``energy`` is None without one."""

    def __init__(self, index: int | str = 0, fps: float = 10.0, say: Callable[[str], None] | None = None) -> None:
        self.index = index
        self.interval = 1.0 / fps
        self.say = say or (lambda m: print(f"vjhost: {m}", flush=True))
        self.meter = MotionMeter()
        self.status = "off"
        self.error: str | None = None
        self._cap = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "RoomCamera":
        import os

        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # our one line says it; not OpenCV's warnings
        try:
            import cv2
        except ImportError:
            self._unavailable(" (OpenCV is not installed: pip install 'vjhost[room]')")
            return self
        try:
            try:
                cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
            except AttributeError:  # an OpenCV without the logging utils
                pass
            cap = cv2.VideoCapture(self.index)
            ok = cap.isOpened()
            if ok:
                ok, _ = cap.read()
        except Exception as exc:  # noqa: BLE001 - a driver error is "no camera" on stage
            ok, cap = False, None
            self.error = f"{type(exc).__name__}: {exc}"
        if not ok:
            if cap is not None:
                cap.release()
            self._unavailable(f" at {self.index!r}")
            return self
        self._cap = cap
        self.status = "live"
        self.say(f"room energy: camera {self.index!r} is watching the floor")
        self._thread = threading.Thread(target=self._run, name="vjhost-room", daemon=True)
        self._thread.start()
        return self

    def _unavailable(self, detail: str) -> None:
        self.status = "unavailable"
        self.say(NO_CAMERA.format(detail=detail))

    def _run(self) -> None:
        cap = self._cap
        while not self._stop.is_set() and cap is not None:
            t0 = time.monotonic()
            ok, frame = cap.read()
            if not ok:
                self.status = "lost"
                self.say("room energy: the camera stopped sending frames; carrying on without it")
                break
            self.meter.update(frame, t0)
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - t0)))

    @property
    def energy(self) -> float | None:
        return self.meter.energy if self.status == "live" else None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._cap is not None:
            self._cap.release()
            self._cap = None
