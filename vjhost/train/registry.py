"""The model registry: a pack's decoders as MLflow model versions, staging -> production.

Every decoder file training writes is registered as it is made
(:meth:`vjhost.train.tracking.Tracker.register_model`: ``NAME-teacher``,
``NAME-student``, tagged with its sha256, alias ``staging``).  What a pack
ships is a *set* of files that belong together (teacher and student weights,
their ONNX and int8 exports, EVAL.json, the training record and model card), so
the unit that is promoted is the registered model ``NAME-pack``:

* ``vjhost pack register NAME``: log the pack's current decoder files as one
  artifact folder and register it as a new version of ``NAME-pack`` (tag
  ``files`` = the sha256 of each file), alias ``staging``.  ``--from
  pipeline/NAME`` registers a DVC pipeline run instead (dvc.yaml), laid out as
  the pack ships its files.
* ``vjhost pack promote NAME --version V`` (or ``--alias staging``): download
  version V, check every file against its sha256 and that the weights load
  (safetensors, no pickle), keep a copy of the pack's current files under
  ``<data dir>/backups/NAME/<time>/``, copy V into the pack, refresh
  MODEL_CARD.md (a Registry section naming the version, and the evaluation
  from V's EVAL.json), and move the alias ``production`` to V -- and to the
  ``NAME-teacher`` / ``NAME-student`` versions whose sha256 matches a promoted file.
* ``vjhost pack versions NAME``: versions, aliases and their key figures.

The show never talks to a registry: it loads what the pack ships.  This module
is training-side (it imports mlflow when a command runs).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PRODUCTION", "STAGING", "RegistryError", "file_digests", "pack_model_name", "promote", "register_pack",
           "shipped_files", "versions"]

STAGING = "staging"
PRODUCTION = "production"
#: files of the pack's package directory that travel with its weights
RECORDS = ("TRAINING.json", "MODEL_CARD.md")
#: what a pack's weights folder ships (its package-data patterns)
SHIPPED_SUFFIXES = (".safetensors", ".onnx", ".json", ".png")


class RegistryError(Exception):
    """A registry operation failed; the message names the pack, version or file."""


def pack_model_name(pack: str) -> str:
    return f"{pack}-pack"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_digests(path: Path | str) -> dict[str, str]:
    """``{relative path: sha256}`` of a file (its name) or of every file under a folder."""
    path = Path(path)
    if path.is_file():
        return {path.name: _sha256(path)}
    return {p.relative_to(path).as_posix(): _sha256(p) for p in sorted(path.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class PackLocation:
    name: str
    manifest: Path

    @property
    def root(self) -> Path:  # the package directory (pack.toml's folder)
        return self.manifest.parent

    @property
    def weights_dir(self) -> Path:
        from ..tomlcompat import tomllib

        dec = tomllib.loads(self.manifest.read_text()).get("decoder", {})
        return (self.root / dec.get("weights", "weights/decoder.safetensors")).parent


def locate(pack: str) -> PackLocation:
    """A pack directory / pack.toml path, or the name of an installed pack."""
    from ..tomlcompat import tomllib

    p = Path(pack)
    if p.exists():
        from .cli import find_manifest

        manifest = find_manifest(str(p))
    else:
        from ..plugins import load_host

        try:
            manifest = load_host().pack(pack).manifest_path
        except Exception as exc:
            raise RegistryError(f"no pack {pack!r}: not a folder and not an installed pack ({exc})") from None
    name = tomllib.loads(Path(manifest).read_text()).get("name", Path(manifest).parent.name)
    return PackLocation(str(name), Path(manifest))


def shipped_files(loc: PackLocation) -> dict[str, Path]:
    """``{artifact path: file}``: the weights folder's shipped files and the pack's records."""
    out: dict[str, Path] = {}
    wdir = loc.weights_dir
    rel = wdir.relative_to(loc.root).as_posix()
    if wdir.is_dir():
        for f in sorted(wdir.iterdir()):
            if f.is_file() and f.suffix in SHIPPED_SUFFIXES:
                out[f"{rel}/{f.name}"] = f
    for r in RECORDS:
        if (loc.root / r).is_file():
            out[r] = loc.root / r
    return out


def pipeline_files(loc: PackLocation, run_dir: Path | str) -> dict[str, Path]:
    """``{artifact path: file}`` for a DVC pipeline run (``pipeline/NAME``, :mod:`vjhost.train.stages`),
    laid out as the pack ships it (the manifest's decoder paths)."""
    from ..decode.quantize import int8_path
    from ..tomlcompat import tomllib

    run = Path(run_dir)
    dec = tomllib.loads(loc.manifest.read_text()).get("decoder", {})
    wrel = loc.weights_dir.relative_to(loc.root).as_posix()
    onnx = {("student" if "student" in Path(r).stem else "teacher"): r
            for r in ([dec["onnx"]] if isinstance(dec.get("onnx"), str) else dec.get("onnx", []))}
    student_onnx = onnx.get("student", f"{wrel}/student.onnx")
    want = {
        dec.get("weights", f"{wrel}/decoder.safetensors"): run / "teacher" / "decoder.safetensors",
        f"{wrel}/samples_prior.png": run / "teacher" / "samples_prior.png",
        "TRAINING.json": run / "teacher" / "TRAINING.json",
        "MODEL_CARD.md": run / "teacher" / "MODEL_CARD.md",
        dec.get("student", f"{wrel}/student.safetensors"): run / "student" / "student.safetensors",
        onnx.get("teacher", f"{wrel}/teacher.onnx"): run / "onnx" / "teacher.onnx",
        student_onnx: run / "onnx" / "student.onnx",
        int8_path(student_onnx).as_posix(): run / "onnx" / "student.int8.onnx",
        dec.get("eval", f"{wrel}/EVAL.json"): run / "EVAL.json",
    }
    if not (run / "teacher" / "decoder.safetensors").is_file():
        raise RegistryError(f"{run}: not a pipeline run of {loc.name} "
                            "(no teacher/decoder.safetensors; dvc repro first)")
    return {rel: f for rel, f in want.items() if f.is_file()}


def _client(tracking_uri: str | None):
    try:
        from mlflow.tracking import MlflowClient
    except Exception:
        raise RegistryError("mlflow is not installed: the model registry needs it "
                            "(pip install -e '.[train]')") from None
    from .tracking import default_tracking_uri

    uri = tracking_uri or default_tracking_uri()[0]
    if uri.startswith("sqlite:///"):
        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri=uri, registry_uri=uri), uri


