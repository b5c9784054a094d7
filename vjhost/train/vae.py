"""Train a pack's VAE on its procedural dataset (CPU here, CUDA when present).

The dataset generator is a function ``generate(n, size, seed) -> (uint8 images
(n, C, H, W), int labels)`` named in the pack manifest.  Fresh images are drawn
for every step (the generator is cheap, so the model never sees the same
batch twice); a held-out set drawn from a different seed measures
reconstruction PSNR.  After training, the mean latent of each motif family is
stored in the weights as a scene anchor.

Under ``torchrun`` (:mod:`vjhost.train.distributed`) every process trains the
same model wrapped in DistributedDataParallel on its own share of each
step's batch; rank 0 alone writes.  ``checkpoint_every`` / ``resume`` save
and continue a run (:mod:`vjhost.train.checkpoint`: safetensors + JSON, no
pickle).  On CUDA the forward pass runs under autocast (bf16, or fp16 with a
gradient scaler).

The live show never imports this module.
"""

from __future__ import annotations

import contextlib
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
from . import distributed
from .distributed import SINGLE, Dist

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
    #: weight of the frequency loss: L1 between the FFT magnitudes of the
    #: decode and the target (per pixel, like the BCE).  Blurry decodes lack
    #: high-frequency energy, so this keeps dots, edges and sparks crisp.
    freq_weight: float = 0.0
    #: after training, fit a Gaussian to the aggregate posterior and fold it into
    #: the decoder's first layer, so z ~ N(0, I) decodes like encoded data even
    #: with a small beta (sharp reconstructions; see :func:`fit_prior`)
    prior_fit: bool = True
    #: 0: a fresh batch every step.  N > 0: draw N images once (a fixed dataset,
    #: like a folder of footage) and sample batches from it; a finite vocabulary
    #: the decoder can reproduce crisply instead of averaging endless variations
    pool: int = 0
    #: Adam's (beta1, beta2)
    betas: tuple[float, float] = (0.9, 0.999)
    #: the adversarial term (:mod:`vjhost.train.adversarial`): 0 = none; otherwise its gradient at the
    #: decoder's last layer is this many times the reconstruction's (VQGAN's adaptive weight)
    adv_weight: float = 0.0
    #: fraction of the steps trained on the pixel losses alone before the discriminator joins
    adv_start: float = 0.5
    #: decodes of prior samples shown to the discriminator per step, as a share of the batch
    adv_prior: float = 0.5
    disc_width: int = 16
    disc_layers: int = 3
    #: the discriminator's learning rate (0: the same as ``lr``)
    disc_lr: float = 0.0
    #: ``"batch"`` (batch-norm, PatchGAN as in VQGAN) or ``"spectral"`` (spectral normalisation, no batch-norm)
    disc_norm: str = "batch"
    #: show the discriminator DiffAugment-ed real and fake images (colour, translation, cutout)
    disc_augment: bool = False
    #: the adaptive weight's ratio is clamped to this (VQGAN: 1e4)
    adv_cap: float = 1e4
    #: recompute the adaptive weight every this many steps (it costs two partial backward passes)
    adapt_every: int = 10
    #: keep an exponential moving average of the decoder's weights with this decay (0: none) from
    #: ``ema_start`` (a fraction of the steps) on, and ship the average: it smooths the last steps'
    #: noise (adversarial steps especially) out of the decodes, as GAN generators are usually shipped
    ema: float = 0.0
    ema_start: float = 0.5
    #: mixed precision on CUDA: "auto" (bf16 where the GPU has it, else fp16 with a gradient scaler),
    #: "bf16", "fp16" or "off"; the CPU always trains in fp32
    amp: str = "auto"


@dataclass
class TrainResult:
    vae: VAE
    history: list[dict] = field(default_factory=list)
    record: dict = field(default_factory=dict)
    pool: object = None  #: the fixed dataset, when trained on one


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _to_tensor(images: np.ndarray, device) -> torch.Tensor:
    return torch.from_numpy(images).to(device=device, dtype=torch.float32).div_(255.0)


