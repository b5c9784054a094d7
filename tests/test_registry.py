"""The model registry: register a pack's decoders, promote a version (staging -> production) into the pack."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

pytest.importorskip("mlflow")

from vjhost.cli import main as vjhost_main
from vjhost.decode.vae import Decoder as VAEDecoder
from vjhost.decode.vae import VAEConfig
from vjhost.decode.weights import load_decoder_weights, save_decoder
from vjhost.train import registry
from vjhost.train.registry import PRODUCTION, STAGING, RegistryError, file_digests, promote, register_pack
from vjhost.train.tracking import Tracker


def write_pack(root, seed: int, psnr: float):
    """A small pack folder: manifest, teacher + student weights, EVAL.json, training record, model card."""
    pkg = root / "vjhost_tinyreg"
    (pkg / "weights").mkdir(parents=True, exist_ok=True)
    (pkg / "pack.toml").write_text('name = "tinyreg"\n[decoder]\nweights = "weights/decoder.safetensors"\n'
                                   'student = "weights/student.safetensors"\nlatent_dim = 8\nsize = 16\nchannels = 1\n')
    for i, (f, widths) in enumerate((("decoder", (8, 4)), ("student", (4, 2)))):
        torch.manual_seed(seed * 10 + i)
        save_decoder(pkg / "weights" / f"{f}.safetensors", VAEDecoder(VAEConfig(8, 16, 1, widths)),
                     anchors=torch.randn(2, 8), anchor_names=("a", "b"))
    (pkg / "weights" / "EVAL.json").write_text(json.dumps({"student_vs_teacher": {"psnr_db": psnr}}))
    (pkg / "TRAINING.json").write_text(json.dumps({"seed": seed}))
    (pkg / "MODEL_CARD.md").write_text(f"# Model card: tinyreg decoder\n\nseed {seed}\n")
    return pkg


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("VJHOST_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return f"sqlite:///{tmp_path / 'registry' / 'mlflow.db'}"


def test_register_promote_roll_back(tmp_path, store, capsys):
    from mlflow.tracking import MlflowClient

    pkg = write_pack(tmp_path / "pack", seed=1, psnr=21.0)
    v1_files = file_digests(pkg)
    # training registers each decoder file as it is made: sha256 tag, alias staging
    with Tracker.start("tinyreg-teacher", experiment="vjhost/tinyreg", tracking_uri=store,
                       artifact_root=tmp_path / "registry" / "mlartifacts") as t:
        version = t.register_model(pkg / "weights" / "decoder.safetensors", "tinyreg-teacher", artifact_path="teacher")
        assert version == "1"
    r1 = register_pack(str(pkg), tracking_uri=store)
    assert (r1["model"], r1["version"], r1["alias"]) == ("tinyreg-pack", "1", STAGING)
    assert set(r1["files"]) == {"weights/decoder.safetensors", "weights/student.safetensors", "weights/EVAL.json",
                                "TRAINING.json", "MODEL_CARD.md"}
    assert not (tmp_path / "mlruns").exists()  # artifacts beside the database

    pkg = write_pack(tmp_path / "pack", seed=2, psnr=23.5)  # a retrain
    (pkg / "weights" / "student.int8.onnx").write_bytes(b"an export of the v2 student")
    assert vjhost_main(["pack", "register", str(pkg), "--tracking-uri", store]) == 0
    assert "registered tinyreg-pack version 2 (alias staging)" in capsys.readouterr().out
    client = MlflowClient(tracking_uri=store)
    assert str(client.get_model_version_by_alias("tinyreg-pack", STAGING).version) == "2"
    assert client.get_model_version("tinyreg-pack", "2").tags["student_vs_teacher_psnr_db"] == "23.5"
    v2_files = file_digests(pkg)

    # roll the pack back to version 1 and make it production
    assert vjhost_main(["pack", "promote", str(pkg), "--version", "1", "--tracking-uri", store]) == 0
    out = capsys.readouterr().out
    assert "promoted tinyreg-pack version 1" in out and "1 removed" in out and "previous files kept in" in out
    now = file_digests(pkg)
    for rel in ("weights/decoder.safetensors", "weights/student.safetensors", "weights/EVAL.json", "TRAINING.json"):
        assert now[rel] == v1_files[rel], rel
    assert not (pkg / "weights" / "student.int8.onnx").exists()  # belonged to the v2 student
    load_decoder_weights(pkg / "weights" / "decoder.safetensors")
    card = (pkg / "MODEL_CARD.md").read_text()
    assert card.startswith("# Model card: tinyreg decoder\n\nseed 1") and card.count("## Registry") == 1
    assert "`tinyreg-pack` version 1" in card and "weights/decoder.safetensors" in card
    assert str(client.get_model_version_by_alias("tinyreg-pack", PRODUCTION).version) == "1"
    assert str(client.get_model_version_by_alias("tinyreg-pack", STAGING).version) == "2"
    # the teacher file training registered is now production too (same sha256)
    assert str(client.get_model_version_by_alias("tinyreg-teacher", PRODUCTION).version) == "1"
    # nothing is lost: v2's files, the int8 export included, were kept aside
    backups = list((tmp_path / "data" / "backups" / "tinyreg").iterdir())
    assert len(backups) == 1
    assert file_digests(backups[0]) == {k: v for k, v in v2_files.items() if k != "pack.toml"}

    # promote the staging candidate (v2) again: the card keeps one Registry section
    rep = promote(str(pkg), alias=STAGING, tracking_uri=store)
    assert rep["version"] == "2"
    assert file_digests(pkg)["weights/decoder.safetensors"] == v2_files["weights/decoder.safetensors"]
    card = (pkg / "MODEL_CARD.md").read_text()
    assert card.count("## Registry") == 1 and "`tinyreg-pack` version 2" in card and "seed 2" in card
    rows = registry.versions("tinyreg", tracking_uri=store)
    assert [(r["version"], sorted(r["aliases"])) for r in rows] == [("2", [PRODUCTION, STAGING]), ("1", [])]


def test_bad_versions_and_tampered_artifacts_leave_the_pack_alone(tmp_path, store, capsys):
    pkg = write_pack(tmp_path / "pack", seed=3, psnr=20.0)
    register_pack(str(pkg), tracking_uri=store)
    before = file_digests(pkg)
    with pytest.raises(SystemExit, match="tinyreg-pack: no version 7"):
        vjhost_main(["pack", "promote", str(pkg), "--version", "7", "--tracking-uri", store])
    with pytest.raises(SystemExit, match="no alias 'production'"):
        vjhost_main(["pack", "promote", str(pkg), "--alias", "production", "--tracking-uri", store])
    # someone edits the stored artifact: promotion refuses, naming the file
    stored = next((tmp_path / "registry" / "mlartifacts").rglob("student.safetensors"))
    stored.write_bytes(stored.read_bytes()[:-4] + b"evil")
    with pytest.raises(RegistryError, match=r"weights/student.safetensors"):
        promote(str(pkg), version="1", tracking_uri=store)
    assert file_digests(pkg) == before
    with pytest.raises(SystemExit, match="no pack 'nosuchpack'"):
        vjhost_main(["pack", "register", "nosuchpack", "--tracking-uri", store])


def test_without_mlflow_the_registry_says_how_to_get_it(tmp_path, monkeypatch):
    pkg = write_pack(tmp_path / "pack", seed=4, psnr=20.0)
    monkeypatch.setitem(sys.modules, "mlflow", None)
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    with pytest.raises(SystemExit, match=r"mlflow is not installed.*pip install"):
        vjhost_main(["pack", "register", str(pkg)])


def test_the_show_never_imports_the_registry(tmp_path):
    """A whole offline render (the show's path) with mlflow, the registry and the tracker made
    unimportable: it renders, and none of them was imported."""
    out = tmp_path / "d.mp4"
    code = f"""
import sys
BLOCKED = ("mlflow", "vjhost.train.registry", "vjhost.train.tracking")
class NoTraining:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "mlflow" or name in BLOCKED:
            raise ImportError("the live path imported " + name)
sys.meta_path.insert(0, NoTraining())
from vjhost.cli import main
rc = main(["demo", "--offline", "--quiet", "--duration", "0.5", "--size", "320x180", "--out", {str(out)!r}])
bad = sorted(m for m in sys.modules if m.split(".")[0] == "mlflow" or m in BLOCKED)
print("RC", rc, "BAD", bad)
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert "RC 0 BAD []" in p.stdout, p.stdout + p.stderr
    assert out.stat().st_size > 1000
