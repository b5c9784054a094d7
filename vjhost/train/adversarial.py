"""The adversarial part of the sharp-decoder recipe: a patch discriminator and its losses.

A VAE trained on pixel losses alone draws the *mean* of what the latent
leaves uncertain, which is blur.  As in VQGAN and the Stable Diffusion VAE
(and TAESD's decoder), a small convolutional **patch discriminator** judges
local patches (receptive field ~22-46 px) as real data or decode, and the
decoder is also trained to fool it.  Hinge losses; the adversarial weight is
set adaptively (VQGAN's rule) so its gradient at the decoder's last layer is
``adv_weight`` times that of the reconstruction loss, whatever the scales.

The decodes it judges are the reconstructions of the batch **and decodes of
prior samples** (``z`` from a running Gaussian fit of the encoder's means,
the same fit that is folded into the shipped decoder): the live walk shows
prior samples, so they are the ones that must look like data
(VAE-GAN, Larsen et al. 2016).

The live show never imports this module.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class PatchDiscriminator(nn.Module):
    """``layers`` stride-2 4x4 convolutions (width doubling from ``width``), then a 3x3 to one logit per patch.

    ``norm="batch"``: batch-norm between the convolutions (pix2pix / VQGAN's PatchGAN).  ``norm="spectral"``:
    no batch-norm, every convolution spectrally normalised (Miyato et al. 2018): the discriminator stays
    1-Lipschitz, so it cannot win outright on a small pool and its gradients stay informative.
    """

    def __init__(self, channels: int, width: int = 16, layers: int = 3, norm: str = "batch") -> None:
        super().__init__()
        if norm not in ("batch", "spectral"):
            raise ValueError(f"discriminator norm must be 'batch' or 'spectral', got {norm!r}")
        sn = nn.utils.parametrizations.spectral_norm if norm == "spectral" else (lambda m: m)
        mods: list[nn.Module] = [sn(nn.Conv2d(channels, width, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True)]
        c = width
        for _ in range(1, layers):
            mods.append(sn(nn.Conv2d(c, c * 2, 4, 2, 1)))
            if norm == "batch":
                mods.append(nn.BatchNorm2d(c * 2))
            mods.append(nn.LeakyReLU(0.2, inplace=True))
            c *= 2
        mods.append(sn(nn.Conv2d(c, 1, 3, 1, 1)))
        self.body = nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return 0.5 * (F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean())


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def adaptive_weight(rec_loss: torch.Tensor, adv_loss: torch.Tensor, last: torch.Tensor, scale: float,
                    cap: float = 1e4) -> float:
    """VQGAN's balance: ``scale * |grad rec| / |grad adv|`` at the decoder's last layer ``last``, the ratio
    clamped to ``cap`` (VQGAN's 1e4 by default; a small cap keeps a discriminator whose gradients vanish
    from being answered by an ever larger weight -- the collapse recorded in docs/training.md)."""
    g_rec = torch.autograd.grad(rec_loss, last, retain_graph=True)[0].norm()
    g_adv = torch.autograd.grad(adv_loss, last, retain_graph=True)[0].norm()
    return float((g_rec / (g_adv + 1e-4)).clamp(0.0, cap)) * scale


def diff_augment(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """DiffAugment (Zhao et al. 2020), differentiable: brightness, saturation and contrast jitter, a random
    translation by up to 1/8 of the side (zero fill) and a cutout of half the side, the same kind of
    transform for real and fake images.  Shown only to the discriminator, so it cannot memorise a small pool."""
    b, _, h, w = x.shape
    dev = x.device

    def r(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator).to(dev, x.dtype)

    x = x + (r(b, 1, 1, 1) - 0.5)
    mean = x.mean(1, keepdim=True)
    x = (x - mean) * (r(b, 1, 1, 1) * 2) + mean
    mean = x.mean((1, 2, 3), keepdim=True)
    x = (x - mean) * (r(b, 1, 1, 1) + 0.5) + mean
    sh, sw = h // 8, w // 8
    dy = (r(b) * (2 * sh + 1)).long() - sh
    dx = (r(b) * (2 * sw + 1)).long() - sw
    gy, gx = torch.meshgrid(torch.arange(h, device=dev), torch.arange(w, device=dev), indexing="ij")
    yy = (gy[None] + dy[:, None, None]).clamp(-1, h)  # -1 and h land on the zero padding
    xx = (gx[None] + dx[:, None, None]).clamp(-1, w)
    pad = F.pad(x, (1, 1, 1, 1))
    x = pad[torch.arange(b, device=dev)[:, None, None], :, yy + 1, xx + 1].permute(0, 3, 1, 2)
    cy, cx = (r(b) * h).long(), (r(b) * w).long()  # the cutout's centre
    hole = ((gy[None] - cy[:, None, None]).abs() < h // 4) & ((gx[None] - cx[:, None, None]).abs() < w // 4)
    keep = ~hole
    return x * keep[:, None].to(x.dtype)


class RunningGaussian:
    """An exponential moving fit of the encoder means' distribution: what the prior decodes look like live."""

    def __init__(self, dim: int, momentum: float = 0.98) -> None:
        self.mean = torch.zeros(dim)
        self.cov = torch.eye(dim)
        self.m = momentum

    @torch.no_grad()
    def update(self, mu: torch.Tensor, logvar: torch.Tensor) -> None:
        mu = mu.detach().float().cpu()
        d = mu - self.mean
        self.mean = self.m * self.mean + (1 - self.m) * mu.mean(0)
        batch_cov = d.T @ d / max(1, len(mu)) + torch.diag(logvar.detach().float().cpu().exp().mean(0))
        self.cov = self.m * self.cov + (1 - self.m) * batch_cov

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        dim = len(self.mean)
        chol = torch.linalg.cholesky(self.cov + 1e-4 * torch.eye(dim) * self.cov.diagonal().mean())
        return self.mean + torch.randn(n, dim, generator=generator) @ chol.T