def frequency_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Summed (per image) L1 between orthonormal 2-D FFT magnitudes of two image batches."""
    fp = torch.fft.rfft2(pred.float(), norm="ortho").abs()
    ft = torch.fft.rfft2(target.float(), norm="ortho").abs()
    return (fp - ft).abs().sum() / pred.shape[0]


#: how far apart the ranks' data seeds lie (rank r draws step k's share with seed + r * RANK_SEED)
RANK_SEED = 100_000_007


def one_cycle(opt, lr: float, steps: int):
    """Adam's one-cycle schedule over ``steps`` (``None``: a constant lr, for runs under 5 steps).

    The warm-up is 10 % of the steps, stretched to 2.5 steps on short runs: OneCycleLR divides by
    zero when its warm-up ends on step 0 (10 steps at 10 %) and needs a few steps per phase."""
    if steps < 5:
        return None
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps,
                                               pct_start=min(0.5, max(0.1, 2.5 / steps)))


class _Amp:
    """Autocast and (for fp16) a gradient scaler on CUDA; plain fp32 passes elsewhere."""

    def __init__(self, mode: str, device: torch.device) -> None:
        self.dtype = None
        if mode not in ("auto", "bf16", "fp16", "off"):
            raise ValueError(f"amp must be auto, bf16, fp16 or off, not {mode!r}")
        if device.type == "cuda" and mode != "off":
            if mode == "auto":
                mode = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
            self.dtype = torch.bfloat16 if mode == "bf16" else torch.float16
        self.name = mode if self.dtype is not None else "off"
        self.scaler = torch.amp.GradScaler("cuda") if self.dtype is torch.float16 else None

    def autocast(self):
        return torch.autocast("cuda", dtype=self.dtype) if self.dtype is not None else contextlib.nullcontext()

    def backward(self, loss: torch.Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def unscale(self, opt) -> None:
        if self.scaler is not None:
            self.scaler.unscale_(opt)

    def step(self, opt) -> None:
        if self.scaler is None:
            opt.step()
        else:
            self.scaler.step(opt)
            self.scaler.update()

    def state_dict(self) -> dict:
        return self.scaler.state_dict() if self.scaler is not None else {}

    def load_state_dict(self, state: dict) -> None:
        if self.scaler is not None and state:
            self.scaler.load_state_dict(state)


class Prefetch:
    """Draw the next batch on a worker thread while the current one trains."""

    def __init__(self, generate: Generate, batch: int, size: int, seeds) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._gen, self._batch, self._size = generate, batch, size
        self._seeds = iter(seeds)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="vjhost-data")
        self._next = self._submit()

    def _submit(self):
        seed = next(self._seeds, None)
        return None if seed is None else self._pool.submit(self._gen, self._batch, self._size, seed)

    def get(self) -> np.ndarray:
        fut, self._next = self._next, None
        x = fut.result()[0]
        self._next = self._submit()
        return x

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class Pool:
    """A fixed dataset of ``n`` images drawn once (deterministic), sampled in shuffled epochs."""

    def __init__(self, generate: Generate, n: int, batch: int, size: int, seed: int, chunk: int = 64,
                 part: slice = slice(None)) -> None:
        parts = [generate(min(chunk, n - i), size, seed * 1_000_033 + 500_000 + i) for i in range(0, n, chunk)]
        self.images = np.concatenate([p[0] for p in parts])
        self.labels = np.concatenate([p[1] for p in parts])
        self._batch = batch
        self._part = part  # this rank's share of each batch (every rank walks the same order)
        self._rng = np.random.default_rng(seed + 17)
        self._order = np.empty(0, np.int64)

    def get(self) -> np.ndarray:
        if len(self._order) < self._batch:
            self._order = np.concatenate([self._order, self._rng.permutation(len(self.images))])
        idx, self._order = self._order[: self._batch], self._order[self._batch :]
        return self.images[idx[self._part]]

    def state_dict(self) -> dict:
        return {"rng": self._rng.bit_generator.state, "order": self._order.copy()}

    def load_state_dict(self, state: dict) -> None:
        self._rng.bit_generator.state = state["rng"]
        self._order = np.asarray(state["order"], np.int64)

    def close(self) -> None:
        pass


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = F.mse_loss(a, b).item()
    return 10.0 * math.log10(1.0 / max(mse, 1e-10))


def train_vae(
    generate: Generate,
    vae_cfg: VAEConfig,
    cfg: TrainConfig,
    motif_names: tuple[str, ...] = (),
    progress: Callable[[int, dict], None] | None = None,
    tracker=None,
    *,
    dist: Dist = SINGLE,
    checkpoint_every: int = 0,
    checkpoint_dir: Path | str | None = None,
    resume: Path | str | None = None,
) -> TrainResult:
    """Train a VAE on fresh procedural batches; ``tracker`` (a :class:`~vjhost.train.tracking.Tracker`)
    gets the params, per-step losses and prior-sample grids.

    ``dist`` (:func:`vjhost.train.distributed.setup`): this process's rank among several training
    together; ``cfg.batch`` is then the batch of one step over all of them, each rank drawing its
    share, and only rank 0 calls ``progress`` and ``tracker`` or writes checkpoints.
    ``checkpoint_every`` N > 0: write a checkpoint every N steps into ``checkpoint_dir`` (the two
    newest are kept); ``resume``: continue the run saved in that checkpoint."""
    ctx = dist
    if cfg.batch < ctx.world_size:
        raise ValueError(f"batch {cfg.batch} is smaller than the {ctx.world_size} training processes")
    if checkpoint_every and checkpoint_dir is None:
        raise ValueError("checkpoint_every needs a checkpoint_dir")
    main = ctx.is_main()
    if not main:
        progress, tracker = None, None
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    vae = VAE(vae_cfg).to(device)
    if device.type == "cpu":
        vae = vae.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(vae.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    sched = one_cycle(opt, cfg.lr, cfg.steps)
    amp = _Amp(cfg.amp, device)
    held_x, _ = generate(cfg.eval_samples, vae_cfg.size, cfg.seed + 1_000_003)
    held = _to_tensor(held_x, device)
    hw = vae_cfg.size * vae_cfg.size * vae_cfg.channels
    history: list[dict] = []
    t0 = time.perf_counter()
    if tracker is not None:
        tracker.log_params({"role": "teacher", **{k: v for k, v in vars(cfg).items()}, "widths": list(vae_cfg.widths),
                            "size": vae_cfg.size, "channels": vae_cfg.channels, "latent_dim": vae_cfg.latent_dim,
                            "blocks": list(vae_cfg.blocks), "upsample": vae_cfg.upsample, "rank": vae_cfg.rank,
                            "spectrum": vae_cfg.spectrum,
                            "params": sum(p.numel() for p in vae.decoder.parameters()),
                            **({"world_size": ctx.world_size} if ctx.enabled else {})})
    fixed_z = torch.randn(16, vae_cfg.latent_dim, generator=torch.Generator().manual_seed(1))
    sample_every = max(1, cfg.steps // 4)
    adv = _Adversary(vae, vae_cfg, cfg, device, ctx) if cfg.adv_weight > 0 else None
    ema = _EMA(vae.decoder, cfg.ema, int(cfg.ema_start * cfg.steps)) if cfg.ema > 0 else None
    model = vae
    if ctx.enabled:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(vae, device_ids=[device.index] if device.type == "cuda" else None)
        # the same initial weights everywhere (DDP also broadcasts rank 0's), then each rank its own noise
        torch.manual_seed(cfg.seed * 7919 + RANK_SEED * ctx.rank)
    start, before = 0, 0.0
    pool_state = None
    if resume is not None:
        start, before, pool_state = _restore(resume, ctx, cfg, vae_cfg, vae, opt, sched, amp, ema, adv, history)
    if cfg.pool:
        data = Pool(generate, cfg.pool, cfg.batch, vae_cfg.size, cfg.seed, part=distributed.shard(ctx, cfg.batch))
        if pool_state is not None:
            data.load_state_dict(pool_state)
    else:
        data = Prefetch(generate, distributed.share(ctx, cfg.batch), vae_cfg.size,
                        (cfg.seed * 7919 + step + 1 + RANK_SEED * ctx.rank for step in range(start, cfg.steps)))
    saved: list[Path] = []
    vae.train()
    for step in range(start, cfg.steps):
        x = _to_tensor(data.get(), device)
        if device.type == "cpu":
            x = x.contiguous(memory_format=torch.channels_last)
        with amp.autocast():
            logits, mu, logvar = model(x)
            mu, logvar = mu.float(), logvar.float()
            rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
            w = cfg.beta * min(1.0, (step + 1) / max(1, cfg.kl_warmup * cfg.steps))
            loss = rec + w * kl
            recon = torch.sigmoid(logits)
            freq = frequency_loss(recon, x) if cfg.freq_weight else None
            if freq is not None:
                loss = loss + cfg.freq_weight * freq
            row = {"step": step + 1}
            if adv is not None:
                adv.observe(mu, logvar)
                if adv.active(step):
                    loss = loss + adv.generator_term(step, rec, recon, row)
        opt.zero_grad(set_to_none=True)
        amp.backward(loss)
        amp.unscale(opt)
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 50.0)
        amp.step(opt)
        if sched is not None:
            sched.step()
        if ema is not None:
            ema.update(vae.decoder, step)
        if adv is not None and adv.active(step):
            adv.discriminator_step(x, row)
        parts = [loss, rec, kl] + ([freq] if freq is not None else [])
        if ctx.enabled:  # what every rank saw, averaged
            vals = distributed.mean(ctx, torch.stack([t.detach().float() for t in parts])).tolist()
        else:
            vals = [t.item() for t in parts]
        row.update({"loss": vals[0] / hw, "rec": vals[1] / hw, "kl": vals[2]})
        if freq is not None:
            row["freq"] = vals[3] / hw
        history.append(row)
        if tracker is not None:
            tracker.log_step(step + 1, row, last=step + 1 == cfg.steps)
            if (step + 1) % sample_every == 0:
                _log_samples(tracker, vae, fixed_z, step + 1)
        if progress:
            progress(step + 1, row)
        if checkpoint_every and (step + 1) % checkpoint_every == 0:
            state = {"step": step + 1, "seconds": before + time.perf_counter() - t0, "world_size": ctx.world_size,
                     "config": vars(cfg), "vae_config": vae_cfg.to_json(), "model": vae.state_dict(),
                     "optimizer": opt.state_dict(), "scheduler": sched.state_dict() if sched is not None else None,
                     "scaler": amp.state_dict(), "ema": ema.state_dict() if ema is not None else None,
                     "adversary": adv.state_dict() if adv is not None else None,
                     "pool": data.state_dict() if cfg.pool else None, "history": history,
                     "rng": distributed.gather_objects(ctx, _rng_state(device))}  # every rank's noise
            if main:
                saved.append(_save_checkpoint(Path(checkpoint_dir), state, saved))
    data.close()
    seconds = before + time.perf_counter() - t0
    if ema is not None:
        ema.copy_to(vae.decoder)
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
    if cfg.pool:
        record["pool"] = cfg.pool
        record["epochs"] = round(cfg.steps * cfg.batch / cfg.pool, 1)
        with torch.no_grad():  # how well the training images themselves come back
            x = _to_tensor(data.images[: cfg.eval_samples], device)
            record["train_psnr_db"] = round(psnr(torch.sigmoid(vae.decoder(vae.encoder(x)[0])), x), 2)
        result_pool = data
    else:
        result_pool = None
    if adv is not None:
        record["adversarial"] = adv.describe()
    if ema is not None:
        record["ema"] = {"decay": cfg.ema, "from_step": ema.start}
    if vae_cfg.rank or vae_cfg.blocks or vae_cfg.upsample != "nearest" or vae_cfg.spectrum:
        record["architecture"] = {"blocks": list(vae_cfg.blocks), "upsample": vae_cfg.upsample, "rank": vae_cfg.rank}
        if vae_cfg.spectrum:
            record["architecture"]["spectrum"] = vae_cfg.spectrum
    if cfg.freq_weight:
        record["freq_weight"] = cfg.freq_weight
        record["final_freq_per_pixel"] = round(sum(r["freq"] for r in tail) / len(tail), 5)
    if amp.dtype is not None:
        record["amp"] = amp.name
    if ctx.enabled:
        if not distributed.in_sync(ctx, vae):
            raise RuntimeError(f"rank {ctx.rank}: the training processes ended with different weights")
        record["distributed"] = {"world_size": ctx.world_size, "backend": ctx.backend,
                                 "batch_per_rank": distributed.share(ctx, cfg.batch), "ranks_in_sync": True}
    if resume is not None:
        record["resumed_from"] = {"checkpoint": str(resume), "step": start}
    if tracker is not None:
        tracker.log_metrics({"heldout_psnr_db": eval_psnr, "seconds": seconds}, step=cfg.steps)
    res = TrainResult(vae.cpu().to(memory_format=torch.contiguous_format), history, record)
    res.pool = result_pool
    return res


class _EMA:
    """An exponential moving average of a module's parameters, started at step ``start``."""

    def __init__(self, module, decay: float, start: int) -> None:
        self.decay, self.start = float(decay), int(start)
        self.shadow: list[torch.Tensor] | None = None
        self._params = list(module.parameters())

    @torch.no_grad()
    def update(self, module, step: int) -> None:
        if step < self.start:
            return
        if self.shadow is None:
            self.shadow = [p.detach().clone() for p in self._params]
            return
        for s, p in zip(self.shadow, self._params):
            s.lerp_(p.detach(), 1.0 - self.decay)

    @torch.no_grad()
    def copy_to(self, module) -> None:
        if self.shadow is not None:
            for s, p in zip(self.shadow, self._params):
                p.copy_(s)

    def state_dict(self) -> dict:
        return {"start": self.start, "shadow": self.shadow}

    @torch.no_grad()
    def load_state_dict(self, state: dict) -> None:
        shadow = state["shadow"]
        self.shadow = None if shadow is None else [s.to(p.device).clone() for s, p in zip(shadow, self._params)]


