"""``vjhost pack new NAME --template persona``: a complete, trainable persona pack distribution.

Creates ``PARENT/NAME/`` (``PARENT`` defaults to ``persona_packs``), laid out like
the shipped packs::

    NAME/
      pyproject.toml                 # vjhost-pack-NAME, entry point [project.entry-points.vjhost] NAME = "vjhost_NAME"
      README.md  prompts.toml        # prompts: text-to-video footage (vjhost footage generate)
      tests/test_NAME_pack.py        # the pack's own tests; installed, tests/test_every_pack.py tests it too
      vjhost_NAME/
        __init__.py                  # registers the pack directory, nothing else
        pack.toml                    # scenes, palette, chain, decoder, effects, controller, defaults, layouts, training
        dataset.py                   # MOTIFS, PALETTE, generate, RECIPE on vjhost.train.motifs.balanced
        shaders/NAME.glsl            # the source pass: finishes the decode in the palette (no motif drawing)
        shaders/NAME_motif.glsl      # the shader-drawn motif layer (the `motif` effect, amount 0)
        layouts/apc_mini_mk2.toml    # scene row in the palette's LED colours, pack row, faders, buttons
        MODEL_CARD.md                # says the decoder is untrained
        weights/decoder.safetensors  # an UNTRAINED placeholder until `vjhost train` replaces it

Everything but the placeholder weights comes from the text templates in
``vjhost/train/templates/persona/`` (``string.Template``, ``${name}`` ...).  The
folder is built in a temporary sibling and renamed into place
(:func:`vjhost.train.scaffold.build_pack`): an existing folder is never touched,
except one holding nothing but a ``prompts.toml`` written before the pack, which
the new pack keeps.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from string import Template

from .scaffold import ScaffoldError, build_pack, check_name, placeholder_weights, teacher_widths

__all__ = ["TEMPLATES", "MOTIFS", "DEFAULT_PALETTE", "parse_palette", "led_colour", "scene_leds", "render_persona",
           "new_persona_pack", "cmd_new_template"]

TEMPLATES = ("persona",)
#: the template's starting motif vocabulary (dataset.py draws one of each; scene i = motif i)
MOTIFS = ("dots", "stripes", "rings", "petals", "checks", "contours", "figure", "marks")
DEFAULT_PALETTE = "primaries"
SIZE = 128
#: files a folder may already hold and the new pack keeps (written before the pack: the prompt library)
KEEP = ("prompts.toml",)


def parse_palette(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A named palette of the drawing kit (``primaries``, ``cool_blue`` ...) or ``#rrggbb`` colours (a list,
    or one string separated by commas) -> lowercase ``#rrggbb`` strings; ``ScaffoldError`` for anything else."""
    from .motifs.palettes import PALETTES, rgb

    if isinstance(text, str) and text.strip() in PALETTES:
        return tuple(PALETTES[text.strip()])
    items = [c.strip() for c in text.split(",")] if isinstance(text, str) else [str(c).strip() for c in text]
    try:
        cols = tuple(c.lower() for c in items if c and rgb(c))
    except ValueError as exc:
        raise ScaffoldError(f"--palette: {exc}; or a named palette: {', '.join(PALETTES)}") from None
    if len(cols) < 2:
        raise ScaffoldError(f"--palette: needs at least two colours, got {text!r} (named: {', '.join(PALETTES)})")
    return cols


def _near_black(hexstr: str) -> bool:
    from .motifs.palettes import rgb

    return max(rgb(hexstr)) < 0.2


