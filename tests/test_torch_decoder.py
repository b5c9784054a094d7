"""The torch decoder backend: shapes, dtype, pixel values, anchors, and WeightsError for bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from vjhost.decode.vae import Decoder as VAEDecoder
from vjhost.decode.vae import VAEConfig
from vjhost.decode.weights import WeightsError, save_decoder
from vjhost.protocols import Decoder
from vjhost_builtins import torch_decoder as td
from vjhost_builtins.torch_decoder import TorchDecoder

pytestmark = pytest.mark.usefixtures("keep_torch_threads")


def tiny(channels=1, latent_dim=8, widths=(8, 4), seed=0) -> VAEDecoder:
    torch.manual_seed(seed)
    cfg = VAEConfig(latent_dim=latent_dim, size=4 * 2 ** len(widths), channels=channels, widths=widths)
    dec = VAEDecoder(cfg)
    with torch.no_grad():  # make the logits span the whole 0..255 range
        dec.body[-1].weight.mul_(40.0)
    return dec.eval()


def reference(dec: VAEDecoder, z: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        y = torch.sigmoid(dec(torch.from_numpy(z))) * 255.0
    return y.round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("channels_last", [True, False])
def test_decode_matches_the_module(tmp_path, channels, channels_last):
    dec = tiny(channels)
    anchors = torch.randn(3, 8)
    path = tmp_path / "w.safetensors"
    save_decoder(path, dec, anchors=anchors, anchor_names=["a", "b", "c"])

    d = TorchDecoder(path, "cpu", channels_last=channels_last)
    assert isinstance(d, Decoder)
    assert (d.latent_dim, d.size, d.channels, d.device) == (8, (16, 16), channels, "cpu")
    assert d.anchor_names == ["a", "b", "c"]
    assert d.anchors.dtype == np.float32 and d.anchors.shape == (3, 8)
    np.testing.assert_array_equal(d.anchors, anchors.numpy())

    z = np.random.default_rng(1).standard_normal((5, 8)).astype(np.float32) * 2
    img = d.decode(z)
    assert img.shape == (5, 16, 16, channels) and img.dtype == np.uint8 and img.flags.c_contiguous
    ref = reference(dec, z)
    diff = np.abs(img.astype(int) - ref.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01  # layouts may round a rare pixel differently
    assert img.min() < 20 and img.max() > 235  # the test model really spans the range

    one = d.decode(z[0])  # a single latent is a batch of one
    assert one.shape == (1, 16, 16, channels)
    np.testing.assert_array_equal(one[0], img[0])
    # outputs are fresh arrays: a later decode doesn't overwrite a frame someone still shows
    first = d.decode(z[:1])
    keep = first.copy()
    d.decode(z[1:2])
    np.testing.assert_array_equal(first, keep)


def test_bf16_autocast_option(tmp_path, monkeypatch):
    dec = tiny(3)
    path = tmp_path / "w.safetensors"
    save_decoder(path, dec)
    z = np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32)
    ref = reference(dec, z).astype(int)
    d = TorchDecoder(path, "cpu", autocast="bf16")
    assert d.autocast == "bf16"
    assert np.abs(d.decode(z).astype(int) - ref).mean() < 1.0
    monkeypatch.setenv(td.AUTOCAST_ENV, "bf16")
    assert TorchDecoder(path, "cpu").autocast == "bf16"
    monkeypatch.setenv(td.AUTOCAST_ENV, "none")
    assert TorchDecoder(path, "cpu").autocast is None
    monkeypatch.setenv(td.AUTOCAST_ENV, "int4")
    with pytest.raises(ValueError, match=td.AUTOCAST_ENV):
        TorchDecoder(path, "cpu")


def test_no_anchors_and_warmup(tmp_path):
    path = tmp_path / "w.safetensors"
    save_decoder(path, tiny())
    d = TorchDecoder(path)  # "auto": CPU here, CUDA where present
    assert d.device == ("cuda:0" if torch.cuda.is_available() else "cpu")
    assert d.anchors is None and d.anchor_names == []
    d.warmup()
    with pytest.raises(ValueError, match=r"\(B, 8\)"):
        d.decode(np.zeros((1, 9), np.float32))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_decode_matches_cpu(tmp_path):  # pragma: no cover - GPU hosts only
    path = tmp_path / "w.safetensors"
    dec = tiny(3)
    save_decoder(path, dec)
    z = np.random.default_rng(0).standard_normal((2, 8)).astype(np.float32)
    g = TorchDecoder(path, "cuda", autocast=None).decode(z)
    assert np.abs(g.astype(int) - reference(dec, z).astype(int)).max() <= 1
    h = TorchDecoder(path, "cuda").decode(z)  # fp16 autocast
    assert np.abs(h.astype(int) - reference(dec, z).astype(int)).max() <= 4


def test_cuda_requested_without_cuda(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    path = tmp_path / "w.safetensors"
    save_decoder(path, tiny())
    with pytest.raises(RuntimeError, match="CUDA"):
        TorchDecoder(path, "cuda")
    assert TorchDecoder(path, "auto").device == "cpu"


def test_missing_file(tmp_path):
    path = tmp_path / "nope" / "decoder.safetensors"
    with pytest.raises(WeightsError, match="not found") as e:
        TorchDecoder(path, "cpu")
    assert str(path) in str(e.value)


def test_corrupt_file(tmp_path):
    path = tmp_path / "decoder.safetensors"
    path.write_bytes(b"\x13\x00\x00\x00\x00\x00\x00\x00{not json at all" + bytes(range(256)))
    with pytest.raises(WeightsError) as e:
        TorchDecoder(path, "cpu")
    assert str(path) in str(e.value)
    # a truncated real file too
    good = tmp_path / "good.safetensors"
    save_decoder(good, tiny())
    path.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(WeightsError) as e:
        TorchDecoder(path, "cpu")
    assert str(path) in str(e.value)


def test_wrong_format_and_mismatched_tensors(tmp_path):
    from safetensors.torch import save_file

    dec = tiny()
    tensors = {f"decoder.{k}": v.contiguous() for k, v in dec.state_dict().items()}
    other = tmp_path / "other.safetensors"
    save_file(tensors, str(other), metadata={"format": "something-else/2", "vae_config": dec.cfg.to_json()})
    with pytest.raises(WeightsError, match="format") as e:
        TorchDecoder(other, "cpu")
    assert str(other) in str(e.value)

    # tensors of one architecture with the config of another
    wrong = tmp_path / "wrong.safetensors"
    cfg = VAEConfig(latent_dim=8, size=16, channels=1, widths=(6, 4))
    save_file(tensors, str(wrong), metadata={"format": "vjhost-vae/1", "vae_config": cfg.to_json(),
                                             "anchor_names": json.dumps([])})
    with pytest.raises(WeightsError) as e:
        TorchDecoder(wrong, "cpu")
    assert str(wrong) in str(e.value)


def test_thread_count(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    save_decoder(path, tiny())
    monkeypatch.setenv(td.THREADS_ENV, "1")
    TorchDecoder(path, "cpu")
    assert torch.get_num_threads() == 1
    TorchDecoder(path, "cpu", threads=2)
    assert torch.get_num_threads() == 2
    monkeypatch.setenv(td.THREADS_ENV, "0")  # leave torch alone
    TorchDecoder(path, "cpu")
    assert torch.get_num_threads() == 2
    monkeypatch.delenv(td.THREADS_ENV)
    monkeypatch.setattr(td.os, "cpu_count", lambda: 8)
    assert td.default_threads() == 4
    monkeypatch.setattr(td.os, "cpu_count", lambda: 1)
    assert td.default_threads() == 1
    monkeypatch.setenv(td.THREADS_ENV, "lots")
    with pytest.raises(ValueError, match=td.THREADS_ENV):
        td.default_threads()


def test_registered_factory(tmp_path):
    from vjhost_builtins import vjhost_register_decoders

    specs = []
    vjhost_register_decoders(specs.append)
    (spec,) = [s for s in specs if s.name == "torch"]
    path = tmp_path / "w.safetensors"
    save_decoder(path, tiny())
    d = spec.factory(path, "cpu")
    assert isinstance(d, TorchDecoder) and d.decode(np.zeros((1, 8), np.float32)).shape == (1, 16, 16, 1)
