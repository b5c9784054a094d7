"""Frame time of the effect library at show size, next to a bare pass measured in the same run.

    python tools/bench_effects.py [--size 1280x720] [--frames 30] [--rounds 3] [--pack ikeda] [--json]

Headless (EGL).  Rows:

* ``bare pass``: the pack's source pass plus a one-fetch copy pass of the
  chain (what a trivial effect costs on this machine's GL; effect rows are
  relative to that copy pass);
* ``<pack> default chain``: the pack's source shader and chain with the pack's
  default parameters (effects at 0 cost no pass);
* ``<pack> chain at 1``: the same with every chain effect's ``amount`` at 1;
* one row per library effect: the pack's source pass plus that effect at
  amount 1 (its other parameters at their defaults);
* ``transition crossfade`` / ``transition paint``: the transition pass alone,
  mixing two full-size pictures at progress 0.5.

Columns: ``frame`` is the median wall time of a whole frame ending in
``glFinish``; ``pass`` is the median time of the effect's own pass -- GPU time
from ``GL_TIME_ELAPSED`` timer queries on a hardware GPU, else (no timer
queries, or a software rasterizer such as llvmpipe, which defers drawing to the
next flush so a query around one pass times the wrong work) wall time of the
pass between two ``glFinish`` calls (the ``timer`` field says which);
``x bare`` is that pass's time over the bare pass's.  Rows are measured
round-robin (``--rounds``), so a shared, busy machine slows them alike.  The
features are a busy
moment (kick, onset, bass up) so audio-driven branches run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

BARE = "uniform float u_amount;\nvoid main() { o_color = vec4(texture(u_input, v_uv).rgb, 1.0); }\n"


def busy_features():
    from vjhost.bench import busy_features as busy

    return busy()


def PassTimer(renderer):  # noqa: N802 - the bench's pass timer (vjhost.bench), one implementation for both
    from vjhost.bench import PassTimer as Timer

    return Timer(renderer)


def run(size=(1280, 720), frames: int = 30, pack: str = "ikeda", warmup: int = 2, rounds: int = 3) -> dict[str, Any]:
    from vjhost.render.context import HeadlessContext

    ctx = HeadlessContext()
    try:
        return _run(ctx, size, frames, pack, warmup, rounds)
    finally:
        ctx.close()


def _run(ctx, size, frames, pack, warmup, rounds) -> dict[str, Any]:
    from OpenGL import GL

    from vjhost.faults import FaultLog
    from vjhost.packs import load_manifest
    from vjhost.plugins import load_host
    from vjhost.protocols import Param
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder
    from vjhost.render.transition import Transition
    from vjhost_builtins.effects import LIBRARY

    host = load_host()
    m = load_manifest(host.pack(pack))
    faults = FaultLog(stream=None)
    r = Renderer(size, ShaderFinder([m.shader_dir, *host.shader_dirs]), faults)
    r.set_source(m.source_shader)
    pack_fx = {e.name: e for e in m.effects}
    chain = []
    for name in m.chain:
        spec = pack_fx.get(name) or host.effects.get(name)
        if spec is not None:
            r.add_effect(name, spec.shader, spec.params)
            chain.append(spec)
    for spec in LIBRARY:
        r.add_effect(spec.name, spec.shader, spec.params)
    with tempfile.TemporaryDirectory() as d:
        Path(d, "bench_bare.glsl").write_text(BARE)
        r.finder.add(Path(d), first=True)
        r.add_effect("bare", "bench_bare.glsl", (Param("amount", 0.0),))  # a one-fetch copy of the chain
    rng = np.random.default_rng(0)
    img = (rng.random((m.size, m.size, m.channels)) * 255).astype(np.uint8)
    r.upload_image(img)
    r.upload_image(img)
    timer = PassTimer(r)
    f = busy_features()

    defaults = dict(m.defaults)
    all_on = {**defaults, **{f"fx.{e.name}.amount": 1.0 for e in chain}}
    # (row, parameters, the pass whose time is the row's; None = the sum of all passes)
    configs: list[tuple[str, dict[str, float], str | None]] = [
        ("bare pass", {**defaults, "fx.bare.amount": 1.0}, "bare"),
        (f"{pack} default chain", defaults, None),
        (f"{pack} chain at 1", all_on, None),
    ]
    configs += [(spec.name, {**defaults, f"fx.{spec.name}.amount": 1.0}, spec.name) for spec in LIBRARY]
    transitions = [Transition(r, kind, duration_beats=4) for kind in ("crossfade", "paint")]
    labels = [c[0] for c in configs] + [f"transition {t.kind}" for t in transitions]
    walls: dict[str, list[float]] = {k: [] for k in labels}
    passes: dict[str, dict[str, list[float]]] = {k: {} for k in labels}
    # round-robin: every row is measured in every round, so a busy machine slows all rows alike
    per_round = max(1, frames // rounds)
    for _ in range(rounds):
        for label, params, _ in configs:
            for i in range(warmup + per_round):
                f.t += 1 / 60
                timer.samples = {}
                w = timer.frame(lambda params=params, i=i: r.render(f, params, frame=i))
                if i >= warmup:
                    walls[label].append(w)
                    for k, v in timer.samples.items():
                        passes[label].setdefault(k, []).extend(v)
        for tr in transitions:  # the transition pass alone, mixing two full-size targets half-way
            label = f"transition {tr.kind}"
            for i in range(warmup + per_round):
                timer._pending = []
                q = timer._query() if timer.gpu else None
                GL.glFinish()
                t0 = time.perf_counter()
                if q is not None:
                    GL.glBeginQuery(GL.GL_TIME_ELAPSED, q)
                tr.draw(r.targets[0].tex, r.targets[1].tex, 0.5)
                if q is not None:
                    GL.glEndQuery(GL.GL_TIME_ELAPSED)
                GL.glFinish()
                wall = (time.perf_counter() - t0) * 1000
                ms = timer._result(q) if q is not None else wall
                if q is not None:
                    GL.glDeleteQueries(1, [q])
                if i >= warmup:
                    walls[label].append(wall)
                    passes[label].setdefault(label, []).append(ms)
    rows = []
    for label, _, pass_name in configs + [(f"transition {t.kind}", {}, f"transition {t.kind}") for t in transitions]:
        med = {k: round(statistics.median(v), 3) for k, v in passes[label].items()}
        pass_ms = med.get(pass_name, 0.0) if pass_name else round(sum(med.values()), 3)
        rows.append({"name": label, "frame_ms": round(statistics.median(walls[label]), 3), "pass_ms": pass_ms,
                     "passes": med})
    base = rows[0]["pass_ms"] or 1e-9
    for row in rows:
        row["x_bare"] = round(row["pass_ms"] / base, 2)
    for tr in transitions:
        tr.close()
    r.close()
    return {"size": f"{size[0]}x{size[1]}", "gl": ctx.info(),
            "timer": "gpu (GL_TIME_ELAPSED)" if timer.gpu else "wall (glFinish)",
            "frames": max(1, frames // rounds) * rounds, "rounds": rounds, "pack": pack,
            "faults": sorted(faults.faults), "rows": rows}


def table(rep: dict[str, Any]) -> str:
    lines = [f"{rep['size']}  {rep['gl']}  timer: {rep['timer']}  median of {rep['frames']} frames in "
             f"{rep.get('rounds', 1)} rounds",
             f"{'':24s} {'frame ms':>9s} {'pass ms':>9s} {'x bare':>7s}"]
    for row in rep["rows"]:
        lines.append(f"{row['name']:24s} {row['frame_ms']:9.2f} {row['pass_ms']:9.2f} {row['x_bare']:7.2f}")
    lines.append("(chain rows: 'pass ms' is the sum of all their passes; effect and transition rows: their own pass)")
    if rep["faults"]:
        lines.append("faults: " + ", ".join(rep["faults"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1280x720", help="WxH (default 1280x720)")
    ap.add_argument("--frames", type=int, default=30, help="measured frames per row (default 30)")
    ap.add_argument("--rounds", type=int, default=3, help="round-robin rounds the frames are split into (default 3)")
    ap.add_argument("--pack", default="ikeda")
    ap.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    a = ap.parse_args(argv)
    w, h = (int(v) for v in a.size.lower().split("x"))
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    rep = run((w, h), a.frames, a.pack, rounds=max(1, a.rounds))
    print(json.dumps(rep, indent=2) if a.json else table(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