def _led_ranking(hexstr: str) -> list[int]:
    """Visible APC mini MK2 velocity-chart indices, the one showing ``hexstr`` best first.

    A pad shows hue, not darkness: the colour is brightened to full value first; greys and
    near-blacks rank white first.  Dark chart entries are never chosen (a pulsing pad would be nearly off).
    """
    from ..control.layout import VELOCITY_RGB
    from .motifs.palettes import rgb

    c = rgb(hexstr)
    top = max(c)
    grey = top - min(c) < 0.12 * max(top, 1e-6) or top < 0.2
    target = (1.0, 1.0, 1.0) if grey else tuple(v / top for v in c)
    chart = {i: (((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255) for i, v in enumerate(VELOCITY_RGB)}
    visible = [i for i, e in chart.items() if i == 3 or (i >= 4 and max(e) >= 0.6)]  # white, and no dark shades
    return sorted(visible, key=lambda i: (sum((a - b) ** 2 for a, b in zip(chart[i], target)), i != 3))


def led_colour(hexstr: str) -> int:
    """The APC mini MK2 velocity-chart index that shows ``hexstr`` best on a pad (greys and near-blacks:
    white, a dark pad would read as off)."""
    return _led_ranking(hexstr)[0]


def scene_leds(palette: tuple[str, ...], n: int) -> list[int]:
    """Chart colours for ``n`` scene pads: scene i takes the next visible palette colour (near-black grounds
    are skipped: they would light white, or not at all), cycling, shown by its nearest chart colour that no
    earlier scene took -- so every scene has its own colour, close to the palette's."""
    from ..control.layout import VELOCITY_RGB

    visible = [c for c in palette if not _near_black(c)] or list(palette)
    used: list[int] = []
    for i in range(n):  # (the chart repeats some colours under other indices: distinct means distinct colours)
        used.append(next(j for j in _led_ranking(visible[i % len(visible)])
                         if VELOCITY_RGB[j] not in {VELOCITY_RGB[k] for k in used}))
    return used


def _glsl_palette(palette: tuple[str, ...]) -> str:
    from .motifs.palettes import rgb

    return ", ".join("vec3({:.4f}, {:.4f}, {:.4f})".format(*rgb(c)) for c in palette)


def _words(palette: tuple[str, ...]) -> str:
    """Plain colour words for a prompt: the nearest of a few basic names to each palette colour."""
    from .motifs.palettes import rgb

    names = {"black": (0, 0, 0), "white": (1, 1, 1), "grey": (0.5, 0.5, 0.5), "red": (0.85, 0.1, 0.1),
             "orange": (1, 0.5, 0.1), "yellow": (1, 0.85, 0.1), "green": (0.1, 0.6, 0.25), "cyan": (0.2, 0.85, 0.9),
             "blue": (0.1, 0.3, 0.85), "purple": (0.55, 0.25, 0.85), "pink": (1, 0.5, 0.7), "navy": (0.05, 0.1, 0.3)}
    out: list[str] = []
    for c in palette:
        v = rgb(c)
        w = min(names, key=lambda n: sum((a - b) ** 2 for a, b in zip(names[n], v)))
        if w not in out:
            out.append(w)
    return ", ".join(out[:-1]) + (" and " if len(out) > 1 else "") + out[-1]


def render_persona(name: str, palette: tuple[str, ...], *, title: str | None = None, description: str | None = None,
                   dist_dir: str | None = None) -> dict[str, str]:
    """The text files of a persona pack: ``{relative path: content}`` (the weights are written separately)."""
    check_name(name)
    title = title or f"{name}: persona"
    description = description or f"The {name} persona: motifs drawn in its palette, walked with the music."
    for label, text in (("title", title), ("description", description)):
        if "\n" in text or '"' in text or "\\" in text:
            raise ScaffoldError(f"--{label}: one line without quotes or backslashes, got {text!r}")
    dist_dir = dist_dir or f"persona_packs/{name}"
    leds = scene_leds(palette, len(MOTIFS))
    shown = [c for c in palette if not _near_black(c)] or list(palette)
    # the accents: the two most colourful palette colours (pads for effects and the pack row)
    from .motifs.palettes import rgb

    vivid = sorted(palette, key=lambda c: -(max(rgb(c)) - min(rgb(c))))
    accent, accent2 = led_colour(vivid[0]), led_colour(vivid[min(1, len(vivid) - 1)])
    scene_pads = "\n".join(
        f'  {{ row = 7, col = {i}, action = "scene", value = {i}, color = {leds[i]}, '
        f'behaviour = "pulse", rate = "1/4" }},  # {m}: {shown[i % len(shown)]}'
        for i, m in enumerate(MOTIFS))
    steps = [f"vjhost train {dist_dir}", f"pip install -e {dist_dir}", f"vjhost pack validate {name}",
             f"vjhost run --pack {name}"]
    values = {
        "name": name, "dist_name": name.replace("_", "-"), "title": title, "description": description,
        "dist_dir": dist_dir, "motifs": json.dumps(list(MOTIFS)), "palette": json.dumps(list(palette)),
        "motifs_py": repr(tuple(MOTIFS)), "palette_py": repr(tuple(palette)),
        "palette_size": str(len(palette)), "palette_glsl": _glsl_palette(palette), "palette_words": _words(palette),
        "scene_pads": scene_pads, "accent": str(accent), "accent2": str(accent2), "first_scene": MOTIFS[0],
        "next_steps": "\n".join(steps),
    }
    out: dict[str, str] = {}
    root = files("vjhost.train") / "templates" / "persona"
    pkg = f"vjhost_{name}"
    where = {
        "pyproject.toml.tmpl": "pyproject.toml", "README.md.tmpl": "README.md", "prompts.toml.tmpl": "prompts.toml",
        "tests/test_pack.py.tmpl": f"tests/test_{name}_pack.py",
        "pkg/__init__.py.tmpl": f"{pkg}/__init__.py", "pkg/pack.toml.tmpl": f"{pkg}/pack.toml",
        "pkg/dataset.py.tmpl": f"{pkg}/dataset.py", "pkg/MODEL_CARD.md.tmpl": f"{pkg}/MODEL_CARD.md",
        "pkg/shaders/source.glsl.tmpl": f"{pkg}/shaders/{name}.glsl",
        "pkg/shaders/motif.glsl.tmpl": f"{pkg}/shaders/{name}_motif.glsl",
        "pkg/layouts/apc_mini_mk2.toml.tmpl": f"{pkg}/layouts/apc_mini_mk2.toml",
    }
    for src, dst in where.items():
        text = (root / src).read_text()
        try:
            out[dst] = Template(text).substitute(values)
        except (KeyError, ValueError) as exc:  # a template naming a value we do not have: a bug here
            raise RuntimeError(f"template {src}: {exc!r}") from None
    return out


def new_persona_pack(name: str, parent: Path | str = "persona_packs", *,
                     palette: str | tuple[str, ...] = DEFAULT_PALETTE, title: str | None = None,
                     description: str | None = None) -> Path:
    """Create ``parent/name`` from the persona template (see the module doc); returns its path."""
    check_name(name)
    pal = parse_palette(palette)
    parent = Path(parent).expanduser()
    target = parent / name
    texts = render_persona(name, pal, title=title, description=description, dist_dir=_shown(target))

    def write(tmp: Path) -> None:
        for rel, text in texts.items():
            f = tmp / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text)
        placeholder_weights(tmp / f"vjhost_{name}" / "weights" / "decoder.safetensors", SIZE, 3, teacher_widths(SIZE),
                            MOTIFS)

    return build_pack(target, write, keep=KEEP)


def _shown(path: Path) -> str:
    """``path`` as the user would type it: relative to the current folder when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cmd_new_template(args) -> int:
    """``vjhost pack new NAME --template persona [--dir PARENT] [--palette P] [--title T] [--description D]``."""
    if args.template not in TEMPLATES:
        raise ScaffoldError(f"--template: unknown template {args.template!r} (have: {', '.join(TEMPLATES)})")
    parent = args.dir if args.dir is not None else "persona_packs"
    kept = (Path(parent).expanduser() / args.name / "prompts.toml").is_file()
    target = new_persona_pack(args.name, parent, palette=args.palette or DEFAULT_PALETTE, title=args.title,
                              description=args.description)
    shown = _shown(target)
    print(f"created {shown}: the {args.template} template, {len(MOTIFS)} scenes ({', '.join(MOTIFS)})"
          + (", your prompts.toml kept" if kept else ""))
    print("its decoder is an UNTRAINED placeholder until you train it; next:")
    for line in (f"vjhost train {shown}", f"pip install -e {shown}", f"vjhost pack validate {args.name}",
                 f"vjhost run --pack {args.name}"):
        print(f"  {line}")
    print(f"then make it the persona's: its motifs ({shown}/vjhost_{args.name}/dataset.py), palette (pack.toml),"
          " shaders and layout")
    return 0

