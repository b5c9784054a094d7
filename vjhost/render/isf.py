"""ISF (Interactive Shader Format) v1/v2 host: parse ``.fs`` files, compile them for GL 3.3 core, run their passes.

An ISF file is a GLSL 1.x fragment shader whose first ``/* ... */`` comment is
a JSON header (``INPUTS``, ``PASSES``, ``IMPORTED`` ...).  This module

* parses the header leniently (trailing commas, lowercase keys, v1 fields
  such as ``PERSISTENT_BUFFERS``) -- :func:`parse_isf`, :func:`read_header`;
* turns every input into uniforms and into :class:`~vjhost.protocols.Param`
  objects (``point2D``/``color`` become ``name.x``/``name.y`` and
  ``name.r``/``.g``/``.b``/``.a``) -- :func:`isf_params`;
* converts the source for a ``#version 330 core`` context and maps compiler
  messages back to ``file:line`` -- :func:`translate`;
* renders all passes (named, persistent, float and resized targets,
  ``WIDTH``/``HEIGHT`` expressions evaluated without ``eval``) --
  :class:`ISFEffect`, which also draws transitions
  (:meth:`ISFEffect.draw_transition`);
* feeds ``audio``/``audioFFT`` inputs from :class:`AudioTextures`.

Everything GL happens on the thread that owns the context.  Parsing is pure
Python and cheap (the effect registry reads headers only).
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
import time as _time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..protocols import Features, Param
from .shaders import ShaderError, ShaderFinder, Source, format_log

KINDS = ("filter", "transition", "generator")
_TYPES = {t.lower(): t for t in ("event", "bool", "long", "float", "point2D", "color", "image", "audio", "audioFFT")}
SAMPLER_TYPES = ("image", "audio", "audioFFT")


class ISFError(ShaderError):
    """An ISF file could not be read or its header is invalid.  ``str()`` starts with ``file:line:``."""


# =========================================================================== header parsing


@dataclass
class ISFInput:
    name: str
    type: str  #: canonical ISF type name, e.g. "point2D"
    default: Any = None
    min: Any = None
    max: Any = None
    identity: Any = None
    values: tuple = ()
    labels: tuple = ()
    label: str = ""


@dataclass
class ISFPass:
    target: str = ""
    persistent: bool = False
    float: bool = False
    width: str | float | None = None  #: expression, None = render width
    height: str | float | None = None


@dataclass
class ISFDoc:
    path: Path
    header: dict
    body: str  #: the whole file text (the header is a comment, so it stays in the GLSL)
    version: int = 2
    description: str = ""
    credit: str = ""
    categories: tuple[str, ...] = ()
    inputs: list[ISFInput] = field(default_factory=list)
    passes: list[ISFPass] = field(default_factory=list)
    imported: dict[str, Path] = field(default_factory=dict)
    vertex: Path | None = None  #: the optional same-name ``.vs``

    @property
    def kind(self) -> str:
        return isf_kind(self.inputs)

    def input(self, name: str) -> ISFInput | None:
        return next((i for i in self.inputs if i.name == name), None)

    @property
    def files(self) -> list[Path]:
        return [self.path] + ([self.vertex] if self.vertex else []) + list(self.imported.values())


def isf_kind(inputs: Iterable[ISFInput]) -> str:
    by = {i.name: i.type for i in inputs}
    if by.get("startImage") == "image" and by.get("endImage") == "image" and by.get("progress") == "float":
        return "transition"
    if by.get("inputImage") == "image":
        return "filter"
    return "generator"


_COMMENT = re.compile(r"/\*(.*?)\*/", re.S)


def _strip_trailing_commas(text: str) -> str:
    """Drop commas that close a JSON object/array, leaving strings alone.  Newlines are kept (line numbers)."""
    out: list[str] = []
    i, n, in_str = 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif c == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j >= n or text[j] not in "}]":
                out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _upper_keys(d: Any) -> Any:
    return {str(k).upper(): v for k, v in d.items()} if isinstance(d, dict) else d


def read_header(text: str, path: Path | str = "<isf>") -> tuple[dict, int]:
    """The JSON header of an ISF source and the 1-based line it starts on.  Raises :class:`ISFError`."""
    m = _COMMENT.search(text)
    if not m:
        raise ISFError(f"{path}:1: no /* JSON */ header comment (not an ISF file)")
    start_line = text.count("\n", 0, m.start(1)) + 1
    raw = _strip_trailing_commas(m.group(1))
    try:
        header = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ISFError(f"{path}:{start_line + exc.lineno - 1}: ISF header is not valid JSON: {exc.msg}") from None
    if not isinstance(header, dict):
        raise ISFError(f"{path}:{start_line}: ISF header must be a JSON object")
    return _upper_keys(header), start_line


def _flag(v: Any) -> bool:
    """JSON booleans as real files write them: true, 1, "true", "YES"."""
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return bool(v)


def _num(v: Any, default: Any = None) -> Any:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, (list, tuple)):
        return tuple(float(x) for x in v if isinstance(x, (int, float, bool)))
    return default


def parse_isf(path: str | Path, text: str | None = None) -> ISFDoc:
    """Parse an ISF file's header (no GL).  Raises :class:`ISFError` naming ``file:line``."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(errors="replace")
        except OSError as exc:
            raise ISFError(f"{path}:1: cannot read ({exc.strerror})") from None
    text = text.lstrip("\ufeff")
    h, line = read_header(text, path)
    try:
        version = int(str(h.get("ISFVSN", "1")).split(".")[0])
    except ValueError:
        version = 2
    doc = ISFDoc(path=path, header=h, body=text, version=version,
                 description=str(h.get("DESCRIPTION", "") or ""), credit=str(h.get("CREDIT", "") or ""),
                 categories=tuple(str(c) for c in (h.get("CATEGORIES") or ()) if isinstance(c, str)))
    seen = set()
    for raw in h.get("INPUTS") or ():
        d = _upper_keys(raw)
        if not isinstance(d, dict) or "NAME" not in d:
            raise ISFError(f"{path}:{line}: every INPUTS entry needs a NAME")
        name, typ = str(d["NAME"]), _TYPES.get(str(d.get("TYPE", "")).lower())
        if typ is None:
            raise ISFError(f"{path}:{line}: input {name!r} has unknown TYPE {d.get('TYPE')!r}")
        if not re.fullmatch(r"[A-Za-z_]\w*", name) or name in seen:
            raise ISFError(f"{path}:{line}: input name {name!r} is not a unique GLSL identifier")
        seen.add(name)
        doc.inputs.append(ISFInput(name, typ, _num(d.get("DEFAULT")), _num(d.get("MIN")), _num(d.get("MAX")),
                                   _num(d.get("IDENTITY")), tuple(_num(d.get("VALUES"), ()) or ()),
                                   tuple(str(x) for x in (d.get("LABELS") or ())), str(d.get("LABEL", "") or "")))
    persistent = h.get("PERSISTENT_BUFFERS") or {}  # v1: list of names, or {name: {WIDTH, HEIGHT, FLOAT}}
    if isinstance(persistent, str):
        persistent = [persistent]
    pers = {str(n): {} for n in persistent} if isinstance(persistent, list) else \
        {str(k): _upper_keys(v) if isinstance(v, dict) else {} for k, v in persistent.items()}
    for raw in h.get("PASSES") or ():
        d = _upper_keys(raw) if isinstance(raw, dict) else {}
        target = str(d.get("TARGET", "") or "")
        p1 = pers.get(target, {}) if target else {}
        doc.passes.append(ISFPass(target, _flag(d.get("PERSISTENT", target in pers)),
                                  _flag(d.get("FLOAT", p1.get("FLOAT", False))),
                                  d.get("WIDTH", p1.get("WIDTH")), d.get("HEIGHT", p1.get("HEIGHT"))))
    if not doc.passes:
        doc.passes.append(ISFPass())
    imported = h.get("IMPORTED") or {}
    items = imported.items() if isinstance(imported, dict) else \
        ((_upper_keys(v).get("NAME"), v) for v in imported if isinstance(v, dict))
    for name, v in items:
        v = _upper_keys(v) if isinstance(v, dict) else {"PATH": v}
        name = str(v.get("NAME") or name)
        if not v.get("PATH"):
            raise ISFError(f"{path}:{line}: IMPORTED image {name!r} has no PATH")
        doc.imported[name] = (path.parent / str(v["PATH"])).resolve()
    vs = path.with_suffix(".vs")
    doc.vertex = vs if vs.is_file() else None
    return doc


