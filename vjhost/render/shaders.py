"""Find, assemble and compile fragment shaders; report errors as ``file:line: message``.

A vjhost shader is a GLSL 3.30 fragment body.  The loader prepends
``#version 330 core`` and the standard header (``shaders/vjhost.glsl``: the
shared uniforms, ``v_uv`` and ``o_color``), expands ``#include "name"``
against the search path, and maps the driver's messages back to the right
file and line.  A program remembers the files it
was built from, so the chain can hot-reload it when one is edited.

A shader may declare *stages*: smaller passes the chain runs before it, each
into its own target, that the shader (and later stages) read as samplers --
the way a bloom or blur runs at a quarter of the resolution (a mip chain)
instead of taking dozens of full-size taps::

    #pragma vjhost stage bright 0.25        // a quarter of the pass's size
    #pragma vjhost stage blur_x 0.25
    #pragma vjhost stage ground 1x1 float   // fixed pixels; RGBA16F instead of RGBA8
    #pragma vjhost stage field 0.125 float persist   // keeps its state from frame to frame

Each stage is the same file compiled with ``#define VJ_STAGE_<name> 1`` (the
main pass has none), so one file holds them all behind ``#if defined(...)``;
its output is ``uniform sampler2D u_<name>;`` in every later stage and in the
main pass, and ``u_target_size`` is the size of the target being drawn.  A
stage's SCALE is a share of the render size.  GLSL ignores unknown pragmas,
so the file stays plain GLSL.

A ``persist`` stage is a state that lives across frames (a simulation, an
advected field, a clock): it has two targets that swap every frame, and while
it draws, its own sampler ``u_<name>`` holds what it drew on the previous
frame (all zero, alpha too, on the first frame; when the render size changes
the state is carried over, scaled to the new size); later stages and the
main pass read this frame's result.

A pass whose look is soft can draw its main pass at a share of the render
size too (``#pragma vjhost scale 0.5``): the next pass reads it with bilinear
filtering, which is the upscale, for free (the chain adds one upscale copy
only when it is the last pass).  On software GL every full-size texture read
costs about as much as a whole bare pass, so a half-size pass costs a quarter.

A pass that cuts between the pictures of past beats reads them with
``#pragma vjhost decodes N`` (1..8): ``u_decode1`` is the decoded frame the
previous beat ended on, ``u_decode2`` the one before ... (:mod:`vjhost.render.decodes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

VERTEX = """#version 330 core
out vec2 v_uv;
void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""

HEADER = "vjhost.glsl"
_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"\s*$')
_STAGE = re.compile(r"^\s*#\s*pragma\s+vjhost\s+stage\b(.*)$")
_SCALE = re.compile(r"^\s*#\s*pragma\s+vjhost\s+scale\b(.*)$")
_DECODES = re.compile(r"^\s*#\s*pragma\s+vjhost\s+decodes\b(.*)$")
_STAGE_ARGS = re.compile(r"^\s+([A-Za-z_][A-Za-z0-9_]*)\s+(?:(\d+)x(\d+)|([0-9]*\.?[0-9]+))"
                         r"(\s+float)?(\s+persist)?\s*(//.*)?$")
# Mesa: "0:12(5): error: ..."; NVIDIA: "0(12) : error C0000: ..."
_LOG_LINE = re.compile(r"^\s*(\d+)[:(](\d+)\)?(?:\(\d+\))?\s*:?\s*(.*)$")


class ShaderError(Exception):
    """A shader could not be found, assembled, compiled or linked.  ``str()`` names file and line."""


class ShaderFinder:
    """Resolve shader names against an ordered list of directories (pack first, then plugins)."""

    def __init__(self, dirs: list[Path] | tuple[Path, ...] = ()) -> None:
        self.dirs = [Path(d) for d in dirs]

    def add(self, directory: Path, first: bool = False) -> None:
        d = Path(directory)
        if d in self.dirs:
            self.dirs.remove(d)
        self.dirs.insert(0, d) if first else self.dirs.append(d)

    def find(self, name: str, relative_to: Path | None = None) -> Path:
        p = Path(name)
        if p.is_absolute():
            if p.is_file():
                return p
            raise ShaderError(f"{name}: shader file not found")
        candidates = ([relative_to] if relative_to else []) + self.dirs
        for d in candidates:
            if (d / name).is_file():
                return d / name
        raise ShaderError(f"{name}: shader not found (searched {', '.join(str(d) for d in candidates) or 'nothing'})")


