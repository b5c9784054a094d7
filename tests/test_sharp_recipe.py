"""The sharp-decoder recipe: separable maps, residual blocks, sub-pixel upsampling, the patch discriminator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from vjhost.decode.onnx_export import export_onnx
from vjhost.decode.vae import Decoder, VAEConfig
from vjhost.decode.weights import WeightsError, load_decoder_weights, save_decoder
from vjhost.train.adversarial import PatchDiscriminator, RunningGaussian, adaptive_weight, hinge_d_loss
from vjhost.train.distill import distill, student_config
from vjhost.train.vae import TrainConfig, fit_prior, fold_prior, train_vae

ROOT = Path(__file__).resolve().parents[1]
SHARP = VAEConfig(latent_dim=8, size=32, channels=1, widths=(16, 8, 8), blocks=(1, 1, 0), upsample="shuffle", rank=4)


def test_config_round_trips_and_old_files_keep_their_form():
    assert VAEConfig.from_json(SHARP.to_json()) == SHARP
    plain = VAEConfig(latent_dim=8, size=16, widths=(8, 4))
    assert "rank" not in plain.to_json() and VAEConfig.from_json(plain.to_json()) == plain
    with pytest.raises(ValueError, match="one entry per level"):
        VAEConfig(latent_dim=8, size=32, widths=(16, 8, 8), blocks=(1,))
    with pytest.raises(ValueError, match="upsample"):
        VAEConfig(latent_dim=8, size=16, widths=(8, 4), upsample="bicubic")


def test_separable_maps_draw_a_stripe_at_any_column():
    """A rank-1 profile pair can put a one-pixel line anywhere: set the weights by hand and look."""
    torch.manual_seed(0)
    dec = Decoder(SHARP).eval()
    with torch.no_grad():
        for p in dec.parameters():
            p.zero_()
        prof = dec.profiles
        prof.hidden.weight[0, 0] = 1.0  # hidden unit 0 = relu-ish(z0)
        prof.cols.bias.zero_()
        prof.cols.weight[13, 0] = 1.0  # column profile of map 0: one at x = 13 (scaled by z0)
        prof.rows.bias[:32] = 1.0  # row profile of map 0: one everywhere
        dec.out.weight[0, -4, 1, 1] = 20.0  # the output reads map 0 (the centre tap)
        dec.out.bias[0] = -10.0
        img = torch.sigmoid(dec(torch.tensor([[1.0] + [0.0] * 7])))[0, 0]
    assert img[:, 13].min() > 0.99 and img[:, 12].max() < 0.01 and img[:, 14].max() < 0.01


def test_sharp_decoder_saves_loads_exports_and_folds(tmp_path):
    torch.manual_seed(1)
    dec = Decoder(SHARP).eval()
    path = tmp_path / "d.safetensors"
    save_decoder(path, dec)
    w = load_decoder_weights(path)
    assert w.config == SHARP
    from vjhost.decode.weights import build_decoder

    z = torch.randn(3, 8)
    with torch.no_grad():
        assert torch.allclose(build_decoder(w, path)(z), dec(z))
        # the prior fold covers the separable branch too (it reads the latent directly)
        mean, chol = torch.randn(8), torch.eye(8) * 0.5 + 0.1 * torch.tril(torch.ones(8, 8))
        assert torch.allclose(fold_prior(dec, mean, chol)(z), dec(mean + z @ chol.T), atol=1e-5)
    rep = export_onnx(path, tmp_path / "d.onnx")
    assert rep["max_abs_err_image"] <= 1
    # a file whose tensors don't fit its config is refused by name
    w.state.pop("profiles.cols.weight")
    with pytest.raises(WeightsError, match="do not match"):
        build_decoder(w, path)


def test_patch_discriminator_and_losses():
    d = PatchDiscriminator(3, width=8, layers=3)
    out = d(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, 1, 8, 8)  # one logit per patch
    # hinge: zero once real logits >= 1 and fake <= -1
    assert hinge_d_loss(torch.full((4,), 2.0), torch.full((4,), -2.0)).item() == 0.0
    assert hinge_d_loss(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(1.0)


def test_adaptive_weight_balances_gradients_at_the_last_layer():
    w = torch.nn.Parameter(torch.ones(3))
    rec = (w * 2.0).sum()  # gradient 2 per entry
    adv = (w * 0.5).sum()  # gradient 0.5 per entry
    assert adaptive_weight(rec, adv, w, 1.0) == pytest.approx(4.0, rel=1e-3)
    assert adaptive_weight(rec, adv, w, 0.25) == pytest.approx(1.0, rel=1e-3)


def test_running_gaussian_follows_the_encoder_means():
    fit = RunningGaussian(2, momentum=0.9)
    g = torch.Generator().manual_seed(0)
    for _ in range(200):
        mu = torch.randn(64, 2, generator=g) * torch.tensor([3.0, 0.5]) + torch.tensor([1.0, -2.0])
        fit.update(mu, torch.full((64, 2), -20.0))
    s = fit.sample(4000, torch.Generator().manual_seed(1))
    assert s.mean(0).tolist() == pytest.approx([1.0, -2.0], abs=0.25)
    assert s.std(0).tolist() == pytest.approx([3.0, 0.5], rel=0.15)


def test_adversarial_training_runs_for_real_and_is_recorded(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "persona_packs" / "ikeda"))
    from vjhost_ikeda.dataset import generate

    cfg = TrainConfig(steps=8, batch=4, eval_samples=8, beta=0.1, adv_weight=0.5, adv_start=0.5, adv_prior=0.5,
                      disc_width=4, adapt_every=2)
    res = train_vae(generate, SHARP, cfg)
    adv_rows = [r for r in res.history if "d_loss" in r]
    assert len(adv_rows) == 4 and all("adv_lambda" in r and np.isfinite(r["g_adv"]) for r in adv_rows)
    assert "d_loss" not in res.history[0]  # pixel losses alone before adv_start
    rec = res.record["adversarial"]
    assert rec["start_step"] == 4 and rec["prior_decodes_per_step"] == 2 and rec["final_lambda"] is not None
    assert res.record["architecture"] == {"blocks": [1, 1, 0], "upsample": "shuffle", "rank": 4}
    mean, chol = fit_prior(res.vae, generate, n=16, batch=8)
    assert torch.isfinite(chol).all()


def test_spectral_discriminator_diffaugment_and_the_weight_cap():
    """The regularised adversary: no batch-norm and unit spectral norm per convolution; DiffAugment moves,
    recolours and cuts real and fake alike, differentiably; the adaptive weight stops at its cap."""
    from vjhost.train.adversarial import diff_augment

    d = PatchDiscriminator(3, width=8, layers=3, norm="spectral")
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    d(torch.rand(4, 3, 32, 32))  # a power iteration
    for conv in (m for m in d.modules() if isinstance(m, torch.nn.Conv2d)):
        sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=0.15)
    with pytest.raises(ValueError, match="norm"):
        PatchDiscriminator(3, norm="instance")
    x = torch.rand(6, 3, 32, 32, requires_grad=True)
    a = diff_augment(x, torch.Generator().manual_seed(0))
    assert a.shape == x.shape and not torch.allclose(a, x)
    assert torch.equal(a, diff_augment(x, torch.Generator().manual_seed(0)))  # seeded
    assert ((a == 0).flatten(1).float().mean(1) >= 0.05).all()  # the cutout (up to a quarter, less at an edge)
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # the decoder learns through it
    w = torch.nn.Parameter(torch.ones(3))
    assert adaptive_weight((w * 2.0).sum(), (w * 1e-3).sum(), w, 1.0, cap=10.0) == pytest.approx(10.0)


def test_regularised_adversarial_training_runs_and_records_its_settings(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "persona_packs" / "ikeda"))
    from vjhost_ikeda.dataset import generate

    cfg = TrainConfig(steps=8, batch=4, eval_samples=8, beta=0.1, adv_weight=0.5, adv_start=0.5, adv_prior=0.5,
                      disc_width=4, adapt_every=2, disc_norm="spectral", disc_augment=True, adv_cap=5.0)
    res = train_vae(generate, SHARP, cfg)
    adv_rows = [r for r in res.history if "d_loss" in r]
    assert len(adv_rows) == 4 and all(0.0 <= r["adv_lambda"] <= 0.5 * 5.0 for r in adv_rows)
    disc = res.record["adversarial"]["discriminator"]
    assert (disc["norm"], disc["augment"], disc["cap"]) == ("spectral", True, 5.0)


def test_student_keeps_the_teachers_architecture_and_distils():
    torch.manual_seed(2)
    teacher = Decoder(SHARP).eval()
    scfg = student_config(SHARP, (8, 4, 4))
    assert (scfg.blocks, scfg.upsample, scfg.rank) == (SHARP.blocks, "shuffle", 4)
    assert student_config(SHARP, (8, 4, 4), rank=0, blocks=(0, 0, 0)).plain is False  # shuffle stays
    student, record = distill(teacher, scfg, steps=6, batch=4, eval_samples=16)
    assert record["init"] == "random"  # channel pruning needs the plain architecture
    assert student.cfg == scfg and record["fidelity"]["psnr_db"] > 0


SUB_COORD = VAEConfig(latent_dim=8, size=64, channels=3, widths=(16, 8, 8), upsample="shuffle", subpixel=2, coord=True)


def test_subpixel_and_coordconv_round_trip_save_load_and_export(tmp_path):
    """256² at 128²'s cost (sub-pixel output) and CoordConv channels: the file describes itself, loads
    without the (rebuilt, unstored) coordinate grids, exports to ONNX with the same pixels, and the
    encoder reads what the decoder draws."""
    from vjhost.decode.vae import VAE
    from vjhost.decode.weights import build_decoder

    assert VAEConfig.from_json(SUB_COORD.to_json()) == SUB_COORD
    assert "coord" not in SHARP.to_json()  # files made before CoordConv keep their form
    with pytest.raises(ValueError, match="subpixel"):
        VAEConfig(latent_dim=8, size=64, widths=(16, 8, 8), subpixel=3)
    torch.manual_seed(3)
    dec = Decoder(SUB_COORD).eval()
    assert not any("grid" in k for k in dec.state_dict())  # constants, not weights
    z = torch.randn(2, 8)
    with torch.no_grad():
        img = dec(z)
    assert img.shape == (2, 3, 64, 64)
    path = tmp_path / "d.safetensors"
    save_decoder(path, dec)
    assert path.stat().st_mode & 0o777 == 0o644  # readable by whoever runs the show (safetensors makes 0600)
    w = load_decoder_weights(path)
    assert w.config == SUB_COORD
    with torch.no_grad():
        assert torch.allclose(build_decoder(w, path)(z), img)
    assert export_onnx(path, tmp_path / "d.onnx")["max_abs_err_image"] <= 1
    vae = VAE(SUB_COORD)
    mu, logvar = vae.encoder(torch.rand(2, 3, 64, 64))
    assert mu.shape == logvar.shape == (2, 8)


def test_coordconv_lets_the_decoder_place_a_line_by_position():
    """With every weight zero but one tap on the x channel of the output convolution, the picture is
    a horizontal ramp: the position reaches the output directly (a plain conv stack cannot do this)."""
    cfg = VAEConfig(latent_dim=8, size=32, channels=1, widths=(8, 8, 8), coord=True)
    dec = Decoder(cfg).eval()
    with torch.no_grad():
        for p in dec.parameters():
            p.zero_()
        out = dec.body[-1]
        out.weight[0, -2, 1, 1] = 40.0  # reads x (centre tap)
        img = torch.sigmoid(dec(torch.zeros(1, 8)))[0, 0]
    assert img[:, :14].max() < 0.05 and img[:, 18:].min() > 0.95  # dark left, bright right, sharp at the middle
    assert torch.allclose(img[0], img[-1])  # the same on every row
    assert student_config(cfg, (4, 4, 4)).coord  # the student keeps it


SPEC = VAEConfig(latent_dim=8, size=32, channels=3, widths=(8, 8, 8), spectrum=5)


def test_the_spectral_head_draws_a_hard_edged_lattice_at_any_phase(tmp_path):
    """One coefficient pair at (ky, kx) = (0, 3), set by hand, pushed through the sigmoid: three hard-edged
    stripes per picture, and rotating the coefficient's phase slides them by a fraction of a pixel-exact pitch."""
    dec = Decoder(SPEC).eval()
    with torch.no_grad():
        for p in dec.parameters():
            p.zero_()
        head = dec.spectrum
        head.hidden.bias[0] = 1.0  # a constant hidden unit
        r, n = SPEC.spectrum, (2 * SPEC.spectrum + 1) * (SPEC.spectrum + 1)
        col = (0 + r) * (r + 1) + 3  # row ky = 0, column kx = 3
        for c in range(3):
            head.coef.weight[c * n + col, 0] = 30.0  # a (real part), every channel
        img = torch.sigmoid(dec(torch.zeros(1, 8)))[0, 0]
        row = img[0]
        assert torch.allclose(img[0], img[-1])  # the same on every row: vertical stripes
        assert ((row > 0.95) | (row < 0.05)).float().mean() > 0.7  # hard edges: few grey pixels
        assert int(((row[1:] > 0.5) != (row[:-1] > 0.5)).sum()) in (5, 6)  # three periods across 32 px
        head.coef.weight.zero_()
        for c in range(3):  # the same wave a quarter-turn on (b, the imaginary part): the stripes move
            head.coef.weight[3 * n + c * n + col, 0] = 30.0
        moved = torch.sigmoid(dec(torch.zeros(1, 8)))[0, 0, 0]
    shift = int(torch.argmax(torch.stack([torch.roll(moved, k).mul(row).sum() for k in range(11)])))
    assert shift in (2, 3)  # a quarter of the 32/3-pixel pitch


