"""Musical sync of a render: does the picture move when the music hits?

``sync_report(frames_mad, onset_env)`` correlates, frame by frame, the
**onset envelope** of the audio (half-wave rectified log-spectral flux on a
mel-like band split, computed here from the samples -- independent of the
show's own analyzers, so the measure does not grade the show with its own
ears) with the **mean absolute frame difference** of the rendered output
(how much of the picture changed since the previous frame).  Pearson's r
over the whole render; ``best`` also tries lags of 0..``max_lag`` frames
(the picture may answer a frame or two after the sound: analysis hop,
decode latency), and reports which lag won.

``measure_sync(host, pack, audio, sr)`` renders the track offline (small and
fast: 320x180 at 30 fps by default; the frame differences are taken on a
64x36 grey thumbnail of each frame) and returns the report.
``vjhost pack eval NAME --sync [AUDIO]`` prints it (the demo track when no
file is given).  The live show never imports this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def onset_envelope(mono: np.ndarray, sr: int, fps: float, n_fft: int = 2048, bands: int = 40) -> np.ndarray:
    """Onset strength per video frame: rectified flux of log band energies (one value per ``1/fps`` s).

    Frame ``i`` covers ``[i/fps, (i+1)/fps)``; its value is the largest flux of the STFT hops inside it.
    """
    x = np.asarray(mono, np.float32).reshape(-1)
    hop = 512
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    win = np.hanning(n_fft).astype(np.float32)
    n_hops = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_hops)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * win, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    # log-spaced bands from 30 Hz to 16 kHz (a mel-like split: the kick and the hats both count)
    edges = np.geomspace(30.0, min(16000.0, sr / 2), bands + 1)
    which = np.digitize(freqs, edges) - 1
    energy = np.zeros((n_hops, bands), np.float32)
    for b in range(bands):
        sel = which == b
        if sel.any():
            energy[:, b] = spec[:, sel].sum(axis=1)
    loge = np.log1p(1000.0 * energy / (energy.max() + 1e-12))
    flux = np.maximum(np.diff(loge, axis=0, prepend=loge[:1]), 0.0).sum(axis=1)
    t_hop = (np.arange(n_hops) * hop + n_fft / 2) / sr  # hop centres
    n_frames = int(np.ceil(len(mono) / sr * fps))
    out = np.zeros(n_frames, np.float32)
    frame = np.minimum((t_hop * fps).astype(int), n_frames - 1)
    np.maximum.at(out, frame, flux)
    return out


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, np.float64) - np.mean(a)
    b = np.asarray(b, np.float64) - np.mean(b)
    d = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / d) if d > 0 else 0.0


def sync_report(frames_mad: np.ndarray, onset_env: np.ndarray, max_lag: int = 3) -> dict[str, Any]:
    """Pearson r of frame change against onset strength, at lag 0 and the best lag in 0..``max_lag``."""
    n = min(len(frames_mad), len(onset_env))
    if n < 8:
        raise ValueError(f"need at least 8 frames, got {n}")
    mad, env = np.asarray(frames_mad[:n], np.float64), np.asarray(onset_env[:n], np.float64)
    by_lag = {}
    for lag in range(0, max_lag + 1):  # the picture answers `lag` frames after the sound
        by_lag[lag] = round(pearson(env[: n - lag], mad[lag:]), 4)
    best = max(by_lag, key=lambda k: by_lag[k])
    return {"frames": n, "r": by_lag[0], "best_r": by_lag[best], "best_lag_frames": best, "by_lag": by_lag,
            "mean_frame_change": round(float(mad.mean()), 5)}


class FrameChange:
    """``on_frame`` callback for the offline renderer: the mean |difference| of consecutive frames."""

    def __init__(self, thumb: tuple[int, int] = (64, 36)) -> None:
        self.thumb = thumb
        self.values: list[float] = []
        self._prev: np.ndarray | None = None

    def __call__(self, i: int, rgba: np.ndarray) -> None:
        h, w = rgba.shape[:2]
        tw, th = self.thumb
        grey = rgba[..., :3].astype(np.float32).mean(axis=2) / 255.0
        grey = grey[: h - h % th, : w - w % tw].reshape(th, h // th, tw, w // tw).mean(axis=(1, 3))
        self.values.append(0.0 if self._prev is None else float(np.abs(grey - self._prev).mean()))
        self._prev = grey


def measure_sync(host: Any, pack: str, audio: np.ndarray, sample_rate: int, *, start: float = 0.0,
                 duration: float | None = 30.0, size: tuple[int, int] = (320, 180), fps: int = 30, seed: int = 0,
                 decoder: str | None = None, backend: str | None = None, device: str = "auto") -> dict[str, Any]:
    """Render ``audio`` through ``pack`` offline and correlate its frame change with the music's onsets."""
    from ..output.offline import render_offline

    change = FrameChange()
    res = render_offline(host, pack, audio, sample_rate, None, size=size, fps=fps, start=start, duration=duration,
                         seed=seed, device=device, decoder=decoder, backend=backend, on_frame=change)
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    clip = mono[int(start * sample_rate) : int((start + res.duration) * sample_rate)]
    env = onset_envelope(clip, sample_rate, fps)
    rep = sync_report(np.asarray(change.values[1:]), env[1:])  # frame 0 has no predecessor
    rep.update({"pack": pack, "size": list(size), "fps": fps, "start": start, "seconds": round(res.duration, 2),
                "render_seconds": round(res.seconds, 1)})
    return rep