def _eval_figures(eval_path: Path) -> dict[str, str]:
    """A few EVAL.json figures as version tags (shown by ``vjhost pack versions``)."""
    try:
        r = json.loads(eval_path.read_text())
    except (OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    st = r.get("student_vs_teacher") or {}
    if "psnr_db" in st:
        out["student_vs_teacher_psnr_db"] = str(st["psnr_db"])
    inv = (r.get("recon") or {}).get("inversion")
    if isinstance(inv, dict) and "teacher_psnr_db" in inv:
        out["teacher_recon_psnr_db"] = str(inv["teacher_psnr_db"])
    sp = r.get("speed") or {}
    for k in ("teacher_fps", "student_fps"):
        if k in sp:
            out[k] = str(sp[k])
    q = (r.get("int8") or {}).get("student") or {}
    if "psnr_db" in q:
        out["int8_psnr_db"] = str(q["psnr_db"])
    return out


def _git_commit(where: Path) -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def register_pack(pack: str, *, source: Path | str | None = None, tracking_uri: str | None = None,
                  artifact_root: Path | str | None = None, description: str = "") -> dict[str, Any]:
    """Register the pack's current decoder files -- or, with ``source``, a DVC pipeline run's
    (``pipeline/NAME``) laid out as the pack ships them -- as a new version of ``NAME-pack``
    (alias ``staging``)."""
    from .tracking import Tracker

    loc = locate(pack)
    files = pipeline_files(loc, source) if source else shipped_files(loc)
    if not any(k.endswith(".safetensors") for k in files):
        raise RegistryError(f"{loc.weights_dir}: no decoder weights to register (train the pack first)")
    client, uri = _client(tracking_uri)
    if artifact_root is None and uri.startswith("sqlite:///"):  # beside the database, never ./mlruns
        artifact_root = Path(uri[len("sqlite:///"):]).parent / "mlartifacts"
    with tempfile.TemporaryDirectory(prefix="vjhost-register-") as tmp:
        stage = Path(tmp) / "pack"
        for rel, src in files.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, stage / rel)
        digests = file_digests(stage)
        tags = {"pack": loc.name, **_eval_figures(loc.weights_dir / "EVAL.json")}
        commit = _git_commit(loc.root)
        if commit:
            tags["git_commit"] = commit
        # enabled: VJHOST_TRACKING=0 switches off training runs' logging, not an explicit registration
        t = Tracker.start(f"{loc.name}-register", experiment=f"vjhost/{loc.name}",
                          tags={"pack": loc.name, "role": "pack"}, tracking_uri=uri, artifact_root=artifact_root,
                          enabled=True)
        if not t.enabled:
            raise RegistryError(f"could not open an MLflow run at {uri} (see the message above)")
        with t:
            t.log_params({"pack": loc.name, "files": len(digests)})
            version = t.register_model(stage, pack_model_name(loc.name), artifact_path="pack",
                                       description=description or f"{loc.name}: decoders, exports, evaluation",
                                       tags=tags)
            run_id = t.run_id
    if version is None:
        raise RegistryError(f"registering {pack_model_name(loc.name)} at {uri} failed (see the message above)")
    return {"model": pack_model_name(loc.name), "version": version, "alias": STAGING, "run_id": run_id,
            "tracking_uri": uri, "files": digests}


