"""`vjhost pack new NAME --template persona`: the template makes a complete pack that works and trains.

Everything is checked without pip: the generated distribution goes on sys.path, its
module registers through the plugin host like an installed pack, and the project's own
loaders (manifest, layout, prompts), the headless renderer and `vjhost train` read it.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vjhost.cli import main

PALETTE = "#101418,#e8e0d0,#d94f30,#3a6ea5"


def _forget(name: str) -> None:
    for mod in [m for m in sys.modules if m == f"vjhost_{name}" or m.startswith(f"vjhost_{name}.")]:
        del sys.modules[mod]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A pack made by the CLI into a temporary persona_packs/, importable (no pip)."""
    parent = tmp_path_factory.mktemp("tpl") / "persona_packs"
    assert main(["pack", "new", "demo", "--template", "persona", "--dir", str(parent), "--palette", PALETTE,
                 "--title", "demo: a test persona"]) == 0
    dist = parent / "demo"
    sys.path.insert(0, str(dist))
    yield dist
    sys.path.remove(str(dist))
    _forget("demo")


@pytest.fixture(scope="module")
def made_host(made):
    from vjhost.plugins import load_host

    mod = importlib.import_module("vjhost_demo")
    h = load_host(plugins=[("demo", mod)])
    assert not h.errors(), h.errors()
    return h


def test_the_template_writes_a_complete_distribution(made):
    from vjhost.tomlcompat import tomllib

    pkg = made / "vjhost_demo"
    for rel in ("pyproject.toml", "README.md", "prompts.toml", "tests/test_demo_pack.py", "vjhost_demo/__init__.py",
                "vjhost_demo/pack.toml", "vjhost_demo/dataset.py", "vjhost_demo/MODEL_CARD.md",
                "vjhost_demo/shaders/demo.glsl", "vjhost_demo/shaders/demo_motif.glsl",
                "vjhost_demo/layouts/apc_mini_mk2.toml", "vjhost_demo/weights/decoder.safetensors"):
        assert (made / rel).is_file(), rel
    py = tomllib.loads((made / "pyproject.toml").read_text())
    assert py["project"]["name"] == "vjhost-pack-demo"
    assert py["project"]["entry-points"]["vjhost"] == {"demo": "vjhost_demo"}
    assert "layouts/*.toml" in py["tool"]["setuptools"]["package-data"]["vjhost_demo"]
    # importing the pack only registers it: imports and one hook function, nothing else at module level
    tree = ast.parse((pkg / "__init__.py").read_text())
    body = [n for n in tree.body if not isinstance(n, ast.Expr)]  # (the docstring)
    assert all(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef)) for n in body)
    assert [n.name for n in body if isinstance(n, ast.FunctionDef)] == ["vjhost_register_packs"]
    # it says it is untrained, where a reader looks
    assert "UNTRAINED" in (pkg / "MODEL_CARD.md").read_text()
    assert "untrained placeholder" in (made / "README.md").read_text()
    assert "UNTRAINED" in (pkg / "pack.toml").read_text()


