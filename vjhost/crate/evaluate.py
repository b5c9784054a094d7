"""Score the companion on a crate it synthesises itself (known keys, tempos, genres, energies).

:func:`evaluate_crate` renders ``n_tracks`` tracks (:mod:`vjhost.crate.synth`;
seeds apart from the embedding's training and held-out tracks), writes them
in turn as wav, flac, mp3, ogg and m4a (PyAV), scans them into a fresh crate
database exactly as ``vjhost crate scan`` does, and reports:

- **key**: the MIREX weighted score (1 exact, 0.5 fifth, 0.3 relative,
  0.2 parallel) and the share of each outcome;
- **tempo**: accuracy 1 (within 4 % of the true BPM) and accuracy 2 (also
  at x2, x1/2, x3, x1/3: octave errors allowed);
- **energy**: Spearman rank correlation of the measured score with the
  designed energy;
- **genre**: how often the embedding's genre head names the true genre;
- **suggestions**: with every track playing in turn, how many of the top
  five are key-compatible (Camelot same, +-1 or relative) and
  tempo-compatible (within 6 %, or half/double), judged by the *true* keys
  and tempos (so detection errors count against it), next to the same rates
  for five random tracks; and, for ``--energy up`` / ``down``, how often the
  suggestion really is more / less energetic;
- **identification**: a 12 s window from the middle of each file (and the
  same through a small-speaker chain: 6 kHz low-pass and noise at -30 dB)
  finds its own track (top 1).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .key import camelot, camelot_relation, mirex_score, parse_key
from .synth import TrackSpec, crate_specs, synthesize_track

__all__ = ["encode_audio", "write_crate", "evaluate_crate", "print_report", "EVAL_SEED_OFFSET"]

EVAL_SEED_OFFSET = 2000  #: the evaluation crate's seeds sit apart from training (0) and held-out (1000)
_CODECS = {"wav": ("pcm_s16le", None), "flac": ("flac", None), "mp3": ("libmp3lame", None), "ogg": ("vorbis", None),
           "m4a": ("aac", "ipod")}


def encode_audio(path: str | Path, audio: np.ndarray, sr: int) -> Path:
    """Write float stereo ``audio`` (n, 2) with the codec the suffix asks for (wav, flac, mp3, ogg, m4a)."""
    import av

    p = Path(path)
    ext = p.suffix.lower().lstrip(".")
    if ext not in _CODECS:
        raise ValueError(f"{p}: cannot write .{ext} (one of {', '.join(_CODECS)})")
    codec, fmt = _CODECS[ext]
    a = np.ascontiguousarray(np.asarray(audio, np.float32).reshape(len(audio), -1)[:, :2])
    if a.shape[1] == 1:
        a = np.repeat(a, 2, axis=1)
    with av.open(str(p), "w", format=fmt) as c:
        st = c.add_stream(codec, rate=sr)
        st.layout = "stereo"
        if codec == "vorbis":
            st.codec_context.options = {"strict": "experimental"}
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(a.T), format="fltp", layout="stereo")
        frame.sample_rate = sr
        fmt_name = st.codec_context.format.name if st.codec_context.format else "fltp"
        rs = av.AudioResampler(format=fmt_name, layout="stereo", rate=sr)
        for f in rs.resample(frame):
            for pk in st.encode(f):
                c.mux(pk)
        for pk in st.encode(None):
            c.mux(pk)
    return p


def write_crate(folder: str | Path, specs: Sequence[TrackSpec], formats: Sequence[str] = ("wav",), sr: int = 44100,
                log=None) -> list[tuple[Path, TrackSpec]]:
    """Synthesise ``specs`` into ``folder`` (formats in turn); returns (file, spec) pairs."""
    out = []
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    for i, spec in enumerate(specs):
        ext = formats[i % len(formats)]
        path = d / f"{i:03d}_{spec.name()}.{ext}"
        if not path.exists():
            encode_audio(path, synthesize_track(spec, sr).audio, sr)
        out.append((path, spec))
        if log and ((i + 1) % 10 == 0 or i + 1 == len(specs)):
            log(f"synthesised {i + 1}/{len(specs)} tracks")
    return out


def _spearman(a: Sequence[float], b: Sequence[float]) -> float:
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def _tempo_ok(a: float, b: float, tol: float = 0.06) -> bool:
    return min(abs(b * f / a - 1.0) for f in (1.0, 0.5, 2.0)) <= tol


def evaluate_crate(n_tracks: int = 28, duration: float = 60.0, seed: int = 0, workdir: str | Path | None = None,
                   formats: Sequence[str] = ("wav", "flac", "mp3", "ogg", "m4a"), quiet: bool = False,
                   identify_windows: bool = True) -> dict[str, Any]:
    from vjhost.audio.files import read_audio

    from .db import CrateDB
    from .embed import shared_embedder
    from .identify import identify
    from .scan import Progress, scan
    from .suggest import suggest

    def log(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr, flush=True)

    tmp = None
    if workdir is None:
        tmp = tempfile.mkdtemp(prefix="vjhost-crate-eval-")
        workdir = tmp
    wd = Path(workdir)
    try:
        t0 = time.perf_counter()
        specs = crate_specs(n_tracks, seed=seed + EVAL_SEED_OFFSET, duration=duration)
        files = write_crate(wd / "tracks", specs, formats, log=log)
        t_synth = time.perf_counter() - t0
        db = CrateDB(wd / "crate.sqlite")
        res = scan(wd / "tracks", db, progress=None if quiet else Progress(0, label="scan"))
        tracks = {t.path: t for t in db.tracks()}
        truth = {}
        for path, spec in files:
            t = tracks.get(str(path.resolve()))
            if t is not None:
                truth[t.id] = (spec, t, path)
        # ---- key
        key_scores, outcomes = [], {"exact": 0, "fifth": 0, "relative": 0, "parallel": 0, "other": 0}
        names = {1.0: "exact", 0.5: "fifth", 0.3: "relative", 0.2: "parallel", 0.0: "other"}
        # ---- tempo
        acc1 = acc2 = 0
        rows = []
        for tid, (spec, t, path) in truth.items():
            est = parse_key(t.key)
            s = mirex_score((spec.tonic, spec.mode), est)
            key_scores.append(s)
            outcomes[names[s]] += 1
            r = t.bpm / spec.bpm if spec.bpm else 0.0
            a1 = abs(r - 1.0) <= 0.04
            a2 = any(abs(r / f - 1.0) <= 0.04 for f in (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0))
            acc1 += a1
            acc2 += a2
            rows.append({"id": tid, "file": path.name, "genre": spec.genre, "true_key": spec.key, "key": t.key,
                         "key_score": s, "true_bpm": spec.bpm, "bpm": t.bpm, "energy_true": round(spec.energy, 3),
                         "energy": round(t.energy, 3), "genre_est": t.genre})
        n = max(1, len(truth))
        # ---- suggestions, judged by the truth
        crate = [t for (_, t, _) in truth.values()]
        true_cam = {tid: camelot(spec.tonic, spec.mode) for tid, (spec, _, _) in truth.items()}
        true_bpm = {tid: spec.bpm for tid, (spec, _, _) in truth.items()}
        true_energy = {tid: spec.energy for tid, (spec, _, _) in truth.items()}
        k_ok = t_ok = both = total = 0
        best_k = best_t = best_b = 0.0  # the most any top five could have: min(5, compatible tracks) each
        dir_hits = {"up": [0, 0], "down": [0, 0]}
        for cur in crate:
            others = [t for t in crate if t.id != cur.id]
            kc = [camelot_relation(true_cam[cur.id], true_cam[t.id]) is not None for t in others]
            tc = [_tempo_ok(true_bpm[cur.id], true_bpm[t.id]) for t in others]
            m = min(5, len(others))
            if m:
                best_k += min(m, sum(kc)) / m
                best_t += min(m, sum(tc)) / m
                best_b += min(m, sum(a and b for a, b in zip(kc, tc))) / m
            for direction in ("keep", "up", "down"):
                sug = suggest(cur, crate, direction=direction, n=5)
                for s in sug:
                    if direction == "keep":
                        kk = camelot_relation(true_cam[cur.id], true_cam[s.track.id]) is not None
                        tt = _tempo_ok(true_bpm[cur.id], true_bpm[s.track.id])
                        k_ok += kk
                        t_ok += tt
                        both += kk and tt
                        total += 1
                    else:
                        d = true_energy[s.track.id] - true_energy[cur.id]
                        dir_hits[direction][0] += (d > 0) if direction == "up" else (d < 0)
                        dir_hits[direction][1] += 1
        # the same rates for random picks: every ordered pair counts once
        rk = rt = rb = pairs = 0
        for a in crate:
            for b in crate:
                if a.id == b.id:
                    continue
                kk = camelot_relation(true_cam[a.id], true_cam[b.id]) is not None
                tt = _tempo_ok(true_bpm[a.id], true_bpm[b.id])
                rk += kk
                rt += tt
                rb += kk and tt
                pairs += 1
        # ---- identification from a 12 s window
        ident: dict[str, Any] = {}
        if identify_windows and crate:
            emb = shared_embedder()
            hits = {"clean": 0, "small_speaker": 0}
            rng = np.random.default_rng(seed)
            from vjhost.audio.demo import _one_pole_lowpass

            t_id = time.perf_counter()
            for tid, (spec, _t, path) in truth.items():
                audio, sr = read_audio(path, sr=48000, mono=True)
                x = audio[:, 0]
                mid = len(x) // 2
                win = x[max(0, mid - 6 * sr): mid + 6 * sr]
                bpm = spec.bpm * (1.0 + rng.uniform(-0.01, 0.01))
                for name, w in (("clean", win),
                                ("small_speaker", _one_pole_lowpass(_one_pole_lowpass(win, 6000.0, sr), 6000.0, sr)
                                 + rng.standard_normal(len(win)) * 0.03 * np.sqrt(np.mean(win ** 2)) * 1.0)):
                    m = identify(np.asarray(w, np.float32), sr, crate, emb, bpm=bpm, top=1)
                    hits[name] += bool(m and m[0].track.id == tid)
            ident = {k: round(v / n, 4) for k, v in hits.items()}
            ident["seconds_per_window"] = round((time.perf_counter() - t_id) / (2 * n), 3)
        report = {
            "tracks": len(truth), "duration": duration, "formats": list(formats), "seed": seed + EVAL_SEED_OFFSET,
            "scan": {"seconds": round(res.seconds, 1), "audio_seconds": round(res.audio_seconds, 1),
                     "x_realtime": round(res.realtime, 1), "failed": len(res.failed),
                     "synth_seconds": round(t_synth, 1)},
            "key": {"mirex": round(float(np.mean(key_scores)) if key_scores else 0.0, 4),
                    **{k: round(v / n, 4) for k, v in outcomes.items()}},
            "bpm": {"accuracy1": round(acc1 / n, 4), "accuracy2": round(acc2 / n, 4)},
            "energy": {"spearman": round(_spearman([r["energy_true"] for r in rows], [r["energy"] for r in rows]), 4)},
            "genre": {"accuracy": round(sum(r["genre"] == r["genre_est"] for r in rows) / n, 4)},
            "suggestions": {
                "top5_key_compatible": round(k_ok / max(1, total), 4),
                "top5_tempo_compatible": round(t_ok / max(1, total), 4),
                "top5_both": round(both / max(1, total), 4),
                "random_key_compatible": round(rk / max(1, pairs), 4),
                "random_tempo_compatible": round(rt / max(1, pairs), 4),
                "random_both": round(rb / max(1, pairs), 4),
                "best_possible_key": round(best_k / n, 4),
                "best_possible_tempo": round(best_t / n, 4),
                "best_possible_both": round(best_b / n, 4),
                "energy_up_is_higher": round(dir_hits["up"][0] / max(1, dir_hits["up"][1]), 4),
                "energy_down_is_lower": round(dir_hits["down"][0] / max(1, dir_hits["down"][1]), 4),
            },
            "identify_top1": ident,
            "rows": rows,
        }
        db.close()
        return report
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def print_report(rep: dict[str, Any]) -> None:
    s, k, b = rep["suggestions"], rep["key"], rep["bpm"]
    print(f"crate of {rep['tracks']} synthesised tracks x {rep['duration']:g} s "
          f"({', '.join(rep['formats'])}; seed {rep['seed']})")
    print(f"  scan        {rep['scan']['audio_seconds']:.0f} s of audio in {rep['scan']['seconds']:.1f} s "
          f"({rep['scan']['x_realtime']:.1f}x realtime), {rep['scan']['failed']} failed")
    print(f"  key         MIREX {k['mirex']:.3f}  (exact {k['exact']:.0%}, fifth {k['fifth']:.0%}, "
          f"relative {k['relative']:.0%}, "
          f"parallel {k['parallel']:.0%}, other {k['other']:.0%})")
    print(f"  tempo       accuracy1 (4 %) {b['accuracy1']:.0%}   "
          f"accuracy2 (octave errors allowed) {b['accuracy2']:.0%}")
    print(f"  energy      Spearman vs designed energy {rep['energy']['spearman']:.2f}")
    print(f"  genre       head accuracy {rep['genre']['accuracy']:.0%}")
    print(f"  top 5       key-compatible {s['top5_key_compatible']:.0%} (random {s['random_key_compatible']:.0%}, "
          f"best possible {s['best_possible_key']:.0%}), tempo-compatible {s['top5_tempo_compatible']:.0%} "
          f"(random {s['random_tempo_compatible']:.0%}, best {s['best_possible_tempo']:.0%}), "
          f"both {s['top5_both']:.0%} (random {s['random_both']:.0%}, best {s['best_possible_both']:.0%})")
    print(f"  direction   --energy up really higher {s['energy_up_is_higher']:.0%}, down really lower "
          f"{s['energy_down_is_lower']:.0%}")
    if rep.get("identify_top1"):
        i = rep["identify_top1"]
        print(f"  identify    12 s window -> its track: clean {i['clean']:.0%}, "
              f"small speaker + noise {i['small_speaker']:.0%} "
              f"({i['seconds_per_window']:.2f} s a window)")
    bad = [r for r in rep["rows"] if r["key_score"] < 1.0 or abs(r["bpm"] / r["true_bpm"] - 1) > 0.04]
    if bad:
        print("  misses:")
        for r in bad[:12]:
            print(f"    {r['file']:<42} key {r['true_key']:>9} -> {r['key']:<9} "
                  f"bpm {r['true_bpm']:6.1f} -> {r['bpm']:6.1f}")
