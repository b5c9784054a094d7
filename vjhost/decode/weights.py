"""Decoder weights on disk: safetensors only (no pickle), self-describing.

A weights file holds the decoder's tensors under ``decoder.*``, optional scene
anchors (``anchors``: K x latent_dim, the mean latent of each motif family) and
metadata: the format tag, the :class:`VAEConfig` as JSON and the anchor names.
Every problem is reported as :class:`WeightsError` naming the file.

Before the safetensors library sees a file, :func:`check_safetensors` reads
its first 8 bytes and bounds the header they announce (at most
:data:`MAX_HEADER` bytes, and no more than the file holds), so a corrupt or
hostile file cannot make the loader allocate gigabytes; a pickle or a
``torch.save`` zip renamed ``.safetensors`` is named as such and never
unpickled; a truncated file is reported with how much is missing.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

from ..atomic import shareable

FORMAT = "vjhost-vae/1"
#: the largest safetensors header (JSON: tensor table + metadata) we read; packs' are a few KiB
MAX_HEADER = 8 * 1024 * 1024
_DTYPE_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
                "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}


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
    # safetensors creates its file private (0600); a pack's weights are read by whoever runs the show
    shareable(tmp)
    tmp.replace(path)


def _sniff(head: bytes) -> str | None:
    """What a file that is not safetensors looks like it is, from its first bytes (None: no idea)."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "a Python pickle (e.g. a PyTorch .pt/.pth from torch.save)"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (PyTorch's torch.save format, which unpickles)"
    if head.startswith((b"\x89HDF", b"\x93NUMPY")):
        return "an HDF5 / numpy file"
    return None


def check_safetensors(path: Path) -> dict:
    """Check the frame of a safetensors file without trusting it; return its header (parsed JSON).

    Reads 8 bytes, bounds the header length they announce (:data:`MAX_HEADER`, and the
    file's size) before reading it, then checks that every tensor's bytes lie inside
    the file and match its dtype and shape.  Raises :class:`WeightsError` naming the file.
    """
    path = Path(path)
    not_st = "vjhost loads safetensors only and never unpickles; convert it with safetensors.torch.save_file"
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(9)
            if size == 0:
                raise WeightsError(f"{path}: empty file (0 bytes), not safetensors weights")
            # a safetensors header's length can begin with the bytes of a pickle's magic (0x80 0x02..0x05 is a
            # length of 0x0280..0x0580 bytes): a frame whose length fits and whose JSON starts there is no pickle
            framed = len(head) == 9 and head[8:9] == b"{" and 8 + struct.unpack("<Q", head[:8])[0] <= size
            kind = None if framed else _sniff(head)
            head = head[:8]
            f.seek(8)
            if kind:
                raise WeightsError(f"{path}: not a readable safetensors file: this is {kind}; {not_st}")
            if len(head) < 8:
                raise WeightsError(f"{path}: truncated: {size} bytes, too short for a safetensors header")
            (n,) = struct.unpack("<Q", head)
            if n > MAX_HEADER:
                raise WeightsError(f"{path}: not a readable safetensors file: its header claims {n} bytes, more than "
                                   f"the {MAX_HEADER // (1024 * 1024)} MiB limit (corrupt, or not safetensors)")
            if 8 + n > size:
                raise WeightsError(f"{path}: truncated: the header needs {n} bytes but the file has only {size - 8} "
                                   "after the length (an interrupted copy or download?)")
            raw = f.read(n)
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        header = json.loads(raw.decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("not a JSON object")
    except (UnicodeDecodeError, ValueError) as exc:
        raise WeightsError(f"{path}: not a readable safetensors file: the header is not JSON ({exc})") from None
    data = size - 8 - n
    for name, info in header.items():
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                raise WeightsError(f"{path}: corrupt header: __metadata__ must map names to strings")
            continue
        try:
            dtype, shape, (start, end) = info["dtype"], info["shape"], info["data_offsets"]
            count = 1
            for d in shape:
                if not isinstance(d, int) or d < 0:
                    raise ValueError
                count *= d
            want = count * _DTYPE_BYTES[dtype]
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise WeightsError(f"{path}: corrupt header: tensor {name!r} has no valid "
                               "dtype/shape/data_offsets") from None
        if end > data:
            raise WeightsError(f"{path}: truncated: tensor {name!r} ends at byte {8 + n + end} but the file has "
                               f"{size} bytes (an interrupted copy or download?)")
        if end - start != want:
            raise WeightsError(f"{path}: corrupt header: tensor {name!r} ({dtype} {shape}) should take {want} bytes, "
                               f"its offsets give {end - start}")
    return header


def load_decoder_weights(path: Path) -> DecoderWeights:
    """Read and check a weights file; raise :class:`WeightsError` naming it."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file, safe_open

    from .vae import VAEConfig

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    check_safetensors(path)
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
    for name, t in tensors.items():
        if t.is_floating_point() and not bool(t.isfinite().all()):
            raise WeightsError(f"{path}: corrupt weights: tensor {name!r} holds NaN or infinite values")
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
            f"{path}: tensors do not match the config (missing {sorted(missing)[:3]}, unexpected "
            f"{sorted(unexpected)[:3]})"
        )
    dec.eval()
    return dec