# =========================================================================== params


def isf_params(doc_or_inputs: ISFDoc | Iterable[ISFInput]) -> tuple[Param, ...]:
    """Every non-texture input as ranged float params (``point2D``/``color`` split into components)."""
    inputs = doc_or_inputs.inputs if isinstance(doc_or_inputs, ISFDoc) else doc_or_inputs
    out: list[Param] = []
    for i in inputs:
        desc = i.label or i.type
        if i.type == "float":
            d = i.default if isinstance(i.default, float) else 0.0
            lo = i.min if isinstance(i.min, float) else min(0.0, d)
            hi = i.max if isinstance(i.max, float) else max(1.0, d)
            out.append(Param(i.name, d, min(lo, d), max(hi, d), desc))
        elif i.type == "long":
            vals = [v for v in i.values if isinstance(v, float)]
            lo = min(vals) if vals else (i.min if isinstance(i.min, float) else 0.0)
            hi = max(vals) if vals else (i.max if isinstance(i.max, float) else max(1.0, lo))
            d = i.default if isinstance(i.default, float) else (vals[0] if vals else lo)
            labels = ", ".join(f"{int(v)}={lab}" for v, lab in zip(vals, i.labels)) if i.labels else ""
            out.append(Param(i.name, d, min(lo, d), max(hi, d), f"{desc} {labels}".strip()))
        elif i.type in ("bool", "event"):
            d = i.default if isinstance(i.default, float) else 0.0
            out.append(Param(i.name, 1.0 if d > 0.5 else 0.0, 0.0, 1.0, desc))
        elif i.type in ("point2D", "color"):
            comps = "xy" if i.type == "point2D" else "rgba"
            base = (0.0, 0.0) if i.type == "point2D" else (0.0, 0.0, 0.0, 1.0)
            d = tuple(i.default) + base[len(i.default):] if isinstance(i.default, tuple) else base
            for k, c in enumerate(comps):
                lo = i.min[k] if isinstance(i.min, tuple) and len(i.min) > k else min(0.0, d[k])
                hi = i.max[k] if isinstance(i.max, tuple) and len(i.max) > k else max(1.0, d[k])
                out.append(Param(f"{i.name}.{c}", d[k], min(lo, d[k]), max(hi, d[k]), desc))
    return tuple(out)


