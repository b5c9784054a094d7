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
without a clock.  :class:`FrameLimiter` keeps a show that has no vsync
(software GL, ``--no-vsync`` aside) from drawing faster than its target, so
the decoder and audio threads get the rest of the CPU; :class:`ShowPacing`
puts the three together for the live loop, with the warnings the performer
gets once (software renderer, under the target) and the closing summary.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from typing import Callable

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

    Every ``window`` frames (or every ``window_s`` seconds, at least 4 frames,
    when frames are so slow that ``window`` would take longer) it takes the
    90th percentile of the costs as the load (1 = exactly the budget of one
    frame at the target rate):

    * load above ``down_at`` (0.95): step down at once, as far as the pixel
      count predicts (cost ~ scale squared) to bring it to ``aim`` (0.8), at
      least one step; the scale it left is kept off for ``hold_s`` seconds;
    * the load predicted one step up below ``up_at`` (0.75) for ``up_windows``
      windows in a row, ``cooldown_s`` after the last change: up as far as the
      pixel count predicts stays below ``up_at`` (one step at least), never to a
      scale still kept off.
    """

    def __init__(self, target_fps: float = 60.0, fixed: float | None = None, *, start: float = 1.0,
                 window: int = 30, down_at: float = 0.95, aim: float = 0.8, up_at: float = 0.75,
                 up_windows: int = 2, cooldown_s: float = 1.0, hold_s: float = 10.0, window_s: float = 0.5) -> None:
        self.budget_ms = 1000.0 / float(target_fps)
        self.fixed = None if fixed is None else quantize_scale(fixed)
        self.scale = self.fixed if self.fixed is not None else quantize_scale(start)
        self.window = int(window)
        self.window_s = float(window_s)
        self._window_t: float | None = None
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
        if self._n == 0:
            self._window_t = now
        self._costs[self._n] = cost_ms
        self._n += 1
        if self._n < self.window and not (self._n >= 4 and now - self._window_t >= self.window_s):
            return None
        self.load = float(np.percentile(self._costs[: self._n], 90)) / self.budget_ms
        self._n = 0
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
                # as far up as the pixel count predicts stays under up_at (and is not held off), at least one step
                while True:
                    nxt = quantize_scale(up + SCALE_STEP)
                    if nxt <= up or self.load * (nxt / s) ** 2 >= self.up_at or self._held.get(nxt, -math.inf) > now:
                        break
                    up = nxt
                return self._change(up, now, f"headroom: frames cost {self.load * self.budget_ms:.1f} ms of "
                                             f"{self.budget_ms:.1f}")
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


SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader", "software rasterizer", "lavapipe")


def is_software_renderer(gl_renderer: str) -> bool:
    """Whether a ``GL_RENDERER`` string names a software rasterizer (Mesa llvmpipe and friends)."""
    name = (gl_renderer or "").lower()
    return any(s in name for s in SOFTWARE_RENDERERS)


class FrameLimiter:
    """Holds a loop to ``fps`` by sleeping away what is left of each frame period.

    ``wait()`` once per frame, after the swap.  It keeps the beat like vsync
    does: a frame that ends a little late takes the time from the next one
    (so the average stays at ``fps``); one more than a period late starts the
    beat over instead of rushing to catch up.  With a real vsync the swap has
    already waited and this sleeps (almost) nothing.
    """

    def __init__(self, fps: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.period = 1.0 / float(fps)
        self._sleep, self._clock = sleep, clock
        self._next: float | None = None

    def wait(self) -> float:
        """Sleep until the next frame is due; returns the time it is now."""
        now = self._clock()
        if self._next is None:
            self._next = now + self.period
        elif now < self._next:
            self._sleep(self._next - now)
            now = self._clock()
            self._next += self.period
        elif now - self._next < self.period:
            self._next += self.period
        else:
            self._next = now + self.period
        return now


class ShowPacing:
    """The live loop's frame budget: stats, dynamic resolution, a frame limiter and the performer's warnings.

    Per frame: ``begin()`` before the work, ``rendered()`` once the GL work is
    done (after ``glFinish``: the frame's cost; returns a new render scale to
    apply, or None), ``presented()`` after the swap (waits for the next frame
    when ``limit`` and counts the interval).  ``status()`` is what the HUD and
    the web page show; ``summary()`` the line ``vjhost run`` prints at the end.
    """

    WARMUP_S = 3.0  #: the first seconds (shader JIT, first decodes) are not judged
    UNDER_S = 4.0  #: how long under the target before the performer is told

    def __init__(self, target_fps: float = 60.0, render_scale: float | None = None, *, limit: bool = True,
                 gl_renderer: str = "", say: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.perf_counter, sleep: Callable[[float], None] = time.sleep,
                 ignore_s: float = 1.0) -> None:
        self.target_fps = float(target_fps)
        self.ignore_s = ignore_s  #: the first seconds' frame costs (shader JIT, first uploads) do not move the scale
        self.stats = FrameStats(target_fps)
        self.scaler = RenderScaler(target_fps, render_scale)
        self.limiter = FrameLimiter(target_fps, sleep=sleep, clock=clock) if limit else None
        self.software = is_software_renderer(gl_renderer)
        self.gl_renderer = gl_renderer
        self._say = say or (lambda msg: print(f"vjhost: {msg}", file=sys.stderr, flush=True))
        self._clock = clock
        self._t0 = self._start = clock()
        self._last: float | None = None
        self.cost_ms = 0.0
        self._recent = np.zeros(64, np.float64)  # the last intervals (s), for the HUD's fps
        self._n_recent = 0
        self._under_since: float | None = None
        self.warned_under = False
        self.warned_software = False

    def announce(self, size: tuple[int, int]) -> None:
        """Say once, at the start, when the show draws on a software rasterizer."""
        if self.software and not self.warned_software:
            self.warned_software = True
            how = ("at a render scale that follows the frame time to hold it (--render-scale to fix one)"
                   if self.scaler.auto else f"at a fixed render scale of {self.scaler.describe()}")
            self._say(f"software OpenGL ({self.gl_renderer.split('(')[0].strip() or 'no GPU driver'}): every pixel is "
                      f"drawn by the CPU; {size[0]}x{size[1]} at {self.target_fps:g} fps is drawn {how}")

    def begin(self) -> None:
        self._t0 = self._clock()

    def rendered(self) -> float | None:
        """The frame's GL work is done: feed its cost to the scaler; a new scale to apply, or None."""
        now = self._clock()
        self.cost_ms = (now - self._t0) * 1000.0
        if now - self._start < self.ignore_s:  # shader JIT and first uploads are not the show
            return None
        change = self.scaler.update(self.cost_ms, now)
        return None if change is None else change.scale

    def presented(self) -> None:
        """After the swap: wait for the next frame (frame limiter), count the interval, warn once if under."""
        now = self.limiter.wait() if self.limiter is not None else self._clock()
        if self._last is not None:
            dt = now - self._last
            self.stats.frame(dt)
            self._recent[self._n_recent % len(self._recent)] = dt
            self._n_recent += 1
        self._last = now
        self._check_under(now)

    def recent_fps(self) -> float:
        n = min(self._n_recent, len(self._recent))
        total = float(self._recent[:n].sum()) if n else 0.0
        return n / total if total > 0 else 0.0

    def _check_under(self, now: float) -> None:
        if self.warned_under or now - self._start < self.WARMUP_S or self._n_recent < len(self._recent):
            return
        fps = self.recent_fps()
        settled = not self.scaler.auto or self.scaler.scale <= MIN_SCALE + 1e-6
        if fps < 0.92 * self.target_fps and settled:
            if self._under_since is None:
                self._under_since = now
            elif now - self._under_since >= self.UNDER_S:
                self.warned_under = True
                self._say(f"the show runs at {fps:.0f} fps, under its {self.target_fps:g} fps target, at render scale "
                          f"{self.scaler.describe()}; a frame costs {self.cost_ms:.1f} ms of "
                          f"{1000 / self.target_fps:.1f}: a smaller --size, fewer effects raised, "
                          "or a GPU would hold it")
        else:
            self._under_since = None

    def status(self) -> dict[str, float | bool]:
        """What the HUD and the web page show: fps over the last frames, p99, dropped frames, the render scale."""
        return {"fps": round(self.recent_fps(), 1), "p99_ms": round(self.stats.percentile_ms(99), 1),
                "dropped": self.stats.dropped, "render_scale": self.scaler.scale, "auto_scale": self.scaler.auto,
                "cost_ms": round(self.cost_ms, 1), "target_fps": self.target_fps, "software": self.software}

    def summary(self) -> str:
        s = self.stats
        return (f"{s.frames} frames in {s.elapsed:.1f} s: {s.fps:.1f} fps (target {self.target_fps:g}), "
                f"p99 {s.percentile_ms(99):.1f} ms, {s.dropped} dropped, render scale {self.scaler.describe()}")
