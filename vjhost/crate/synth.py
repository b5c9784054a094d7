"""A crate the project can synthesise itself: club tracks of several genres with *known* key, tempo and genre.

The companion's embedding is trained on these, and its evaluation
(``tools/eval_crate.py``, ``vjhost crate eval``) scores key detection, tempo and
the suggestions against the ground truth they carry.  The drum, bass, pad and
pluck voices are the demo track's (:mod:`vjhost.audio.demo`); what differs per
genre is the tempo range, the drum pattern, the bass line, the harmony and the
arrangement's density:

=========  =========  ===========================================================
genre      BPM        character
=========  =========  ===========================================================
house      120-126    four on the floor, offbeat open hats, claps, offbeat chord stabs, major or minor
techno     126-134    four on the floor, rumbling minor bass, 16th hats, one dark stab
trance     136-140    four on the floor, rolling 16th bass, wide pads, fast arpeggio
dnb        170-176    two-step breakbeat, reese bass, pads
hiphop     85-95      boom-bap with swung hats, warm keys, sub bass
dubstep    138-142    half-time (snare on 3), wobble bass
downtempo  96-110     soft kick on 1 and 3, long pads, bell plucks (low energy)
=========  =========  ===========================================================

Every track states its key clearly (tonic-rooted progressions, bass on the
roots) and is a pure function of its :class:`TrackSpec`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from vjhost.audio import demo as _d

__all__ = ["GENRES", "PITCH_NAMES", "TrackSpec", "SynthTrack", "random_spec", "synthesize_track", "crate_specs"]

PITCH_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

#: genre -> (bpm range, modes it uses, designed energy 0..1)
GENRES: dict[str, tuple[tuple[float, float], tuple[str, ...], float]] = {
    "house": ((120.0, 126.0), ("minor", "major"), 0.65),
    "techno": ((126.0, 134.0), ("minor",), 0.75),
    "trance": ((136.0, 140.0), ("minor", "major"), 0.8),
    "dnb": ((170.0, 176.0), ("minor",), 0.85),
    "hiphop": ((85.0, 95.0), ("minor", "major"), 0.45),
    "dubstep": ((138.0, 142.0), ("minor",), 0.8),
    "downtempo": ((96.0, 110.0), ("major", "minor"), 0.25),
}

# progressions as (scale degree 0..6, chord quality from the scale) per bar
_PROGRESSIONS = {
    "minor": ((0, 5, 6, 0), (0, 3, 0, 4), (0, 6, 0, 5), (0, 0, 3, 3), (0, 0, 5, 6)),
    "major": ((0, 3, 4, 0), (0, 4, 0, 3), (0, 0, 3, 4), (0, 5, 3, 4), (0, 3, 0, 4)),
}
_SCALES = {"minor": (0, 2, 3, 5, 7, 8, 10), "major": (0, 2, 4, 5, 7, 9, 11)}
# in minor the V is often major (harmonic minor) -- keep the natural v so the key profile stays clean


def _midi_hz(m: float) -> float:
    return 440.0 * 2.0 ** ((m - 69) / 12.0)


@dataclass(frozen=True)
class TrackSpec:
    """What one synthesised track is: the ground truth the evaluation scores against."""

    genre: str
    tonic: int  #: pitch class 0 = C .. 11 = B
    mode: str  #: "major" or "minor"
    bpm: float
    seed: int
    duration: float = 60.0
    intensity: float = 0.5  #: 0..1: density of the arrangement and level (-> its energy)
    progression: int = 0

    @property
    def key(self) -> str:
        """``"A minor"`` style key name."""
        return f"{PITCH_NAMES[self.tonic]} {self.mode}"

    @property
    def energy(self) -> float:
        """Designed energy 0..1: the genre's, moved by the intensity."""
        return float(np.clip(0.6 * GENRES[self.genre][2] + 0.4 * self.intensity, 0.0, 1.0))

    def name(self) -> str:
        key = PITCH_NAMES[self.tonic].replace("#", "s") + ("m" if self.mode == "minor" else "")
        return f"{self.genre}_{key}_{self.bpm:.0f}_{self.seed}"


@dataclass
class SynthTrack:
    spec: TrackSpec
    audio: np.ndarray  #: float32 (n, 2)
    sr: int
    sections: list[tuple[str, float, float]] = field(default_factory=list)


