"""``vjhost bench``: does a pack hold the frame budget?  The live loop, each pass, the decoder, offline speed.

For each pack and size (default 1280x720 and 1920x1080), headless, each
measurement taking about ``--seconds``:

* **live loop** -- what ``vjhost run`` does per frame: features -> latent ->
  the decode worker on its own thread (30 Hz and on every beat and kick) ->
  upload -> the pack's default chain at the render scale -> present at the
  show's size (the upscale, or a copy at 100 %) -> ``glFinish``, held to
  60 fps by the same frame limiter and with the same dynamic resolution
  (:class:`~vjhost.output.pacing.ShowPacing`; ``--render-scale`` fixes a
  scale).  The first quarter of the time lets the scale settle and is not
  counted.  Reported: fps, p50/p99 of the frame interval, dropped frames,
  what a frame costs (p50/p99), the render scale it chose, and the decodes per
  second the worker really delivered next to the rendering (and what one took).
* **passes** -- ms per frame at 100 % of the size, whole frames timed
  round-robin: a bare frame (one copy pass: what this machine's GL does per
  frame for nothing), the pack's source pass alone, what every effect of its
  chain adds at its default (if that costs a pass at all) and at amount 1, the
  default chain, what the readback of an offline frame and the present
  (upscale from 50 %) add.  ``x bare`` is over the bare frame, a ratio that
  holds across machines.  (``tools/bench_effects.py`` times passes one by one
  instead, with GPU timer queries where there are.)
* **offline** -- ``vjhost render`` at the size, 60 fps, H.264 + AAC mp4,
  decoding at 30 Hz: x realtime.

Then the decoder alone at batch 1.  The report names the GL renderer and EGL
platform, the decoder's device and precision, and the machine's load when it
started (other processes' CPU use skews every figure: compare against the
bare pass of the same run).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .faults import FaultLog
from .plugins import Host

#: what "holds the frame budget" means: at 1280x720 on the reference machine (2 CPU cores, software GL)
TARGET_FPS = 60.0
TARGET_P99_MS = 20.0
TARGET_X_REALTIME = 1.0

BARE = "uniform float u_amount;\nvoid main() { o_color = vec4(texture(u_input, v_uv).rgb, 1.0); }\n"


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def busy_features():
    """A busy moment (kick, onset, bass up) so audio-driven work runs."""
    from .protocols import Features

    f = Features()
    f.t, f.bpm, f.beat_phase, f.bar_phase, f.beat_count = 12.3, 128.0, 0.7, 0.42, 26
    f.kick_env, f.onset_env, f.bass, f.mid, f.high, f.rms, f.energy = 0.6, 0.5, 0.6, 0.4, 0.3, 0.5, 0.5
    f.hat_env, f.snare_env = 0.3, 0.2
    f.bands = np.linspace(0.7, 0.2, 8).astype(np.float32)
    return f


class PassTimer:
    """Times each pass of a Renderer by wrapping its ``_draw`` (GPU timer queries if available).

    A software rasterizer (llvmpipe) defers drawing to the next flush, so a
    timer query around one pass would time the wrong work; there the pass is
    timed between two ``glFinish`` calls (``timer`` says which).
    """

    def __init__(self, renderer) -> None:
        from OpenGL import GL

        self.GL, self.r = GL, renderer
        self.samples: dict[str, list[float]] = {}
        self._pending: list[tuple[str, Any]] = []
        self.gpu = self._probe()
        self.timer = "gpu (GL_TIME_ELAPSED)" if self.gpu else "wall (glFinish)"
        self._inner = renderer._draw
        renderer._draw = self._draw  # instance attribute: the chain itself is not changed

    def close(self) -> None:
        self.r._draw = self._inner

    def _query(self) -> int:
        q = self.GL.glGenQueries(1)
        return int(np.ravel(q)[0])  # PyOpenGL returns an int or a 1-element array, by version

    def _probe(self) -> bool:
        from .output.pacing import is_software_renderer

        GL = self.GL
        if os.environ.get("VJHOST_BENCH_WALL") == "1":
            return False
        if is_software_renderer(GL.glGetString(GL.GL_RENDERER).decode(errors="replace")):
            return False
        try:
            q = self._query()
            GL.glBeginQuery(GL.GL_TIME_ELAPSED, q)
            GL.glEndQuery(GL.GL_TIME_ELAPSED)
            GL.glFinish()
            self._result(q)
            GL.glDeleteQueries(1, [q])
            return GL.glGetError() == GL.GL_NO_ERROR
        except Exception:  # noqa: BLE001 - no timer queries: wall time
            return False

    def _result(self, q) -> float:
        import ctypes

        v = ctypes.c_uint64(0)
        self.GL.glGetQueryObjectui64v(q, self.GL.GL_QUERY_RESULT, ctypes.byref(v))
        return v.value / 1e6  # ns -> ms

    def _draw(self, p, src_tex, dst, params, features) -> None:
        self.timed(p.name, lambda: self._inner(p, src_tex, dst, params, features))

    def timed(self, name: str, work: Callable[[], None]) -> None:
        """Run ``work`` (GL calls) and record its time under ``name``."""
        GL = self.GL
        if self.gpu:
            q = self._query()
            GL.glBeginQuery(GL.GL_TIME_ELAPSED, q)
            work()
            GL.glEndQuery(GL.GL_TIME_ELAPSED)
            self._pending.append((name, q))
        else:
            GL.glFinish()
            t0 = time.perf_counter()
            work()
            GL.glFinish()
            self.samples.setdefault(name, []).append((time.perf_counter() - t0) * 1000)

    def frame(self, render: Callable[[], None]) -> float:
        """Render one frame; returns its wall time (ms) and records every pass's time."""
        self._pending = []
        t0 = time.perf_counter()
        render()
        self.GL.glFinish()
        wall = (time.perf_counter() - t0) * 1000
        self.collect()
        return wall

    def collect(self) -> None:
        for name, q in self._pending:
            self.samples.setdefault(name, []).append(self._result(q))
            self.GL.glDeleteQueries(1, [q])
        self._pending = []


