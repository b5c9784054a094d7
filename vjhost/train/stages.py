"""``vjhost pipeline STAGE PACK``: the stages of the DVC pipeline (``dvc.yaml``, docs/mlops.md).

Each stage reads what the one before wrote under ``pipeline/NAME/`` and writes
only its own folder, so DVC can tell from the hashes what has to run again::

    prepare   pack.toml [training] + params/NAME.toml -> settings/{teacher,student,eval}.json,
              and a fingerprint of the training data (dataset/: a sample of the
              training images and the held-out images, their sha256, a preview)
    teacher   settings/teacher.json + dataset/        -> teacher/decoder.safetensors (+ record, prior samples)
    student   settings/student.json + teacher/        -> student/student.safetensors (distilled)
    export    teacher/ + student/                     -> onnx/{teacher,student}.onnx, onnx/student.int8.onnx
                                                         (teacher/ also holds train-config.toml, the resolved settings)
    evaluate  everything above + settings/eval.json   -> EVAL.json (the metrics DVC compares)

``prepare`` is cheap and runs whenever the manifest, the dataset code or the
params file changes; the training stages run only when what *they* read
changed: a new ``[training.student] steps`` re-distils and re-evaluates, the
teacher stays.  The params file has the shape of ``vjhost train --config``
(``[training]``, ``[training.student]``) plus an ``[eval]`` table.

Nothing here writes into the pack: the pipeline's results reach a pack through
the registry (``vjhost pack register pipeline/NAME`` ... ``promote``) or by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["STAGES", "add_parser", "main"]

STAGES = ("prepare", "teacher", "student", "export", "evaluate")
#: ``[eval]`` keys and their defaults (``evaluate_files`` options)
EVAL_DEFAULTS: dict[str, Any] = {"samples": 256, "seconds": 1.0, "inversion": True, "bench": True, "sharpness": True,
                                 "int8": True}  # int8: measure the int8 student the export stage makes
#: ``[training]`` keys that only the student stage reads
STUDENT_ONLY = ("student",)


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise SystemExit(f"vjhost pipeline: {path}: {exc.strerror} (run the stage before this one)") from None


def _params(path: str | None) -> dict[str, Any]:
    from ..tomlcompat import tomllib

    if not path:
        return {}
    p = Path(path)
    try:
        return tomllib.loads(p.read_text())
    except OSError as exc:
        raise SystemExit(f"vjhost pipeline: cannot read params {p}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SystemExit(f"vjhost pipeline: {p}: {exc}") from None


class Run:
    """One pack's pipeline folder and its manifest."""

    def __init__(self, pack: str, out: str) -> None:
        from ..tomlcompat import tomllib
        from .cli import find_manifest

        self.manifest = find_manifest(pack)
        self.pack_arg = pack
        self.m = tomllib.loads(self.manifest.read_text())
        self.name = str(self.m.get("name", self.manifest.parent.name))
        self.dir = Path(out)
        sys.path.insert(0, str(self.manifest.parent.parent))  # the pack's own package (its dataset module)

    def path(self, *parts: str) -> Path:
        return self.dir.joinpath(*parts)


# ---------------------------------------------------------------------------- prepare
def _generator(run: Run, tr: dict[str, Any]):
    from .cli import resolve

    dec = run.m["decoder"]
    if "footage" in tr:
        from .footage import FootageError, footage_from_training

        try:
            ds = footage_from_training(tr, run.manifest, dec.get("size", 128), dec.get("channels", 1), quiet=True)
        except FootageError as exc:
            raise SystemExit(f"vjhost pipeline: {exc}") from None
        return ds.generate, dict(ds.recipe)
    recipe = dict(resolve(tr["recipe"])) if "recipe" in tr else {}
    return resolve(tr["dataset"]), recipe


