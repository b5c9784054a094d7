"""Analyse one track for the crate: tempo and beat grid, key, energy and sections, embedding.

Tempo, beats, downbeats, onsets, the energy curve and the sections are the
live show's own analyzers run over the file hop by hop
(:func:`vjhost.analysis.report.analyze_audio`), so the crate hears a track
exactly as the show will.  The key is :func:`vjhost.crate.key.detect_key`;
the embedding the crate CNN's (:mod:`vjhost.crate.embed`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .embed import Embedder, resample_to, shared_embedder
from .energy import energy_profile, level_1_10
from .key import detect_key

__all__ = ["TrackAnalysis", "analyze_track", "analyze_samples", "ANALYSIS_VERSION"]

#: bump when the analysis changes, so the cache re-analyses
ANALYSIS_VERSION = 1


@dataclass
class TrackAnalysis:
    duration: float
    bpm: float
    beat_confidence: float
    beats: list[float]
    downbeats: list[float]
    key: str  #: "A minor"
    tonic: int
    mode: str
    camelot: str
    key_confidence: float
    energy: float  #: 0..1
    loudness_db: float
    onset_rate: float
    brightness: float
    energy_curve: list[float]
    sections: list[dict[str, Any]]
    embedding: np.ndarray  #: (64,) unit vector
    segments: np.ndarray  #: (k, 64) embeddings of ~3 s patches across the track
    genre: str  #: the nearest genre the embedding's head knows ("" without a head)
    genre_probs: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  #: how long the analysis took

    @property
    def energy_level(self) -> int:
        return level_1_10(self.energy)

    def summary(self) -> dict[str, Any]:
        """The JSON-able fields (no arrays, no beat lists)."""
        d = asdict(self)
        for k in ("embedding", "segments", "beats", "downbeats", "energy_curve"):
            d.pop(k)
        d["energy_level"] = self.energy_level
        return d


def analyze_samples(mono: np.ndarray, sr: int, host=None, embedder: Embedder | None = None) -> TrackAnalysis:
    """Analyse mono float audio at ``sr`` (use 48 kHz: the live analyzers' rate)."""
    from vjhost.analysis.report import analyze_audio

    t0 = time.perf_counter()
    x = np.asarray(mono, np.float32).reshape(-1)
    res, tl = analyze_audio(x, sr, host)
    bpm = float(res["bpm"] or 0.0)
    x22 = resample_to(x, sr)
    key = detect_key(x22, 22050)
    prof = energy_profile(x, sr, tl, res["onsets"], bpm, res["sections"])
    emb = embedder or shared_embedder()
    mean, segs, probs = emb.embed_audio(x22, 22050)
    genre_probs = {g: round(float(p), 4) for g, p in zip(emb.genres, probs)}
    genre = max(genre_probs, key=genre_probs.get) if genre_probs else ""
    return TrackAnalysis(
        duration=round(len(x) / sr, 3), bpm=round(bpm, 2), beat_confidence=float(res["beat_confidence"]),
        beats=res["beats"], downbeats=res["downbeats"], key=key.name, tonic=key.tonic, mode=key.mode,
        camelot=key.camelot, key_confidence=key.confidence, energy=prof.score, loudness_db=prof.loudness_db,
        onset_rate=prof.onset_rate, brightness=prof.brightness, energy_curve=prof.curve, sections=prof.sections,
        embedding=mean, segments=segs.astype(np.float32), genre=genre, genre_probs=genre_probs,
        seconds=round(time.perf_counter() - t0, 3))


def analyze_track(path: str | Path, host=None, embedder: Embedder | None = None) -> TrackAnalysis:
    """Decode ``path`` with PyAV (48 kHz mono) and analyse it.  Raises ``AudioFileError`` naming the file."""
    from vjhost.audio.files import AudioFileError, read_audio

    audio, sr = read_audio(path, sr=48000, mono=True)
    if len(audio) < sr:
        raise AudioFileError(f"{path}: too short for the crate ({len(audio) / sr:.2f} s; at least 1 s)")
    return analyze_samples(audio[:, 0], sr, host, embedder)
