"""``vjhost pack new NAME --footage DIR``: start a persona pack of your own, trained on your footage.

Creates ``PARENT/NAME/``, an installable pack distribution laid out like
``persona_packs/ikeda``::

    NAME/
      pyproject.toml                  # vjhost-pack-NAME; entry point [project.entry-points.vjhost]
                                      # NAME = "vjhost_pack_NAME"
      README.md
      tests/test_NAME_pack.py         # the pack's own tests, on vjhost's pack toolkit (vjhost.packtest)
      vjhost_pack_NAME/
        __init__.py                   # registers the pack directory, nothing else
        pack.toml                     # [training] footage = DIR; scenes = the footage's motifs
        shaders/NAME.glsl             # a minimal source pass to make your own (the decode in its proportions)
        weights/decoder.safetensors   # an UNTRAINED placeholder until `vjhost train` replaces it

The footage is decoded first (which also fills the frame cache that ``vjhost
train`` reuses), so a folder with nothing usable fails before anything is
written.  An existing ``PARENT/NAME`` is never touched: the pack is built in a
temporary sibling folder and renamed into place only when complete
(:func:`build_pack`, shared with ``--template persona``, :mod:`vjhost.train.template`,
as are :func:`check_name` and :func:`placeholder_weights`).
"""

from __future__ import annotations

import json
import keyword
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from .footage import DEFAULT_FPS, FootageDataset

__all__ = ["ScaffoldError", "build_pack", "check_name", "new_pack", "next_steps",
           "placeholder_weights", "teacher_widths"]

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED = {"builtins", "shaders", "pack", "packs"}
#: Built-in effects the new pack's chain starts with (all at amount 0: they cost nothing until raised).
CHAIN = ("feedback", "blur", "hue", "rgbsplit", "bloom")
_LADDER = (256, 192, 128, 96, 64, 32, 16)


class ScaffoldError(ValueError):
    """A bad pack name, or a target folder that already exists."""


