"""int8 ONNX decoders: quantise, measure the cost, pick the precision at run time."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime.quantization")

from vjhost.decode.onnx_export import export_onnx, read_onnx_metadata
from vjhost.decode.quantize import (
    QuantizeError,
    int8_path,
    int8_report,
    is_stale,
    measure_int8,
    quantize_onnx,
    walk_latents,
)
from vjhost.decode.vae import Decoder as VAEDecoder
from vjhost.decode.vae import VAEConfig
from vjhost.decode.weights import save_decoder
from vjhost_builtins.onnx_decoder import OnnxDecoder

pytestmark = pytest.mark.usefixtures("keep_torch_threads")


def small_onnx(tmp_path, seed=0, name="student"):
    """A small decoder (16-d latent -> 32x32 RGB) whose images use the whole 0..255 range, exported."""
    torch.manual_seed(seed)
    cfg = VAEConfig(latent_dim=16, size=32, channels=3, widths=(32, 16, 8))
    dec = VAEDecoder(cfg)
    with torch.no_grad():
        dec.body[-1].weight.mul_(30.0)
    path = tmp_path / f"{name}.safetensors"
    save_decoder(path, dec, anchors=torch.randn(4, 16), anchor_names=("a", "b", "c", "d"), extra={"role": name})
    out = tmp_path / f"{name}.onnx"
    export_onnx(path, out)
    return out


def test_int8_file_beside_fp32_keeps_the_pictures(tmp_path):
    fp32 = small_onnx(tmp_path)
    rep = quantize_onnx(fp32)
    q = tmp_path / "student.int8.onnx"
    assert rep["path"] == str(q) and q.is_file() and int8_path(fp32) == q
    assert set(rep["candidates"]) == {"dynamic", "static"}  # both were tried ...
    best = max(("dynamic", "static"), key=lambda m: rep["candidates"][m].get("psnr_db", -1))
    assert rep["method"] == best  # ... and the one closer to fp32 kept
    assert rep["bytes"] < 0.6 * rep["fp32_bytes"]  # int8 weights
    meta, meta32 = read_onnx_metadata(q), read_onnx_metadata(fp32)
    assert meta["precision"] == "int8" and meta["quantization"] == best
    assert meta["anchors"] == meta32["anchors"] and meta["vae_config"] == meta32["vae_config"]
    assert not is_stale(fp32)

    a, b = OnnxDecoder(fp32, "cpu"), OnnxDecoder(fp32, "cpu", precision="int8")
    assert (a.precision, b.precision) == ("fp32", "int8") and b.weights_path == q
    assert b.describe()["precision"] == "int8" and b.anchor_names == ["a", "b", "c", "d"]
    np.testing.assert_allclose(b.anchors, a.anchors)
    z = walk_latents(64, 16, a.anchors, seed=3)
    x, y = a.decode(z).astype(float), b.decode(z).astype(float)
    assert y.shape == x.shape == (64, 32, 32, 3) and x.std() > 20
    psnr = 10 * np.log10(255**2 / ((x - y) ** 2).mean())
    assert 25 < psnr < 80  # close to the fp32 picture, yet really int8 arithmetic


def test_measure_and_eval_section(tmp_path):
    fp32 = small_onnx(tmp_path)
    sec = int8_report({"student": fp32, "teacher": tmp_path / "absent.onnx"}, samples=32, seconds=0.1)
    assert set(sec) == {"student"}
    s = sec["student"]
    assert s["file"] == "student.int8.onnx" and s["method"] in ("dynamic", "static")
    assert s["psnr_db"] > 25 and s["max_abs_levels"] >= 1 and 0 < s["within_8_levels"] <= 1
    assert s["fp32_fps"] > 0 and s["int8_fps"] > 0 and s["speedup"] > 0 and s["bursts"] >= 3
    assert "candidates" in s  # made now, so both methods' figures come along
    json.dumps(sec)  # EVAL.json material
    again = measure_int8(fp32, samples=32, seconds=0.05)
    assert again["psnr_db"] == pytest.approx(s["psnr_db"], abs=3)


def test_stale_or_missing_int8_plays_fp32_and_says_so(tmp_path, capsys):
    fp32 = small_onnx(tmp_path)
    d = OnnxDecoder(fp32, "cpu", precision="int8")
    assert d.precision == "fp32" and d.weights_path == fp32
    err = capsys.readouterr().err
    assert "student.int8.onnx is missing" in err and "python -m vjhost.decode.quantize" in err

    quantize_onnx(fp32, method="dynamic")
    small_onnx(tmp_path, seed=1)  # a re-export: the int8 file now belongs to old weights
    assert is_stale(fp32)
    d = OnnxDecoder(fp32, "cpu", precision="int8")
    assert d.precision == "fp32" and d.weights_path == fp32
    assert "made from another version of student.onnx" in capsys.readouterr().err
    rep = int8_report({"student": fp32}, samples=16, seconds=0.05)  # the evaluation remakes it
    assert not is_stale(fp32) and rep["student"]["psnr_db"] > 25


def test_precision_from_the_environment_and_bad_values(tmp_path, monkeypatch):
    fp32 = small_onnx(tmp_path)
    quantize_onnx(fp32, method="static")
    assert read_onnx_metadata(int8_path(fp32))["quantization"] == "static"
    monkeypatch.setenv("VJHOST_DECODER_PRECISION", "int8")
    assert OnnxDecoder(fp32, "cpu").precision == "int8"
    assert OnnxDecoder(fp32, "cpu", precision="fp32").precision == "fp32"
    monkeypatch.setenv("VJHOST_DECODER_PRECISION", "int4")
    with pytest.raises(ValueError, match="int4"):
        OnnxDecoder(fp32, "cpu")


def test_cli_precision_flag(monkeypatch, capsys):
    from vjhost.cli import build_parser

    monkeypatch.setenv("VJHOST_DECODER_PRECISION", "fp32")  # parsing --precision sets it: restored after the test
    args = build_parser().parse_args(["render", "--audio", "a.wav", "--out", "o.mp4", "--backend", "onnx",
                                      "--precision", "int8"])
    assert args.precision == "int8"
    import os

    assert os.environ["VJHOST_DECODER_PRECISION"] == "int8"
    monkeypatch.delenv("VJHOST_DECODER_PRECISION", raising=False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--precision", "int4"])
    assert "invalid choice: 'int4'" in capsys.readouterr().err


def test_quantize_rejects_foreign_and_missing_files(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    with pytest.raises(QuantizeError, match="nope.onnx: ONNX file not found"):
        quantize_onnx(tmp_path / "nope.onnx")
    g = helper.make_graph([helper.make_node("Relu", ["z"], ["image"])], "g",
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 4])])
    foreign = tmp_path / "foreign.onnx"
    onnx.save(helper.make_model(g), str(foreign))
    with pytest.raises(QuantizeError, match="foreign.onnx: not a vjhost ONNX decoder"):
        quantize_onnx(foreign)
    assert not int8_path(foreign).exists()