# =========================================================================== size expressions

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_FUNCS = {"floor": math.floor, "ceil": math.ceil, "max": max, "min": min, "abs": abs, "round": round,
          "sqrt": math.sqrt, "pow": pow, "clamp": lambda x, a, b: min(max(x, a), b)}
_cache: dict[str, ast.Expression] = {}


def eval_expr(expr: str | float | int, variables: Mapping[str, float]) -> float:
    """Evaluate an ISF size expression such as ``floor($WIDTH/4.0)`` without ``eval``.

    Numbers, ``$NAME`` variables, ``+ - * / % **``, parentheses and
    floor/ceil/max/min/abs/round/sqrt/pow/clamp.  Raises ValueError otherwise.
    """
    if isinstance(expr, bool):
        return float(expr)
    if isinstance(expr, (int, float)):
        return float(expr)
    text = str(expr)
    tree = _cache.get(text)
    if tree is None:
        try:
            tree = ast.parse(re.sub(r"\$(\w+)", r"_v_\1", text).strip(), mode="eval")
        except SyntaxError:
            raise ValueError(f"bad size expression {text!r}") from None
        _cache[text] = tree

    def ev(n: ast.AST) -> float:
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            return float(n.value)
        if isinstance(n, ast.Name) and n.id.startswith("_v_"):
            key = n.id[3:]
            if key not in variables:
                raise ValueError(f"unknown variable ${key} in {text!r}")
            return float(variables[key])
        if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
            a, b = ev(n.left), ev(n.right)
            if isinstance(n.op, ast.Pow) and (abs(b) > 16 or abs(a) > 1e6):
                raise ValueError(f"exponent too large in {text!r}")
            try:
                return float(_BINOPS[type(n.op)](a, b))
            except ZeroDivisionError:
                raise ValueError(f"division by zero in {text!r}") from None
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            v = ev(n.operand)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCS and not n.keywords:
            return float(_FUNCS[n.func.id](*(ev(a) for a in n.args)))
        raise ValueError(f"unsupported size expression {text!r}")

    return ev(tree)


# =========================================================================== GLSL conversion

_COMMON_SUBS = [
    (re.compile(r"\bgl_FragColor\b"), "isf_FragColor"),
    (re.compile(r"\bgl_FragData\s*\[\s*0\s*\]"), "isf_FragColor"),
    (re.compile(r"\btexture2DRect\b"), "texture"),
    (re.compile(r"\btexture2DLod\b"), "textureLod"),
    (re.compile(r"\btexture2DProj\b"), "textureProj"),
    (re.compile(r"\btexture2D\b"), "texture"),
    (re.compile(r"\btextureCube\b"), "texture"),
    (re.compile(r"\bsampler2DRect\b"), "sampler2D"),
    (re.compile(r"\bvv_FragNormCoord\b"), "isf_FragNormCoord"),
    (re.compile(r"\bvv_vertShaderInit\b"), "isf_vertShaderInit"),
]
_VARYING = re.compile(r"\bvarying\b")
_ATTRIBUTE = re.compile(r"\battribute\b")
_VERSION = re.compile(r"^\s*#\s*version\b")

IMG_MACROS = """#define IMG_SIZE(img) vec2(textureSize(img, 0))
#define IMG_NORM_PIXEL(img, uv) texture(img, uv)
#define IMG_PIXEL(img, px) texture(img, (px) / vec2(textureSize(img, 0)))
#define IMG_THIS_NORM_PIXEL(img) texture(img, isf_FragNormCoord)
#define IMG_NORM_THIS_PIXEL(img) texture(img, isf_FragNormCoord)
#define IMG_THIS_PIXEL(img) texture(img, isf_FragNormCoord)
"""

VERT_INIT = """vec4 isf_VertPos;
vec2 isf_VertNorm;
void isf_vertShaderInit() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    isf_VertNorm = p;
    isf_VertPos = vec4(p * 2.0 - 1.0, 0.0, 1.0);
    isf_FragNormCoord = p;
    gl_Position = isf_VertPos;
}
"""


def sampler_names(doc: ISFDoc) -> list[str]:
    """Every sampler the program declares: image/audio inputs, imported images, pass targets (in that order)."""
    names = [i.name for i in doc.inputs if i.type in SAMPLER_TYPES] + list(doc.imported)
    for p in doc.passes:
        if p.target and p.target not in names:
            names.append(p.target)
    return names