@dataclass
class Source:
    text: str
    files: list[Path] = field(default_factory=list)
    #: for each line of ``text`` (0-based), the (file index, 1-based line) it came from
    origin: list[tuple[int, int]] = field(default_factory=list)

    def describe(self, line: int) -> str:
        """Where line ``line`` (1-based, as the driver reports it) of the assembled source came from."""
        if 1 <= line <= len(self.origin) and self.origin[line - 1][0] >= 0:
            f, n = self.origin[line - 1]
            return f"{self.files[f]}:{n}"
        return f"<generated>:{line}"


@dataclass(frozen=True)
class StageDecl:
    """One ``#pragma vjhost stage`` line: a sub-pass drawn before the shader's main pass."""

    name: str
    scale: float = 1.0  #: share of the pass's size (ignored when ``fixed`` is set)
    fixed: tuple[int, int] | None = None  #: a size in pixels
    float_: bool = False  #: RGBA16F target (signed, unclamped values)
    persist: bool = False  #: keeps its state: reads its own previous frame as ``u_<name>`` while it draws

    def size(self, w: int, h: int) -> tuple[int, int]:
        """The stage's target size for a pass drawn at ``w`` x ``h``."""
        if self.fixed is not None:
            return self.fixed
        return max(1, int(round(w * self.scale))), max(1, int(round(h * self.scale)))


def parse_stages(source: Source) -> list[StageDecl]:
    """The stages an assembled shader declares, in order; ShaderError names the bad line."""
    out: list[StageDecl] = []
    for i, line in enumerate(source.text.splitlines(), 1):
        m = _STAGE.match(line)
        if not m:
            continue
        a = _STAGE_ARGS.match(m.group(1))
        where = source.describe(i)
        if not a:
            raise ShaderError(f"{where}: expected '#pragma vjhost stage NAME SCALE|WxH [float] [persist]', "
                              f"got {line.strip()!r}")
        name = a.group(1)
        if any(d.name == name for d in out):
            raise ShaderError(f"{where}: stage {name!r} declared twice")
        if a.group(2):
            fixed = (int(a.group(2)), int(a.group(3)))
            if min(fixed) < 1 or max(fixed) > 4096:
                raise ShaderError(f"{where}: stage {name}: size must be 1..4096 pixels")
            decl = StageDecl(name, 1.0, fixed, bool(a.group(5)), bool(a.group(6)))
        else:
            scale = float(a.group(4))
            if not 0.0 < scale <= 1.0:
                raise ShaderError(f"{where}: stage {name}: scale must be in (0, 1], got {scale}")
            decl = StageDecl(name, scale, None, bool(a.group(5)), bool(a.group(6)))
        out.append(decl)
    return out


def parse_pass_scale(source: Source) -> float:
    """The share of the render size a shader's main pass draws at (``#pragma vjhost scale S``; 1 without)."""
    found: float | None = None
    for i, line in enumerate(source.text.splitlines(), 1):
        m = _SCALE.match(line)
        if not m:
            continue
        where = source.describe(i)
        arg = m.group(1).split("//")[0].strip()
        try:
            scale = float(arg)
        except ValueError:
            raise ShaderError(f"{where}: expected '#pragma vjhost scale S' with S in (0, 1], "
                              f"got {line.strip()!r}") from None
        if not 0.0 < scale <= 1.0:
            raise ShaderError(f"{where}: pass scale must be in (0, 1], got {scale:g}")
        if found is not None:
            raise ShaderError(f"{where}: '#pragma vjhost scale' given twice")
        found = scale
    return 1.0 if found is None else found


