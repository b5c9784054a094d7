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
    #: Feature widths from the 4x4 bottleneck up to the last level.  The
    #: decoder upsamples once per entry, so ``size == 4 * 2**len(widths) * subpixel``.
    widths: tuple[int, ...] = (128, 96, 64, 32, 16)
    extra: dict = field(default_factory=dict)
    #: residual blocks after each level's upsampling (one entry per level; empty: none).
    #: Blocks at the small levels are cheap and give the decoder room to compose shapes.
    blocks: tuple[int, ...] = ()
    #: how each level doubles the resolution: ``"nearest"`` (nearest-neighbour + 3x3 conv)
    #: or ``"shuffle"`` (a 3x3 conv to 4x the channels at the low resolution, then a
    #: pixel shuffle: sub-pixel convolution, which can place an edge on any output pixel)
    upsample: str = "nearest"
    #: separable maps: the latent also draws ``rank`` pairs of 1-D profiles (a row and a
    #: column profile each, ``size`` pixels long) whose outer products enter the last
    #: convolution as extra channels.  Stripes, scanlines, barcodes, bands, grids and
    #: rectangles are (sums of) outer products, so they come out pixel-sharp and at any
    #: position, where a conv stack grown from 4x4 smears them (0: no separable maps)
    rank: int = 0
    #: sub-pixel output: the output convolution draws ``subpixel``² pixels for each pixel of the
    #: last level (a convolution to ``subpixel``² x the channels, then a pixel shuffle: Shi et al.
    #: 2016), so a 256² picture costs little more than a 128² one, with edges on any output
    #: pixel; the encoder reads the image through the inverse (a pixel unshuffle, lossless).
    #: 1: the last level is the output size
    subpixel: int = 1
    #: CoordConv (Liu et al. 2018): every upsampling convolution and the output convolution
    #: also read two constant channels, the pixel's x and y in [-1, 1].  A plain conv stack
    #: grown from 4x4 has to infer *where* it is from its own features; motifs placed at
    #: positions (dots on a lattice, stripes at columns, a horizon at a height) are drawn
    #: at their place directly.  Costs two input channels per convolution.
    coord: bool = False
    #: a spectral head: the latent also draws the picture's logits' Fourier coefficients up to
    #: ``spectrum`` cycles per picture in x and y (a separable inverse DFT: two small matrix
    #: products per channel), added to the output logits before the sigmoid.  The sigmoid turns a
    #: band-limited logit field into hard edges, so periodic motifs (lattices, stripes, rings,
    #: grids) come out sharp at any phase; the encoder reads the same band of the picture's
    #: spectrum (0: none)
    spectrum: int = 0

    def __post_init__(self) -> None:
        if self.subpixel not in (1, 2, 4):
            raise ValueError(f"subpixel must be 1, 2 or 4, got {self.subpixel}")
        if self.size != 4 * 2 ** len(self.widths) * self.subpixel:
            raise ValueError(
                f"size {self.size} needs {self._levels()} widths, got {len(self.widths)}"
                + (f" (with subpixel {self.subpixel})" if self.subpixel > 1 else "")
            )
        if self.blocks and len(self.blocks) != len(self.widths):
            raise ValueError(f"blocks needs one entry per level ({len(self.widths)}), got {len(self.blocks)}")
        if self.upsample not in ("nearest", "shuffle"):
            raise ValueError(f"upsample must be 'nearest' or 'shuffle', got {self.upsample!r}")
        if self.rank < 0:
            raise ValueError(f"rank must be >= 0, got {self.rank}")
        if self.spectrum < 0 or self.spectrum * 2 >= self.size:
            raise ValueError(f"spectrum must be 0..{self.size // 2 - 1}, got {self.spectrum}")

    @property
    def plain(self) -> bool:
        """The original architecture (no residual blocks, nearest upsampling, no separable maps)."""
        return (not self.blocks and self.upsample == "nearest" and not self.rank and self.subpixel == 1
                and not self.coord and not self.spectrum)

    @property
    def level_size(self) -> int:
        """The side of the last level's feature maps (``size // subpixel``)."""
        return self.size // self.subpixel

    def _levels(self) -> int:
        n, s = 0, 4 * self.subpixel
        while s < self.size:
            s, n = s * 2, n + 1
        return n

    def to_json(self) -> str:
        d = asdict(self)
        d["widths"] = list(self.widths)
        d["blocks"] = list(self.blocks)
        if self.plain:  # the original architecture: files stay as they were
            del d["blocks"], d["upsample"], d["rank"], d["subpixel"], d["coord"], d["spectrum"]
        else:
            if self.subpixel == 1:
                del d["subpixel"]
            if not self.coord:  # files written before CoordConv stay as they were
                del d["coord"]
            if not self.spectrum:  # files written before the spectral head stay as they were
                del d["spectrum"]
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "VAEConfig":
        d = json.loads(text)
        d["widths"] = tuple(d["widths"])
        d["blocks"] = tuple(d.get("blocks", ()))
        return cls(**d)