def _sha(a) -> str:
    import numpy as np

    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def stage_prepare(run: Run, params_path: str | None, fingerprint: int) -> dict[str, Any]:
    import numpy as np

    from ..png import grid, write_png
    from .cli import _settings

    tr = _settings(run.m.get("training", {}), params_path)  # the manifest's [training] + the params' overrides
    ev = {**EVAL_DEFAULTS, **_params(params_path).get("eval", {})}
    unknown = sorted(set(ev) - set(EVAL_DEFAULTS))
    if unknown:
        raise SystemExit(f"vjhost pipeline: {params_path}: unknown [eval] keys {unknown} "
                         f"(known: {sorted(EVAL_DEFAULTS)})")
    dec = {k: run.m["decoder"].get(k) for k in ("latent_dim", "size", "channels")}
    teacher = {k: v for k, v in tr.items() if k not in STUDENT_ONLY}
    student = {"student": tr.get("student", {}), "seed": tr.get("seed", 0)}
    _dump(run.path("settings", "teacher.json"), {"pack": run.name, "decoder": dec, "training": teacher})
    _dump(run.path("settings", "student.json"), {"pack": run.name, "training": student})
    _dump(run.path("settings", "eval.json"), {"pack": run.name, "eval": ev})

    generate, recipe = _generator(run, tr)
    seed, size = int(tr.get("seed", 0)), int(dec["size"] or 128)
    train_x, train_y = generate(fingerprint, size, seed * 1_000_033 + 500_000)  # the start of the training stream
    held_x, held_y = generate(fingerprint, size, seed + 1_000_003)  # the held-out seed training uses
    ddir = run.path("dataset")
    ddir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(ddir / "samples.npz", train=train_x, train_labels=train_y,
                        heldout=held_x, heldout_labels=held_y)
    img = np.asarray(train_x[:32])
    write_png(ddir / "preview.png", grid(img[:, 0] if img.shape[1] == 1 else np.moveaxis(img, 1, -1)))
    info = {"pack": run.name, "images": int(len(train_x)), "heldout": int(len(held_x)), "size": size,
            "train_sha256": _sha(train_x), "heldout_sha256": _sha(held_x), "recipe": recipe}
    _dump(ddir / "dataset.json", info)
    return info