def _resolve(client, model: str, version: str | None, alias: str | None):
    from mlflow.exceptions import MlflowException

    try:
        if version is not None:
            return client.get_model_version(model, str(version))
        return client.get_model_version_by_alias(model, alias or STAGING)
    except MlflowException as exc:
        what = f"version {version}" if version is not None else f"alias {alias or STAGING!r}"
        why = exc.message if hasattr(exc, "message") else exc
        raise RegistryError(f"{model}: no {what} in the registry ({why})") from None


def _check_download(root: Path, expected: dict[str, str], where: str) -> None:
    got = file_digests(root)
    missing = sorted(set(expected) - set(got))
    if missing:
        raise RegistryError(f"{where}: registered files missing from the artifacts: {', '.join(missing)}")
    bad = sorted(k for k in expected if got[k] != expected[k])
    if bad:
        raise RegistryError(f"{where}: files differ from their registered sha256: {', '.join(bad)}")
    from ..decode.weights import WeightsError, load_decoder_weights

    for rel in expected:
        if rel.endswith(".safetensors"):
            try:
                load_decoder_weights(root / rel)
            except WeightsError as exc:
                raise RegistryError(f"{where}: {rel}: {exc}") from None


def _card_registry_section(model: str, mv, uri: str, files: dict[str, str], when: str) -> str:
    lines = [
        "## Registry",
        f"Promoted to `{PRODUCTION}` on {when}: registered model `{model}` version {mv.version}"
        f" (MLflow run `{mv.run_id}`, tracking store `{uri}`).",
        "",
        "| file | sha256 |",
        "|---|---|",
    ]
    lines += [f"| `{rel}` | `{sha[:16]}…` |" for rel, sha in sorted(files.items())]
    return "\n".join(lines) + "\n"


def _refresh_card(card: Path, section: str, eval_path: Path) -> None:
    text = card.read_text() if card.is_file() else "# Model card\n"
    head, sep, tail = text.partition("\n## Evaluation")
    start = head.find("\n## Registry")
    if start >= 0:
        nxt = head.find("\n## ", start + 1)
        head = head[:start] + (head[nxt:] if nxt >= 0 else "")
    head = head.rstrip("\n") + "\n\n" + section
    card.write_text(head + (sep + tail if sep else ""))
    if eval_path.is_file():
        from .pack_commands import refresh_card_eval

        try:
            refresh_card_eval(card, json.loads(eval_path.read_text()))
        except (ValueError, KeyError, TypeError):
            pass  # an EVAL.json in another shape: the card keeps the section it came with


