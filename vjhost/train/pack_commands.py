"""``vjhost pack eval NAME``, ``vjhost pack bench NAME`` and the registry's ``register``/``promote``/``versions``.

Wiring (in ``vjhost/cli.py``'s ``build_parser``, after ``validate``)::

    from .train.pack_commands import add_pack_commands
    add_pack_commands(psub)

Each subcommand sets its own ``func``, which takes precedence over the
``pack`` parser's ``cmd_pack`` default.  Heavy imports (torch, onnxruntime)
happen only when a command runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _host():
    import sys

    from ..plugins import load_host

    host = load_host()
    for e in host.errors():
        print(f"vjhost: plugin error: {e}", file=sys.stderr)
    return host


def _positive_float(text: str) -> float:
    v = float(text)
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return v


def _positive_int(text: str) -> int:
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text!r}")
    return v


def format_eval(r: dict[str, Any]) -> str:
    lines = [f"pack {r['pack']}  (torch {r['torch']}, {r['device']}, {r['threads']} threads)"]
    t = r["teacher"]
    lines.append(f"teacher  {t['file']}: widths {t['widths']}, {t['params'] / 1e6:.2f} M params")
    if "student" in r:
        s = r["student"]
        lines.append(f"student  {s['file']}: widths {s['widths']}, {s['params'] / 1e6:.2f} M params")
    rc = r["recon"]
    lines.append(f"recon PSNR (stored, held-out {rc.get('heldout_samples_stored')}): teacher "
                 f"{rc.get('teacher_heldout_psnr_db_stored')} dB")
    inv = rc.get("inversion")
    if isinstance(inv, dict):
        line = f"recon PSNR (latent inversion, {inv['images']} held-out): teacher {inv['teacher_psnr_db']} dB"
        if "student_psnr_db" in inv:
            line += (f", student {inv['student_psnr_db']} dB (loss {inv['student_loss_db']} dB; thresholded"
                     f" {inv['teacher_binary_psnr_db']} -> {inv['student_binary_psnr_db']} dB, loss "
                     f"{inv['student_binary_loss_db']} dB)")
        lines.append(line)
    elif inv:
        lines.append(f"recon PSNR (latent inversion): {inv}")
    st = r.get("student_vs_teacher")
    if st:
        lines.append(f"student vs teacher ({st['samples']} prior samples): {st['psnr_db']} dB, "
                     f"thresholded {st['psnr_binary_db']} dB, {st['pixel_agreement'] * 100:.1f}% pixels agree" + (
                         f"; around anchors {st['psnr_db_anchors']} dB / {st['psnr_binary_db_anchors']} dB"
                         if "psnr_db_anchors" in st else ""))
    sp = r["speed"]
    line = f"speed ({sp['backend']}, batch 1): teacher {sp['teacher_fps']} fps"
    if "student_fps" in sp:
        line += f", student {sp['student_fps']} fps, x{sp['ratio']}"
    lines.append(line)
    for role in ("teacher", "student"):
        if f"{role}_best" in sp:
            best = sp[f"{role}_best"]
            lines.append(f"best backend for the {role}: {best['backend']} {best['fps']} fps")
    for role, sm in r.get("smoothness", {}).items():
        lines.append(f"walk smoothness ({role}): |dframe| {sm['small_step']:.4f} for |dz| {sm['step_norm']},"
                     f" {sm['jump']:.4f} for jumps, ratio {sm['ratio']:.3f}")
    sh = r.get("sharpness")
    if isinstance(sh, dict):
        for role in ("teacher", "student"):
            if role in sh:
                x = sh[role]
                lines.append(f"sharpness ({role}, {x['images']} prior decodes vs data at {x['size'][0]}²): "
                             f"gradient ratio {x['gradient_ratio']:.3f}, "
                             f"high-band power ratio {x['highband_ratio']:.3f}, "
                             f"two-sample classifier accuracy {x['c2st_accuracy']:.3f} (0.5 = indistinguishable)")
        if "student_vs_teacher" in sh:
            ratios = sh["student_vs_teacher"].items()
            lines.append("sharpness, student / teacher: " + ", ".join(f"{k} x{v:.2f}" for k, v in ratios))
    elif sh:
        lines.append(f"sharpness: {sh}")
    style = r.get("style")
    if isinstance(style, dict) and "classes" in style:
        acc = f"held-out data {style['heldout_data_accuracy'] * 100:.1f}%"
        if "heldout_soft_accuracy" in style:
            acc += f", blurred {style['heldout_soft_accuracy'] * 100:.1f}%"
        lines.append(f"style classifier over {', '.join(style['classes'])} ({style['train_steps']} steps; {acc}):")
        for cls in style["classes"]:
            for role, sc in (style.get(cls) or {}).items():
                won = ", ".join(f"{k} {v * 100:.0f}%" for k, v in sc.get("predicted", {}).items() if v)
                lines.append(f"  {cls} {role}: score {sc['score']:.3f}, own pack wins {sc['top1'] * 100:.1f}%"
                             + (f" ({won})" if won else ""))
    else:
        lines.append(f"style: {style if isinstance(style, str) else json.dumps(style)}")
    if isinstance(r.get("sync"), dict):
        lines.append(format_sync(r["sync"]))
    for k, v in (r.get("goals") or {}).items():
        lines.append(f"{'ok  ' if v else 'MISS'} {k}")
    return "\n".join(lines)


def refresh_card_eval(card: Path, report: dict) -> None:
    """Replace the evaluation section of a pack's MODEL_CARD.md (if it has one) with ``report``."""
    if not card.is_file():
        return
    from .cli import _eval_section

    head = card.read_text().partition("\n## Evaluation")[0]
    card.write_text(head.rstrip("\n") + "\n" + _eval_section(report))


