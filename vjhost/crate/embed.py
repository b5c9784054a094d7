"""The crate's audio embedding: log-mel patches -> a small CNN -> a 64-d unit vector.

Inference is plain numpy (no torch on the live path); the weights ship in the
package as ``crate_embedding.safetensors`` (float32, ~0.3 MB) and are loaded
without pickle.  They are the project's own: ``tools/train_crate_embedding.py``
trains the network (:mod:`vjhost.crate.train_embedding`, torch) on tracks the
project synthesises (:mod:`vjhost.crate.synth`), contrastively -- two patches
of the same track close, other tracks far (NT-Xent) -- with a genre head on
top, the way Qosmo's AI DJ used a genre CNN's last layer as its "vibe"
feature.  See docs/crate.md.

Front end: 22.05 kHz mono, 2048-point STFT every 1024 samples, 48 mel bands
(30 Hz - 11 kHz), log, each patch of 64 frames (~3 s) centred on its mean
(so the input level does not matter).  Network: four 3x3 conv layers
(16-32-64-64 channels, ReLU, 2x2 max-pool after the first three; batch norm
folded in at export), mean over time, a linear layer to 64, L2 normalised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["SR", "N_MELS", "PATCH", "EMBED_DIM", "WeightsFileError", "mel_filterbank", "log_mel", "patches",
           "Embedder", "default_weights", "load_embedder", "resample_to"]

SR = 22050
N_FFT = 2048
HOP = 1024
N_MELS = 48
PATCH = 64  #: frames per patch (~2.97 s)
EMBED_DIM = 64
FMIN, FMAX = 30.0, 11000.0
WEIGHTS_NAME = "crate_embedding.safetensors"
#: the layers and their tensor names: conv{i}.weight (out, in, 3, 3), conv{i}.bias, proj.weight, proj.bias,
#: genre.weight/bias
CONV_CHANNELS = (16, 32, 64, 64)


class WeightsFileError(ValueError):
    """An embedding weights file that cannot be used; the message names the file and the problem."""


# --------------------------------------------------------------------------- front end


def resample_to(mono: np.ndarray, sr: int, target: int = SR) -> np.ndarray:
    """Resample mono float audio to ``target`` Hz (polyphase; exact for 48000/44100 -> 22050)."""
    x = np.asarray(mono, np.float32).reshape(-1)
    if sr == target:
        return x
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(sr), int(target))
    return resample_poly(x, target // g, int(sr) // g).astype(np.float32)


def _hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)


@lru_cache(maxsize=4)
def mel_filterbank(sr: int = SR, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   fmin: float = FMIN, fmax: float = FMAX) -> np.ndarray:
    """``(n_fft//2+1, n_mels)`` triangular mel filters (HTK mel scale, unit area)."""
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = 700.0 * (10 ** (np.linspace(_hz_to_mel(fmin), _hz_to_mel(min(fmax, sr / 2)), n_mels + 2) / 2595.0) - 1.0)
    fb = np.zeros((len(freqs), n_mels), np.float32)
    for m in range(n_mels):
        lo, c, hi = edges[m], edges[m + 1], edges[m + 2]
        up = (freqs - lo) / max(c - lo, 1e-9)
        down = (hi - freqs) / max(hi - c, 1e-9)
        fb[:, m] = np.maximum(0.0, np.minimum(up, down)) * (2.0 / max(hi - lo, 1e-9))
    return fb


def log_mel(mono22k: np.ndarray) -> np.ndarray:
    """``(frames, N_MELS)`` log-mel spectrogram of 22.05 kHz mono audio."""
    x = np.asarray(mono22k, np.float32).reshape(-1)
    if len(x) < N_FFT:
        x = np.pad(x, (0, N_FFT - len(x)))
    n = 1 + (len(x) - N_FFT) // HOP
    win = np.hanning(N_FFT).astype(np.float32)
    fb = mel_filterbank()
    out = np.empty((n, N_MELS), np.float32)
    for i0 in range(0, n, 128):
        idx = np.arange(i0, min(n, i0 + 128))
        frames = x[idx[:, None] * HOP + np.arange(N_FFT)[None, :]] * win
        p = np.abs(np.fft.rfft(frames, axis=1)) ** 2
        out[idx] = np.log(p @ fb + 1e-6)
    return out


def patches(mel: np.ndarray, hop: int = PATCH // 2, max_patches: int | None = None) -> np.ndarray:
    """``(k, N_MELS, PATCH)`` patches of a log-mel spectrogram, each centred on its mean.

    A spectrogram shorter than one patch is padded with its own mean.  With
    ``max_patches`` the patches are spread evenly over the whole length.
    """
    m = np.asarray(mel, np.float32)
    if len(m) < PATCH:
        m = np.concatenate([m, np.repeat(m.mean(axis=0, keepdims=True), PATCH - len(m), axis=0)]) if len(m) else \
            np.zeros((PATCH, N_MELS), np.float32)
    starts = np.arange(0, len(m) - PATCH + 1, hop)
    if max_patches is not None and len(starts) > max_patches:
        starts = np.linspace(0, len(m) - PATCH, max_patches).astype(int)
    out = np.stack([m[s:s + PATCH].T for s in starts])
    out -= out.mean(axis=(1, 2), keepdims=True)
    return out


# --------------------------------------------------------------------------- the network, in numpy


def _conv3x3_relu(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x`` (B, C, H, W), ``w`` (O, C, 3, 3): same-padded conv + ReLU via im2col."""
    bsz, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.empty((bsz, c, 3, 3, h, wd), np.float32)
    for dy in range(3):
        for dx in range(3):
            cols[:, :, dy, dx] = xp[:, :, dy:dy + h, dx:dx + wd]
    cols = cols.reshape(bsz, c * 9, h * wd)
    y = np.einsum("ok,bkn->bon", w.reshape(w.shape[0], -1), cols, optimize=True) + b[None, :, None]
    return np.maximum(y, 0.0, out=y).reshape(bsz, w.shape[0], h, wd)


def _pool2(x: np.ndarray) -> np.ndarray:
    b, c, h, w = x.shape
    x = x[:, :, : h - h % 2, : w - w % 2]
    return x.reshape(b, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


@dataclass
class Embedder:
    """The embedding network's weights and its numpy forward pass."""

    tensors: dict[str, np.ndarray]
    metadata: dict[str, str]
    genres: tuple[str, ...] = ()
    source: str = ""

    def forward(self, x: np.ndarray, batch: int = 16) -> tuple[np.ndarray, np.ndarray]:
        """``(k, N_MELS, PATCH)`` patches -> ``(k, 64)`` unit embeddings and ``(k, n_genres)`` genre logits."""
        t = self.tensors
        embs, logits = [], []
        for i in range(0, len(x), batch):
            h = np.asarray(x[i:i + batch], np.float32)[:, None]
            for j in range(len(CONV_CHANNELS)):
                h = _conv3x3_relu(h, t[f"conv{j}.weight"], t[f"conv{j}.bias"])
                if j < len(CONV_CHANNELS) - 1:
                    h = _pool2(h)
            h = h.mean(axis=3).reshape(len(h), -1)  # mean over time, keep the frequency rows
            e = h @ t["proj.weight"].T + t["proj.bias"]
            e /= np.linalg.norm(e, axis=1, keepdims=True) + 1e-9
            embs.append(e)
            logits.append(e @ t["genre.weight"].T + t["genre.bias"] if "genre.weight" in t else np.zeros((len(e), 0)))
        if not embs:
            return np.zeros((0, EMBED_DIM), np.float32), np.zeros((0, len(self.genres)), np.float32)
        return np.concatenate(embs).astype(np.float32), np.concatenate(logits).astype(np.float32)

    def embed_patches(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[0]

    def embed_audio(self, mono: np.ndarray, sr: int,
                    max_patches: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A track (or a live window): ``(mean embedding (64,), segment embeddings (k, 64), genre probabilities)``."""
        mel = log_mel(resample_to(mono, sr))
        p = patches(mel, max_patches=max_patches)
        seg, logits = self.forward(p)
        mean = seg.mean(axis=0)
        mean /= np.linalg.norm(mean) + 1e-9
        if logits.shape[1]:
            z = logits - logits.max(axis=1, keepdims=True)
            prob = np.exp(z)
            prob /= prob.sum(axis=1, keepdims=True)
            prob = prob.mean(axis=0)
        else:
            prob = np.zeros(0, np.float32)
        return mean.astype(np.float32), seg, prob.astype(np.float32)


def default_weights() -> Path:
    """The weights that ship inside the package."""
    return Path(str(files("vjhost.crate") / WEIGHTS_NAME))


def load_embedder(path: str | Path | None = None) -> Embedder:
    """Load embedding weights (safetensors, no pickle); raises :class:`WeightsFileError` naming the file."""
    p = Path(path) if path is not None else default_weights()
    if not p.is_file():
        raise WeightsFileError(f"{p}: no such weights file (train one with tools/train_crate_embedding.py)")
    try:
        from safetensors import safe_open

        tensors: dict[str, np.ndarray] = {}
        with safe_open(str(p), framework="numpy") as f:
            meta = dict(f.metadata() or {})
            for k in f.keys():
                tensors[k] = np.asarray(f.get_tensor(k), np.float32)
    except Exception as exc:  # noqa: BLE001 - safetensors raises several kinds
        raise WeightsFileError(f"{p}: not a safetensors weights file ({type(exc).__name__}: {exc})") from None
    need: list[tuple[str, tuple[int, ...]]] = []
    c_in = 1
    for j, c in enumerate(CONV_CHANNELS):
        need += [(f"conv{j}.weight", (c, c_in, 3, 3)), (f"conv{j}.bias", (c,))]
        c_in = c
    rows = N_MELS
    for _ in range(len(CONV_CHANNELS) - 1):
        rows //= 2
    need += [("proj.weight", (EMBED_DIM, CONV_CHANNELS[-1] * rows)), ("proj.bias", (EMBED_DIM,))]
    for name, shape in need:
        if name not in tensors:
            raise WeightsFileError(f"{p}: missing tensor {name!r}")
        if tensors[name].shape != shape:
            raise WeightsFileError(f"{p}: tensor {name!r} has shape {tensors[name].shape}, expected {shape}")
    for name, arr in tensors.items():
        if not np.isfinite(arr).all():
            raise WeightsFileError(f"{p}: tensor {name!r} holds NaN or infinite values")
    genres: tuple[str, ...] = ()
    if "genres" in meta:
        try:
            genres = tuple(json.loads(meta["genres"]))
        except ValueError:
            raise WeightsFileError(f"{p}: metadata 'genres' is not a JSON list") from None
    if "genre.weight" in tensors and tensors["genre.weight"].shape != (len(genres), EMBED_DIM):
        raise WeightsFileError(f"{p}: genre head has shape {tensors['genre.weight'].shape}, "
                               f"but the metadata names {len(genres)} genres")
    return Embedder(tensors=tensors, metadata=meta, genres=genres, source=str(p))


@lru_cache(maxsize=1)
def _cached_default() -> Embedder:
    return load_embedder()


def shared_embedder(path: str | Path | None = None) -> Embedder:
    """The shipped embedder, loaded once per process (``path`` loads that file instead, uncached)."""
    return _cached_default() if path is None else load_embedder(path)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of unit vectors ``a`` (d,) or (n, d) with ``b`` (m, d)."""
    return np.asarray(a, np.float32) @ np.asarray(b, np.float32).T


def segment_sims(query: np.ndarray, segments: Sequence[np.ndarray]) -> np.ndarray:
    """For each track's segment embeddings, the best cosine with any of the query's segments."""
    q = np.asarray(query, np.float32).reshape(-1, EMBED_DIM)
    return np.array([float((q @ np.asarray(s, np.float32).T).max()) if len(s) else -1.0 for s in segments])
