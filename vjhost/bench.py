"""``vjhost bench``: the live loop's speed next to a bare shader pass, measured in the same run.

Headless, each frame ends with ``glFinish`` (a window's buffer swap waits for
the same work).  Reported per size: frames/s and p50/p99 frame time of a bare
fullscreen pass (the baseline this machine's GL can do) and of the whole live
loop with the pack (features -> latent -> async decode -> upload -> chain), and
their ratio.  Then decoder frames/s at batch 1 and offline render speed
(x realtime, H.264 + AAC mp4 included).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .faults import FaultLog
from .plugins import Host

BARE = """
void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    o_color = vec4(c * 0.5 + 0.5 * sin(v_uv.xyx * 20.0 + u_time), 1.0);
}
"""


def _timed(step: Callable[[], None], seconds: float, warmup: int = 10) -> dict[str, float]:
    for _ in range(warmup):
        step()
    times = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    a = np.array(times) * 1000
    return {"fps": round(1000 / a.mean(), 1), "p50_ms": round(float(np.percentile(a, 50)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2), "frames": len(a)}


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_bench(host: Host, pack: str = "ikeda", sizes=None, seconds: float = 4.0, *,
              decoder: str | None = None, backend: str | None = None) -> dict[str, Any]:
    from .analysis.live import TimelineSource
    from .analysis.timeline import analyze_buffer
    from .audio.demo import synthesize_demo
    from .decode.worker import DecodeWorker
    from .engine import HOP, Show, make_analyzers
    from .output.offline import render_offline
    from .render.context import HeadlessContext

    sizes = sizes or [(1280, 720), (1920, 1080)]
    faults = FaultLog()
    track = synthesize_demo(duration=max(12.0, seconds * 2 + 4), seed=0)
    mono = track.audio.mean(axis=1).astype(np.float32)
    timeline = analyze_buffer(mono, track.sr, make_analyzers(host, faults), hop=HOP)
    source = TimelineSource(timeline)
    report: dict[str, Any] = {"pack": pack, "decoder_choice": {"decoder": decoder or "default", "backend": backend or "default"},
                              "sizes": {}}
    ctx = HeadlessContext()
    report["gl"] = ctx.info()
    try:
        for w, h in sizes:
            from OpenGL import GL

            show = Show(host, pack, (w, h), faults=faults, seed=0, decoder=decoder, backend=backend)
            r = show.renderer
            with tempfile.TemporaryDirectory() as d:
                Path(d, "bare.glsl").write_text(BARE)
                r.finder.add(Path(d), first=True)
                bare = r._build(type(r.source)("bare", "bare.glsl"))  # same machinery, trivial shader
            t = [0.0]

            def bare_step() -> None:
                r.source, keep = bare, r.source
                t[0] += 1 / 60
                r.render(source.features(t[0] % 10), {}, frame=0)
                r.source = keep
                GL.glFinish()

            base = _timed(bare_step, seconds)
            worker = DecodeWorker(show.decoder, faults)
            state = {"t": 4.0, "last": -1, "mix_t": time.perf_counter()}

            def live_step() -> None:  # as vjhost run: the walk every frame, decodes at ~30 Hz and on hits
                state["t"] += 1 / 60
                f = source.features(state["t"] % (timeline_len - 0.1))
                z = show.latent(f, 1 / 60)
                now = time.perf_counter()
                if f.beat or f.kick or now - state["mix_t"] >= 1 / 30:
                    worker.submit(z)
                    state["mix_t"] = now
                got = worker.latest()
                if got is not None and got[0] != state["last"]:
                    r.upload_image(got[1])
                    state["last"] = got[0]
                show.render(f, 1 / 60)
                GL.glFinish()

            timeline_len = track.audio.shape[0] / track.sr
            live = _timed(live_step, seconds)
            stats = worker.stats() if hasattr(worker, "stats") else {}
            worker.close()
            row = {"bare_pass": base, "live_loop": live, "live_vs_bare": round(live["fps"] / base["fps"], 3),
                   "decodes_per_s": round(float(stats.get("decoded", 0)) / max(1e-6, seconds + 10 / 60), 1) if stats else None}
            report["sizes"][f"{w}x{h}"] = row
            _say(f"{w}x{h}: bare pass {base['fps']:.1f} fps (p99 {base['p99_ms']:.1f} ms) | live loop {live['fps']:.1f} fps "
                 f"(p50 {live['p50_ms']:.1f} ms, p99 {live['p99_ms']:.1f} ms) | ratio {row['live_vs_bare']:.2f}")
        dec = show.decoder
        z = np.random.default_rng(0).standard_normal((1, dec.latent_dim)).astype(np.float32)
        d = _timed(lambda: dec.decode(z), min(seconds, 3.0), warmup=5)
        report["decoder"] = {"file": show.decoder_file.name, "device": dec.device, "size": list(dec.size), **d}
        _say(f"decoder {show.decoder_file.name} ({dec.device}, {dec.size[1]}x{dec.size[0]}, batch 1): {d['fps']:.0f} frames/s (p99 {d['p99_ms']:.2f} ms)")
    finally:
        ctx.close()
    with tempfile.TemporaryDirectory() as d:
        dur = min(seconds * 2, track.audio.shape[0] / track.sr - 1)
        for every in (2, 1):  # 2: `vjhost render`'s default at 60 fps (decode at 30 Hz); 1: a decode per frame
            res = render_offline(host, pack, track.audio, track.sr, Path(d) / "bench.mp4", size=(1280, 720), fps=60,
                                 start=0.0, duration=dur, faults=faults, decode_every=every, decoder=decoder, backend=backend)
            report[f"offline_1280x720_60fps_decode_every_{every}"] = {
                "seconds_rendered": round(res.duration, 2), "wall_s": round(res.seconds, 2),
                "x_realtime": round(res.realtime, 3), "fps": round(res.frames / res.seconds, 1)}
            _say(f"offline render 1280x720@60 with mp4, decode every {every} frame(s): {res.realtime:.2f}x realtime "
                 f"({res.frames / res.seconds:.1f} fps)")
    return report