def _declarations(doc: ISFDoc) -> list[str]:
    out = ["uniform int PASSINDEX;", "uniform vec2 RENDERSIZE;", "uniform float TIME;", "uniform float TIMEDELTA;",
           "uniform vec4 DATE;", "uniform int FRAMEINDEX;"]
    glsl = {"event": "bool", "bool": "bool", "long": "int", "float": "float", "point2D": "vec2", "color": "vec4"}
    for i in doc.inputs:
        if i.type in glsl:
            out.append(f"uniform {glsl[i.type]} {i.name};")
    for s in sampler_names(doc):
        out.append(f"uniform sampler2D {s}; uniform vec4 _{s}_imgRect; uniform vec2 _{s}_imgSize; "
                   f"uniform bool _{s}_flip;")
    return out


def _convert(text: str, file_no: int, varying: str, out: list[str], origin: list[tuple[int, int]]) -> None:
    for n, line in enumerate(text.splitlines(), 1):
        if _VERSION.match(line):
            line = ""
        for rx, rep in _COMMON_SUBS:
            line = rx.sub(rep, line)
        line = _ATTRIBUTE.sub("in", _VARYING.sub(varying, line))
        out.append(line)
        origin.append((file_no, n))


def translate(doc: ISFDoc) -> tuple[Source, Source]:
    """(vertex, fragment) sources for a 3.3 core context, each line mapped to its file and line."""
    decl = _declarations(doc)
    files = [doc.path] + ([doc.vertex] if doc.vertex else [])
    # fragment
    out = ["#version 330 core", "out vec4 isf_FragColor;", "in vec2 isf_FragNormCoord;", *decl,
           *IMG_MACROS.splitlines()]
    origin = [(-1, 0)] * len(out)
    _convert(doc.body, 0, "in", out, origin)
    frag = Source("\n".join(out) + "\n", files, origin)
    # vertex
    out = ["#version 330 core", "out vec2 isf_FragNormCoord;", *decl, *IMG_MACROS.splitlines(), *VERT_INIT.splitlines()]
    origin = [(-1, 0)] * len(out)
    if doc.vertex:
        try:
            vtext = doc.vertex.read_text(errors="replace")
        except OSError as exc:
            raise ISFError(f"{doc.vertex}:1: cannot read ({exc.strerror})") from None
        _convert(vtext, 1, "out", out, origin)
    else:
        out.append("void main() { isf_vertShaderInit(); }")
        origin.append((-1, 0))
    vert = Source("\n".join(out) + "\n", files, origin)
    return vert, frag


def _log_text(log: bytes | str) -> str:
    return log.decode(errors="replace") if isinstance(log, bytes) else str(log)


def link_program(vert: Source, frag: Source, label: str) -> int:
    """Compile both stages and link; raise ShaderError with ``file:line:`` messages."""
    from OpenGL import GL

    shaders = []
    try:
        for kind, src, what in ((GL.GL_VERTEX_SHADER, vert, "vertex"), (GL.GL_FRAGMENT_SHADER, frag, "fragment")):
            s = GL.glCreateShader(kind)
            shaders.append(s)
            GL.glShaderSource(s, src.text)
            GL.glCompileShader(s)
            if not GL.glGetShaderiv(s, GL.GL_COMPILE_STATUS):
                log = _log_text(GL.glGetShaderInfoLog(s))
                raise ShaderError(f"{label}: {what} compile failed\n" + format_log(log, src))
        prog = GL.glCreateProgram()
        for s in shaders:
            GL.glAttachShader(prog, s)
        GL.glLinkProgram(prog)
        if not GL.glGetProgramiv(prog, GL.GL_LINK_STATUS):
            log = _log_text(GL.glGetProgramInfoLog(prog))
            GL.glDeleteProgram(prog)
            raise ShaderError(f"{label}: link failed\n{log}")
        return prog
    finally:
        for s in shaders:
            GL.glDeleteShader(s)


# =========================================================================== images


def load_image(path: Path) -> np.ndarray:
    """Decode a PNG/JPEG (anything FFmpeg reads) to (H, W, 4) uint8, top row first."""
    try:
        import av

        with av.open(str(path)) as c:
            for frame in c.decode(video=0):
                return frame.to_ndarray(format="rgba")
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a shader-level error
        raise ISFError(f"{path}:1: cannot decode image ({exc})") from None
    raise ISFError(f"{path}:1: no image in file")