class _Adversary:
    """The discriminator, its optimiser and the prior fit it samples from (see :mod:`.adversarial`)."""

    def __init__(self, vae: VAE, vae_cfg: VAEConfig, cfg: TrainConfig, device, dist: Dist = SINGLE) -> None:
        from .adversarial import PatchDiscriminator, RunningGaussian

        self.vae, self.cfg, self.device, self.dist = vae, cfg, device, dist
        self.disc = PatchDiscriminator(vae_cfg.channels, cfg.disc_width, cfg.disc_layers, cfg.disc_norm).to(device)
        if device.type == "cpu":
            self.disc = self.disc.to(memory_format=torch.channels_last)
        self.opt = torch.optim.Adam(self.disc.parameters(), lr=cfg.disc_lr or cfg.lr, betas=(0.5, 0.9))
        self.fit = RunningGaussian(vae_cfg.latent_dim)
        self.start = int(cfg.adv_start * cfg.steps)
        self.n_prior = max(1, int(round(cfg.adv_prior * cfg.batch))) if cfg.adv_prior > 0 else 0
        self.gen = torch.Generator().manual_seed(cfg.seed + 77)
        self.lam = 0.0
        self.fake: torch.Tensor | None = None
        self.d_losses: list[float] = []
        self.lams: list[float] = []

    def active(self, step: int) -> bool:
        return step >= self.start

    def observe(self, mu: torch.Tensor, logvar: torch.Tensor) -> None:
        self.fit.update(mu, logvar)

    def generator_term(self, step: int, rec: torch.Tensor, recon: torch.Tensor, row: dict) -> torch.Tensor:
        from .adversarial import adaptive_weight, generator_loss

        fake = recon
        if self.n_prior:
            z = self.fit.sample(self.n_prior, self.gen).to(self.device)
            fake = torch.cat([recon, torch.sigmoid(self.vae.decoder(z))])
        if fake.device.type == "cpu":
            fake = fake.contiguous(memory_format=torch.channels_last)
        g = generator_loss(self.disc(self._augment(fake)))
        if (step - self.start) % self.cfg.adapt_every == 0:
            self.lam = adaptive_weight(rec, g, self.vae.decoder.last_layer().weight, self.cfg.adv_weight,
                                       cap=self.cfg.adv_cap)
            self.lams.append(self.lam)
        # ramp in over the first 5 % of the steps so the decoder is not yanked off its reconstructions
        ramp = min(1.0, (step - self.start + 1) / max(1.0, 0.05 * self.cfg.steps))
        self.fake = fake.detach().float()  # the discriminator's own step runs outside autocast
        row["g_adv"] = g.item()
        row["adv_lambda"] = self.lam
        return self.lam * ramp * g

    def _augment(self, x: torch.Tensor) -> torch.Tensor:
        if not self.cfg.disc_augment:
            return x
        from .adversarial import diff_augment

        return diff_augment(x, self.gen)

    def discriminator_step(self, real: torch.Tensor, row: dict) -> None:
        from .adversarial import hinge_d_loss

        loss = hinge_d_loss(self.disc(self._augment(real)), self.disc(self._augment(self.fake)))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        distributed.average_gradients(self.dist, self.disc)  # DDP wraps the VAE only
        self.opt.step()
        self.fake = None
        row["d_loss"] = loss.item()
        self.d_losses.append(loss.item())

    def state_dict(self) -> dict:
        return {"disc": self.disc.state_dict(), "opt": self.opt.state_dict(), "fit_mean": self.fit.mean,
                "fit_cov": self.fit.cov, "gen": self.gen.get_state(), "lam": self.lam,
                "d_losses": self.d_losses, "lams": self.lams}

    def load_state_dict(self, state: dict) -> None:
        self.disc.load_state_dict(state["disc"])
        self.opt.load_state_dict(state["opt"])
        self.fit.mean, self.fit.cov = state["fit_mean"].clone(), state["fit_cov"].clone()
        self.gen.set_state(state["gen"])
        self.lam, self.d_losses, self.lams = state["lam"], list(state["d_losses"]), list(state["lams"])

    def describe(self) -> dict:
        tail = self.d_losses[-50:] or [float("nan")]
        return {"weight": self.cfg.adv_weight, "start_step": self.start, "prior_decodes_per_step": self.n_prior,
                "discriminator": {"width": self.cfg.disc_width, "layers": self.cfg.disc_layers,
                                  "norm": self.cfg.disc_norm, "augment": self.cfg.disc_augment,
                                  "cap": self.cfg.adv_cap,
                                  "params": sum(p.numel() for p in self.disc.parameters())},
                "loss": "hinge; decoder weight adaptive (VQGAN): |grad rec| / |grad adv| at the last layer",
                "final_d_loss": round(sum(tail) / len(tail), 4),
                "final_lambda": round(self.lams[-1], 4) if self.lams else None}


