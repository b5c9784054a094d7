"""Pack manifests and weights files: bad input gets an error naming the file, the line and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vjhost.decode.weights import WeightsError, load_decoder_weights
from vjhost.packs import ManifestError, load_manifest

IKEDA = Path(__file__).resolve().parents[1] / "persona_packs" / "ikeda" / "vjhost_ikeda"


@pytest.fixture
def pack_copy(tmp_path, tiny_weights):
    """A copy of the ikeda pack directory (with tiny weights) to break in tests."""
    d = tmp_path / "pack"
    shutil.copytree(IKEDA, d, ignore=shutil.ignore_patterns("*.safetensors", "__pycache__"))
    (d / "weights").mkdir(exist_ok=True)
    shutil.copy(tiny_weights, d / "weights" / "decoder.safetensors")
    shutil.copy(tiny_weights, d / "weights" / "student.safetensors")
    return d


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_copy_is_valid(pack_copy):
    m = load_manifest(pack_copy / "pack.toml")
    assert m.name == "ikeda" and m.scenes[0] == "stripes" and m.chain[-1] == "ikeda_flicker"
    assert m.effects[0].params[0].name == "amount"


@pytest.mark.parametrize("old,new,expect", [
    ("schema_version = 1", "schema_version = 7", r"pack.toml:\d+: schema_version: this vjhost reads schema 1, the pack has 7"),
    ('weights = "weights/decoder.safetensors"', 'weights = "weights/nope.safetensors"', r"pack.toml:\d+: decoder.weights: file not found"),
    ("channels = 1", "channels = 4", r"pack.toml:\d+: decoder.channels: must be 1 or 3, got 4"),
    ("size = 128", 'size = "big"', r"pack.toml:\d+: decoder.size: expected int, got str 'big'"),
    ('source = "ikeda.glsl"', 'source = "missing.glsl"', r"pack.toml:\d+: shaders.source: file not found"),
    ('"fx.blur.amount" = 0.0', '"fx.blur.amount" = "lots"', r"fx.blur.amount: default must be a number"),
    ('name = "ikeda"\n', 'nam = "ikeda"\n', r"pack.toml: name: missing"),
    ("[decoder]", "[decoder", r"pack.toml: not valid TOML"),
    ('student = "weights/student.safetensors"', 'student = "weights/pupil.safetensors"',
     r"pack.toml:\d+: decoder.student: file not found: .*pupil.safetensors"),
    ('onnx = ["weights/teacher.onnx", "weights/student.onnx"]', 'onnx = ["weights/teacher.onnx", 3]',
     r"pack.toml:\d+: decoder.onnx: entry 1: expected a path string, got 3"),
    ('backend = "torch"', 'backend = "torch"\ndefault = "apprentice"', r"pack.toml:\d+: decoder.default: must be teacher or student"),
])
def test_manifest_errors_name_file_line_and_key(pack_copy, old, new, expect):
    edit(pack_copy / "pack.toml", old, new)
    with pytest.raises(ManifestError, match=expect) as err:
        load_manifest(pack_copy / "pack.toml")
    assert str(err.value).startswith(str(pack_copy / "pack.toml"))


def test_manifest_line_numbers_point_at_the_key(pack_copy):
    edit(pack_copy / "pack.toml", "channels = 1", "channels = 4")
    text = (pack_copy / "pack.toml").read_text().splitlines()
    with pytest.raises(ManifestError) as err:
        load_manifest(pack_copy / "pack.toml")
    line = int(str(err.value).split(":")[1])
    assert text[line - 1].startswith("channels = 4")


def test_weights_errors_name_the_file(tmp_path, tiny_weights):
    with pytest.raises(WeightsError, match="weights file not found"):
        load_decoder_weights(tmp_path / "none.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x80\x04\x95 this is a pickle, not safetensors")
    with pytest.raises(WeightsError, match=f"{junk}: not a readable safetensors file"):
        load_decoder_weights(junk)
    from safetensors.torch import save_file
    import torch

    other = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(2)}, str(other), metadata={"format": "someone-else/3"})
    with pytest.raises(WeightsError, match="format is 'someone-else/3'"):
        load_decoder_weights(other)
    w = load_decoder_weights(tiny_weights)
    assert w.config.latent_dim == 64 and w.anchors.shape == (3, 64) and w.anchor_names == ["a", "b", "c"]


def test_the_pack_says_which_decoder_files_it_ships(pack_copy):
    m = load_manifest(pack_copy / "pack.toml")
    assert m.variant == "teacher"
    assert m.decoder_file() == pack_copy / "weights" / "decoder.safetensors"
    assert m.decoder_file("student") == pack_copy / "weights" / "student.safetensors"
    assert m.decoder_file("student", "onnx") == pack_copy / "weights" / "student.onnx"
    assert m.decoder_file("teacher", "onnx") == pack_copy / "weights" / "teacher.onnx"
    assert m.eval_report == pack_copy / "weights" / "EVAL.json"
    edit(pack_copy / "pack.toml", 'student = "weights/student.safetensors"', "")
    edit(pack_copy / "pack.toml", 'onnx = ["weights/teacher.onnx", "weights/student.onnx"]', 'onnx = ["weights/teacher.onnx"]')
    m = load_manifest(pack_copy / "pack.toml")
    with pytest.raises(ManifestError, match="ships no student decoder"):
        m.decoder_file("student")
    with pytest.raises(ManifestError, match="no ONNX export of its student"):
        m.decoder_file("student", "onnx")
