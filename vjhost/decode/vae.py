"""The convolutional VAE every persona pack ships: 64-d latent -> image.

The decoder is what runs live; the encoder exists for training and for
computing scene anchors (the mean latent of each motif family).  The
architecture is fully described by :class:`VAEConfig`, which is stored next to
the weights in the safetensors metadata, so a weights file is self-describing
and loads without pickle.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import torch
from torch import nn


@dataclass(frozen=True)
class VAEConfig:
    latent_dim: int = 64
    size: int = 128
    channels: int = 1
    #: Feature widths from the 4x4 bottleneck up to full resolution.  The
    #: decoder upsamples once per entry, so ``size == 4 * 2**len(widths)``.
    widths: tuple[int, ...] = (128, 96, 64, 32, 16)
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.size != 4 * 2 ** len(self.widths):
            raise ValueError(
                f"size {self.size} needs {self._levels()} widths, got {len(self.widths)}"
            )

    def _levels(self) -> int:
        n, s = 0, 4
        while s < self.size:
            s, n = s * 2, n + 1
        return n

    def to_json(self) -> str:
        d = asdict(self)
        d["widths"] = list(self.widths)
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "VAEConfig":
        d = json.loads(text)
        d["widths"] = tuple(d["widths"])
        return cls(**d)


class Decoder(nn.Module):
    def __init__(self, cfg: VAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w = cfg.widths
        self.fc = nn.Linear(cfg.latent_dim, w[0] * 4 * 4)
        layers: list[nn.Module] = []
        c_in = w[0]
        for c_out in w:
            layers += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(c_in, c_out, 3, padding=1),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            c_in = c_out
        layers.append(nn.Conv2d(c_in, cfg.channels, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Latent ``(B, D)`` -> logits ``(B, C, H, W)`` (apply sigmoid for pixels)."""
        h = self.fc(z).view(z.shape[0], self.cfg.widths[0], 4, 4)
        return self.body(torch.nn.functional.leaky_relu(h, 0.2))


class Encoder(nn.Module):
    def __init__(self, cfg: VAEConfig) -> None:
        super().__init__()
        w = tuple(reversed(cfg.widths))
        layers: list[nn.Module] = []
        c_in = cfg.channels
        for c_out in w:
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
            c_in = c_out
        self.body = nn.Sequential(*layers)
        self.mu = nn.Linear(c_in * 16, cfg.latent_dim)
        self.logvar = nn.Linear(c_in * 16, cfg.latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x).flatten(1)
        return self.mu(h), self.logvar(h).clamp(-12.0, 8.0)


class VAE(nn.Module):
    def __init__(self, cfg: VAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def forward(self, x: torch.Tensor):
        mu, logvar = self.encoder(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar
