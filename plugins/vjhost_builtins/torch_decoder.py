"""The ``torch`` decoder backend: a pack's VAE decoder (safetensors) run with PyTorch.

``TorchDecoder(weights_path, device="auto")`` implements
:class:`vjhost.protocols.Decoder`.  It is called on the decode worker thread
(:class:`vjhost.decode.worker.DecodeWorker`), one latent at a time.

Device and speed choices:

* ``device="auto"`` uses CUDA when ``torch.cuda.is_available()``, else the CPU;
  ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` force one (asking for CUDA without it
  raises ``RuntimeError``).
* On the CPU the convolutions run in ``channels_last`` (NHWC) layout, the easy
  1.5-3x win for this small conv stack, under ``torch.inference_mode()``.  The
  uint8 conversion happens in torch, in place on the logits; because the result
  is NHWC already, ``(B, C, H, W) -> (B, H, W, C)`` is a free view.
* On CUDA the latent goes through a pinned host buffer (non-blocking copy),
  the network runs in fp16 autocast (``autocast="fp16"``, the default there;
  pass ``autocast=None`` for fp32) and only the uint8 image comes back.
* CPU threads: ``torch.set_num_threads`` is process-wide.  A render host needs
  a core for the GL renderer/encoder too, so on the CPU this sets the intra-op
  thread count to ``max(1, os.cpu_count() // 2)`` unless the environment
  variable ``VJHOST_TORCH_THREADS`` gives a number (``0`` or empty: leave
  torch's own setting alone).  The ``threads=`` argument overrides both.
* Precision: fp32 on the CPU by default (exact, and fast on every CPU).  On
  CPUs with native bf16 (AVX512-BF16 / AMX) ``channels_last`` + bf16 autocast
  is another ~1.5x (see ``tools/bench_decoder.py``) at up to a pixel level of
  error: set ``VJHOST_TORCH_AUTOCAST=bf16`` (or ``fp16``/``none``; it also
  overrides the CUDA default) or pass ``autocast=``.

The returned frame is a fresh host ``numpy`` array on every call (the worker
publishes it while the next one decodes, so buffers are never reused for the
output).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vjhost.decode.weights import WeightsError, build_decoder, latent_batch, load_decoder_weights

__all__ = ["TorchDecoder", "default_threads", "resolve_device", "WeightsError"]

THREADS_ENV = "VJHOST_TORCH_THREADS"
AUTOCAST_ENV = "VJHOST_TORCH_AUTOCAST"


def default_threads() -> int | None:
    """The intra-op thread count a CPU render host should use (``None``: leave torch alone).

    ``VJHOST_TORCH_THREADS`` wins when set (``0``/empty: don't touch); otherwise
    half the cores, at least one, leaving the rest to rendering and audio.
    """
    env = os.environ.get(THREADS_ENV)
    if env is not None:
        env = env.strip()
        if not env or env == "0":
            return None
        try:
            n = int(env)
        except ValueError:
            raise ValueError(f"{THREADS_ENV}={env!r} is not an integer") from None
        return max(1, n)
    return max(1, (os.cpu_count() or 2) // 2)


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"`` -> CUDA when present, else CPU; explicit CUDA without CUDA is an error."""
    d = (device or "auto").strip().lower()
    if d == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(d)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"decoder device {device!r} requested but CUDA is not available")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"unsupported decoder device {device!r} (use auto, cpu or cuda)")
    return dev


_AUTOCAST = {None: None, "": None, "none": None, "fp32": None, "fp16": torch.float16, "bf16": torch.bfloat16}


