"""A tiny real run of the crate embedding's training: it learns, exports safetensors the numpy net reads the same."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")


def test_tiny_training_run_exports_what_numpy_reads(tmp_path):
    import torch

    from vjhost.crate.embed import load_embedder, log_mel, patches
    from vjhost.crate.synth import TrackSpec, synthesize_track
    from vjhost.crate.train_embedding import TrainConfig, export, train

    logs: list[str] = []
    cfg = TrainConfig(n_tracks=7, n_holdout=7, duration=5.0, steps=6, batch=6, seed=3)
    net, record = train(cfg, log=logs.append)
    assert len(record["genres"]) == 7 and np.isfinite(record["final_loss"])
    assert set(record["heldout"]) == {"genre_accuracy", "identify_top1"}
    assert any("step 6/6" in m for m in logs)
    path = export(net, record, tmp_path / "tiny.safetensors")
    emb = load_embedder(path)
    assert emb.genres == tuple(record["genres"]) and path.stat().st_size < 1_000_000
    # batch norm folded into the convs: numpy forward == torch forward (eval mode)
    tr = synthesize_track(TrackSpec("house", 9, "minor", 124.0, seed=1, duration=6.0), sr=22050)
    x = patches(log_mel(tr.audio.mean(axis=1)))
    net.eval()
    with torch.no_grad():
        e_torch, g_torch = net(torch.from_numpy(x))
    e_np, g_np = emb.forward(x)
    assert np.abs(e_np - e_torch.numpy()).max() < 1e-4
    assert np.abs(g_np - g_torch.numpy()).max() < 1e-3
