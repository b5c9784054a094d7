"""How sharp a decoder's pictures are, measured against the pack's own data.

Three figures compare ``N`` decodes of random prior latents with ``N`` images
from the pack's generator (held-out seeds), at the decoder's output size and
before any shader (``vjhost pack eval`` reports them under ``sharpness``):

* ``gradient_ratio``: mean gradient magnitude of the decodes over that of the
  data (forward differences per channel, pixels in 0..1).  A blurry decoder
  draws soft ramps where the data has steps: well below 1.
* ``highband_ratio``: spectral power above a quarter of Nyquist
  (radial frequency > 0.125 cycles/pixel) of the decodes over that of the
  data.  Blur removes exactly this band.
* ``c2st_accuracy``: a classifier two-sample test.  A small CNN is trained to
  tell decodes from data on half of each set and scored on the other half;
  0.5 means it cannot tell them apart, 1.0 that every decode gives itself away.

Both sets are quantised to uint8 as the show uploads them.  Deterministic for
a seed.  The live show never imports this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

#: radial frequency (cycles/pixel) above which power counts as "high band": a quarter of Nyquist (0.5)
HIGH_BAND = 0.125


def _float(images: np.ndarray) -> np.ndarray:
    """uint8 or float images (N, C, H, W) -> float32 0..1."""
    x = np.asarray(images)
    return x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)


def gradient_magnitude(images: np.ndarray) -> float:
    """Mean ``sqrt(dx² + dy²)`` over pixels, channels and images (forward differences, 0..1 pixels)."""
    x = _float(images)
    dx = x[..., :-1, 1:] - x[..., :-1, :-1]
    dy = x[..., 1:, :-1] - x[..., :-1, :-1]
    return float(np.sqrt(dx * dx + dy * dy).mean())


def _band_mask(h: int, w: int) -> np.ndarray:
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    return np.sqrt(fx * fx + fy * fy) > HIGH_BAND


def highband_power(images: np.ndarray, chunk: int = 64) -> float:
    """Mean power per pixel above :data:`HIGH_BAND` (orthonormal 2-D FFT, every channel)."""
    x = _float(images)
    mask = _band_mask(x.shape[-2], x.shape[-1])
    # the one-sided (rfft) spectrum counts every interior column twice in the full spectrum
    weight = np.full(mask.shape[-1], 2.0)
    weight[0] = 1.0
    if x.shape[-1] % 2 == 0:
        weight[-1] = 1.0
    total = 0.0
    for i in range(0, len(x), chunk):
        f = np.fft.rfft2(x[i : i + chunk], norm="ortho")
        p = (f.real**2 + f.imag**2) * weight
        total += float(p[..., mask].sum())
    return total / float(np.prod(x.shape))


def _c2st_net(channels: int):
    from torch import nn

    def block(i: int, o: int) -> list:
        return [nn.Conv2d(i, o, 3, stride=2, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]

    return nn.Sequential(*block(channels, 16), *block(16, 32), *block(32, 48), *block(48, 64),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 1))


def c2st(decodes: np.ndarray, data: np.ndarray, steps: int = 300, batch: int = 64, seed: int = 0,
         max_side: int = 256) -> dict[str, Any]:
    """Classifier two-sample test: held-out accuracy of a small CNN telling ``decodes`` from ``data``.

    Each set (uint8 or 0..1 float ``(N, C, H, W)``) is split in half; the CNN trains on the first
    halves (``steps`` Adam steps, balanced batches) and is scored on the second.  Images larger than
    ``max_side`` are area-downsampled to it first (a 2x2 average keeps the edges' steepness as a
    one-pixel ramp, which the classifier still sees).  Returns ``accuracy`` (0.5 = indistinguishable),
    ``decodes_called_data`` (share of held-out decodes the classifier takes for data) and the sizes.
    """
    import torch
    import torch.nn.functional as F

    def prep(a: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(_float(a))
        if t.shape[-1] > max_side:
            t = F.interpolate(t, size=(max_side, max_side), mode="area")
        return t.contiguous()

    fake, real = prep(decodes), prep(data)
    n = min(len(fake), len(real))
    if n < 8:
        raise ValueError(f"c2st needs at least 8 images per set, got {n}")
    half = n // 2
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = _c2st_net(fake.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    per = max(1, batch // 2)
    net.train()
    for _ in range(steps):
        i = torch.randint(0, half, (per,), generator=g)
        j = torch.randint(0, half, (per,), generator=g)
        x = torch.cat([real[i], fake[j]])
        y = torch.cat([torch.ones(per), torch.zeros(per)])
        loss = F.binary_cross_entropy_with_logits(net(x).squeeze(1), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        pr = torch.cat([net(real[k : k + 128]) for k in range(half, n, 128)]).squeeze(1) > 0
        pf = torch.cat([net(fake[k : k + 128]) for k in range(half, n, 128)]).squeeze(1) > 0
    correct = int(pr.sum()) + int((~pf).sum())
    return {"accuracy": round(correct / (len(pr) + len(pf)), 4),
            "decodes_called_data": round(float(pf.float().mean()), 4),
            "train_per_set": half, "test_per_set": n - half, "steps": steps}


def prior_decodes(decoder: Any, n: int, seed: int = 0, batch: int = 64) -> np.ndarray:
    """``n`` decodes of ``z ~ N(0, I)`` as uint8 ``(n, C, H, W)`` (``decoder.decode``: ``(B, D) -> (B, H, W, C)``)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, decoder.latent_dim)).astype(np.float32)
    out = [np.asarray(decoder.decode(z[i : i + batch])) for i in range(0, n, batch)]
    return np.ascontiguousarray(np.moveaxis(np.concatenate(out), -1, 1))