# --------------------------------------------------------------------------- the live loop


def live_loop(show, source, seconds: float, *, render_scale: float | None = None, target_fps: float = TARGET_FPS,
              faults: FaultLog | None = None, t_start: float = 4.0, track_s: float = 10.0) -> dict[str, Any]:
    """Run ``show`` as ``vjhost run`` does for ``seconds`` (the first quarter settles); the figures."""
    from OpenGL import GL

    from .decode.worker import DecodeWorker
    from .output.pacing import FrameStats, ShowPacing
    from .render.chain import _Target

    r = show.renderer
    r.defer_upscale = True  # as the live show: a chain ending small is upscaled once, by the present
    pacing = ShowPacing(target_fps, render_scale, limit=True, gl_renderer=GL.glGetString(GL.GL_RENDERER).decode(),
                        say=lambda msg: None, ignore_s=0.2)  # the first frames below warmed the shaders up
    r.set_scale(pacing.scaler.scale)
    present = _Target(*r.size)  # stands for the window's back buffer
    worker = DecodeWorker(show.decoder, faults)
    st = {"t": t_start, "last": -1, "submit": 0.0, "uploads": 0}
    decode_interval = 1.0 / 30.0

    def frame() -> None:
        pacing.begin()
        st["t"] += 1.0 / target_fps
        f = source.features(t_start + (st["t"] - t_start) % max(1.0, track_s - t_start - 0.5))
        z = show.latent(f, 1.0 / target_fps)
        now = time.perf_counter()
        if f.beat or f.kick or now - st["submit"] >= decode_interval:
            worker.submit(z)
            st["submit"] = now
        got = worker.latest()
        if got is not None and got[0] != st["last"]:
            r.upload_image(got[1])
            st["last"] = got[0]
            st["uploads"] += 1
        show.render(f, 1.0 / target_fps)
        r.draw_output(present.fbo, *r.size)
        GL.glFinish()
        scale = pacing.rendered()
        if scale is not None:
            r.set_scale(scale)
        pacing.presented()

    try:
        worker.submit(show.latent(source.features(t_start), 1 / 60))
        worker.wait_frame(timeout=10.0)  # the first decode, as a show starts with one
        for _ in range(3):  # shader JIT and first uses of every target, not counted
            show.render(source.features(t_start), 1.0 / target_fps)
            r.draw_output(present.fbo, *r.size)
        GL.glFinish()
        settle = min(max(1.5, seconds / 3), seconds / 2)  # the scale settles; at least half the time is measured
        t_end = time.perf_counter() + settle
        while time.perf_counter() < t_end:
            frame()
        pacing.stats = FrameStats(target_fps)  # count from here on
        costs: list[float] = []
        scales: list[float] = []
        d0 = worker.stats()["decoded"]
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        t_end = t0 + seconds - settle
        while time.perf_counter() < t_end:
            frame()
            costs.append(pacing.cost_ms)
            scales.append(pacing.scaler.scale)
        elapsed = time.perf_counter() - t0
        cpu = (time.process_time() - cpu0) / elapsed  # cores this process had (render, llvmpipe, decoder threads)
        ws = worker.stats()
    finally:
        worker.close()
        present.release(GL)
    s = pacing.stats
    c = np.asarray(costs) if costs else np.zeros(1)
    return {"fps": round(s.fps, 1), "p50_ms": round(s.percentile_ms(50), 2), "p99_ms": round(s.percentile_ms(99), 2),
            "dropped": s.dropped, "frames": s.frames, "seconds": round(elapsed, 2),
            "cost_p50_ms": round(float(np.percentile(c, 50)), 2), "cost_p99_ms": round(float(np.percentile(c, 99)), 2),
            "render_scale": pacing.scaler.scale, "render_scale_min": min(scales, default=pacing.scaler.scale),
            "render_scale_mode": "auto" if pacing.scaler.auto else "fixed",
            "decodes_per_s": round((ws["decoded"] - d0) / elapsed, 1),
            "decode_ms": None if ws["decode_ms"] is None else round(ws["decode_ms"], 2),
            "decodes_dropped": ws["dropped"], "cores_used": round(cpu, 2)}