def _rng_state(device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device).cpu()
    return state


#: the checkpoint files of a teacher run, in ``checkpoint_dir``
CHECKPOINT_NAME = "teacher-step{step:06d}"


def _save_checkpoint(folder: Path, state: dict, saved: list[Path], keep: int = 2) -> Path:
    """Write ``state`` as ``folder/teacher-stepNNNNNN.{safetensors,json}``; drop all but the ``keep`` newest."""
    from . import checkpoint

    path = checkpoint.save(folder / CHECKPOINT_NAME.format(step=state["step"]), state)
    for old in saved[: max(0, len(saved) + 1 - keep)]:
        for f in checkpoint.paths(old):
            f.unlink(missing_ok=True)
    del saved[: max(0, len(saved) + 1 - keep)]
    return path


def _restore(path, ctx: Dist, cfg: TrainConfig, vae_cfg: VAEConfig, vae: VAE, opt, sched, amp: _Amp, ema, adv,
             history: list[dict]) -> tuple[int, float, dict | None]:
    """Load the checkpoint ``path`` into the run's objects; ``(step reached, seconds spent, pool state)``."""
    from . import checkpoint

    try:
        state = checkpoint.load(path)
    except checkpoint.CheckpointError as e:
        raise ValueError(f"cannot resume: {e}") from e
    if state["vae_config"] != vae_cfg.to_json():
        raise ValueError(f"cannot resume from {path}: it trains another architecture ({state['vae_config']})")
    old = state["config"]
    changed = [k for k in ("steps", "batch", "seed", "lr", "pool") if old.get(k) != getattr(cfg, k)]
    if changed:
        raise ValueError(f"cannot resume from {path}: {', '.join(f'{k} was {old.get(k)}' for k in changed)} "
                         f"(resume with the run's own settings)")
    if (ema is None) != (state["ema"] is None) or (adv is None) != (state["adversary"] is None):
        raise ValueError(f"cannot resume from {path}: the run was saved with other ema / adversarial settings")
    vae.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    if sched is not None and state["scheduler"] is not None:
        sched.load_state_dict(state["scheduler"])
    amp.load_state_dict(state["scaler"])
    if ema is not None:
        ema.load_state_dict(state["ema"])
    if adv is not None:
        adv.load_state_dict(state["adversary"])
    rngs = state["rng"]
    device = next(vae.parameters()).device
    if len(rngs) == ctx.world_size:  # the same number of processes: each continues its own noise
        torch.set_rng_state(rngs[ctx.rank]["torch"])
        if "cuda" in rngs[ctx.rank] and device.type == "cuda":
            torch.cuda.set_rng_state(rngs[ctx.rank]["cuda"], device)
    else:
        torch.manual_seed(cfg.seed * 7919 + RANK_SEED * ctx.rank + state["step"])
    history.extend(state["history"])
    return int(state["step"]), float(state["seconds"]), state["pool"]