class ResBlock(nn.Module):
    """``x + conv(lrelu(conv(x)))``, then a leaky ReLU: a residual block at constant width."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.conv2(self.act(self.conv1(x))))


class AddCoords(nn.Module):
    """Appends two constant channels, x and y in [-1, 1] (pixel centres), to ``(B, C, size, size)``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        t = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2.0 - 1.0
        grid = torch.stack([t.view(1, size).expand(size, size), t.view(size, 1).expand(size, size)])
        self.register_buffer("grid", grid.unsqueeze(0), persistent=False)  # rebuilt from the config, not stored

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self.grid.to(dtype=x.dtype).expand(x.shape[0], -1, -1, -1)
        return torch.cat([x, g], 1)


def _upsample(c_in: int, c_out: int, mode: str, coord_size: int = 0) -> list[nn.Module]:
    """One doubling from ``coord_size`` (the input side; 0: no CoordConv channels)."""
    extra = 2 if coord_size else 0
    if mode == "shuffle":
        return ([AddCoords(coord_size)] if extra else []) + [
            nn.Conv2d(c_in + extra, c_out * 4, 3, padding=1), nn.PixelShuffle(2), nn.LeakyReLU(0.2, inplace=True)]
    return [nn.Upsample(scale_factor=2, mode="nearest"), *([AddCoords(2 * coord_size)] if extra else []),
            nn.Conv2d(c_in + extra, c_out, 3, padding=1), nn.LeakyReLU(0.2, inplace=True)]


class Profiles(nn.Module):
    """Latent -> ``rank`` outer products of a column and a row profile, ``(B, rank, H, W)``."""

    def __init__(self, latent_dim: int, rank: int, size: int, hidden: int = 256) -> None:
        super().__init__()
        self.rank, self.size = rank, size
        self.hidden = nn.Linear(latent_dim, hidden)
        self.act = nn.LeakyReLU(0.2, inplace=True)
        self.cols = nn.Linear(hidden, rank * size)  # along x (one value per column)
        self.rows = nn.Linear(hidden, rank * size)  # along y
        with torch.no_grad():  # start both factors near 1: each map is then ~ 1 + row(y) + col(x), and both
            self.cols.bias.fill_(1.0)  # profiles get gradients from the start (two small factors would
            self.rows.bias.fill_(1.0)  # multiply their gradients down to nothing)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.act(self.hidden(z))
        cols = self.cols(h).reshape(-1, self.rank, 1, self.size)
        rows = self.rows(h).reshape(-1, self.rank, self.size, 1)
        return rows * cols