# --------------------------------------------------------------------------- passes


def pass_costs(show, seconds: float) -> dict[str, Any]:
    """What each pass adds to a frame at 100 % of the show's size, next to a bare frame (round-robin).

    Whole frames are timed (render, then ``glFinish``: one wait a frame, as the
    live loop has), so a pass's figure is what it adds to a frame -- the frame
    with it minus the frame without it -- not a pass waited for on its own, which
    on a busy machine mostly measures how long the rasterizer threads take to wake.
    """
    from OpenGL import GL

    from .protocols import Param
    from .render.chain import _Target

    r = show.renderer
    r.defer_upscale = False  # each pass's cost as drawn, the closing upscale of a chain ending small included
    r.set_scale(1.0)
    bare = r.build_text("bench_bare", BARE, (Param("amount", 1.0),))
    state = show.state
    defaults = state.snapshot()
    chain = list(r.effects)
    off = {**defaults, **{f"fx.{p.name}.amount": 0.0 for p in chain}}
    f = busy_features()
    half = _Target(*r.size)

    def frame(params, source=None, work: Callable[[], None] | None = None) -> Callable[[], None]:
        def run() -> None:
            keep = r.source
            if source is not None:
                r.source = source
            try:
                r.render(f, params, frame=0)
            finally:
                r.source = keep
            if work is not None:
                work()
        return run

    # (row, frame to time, the row it is measured against: its figure is the difference; None = itself)
    rows: list[tuple[str, Callable[[], None], str | None]] = [
        ("bare frame", frame(off, bare), None),
        ("source", frame(off), None),
    ]
    for p in chain:
        key = f"fx.{p.name}.amount"
        has_amount = any(prm.name == "amount" for prm in p.params)
        if not has_amount or defaults.get(key, 0.0) > 0.0:
            rows.append((f"{p.name} (default)", frame({**off, key: defaults.get(key, 1.0)}), "source"))
        if has_amount and defaults.get(key, 0.0) < 1.0:
            rows.append((f"{p.name} (at 1)", frame({**off, key: 1.0}), "source"))
    rows.append(("default chain", frame(defaults), None))
    rows.append(("readback (offline frame)", frame(defaults, work=r.read_rgba), "default chain"))

    def present() -> None:
        r.render(f, defaults, frame=0)
        r.draw_output(half.fbo, *r.size)

    def at_half() -> None:
        r.render(f, defaults, frame=0)

    # the rows at 50 % are timed in a block of their own with the scale set once: switching it twice a
    # frame would time the switch (a scaled blit of the last output), not the frame
    half_rows: list[tuple[str, Callable[[], None], str | None]] = [
        ("default chain at 50%", at_half, None), ("present (upscale from 50%)", present, "default chain at 50%")]
    times: dict[str, list[float]] = {name: [] for name, _, _ in rows + half_rows}

    def run_rows(block, until: float, least: int) -> int:
        n = 0
        for _name, run, _ in block:  # warm: shader JIT, every target made
            run()
        GL.glFinish()
        while time.perf_counter() < until or n < least:
            for name, run, _ in block:
                f.t += 1 / 60
                GL.glFinish()
                t0 = time.perf_counter()
                run()
                GL.glFinish()
                times[name].append((time.perf_counter() - t0) * 1000)
            n += 1
        return n

    try:
        t_start = time.perf_counter()
        rounds = run_rows(rows, t_start + 0.8 * seconds, 3)
        r.set_scale(0.5)
        run_rows(half_rows, t_start + seconds, 3)
    finally:
        r.set_scale(1.0)
        half.release(GL)
        r._free_pass(bare)
    rows = rows + half_rows
    med = {name: statistics.median(v) for name, v in times.items()}
    base = med["bare frame"]
    out = []
    for name, _, against in rows:
        ms = med[name] - (med[against] if against else 0.0)
        out.append({"name": name, "ms": round(ms, 3), "x_bare": round(ms / base, 2) if base else None})
    return {"method": "whole frames (render + glFinish); a pass: the frame with it minus the frame without it",
            "rounds": rounds, "passes": out, "default_chain_ms": round(med["default chain"], 3),
            "default_chain_x_bare": round(med["default chain"] / base, 2) if base else None}


# --------------------------------------------------------------------------- the whole bench


def _machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"cpus": os.cpu_count(), "load_1min": round(load[0], 2), "python": sys.version.split()[0]}


def decoder_info(show) -> dict[str, Any]:
    dec = show.decoder
    return {"file": show.decoder_file.name, "backend": type(dec).__name__, "device": str(getattr(dec, "device", "cpu")),
            "precision": getattr(dec, "autocast", None) or "fp32", "size": list(dec.size),
            "threads": _torch_threads() if "cpu" in str(getattr(dec, "device", "cpu")) else None}


def _torch_threads() -> int | None:
    if "torch" not in sys.modules:
        return None
    return int(sys.modules["torch"].get_num_threads())


def bench_pack(host: Host, pack: str, sizes, seconds: float, *, render_scale: float | None = None,
               decoder: str | None = None, backend: str | None = None, offline: bool = True,
               track=None, say: Callable[[str], None] = _say) -> dict[str, Any]:
    from .analysis.live import TimelineSource
    from .analysis.timeline import analyze_buffer
    from .audio.demo import synthesize_demo
    from .engine import HOP, Show, make_analyzers
    from .output.offline import render_offline
    from .render.context import HeadlessContext

    faults = FaultLog(stream=None)
    track = track or synthesize_demo(duration=max(12.0, seconds + 6.0), seed=0)
    mono = track.audio.mean(axis=1).astype(np.float32)
    timeline = analyze_buffer(mono, track.sr, make_analyzers(host, faults), hop=HOP)
    source = TimelineSource(timeline)
    track_s = track.audio.shape[0] / track.sr
    report: dict[str, Any] = {"pack": pack, "machine": _machine(), "sizes": {},
                              "targets": {"fps": TARGET_FPS, "p99_ms": TARGET_P99_MS, "x_realtime": TARGET_X_REALTIME}}
    ctx = HeadlessContext()
    report["gl"] = ctx.info()
    report["gl_platform"] = ctx.platform
    try:
        for w, h in sizes:
            show = Show(host, pack, (w, h), faults=faults, seed=0, decoder=decoder, backend=backend)
            if "decoder" not in report:
                report["decoder"] = decoder_info(show)
                d = report["decoder"]
                say(f"{pack}: GL {report['gl']} | decoder {d['file']} ({d['backend']}, {d['device']}, {d['precision']}"
                    + (f", {d['threads']} thread(s)"
                       if d["threads"] else "") + f") | load {report['machine']['load_1min']}")
            row: dict[str, Any] = {}
            row["live"] = live = live_loop(show, source, seconds, render_scale=render_scale,
                                           faults=faults, track_s=track_s)
            say(f"  {w}x{h} live: {live['fps']:.1f} fps, p99 {live['p99_ms']:.1f} ms, {live['dropped']} dropped, "
                f"frame cost p50 {live['cost_p50_ms']:.1f} / p99 {live['cost_p99_ms']:.1f} ms, render scale "
                f"{round(100 * live['render_scale'])}% ({live['render_scale_mode']}), "
                f"{live['decodes_per_s']:.0f} decodes/s ({live['decode_ms'] or 0:.1f} ms each); "
                f"it had {live['cores_used']:.2f} of {report['machine']['cpus']} cores")
            row["passes"] = pc = pass_costs(show, seconds)
            say(f"  {w}x{h} ms per frame at 100% ({pc['rounds']} rounds): "
                f"default chain {pc['default_chain_ms']:.2f} ms "
                f"= {pc['default_chain_x_bare']}x a bare frame; what each pass adds:")
            for p in pc["passes"]:
                x_bare = p["x_bare"] if p["x_bare"] is not None else "-"
                say(f"      {p['name']:34s} {p['ms']:7.2f} ms  {x_bare:>6}x bare")
            show.renderer.close()
            report["sizes"][f"{w}x{h}"] = row
        dec = show.decoder
        z = np.random.default_rng(0).standard_normal((1, dec.latent_dim)).astype(np.float32)
        times = []
        for _ in range(3):
            dec.decode(z)
        t_end = time.perf_counter() + min(seconds, 3.0)
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            dec.decode(z)
            times.append((time.perf_counter() - t0) * 1000)
        a = np.asarray(times)
        report["decoder"].update(fps=round(1000 / a.mean(), 1), p99_ms=round(float(np.percentile(a, 99)), 2))
        say(f"  decoder alone (batch 1): {report['decoder']['fps']:.0f} decodes/s (p99 "
            f"{report['decoder']['p99_ms']:.2f} ms)")
    finally:
        ctx.close()
    if offline:
        with tempfile.TemporaryDirectory() as d:
            for w, h in sizes:
                def render(setup=None):
                    return render_offline(host, pack, track.audio, track.sr, Path(d) / "bench.mp4", size=(w, h),
                                          fps=60, start=0.0, faults=faults, decode_every=2, decoder=decoder,
                                          backend=backend, time_limit=seconds, timeline=timeline, setup=setup)

                res = render()
                base = render(setup=bare_chain)  # the same render with a bare chain: what this machine gives
                off = {"x_realtime": round(res.realtime, 3), "fps": round(res.frames / res.seconds, 1),
                       "frames": res.frames, "wall_s": round(res.seconds, 2),
                       "bare_x_realtime": round(base.realtime, 3),
                       "of_bare": round(res.realtime / base.realtime, 3) if base.realtime else None}
                report["sizes"][f"{w}x{h}"]["offline"] = off
                say(f"  {w}x{h} offline (mp4, 60 fps, decode at 30 Hz): {off['x_realtime']:.2f}x realtime "
                    f"({off['fps']:.1f} fps); with a bare chain {off['bare_x_realtime']:.2f}x in the same run: "
                    f"{off['of_bare']} of it")
    report["faults"] = sorted(faults.faults)
    report["verdict"] = v = verdict(report)
    if v:
        marks = {"live_fps": f">= {TARGET_FPS:g} fps live", "live_p99": f"p99 <= {TARGET_P99_MS:g} ms",
                 "offline_x_realtime": f"offline >= {TARGET_X_REALTIME:g}x realtime"}
        say(f"  {pack} at 1280x720: " + ", ".join(f"{marks[k]} {'yes' if ok else 'NO'}" for k, ok in v.items())
            + f" (load {report['machine']['load_1min']} on {report['machine']['cpus']} cores when it started)")
    return report