class TorchDecoder:
    """A pack's VAE decoder: ``(B, latent_dim)`` float32 -> ``(B, H, W, C)`` uint8.

    Attributes (the :class:`~vjhost.protocols.Decoder` protocol plus the pack's anchors):

    ``latent_dim``, ``size`` (H, W), ``channels`` (1 or 3), ``device`` ("cpu"/"cuda:0"),
    ``anchors`` (``(K, latent_dim)`` float32 numpy or ``None``), ``anchor_names``
    (list of str), ``config`` (the :class:`VAEConfig`), ``metadata`` (the file's
    metadata strings), ``weights_path``.
    """

    def __init__(
        self,
        weights_path: Path | str,
        device: str = "auto",
        *,
        channels_last: bool = True,
        autocast: str | None = "default",
        threads: int | None = -1,
    ) -> None:
        self.weights_path = Path(weights_path)
        weights = load_decoder_weights(self.weights_path)  # WeightsError naming the file
        module = build_decoder(weights, self.weights_path)  # WeightsError on any tensor mismatch
        self.config = weights.config
        self.metadata = weights.metadata
        self.latent_dim: int = int(self.config.latent_dim)
        self.size: tuple[int, int] = (int(self.config.size), int(self.config.size))
        self.channels: int = int(self.config.channels)
        self.anchor_names: list[str] = list(weights.anchor_names)
        self.anchors: np.ndarray | None = (
            None if weights.anchors is None else weights.anchors.detach().float().cpu().numpy().copy()
        )

        dev = resolve_device(device)
        self._dev = dev
        self.device: str = str(dev) if dev.type == "cpu" else f"cuda:{dev.index or 0}"
        self._cuda = dev.type == "cuda"

        if not self._cuda:
            n = default_threads() if threads == -1 else threads
            if n:
                torch.set_num_threads(int(n))
        if autocast == "default":
            env = os.environ.get(AUTOCAST_ENV)
            if env is not None:
                autocast = env.strip().lower() or None
            else:
                autocast = "fp16" if self._cuda else None
        if autocast not in _AUTOCAST:
            raise ValueError(f"autocast must be one of fp16, bf16 or none (also via {AUTOCAST_ENV}), got {autocast!r}")
        self._autocast_dtype = _AUTOCAST[autocast]
        #: "fp16", "bf16" or None (fp32)
        self.autocast = {torch.float16: "fp16", torch.bfloat16: "bf16"}.get(self._autocast_dtype)

        for p in module.parameters():
            p.requires_grad_(False)
        self._channels_last = bool(channels_last)
        module = module.to(dev)
        if channels_last:
            module = module.to(memory_format=torch.channels_last)
        self.module = module
        self._memory_format = torch.channels_last if channels_last else None
        # Host-side staging buffers, one per batch size (pinned on CUDA).
        self._staging: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    # ------------------------------------------------------------------ decoding
    def _forward(self, z: torch.Tensor) -> torch.Tensor:
        """``vae.Decoder.forward``, with the 4x4 seed already in the conv layout."""
        return self.module(z, self._memory_format)

    def _stage(self, z: np.ndarray) -> torch.Tensor:
        b = z.shape[0]
        if not self._cuda:
            return torch.from_numpy(z)  # shares memory, no copy
        bufs = self._staging.get(b)
        if bufs is None:
            host = torch.empty((b, self.latent_dim), dtype=torch.float32, pin_memory=True)
            dev = torch.empty((b, self.latent_dim), dtype=torch.float32, device=self._dev)
            bufs = self._staging[b] = (host, dev)
        host, dev = bufs
        host.numpy()[...] = z
        dev.copy_(host, non_blocking=True)
        return dev

    def decode(self, z: np.ndarray) -> np.ndarray:
        """``(B, latent_dim)`` (or ``(latent_dim,)``, treated as B=1) float32 -> ``(B, H, W, C)`` uint8.

        Pixels are ``round(sigmoid(logits) * 255)``.
        """
        z = latent_batch(z, self.latent_dim)
        with torch.inference_mode():
            zt = self._stage(z)
            if self._autocast_dtype is not None:
                with torch.autocast(self._dev.type, dtype=self._autocast_dtype):
                    y = self._forward(zt)
            else:
                y = self._forward(zt)
            if y.dtype != torch.float32:
                y = y.float()
            # in place on the freshly computed logits: sigmoid -> 0..255 -> round
            y.sigmoid_().mul_(255.0).round_()
            img = y.to(torch.uint8).permute(0, 2, 3, 1)  # NHWC view, contiguous when channels_last
            if self._cuda:
                img = img.contiguous().cpu()
            out = img.numpy()
        if not out.flags.c_contiguous:
            out = np.ascontiguousarray(out)
        return out

    def warmup(self, n: int = 2) -> None:
        """Decode ``n`` times (first-call allocations, oneDNN/cuDNN kernel selection) and wait."""
        z = np.zeros((1, self.latent_dim), np.float32)
        for _ in range(max(1, n)):
            self.decode(z)
        if self._cuda:
            torch.cuda.synchronize(self._dev)

    def describe(self) -> dict[str, Any]:
        return {
            "weights": str(self.weights_path),
            "device": self.device,
            "latent_dim": self.latent_dim,
            "size": self.size,
            "channels": self.channels,
            "channels_last": self._channels_last,
            "autocast": self.autocast,
            "threads": torch.get_num_threads() if not self._cuda else None,
            "anchors": 0 if self.anchors is None else int(self.anchors.shape[0]),
        }

    def __repr__(self) -> str:
        return (f"TorchDecoder({str(self.weights_path)!r}, device={self.device!r}, size={self.size}, "
                f"channels={self.channels})")
