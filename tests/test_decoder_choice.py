"""`--decoder student` / `--backend onnx`: the show plays the pack's other shipped decoders."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from vjhost.engine import Show
from vjhost.faults import FaultLog
from vjhost.protocols import PackSpec

IKEDA = Path(__file__).resolve().parents[1] / "persona_packs" / "ikeda" / "vjhost_ikeda"


def picture(show, make_features):
    f = make_features(bpm=128.0, kick=1.0)
    for _ in range(3):
        show.renderer.upload_image(show.decoder.decode(show.latent(f, 1 / 60)[None])[0])
        show.render(f, 1 / 60)
    return show.renderer.read_rgba()[..., :3].astype(np.int16)


@pytest.mark.parametrize("decoder,backend,cls", [
    ("student", None, "TorchDecoder"),
    ("student", "onnx", "OnnxDecoder"),
    ("teacher", "onnx", "OnnxDecoder"),
])
def test_the_show_runs_each_shipped_decoder(gl, host, make_features, decoder, backend, cls):
    teacher = Show(host, "ikeda", (160, 90), faults=FaultLog(stream=None), seed=3)
    other = Show(host, "ikeda", (160, 90), faults=FaultLog(stream=None), seed=3, decoder=decoder, backend=backend)
    assert type(other.decoder).__name__ == cls
    assert other.decoder_file.name == {"student": "student", "teacher": "teacher"}[decoder] + (
        ".onnx" if backend == "onnx" else ".safetensors")
    assert other.decoder.anchor_names == teacher.decoder.anchor_names  # same scenes
    a, b = picture(teacher, make_features), picture(other, make_features)
    assert b.std() > 20  # a real picture, not black
    # same latent walk, same look: the pictures mostly agree (the student is an approximation)
    assert np.mean(np.abs(a - b) < 64) > 0.7


def test_a_pack_without_a_student_plays_its_teacher_and_says_so(gl, host, tmp_path, tiny_weights):
    d = tmp_path / "pack"
    shutil.copytree(IKEDA, d, ignore=shutil.ignore_patterns("*.safetensors", "*.onnx", "__pycache__"))
    shutil.copy(tiny_weights, d / "weights" / "decoder.safetensors")
    text = (d / "pack.toml").read_text()
    text = text.replace('student = "weights/student.safetensors"', "").replace(
        'onnx = ["weights/teacher.onnx", "weights/student.onnx"]', "")
    (d / "pack.toml").write_text(text)
    host.packs.add("nostudent", PackSpec(name="nostudent", root=d), "test", False)
    try:
        log = FaultLog(stream=None)
        show = Show(host, "nostudent", (64, 36), faults=log, decoder="student")
        assert show.decoder_file.name == "decoder.safetensors"
        assert any("ships no student decoder" in f.message and "teacher" in f.message for f in log.faults.values())
        with pytest.raises(Exception, match="no ONNX export of its teacher"):
            Show(host, "nostudent", (64, 36), faults=log, backend="onnx")
    finally:
        host.packs._items.pop("nostudent", None)
