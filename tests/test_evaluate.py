"""Evaluation report on tiny decoders: fields, plausible values, the style classifier with N packs, the CLI."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime")

from conftest import stripes_dataset as stripes

from vjhost.decode.vae import VAEConfig
from vjhost.train.distill import distill, save_student, student_config
from vjhost.train.evaluate import (
    bench_decoders,
    evaluate_files,
    style_scores,
    walk_smoothness,
)
from vjhost.train.pack_commands import (
    add_pack_commands,
    cmd_pack_bench,
    cmd_pack_eval,
    format_eval,
)
from vjhost.train.vae import TrainConfig, save_pack_weights, train_vae
from vjhost_builtins.torch_decoder import TorchDecoder

pytestmark = pytest.mark.usefixtures("keep_torch_threads")




def blobs(n: int, size: int = 16, seed: int = 0):
    """A second toy 'pack': soft round blobs on black (nothing like stripes)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    out = np.zeros((n, 1, size, size), np.uint8)
    for i in range(n):
        cy, cx, r = rng.uniform(3, size - 3), rng.uniform(3, size - 3), rng.uniform(2, size / 3)
        out[i, 0] = (255 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))).astype(np.uint8)
    return out, np.zeros(n, int)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    torch.set_num_threads(1)
    d = tmp_path_factory.mktemp("eval")
    cfg = VAEConfig(latent_dim=8, size=16, channels=1, widths=(16, 8))
    res = train_vae(stripes, cfg, TrainConfig(steps=40, batch=16, eval_samples=32, device="cpu"))
    teacher = d / "decoder.safetensors"
    save_pack_weights(teacher, res, stripes, ("horizontal", "vertical"), {"generator": "stripes"})
    student, record = distill(teacher, student_config(cfg), steps=40, batch=16, lr=1e-2, device="cpu", eval_samples=32)
    sp = d / "student.safetensors"
    save_student(sp, student, teacher, record)
    return teacher, sp


def test_report_fields_and_values(files):
    teacher, student = files
    r = evaluate_files("toy", teacher, student, generate=stripes, samples=32, seconds=0.1)
    assert r["teacher"]["params"] > r["student"]["params"] and r["student"]["role"] == "student"
    rc = r["recon"]
    assert rc["teacher_heldout_psnr_db_stored"] > 0 and rc["heldout_samples_stored"] == 32
    inv = rc["inversion"]
    assert 3 < inv["teacher_psnr_db"] < 60 and 3 < inv["student_psnr_db"] < 60
    assert math.isclose(inv["student_loss_db"], inv["teacher_psnr_db"] - inv["student_psnr_db"], abs_tol=0.02)
    st = r["student_vs_teacher"]
    assert st["samples"] == 32 and 5 < st["psnr_db"] < 80 and 0.5 < st["pixel_agreement"] <= 1
    assert "psnr_binary_db_anchors" in st
    sp = r["speed"]
    assert sp["teacher_fps"] > 0 and sp["student_fps"] > 0
    assert math.isclose(sp["ratio"], sp["student_fps"] / sp["teacher_fps"], rel_tol=0.02)
    backends = {(row["role"], row["backend"]) for row in r["bench"]}
    assert {("teacher", "torch fp32"), ("student", "torch fp32"), ("teacher", "onnxruntime"),
            ("student", "onnxruntime")} <= backends
    assert sp["student_best"]["fps"] >= sp["student_fps"] * 0.5
    for role in ("teacher", "student"):
        sm = r["smoothness"][role]
        assert 0 <= sm["small_step"] < sm["jump"] <= 1 and sm["ratio"] < 1
    assert r["style"] == "n/a (one pack)"
    assert set(r["goals"]) >= {"speed_ratio_ge_2", "psnr_loss_le_1db", "student_best_backend_fps_ge_150"}
    assert all(isinstance(v, float) for v in r["metrics"].values())
    json.dumps(r)  # JSON-serialisable as it is
    text = format_eval(r)
    assert "student vs teacher" in text and "walk smoothness (student)" in text