def _new_texture(GL, w: int, h: int, float_: bool = False, data: np.ndarray | None = None, linear: bool = True) -> int:
    t = GL.glGenTextures(1)
    GL.glBindTexture(GL.GL_TEXTURE_2D, t)
    GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
    if float_:
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA32F, w, h, 0, GL.GL_RGBA, GL.GL_FLOAT, data)
    else:
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, data)
    f = GL.GL_LINEAR if linear else GL.GL_NEAREST
    for k, v in ((GL.GL_TEXTURE_MIN_FILTER, f), (GL.GL_TEXTURE_MAG_FILTER, f),
                 (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
        GL.glTexParameteri(GL.GL_TEXTURE_2D, k, v)
    return t


# =========================================================================== audio textures


class AudioTextures:
    """Waveform and spectrum textures for ISF ``audio``/``audioFFT`` inputs and Shadertoy's music channel.

    Call :meth:`update` with the latest data (any thread: it only stores
    arrays); the textures are uploaded lazily on the GL thread when a shader
    asks for them.  ``Features`` carries no full spectrum (the
    ``SpectrumAnalyzer`` keeps its magnitudes private), so when no
    ``spectrum`` is given the FFT row is interpolated from ``Features.bands``
    (8 log-spaced bands, 40 Hz..16 kHz) onto ``bins`` linear-frequency bins
    from 0 to ``max_hz``.

    * waveform: ``samples`` x channels, RGBA32F, r=g=b = 0.5 + 0.5 * sample (0.5 = silence)
    * fft: ``bins`` x 1, RGBA32F, r=g=b = magnitude 0..1
    * shadertoy: 512 x 2, row 0 spectrum, row 1 waveform (0..1), as Shadertoy's music input
    """

    BAND_CENTRES_HZ = np.sqrt(np.geomspace(40.0, 16000.0, 9)[:-1] * np.geomspace(40.0, 16000.0, 9)[1:])

    def __init__(self, samples: int = 512, bins: int = 256, channels: int = 1, max_hz: float = 16000.0) -> None:
        self.samples, self.bins, self.channels, self.max_hz = samples, bins, channels, max_hz
        self.wave = np.zeros((channels, samples), np.float32)
        self.fft = np.zeros(bins, np.float32)
        self._dirty = True
        self._tex: dict[str, int] = {}
        self.sample_rate = 48000.0

    @staticmethod
    def _resample(x: np.ndarray, n: int) -> np.ndarray:
        x = np.asarray(x, np.float32).reshape(-1)
        if len(x) == n:
            return x
        if len(x) == 0:
            return np.zeros(n, np.float32)
        return np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)

    def bands_to_fft(self, bands: np.ndarray) -> np.ndarray:
        freqs = (np.arange(self.bins) + 0.5) * (self.max_hz / self.bins)
        pos = np.log(np.maximum(freqs, 1.0))
        return np.interp(pos, np.log(self.BAND_CENTRES_HZ), np.asarray(bands, np.float32)[:8]).astype(np.float32)

    def update(self, features: Features | None = None, waveform: np.ndarray | None = None,
               spectrum: np.ndarray | None = None) -> None:
        """New data for this frame: ``waveform`` (n,) or (channels, n) in -1..1; ``spectrum`` magnitudes 0..1."""
        if waveform is not None:
            w = np.asarray(waveform, np.float32)
            rows = w.reshape(1, -1) if w.ndim == 1 else w
            for c in range(self.channels):
                self.wave[c] = self._resample(rows[min(c, len(rows) - 1)], self.samples)
        if spectrum is not None:
            self.fft = np.clip(self._resample(spectrum, self.bins), 0.0, 1.0)
        elif features is not None:
            self.fft = np.clip(self.bands_to_fft(features.bands), 0.0, 1.0)
        self._dirty = True

    def _upload(self) -> None:
        from OpenGL import GL

        wave = 0.5 + 0.5 * np.clip(self.wave, -1.0, 1.0)
        st = np.stack([self._resample(self.fft, 512), self._resample(wave[0], 512)])
        for key, rows in (("wave", wave), ("fft", self.fft[None, :]), ("shadertoy", st)):
            rgba = np.ascontiguousarray(np.repeat(rows[..., None], 4, axis=-1), np.float32)
            rgba[..., 3] = 1.0
            h, w = rows.shape
            if key not in self._tex:
                self._tex[key] = _new_texture(GL, w, h, True, rgba, linear=False)
            else:
                GL.glBindTexture(GL.GL_TEXTURE_2D, self._tex[key])
                GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
                GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, w, h, GL.GL_RGBA, GL.GL_FLOAT, rgba)
        self._dirty = False

    def texture(self, kind: str) -> int:
        """``"wave"``, ``"fft"`` or ``"shadertoy"``: the GL texture, uploaded if the data changed.  GL thread only."""
        if self._dirty or kind not in self._tex:
            self._upload()
        return self._tex[kind]

    def release(self) -> None:
        from OpenGL import GL

        if self._tex:
            GL.glDeleteTextures(list(self._tex.values()))
        self._tex = {}
        self._dirty = True


# =========================================================================== the multipass runner


class _Buffer:
    """A named pass target, double-buffered so a pass can read what it wrote last frame."""

    def __init__(self, name: str, float_: bool) -> None:
        self.name, self.float = name, float_
        self.tex = [0, 0]
        self.fbo = [0, 0]
        self.size = (0, 0)
        self.read = 0

    def ensure(self, GL, w: int, h: int) -> None:
        if (w, h) == self.size:
            return
        self.release(GL)
        for i in range(2):
            self.tex[i] = _new_texture(GL, w, h, self.float)
            self.fbo[i] = GL.glGenFramebuffers(1)
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.fbo[i])
            GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, self.tex[i], 0)
            GL.glClearColor(0, 0, 0, 0)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT)
        self.size = (w, h)

    @property
    def read_tex(self) -> int:
        return self.tex[self.read]

    def release(self, GL) -> None:
        if self.tex[0]:
            GL.glDeleteTextures([t for t in self.tex if t])
            GL.glDeleteFramebuffers(len(self.fbo), [f for f in self.fbo if f])
        self.tex, self.fbo, self.size = [0, 0], [0, 0], (0, 0)


