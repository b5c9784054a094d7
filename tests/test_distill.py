"""Distillation: a tiny teacher (really trained) -> a tiny student that gets closer to it; saved and loaded."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import stripes_dataset as stripes

from vjhost.decode.vae import Decoder, VAEConfig
from vjhost.decode.weights import load_decoder_weights
from vjhost.train.distill import (
    distill,
    fidelity,
    half_widths,
    prune_init,
    sample_latents,
    save_student,
    student_config,
)
from vjhost.train.vae import TrainConfig, save_pack_weights, train_vae
from vjhost_builtins.torch_decoder import TorchDecoder

pytestmark = pytest.mark.usefixtures("keep_torch_threads")




@pytest.fixture(scope="module")
def teacher_file(tmp_path_factory):
    torch.set_num_threads(1)
    cfg = VAEConfig(latent_dim=8, size=16, channels=1, widths=(16, 8))
    res = train_vae(stripes, cfg, TrainConfig(steps=40, batch=16, eval_samples=32, device="cpu"))
    path = tmp_path_factory.mktemp("teacher") / "decoder.safetensors"
    save_pack_weights(path, res, stripes, ("horizontal", "vertical"), {"generator": "stripes"})
    return path


def test_student_config():
    t = VAEConfig(widths=(128, 96, 64, 32, 16))
    assert half_widths(t.widths) == (64, 48, 32, 16, 8)
    s = student_config(t)
    assert (s.latent_dim, s.size, s.channels, s.widths) == (64, 128, 1, (64, 48, 32, 16, 8))
    with pytest.raises(TypeError):
        distill(torch.nn.Linear(2, 2), s, steps=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="latent_dim"):
        distill(Decoder(VAEConfig(latent_dim=8, size=16, widths=(8, 4))), s, steps=1)
    anchors = torch.zeros(2, 8)
    z = sample_latents(16, 8, anchors, torch.Generator().manual_seed(0))
    assert z.shape == (16, 8) and torch.isfinite(z).all()


def test_distilled_student_gets_closer_and_loads(teacher_file, tmp_path):
    t = TorchDecoder(teacher_file, "cpu", autocast=None)
    scfg = student_config(t.config)  # widths (8, 4)
    student, record = distill(t, scfg, steps=60, batch=16, lr=1e-2, seed=0, device="cpu", eval_samples=64,
                              init="random")
    assert record["init"] == "random"
    assert record["student_params"] < record["teacher_params"]
    assert record["fidelity"]["psnr_db"] > record["fidelity_init"]["psnr_db"] + 1.0
    assert record["fidelity"]["pixel_agreement"] >= record["fidelity_init"]["pixel_agreement"]
    assert record["images_seen"] == 60 * 16 and record["seconds"] > 0

    out = tmp_path / "student.safetensors"
    save_student(out, student, teacher_file, record)
    s = TorchDecoder(out, "cpu", autocast=None)
    assert (s.latent_dim, s.size, s.channels) == (t.latent_dim, t.size, t.channels)
    assert list(s.config.widths) == [8, 4]
    assert s.anchor_names == ["horizontal", "vertical"]
    np.testing.assert_array_equal(s.anchors, t.anchors)
    meta = load_decoder_weights(out).metadata
    import hashlib

    assert meta["role"] == "student"
    assert meta["teacher_sha256"] == hashlib.sha256(teacher_file.read_bytes()).hexdigest()
    assert json.loads(meta["distill"])["steps"] == 60
    assert "heldout_psnr_db" in json.loads(meta["teacher_training"])
    # the loaded student decodes like the returned module
    z = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
    with torch.no_grad():
        ref = (torch.sigmoid(student(torch.from_numpy(z))) * 255).round().byte().permute(0, 2, 3, 1).numpy()
    assert np.abs(s.decode(z).astype(int) - ref.astype(int)).max() <= 1
    # fidelity of the loaded student against the teacher equals the record's (same seed, same latents)
    f = fidelity(s.module, t.module, n=64, anchors=torch.from_numpy(t.anchors))
    assert abs(f["psnr_db"] - record["fidelity"]["psnr_db"]) < 0.05


def test_tracker_receives_the_run(teacher_file, tmp_path, monkeypatch):
    calls = {"params": 0, "metrics": [], "images": []}

    class Fake:
        enabled = True

        def log_params(self, p):
            calls["params"] += 1

        def log_metrics(self, m, step=None):
            calls["metrics"].append(step)

        def log_step(self, step, row, last=False):
            if step % 5 == 0 or last:
                calls["metrics"].append(step)

        def log_image(self, name, img):
            assert img.dtype == np.uint8 and img.ndim == 2
            calls["images"].append(name)

    distill(teacher_file, None, steps=10, batch=8, device="cpu", eval_samples=16, tracker=Fake(), sample_every=5)
    assert calls["params"] == 1
    assert 5 in calls["metrics"] and 10 in calls["metrics"]
    assert calls["images"] == ["samples/step_000000.png", "samples/step_000005.png", "samples/step_000010.png"]


def test_prune_init_starts_from_the_teacher(teacher_file):
    t = TorchDecoder(teacher_file, "cpu", autocast=None).module.to(memory_format=torch.contiguous_format)
    same = Decoder(t.cfg)
    prune_init(same, t)  # the teacher's own widths: an exact copy
    assert fidelity(same, t, n=16)["psnr_db"] == 100.0
    narrow = Decoder(student_config(t.cfg, (16, 4)))  # full width at 8x8, a quarter at 16x16
    prune_init(narrow, t)
    torch.testing.assert_close(narrow.fc.weight, t.fc.weight)
    torch.testing.assert_close(narrow.body[1].weight, t.body[1].weight)
    rand = Decoder(student_config(t.cfg, (16, 4)))
    assert fidelity(narrow, t, n=64)["psnr_db"] > fidelity(rand, t, n=64)["psnr_db"]
    with pytest.raises(ValueError, match="widths"):
        prune_init(Decoder(student_config(t.cfg, (32, 4))), t)
    _, rec = distill(t, student_config(t.cfg, (16, 4)), steps=5, batch=8, device="cpu", eval_samples=16)
    assert rec["init"] == "teacher"
    with pytest.raises(ValueError, match="init"):
        distill(t, None, steps=1, init="magic")