def sharpness_report(decodes: np.ndarray, data: np.ndarray, *, c2st_steps: int = 300, seed: int = 0) -> dict[str, Any]:
    """The three figures for two image sets of the same shape (see the module doc)."""
    if decodes.shape[1:] != data.shape[1:]:
        raise ValueError(f"decodes {decodes.shape[1:]} and data {data.shape[1:]} differ in shape")
    t0 = time.perf_counter()
    g_dec, g_dat = gradient_magnitude(decodes), gradient_magnitude(data)
    h_dec, h_dat = highband_power(decodes), highband_power(data)
    test = c2st(decodes, data, steps=c2st_steps, seed=seed)
    return {
        "images": int(min(len(decodes), len(data))),
        "size": list(data.shape[-2:]),
        "gradient_ratio": round(g_dec / max(g_dat, 1e-12), 4),
        "highband_ratio": round(h_dec / max(h_dat, 1e-12), 4),
        "c2st_accuracy": test["accuracy"],
        "gradient": {"decodes": round(g_dec, 5), "data": round(g_dat, 5)},
        "highband_power": {"decodes": round(h_dec, 6), "data": round(h_dat, 6), "above_cycles_per_px": HIGH_BAND},
        "c2st": test,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def decoder_sharpness(decoder: Any, generate: Callable, n: int = 256, seed: int = 31_337,
                      c2st_steps: int = 300) -> dict[str, Any]:
    """:func:`sharpness_report` of ``n`` prior decodes against ``n`` images of ``generate`` (held-out seed)."""
    size = decoder.size[0] if isinstance(decoder.size, (tuple, list)) else int(decoder.size)
    data, _ = generate(n, size, seed)
    return sharpness_report(prior_decodes(decoder, n, seed=seed), data, c2st_steps=c2st_steps, seed=seed)


#: the goals of the sharp-decoder issue (#11), checked in ``vjhost pack eval``
GOALS = {"gradient_ratio": (">=", 0.8), "highband_ratio": (">=", 0.7), "c2st_accuracy": ("<=", 0.75)}


def goals_met(report: dict[str, Any]) -> dict[str, bool]:
    out = {}
    for key, (op, bound) in GOALS.items():
        v = report.get(key)
        if isinstance(v, (int, float)):
            out[f"{key}_{'ge' if op == '>=' else 'le'}_{bound}"] = v >= bound if op == ">=" else v <= bound
    return out
