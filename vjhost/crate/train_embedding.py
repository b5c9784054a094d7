"""Train the crate embedding (torch) on synthesised tracks; export it for the numpy forward pass.

Run by ``tools/train_crate_embedding.py`` (minutes on 2 CPU cores) and by a
tiny real run in the tests.  Never imported by the live path.

Data: ``n_tracks`` tracks from :mod:`vjhost.crate.synth` (genres in turn,
random keys, tempos and intensities), rendered at 22.05 kHz, turned into log
mel spectrograms once.  Each step draws ``batch`` tracks and two random
~3 s patches of each, with a random spectral tilt and a little noise (the
room, the mixer's EQ).  Loss: NT-Xent (temperature 0.1) between the two
patches of a track against every other patch in the batch, plus
``genre_weight`` times the cross-entropy of a linear genre head on the
embedding.  Batch norm after each conv is folded into the conv at export.
Held-out tracks (other seeds) measure what the shipped model can do:
genre accuracy, and identification -- a 3 s patch finds its own track
among all held-out tracks (top-1).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..atomic import shareable
from . import embed as E
from .synth import GENRES, crate_specs, synthesize_track

__all__ = ["TrainConfig", "build_dataset", "train", "export"]


@dataclass
class TrainConfig:
    n_tracks: int = 140
    n_holdout: int = 35
    duration: float = 24.0
    steps: int = 1500
    batch: int = 24
    lr: float = 2e-3
    genre_weight: float = 0.5
    temperature: float = 0.1
    seed: int = 0
    threads: int = 1  #: one thread is faster than two when the machine is shared


def build_dataset(n: int, seed: int, duration: float,
                  log: Callable[[str], None] = print) -> tuple[list[np.ndarray], np.ndarray]:
    """Log-mel spectrograms and genre indices of ``n`` synthesised tracks."""
    genres = sorted(GENRES)
    mels, labels = [], []
    t0 = time.time()
    for i, spec in enumerate(crate_specs(n, seed=seed, duration=duration)):
        tr = synthesize_track(spec, sr=E.SR)
        mels.append(E.log_mel(tr.audio.mean(axis=1)))
        labels.append(genres.index(spec.genre))
        if (i + 1) % 20 == 0 or i + 1 == n:
            log(f"  synthesised {i + 1}/{n} tracks ({time.time() - t0:.0f} s)")
    return mels, np.array(labels)


def _model(n_genres: int):
    import torch.nn as nn

    layers: list = []
    c_in = 1
    for j, c in enumerate(E.CONV_CHANNELS):
        layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
        if j < len(E.CONV_CHANNELS) - 1:
            layers.append(nn.MaxPool2d(2))
        c_in = c
    rows = E.N_MELS // 2 ** (len(E.CONV_CHANNELS) - 1)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(*layers)
            self.proj = nn.Linear(E.CONV_CHANNELS[-1] * rows, E.EMBED_DIM)
            self.genre = nn.Linear(E.EMBED_DIM, n_genres)

        def forward(self, x):
            import torch.nn.functional as F

            h = self.body(x[:, None]).mean(dim=3).flatten(1)
            e = F.normalize(self.proj(h), dim=1)
            return e, self.genre(e)

    return Net()


def _sample(mels: list[np.ndarray], idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((len(idx), E.N_MELS, E.PATCH), np.float32)
    tilt_axis = np.linspace(-1.0, 1.0, E.N_MELS, dtype=np.float32)[:, None]
    for k, i in enumerate(idx):
        m = mels[i]
        s = int(rng.integers(0, max(1, len(m) - E.PATCH)))
        p = m[s:s + E.PATCH].T.copy()
        p += rng.normal(0.0, 0.8) * tilt_axis  # a spectral tilt of up to a few dB per octave
        p += rng.normal(0.0, 0.1, p.shape).astype(np.float32)
        out[k] = p - p.mean()
    return out


def _evaluate(net, mels: list[np.ndarray], labels: np.ndarray) -> dict[str, float]:
    """Held-out genre accuracy and identification top-1 (a patch vs every track's other patches)."""
    import torch

    net.eval()
    genre_hits, id_hits, n = 0, 0, 0
    with torch.no_grad():
        track_segs = []
        for m in mels:
            p = E.patches(m, max_patches=8)
            e, logit = net(torch.from_numpy(p))
            track_segs.append((e.numpy(), logit.numpy()))
        for i, (segs, logit) in enumerate(track_segs):
            genre_hits += int(np.argmax(logit.mean(axis=0)) == labels[i])
            # query: the first patch; reference: each track's remaining patches (the query's own excluded)
            q = segs[0]
            best = []
            for j, (s2, _) in enumerate(track_segs):
                ref = s2[1:] if j == i else s2
                best.append(float((ref @ q).max()))
            id_hits += int(int(np.argmax(best)) == i)
            n += 1
    net.train()
    return {"genre_accuracy": genre_hits / max(1, n), "identify_top1": id_hits / max(1, n)}


def train(cfg: TrainConfig, log: Callable[[str], None] = print):
    """Train; returns ``(net, record)`` where ``record`` has the config, losses and held-out metrics."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(max(1, cfg.threads))
    rng = np.random.default_rng(cfg.seed)
    genres = sorted(GENRES)
    t0 = time.time()
    log(f"building {cfg.n_tracks} training + {cfg.n_holdout} held-out tracks of {cfg.duration:g} s")
    mels, labels = build_dataset(cfg.n_tracks, cfg.seed, cfg.duration, log)
    hold_mels, hold_labels = (build_dataset(cfg.n_holdout, cfg.seed + 1000, cfg.duration, log) if cfg.n_holdout
                              else ([], np.zeros(0)))
    t_data = time.time() - t0
    net = _model(len(genres))
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, cfg.steps))
    losses: list[float] = []
    t1 = time.time()
    for step in range(cfg.steps):
        idx = rng.choice(len(mels), size=min(cfg.batch, len(mels)), replace=False)
        a = torch.from_numpy(_sample(mels, idx, rng))
        b = torch.from_numpy(_sample(mels, idx, rng))
        ea, la = net(a)
        eb, lb = net(b)
        z = torch.cat([ea, eb])
        sim = z @ z.T / cfg.temperature
        sim.fill_diagonal_(-1e9)
        k = len(idx)
        target = torch.cat([torch.arange(k, 2 * k), torch.arange(0, k)])
        y = torch.from_numpy(labels[idx]).long()
        loss = F.cross_entropy(sim, target) + cfg.genre_weight * 0.5 * (F.cross_entropy(la, y) + F.cross_entropy(lb, y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if (step + 1) % 50 == 0 or step + 1 == cfg.steps:
            log(f"  step {step + 1}/{cfg.steps}  loss {np.mean(losses[-50:]):.3f}  ({time.time() - t1:.0f} s)")
    t_train = time.time() - t1
    metrics = _evaluate(net, hold_mels, hold_labels) if cfg.n_holdout else {}
    record = {"config": cfg.__dict__, "genres": genres, "final_loss": float(np.mean(losses[-50:])),
              "seconds": {"data": round(t_data, 1), "train": round(t_train, 1)}, "heldout": metrics}
    log(f"held-out: {json.dumps(metrics)}")
    return net, record


def export(net, record: dict, path: str | Path) -> Path:
    """Fold batch norm into the convs and write float32 safetensors with the record as metadata."""
    import torch
    from safetensors.numpy import save_file

    net.eval()
    tensors: dict[str, np.ndarray] = {}
    convs = [m for m in net.body if isinstance(m, torch.nn.Conv2d)]
    bns = [m for m in net.body if isinstance(m, torch.nn.BatchNorm2d)]
    for j, (c, bn) in enumerate(zip(convs, bns)):
        scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
        tensors[f"conv{j}.weight"] = (c.weight.detach() * scale[:, None, None, None]).numpy().astype(np.float32)
        bias = (c.bias.detach() - bn.running_mean) * scale + bn.bias.detach()
        tensors[f"conv{j}.bias"] = bias.numpy().astype(np.float32)
    for name in ("proj", "genre"):
        lin = getattr(net, name)
        tensors[f"{name}.weight"] = lin.weight.detach().numpy().astype(np.float32)
        tensors[f"{name}.bias"] = lin.bias.detach().numpy().astype(np.float32)
    meta = {"format": "vjhost-crate-embedding-1", "genres": json.dumps(record["genres"]),
            "frontend": json.dumps({"sr": E.SR, "n_fft": E.N_FFT, "hop": E.HOP, "n_mels": E.N_MELS, "patch": E.PATCH}),
            "training": json.dumps(record)}
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(p), metadata=meta)
    return shareable(p)