def _log_samples(tracker, vae: VAE, z: torch.Tensor, step: int) -> None:
    if not getattr(tracker, "enabled", False):
        return
    from ..png import grid

    was = vae.training
    vae.eval()
    with torch.no_grad():
        img = (torch.sigmoid(vae.decoder(z.to(next(vae.parameters()).device))) * 255).round().byte().cpu()
    vae.train(was)
    img = img.permute(0, 2, 3, 1).numpy()
    tracker.log_image(f"samples/teacher_step_{step:06d}.png", grid(img[..., 0] if img.shape[-1] == 1 else img))


def motif_anchors(vae: VAE, generate: Generate, n_motifs: int, per_motif: int = 64, seed: int = 99,
                  data: tuple[np.ndarray, np.ndarray] | None = None, medoid: bool = False) -> torch.Tensor:
    """The pack's scene anchors (K, D), one per motif family.

    Default: the mean encoder latent of the family.  ``medoid=True``: the latent
    of the family's image nearest that mean -- a real image, so the anchor
    decodes crisply instead of as a blend of the family.  ``data``: encode these
    ``(images, labels)`` (e.g. the training pool) instead of drawing new ones.
    """
    x_np, labels = data if data is not None else generate(per_motif * n_motifs, vae.cfg.size, seed)
    mus = []
    with torch.no_grad():
        for i in range(0, len(x_np), 256):
            mus.append(vae.encoder(_to_tensor(x_np[i : i + 256], "cpu"))[0])
    mu = torch.cat(mus)
    out = torch.zeros(n_motifs, vae.cfg.latent_dim)
    for k in range(n_motifs):
        sel = torch.from_numpy(np.asarray(labels) == k)
        if sel.any():
            fam = mu[sel]
            mean = fam.mean(0)
            out[k] = fam[(fam - mean).norm(dim=1).argmin()] if medoid else mean
    return out


