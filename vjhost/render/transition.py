"""Transitions between two pictures (pack or scene switches): crossfade, cut on the beat, painterly.

A :class:`Transition` is a small clock plus a GL pass.  The clock says how far
the switch has got (:meth:`Transition.progress`, from the same
:class:`~vjhost.protocols.Features` the shows render with, so the live loop
and the offline renderer behave the same); the pass draws the outgoing and the
incoming picture into one (:meth:`Transition.draw`).  Timing is musical:

* ``quantize=None`` starts now; ``"beat"`` / ``"bar"`` wait for the next beat /
  downbeat (a transition asked for exactly on one starts at once);
* ``duration_beats`` counts beats as the analysis hears them (a tempo change
  stretches the transition with the music); ``duration_s`` counts seconds;
* ``kind="cut"`` has no duration: the picture switches on the boundary.

``kind="paint"`` is the painterly transition after the Latent Painter idea
(S. Su, arXiv 2308.16490): the incoming picture is painted over the outgoing
one stroke by stroke (``shaders/transition_paint.glsl``).  Where both shows'
decoders share a latent size the engine can paint in latent space as well:
:func:`latent_channel_blend` switches latent channels from the outgoing
latent to the incoming one in a seeded order, smoothly within each channel.

The pass is built with the :class:`~vjhost.render.chain.Renderer`'s own
machinery (shader finder, fault log, VAO and feature uniform block), so a
transition shader that fails to compile is reported and the transition falls
back to a crossfade, or to a plain switch.  Create, draw and close on the
thread that owns the GL context.

A pack switch, per frame, with both shows rendering (``old`` outgoing)::

    tr = Transition(new.renderer, "paint", duration_beats=4, quantize="bar", seed=seed)
    tr.start(features)
    ...
    tex = tr.frame(features, old.render(features, dt), new.render(features, dt))
    if tex is None:            # done: show the new show alone, free the old one
        tr.close(); old.renderer.close()
    else:
        tr.blit_to_screen(w, h)  # or tr.read_rgba() offline

A scene switch inside one show holds the outgoing picture with
:meth:`Transition.snapshot` and uses it as the source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..protocols import Features

if TYPE_CHECKING:  # pragma: no cover
    from .chain import Pass, Renderer, _Target

KINDS = ("crossfade", "cut", "paint")
_ALIASES = {"fade": "crossfade", "painterly": "paint", "latent_painter": "paint"}
SHADERS = {"crossfade": "transition_crossfade.glsl", "cut": "transition_crossfade.glsl",
           "paint": "transition_paint.glsl", "paint_mask": "transition_paint_mask.glsl"}
DEST_UNIT = 4  #: texture unit of ``u_dest`` (units 0-3 are the chain's standard textures)
MASK_UNIT = 5  #: texture unit of ``u_mask`` (the painterly composite)


# --------------------------------------------------------------------------- latent painting


def channel_order(n: int, order: "int | Sequence[int] | np.ndarray") -> np.ndarray:
    """The order channels switch in: a seed (a seeded permutation) or an explicit permutation of ``range(n)``."""
    if isinstance(order, (int, np.integer)):
        return np.random.default_rng(int(order)).permutation(n)
    perm = np.asarray(order, dtype=np.int64).reshape(-1)
    if perm.shape != (n,) or not np.array_equal(np.sort(perm), np.arange(n)):
        raise ValueError(f"order must be a seed or a permutation of range({n})")
    return perm


def channel_weights(n: int, progress: float, order: "int | Sequence[int] | np.ndarray" = 0,
                    softness: float | None = None) -> np.ndarray:
    """Per-channel share of the destination, ``(n,)`` float32 in 0..1.

    The channel ranked ``k`` in ``order`` ramps from 0 to 1 (smoothstep) over a
    window of ``softness`` of the progress starting at ``k / (n - 1) * (1 -
    softness)``, so at progress 0 every weight is 0, at 1 every weight is 1, each
    weight only grows, and a few neighbours in the order are mid-way at once.
    ``softness`` defaults to ``max(0.15, 4 / n)`` (capped at 1).
    """
    p = float(np.clip(progress, 0.0, 1.0))
    s = float(np.clip(softness if softness is not None else max(0.15, 4.0 / max(n, 1)), 1e-6, 1.0))
    rank = np.empty(n, np.float64)
    rank[channel_order(n, order)] = np.arange(n)
    start = rank / (n - 1) * (1.0 - s) if n > 1 else np.zeros(n)
    x = np.clip((p - start) / s, 0.0, 1.0)
    w = x * x * (3.0 - 2.0 * x)
    if p >= 1.0:
        w[:] = 1.0  # exact, whatever the rounding
    return w.astype(np.float32)


def latent_channel_blend(z_src: np.ndarray, z_dst: np.ndarray, progress: float,
                         order: "int | Sequence[int] | np.ndarray" = 0, *, axis: int = -1,
                         softness: float | None = None) -> np.ndarray:
    """Paint ``z_dst`` over ``z_src`` channel by channel (latent Painter-style transition).

    :param z_src: the outgoing latent, e.g. ``(D,)``, ``(B, D)`` or ``(C, H, W)``.
    :param z_dst: the incoming latent, same shape (two decoders that share a latent size).
    :param progress: 0..1; 0 returns ``z_src`` exactly, 1 returns ``z_dst`` exactly.
    :param order: a seed for the order channels switch in, or an explicit permutation.
    :param axis: the channel axis (``-1`` for ``(D,)`` / ``(B, D)`` vectors, ``0`` for ``(C, H, W)``).
    :param softness: share of the progress over which one channel ramps (see :func:`channel_weights`).
    :returns: float32 array of the common shape; every element moves monotonically from source to destination.

    Switching whole channels (rather than mixing every channel by ``progress``)
    keeps most of the latent at full strength at every moment, so the decoded
    picture changes feature by feature instead of greying out half-way the way a
    linear mix of two Gaussian latents does.
    """
    a = np.asarray(z_src, np.float32)
    b = np.asarray(z_dst, np.float32)
    if a.shape != b.shape:
        raise ValueError(f"latent shapes differ: {a.shape} vs {b.shape}")
    ax = axis % a.ndim
    w = channel_weights(a.shape[ax], progress, order, softness)
    shape = [1] * a.ndim
    shape[ax] = a.shape[ax]
    w = w.reshape(shape)
    return ((1.0 - w) * a + w * b).astype(np.float32)  # exact at both ends


# --------------------------------------------------------------------------- the transition


class Transition:
    """One switch from a source picture to a destination picture.

    :param renderer: the renderer whose GL machinery (shader finder, faults, VAO,
        feature uniform block) the pass uses -- normally the incoming show's.
    :param kind: ``"crossfade"``, ``"cut"`` or ``"paint"`` (aliases ``"fade"``, ``"painterly"``).
    :param duration_beats: length in beats (default 4, or 0 for a cut).
    :param duration_s: length in seconds instead.
    :param quantize: ``None`` (start now), ``"beat"`` or ``"bar"`` (start on the next one).
    :param seed: which painting (stroke layout and order) and which latent channel order.
    :param stroke: painterly stroke width, share of picture height.
    :param follow: 0..1, how much painterly strokes follow the destination's edges (vs a flow field).
    :param mask_scale: size of the painterly stroke mask relative to the picture (0.5: a quarter of the
        pixels run the stroke loop; the composite upsamples it bilinearly).
    """

    def __init__(self, renderer: "Renderer", kind: str = "crossfade", duration_beats: float | None = None,
                 duration_s: float | None = None, quantize: str | None = None, *, seed: int = 0,
                 stroke: float = 0.045, follow: float = 0.8, mask_scale: float = 0.5) -> None:
        kind = _ALIASES.get(kind, kind)
        self._isf = None
        isf = str(kind).lower().endswith(".fs")  # an ISF transition (startImage, endImage, progress)
        if not isf and kind not in KINDS:
            raise ValueError(f"unknown transition {kind!r} (have: {', '.join(KINDS)}, or an ISF transition .fs)")
        if quantize not in (None, "beat", "bar"):
            raise ValueError(f"quantize must be None, 'beat' or 'bar', not {quantize!r}")
        if duration_beats is not None and duration_s is not None:
            raise ValueError("give duration_beats or duration_s, not both")
        if kind == "cut":
            duration_beats, duration_s = 0.0, None
        elif duration_beats is None and duration_s is None:
            duration_beats = 4.0
        if (duration_beats or 0.0) < 0 or (duration_s or 0.0) < 0:
            raise ValueError("durations must be >= 0")
        if isf:  # built once the arguments are known good, so no error below leaves its program behind
            from .isf import load_effect
            from .shaders import ShaderError

            try:
                self._isf = load_effect(kind, renderer.finder, f"transition {kind}")
                self._isf.build()
                if self._isf.kind != "transition":
                    raise ShaderError(f"{kind}: an ISF {self._isf.kind}, not a transition "
                                      "(startImage, endImage, progress)")
            except ShaderError as exc:
                renderer.faults.report(f"transition {kind}", f"{exc}\n(crossfading instead)")
                if self._isf is not None:  # built, but not a transition: its program goes
                    self._isf.release()
                self._isf = None
            kind = "crossfade"
        self.renderer = renderer
        self.kind = kind
        self.duration_beats = duration_beats
        self.duration_s = duration_s
        self.quantize = quantize
        self.seed = int(seed)
        self.stroke = float(stroke)
        self.follow = float(follow)
        self.mask_scale = float(np.clip(mask_scale, 0.1, 1.0))
        self.show_mask = False  #: draw the paint mask in grey instead of the pictures (tests, debugging)
        self.started = False
        self.switched = False  #: the boundary has passed (the destination has started to appear)
        self.done = False
        self.output = 0  #: the texture of the last draw
        self._target: "_Target | None" = None
        self._held: "_Target | None" = None
        self._last = 0.0
        self._pos_switch = 0.0  # the switch point, in beats (beat_count + beat_phase)
        self._t_switch_pred = 0.0
        self._t_switch = 0.0
        self._period = 0.5
        self._pass = self._program(kind)
        self._mask_pass = self._program("paint_mask") if kind == "paint" else None
        self._mask: "_Target | None" = None
        self._fallback: "Pass | None" = None

    # ------------------------------------------------------------------ programs
    def _program(self, kind: str) -> "Pass":
        from .chain import Pass

        p = self.renderer._build(Pass(f"transition {kind}", SHADERS[kind]))
        if p.program:
            GL = self.renderer.GL
            GL.glUseProgram(p.program)
            for sampler, unit in (("u_dest", DEST_UNIT), ("u_mask", MASK_UNIT)):
                loc = GL.glGetUniformLocation(p.program, sampler)
                if loc >= 0:
                    GL.glUniform1i(loc, unit)
            for name in ("u_progress", "u_stroke", "u_follow", "u_seed", "u_show_mask", "u_size"):
                p.locations[name] = GL.glGetUniformLocation(p.program, name)
        return p

    # ------------------------------------------------------------------ clock
    @staticmethod
    def _beats(f: Features) -> float:
        return float(f.beat_count) + float(f.beat_phase)

    def start(self, features: Features) -> None:
        """Arm the transition at ``features.t``; with ``quantize`` it waits for the next beat or bar."""
        f = features
        pos = self._beats(f)
        self._period = 60.0 / max(1e-3, float(f.bpm) if f.bpm > 0 else 120.0)
        on_beat = bool(f.beat) or f.beat_phase < 1e-6
        if self.quantize is None:
            self._pos_switch = pos
        elif self.quantize == "beat":
            self._pos_switch = pos if on_beat else float(f.beat_count + 1)
        else:  # bar: the next downbeat, a whole number of beats ahead
            on_bar = bool(f.downbeat) or (on_beat and (f.bar_phase < 1e-6 or f.bar_phase > 1 - 1e-6))
            self._pos_switch = pos if on_bar else float(round(pos + 4.0 * (1.0 - float(f.bar_phase))))
        self._t_switch_pred = float(f.t) + (self._pos_switch - pos) * self._period
        self.started, self.switched, self.done, self._last = True, False, False, 0.0
        if self._pos_switch == pos:  # now: time runs from this frame
            self.switched, self._t_switch = True, float(f.t)

    def progress(self, features: Features, t: float | None = None) -> float | None:
        """How far the transition is at this frame: 0.0 before the switch, then up to 1; ``None`` when done.

        ``t`` defaults to ``features.t``.  The switch is when the analysis' beat
        position (``beat_count + beat_phase``) reaches the boundary, or one beat
        after the predicted time if beat tracking is lost.  Never decreases.
        """
        if self.done:
            return None
        if not self.started:
            self.start(features)
        t = float(features.t if t is None else t)
        pos = self._beats(features)
        if not self.switched:
            if pos >= self._pos_switch - 1e-6 or t >= self._t_switch_pred + self._period:
                self.switched = True
                self._t_switch = t - max(0.0, pos - self._pos_switch) * self._period if pos >= self._pos_switch else t
            else:
                return 0.0
        if self.duration_s is not None:
            p = (t - self._t_switch) / self.duration_s if self.duration_s > 0 else 1.0
        elif self.duration_beats:
            by_beats = pos - self._pos_switch
            by_time = (t - self._t_switch) / self._period - 1.0  # lets it finish if beat tracking stalls
            p = max(by_beats, by_time) / self.duration_beats
        else:
            p = 1.0
        if p >= 1.0:
            self.done = True
            return None
        self._last = max(self._last, float(p))
        return self._last

    # ------------------------------------------------------------------ drawing
    def target(self) -> "_Target":
        """The transition's own output target (at the renderer's size), made on first use."""
        if self._target is None:
            from .chain import _Target

            self._target = _Target(self.renderer.w, self.renderer.h)
        return self._target

    def draw(self, src_tex: int, dst_tex: int, progress: float | None, dst_target: "_Target | None" = None) -> int:
        """Draw the mix of ``src_tex`` (outgoing) and ``dst_tex`` (incoming) at ``progress`` into ``dst_target``.

        ``progress`` ``None`` (done) draws the destination.  ``dst_target``
        defaults to the transition's own :meth:`target`; it must have the
        renderer's size.  Returns the texture drawn (also ``self.output``); if
        no program works, returns ``src_tex`` or ``dst_tex`` without drawing.
        """
        p = 1.0 if progress is None else float(np.clip(progress, 0.0, 1.0))
        self.renderer.resolve()  # its output (dst_tex, u_prev) at the render size: a deferred upscale drawn now
        if self._isf is not None:
            r, dst = self.renderer, dst_target or self.target()
            r.GL.glViewport(0, 0, r.w, r.h)
            self._isf.draw_transition(src_tex, dst_tex, p, dst, size=(r.w, r.h), audio=r.audio)
            r.GL.glBindVertexArray(r.vao)
            self.output = dst.tex
            return self.output
        if self.kind == "cut":
            p = 1.0 if p >= 1.0 or self.switched else 0.0
        prog = self._pass
        mask = self._mask_pass
        paint = self.kind == "paint" and mask is not None and mask.program and not mask.broken
        if prog.broken or not prog.program or (self.kind == "paint" and not paint):
            paint = False
            if self._fallback is None and self.kind == "paint":
                self._fallback = self._program("crossfade")
            prog = self._fallback if self._fallback is not None else prog
        if prog.broken or not prog.program:
            self.output = dst_tex if p >= 0.5 else src_tex
            return self.output
        r = self.renderer
        GL = r.GL
        dst = dst_target or self.target()
        mask = self._mask_target() if paint else None  # made before binding: _Target() binds its texture
        GL.glBindVertexArray(r.vao)
        GL.glViewport(0, 0, r.w, r.h)
        GL.glBindBufferBase(GL.GL_UNIFORM_BUFFER, 0, r.ubo)  # this renderer's features, whichever was bound last
        for unit, tex in ((0, src_tex), (1, r.targets[r.prev].tex), (2, r._image_tex or r.images[0]),
                          (3, r.images[1]), (DEST_UNIT, dst_tex)):
            GL.glActiveTexture(GL.GL_TEXTURE0 + unit)
            GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
        if mask is not None:  # pass 1: the stroke mask, at reduced size
            GL.glViewport(0, 0, mask.w, mask.h)
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, mask.fbo)
            self._uniforms(self._mask_pass, p)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
            GL.glViewport(0, 0, r.w, r.h)
            GL.glActiveTexture(GL.GL_TEXTURE0 + MASK_UNIT)
            GL.glBindTexture(GL.GL_TEXTURE_2D, mask.tex)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, dst.fbo)
        self._uniforms(prog, p)
        GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        self.output = dst.tex
        return self.output

    def _uniforms(self, prog: "Pass", p: float) -> None:
        GL, loc = self.renderer.GL, prog.locations
        GL.glUseProgram(prog.program)
        for name, v in (("u_progress", p), ("u_stroke", self.stroke), ("u_follow", self.follow),
                        ("u_seed", float(self.seed % 1000) * 0.137), ("u_show_mask", 1.0 if self.show_mask else 0.0)):
            if loc.get(name, -1) >= 0:
                GL.glUniform1f(loc[name], v)
        if loc.get("u_size", -1) >= 0:
            GL.glUniform2f(loc["u_size"], float(self.renderer.w), float(self.renderer.h))

    def _mask_target(self) -> "_Target":
        if self._mask is None:
            from .chain import _Target

            w = max(1, round(self.renderer.w * self.mask_scale))
            h = max(1, round(self.renderer.h * self.mask_scale))
            self._mask = _Target(w, h)
            self._mask.w, self._mask.h = w, h
        return self._mask

    def frame(self, features: Features, src_tex: int, dst_tex: int, t: float | None = None) -> int | None:
        """One frame of the switch: :meth:`progress`, then :meth:`draw` into the own target.

        Returns the texture to show (``self.output``; :meth:`blit_to_screen` and
        :meth:`read_rgba` read it), or ``None`` once the transition is done --
        from then on show the destination alone and :meth:`close` this.
        """
        p = self.progress(features, t)
        if p is None:
            return None
        return self.draw(src_tex, dst_tex, p)

    def snapshot(self, renderer: "Renderer") -> int:
        """Copy ``renderer``'s last output into a texture the transition owns and return it.

        For a switch inside one renderer (a scene change): hold the picture as it
        was and use it as ``src_tex`` while the renderer goes on with the new scene.
        """
        from .chain import _Target

        GL = self.renderer.GL
        renderer.resolve()
        if self._held is None:
            self._held = _Target(renderer.w, renderer.h)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, renderer.targets[renderer.prev].fbo)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self._held.fbo)
        GL.glBlitFramebuffer(0, 0, renderer.w, renderer.h, 0, 0, renderer.w, renderer.h,
                             GL.GL_COLOR_BUFFER_BIT, GL.GL_NEAREST)
        return self._held.tex

    def latent(self, z_src: np.ndarray, z_dst: np.ndarray, progress: float | None, axis: int = -1) -> np.ndarray:
        """:func:`latent_channel_blend` with this transition's seed (``None`` progress = the destination)."""
        return latent_channel_blend(z_src, z_dst, 1.0 if progress is None else progress, self.seed, axis=axis)

    # ------------------------------------------------------------------ output
    def read_rgba(self) -> np.ndarray:
        """The transition's own target as (H, W, 4) uint8, bottom row first."""
        r, GL = self.renderer, self.renderer.GL
        out = np.empty((r.h, r.w, 4), np.uint8)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self.target().fbo)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glReadPixels(0, 0, r.w, r.h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, out)
        return out

    def blit_to_screen(self, width: int, height: int) -> None:
        """Scale the transition's own target onto the window's default framebuffer."""
        r, GL = self.renderer, self.renderer.GL
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self.target().fbo)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, 0)
        GL.glBlitFramebuffer(0, 0, r.w, r.h, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)

    def close(self) -> None:
        """Free the programs and the own target (the renderer is left alone)."""
        GL = self.renderer.GL
        GL.glUseProgram(0)  # (a program still in use would only be flagged for deletion)
        if self._isf is not None:  # an ISF transition's programs and images
            self._isf.release()
            self._isf = None
        for p in (self._pass, self._mask_pass, self._fallback):
            if p is not None and p.program:
                GL.glDeleteProgram(p.program)
                p.program = 0
        for t in (self._target, self._held, self._mask):
            if t is not None:
                GL.glDeleteFramebuffers(1, [t.fbo])
                GL.glDeleteTextures([t.tex])
        self._target = self._held = self._mask = None
