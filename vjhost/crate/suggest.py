"""Next-track suggestion: rank the crate against what is playing, with reasons.

Each candidate gets four part scores in 0..1 and their weighted sum:

- **sound** (0.35): cosine similarity of the two tracks' embeddings (below 0
  counts as 0: different enough);
- **key** (0.25): Camelot relation -- same key 1, one step round the wheel
  (+-1) 0.85, relative major/minor 0.75, a clash 0;
- **tempo** (0.25): beat-matchable -- within 6 % (a turntable's pitch range),
  directly or at half/double time: 1 at the same tempo falling to 0.6 at 6 %,
  then quickly to 0;
- **energy** (0.15; 0.3 for up/down, the others then 0.3/0.2/0.2): the
  direction the DJ asked for -- ``keep`` (close to the playing track's
  energy), ``up`` (a little more, 0.02-0.25 on the 0..1 scale; less is 0),
  ``down`` (a little less), or ``room``: up while the crowd barely moves
  (camera motion energy below 0.35), keep otherwise.

The playing track and the recently played ones are left out.  A
suggestion's ``key_ok`` / ``tempo_ok`` say whether it mixes harmonically and
can be beat-matched, which is what the evaluation counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from .db import Track
from .key import camelot_relation

__all__ = ["DIRECTIONS", "WEIGHTS", "Suggestion", "suggest", "key_score", "tempo_match", "energy_fit",
           "resolve_direction"]

DIRECTIONS = ("keep", "up", "down", "room")
WEIGHTS = {"sound": 0.35, "key": 0.25, "tempo": 0.25, "energy": 0.15}
#: when the DJ asks for a change of energy, the energy part counts for more
WEIGHTS_MOVE = {"sound": 0.3, "key": 0.2, "tempo": 0.2, "energy": 0.3}
TEMPO_TOLERANCE = 0.06
_KEY_SCORES = {"same": 1.0, "+1": 0.85, "-1": 0.85, "relative": 0.75}


@dataclass
class Suggestion:
    track: Track
    score: float
    parts: dict[str, float]
    reasons: list[str]
    key_relation: str | None
    tempo_ratio: float  #: the factor used: 1, 0.5 or 2
    tempo_diff: float  #: relative difference after that factor
    key_ok: bool = False
    tempo_ok: bool = False
    extra: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {**self.track.brief(), "score": round(self.score, 4),
                "parts": {k: round(v, 3) for k, v in self.parts.items()}, "reasons": self.reasons,
                "key_ok": self.key_ok, "tempo_ok": self.tempo_ok}


def key_score(a: str, b: str) -> tuple[float, str | None]:
    try:
        rel = camelot_relation(a, b)
    except ValueError:
        return 0.0, None
    return _KEY_SCORES.get(rel or "", 0.0), rel


def tempo_match(bpm_from: float, bpm_to: float) -> tuple[float, float, float]:
    """``(score, factor, diff)``: the best of same / half / double time, and how far apart that still is."""
    if bpm_from <= 0 or bpm_to <= 0:
        return 0.0, 1.0, 1.0
    best = min(((abs(bpm_to * f / bpm_from - 1.0), f) for f in (1.0, 0.5, 2.0)), key=lambda x: x[0])
    diff, factor = best
    if diff <= TEMPO_TOLERANCE:
        score = 1.0 - 0.4 * diff / TEMPO_TOLERANCE
    else:
        score = max(0.0, 0.6 - (diff - TEMPO_TOLERANCE) * 10.0)
    return score, factor, diff


def resolve_direction(direction: str, room_energy: float | None = None) -> str:
    """``room`` -> ``up`` while the crowd barely moves, else ``keep`` (``keep`` without a camera)."""
    if direction not in DIRECTIONS:
        raise ValueError(f"energy direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if direction != "room":
        return direction
    if room_energy is None:
        return "keep"
    return "up" if room_energy < 0.35 else "keep"


def energy_fit(e_from: float, e_to: float, direction: str) -> float:
    d = e_to - e_from
    if direction == "keep":
        return max(0.0, 1.0 - abs(d) / 0.25)
    if direction == "down":
        d = -d
    # up (or mirrored down): a step of 0.02..0.25 is ideal, a big leap less so, a step back not at all
    if d <= 0.0:
        return 0.0
    if d < 0.02:
        return 0.5
    if d <= 0.25:
        return 1.0
    return max(0.0, 1.0 - (d - 0.25) / 0.3)


def _sound_scores(current: Track, cands: Sequence[Track]) -> tuple[np.ndarray, np.ndarray]:
    """(the part score: cosine clipped to 0..1, the raw cosines)."""
    if not cands or current.embedding.size == 0:
        return np.zeros(len(cands)), np.zeros(len(cands))
    sims = np.stack([c.embedding for c in cands]) @ current.embedding
    return np.clip(sims, 0.0, 1.0), sims


def suggest(current: Track, crate: Iterable[Track], *, direction: str = "keep", n: int = 5,
            exclude: Iterable[int] = (), room_energy: float | None = None,
            weights: dict[str, float] | None = None) -> list[Suggestion]:
    """The top ``n`` tracks to play after ``current``, best first, each with its reasons."""
    dirn = resolve_direction(direction, room_energy)
    w = {**(WEIGHTS if dirn == "keep" else WEIGHTS_MOVE), **(weights or {})}
    skip = set(exclude) | {current.id}
    cands = [t for t in crate if t.id not in skip]
    if not cands:
        return []
    scaled, sims = _sound_scores(current, cands)
    out = []
    for c, snd, sim in zip(cands, scaled, sims):
        ks, rel = key_score(current.camelot, c.camelot)
        ts, factor, diff = tempo_match(current.bpm, c.bpm)
        es = energy_fit(current.energy, c.energy, dirn)
        parts = {"sound": float(snd), "key": ks, "tempo": ts, "energy": es}
        score = sum(w[k] * v for k, v in parts.items())
        feel = "sounds close" if sim >= 0.6 else "sounds related" if sim >= 0.3 else "sounds different"
        reasons = [f"{feel} ({float(sim):.2f})"]
        if rel:
            reasons.append(f"key {current.camelot}->{c.camelot} ({'same key' if rel == 'same' else rel})")
        else:
            reasons.append(f"key clash {current.camelot}->{c.camelot}")
        pct = (c.bpm * factor / current.bpm - 1.0) * 100 if current.bpm > 0 else 0.0
        if diff <= TEMPO_TOLERANCE:
            # the candidate's feel
            how = "" if factor == 1.0 else (" at half time" if factor == 2.0 else " at double time")
            reasons.append(f"{c.bpm:.1f} BPM{how} ({pct:+.1f} %)")
        else:
            reasons.append(f"{c.bpm:.1f} BPM is {pct:+.0f} % away")
        arrow = "=" if abs(c.energy - current.energy) < 0.02 else ("up" if c.energy > current.energy else "down")
        reasons.append(f"energy {current.energy_level}->{c.energy_level} "
                       f"({arrow}{'' if dirn == 'keep' else ', asked ' + dirn})")
        out.append(Suggestion(track=c, score=score, parts=parts, reasons=reasons, key_relation=rel,
                              tempo_ratio=factor, tempo_diff=diff, key_ok=rel is not None,
                              tempo_ok=diff <= TEMPO_TOLERANCE, extra={"cosine": float(sim)}))
    out.sort(key=lambda s: (-s.score, s.track.id))
    return out[: max(0, n)]