def parse_decodes(source: Source) -> int:
    """How many past beats' decodes a shader reads (``#pragma vjhost decodes N``, 1..8: ``u_decode1`` ..
    ``u_decodeN``, :mod:`vjhost.render.decodes`); 0 without the pragma."""
    from .decodes import MAX_DECODES

    found: int | None = None
    for i, line in enumerate(source.text.splitlines(), 1):
        m = _DECODES.match(line)
        if not m:
            continue
        where = source.describe(i)
        arg = m.group(1).split("//")[0].strip()
        if not arg.isdigit() or not 1 <= int(arg) <= MAX_DECODES:
            raise ShaderError(f"{where}: expected '#pragma vjhost decodes N' with N in 1..{MAX_DECODES}, "
                              f"got {line.strip()!r}")
        if found is not None:
            raise ShaderError(f"{where}: '#pragma vjhost decodes' given twice")
        found = int(arg)
    return found or 0


def assemble(name: str, finder: ShaderFinder, defines: dict[str, str] | None = None) -> Source:
    """Build the full fragment source for shader ``name`` (header + includes), remembering each line's origin.

    Drivers disagree on ``#line`` with source numbers, so instead every line of
    the assembled text is mapped back to its file and line here.
    """
    files: list[Path] = []
    out = ["#version 330 core"]
    origin: list[tuple[int, int]] = [(-1, 0)]
    for k, v in (defines or {}).items():
        out.append(f"#define {k} {v}")
        origin.append((-1, 0))

    def emit(path: Path, stack: tuple[Path, ...]) -> None:
        if path in stack:
            raise ShaderError(f"{path}: #include cycle ({' -> '.join(p.name for p in stack + (path,))})")
        try:
            text = path.read_text()
        except OSError as exc:
            raise ShaderError(f"{path}: cannot read ({exc.strerror})") from None
        if path not in files:
            files.append(path)
        no = files.index(path)
        for i, line in enumerate(text.splitlines(), 1):
            m = _INCLUDE.match(line)
            if m:
                inc = finder.find(m.group(1), relative_to=path.parent)
                if inc not in files:  # include once
                    emit(inc, stack + (path,))
                continue
            out.append("" if line.lstrip().startswith("#version") else line)  # the loader owns #version
            origin.append((no, i))

    emit(finder.find(HEADER), ())
    main = finder.find(name)
    if main not in files:
        emit(main, ())
    return Source("\n".join(out) + "\n", files, origin)


def format_log(log: str, source: Source) -> str:
    """Rewrite a driver log's ``0:12(5):`` prefixes as ``path/to/file.glsl:12:``."""
    lines = []
    for raw in log.strip().splitlines():
        m = _LOG_LINE.match(raw)
        lines.append(f"{source.describe(int(m.group(2)))}: {m.group(3)}" if m else raw)
    return "\n".join(lines)


def _text(log: bytes | str) -> str:
    return log.decode(errors="replace") if isinstance(log, bytes) else str(log)


def compile_program(source: Source, label: str) -> int:
    """Compile and link against the fullscreen-triangle vertex shader; raise ShaderError with the mapped log."""
    from OpenGL import GL

    def shader(kind, text: str, src: Source | None) -> int:
        s = GL.glCreateShader(kind)
        GL.glShaderSource(s, text)
        GL.glCompileShader(s)
        if not GL.glGetShaderiv(s, GL.GL_COMPILE_STATUS):
            log = _text(GL.glGetShaderInfoLog(s))
            GL.glDeleteShader(s)
            raise ShaderError(f"{label}: compile failed\n" + (format_log(log, src) if src else log))
        return s

    vs = shader(GL.GL_VERTEX_SHADER, VERTEX, None)
    try:
        fs = shader(GL.GL_FRAGMENT_SHADER, source.text, source)
    except ShaderError:
        GL.glDeleteShader(vs)
        raise
    prog = GL.glCreateProgram()
    GL.glAttachShader(prog, vs)
    GL.glAttachShader(prog, fs)
    GL.glLinkProgram(prog)
    GL.glDeleteShader(vs)
    GL.glDeleteShader(fs)
    if not GL.glGetProgramiv(prog, GL.GL_LINK_STATUS):
        log = _text(GL.glGetProgramInfoLog(prog))
        GL.glDeleteProgram(prog)
        raise ShaderError(f"{label}: link failed\n{log}")
    return prog
