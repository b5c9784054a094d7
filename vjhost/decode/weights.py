"""Decoder weights on disk: safetensors only (no pickle), self-describing.

A weights file holds the decoder's tensors under ``decoder.*``, optional scene
anchors (``anchors``: K x latent_dim, the mean latent of each motif family) and
metadata: the format tag, the :class:`VAEConfig` as JSON and the anchor names.
Every problem is reported as :class:`WeightsError` naming the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

FORMAT = "vjhost-vae/1"


def latent_batch(z, latent_dim: int):
    """``(B, latent_dim)`` or ``(latent_dim,)`` -> a C-contiguous float32 ``(B, latent_dim)`` numpy array."""
    import numpy as np

    z = np.asarray(z, dtype=np.float32)
    if z.ndim == 1:
        z = z[None]
    if z.ndim != 2 or z.shape[1] != latent_dim:
        raise ValueError(f"latent batch must be (B, {latent_dim}), got {z.shape}")
    return z if z.flags.c_contiguous else np.ascontiguousarray(z)


class WeightsError(Exception):
    """A weights file is missing, unreadable or does not match its config."""


@dataclass
class DecoderWeights:
    config: "object"  # VAEConfig (kept loose so this module imports without torch)
    state: dict  # name -> torch.Tensor, without the "decoder." prefix
    anchors: "object | None"  # torch.Tensor (K, D) or None
    anchor_names: list[str]
    metadata: dict[str, str]


def save_decoder(path: Path, decoder, anchors=None, anchor_names=(), extra: dict | None = None) -> None:
    """Write ``decoder`` (a :class:`~vjhost.decode.vae.Decoder`) to ``path``."""
    from safetensors.torch import save_file

    tensors = {f"decoder.{k}": v.detach().contiguous().cpu() for k, v in decoder.state_dict().items()}
    if anchors is not None:
        tensors["anchors"] = anchors.detach().float().contiguous().cpu()
    meta = {
        "format": FORMAT,
        "vae_config": decoder.cfg.to_json(),
        "anchor_names": json.dumps(list(anchor_names)),
    }
    for k, v in (extra or {}).items():
        meta[k] = v if isinstance(v, str) else json.dumps(v)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    tmp.replace(path)


def load_decoder_weights(path: Path) -> DecoderWeights:
    """Read and check a weights file; raise :class:`WeightsError` naming it."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    from .vae import VAEConfig

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path}: not a readable safetensors file ({exc})") from None
    if meta.get("format") != FORMAT:
        raise WeightsError(f"{path}: format is {meta.get('format')!r}, expected {FORMAT!r}")
    try:
        cfg = VAEConfig.from_json(meta["vae_config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"{path}: bad vae_config metadata ({exc})") from None
    state = {k[len("decoder."):]: v for k, v in tensors.items() if k.startswith("decoder.")}
    anchors = tensors.get("anchors")
    if anchors is not None and (anchors.ndim != 2 or anchors.shape[1] != cfg.latent_dim):
        raise WeightsError(f"{path}: anchors have shape {tuple(anchors.shape)}, expected (K, {cfg.latent_dim})")
    try:
        names = json.loads(meta.get("anchor_names", "[]"))
    except ValueError:
        raise WeightsError(f"{path}: anchor_names metadata is not JSON") from None
    return DecoderWeights(cfg, state, anchors, list(names), dict(meta))


def build_decoder(weights: DecoderWeights, path: Path | str = "<weights>"):
    """Instantiate a :class:`Decoder` from loaded weights (strict key check)."""
    from .vae import Decoder

    dec = Decoder(weights.config)
    try:
        missing, unexpected = dec.load_state_dict(weights.state, strict=False)
    except RuntimeError as exc:  # a tensor whose shape does not fit the config
        lines = str(exc).strip().splitlines()
        first = lines[1].strip() if len(lines) > 1 else lines[0]
        raise WeightsError(f"{path}: tensors do not match the config ({first})") from None
    if missing or unexpected:
        raise WeightsError(
            f"{path}: tensors do not match the config (missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})"
        )
    dec.eval()
    return dec
