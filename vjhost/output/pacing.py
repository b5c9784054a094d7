"""Frame pacing: how the show is doing (fps, p99, dropped frames) and the dynamic render scale.

:class:`FrameStats` keeps a fixed histogram of frame intervals (nothing is
allocated per frame), so a show of hours still reports an exact-enough p99 at
the end.  :class:`RenderScaler` is the dynamic resolution of real-time
engines: it watches what each frame costs and picks the chain's render scale
(100 % down to 50 %, in 5 % steps; the picture is upscaled to the window at
the end) so the show holds its target frame rate.  Hysteresis keeps it from
pumping: it steps down at once when frames run over budget, steps up only
after a second of clear headroom, and keeps off a scale it had to leave for
a while.

Both are plain objects fed by the live loop (``vjhost run``), the bench and
``vjhost pack validate``; they take times as arguments, so tests drive them
without a clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..render.chain import MIN_SCALE, SCALE_STEP, quantize_scale


def parse_render_scale(text: str) -> float | None:
    """``--render-scale``: ``auto`` (None) or a fixed scale 0.5..1 (also as a percentage, ``75%``)."""
    t = str(text).strip().lower()
    if t == "auto":
        return None
    pct = t.endswith("%")
    try:
        v = float(t.rstrip("%")) / (100.0 if pct else 1.0)
    except ValueError:
        raise ValueError(f"render scale must be auto or 0.5..1, got {text!r}") from None
    if not MIN_SCALE - 1e-9 <= v <= 1.0 + 1e-9:
        raise ValueError(f"render scale must be auto or {MIN_SCALE:g}..1, got {text!r}")
    return quantize_scale(v)


class FrameStats:
    """Frame intervals of a show: frames per second, percentiles and dropped frames.

    ``frame(interval_s)`` once per presented frame.  An interval longer than
    1.5 target periods counts the frames it skipped as dropped.
    """

    def __init__(self, target_fps: float = 60.0, bin_ms: float = 0.25, max_ms: float = 500.0) -> None:
        self.target_fps = float(target_fps)
        self.period = 1.0 / self.target_fps
        self.bin_ms = bin_ms
        self.hist = np.zeros(int(max_ms / bin_ms) + 1, np.int64)
        self.frames = 0
        self.elapsed = 0.0
        self.dropped = 0
        self.worst_ms = 0.0

    def frame(self, interval_s: float) -> None:
        ms = interval_s * 1000.0
        self.frames += 1
        self.elapsed += interval_s
        self.hist[min(len(self.hist) - 1, int(ms / self.bin_ms))] += 1
        if ms > self.worst_ms:
            self.worst_ms = ms
        if interval_s > 1.5 * self.period:
            self.dropped += int(round(interval_s / self.period)) - 1

    @property
    def fps(self) -> float:
        return self.frames / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        """The ``q`` (0..100) percentile of the frame intervals, to the bin width."""
        if not self.frames:
            return 0.0
        rank = math.ceil(self.frames * q / 100.0)
        i = int(np.searchsorted(np.cumsum(self.hist), max(1, rank)))
        return min((i + 1) * self.bin_ms, self.worst_ms)

    def summary(self) -> dict[str, float]:
        return {"frames": self.frames, "seconds": round(self.elapsed, 2), "fps": round(self.fps, 1),
                "p50_ms": round(self.percentile_ms(50), 2), "p99_ms": round(self.percentile_ms(99), 2),
                "dropped": self.dropped}


@dataclass
class ScaleChange:
    scale: float
    reason: str


class RenderScaler:
    """Picks the render scale from measured frame costs (``fixed`` = None: automatic).

    ``update(cost_ms, now)`` once per frame with what the frame cost (render
    time, not time waiting for vsync); returns a :class:`ScaleChange` when the
    scale should change, else None.

    Every ``window`` frames it takes the 90th percentile of the costs as the
    load (1 = exactly the budget of one frame at the target rate):

    * load above ``down_at`` (0.95): step down at once, as far as the pixel
      count predicts (cost ~ scale squared) to bring it to ``aim`` (0.8), at
      least one step; the scale it left is kept off for ``hold_s`` seconds;
    * the load predicted one step up below ``up_at`` (0.75) for ``up_windows``
      windows in a row, ``cooldown_s`` after the last change: one step up.
    """

    def __init__(self, target_fps: float = 60.0, fixed: float | None = None, *, start: float = 1.0,
                 window: int = 30, down_at: float = 0.95, aim: float = 0.8, up_at: float = 0.75,
                 up_windows: int = 2, cooldown_s: float = 1.0, hold_s: float = 10.0) -> None:
        self.budget_ms = 1000.0 / float(target_fps)
        self.fixed = None if fixed is None else quantize_scale(fixed)
        self.scale = self.fixed if self.fixed is not None else quantize_scale(start)
        self.window = int(window)
        self.down_at, self.aim, self.up_at, self.up_windows = down_at, aim, up_at, up_windows
        self.cooldown_s, self.hold_s = cooldown_s, hold_s
        self._costs = np.zeros(self.window, np.float64)
        self._n = 0
        self._clear = 0
        self._changed_at = -math.inf
        self._held: dict[float, float] = {}  # scale -> until when it is kept off
        self.load = 0.0  #: the last window's load
        self.changes = 0

    @property
    def auto(self) -> bool:
        return self.fixed is None

    def update(self, cost_ms: float, now: float) -> ScaleChange | None:
        if self.fixed is not None:
            return None
        self._costs[self._n] = cost_ms
        self._n += 1
        if self._n < self.window:
            return None
        self._n = 0
        self.load = float(np.percentile(self._costs, 90)) / self.budget_ms
        s = self.scale
        if self.load > self.down_at and s > MIN_SCALE:
            want = s * math.sqrt(self.aim / self.load)
            new = min(quantize_scale(want), quantize_scale(s - SCALE_STEP))
            self._held[s] = now + self.hold_s
            return self._change(new, now, f"frames cost {self.load * self.budget_ms:.1f} ms of {self.budget_ms:.1f}")
        up = quantize_scale(s + SCALE_STEP)
        if up > s and self.load * (up / s) ** 2 < self.up_at and now - self._changed_at >= self.cooldown_s \
                and self._held.get(up, -math.inf) <= now:
            self._clear += 1
            if self._clear >= self.up_windows:
                return self._change(up, now, f"headroom: frames cost {self.load * self.budget_ms:.1f} ms of {self.budget_ms:.1f}")
        else:
            self._clear = 0
        return None

    def _change(self, new: float, now: float, reason: str) -> ScaleChange | None:
        self._clear = 0
        if new == self.scale:
            return None
        self.scale, self._changed_at = new, now
        self.changes += 1
        return ScaleChange(new, reason)

    def describe(self) -> str:
        return f"{round(self.scale * 100):d}%" + (" (auto)" if self.auto else "")
