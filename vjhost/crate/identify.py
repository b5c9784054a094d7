"""Which crate track is playing: the last N seconds of audio, by embedding and tempo.

:func:`identify` embeds the window's ~3 s patches with the crate CNN and
compares each with every track's stored segment embeddings (the best match
per track), then weighs in the tempo the show hears: a track whose BPM is
within 4 % of it (or at half/double time) keeps its score, one further away
loses up to 0.3.  The result says how sure it is: the margin between the best
and the runner-up.  :class:`AudioWindow` is the ring of recent samples the
live companion keeps for it (fed hop by hop from the analysis thread).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .db import Track
from .embed import Embedder, log_mel, patches, resample_to

__all__ = ["Match", "identify", "AudioWindow"]


@dataclass
class Match:
    track: Track
    score: float
    similarity: float
    margin: float  #: best score minus the runner-up's (how sure)

    @property
    def confident(self) -> bool:
        return self.margin >= 0.02 and self.similarity >= 0.6


def identify(mono: np.ndarray, sr: int, crate: Sequence[Track], embedder: Embedder, bpm: float | None = None,
             top: int = 3) -> list[Match]:
    """Rank the crate's tracks by how well they match ``mono`` (the last N seconds at ``sr``)."""
    tracks = [t for t in crate if t.segments.size]
    if not tracks:
        return []
    q = embedder.embed_patches(patches(log_mel(resample_to(mono, sr)), hop=16))
    scores = []
    for t in tracks:
        s = q @ t.segments.T  # (query patches, track segments)
        sim = float(np.mean(s.max(axis=1)))  # each query patch's best segment, averaged
        score = sim
        if bpm and bpm > 0 and t.bpm > 0:
            d = min(abs(t.bpm * f / bpm - 1.0) for f in (1.0, 0.5, 2.0))
            score -= min(0.3, max(0.0, d - 0.04) * 3.0)
        scores.append((score, sim, t))
    scores.sort(key=lambda x: -x[0])
    out = []
    for i, (score, sim, t) in enumerate(scores[:top]):
        nxt = scores[i + 1][0] if i + 1 < len(scores) else score - 1.0
        out.append(Match(track=t, score=round(score, 4), similarity=round(sim, 4), margin=round(score - nxt, 4)))
    return out


class AudioWindow:
    """The last ``seconds`` of mono audio, written hop by hop (any thread), read as one array."""

    def __init__(self, seconds: float, sr: int) -> None:
        self.sr = int(sr)
        self.n = int(seconds * sr)
        self._buf = np.zeros(self.n, np.float32)
        self._pos = 0
        self._filled = 0
        self._lock = threading.Lock()

    def write(self, block: np.ndarray) -> None:
        b = np.asarray(block, np.float32).reshape(-1)[-self.n:]
        with self._lock:
            k = len(b)
            end = self._pos + k
            if end <= self.n:
                self._buf[self._pos:end] = b
            else:
                first = self.n - self._pos
                self._buf[self._pos:] = b[:first]
                self._buf[: k - first] = b[first:]
            self._pos = end % self.n
            self._filled = min(self.n, self._filled + k)

    @property
    def seconds(self) -> float:
        return self._filled / self.sr

    def read(self) -> np.ndarray:
        with self._lock:
            if self._filled < self.n:
                return self._buf[: self._filled].copy()
            return np.concatenate([self._buf[self._pos:], self._buf[: self._pos]])

    # the Analyzer protocol, so the live analysis thread can feed it hop by hop
    def process(self, block: np.ndarray, features) -> None:  # noqa: ARG002
        self.write(block)

    def reset(self) -> None:
        with self._lock:
            self._pos = self._filled = 0
