"""The DVC pipeline (dvc.yaml) for real: a tiny pack through prepare -> teacher -> student -> export -> evaluate,
then a change that reaches only the stages that read it, `dvc metrics diff`, and a push to the default remote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("dvc")
pytest.importorskip("onnxruntime.quantization")

REPO = Path(__file__).resolve().parents[1]

TINY = """[training]
widths = [16, 8, 8]
steps = 24
batch = 8
pool = 32

[training.student]
widths = [8, 4, 4]
steps = 6
batch = 8

[eval]
samples = 16
seconds = 0.1
inversion = false
bench = false
sharpness = false
int8 = true
"""


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{' '.join(cmd)} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p.stdout + p.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A git + DVC workspace holding the repo's dvc.yaml and .dvc/config, vjhost (linked) and a tiny pack."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    ws = tmp_path_factory.mktemp("dvcws")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "VJHOST_TRACKING": "0", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid", "DVC_NO_ANALYTICS": "1"}
    run(["git", "init", "-q"], ws, env)
    (ws / "vjhost").symlink_to(REPO / "vjhost")  # the code deps (vjhost/train/vae.py, ...) as in the repo
    shutil.copy(REPO / "dvc.yaml", ws / "dvc.yaml")
    run([sys.executable, "-m", "dvc", "init", "-q"], ws, env)
    shutil.copy(REPO / ".dvc" / "config", ws / ".dvc" / "config")  # the default (local) remote
    shutil.copy(REPO / ".dvcignore", ws / ".dvcignore")
    run([sys.executable, "-m", "vjhost", "pack", "new", "tiny", "--template", "persona", "--dir", "persona_packs"],
        ws, env)
    manifest = ws / "persona_packs" / "tiny" / "vjhost_tiny" / "pack.toml"
    manifest.write_text(manifest.read_text().replace("\nsize = 128\n", "\nsize = 32\n"))  # seconds, not minutes
    (ws / "params").mkdir()
    (ws / "params" / "packs.yaml").write_text("packs:\n  tiny: {dir: persona_packs/tiny/vjhost_tiny}\n")
    (ws / "params" / "tiny.toml").write_text(TINY)
    return ws, env


def test_dvc_repro_trains_evaluates_and_reruns_only_what_changed(workspace):
    ws, env = workspace
    dvc = [sys.executable, "-m", "dvc"]
    out = run(dvc + ["repro"], ws, env, timeout=600)
    for stage in ("prepare@tiny", "teacher@tiny", "student@tiny", "export@tiny", "evaluate@tiny"):
        assert f"Running stage '{stage}'" in out
    p = ws / "pipeline" / "tiny"
    for f in ("dataset/samples.npz", "dataset/preview.png", "teacher/decoder.safetensors",
              "student/student.safetensors",
              "onnx/teacher.onnx", "onnx/student.onnx", "onnx/student.int8.onnx", "EVAL.json"):
        assert (p / f).is_file(), f
    report = json.loads((p / "EVAL.json").read_text())
    assert report["pack"] == "tiny" and report["student"]["widths"] == [8, 4, 4]
    assert report["student_vs_teacher"]["samples"] == 16
    q = report["int8"]["student"]
    assert q["file"] == "student.int8.onnx" and q["psnr_db"] > 25 and q["speedup"] > 0
    settings = json.loads((p / "settings" / "teacher.json").read_text())
    assert settings["training"]["steps"] == 24 and "student" not in settings["training"]
    run(["git", "add", "-A"], ws, env)
    run(["git", "commit", "-qm", "first run"], ws, env)

    # nothing changed: nothing runs
    assert "Running stage" not in run(dvc + ["repro"], ws, env)

    # a new student setting reaches the student (and, through its output, what follows), not the teacher
    teacher_before = (p / "teacher" / "decoder.safetensors").read_bytes()
    (ws / "params" / "tiny.toml").write_text(TINY.replace("steps = 6", "steps = 8"))
    run(dvc + ["repro", "prepare@tiny"], ws, env)
    status = run(dvc + ["status", "--json"], ws, env)
    stale = set(json.loads(status[status.index("{"):]))
    assert stale == {"student@tiny"}, stale  # its settings changed; the teacher's did not
    (ws / "params" / "tiny.toml").write_text(TINY)
    run(dvc + ["repro", "prepare@tiny"], ws, env)  # back as committed

    # an evaluation setting re-runs the evaluation alone; dvc metrics diff shows the new figures
    (ws / "params" / "tiny.toml").write_text(TINY.replace("samples = 16", "samples = 24"))
    out = run(dvc + ["repro"], ws, env, timeout=600)
    ran = {line.split("'")[1] for line in out.splitlines() if line.startswith("Running stage")}
    assert ran == {"prepare@tiny", "evaluate@tiny"}, out
    assert (p / "teacher" / "decoder.safetensors").read_bytes() == teacher_before
    diff = run(dvc + ["metrics", "diff", "--json"], ws, env)
    d = json.loads(diff[diff.index("{"):])["pipeline/tiny/EVAL.json"]
    assert d["student_vs_teacher.samples"]["old"] == 16 and d["student_vs_teacher.samples"]["new"] == 24

    # the default remote is a local folder: push puts the cached outputs there
    run(dvc + ["push"], ws, env)
    storage = ws / "dvc-storage"
    assert storage.is_dir() and sum(1 for f in storage.rglob("*") if f.is_file()) >= 6


def test_pipeline_run_to_registry_to_pack(workspace):
    """What the pipeline made goes into the registry as NAME-pack (staging), and promotion lays it
    into the pack where its manifest says; the int8 student plays from there."""
    pytest.importorskip("mlflow")
    from vjhost_builtins.onnx_decoder import OnnxDecoder

    ws, env = workspace
    run([sys.executable, "-m", "dvc", "repro"], ws, env, timeout=600)  # a no-op after the test above
    store = f"sqlite:///{ws / 'registry' / 'mlflow.db'}"
    env = {**env, "VJHOST_DATA": str(ws / "data")}
    pack = ws / "persona_packs" / "tiny"
    out = run([sys.executable, "-m", "vjhost", "pack", "register", str(pack), "--from", "pipeline/tiny",
               "--tracking-uri", store], ws, env)
    assert "registered tiny-pack version 1 (alias staging): 9 files" in out
    out = run([sys.executable, "-m", "vjhost", "pack", "promote", str(pack), "--alias", "staging",
               "--tracking-uri", store], ws, env)
    assert "promoted tiny-pack version 1" in out
    w = pack / "vjhost_tiny" / "weights"
    p = ws / "pipeline" / "tiny"
    assert (w / "decoder.safetensors").read_bytes() == (p / "teacher" / "decoder.safetensors").read_bytes()
    assert (w / "student.int8.onnx").read_bytes() == (p / "onnx" / "student.int8.onnx").read_bytes()
    assert json.loads((w / "EVAL.json").read_text())["pack"] == "tiny"
    card = (pack / "vjhost_tiny" / "MODEL_CARD.md").read_text()
    assert "## Registry" in card and "`tiny-pack` version 1" in card and "## Evaluation (`vjhost pack eval`" in card
    d = OnnxDecoder(w / "student.onnx", "cpu", precision="int8")
    assert d.precision == "int8" and d.decode(d.anchors[:2]).shape == (2, 32, 32, 3)