def cmd_pack_eval(args) -> int:
    from .evaluate import evaluate_pack, pack_files

    host = _host()
    report = evaluate_pack(host, args.name, samples=args.samples, seconds=args.seconds,
                           inversion=not args.no_inversion, bench=not args.no_bench,
                           sharpness=not args.no_sharpness)
    if args.sync is not None:
        report["sync"] = sync_for(host, args.name, args.sync or None, args.sync_start, args.sync_seconds)
    if args.write:
        from ..packs import load_manifest

        manifest = load_manifest(host.pack(args.name), training=True)
        path = pack_files(manifest)["eval"]
        path.write_text(json.dumps(report, indent=2) + "\n")
        refresh_card_eval(manifest.path.parent / "MODEL_CARD.md", report)
    print(json.dumps(report, indent=2) if args.json else format_eval(report))
    return 0


def _sync_audio(path: str | None, seconds: float) -> tuple[Any, int, str]:
    """``(audio, sample_rate, label)``: the file at the engine's rate, or the synthesized demo track."""
    from ..engine import SAMPLE_RATE

    if not path:
        from ..audio.demo import synthesize_demo

        track = synthesize_demo(duration=max(seconds, 8.0))
        return track.audio, track.sr, f"demo track ({track.bpm:g} BPM)"
    from ..audio.files import AudioFileError, read_audio

    try:
        audio, sr = read_audio(path, sr=SAMPLE_RATE)
    except AudioFileError as e:
        raise SystemExit(f"vjhost pack: {e}") from e
    return audio, sr, Path(path).name


def sync_for(host, name: str, path: str | None, start: float, seconds: float) -> dict[str, Any]:
    """The musical-sync report (:mod:`vjhost.train.sync`) of pack ``name`` on a file or the demo track."""
    from .sync import measure_sync

    audio, sr, label = _sync_audio(path, seconds + start)
    length = len(audio) / sr
    if start >= length:
        raise SystemExit(f"vjhost pack: --sync-start {start}: {label} is {length:.1f} s long")
    rep = measure_sync(host, name, audio, sr, start=start, duration=min(seconds, length - start))
    rep["audio"] = label
    return rep


def format_sync(rep: dict[str, Any]) -> str:
    return (f"musical sync on {rep['audio']} ({rep['seconds']} s from {rep['start']} s, {rep['fps']} fps): "
            f"r = {rep['r']:.3f} (frame change vs onset strength), best r = {rep['best_r']:.3f} "
            f"at a lag of {rep['best_lag_frames']} frame(s)")


def cmd_pack_sync(args) -> int:
    host = _host()
    reports = [sync_for(host, args.name, a, args.start, args.seconds) for a in (args.audio or [None])]
    print(json.dumps(reports, indent=2) if args.json else "\n".join(format_sync(r) for r in reports))
    return 0


def cmd_pack_bench(args) -> int:
    from ..packs import load_manifest
    from .evaluate import bench_decoders, pack_files

    host = _host()
    files = pack_files(load_manifest(host.pack(args.name), training=True))
    rows = bench_decoders({"teacher": files["teacher"], "student": files["student"]}, files["onnx"],
                          seconds=args.seconds, device=args.device)
    if args.json:
        print(json.dumps({"pack": args.name, "batch": 1, "rows": rows}, indent=2))
    else:
        print(f"{'role':8} {'backend':12} {'device':7} {'fps':>8}  file")
        for r in rows:
            print(f"{r['role']:8} {r['backend']:12} {r['device']:7} {r['fps']:8.1f}  {r['file']}")
    return 0


