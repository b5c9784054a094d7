"""Controller layout files: what pack authors write, and the errors they get back."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from vjhost.control.layout import (
    ACTIONS,
    Binding,
    LayoutError,
    color,
    default_layout,
    layout_from_dict,
    load_layout,
    parse_binding,
    parse_layout,
)

IKEDA_SCENES = ["stripes", "scanlines", "barcode", "bitgrid", "testpattern", "datamatrix", "flash", "hairlines"]


def ikeda_layout_path() -> Path:
    return Path(str(files("vjhost_ikeda"))) / "layouts" / "apc_mini_mk2.toml"


def write(tmp_path: Path, text: str, name: str = "apc_mini_mk2.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_lines(path: Path) -> list[str]:
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    return str(info.value).splitlines()


def test_ikeda_layout_parses():
    layout = load_layout(ikeda_layout_path())
    by_note = {p.note: p for p in layout.pads}
    # top row: the eight scenes in order
    assert [by_note[56 + i].binding for i in range(8)] == [Binding("scene", i) for i in range(8)]
    # toggles on row 1, pack effect included
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert toggles == {"fx.feedback", "fx.blur", "fx.hue", "fx.ikeda_flicker"}
    assert {p.binding.action for p in layout.pads} >= {"blackout", "freeze", "tap"}
    assert layout.grid.packs_row == 0
    assert [(f.fader, f.param) for f in layout.faders] == [
        (1, "fx.feedback.amount"), (2, "fx.blur.amount"), (3, "fx.hue.amount"), (4, "latent.speed"),
        (5, "latent.jump"), (6, "latent.bass_push"), (7, "fx.ikeda_flicker.amount"), (8, "master.strobe"),
        (9, "master.brightness")]
    assert layout.faders[-1].cc == 56
    # monochrome with red accents
    assert {p.look.color.text for p in layout.pads} <= {"white", "grey", "red"}
    assert layout.grid.packs.color.text == "red"


def test_default_layout_parses():
    layout = default_layout()
    assert layout.grid.scenes_row == 7 and layout.grid.packs_row == 0
    assert layout.track[:3] == (Binding("blackout"), Binding("freeze"), Binding("tap"))


def test_unknown_action_names_file_line_and_key(tmp_path):
    path = write(tmp_path, """schema_version = 1
device = "apc_mini_mk2"

[[pads]]
row = 7
col = 0
action = "scene"
value = 0

[[pads]]
row = 7
col = 1
action = "sceen"
value = 1
""")
    assert error_lines(path) == [
        f"{path}:13: pads.1.action: unknown action 'sceen' (expected one of "
        f"{', '.join(ACTIONS)}); did you mean 'scene'?"]


def test_source_name_is_used_in_messages(tmp_path):
    text = 'schema_version = 1\n[[pads]]\nrow = 0\ncol = 0\naction = "sceen"\nvalue = 1\n'
    with pytest.raises(LayoutError) as info:
        parse_layout(text, "ikeda/layouts/apc_mini_mk2.toml")
    assert str(info.value).startswith("ikeda/layouts/apc_mini_mk2.toml:5: pads.0.action: unknown action 'sceen' "
                                      "(expected one of pack, scene, toggle, tap, blackout, freeze, param)")


def test_every_problem_is_listed_with_its_line(tmp_path):
    path = write(tmp_path, """schema_version = 1
pads = [
  { row = 8, col = 0, action = "pack", value = "ikeda" },
  { note = 3, action = "toggle", value = "fx.blur", color = "bleu" },
  { note = 4, action = "blackout", color = "#ff00zz" },
  { note = 5, action = "scene", value = 1, behaviour = "wobble" },
  { note = 6, action = "scene", value = 2, color = "#ff0000", behaviour = "pulse" },
  { note = 7, action = "tap", colour = "red" },
  { note = 3, action = "freeze" },
]
faders = [
  { fader = 10, param = "x" },
  { cc = 60, param = "y" },
  { fader = 2 },
]

[buttons]
track = ["blackout", "freez", "scene:",
         "param:master.strobe=2"]
""")
    lines = error_lines(path)
    p = str(path)
    assert lines == [
        f"{p}:3: pads.0.row: 8 out of range 0..7 (0 = bottom row, or give note)",
        f"{p}:4: pads.1.color: unknown colour 'bleu' (expected one of off, dark_grey, grey, white, light_red, red, "
        f"dark_red, amber, orange, yellow, lime, green, dark_green, cyan, blue, dark_blue, purple, magenta, pink, "
        f"a palette index 0..127 or \"#rrggbb\"); did you mean 'blue'?",
        f"{p}:5: pads.2.color: bad RGB colour '#ff00zz' (expected \"#rrggbb\")",
        f"{p}:6: pads.3.behaviour: unknown behaviour 'wobble' (expected one of solid, pulse, blink)",
        f"{p}:7: pads.4.behaviour: an RGB colour (#ff0000) can only be solid; use a palette colour to pulse",
        f"{p}:8: pads.5.colour: unknown key (expected one of row, col, note, action, value, amount, momentary, "
        "color, behaviour, rate, brightness, dim, shift_action, shift_value, shift_amount, label); "
        "did you mean 'color'?",
        f"{p}:9: pads.6: pad row 0 col 3 (note 3) is already used by pads.1",
        f"{p}:12: faders.0.fader: 10 out of range 1..9 (1-8, 9 = master)",
        f"{p}:13: faders.1.cc: 60 out of range 48..56 (faders 1-8 send CC 48-55, master CC 56)",
        f"{p}:14: faders.2.param: missing (the parameter it moves, e.g. \"master.brightness\")",
        f"{p}:18: buttons.track.1: unknown action 'freez' (expected one of {', '.join(ACTIONS)}); "
        "did you mean 'freeze'?",
        f"{p}:18: buttons.track.2: 'scene' needs a value, e.g. \"scene:0\"",
        f"{p}:19: buttons.track.3: amount 2.0 out of range 0..1",
    ]


def test_missing_and_wrong_typed_values(tmp_path):
    path = write(tmp_path, """schema_version = 2
