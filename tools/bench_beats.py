"""Beat / tempo / event accuracy and latency on the generated evaluation set: ours vs aubio.

    python tools/bench_beats.py            # table
    python tools/bench_beats.py --json     # machine-readable
    python tools/bench_beats.py --tracks house_124,dnb_174

For every track of :data:`vjhost.analysis.evalset.EVAL_SPECS` (rendered here,
deterministically) it runs, in the same process and on the same samples:

- **ours**: the built-in ``OnsetAnalyzer`` + ``BeatTracker``, hop by hop (hop 512 at 48 kHz) as live;
- **aubio**: ``aubio.tempo("default", 1024, 512, sr)`` and ``aubio.onset("default", 1024, 512, sr)``,
  the same hop, causal; a beat counts at the hop aubio reports it.

Scores (mir_eval, beats in the first 5 s ignored): beat F-measure (+-70 ms), CMLt;
``bpm%``: the largest BPM error after the first 8 beats (the 4 beats after a tempo
change excluded); ``follow``: beats after a tempo change until the estimate is within
1 % for good.  Latencies are report time (end of the hop that carries the event)
minus the true onset sample's time: median for kicks (ours) and onsets (ours and
aubio, against every drum hit); they include the hop buffering (a hop is
10.7 ms at 48 kHz, so an event waits 5.3 ms on average for its hop to end).
Needs ``mir_eval``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

from vjhost.analysis.evalset import EVAL_SPECS, render, run_aubio, run_ours, score

GOALS = dict(f_margin=0.15, bpm_err_pct=1.0, follow_beats=4.0, latency_ms=25.0)


def _fmt(v, nd=2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.{nd}f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--tracks", help="comma-separated track names (default: all)")
    p.add_argument("--hop", type=int, default=512)
    args = p.parse_args(argv)
    specs = EVAL_SPECS
    if args.tracks:
        want = set(args.tracks.split(","))
        specs = tuple(s for s in EVAL_SPECS if s.name in want)
        if not specs:
            p.error(f"no such tracks; have: {', '.join(s.name for s in EVAL_SPECS)}")
    rows = []
    for s in specs:
        tr = render(s)
        t0 = time.perf_counter()
        ours = score(tr, run_ours(tr, args.hop))
        t1 = time.perf_counter()
        base = score(tr, run_aubio(tr, args.hop))
        t2 = time.perf_counter()
        ours["seconds"], base["seconds"] = t1 - t0, t2 - t1
        rows.append(dict(track=s.name, bpm=s.bpm, ours=ours, aubio=base))
        if not args.json:
            print(f"  ... {s.name} done", file=sys.stderr)

    keys = ("f_measure", "cmlt", "bpm_err_pct", "follow_beats", "beat_latency_ms", "kick_latency_ms",
            "onset_latency_ms")

    def mean(who: str, k: str) -> float:
        v = [r[who].get(k, float("nan")) for r in rows]
        v = [x for x in v if not math.isnan(x)]
        return float(np.mean(v)) if v else float("nan")

    summary = {who: {k: mean(who, k) for k in keys} for who in ("ours", "aubio")}
    tc = [r["ours"]["follow_beats"] for r in rows if not math.isnan(r["ours"]["follow_beats"])]
    goals = {
        "f_measure_margin": summary["ours"]["f_measure"] - summary["aubio"]["f_measure"] >= GOALS["f_margin"],
        "bpm_within_1pct_after_8_beats": all(r["ours"]["bpm_err_pct"] <= GOALS["bpm_err_pct"] for r in rows),
        "tempo_change_within_4_beats": bool(tc) and all(v <= GOALS["follow_beats"] for v in tc),
        "kick_latency_le_25ms": summary["ours"]["kick_latency_ms"] <= GOALS["latency_ms"],
        "onset_latency_le_25ms": summary["ours"]["onset_latency_ms"] <= GOALS["latency_ms"],
    }
    if args.json:
        json.dump(dict(rows=rows, mean=summary, goals=goals), sys.stdout, indent=1)
        print()
        return 0
    hdr = (f"{'track':<28}{'BPM':>5} | {'F':>5}{'CMLt':>6}{'bpm%':>6}{'foll':>6}{'beat':>6}{'kick':>6}{'ons':>6}"
           f" | {'F':>5}{'CMLt':>6}{'bpm%':>6}{'foll':>6}{'beat':>6}{'ons':>6}")
    print(f"{'':<34}| {'ours':<41}| aubio")
    print(hdr)
    print("-" * len(hdr))

    def cells(d: dict, with_kick: bool) -> str:
        s = f"{_fmt(d['f_measure']):>5}{_fmt(d['cmlt']):>6}{_fmt(d['bpm_err_pct']):>6}{_fmt(d['follow_beats'], 1):>6}"
        s += f"{_fmt(d.get('beat_latency_ms'), 1):>6}"
        if with_kick:
            s += f"{_fmt(d.get('kick_latency_ms'), 1):>6}"
        return s + f"{_fmt(d.get('onset_latency_ms'), 1):>6}"

    for r in rows:
        print(f"{r['track']:<28}{r['bpm']:>5g} | {cells(r['ours'], True)} | {cells(r['aubio'], False)}")
    print("-" * len(hdr))
    print(f"{'mean':<28}{'':>5} | {cells(summary['ours'], True)} | {cells(summary['aubio'], False)}")
    print("\ncolumns: F = beat F-measure, CMLt (mir_eval, first 5 s skipped); bpm% = max BPM error after 8 beats;"
          "\nfoll = beats to follow a tempo change to within 1 %; beat/kick/ons = median report latency (ms) vs truth")
    print("goals: " + ", ".join(f"{k} {'MET' if v else 'NOT met'}" for k, v in goals.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
