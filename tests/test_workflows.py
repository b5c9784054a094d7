"""The GitHub Actions workflows (.github/workflows) cannot run here: they are checked by actionlint
(when installed, as `[dev]` installs it) and by what their jobs must do."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[1]
WF = REPO / ".github" / "workflows"


def load(name: str) -> dict:
    wf = yaml.safe_load((WF / name).read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads a bare `on:` key as True
    return wf


def runs(job: dict) -> str:
    return "\n".join(str(s.get("run", "")) for s in job["steps"])


def uses(job: dict) -> list[str]:
    return [s["uses"].split("@")[0] for s in job["steps"] if "uses" in s]


def test_actionlint():
    exe = Path(sys.executable).parent / "actionlint"
    exe = str(exe) if exe.exists() else shutil.which("actionlint")
    if exe is None:
        pytest.skip("actionlint is not installed (pip install -e '.[dev]')")
    p = subprocess.run([exe, "-color=false"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_every_workflow_is_well_formed():
    files = sorted(WF.glob("*.yml"))
    assert {f.name for f in files} == {"ci.yml", "cd.yml", "release.yml"}
    for f in files:
        wf = load(f.name)
        assert wf["name"] and wf["on"] and wf["jobs"], f.name
        assert "permissions" in wf, f"{f.name}: least privilege -- say what GITHUB_TOKEN may do"
        for jid, job in wf["jobs"].items():
            assert job["runs-on"].startswith("ubuntu-"), (f.name, jid)
            assert isinstance(job.get("timeout-minutes"), int), (f.name, jid)
            assert job["steps"] and all(("run" in s) != ("uses" in s) for s in job["steps"]), (f.name, jid)
            for u in uses(job):
                step = next(s for s in job["steps"] if s.get("uses", "").startswith(u))
                assert "@" in step["uses"], f"{f.name}: {u} is not pinned to a version"


def test_ci_lints_tests_on_mesa_validates_packs_builds_the_image():
    wf = load("ci.yml")
    assert "push" in wf["on"] and "pull_request" in wf["on"]
    assert wf["permissions"] == {"contents": "read"}
    lint = runs(wf["jobs"]["lint"])
    for cmd in ("ruff check", "hadolint Dockerfile", "actionlint"):
        assert cmd in lint
    test = wf["jobs"]["test"]
    assert test["container"].startswith("python:3.11-bookworm")  # Debian 12 + 3.11, as .ci/run's machines
    assert test["env"]["VJHOST_TORCH_VERSION"] == "2.13.0+cpu"  # never the multi-GB CUDA build in CI
    steps = runs(test)
    ci_run = (REPO / ".ci" / "run").read_text()
    assert "bash tools/bootstrap.sh --test" in ci_run and "bash tools/bootstrap.sh --test" in steps
    assert ".venv/bin/python -m pytest -q tests/test_docs.py" in steps  # the docs' examples
    assert ".venv/bin/python -m pytest -q --ignore=tests/test_docs.py" in steps  # and the rest of the suite
    assert 'vjhost pack validate "$name"' in steps and "vjhost packs --json" in steps
    image = wf["jobs"]["image"]
    build = next(s for s in image["steps"] if s.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["target"] == "cpu" and build["with"]["push"] is False
    assert "vjhost demo --offline" in runs(image) and "--network none" in runs(image)


def test_cd_pushes_both_images_to_ghcr_with_the_github_token():
    wf = load("cd.yml")
    assert wf["on"]["push"]["branches"] == ["main"]
    assert wf["permissions"]["packages"] == "write"
    job = wf["jobs"]["images"]
    assert job["strategy"]["matrix"]["target"] == ["cpu", "gpu"]
    login = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/login-action"))
    assert login["with"]["registry"] == "ghcr.io" and login["with"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    build = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action"))
    assert build["with"]["push"] is True and build["with"]["target"] == "${{ matrix.target }}"
    meta = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/metadata-action"))
    assert meta["with"]["images"] == "ghcr.io/${{ github.repository }}"


def test_release_attaches_vjhost_and_every_pack_wheel():
    wf = load("release.yml")
    assert wf["on"]["push"]["tags"] == ["v*"] and wf["permissions"] == {"contents": "write"}
    steps = runs(wf["jobs"]["wheels"])
    assert "python -m build --wheel --outdir dist ." in steps
    assert "for d in persona_packs/*/" in steps and 'python -m build --wheel --outdir dist "$d"' in steps
    assert "vjhost_pack_*.whl" in steps and ".safetensors" in steps  # the weights travel in the wheels
    assert "gh release create" in steps and "dist/*.whl" in steps
    # every pack's package data really includes its weights, so the wheels carry them
    from vjhost.tomlcompat import tomllib

    for pp in sorted(REPO.glob("persona_packs/*/pyproject.toml")):
        data = tomllib.loads(pp.read_text())["tool"]["setuptools"]["package-data"]
        pats = [p for v in data.values() for p in v]
        assert "weights/*.safetensors" in pats and "weights/*.onnx" in pats, pp