def _dft_basis(radius: int, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """cos/sin of ``2 pi k t / size`` for ``t`` the pixels: rows for k in -R..R (y), columns for k in 0..R (x)."""
    t = torch.arange(size, dtype=torch.float64) / size * 2.0 * torch.pi
    ky = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kx = torch.arange(0, radius + 1, dtype=torch.float64)
    ay, ax = ky[:, None] * t[None], kx[:, None] * t[None]
    return ay.cos().float(), ay.sin().float(), ax.cos().float(), ax.sin().float()


class Spectrum(nn.Module):
    """Latent -> logits ``(B, C, H, W)`` synthesised from a band of Fourier coefficients.

    The coefficients ``a + ib`` at frequencies ``(ky, kx)``, ``|ky|, kx <= R``, come from the latent
    through one hidden layer; the picture is ``sum a cos(phase) - b sin(phase)`` with
    ``phase = 2 pi (ky y + kx x) / size``, computed separably (cos and sin of a sum).
    """

    def __init__(self, latent_dim: int, radius: int, channels: int, size: int, hidden: int = 256) -> None:
        super().__init__()
        self.radius, self.channels = radius, channels
        self.hidden = nn.Linear(latent_dim, hidden)
        self.act = nn.LeakyReLU(0.2, inplace=True)
        n = (2 * radius + 1) * (radius + 1)
        self.coef = nn.Linear(hidden, 2 * channels * n)
        with torch.no_grad():
            self.coef.weight.mul_(0.1)
            self.coef.bias.zero_()
        for name, b in zip(("cy", "sy", "cx", "sx"), _dft_basis(radius, size)):
            self.register_buffer(name, b, persistent=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        r = self.radius
        c = self.coef(self.act(self.hidden(z))).reshape(-1, 2, self.channels, 2 * r + 1, r + 1)
        a, b = c[:, 0], c[:, 1]
        cx, sx, cy, sy = self.cx.to(a.dtype), self.sx.to(a.dtype), self.cy.to(a.dtype), self.sy.to(a.dtype)
        u = torch.matmul(a, cx) - torch.matmul(b, sx)   # (B, C, 2R+1, W): cos part along y
        v = torch.matmul(a, sx) + torch.matmul(b, cx)   # sin part along y
        return torch.matmul(cy.t(), u) - torch.matmul(sy.t(), v)


def spectrum_features(x: torch.Tensor, radius: int) -> torch.Tensor:
    """The band ``|ky|, kx <= radius`` of the pictures' 2-D spectra, real and imaginary parts, flattened."""
    f = torch.fft.rfft2(x.float() - 0.5, norm="ortho")
    band = torch.cat([f[..., -radius:, : radius + 1], f[..., : radius + 1, : radius + 1]], -2)
    return torch.cat([band.real, band.imag], 1).flatten(1)


class Decoder(nn.Module):
    """Latent ``(B, D)`` -> logits ``(B, C, H, W)``: a 4x4 seed, one doubling per ``widths`` entry.

    ``fc`` makes the seed, ``body`` grows it (and, without separable maps, ends in the
    output convolution); with ``rank > 0`` the ``profiles`` maps join ``body``'s
    features in ``out``, the output convolution.
    """

    def __init__(self, cfg: VAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w = cfg.widths
        self.fc = nn.Linear(cfg.latent_dim, w[0] * 4 * 4)
        layers: list[nn.Module] = []
        c_in, side = w[0], 4
        for i, c_out in enumerate(w):
            layers += _upsample(c_in, c_out, cfg.upsample, side if cfg.coord else 0)
            layers += [ResBlock(c_out) for _ in range(cfg.blocks[i] if cfg.blocks else 0)]
            c_in, side = c_out, side * 2
        out_ch = cfg.channels * cfg.subpixel**2
        if cfg.coord:
            layers.append(AddCoords(cfg.level_size))
            c_in += 2
        if cfg.rank:
            self.profiles = Profiles(cfg.latent_dim, cfg.rank, cfg.level_size)
            self.out = nn.Conv2d(c_in + cfg.rank, out_ch, 3, padding=1)
        else:
            layers.append(nn.Conv2d(c_in, out_ch, 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.shuffle = nn.PixelShuffle(cfg.subpixel) if cfg.subpixel > 1 else None
        if cfg.spectrum:
            self.spectrum = Spectrum(cfg.latent_dim, cfg.spectrum, cfg.channels, cfg.size)

    def last_layer(self) -> nn.Conv2d:
        """The output convolution (where the adversarial weight is balanced)."""
        return self.out if self.cfg.rank else self.body[-1]

    def forward(self, z: torch.Tensor, memory_format: torch.memory_format | None = None) -> torch.Tensor:
        """Latent ``(B, D)`` -> logits ``(B, C, H, W)`` (apply sigmoid for pixels).

        Batch-agnostic (exports to ONNX with a dynamic batch); ``memory_format``
        (e.g. ``torch.channels_last``) lays the 4x4 seed out for the convolutions.
        """
        h = torch.nn.functional.leaky_relu(self.fc(z).reshape(-1, self.cfg.widths[0], 4, 4), 0.2)
        if memory_format is not None:
            h = h.contiguous(memory_format=memory_format)
        h = self.body(h)
        if self.cfg.rank:
            p = self.profiles(z)
            if memory_format is not None:
                p = p.contiguous(memory_format=memory_format)
            h = self.out(torch.cat([h, p], 1))
        h = h if self.shuffle is None else self.shuffle(h)
        if self.cfg.spectrum:
            h = h + self.spectrum(z)
        return h


class Encoder(nn.Module):
    def __init__(self, cfg: VAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w = tuple(reversed(cfg.widths))
        layers: list[nn.Module] = []
        c_in = cfg.channels * cfg.subpixel**2
        if cfg.subpixel > 1:  # the decoder's sub-pixel output, inverted: 2x2 pixels -> 4 channels
            layers.append(nn.PixelUnshuffle(cfg.subpixel))
        for c_out in w:
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
            c_in = c_out
        self.body = nn.Sequential(*layers)
        feat = c_in * 16
        if cfg.rank:  # the separable decoder's mirror: the image's row and column means, read linearly
            self.projections = nn.Sequential(nn.Linear(2 * cfg.size * cfg.channels, 256),
                                             nn.LeakyReLU(0.2, inplace=True))
            feat += 256
        if cfg.spectrum:  # the spectral head's mirror: the same band of the picture's spectrum, read linearly
            n = 2 * cfg.channels * (2 * cfg.spectrum + 1) * (cfg.spectrum + 1)
            self.band = nn.Sequential(nn.Linear(n, 256), nn.LeakyReLU(0.2, inplace=True))
            feat += 256
        self.mu = nn.Linear(feat, cfg.latent_dim)
        self.logvar = nn.Linear(feat, cfg.latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x).flatten(1)
        if hasattr(self, "projections"):
            h = torch.cat([h, self.projections(torch.cat([x.mean(2).flatten(1), x.mean(3).flatten(1)], 1))], 1)
        if hasattr(self, "band"):
            h = torch.cat([h, self.band(spectrum_features(x, self.cfg.spectrum))], 1)
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