def random_spec(rng: np.random.Generator, genre: str | None = None, duration: float = 60.0,
                seed: int | None = None) -> TrackSpec:
    """A random track of ``genre`` (random if None): key, mode, tempo in the genre's range, intensity."""
    g = genre or str(rng.choice(sorted(GENRES)))
    (lo, hi), modes, _ = GENRES[g]
    return TrackSpec(genre=g, tonic=int(rng.integers(12)), mode=str(rng.choice(modes)),
                     bpm=float(round(rng.uniform(lo, hi), 1)),
                     seed=int(rng.integers(1 << 30) if seed is None else seed),
                     duration=duration, intensity=float(round(rng.uniform(0.1, 0.9), 2)),
                     progression=int(rng.integers(len(_PROGRESSIONS["minor"]))))


def crate_specs(n: int, seed: int = 0, duration: float = 60.0) -> list[TrackSpec]:
    """``n`` tracks spread evenly over the genres, with random keys and tempos (deterministic in ``seed``)."""
    rng = np.random.default_rng(seed)
    genres = sorted(GENRES)
    return [random_spec(rng, genres[i % len(genres)], duration) for i in range(n)]


# --------------------------------------------------------------------------- voices


def _chord(spec: TrackSpec, degree: int, octave: int = 4) -> tuple[float, float, float]:
    """The triad on ``degree`` of the track's scale, as Hz (root in ``octave``)."""
    sc = _SCALES[spec.mode]
    base = 12 * (octave + 1) + spec.tonic
    notes = [base + sc[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4)]
    return tuple(_midi_hz(m) for m in notes)  # type: ignore[return-value]


def _root_hz(spec: TrackSpec, degree: int, octave: int = 1) -> float:
    m = 12 * (octave + 1) + spec.tonic + _SCALES[spec.mode][degree % 7]
    if m < 12 * (octave + 1) + 4:  # keep the bass between E1 and D#2
        m += 12
    return _midi_hz(m)


def _sine_keys(chord: Sequence[float], n: int, sr: int, decay: float = 0.6) -> np.ndarray:
    """A soft electric-piano-like chord (sines with a little 2nd harmonic)."""
    t = np.arange(n) / sr
    out = np.zeros(n)
    for f in chord:
        out += (np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t)) * np.exp(-t / decay)
    return out * np.minimum(1.0, t / 0.004) / len(chord)


def _wobble_bass(f0: float, n: int, sr: int, rate_hz: float) -> np.ndarray:
    t = np.arange(n) / sr
    lfo = 0.5 - 0.5 * np.cos(2 * np.pi * rate_hz * t)
    saw = _d._saw_one_pole(f0, n, sr, 120.0 + 2200.0 * lfo, max_hz=4000.0)
    return (0.8 * saw + 0.7 * np.sin(2 * np.pi * f0 * t)) * np.minimum(1.0, t / 0.005)