# ---------------------------------------------------------------------------- teacher / student
def _config_file(run: Run, training: dict[str, Any]) -> Path:
    """The resolved settings as a ``vjhost train --config`` TOML file (beside the settings)."""
    def val(v: Any) -> str:
        return json.dumps(v) if not isinstance(v, bool) else ("true" if v else "false")

    lines = ["[training]"] + [f"{k} = {val(v)}" for k, v in training.items() if not isinstance(v, dict)]
    for k, v in training.items():
        if isinstance(v, dict):
            lines += ["", f"[training.{k}]"] + [f"{kk} = {val(vv)}" for kk, vv in v.items()]
    path = run.path("teacher", "train-config.toml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def stage_teacher(run: Run, device: str, track: bool) -> dict[str, Any]:
    from .cli import main as train_main

    s = _load(run.path("settings", "teacher.json"))
    cfg = _config_file(run, s["training"])
    out = run.path("teacher", "decoder.safetensors")
    args = [str(run.manifest), "--stage", "teacher", "--config", str(cfg), "--out", str(out), "--device", device,
            "--no-eval", "--quiet"] + ([] if track else ["--no-track"])
    train_main(args)
    return {"weights": str(out)}


def stage_student(run: Run, device: str, track: bool) -> dict[str, Any]:
    from .distill import main as distill_main

    s = _load(run.path("settings", "student.json"))["training"]
    st = s.get("student", {})
    teacher = run.path("teacher", "decoder.safetensors")
    if not teacher.is_file():
        raise SystemExit(f"vjhost pipeline: {teacher}: no teacher yet (run the teacher stage)")
    out_dir = run.path("student")
    args = [str(run.manifest), "--steps", str(st.get("steps", 1500)), "--batch", str(st.get("batch", 32)),
            "--lr", str(st.get("lr", 3e-3)), "--seed", str(s.get("seed", 0)), "--device", device,
            "--out-dir", str(out_dir), "--teacher", str(teacher), "--no-onnx", "--no-eval", "--quiet"]
    if "widths" in st:
        args += ["--widths", ",".join(str(w) for w in st["widths"])]
    if "blocks" in st:
        args += ["--blocks", ",".join(str(b) for b in st["blocks"])]
    for key in ("upsample", "rank", "edge_weight"):
        if key in st:
            args += [f"--{key.replace('_', '-')}", str(st[key])]
    if not track:
        args.append("--no-track")
    distill_main(args)
    return {"weights": str(out_dir / "student.safetensors")}


# ---------------------------------------------------------------------------- export / evaluate
def stage_export(run: Run, int8: bool = True) -> dict[str, Any]:
    from ..decode.onnx_export import export_onnx
    from ..decode.quantize import quantize_onnx

    odir = run.path("onnx")
    rep: dict[str, Any] = {}
    for role, src in (("teacher", run.path("teacher", "decoder.safetensors")),
                      ("student", run.path("student", "student.safetensors"))):
        rep[role] = export_onnx(src, odir / f"{role}.onnx")
    if int8:
        rep["student_int8"] = quantize_onnx(odir / "student.onnx")
    _dump(odir / "export.json", {k: {kk: vv for kk, vv in v.items() if kk != "path"} for k, v in rep.items()})
    return rep


def stage_evaluate(run: Run) -> dict[str, Any]:
    from ..decode.quantize import int8_report
    from .evaluate import evaluate_files

    ev = _load(run.path("settings", "eval.json"))["eval"]
    onnx = {r: run.path("onnx", f"{r}.onnx") for r in ("teacher", "student")}
    report = evaluate_files(run.name, run.path("teacher", "decoder.safetensors"),
                            run.path("student", "student.safetensors"),
                            onnx={r: p for r, p in onnx.items() if p.is_file()}, manifest=run.manifest,
                            samples=int(ev["samples"]), seconds=float(ev["seconds"]), inversion=bool(ev["inversion"]),
                            bench=bool(ev["bench"]), sharpness=bool(ev["sharpness"]))
    if ev.get("int8", True) and "int8" not in report and onnx["student"].is_file():
        report["int8"] = int8_report(onnx, make=False, samples=int(ev["samples"]), seconds=float(ev["seconds"]))
    _dump(run.path("EVAL.json"), report)
    return report


# ---------------------------------------------------------------------------- CLI
def add_parser(sub) -> None:
    """``vjhost pipeline STAGE PACK``."""
    p = sub.add_parser("pipeline", help="one stage of the DVC training pipeline (dvc.yaml; docs/mlops.md)")
    p.add_argument("stage", choices=STAGES)
    p.add_argument("pack", help="the pack's directory or its pack.toml")
    p.add_argument("--out", help="the pipeline folder (default pipeline/NAME)")
    p.add_argument("--params", metavar="FILE.toml", help="prepare: [training]/[training.student] overrides and [eval]")
    p.add_argument("--fingerprint", type=int, default=64, metavar="N", help="prepare: images in the data fingerprint")
    p.add_argument("--device", default="auto", help="teacher/student: auto, cpu or cuda")
    p.add_argument("--no-track", action="store_true", help="teacher/student: no MLflow run")
    p.set_defaults(func=cmd_pipeline)


def cmd_pipeline(args) -> int:
    from ..tomlcompat import tomllib
    from .cli import find_manifest

    name = str(tomllib.loads(find_manifest(args.pack).read_text()).get("name", Path(args.pack).name))
    run = Run(args.pack, args.out or f"pipeline/{name}")
    if args.stage == "prepare":
        out: Any = stage_prepare(run, args.params, args.fingerprint)
    elif args.stage == "teacher":
        out = stage_teacher(run, args.device, not args.no_track)
    elif args.stage == "student":
        out = stage_student(run, args.device, not args.no_track)
    elif args.stage == "export":
        out = {k: v.get("path", v.get("method")) for k, v in stage_export(run).items()}
    else:
        r = stage_evaluate(run)
        out = {"EVAL.json": str(run.path("EVAL.json")), "student_vs_teacher": r.get("student_vs_teacher"),
               "int8": {k: v.get("psnr_db") for k, v in (r.get("int8") or {}).items()}}
    print(f"vjhost pipeline {args.stage} {run.name}: " + json.dumps(out, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vjhost.train.stages")
    add_parser(ap.add_subparsers(dest="cmd", required=True))
    args = ap.parse_args(["pipeline", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
