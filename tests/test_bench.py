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
