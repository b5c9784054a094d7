"""Import Shadertoy shaders (``mainImage(out vec4, in vec2)``) as vjhost effects or generators.

Three ways to point at one (each is a shader name the chain accepts, see
:func:`vjhost.render.isf.load_effect`):

* ``shadertoy:path/to/shader.glsl`` -- a single ``mainImage`` pass;
* ``shadertoy:path/to/folder`` -- ``image.glsl`` plus optional ``common.glsl``
  and ``bufferA.glsl`` .. ``bufferD.glsl`` (and an optional ``shadertoy.json``
  in the folder, read as below);
* ``path/to/name.json`` -- a description::

      {"common": "common.glsl",
       "bufferA": {"source": "bufferA.glsl", "channels": ["bufferA", "input"]},
       "image":   {"source": "image.glsl",   "channels": ["bufferA", null, "audio", "tex.png"]}}

  A pass may also be just its source file name.  Channel values:
  ``bufferA``..``bufferD`` (float, persistent, render-size buffers; a pass
  that reads its own buffer or a later one sees last frame's), ``input``
  (the chain so far -- this makes the shader a filter), ``audio``
  (Shadertoy's 512x2 music texture: row 0 spectrum, row 1 waveform),
  ``wave``/``fft`` (the ISF audio textures), an image file (PNG/JPEG), or
  ``null``.  Without ``channels`` iChannelN is bufferN (A..D) when that
  buffer exists, and iChannel0 falls back to ``input``.  ``keyboard`` and
  cubemaps are not supported (keyboard reads black).  Textures clamp to the
  edge with linear filtering (Shadertoy's per-channel wrap/filter settings
  are not read).

Uniforms: ``iResolution``, ``iTime``, ``iTimeDelta``, ``iFrameRate``,
``iFrame``, ``iMouse`` (from the params ``mouse.x``/``mouse.y`` 0..1 and
``mouse.down``), ``iDate``, ``iSampleRate``, ``iChannelTime[4]``,
``iChannelResolution[4]`` and ``iChannel0``..``iChannel3``.  Passes run A, B,
C, D, then the image (whose alpha is forced to 1, as Shadertoy shows it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..protocols import Param
from .isf import ISFError, MultipassEffect, Stage, link_program
from .shaders import VERTEX, Source

BUFFERS = ("bufferA", "bufferB", "bufferC", "bufferD")
PASS_ORDER = BUFFERS + ("image",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
PARAMS = (
    Param("mouse.x", 0.5, 0.0, 1.0, "iMouse x, share of the width"),
    Param("mouse.y", 0.5, 0.0, 1.0, "iMouse y, share of the height"),
    Param("mouse.down", 0.0, 0.0, 1.0, "mouse button held (iMouse.zw positive)"),
)

PRELUDE = """#version 330 core
uniform vec3 iResolution;
uniform float iTime;
uniform float iTimeDelta;
uniform float iFrameRate;
uniform int iFrame;
uniform vec4 iMouse;
uniform vec4 iDate;
uniform float iSampleRate;
uniform float iChannelTime[4];
uniform vec3 iChannelResolution[4];
uniform sampler2D iChannel0;
uniform sampler2D iChannel1;
uniform sampler2D iChannel2;
uniform sampler2D iChannel3;
out vec4 st_FragColor;
"""


def describe(path: str | Path) -> dict[str, Any]:
    """The normalised description of a Shadertoy shader: {"common": Path|None, "passes": {name: (Path, channels)}}."""
    path = Path(path)
    if path.is_dir():
        js = path / "shadertoy.json"
        if js.is_file():
            return describe(js)
        raw: dict[str, Any] = {n: f"{n}.glsl" for n in PASS_ORDER if (path / f"{n}.glsl").is_file()}
        if (path / "common.glsl").is_file():
            raw["common"] = "common.glsl"
        base = path
    elif path.suffix.lower() == ".json":
        try:
            raw = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ISFError(f"{path}:{getattr(exc, 'lineno', 1)}: not a Shadertoy description ({exc})") from None
        if not isinstance(raw, dict):
            raise ISFError(f"{path}:1: a Shadertoy description is a JSON object")
        base = path.parent
    elif path.is_file():
        raw, base = {"image": path.name}, path.parent
    else:
        raise ISFError(f"{path}:1: Shadertoy shader not found")
    if "image" not in raw:
        raise ISFError(f"{path}:1: a Shadertoy shader needs an image pass (image.glsl)")
    present = [b for b in BUFFERS if b in raw]
    passes = {}
    for name in PASS_ORDER:
        if name not in raw:
            continue
        v = raw[name]
        src, chans = (v, None) if isinstance(v, str) else (v.get("source"), v.get("channels"))
        if not src:
            raise ISFError(f"{path}:1: pass {name} has no source")
        if chans is None:
            chans = [b if b in present else None for b in BUFFERS]
            if chans[0] is None:
                chans[0] = "input"
        chans = (list(chans) + [None] * 4)[:4]
        passes[name] = (base / src, chans)
    common = base / raw["common"] if raw.get("common") else None
    return {"common": common, "passes": passes, "base": base}


class ShadertoyEffect(MultipassEffect):
    """A Shadertoy shader (single pass or buffers A-D), drawn like an ISF effect."""

    def __init__(self, path: str | Path, label: str | None = None) -> None:
        super().__init__(Path(path), label)
        self.desc = describe(self.path)
        self.params = PARAMS
        self.kind = self._kind()

    def _kind(self) -> str:
        chans = [c for _, cs in self.desc["passes"].values() for c in cs]
        return "filter" if any(c in ("input", "inputImage") for c in chans) else "generator"

    def watch_files(self) -> list[Path]:
        d = getattr(self, "desc", None)
        if d is None:
            return [self.path]
        files = [self.path] if self.path.is_file() else []
        files += [p for p, _ in d["passes"].values()] + ([d["common"]] if d["common"] else [])
        return files

    def _source(self, name: str, src: Path, common: Path | None) -> Source:
        files: list[Path] = []
        out = PRELUDE.splitlines()
        origin = [(-1, 0)] * len(out)
        for f in ([common] if common else []) + [src]:
            try:
                text = f.read_text(errors="replace")
            except OSError as exc:
                raise ISFError(f"{f}:1: cannot read ({exc.strerror})") from None
            files.append(f)
            for n, line in enumerate(text.splitlines(), 1):
                out.append("" if line.lstrip().startswith("#version") else line)
                origin.append((len(files) - 1, n))
        alpha = "1.0" if name == "image" else "c.a"
        out.append(f"void main() {{ vec4 c = vec4(0.0, 0.0, 0.0, 1.0); mainImage(c, gl_FragCoord.xy); "
                   f"st_FragColor = vec4(c.rgb, {alpha}); }}")
        origin.append((-1, 0))
        return Source("\n".join(out) + "\n", files, origin)

    def _compile(self) -> list[Stage]:
        from OpenGL import GL

        desc = describe(self.path)
        vert = Source(VERTEX, [], [])
        stages: list[Stage] = []
        images: dict[str, Path] = {}
        try:
            for name, (src, chans) in desc["passes"].items():
                prog = link_program(vert, self._source(name, src, desc["common"]), f"{self.label} {name}")
                samplers = []
                for i, c in enumerate(chans):
                    if c in BUFFERS:
                        s = f"target:{c}"
                    elif c in ("input", "inputImage"):
                        s = "input:inputImage"
                    elif c in ("audio", "music"):
                        s = "audio:shadertoy"
                    elif c in ("wave", "fft"):
                        s = f"audio:{c}"
                    elif c and Path(str(c)).suffix.lower() in IMAGE_SUFFIXES:
                        images[str(c)] = desc["base"] / str(c)
                        s = f"imported:{c}"
                    elif not c or c in ("none", "keyboard"):
                        s = "none"  # black (no keyboard texture here)
                    else:
                        raise ISFError(f"{src}:1: iChannel{i} of {name}: unknown source {c!r} "
                                       "(bufferA-D, input, audio, wave, fft, an image file or null)")
                    samplers.append((f"iChannel{i}", s))
                target = "" if name == "image" else name
                stages.append(Stage(prog, target, True, True, None, None, samplers))
            uploaded = self._upload_images(images)
        except Exception:
            for st in stages:
                GL.glDeleteProgram(st.program)
            raise
        for tex, _ in self.images.values():
            GL.glDeleteTextures([tex])
        self.images, self.desc = uploaded, desc
        self.kind = self._kind()
        return stages

    def _stage_uniforms(self, GL, st: Stage, index: int, size: tuple[int, int], ctx: dict) -> None:
        loc = lambda n: self._loc(st, n)  # noqa: E731
        w, h = size
        vals = ctx["values"]
        if loc("iResolution") >= 0:
            GL.glUniform3f(loc("iResolution"), float(w), float(h), 1.0)
        for n, v in (("iTime", ctx["time"]), ("iTimeDelta", ctx["dt"]), ("iSampleRate", 48000.0),
                     ("iFrameRate", 1.0 / ctx["dt"] if ctx["dt"] > 0 else 60.0)):
            if loc(n) >= 0:
                GL.glUniform1f(loc(n), float(v))
        if loc("iFrame") >= 0:
            GL.glUniform1i(loc("iFrame"), int(ctx["frame"]))
        if loc("iDate") >= 0:
            GL.glUniform4f(loc("iDate"), float(ctx["date"][0]), float(ctx["date"][1]) - 1.0, float(ctx["date"][2]),
                           float(ctx["date"][3]))
        if loc("iMouse") >= 0:
            mx, my = vals.get("mouse.x", 0.5) * w, vals.get("mouse.y", 0.5) * h
            sign = 1.0 if vals.get("mouse.down", 0.0) > 0.5 else -1.0
            GL.glUniform4f(loc("iMouse"), mx, my, sign * mx, sign * my)
        for i, (_, source) in enumerate(st.samplers):
            l = loc(f"iChannelResolution[{i}]")
            if l < 0:
                continue
            kind, _, key = source.partition(":")
            if kind == "target" and key in self.buffers:
                cw, ch = self.buffers[key].size
            elif kind == "imported" and key in self.images:
                cw, ch = self.images[key][1]
            elif source == "audio:shadertoy":
                cw, ch = 512, 2
            elif kind == "input":
                cw, ch = ctx["size"]
            else:
                cw, ch = 1, 1
            GL.glUniform3f(l, float(cw), float(ch), 1.0)
        l = loc("iChannelTime[0]")
        if l >= 0:
            GL.glUniform1fv(l, 4, [float(ctx["time"])] * 4)
