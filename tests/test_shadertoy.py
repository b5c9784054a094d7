"""Shadertoy import: single pass, buffers with feedback, a filter with common code and the music channel,
chain integration, errors with file:line, and the check command.  Headless on Mesa."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog

ST = Path(__file__).resolve().parent / "shadertoy"
SHADERS = Path(__file__).resolve().parents[1] / "shaders"
SIZE = (64, 36)
DATE = (2026.0, 3.0, 4.0, 5.0)


@pytest.fixture
def target(gl):
    from vjhost.render.chain import _Target

    return _Target(*SIZE)


def read(target) -> np.ndarray:
    from OpenGL import GL

    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, target.fbo)
    GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
    buf = np.empty((SIZE[1], SIZE[0], 4), np.uint8)
    GL.glReadPixels(0, 0, SIZE[0], SIZE[1], GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, buf)
    return buf[::-1]


def make(path):
    from vjhost.render.shadertoy import ShadertoyEffect

    e = ShadertoyEffect(path)
    e.build()
    return e


def test_describe_defaults_and_json():
    from vjhost.render.shadertoy import describe

    d = describe(ST / "feedback")
    assert list(d["passes"]) == ["bufferA", "image"]
    assert d["passes"]["bufferA"][1] == ["bufferA", None, None, None]
    single = describe(ST / "gradient.glsl")
    assert single["passes"]["image"][1][0] == "input"
    j = describe(ST / "filter" / "invert.json")
    assert j["common"] == ST / "filter" / "common.glsl" and j["passes"]["image"][1][:2] == ["input", "audio"]


def test_single_pass_coordinates_frame_and_opaque_alpha(target):
    e = make(ST / "gradient.glsl")
    e.draw(target, SIZE, time=0.0, date=DATE)
    px = read(target)
    assert px[-1, 0, 0] < 8 and px[-1, -1, 0] > 248  # fragCoord.x / iResolution.x, bottom row
    assert px[0, 5, 1] > 248 and px[-1, 5, 1] < 8  # y grows upwards
    assert px[5, 5, 2] == 0 and px[5, 5, 3] == 255  # iFrame 0; the image's alpha is forced to 1
    e.draw(target, SIZE, time=1 / 60, date=DATE)
    assert read(target)[5, 5, 2] == 255


def test_buffer_reads_its_own_last_frame(target):
    e = make(ST / "feedback")
    assert e.kind == "generator"
    values = []
    for i in range(3):
        e.draw(target, SIZE, time=i / 60, date=DATE)
        values.append(int(read(target)[5, 5, 0]))
    assert [abs(v - w) <= 1 for v, w in zip(values, (26, 51, 77))] == [True] * 3, values
    assert abs(int(read(target)[5, 5, 1]) - 16) <= 1  # iChannelResolution[0].x = 64 -> 0.064
    assert e.buffers["bufferA"].float


def test_filter_with_common_code_and_music_channel(target, make_features):
    from OpenGL import GL

    from vjhost.render.isf import AudioTextures, _new_texture

    e = make(ST / "filter" / "invert.json")
    assert e.kind == "filter" and [p.name for p in e.params] == ["mouse.x", "mouse.y", "mouse.down"]
    img = np.full((4, 4, 4), 255, np.uint8)
    img[..., 0] = 0  # cyan
    tex = _new_texture(GL, 4, 4, False, img)
    audio = AudioTextures()
    audio.update(features=make_features(bands=np.zeros(8, np.float32)))
    e.draw(target, SIZE, inputs={"inputImage": tex}, audio=audio, time=0.0, date=DATE)
    px = read(target)[5, 5]
    assert px[0] == 255 and px[1] == 0 and px[2] == 0
    audio.update(features=make_features(bands=np.ones(8, np.float32)))
    e.draw(target, SIZE, inputs={"inputImage": tex}, audio=audio, time=0.1, date=DATE)
    assert read(target)[5, 5, 2] > 200  # the low end of the spectrum row lit up


def test_shadertoy_filter_in_the_chain(gl, make_features, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "src.glsl").write_text("void main() { o_color = vec4(0.0, 1.0, 1.0, 1.0); }\n")
    faults = FaultLog(stream=None)
    r = Renderer(SIZE, ShaderFinder([tmp_path, ST, SHADERS]), faults)
    r.set_source("src.glsl")
    p = r.add_effect("st", "filter/invert.json")
    assert not p.broken and not faults.faults and [q.name for q in p.params][0] == "mouse.x"
    r.render(make_features(), {})
    assert tuple(r.read_rgba()[4, 4, :3]) == (255, 0, 0)
    r2 = Renderer(SIZE, ShaderFinder([tmp_path, ST, SHADERS]), faults)
    r2.set_source(f"shadertoy:{ST / 'gradient.glsl'}")  # a generator as the pack source
    r2.render(make_features(), {})
    assert r2.read_rgba()[0, -1, 0] > 248 and not faults.faults


def test_broken_pass_names_file_and_line_and_hot_reload(gl, make_features, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    shutil.copytree(ST / "feedback", tmp_path / "fb")
    bad = tmp_path / "fb" / "image.glsl"
    good_text = bad.read_text()
    bad.write_text((ST / "broken.glsl").read_text())
    (tmp_path / "src.glsl").write_text("void main() { o_color = vec4(1.0); }\n")
    faults = FaultLog(stream=None)
    r = Renderer(SIZE, ShaderFinder([tmp_path, SHADERS]), faults)
    r.set_source("src.glsl")
    p = r.add_effect("fb", f"shadertoy:{tmp_path / 'fb'}")
    assert p.broken
    msg = faults.faults["shader fb"].message
    assert f"{bad}:2:" in msg and "nothing_here" in msg
    r.render(make_features(), {})
    assert r.read_rgba()[..., 0].min() == 255  # the picture goes on
    bad.write_text(good_text)
    st = bad.stat()
    os.utime(bad, (st.st_atime, st.st_mtime + 1))
    assert r.reload_changed() == ["fb"] and not p.broken
    r.render(make_features(), {})
    assert abs(int(r.read_rgba()[3, 3, 0]) - 26) <= 1


def test_shader_check_reports_shadertoy(gl, capsys):
    from vjhost.render.shader_check import main

    code = main([str(ST / "gradient.glsl"), str(ST / "feedback"), str(ST / "filter" / "invert.json"),
                 str(ST / "broken.glsl"), "--json", "--frames", "2", "--size", "32x18"])
    out = json.loads(capsys.readouterr().out)
    ok = {Path(r["path"]).name: r["ok"] for r in out["results"]}
    assert ok == {"gradient.glsl": True, "feedback": True, "invert.json": True, "broken.glsl": False} and code == 1
    bad = next(r for r in out["results"] if not r["ok"])
    assert f"{ST / 'broken.glsl'}:2:" in bad["reason"]


def test_image_file_channel_and_unknown_channel(target, tmp_path):
    from vjhost.render.shaders import ShaderError

    shutil.copy(Path(__file__).resolve().parent / "isf" / "quad.png", tmp_path / "quad.png")
    (tmp_path / "img.glsl").write_text(
        "void mainImage(out vec4 c, in vec2 p) {\n"
        "    c = texture(iChannel0, p / iResolution.xy);\n"
        "    if (iChannelResolution[0].x != 2.0) c = vec4(0.5);\n"
        "}\n")
    (tmp_path / "img.json").write_text(json.dumps({"image": {"source": "img.glsl", "channels": ["quad.png"]}}))
    e = make(tmp_path / "img.json")
    e.draw(target, SIZE, time=0.0, date=DATE)
    px = read(target)
    assert tuple(px[2, 2, :3]) == (255, 0, 0) and tuple(px[-3, -3, :3]) == (255, 255, 255)
    (tmp_path / "bad.json").write_text(json.dumps({"image": {"source": "img.glsl", "channels": ["cubemap0"]}}))
    with pytest.raises(ShaderError, match="unknown source 'cubemap0'"):
        make(tmp_path / "bad.json")
