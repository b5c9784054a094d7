"""The GLSL effect chain: pack source pass -> effects -> master, on the render thread.

Framebuffers rotate through three textures: two for ping-pong between passes
and the last frame's output (``u_prev`` for feedback).

The chain draws at an internal *render size*: the show's size times its
render scale (:meth:`Renderer.set_scale`, 0.5..1, in steps of
:data:`SCALE_STEP`); the output is upscaled to the window or the file at the
end (:meth:`Renderer.blit_to_screen`, :meth:`Renderer.read_rgba`).  Targets
are made when the scale changes, never per frame.  A shader's declared
stages (``#pragma vjhost stage``, see :mod:`vjhost.render.shaders`) run into
their own smaller targets before its main pass; a pass declared at a share
of the render size (``#pragma vjhost scale``) draws into its own smaller
target, which the next pass reads bilinearly (the upscale, for free).  The audio features go
to every program through one uniform buffer written once per frame.  An
effect whose ``amount`` is 0 or whose toggle is off is skipped entirely (no
pass), so the chain costs only what is visible.

Faults never stop the picture: a shader that does not compile is reported
with its mapped log; at start-up the effect is bypassed, on hot reload the
previous program stays.  An effect's Python ``uniforms`` hook runs under a
:class:`~vjhost.faults.Guard`.

A shader named ``*.fs`` (ISF) or ``*.json`` / ``shadertoy:PATH`` (Shadertoy)
is drawn by its runner from :mod:`vjhost.render.isf` instead (all of its
passes, into the pass's target); its inputs become the pass's params unless
the caller gives its own, and a float input ``amount`` bypasses it at 0.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from ..faults import FaultLog, Guard
from ..protocols import Features, Param
from .decodes import DecodeRing
from .history import FrameHistory, parse_history
from .shaders import (
    ShaderError,
    ShaderFinder,
    StageDecl,
    assemble,
    compile_program,
    parse_decodes,
    parse_pass_scale,
    parse_stages,
)

SECTIONS = {"": 0.0, "build": 1.0, "drop": 2.0, "breakdown": 3.0}
UBO_FLOATS = 4 * 8  # 8 vec4s, see shaders/vjhost.glsl
SAMPLERS = ("u_input", "u_prev", "u_image", "u_image_prev")  #: texture units 0-3; stages follow from unit 4
SCALE_STEP = 0.05  #: render scales are multiples of this
MIN_SCALE = 0.5

GL_PACK_INVERT_MESA = 0x8758  #: GL_MESA_pack_invert: glReadPixels returns the top row first


def _has_extension(GL, name: str) -> bool:
    """Whether the current GL context offers extension ``name``."""
    n = int(GL.glGetIntegerv(GL.GL_NUM_EXTENSIONS))
    return any(GL.glGetStringi(GL.GL_EXTENSIONS, i) == name.encode() for i in range(n))


def quantize_scale(scale: float) -> float:
    """A render scale clamped to [MIN_SCALE, 1] and rounded down to a multiple of SCALE_STEP."""
    s = min(1.0, max(MIN_SCALE, float(scale)))
    return round(SCALE_STEP * int(s / SCALE_STEP + 1e-6), 4)


def scaled_size(size: tuple[int, int], scale: float) -> tuple[int, int]:
    """The render size of a show of ``size`` at ``scale``: even, at least 16 pixels a side."""
    w, h = size
    if scale >= 1.0:
        return w, h
    return max(16, 2 * int(round(w * scale / 2))), max(16, 2 * int(round(h * scale / 2)))


@dataclass
class Stage:
    """A sub-pass of a pass (``#pragma vjhost stage``): its own program and target."""

    decl: StageDecl
    program: int = 0
    locations: dict[str, int] = field(default_factory=dict)
    target: "_Target | None" = None
    size_loc: int = -1
    back: "_Target | None" = None  #: a ``persist`` stage's previous frame (the two swap every frame)


@dataclass
class Pass:
    name: str  #: "source", an effect name, or "master"
    shader: str
    params: tuple[Param, ...] = ()
    prefix: str = ""  #: control-state prefix of the params, e.g. "fx.blur."
    uniforms: Callable | None = None
    program: int = 0
    locations: dict[str, int] = field(default_factory=dict)
    files: dict[Path, float] = field(default_factory=dict)
    guard: Guard | None = None
    broken: bool = False
    isf: object | None = None  #: an ISF/Shadertoy runner (vjhost.render.isf) when ``shader`` is a .fs/.json
    stages: list[Stage] = field(default_factory=list)  #: declared sub-passes, drawn before the main pass
    size_loc: int = -1  #: location of ``u_target_size`` in the main program
    scale: float = 1.0  #: share of the render size the main pass draws at (``#pragma vjhost scale``)
    small: "_Target | None" = None  #: its own target when ``scale`` < 1
    decodes: int = 0  #: past beats' decodes it reads, u_decode1.. (``#pragma vjhost decodes N``, vjhost.render.decodes)
    #: its input over the last N frames (``#pragma vjhost history``, vjhost.render.history)
    history: "FrameHistory | None" = None
    reads_prev: bool = True  #: it (or a stage) samples u_prev, last frame's output (ISF: assumed)

    def param_key(self, p: Param) -> str:
        return self.prefix + p.name


class _Target:
    """A texture with a framebuffer, cleared to black."""

    made = 0  #: targets made in this process (the frame-budget check: none may be made per frame)

    def __init__(self, w: int, h: int, float_: bool = False, red: bool = False) -> None:
        from OpenGL import GL

        _Target.made += 1
        self.w, self.h = w, h
        self.tex = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.tex)
        fmt, typ = (GL.GL_RGBA16F, GL.GL_HALF_FLOAT) if float_ else (GL.GL_RGBA8, GL.GL_UNSIGNED_BYTE)
        if red:  # one byte a pixel (the I420 picture for the encoder)
            fmt, typ = GL.GL_R8, GL.GL_UNSIGNED_BYTE
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, fmt, w, h, 0, GL.GL_RED if red else GL.GL_RGBA, typ, None)
        for k, v in ((GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR),
                     (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
            GL.glTexParameteri(GL.GL_TEXTURE_2D, k, v)
        self.fbo = GL.glGenFramebuffers(1)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.fbo)
        GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, self.tex, 0)
        GL.glClearColor(0, 0, 0, 1)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT)

    def release(self, GL) -> None:
        GL.glDeleteFramebuffers(1, [self.fbo])
        GL.glDeleteTextures([self.tex])


