"""Plugin discovery: built-ins and third parties through the same entry-point group, failures isolated."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from vjhost.plugins import load_host


def install_fake_dist(tmp_path, monkeypatch, dist: str, module: str, code: str, ep_name: str | None = None):
    """A real (if minimal) installed distribution on sys.path: importlib.metadata finds its entry point."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(code))
    info = tmp_path / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[vjhost]\n{ep_name or module} = {module}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)
    import importlib

    importlib.invalidate_caches()


def test_builtins_register_through_the_entry_point_group():
    host = load_host()
    info = host.plugins["builtins"]
    assert info.distribution == "vjhost"
    assert set(host.analyzers.names()) >= {"spectrum", "onsets", "beats", "energy"}
    assert "audio-walk" in host.controllers and "torch" in host.decoders
    assert set(host.effects.names()) >= {"feedback", "blur", "hue"}
    assert "apc-mini-mk2" in host.mappings
    assert host.packs.owner("ikeda") == "ikeda"
    assert host.plugins["ikeda"].distribution == "vjhost-pack-ikeda"


def test_listing_does_not_import_torch_or_gl():
    import subprocess

    code = ("import sys; from vjhost.plugins import load_host; h = load_host(); "
            "from vjhost.packs import load_manifest; [load_manifest(s) for s in h.packs.specs()]; "
            "print(sorted(m for m in ('torch', 'OpenGL.GL', 'aubio', 'mido') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_third_party_effect_is_registered_and_attributed(tmp_path, monkeypatch):
    install_fake_dist(tmp_path, monkeypatch, "vj-invert", "vj_invert", """
        from vjhost import hookimpl
        from vjhost.protocols import EffectSpec, Param

        @hookimpl
        def vjhost_register_effects(register):
            register(EffectSpec("invert", shader="invert.glsl", params=(Param("amount", 1.0),)))
    """)
    host = load_host()
    assert "invert" in host.effects
    assert host.effects.owner("invert") == "vj_invert"
    info = host.plugins["vj_invert"]
    assert (info.distribution, info.version, info.registers) == ("vj-invert", "1.2.3", {"effects": ["invert"]})


def test_misspelled_hook_rejects_the_plugin_by_name(tmp_path, monkeypatch):
    install_fake_dist(tmp_path, monkeypatch, "vj-typo", "vj_typo", """
        from vjhost import hookimpl
        from vjhost.protocols import EffectSpec

        @hookimpl
        def vjhost_register_efects(register):
            register(EffectSpec("typo", shader="x.glsl"))
    """)
    host = load_host()
    assert "typo" not in host.effects
    errs = host.plugins["vj_typo"].errors
    assert errs and "vjhost_register_efects" in errs[0]
    assert any(e.startswith("vj_typo: ") for e in host.errors())
    assert "feedback" in host.effects  # everyone else still loads


def test_plugin_that_fails_to_import_or_register_is_named_and_skipped(tmp_path, monkeypatch):
    install_fake_dist(tmp_path, monkeypatch, "vj-broken", "vj_broken", "raise RuntimeError('boom at import')\n")
    sub = tmp_path / "b"
    sub.mkdir()
    install_fake_dist(sub, monkeypatch, "vj-badreg", "vj_badreg", """
        from vjhost import hookimpl

        @hookimpl
        def vjhost_register_effects(register):
            register("not a spec")
    """)
    host = load_host()
    assert "boom at import" in host.plugins["vj_broken"].errors[0]
    assert "expected EffectSpec" in host.plugins["vj_badreg"].errors[0]
    assert "ikeda" in host.packs


def test_third_party_overrides_a_builtin_with_a_note(tmp_path, monkeypatch):
    install_fake_dist(tmp_path, monkeypatch, "vj-blur", "vj_blur", """
        from vjhost import hookimpl
        from vjhost.protocols import EffectSpec

        @hookimpl
        def vjhost_register_effects(register):
            register(EffectSpec("blur", shader="myblur.glsl"))
    """)
    host = load_host()
    assert host.effects["blur"].shader == "myblur.glsl"
    assert any("overrides" in n for n in host.notes)


def test_block_a_plugin_by_name():
    host = load_host(block=["ikeda"])
    assert "ikeda" not in host.packs
    with pytest.raises(LookupError, match="no pack named 'ikeda'"):
        host.pack("ikeda")


HOOK_CASES = [
    ("vjhost_register_analyzers", "analyzers", "AnalyzerSpec('mine', lambda sr, hop: None)"),
    ("vjhost_register_controllers", "controllers", "ControllerSpec('mine', lambda d, a, s: None)"),
    ("vjhost_register_decoders", "decoders", "DecoderSpec('mine', lambda path, device: None)"),
    ("vjhost_register_effects", "effects", "EffectSpec('mine', shader='mine.glsl')"),
    ("vjhost_register_mappings", "mappings", "MappingSpec('mine', lambda port: False, lambda layout, state: None)"),
    ("vjhost_register_packs", "packs", "PackSpec('mine', Path('/nowhere'))"),
    ("vjhost_register_shader_dirs", "shader_dirs", "Path('/my/shaders')"),
    ("vjhost_register_outputs", "outputs", "OutputSpec('mine', lambda setting, size, fps: None)"),
]


@pytest.mark.parametrize("hook,kind,spec", HOOK_CASES, ids=[c[0] for c in HOOK_CASES])
def test_each_hook_registers_into_its_registry(tmp_path, monkeypatch, hook, kind, spec):
    install_fake_dist(tmp_path, monkeypatch, "vj-mine", "vj_mine", f"""
        from pathlib import Path
        from vjhost import hookimpl
        from vjhost.protocols import *

        @hookimpl
        def {hook}(register):
            register({spec})
    """)
    host = load_host()
    assert not host.plugins["vj_mine"].errors
    if kind == "shader_dirs":
        assert host.shader_dirs[-1] == Path("/my/shaders")
    else:
        registry = getattr(host, kind)
        assert "mine" in registry and registry.owner("mine") == "vj_mine"
    assert host.plugins["vj_mine"].registers == {kind: ["/my/shaders" if kind == "shader_dirs" else "mine"]}
