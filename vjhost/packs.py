"""Persona pack manifests (``pack.toml``): read, validate, resolve files.

Reading a manifest imports nothing and loads no weights; that happens only
for the pack being played.  Every problem is a :class:`ManifestError` whose
message starts with ``path/to/pack.toml:`` (and the line, where the key is
in the file) and names the key.  The latent controller's name is checked
against the installed controllers when the caller passes their names; its
``[controller.settings]`` are the controller's to check (a
:class:`~vjhost.protocols.SettingsError` from its factory becomes a
:class:`ManifestError` through :meth:`Manifest.error`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection

from .protocols import PackSpec, Param
from .tomlcompat import key_lines, tomllib

SCHEMA_VERSION = 1


class ManifestError(Exception):
    """A pack manifest is missing, malformed or names files that don't exist."""


@dataclass(frozen=True)
class PackEffect:
    name: str
    shader: str
    params: tuple[Param, ...]
    description: str = ""


@dataclass
class Manifest:
    path: Path
    name: str
    title: str
    description: str
    decoder_backend: str
    weights: Path
    latent_dim: int
    size: int
    channels: int
    source_shader: str
    effects: tuple[PackEffect, ...]
    chain: tuple[str, ...]
    controller: str
    controller_settings: dict[str, Any]
    scenes: tuple[str, ...]
    defaults: dict[str, float]
    layouts: dict[str, Path]
    training: dict[str, Any] = field(default_factory=dict)
    #: the distilled student (safetensors), the ONNX exports by role, the evaluation report
    student: Path | None = None
    onnx: dict[str, Path] = field(default_factory=dict)
    eval_report: Path | None = None
    #: which decoder the show runs unless told otherwise: "teacher" or "student"
    variant: str = "teacher"
    #: the persona's colours, ``"#rrggbb"`` (top-level ``palette``): what its decodes and LEDs are drawn from
    palette: tuple[str, ...] = ()
    #: the teacher is the untrained placeholder ``vjhost pack new`` writes (its student, ONNX and EVAL.json
    #: may be missing until ``vjhost train`` makes them); ``vjhost pack validate`` fails until then
    untrained: bool = False

    def decoder_file(self, variant: str | None = None, backend: str | None = None) -> Path:
        """The file behind ``variant`` ("teacher"/"student") for ``backend`` ("torch" or "onnx")."""
        variant = variant or self.variant
        backend = backend or self.decoder_backend
        if variant not in ("teacher", "student"):
            raise ManifestError(f"{self.path}: decoder variant must be teacher or student, got {variant!r}")
        if backend == "onnx":
            f = self.onnx.get(variant)
            if f is None:
                raise ManifestError(f"{self.path}: the pack ships no ONNX export of its {variant} (decoder.onnx)")
            return f
        if variant == "student":
            if self.student is None:
                raise ManifestError(f"{self.path}: the pack ships no student decoder (decoder.student)")
            return self.student
        return self.weights

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def shader_dir(self) -> Path:
        return self.root / "shaders"

    def error(self, key: str, problem: str) -> ManifestError:
        """A :class:`ManifestError` about ``key`` (``controller.settings.keyframes[2].hold``), at its line.

        When the key itself is not in the file (a default), the nearest
        enclosing key that is gives the line.
        """
        try:
            text = self.path.read_text()
        except OSError:
            text = ""
        line = None
        parts = re.findall(r"[^.\[\]]+", key)
        while parts and line is None and text:
            line = _line_of(text, ".".join(parts))
            parts.pop()
        return _error(self.path, line, key, problem)


def _error(path: Path, line: int | None, key: str, problem: str) -> ManifestError:
    return ManifestError(f"{path}:{line}: {key}: {problem}" if line else f"{path}: {key}: {problem}")


