"""`vjhost train PACK`: teacher -> student -> ONNX -> records, for real on a tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from vjhost.decode.weights import load_decoder_weights
from vjhost.train.cli import _settings
from vjhost.train.cli import main as train_main
from vjhost.train.vae import frequency_loss

ROOT = Path(__file__).resolve().parents[1]

MANIFEST = """
schema_version = 1
name = "tiny"
scenes = []
[decoder]
weights = "weights/decoder.safetensors"
# named like a flagship pack's: none of these exist until training writes them
student = "weights/student.safetensors"
onnx = ["weights/teacher.onnx", "weights/student.onnx"]
eval = "weights/EVAL.json"
latent_dim = 8
size = 32
channels = 3
[shaders]
source = "tiny.glsl"
[training]
dataset = "vjhost_kusama.dataset:generate"
motifs = "vjhost_kusama.dataset:MOTIFS"
recipe = "vjhost_kusama.dataset:RECIPE"
widths = [32, 16, 8]
steps = 500
batch = 4
freq_weight = 0.5
[training.student]
widths = [16, 8, 4]
steps = 500
"""


@pytest.fixture
def tiny_pack(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "persona_packs" / "kusama"))
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "pack.toml").write_text(MANIFEST)
    (d / "shaders").mkdir()
    (d / "shaders" / "tiny.glsl").write_text("void main() { o_color = texture(u_image, v_uv); }\n")
    return d


def test_config_file_overrides_the_manifest_and_unknown_keys_are_named(tmp_path):
    cfg = tmp_path / "fast.toml"
    cfg.write_text("[training]\nsteps = 7\n[training.student]\nsteps = 3\n")
    tr = _settings({"steps": 100, "batch": 8, "student": {"steps": 50, "widths": [4]}}, str(cfg))
    assert tr["steps"] == 7 and tr["batch"] == 8
    assert tr["student"] == {"steps": 3, "widths": [4]}
    cfg.write_text("[training]\nstesp = 7\n")
    with pytest.raises(SystemExit, match=r"unknown \[training\] keys \['stesp'\]"):
        _settings({}, str(cfg))
    cfg.write_text("[training\n")
    with pytest.raises(SystemExit, match="fast.toml"):
        _settings({}, str(cfg))


def test_frequency_loss_sees_lost_detail():
    sharp = torch.zeros(1, 1, 32, 32)
    sharp[..., ::4, :] = 1.0
    blurred = torch.full_like(sharp, sharp.mean().item())  # same mean, no stripes
    assert frequency_loss(blurred, sharp).item() > 10 * frequency_loss(sharp, sharp).item() + 1.0


def test_train_pack_from_scratch_teacher_student_onnx(tiny_pack, tmp_path):
    cfg = tmp_path / "quick.toml"
    cfg.write_text("[training]\nsteps = 6\npool = 16\n[training.student]\nsteps = 4\nbatch = 4\n")
    rc = train_main([str(tiny_pack), "--config", str(cfg), "--no-track", "--quiet", "--device", "cpu"])
    assert rc == 0
    w = tiny_pack / "weights"
    teacher = load_decoder_weights(w / "decoder.safetensors")
    assert teacher.config.size == 32 and teacher.config.channels == 3 and teacher.config.widths == (32, 16, 8)
    assert len(teacher.anchor_names) == 8 and teacher.anchor_names[0] == "polka"  # one scene anchor per motif
    assert teacher.anchors.shape == (8, 8) and torch.isfinite(teacher.anchors).all()
    student = load_decoder_weights(w / "student.safetensors")
    assert student.config.widths == (16, 8, 4)
    assert sum(t.numel() for t in student.state.values()) < sum(t.numel() for t in teacher.state.values())

    from vjhost_builtins.onnx_decoder import OnnxDecoder
    from vjhost_builtins.torch_decoder import TorchDecoder

    z = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    a = TorchDecoder(w / "student.safetensors", "cpu", autocast=None).decode(z)
    b = OnnxDecoder(w / "student.onnx", "cpu").decode(z)
    assert a.shape == b.shape == (2, 32, 32, 3)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 2

    record = json.loads((tiny_pack / "TRAINING.json").read_text())
    assert record["steps"] == 6 and record["batch"] == 4 and record["freq_weight"] == 0.5
    assert record["pipeline_seconds"] > 0 and "--config" in record["pipeline_command"]
    assert record["dataset"]["generator"] == "vjhost_kusama.dataset.generate"
    report = json.loads((w / "EVAL.json").read_text())
    assert report["student_vs_teacher"]["psnr_db"] > 0 and report["speed"]["student_fps"] > 0
    card = (tiny_pack / "MODEL_CARD.md").read_text()
    assert "vjhost train" in card and "polka" in card and "No artwork" in card
    assert "A fixed pool of 16 images" in card and "training image nearest the family's mean latent" in card
    assert "## Evaluation (`vjhost pack eval`" in card and "student vs teacher" in card
    assert (w / "samples_prior.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_prior_fit_sends_the_unit_gaussian_where_the_data_sits(monkeypatch):
    """fold_prior(decoder)(z) == decoder(mean + L z), and the fit matches the encoded latents' spread."""
    from vjhost.decode.vae import VAEConfig
    from vjhost.train.vae import TrainConfig, fit_prior, fold_prior, train_vae

    monkeypatch.syspath_prepend(str(ROOT / "persona_packs" / "kusama"))
    from vjhost_kusama.dataset import generate

    res = train_vae(generate, VAEConfig(latent_dim=6, size=32, channels=3, widths=(16, 8, 4)),
                    TrainConfig(steps=4, batch=8, pool=48, eval_samples=8, beta=0.1))
    assert res.record["pool"] == 48 and res.record["epochs"] == round(4 * 8 / 48, 1)
    assert res.pool.images.shape == (48, 3, 32, 32)
    mean, chol = fit_prior(res.vae, generate, data=res.pool.images)
    z = torch.randn(5, 6, generator=torch.Generator().manual_seed(0))
    folded = fold_prior(res.vae.decoder, mean, chol)
    with torch.no_grad():
        assert torch.allclose(folded(z), res.vae.decoder(mean + z @ chol.T), atol=1e-5)
        mu, logvar = res.vae.encoder(torch.from_numpy(res.pool.images).float() / 255)
        post = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=torch.Generator().manual_seed(1))
    # the fitted Gaussian covers the aggregate posterior: whitened posterior samples have about unit spread
    white = torch.linalg.solve_triangular(chol, (post - mean).T, upper=False).T
    assert 0.7 < white.std().item() < 1.3
