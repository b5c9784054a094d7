"""One clock interface for the live show and the offline renderer.

The render loop asks its clock for the show time of the frame it is about to
draw.  Live, that is wall time (or the audio device's playback position, so
picture and sound stay locked); offline and in tests it is ``frame / fps``, so
a render is a pure function of its inputs.
"""

from __future__ import annotations

import time
from typing import Callable, Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Show time in seconds for the frame being drawn."""
        ...

    def advance(self) -> None:
        """Called once after every drawn frame."""
        ...


class FrameClock:
    """Deterministic: frame ``n`` is at ``start + n / fps``."""

    def __init__(self, fps: float, start: float = 0.0) -> None:
        self.fps = float(fps)
        self.start = float(start)
        self.frame = 0

    def now(self) -> float:
        return self.start + self.frame / self.fps

    def advance(self) -> None:
        self.frame += 1


class WallClock:
    """Wall time since the show started (the internal clock when no audio plays)."""

    def __init__(self, timer: Callable[[], float] = time.perf_counter) -> None:
        self._timer = timer
        self._t0 = timer()

    def now(self) -> float:
        return self._timer() - self._t0

    def advance(self) -> None:
        pass


class SourceClock:
    """Follows an audio source's position (``position()`` in seconds); wall time if it has none."""

    def __init__(self, position: Callable[[], float | None]) -> None:
        self._position = position
        self._wall = WallClock()

    def now(self) -> float:
        p = self._position()
        return self._wall.now() if p is None else p

    def advance(self) -> None:
        pass
