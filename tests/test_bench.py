"""`vjhost bench` reports what the frame-budget issue asks for: live fps/p99/dropped/render scale chosen, decode
rate delivered, ms per pass next to a bare pass, offline x realtime, and where it ran (GL, decoder device)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bench_reports_the_frame_budget_of_a_pack(host):
    from vjhost.bench import bench_pack

    said: list[str] = []
    rep = bench_pack(host, "teamlab", [(320, 180)], 1.2, say=said.append)
    assert "llvmpipe" in rep["gl"] or rep["gl_platform"] == "egl-device"
    assert rep["decoder"]["device"] == "cpu" and rep["decoder"]["precision"] == "fp32" and rep["decoder"]["fps"] > 0
    row = rep["sizes"]["320x180"]
    live = row["live"]
    assert live["frames"] > 5 and 0 < live["fps"] <= 61 and live["p99_ms"] > 0
    assert 0.5 <= live["render_scale"] <= 1.0 and live["render_scale_mode"] == "auto"
    assert live["decodes_per_s"] > 0 and live["decode_ms"] > 0  # the worker really decoded next to the rendering
    names = [p["name"] for p in row["passes"]["passes"]]
    assert names[:2] == ["bare frame", "source"]
    assert "teamlab_bloom (default)" in names and "motif (at 1)" in names and "feedback (at 1)" in names
    assert "default chain" in names and "default chain at 50%" in names
    assert "present (upscale from 50%)" in names and "readback (offline frame)" in names
    bare = row["passes"]["passes"][0]
    assert bare["x_bare"] == 1.0 and bare["ms"] > 0 and row["passes"]["default_chain_x_bare"] > 0
    assert row["offline"]["x_realtime"] > 0 and row["offline"]["frames"] > 0
    # the same render with a bare chain, in the same run: teamlab's chain costs something, so it is slower
    assert row["offline"]["bare_x_realtime"] > 0 and 0 < row["offline"]["of_bare"] < 1.5
    assert set(rep["verdict"]) == set()  # the targets are for 1280x720; not judged at other sizes
    assert any("decodes/s" in line for line in said) and any("x realtime" in line
                                                             or "realtime" in line for line in said)


def test_bench_command_line_json():
    r = subprocess.run([sys.executable, "-m", "vjhost", "bench", "--pack", "ikeda", "--size", "160x90",
                        "--seconds", "0.4", "--render-scale", "0.75", "--no-offline", "--json"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    live = rep["sizes"]["160x90"]["live"]
    assert live["render_scale"] == 0.75 and live["render_scale_mode"] == "fixed"
    assert "offline" not in rep["sizes"]["160x90"] and rep["seconds"] == 0.4
    assert "bench took" in r.stderr and "ms" in r.stderr


def test_the_bare_baseline_renders_the_decode_and_nothing_else(host):
    """The offline baseline swaps the pack's chain for one copy pass: the frame is the decode as the source
    pass would place it (no pack shader), and the pack's own chain draws something else."""
    import numpy as np

    from vjhost.bench import bare_chain, busy_features
    from vjhost.engine import Show
    from vjhost.faults import FaultLog
    from vjhost.render.context import HeadlessContext

    ctx = HeadlessContext()
    try:
        show = Show(host, "teamlab", (64, 64), faults=FaultLog(stream=None), device="cpu")
        img = np.zeros((128, 128, 3), np.uint8)
        img[:, 64:] = (200, 40, 10)  # left half black, right half orange
        show.renderer.upload_image(img)
        f = busy_features()
        show.render(f, 1 / 60)
        pack_frame = show.renderer.read_rgba().copy()
        bare_chain(show)
        assert show.renderer.source.name == "bare" and not show.renderer.source.broken
        assert show.renderer.effects == []
        show.render(f, 1 / 60)
        frame = show.renderer.read_rgba()
        assert frame[:, :24, :3].max() <= 2 and np.abs(frame[:, 40:, :3].astype(int) - (200, 40, 10)).max() <= 2
        assert np.abs(pack_frame[..., :3].astype(int) - frame[..., :3]).mean() > 5
        show.renderer.close()
    finally:
        ctx.close()