def promote(pack: str, *, version: str | None = None, alias: str | None = None, tracking_uri: str | None = None,
            dry_run: bool = False) -> dict[str, Any]:
    """Copy a registered version of ``NAME-pack`` into the pack and make it ``production``."""
    loc = locate(pack)
    model = pack_model_name(loc.name)
    client, uri = _client(tracking_uri)
    mv = _resolve(client, model, version, alias)
    try:
        expected = json.loads(mv.tags.get("files", ""))
    except ValueError:
        raise RegistryError(f"{model} version {mv.version}: no 'files' tag "
                            "(not registered by vjhost pack register)") from None
    from mlflow.artifacts import download_artifacts

    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    with tempfile.TemporaryDirectory(prefix="vjhost-promote-") as tmp:
        try:
            root = Path(download_artifacts(artifact_uri=client.get_model_version_download_uri(model, mv.version),
                                           dst_path=tmp, tracking_uri=uri))
        except Exception as exc:
            raise RegistryError(f"{model} version {mv.version}: cannot download its artifacts ({exc})") from None
        where = f"{model} version {mv.version}"
        _check_download(root, expected, where)
        current = shipped_files(loc)
        changed = sorted(rel for rel in expected if rel != "MODEL_CARD.md"
                         and (rel not in current or _sha256(current[rel]) != expected[rel]))
        dropped = sorted(rel for rel in current if rel not in expected and rel not in RECORDS)
        report: dict[str, Any] = {"model": model, "version": str(mv.version), "run_id": mv.run_id,
                                  "pack": loc.name, "pack_dir": str(loc.root), "changed": changed,
                                  "removed": dropped, "tracking_uri": uri}
        if dry_run:
            return report
        from .tracking import data_dir

        # nothing is lost: every file promotion replaces or removes is copied aside first
        backup = data_dir() / "backups" / loc.name / stamp
        for rel in current:
            (backup / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(current[rel], backup / rel)
        for rel in changed:
            dst = loc.root / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            part = dst.with_name(dst.name + ".promote.tmp")
            shutil.copy2(root / rel, part)
            os.replace(part, dst)
        for rel in dropped:  # e.g. an int8 export of the old student: it no longer belongs to these weights
            current[rel].unlink()
        card = loc.root / "MODEL_CARD.md"
        if "MODEL_CARD.md" in expected:
            shutil.copy2(root / "MODEL_CARD.md", card)
        when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        _refresh_card(card, _card_registry_section(model, mv, uri, expected, when), loc.weights_dir / "EVAL.json")
    client.set_registered_model_alias(model, PRODUCTION, str(mv.version))
    report["aliased"] = _alias_decoders(client, loc.name, expected)
    report["backup"] = str(backup) if current else None
    return report


def _alias_decoders(client, pack: str, files: dict[str, str]) -> list[str]:
    """Move ``production`` on NAME-teacher / NAME-student to the versions whose sha256 is a promoted file's."""
    shas = set(files.values())
    done: list[str] = []
    for role in ("teacher", "student"):
        model = f"{pack}-{role}"
        try:
            found = client.search_model_versions(f"name = '{model}'")
        except Exception:
            continue
        for mv in sorted(found, key=lambda m: int(m.version), reverse=True):
            if mv.tags.get("sha256") in shas:
                client.set_registered_model_alias(model, PRODUCTION, str(mv.version))
                done.append(f"{model} v{mv.version}")
                break
    return done


def versions(pack: str, *, tracking_uri: str | None = None) -> list[dict[str, Any]]:
    """Every version of ``NAME-pack``, newest first: version, aliases, run, time, figures."""
    name = locate(pack).name if Path(pack).exists() else pack
    client, _ = _client(tracking_uri)
    model = pack_model_name(name)
    rows = []
    try:
        aliases = dict(client.get_registered_model(model).aliases or {})
    except Exception:
        return rows  # never registered
    for mv in sorted(client.search_model_versions(f"name = '{model}'"), key=lambda m: int(m.version), reverse=True):
        rows.append({
            "version": str(mv.version), "run_id": mv.run_id,
            "aliases": sorted(a for a, v in aliases.items() if str(v) == str(mv.version)),
            "created": _dt.datetime.fromtimestamp(mv.creation_timestamp / 1000, _dt.timezone.utc)
            .strftime("%Y-%m-%d %H:%M"),
            **{k: v for k, v in mv.tags.items() if k not in ("files", "pack")},
        })
    return rows