def cmd_pack_registry(args) -> int:
    """``vjhost pack register|promote|versions``: the model registry (:mod:`vjhost.train.registry`)."""
    from . import registry

    try:
        if args.pack_cmd == "register":
            out: Any = registry.register_pack(args.name, source=args.source, tracking_uri=args.tracking_uri)
            msg = (f"registered {out['model']} version {out['version']} (alias {out['alias']}): "
                   f"{len(out['files'])} files")
        elif args.pack_cmd == "promote":
            out = registry.promote(args.name, version=args.version, alias=args.alias, tracking_uri=args.tracking_uri,
                                   dry_run=args.dry_run)
            msg = (f"{'would promote' if args.dry_run else 'promoted'} {out['model']} version {out['version']} into "
                   f"{out['pack_dir']}: {len(out['changed'])} file(s) changed" + (
                       f", {len(out['removed'])} removed" if out["removed"] else "") + (
                       f"; previous files kept in {out['backup']}" if out.get("backup") else ""))
        else:
            out = registry.versions(args.name, tracking_uri=args.tracking_uri)
            shown = ("version", "aliases", "created", "run_id")
            msg = "\n".join(
                f"v{r['version']:>3} {','.join(r['aliases']) or '-':20} {r['created']}  run {r['run_id'][:8]}  "
                + " ".join(f"{k}={v}" for k, v in r.items() if k not in shown) for r in out) or "no versions"
    except registry.RegistryError as exc:
        raise SystemExit(f"vjhost pack {args.pack_cmd}: {exc}") from None
    print(json.dumps(out, indent=2) if args.json else msg)
    return 0


def add_pack_commands(pack_subparsers) -> None:
    """Add ``eval`` and ``bench`` to the ``vjhost pack`` subparsers."""
    e = pack_subparsers.add_parser("eval",
                                   help="evaluate a pack's decoders: PSNR, student fidelity, speed, smoothness, style")
    e.add_argument("name")
    e.add_argument("--samples", type=_positive_int, default=256, help="prior samples for student-vs-teacher PSNR")
    e.add_argument("--seconds", type=_positive_float, default=1.0, help="timing per decoder and backend")
    e.add_argument("--no-inversion", action="store_true", help="skip the held-out reconstruction by latent inversion")
    e.add_argument("--no-bench", action="store_true", help="torch fp32 speed only, no per-backend table")
    e.add_argument("--no-sharpness", action="store_true",
                   help="skip the sharpness figures (gradient and high-band ratios, two-sample classifier test)")
    e.add_argument("--sync", nargs="?", const="", metavar="AUDIO",
                   help="also measure musical sync (frame change vs the music's onsets) on AUDIO, or on the demo track")
    e.add_argument("--sync-start", type=float, default=0.0, metavar="S", help="where the sync measure starts in AUDIO")
    e.add_argument("--sync-seconds", type=_positive_float, default=30.0, metavar="S", help="how long it renders")
    e.add_argument("--write", action="store_true", help="also write the report to the pack's EVAL.json")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_pack_eval)

    y = pack_subparsers.add_parser("sync", help="musical sync: correlation of the render's frame change "
                                   "with the music's onsets")
    y.add_argument("name")
    y.add_argument("audio", nargs="*", help="audio files (default: the synthesized demo track)")
    y.add_argument("--start", type=float, default=0.0, metavar="S", help="start at S seconds into each file")
    y.add_argument("--seconds", type=_positive_float, default=30.0, metavar="S", help="render S seconds (default 30)")
    y.add_argument("--json", action="store_true")
    y.set_defaults(func=cmd_pack_sync)

    b = pack_subparsers.add_parser("bench",
                                   help="decoder fps per backend (torch fp32/bf16, onnxruntime), teacher and student")
    b.add_argument("name")
    b.add_argument("--seconds", type=_positive_float, default=1.0)
    b.add_argument("--device", default="auto", help="auto, cpu or cuda")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_pack_bench)

    uri = {"metavar": "URI",
           "help": "MLflow tracking/registry store (default: $MLFLOW_TRACKING_URI or the local sqlite store)"}
    r = pack_subparsers.add_parser("register",
                                   help="register the pack's decoder files as a new model version (alias staging)")
    r.add_argument("name", help="installed pack name, or the pack's folder")
    r.add_argument("--from", dest="source", metavar="RUN_DIR",
                   help="register a DVC pipeline run (pipeline/NAME) instead of the pack's current files")
    p = pack_subparsers.add_parser("promote", help="copy a registered version into the pack, refresh its model card, "
                                   "make it production")
    p.add_argument("name", help="installed pack name, or the pack's folder")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--version", help="the registered version (see `vjhost pack versions NAME`)")
    which.add_argument("--alias", help="or the version an alias points at (default: staging)")
    p.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    v = pack_subparsers.add_parser("versions", help="registered versions of the pack, their aliases and figures")
    v.add_argument("name", help="pack name, or the pack's folder")
    for sp in (r, p, v):
        sp.add_argument("--tracking-uri", **uri)
        sp.add_argument("--json", action="store_true")
        sp.set_defaults(func=cmd_pack_registry)