@torch.no_grad()
def fit_prior(vae: VAE, generate: Generate, n: int = 2048, seed: int = 4242, batch: int = 256,
              data: np.ndarray | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and Cholesky factor ``(mu, L)`` of a Gaussian fitted to the aggregate posterior.

    With a small KL weight the encoder's latents do not fill N(0, I), so prior
    samples would decode off the data manifold.  Mapping ``z -> mu + L z`` (folded
    into the decoder's first layer by :func:`fold_prior`) sends N(0, I) onto the
    Gaussian fit of where the data actually sits ("ex-post density estimation").
    ``data``: encode these images (e.g. the training pool) instead of drawing ``n`` new ones.
    """
    vae.eval()
    mus, var = [], []
    total = len(data) if data is not None else n
    for i in range(0, total, batch):
        x_np = data[i : i + batch] if data is not None else generate(min(batch, n - i), vae.cfg.size, seed + i)[0]
        mu, logvar = vae.encoder(_to_tensor(x_np, "cpu"))
        mus.append(mu)
        var.append(logvar.exp())
    m = torch.cat(mus).double()
    mean = m.mean(0)
    cov = torch.cov(m.T) + torch.diag(torch.cat(var).double().mean(0))
    cov += 1e-6 * torch.eye(cov.shape[0], dtype=cov.dtype) * cov.diagonal().mean()
    return mean.float(), torch.linalg.cholesky(cov).float()


def fold_prior(decoder, mean: torch.Tensor, chol: torch.Tensor):
    """A copy of ``decoder`` whose input is the whitened latent: ``decoder'(z) == decoder(mean + chol @ z)``."""
    import copy

    dec = copy.deepcopy(decoder)
    with torch.no_grad():
        for layer in latent_inputs(dec):
            w = layer.weight.clone()  # (out, D)
            layer.bias += w @ mean
            layer.weight.copy_(w @ chol)
    return dec


def latent_inputs(decoder) -> list:
    """The linear layers that read the latent directly (the 4x4 seed, and the separable profiles if any)."""
    layers = [decoder.fc]
    if getattr(decoder, "profiles", None) is not None:
        layers.append(decoder.profiles.hidden)
    if getattr(decoder, "spectrum", None) is not None:
        layers.append(decoder.spectrum.hidden)
    return layers


def save_pack_weights(path: Path, result: TrainResult, generate: Generate, motif_names: tuple[str, ...], recipe: dict,
                      prior_fit: bool = False) -> None:
    pool = getattr(result, "pool", None)
    data = (pool.images, pool.labels) if pool is not None else None
    anchors = motif_anchors(result.vae, generate, len(motif_names), data=data, medoid=pool is not None)
    decoder = result.vae.decoder
    if prior_fit:
        mean, chol = fit_prior(result.vae, generate, data=pool.images if pool is not None else None)
        decoder = fold_prior(decoder, mean, chol)
        anchors = torch.linalg.solve_triangular(chol, (anchors - mean).T, upper=False).T
        result.record["prior_fit"] = {
            "samples": len(pool.images) if pool is not None else 2048, "mean_norm": round(float(mean.norm()), 3),
            "std_geomean": round(float(chol.diagonal().abs().log().mean().exp()), 4),
            "note": "N(0, I) is mapped onto a Gaussian fit of the aggregate posterior, folded into decoder.fc",
        }
    if pool is not None:
        result.record["anchors"] = "medoid: the latent of each motif family's training image nearest the family mean"
    save_decoder(
        path,
        decoder,
        anchors=anchors,
        anchor_names=motif_names,
        extra={"training": result.record, "dataset": recipe},
    )
