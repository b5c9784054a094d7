"""The GL effect chain, headless on Mesa: pixels, bypass of broken shaders, hot reload, error mapping."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.protocols import Param

SHADERS = Path(__file__).resolve().parents[1] / "shaders"
SHOW_IMAGE = "void main() { o_color = vec4(vj_image(v_uv).rgb, 1.0); }\n"


@pytest.fixture
def renderer_factory(gl, tmp_path):
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    def make(source: str = SHOW_IMAGE, size=(64, 36)):
        (tmp_path / "src.glsl").write_text(source)
        faults = FaultLog(stream=None)
        r = Renderer(size, ShaderFinder([tmp_path, SHADERS]), faults)
        r.set_source("src.glsl")
        return r, faults

    return make


def half_image(w=16, h=16):
    img = np.zeros((h, w, 1), np.uint8)
    img[:, w // 2 :] = 255  # right half white
    return img


def test_source_pass_shows_the_decoded_frame(renderer_factory, make_features):
    r, faults = renderer_factory()
    r.upload_image(half_image())
    r.render(make_features(), {})
    px = r.read_rgba()[::-1]  # top row first
    assert px[:, :20, :3].max() < 10 and px[:, -20:, :3].min() > 245
    assert not faults.faults


@pytest.mark.parametrize("uploads", [1, 2])  # the first upload (new texture) and later ones (sub-image path)
def test_rgb_image_keeps_its_orientation(renderer_factory, make_features, uploads):
    r, _ = renderer_factory()
    img = np.zeros((8, 8, 3), np.uint8)
    img[0, :, 0] = 255  # top row red in the decoded image
    for _ in range(uploads):
        r.upload_image(img)
    r.render(make_features(), {})
    px = r.read_rgba()[::-1]
    assert px[0, 32, 0] > 200 and px[-1, 32, 0] < 30


def test_effect_at_zero_costs_no_pass_and_a_fader_turns_it_on(renderer_factory, make_features, tmp_path):
    (tmp_path / "invert.glsl").write_text(
        "uniform float u_amount;\nvoid main() { vec3 c = texture(u_input, v_uv).rgb; o_color = vec4(mix(c, 1.0 - c, "
        "u_amount), 1.0); }\n")
    r, faults = renderer_factory()
    r.add_effect("invert", "invert.glsl", (Param("amount", 0.0),))
    r.upload_image(half_image())
    r.render(make_features(), {"fx.invert.amount": 0.0})
    off = r.read_rgba().copy()
    r.render(make_features(), {"fx.invert.amount": 1.0})
    on = r.read_rgba()
    assert abs(int(on[0, 0, 0]) - (255 - int(off[0, 0, 0]))) <= 1
    r.render(make_features(), {"fx.invert.amount": 1.0}, {"fx.invert": False})  # toggled off
    assert np.array_equal(r.read_rgba(), off)


def test_feedback_leaves_a_trail(renderer_factory, make_features):
    r, _ = renderer_factory()
    from vjhost_builtins.effects import EFFECTS

    fb = next(e for e in EFFECTS if e.name == "feedback")
    r.add_effect(fb.name, fb.shader, fb.params)
    img = half_image()
    r.upload_image(img)
    params = {"fx.feedback.amount": 1.0, "fx.feedback.zoom": 0.0}
    r.render(make_features(), params)
    r.upload_image(np.zeros_like(img))  # the picture goes black ...
    r.upload_image(np.zeros_like(img))
    r.render(make_features(), params)
    assert r.read_rgba()[..., :3].max() > 150  # ... but the trail is still there
    r.render(make_features(), {"fx.feedback.amount": 0.0})
    assert r.read_rgba()[..., :3].max() < 5


def test_broken_effect_is_bypassed_with_file_and_line(renderer_factory, make_features, tmp_path):
    (tmp_path / "bad.glsl").write_text("uniform float u_amount;\nvoid main() {\n  o_color = vec4(nope, 1.0);\n}\n")
    r, faults = renderer_factory()
    p = r.add_effect("bad", "bad.glsl", (Param("amount", 1.0),))
    assert p.broken
    msg = faults.faults["shader bad"].message
    assert f"{tmp_path / 'bad.glsl'}:3:" in msg and "nope" in msg
    r.upload_image(half_image())
    r.render(make_features(), {"fx.bad.amount": 1.0})
    assert r.read_rgba()[..., :3].max() > 200  # the picture is still there


def test_hot_reload_swaps_good_edits_and_keeps_the_old_program_on_bad_ones(renderer_factory, make_features, tmp_path):
    r, faults = renderer_factory()
    r.upload_image(half_image())
    src = tmp_path / "src.glsl"

    def touch_write(text):
        src.write_text(text)
        st = src.stat()
        os.utime(src, (st.st_atime, st.st_mtime + 1))

    touch_write("void main() { o_color = vec4(1.0, 0.0, 0.0, 1.0); }\n")
    assert r.reload_changed() == ["source"]
    r.render(make_features(), {})
    assert tuple(r.read_rgba()[0, 0, :3]) == (255, 0, 0)
    touch_write("void main() { o_color = broken; }\n")
    assert r.reload_changed() == ["source"]
    assert "keeping the previous version" in faults.faults["shader source"].message
    r.render(make_features(), {})
    assert tuple(r.read_rgba()[0, 0, :3]) == (255, 0, 0)


def test_include_and_error_lines_map_to_the_included_file(gl, tmp_path):
    from vjhost.render.shaders import ShaderError, ShaderFinder, assemble, compile_program

    (tmp_path / "lib.glsl").write_text("// helper\nfloat f(float x) {\n  return x * undefined_thing;\n}\n")
    (tmp_path / "main.glsl").write_text('#include "lib.glsl"\nvoid main() { o_color = vec4(f(1.0)); }\n')
    src = assemble("main.glsl", ShaderFinder([tmp_path, SHADERS]))
    with pytest.raises(ShaderError) as err:
        compile_program(src, "main")
    assert f"{tmp_path / 'lib.glsl'}:3:" in str(err.value)
    (tmp_path / "a.glsl").write_text('#include "b.glsl"\n')
    (tmp_path / "b.glsl").write_text('#include "a.glsl"\n')
    both = assemble("a.glsl", ShaderFinder([tmp_path, SHADERS]))  # includes are once-only, so cycles end
    assert [f.name for f in both.files] == ["vjhost.glsl", "a.glsl", "b.glsl"]
    with pytest.raises(ShaderError, match="missing.glsl: shader not found"):
        assemble("missing.glsl", ShaderFinder([tmp_path, SHADERS]))


def test_failing_python_uniforms_hook_is_bypassed_not_fatal(renderer_factory, make_features, tmp_path):
    (tmp_path / "tint.glsl").write_text("uniform float u_amount;\nvoid main() { o_color = texture(u_input, v_uv); }\n")
    r, faults = renderer_factory()

    def boom(features, params):
        raise ZeroDivisionError("bad plugin math")

    r.add_effect("tint", "tint.glsl", (Param("amount", 1.0),), uniforms=boom)
    r.upload_image(half_image())
    for _ in range(5):
        r.render(make_features(), {"fx.tint.amount": 1.0})
    assert r.read_rgba()[..., :3].max() > 200
    f = faults.faults["effect tint"]
    assert f.bypassed and "ZeroDivisionError" in f.message


def test_blackout_and_master_brightness(renderer_factory, make_features):
    r, _ = renderer_factory()
    r.upload_image(half_image())
    r.render(make_features(), {}, blackout=True)
    assert r.read_rgba()[..., :3].max() == 0
    r.render(make_features(), {"master.brightness": 0.5})
    assert 110 < r.read_rgba()[..., 0].max() < 140


def test_decodes_are_crossfaded_once_at_decode_size(renderer_factory, make_features):
    r, faults = renderer_factory()
    r.upload_image(np.zeros((16, 16, 1), np.uint8))
    r.upload_image(np.full((16, 16, 1), 200, np.uint8))  # newest decode: grey 200, previous: black
    r.render(make_features(), {}, image_mix=0.5)
    assert abs(int(r.read_rgba()[5, 5, 0]) - 100) <= 2
    r.render(make_features(), {}, image_mix=1.0)
    assert abs(int(r.read_rgba()[5, 5, 0]) - 200) <= 1
    assert not faults.faults


def test_close_frees_the_gl_objects(renderer_factory, make_features):
    from OpenGL import GL

    r, _ = renderer_factory()
    r.upload_image(half_image())
    r.render(make_features(), {})
    tex, prog = r.output, r.source.program
    r.close()
    assert not GL.glIsTexture(tex) and not GL.glIsProgram(prog)


# --------------------------------------------------------------------------- stages and the render scale

STAGED = """
#pragma vjhost stage bright 0.25
#pragma vjhost stage spread 0.25
#pragma vjhost stage mean 1x1 float
uniform sampler2D u_bright, u_spread, u_mean;
#if defined(VJ_STAGE_bright)
void main() { o_color = vec4(vj_image(v_uv).rgb, 1.0); }
#elif defined(VJ_STAGE_spread)
void main() { o_color = vec4(texture(u_bright, v_uv).rgb * 0.5, 1.0); }   // reads the stage before it
#elif defined(VJ_STAGE_mean)
void main() { o_color = vec4(vec3(texture(u_spread, vec2(0.75, 0.5)).r * 2.0 - 1.5), u_target_size.x); }
#else
void main() {
    vec2 px = u_target_size;  // the render size in the main pass
    o_color = vec4(texture(u_spread, v_uv).r, -texelFetch(u_mean, ivec2(0), 0).r, px.x / 1000.0, 1.0);
}
#endif
"""


def test_stages_run_small_before_the_pass_from_the_first_frame(renderer_factory, make_features):
    r, faults = renderer_factory(STAGED, size=(64, 36))
    assert not faults.faults, faults.faults
    assert [(s.decl.name, s.target.w, s.target.h) for s in r.source.stages] == [
        ("bright", 16, 9), ("spread", 16, 9), ("mean", 1, 1)]
    r.upload_image(half_image())
    r.render(make_features(), {})  # the very first frame: every stage reads what the one before drew
    px = r.read_rgba()[::-1].astype(int)
    assert px[:, :20, 0].max() < 10 and abs(px[:, -20:, 0] - 128).max() <= 2  # half the image, through two stages
    assert abs(px[:, :, 1] - 128).max() <= 2  # the 1x1 float stage keeps a negative value: 0.5 * 2 - 1.5 = -0.5
    assert abs(px[0, 0, 2] - round(64 / 1000 * 255)) <= 1  # u_target_size in the main pass is the render size


def test_bad_stage_declaration_names_file_and_line(renderer_factory, tmp_path):
    r, faults = renderer_factory("#pragma vjhost stage glow 2.0\nvoid main() { o_color = vec4(1.0); }\n")
    assert r.source.broken
    msg = faults.faults["shader source"].message
    assert f"{tmp_path / 'src.glsl'}:1" in msg and "scale must be in (0, 1]" in msg


def test_render_scale_draws_smaller_and_presents_at_the_show_size(renderer_factory, make_features):
    from vjhost.render.chain import quantize_scale, scaled_size

    assert quantize_scale(0.77) == 0.75 and quantize_scale(0.2) == 0.5 and quantize_scale(3) == 1.0
    assert scaled_size((1280, 720), 0.5) == (640, 360) and scaled_size((1280, 720), 0.75) == (960, 540)
    r, faults = renderer_factory(STAGED, size=(128, 72))
    r.upload_image(half_image())
    r.render(make_features(), {})
    full = r.read_rgba()[::-1].astype(int).copy()
    assert r.set_scale(0.5) == 0.5 and (r.w, r.h) == (64, 36)
    prev_after_switch = r.read_rgba()[::-1].astype(int).copy()  # last frame carried over (feedback continues)
    assert abs(prev_after_switch[:, :, 0] - full[:, :, 0]).mean() < 8
    r.render(make_features(), {})
    half = r.read_rgba()[::-1].astype(int)
    assert half.shape == full.shape  # read back at the show's size, upscaled
    assert [(s.target.w, s.target.h) for s in r.source.stages] == [(16, 9), (16, 9), (1, 1)]  # stages follow
    assert abs(half[:, :, 2] - round(64 / 1000 * 255)).max() <= 1  # the shaders see the render size
    # the picture is the same, only softer: the halves still split down the middle
    assert half[:, :50, 0].max() < 10 and (half[:, -50:, 0] > 118).all()
    r.set_scale(1.0)
    r.render(make_features(), {})
    assert np.array_equal(r.read_rgba()[::-1].astype(int)[:, :, :2], full[:, :, :2])
    assert not faults.faults


HALF_PASS = """
#pragma vjhost scale 0.5
void main() { o_color = vec4(vj_image(v_uv).rgb, u_target_size.x / 1000.0); }
"""


def test_a_pass_can_draw_at_half_the_render_size(renderer_factory, make_features, tmp_path):
    (tmp_path / "alpha.glsl").write_text(
        "uniform float u_amount;\nvoid main() { vec4 c = texture(u_input, v_uv); o_color = vec4(c.rgb, 1.0); }\n")
    r, faults = renderer_factory(HALF_PASS, size=(128, 72))
    assert r.source.scale == 0.5 and not faults.faults
    r.upload_image(half_image())
    r.render(make_features(), {})  # the source is the last pass: upscaled into a render-size target
    px = r.read_rgba()[::-1].astype(int)
    assert px.shape == (72, 128, 4) and (r.source.small.w, r.source.small.h) == (64, 36)
    assert px[:, :50, 0].max() < 10 and px[:, -50:, 0].min() > 245  # the same picture at the render size
    fx = r.add_effect("copy", "alpha.glsl", (Param("amount", 1.0),))
    r.render(make_features(), {"fx.copy.amount": 1.0})  # now the next pass reads the small target
    assert np.array_equal(r.read_rgba()[::-1, :, :3].astype(int), px[:, :, :3]) and fx.scale == 1.0
    r.set_scale(0.5)
    r.render(make_features(), {"fx.copy.amount": 1.0})
    assert (r.source.small.w, r.source.small.h) == (32, 18)  # a share of the render size, whatever that is


def test_bad_pass_scale_is_named(renderer_factory, tmp_path):
    r, faults = renderer_factory("#pragma vjhost scale 0\nvoid main() { o_color = vec4(1.0); }\n")
    assert r.source.broken
    msg = faults.faults["shader source"].message
    assert f"{tmp_path / 'src.glsl'}:1" in msg and "pass scale must be in (0, 1]" in msg
