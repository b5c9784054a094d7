"""Train a pack's VAE on its procedural dataset (CPU here, CUDA when present).

The dataset generator is a function ``generate(n, size, seed) -> (uint8 images
(n, C, H, W), int labels)`` named in the pack manifest.  Fresh images are drawn
for every step (the generator is cheap, so the model never sees the same
batch twice); a held-out set drawn from a different seed measures
reconstruction PSNR.  After training, the mean latent of each motif family is
stored in the weights as a scene anchor.

The live show never imports this module.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..decode.vae import VAE, VAEConfig
from ..decode.weights import save_decoder

Generate = Callable[[int, int, int], tuple[np.ndarray, np.ndarray]]


@dataclass
class TrainConfig:
    steps: int = 3000
    batch: int = 32
    lr: float = 2e-3
    beta: float = 1.0
    kl_warmup: float = 0.15  # fraction of steps over which the KL weight ramps 0 -> beta
    seed: int = 0
    eval_samples: int = 256
    device: str = "auto"


@dataclass
class TrainResult:
    vae: VAE
    history: list[dict] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _to_tensor(images: np.ndarray, device) -> torch.Tensor:
    return torch.from_numpy(images).to(device=device, dtype=torch.float32).div_(255.0)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = F.mse_loss(a, b).item()
    return 10.0 * math.log10(1.0 / max(mse, 1e-10))


def train_vae(
    generate: Generate,
    vae_cfg: VAEConfig,
    cfg: TrainConfig,
    motif_names: tuple[str, ...] = (),
    progress: Callable[[int, dict], None] | None = None,
) -> TrainResult:
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    vae = VAE(vae_cfg).to(device)
    if device.type == "cpu":
        vae = vae.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(vae.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.steps, pct_start=0.1)
    held_x, _ = generate(cfg.eval_samples, vae_cfg.size, cfg.seed + 1_000_003)
    held = _to_tensor(held_x, device)
    hw = vae_cfg.size * vae_cfg.size * vae_cfg.channels
    history: list[dict] = []
    t0 = time.perf_counter()
    vae.train()
    for step in range(cfg.steps):
        x_np, _ = generate(cfg.batch, vae_cfg.size, cfg.seed * 7919 + step + 1)
        x = _to_tensor(x_np, device)
        logits, mu, logvar = vae(x)
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
        w = cfg.beta * min(1.0, (step + 1) / max(1, cfg.kl_warmup * cfg.steps))
        loss = rec + w * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 50.0)
        opt.step()
        sched.step()
        row = {"step": step + 1, "loss": loss.item() / hw, "rec": rec.item() / hw, "kl": kl.item()}
        history.append(row)
        if progress:
            progress(step + 1, row)
    seconds = time.perf_counter() - t0
    vae.eval()
    with torch.no_grad():
        mu, _ = vae.encoder(held)
        recon = torch.sigmoid(vae.decoder(mu))
        eval_psnr = psnr(recon, held)
    tail = history[-50:]
    record = {
        "steps": cfg.steps,
        "batch": cfg.batch,
        "images_seen": cfg.steps * cfg.batch,
        "lr": cfg.lr,
        "beta": cfg.beta,
        "seed": cfg.seed,
        "device": str(device),
        "seconds": round(seconds, 1),
        "final_loss_per_pixel": round(sum(r["loss"] for r in tail) / len(tail), 5),
        "final_kl": round(sum(r["kl"] for r in tail) / len(tail), 3),
        "heldout_psnr_db": round(eval_psnr, 2),
        "heldout_samples": cfg.eval_samples,
    }
    return TrainResult(vae.cpu().to(memory_format=torch.contiguous_format), history, record)


def motif_anchors(vae: VAE, generate: Generate, n_motifs: int, per_motif: int = 64, seed: int = 99) -> torch.Tensor:
    """Mean encoder latent of each motif family: the pack's scene anchors (K, D)."""
    x_np, labels = generate(per_motif * n_motifs, vae.cfg.size, seed)
    with torch.no_grad():
        mu, _ = vae.encoder(_to_tensor(x_np, "cpu"))
    out = torch.zeros(n_motifs, vae.cfg.latent_dim)
    for k in range(n_motifs):
        sel = torch.from_numpy(labels == k)
        if sel.any():
            out[k] = mu[sel].mean(0)
    return out


def save_pack_weights(path: Path, result: TrainResult, generate: Generate, motif_names: tuple[str, ...], recipe: dict) -> None:
    anchors = motif_anchors(result.vae, generate, len(motif_names))
    save_decoder(
        path,
        result.vae.decoder,
        anchors=anchors,
        anchor_names=motif_names,
        extra={"training": result.record, "dataset": recipe},
    )