def test_the_spectral_head_saves_folds_the_prior_exports_and_goes_to_the_student(tmp_path):
    from vjhost.decode.vae import VAE, spectrum_features
    from vjhost.decode.weights import build_decoder
    from vjhost.train.distill import copy_heads

    assert VAEConfig.from_json(SPEC.to_json()) == SPEC
    assert "spectrum" not in SHARP.to_json()  # files made before the head keep their form
    with pytest.raises(ValueError, match="spectrum"):
        VAEConfig(latent_dim=8, size=32, widths=(8, 8, 8), spectrum=16)
    torch.manual_seed(4)
    vae = VAE(SPEC).eval()
    with torch.no_grad():
        vae.decoder.spectrum.coef.weight.normal_(0, 0.3)
    x = torch.rand(2, 3, 32, 32)
    assert spectrum_features(x, 5).shape == (2, 3 * 2 * 11 * 6)
    mu, _ = vae.encoder(x)
    assert mu.shape == (2, 8)
    z = torch.randn(4, 8)
    mean, chol = torch.randn(8), torch.eye(8) + 0.1 * torch.tril(torch.randn(8, 8))
    with torch.no_grad():  # the prior fold reaches the head's own input layer too
        assert torch.allclose(fold_prior(vae.decoder, mean, chol)(z), vae.decoder(mean + z @ chol.T), atol=1e-4)
        img = vae.decoder(z)
    path = tmp_path / "d.safetensors"
    save_decoder(path, vae.decoder)
    with torch.no_grad():
        assert torch.allclose(build_decoder(load_decoder_weights(path), path)(z), img)
    assert export_onnx(path, tmp_path / "d.onnx")["max_abs_err_image"] <= 1
    scfg = student_config(SPEC, (4, 4, 4))
    assert scfg.spectrum == 5
    student = Decoder(scfg)
    assert copy_heads(student, vae.decoder) == ["spectrum"]
    assert torch.equal(student.spectrum.coef.weight, vae.decoder.spectrum.coef.weight)

    def generate(n, size, seed):  # stripes at random phases: what the head is for
        rng = np.random.default_rng(seed)
        x = np.arange(size)[None, None, None, :] + rng.integers(0, size, (n, 1, 1, 1))
        img = np.broadcast_to(((x // 4) % 2 * 255).astype(np.uint8), (n, 3, size, size)).copy()
        return img, np.zeros(n, int)

    res = train_vae(generate, SPEC, TrainConfig(steps=3, batch=4, eval_samples=4))
    assert res.record["architecture"]["spectrum"] == 5 and res.vae.cfg.spectrum == 5
