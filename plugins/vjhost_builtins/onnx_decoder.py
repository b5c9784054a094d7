"""The ``onnx`` decoder backend: a pack's exported decoder (``.onnx``) run with ONNX Runtime.

``OnnxDecoder(weights_path, device="auto")`` implements
:class:`vjhost.protocols.Decoder` like ``TorchDecoder`` does: ``latent_dim``,
``size``, ``channels``, ``device``, ``anchors``, ``anchor_names``,
``decode(z) -> (B, H, W, C) uint8`` and ``warmup()``.  The file is written by
:func:`vjhost.decode.onnx_export.export_onnx`: its ``image`` output is already
the uint8 NHWC frame and its metadata carries the config and the scene anchors,
so this module needs neither torch nor the safetensors file.

* Providers: ``device="auto"`` takes TensorRT, then CUDA, then the CPU, as far
  as the installed onnxruntime offers them; ``"cpu"`` forces the CPU;
  ``"cuda"``/``"cuda:N"`` requires the CUDA provider (``RuntimeError`` without).
* CPU threads: like ``TorchDecoder``, ``VJHOST_TORCH_THREADS`` (``0``/empty:
  onnxruntime's default) or half the cores; ``threads=`` overrides both.  The
  session is sequential with one inter-op thread.
* Precision: ``precision="int8"`` (or ``VJHOST_DECODER_PRECISION=int8``, which
  ``--precision int8`` sets) runs the int8 file beside the fp32 one
  (``student.int8.onnx``, made by :mod:`vjhost.decode.quantize`); when it is
  missing or was made from another export, one line says so and the fp32 file
  plays.
* Every problem with the file is a :class:`~vjhost.decode.weights.WeightsError`
  naming it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from vjhost.decode.weights import WeightsError, latent_batch

__all__ = ["OnnxDecoder", "WeightsError", "pick_providers"]

THREADS_ENV = "VJHOST_TORCH_THREADS"
PRECISION_ENV = "VJHOST_DECODER_PRECISION"
FORMAT = "vjhost-onnx/1"


def _default_threads() -> int | None:
    env = os.environ.get(THREADS_ENV)
    if env is not None:
        env = env.strip()
        if not env or env == "0":
            return None
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(f"{THREADS_ENV}={env!r} is not an integer") from None
    return max(1, (os.cpu_count() or 2) // 2)


def pick_providers(device: str = "auto", available: list[str] | None = None) -> list[Any]:
    """ONNX Runtime providers for ``device`` in preference order (CPU always last)."""
    import onnxruntime as ort

    have = list(available if available is not None else ort.get_available_providers())
    d = (device or "auto").strip().lower()
    if d == "cpu":
        return ["CPUExecutionProvider"]
    idx = 0
    if d.startswith("cuda"):
        if "CUDAExecutionProvider" not in have:
            raise RuntimeError(f"decoder device {device!r} requested but onnxruntime has no CUDA provider "
                               f"({', '.join(have)})")
        idx = int(d.split(":", 1)[1]) if ":" in d else 0
    elif d != "auto":
        raise ValueError(f"unsupported decoder device {device!r} (use auto, cpu or cuda)")
    out: list[Any] = []
    if "TensorrtExecutionProvider" in have:
        out.append(("TensorrtExecutionProvider", {"device_id": idx, "trt_fp16_enable": True}))
    if "CUDAExecutionProvider" in have:
        out.append(("CUDAExecutionProvider", {"device_id": idx}))
    out.append("CPUExecutionProvider")
    return out


def _precision_file(path: Path, precision: str | None) -> tuple[Path, str]:
    """(file to load, precision it has) for ``precision`` (None: ``$VJHOST_DECODER_PRECISION`` or fp32)."""
    import sys

    from vjhost.decode.quantize import PRECISIONS, int8_path

    want = (precision or os.environ.get(PRECISION_ENV) or "fp32").strip().lower()
    if want not in PRECISIONS:
        raise ValueError(f"decoder precision must be one of {', '.join(PRECISIONS)}, got {want!r}")
    if want == "fp32" or path.name.endswith(".int8.onnx"):
        return path, "int8" if path.name.endswith(".int8.onnx") else "fp32"
    q = int8_path(path)
    if q.is_file():
        return q, "int8"
    print(f"vjhost: {q} is missing (make it: python -m vjhost.decode.quantize {path}); playing fp32 {path.name}",
          file=sys.stderr)
    return path, "fp32"


class OnnxDecoder:
    """An exported VAE decoder: ``(B, latent_dim)`` float32 -> ``(B, H, W, C)`` uint8 (ONNX Runtime)."""

    def __init__(self, weights_path: Path | str, device: str = "auto", *, threads: int | None = -1,
                 precision: str | None = None) -> None:
        import onnxruntime as ort

        asked = Path(weights_path)
        path, self.precision = _precision_file(asked, precision)
        self.weights_path = path
        if not path.is_file():
            raise WeightsError(f"{path}: ONNX file not found")
        so = ort.SessionOptions()
        so.log_severity_level = 3
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.inter_op_num_threads = 1
        providers = pick_providers(device)
        self._gpu = any((p[0] if isinstance(p, tuple) else p) != "CPUExecutionProvider" for p in providers)
        n = _default_threads() if threads == -1 else threads
        if n:
            so.intra_op_num_threads = int(n)
        try:
            self.session = ort.InferenceSession(str(path), so, providers=providers)
        except Exception as exc:  # InvalidProtobuf, Fail, NoSuchFile ...
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WeightsError(f"{path}: not a loadable ONNX model ({msg})") from None
        meta = dict(self.session.get_modelmeta().custom_metadata_map)
        if meta.get("format") != FORMAT:
            raise WeightsError(f"{path}: format is {meta.get('format')!r}, expected {FORMAT!r} (export with "
                               "vjhost.decode.onnx_export)")
        try:
            cfg = json.loads(meta["vae_config"])
            self.latent_dim: int = int(cfg["latent_dim"])
            size = int(cfg["size"])
            self.channels: int = int(cfg["channels"])
            self.anchor_names: list[str] = list(json.loads(meta.get("anchor_names", "[]")))
            self.anchors: np.ndarray | None = (
                np.asarray(json.loads(meta["anchors"]), np.float32).reshape(-1, self.latent_dim) if "anchors" in meta
                else None
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WeightsError(f"{path}: bad vjhost metadata ({type(exc).__name__}: {exc})") from None
        if path != asked and asked.is_file():  # int8 beside fp32: made from this very export?
            from vjhost.decode.onnx_export import file_sha256

            if meta.get("fp32_sha256") != file_sha256(asked):
                import sys

                print(f"vjhost: {path} was made from another version of {asked.name} (remake it: python -m "
                      f"vjhost.decode.quantize {asked}); playing fp32 {asked.name}", file=sys.stderr)
                self.__init__(asked, device, threads=threads, precision="fp32")
                return
        self.size: tuple[int, int] = (size, size)
        self.config = cfg
        self.metadata = meta
        ins = self.session.get_inputs()
        outs = [o.name for o in self.session.get_outputs()]
        if len(ins) != 1 or ins[0].name != "z" or "image" not in outs:
            raise WeightsError(f"{path}: expected input 'z' and output 'image', got {[i.name for i in ins]} -> {outs}")
        self.providers: list[str] = self.session.get_providers()
        on_gpu = self.providers[0] in ("TensorrtExecutionProvider", "CUDAExecutionProvider")
        dev_id = 0
        if on_gpu:
            opts = self.session.get_provider_options().get(self.providers[0], {})
            dev_id = int(opts.get("device_id", 0) or 0)
        self.device: str = f"cuda:{dev_id}" if on_gpu else "cpu"
        self._out = ["image"]

    def decode(self, z: np.ndarray) -> np.ndarray:
        """``(B, latent_dim)`` (or ``(latent_dim,)``) float32 -> ``(B, H, W, C)`` uint8,
        ``round(sigmoid(logits)*255)``."""
        z = latent_batch(z, self.latent_dim)
        return self.session.run(self._out, {"z": z})[0]

    def warmup(self, n: int = 2) -> None:
        z = np.zeros((1, self.latent_dim), np.float32)
        for _ in range(max(1, n)):
            self.decode(z)

    def describe(self) -> dict[str, Any]:
        return {
            "weights": str(self.weights_path),
            "device": self.device,
            "precision": self.precision,
            "providers": self.providers,
            "latent_dim": self.latent_dim,
            "size": self.size,
            "channels": self.channels,
            "threads": self.session.get_session_options().intra_op_num_threads,
            "anchors": 0 if self.anchors is None else int(self.anchors.shape[0]),
        }

    def __repr__(self) -> str:
        return (f"OnnxDecoder({str(self.weights_path)!r}, device={self.device!r}, precision={self.precision!r}, "
                f"size={self.size}, channels={self.channels})")
