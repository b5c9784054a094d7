"""ISF host: header parsing, params, size expressions, every pass feature, audio inputs, transitions,
chain integration, errors with file:line, hot reload, and the ``shader check`` command.  Headless on Mesa."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog

ISF = Path(__file__).resolve().parent / "isf"
SHADERS = Path(__file__).resolve().parents[1] / "shaders"
SIZE = (64, 36)
DATE = (2026.0, 1.0, 2.0, 3.0)


# --------------------------------------------------------------------------- pure Python


def test_lenient_header_lowercase_keys_trailing_commas_and_params():
    from vjhost.render.isf import isf_params, parse_isf

    doc = parse_isf(ISF / "lenient_header.fs")
    assert doc.version == 2 and doc.kind == "generator"
    assert [(i.name, i.type) for i in doc.inputs] == [("center", "point2D"), ("flag", "bool"),
                                                      ("mode", "long"), ("flash", "event")]
    params = {p.name: p for p in isf_params(doc)}
    assert set(params) == {"center.x", "center.y", "flag", "mode", "flash"}
    assert params["center.x"].default == 0.25 and params["center.y"].default == 0.75
    assert params["flag"].default == 1.0 and params["mode"].default == 2.0 and params["mode"].max == 2.0
    assert "2=c" in params["mode"].description


def test_kinds_and_colour_params():
    from vjhost.render.isf import isf_params, parse_isf

    assert parse_isf(ISF / "invert_filter.fs").kind == "filter"
    assert parse_isf(ISF / "crossfade_transition.fs").kind == "transition"
    gen = parse_isf(ISF / "solid_generator.fs")
    assert gen.kind == "generator"
    p = {q.name: q.default for q in isf_params(gen)}
    assert (p["tint.r"], p["tint.g"], p["tint.b"], p["tint.a"]) == (1.0, 0.5, 0.0, 1.0)


def test_v1_fields_and_vertex_file():
    from vjhost.render.isf import parse_isf

    doc = parse_isf(ISF / "v1_trails.fs")
    assert doc.version == 1 and doc.vertex == ISF / "v1_trails.vs"
    assert doc.passes[0].target == "lastFrame" and doc.passes[0].persistent and not doc.passes[1].target


def test_bad_json_header_names_file_and_line():
    from vjhost.render.isf import ISFError, parse_isf

    with pytest.raises(ISFError) as err:
        parse_isf(ISF / "bad_header.fs")
    assert str(err.value).startswith(f"{ISF / 'bad_header.fs'}:4:")


def test_size_expressions_are_evaluated_safely():
    from vjhost.render.isf import eval_expr

    v = {"WIDTH": 640, "HEIGHT": 360, "scale": 0.25}
    assert eval_expr("floor($WIDTH/4.0)", v) == 160
    assert eval_expr("max(1.0, ceil($HEIGHT * $scale) + 2)", v) == 92
    assert eval_expr("min($WIDTH, $HEIGHT) / 2", v) == 180
    assert eval_expr(128, v) == 128
    for bad in ("__import__('os')", "$WIDTH.real", "[1][0]", "(lambda: 1)()", "$nope", "9 ** 99", "1/0"):
        with pytest.raises(ValueError):
            eval_expr(bad, v)


def test_fft_row_from_bands():
    from vjhost.protocols import Features
    from vjhost.render.isf import AudioTextures

    a = AudioTextures(bins=256)
    f = Features()
    f.bands = np.array([1, 0, 0, 0, 0, 0, 0, 0], np.float32)
    a.update(features=f)
    assert a.fft[0] == 1.0 and a.fft[-1] == 0.0 and a.fft.shape == (256,)
    a.update(spectrum=np.linspace(0, 1, 1024))
    assert a.fft.shape == (256,) and abs(a.fft[-1] - 1.0) < 1e-6


def test_effect_specs_read_headers_only(tmp_path):
    from vjhost_builtins.isf_effects import isf_effect_specs

    for name in ("invert_filter.fs", "solid_generator.fs", "bad_header.fs"):
        shutil.copy(ISF / name, tmp_path / name)
    specs = isf_effect_specs(tmp_path)
    assert [s.name for s in specs] == ["invert_filter"]  # filters only; a bad header is skipped
    s = specs[0]
    assert s.shader == str(tmp_path / "invert_filter.fs") and [p.name for p in s.params] == ["amount"]
    gens = isf_effect_specs(tmp_path, kinds=("generator",), prefix="isf-")
    assert [s.name for s in gens] == ["isf-solid_generator"]
    errors: list[str] = []
    isf_effect_specs(tmp_path, errors=errors)
    assert len(errors) == 1 and f"{tmp_path / 'bad_header.fs'}:4:" in errors[0]


def test_user_isf_dir(monkeypatch, tmp_path):
    from vjhost_builtins.isf_effects import user_isf_dir

    monkeypatch.setenv("VJHOST_ISF_DIR", str(tmp_path))
    assert user_isf_dir() == tmp_path
    monkeypatch.delenv("VJHOST_ISF_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_isf_dir() == tmp_path / "vjhost" / "isf"


# --------------------------------------------------------------------------- GL


@pytest.fixture
def target(gl):
    from vjhost.render.chain import _Target

    return _Target(*SIZE)


def read(target, size=SIZE) -> np.ndarray:
    """(H, W, 4) uint8, top row first."""
    from OpenGL import GL

    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, target.fbo)
    GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
    buf = np.empty((size[1], size[0], 4), np.uint8)
    GL.glReadPixels(0, 0, size[0], size[1], GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, buf)
    return buf[::-1]


def effect(name):
    from vjhost.render.isf import ISFEffect

    e = ISFEffect(ISF / name)
    e.build()
    return e


def solid_texture(rgb, size=(8, 8)) -> int:
    from OpenGL import GL

    from vjhost.render.isf import _new_texture

    img = np.zeros((size[1], size[0], 4), np.uint8)
    img[..., :3] = rgb
    img[..., 3] = 255
    return _new_texture(GL, size[0], size[1], False, img)


def test_generator_colour_input_and_time(target):
    e = effect("solid_generator.fs")
    e.draw(target, SIZE, date=DATE)
    assert np.abs(read(target)[5, 5, :3].astype(int) - (255, 128, 0)).max() <= 1
    e.draw(target, SIZE, values={"tint.r": 0.0, "tint.g": 0.0, "tint.b": 1.0, "use_time": 1.0}, time=0.5, date=DATE)
    assert abs(int(read(target)[5, 5, 2]) - 128) <= 1


def test_lenient_file_renders_point_bool_long_and_event(target):
    e = effect("lenient_header.fs")
    e.draw(target, SIZE, time=0.0, date=DATE)
    px = read(target)[3, 3]
    assert abs(int(px[0]) - 64) <= 1 and px[1] == 255 and px[2] == 255
    e.draw(target, SIZE, values={"flag": 0.0, "mode": 1.0, "center.x": 1.0, "flash": 1.0}, time=0.1, date=DATE)
    px = read(target)[3, 3]
    assert px[0] == 255 and px[1] == 0 and abs(int(px[2]) - 128) <= 1 and px[3] == 255
    e.draw(target, SIZE, values={"flash": 1.0}, time=0.2, date=DATE)  # an event lasts one frame
    assert read(target)[3, 3, 3] == 0
    e.draw(target, SIZE, values={"flash": 0.0}, time=0.3, date=DATE)
    e.draw(target, SIZE, values={"flash": 1.0}, time=0.4, date=DATE)  # pressed again
    assert read(target)[3, 3, 3] == 255


def test_automatic_uniforms(target):
    e = effect("auto_uniforms.fs")
    for i in range(3):
        e.draw(target, SIZE, time=i * 0.05, date=DATE)
    px = read(target)
    assert px[5, 5, 0] == 2 and abs(int(px[5, 5, 1]) - 128) <= 1 and px[5, 5, 2] == 2  # FRAMEINDEX, TIMEDELTA, DATE day
    assert abs(int(px[5, 5, 3]) - 128) <= 1 and px[5, -5, 3] == 255  # isf_FragNormCoord.x and RENDERSIZE.x


def test_custom_vertex_shader_varying(target):
    e = effect("mirror_vs.fs")
    img = np.zeros((8, 8, 4), np.uint8)
    img[:, :4, 0] = 255  # left half red
    img[..., 3] = 255
    from OpenGL import GL

    from vjhost.render.isf import _new_texture

    tex = _new_texture(GL, 8, 8, False, img)
    e.draw(target, SIZE, inputs={"inputImage": tex}, time=0.0, date=DATE)
    px = read(target)
    assert px[5, 2, 0] == 0 and px[5, -3, 0] == 255  # mirrored: red is now on the right


def test_pass_at_a_computed_size_really_is_that_size(target):
    e = effect("half_size_pass.fs")
    e.draw(target, SIZE, time=0.0, date=DATE)
    px = read(target)[10, 10]
    assert tuple(px[:3]) == (32, 18, 32)  # IMG_SIZE of the buffer, and its own RENDERSIZE.x
    assert e.buffers["small"].size == (32, 18)
    e.draw(target, SIZE, values={"scale": 0.25}, time=0.1, date=DATE)  # $scale in the expression
    assert tuple(read(target)[10, 10, :2]) == (16, 18) and e.buffers["small"].size == (16, 18)


def test_persistent_float_buffer_accumulates_across_frames(target):
    e = effect("persistent_float.fs")
    for i in range(5):
        e.draw(target, SIZE, time=i / 60, date=DATE)
    assert abs(int(read(target)[4, 4, 0]) - 128) <= 2  # 5 * 0.001 * 100 = 0.5: an 8-bit buffer would stay at 0
    for i in range(5):
        e.draw(target, SIZE, time=i / 60, date=DATE)
    assert read(target)[4, 4, 0] >= 253


def test_imported_png_keeps_its_orientation(target):
    e = effect("imported_image.fs")
    e.draw(target, SIZE, time=0.0, date=DATE)
    px = read(target)
    assert tuple(px[2, 2, :3]) == (255, 0, 0) and tuple(px[2, -3, :3]) == (0, 255, 0)
    assert tuple(px[-3, 2, :3]) == (0, 0, 255) and tuple(px[-3, -3, :3]) == (255, 255, 255)


def test_audio_fft_texture_follows_the_bands(target, make_features):
    from vjhost.render.isf import AudioTextures

    e = effect("audio_inputs.fs")
    audio = AudioTextures()
    audio.update(features=make_features(bands=np.zeros(8, np.float32)), waveform=np.zeros(1024))
    e.draw(target, SIZE, audio=audio, time=0.0, date=DATE)
    quiet = read(target).copy()
    assert quiet[..., 0].max() == 0 and abs(int(quiet[5, 5, 1]) - 128) <= 1  # silence = 0.5
    audio.update(features=make_features(bands=np.full(8, 0.8, np.float32)), waveform=np.linspace(-1, 1, 512))
    e.draw(target, SIZE, audio=audio, time=0.1, date=DATE)
    loud = read(target)
    assert loud[:, :8, 0].min() > 150  # the low bins light up
    assert loud[5, 2, 1] < 30 and loud[5, -3, 1] > 225  # the waveform ramp


def test_transition_at_0_half_and_1(target):
    e = effect("crossfade_transition.fs")
    red, blue = solid_texture((255, 0, 0)), solid_texture((0, 0, 255))
    for progress, want in ((0.0, (255, 0, 0)), (0.5, (128, 0, 128)), (1.0, (0, 0, 255))):
        e.draw_transition(red, blue, progress, target, SIZE, time=0.0, date=DATE)
        got = read(target)[7, 7, :3]
        assert all(abs(int(g) - w) <= 1 for g, w in zip(got, want)), (progress, got)


def test_v1_file_with_vertex_shader_and_persistent_buffer(target):
    e = effect("v1_trails.fs")
    e.draw(target, SIZE, time=0.0, date=DATE)
    one = int(read(target)[5, 5, 0])
    e.draw(target, SIZE, time=0.1, date=DATE)
    two = int(read(target)[5, 5, 0])
    assert abs(one - 64) <= 1 and abs(two - 128) <= 1


def test_broken_file_error_names_file_and_line(gl):
    from vjhost.render.isf import ISFEffect
    from vjhost.render.shaders import ShaderError

    e = ISFEffect(ISF / "broken.fs")
    with pytest.raises(ShaderError) as err:
        e.build()
    assert f"{ISF / 'broken.fs'}:9:" in str(err.value) and "undeclared_thing" in str(err.value)


# --------------------------------------------------------------------------- the effect chain


def half_image(w=16, h=16):
    img = np.zeros((h, w, 1), np.uint8)
    img[:, w // 2 :] = 255
    return img


@pytest.fixture
def renderer(gl, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "src.glsl").write_text("void main() { o_color = vec4(vj_image(v_uv).rgb, 1.0); }\n")
    faults = FaultLog(stream=None)
    r = Renderer(SIZE, ShaderFinder([tmp_path, ISF, SHADERS]), faults)
    r.set_source("src.glsl")
    r.upload_image(half_image())
    return r, faults


def test_isf_filter_in_the_chain_bypasses_at_amount_zero(renderer, make_features):
    r, faults = renderer
    p = r.add_effect("inv", "invert_filter.fs")
    assert not p.broken and [q.name for q in p.params] == ["amount"] and not faults.faults
    r.render(make_features(), {"fx.inv.amount": 0.0})
    off = r.read_rgba()[::-1].copy()
    assert off[:, :20, 0].max() < 10 and off[:, -20:, 0].min() > 245
    r.render(make_features(), {"fx.inv.amount": 1.0})
    on = r.read_rgba()[::-1]
    assert on[:, :20, 0].min() > 245 and on[:, -20:, 0].max() < 10
    r.render(make_features(), {"fx.inv.amount": 1.0}, {"fx.inv": False})
    assert np.array_equal(r.read_rgba()[::-1], off)


def test_isf_generator_as_source_and_filter_without_amount_always_on(renderer, make_features, tmp_path):
    r, faults = renderer
    r.set_source("solid_generator.fs")
    text = (ISF / "invert_filter.fs").read_text()
    text = text.replace('"NAME": "amount"', '"NAME": "strength"').replace("amount)", "strength)")
    (tmp_path / "inv2.fs").write_text(text)
    r.add_effect("inv2", "inv2.fs")
    r.render(make_features(), {"fx.inv2.strength": 1.0})
    got = r.read_rgba()[3, 3, :3].astype(int)
    assert np.abs(got - (0, 127, 255)).max() <= 1 and not faults.faults


def test_broken_isf_effect_is_bypassed_and_reloads_when_fixed(renderer, make_features, tmp_path):
    r, faults = renderer
    f = tmp_path / "fx.fs"
    shutil.copy(ISF / "broken.fs", f)
    p = r.add_effect("fx", "fx.fs")
    assert p.broken
    msg = faults.faults["shader fx"].message
    assert f"{f}:9:" in msg and "undeclared_thing" in msg
    r.render(make_features(), {})
    assert r.read_rgba()[..., 0].max() > 200  # the picture goes on
    f.write_text((ISF / "invert_filter.fs").read_text())
    st = f.stat()
    os.utime(f, (st.st_atime, st.st_mtime + 1))
    assert r.reload_changed() == ["fx"]
    assert not p.broken and [q.name for q in p.params] == ["amount"]  # params follow the edited header
    r.render(make_features(), {})
    px = r.read_rgba()[::-1]
    assert px[:, :20, 0].min() > 245  # the fixed filter inverts (amount defaults to 1 in the shader)
    f.write_text((ISF / "broken.fs").read_text())
    os.utime(f, (st.st_atime, st.st_mtime + 2))
    assert r.reload_changed() == ["fx"]
    assert "keeping the previous version" in faults.faults["shader fx"].message and not p.broken
    assert r.reload_changed() == []


def test_isf_with_a_bad_header_is_bypassed_with_file_and_line(renderer, make_features, tmp_path):
    r, faults = renderer
    f = tmp_path / "hdr.fs"
    shutil.copy(ISF / "bad_header.fs", f)
    p = r.add_effect("hdr", "hdr.fs")
    assert p.broken and f"{f}:4:" in faults.faults["shader hdr"].message
    r.render(make_features(), {})
    assert r.read_rgba()[..., 0].max() > 200
    f.write_text((ISF / "invert_filter.fs").read_text())
    st = f.stat()
    os.utime(f, (st.st_atime, st.st_mtime + 1))
    assert r.reload_changed() == ["hdr"] and not p.broken
    r.render(make_features(), {"fx.hdr.amount": 1.0})
    assert r.read_rgba()[::-1][:, :20, 0].min() > 245


# --------------------------------------------------------------------------- vjhost shader check


def test_shader_check_command(gl, capsys):
    from vjhost.render.shader_check import main

    code = main([str(ISF), "--json", "--frames", "2", "--size", "32x18"])
    out = json.loads(capsys.readouterr().out)
    by = {Path(r["path"]).name: r for r in out["results"]}
    assert code == 1 and not out["ok"]
    assert not by["broken.fs"]["ok"] and f"{ISF / 'broken.fs'}:9:" in by["broken.fs"]["reason"]
    assert not by["bad_header.fs"]["ok"] and ":4:" in by["bad_header.fs"]["reason"]
    good = [n for n in by if n not in ("broken.fs", "bad_header.fs")]
    assert len(good) >= 11 and all(by[n]["ok"] for n in good), {n: by[n]["reason"] for n in good}
    assert by["crossfade_transition.fs"]["kind"] == "transition"
    code = main([str(ISF / "solid_generator.fs")])
    assert code == 0 and "ok" in capsys.readouterr().out


def test_close_frees_the_isf_passes_buffers_images_and_audio_textures(renderer, make_features):
    """A pack switch closes the old show's renderer: an ISF effect's persistent buffers and the audio textures
    go with it (else every switch to a pack with ISF effects leaves GL textures behind)."""
    from OpenGL import GL

    from vjhost.render.isf import AudioTextures

    r, faults = renderer
    r.audio = AudioTextures()
    p = r.add_effect("trails", "persistent_float.fs")
    assert not p.broken, faults.faults
    r.render(make_features(), {"fx.trails.amount": 1.0})
    r.audio.update(features=make_features(), waveform=np.zeros(512, np.float32))
    held = [b.tex for b in p.isf.buffers.values()] + [r.audio.texture("fft")]
    held = [t for ts in held for t in (ts if isinstance(ts, (list, tuple)) else [ts]) if t]
    assert held and all(GL.glIsTexture(t) for t in held)
    prog = p.program
    r.close()
    assert not any(GL.glIsTexture(t) for t in held) and not GL.glIsProgram(prog)
