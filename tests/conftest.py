"""Shared fixtures.  All GL in the test run is headless EGL (Mesa llvmpipe here, the driver on a GPU box)."""

from __future__ import annotations

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("VJHOST_TORCH_THREADS", "1")
os.environ["VJHOST_NO_LINK"] = "1"  # tests never join a Link session on the network (no multicast)

import numpy as np
import pytest


@pytest.fixture(scope="session")
def gl():
    """A current headless OpenGL 3.3 core context for the whole session."""
    from vjhost.render.context import HeadlessContext

    ctx = HeadlessContext()
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def host():
    from vjhost.plugins import load_host

    h = load_host()
    assert not h.errors(), h.errors()
    return h


@pytest.fixture(scope="session")
def demo_track():
    from vjhost.audio.demo import synthesize_demo

    return synthesize_demo(duration=16.0, bpm=128.0, seed=0)


@pytest.fixture
def tiny_weights(tmp_path):
    """A small random-initialised decoder saved in the pack weights format (64-d, 16x16x1)."""
    import torch

    from vjhost.decode.vae import Decoder, VAEConfig
    from vjhost.decode.weights import save_decoder

    torch.manual_seed(0)
    dec = Decoder(VAEConfig(latent_dim=64, size=16, channels=1, widths=(16, 8)))
    path = tmp_path / "tiny.safetensors"
    save_decoder(path, dec, anchors=torch.randn(3, 64), anchor_names=("a", "b", "c"))
    return path


def features(**kw):
    from vjhost.protocols import Features

    f = Features()
    for k, v in kw.items():
        setattr(f, k, v)
    return f


@pytest.fixture
def make_features():
    return features


def luminance(rgba: np.ndarray) -> np.ndarray:
    return rgba[..., :3].astype(np.float32).mean(axis=-1)
