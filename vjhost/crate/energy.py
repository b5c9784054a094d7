"""A track's energy: one 0..1 score (and 1-10 like a DJ's library shows), its curve and its sections.

The curve and the sections come from the show's own analyzers (the
``energy`` and ``section`` features of :mod:`vjhost_builtins.analysis`, run
over the whole file by :func:`vjhost.analysis.report.analyze_audio`).  The
score mixes what makes a floor feel a track's push:

    energy = 0.35 loudness + 0.25 onset density + 0.2 brightness + 0.2 tempo

loudness: the RMS of the loud half of the track, -30..-6 dBFS -> 0..1;
onset density: onsets a second, 0..8 -> 0..1; brightness: the mean spectral
centroid feature; tempo: 80..180 BPM -> 0..1 (half-time feels are not
corrected: a 140 dubstep track is fast).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["EnergyProfile", "energy_profile", "energy_score", "level_1_10", "curve_per_second"]


@dataclass
class EnergyProfile:
    score: float  #: 0..1
    loudness_db: float  #: RMS of the loud half (dBFS)
    onset_rate: float  #: onsets per second
    brightness: float  #: mean centroid feature 0..1
    curve: list[float]  #: the show's energy feature, one value a second
    sections: list[dict[str, Any]]  #: [{"name": "drop", "start": s, "end": s}, ...]

    @property
    def level(self) -> int:
        return level_1_10(self.score)


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def energy_score(loudness_db: float, onset_rate: float, brightness: float, bpm: float) -> float:
    loud = _clip01((loudness_db + 30.0) / 24.0)
    dens = _clip01(onset_rate / 8.0)
    tempo = _clip01((bpm - 80.0) / 100.0)
    return round(0.35 * loud + 0.25 * dens + 0.2 * _clip01(brightness) + 0.2 * tempo, 4)


def level_1_10(score: float) -> int:
    """The 0..1 score as the 1-10 scale DJ libraries use."""
    return int(min(10, max(1, round(1 + 9 * _clip01(score)))))


def curve_per_second(times: np.ndarray, values: np.ndarray, duration: float) -> list[float]:
    """Mean of ``values`` in each whole second (a compact curve for the database and the page)."""
    n = max(1, int(np.ceil(duration)))
    idx = np.minimum(n - 1, np.asarray(times, np.float64).astype(int))
    sums = np.bincount(idx, weights=np.asarray(values, np.float64), minlength=n)
    counts = np.maximum(1, np.bincount(idx, minlength=n))
    return [round(float(v), 3) for v in sums / counts]


def energy_profile(mono: np.ndarray, sr: int, timeline, onsets: Sequence[float], bpm: float,
                   sections: list[dict[str, Any]]) -> EnergyProfile:
    """Score and curve of a whole track from its samples and its analysis timeline."""
    x = np.asarray(mono, np.float32).reshape(-1)
    hop = max(1, sr // 2)
    n = max(1, len(x) // hop)
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, -1).astype(np.float64) ** 2, axis=1) + 1e-12) if len(x) >= hop \
        else np.array([np.sqrt(np.mean(x.astype(np.float64) ** 2) + 1e-12)])
    loud = np.sort(rms)[len(rms) // 2:]
    loudness_db = float(20 * np.log10(np.sqrt(np.mean(loud ** 2)) + 1e-12))
    duration = len(x) / sr
    onset_rate = len(onsets) / max(duration, 1e-6)
    bright = float(np.mean(timeline["centroid"])) if timeline.n_hops else 0.0
    curve = curve_per_second(timeline.times, timeline["energy"], timeline.duration) if timeline.n_hops else []
    return EnergyProfile(score=energy_score(loudness_db, onset_rate, bright, bpm), loudness_db=round(loudness_db, 2),
                         onset_rate=round(onset_rate, 3), brightness=round(bright, 4), curve=curve, sections=sections)