def test_teacher_only_and_no_generator(files):
    teacher, _ = files
    r = evaluate_files("toy", teacher, None, samples=16, seconds=0.05, bench=False)
    assert "student" not in r and "student_vs_teacher" not in r and "goals" not in r
    assert r["recon"]["inversion"].startswith("n/a") and r["style"] == "n/a (no packs)"


def test_smoothness_of_a_constant_decoder():
    class Flat:
        latent_dim = 4

        def decode(self, z):
            return np.full((len(z), 8, 8, 1), 7, np.uint8)

    s = walk_smoothness(Flat(), walks=2, steps=3)
    assert s["small_step"] == 0 and s["jump"] == 0 and s["step_norm"] == pytest.approx(0.1)


def test_style_classifier_with_two_packs(files):
    teacher, student = files
    t, s = TorchDecoder(teacher, "cpu", autocast=None), TorchDecoder(student, "cpu", autocast=None)
    packs = [{"name": "stripes", "generate": stripes, "size": 16, "decoders": {"teacher": t, "student": s}},
             {"name": "blobs", "generate": blobs, "size": 16, "decoders": {}}]
    out = style_scores(packs, steps=60, batch=32, samples=32)
    assert out["classes"] == ["stripes", "blobs"]
    assert out["heldout_data_accuracy"] > 0.9
    for role in ("teacher", "student"):
        assert 0 <= out["stripes"][role]["score"] <= 1 and 0 <= out["stripes"][role]["top1"] <= 1
    assert out["blobs"] == {}
    assert sum(out["stripes"]["teacher"]["predicted"].values()) == pytest.approx(1, abs=1e-3)
    assert style_scores(packs[:1]) == "n/a (one pack)"


class _SoftStripes:
    """A 'decoder' whose frames are the stripes dataset, box-blurred: soft, but unmistakably stripes."""

    latent_dim = 4

    def decode(self, z):
        x, _ = stripes(len(z), 16, seed=99)
        x = x.astype(np.float32)
        x = (x + np.roll(x, 1, -1) + np.roll(x, -1, -1) + np.roll(x, 1, -2) + np.roll(x, -1, -2)) / 5
        return np.moveaxis(x.astype(np.uint8), 1, -1)


def test_style_classifier_does_not_read_softness_as_another_pack():
    packs = [{"name": "stripes", "generate": stripes, "size": 16, "decoders": {"soft": _SoftStripes()}},
             {"name": "blobs", "generate": blobs, "size": 16, "decoders": {}}]
    out = style_scores(packs, steps=80, batch=32, samples=32)
    assert out["heldout_soft_accuracy"] > 0.9
    assert out["stripes"]["soft"]["top1"] > 0.9 and out["stripes"]["soft"]["predicted"]["blobs"] < 0.1


def test_bench_rows(files):
    teacher, student = files
    rows = bench_decoders({"teacher": teacher, "student": student}, None, seconds=0.05)
    assert {r["role"] for r in rows} == {"teacher", "student"}
    assert all(r["fps"] > 0 for r in rows)


def test_pack_subcommands_parse():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd")
    p = sub.add_parser("pack")
    p.set_defaults(func="cmd_pack")
    psub = p.add_subparsers(dest="pack_cmd", required=True)
    add_pack_commands(psub)
    a = ap.parse_args(["pack", "eval", "ikeda", "--json", "--samples", "64", "--no-inversion"])
    assert a.func is cmd_pack_eval and a.name == "ikeda" and a.json and a.samples == 64 and a.no_inversion
    b = ap.parse_args(["pack", "bench", "ikeda", "--seconds", "0.5"])
    assert b.func is cmd_pack_bench and b.seconds == 0.5 and not b.json
    with pytest.raises(SystemExit):
        ap.parse_args(["pack", "bench", "ikeda", "--seconds", "0"])
