"""A small synthesized club track with known ground truth (beats, kicks, sections).

Used by ``vjhost demo`` / tests to exercise the whole audio-reactive path
without shipping copyrighted music: four-on-the-floor kick, 16th and offbeat
hats, a filtered saw bassline over a 4-bar progression, pad chords, a build-up
with a noise riser and an accelerating snare roll (kick out for the last bar),
a drop with clap/snare on 2 and 4 and a crash, and a breakdown.

Everything is rendered with vectorised numpy in one call (well under a
second for 20 s of audio) and is a pure function of the arguments.  A long
track is rendered section by section into a float32 buffer, so an hour of
it needs about 1.5 GB, not the tens of GB of float64 stems at once.  Run it as a script::

    python -m vjhost.audio.demo out.wav --duration 30
"""

from __future__ import annotations

import argparse
import copy
import math
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

__all__ = ["DemoTrack", "synthesize_demo", "write_wav", "main"]

#: (section name, length in bars); the intro is followed by repeating build/drop/breakdown
_INTRO: tuple[str, int] = ("intro", 4)
_CYCLE: tuple[tuple[str, int], ...] = (("build", 2), ("drop", 4), ("breakdown", 4))

#: bass roots (Hz) per bar and pad chords (Hz), A minor: Am - F - C - G
_ROOTS = (55.00, 43.65, 65.41, 49.00)
_CHORDS = (
    (220.00, 261.63, 329.63),
    (174.61, 220.00, 261.63),
    (196.00, 261.63, 329.63),
    (196.00, 246.94, 293.66),
)

NOISE_FLOOR_RMS = 1e-3  #: -60 dBFS: aubio's gate drops onsets followed by digital silence


@dataclass
class DemoTrack:
    """A rendered demo track and its ground truth (all times in seconds)."""

    audio: np.ndarray  #: float32 (n, 2), -1..1
    sr: int
    bpm: float
    beats: np.ndarray  #: every beat of the grid
    downbeats: np.ndarray  #: first beat of every bar
    kicks: np.ndarray  #: times of kick hits
    sections: list[tuple[str, float, float]]  #: (name, start, end)
    drop_time: float  #: start of the first drop
    snares: np.ndarray = field(default_factory=lambda: np.zeros(0))  #: snare/clap hits (incl. the roll)
    hats: np.ndarray = field(default_factory=lambda: np.zeros(0))  #: closed and open hi-hat hits

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sr

    def mono(self) -> np.ndarray:
        """The mix as mono float32 ``(n,)``."""
        return self.audio.mean(axis=1).astype(np.float32)

    def section_at(self, t: float) -> str:
        for name, start, end in self.sections:
            if start <= t < end:
                return name
        return ""


# --------------------------------------------------------------------------- DSP helpers


def _ir_len(x_len: int, cutoff: float, sr: int) -> int:
    """The length of :func:`_one_pole_lowpass`'s impulse response for a signal of ``x_len`` samples."""
    a = math.exp(-2.0 * math.pi * cutoff / sr)
    return max(1, min(x_len, int(math.ceil(math.log(1e-6) / math.log(a))) if a > 0 else 1))


def _one_pole_lowpass(x: np.ndarray, cutoff: float, sr: int) -> np.ndarray:
    """``y[n] = (1-a) x[n] + a y[n-1]`` along axis 0, done as an FFT convolution with its impulse response."""
    a = math.exp(-2.0 * math.pi * cutoff / sr)
    n_ir = _ir_len(len(x), cutoff, sr)
    ir = (1.0 - a) * a ** np.arange(n_ir)
    n = len(x) + n_ir - 1
    nfft = 1 << (n - 1).bit_length()
    spec = np.fft.rfft(x, nfft, axis=0) * (np.fft.rfft(ir, nfft)[:, None] if x.ndim == 2 else np.fft.rfft(ir, nfft))
    return np.fft.irfft(spec, nfft, axis=0)[: len(x)]


def _highpass(x: np.ndarray, cutoff: float, sr: int) -> np.ndarray:
    return x - _one_pole_lowpass(x, cutoff, sr)


def _bandpass(x: np.ndarray, lo: float, hi: float, sr: int) -> np.ndarray:
    """Two highpass poles at ``lo`` and two lowpass poles at ``hi``."""
    y = _highpass(_highpass(x, lo, sr), lo, sr)
    return _one_pole_lowpass(_one_pole_lowpass(y, hi, sr), hi, sr)