class Renderer:
    """Owns the GL objects of one show.  Create and call on the thread that owns the context.

    ``size`` is the show's output size; ``w``/``h`` the size the chain draws at
    (``size`` times the render scale, see :meth:`set_scale`).
    """

    def __init__(self, size: tuple[int, int], finder: ShaderFinder, faults: FaultLog, scale: float = 1.0) -> None:
        from OpenGL import GL

        self.GL = GL
        self.size = (int(size[0]), int(size[1]))
        self.scale = quantize_scale(scale)
        self.w, self.h = scaled_size(self.size, self.scale)
        self.finder = finder
        self.faults = faults
        self.vao = GL.glGenVertexArrays(1)
        self.targets = [_Target(self.w, self.h) for _ in range(3)]
        self._spare: tuple[tuple[int, int], list[_Target]] | None = None  # the last scale's targets, for going back
        self._present: _Target | None = None  # the output upscaled to ``size`` (read_rgba at a reduced scale)
        self._yuv: _Target | None = None  # the output as I420 for the encoder (read_yuv420)
        self._yuv_buf: np.ndarray | None = None
        self.prev = 2  # index of last frame's output
        self.ubo = GL.glGenBuffers(1)
        GL.glBindBuffer(GL.GL_UNIFORM_BUFFER, self.ubo)
        GL.glBufferData(GL.GL_UNIFORM_BUFFER, UBO_FLOATS * 4, None, GL.GL_DYNAMIC_DRAW)
        GL.glBindBufferBase(GL.GL_UNIFORM_BUFFER, 0, self.ubo)
        self._ubo = np.zeros(UBO_FLOATS, np.float32)
        self.images = [0, 0]  # textures: current, previous decoded frame
        self.ring = DecodeRing()  # the decodes of past beats, for passes that read them (u_decode1..)
        self.frame_no = 0  #: frames rendered (a pass's history restarts after a frame it did not draw)
        self._blend: _Target | None = None
        self._image_tex = 0  # what u_image is this frame: the newest decode, or the crossfade
        self.blend = self._build(Pass("crossfade", "crossfade.glsl"))
        self.upscale = self._build(Pass("upscale", "upscale.glsl"))
        self.yuv = self._build(Pass("yuv420", "yuv420.glsl"))
        self._image_shape: tuple[int, ...] | None = None
        self._flip: np.ndarray | None = None  # the decoded frame turned bottom row first, reused
        self.source: Pass | None = None
        self.effects: list[Pass] = []
        self.master = self._build(Pass("master", "master.glsl", (Param("brightness", 1.0), Param("strobe", 0.0)),
                                       "master."))
        self.output = self.targets[self.prev].tex
        self._readback: np.ndarray | None = None
        self._pack_invert: bool | None = None  # GL_MESA_pack_invert (read_rgba_top_down), asked once
        #: a chain that ends on a reduced-size pass leaves its closing upscale undone until something needs the
        #: output at the render size (see :meth:`resolve`): the window's upscale (:meth:`draw_output`) or an
        #: offline encoder's colour conversion scales the small picture instead -- one full-size pass less.
        #: The live show and offline renders set it; other callers get the plain chain.
        self.defer_upscale = False
        self._small_out: _Target | None = None  # the small target holding this frame's output (deferring)
        self._unresolved = False  # targets[prev] is not drawn yet: its upscale from _small_out is deferred
        self.audio = None  #: an isf.AudioTextures feeding ISF audio/audioFFT inputs; the host updates it per frame
        GL.glViewport(0, 0, self.w, self.h)
        GL.glDisable(GL.GL_DEPTH_TEST)
        GL.glDisable(GL.GL_BLEND)

    # ------------------------------------------------------------------ programs
    def _shader_failed(self, p: Pass, exc: ShaderError, keep_old: bool) -> None:
        """Report a shader that would not build: on hot reload keep the running program, else bypass the pass."""
        if keep_old and p.program:
            self.faults.report(f"shader {p.name}", f"{exc}\n(keeping the previous version)")
        else:
            p.broken = True
            self.faults.report(f"shader {p.name}", f"{exc}\n(effect bypassed)", bypassed=True)

    def build_text(self, name: str, text: str, params: tuple[Param, ...] = ()) -> Pass:
        """A pass built from shader source ``text`` (with the usual includes), not from a file of the packs:
        the bench's and the budget check's bare copy pass."""
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            Path(d, f"{name}.glsl").write_text(text)
            self.finder.add(Path(d), first=True)
            try:
                return self._build(Pass(name, f"{name}.glsl", params))
            finally:
                self.finder.dirs.remove(Path(d))

    def _build(self, p: Pass, keep_old: bool = False) -> Pass:
        from .isf import is_external

        if is_external(p.shader):
            return self._build_isf(p, keep_old)
        GL = self.GL
        src = None
        stages: list[Stage] = []
        try:
            src = assemble(p.shader, self.finder)
            decls = parse_stages(src)
            pass_scale = parse_pass_scale(src)
            decodes = parse_decodes(src)
            history = parse_history(src)
            prog = compile_program(src, f"{p.name} ({p.shader})")
            try:
                for d in decls:
                    ssrc = assemble(p.shader, self.finder, defines={f"VJ_STAGE_{d.name}": "1"})
                    stages.append(Stage(d, compile_program(ssrc, f"{p.name} ({p.shader}, stage {d.name})")))
            except ShaderError:
                GL.glDeleteProgram(prog)
                for st in stages:
                    GL.glDeleteProgram(st.program)
                raise
        except ShaderError as exc:
            self._shader_failed(p, exc, keep_old)
            if src is not None:  # watch the files, so fixing the shader brings it back
                p.files = {f: f.stat().st_mtime for f in src.files}
            return p
        self._free_pass(p)
        p.program, p.broken, p.stages, p.scale, p.decodes = prog, False, stages, pass_scale, decodes
        p.files = {f: f.stat().st_mtime for f in src.files}
        names = [st.decl.name for st in stages]
        p.locations, p.size_loc = self._setup_program(prog, p, names)
        for st in stages:
            st.locations, st.size_loc = self._setup_program(st.program, p, names)
        p.reads_prev = any(GL.glGetUniformLocation(q, "u_prev") >= 0 for q in (prog, *(st.program for st in stages)))
        self._stage_targets(p)
        self.ring.need(decodes, self)
        if history is not None:
            p.history = FrameHistory(history)
            p.history.ensure(self)
        return p

    def _setup_program(self, prog: int, p: Pass, stage_names: list[str]) -> tuple[dict[str, int], int]:
        """Bind the uniform block and samplers of one program; return its param locations and u_target_size."""
        GL = self.GL
        GL.glUseProgram(prog)
        block = GL.glGetUniformBlockIndex(prog, "VJ")
        if block != GL.GL_INVALID_INDEX:
            GL.glUniformBlockBinding(prog, block, 0)
        decodes = (f"u_decode{k}" for k in range(1, p.decodes + 1))  # after the stages
        for unit, name in enumerate((*SAMPLERS, *("u_" + n for n in stage_names), *decodes, "u_history")):
            loc = GL.glGetUniformLocation(prog, name)
            if loc >= 0:
                GL.glUniform1i(loc, unit)
        locations = {prm.name: GL.glGetUniformLocation(prog, "u_" + prm.name) for prm in p.params}
        return locations, GL.glGetUniformLocation(prog, "u_target_size")

    def _free_pass(self, p: Pass) -> None:
        GL = self.GL
        if p.program:
            GL.glDeleteProgram(p.program)
            p.program = 0
        for st in p.stages:
            if st.program:
                GL.glDeleteProgram(st.program)
            for t in (st.target, st.back):
                if t is not None:
                    t.release(GL)
        p.stages = []
        if p.small is not None:
            p.small.release(GL)
            p.small = None
        if p.history is not None:
            p.history.release(GL)
            p.history = None

    def _build_isf(self, p: Pass, keep_old: bool) -> Pass:
        """An ISF (``.fs``) or Shadertoy pass: its runner draws it; params default to its inputs."""
        from .isf import load_effect

        # params follow the file's inputs unless the caller gave its own
        auto = (p.isf is None and not p.params) or (p.isf is not None and p.params == p.isf.params)
        try:
            if p.isf is None:
                p.isf = load_effect(p.shader, self.finder, f"{p.name} ({p.shader})")
            p.isf.build()
            if auto:
                p.params = p.isf.params
        except ShaderError as exc:
            self._shader_failed(p, exc, keep_old)
            if p.isf is not None:
                p.files = p.isf.file_mtimes()
            else:
                try:
                    f = self.finder.find(p.shader)
                    p.files = {f: f.stat().st_mtime}
                except (ShaderError, OSError):
                    pass
            return p
        p.program, p.broken = p.isf.program, False
        p.files = p.isf.file_mtimes()
        return p

    def set_source(self, shader: str) -> None:
        self.source = self._build(Pass("source", shader))

    def add_effect(self, name: str, shader: str, params: tuple[Param, ...] = (), uniforms: Callable | None = None,
                   prefix: str | None = None) -> Pass:
        p = Pass(name, shader, params, f"fx.{name}." if prefix is None else prefix, uniforms,
                 guard=Guard(f"effect {name}", self.faults))
        self.effects.append(self._build(p))
        return p

    def reload_changed(self) -> list[str]:
        """Recompile every program whose files changed on disk (hot reload).  Returns their names."""
        changed = []
        for p in [self.source, *self.effects, self.master]:
            if p is None:
                continue
            for f, mtime in p.files.items():
                try:
                    if f.stat().st_mtime != mtime:
                        break
                except OSError:
                    break
            else:
                continue
            self._build(p, keep_old=True)
            changed.append(p.name)
        return changed

    # ------------------------------------------------------------------ per frame
    def upload_image(self, image: np.ndarray) -> None:
        """New decoded frame (H, W, C) uint8: becomes ``u_image``; the old one ``u_image_prev``."""
        GL = self.GL
        h, w, c = image.shape
        if self._image_shape != image.shape:
            for i in range(2):
                if self.images[i]:
                    GL.glDeleteTextures([self.images[i]])
                t = GL.glGenTextures(1)
                GL.glBindTexture(GL.GL_TEXTURE_2D, t)
                fmt, ifmt = (GL.GL_RED, GL.GL_R8) if c == 1 else (GL.GL_RGB, GL.GL_RGB8)
                GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
                # decoded images are top row first; textures are bottom row first
                GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, ifmt, w, h, 0, fmt, GL.GL_UNSIGNED_BYTE,
                                np.ascontiguousarray(image[::-1]))
                for k, v in ((GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR),
                             (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
                    GL.glTexParameteri(GL.GL_TEXTURE_2D, k, v)
                if c == 1:
                    sw = (ctypes.c_int * 4)(GL.GL_RED, GL.GL_RED, GL.GL_RED, GL.GL_ONE)
                    GL.glTexParameteriv(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_SWIZZLE_RGBA, sw)
                self.images[i] = t
            self._image_shape = image.shape
            self._image_fmt = fmt
            self._blend = _Target(w, h)  # the crossfade of the two newest decodes, at decode size
            self.ring.resize((h, w), self)
            return
        self.images.reverse()
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.images[0])
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        # decoded images are top row first; textures are bottom row first (flipped into a buffer kept for it)
        if self._flip is None or self._flip.shape != image.shape:
            self._flip = np.empty(image.shape, np.uint8)
        np.copyto(self._flip, image[::-1])
        GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, w, h, self._image_fmt, GL.GL_UNSIGNED_BYTE, self._flip)
        self.ring.uploaded()

    def _write_features(self, f: Features, frame: int, dt: float, image_mix: float, scene: int) -> None:
        u = self._ubo
        u[0:4] = (f.t, dt, frame, f.bpm)
        u[4:8] = (f.beat_phase, f.bar_phase, f.beat_env, f.beat_count)
        u[8:12] = (f.rms, f.bass, f.mid, f.high)
        u[12:16] = (f.onset_env, f.kick_env, f.snare_env, f.hat_env)
        u[16:20] = (f.centroid, f.flux, f.energy, SECTIONS.get(f.section, 0.0))
        u[20:28] = f.bands[:8]
        u[28:32] = (self.w, self.h, image_mix, scene)
        GL = self.GL
        GL.glBindBufferBase(GL.GL_UNIFORM_BUFFER, 0, self.ubo)  # several renderers may share the context
        GL.glBufferSubData(GL.GL_UNIFORM_BUFFER, 0, u.nbytes, u)

    def _active(self, p: Pass, params: Mapping[str, float], toggles: Mapping[str, bool]) -> bool:
        if p.broken or not p.program or (p.guard and p.guard.bypassed):
            return False
        if not toggles.get(f"fx.{p.name}", True):
            return False
        for prm in p.params:
            if prm.name == "amount":
                return params.get(p.param_key(prm), prm.default) > 0.0
        return True

    def _draw(self, p: Pass, src_tex: int, dst: _Target, params: Mapping[str, float], features: Features) -> None:
        GL = self.GL
        if p.isf is not None:
            vals = {prm.name: params.get(p.param_key(prm), prm.default) for prm in p.params}
            kw = dict(values=vals, inputs={"inputImage": src_tex}, time=features.t, audio=self.audio)
            if p.guard is not None:
                p.guard.call(p.isf.draw, dst.fbo, (self.w, self.h), **kw)
            else:
                p.isf.draw(dst.fbo, (self.w, self.h), **kw)
            GL.glViewport(0, 0, self.w, self.h)
            GL.glBindVertexArray(self.vao)
            return
        extra = None
        if p.uniforms is not None and p.guard is not None:
            values = {prm.name: params.get(p.param_key(prm), prm.default) for prm in p.params}
            extra = p.guard.call(p.uniforms, features, values, fallback=None)
        if p.history is not None:  # this frame's input into the ring (before the units are bound: it draws)
            extra = {**(extra or {}), "u_history_ring": p.history.record(self, src_tex)}
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, src_tex)
        GL.glActiveTexture(GL.GL_TEXTURE1)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.targets[self.prev].tex)
        GL.glActiveTexture(GL.GL_TEXTURE2)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self._image_tex)
        GL.glActiveTexture(GL.GL_TEXTURE3)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.images[1])
        for k, tex in enumerate(self.ring.textures(p.decodes, self.images[0])):  # u_decode1.., after the stages
            GL.glActiveTexture(GL.GL_TEXTURE4 + len(p.stages) + k)
            GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        if p.history is not None:  # u_history, after the decodes
            GL.glActiveTexture(GL.GL_TEXTURE4 + len(p.stages) + p.decodes)
            GL.glBindTexture(GL.GL_TEXTURE_2D_ARRAY, p.history.tex)
        if p.stages:
            self._stage_targets(p)
        for i, st in enumerate(p.stages):  # the declared sub-passes, each into its own (smaller) target
            if st.back is not None:  # persist: draw into last frame's spare, reading last frame's state
                st.target, st.back = st.back, st.target
                GL.glActiveTexture(GL.GL_TEXTURE4 + i)
                GL.glBindTexture(GL.GL_TEXTURE_2D, st.back.tex)
            sw, sh = st.target.w, st.target.h
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, st.target.fbo)
            GL.glViewport(0, 0, sw, sh)
            self._program_uniforms(st.program, st.locations, st.size_loc, (sw, sh), p, params, extra)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
            GL.glActiveTexture(GL.GL_TEXTURE4 + i)
            GL.glBindTexture(GL.GL_TEXTURE_2D, st.target.tex)
        if p.stages or (dst.w, dst.h) != (self.w, self.h):
            GL.glViewport(0, 0, dst.w, dst.h)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, dst.fbo)
        self._program_uniforms(p.program, p.locations, p.size_loc, (dst.w, dst.h), p, params, extra)
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        if (dst.w, dst.h) != (self.w, self.h):
            GL.glViewport(0, 0, self.w, self.h)

    def _small_target(self, p: Pass) -> "_Target":
        """The target of a pass drawn at a share of the render size (made once per render size)."""
        size = (max(1, int(round(self.w * p.scale))), max(1, int(round(self.h * p.scale))))
        if p.small is None or (p.small.w, p.small.h) != size:
            if p.small is not None:
                p.small.release(self.GL)
            self.GL.glActiveTexture(self.GL.GL_TEXTURE0)
            p.small = _Target(*size)
        return p.small

    def _stage_targets(self, p: Pass) -> None:
        """Make the stages' targets for this render size (once per size, never per frame).

        Done before any stage texture is bound: making a texture binds it to the active unit.
        """
        for st in p.stages:
            sw, sh = st.decl.size(self.w, self.h)
            if st.target is None or (st.target.w, st.target.h) != (sw, sh):
                old = (st.target, st.back)
                self.GL.glActiveTexture(self.GL.GL_TEXTURE0)
                st.target = _Target(sw, sh, st.decl.float_)
                st.back = _Target(sw, sh, st.decl.float_) if st.decl.persist else None
                if st.back is not None:  # a state starts at zero, alpha too, or carries on scaled to the new size
                    GL = self.GL
                    GL.glClearColor(0, 0, 0, 0)
                    for t in (st.target, st.back):
                        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, t.fbo)
                        GL.glClear(GL.GL_COLOR_BUFFER_BIT)
                        if old[0] is not None:  # the newest state (the target written last)
                            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, old[0].fbo)
                            GL.glBlitFramebuffer(0, 0, old[0].w, old[0].h, 0, 0, sw, sh,
                                                 GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
                    GL.glClearColor(0, 0, 0, 1)
                for t in old:
                    if t is not None:
                        t.release(self.GL)

    def _program_uniforms(self, prog: int, locations: dict[str, int], size_loc: int, size: tuple[int, int], p: Pass,
                          params: Mapping[str, float], extra: Mapping | None) -> None:
        GL = self.GL
        GL.glUseProgram(prog)
        if size_loc >= 0:
            GL.glUniform2f(size_loc, float(size[0]), float(size[1]))
        for prm in p.params:
            loc = locations.get(prm.name, -1)
            if loc >= 0:
                GL.glUniform1f(loc, params.get(p.param_key(prm), prm.default))
        for k, v in (extra or {}).items():
            loc = locations.get(k)
            if loc is None:
                loc = locations[k] = GL.glGetUniformLocation(prog, k)
            if loc >= 0:
                vals = v if isinstance(v, tuple) else (v,)
                (GL.glUniform1f, GL.glUniform2f, GL.glUniform3f, GL.glUniform4f)[len(vals) - 1](loc, *vals)

    def _crossfade(self, image_mix: float) -> None:
        """Blend the two newest decodes once, at decode size, so full-size passes fetch one texture."""
        GL = self.GL
        self._image_tex = self.images[0]
        if image_mix >= 0.999 or self._blend is None or self.blend.broken:
            return
        h, w = self._image_shape[:2]
        GL.glViewport(0, 0, w, h)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._blend.fbo)
        GL.glUseProgram(self.blend.program)
        GL.glActiveTexture(GL.GL_TEXTURE2)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.images[0])
        GL.glActiveTexture(GL.GL_TEXTURE3)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.images[1])
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glViewport(0, 0, self.w, self.h)
        self._image_tex = self._blend.tex

    def render(self, features: Features, params: Mapping[str, float], toggles: Mapping[str, bool] | None = None, *,
               frame: int = 0, dt: float = 1 / 60, image_mix: float = 1.0, scene: int = 0,
               blackout: bool = False) -> int:
        """Draw one frame; returns the output texture (also kept as ``self.output``)."""
        GL = self.GL
        toggles = toggles or {}
        self.frame_no += 1
        GL.glBindVertexArray(self.vao)
        GL.glViewport(0, 0, self.w, self.h)
        self.ring.step(self, features.beat_count)  # a new beat: keep the decode the last one ended on
        passes = self._passes(params, toggles)
        if self._unresolved and (blackout or any(p.reads_prev for p in passes)):
            self.resolve()  # this frame reads last frame's output (u_prev): it must be drawn at full size
        self._small_out, self._unresolved = None, False  # (else nobody needs it: this frame makes a new one)
        free = [i for i in range(3) if i != self.prev]
        if blackout or self.source is None or self.source.broken:
            out = free[0]
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.targets[out].fbo)
            GL.glClearColor(0, 0, 0, 1)
            GL.glClear(GL.GL_COLOR_BUFFER_BIT)
        else:
            self._write_features(features, frame, dt, image_mix, scene)
            self._crossfade(image_mix)
            src_tex, k, small = self._image_tex, 0, None
            for p in passes:
                if p.scale < 1.0 and p.isf is None:  # drawn small; the next pass's bilinear read is the upscale
                    small = self._small_target(p)
                    self._draw(p, src_tex, small, params, features)
                    src_tex = small.tex
                    continue
                out = free[k]
                self._draw(p, src_tex, self.targets[out], params, features)
                src_tex, k, small = self.targets[out].tex, 1 - k, None
            if small is not None:  # the chain ended on a small pass: upscale it into a render-size target ...
                out = free[k]
                if self.defer_upscale:  # ... when someone needs it (the present or an encoder scales the small
                    self._small_out = small  # one), unless this chain reads last frame's output: the next needs it
                    self._unresolved = not any(p.reads_prev for p in passes)
                if not self._unresolved:
                    self._copy(src_tex, self.targets[out])
        self.prev = out
        self.output = self.targets[out].tex
        return self.output

    def _copy(self, tex: int, dst: "_Target") -> None:
        """Draw texture ``tex`` over all of ``dst`` (bilinear), with the upscale program."""
        GL = self.GL
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, dst.fbo)
        GL.glViewport(0, 0, dst.w, dst.h)
        GL.glUseProgram(self.upscale.program)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glViewport(0, 0, self.w, self.h)

    def _passes(self, params: Mapping[str, float], toggles: Mapping[str, bool]) -> list[Pass]:
        """The passes this frame draws: the source, the active effects, the master when it is not neutral."""
        passes = [self.source] if self.source is not None else []
        passes += [p for p in self.effects if self._active(p, params, toggles)]
        if params.get("master.brightness", 1.0) < 1.0 or params.get("master.strobe", 0.0) > 0.0:
            passes.append(self.master)
        return passes

    def resolve(self) -> None:
        """Draw a deferred closing upscale (:attr:`defer_upscale`) now, so ``targets[prev]`` holds the output at
        the render size.  Everything here that reads the output calls it; code that reads ``targets[prev]``
        itself (a transition) calls it first; the HUD reads :meth:`last_target`."""
        if self._unresolved:  # (the small target still holds the same picture: drawn_size stays)
            self._unresolved = False
            self._copy(self._small_out.tex, self.targets[self.prev])

    def last_target(self) -> "_Target":
        """The target holding the last output as drawn: a chain's small one (:attr:`defer_upscale`), else
        ``targets[prev]``
        (a pass that reads it at ``v_uv`` with its bilinear sampler gets the same picture either way)."""
        return self._small_out if self._small_out is not None else self.targets[self.prev]

    def replace_output(self, index: int) -> None:
        """``targets[index]`` now holds the output, drawn over the last one at the render size (the HUD drawn
        into the output): it is the output from here on, and any deferred upscale is moot."""
        self._small_out, self._unresolved = None, False
        self.prev = index
        self.output = self.targets[index].tex

    def drawn_size(self) -> tuple[int, int]:
        """The size of the last output as drawn: the small picture of a chain that ended on a reduced-size pass
        (with :attr:`defer_upscale`), else the render size."""
        t = self.last_target()
        return t.w, t.h

    # ------------------------------------------------------------------ render scale
    def set_scale(self, scale: float) -> float:
        """Draw the chain at ``scale`` of the show's size from the next frame on (quantised, 0.5..1).

        Makes the targets of the new size (those of the previous size are kept for
        going back); last frame's output is carried over, scaled, so feedback
        continues without a jump.  Returns the scale now in use.
        """
        self.resolve()
        self._small_out = None  # the output is carried over at the new size (below)
        scale = quantize_scale(scale)
        size = scaled_size(self.size, scale)
        if size == (self.w, self.h):
            self.scale = scale
            return scale
        GL = self.GL
        old, old_prev = self.targets, self.targets[self.prev]
        if self._spare is not None and self._spare[0] == size:
            targets = self._spare[1]
        else:
            if self._spare is not None:
                for t in self._spare[1]:
                    t.release(GL)
            targets = [_Target(*size) for _ in range(3)]
        self._spare = ((self.w, self.h), old)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, old_prev.fbo)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, targets[self.prev].fbo)
        GL.glBlitFramebuffer(0, 0, old_prev.w, old_prev.h, 0, 0, size[0], size[1], GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
        self.targets, self.scale = targets, scale
        self.w, self.h = size
        self.output = self.targets[self.prev].tex
        self._readback = None
        return scale

    def draw_output(self, fbo: int, width: int, height: int) -> None:
        """Draw the last output into framebuffer ``fbo`` (0 = the window) at ``width`` x ``height``.

        The same size is a copy (``glBlitFramebuffer``); any other size a bilinear
        draw, which software GL runs about twice as fast as a scaled blit.
        """
        GL = self.GL
        src = self.last_target()  # a deferred closing upscale: from the small picture straight to ``fbo``
        if (src.w, src.h) == (width, height) or self.upscale.broken or not self.upscale.program:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, src.fbo)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, fbo)
            GL.glBlitFramebuffer(0, 0, src.w, src.h, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
            return
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
        GL.glViewport(0, 0, width, height)
        GL.glBindVertexArray(self.vao)
        GL.glUseProgram(self.upscale.program)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, src.tex)
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glViewport(0, 0, self.w, self.h)

    def output_fbo(self) -> int:
        """A framebuffer holding the last output at the show's size (upscaled once per call when the scale is < 1)."""
        self.resolve()
        src = self.targets[self.prev]
        if (src.w, src.h) == self.size:
            return src.fbo
        if self._present is None:
            self._present = _Target(*self.size)
        self.draw_output(self._present.fbo, *self.size)
        return self._present.fbo

    def read_rgba(self) -> np.ndarray:
        """The last output at the show's size as (H, W, 4) uint8, bottom row first (flip for top-down)."""
        GL = self.GL
        w, h = self.size
        if self._readback is None or self._readback.shape[:2] != (h, w):
            self._readback = np.empty((h, w, 4), np.uint8)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self.output_fbo())
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, self._readback)
        return self._readback

    def read_rgba_top_down(self, out: np.ndarray) -> bool:
        """Read the last output straight into ``out`` ((H, W, 4) uint8, rows may be padded), top row first -- the
        rows turned by GL itself (``GL_MESA_pack_invert``), so the encoder's frame is filled with no copy and
        no flip on the CPU.  ``out`` is either the show's size or :meth:`drawn_size` (the picture as the chain
        left it, smaller at a reduced render scale or with a deferred upscale: the encoder's colour conversion
        scales it up in the same step, and GL draws no full-size upscale).  False (``out`` untouched) where
        this GL lacks the extension."""
        if self._pack_invert is None:
            self._pack_invert = _has_extension(self.GL, "GL_MESA_pack_invert")
        if not self._pack_invert:
            return False
        GL = self.GL
        h, w = out.shape[:2]
        ok = out.ndim == 3 and out.shape[2] == 4 and out.dtype == np.uint8 and out.strides[1:] == (4, 1)
        if not ok or out.strides[0] % 4 or (w, h) not in (self.size, self.drawn_size()):
            sw, sh = self.size
            dw, dh = self.drawn_size()
            raise ValueError(f"read_rgba_top_down: need a ({sh}, {sw}, 4) or ({dh}, {dw}, 4) uint8 view with "
                             f"whole-pixel rows, got {out.shape} {out.dtype}")
        if (w, h) == self.drawn_size():
            fbo = self.last_target().fbo
        else:
            fbo = self.output_fbo()
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, fbo)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glPixelStorei(GL.GL_PACK_ROW_LENGTH, out.strides[0] // 4)
        GL.glPixelStorei(GL_PACK_INVERT_MESA, GL.GL_TRUE)
        try:
            GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, ctypes.c_void_p(out.ctypes.data))
        finally:
            GL.glPixelStorei(GL_PACK_INVERT_MESA, GL.GL_FALSE)
            GL.glPixelStorei(GL.GL_PACK_ROW_LENGTH, 0)
        return True

    def yuv420_ok(self) -> bool:
        """Whether :meth:`read_yuv420` can serve this show (even width, height a multiple of 4, the pass built)."""
        w, h = self.size
        return w % 2 == 0 and h % 4 == 0 and not self.yuv.broken and bool(self.yuv.program)

    def read_yuv420(self) -> np.ndarray:
        """The last output at the show's size as I420 (yuv420p, BT.601 limited range), top row first:
        (H * 3 / 2, W) uint8 -- the Y plane, then U and V -- converted by one GL pass (``shaders/yuv420.glsl``,
        also the upscale from a reduced render scale), so the encoder gets 1.5 bytes a pixel and does no
        colour conversion.  The buffer is reused: copy it to keep it."""
        GL = self.GL
        self.resolve()
        w, h = self.size
        if self._yuv is None:
            GL.glActiveTexture(GL.GL_TEXTURE0)
            self._yuv = _Target(w, h * 3 // 2, red=True)
            self._yuv_buf = np.empty((h * 3 // 2, w), np.uint8)
            GL.glUseProgram(self.yuv.program)
            GL.glUniform2f(GL.glGetUniformLocation(self.yuv.program, "u_size"), float(w), float(h))
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._yuv.fbo)
        GL.glViewport(0, 0, w, h * 3 // 2)
        GL.glBindVertexArray(self.vao)
        GL.glUseProgram(self.yuv.program)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.targets[self.prev].tex)
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glViewport(0, 0, self.w, self.h)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._yuv.fbo)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        GL.glReadPixels(0, 0, w, h * 3 // 2, GL.GL_RED, GL.GL_UNSIGNED_BYTE, self._yuv_buf)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        return self._yuv_buf

    def blit_to_screen(self, width: int, height: int) -> None:
        """Draw the last output onto the window's default framebuffer (the upscale from the render size)."""
        self.draw_output(0, width, height)

    def close(self) -> None:
        """Free this show's GL objects (a pack switch builds a new Renderer in the same context)."""
        GL = self.GL
        GL.glUseProgram(0)
        self.ring.release(GL)
        for p in [self.source, *self.effects, self.master, self.blend, self.upscale, self.yuv]:
            if p is not None:
                if p.isf is None:
                    self._free_pass(p)
                else:  # an ISF / Shadertoy runner: its programs, buffers (persistent ones too) and images
                    p.isf.release()
                    p.program = 0
        if self.audio is not None:  # the ISF audio / audioFFT textures
            self.audio.release()
        targets = self.targets + ([self._blend] if self._blend else []) + ([self._present] if self._present else [])
        targets += [self._yuv] if self._yuv else []
        targets += self._spare[1] if self._spare else []
        GL.glDeleteFramebuffers(len(targets), [t.fbo for t in targets])
        GL.glDeleteTextures([t.tex for t in targets] + [t for t in self.images if t])
        GL.glDeleteBuffers(1, [self.ubo])
        GL.glDeleteVertexArrays(1, [self.vao])
        self.targets, self._blend, self.images = [], None, [0, 0]
        self._present, self._spare, self._yuv = None, None, None