@dataclass
class Stage:
    """One pass of a multipass shader: its program and where it draws."""

    program: int
    target: str = ""  #: "" = the output
    persistent: bool = False
    float: bool = False
    width: Any = None
    height: Any = None
    #: (sampler uniform, source) with source "input:NAME", "target:NAME", "imported:NAME", "audio:wave|fft|shadertoy"
    samplers: list[tuple[str, str]] = field(default_factory=list)
    locations: dict[str, int] = field(default_factory=dict)


class MultipassEffect:
    """Base of :class:`ISFEffect` and the Shadertoy importer: builds stages, allocates targets, draws.

    Subclasses implement :meth:`_compile` (returns the new stages, raises
    ShaderError) and :meth:`_stage_uniforms`.
    """

    kind = "generator"

    def __init__(self, path: Path, label: str | None = None) -> None:
        self.path = Path(path)
        self.label = label or self.path.name
        self.params: tuple[Param, ...] = ()
        self.stages: list[Stage] = []
        self.buffers: dict[str, _Buffer] = {}
        self.images: dict[str, tuple[int, tuple[int, int]]] = {}
        self.frame = 0
        self._last_time: float | None = None
        self._vao = 0
        self._black = 0
        self._t0: float | None = None
        self._mtimes: dict[Path, float] = {}

    # -------------------------------------------------------------- building
    def watch_files(self) -> list[Path]:
        return [self.path]

    def file_mtimes(self) -> dict[Path, float]:
        out = {}
        for f in self.watch_files():
            try:
                out[f] = f.stat().st_mtime
            except OSError:  # e.g. no .vs: not watched
                pass
        return out

    def changed(self) -> bool:
        return self.file_mtimes() != self._mtimes

    def _compile(self) -> list[Stage]:  # pragma: no cover - abstract
        raise NotImplementedError

    def build(self) -> None:
        """(Re)parse and compile.  On failure raise ShaderError and keep the previous program (if any)."""
        from OpenGL import GL

        self._mtimes = self.file_mtimes()
        stages = self._compile()
        for old in self.stages:
            if old.program and all(old.program != s.program for s in stages):
                GL.glDeleteProgram(old.program)
        self.stages = stages
        for st in stages:
            GL.glUseProgram(st.program)
            for unit, (name, _) in enumerate(st.samplers):
                loc = GL.glGetUniformLocation(st.program, name)
                if loc >= 0:
                    GL.glUniform1i(loc, unit)

    @property
    def program(self) -> int:
        return self.stages[0].program if self.stages else 0

    def release(self) -> None:
        from OpenGL import GL

        for prog in dict.fromkeys(st.program for st in self.stages if st.program):  # (passes share an ISF's program)
            GL.glDeleteProgram(prog)
        for b in self.buffers.values():
            b.release(GL)
        for tex, _ in self.images.values():
            GL.glDeleteTextures([tex])
        self.stages, self.buffers, self.images = [], {}, {}

    def _upload_images(self, paths: Mapping[str, Path]) -> dict[str, tuple[int, tuple[int, int]]]:
        from OpenGL import GL

        out = {}
        for name, p in paths.items():
            img = load_image(p)
            h, w = img.shape[:2]
            out[name] = (_new_texture(GL, w, h, False, np.ascontiguousarray(img[::-1])), (w, h))
        return out

    def _loc(self, st: Stage, name: str) -> int:
        loc = st.locations.get(name)
        if loc is None:
            from OpenGL import GL

            loc = st.locations[name] = GL.glGetUniformLocation(st.program, name)
        return loc

    # -------------------------------------------------------------- drawing
    def _black_tex(self, GL) -> int:
        if not self._black:
            self._black = _new_texture(GL, 1, 1, False, np.array([0, 0, 0, 255], np.uint8))
        return self._black

    def _texture(self, GL, source: str, inputs: Mapping[str, int], audio: AudioTextures | None) -> int:
        kind, _, name = source.partition(":")
        if kind == "input":
            return inputs.get(name) or self._black_tex(GL)
        if kind == "target":
            b = self.buffers.get(name)
            return b.read_tex if b and b.tex[0] else self._black_tex(GL)
        if kind == "imported":
            return self.images[name][0] if name in self.images else self._black_tex(GL)
        if kind == "audio" and audio is not None:
            return audio.texture(name)
        return self._black_tex(GL)

    def _stage_uniforms(self, GL, st: Stage, index: int, size: tuple[int, int], ctx: dict) -> None:  # pragma: no cover
        raise NotImplementedError

    def draw(self, dst: Any, size: tuple[int, int] | None = None, *, values: Mapping[str, float] | None = None,
             inputs: Mapping[str, int] | None = None, time: float | None = None, dt: float | None = None,
             audio: AudioTextures | None = None, date: tuple[float, float, float, float] | None = None) -> None:
        """Render every pass; the last one into framebuffer ``dst`` (an FBO id or an object with ``.fbo``) at ``size``.

        ``values``: param name -> value (see :attr:`params`); ``inputs``: image
        input name -> GL texture (a filter's ``inputImage``, a transition's
        ``startImage``/``endImage``); ``time`` in seconds (default: wall clock
        since the first draw); ``audio`` feeds ``audio``/``audioFFT`` inputs.
        ``size`` defaults to the current viewport.  Leaves the viewport at ``size``.
        """
        from OpenGL import GL

        if not self.stages:
            return
        if size is None:
            vp = GL.glGetIntegerv(GL.GL_VIEWPORT)
            size = (int(vp[2]), int(vp[3]))
        dst_fbo = getattr(dst, "fbo", dst)
        values = dict(values or {})
        inputs = dict(inputs or {})
        if time is None:
            if self._t0 is None:
                self._t0 = _time.perf_counter()
            time = _time.perf_counter() - self._t0
        if dt is None:
            dt = 0.0 if self._last_time is None else max(0.0, time - self._last_time)
        self._last_time = time
        if date is None:
            lt = _time.localtime()
            date = (lt.tm_year, lt.tm_mon, lt.tm_mday,
                    lt.tm_hour * 3600 + lt.tm_min * 60 + lt.tm_sec + (_time.time() % 1.0))
        w, h = size
        variables = {**{p.name: p.default for p in self.params}, **values}
        variables = {k: v for k, v in variables.items() if "." not in k}
        variables.update(WIDTH=w, HEIGHT=h)
        ctx = {"values": values, "time": time, "dt": dt, "date": date, "frame": self.frame, "size": size}
        if not self._vao:
            self._vao = GL.glGenVertexArrays(1)
        GL.glBindVertexArray(self._vao)
        GL.glDisable(GL.GL_BLEND)
        last = len(self.stages) - 1
        for i, st in enumerate(self.stages):
            if st.target:
                try:
                    pw = w if st.width in (None, "") else eval_expr(st.width, variables)
                    ph = h if st.height in (None, "") else eval_expr(st.height, variables)
                except ValueError:
                    pw, ph = w, h
                pw, ph = max(1, min(8192, int(pw))), max(1, min(8192, int(ph)))
                buf = self.buffers.get(st.target)
                if buf is None:
                    buf = self.buffers[st.target] = _Buffer(st.target, st.float)
                buf.ensure(GL, pw, ph)
                GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, buf.fbo[1 - buf.read])
                psize = (pw, ph)
            else:
                GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, dst_fbo)
                psize = (w, h)
            GL.glViewport(0, 0, *psize)
            GL.glUseProgram(st.program)
            for unit, (_name, source) in enumerate(st.samplers):
                GL.glActiveTexture(GL.GL_TEXTURE0 + unit)
                GL.glBindTexture(GL.GL_TEXTURE_2D, self._texture(GL, source, inputs, audio))
            self._stage_uniforms(GL, st, i, psize, ctx)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
            if st.target:
                buf.read = 1 - buf.read
                if i == last:  # the last pass writes a target too: show it
                    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, buf.fbo[buf.read])
                    GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, dst_fbo)
                    GL.glBlitFramebuffer(0, 0, *psize, 0, 0, w, h, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glViewport(0, 0, w, h)
        self.frame += 1


class ISFEffect(MultipassEffect):
    """One ISF file (plus optional ``.vs``), compiled and ready to draw.

    ``params`` lists its inputs as :class:`Param` (see :func:`isf_params`);
    ``kind`` is "filter", "transition" or "generator".
    """

    def __init__(self, path: str | Path, label: str | None = None) -> None:
        super().__init__(Path(path), label)
        self.doc = parse_isf(self.path)
        self.kind = self.doc.kind
        self.params = isf_params(self.doc)
        self._events: dict[str, bool] = {}
        self._fired: dict[str, bool] = {}

    def watch_files(self) -> list[Path]:
        vs = self.path.with_suffix(".vs")
        doc = getattr(self, "doc", None)
        return [self.path, vs] + (list(doc.imported.values()) if doc else [])

    def _compile(self) -> list[Stage]:
        from OpenGL import GL

        doc = parse_isf(self.path)
        vert, frag = translate(doc)
        prog = link_program(vert, frag, self.label)
        try:
            images = self._upload_images(doc.imported)
        except ISFError:
            GL.glDeleteProgram(prog)
            raise
        for tex, _ in self.images.values():
            GL.glDeleteTextures([tex])
        self.images = images
        self.doc, self.kind, self.params = doc, doc.kind, isf_params(doc)
        samplers = []
        for name in sampler_names(doc):
            inp = doc.input(name)
            if inp is not None:
                src = {"image": f"input:{name}", "audio": "audio:wave", "audioFFT": "audio:fft"}[inp.type]
            elif name in doc.imported:
                src = f"imported:{name}"
            else:
                src = f"target:{name}"
            samplers.append((name, src))
        for name, b in list(self.buffers.items()):  # a target's format changed: reallocate
            p = next((p for p in doc.passes if p.target == name), None)
            if p is None or p.float != b.float:
                b.release(GL)
                del self.buffers[name]
        return [Stage(prog, p.target, p.persistent, p.float, p.width, p.height, samplers) for p in doc.passes]

    def _stage_uniforms(self, GL, st: Stage, index: int, size: tuple[int, int], ctx: dict) -> None:
        loc = lambda n: self._loc(st, n)  # noqa: E731
        values = ctx["values"]
        for n, v in (("PASSINDEX", index), ("FRAMEINDEX", ctx["frame"])):
            if loc(n) >= 0:
                GL.glUniform1i(loc(n), int(v))
        if loc("RENDERSIZE") >= 0:
            GL.glUniform2f(loc("RENDERSIZE"), float(size[0]), float(size[1]))
        if loc("TIME") >= 0:
            GL.glUniform1f(loc("TIME"), float(ctx["time"]))
        if loc("TIMEDELTA") >= 0:
            GL.glUniform1f(loc("TIMEDELTA"), float(ctx["dt"]))
        if loc("DATE") >= 0:
            GL.glUniform4f(loc("DATE"), *(float(x) for x in ctx["date"]))
        defaults = {p.name: p.default for p in self.params}
        val = lambda n: float(values.get(n, defaults.get(n, 0.0)))  # noqa: E731
        for i in self.doc.inputs:
            l = loc(i.name)
            if l < 0:
                continue
            if i.type == "float":
                GL.glUniform1f(l, val(i.name))
            elif i.type == "long":
                GL.glUniform1i(l, int(round(val(i.name))))
            elif i.type == "bool":
                GL.glUniform1i(l, int(val(i.name) > 0.5))
            elif i.type == "event":
                GL.glUniform1i(l, int(self._fired.get(i.name, False)))
            elif i.type == "point2D":
                GL.glUniform2f(l, val(i.name + ".x"), val(i.name + ".y"))
            elif i.type == "color":
                GL.glUniform4f(l, *(val(f"{i.name}.{c}") for c in "rgba"))
        for name, source in st.samplers:
            l = loc(f"_{name}_imgSize")
            if l >= 0 or loc(f"_{name}_imgRect") >= 0:
                kind, _, key = source.partition(":")
                if kind == "target" and key in self.buffers:
                    w, h = self.buffers[key].size
                elif kind == "imported" and key in self.images:
                    w, h = self.images[key][1]
                else:
                    w, h = ctx["size"]
                GL.glUniform2f(l, float(w), float(h))
                GL.glUniform4f(loc(f"_{name}_imgRect"), 0.0, 0.0, float(w), float(h))

    def _event(self, name: str, value: float) -> bool:
        """An event input is true for one frame, on the rising edge of its param (button press)."""
        on = value > 0.5
        fire = on and not self._events.get(name, False)
        self._events[name] = on
        return fire

    def draw(self, dst: Any, size: tuple[int, int] | None = None, **kw: Any) -> None:
        values = kw.get("values") or {}
        defaults = {p.name: p.default for p in self.params}
        self._fired = {i.name: self._event(i.name, float(values.get(i.name, defaults.get(i.name, 0.0))))
                       for i in self.doc.inputs if i.type == "event"}
        super().draw(dst, size, **kw)

    def draw_transition(self, start_tex: int, end_tex: int, progress: float, dst: Any,
                        size: tuple[int, int] | None = None, **kw: Any) -> None:
        """Draw this transition between two textures at ``progress`` 0 (start) .. 1 (end) into ``dst``.

        ``dst`` is an FBO id or an object with ``.fbo``; ``size`` defaults to the
        current viewport; ``kw`` as :meth:`draw` (``time``, ``values`` for the
        transition's other inputs, ``audio``).
        """
        values = dict(kw.pop("values", None) or {})
        values["progress"] = float(progress)
        inputs = dict(kw.pop("inputs", None) or {})
        inputs.update(startImage=start_tex, endImage=end_tex)
        self.draw(dst, size, values=values, inputs=inputs, **kw)


# =========================================================================== finding and loading


def is_isf(name: str | Path) -> bool:
    return str(name).lower().endswith(".fs")


def load_effect(name: str | Path, finder: ShaderFinder | None = None, label: str | None = None) -> MultipassEffect:
    """An ISF (``*.fs``) or Shadertoy (``*.json`` description, ``shadertoy:PATH``) effect, parsed but not built."""
    text = str(name)
    if text.startswith("shadertoy:") or text.lower().endswith(".json"):
        from .shadertoy import ShadertoyEffect

        ref = text.removeprefix("shadertoy:")
        p = Path(ref)
        if not p.is_absolute() and finder is not None and not p.exists():
            for d in finder.dirs:
                if (d / ref).exists():
                    p = d / ref
                    break
        return ShadertoyEffect(p, label)
    path = finder.find(text) if finder is not None else Path(text)
    return ISFEffect(path, label)


def is_external(name: str | Path) -> bool:
    """Is this shader name drawn by :func:`load_effect` rather than the plain GLSL loader?"""
    text = str(name)
    return is_isf(text) or text.startswith("shadertoy:") or text.lower().endswith(".json")


def find_isf_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``.fs`` given, and every ``.fs`` under each folder given (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.suffix.lower() == ".fs" and q.is_file())
        else:
            out.append(p)
    return out
