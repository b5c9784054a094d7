"""Musical key from a chroma profile: key profiles, Camelot codes and the MIREX score.

:func:`chroma` folds a harmonic-emphasised log spectrogram (55 Hz - 2 kHz;
percussion is suppressed by a median across time, the usual cheap
harmonic/percussive split) onto the 12 pitch classes; :func:`detect_key`
correlates the track's mean chroma with a key profile rotated to each of the
24 keys and keeps the best.  The profiles are Krumhansl-Kessler's probe-tone
ratings and Temperley's (Kostka-Payne corpus) weights; the default is picked
by ``tools/eval_crate.py`` on the synthesised crate (docs/crate.md).

Camelot codes (the DJ's key wheel): ``8A`` = A minor, ``8B`` = C major;
neighbours on the wheel (same number, +-1, or A<->B with the same number) mix
harmonically.  :func:`mirex_score` is the MIREX key-detection weighting:
1 exact, 0.5 perfect fifth, 0.3 relative major/minor, 0.2 parallel, else 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PITCH_NAMES", "PROFILES", "Key", "chroma", "detect_key", "key_from_chroma", "camelot", "parse_key",
           "parse_camelot", "camelot_relation", "mirex_score"]

PITCH_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"Db": 1, "Eb": 3, "Gb": 6, "Ab": 8, "Bb": 10, "Cb": 11, "Fb": 4, "E#": 5, "B#": 0}

#: (major, minor) profiles, index 0 = the tonic
PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "krumhansl": ((6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
                  (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)),
    "temperley": ((0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
                  (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330)),
}
DEFAULT_PROFILE = "krumhansl"  #: scored best on the synthesised crate (docs/crate.md)


@dataclass(frozen=True)
class Key:
    tonic: int  #: pitch class, 0 = C
    mode: str  #: "major" | "minor"
    confidence: float = 0.0  #: best correlation minus the runner-up's (0 = a toss-up)

    @property
    def name(self) -> str:
        return f"{PITCH_NAMES[self.tonic]} {self.mode}"

    @property
    def camelot(self) -> str:
        return camelot(self.tonic, self.mode)


# --------------------------------------------------------------------------- chroma


def chroma(mono: np.ndarray, sr: int, n_fft: int = 8192, hop: int = 4096, fmin: float = 55.0,
           fmax: float = 2000.0, median: int = 9) -> np.ndarray:
    """``(frames, 12)`` chroma of a mono signal: log-magnitude, percussion suppressed, each frame summed per
    pitch class."""
    x = np.asarray(mono, np.float32).reshape(-1)
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    n_frames = 1 + (len(x) - n_fft) // hop
    win = np.hanning(n_fft).astype(np.float32)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    sel = (freqs >= fmin) & (freqs <= fmax)
    fsel = freqs[sel]
    pc = np.round(12 * np.log2(fsel / 440.0) + 69).astype(int) % 12
    # how well each bin sits on its semitone (1 at the centre, 0 half a semitone away)
    cents = 12 * np.log2(fsel / 440.0) + 69
    w = np.cos(np.pi * (cents - np.round(cents))) ** 2
    fold = np.zeros((sel.sum(), 12), np.float32)
    fold[np.arange(len(pc)), pc] = w
    spec = np.empty((n_frames, int(sel.sum())), np.float32)
    chunk = 64
    for i0 in range(0, n_frames, chunk):
        idx = np.arange(i0, min(n_frames, i0 + chunk))
        frames = x[idx[:, None] * hop + np.arange(n_fft)[None, :]] * win
        spec[idx] = np.abs(np.fft.rfft(frames, axis=1))[:, sel]
    spec = np.log1p(100.0 * spec / (spec.max() + 1e-12))
    if median > 1 and n_frames >= median:
        from scipy.ndimage import median_filter

        spec = median_filter(spec, size=(median, 1), mode="nearest")
    return spec @ fold


def key_from_chroma(profile_vec: np.ndarray, profile: str = DEFAULT_PROFILE) -> Key:
    """The best of the 24 keys for a 12-bin pitch-class profile (correlation with the rotated key profiles)."""
    v = np.asarray(profile_vec, np.float64).reshape(12)
    if not np.isfinite(v).all() or v.std() < 1e-9:
        return Key(0, "major", 0.0)
    major, minor = (np.asarray(p, np.float64) for p in PROFILES[profile])
    scores = []
    for mode, prof in (("major", major), ("minor", minor)):
        for tonic in range(12):
            scores.append((float(np.corrcoef(v, np.roll(prof, tonic))[0, 1]), tonic, mode))
    scores.sort(reverse=True)
    best, second = scores[0], scores[1]
    return Key(best[1], best[2], round(best[0] - second[0], 4))


def detect_key(mono: np.ndarray, sr: int, profile: str = DEFAULT_PROFILE) -> Key:
    """The key of a whole track (mean chroma, louder frames count more)."""
    c = chroma(mono, sr)
    energy = c.sum(axis=1, keepdims=True)
    weights = energy / (energy.sum() + 1e-12)
    return key_from_chroma((c * weights).sum(axis=0), profile)


# --------------------------------------------------------------------------- names and the Camelot wheel


def camelot(tonic: int, mode: str) -> str:
    """Camelot code of a key: ``camelot(9, "minor") == "8A"``, ``camelot(0, "major") == "8B"``."""
    if mode not in ("major", "minor"):
        raise ValueError(f"mode must be major or minor, not {mode!r}")
    major_pc = tonic % 12 if mode == "major" else (tonic + 3) % 12
    number = ((major_pc * 7) % 12 + 7) % 12 + 1
    return f"{number}{'B' if mode == 'major' else 'A'}"


def parse_camelot(code: str) -> tuple[int, str]:
    """``"8A"`` -> ``(8, "A")``; raises ValueError for anything else."""
    c = code.strip().upper()
    if len(c) < 2 or c[-1] not in "AB" or not c[:-1].isdigit() or not 1 <= int(c[:-1]) <= 12:
        raise ValueError(f"not a Camelot code: {code!r} (1A..12B)")
    return int(c[:-1]), c[-1]


def parse_key(text: str) -> tuple[int, str]:
    """``"A minor"``, ``"Am"``, ``"F# major"``, ``"Bb"``, ``"8A"`` -> ``(tonic, mode)``."""
    t = text.strip()
    try:
        num, letter = parse_camelot(t)
    except ValueError:
        pass
    else:
        for mode in ("major", "minor"):
            for tonic in range(12):
                if camelot(tonic, mode) == f"{num}{letter}":
                    return tonic, mode
    parts = t.replace("min", " minor").replace("maj", " major").split()
    if not parts:
        raise ValueError(f"not a key: {text!r}")
    head = parts[0]
    mode = "major"
    if len(parts) > 1:
        mode = "minor" if parts[1].startswith("min") else "major"
    elif head.endswith("m") and len(head) > 1:
        head, mode = head[:-1], "minor"
    head = head[0].upper() + head[1:]
    if head in PITCH_NAMES:
        return PITCH_NAMES.index(head), mode
    if head in _FLATS:
        return _FLATS[head], mode
    raise ValueError(f"not a key: {text!r}")


def camelot_relation(a: str, b: str) -> str | None:
    """How two Camelot codes mix: ``"same"``, ``"+1"``, ``"-1"``, ``"relative"``, or None (a clash).

    ``+1`` / ``-1`` is one step round the wheel in the same letter (a fifth up / down);
    ``relative`` is the same number in the other letter (relative major / minor).
    """
    (na, la), (nb, lb) = parse_camelot(a), parse_camelot(b)
    if (na, la) == (nb, lb):
        return "same"
    if la == lb:
        d = (nb - na) % 12
        if d == 1:
            return "+1"
        if d == 11:
            return "-1"
        return None
    return "relative" if na == nb else None


def mirex_score(ref: tuple[int, str], est: tuple[int, str]) -> float:
    """MIREX key score of an estimate against the reference (tonic, mode).

    1.0 the same key; 0.5 the estimate's tonic a perfect fifth above the reference's, same mode;
    0.3 relative (C major <-> A minor); 0.2 parallel (C major <-> C minor); 0 otherwise.
    """
    (rt, rm), (et, em) = ref, est
    if (rt, rm) == (et, em):
        return 1.0
    if rm == em and (et - rt) % 12 == 7:
        return 0.5
    if rm == "major" and em == "minor" and (et - rt) % 12 == 9:
        return 0.3
    if rm == "minor" and em == "major" and (et - rt) % 12 == 3:
        return 0.3
    if rt == et and rm != em:
        return 0.2
    return 0.0
