"""``vjhost calibrate``: measure how late the picture reaches the room, so beat-locked events can fire that early.

Run it on the stage set-up (the projector or LED wall, the PA), then play the
show as usual: ``vjhost run`` reads the saved figure (``~/.config/vjhost/latency.toml``)
and fires beat-locked events that much early (:mod:`vjhost.output.latency`).

``--mode tap`` (default): first the speakers click on a steady beat (the
screen stays dark blue): tap Space with each click.  Then the screen flashes
white (no sound): tap Space with each flash.  Your reaction time is in both;
the difference is the picture's latency relative to the sound.

``--mode adjust``: flash and click together; ←/→ move the flash 5 ms earlier
/ later until they land together in the room; Enter saves, Esc leaves.

:class:`Calibration` holds the schedule and the arithmetic (tested without a
window); :func:`run_calibration` is the window around it.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

from .latency import MAX_LEAD_S, save_latency, tap_offset, video_latency

FLASH_S = 0.08  #: how long a flash stays white


@dataclass
class Calibration:
    """The stimulus schedule of a tap-along calibration and the taps that answered it (monotonic seconds)."""

    start: float
    bpm: float = 100.0
    beats: int = 12  #: per phase
    lead_in: int = 4  #: beats before the first stimulus of each phase
    clicks: list[float] = field(default_factory=list)  #: when each click sounded
    flashes: list[float] = field(default_factory=list)  #: when each flash was presented
    click_taps: list[float] = field(default_factory=list)
    flash_taps: list[float] = field(default_factory=list)

    @property
    def period(self) -> float:
        return 60.0 / self.bpm

    def phase_at(self, t: float) -> str:
        """"click", "flash" or "done" at time ``t``."""
        k = (t - self.start) / self.period
        if k < self.lead_in + self.beats + 1:
            return "click"
        if k < 2 * (self.lead_in + self.beats + 1):
            return "flash"
        return "done"

    def stimulus(self, phase: str, n: int) -> float:
        """The scheduled time of stimulus ``n`` of ``phase``."""
        base = 0 if phase == "click" else self.lead_in + self.beats + 1
        return self.start + (base + self.lead_in + n) * self.period

    def due(self, phase: str, t0: float, t1: float) -> list[float]:
        """Scheduled stimuli of ``phase`` in [t0, t1)."""
        return [s for s in (self.stimulus(phase, n) for n in range(self.beats)) if t0 <= s < t1]

    def tap(self, t: float) -> None:
        phase = self.phase_at(t)
        if phase == "click":
            self.click_taps.append(t)
        elif phase == "flash":
            self.flash_taps.append(t)

    def result(self) -> tuple[float, float, float]:
        """``(latency, click_offset, flash_offset)`` in seconds; raises ``ValueError`` if the taps do not fit."""
        clicks = self.clicks or [self.stimulus("click", n) for n in range(self.beats)]
        flashes = self.flashes or [self.stimulus("flash", n) for n in range(self.beats)]
        c = tap_offset(clicks, self.click_taps, self.period)
        f = tap_offset(flashes, self.flash_taps, self.period)
        return video_latency(c, f), c, f


class _Clicker:
    """Clicks on the default audio output at scheduled monotonic times (sounddevice), or nothing."""

    def __init__(self, sample_rate: int = 48000) -> None:
        self.error = None
        self.times: list[float] = []
        self._queue: list[float] = []
        self.sr = sample_rate
        try:
            import numpy as np
            import sounddevice as sd

            self._burst = (np.sin(2 * np.pi * 1000 * np.arange(480) / sample_rate) * 0.6
                           * np.exp(-np.arange(480) / 100)).astype(np.float32)
            self._stream = sd.OutputStream(samplerate=sample_rate, channels=1, dtype="float32", callback=self._cb)
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 - no sound card: the tap mode says what it cannot measure
            self.error = str(exc) or type(exc).__name__
            self._stream = None

    def schedule(self, t: float) -> None:
        self._queue.append(t)

    def _cb(self, out, frames, ti, status) -> None:
        out[:] = 0
        dac0 = time.monotonic() + (ti.outputBufferDacTime - ti.currentTime)  # when this buffer's first sample sounds
        keep = []
        for t in self._queue:
            k = int(round((t - dac0) * self.sr))
            if k >= frames:
                keep.append(t)
                continue
            k = max(0, k)
            m = min(len(self._burst), frames - k)
            out[k:k + m, 0] += self._burst[:m]
            self.times.append(dac0 + k / self.sr)
        self._queue = keep

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()


def run_calibration(args) -> int:
    from ..render.context import GLUnavailable, WindowContext, display_available

    if not display_available():
        print("vjhost: error: calibrate needs the stage display (a window on the projector); start X first",
              file=sys.stderr)
        return 1
    try:
        win = WindowContext(args.size, fullscreen=args.fullscreen, monitor=args.monitor, vsync=True,
                            title="vjhost calibrate")
    except GLUnavailable as exc:
        print(f"vjhost: error: {exc}", file=sys.stderr)
        return 1
    from OpenGL import GL

    glfw = win.glfw
    clicker = _Clicker()
    if clicker.error:
        print(f"vjhost: no audio output ({clicker.error}): "
              + ("the tap mode needs the clicks; use --mode adjust with an external metronome, or --latency-ms"
                 if args.mode == "tap" else "adjust the flash against the show's own sound"), file=sys.stderr)
        if args.mode == "tap":
            win.close()
            return 1
    cal = Calibration(time.monotonic() + 1.0, bpm=args.bpm, beats=args.beats)
    keys: list[tuple[int, float]] = []
    def on_key(window, key, scancode, action, mods) -> None:
        if action == glfw.PRESS:
            keys.append((key, time.monotonic()))

    glfw.set_key_callback(win.window, on_key)
    offset = 0.0
    saved = None
    print("vjhost calibrate: " + ("tap Space with each CLICK (dark blue screen), then with each white FLASH (silent)"
                                  if args.mode == "tap" else
                                  "flash + click: Left/Right move the flash 5 ms earlier/later until they land "
                                  "together; Enter saves, Esc leaves"), flush=True)
    scheduled: set[float] = set()
    try:
        while not win.should_close():
            now = time.monotonic()
            for k, t in keys:
                if k == glfw.KEY_ESCAPE:
                    glfw.set_window_should_close(win.window, True)
                elif k == glfw.KEY_SPACE and args.mode == "tap":
                    cal.tap(t)
                elif k == glfw.KEY_LEFT:
                    offset = min(MAX_LEAD_S, offset + 0.005)
                    print(f"  flash {offset * 1000:.0f} ms early", flush=True)
                elif k == glfw.KEY_RIGHT:
                    offset = max(0.0, offset - 0.005)
                    print(f"  flash {offset * 1000:.0f} ms early", flush=True)
                elif k in (glfw.KEY_ENTER, glfw.KEY_KP_ENTER) and args.mode == "adjust":
                    saved = save_latency(offset, how="flash + click adjusted by ear and eye")
                    print(f"vjhost: saved {offset * 1000:.0f} ms to {saved}", flush=True)
                    glfw.set_window_should_close(win.window, True)
            keys.clear()
            if args.mode == "tap":
                phase = cal.phase_at(now)
                if phase == "done":
                    break
                for s in cal.due("click", now, now + 0.2):
                    if s not in scheduled:
                        scheduled.add(s)
                        clicker.schedule(s)
                near = cal.due("flash", now - 1, now + 1)
                flash = phase == "flash" and any(s - 0.5 / 60 <= now < s + FLASH_S for s in near)
                colour = (1.0, 1.0, 1.0) if flash else ((0.0, 0.0, 0.25) if phase == "click" else (0.0, 0.0, 0.0))
            else:  # adjust: a beat every period from the start, both stimuli; the flash moved by the offset
                k = math.floor((now - cal.start) / cal.period)
                nxt = cal.start + (k + 1) * cal.period
                if nxt not in scheduled:
                    scheduled.add(nxt)
                    clicker.schedule(nxt)
                beat_t = cal.start + k * cal.period
                flash = beat_t - offset <= now < beat_t - offset + FLASH_S or nxt - offset <= now
                colour = (1.0, 1.0, 1.0) if flash else (0.0, 0.0, 0.0)
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
            GL.glClearColor(*colour, 1.0)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT)
            win.swap()
            new_flash = not cal.flashes or time.monotonic() - cal.flashes[-1] > cal.period / 2
            if flash and args.mode == "tap" and new_flash:
                cal.flashes.append(time.monotonic())  # presented now (the display adds what we measure)
    finally:
        clicker.close()
        win.close()
    if args.mode == "adjust":
        return 0 if saved else 1
    cal.clicks = clicker.times[: cal.beats]
    try:
        latency, c, f = cal.result()
    except ValueError as exc:
        print(f"vjhost: error: {exc}; nothing saved", file=sys.stderr)
        return 1
    print(f"vjhost: taps came {c * 1000:.0f} ms after the clicks and {f * 1000:.0f} ms after the flashes: "
          f"the picture is {latency * 1000:.0f} ms behind the sound", flush=True)
    if latency < 0:
        print("vjhost: the picture is ahead of the sound here: nothing to compensate (saved 0)", flush=True)
    path = save_latency(min(MAX_LEAD_S, max(0.0, latency)), how="tap along")
    print(f"vjhost: saved to {path}; `vjhost run` fires beat-locked events that much early", flush=True)
    return 0


def add_parser(sub) -> None:
    from ..cli import in_range, parse_size

    p = sub.add_parser("calibrate",
                       help="measure the projector's latency (flash + click, tap along) for beat-early events")
    p.add_argument("--mode", choices=("tap", "adjust"), default="tap",
                   help="tap: tap Space with clicks, then with flashes (default); "
                        "adjust: move the flash onto the click")
    p.add_argument("--bpm", type=in_range(float, 40, 200), default=100.0, help="tempo of the clicks and flashes")
    p.add_argument("--beats", type=in_range(int, 4, 64), default=12, help="taps per phase (default 12)")
    p.add_argument("--size", type=parse_size, default=(1280, 720), metavar="WxH")
    p.add_argument("--fullscreen", action="store_true", help="on the projector: fill the monitor")
    p.add_argument("--monitor", type=in_range(int, 0, 64), default=0)
    p.set_defaults(func=run_calibration)