def bare_chain(show) -> None:
    """Swap ``show``'s chain for one bare pass (a copy of the decode): an offline render then measures what
    the machine gives with the same decoder, analysis, readback and encoder -- the baseline a pack's offline
    speed is compared with in the same run (a ratio, steadier than x realtime between machines)."""
    from .render.budget import COPY

    r = show.renderer
    bare = r.build_text("bare", COPY)
    r.source, r.effects = bare, []


def verdict(report: dict[str, Any]) -> dict[str, Any]:
    """Whether the pack held the targets at 1280x720 (the size the targets are for), where it was measured."""
    row = report["sizes"].get("1280x720")
    if row is None:
        return {}
    live = row["live"]
    out = {"live_fps": live["fps"] >= 0.98 * TARGET_FPS, "live_p99": live["p99_ms"] <= TARGET_P99_MS}
    if "offline" in row:
        out["offline_x_realtime"] = row["offline"]["x_realtime"] >= TARGET_X_REALTIME
    return out


def run_bench(host: Host, packs="ikeda", sizes=None, seconds: float = 4.0, *, decoder: str | None = None,
              backend: str | None = None, render_scale: str | None = None, offline: bool = True,
              say: Callable[[str], None] = _say) -> dict[str, Any]:
    """Bench one pack (a name), several (a list) or every installed one (``"all"``)."""
    from .audio.demo import synthesize_demo
    from .output.pacing import parse_render_scale

    t0 = time.perf_counter()
    names = [packs] if isinstance(packs, str) else list(packs)
    if names == ["all"] or "all" in names:
        names = sorted(host.packs.names())
    sizes = sizes or [(1280, 720), (1920, 1080)]
    scale = parse_render_scale(render_scale or "auto")
    track = synthesize_demo(duration=max(12.0, seconds + 6.0), seed=0)
    reports = [bench_pack(host, name, sizes, seconds, render_scale=scale, decoder=decoder, backend=backend,
                          offline=offline, track=track, say=say) for name in names]
    took = time.perf_counter() - t0
    n = len(names) * (len(sizes) * (4 if offline else 2) + 1)
    say(f"bench took {took:.0f} s ({n} measurements of about {seconds:g} s, plus setup)")
    if len(reports) == 1:
        return {**reports[0], "seconds": seconds, "took_s": round(took, 1)}
    return {"packs": reports, "seconds": seconds, "took_s": round(took, 1)}
