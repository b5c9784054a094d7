"""``vjhost run --hud``: an overlay of what the analysis hears, drawn after the effect chain.

:class:`Hud` compiles ``shaders/hud.glsl`` through the renderer's own
machinery (``Renderer._build``: the same finder, header, error mapping and
fault reporting) and draws one fullscreen pass that reads the chain's output
(``renderer.output``) and writes the frame with the overlay:

- by default into the HUD's own target, so the overlay never reaches the
  chain's feedback (``u_prev``); show it with :meth:`Hud.blit_to_screen`
  (instead of ``renderer.blit_to_screen``) and read it with :meth:`Hud.read_rgba`;
- with ``into_output=True`` into one of the renderer's free targets, which then
  becomes the renderer's output (``renderer.blit_to_screen``/``read_rgba`` show
  it, but feedback effects see the HUD next frame).

Everything the shader shows comes in as ``u_hud_*`` uniforms set here (and
``u_bpm``), so it needs nothing from the chain's uniform block.  A HUD shader
that fails to compile is reported to the renderer's fault log and the HUD
just passes the frame through.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..protocols import Features
from .chain import Pass, _Target

#: status["active"] -> the shader's colour index (see shaders/hud.glsl)
SOURCES = ("link", "midi", "osc", "tap", "audio", "internal")


class Hud:
    """The performer's overlay.  Create and call on the render thread, after the renderer."""

    def __init__(self, renderer, shader: str = "hud.glsl", opacity: float = 0.6) -> None:
        self.r = renderer
        self.GL = renderer.GL
        self.opacity = opacity
        self.pass_ = renderer._build(Pass("hud", shader))
        self.target = _Target(renderer.w, renderer.h)
        self.output = self.target.tex
        self._fbo = self.target.fbo
        self._readback: np.ndarray | None = None
        self._locs: dict[str, int] = {}
        self._lookup()

    def _lookup(self) -> None:
        GL, prog = self.GL, self.pass_.program
        self._locs = {}
        if not prog:
            return
        for n in ("u_bpm", "u_hud_bands", "u_hud_levels", "u_hud_hits", "u_hud_beat", "u_hud_source",
                  "u_hud_size", "u_hud_opacity"):
            self._locs[n] = GL.glGetUniformLocation(prog, n)

    def reload_changed(self) -> bool:
        """Recompile the HUD shader if its files changed on disk (keeps the old program on error)."""
        for f, mtime in self.pass_.files.items():
            try:
                if f.stat().st_mtime != mtime:
                    break
            except OSError:
                break
        else:
            return False
        self.r._build(self.pass_, keep_old=True)
        self._lookup()
        return True

    def draw(self, features: Features, status: Mapping[str, Any] | None = None, *, into_output: bool = False) -> int:
        """Overlay ``features`` (use the :meth:`TempoSync.apply` result) and ``status``
        (:meth:`TempoSync.status`, or None) on the chain's latest output.  Returns the texture drawn."""
        GL, r = self.GL, self.r
        status = status or {}
        active = status.get("active", "audio" if features.beat_confidence > 0 else "internal")
        src_index = SOURCES.index(active) if active in SOURCES else len(SOURCES) - 1
        audio_conf = (status.get("audio") or {}).get("confidence", features.beat_confidence) or 0.0
        if into_output:
            dst = next(i for i in range(3) if i != r.prev)
            fbo = r.targets[dst].fbo
        else:
            fbo = self._fbo
        src_tex = r.output
        GL.glBindVertexArray(r.vao)
        GL.glViewport(0, 0, r.w, r.h)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
        p = self.pass_
        if p.broken or not p.program:
            # no HUD shader: pass the frame through
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, r.targets[r.prev].fbo)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, fbo)
            GL.glBlitFramebuffer(0, 0, r.w, r.h, 0, 0, r.w, r.h, GL.GL_COLOR_BUFFER_BIT, GL.GL_NEAREST)
        else:
            GL.glUseProgram(p.program)
            loc = self._locs
            bands = np.zeros(8, np.float32)
            b = np.asarray(features.bands, np.float32)[:8]
            bands[: len(b)] = b

            def set1(name: str, v: float) -> None:
                if loc.get(name, -1) >= 0:
                    GL.glUniform1f(loc[name], float(v))

            def set4(name: str, *v: float) -> None:
                if loc.get(name, -1) >= 0:
                    GL.glUniform4f(loc[name], *(float(x) for x in v))

            set1("u_bpm", features.bpm)
            if loc.get("u_hud_bands", -1) >= 0:
                GL.glUniform1fv(loc["u_hud_bands"], 8, bands)
            set4("u_hud_levels", features.bass, features.mid, features.high, features.rms)
            set4("u_hud_hits", *(1.0 if getattr(features, k) else getattr(features, k + "_env")
                                 for k in ("onset", "kick", "snare", "hat")))
            set4("u_hud_beat", features.beat_phase, features.bar_phase,
                 1.0 if features.downbeat else features.beat_env, audio_conf)
            set1("u_hud_source", src_index)
            if loc.get("u_hud_size", -1) >= 0:
                GL.glUniform2f(loc["u_hud_size"], float(r.w), float(r.h))
            set1("u_hud_opacity", self.opacity)
            GL.glActiveTexture(GL.GL_TEXTURE0)
            GL.glBindTexture(GL.GL_TEXTURE_2D, src_tex)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        if into_output:
            r.prev = dst
            r.output = r.targets[dst].tex
            self.output = r.output
            self._fbo_last = fbo
        else:
            self.output = self.target.tex
            self._fbo_last = fbo
        return self.output

    def read_rgba(self) -> np.ndarray:
        """The last HUD frame as (H, W, 4) uint8, bottom row first."""
        GL, r = self.GL, self.r
        if self._readback is None:
            self._readback = np.empty((r.h, r.w, 4), np.uint8)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, getattr(self, "_fbo_last", self._fbo))
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glReadPixels(0, 0, r.w, r.h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, self._readback)
        return self._readback

    def blit_to_screen(self, width: int, height: int) -> None:
        """Scale the last HUD frame onto the window's default framebuffer."""
        GL, r = self.GL, self.r
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, getattr(self, "_fbo_last", self._fbo))
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, 0)
        GL.glBlitFramebuffer(0, 0, r.w, r.h, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
