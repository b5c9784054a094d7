"""Prompt libraries (persona_packs/<name>/prompts.toml): all ten personas, checked, errors named by file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vjhost.train.prompts import FORBIDDEN, PromptsError, load_prompts, parse_prompts

ROOT = Path(__file__).resolve().parents[1]
PERSONAS = ("ikeda", "kusama", "teamlab", "ochiai", "murakami", "banksy", "anadol", "beeple", "manabe", "mikami")


@pytest.mark.parametrize("name", PERSONAS)
def test_every_persona_has_a_safe_prompt_library(name):
    lib = load_prompts(ROOT / "persona_packs" / name / "prompts.toml")
    assert lib.persona == name and len(lib.prompts) >= 6 and len(lib.scenes()) >= 5
    assert len({p.id for p in lib.prompts}) == len(lib.prompts)
    assert len(lib.notes) >= 4 and "no recognisable people" in lib.suffix.lower() and "logos" in lib.suffix.lower()
    for p in lib.prompts:
        assert p.seconds in (4, 8, 12) and p.size == "1280x720" and p.model.startswith("sora")
        assert p.full_text.endswith(lib.suffix) and len(p.text) > 60  # a described scene, not a keyword
        for other in PERSONAS:  # no persona's (artist's) name anywhere in what is sent
            assert other not in p.full_text.lower()


def test_the_prompts_follow_each_personas_visual_language():
    words = {"ochiai": ("caustic", "cloud", "leaves", "particles"), "murakami": ("smiling", "flat", "outlines"),
             "banksy": ("stencil", "concrete", "brick", "splatter"), "anadol": ("fluid", "swirl", "point"),
             "beeple": ("neon", "mechanical", "collage"), "manabe": ("wireframe", "point", "square wave"),
             "mikami": ("monitor", "delay", "scanline", "blue"), "kusama": ("polka", "dots"),
             "ikeda": ("stripes", "black and white"), "teamlab": ("glowing", "petals", "particles")}
    for name, terms in words.items():
        text = " ".join(p.text.lower() for p in load_prompts(ROOT / "persona_packs" / name / "prompts.toml").prompts)
        for t in terms:
            assert t in text, (name, t)


GOOD = """schema_version = 1
persona = "demo"
[safety]
suffix = "No text, logos or people."
[[prompts]]
id = "a-01"
scene = "a"
text = "Flat red discs drifting on white."
"""


@pytest.mark.parametrize("old,new,expect", [
    ('text = "Flat red discs drifting on white."', 'text = "Flat discs in the style of Yayoi Kusama."',
     r"prompts\.0\.text: contains 'kusama'"),
    ('text = "Flat red discs drifting on white."', 'text = "Discs like Banksy would spray."', r"contains 'banksy'"),
    ('id = "a-01"', 'id = "A 01"', r"prompts\.0\.id: 'A 01': use a-z, 0-9, - and _"),
    ('scene = "a"', 'scene = "a"\nseconds = 5',
     r"prompts\.0\.seconds: 5 seconds: the video API makes clips of 4, 8, 12"),
    ('scene = "a"', 'scene = "a"\nsize = "640x480"', r"prompts\.0\.size: '640x480': the video API makes"),
    ('scene = "a"', 'scene = "a"\ncolour = "red"', r"prompts\.0\.colour: unknown key"),
    ("schema_version = 1", "schema_version = 2", r"schema_version: unsupported schema_version 2"),
    ('persona = "demo"', 'persona = "other"', r"persona: is 'other' but the file lies in the 'demo' pack's folder"),
    ('[safety]\nsuffix = "No text, logos or people."\n', "", r"safety: missing"),
    ('suffix = "No text, logos or people."', 'suffix = "Fine."\navoid = ["discs"]',
     r"prompts\.0\.text: contains 'discs'"),
    ('text = "Flat red discs drifting on white."', 'text = "Flat red discs', r"invalid TOML"),
])
def test_bad_libraries_name_the_file_line_and_key(tmp_path, old, new, expect):
    d = tmp_path / "demo"
    d.mkdir()
    path = d / "prompts.toml"
    assert old in GOOD
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(PromptsError, match=expect) as err:
        load_prompts(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:")
    m = re.match(rf"{re.escape(str(path))}:(\d+): ([\w.]+):", msg)
    if m:  # the line named is the line of the key named
        key = m.group(2).split(".")[-1]
        assert path.read_text().splitlines()[int(m.group(1)) - 1].startswith(key), msg
    else:
        assert "safety: missing" in msg


def test_duplicate_ids_and_every_problem_at_once(tmp_path):
    text = GOOD + '[[prompts]]\nid = "a-01"\nscene = "b"\ntext = "Also the name Ikeda."\n'
    with pytest.raises(PromptsError) as err:
        parse_prompts(text, "lib.toml")
    lines = str(err.value).splitlines()
    assert any(re.match(r"lib.toml:10: prompts\.1\.id: 'a-01' is used twice", line) for line in lines), lines
    assert any("prompts.1.text: contains 'ikeda'" in line for line in lines), lines
    assert "in the style of" in FORBIDDEN


def test_a_bad_palette_in_a_manifest_is_named_with_its_line(tmp_path):
    from vjhost.packs import ManifestError, load_manifest

    src = ROOT / "persona_packs" / "kusama" / "vjhost_kusama"
    text = (src / "pack.toml").read_text()
    assert "\npalette = [" in text
    bad = re.sub(r'\npalette = \["#db0d14"', '\npalette = ["red"', text)
    d = tmp_path / "p"
    (d / "weights").mkdir(parents=True)
    (d / "shaders").mkdir()
    (d / "layouts").mkdir()
    for f in ("weights/decoder.safetensors", "weights/student.safetensors", "weights/teacher.onnx",
              "weights/student.onnx",
              "weights/EVAL.json", "layouts/apc_mini_mk2.toml", "shaders/kusama.glsl", "shaders/kusama_motif.glsl",
              "shaders/kusama_mirror.glsl"):
        (d / f).write_bytes(b"")
    (d / "pack.toml").write_text(bad)
    with pytest.raises(ManifestError) as err:
        load_manifest(d / "pack.toml")
    msg = str(err.value)
    line = int(msg.split(":")[1])
    assert "palette: entry 0: expected a colour \"#rrggbb\", got 'red'" in msg
    assert bad.splitlines()[line - 1].startswith("palette = [")