def _env(n: int, sr: int, decay: float, attack: float = 0.0005) -> np.ndarray:
    t = np.arange(n) / sr
    return np.minimum(1.0, t / attack) * np.exp(-t / decay) if attack > 0 else np.exp(-t / decay)


def _sidechain(kicks: Sequence[float], n: int, sr: int, depth: float, length: float, tau: float,
               duck: np.ndarray | None = None, offset: int = 0) -> np.ndarray:
    """Sidechain ducking: a gain curve of ``n`` samples that dips by ``depth`` on every kick (times in s) and
    recovers with time constant ``tau`` over ``length`` seconds.

    ``duck``: multiply the dips into this curve instead, which holds samples ``offset`` on of the ``n``.
    """
    if duck is None:
        duck = np.ones(n)
    dk = 1.0 - depth * np.exp(-np.arange(int(length * sr)) / (tau * sr))
    for t in kicks:
        i = int(round(t * sr))
        m = min(len(dk), n - i)
        if m > 0:
            duck[i - offset : i - offset + m] *= dk[:m]
    return duck


def _place(track: np.ndarray, sample: np.ndarray, times: Sequence[float], gains: Sequence[float], sr: int,
           offset: int = 0) -> None:
    """Mix ``sample`` (mono ``(L,)`` or ``(L, ch)``) into ``track`` at each time (``track`` starts at sample
    ``offset`` of the whole)."""
    for t, g in zip(times, gains):
        i = int(round(t * sr)) - offset
        if i >= len(track) or i < 0:
            continue
        n = min(len(sample), len(track) - i)
        if track.ndim == 2 and sample.ndim == 1:
            track[i : i + n] += g * sample[:n, None]
        else:
            track[i : i + n] += g * sample[:n]


def _place_variants(track: np.ndarray, variants: list[np.ndarray], times: Sequence[float],
                    gains: Sequence[float], sr: int, offset: int = 0) -> None:
    """Like :func:`_place`, rotating through noise variants so repeated hits don't sound machine-gunned."""
    for j, (t, g) in enumerate(zip(times, gains)):
        _place(track, variants[j % len(variants)], [t], [g], sr, offset)


def _saw_one_pole(f0: float, n: int, sr: int, cutoff: np.ndarray, max_hz: float = 6000.0) -> np.ndarray:
    """A band-limited sawtooth through a one-pole lowpass whose cutoff moves per sample.

    Built additively: harmonic ``k`` gets the one-pole's response ``1/(1 + j k f0/fc)``
    at the current cutoff, so there is no aliasing.  ``sin(k w t - atan r) / sqrt(1+r^2)``
    equals ``Im(z^k (1 - j r)) / (1 + r^2)`` with ``z = exp(j w t)``, which needs only
    multiplications per harmonic.
    """
    z1 = np.exp(2j * np.pi * f0 * np.arange(n) / sr)
    zk = np.ones(n, np.complex128)
    out = np.zeros(n)
    for k in range(1, max(2, int(min(max_hz, 0.45 * sr) // f0)) + 1):
        zk *= z1
        r = (k * f0) / cutoff
        out += (zk.imag - r * zk.real) / (k * (1.0 + r * r))
    return out * (2.0 / np.pi)


def _naive_saw(freq: float, n: int, sr: int, phase0: float) -> np.ndarray:
    ph = (phase0 + freq * np.arange(n) / sr) % 1.0
    return 2.0 * ph - 1.0


# --------------------------------------------------------------------------- instruments


def _kick(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.42 * sr)
    t = np.arange(n) / sr
    freq = 47.0 + 150.0 * np.exp(-t / 0.032) + 40.0 * np.exp(-t / 0.006)
    body = np.sin(2 * np.pi * np.cumsum(freq) / sr) * _env(n, sr, 0.30, attack=0.0008)
    body = np.tanh(1.8 * body) / np.tanh(1.8)
    click = _bandpass(rng.standard_normal(n), 1500.0, 7000.0, sr) * _env(n, sr, 0.0025, attack=0.0002)
    out = body + 0.15 * click / (np.abs(click).max() + 1e-9)
    return out / np.abs(out).max()


def _closed_hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.06 * sr)
    noise = _bandpass(rng.standard_normal(n + 512), 7000.0, 16000.0, sr)[512:]
    return noise / (np.abs(noise).max() + 1e-9) * _env(n, sr, 0.012)


def _open_hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.28 * sr)
    noise = _bandpass(rng.standard_normal(n + 512), 6500.0, 16000.0, sr)[512:]
    env = _env(n, sr, 0.075) * np.minimum(1.0, (n - np.arange(n)) / (0.02 * sr))
    return noise / (np.abs(noise).max() + 1e-9) * env


def _snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.25 * sr)
    t = np.arange(n) / sr
    body = np.sin(2 * np.pi * (185.0 * t + 12.0 * 0.02 * (1 - np.exp(-t / 0.02)))) * _env(n, sr, 0.045)
    noise = _bandpass(rng.standard_normal(n + 512), 900.0, 9000.0, sr)[512:]
    noise = noise / (np.abs(noise).max() + 1e-9) * _env(n, sr, 0.10)
    out = 0.55 * body + 0.8 * noise
    return out / np.abs(out).max()


