"""What the offline encoder costs and what its speed settings cost the picture: x264 settings on a pack's own frames.

    .venv/bin/python tools/bench_encoder.py [--pack mikami] [--frames 240] [--rounds 2] [--json out.json]

Renders ``--frames`` frames of the pack at 1280x720 once (the demo track,
headless), converts them to yuv420p, then encodes the same pictures with each
setting, round-robin ``--rounds`` times: encoding CPU (user + system, all of
x264's threads) as a ratio to the plain ``superfast`` + CAVLC row of the same run,
file size, and PSNR of the decoded video against the pictures it was given.
The ``shipped`` row is :data:`vjhost.output.video.SUPERFAST_PARAMS`, what
``vjhost render``/``demo`` use.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = {"preset": "superfast", "crf": "20", "tune": "zerolatency"}


def settings() -> dict[str, dict[str, str]]:
    from vjhost.output.video import SUPERFAST_PARAMS

    return {
        "superfast (CABAC)": dict(BASE),
        "superfast cabac=0": {**BASE, "x264-params": "cabac=0"},
        "shipped": {**BASE, "x264-params": SUPERFAST_PARAMS},
        "shipped + sliced-threads=1": {**BASE, "x264-params": SUPERFAST_PARAMS.replace(":sliced-threads=0", "")},
        "shipped + partitions=none": {**BASE, "x264-params": SUPERFAST_PARAMS.replace("i8x8", "none")},
        "shipped + aq-mode=0": {**BASE, "x264-params": SUPERFAST_PARAMS + ":aq-mode=0"},
        "ultrafast": {**BASE, "preset": "ultrafast"},
    }


def render_frames(pack: str, n: int) -> list:
    from vjhost.audio.demo import synthesize_demo
    from vjhost.faults import FaultLog
    from vjhost.output.offline import render_offline
    from vjhost.output.video import yuv420
    from vjhost.plugins import load_host

    track = synthesize_demo(duration=max(6.0, n / 60 + 2), seed=0)
    frames: list = []

    def keep(i, rgba):
        if len(frames) < n:
            frames.append(yuv420(rgba[::-1].copy()))

    render_offline(load_host(), pack, track.audio, track.sr, None, size=(1280, 720), fps=60,
                   faults=FaultLog(stream=None), decode_every=2, duration=n / 60, on_frame=keep)
    return frames


def encode(frames: list, opts: dict[str, str], path: Path) -> tuple[float, int, float]:
    """(CPU seconds, bytes, PSNR dB) of encoding ``frames`` with ``opts``."""
    import av

    c = av.open(str(path), "w")
    v = c.add_stream("libx264", rate=60)
    v.width, v.height, v.pix_fmt = frames[0].width, frames[0].height, "yuv420p"
    v.options = dict(opts)
    v.codec_context.time_base = Fraction(1, 60)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    for i, f in enumerate(frames):
        f.pts = i
        for p in v.encode(f):
            c.mux(p)
    for p in v.encode(None):
        c.mux(p)
    c.close()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    src = np.stack([f.to_ndarray() for f in frames]).astype(np.float32)
    with av.open(str(path)) as d:
        out = np.stack([f.to_ndarray() for f in d.decode(video=0)]).astype(np.float32)
    n = min(len(out), len(src))
    mse = float(np.mean((out[:n] - src[:n]) ** 2))
    return cpu, path.stat().st_size, 10 * np.log10(255 ** 2 / max(mse, 1e-9))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default="mikami")
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    t0 = time.perf_counter()
    frames = render_frames(a.pack, a.frames)
    print(f"{a.pack}: {len(frames)} frames rendered in {time.perf_counter() - t0:.1f} s", flush=True)
    rows: dict[str, list] = {k: [] for k in settings()}
    with tempfile.TemporaryDirectory() as d:
        for _ in range(a.rounds):
            for k, opts in settings().items():
                rows[k].append(encode(frames, opts, Path(d) / "e.mp4"))
    base = float(np.mean([r[0] for r in rows["superfast cabac=0"]]))
    report = []
    for k, rs in rows.items():
        cpu = float(np.mean([r[0] for r in rs]))
        report.append({"setting": k, "cpu_s": round(cpu, 2), "cpu_x": round(cpu / base, 3),
                       "ms_per_frame": round(1000 * cpu / len(frames), 2), "mb": round(rs[0][1] / 1e6, 2),
                       "psnr_db": round(rs[0][2], 2)})
        r = report[-1]
        print(f"  {k:28s} {r['ms_per_frame']:6.2f} ms/frame CPU ({r['cpu_x']:.2f}x)  {r['mb']:6.2f} MB  "
              f"{r['psnr_db']:.2f} dB")
    if a.json:
        a.json.write_text(json.dumps({"pack": a.pack, "frames": len(frames), "rows": report}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
