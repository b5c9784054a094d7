"""Frame pacing without a clock: fps/p99/dropped frames, dynamic resolution with hysteresis, the frame
limiter, and what the performer is told (software renderer, under the target, the closing summary)."""

from __future__ import annotations

import pytest

from vjhost.output.pacing import (
    FrameLimiter,
    FrameStats,
    RenderScaler,
    ShowPacing,
    is_software_renderer,
    parse_render_scale,
)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


def test_frame_stats_fps_percentiles_and_dropped_frames():
    s = FrameStats(60.0)
    for _ in range(99):
        s.frame(1 / 60)
    s.frame(0.05)  # one long frame: three periods, two frames never shown
    assert s.frames == 100 and s.dropped == 2
    assert s.percentile_ms(50) == pytest.approx(16.75, abs=0.3)
    assert s.percentile_ms(99) == pytest.approx(16.75, abs=0.3) and s.percentile_ms(100) == pytest.approx(50.0)
    assert s.fps == pytest.approx(100 / (99 / 60 + 0.05))
    assert s.summary()["dropped"] == 2


def test_render_scale_flag():
    assert parse_render_scale("auto") is None
    assert parse_render_scale("0.75") == 0.75 and parse_render_scale("80%") == 0.8 and parse_render_scale("1") == 1.0
    for bad in ("0.3", "2", "fast", "-1"):
        with pytest.raises(ValueError, match="render scale must be auto or 0.5..1"):
            parse_render_scale(bad)


def run(scaler: RenderScaler, cost_at_full_ms: float, seconds: float, t0: float = 0.0,
        fixed_ms: float = 0.0) -> list[float]:
    """Frames whose cost follows the pixel count (plus a fixed part), for ``seconds`` at 60 fps; the scales seen."""
    scales = []
    for i in range(int(seconds * 60)):
        cost = fixed_ms + cost_at_full_ms * scaler.scale ** 2
        scaler.update(cost, t0 + i / 60)
        scales.append(scaler.scale)
    return scales


def test_scaler_steps_down_at_once_to_hold_the_budget():
    sc = RenderScaler(60.0)
    scales = run(sc, 30.0, 2.0)  # a chain that costs twice the budget at full size
    assert scales[0] == 1.0 and sc.scale < 0.75
    assert 30.0 * sc.scale ** 2 <= 0.95 * 1000 / 60  # the frame fits the budget now
    assert scales.index(sc.scale) < 90  # within a second and a half


def test_scaler_comes_back_up_slowly_and_never_pumps():
    sc = RenderScaler(60.0)
    run(sc, 30.0, 2.0)
    low = sc.scale
    # the load drops (the drop is over): after a clear second it climbs back as far as the pixel count says
    # stays well under budget (a scale it had to leave is kept off for a while), never down again
    scales = run(sc, 8.0, 12.0, t0=2.0)
    assert scales[-1] == 1.0 and scales[0] == low
    ups = [b - a for a, b in zip(scales, scales[1:]) if b != a]
    assert ups and all(u > 0 for u in ups) and len(ups) <= 4
    for a, b in zip(scales, scales[1:]):
        assert 8.0 * b ** 2 < 0.75 * 1000 / 60 or b == a  # every step up was predicted to fit
    # a steady load just over the budget at full size settles and stays: no pumping
    sc = RenderScaler(60.0)
    scales = run(sc, 18.0, 30.0)
    changes = sum(1 for a, b in zip(scales, scales[1:]) if a != b)
    assert changes <= 3 and scales[-1] == scales[-600]


def test_fixed_scale_never_changes():
    sc = RenderScaler(60.0, fixed=0.75)
    assert not sc.auto and sc.scale == 0.75
    assert run(sc, 50.0, 3.0)[-1] == 0.75 and sc.describe() == "75%"


def test_frame_limiter_holds_the_rate_and_keeps_the_beat():
    clock = FakeClock()
    lim = FrameLimiter(60.0, sleep=clock.sleep, clock=clock)
    ends = []
    for cost in [0.004] * 10 + [0.018] + [0.004] * 10:  # short frames, one a little over the period
        clock.t += cost
        ends.append(lim.wait())
    gaps = [b - a for a, b in zip(ends, ends[1:])]
    assert gaps[:9] == pytest.approx([1 / 60] * 9)  # a fast loop is held to 60 Hz
    assert sum(gaps) == pytest.approx(20 / 60, abs=1 / 60)  # the late frame is made up for, not carried forward
    clock.t += 0.2  # a stall far beyond a period starts the beat over: no burst of catch-up frames
    t = lim.wait()
    clock.t += 0.001
    assert lim.wait() - t == pytest.approx(1 / 60)


def test_show_pacing_warns_once_and_sums_up():
    clock = FakeClock()
    said: list[str] = []
    p = ShowPacing(60.0, None, gl_renderer="llvmpipe (LLVM 15.0.6, 256 bits)", say=said.append, clock=clock,
                   sleep=clock.sleep)
    assert p.software and is_software_renderer("Mesa llvmpipe")
    assert not is_software_renderer("NVIDIA GeForce RTX 4090/PCIe")
    p.announce((1280, 720))
    p.announce((1280, 720))
    assert len(said) == 1 and "software OpenGL (llvmpipe" in said[0] and "1280x720" in said[0]
    scales = []
    for _ in range(60 * 12):  # frames that cost 40 ms whatever the scale: the scaler bottoms out, then a warning
        p.begin()
        clock.t += 0.040
        s = p.rendered()
        if s is not None:
            scales.append(s)
        p.presented()
    assert scales and scales[-1] == 0.5
    under = [m for m in said if "under its 60 fps target" in m]
    assert len(under) == 1 and "render scale 50% (auto)" in under[0]
    st = p.status()
    assert st["render_scale"] == 0.5 and st["auto_scale"] and st["fps"] == pytest.approx(25.0, abs=0.5)
    assert st["dropped"] > 0
    line = p.summary()
    assert "fps (target 60)" in line and "p99 40" in line and "dropped" in line


def test_show_pacing_on_a_gpu_says_nothing_and_stays_at_full_size():
    clock = FakeClock()
    said: list[str] = []
    p = ShowPacing(60.0, None, gl_renderer="NVIDIA GeForce RTX 4090/PCIe/SSE2", say=said.append, clock=clock,
                   sleep=clock.sleep)
    p.announce((1920, 1080))
    for _ in range(60 * 10):
        p.begin()
        clock.t += 0.003
        assert p.rendered() is None
        p.presented()
    assert said == [] and p.scaler.scale == 1.0
    assert p.status()["fps"] == pytest.approx(60.0, abs=0.1) and p.stats.dropped == 0


def test_scaler_acts_within_half_a_second_even_when_frames_are_slow():
    sc = RenderScaler(60.0)
    t, changed_at = 0.0, None
    while t < 2.0 and changed_at is None:
        cost = 250.0 * sc.scale ** 2  # 4 fps: 30 frames would take 7.5 s
        if sc.update(cost, t) is not None:
            changed_at = t
        t += cost / 1000
    assert changed_at is not None and changed_at < 1.3 and sc.scale == 0.5
