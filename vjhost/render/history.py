"""Past frames of a pass's input: a ring buffer a shader can read (``#pragma vjhost history N [SIZE]``).

The chain passes each effect the picture so far (``u_input``) and last
frame's final output (``u_prev``).  A pass that shows the picture as it was
a moment ago -- a wall of monitors each running a different delay, echoes,
time slices -- needs more frames than that.  A shader asks for them with::

    #pragma vjhost history 32 480x270    // N frames (1..128) at WxH pixels, or at a SCALE of the render size
    #include "history.glsl"               // u_history, u_history_ring and vj_history(uv, delay)

Every frame the pass draws, its input is first copied (bilinear, scaled to
the ring's size) into the next layer of a texture array of N layers; then
``vj_history(uv, delay)`` reads the input ``delay`` frames ago (0 = this
frame's).  A delay further back than the frames recorded so far gives the
oldest one: when the pass starts -- at the beginning, after it was off (amount
0, toggled off, or bypassed) for a frame or more, or after the ring's size
changed -- every delay shows the present and the delays spread out as frames
come in, so a switched-on delay grid never shows stale pictures.
Without a SIZE the ring is half the render size.

Cost: one copy at the ring's size per frame the pass draws, and N layers of
texture memory (32 x 480x270 RGBA8 is 16 MB); the array and its framebuffers
are made when the pass is built or the size changes, never per frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .shaders import ShaderError, Source

if TYPE_CHECKING:
    from .chain import Renderer

MAX_FRAMES = 128  #: the most frames a pass may keep
_HISTORY = re.compile(r"^\s*#\s*pragma\s+vjhost\s+history\b(.*)$")
_ARGS = re.compile(r"^\s+(\d+)(?:\s+(?:(\d+)x(\d+)|([0-9]*\.?[0-9]+)))?\s*(//.*)?$")


@dataclass(frozen=True)
class HistoryDecl:
    """One ``#pragma vjhost history`` line."""

    frames: int
    scale: float = 0.5  #: share of the render size (ignored when ``fixed`` is set)
    fixed: tuple[int, int] | None = None

    def size(self, w: int, h: int) -> tuple[int, int]:
        if self.fixed is not None:
            return self.fixed
        return max(1, int(round(w * self.scale))), max(1, int(round(h * self.scale)))


def parse_history(source: Source) -> HistoryDecl | None:
    """The ring a shader asks for (``#pragma vjhost history N [SCALE|WxH]``), or None; ShaderError names the line."""
    found: HistoryDecl | None = None
    for i, line in enumerate(source.text.splitlines(), 1):
        m = _HISTORY.match(line)
        if not m:
            continue
        where = source.describe(i)
        a = _ARGS.match(m.group(1))
        if not a:
            raise ShaderError(f"{where}: expected '#pragma vjhost history N [SCALE|WxH]', got {line.strip()!r}")
        n = int(a.group(1))
        if not 1 <= n <= MAX_FRAMES:
            raise ShaderError(f"{where}: history: N must be 1..{MAX_FRAMES} frames, got {n}")
        if a.group(2):
            fixed = (int(a.group(2)), int(a.group(3)))
            if min(fixed) < 1 or max(fixed) > 4096:
                raise ShaderError(f"{where}: history: size must be 1..4096 pixels")
            decl = HistoryDecl(n, 1.0, fixed)
        elif a.group(4):
            scale = float(a.group(4))
            if not 0.0 < scale <= 1.0:
                raise ShaderError(f"{where}: history: scale must be in (0, 1], got {scale:g}")
            decl = HistoryDecl(n, scale)
        else:
            decl = HistoryDecl(n)
        if found is not None:
            raise ShaderError(f"{where}: '#pragma vjhost history' given twice")
        found = decl
    return found


@dataclass
class _Layer:
    """One layer's framebuffer, shaped like a chain target for :meth:`Renderer._copy`."""

    fbo: int
    w: int
    h: int


class FrameHistory:
    """The last ``decl.frames`` inputs of one pass, in the layers of a 2-D texture array."""

    def __init__(self, decl: HistoryDecl) -> None:
        self.decl = decl
        self.tex = 0
        self.layers: list[_Layer] = []
        self.size: tuple[int, int] | None = None
        self.head = -1  #: the layer holding the newest frame
        self.count = 0  #: frames recorded since the ring (re)started
        self.last = -2  #: the renderer's frame number of the last recording

    def ensure(self, r: "Renderer") -> None:
        """Make the array and its framebuffers for the render size (once per size, never per frame)."""
        size = self.decl.size(r.w, r.h)
        if size == self.size:
            return
        GL = r.GL
        self.release(GL)
        w, h = size
        n = self.decl.frames
        GL.glActiveTexture(GL.GL_TEXTURE0)
        self.tex = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_2D_ARRAY, self.tex)
        GL.glTexImage3D(GL.GL_TEXTURE_2D_ARRAY, 0, GL.GL_RGBA8, w, h, n, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None)
        for k, v in ((GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR),
                     (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
            GL.glTexParameteri(GL.GL_TEXTURE_2D_ARRAY, k, v)
        GL.glBindTexture(GL.GL_TEXTURE_2D_ARRAY, 0)
        fbos = GL.glGenFramebuffers(n)
        fbos = [int(fbos)] if n == 1 else [int(f) for f in fbos]
        for i, fbo in enumerate(fbos):
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
            GL.glFramebufferTextureLayer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, self.tex, 0, i)
            GL.glClearColor(0, 0, 0, 1)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT)
        self.layers = [_Layer(f, w, h) for f in fbos]
        self.size = size
        self.head, self.count = -1, 0

    def record(self, r: "Renderer", tex: int) -> tuple[float, float]:
        """Copy this frame's input ``tex`` into the next layer; ``(newest layer, frames recorded)`` for the shader."""
        self.ensure(r)
        if self.last != r.frame_no - 1:  # the pass was off, or this is its first frame: start again
            self.count = 0
        self.head = (self.head + 1) % self.decl.frames
        r._copy(tex, self.layers[self.head])
        self.count = min(self.count + 1, self.decl.frames)
        self.last = r.frame_no
        return float(self.head), float(self.count)

    def release(self, GL) -> None:
        if self.layers:
            GL.glDeleteFramebuffers(len(self.layers), [layer.fbo for layer in self.layers])
        if self.tex:
            GL.glDeleteTextures([self.tex])
        self.tex, self.layers, self.size = 0, [], None
