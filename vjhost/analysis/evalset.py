"""A generated evaluation set for the beat/onset analysis, with exact ground truth.

No copyrighted music: every track is synthesized from the demo track's
instruments (:mod:`vjhost.audio.demo`) with a genre's drum pattern, tempo,
swing and arrangement, then mixed like a real master: bus compression, a
soft-clipping limiter, a noise floor (hiss and a little mains hum) and a
per-track level.  Everything is a pure function of the spec and its seed.

The set (:data:`EVAL_SPECS`) covers 80-175 BPM: house, techno, trance,
drum & bass, swung hip-hop, half-time dubstep, downtempo, a track whose
tempo changes half-way, and a track with a long breakdown without drums.

Ground truth per track (seconds): ``beats`` (the quarter-note grid, also
through breakdowns), ``downbeats``, ``kicks``, ``snares`` (snares and claps),
``hats``, the tempo map ``tempo`` (``[(start, bpm), ...]``) and ``sections``.

    python -m vjhost.analysis.evalset OUTDIR      # writes the set as WAV files
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from vjhost.audio.demo import (
    _CHORDS,
    _ROOTS,
    _bass_note,
    _clap,
    _closed_hat,
    _kick,
    _one_pole_lowpass,
    _open_hat,
    _pad,
    _place,
    _place_variants,
    _pluck,
    _snare,
    write_wav,
)

__all__ = ["TrackSpec", "EvalTrack", "EVAL_SPECS", "QUICK_SPECS", "render", "eval_set", "spec", "TrackerRun",
           "run_ours", "run_aubio", "score", "main"]

#: drum patterns on a 16-step bar: instrument -> [(step, velocity), ...]; bars of 4 beats.
#: "bass" are (step, length in steps, octave multiplier) notes on the bar's root.
PATTERNS: dict[str, dict[str, list]] = {
    "house": dict(
        kick=[(0, 1.0), (4, 0.9), (8, 0.95), (12, 0.9)],
        clap=[(4, 0.6), (12, 0.6)],
        chat=[(i, 0.18 if i % 2 else 0.26) for i in range(16) if i % 4 != 2],
        ohat=[(2, 0.3), (6, 0.3), (10, 0.3), (14, 0.3)],
        bass=[(2, 1.5, 1.0), (6, 1.5, 1.0), (10, 1.5, 2.0), (14, 1.5, 1.0)],
    ),
    "techno": dict(
        kick=[(0, 1.0), (4, 1.0), (8, 1.0), (12, 1.0)],
        clap=[(4, 0.35), (12, 0.35)],
        chat=[(i, 0.22 if i % 4 == 2 else 0.12) for i in range(16)],
        bass=[(3, 1.0, 1.0), (7, 1.0, 1.0), (11, 1.0, 1.0), (15, 1.0, 1.0)],
    ),
    "trance": dict(
        kick=[(0, 1.0), (4, 0.9), (8, 0.95), (12, 0.9)],
        clap=[(4, 0.5), (12, 0.5)],
        ohat=[(2, 0.35), (6, 0.35), (10, 0.35), (14, 0.35)],
        chat=[(i, 0.12) for i in range(1, 16, 2)],
        bass=[(s, 0.9, 1.0) for s in range(16) if s % 4 != 0],
    ),
    "dnb": dict(  # two-step break: kick 1 and the "and" of 3, snare 2 and 4
        kick=[(0, 1.0), (10, 0.9)],
        snare=[(4, 0.8), (12, 0.8), (15, 0.25)],
        chat=[(i, 0.22 if i % 4 == 0 else 0.15) for i in range(0, 16, 2)],
        bass=[(0, 6.0, 1.0), (10, 5.0, 1.0)],
    ),
    "hiphop": dict(  # boom-bap
        kick=[(0, 1.0), (7, 0.7), (10, 0.9)],
        snare=[(4, 0.85), (12, 0.85)],
        chat=[(i, 0.24 if i % 4 == 0 else 0.16) for i in range(0, 16, 2)],
        bass=[(0, 5.0, 1.0), (7, 2.0, 1.0), (10, 5.0, 1.0)],
    ),
    "halftime": dict(  # dubstep: kick on 1, snare on 3 of a 140 BPM bar, 16th hats
        kick=[(0, 1.0), (11, 0.6)],
        snare=[(8, 0.9)],
        clap=[(8, 0.5)],
        chat=[(i, 0.2 if i % 2 == 0 else 0.1) for i in range(16)],
        bass=[(0, 6.0, 1.0), (11, 4.0, 2.0)],
    ),
    "downtempo": dict(
        kick=[(0, 1.0), (6, 0.6), (8, 0.9)],
        snare=[(4, 0.7), (12, 0.7)],
        chat=[(i, 0.18 if i % 4 == 2 else 0.12) for i in range(0, 16, 2)],
        bass=[(0, 7.0, 1.0), (8, 6.0, 1.0)],
    ),
}


@dataclass(frozen=True)
class TrackSpec:
    """How to render one evaluation track."""

    name: str
    pattern: str
    bpm: float
    duration: float = 30.0
    seed: int = 0
    swing: float = 0.5  #: position of the off-beat 8th in the beat (0.5 = straight)
    tempo_change: tuple[float, float] | None = None  #: (bar index, new bpm)
    breakdown: tuple[int, int] | None = None  #: bars [b0, b1) without drums or bass (pads + plucks only)
    level_db: float = -1.0  #: master peak level


EVAL_SPECS: tuple[TrackSpec, ...] = (
    TrackSpec("house_124", "house", 124.0, seed=1),
    TrackSpec("techno_132", "techno", 132.0, seed=2),
    TrackSpec("trance_138", "trance", 138.0, seed=3, level_db=-0.3),
    TrackSpec("dnb_174", "dnb", 174.0, seed=4),
    TrackSpec("hiphop_90_swing", "hiphop", 90.0, seed=5, swing=0.62, level_db=-3.0),
    TrackSpec("dubstep_140_halftime", "halftime", 140.0, seed=6),
    TrackSpec("downtempo_84", "downtempo", 84.0, seed=7, level_db=-6.0),
    TrackSpec("house_tempo_change_122_128", "house", 122.0, duration=36.0, seed=8, tempo_change=(9, 128.0)),
    TrackSpec("techno_breakdown_128", "techno", 128.0, duration=36.0, seed=9, breakdown=(6, 10)),
)

#: a small, fast subset (for the tests)
QUICK_SPECS: tuple[TrackSpec, ...] = (
    TrackSpec("techno_132_short", "techno", 132.0, duration=16.0, seed=12),
    TrackSpec("dubstep_140_halftime_short", "halftime", 140.0, duration=14.0, seed=13),
)


def spec(name: str) -> TrackSpec:
    for s in EVAL_SPECS + QUICK_SPECS:
        if s.name == name:
            return s
    raise KeyError(name)


@dataclass
class EvalTrack:
    """A rendered evaluation track and its ground truth (seconds)."""

    spec: TrackSpec
    audio: np.ndarray  #: float32 (n,) mono, -1..1
    sr: int
    beats: np.ndarray
    downbeats: np.ndarray
    kicks: np.ndarray
    snares: np.ndarray
    hats: np.ndarray
    tempo: list[tuple[float, float]]  #: (start time, bpm)
    sections: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sr

    @property
    def onsets(self) -> np.ndarray:
        """Every drum hit (kick, snare, hat), merged within 10 ms."""
        t = np.sort(np.concatenate([self.kicks, self.snares, self.hats]))
        return t[np.concatenate([[True], np.diff(t) > 0.01])] if len(t) else t

    def bpm_at(self, t: float | np.ndarray) -> np.ndarray:
        starts = np.array([s for s, _ in self.tempo])
        bpms = np.array([b for _, b in self.tempo])
        return bpms[np.maximum(np.searchsorted(starts, np.asarray(t), side="right") - 1, 0)]


# --------------------------------------------------------------------------- rendering


def _compress(x: np.ndarray, sr: int, threshold_db: float = -18.0, ratio: float = 4.0) -> np.ndarray:
    """A feed-forward RMS bus compressor (~10 ms detector) with make-up gain."""
    env = np.sqrt(np.maximum(_one_pole_lowpass(x * x, 15.0, sr), 1e-12))
    env_db = 20.0 * np.log10(env)
    over = np.maximum(env_db - threshold_db, 0.0)
    gain_db = -over * (1.0 - 1.0 / ratio)
    return x * 10.0 ** (gain_db / 20.0)


def render(s: TrackSpec, sr: int = 48000) -> EvalTrack:
    """Render one track.  Deterministic: the same spec gives the same samples."""
    rng = np.random.default_rng(1000 + s.seed)
    n = int(round(s.duration * sr))
    pat = PATTERNS[s.pattern]
    kick_s, snare_s, clap_s = _kick(sr, rng), _snare(sr, rng), _clap(sr, rng)
    chat_s = [_closed_hat(sr, rng) for _ in range(6)]
    ohat_s = [_open_hat(sr, rng) for _ in range(3)]
    drums = np.zeros(n)
    bass = np.zeros(n)
    music = np.zeros((n, 2))
    kicks: list[float] = []
    snares: list[float] = []
    hats: list[float] = []
    beats: list[float] = []
    downbeats: list[float] = []
    tempo = [(0.0, s.bpm)]
    sections: list[tuple[str, float, float]] = []
    bass_cache: dict[tuple[float, float], np.ndarray] = {}
    pad_rng = np.random.default_rng(2000 + s.seed)
    bpm = s.bpm
    tb = 0.0
    bar = 0
    in_break = False
    while tb < s.duration:
        if s.tempo_change and bar == s.tempo_change[0]:
            bpm = s.tempo_change[1]
            tempo.append((tb, bpm))
        beat = 60.0 / bpm
        step = beat / 4.0
        bar_len = 4 * beat
        brk = bool(s.breakdown and s.breakdown[0] <= bar < s.breakdown[1])
        if brk != in_break or not sections:
            if sections:
                sections[-1] = (sections[-1][0], sections[-1][1], tb)
            sections.append(("breakdown" if brk else "groove", tb, s.duration))
            in_break = brk
        beats += [tb + i * beat for i in range(4)]
        downbeats.append(tb)
        shift = (s.swing - 0.5) * beat  # swing delays the off-beat 8th (and the 16ths after it by half)

        def at(st: int) -> float:
            off = shift if st % 4 == 2 else shift / 2 if st % 2 == 1 else 0.0
            return tb + st * step + off

        if not brk:
            for inst, dst, smp in (("kick", kicks, [kick_s]), ("snare", snares, [snare_s]),
                                   ("clap", snares, [clap_s]), ("chat", hats, chat_s), ("ohat", hats, ohat_s)):
                hits = pat.get(inst, [])
                # small humanised velocity and (for the swung track) timing variation
                t = [at(st) + (rng.normal(0, 0.002) if s.swing != 0.5 and inst != "kick" else 0.0) for st, _ in hits]
                g = [v * (1.0 + 0.06 * rng.standard_normal()) for _, v in hits]
                _place_variants(drums, smp, t, g, sr)
                dst += t
            root = _ROOTS[bar % 4]
            for st, ln, mult in pat.get("bass", []):
                key = (root * mult, round(ln * step, 4))
                if key not in bass_cache:
                    bass_cache[key] = _bass_note(key[0], key[1], sr)
                _place(bass, bass_cache[key], [at(st)], [0.4], sr)
        chord = _CHORDS[bar % 4]
        i0 = int(round(tb * sr))
        pn = min(int(round(bar_len * sr)) + int(0.2 * sr), n - i0)
        if pn > 0:
            music[i0 : i0 + pn] += (0.45 if brk else 0.25) * _pad(chord, pn, sr, pad_rng)
        if brk:  # a pluck arpeggio on the 8ths keeps the pulse audible
            for i in range(8):
                f = chord[i % 3] * (2 if (i // 3) % 2 else 1)
                pl = _pluck(2 * f, sr)
                _place(music, np.stack([pl * 0.6, pl * 0.4], 1), [tb + i * 2 * step], [0.45 if i % 2 == 0 else 0.3], sr)
        tb += bar_len
        bar += 1

    # sidechain ducking of bass and music by the kick
    duck = np.ones(n)
    dk = 1.0 - 0.6 * np.exp(-np.arange(int(0.25 * sr)) / (0.08 * sr))
    for t in kicks:
        i = int(round(t * sr))
        m = min(len(dk), n - i)
        if 0 <= i and m > 0:
            duck[i : i + m] *= dk[:m]
    music = _one_pole_lowpass(music, 2500.0, sr).mean(axis=1)
    mix = drums * 0.8 + (bass * 1.0 + music) * duck
    # master: bus compression, make-up gain, soft-clip limiter, then the level
    mix = _compress(mix, sr)
    mix /= np.abs(mix).max() + 1e-9
    mix = np.tanh(1.6 * mix) / np.tanh(1.6)
    mix *= 10.0 ** (s.level_db / 20.0)
    # noise floor: hiss at about -62 dBFS and a little 50 Hz hum
    t = np.arange(n) / sr
    mix += 10 ** (-62 / 20) * rng.standard_normal(n) + 10 ** (-66 / 20) * np.sin(2 * np.pi * 50.0 * t)
    audio = np.clip(mix, -1.0, 1.0).astype(np.float32)

    def clip(v: list[float]) -> np.ndarray:
        a = np.array(sorted(v))
        return a[(a >= 0) & (a < s.duration)]

    return EvalTrack(spec=s, audio=audio, sr=sr, beats=clip(beats), downbeats=clip(downbeats), kicks=clip(kicks),
                     snares=clip(snares), hats=clip(hats), tempo=tempo, sections=sections)


def eval_set(specs: Sequence[TrackSpec] = EVAL_SPECS, sr: int = 48000):
    """Render the tracks one at a time (a generator: a whole set at once is a lot of memory)."""
    for s in specs:
        yield render(s, sr)


# --------------------------------------------------------------------------- scoring

#: mir_eval ignores beats in the first 5 s (the usual convention; trackers need a few seconds to lock)
SKIP_S = 5.0


@dataclass
class TrackerRun:
    """What one tracker produced on one track."""

    beats: np.ndarray  #: times (s) at which each beat was *reported* (end of its hop)
    bpm_t: np.ndarray  #: times of the bpm curve
    bpm: np.ndarray  #: the tracker's tempo estimate over time
    kicks: np.ndarray = field(default_factory=lambda: np.zeros(0))
    onsets: np.ndarray = field(default_factory=lambda: np.zeros(0))


def run_ours(tr: EvalTrack, hop: int = 512, analyzers=None) -> TrackerRun:
    """Our causal analyzers (default: OnsetAnalyzer + BeatTracker), hop by hop as live."""
    from vjhost.analysis.timeline import analyze_buffer
    from vjhost_builtins.analysis import BeatTracker, OnsetAnalyzer

    if analyzers is None:
        analyzers = [OnsetAnalyzer(tr.sr, hop), BeatTracker(tr.sr, hop)]
    tl = analyze_buffer(tr.audio, tr.sr, analyzers, hop)
    return TrackerRun(beats=tl.events("beat"), bpm_t=tl.times, bpm=tl["bpm"].astype(np.float64),
                      kicks=tl.events("kick"), onsets=tl.events("onset"))


def run_aubio(tr: EvalTrack, hop: int = 512, win: int = 1024, method: str = "default") -> TrackerRun:
    """aubio's own causal tempo tracker (``aubio.tempo``) and onset detector at the same hop.

    Beat times are the hop in which aubio reports each beat (when it becomes
    available), like ours.
    """
    import aubio

    t = aubio.tempo(method, win, hop, tr.sr)
    o = aubio.onset("default", win, hop, tr.sr)
    x = tr.audio.astype(aubio.float_type)
    n_hops = len(x) // hop
    beats, onsets = [], []
    bpm = np.zeros(n_hops)
    for i in range(n_hops):
        block = x[i * hop : (i + 1) * hop]
        end = (i + 1) * hop / tr.sr
        if t(block)[0]:
            beats.append(end)
        if o(block)[0]:
            onsets.append(end)
        bpm[i] = t.get_bpm()
    times = (np.arange(n_hops) + 1) * hop / tr.sr
    return TrackerRun(beats=np.array(beats), bpm_t=times, bpm=bpm, onsets=np.array(onsets))


def _latency_ms(detected: np.ndarray, truth: np.ndarray, window: float = 0.07) -> tuple[float, float, float]:
    """(median, 90th percentile, recall) of ``detected - truth`` in ms, for truth events with a detection
    in ``[truth - 10 ms, truth + window]`` (the first one)."""
    lat = []
    for t in truth:
        j = np.searchsorted(detected, t - 0.01)
        if j < len(detected) and detected[j] <= t + window:
            lat.append(detected[j] - t)
    if not lat:
        return float("nan"), float("nan"), 0.0
    lat = 1e3 * np.array(lat)
    return float(np.median(lat)), float(np.percentile(lat, 90)), len(lat) / max(1, len(truth))


def score(tr: EvalTrack, run: TrackerRun) -> dict:
    """mir_eval beat scores, BPM error and tempo-change follow time, plus event latencies."""
    import mir_eval

    ref = mir_eval.beat.trim_beats(tr.beats, SKIP_S)
    est = mir_eval.beat.trim_beats(run.beats, SKIP_S)
    f = float(mir_eval.beat.f_measure(ref, est))
    _cmlc, cmlt, _amlc, amlt = (float(v) for v in mir_eval.beat.continuity(ref, est))
    true_bpm = tr.bpm_at(run.bpm_t)
    rel = np.abs(run.bpm / true_bpm - 1.0)
    # after 8 beats of the track (and outside the 4 beats after a tempo change, scored separately)
    ok = run.bpm_t >= 8 * 60.0 / tr.tempo[0][1]
    for t0, b in tr.tempo[1:]:
        ok &= ~((run.bpm_t >= t0) & (run.bpm_t < t0 + 4 * 60.0 / b))
    bpm_err = float(100 * rel[ok].max()) if ok.any() else float("nan")
    bpm_med = float(100 * np.median(rel[ok])) if ok.any() else float("nan")
    follow = float("nan")
    for t0, b in tr.tempo[1:]:
        after = run.bpm_t >= t0
        bad = after & (rel > 0.01)
        last_bad = run.bpm_t[bad].max() if bad.any() else t0
        follow = (last_bad - t0) * b / 60.0  # beats after the change until within 1 % for good
    out = dict(track=tr.name, f_measure=f, cmlt=cmlt, amlt=amlt, bpm_err_pct=bpm_err, bpm_med_err_pct=bpm_med,
               follow_beats=follow)
    # beats: signed report time vs the true beat (negative = predicted ahead of it)
    out["beat_latency_ms"] = _latency_ms(run.beats[run.beats >= SKIP_S], ref, window=0.07)[0]
    if len(run.kicks):
        med, p90, rec = _latency_ms(run.kicks, tr.kicks)
        out.update(kick_latency_ms=med, kick_latency_p90_ms=p90, kick_recall=rec)
    if len(run.onsets):
        med, p90, rec = _latency_ms(run.onsets, tr.onsets)
        out.update(onset_latency_ms=med, onset_latency_p90_ms=p90, onset_recall=rec)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vjhost.analysis.evalset",
                                description="Write the evaluation set as WAV files.")
    p.add_argument("outdir")
    p.add_argument("--quick", action="store_true", help="only the short test subset")
    args = p.parse_args(argv)
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    for tr in eval_set(QUICK_SPECS if args.quick else EVAL_SPECS):
        write_wav(out / f"{tr.name}.wav", tr.audio, tr.sr)
        print(f"{tr.name}: {tr.duration:.1f} s, {len(tr.beats)} beats, tempo {tr.tempo}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
