"""Export a pack's VAE decoder to ONNX and check the export with ONNX Runtime.

``export_onnx(src, out)`` takes a :class:`~vjhost.decode.vae.Decoder` module or
a weights file (``.safetensors``), writes ``out`` (``torch.onnx.export`` with
``dynamo=False``, opset 17 by default, dynamic batch) and verifies it: the same
random latents go through torch and through an ONNX Runtime CPU session, and
the maximum absolute error of the logits and of the uint8 image are returned
(an export whose logits differ by more than ``atol`` raises ``ExportError``).

The graph has one input and two outputs:

* ``z``      float32 ``(B, latent_dim)``
* ``image``  uint8 ``(B, H, W, C)``: ``round(sigmoid(logits) * 255)``, the frame
             the live show uploads (what ``TorchDecoder.decode`` returns)
* ``logits`` float32 ``(B, C, H, W)``: the raw network output

Everything needed to use the file on its own is stored in the model's
``metadata_props`` (strings): ``format`` (``vjhost-onnx/1``), ``vae_config``
(the :class:`VAEConfig` as JSON, hence latent_dim, size and channels),
``anchors`` (JSON list of lists, ``K x latent_dim``), ``anchor_names`` (JSON),
``source_sha256`` / ``source_file`` (the safetensors file it came from) and
``role`` (``teacher``/``student``) when the source has one.

Training-side tool: the live show only needs ``onnxruntime`` (see
``vjhost_builtins.onnx_decoder.OnnxDecoder``).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .weights import WeightsError

FORMAT = "vjhost-onnx/1"
DEFAULT_OPSET = 17


class ExportError(Exception):
    """The ONNX export failed or does not reproduce the torch decoder."""


def file_sha256(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _wrapper(decoder):
    import torch
    from torch import nn

    class _Export(nn.Module):
        """``Decoder.forward`` with a batch-agnostic reshape, plus the uint8 NHWC image."""

        def __init__(self, dec) -> None:
            super().__init__()
            self.dec = dec

        def forward(self, z):
            logits = self.dec(z)
            image = torch.round(torch.sigmoid(logits) * 255.0).to(torch.uint8).permute(0, 2, 3, 1)
            return image, logits

    return _Export(decoder).eval()


def _torch_image(logits) -> np.ndarray:
    import torch

    return torch.round(torch.sigmoid(logits) * 255.0).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def export_onnx(
    src: Any,
    out: Path | str,
    *,
    anchors: Any = None,
    anchor_names: tuple[str, ...] | list[str] = (),
    metadata: dict[str, Any] | None = None,
    opset: int = DEFAULT_OPSET,
    verify: bool = True,
    atol: float = 1e-3,
    verify_batch: int = 8,
    seed: int = 0,
) -> dict[str, Any]:
    """Write ``src`` (a Decoder module or a weights file) as ONNX to ``out``; return an export report.

    With a weights file, its anchors, anchor names, ``role`` and sha256 go into the
    metadata automatically.  ``metadata`` adds (JSON-encoded unless str) entries.
    The report holds ``path``, ``opset``, ``bytes``, ``max_abs_err_logits``,
    ``max_abs_err_image`` (pixel levels) and ``verified_batch_sizes``.
    """
    import torch

    if opset < 17:
        raise ValueError(f"opset must be >= 17, got {opset}")
    meta: dict[str, str] = {"format": FORMAT}
    if isinstance(src, (str, Path)):
        from .weights import build_decoder, load_decoder_weights

        src = Path(src)
        w = load_decoder_weights(src)
        decoder = build_decoder(w, src)
        if anchors is None and w.anchors is not None:
            anchors = w.anchors
        if not anchor_names:
            anchor_names = w.anchor_names
        meta["source_file"] = src.name
        meta["source_sha256"] = file_sha256(src)
        if "role" in w.metadata:
            meta["role"] = w.metadata["role"]
    else:
        decoder = src
    cfg = decoder.cfg
    meta["vae_config"] = cfg.to_json()
    meta["anchor_names"] = json.dumps(list(anchor_names))
    if anchors is not None:
        a = anchors.detach().float().cpu().numpy() if hasattr(anchors, "detach") else np.asarray(anchors, np.float32)
        if a.ndim != 2 or a.shape[1] != cfg.latent_dim:
            raise ValueError(f"anchors have shape {a.shape}, expected (K, {cfg.latent_dim})")
        meta["anchors"] = json.dumps([[float(x) for x in row] for row in a.astype(np.float32)])
    for k, v in (metadata or {}).items():
        meta[k] = v if isinstance(v, str) else json.dumps(v)

    decoder = decoder.cpu().to(memory_format=torch.contiguous_format).eval()
    model = _wrapper(decoder)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    z0 = torch.zeros(2, cfg.latent_dim)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript-based exporter's deprecation notice
            torch.onnx.export(
                model,
                (z0,),
                str(tmp),
                dynamo=False,
                opset_version=opset,
                input_names=["z"],
                output_names=["image", "logits"],
                dynamic_axes={"z": {0: "batch"}, "image": {0: "batch"}, "logits": {0: "batch"}},
                do_constant_folding=True,
            )
        import onnx

        proto = onnx.load(str(tmp))
        del proto.metadata_props[:]
        for k, v in meta.items():
            p = proto.metadata_props.add()
            p.key, p.value = k, v
        proto.doc_string = f"vjhost VAE decoder {cfg.latent_dim}-d -> {cfg.size}x{cfg.size}x{cfg.channels}"
        onnx.checker.check_model(proto)
        onnx.save(proto, str(tmp))
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{out}: ONNX export failed ({type(exc).__name__}: {exc})") from exc
    report: dict[str, Any] = {"path": str(out), "opset": opset, "bytes": tmp.stat().st_size}
    if verify:
        try:
            report.update(verify_onnx(decoder, tmp, batch=verify_batch, seed=seed))
        except Exception:
            tmp.unlink(missing_ok=True)
            raise
        if report["max_abs_err_logits"] > atol:
            tmp.unlink(missing_ok=True)
            raise ExportError(
                f"{out}: ONNX Runtime differs from torch by {report['max_abs_err_logits']:.3g} (> {atol}) in the logits"
            )
    tmp.replace(out)
    report["path"] = str(out)
    report["sha256"] = file_sha256(out)
    return report


def verify_onnx(decoder, onnx_path: Path | str, *, batch: int = 8, seed: int = 0) -> dict[str, Any]:
    """Max abs error ONNX Runtime (CPU) vs torch for ``batch`` prior latents, and for batch 1 (dynamic batch)."""
    import onnxruntime as ort
    import torch

    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    err_l, err_i, sizes = 0.0, 0, []
    decoder = decoder.cpu().eval()
    for b in (batch, 1):
        z = rng.standard_normal((b, decoder.cfg.latent_dim)).astype(np.float32)
        with torch.no_grad():
            ref = decoder(torch.from_numpy(z))
        image, logits = sess.run(["image", "logits"], {"z": z})
        if image.shape != (b, decoder.cfg.size, decoder.cfg.size, decoder.cfg.channels) or image.dtype != np.uint8:
            raise ExportError(f"{onnx_path}: unexpected ONNX image output {image.shape} {image.dtype}")
        err_l = max(err_l, float(np.abs(logits - ref.numpy()).max()))
        err_i = max(err_i, int(np.abs(image.astype(np.int16) - _torch_image(ref).astype(np.int16)).max()))
        sizes.append(b)
    return {"max_abs_err_logits": err_l, "max_abs_err_image": err_i, "verified_batch_sizes": sizes}


def read_onnx_metadata(path: Path | str) -> dict[str, str]:
    """The ``metadata_props`` of an exported decoder (raises :class:`WeightsError` naming the file)."""
    import onnx

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: ONNX file not found")
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # DecodeError and friends
        raise WeightsError(f"{path}: not a readable ONNX model ({type(exc).__name__}: {exc})") from None
    return {p.key: p.value for p in proto.metadata_props}


def main(argv: list[str] | None = None) -> int:
    """``python -m vjhost.decode.onnx_export WEIGHTS.safetensors [OUT.onnx]``"""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m vjhost.decode.onnx_export", description=main.__doc__)
    ap.add_argument("weights", type=Path)
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    args = ap.parse_args(argv)
    rep = export_onnx(args.weights, args.out or args.weights.with_suffix(".onnx"), opset=args.opset)
    print(json.dumps(rep, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
