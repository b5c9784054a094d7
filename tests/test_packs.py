"""Pack manifests and weights files: bad input gets an error naming the file, the line and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
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
    ("schema_version = 1", "schema_version = 7",
     r"pack.toml:\d+: schema_version: this vjhost reads schema 1, the pack has 7"),
    ('weights = "weights/decoder.safetensors"', 'weights = "weights/nope.safetensors"',
     r"pack.toml:\d+: decoder.weights: file not found"),
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
    ('backend = "torch"', 'backend = "torch"\ndefault = "apprentice"',
     r"pack.toml:\d+: decoder.default: must be teacher or student"),
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
    import torch
    from safetensors.torch import save_file

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
    edit(pack_copy / "pack.toml", 'onnx = ["weights/teacher.onnx", "weights/student.onnx"]',
         'onnx = ["weights/teacher.onnx"]')
    m = load_manifest(pack_copy / "pack.toml")
    with pytest.raises(ManifestError, match="ships no student decoder"):
        m.decoder_file("student")
    with pytest.raises(ManifestError, match="no ONNX export of its student"):
        m.decoder_file("student", "onnx")


def test_a_pack_in_training_may_lack_what_training_writes(pack_copy):
    """`vjhost train` / `pack eval` read a manifest whose student, ONNX and EVAL.json are not made yet."""
    for f in ("student.safetensors", "student.onnx", "EVAL.json"):
        (pack_copy / "weights" / f).unlink(missing_ok=True)
    with pytest.raises(ManifestError, match="decoder.student: file not found"):
        load_manifest(pack_copy / "pack.toml")
    m = load_manifest(pack_copy / "pack.toml", training=True)
    assert m.student is None and m.eval_report is None and "student" not in m.onnx
    assert m.onnx["teacher"] == pack_copy / "weights" / "teacher.onnx"
    (pack_copy / "weights" / "decoder.safetensors").unlink()  # the teacher is the one file it cannot do without
    with pytest.raises(ManifestError, match="decoder.weights: file not found"):
        load_manifest(pack_copy / "pack.toml", training=True)


# --------------------------------------------------------------------------- the latent controller


def set_controller(pack_dir: Path, block: str) -> Path:
    """Replace the manifest's ``[controller]`` and ``[controller.settings]`` tables with ``block``."""
    import re

    path = pack_dir / "pack.toml"
    text, n = re.subn(r"^\[controller\]\n.*?(?=^\[(?!controller))", block.strip() + "\n\n", path.read_text(),
                      count=1, flags=re.S | re.M)
    assert n == 1
    path.write_text(text)
    return path


KEYFRAMES = '''
[controller]
name = "keyframes"

[controller.settings]
keyframes = [
  "stripes",
  2,
  { seed = 7, hold = 8 },
  { scene = "barcode", hold = 4, glide = 1 },
]
hold = 16
"keyframes.glide" = 2
quantize = 4
'''


def test_a_keyframes_controller_is_accepted_with_its_settings(pack_copy, host, make_features):
    from vjhost.control.state import ControlState
    from vjhost.engine import make_controller

    m = load_manifest(set_controller(pack_copy, KEYFRAMES), controllers=host.controllers.names())
    assert m.controller == "keyframes"
    assert m.controller_settings["keyframes"][2] == {"seed": 7, "hold": 8}
    anchors = np.random.default_rng(0).standard_normal((len(m.scenes), 64)).astype(np.float32)
    ctl = make_controller(host, m, 64, anchors)
    ctl.reset(0)
    state = ControlState(ctl.PARAMS)
    state.scenes = list(m.scenes)
    assert state.get("keyframes.glide") == 2.0 and state.get("keyframes.hold") == 16.0
    z = ctl.step(make_features(bpm=120.0, beat=True, downbeat=True), 1 / 60, state)
    np.testing.assert_allclose(z / np.linalg.norm(z), anchors[0] / np.linalg.norm(anchors[0]), atol=1e-6)


def test_an_unknown_controller_is_rejected_naming_file_and_line(pack_copy, host):
    from vjhost.engine import make_controller

    path = set_controller(pack_copy, KEYFRAMES.replace('name = "keyframes"', 'name = "keyframez"'))
    with pytest.raises(ManifestError) as err:
        load_manifest(path, controllers=host.controllers.names())
    msg = str(err.value)
    assert msg.startswith(f"{path}:")
    line = int(msg.split(":")[1])
    assert path.read_text().splitlines()[line - 1] == 'name = "keyframez"'
    assert "controller.name: unknown latent controller 'keyframez'" in msg
    assert "audio-walk" in msg and "keyframes" in msg  # what is installed
    m = load_manifest(path)  # reading alone checks no plugin names (no host needed) ...
    with pytest.raises(ManifestError, match=r"pack.toml:\d+: controller.name: unknown latent controller"):
        make_controller(host, m, 64, None)  # ... building the show does


@pytest.mark.parametrize("old,new,key,expect", [
    ("{ scene = \"barcode\", hold = 4, glide = 1 }", "{ scene = \"barcode\", hold = \"long\" }",
     "controller.settings.keyframes[3].hold", "expected a number of beats >= 0, got 'long'"),
    ("{ seed = 7, hold = 8 }", "{ seed = 7, scene = 1 }", "controller.settings.keyframes[2]",
     "a keyframe table needs exactly one of scene and seed"),
    ("  2,\n", "  99,\n", "controller.settings.keyframes[1]", "scene 99, but the decoder has 8 anchors"),
    ("quantize = 4", "quantize = \"bar\"", "controller.settings.quantize", "expected a number, got 'bar'"),
])
def test_bad_controller_settings_name_file_line_and_key(pack_copy, host, old, new, key, expect):
    from vjhost.engine import make_controller

    path = set_controller(pack_copy, KEYFRAMES.replace(old, new))
    m = load_manifest(path, controllers=host.controllers.names())
    with pytest.raises(ManifestError) as err:
        make_controller(host, m, 64, np.zeros((8, 64), np.float32) + np.eye(8, 64, dtype=np.float32))
    msg = str(err.value)
    assert f"{key}: keyframes: {expect}" in msg
    line = int(msg.split(":")[1])
    assert new.strip().rstrip(",") in path.read_text().splitlines()[line - 1]


def test_pack_validate_steps_the_controller_and_locates_a_bad_scene_name(pack_copy, host):
    from vjhost.validate import controller_check

    anchors = np.random.default_rng(0).standard_normal((8, 64)).astype(np.float32)
    m = load_manifest(set_controller(pack_copy, KEYFRAMES), controllers=host.controllers.names())
    ok, detail = controller_check(host, m, 64, anchors)
    assert ok, detail
    assert detail == "keyframes: 6 parameters, 240 frames stepped"
    path = set_controller(pack_copy, KEYFRAMES.replace('"stripes"', '"stripez"'))
    ok, detail = controller_check(host, load_manifest(path), 64, anchors)
    assert not ok
    assert "controller.settings.keyframes[0]: keyframes: no scene named 'stripez'" in detail
    line = int(detail.split(":")[1])
    assert '"stripez"' in path.read_text().splitlines()[line - 1]