def teacher_widths(size: int) -> tuple[int, ...]:
    """Default teacher widths for ``size`` (``size == 4 * 2**len(widths)``): 128 -> (128, 96, 64, 32, 16)."""
    levels = (size // 4).bit_length() - 1
    if size < 8 or 4 * 2**levels != size or levels > len(_LADDER):
        raise ScaffoldError(f"size must be 4 * a power of two (32, 64, 128, 256), got {size}")
    return _LADDER[len(_LADDER) - levels :]


def check_name(name: str) -> str:
    if not NAME_RE.match(name) or keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(
            f"pack name {name!r}: use lowercase letters, digits and _, starting with a letter "
            f"(at most 40), not a Python keyword nor one of {sorted(RESERVED)}; e.g. 'my_footage'")
    return name


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def _manifest(name: str, folder: Path, motifs: tuple[str, ...], size: int, channels: int, fps: float) -> str:
    widths = teacher_widths(size)
    student = tuple(max(4, w // 2) for w in widths)
    defaults = "\n".join(f'"fx.{e}.amount" = 0.0' for e in CHAIN)
    return f"""# {name}: a persona pack trained on your own footage (made by `vjhost pack new`).
# Train it with `vjhost train` on this folder, install it with `pip install -e`, then
# `vjhost pack validate {name}` and `vjhost run --pack {name}`.  Keys: docs/packs.md.
schema_version = 1
name = {_toml_str(name)}
title = {_toml_str(f"{name}: my footage")}
description = {_toml_str(f"A decoder trained on my own footage ({folder.name}), walked with the music.")}

# Scene i steers the latent walk to the anchor of motif i: a subfolder of the footage,
# or a file lying directly in it.  Add footage, retrain, and list the new motifs here.
scenes = {json.dumps(list(motifs))}

# Built-in effects after the source pass, in order; at amount 0 they cost nothing.
chain = {json.dumps(list(CHAIN))}

[decoder]
backend = "torch"
weights = "weights/decoder.safetensors"
latent_dim = 64
size = {size}
channels = {channels}

[shaders]
source = "{name}.glsl"

[controller]
name = "audio-walk"

[controller.settings]
jump_every = 2
beat_snap = 0.4

[defaults]
{defaults}

# `vjhost train` on this pack: the footage folder (absolute, or relative to this file),
# sampled at footage_fps frames per second of video.
[training]
footage = {_toml_str(str(folder))}
footage_fps = {fps:g}
widths = {json.dumps(list(widths))}
steps = 2000
batch = 32
seed = 0
freq_weight = 0.5

[training.student]
widths = {json.dumps(list(student))}
steps = 1000
batch = 32
"""


def _shader(name: str, channels: int) -> str:
    fetch = "vec3(vj_image(vj_image_fit(uv)).r)" if channels == 1 else "vj_image(vj_image_fit(uv)).rgb"
    return f"""// {name} source pass: the decoded frame (your footage, as the decoder learnt it), moved by the music.
// Make it your own: the audio features (u_kick, u_bass, u_beat, vj_band(i), ...) are listed in vjhost's header, \
vjhost.glsl.
// The square decode keeps its proportions: it fills the screen's height, mirrored sideways (vj_image_fit).

void main() {{
    vec2 uv = 0.5 + (v_uv - 0.5) * (1.0 - 0.04 * u_kick);      // a kick pushes in a touch
    vec3 c = {fetch};
    c = clamp(0.5 + (c - 0.5) * (1.0 + 0.5 * u_bass), 0.0, 1.0);  // contrast follows the bass
    c *= 1.0 + 0.2 * u_beat;                                       // and brightens on the beat
    o_color = vec4(c, 1.0);
}}
"""


def _tests(name: str, pkg: str) -> str:
    return f'''"""The {name} pack's own tests (made by `vjhost pack new`), on vjhost's pack toolkit (vjhost.packtest,
whose fixtures pytest finds wherever vjhost is installed).  Installed, vjhost's shared suite tests the pack too."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PKG = Path(__file__).resolve().parents[1] / "{pkg}"


def test_the_source_pass_is_still_in_silence_and_moves_with_a_kick(pack_chain):
    y, x = np.mgrid[0:64, 0:64]
    picture = np.stack([x * 4, y * 4, np.full_like(x, 128)], -1).astype(np.uint8)  # a colour ramp, as if decoded
    chain = pack_chain(PKG, size=(192, 108), image=picture)
    quiet = chain.frame(t=2.0)
    assert np.array_equal(chain.frame(t=2.5), quiet)  # a still picture in silence stays still
    kick = chain.frame(t=2.0, kick_env=1.0, bass=1.0, beat_env=1.0)
    assert (np.abs(kick - quiet).max(-1) > 8).mean() > 0.02  # a kick visibly changes the picture
'''


def _pyproject(name: str, pkg: str) -> str:
    return f"""[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "vjhost-pack-{name.replace("_", "-")}"
version = "0.1.0"
description = "vjhost persona pack '{name}', trained on my own footage"
requires-python = ">=3.10"
dependencies = ["vjhost>=0.1"]

[project.entry-points.vjhost]
{name} = "{pkg}"

[tool.setuptools]
packages = ["{pkg}"]

[tool.setuptools.package-data]
{pkg} = ["pack.toml", "TRAINING.json", "MODEL_CARD.md", "weights/*", "shaders/*.glsl", "layouts/*.toml"]
"""


def _init(name: str, pkg: str) -> str:
    return f'''"""The {name} persona pack.  Importing it only registers the pack's directory."""

from vjhost import hookimpl
from vjhost.protocols import PackSpec


@hookimpl
def vjhost_register_packs(register):
    register(PackSpec.from_package(__name__, "{name}"))
'''


def placeholder_weights(path: Path, size: int, channels: int, widths: tuple[int, ...], motifs: tuple[str, ...]) -> None:
    """A randomly initialised decoder (seed 0) with one random anchor per motif: the pack validates and
    plays (noise) before training; ``vjhost train`` overwrites it."""
    import torch

    from ..decode.vae import Decoder, VAEConfig
    from ..decode.weights import save_decoder

    torch.manual_seed(0)
    dec = Decoder(VAEConfig(latent_dim=64, size=size, channels=channels, widths=widths))
    save_decoder(path, dec, anchors=torch.randn(len(motifs), 64), anchor_names=motifs,
                 extra={"role": "untrained",
                        "note": "placeholder from `vjhost pack new`: run `vjhost train` on the pack"})


def build_pack(target: Path, write: Callable[[Path], None], *, keep: tuple[str, ...] = ()) -> Path:
    """Create the folder ``target`` by ``write(tmp)`` into a temporary sibling, renamed into place when complete.

    An existing ``target`` is never touched -- unless it holds nothing but files named in ``keep``
    (e.g. a ``prompts.toml`` written before the pack): those are copied into the new pack in place of
    the template's (the user's version wins), the old folder is set aside, the new one renamed in,
    and the old one removed only once the copies are checked byte for byte.  Anything half-made is
    removed on failure.
    """
    target = Path(target)
    parent = target.parent
    adopt: list[Path] = []
    if target.exists() or target.is_symlink():
        entries = sorted(target.iterdir()) if target.is_dir() and not target.is_symlink() else None
        if entries is None or not entries or any(e.name not in keep or not e.is_file() for e in entries):
            raise ScaffoldError(f"{target} already exists; pick another name or --dir (nothing was changed)")
        adopt = entries
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{target.name}.{secrets.token_hex(4)}.new"  # (mkdir, not mkdtemp: the user's umask, not 0700)
    tmp.mkdir()
    try:
        write(tmp)
        for f in adopt:
            shutil.copy2(f, tmp / f.name)
        if adopt:
            old = parent / f".{target.name}.{secrets.token_hex(4)}.old"
            if sorted(target.iterdir()) != adopt:
                raise ScaffoldError(f"{target} changed while the pack was being made; nothing was changed")
            target.rename(old)
            try:
                tmp.rename(target)
            except BaseException:
                old.rename(target)
                raise
            if all((target / f.name).read_bytes() == (old / f.name).read_bytes() for f in adopt):
                shutil.rmtree(old)
            return target
        if target.exists() or target.is_symlink():
            raise ScaffoldError(f"{target} appeared while the pack was being made; nothing was changed")
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def new_pack(name: str, footage: Path | str, parent: Path | str = ".", *, size: int = 128, channels: int = 3,
             fps: float = DEFAULT_FPS, quiet: bool = False) -> tuple[Path, FootageDataset]:
    """Create ``parent/name`` (see the module doc); returns its path and the decoded footage."""
    check_name(name)
    widths = teacher_widths(size)
    parent = Path(parent).expanduser()
    target = parent / name
    if target.exists() or target.is_symlink():
        raise ScaffoldError(f"{target} already exists; pick another name or --dir (nothing was changed)")
    folder = Path(footage).expanduser()
    ds = FootageDataset(folder, size=size, channels=channels, fps=fps, quiet=quiet)
    folder = ds.folder  # absolute
    pkg = f"vjhost_pack_{name}"

    def write(tmp: Path) -> None:
        (tmp / "pyproject.toml").write_text(_pyproject(name, pkg))
        (tmp / "README.md").write_text(
            f"# vjhost pack `{name}`\n\nA persona pack trained on the footage in `{folder}`.\n\n```sh\n"
            + "\n".join(next_steps(name, target)) + "\n```\n")
        root = tmp / pkg
        (root / "shaders").mkdir(parents=True)
        (root / "__init__.py").write_text(_init(name, pkg))
        (root / "pack.toml").write_text(_manifest(name, folder, ds.motifs, size, channels, fps))
        (root / "shaders" / f"{name}.glsl").write_text(_shader(name, channels))
        (tmp / "tests").mkdir()
        (tmp / "tests" / f"test_{name}_pack.py").write_text(_tests(name, pkg))
        placeholder_weights(root / "weights" / "decoder.safetensors", size, channels, widths, ds.motifs)

    return build_pack(target, write), ds


def next_steps(name: str, target: Path) -> list[str]:
    steps = [
        (f"vjhost train {target}", "train the decoder on your footage (weights, TRAINING.json, MODEL_CARD.md)"),
        (f"pip install -e {target}", "make the pack visible to vjhost"),
        (f"vjhost pack validate {name}", "shaders, weights, a frame drawn"),
        (f"vjhost run --pack {name}", "play it"),
    ]
    width = max(len(c) for c, _ in steps) + 2
    return [f"{c:<{width}}# {note}" for c, note in steps]


def cmd_new(args) -> int:
    """The ``vjhost pack new`` command (wired in :mod:`vjhost.cli`): ``--footage DIR`` or ``--template persona``."""
    if getattr(args, "template", None):
        from .template import cmd_new_template

        return cmd_new_template(args)
    target, ds = new_pack(args.name, args.footage, args.dir or ".", size=args.size,
                          channels=args.channels, fps=args.fps)
    n_files = len(ds.index["files"])
    print(f"created {target}: {len(ds.motifs)} scene(s) ({', '.join(ds.motifs)}) from {n_files} file(s), "
          f"{len(ds)} frames ({len(ds.skipped)} file(s) skipped)")
    print("its decoder is an untrained placeholder until you train it; next:")
    for line in next_steps(args.name, target):
        print(f"  {line}")
    return 0