def test_an_existing_folder_is_never_touched_but_a_prompt_library_is_kept(tmp_path, capsys):
    parent = tmp_path / "persona_packs"
    (parent / "taken").mkdir(parents=True)
    (parent / "taken" / "notes.txt").write_text("mine")
    assert main(["pack", "new", "taken", "--template", "persona", "--dir", str(parent)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert sorted(p.name for p in (parent / "taken").iterdir()) == ["notes.txt"]
    # a folder with only the persona's prompts.toml (written before the pack): the pack grows around it
    (parent / "early").mkdir()
    mine = '# my prompts\nschema_version = 1\npersona = "early"\n[safety]\nsuffix = "No text."\n' \
           '[[prompts]]\nid = "a-01"\nscene = "dots"\ntext = "Flat red discs drifting on white."\n'
    (parent / "early" / "prompts.toml").write_text(mine)
    assert main(["pack", "new", "early", "--template", "persona", "--dir", str(parent)]) == 0
    assert "your prompts.toml kept" in capsys.readouterr().out
    assert (parent / "early" / "prompts.toml").read_text() == mine
    assert (parent / "early" / "vjhost_early" / "pack.toml").is_file()
    assert sorted(p.name for p in parent.iterdir()) == ["early", "taken"]  # nothing half-made or set aside left
    # bad input: named, nothing written
    assert main(["pack", "new", "Bad-Name", "--template", "persona", "--dir", str(parent)]) == 1
    assert "pack name 'Bad-Name'" in capsys.readouterr().err
    assert main(["pack", "new", "other", "--template", "persona", "--dir", str(parent), "--palette", "#12345"]) == 1
    assert "--palette: expected a colour '#rrggbb', got '#12345'" in capsys.readouterr().err
    assert sorted(p.name for p in parent.iterdir()) == ["early", "taken"]


def test_its_dataset_draws_the_scenes_in_its_palette_and_its_own_tests_pass(made):
    from vjhost.train.motifs.palettes import palette_distance

    ds = importlib.import_module("vjhost_demo.dataset")
    images, labels = ds.generate(24, size=64, seed=5)
    assert images.shape == (24, 3, 64, 64) and images.dtype == np.uint8
    assert np.bincount(labels, minlength=8).tolist() == [3] * 8
    assert np.array_equal(images, ds.generate(24, size=64, seed=5)[0])
    assert ds.PALETTE == tuple(PALETTE.split(","))
    # every motif is drawn in the palette, and the motifs look different from each other
    for k in range(8):
        d = np.concatenate([palette_distance(img, ds.PALETTE).ravel() for img in images[labels == k]])
        assert (d < 0.15).mean() > 0.95, ds.MOTIFS[k]
    means = np.stack([images[labels == k].astype(np.float32).mean(0) for k in range(8)])
    assert min(np.abs(means[i] - means[j]).mean() for i in range(8) for j in range(i + 1, 8)) > 3
    # the generated pack's own tests pass as written, under pytest with the pack toolkit's fixtures (vjhost.packtest)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(made / "tests")],
                         cwd=made, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"\b2[01] passed", run.stdout), run.stdout[-500:]  # dataset, 2 x 8 budget cases, shaders, layout


def test_its_manifest_layout_and_prompts_parse_with_the_projects_loaders(made, made_host):
    from vjhost.control.layout import VELOCITY_RGB, load_layout
    from vjhost.packs import load_manifest
    from vjhost.train.prompts import load_prompts
    from vjhost.train.template import MOTIFS, led_colour

    m = load_manifest(made_host.pack("demo"), controllers=made_host.controllers.names())
    assert m.untrained and m.student is None and m.eval_report is None  # made by training, not yet
    assert m.scenes == MOTIFS and m.palette == tuple(PALETTE.split(","))
    assert m.chain[0] == "motif" and m.effects[0].name == "motif" and m.defaults["fx.motif.amount"] == 0.0
    layout = load_layout(m.layouts["apc_mini_mk2"])
    scene_pads = sorted((p for p in layout.pads if p.binding.action == "scene"), key=lambda p: p.col)
    assert [p.binding.value for p in scene_pads] == list(range(8)) and {p.row for p in scene_pads} == {7}
    # the scene pads light in the palette: chart colours (pulsing pads take no RGB), the visible palette colours
    # in turn (the near-black ground #101418 would light white: skipped), each scene a colour of its own
    velocities = [p.look.color.velocity for p in scene_pads]
    assert velocities[:3] == [led_colour(c) for c in m.palette[1:]]
    assert len({VELOCITY_RGB[v] for v in velocities}) == 8
    assert all(max(VELOCITY_RGB[v] >> shift & 255 for shift in (16, 8, 0)) >= 150 for v in velocities)  # all lit
    assert all(p.look.behaviour == "pulse" and not p.look.color.is_rgb for p in scene_pads)
    red = scene_pads[1].look.color.velocity  # the palette's vermilion shows as a red on the pad
    r, g, b = (VELOCITY_RGB[red] >> 16) & 255, (VELOCITY_RGB[red] >> 8) & 255, VELOCITY_RGB[red] & 255
    assert r > 200 and r > g + 80 and r > b + 80
    assert layout.grid.packs_row == 0
    lib = load_prompts(made / "prompts.toml")
    assert lib.persona == "demo" and lib.prompts[0].scene in MOTIFS and "No text" in lib.prompts[0].full_text


def test_its_shaders_compile_headless_and_react_to_the_music(gl, made, made_host, make_features):
    from vjhost.faults import FaultLog
    from vjhost.protocols import Param
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    pkg = made / "vjhost_demo"
    faults = FaultLog(stream=None)
    r = Renderer((96, 54), ShaderFinder([pkg / "shaders", *made_host.shader_dirs]), faults)
    try:
        r.set_source("demo.glsl")
        r.add_effect("motif", "demo_motif.glsl", (Param("amount", 0.0),))
        for name in ("feedback", "blur", "hue", "rgbsplit", "bloom"):
            spec = made_host.effects[name]
            r.add_effect(spec.name, spec.shader, spec.params)
        # a decode-like frame: a muddy ramp between the palette's red and blue
        ramp = np.linspace(0, 1, 64, dtype=np.float32)[None, :, None]
        img = ((1 - ramp) * np.array([217, 79, 48]) + ramp * np.array([58, 110, 165])).repeat(64, 0)
        r.upload_image(img.astype(np.uint8))
        r.upload_image(img.astype(np.uint8))

        def frame(params=None, **feats):
            r.render(make_features(**feats), params or {})
            return r.read_rgba()[..., :3].astype(np.int16)

        quiet = frame()
        assert not faults.faults, faults.faults
        assert quiet.std() > 10
        # the source pass pulls the in-between colours toward the palette
        from vjhost.train.motifs.palettes import palette_distance

        before = palette_distance(np.moveaxis(img, -1, 0) / 255.0, [PALETTE.split(",")[i] for i in (0, 1)]).mean()
        assert palette_distance(np.moveaxis(quiet, -1, 0).astype(np.uint8), PALETTE.split(",")).mean() < 0.05
        assert before > 0.1
        loud = frame(kick_env=1.0, bass=1.0, beat_env=1.0)
        assert np.abs(loud - quiet).mean() > 8  # pushed in, more contrast, brighter
        assert np.array_equal(frame(), quiet)  # and back
        lattice = frame({"fx.motif.amount": 1.0})
        assert np.abs(lattice - quiet).mean() > 8  # the motif layer draws when raised
    finally:
        r.close()


def test_validate_says_the_pack_is_untrained_and_every_other_check_passes(made, made_host):
    from vjhost.validate import validate_pack

    report = validate_pack(made_host, "demo", size=(96, 54))
    checks = {c["name"]: c for c in report["checks"]}
    assert not report["ok"]
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["trained"]
    detail = checks["trained"]["detail"]
    assert "UNTRAINED placeholder" in detail and f"vjhost train {made}" in detail
    assert {"shader source", "shader motif", "render", "layout apc_mini_mk2", "controller"} <= set(checks)


def test_the_generated_pack_trains_with_vjhost_train(tmp_path, monkeypatch):
    """A real `vjhost train` on the generated pack (small size, a few steps): the placeholder is replaced."""
    from vjhost.decode.weights import load_decoder_weights
    from vjhost.packs import is_placeholder, load_manifest
    from vjhost.plugins import load_host
    from vjhost.train.cli import main as train_main
    from vjhost.train.evaluate import evaluate_files, pack_files
    from vjhost.train.template import MOTIFS, new_persona_pack
    from vjhost.validate import validate_pack

    dist = new_persona_pack("tplrun", tmp_path / "persona_packs", palette="cool_blue")
    pkg = dist / "vjhost_tplrun"
    # the user picks a small decoder (documented: size = 4 * 2**len(widths)); a --config makes it quick
    (pkg / "pack.toml").write_text((pkg / "pack.toml").read_text().replace("size = 128", "size = 32"))
    cfg = tmp_path / "tiny.toml"
    cfg.write_text("widths = [8, 8, 8]\nbatch = 4\npool = 16\n[student]\nwidths = [4, 4, 4]\nbatch = 4\n")
    monkeypatch.syspath_prepend(str(dist))
    card = pkg / "MODEL_CARD.md"
    note = "Retrain after changing the petals (the author's note)."
    card.write_text(card.read_text().replace("<!-- /notes -->", f"{note}\n<!-- /notes -->"))
    try:
        assert train_main([str(dist), "--config", str(cfg), "--steps", "3", "--student-steps", "2", "--no-eval",
                           "--no-track", "--quiet", "--device", "cpu"]) == 0
        w = pkg / "weights"
        assert not is_placeholder(w / "decoder.safetensors")
        teacher = load_decoder_weights(w / "decoder.safetensors")
        assert teacher.anchor_names == list(MOTIFS) and teacher.config.size == 32
        assert all((w / f).is_file() for f in ("student.safetensors", "teacher.onnx", "student.onnx"))
        record = json.loads((pkg / "TRAINING.json").read_text())
        assert record["dataset"]["generator"] == "vjhost_tplrun.dataset.generate" and record["steps"] == 3
        card = (pkg / "MODEL_CARD.md").read_text()
        assert "UNTRAINED" not in card and "No artwork" in card
        assert card.index(note) < card.index("## What it is")  # the hand-written notes survive the rewrite
        # a quick evaluation writes the EVAL.json the manifest names; then the pack validates
        m = load_manifest(pkg / "pack.toml", training=True)
        assert not m.untrained
        files = pack_files(m)
        report = evaluate_files("tplrun", files["teacher"], files["student"], onnx=files["onnx"], manifest=m,
                                samples=8, seconds=0.05, inversion=False, bench=False, sharpness=False, style_packs=[])
        files["eval"].write_text(json.dumps(report))
        host = load_host(plugins=[("tplrun", importlib.import_module("vjhost_tplrun"))])
        rep = validate_pack(host, "tplrun", size=(64, 36))
        assert rep["ok"], [c for c in rep["checks"] if not c["ok"]]
    finally:
        _forget("tplrun")


def test_the_documented_commands_parse():
    """Every `vjhost ...` line of the docs' template and footage sections is a command the CLI accepts."""
    import re
    import shlex

    from vjhost.cli import build_parser

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "packs.md").read_text().split("## A new persona from the template")[1]
    text += (root / "docs" / "training.md").read_text().split("## Text-to-video footage")[1]
    lines = [ln.split("#")[0].strip() for ln in text.splitlines() if ln.startswith("vjhost ")]
    assert len(lines) >= 6
    for line in lines:
        argv = shlex.split(line)[1:]
        if argv[0] == "train":  # `vjhost train` parses its own flags (and would start training)
            assert re.match(r"persona_packs/\w+$", argv[1]) and (len(argv) == 2 or argv[2] == "--footage")
            continue
        build_parser().parse_args(argv)
