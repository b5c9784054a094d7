"""The docs are tested: the hook reference is generated and current, every hook has a test,
and the plugin written in docs/writing-plugins.md works as shown."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from vjhost import hookspecs
from vjhost.faults import FaultLog

ROOT = Path(__file__).resolve().parents[1]
HOOKS = [n for n in dir(hookspecs) if n.startswith("vjhost_")]


def test_hook_reference_is_generated_from_the_docstrings():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_hook_docs.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = (ROOT / "docs" / "hooks.md").read_text()
    for name in HOOKS:
        assert f"## `{name}(register: " in text
        assert getattr(hookspecs, name).__doc__.strip(), name


def test_every_hook_has_a_test_that_uses_it():
    tests = {p.name: p.read_text() for p in (ROOT / "tests").glob("test_*.py") if p.name != Path(__file__).name}
    for name in HOOKS:
        users = [f for f, text in tests.items() if name in text]
        assert users or name in (ROOT / "docs" / "writing-plugins.md").read_text(), f"{name} has no test"


def doc_files(doc: Path) -> dict[str, str]:
    blocks = re.findall(r"```\w+ file=(\S+)\n(.*?)```", doc.read_text(), re.S)
    return {name: body for name, body in blocks}


def test_writing_plugins_example_runs(gl, tmp_path, monkeypatch, make_features):
    files = doc_files(ROOT / "docs" / "writing-plugins.md")
    assert set(files) == {"vjhost_invert/shaders/invert.glsl", "vjhost_invert/__init__.py", "pyproject.toml"}
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module("vjhost_invert")

    from vjhost.plugins import load_host
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    host = load_host(entry_points=True, plugins=[mod])
    assert "invert" in host.effects and host.effects.owner("invert") == "vjhost_invert"
    assert any(d.name == "shaders" and d.parent.name == "vjhost_invert" for d in host.shader_dirs)

    (tmp_path / "src.glsl").write_text("void main() { o_color = vec4(vj_image(v_uv).rgb, 1.0); }\n")
    faults = FaultLog(stream=None)
    r = Renderer((32, 32), ShaderFinder([tmp_path, *host.shader_dirs]), faults)
    r.set_source("src.glsl")
    spec = host.effects["invert"]
    r.add_effect(spec.name, spec.shader, spec.params)
    assert not faults.faults
    r.upload_image(np.zeros((8, 8, 1), np.uint8))
    r.render(make_features(), {"fx.invert.amount": 0.0})
    assert r.read_rgba()[..., 0].max() == 0
    r.render(make_features(), {"fx.invert.amount": 1.0})
    assert r.read_rgba()[..., 0].min() == 255
    r.render(make_features(), {"fx.invert.amount": 0.5})
    assert 120 < r.read_rgba()[..., 0].mean() < 135
    r.render(make_features(kick_env=1.0), {"fx.invert.amount": 0.5})  # kicks push it
    assert r.read_rgba()[..., 0].min() == 255


def test_packs_doc_shows_the_real_registration_and_manifest_keys():
    doc = (ROOT / "docs" / "packs.md").read_text()
    code = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    real = (ROOT / "persona_packs" / "ikeda" / "vjhost_ikeda" / "__init__.py").read_text()
    for line in filter(None, (ln.strip() for ln in code.splitlines())):
        assert line in real, line
    from vjhost.tomlcompat import tomllib

    manifest = tomllib.loads((ROOT / "persona_packs" / "ikeda" / "vjhost_ikeda" / "pack.toml").read_text())
    for key in manifest:
        assert f"`{key}`" in doc or f"`[{key}]`" in doc or f"`[[{key}]]`" in doc, key


PERSONAS = ("ikeda", "kusama", "teamlab", "ochiai", "murakami", "banksy", "anadol", "beeple", "manabe", "mikami")


def test_the_persona_entries_match_their_packs():
    """docs/packs.md "The ten personas": a heading per persona; an entry that lists scenes and shaders lists
    its pack's scenes in order and every shader file the pack ships (and only those)."""
    from vjhost.tomlcompat import tomllib

    doc = (ROOT / "docs" / "packs.md").read_text().split("## The ten personas", 1)[1]
    entries = dict(re.findall(r"^### (\w+) — [^\n]*\n(.*?)(?=^### |\Z)", doc, re.S | re.M))
    assert set(entries) == set(PERSONAS), sorted(entries)
    for name, text in entries.items():
        scenes = re.search(r"\*\*Scenes\*\*: (.*?)\.\n", text, re.S)
        if scenes is None:  # an entry still to be written by the pack's author
            assert "In progress" in text, name
            continue
        pkg = ROOT / "persona_packs" / name / f"vjhost_{name}"
        manifest = tomllib.loads((pkg / "pack.toml").read_text())
        assert re.findall(r"`(\w+)`", scenes.group(1)) == list(manifest["scenes"]), name
        shaders = re.search(r"\*\*Shaders\*\*: (.*?)(?=\n- \*\*|\Z)", text, re.S).group(1)
        named = set(re.findall(r"`(\w+\.glsl)`", shaders))
        assert named == {f.name for f in (pkg / "shaders").glob("*.glsl")}, name
        assert manifest["shaders"]["source"] in named and {e["shader"] for e in manifest.get("effects", [])} <= named
