"""ONNX export and the onnxruntime decoder backend: same pixels as TorchDecoder, metadata, bad files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from vjhost.decode.onnx_export import ExportError, export_onnx, read_onnx_metadata
from vjhost.decode.vae import Decoder as VAEDecoder
from vjhost.decode.vae import VAEConfig
from vjhost.decode.weights import WeightsError, save_decoder
from vjhost.protocols import Decoder
from vjhost_builtins.onnx_decoder import OnnxDecoder, pick_providers
from vjhost_builtins.torch_decoder import TorchDecoder

pytestmark = pytest.mark.usefixtures("keep_torch_threads")


def tiny_file(tmp_path, channels=1, widths=(8, 4), seed=0):
    torch.manual_seed(seed)
    cfg = VAEConfig(latent_dim=8, size=4 * 2 ** len(widths), channels=channels, widths=widths)
    dec = VAEDecoder(cfg)
    with torch.no_grad():  # logits over the whole 0..255 range
        dec.body[-1].weight.mul_(40.0)
    anchors = torch.randn(3, 8)
    path = tmp_path / f"dec{channels}.safetensors"
    save_decoder(path, dec, anchors=anchors, anchor_names=("a", "b", "c"), extra={"role": "student"})
    return path, dec, anchors


@pytest.mark.parametrize("channels", [1, 3])
def test_onnx_matches_torch_decoder(tmp_path, channels):
    path, dec, anchors = tiny_file(tmp_path, channels)
    out = tmp_path / "dec.onnx"
    rep = export_onnx(path, out)
    assert out.is_file() and rep["opset"] >= 17
    assert rep["max_abs_err_logits"] < 1e-3 and rep["max_abs_err_image"] <= 1
    assert rep["verified_batch_sizes"] == [8, 1]

    o = OnnxDecoder(out, "auto")
    t = TorchDecoder(path, "cpu", autocast=None)
    assert isinstance(o, Decoder)
    assert (o.latent_dim, o.size, o.channels, o.device) == (8, (16, 16), channels, "cpu")
    assert o.anchor_names == ["a", "b", "c"]
    np.testing.assert_allclose(o.anchors, anchors.numpy(), rtol=1e-6)
    assert o.metadata["role"] == "student" and len(o.metadata["source_sha256"]) == 64
    z = np.random.default_rng(1).standard_normal((5, 8)).astype(np.float32)
    for batch in (z[:1], z, z[0]):  # batch 1, batch 5 (dynamic batch) and a bare vector
        a, b = o.decode(batch), t.decode(batch)
        assert a.dtype == np.uint8 and a.shape == b.shape
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1
    assert o.decode(z).std() > 10  # not a constant image
    o.warmup()
    with pytest.raises(ValueError):
        o.decode(np.zeros((1, 7), np.float32))
    meta = read_onnx_metadata(out)
    assert meta["format"] == "vjhost-onnx/1" and '"latent_dim": 8' in meta["vae_config"]


def test_export_module_and_options(tmp_path):
    _, dec, _ = tiny_file(tmp_path)
    rep = export_onnx(dec, tmp_path / "m.onnx", metadata={"note": {"x": 1}}, opset=18)
    assert rep["opset"] == 18
    assert read_onnx_metadata(tmp_path / "m.onnx")["note"] == '{"x": 1}'
    assert OnnxDecoder(tmp_path / "m.onnx").anchors is None
    with pytest.raises(ValueError):
        export_onnx(dec, tmp_path / "old.onnx", opset=13)


def test_corrupt_and_foreign_files(tmp_path):
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x07 definitely not a protobuf model" * 10)
    with pytest.raises(WeightsError, match="broken.onnx"):
        OnnxDecoder(bad)
    with pytest.raises(WeightsError, match="missing.onnx"):
        OnnxDecoder(tmp_path / "missing.onnx")
    with pytest.raises(WeightsError, match="broken.onnx"):
        read_onnx_metadata(bad)
    # a valid ONNX model that is not a vjhost export
    import onnx
    from onnx import TensorProto, helper

    g = helper.make_graph([helper.make_node("Identity", ["z"], ["image"])], "g",
                          [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 8])],
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 8])])
    foreign = tmp_path / "foreign.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(foreign))
    with pytest.raises(WeightsError, match="foreign.onnx.*format"):
        OnnxDecoder(foreign)
    # a truncated export
    path, _, _ = tiny_file(tmp_path)
    good = tmp_path / "good.onnx"
    export_onnx(path, good)
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(WeightsError, match="cut.onnx"):
        OnnxDecoder(cut)


def test_providers_and_threads(tmp_path, monkeypatch):
    assert pick_providers("cpu") == ["CPUExecutionProvider"]
    auto = pick_providers("auto", ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"])
    assert [p[0] if isinstance(p, tuple) else p for p in auto] == [
        "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert pick_providers("auto", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    with pytest.raises(RuntimeError, match="CUDA"):
        pick_providers("cuda", ["CPUExecutionProvider"])
    with pytest.raises(ValueError):
        pick_providers("tpu", ["CPUExecutionProvider"])
    path, _, _ = tiny_file(tmp_path)
    out = tmp_path / "t.onnx"
    export_onnx(path, out)
    monkeypatch.setenv("VJHOST_TORCH_THREADS", "1")
    assert OnnxDecoder(out).describe()["threads"] == 1
    assert OnnxDecoder(out, threads=2).describe()["threads"] == 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_onnx_on_cuda_matches_cpu(tmp_path):  # pragma: no cover - GPU hosts only
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        pytest.skip("onnxruntime without CUDA provider")
    path, _, _ = tiny_file(tmp_path, 3)
    out = tmp_path / "g.onnx"
    export_onnx(path, out)
    z = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
    g, c = OnnxDecoder(out, "cuda"), OnnxDecoder(out, "cpu")
    assert g.device.startswith("cuda")
    assert np.abs(g.decode(z).astype(int) - c.decode(z).astype(int)).max() <= 2


def test_export_error_type():
    assert issubclass(ExportError, Exception)