def _clap(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.35 * sr)
    noise = _bandpass(rng.standard_normal(n + 512), 1100.0, 6000.0, sr)[512:]
    noise /= np.abs(noise).max() + 1e-9
    env = np.zeros(n)
    for d in (0.0, 0.011, 0.022):
        i = int(d * sr)
        env[i:] += _env(n - i, sr, 0.006)
    i = int(0.031 * sr)
    env[i:] += 0.9 * _env(n - i, sr, 0.13)
    out = noise * env
    return out / np.abs(out).max()


def _crash(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(2.0 * sr)
    noise = _highpass(rng.standard_normal((n, 2)), 5000.0, sr)
    noise /= np.abs(noise).max() + 1e-9
    return noise * _env(n, sr, 0.7, attack=0.001)[:, None]


def _bass_note(f0: float, dur: float, sr: int) -> np.ndarray:
    n = int(dur * sr)
    t = np.arange(n) / sr
    cutoff = 180.0 + 1400.0 * np.exp(-t / 0.07)
    saw = _saw_one_pole(f0, n, sr, cutoff, max_hz=5000.0)
    sub = 0.6 * np.sin(2 * np.pi * f0 * t)
    amp = np.minimum(1.0, t / 0.004) * np.minimum(1.0, (n - np.arange(n)) / (0.012 * sr))
    return (saw + sub) * amp


def _pluck(f0: float, sr: int) -> np.ndarray:
    n = int(0.5 * sr)
    t = np.arange(n) / sr
    out = sum(np.sin(2 * np.pi * k * f0 * t) * np.exp(-t * (4.0 + 6.0 * k)) / k for k in range(1, 6))
    return out * np.minimum(1.0, t / 0.002)


def _pad(chord: Sequence[float], n: int, sr: int, phase_seed: np.random.Generator) -> np.ndarray:
    """A stereo detuned-saw chord (before filtering), with slow attack and release."""
    out = np.zeros((n, 2))
    for f in chord:
        for ch, det in ((0, -0.006), (1, 0.006)):
            for d in (det, -0.5 * det):
                out[:, ch] += _naive_saw(f * (1.0 + d), n, sr, phase_seed.random())
    t = np.arange(n) / sr
    amp = np.minimum(1.0, t / 0.25) * np.minimum(1.0, (n - np.arange(n)) / (0.2 * sr))
    return out * amp[:, None] / (2 * len(chord))


def _riser(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Noise whose lowpass cutoff sweeps 300 Hz -> 14 kHz while it swells (crossfaded filter bank)."""
    noise = rng.standard_normal((n, 2))
    cutoffs = np.geomspace(300.0, 14000.0, 10)
    bank = [_one_pole_lowpass(_one_pole_lowpass(noise, c, sr), c, sr) for c in cutoffs]
    bank = [b / (np.sqrt(np.mean(b * b)) + 1e-12) for b in bank]
    pos = np.linspace(0.0, len(cutoffs) - 1, n) ** 1.0
    lo = np.minimum(pos.astype(int), len(cutoffs) - 2)
    frac = (pos - lo)[:, None]
    out = np.zeros((n, 2))
    for i in range(len(cutoffs) - 1):
        m = lo == i
        out[m] = (1 - frac[m]) * bank[i][m] + frac[m] * bank[i + 1][m]
    swell = (np.arange(n) / n) ** 2
    fade = np.minimum(1.0, (n - np.arange(n)) / (0.005 * sr))
    return out * (swell * fade)[:, None]


# --------------------------------------------------------------------------- arrangement


def _arrangement(n_bars: int) -> Iterator[tuple[str, int, int]]:
    """Yield (section, first bar, end bar) covering at least ``n_bars`` bars."""
    bar = 0
    name, length = _INTRO
    yield name, bar, bar + length
    bar += length
    i = 0
    while bar < n_bars:
        name, length = _CYCLE[i % len(_CYCLE)]
        yield name, bar, bar + length
        bar += length
        i += 1


#: the track is rendered in pieces of whole sections, at least this long (a short track is one piece)
CHUNK_S = 32.0


def _chunks(plan: list[tuple[str, int, int]], bar_len: float, min_s: float) -> Iterator[list[tuple[str, int, int]]]:
    """Consecutive sections grouped into pieces of at least ``min_s`` seconds (the last takes what is left)."""
    group: list[tuple[str, int, int]] = []
    for sec in plan:
        group.append(sec)
        if (group[-1][2] - group[0][1]) * bar_len >= min_s:
            yield group
            group = []
    if group:
        yield group


def synthesize_demo(duration: float = 20.0, sr: int = 48000, bpm: float = 128.0, seed: int = 0) -> "DemoTrack":
    """Render the demo track.  Deterministic: the same arguments give the same samples.

    Rendered piece by piece (whole sections, at least :data:`CHUNK_S` seconds each; what rings on past a
    piece's end is carried into the next), so memory stays at the float32 output plus one piece's float64
    work, whatever the duration: an hour is about 1.5 GB, not the 20 GB and more of rendering it at once.
    A track of one piece (up to about half a minute) has exactly the samples of rendering it at once;
    a longer one can differ in the last bit of a few samples (the pads' filter runs per piece).
    """
    if duration <= 0 or sr <= 0 or bpm <= 0:
        raise ValueError("duration, sr and bpm must be positive")
    rng = np.random.default_rng(seed)
    n = int(round(duration * sr))
    beat = 60.0 / bpm
    step = beat / 4  # a 16th note
    bar_len = 4 * beat
    n_bars = int(math.ceil(duration / bar_len))

    kick_s, chat_s = _kick(sr, rng), [_closed_hat(sr, rng) for _ in range(6)]
    ohat_s = [_open_hat(sr, rng) for _ in range(3)]
    snare_s, clap_s, crash_s = _snare(sr, rng), _clap(sr, rng), _crash(sr, rng)
    chat_v = [np.stack([h * 0.9, h], 1) for h in chat_s]
    ohat_v = [np.stack([h, h * 0.85], 1) for h in ohat_s]

    plan: list[tuple[str, int, int]] = []
    for name, b0, b1 in _arrangement(n_bars):
        if b0 * bar_len >= duration:
            break
        plan.append((name, b0, b1))

    def riser_span(b0: int, b1: int) -> tuple[int, int]:
        return int(round(b0 * bar_len * sr)), min(n, int(round(b1 * bar_len * sr)))

    # the noise floor is drawn after every riser's noise: a second generator, moved past them, draws it piece by
    # piece (numpy's generators give the same numbers in pieces as at once)
    noise_rng = copy.deepcopy(rng)
    for name, b0, b1 in plan:
        if name == "build":
            i0, i1 = riser_span(b0, b1)
            for k in range(i0, i1, 1 << 20):
                noise_rng.standard_normal((min(1 << 20, i1 - k), 2))

    audio = np.empty((n, 2), np.float32)
    kicks: list[float] = []
    snares: list[float] = []
    hats: list[float] = []
    sections: list[tuple[str, float, float]] = []
    drop_time = float("nan")
    pad_rng = np.random.default_rng(seed + 1)
    bass_notes: dict[tuple[float, float], np.ndarray] = {}
    ring = int(math.ceil((bar_len + 2.5) * sr))  # what one piece's sounds may ring on past its end (crash, pads)
    carry: dict[str, np.ndarray] = {}
    music_ctx = np.zeros((0, 2))  # the pads before this piece (the lowpass reaches back)
    prev_name = ""
    for group in _chunks(plan, bar_len, CHUNK_S):
        c0 = int(round(group[0][1] * bar_len * sr))
        c1 = n if group[-1] == plan[-1] else int(round(group[-1][2] * bar_len * sr))
        size = min(n, c1 + ring) - c0
        drums = np.zeros((size, 2))
        bass = np.zeros(size)
        music = np.zeros((size, 2))  # pads, plucks: sidechained by the kick with the bass
        fx = np.zeros((size, 2))
        duck = np.ones(size)
        for key, buf in (("drums", drums), ("bass", bass), ("music", music), ("fx", fx), ("duck", duck)):
            if key in carry:  # the previous piece's sounds ringing on (sums and products in the same order)
                buf[: len(carry[key])] = carry[key]
        piece_kicks: list[float] = []
        for name, b0, b1 in group:
            t0, t1 = b0 * bar_len, b1 * bar_len
            sections.append((name, t0, min(t1, duration)))
            if name == "drop" and math.isnan(drop_time):
                drop_time = t0
            level = {"intro": 0.75, "build": 0.8, "drop": 1.0, "breakdown": 0.6}[name]
            for bar in range(b0, b1):
                tb = bar * bar_len
                if tb >= duration:
                    break
                last_bar = bar == b1 - 1
                root = _ROOTS[bar % 4]
                chord = _CHORDS[bar % 4]
                # --- kick: every beat, except in breakdowns and the last bar of a build
                #     (a build out of a breakdown keeps the kick out altogether)
                if name in ("intro", "drop") or (name == "build" and not last_bar and prev_name != "breakdown"):
                    bt = [tb + i * beat for i in range(4)]
                    kicks += bt
                    piece_kicks += bt
                    _place(drums, kick_s, bt, [level * v for v in (1.0, 0.84, 0.9, 0.84)], sr, c0)  # accented
                # --- hats: 16th closed hats (accented offbeats), open hats on the offbeat 8ths
                if name != "breakdown" or bar % 2 == 1:
                    steps = [i for i in range(16) if not (i % 4 == 2 and name in ("intro", "drop") and bar > 0)]
                    ht = [tb + i * step for i in steps]  # (the open hat takes the offbeat 8th)
                    hg = [(0.22 if i % 2 else 0.32) * level for i in steps]
                    _place_variants(drums, chat_v, ht, hg, sr, c0)
                    hats += ht
                if name in ("intro", "drop") and bar > 0:
                    ot = [tb + i * beat + beat / 2 for i in range(4)]
                    _place_variants(drums, ohat_v, ot, [0.3 * level] * 4, sr, c0)
                    hats += ot
                # --- snare + clap on 2 and 4 in the drop
                if name == "drop":
                    st = [tb + beat, tb + 3 * beat]
                    _place(drums, clap_s, st, [0.7] * 2, sr, c0)
                    _place(drums, snare_s, st, [0.45] * 2, sr, c0)
                    snares += st
                # --- build: accelerating snare roll (8ths, then 16ths, then 32nds), rising velocity
                if name == "build":
                    rel = bar - b0
                    nb = b1 - b0
                    if last_bar:
                        st = [tb + i * step for i in range(8)] + [tb + bar_len / 2 + i * step / 2 for i in range(16)]
                    else:
                        st = [tb + i * 2 * step for i in range(8)]
                    gains = [0.18 + 0.5 * (rel + (s - tb) / bar_len) / nb for s in st]
                    _place(drums, snare_s, st, gains, sr, c0)
                    snares += st
                # --- bass: a long root on the downbeat, then the offbeats (octave jump on the 3rd)
                if name in ("intro", "drop"):
                    notes = [(0, 3.6, 1.0)] + [(s, 1.6, 2.0 if s == 10 else 1.0) for s in (6, 10, 14)]
                    for s, d, mult in notes:
                        key = (root * mult, d * step)
                        if key not in bass_notes:
                            bass_notes[key] = _bass_note(key[0], key[1], sr)
                        _place(bass, bass_notes[key], [tb + s * step], [0.42 * level], sr, c0)
                # --- pads in drops and breakdowns, a pluck arpeggio in breakdowns
                if name in ("drop", "breakdown") or (name == "build" and last_bar):
                    i0 = int(round(tb * sr))
                    pn = min(int(round(bar_len * sr)) + int(0.2 * sr), n - i0)
                    if pn > 0:
                        music[i0 - c0 : i0 - c0 + pn] += 0.35 * level * _pad(chord, pn, sr, pad_rng)
                if name == "breakdown":
                    arp = [chord[i % 3] * (2 if (i // 3) % 2 else 1) for i in range(8)]
                    for i, f in enumerate(arp):
                        pl = _pluck(f * 2, sr)
                        pan = 0.3 + 0.4 * (i % 2)
                        pl2 = np.stack([pl * (1 - pan), pl * pan], 1)
                        _place(music, pl2, [tb + i * 2 * step], [0.5], sr, c0)
            if name == "build":
                i0, i1 = riser_span(b0, b1)
                if i1 > i0:
                    fx[i0 - c0 : i1 - c0] += 0.16 * _riser(i1 - i0, sr, rng)
            if name == "drop":
                _place(fx, crash_s, [t0], [0.3], sr, c0)
            prev_name = name

        # the mix of this piece: sidechain ducking of bass + pads by the kick, filtered pads
        _sidechain(piece_kicks, n, sr, depth=0.7, length=0.3, tau=0.09, duck=duck, offset=c0)
        w = c1 - c0
        carry = {k: v[w:].copy() for k, v in (("drums", drums), ("bass", bass), ("music", music), ("fx", fx),
                                              ("duck", duck))}
        pads, lead = np.concatenate([music_ctx, music[:w]]), len(music_ctx)
        music_ctx = music[max(0, w - _ir_len(n, 2200.0, sr)) : w].copy()
        del music
        pads = _one_pole_lowpass(pads, 2200.0, sr)[lead:]
        # drums + bass * duck + pads * duck + fx, in place (the same operations, in the same order)
        mix = drums[:w] + (bass[:w] * duck[:w])[:, None]
        del drums, bass
        pads *= duck[:w, None]
        mix += pads
        del pads
        mix += fx[:w]
        del fx
        mix *= 1.1
        np.tanh(mix, out=mix)
        mix *= 0.98  # gentle soft clip on the master
        mix += noise_rng.standard_normal((w, 2)) * NOISE_FLOOR_RMS
        np.clip(mix, -1.0, 1.0, out=mix)
        audio[c0:c1] = mix
        del mix

    beats = np.arange(0.0, duration, beat)
    beats = beats[beats < duration - 1e-9]
    return DemoTrack(
        audio=audio, sr=sr, bpm=float(bpm), beats=beats, downbeats=beats[::4].copy(),
        kicks=np.array(sorted(k for k in kicks if k < duration)), sections=sections,
        drop_time=float(drop_time), snares=np.array(sorted(s for s in snares if s < duration)),
        hats=np.array(sorted(h for h in hats if h < duration)),
    )


# --------------------------------------------------------------------------- files


def write_wav(path: str | Path, audio: np.ndarray, sr: int) -> None:
    """Write float audio (``(n,)`` or ``(n, ch)``, -1..1) as 16-bit PCM WAV."""
    a = np.asarray(audio)
    if a.ndim == 1:
        a = a[:, None]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(a.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(sr))
        for i in range(0, max(1, len(a)), 1 << 20):  # a million frames at a time: an hour is not copied whole
            pcm = np.round(np.clip(a[i : i + (1 << 20)].astype(np.float64), -1.0, 1.0) * 32767.0).astype("<i2")
            w.writeframes(pcm.tobytes())


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vjhost.audio.demo",
                                description="Render the vjhost demo track to a WAV file.")
    p.add_argument("out", help="output .wav path")
    p.add_argument("--duration", type=float, default=20.0, help="seconds (default 20)")
    p.add_argument("--bpm", type=float, default=128.0)
    p.add_argument("--sr", type=int, default=48000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    track = synthesize_demo(args.duration, args.sr, args.bpm, args.seed)
    write_wav(args.out, track.audio, track.sr)
    secs = ", ".join(f"{name} {s:.1f}-{e:.1f}s" for name, s, e in track.sections)
    print(f"wrote {args.out}: {track.duration:.1f} s at {track.bpm:g} BPM ({secs})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
