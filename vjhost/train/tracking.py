"""Experiment tracking for training and distillation: a thin MLflow wrapper.

    tracker = Tracker.start("ikeda-distill", params={"steps": 1500}, experiment="vjhost/ikeda")
    tracker.log_step(step, {"loss": 0.1})         # every ``every`` steps only
    tracker.log_metrics({"psnr_vs_teacher_db": 24.1})
    tracker.log_image("samples/student.png", grid_uint8)
    tracker.register_model("weights/student.onnx", "ikeda-student")  # -> version "1"
    tracker.end()                                  # or use it as a context manager

Where runs go:

* ``MLFLOW_TRACKING_URI`` when the user set one (any MLflow server or store);
* otherwise a local store: ``sqlite:///<data dir>/mlflow.db``, with the
  artifacts under ``<data dir>/mlartifacts``; the data dir is ``$VJHOST_DATA``
  or ``~/.local/share/vjhost``.  (A sqlite URI also avoids MLflow 3's refusal
  of a plain ``./mlruns`` file store.)  Browse it with
  ``mlflow ui --backend-store-uri sqlite:///<data dir>/mlflow.db``.

Without ``mlflow`` installed (or with ``enabled=False`` / ``VJHOST_TRACKING=0``)
every call is a no-op and one line says so, once per process: training never
depends on tracking.  Tracking failures at run time (a server gone away) are
reported once and then ignored likewise.

Training-side only: the live show never imports this module.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["Tracker", "data_dir", "default_tracking_uri", "mlflow_available"]

_said: set[str] = set()


def _say_once(key: str, msg: str) -> None:
    if key not in _said:
        _said.add(key)
        print(f"vjhost: {msg}", file=sys.stderr)


def data_dir() -> Path:
    """``$VJHOST_DATA`` or ``~/.local/share/vjhost``."""
    env = os.environ.get("VJHOST_DATA")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "vjhost"


def default_tracking_uri() -> tuple[str, Path | None]:
    """(tracking URI, artifact root or None when the user's URI decides)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri, None
    d = data_dir()
    return f"sqlite:///{(d / 'mlflow.db').resolve()}", (d / "mlartifacts").resolve()


def mlflow_available() -> bool:
    try:
        import mlflow  # noqa: F401
    except Exception:
        return False
    return True


def _flat(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in params.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            s = v if isinstance(v, str) else json.dumps(v)
            out[key] = s[:6000]
    return out


class Tracker:
    """One tracked run (or a no-op stand-in).  ``enabled`` says which."""

    def __init__(self) -> None:
        self.enabled = False
        self.every = 25
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self.tracking_uri: str | None = None
        self.artifact_uri: str | None = None
        self._client = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    # ------------------------------------------------------------------ start / end
    @classmethod
    def start(
        cls,
        run_name: str,
        *,
        params: dict[str, Any] | None = None,
        experiment: str = "vjhost",
        tags: dict[str, str] | None = None,
        every: int = 25,
        tracking_uri: str | None = None,
        artifact_root: Path | str | None = None,
        enabled: bool | None = None,
    ) -> Tracker:
        """Open a run.  ``tracking_uri``/``artifact_root`` override the defaults (tests use a temp dir)."""
        t = cls()
        t.every = max(1, int(every))
        if enabled is None:
            enabled = os.environ.get("VJHOST_TRACKING", "1").strip().lower() not in ("0", "false", "no", "off")
        if not enabled:
            return t
        try:
            from mlflow.tracking import MlflowClient
        except Exception:
            _say_once("no-mlflow", "mlflow is not installed: experiment tracking is off (pip install mlflow)")
            return t
        if tracking_uri is None:
            tracking_uri, default_root = default_tracking_uri()
            if artifact_root is None:
                artifact_root = default_root
        if tracking_uri.startswith("sqlite:///"):
            Path(tracking_uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        try:
            client = MlflowClient(tracking_uri=tracking_uri)
            exp = client.get_experiment_by_name(experiment)
            if exp is None:
                loc = None
                if artifact_root is not None:
                    root = Path(artifact_root).resolve()
                    root.mkdir(parents=True, exist_ok=True)
                    loc = (root / experiment.replace("/", "_")).as_uri()
                exp_id = client.create_experiment(experiment, artifact_location=loc)
            else:
                exp_id = exp.experiment_id
            run = client.create_run(exp_id, run_name=run_name, tags=dict(tags or {}))
        except Exception as exc:
            _say_once("mlflow-start",
                      f"experiment tracking is off: mlflow could not start a run at {tracking_uri} ({exc})")
            return t
        t.enabled = True
        t._client = client
        t.tracking_uri = tracking_uri
        t.experiment_id = exp_id
        t.run_id = run.info.run_id
        t.artifact_uri = run.info.artifact_uri
        if params:
            t.log_params(params)
        return t

    def end(self, status: str = "FINISHED") -> None:
        if self.enabled:
            self._call(self._client.set_terminated, self.run_id, status)
            self.enabled = False
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.end("FAILED" if exc_type else "FINISHED")

    # ------------------------------------------------------------------ logging
    def _call(self, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except Exception as exc:  # tracking must never break training
            _say_once("mlflow-call", f"experiment tracking error, continuing without it ({type(exc).__name__}: {exc})")
            return None

    def log_params(self, params: dict[str, Any]) -> None:
        if not self.enabled:
            return
        from mlflow.entities import Param

        flat = _flat(params)
        items = [Param(k, v) for k, v in flat.items()]
        for i in range(0, len(items), 100):
            self._call(self._client.log_batch, self.run_id, params=items[i : i + 100])

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        if not self.enabled:
            return
        import time

        from mlflow.entities import Metric

        ts = int(time.time() * 1000)
        items = [
            Metric(k, float(v), ts, int(step or 0))
            for k, v in _flat_numbers(metrics).items()
        ]
        if items:
            self._call(self._client.log_batch, self.run_id, metrics=items)

    def log_step(self, step: int, row: dict[str, Any], *, last: bool = False) -> None:
        """Per-step losses, logged every ``every`` steps (and at ``last``)."""
        if self.enabled and (step % self.every == 0 or last):
            self.log_metrics({k: v for k, v in row.items() if k != "step"}, step=step)

    def _scratch(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="vjhost-track-")
        return Path(self._tmp.name)

    def log_artifact(self, path: Path | str, artifact_path: str | None = None) -> None:
        if self.enabled:
            self._call(self._client.log_artifact, self.run_id, str(path), artifact_path)

    def log_image(self, name: str, image) -> None:
        """A uint8 image (H, W[, C]) as a PNG artifact ``name`` (e.g. ``samples/step_1000.png``)."""
        if not self.enabled:
            return
        from ..png import write_png

        rel = Path(name if name.endswith(".png") else name + ".png")
        local = self._scratch() / rel.name
        write_png(local, image)
        self.log_artifact(local, str(rel.parent) if str(rel.parent) != "." else None)

    def log_dict(self, name: str, data: dict[str, Any]) -> None:
        if not self.enabled:
            return
        local = self._scratch() / Path(name).name
        local.write_text(json.dumps(data, indent=2, default=str) + "\n")
        parent = str(Path(name).parent)
        self.log_artifact(local, parent if parent != "." else None)

    def register_model(self, path: Path | str, name: str, *, artifact_path: str = "model",
                       description: str = "", tags: dict[str, str] | None = None) -> str | None:
        """Log ``path`` (an exported model file, or a folder of them) under ``artifact_path`` and register
        it as a new version of the registered model ``name``; return the version (``None`` when off).

        The version is tagged with the file's ``sha256`` (a folder: ``files``, a JSON map of its files'
        sha256) and gets the alias ``staging``: the newest candidate.  ``vjhost pack promote`` moves
        ``production`` (:mod:`vjhost.train.registry`)."""
        if not self.enabled:
            return None
        from .registry import STAGING, file_digests

        path = Path(path)
        if path.is_dir():
            self._call(self._client.log_artifacts, self.run_id, str(path), artifact_path)
            source = f"{self.artifact_uri.rstrip('/')}/{artifact_path}"
            tags = {"files": json.dumps(file_digests(path), sort_keys=True), **dict(tags or {})}
        else:
            self.log_artifact(path, artifact_path)
            source = f"{self.artifact_uri.rstrip('/')}/{artifact_path}/{path.name}"
            tags = {"file": path.name, "sha256": file_digests(path)[path.name], **dict(tags or {})}

        def reg():
            from mlflow.exceptions import MlflowException

            try:
                self._client.create_registered_model(name, description=description or None)
            except MlflowException as exc:
                code = str(getattr(exc, "error_code", ""))
                if "RESOURCE_ALREADY_EXISTS" not in code and "already exists" not in str(exc):
                    raise
            mv = self._client.create_model_version(name, source, run_id=self.run_id, tags=tags,
                                                   description=description or None)
            self._client.set_registered_model_alias(name, STAGING, str(mv.version))
            return str(mv.version)

        return self._call(reg)


def _flat_numbers(d: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat_numbers(v, key + "."))
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v)):
            out[key] = float(v)
    return out