device = "apc_mini_mk3"

[[pads]]
row = 1
col = true
action = "toggle"

[[pads]]
row = 2
col = 2
action = "tap"
value = "now"
velocity = 3
""")
    p = str(path)
    assert error_lines(path) == [
        f"{p}:1: schema_version: unsupported schema_version 2 (this vjhost reads 1)",
        f"{p}:2: device: unknown device 'apc_mini_mk3' (expected one of apc_mini_mk2, apc_mini); "
        "did you mean 'apc_mini_mk2'?",
        f"{p}:6: pads.0.col: expected an integer, got True",
        f"{p}:4: pads.0.value: missing (action 'toggle' needs a value, e.g. 'fx.feedback')",
        f"{p}:14: pads.1.velocity: unknown key (expected one of row, col, note, action, value, amount, momentary, "
        f"color, behaviour, rate, brightness, dim, shift_action, shift_value, shift_amount, label)",
        f"{p}:13: pads.1.value: action 'tap' takes no value",
    ]


def test_toml_syntax_error_names_line_and_key(tmp_path):
    # the brief's own shorthand "row = 7; col = 0" is not TOML: say so, and how to write it
    path = write(tmp_path, 'schema_version = 1\n[[pads]]\nrow = 7; col = 0\naction = "scene"\n')
    (line,) = error_lines(path)
    assert line.startswith(f"{path}:3: row: invalid TOML: Expected newline or end of document after a statement")
    assert "TOML has no ';'" in line

    path = write(tmp_path, 'schema_version = 1\npads = [\n  { row = 7, col = 0,\n    action = "scene" },\n]\n',
                 "b.toml")
    (line,) = error_lines(path)
    assert line.startswith(f"{path}:3: ") and "must be on one line" in line


def test_keys_below_a_table_header_are_explained(tmp_path):
    path = write(tmp_path, 'schema_version = 1\n[grid]\nscenes_row = 7\nfaders = [{ fader = 1, param = "a" }]\n')
    (line,) = error_lines(path)
    assert line.startswith(f"{path}:4: grid.faders: unknown key in [grid]: faders belongs at the top level")


def test_grid_rows_and_values(tmp_path):
    layout = load_layout(write(tmp_path, """schema_version = 1
[grid]
scenes_row = 7
packs_row = 0
scene_color = 3
pack_color = "#102030"
dim = 0
[buttons]
scene = ["scene:stripes", "pack:ikeda", "toggle:fx.blur", "param:master.strobe=0.5", "tap"]
"""))
    assert layout.grid.scenes.color.velocity == 3
    assert layout.grid.packs.color.is_rgb and layout.grid.packs.color.rgb == (0x10, 0x20, 0x30)
    assert layout.grid.packs.dim == 0
    assert layout.scene[:5] == (Binding("scene", "stripes"), Binding("pack", "ikeda"), Binding("toggle", "fx.blur"),
                                Binding("param", "master.strobe", 0.5), Binding("tap"))
    assert layout.scene[5:] == (None, None, None)

    with pytest.raises(LayoutError, match=r"grid.packs_row: row 7 is already the scenes_row"):
        parse_layout("schema_version = 1\n[grid]\nscenes_row = 7\npacks_row = 7\n", "x.toml")


def test_colours():
    assert color("white").velocity == 3 and color("Dark Grey").velocity == 1 and color("gray").velocity == 2
    assert color(45).rgb == (0, 0, 255)
    assert color("#FF0000").is_rgb and color("#ff0000").rgb == (255, 0, 0)
    for bad in (128, -1, "#fff", "plaid", True, 1.5):
        with pytest.raises(ValueError):
            color(bad)


def test_bindings():
    assert parse_binding("") is None
    assert parse_binding("scene:3") == Binding("scene", 3)
    assert parse_binding("param:master.strobe") == Binding("param", "master.strobe", 1.0)
    with pytest.raises(ValueError, match="takes no value"):
        parse_binding("blackout:1")


def test_dict_layouts_validate_without_lines():
    layout = layout_from_dict({"schema_version": 1, "faders": [{"fader": 9, "param": "master.brightness"}]})
    assert layout.faders[0].cc == 56
    with pytest.raises(LayoutError, match=r"^<layout>: faders.0.fader: 0 out of range"):
        layout_from_dict({"schema_version": 1, "faders": [{"fader": 0, "param": "x"}]})


def test_unreadable_file(tmp_path):
    with pytest.raises(LayoutError, match="cannot read"):
        load_layout(tmp_path / "missing.toml")
