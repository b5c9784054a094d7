"""Training on the user's own footage (vjhost.train.footage), `vjhost pack new`, and `vjhost train` on it.

Every test works on real files written here: PNGs, and an H.264 mp4 encoded with PyAV.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vjhost.png import write_png
from vjhost.train.footage import (
    FootageDataset,
    FootageError,
    _upright,
    footage_from_training,
)

RED, BLUE = (220, 20, 20), (20, 20, 220)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """The footage cache goes under tmp_path, never the user's data dir."""
    d = tmp_path / "vjhost-data"
    monkeypatch.setenv("VJHOST_DATA", str(d))
    return d


def write_clip(path: Path, seconds: float = 2.0, rate: int = 24, w: int = 96, h: int = 64) -> None:
    """A green square moving left to right over a dark blue-grey ground."""
    import av

    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        n = int(seconds * rate)
        for i in range(n):
            img = np.full((h, w, 3), (10, 10, 30), np.uint8)
            x = int(i * (w - 24) / (n - 1))
            img[h // 2 - 12 : h // 2 + 12, x : x + 24] = (30, 230, 30)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def write_still(path: Path, colour, w: int = 80, h: int = 50) -> None:
    img = np.full((h, w, 3), colour, np.uint8)
    img[:, :8] = (255, 255, 0)  # a yellow band the centre crop (50 of 80 columns) cuts away
    write_png(path, img)


@pytest.fixture
def footage(tmp_path) -> Path:
    d = tmp_path / "footage"
    d.mkdir()
    write_clip(d / "clip.mp4")
    write_still(d / "red.png", RED)
    write_still(d / "blue.png", BLUE)
    (d / "notes.txt").write_text("not footage")
    (d / ".hidden.png").write_bytes(b"junk")  # hidden: ignored, not even a warning
    return d


def frames_of(ds: FootageDataset) -> dict[str, int]:
    return {f["path"]: f["frames"] for f in ds.recipe["files"]}


# ----------------------------------------------------------------------------- extraction


def test_clips_are_sampled_at_fps_and_images_give_one_frame(footage, capsys):
    ds = FootageDataset(footage, size=32, channels=3, fps=4)
    assert frames_of(ds) == {"blue.png": 1, "clip.mp4": 8, "red.png": 1}  # 2 s x 4 fps
    assert ds.motifs == ("blue", "clip", "red")  # a flat folder: one motif per file
    assert ds.frames.dtype == np.uint8 and ds.frames.shape == (10, 3, 40, 40)  # cache side = ceil(32 / 0.8)
    assert ds.skipped == [] and capsys.readouterr().err == ""
    assert frames_of(FootageDataset(footage, size=32, fps=2, cache=False)) ["clip.mp4"] == 4
    # capped: 3 frames spread over the whole clip, not its first 3
    capped = FootageDataset(footage, size=32, fps=4, max_frames_per_clip=3, cache=False)
    assert frames_of(capped)["clip.mp4"] == 3
    clip = capped.frames[capped.labels == capped.motifs.index("clip")]
    green_x = [np.argwhere(f[1] > 150)[:, 1].mean() for f in clip]
    assert green_x[0] < green_x[1] < green_x[2] and green_x[2] - green_x[0] > 15


def test_frames_are_centre_cropped_squares_rgb_or_grey(footage):
    ds = FootageDataset(footage, size=32, channels=3, fps=4)
    red = ds.frames[ds.labels == ds.motifs.index("red")][0]
    assert red[0].min() > 180 and red[2].max() < 60  # all red: the yellow band at the edge is cropped away
    x, labels = ds.generate(24, 32, seed=3)
    assert x.shape == (24, 3, 32, 32) and x.dtype == np.uint8
    assert labels.shape == (24,) and set(labels.tolist()) <= {0, 1, 2}
    assert ds.generate(5, 16, seed=3)[0].shape == (5, 3, 16, 16)  # any requested size
    grey = FootageDataset(footage, size=32, channels=1, fps=4)
    g, _ = grey.generate(8, 32, seed=3)
    assert grey.frames.shape == (10, 1, 40, 40) and g.shape == (8, 1, 32, 32) and g.dtype == np.uint8


def test_generate_is_deterministic_for_a_seed(footage):
    a = FootageDataset(footage, size=32, fps=4, cache=False)
    b = FootageDataset(footage, size=32, fps=4, cache=False)  # decoded again: the same frames
    assert np.array_equal(a.frames, b.frames)
    xa, la = a.generate(32, 32, seed=11)
    xb, lb = b.generate(32, 32, seed=11)
    assert np.array_equal(xa, xb) and np.array_equal(la, lb)
    xc, _ = a.generate(32, 32, seed=12)
    assert not np.array_equal(xa, xc)


def test_labels_name_the_source_clip_or_image(footage):
    ds = FootageDataset(footage, size=32, fps=4)
    x, labels = ds.generate(96, 32, seed=0)
    assert np.bincount(labels, minlength=3).min() > 15  # motifs drawn evenly, however many frames each has
    mean = x.reshape(96, 3, -1).mean(-1)
    red, blue, clip = (labels == ds.motifs.index(k) for k in ("red", "blue", "clip"))
    assert (mean[red, 0] > 150).all() and (mean[red, 2] < 60).all()
    assert (mean[blue, 2] > 150).all() and (mean[blue, 0] < 60).all()
    assert (mean[clip, 1] > mean[clip, 0]).all()  # the green square


def test_subfolders_are_the_motifs(tmp_path):
    d = tmp_path / "footage"
    (d / "beach" / "day").mkdir(parents=True)
    (d / "city").mkdir()
    write_still(d / "beach" / "a.png", BLUE)
    write_still(d / "beach" / "day" / "b.jpg.png", BLUE)  # nested: still the beach motif
    write_clip(d / "city" / "street.mp4", seconds=1.0)
    write_still(d / "city.png", RED)  # a loose file is a motif of its own (name made unique)
    ds = FootageDataset(d, size=32, fps=4)
    assert ds.motifs == ("beach", "city", "city-2")
    assert np.bincount(ds.labels).tolist() == [2, 4, 1]
    assert {f["path"]: f["motif"] for f in ds.recipe["files"]} == {
        "beach/a.png": "beach", "beach/day/b.jpg.png": "beach", "city/street.mp4": "city", "city.png": "city-2"}


# ----------------------------------------------------------------------------- cache


def test_a_second_run_reads_the_cache_and_decodes_nothing(footage, monkeypatch, data_dir):
    import av

    first = FootageDataset(footage, size=32, fps=4)
    assert not first.from_cache and (data_dir / "footage-cache" / first.key / "frames.npy").is_file()

    def no_decoding(*a, **k):
        raise AssertionError("decoded again")

    monkeypatch.setattr(av, "open", no_decoding)
    second = FootageDataset(footage, size=32, fps=4)
    assert second.from_cache and second.motifs == first.motifs and second.recipe == first.recipe
    assert np.array_equal(second.generate(16, 32, 4)[0], first.generate(16, 32, 4)[0])
    # other settings, or a changed file, are another cache entry: decoding is needed (and here fails)
    with pytest.raises(FootageError, match="none of the 3"):
        FootageDataset(footage, size=32, fps=2)
    os.utime(footage / "red.png", ns=(1, 1))
    with pytest.raises(FootageError):
        FootageDataset(footage, size=32, fps=4)


# ----------------------------------------------------------------------------- problems


def test_a_corrupt_file_is_skipped_with_a_warning_naming_it(footage, capsys):
    (footage / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    (footage / "broken.jpg").write_bytes(b"not a jpeg")
    ds = FootageDataset(footage, size=32, fps=4)
    err = capsys.readouterr().err
    assert str(footage / "broken.mp4") in err and str(footage / "broken.jpg") in err
    assert [p for p, _ in ds.skipped] == ["broken.jpg", "broken.mp4"]
    assert ds.motifs == ("blue", "clip", "red") and len(ds) == 10
    assert [s["path"] for s in ds.recipe["skipped"]] == ["broken.jpg", "broken.mp4"]
    FootageDataset(footage, size=32, fps=4)  # from the cache: the warning again
    assert str(footage / "broken.mp4") in capsys.readouterr().err


def test_clear_errors_for_a_missing_empty_or_undecodable_folder(tmp_path):
    with pytest.raises(FootageError, match=r"nope: footage folder not found"):
        FootageDataset(tmp_path / "nope", size=32)
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "readme.txt").write_text("hi")
    with pytest.raises(FootageError, match=r"empty: no images or video clips found \(looked recursively for png, jpg"):
        FootageDataset(empty, size=32)
    (empty / "sub" / "bad.png").write_bytes(b"garbage")
    with pytest.raises(FootageError, match=r"none of the 1 image/clip file\(s\) could be decoded: sub/bad.png"):
        FootageDataset(empty, size=32)
    with pytest.raises(FootageError, match="not a folder"):
        FootageDataset(empty / "readme.txt", size=32)


def test_recipe_records_what_went_in(footage):
    ds = FootageDataset(footage, size=32, channels=3, fps=4)
    r = json.loads(json.dumps(ds.recipe))  # JSON all the way (TRAINING.json, weights metadata)
    assert r["source"] == "footage" and r["folder"] == str(footage.resolve())
    assert r["fps"] == 4 and r["frames"] == 10 and r["motifs"] == ["blue", "clip", "red"]
    clip = next(f for f in r["files"] if f["path"] == "clip.mp4")
    assert clip["kind"] == "video" and clip["bytes"] == (footage / "clip.mp4").stat().st_size
    assert clip["frames"] == 8 and abs(clip["seconds"] - 2.0) < 0.1
    assert r["augmentation"] == {"crop_zoom": [0.8, 1.0], "hflip": True, "resize": "bilinear"}
    assert "footage" in r["card"] and r["limits"]


def test_rotation_metadata_turns_frames_upright():
    a = np.array([[1, 2], [3, 4]])
    assert _upright(a, -90).tolist() == [[3, 1], [4, 2]]  # FFmpeg's -90: a quarter turn clockwise
    assert _upright(a, 90).tolist() == [[2, 4], [1, 3]]
    assert _upright(a, 180).tolist() == [[4, 3], [2, 1]] and _upright(a, 0) is a


def test_manifest_footage_is_relative_to_the_manifest(footage, tmp_path, monkeypatch):
    manifest = tmp_path / "pack.toml"
    ds = footage_from_training({"footage": "footage", "footage_fps": 2}, manifest, 32, 1)
    assert ds.folder == footage.resolve() and ds.fps == 2 and ds.channels == 1
    monkeypatch.setenv("HOME", str(tmp_path))
    assert footage_from_training({"footage": "~/footage"}, Path("/elsewhere/pack.toml"), 32, 3).fps == 4
    with pytest.raises(FootageError, match=r"pack.toml: training.footage_fps: expected a number > 0"):
        footage_from_training({"footage": "footage", "footage_fps": 0}, manifest, 32, 3)
    from vjhost.train.cli import _settings

    assert _settings({"footage": "x", "footage_fps": 4, "widths": [8]}, None)["footage"] == "x"


# ----------------------------------------------------------------------------- vjhost pack new


def test_pack_new_makes_a_valid_pack_and_never_overwrites(footage, tmp_path, capsys):
    from vjhost.cli import main
    from vjhost.decode.weights import load_decoder_weights
    from vjhost.packs import load_manifest
    from vjhost.tomlcompat import tomllib

    packs = tmp_path / "packs"
    assert main(["pack", "new", "mine", "--footage", str(footage), "--dir", str(packs), "--size", "32"]) == 0
    out = capsys.readouterr().out
    for line in (f"vjhost train {packs / 'mine'}", f"pip install -e {packs / 'mine'}", "vjhost run --pack mine"):
        assert line in out
    root = packs / "mine"
    m = load_manifest(root / "vjhost_pack_mine" / "pack.toml")
    assert m.name == "mine" and m.scenes == ("blue", "clip", "red") and (m.size, m.channels) == (32, 3)
    assert m.training["footage"] == str(footage.resolve()) and m.training["footage_fps"] == 4
    assert m.chain == ("feedback", "blur", "hue", "rgbsplit", "bloom")
    w = load_decoder_weights(m.weights)  # the untrained placeholder, one anchor per scene
    assert w.anchor_names == ["blue", "clip", "red"] and tuple(w.anchors.shape) == (3, 64)
    py = tomllib.loads((root / "pyproject.toml").read_text())
    assert py["project"]["entry-points"]["vjhost"] == {"mine": "vjhost_pack_mine"}
    init = (root / "vjhost_pack_mine" / "__init__.py").read_text()
    assert 'register(PackSpec.from_package(__name__, "mine"))' in init
    # every key it writes is documented
    doc = (Path(__file__).resolve().parents[1] / "docs" / "packs.md").read_text()
    raw = tomllib.loads(m.path.read_text())
    for key in [*raw, *raw["training"]]:
        assert f"`{key}`" in doc or f"`[{key}]`" in doc, key

    # its own tests (the source pass on vjhost's pack toolkit) pass as written
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout[-2000:] + run.stderr[-1000:]

    (root / "my_notes.txt").write_text("mine")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    assert main(["pack", "new", "mine", "--footage", str(footage), "--dir", str(packs)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert (root / "my_notes.txt").read_text() == "mine"
    assert main(["pack", "new", "My-Pack", "--footage", str(footage), "--dir", str(packs)]) == 1
    assert "pack name 'My-Pack'" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["pack", "new", "other", "--footage", str(tmp_path / "empty"), "--dir", str(packs)]) == 1
    assert "no images or video clips" in capsys.readouterr().err
    assert sorted(p.name for p in packs.iterdir()) == ["mine"]  # nothing half-made left behind


def test_pack_new_shader_compiles_and_draws(gl, host, footage, tmp_path, make_features):
    from vjhost.faults import FaultLog
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder
    from vjhost.train.scaffold import new_pack

    for channels in (3, 1):
        root, _ = new_pack(f"look{channels}", footage, tmp_path, size=32, channels=channels, quiet=True)
        faults = FaultLog(stream=None)
        finder = ShaderFinder([root / f"vjhost_pack_look{channels}" / "shaders", *host.shader_dirs])
        r = Renderer((32, 32), finder, faults)
        r.set_source(f"look{channels}.glsl")
        for name in ("feedback", "blur", "hue", "rgbsplit", "bloom"):
            spec = host.effects[name]
            r.add_effect(spec.name, spec.shader, spec.params)
        r.upload_image(np.full((32, 32, channels), 200, np.uint8))
        r.render(make_features(), {})
        assert not faults.faults, faults.faults
        assert r.read_rgba()[..., :3].mean() > 150


# ----------------------------------------------------------------------------- vjhost train on footage


def test_train_a_new_pack_on_footage_end_to_end(footage, tmp_path, capsys):
    from vjhost.decode.weights import load_decoder_weights
    from vjhost.train.cli import main as train_main
    from vjhost.train.scaffold import new_pack

    root, ds = new_pack("mine", footage, tmp_path / "packs", size=32, channels=3, quiet=True)
    cfg = tmp_path / "tiny.toml"
    cfg.write_text("widths = [8, 8, 8]\nbatch = 8\n[student]\nwidths = [4, 4, 4]\nbatch = 8\n")
    assert train_main([str(root), "--config", str(cfg), "--steps", "3", "--student-steps", "2",
                       "--no-eval", "--no-track", "--quiet"]) == 0
    pkg = root / "vjhost_pack_mine"
    for name in ("decoder.safetensors", "student.safetensors"):
        w = load_decoder_weights(pkg / "weights" / name)
        assert w.anchor_names == list(ds.motifs) and tuple(w.anchors.shape) == (3, 64)
        assert w.config.size == 32 and w.config.channels == 3
    teacher = load_decoder_weights(pkg / "weights" / "decoder.safetensors")
    assert "role" not in teacher.metadata  # the placeholder is gone
    assert json.loads(teacher.metadata["dataset"])["folder"] == str(footage.resolve())
    record = json.loads((pkg / "TRAINING.json").read_text())
    assert record["dataset"]["source"] == "footage" and record["dataset"]["seed"] == 0
    assert [f["frames"] for f in record["dataset"]["files"]] == [1, 8, 1]
    assert "own footage" in (pkg / "MODEL_CARD.md").read_text()

    # --footage overrides the manifest's folder; scenes that no longer match are pointed out
    other = tmp_path / "other"
    (other / "a").mkdir(parents=True)
    (other / "b").mkdir()
    write_still(other / "a" / "x.png", RED)
    write_still(other / "b" / "y.png", BLUE)
    out = tmp_path / "alt" / "decoder.safetensors"
    assert train_main([str(root), "--footage", str(other), "--config", str(cfg), "--steps", "1", "--stage", "teacher",
                       "--out", str(out), "--no-track", "--quiet"]) == 0
    assert load_decoder_weights(out).anchor_names == ["a", "b"]
    assert 'update scenes = ["a", "b"]' in capsys.readouterr().err
    with pytest.raises(SystemExit, match=r"vjhost train: .*nope: footage folder not found"):
        train_main([str(root), "--footage", str(tmp_path / "nope"), "--no-track", "--quiet"])