def _line_of(text: str, key: str) -> int | None:
    """The line of ``key`` (``decoder.weights``, ``effects[0].shader``, or a ``[defaults]`` key) in the manifest."""
    path = tuple(int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", key))
    lines = key_lines(text)
    if path in lines:
        return lines[path]
    for p, line in lines.items():  # e.g. "fx.blur.amount", a quoted key under [defaults]
        if p and p[-1] == key:
            return line
    return None


def is_placeholder(weights: Path) -> bool:
    """True when ``weights`` is the untrained placeholder ``vjhost pack new`` writes (metadata ``role`` =
    ``"untrained"``).  Reads only the safetensors header (no torch, no tensors)."""
    try:
        with open(weights, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            if not 0 < n <= 1 << 24:
                return False
            head = json.loads(f.read(n))
    except (OSError, ValueError):
        return False
    meta = head.get("__metadata__") if isinstance(head, dict) else None
    return isinstance(meta, dict) and meta.get("role") == "untrained"


def load_manifest(path: Path | PackSpec, controllers: Collection[str] | None = None, *,
                  training: bool = False) -> Manifest:
    """Read and check a pack's manifest.

    :param path: the ``pack.toml`` file, or the pack.
    :param controllers: the installed latent controllers' names (``host.controllers.names()``);
        given, ``[controller] name`` must be one of them.
    :param training: the pack is being trained: the files training writes after the teacher
        (``decoder.student``, ``decoder.onnx``, ``decoder.eval``) may not exist yet; missing ones
        come back as ``None`` / absent instead of an error.  So it is for an untrained pack
        (:func:`is_placeholder` teacher; ``Manifest.untrained``), whatever ``training`` says.
    """
    if isinstance(path, PackSpec):
        path = path.manifest_path
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the pack manifest ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None

    def fail(key: str, problem: str, locate: bool = True) -> ManifestError:
        return _error(path, _line_of(text, key) if locate else None, key, problem)

    def get(table: dict, key: str, typ, full: str, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise fail(full, "missing", locate=False)
            return default
        v = table[key]
        if typ is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            raise fail(full, f"expected {getattr(typ, '__name__', typ)}, got {type(v).__name__} {v!r}")
        return v

    ver = get(data, "schema_version", int, "schema_version")
    if ver != SCHEMA_VERSION:
        raise fail("schema_version", f"this vjhost reads schema {SCHEMA_VERSION}, the pack has {ver}")
    name = get(data, "name", str, "name")
    dec = get(data, "decoder", dict, "decoder")
    weights = path.parent / get(dec, "weights", str, "decoder.weights")
    if not weights.is_file():
        raise fail("decoder.weights", f"file not found: {weights}")
    untrained = is_placeholder(weights)

    def ship(key: str, rel: str) -> Path | None:
        f = path.parent / rel
        if not f.is_file():
            if training or untrained:
                return None
            raise fail(key, f"file not found: {f}")
        return f

    student = ship("decoder.student", get(dec, "student", str, "decoder.student")) if "student" in dec else None
    onnx: dict[str, Path] = {}
    for i, rel in enumerate(get(dec, "onnx", list, "decoder.onnx", [])):
        if not isinstance(rel, str):
            raise fail("decoder.onnx", f"entry {i}: expected a path string, got {rel!r}")
        f = ship("decoder.onnx", rel)
        if f is not None:
            onnx["student" if "student" in f.stem else "teacher"] = f
    eval_report = ship("decoder.eval", get(dec, "eval", str, "decoder.eval")) if "eval" in dec else None
    variant = get(dec, "default", str, "decoder.default", "teacher")
    if variant not in ("teacher", "student"):
        raise fail("decoder.default", f"must be teacher or student, got {variant!r}")
    if variant == "student" and student is None and not ((training or untrained) and "student" in dec):
        raise fail("decoder.default", "is student, but decoder.student names no file")
    size = get(dec, "size", int, "decoder.size")
    channels = get(dec, "channels", int, "decoder.channels", 3)
    if channels not in (1, 3):
        raise fail("decoder.channels", f"must be 1 or 3, got {channels}")
    shaders = get(data, "shaders", dict, "shaders")
    source = get(shaders, "source", str, "shaders.source")
    if not (path.parent / "shaders" / source).is_file():
        raise fail("shaders.source", f"file not found: {path.parent / 'shaders' / source}")
    effects = []
    for i, e in enumerate(get(data, "effects", list, "effects", [])):
        if not isinstance(e, dict):
            raise fail(f"effects[{i}]", "expected a table")
        ename = get(e, "name", str, f"effects[{i}].name")
        eshader = get(e, "shader", str, f"effects[{i}].shader")
        if not (path.parent / "shaders" / eshader).is_file():
            raise fail(f"effects[{i}].shader", f"file not found: {path.parent / 'shaders' / eshader}")
        params = []
        for j, p in enumerate(get(e, "params", list, f"effects[{i}].params", [])):
            key = f"effects[{i}].params[{j}]"
            if not isinstance(p, dict):
                raise fail(key, "expected a table")
            params.append(Param(get(p, "name", str, key + ".name"), get(p, "default", float, key + ".default", 0.0),
                                get(p, "min", float, key + ".min", 0.0), get(p, "max", float, key + ".max", 1.0),
                                get(p, "description", str, key + ".description", "")))
        effects.append(PackEffect(ename, eshader, tuple(params),
                                  get(e, "description", str, f"effects[{i}].description", "")))
    chain = tuple(get(data, "chain", list, "chain", ["feedback", "blur", "hue"] + [e.name for e in effects]))
    ctl = get(data, "controller", dict, "controller", {})
    controller = get(ctl, "name", str, "controller.name", "audio-walk")
    if controllers is not None and controller not in controllers:
        raise fail("controller.name", f"unknown latent controller {controller!r} "
                                      f"(installed: {', '.join(sorted(controllers)) or 'none'})")
    controller_settings = dict(get(ctl, "settings", dict, "controller.settings", {}))
    scenes = tuple(get(data, "scenes", list, "scenes", []))
    defaults = get(data, "defaults", dict, "defaults", {})
    for k, v in defaults.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise fail(k, f"default must be a number, got {v!r}")
    palette = get(data, "palette", list, "palette", [])
    for i, c in enumerate(palette):
        if not (isinstance(c, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", c)):
            raise fail("palette", f"entry {i}: expected a colour \"#rrggbb\", got {c!r}")
    if len(palette) == 1:
        raise fail("palette", "needs at least two colours (a ground and a figure)")
    layouts = {}
    for k, v in get(data, "layouts", dict, "layouts", {}).items():
        lp = path.parent / v
        if not lp.is_file():
            raise fail(f"layouts.{k}", f"file not found: {lp}")
        layouts[k] = lp
    return Manifest(
        path=path, name=name, title=get(data, "title", str, "title", name),
        description=get(data, "description", str, "description", ""),
        decoder_backend=get(dec, "backend", str, "decoder.backend", "torch"), weights=weights,
        latent_dim=get(dec, "latent_dim", int, "decoder.latent_dim", 64), size=size, channels=channels,
        source_shader=source, effects=tuple(effects), chain=chain,
        controller=controller, controller_settings=controller_settings,
        scenes=tuple(str(s) for s in scenes), defaults={k: float(v) for k, v in defaults.items()},
        layouts=layouts, training=dict(data.get("training", {})),
        student=student, onnx=onnx, eval_report=eval_report, variant=variant,
        palette=tuple(c.lower() for c in palette), untrained=untrained,
    )
