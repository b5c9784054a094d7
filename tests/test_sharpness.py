"""Sharpness figures (`vjhost pack eval` -> sharpness) and the musical-sync measure."""

from __future__ import annotations

import numpy as np
import pytest

from vjhost.train import sharpness as S
from vjhost.train.sync import FrameChange, onset_envelope, sync_report


def _stripes(n: int, size: int, seed: int) -> np.ndarray:
    """Hard-edged random stripes, uint8 (n, 1, size, size)."""
    rng = np.random.default_rng(seed)
    x = np.arange(size)
    out = np.empty((n, 1, size, size), np.uint8)
    for i in range(n):
        period = rng.integers(4, 16)
        row = ((x + rng.integers(period)) // (period // 2)) % 2
        img = np.broadcast_to(row, (size, size))
        out[i, 0] = (img.T if rng.random() < 0.5 else img) * 255
    return out


def _blur(images: np.ndarray, k: int = 4) -> np.ndarray:
    """Box-blur by down- then up-sampling: what a soft decoder draws."""
    x = images.astype(np.float32)
    n, c, h, w = x.shape
    small = x.reshape(n, c, h // k, k, w // k, k).mean(axis=(3, 5))
    up = np.repeat(np.repeat(small, k, axis=2), k, axis=3)
    # smooth the blocks' steps into ramps
    up = (up + np.roll(up, 1, 2) + np.roll(up, -1, 2) + np.roll(up, 1, 3) + np.roll(up, -1, 3)) / 5
    return np.clip(up + 0.5, 0, 255).astype(np.uint8)


def test_crisp_data_against_itself_scores_one_and_blur_scores_low():
    data = _stripes(64, 32, 0)
    assert S.gradient_magnitude(data) == pytest.approx(S.gradient_magnitude(data.copy()))
    soft = _blur(data)
    assert S.gradient_magnitude(soft) < 0.7 * S.gradient_magnitude(data)
    assert S.highband_power(soft) < 0.5 * S.highband_power(data)


def test_high_band_is_above_a_quarter_of_nyquist():
    size = 64
    x = np.arange(size)
    low = (0.5 + 0.5 * np.sin(2 * np.pi * x * 4 / size))[None, None, None, :].repeat(size, 2)   # 0.0625 cyc/px
    high = (0.5 + 0.5 * np.sin(2 * np.pi * x * 16 / size))[None, None, None, :].repeat(size, 2)  # 0.25 cyc/px
    assert S.highband_power(low) < 1e-6
    assert S.highband_power(high) == pytest.approx(0.125, rel=0.02)  # a sine of amplitude 0.5 has power 0.125


def test_two_sample_test_tells_blur_from_data_but_not_data_from_data():
    data = _stripes(256, 32, 1)
    same = _stripes(256, 32, 2)  # more of the same distribution
    soft = _blur(_stripes(256, 32, 3))
    fooled = S.c2st(same, data, steps=120, seed=0)
    caught = S.c2st(soft, data, steps=120, seed=0)
    assert fooled["accuracy"] < 0.7
    assert caught["accuracy"] > 0.9
    assert caught["decodes_called_data"] < 0.2


def test_sharpness_report_and_goals():
    data = _stripes(64, 32, 4)
    rep = S.sharpness_report(data.copy(), data, c2st_steps=20)
    assert rep["gradient_ratio"] == 1.0 and rep["highband_ratio"] == 1.0
    soft = S.sharpness_report(_blur(data), data, c2st_steps=20)
    met = S.goals_met(soft)
    assert met["gradient_ratio_ge_0.8"] is False and met["highband_ratio_ge_0.7"] is False
    with pytest.raises(ValueError, match="differ in shape"):
        S.sharpness_report(data[:, :, :16, :16], data)


class _Decoder:
    """Decodes z to stripes whose period and phase come from z: a stand-in with the Decoder protocol."""
    latent_dim = 4
    size = (32, 32)

    def decode(self, z):
        z = np.asarray(z)
        x = np.arange(32)
        out = np.empty((len(z), 32, 32, 1), np.uint8)
        for i, v in enumerate(z):
            period = 4 + int(abs(v[0]) * 4) % 12
            row = ((x + int(abs(v[1]) * 10)) // max(2, period // 2)) % 2
            out[i, :, :, 0] = np.broadcast_to(row, (32, 32)) * 255
        return out


def test_decoder_sharpness_uses_prior_decodes_at_output_size():
    rep = S.decoder_sharpness(_Decoder(), lambda n, size, seed: (_stripes(n, size, seed), np.zeros(n)), n=32,
                              c2st_steps=10)
    assert rep["size"] == [32, 32] and rep["images"] == 32
    assert 0.5 < rep["gradient_ratio"] < 2.0


def test_onset_envelope_peaks_on_clicks():
    sr, fps = 48000, 30
    audio = np.random.default_rng(0).normal(0, 1e-3, sr * 4).astype(np.float32)  # a -60 dB floor
    clicks = [0.5, 1.5, 2.5, 3.5]
    for t in clicks:
        i = int(t * sr)
        tone = np.sin(np.arange(2000) * 0.3).astype(np.float32)
        audio[i : i + 2000] += np.hanning(4000)[2000:].astype(np.float32) * tone
    env = onset_envelope(audio, sr, fps)
    assert len(env) == 4 * fps
    peaks = sorted(np.argsort(env)[-4:])
    assert [round(p / fps, 1) for p in peaks] == pytest.approx(clicks, abs=0.1)


def test_sync_report_rises_when_the_picture_moves_on_onsets():
    rng = np.random.default_rng(1)
    env = np.zeros(300)
    env[::15] = 1.0
    env += rng.random(300) * 0.05
    moving = np.roll(env, 1) * 0.2 + 0.01 + rng.random(300) * 0.01  # answers one frame later
    still = rng.random(300) * 0.02
    good, bad = sync_report(moving, env), sync_report(still, env)
    assert good["best_r"] > 0.9 and good["best_lag_frames"] == 1
    assert abs(bad["best_r"]) < 0.3
    with pytest.raises(ValueError):
        sync_report(env[:4], env[:4])


def test_frame_change_of_rendered_frames():
    fc = FrameChange(thumb=(8, 4))
    black = np.zeros((36, 64, 4), np.uint8)
    white = np.full((36, 64, 4), 255, np.uint8)
    for i, f in enumerate((black, black, white, white)):
        fc(i, f)
    assert fc.values == [0.0, 0.0, 1.0, 0.0]
