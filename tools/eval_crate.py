#!/usr/bin/env python3
"""Evaluate the crate companion on a crate it synthesises (known keys, tempos, genres), and optionally on real music.

    .venv/bin/python tools/eval_crate.py                       # 28 tracks x 60 s, every format; ~3-4 min on 2 cores
    .venv/bin/python tools/eval_crate.py --tracks 56 --json out.json
    .venv/bin/python tools/eval_crate.py --real DIR --truth truth.json   # also: a folder of real tracks

Synthesised crate: key (MIREX weighted score), tempo (accuracy 1 within 4 %,
accuracy 2 with octave errors allowed), energy (Spearman vs the designed
energy), genre, top-5 suggestion key/tempo compatibility against random picks
and the best any top five could do, the energy direction, and identification
from a 12 s window (see vjhost/crate/evaluate.py).  ``vjhost crate eval`` is
the same without --real.

Real music (``--real DIR``): scans the folder into a throwaway database and
prints what the companion heard per track; ``--truth`` (a JSON object
``{"file name": {"bpm": 140, "key": "E minor"}}``, either entry optional)
scores it where the truth is known.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vjhost.crate.evaluate import evaluate_crate, print_report  # noqa: E402


def real_music(folder: str, truth_file: str | None) -> dict:
    from vjhost.crate.db import CrateDB
    from vjhost.crate.key import mirex_score, parse_key
    from vjhost.crate.scan import Progress, scan

    truth = json.loads(Path(truth_file).read_text()) if truth_file else {}
    with tempfile.TemporaryDirectory() as tmp:
        db = CrateDB(Path(tmp) / "real.sqlite")
        res = scan(folder, db, progress=Progress(0, label="scan real"))
        rows = []
        for t in db.tracks():
            name = Path(t.path).name
            row = {"file": name, "bpm": t.bpm, "key": t.key, "camelot": t.camelot, "energy": round(t.energy, 3),
                   "genre_cluster": t.genre, "sections": [s["name"] for s in t.data.get("sections", [])][:8]}
            tr = truth.get(name, {})
            if "bpm" in tr:
                r = t.bpm / float(tr["bpm"])
                row["true_bpm"] = tr["bpm"]
                row["bpm_acc1"] = abs(r - 1) <= 0.04
                row["bpm_acc2"] = any(abs(r / f - 1) <= 0.04 for f in (1, 2, 0.5, 3, 1 / 3))
            if "key" in tr:
                row["true_key"] = tr["key"]
                row["key_mirex"] = mirex_score(parse_key(tr["key"]), (t.tonic, t.mode))
            rows.append(row)
        db.close()
    return {"folder": folder, "tracks": rows, "scan_x_realtime": round(res.realtime, 1), "failed": res.failed}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tracks", type=int, default=28)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--formats", default="wav,flac,mp3,ogg,m4a")
    ap.add_argument("--dir", help="keep the synthesised crate here (reused when run again)")
    ap.add_argument("--json", metavar="OUT.json", help="also write the full report")
    ap.add_argument("--real", metavar="DIR", help="a folder of real tracks to run the companion on")
    ap.add_argument("--truth", metavar="TRUTH.json", help="with --real: known BPM / keys by file name")
    ap.add_argument("--no-synth", action="store_true", help="only --real")
    a = ap.parse_args(argv)
    report: dict = {}
    if not a.no_synth:
        report = evaluate_crate(n_tracks=a.tracks, duration=a.duration, seed=a.seed, workdir=a.dir,
                                formats=tuple(a.formats.split(",")))
        print_report(report)
    if a.real:
        real = real_music(a.real, a.truth)
        report["real"] = real
        print(f"real music in {a.real} ({real['scan_x_realtime']}x realtime):")
        for r in real["tracks"]:
            truth = ""
            if "true_bpm" in r:
                verdict = "ok" if r["bpm_acc1"] else "octave" if r["bpm_acc2"] else "MISS"
                truth += f"  true {r['true_bpm']} BPM {verdict}"
            if "true_key" in r:
                truth += f"  true key {r['true_key']} (MIREX {r['key_mirex']})"
            print(f"  {r['file']:<40} {r['bpm']:6.1f} BPM  {r['key']:<9} {r['camelot']:>3}  energy {r['energy']:.2f}"
                  f"  cluster {r['genre_cluster']:<9}{truth}")
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
