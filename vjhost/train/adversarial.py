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
    """``layers`` stride-2 4x4 convolutions (width doubling from ``width``), then a 3x3 to one logit per patch."""

    def __init__(self, channels: int, width: int = 16, layers: int = 3) -> None:
        super().__init__()
        mods: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        c = width
        for _ in range(1, layers):
            mods += [nn.Conv2d(c, c * 2, 4, 2, 1), nn.BatchNorm2d(c * 2), nn.LeakyReLU(0.2, inplace=True)]
            c *= 2
        mods.append(nn.Conv2d(c, 1, 3, 1, 1))
        self.body = nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return 0.5 * (F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean())


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def adaptive_weight(rec_loss: torch.Tensor, adv_loss: torch.Tensor, last: torch.Tensor, scale: float) -> float:
    """VQGAN's balance: ``scale * |grad rec| / |grad adv|`` at the decoder's last layer ``last`` (clamped)."""
    g_rec = torch.autograd.grad(rec_loss, last, retain_graph=True)[0].norm()
    g_adv = torch.autograd.grad(adv_loss, last, retain_graph=True)[0].norm()
    return float((g_rec / (g_adv + 1e-4)).clamp(0.0, 1e4)) * scale


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