def _reese(f0: float, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    a = _d._naive_saw(f0 * 0.996, n, sr, 0.0) + _d._naive_saw(f0 * 1.004, n, sr, 0.37)
    a = _d._one_pole_lowpass(a, 500.0, sr)
    return (0.6 * a + 0.6 * np.sin(2 * np.pi * f0 * t)) * np.minimum(1.0, t / 0.01)


# --------------------------------------------------------------------------- patterns (16 steps a bar)

_KICKS = {
    "house": (0, 4, 8, 12), "techno": (0, 4, 8, 12), "trance": (0, 4, 8, 12),
    "dnb": (0, 10), "hiphop": (0, 7, 10), "dubstep": (0, 3), "downtempo": (0, 8),
}
_SNARES = {
    "house": (4, 12), "techno": (4, 12), "trance": (4, 12), "dnb": (4, 12),
    "hiphop": (4, 12), "dubstep": (8,), "downtempo": (4, 12),
}
_ARRANGE = (("intro", 4), ("build", 2), ("drop", 8), ("breakdown", 4))


def synthesize_track(spec: TrackSpec, sr: int = 44100) -> SynthTrack:
    """Render one track.  Deterministic: the same spec and rate give the same samples."""
    if spec.genre not in GENRES:
        raise ValueError(f"unknown genre {spec.genre!r} (one of {', '.join(sorted(GENRES))})")
    rng = np.random.default_rng(spec.seed)
    g, inten = spec.genre, spec.intensity
    n = int(round(spec.duration * sr))
    beat = 60.0 / spec.bpm
    step = beat / 4
    bar_len = 4 * beat
    # dnb / dubstep are felt in half time: one chord per two bars keeps the harmony readable
    bars_per_chord = 2 if g in ("dnb", "dubstep") else 1
    kick_s, snare_s, clap_s = _d._kick(sr, rng), _d._snare(sr, rng), _d._clap(sr, rng)
    chats = [_d._closed_hat(sr, rng) for _ in range(4)]
    ohat = _d._open_hat(sr, rng)
    drums = np.zeros((n, 2))
    bass = np.zeros(n)
    music = np.zeros((n, 2))
    fx = np.zeros((n, 2))
    kicks: list[float] = []
    sections: list[tuple[str, float, float]] = []
    prog = _PROGRESSIONS[spec.mode][spec.progression % len(_PROGRESSIONS[spec.mode])]
    swing = 0.12 * step if g == "hiphop" else 0.0
    n_bars = int(math.ceil(spec.duration / bar_len))
    bar = 0
    i_sec = 0
    cache: dict[tuple, np.ndarray] = {}
    while bar < n_bars:
        name, length = _ARRANGE[0 if i_sec == 0 else 1 + (i_sec - 1) % (len(_ARRANGE) - 1)]
        i_sec += 1
        t0 = bar * bar_len
        sections.append((name, t0, min(spec.duration, (bar + length) * bar_len)))
        level = {"intro": 0.7, "build": 0.8, "drop": 1.0, "breakdown": 0.55}[name]
        if name == "build":
            i0, i1 = int(round(t0 * sr)), min(n, int(round((bar + length) * bar_len * sr)))
            if i1 > i0:
                fx[i0:i1] += (0.08 + 0.1 * inten) * _d._riser(i1 - i0, sr, rng)
        for b in range(bar, min(bar + length, n_bars)):
            tb = b * bar_len
            degree = prog[(b // bars_per_chord) % len(prog)]
            chord = _chord(spec, degree, 4 if g != "hiphop" else 3)
            root = _root_hz(spec, degree)
            last = b == bar + length - 1
            drums_on = name in ("intro", "drop") or (name == "build" and not last)
            if drums_on:
                kt = [tb + s * step for s in _KICKS[g]]
                kicks += kt
                _d._place(drums, kick_s, kt, [level * (0.9 if g != "downtempo" else 0.6)] * len(kt), sr)
                # hats: density grows with intensity
                if g in ("techno", "trance", "dnb") or inten > 0.5:
                    hs = list(range(16))
                elif g == "dubstep":
                    hs = list(range(0, 16, 2))
                else:
                    hs = list(range(0, 16, 2))
                ht = [tb + s * step + (swing if s % 2 else 0.0) for s in hs
                      if not (g in ("house", "trance") and s % 4 == 2)]
                _d._place_variants(drums, [np.stack([h * 0.9, h], 1) for h in chats], ht,
                                   [(0.12 + 0.14 * inten) * level] * len(ht), sr)
                if g in ("house", "trance", "techno"):
                    _d._place(drums, np.stack([ohat, ohat * 0.85], 1), [tb + k * beat + beat / 2 for k in range(4)],
                              [0.2 * level] * 4, sr)
                if name == "drop" or g in ("hiphop", "dnb", "downtempo"):
                    st = [tb + s * step for s in _SNARES[g]]
                    voice = clap_s if g in ("house", "trance", "techno") else snare_s
                    _d._place(drums, voice, st, [0.55 * level] * len(st), sr)
            if name == "build":
                st = [tb + k * 2 * step for k in range(8)] if not last else [tb + k * step for k in range(16)]
                _d._place(drums, snare_s, st, [0.15 + 0.35 * (k / len(st)) for k in range(len(st))], sr)
            # ---- bass
            if name in ("intro", "drop"):
                if g == "dubstep":
                    key = ("wob", root, round(2 * bar_len, 4))
                    if b % 2 == 0:
                        if key not in cache:
                            cache[key] = _wobble_bass(root, int(2 * bar_len * sr), sr, rate_hz=2.0 / beat)
                        _d._place(bass, cache[key], [tb], [0.45 * level], sr)
                elif g == "dnb":
                    key = ("reese", root, round(2 * bar_len, 4))
                    if b % 2 == 0:
                        if key not in cache:
                            cache[key] = _reese(root, int(2 * bar_len * sr), sr)
                        _d._place(bass, cache[key], [tb], [0.5 * level], sr)
                else:
                    if g == "trance":
                        notes = [(s, 0.9, 1.0) for s in range(16) if s % 4 != 0]
                    elif g == "techno":
                        notes = [(s, 1.2, 1.0) for s in (2, 6, 10, 14)] + [(3, 0.6, 1.0), (11, 0.6, 1.0)]
                    elif g == "house":
                        notes = [(s, 1.6, 2.0 if s == 10 else 1.0) for s in (2, 6, 10, 14)]
                    elif g == "hiphop":
                        notes = [(0, 6.0, 1.0), (10, 4.0, 1.0)]
                    else:  # downtempo
                        notes = [(0, 7.0, 1.0), (8, 7.0, 1.0)]
                    for s, d, mult in notes:
                        key = ("bass", root * mult, round(d * step, 5))
                        if key not in cache:
                            cache[key] = _d._bass_note(key[1], key[2], sr)
                        _d._place(bass, cache[key], [tb + s * step], [0.4 * level], sr)
            # ---- harmony: pads in drops/breakdowns (and always for trance/downtempo), stabs, arps
            i0 = int(round(tb * sr))
            pn = min(int(round(bar_len * sr)) + int(0.2 * sr), n - i0)
            if pn <= 0:
                continue
            pads = name in ("drop", "breakdown") or g in ("trance", "downtempo") or (name == "build" and last)
            if pads and g not in ("techno", "hiphop"):
                music[i0:i0 + pn] += (0.3 if g != "downtempo" else 0.45) * level * _d._pad(chord, pn, sr, rng)
            if g in ("house", "techno") and name != "build":
                stab_steps = (2, 6, 10, 14) if g == "house" else (3, 11)
                ch = chord if g == "house" else chord[:2] + (chord[0] * 2,)
                for s in stab_steps:
                    k = ("stab", ch)
                    if k not in cache:
                        cache[k] = _sine_keys(ch, int(0.35 * sr), sr, decay=0.12)
                    _d._place(music, np.stack([cache[k], cache[k]], 1), [tb + s * step], [0.55 * level], sr)
            if g == "hiphop":
                for s in (0, 6, 8, 14):
                    k = ("keys", chord)
                    if k not in cache:
                        cache[k] = _sine_keys(chord, int(1.2 * sr), sr, decay=0.5)
                    _d._place(music, np.stack([cache[k], cache[k]], 1),
                              [tb + s * step + (swing if s % 2 else 0)], [0.6 * level], sr)
            if (name == "breakdown" or g in ("trance", "downtempo") and name == "drop") and g != "dubstep":
                per = 16 if g == "trance" else 8
                arp = [chord[i % 3] * (2 if (i // 3) % 2 else 1) for i in range(per)]
                for i, f in enumerate(arp):
                    pl = _d._pluck(f * (2 if g != "downtempo" else 4), sr)
                    pan = 0.3 + 0.4 * (i % 2)
                    _d._place(music, np.stack([pl * (1 - pan), pl * pan], 1), [tb + i * (16 // per) * step], [0.4], sr)
        bar += length
    duck = _d._sidechain(kicks, n, sr, depth=0.6, length=0.25, tau=0.08)
    cutoff = {"techno": 1400.0, "downtempo": 1800.0, "hiphop": 2500.0}.get(g, 3200.0)
    music = _d._one_pole_lowpass(music, cutoff, sr)
    mix = drums + bass[:, None] * duck[:, None] + music * duck[:, None] + fx
    gain = 0.55 + 0.5 * spec.energy
    mix = 0.98 * np.tanh(gain * mix)
    mix += rng.standard_normal((n, 2)) * _d.NOISE_FLOOR_RMS
    return SynthTrack(spec=spec, audio=np.clip(mix, -1, 1).astype(np.float32), sr=sr, sections=sections)
