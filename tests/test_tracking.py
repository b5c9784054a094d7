"""Experiment tracking: a real MLflow run in a temp sqlite store, and a no-op without mlflow."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from vjhost.train import tracking
from vjhost.train.tracking import Tracker, default_tracking_uri


def test_default_store_location(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("VJHOST_DATA", str(tmp_path / "data"))
    uri, root = default_tracking_uri()
    assert uri == f"sqlite:///{(tmp_path / 'data' / 'mlflow.db').resolve()}"
    assert root == (tmp_path / "data" / "mlartifacts").resolve()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    assert default_tracking_uri() == ("http://tracking.example:5000", None)


def test_without_mlflow_is_a_noop(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow -> ImportError
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    monkeypatch.setattr(tracking, "_said", set())
    monkeypatch.setenv("VJHOST_DATA", str(tmp_path))
    for _ in range(2):
        with Tracker.start("r", params={"a": 1}) as t:
            assert not t.enabled
            t.log_params({"b": 2})
            t.log_step(25, {"loss": 1.0})
            t.log_metrics({"m": 1.0})
            t.log_image("x.png", np.zeros((4, 4), np.uint8))
            assert t.register_model(tmp_path, "m") is None
    err = capsys.readouterr().err
    assert err.count("mlflow is not installed") == 1
    assert not any(tmp_path.iterdir())  # nothing written


def test_disabled_by_env(monkeypatch):
    monkeypatch.setenv("VJHOST_TRACKING", "0")
    assert not Tracker.start("r").enabled


def test_run_logged_to_sqlite(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("VJHOST_DATA", str(tmp_path / "data"))
    model = tmp_path / "student.onnx"
    model.write_bytes(b"not really a model, but a file to register")
    with Tracker.start("distill-test", params={"steps": 50, "widths": [8, 4], "nested": {"lr": 0.003}},
                       experiment="vjhost/test", every=10, tags={"pack": "test"}) as t:
        assert t.enabled and t.tracking_uri.startswith("sqlite:///")
        for step in range(1, 51):
            t.log_step(step, {"step": step, "loss": 1.0 / step})
        t.log_metrics({"psnr_db": 21.5, "skip_me": "text"})
        t.log_image("samples/grid", (np.arange(64 * 64) % 256).astype(np.uint8).reshape(64, 64))
        t.log_dict("record.json", {"a": 1})
        version = t.register_model(model, "test-student")
        version2 = t.register_model(model, "test-student")
        run_id = t.run_id
    assert (version, version2) == ("1", "2")
    assert (tmp_path / "data" / "mlflow.db").is_file()
    client = MlflowClient(tracking_uri=f"sqlite:///{(tmp_path / 'data' / 'mlflow.db').resolve()}")
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.data.tags["pack"] == "test"
    assert run.data.params["steps"] == "50" and run.data.params["nested.lr"] == "0.003"
    hist = client.get_metric_history(run_id, "loss")
    assert [m.step for m in hist] == [10, 20, 30, 40, 50]
    assert run.data.metrics["psnr_db"] == 21.5 and "skip_me" not in run.data.metrics
    arts = {a.path for a in client.list_artifacts(run_id, "samples")}
    assert arts == {"samples/grid.png"}
    png = tmp_path / "data" / "mlartifacts"
    assert list(png.rglob("grid.png"))[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {a.path for a in client.list_artifacts(run_id, "model")} == {"model/student.onnx"}
    mv = client.get_model_version("test-student", "2")
    assert mv.run_id == run_id and mv.source.endswith("model/student.onnx")


def test_bad_store_degrades_to_noop(tmp_path, monkeypatch, capsys):
    pytest.importorskip("mlflow")
    monkeypatch.setattr(tracking, "_said", set())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    t = Tracker.start("r", tracking_uri="bogus-scheme://nowhere", artifact_root=tmp_path)
    assert not t.enabled
    assert "tracking is off" in capsys.readouterr().err
