"""``vjhost run --hud``: an overlay of what the analysis hears and how the show is doing.

:class:`Hud` compiles ``shaders/hud.glsl`` through the renderer's own
machinery (``Renderer._build``: the same finder, header, error mapping and
fault reporting) and draws one fullscreen pass that reads the chain's output
(``renderer.output``) and writes the frame with the overlay:

- by default into the HUD's own target at the show's size (the pass is also
  the upscale from a reduced render scale, so the HUD costs no extra pass and
  its text stays crisp), so the overlay never reaches the chain's feedback
  (``u_prev``); show it with :meth:`Hud.blit_to_screen` (instead of
  ``renderer.blit_to_screen``) and read it with :meth:`Hud.read_rgba`;
- with ``into_output=True`` into one of the renderer's free targets (at the
  render size), which then becomes the renderer's output
  (``renderer.blit_to_screen``/``read_rgba`` show it, but feedback effects
  see the HUD next frame).

Everything is labelled: the band bars, the bass/mid/high levels, the onset,
kick, snare and hat lamps and the beat/bar boxes along the bottom; the BPM,
the tempo source (its colour and name) top left; the show's fps, p99, render
scale, decode rate and dropped frames top right.  The text is drawn with a
5x7 pixel font into a small canvas (:mod:`vjhost.render.hudtext`) on the
render thread only when a value shown changes (at most 4 times a second) and
uploaded then; per frame the shader samples it once.  Meters come in as
``u_hud_*`` uniforms, so the HUD needs nothing from the chain's uniform block.
A HUD shader that fails to compile is reported to the renderer's fault log
and the HUD just passes the frame through.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

import numpy as np

from ..protocols import Features
from .chain import Pass, _Target
from .hudtext import GLYPH_H, LINE, TextCanvas, text_width

#: status["active"] -> the shader's colour index (see shaders/hud.glsl)
SOURCES = ("link", "midi", "osc", "tap", "audio", "internal")
TEXT_UNIT = 4  #: texture unit of ``u_hud_text`` (0-3 are the chain's)
#: canvas bytes: a darkened panel, the tempo source's swatch, ink tinted by the source, white ink
PANEL, SWATCH, TINT, INK = 64, 128, 192, 255
TEXT_EVERY_S = 0.25  #: the show's numbers are read at most this often


def font_scale(height: int) -> int:
    """Screen pixels per font pixel: 1 up to 639 lines, 2 at 720p, 3 at 1080p."""
    return max(1, int(height) // 320)


class Hud:
    """The performer's overlay.  Create and call on the render thread, after the renderer."""

    def __init__(self, renderer, shader: str = "hud.glsl", opacity: float = 0.6) -> None:
        self.r = renderer
        self.GL = renderer.GL
        self.opacity = opacity
        self.pass_ = renderer._build(Pass("hud", shader))
        self.w, self.h = renderer.size
        self.target = _Target(self.w, self.h)
        self.output = self.target.tex
        self._fbo = self.target.fbo
        self._fbo_last = self._fbo
        self._size_last = (self.w, self.h)
        self._readback: np.ndarray | None = None
        self._locs: dict[str, int] = {}
        self._bands = np.zeros(8, np.float32)
        # the text canvas: font pixels over the whole frame, uploaded bottom row first when it changes
        self.px = font_scale(self.h)
        self.canvas = TextCanvas(-(-self.w // self.px), -(-self.h // self.px))
        self._text_key: tuple | None = None
        self._text_at = -1e9
        GL = self.GL
        GL.glActiveTexture(GL.GL_TEXTURE0)
        self.text_tex = GL.glGenTextures(1)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.text_tex)
        cw, ch = self.canvas.size
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_R8, cw, ch, 0, GL.GL_RED, GL.GL_UNSIGNED_BYTE, None)
        for k, v in ((GL.GL_TEXTURE_MIN_FILTER, GL.GL_NEAREST), (GL.GL_TEXTURE_MAG_FILTER, GL.GL_NEAREST),
                     (GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE), (GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE)):
            GL.glTexParameteri(GL.GL_TEXTURE_2D, k, v)
        self._upload = np.zeros((ch, cw), np.uint8)  # the canvas flipped, reused
        self._lookup()

    def _lookup(self) -> None:
        GL, prog = self.GL, self.pass_.program
        self._locs = {}
        if not prog:
            return
        for n in ("u_bpm", "u_hud_bands", "u_hud_levels", "u_hud_hits", "u_hud_beat", "u_hud_source",
                  "u_hud_size", "u_hud_opacity", "u_hud_text", "u_hud_text_px"):
            self._locs[n] = GL.glGetUniformLocation(prog, n)
        GL.glUseProgram(prog)
        if self._locs["u_hud_text"] >= 0:
            GL.glUniform1i(self._locs["u_hud_text"], TEXT_UNIT)

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

    # ------------------------------------------------------------------ text
    def _lines(self, features: Features, status: Mapping[str, Any], show: Mapping[str, Any] | None,
               active: str, audio_conf: float) -> tuple:
        bpm = f"{min(999.9, max(0.0, features.bpm)):.1f}"
        source = active.upper() + (f" {round(100 * audio_conf):d}%" if active == "audio" else "")
        stats: tuple[str, ...] = ()
        if show:
            scale = (f"{round(100 * float(show.get('render_scale', 1.0))):d}%"
                     + (" AUTO" if show.get("auto_scale") else ""))
            stats = (f"FPS {float(show.get('fps', 0.0)):.0f}  P99 {float(show.get('p99_ms', 0.0)):.1f} MS",
                     f"RENDER SCALE {scale}",
                     f"DECODE {float(show.get('decode_hz', 0.0)):.0f}/S  DROPPED {int(show.get('dropped', 0))}")
        return bpm, source, stats

    def _draw_text(self, key: tuple) -> None:
        bpm, source, stats = key
        c, s = self.canvas, self.px
        c.clear()
        cols, rows = c.size
        # top left: the BPM in big digits (tinted with the tempo source), "BPM", the source's swatch and name
        c.fill(0, 0, 2 + text_width("000.0") * 3 + 4 + max(text_width("BPM"), 9 + text_width(source)) + 3,
               2 + GLYPH_H * 3 + 3, PANEL)
        c.text(2, 2, bpm.rjust(5), TINT, scale=3)
        x = 2 + text_width("000.0") * 3 + 4
        c.text(x, 2, "BPM")
        c.fill(x, 2 + LINE, 7, 7, SWATCH)
        c.text(x + 9, 2 + LINE, source)
        # top right: how the show is doing
        if stats:
            wmax = max(text_width(t) for t in stats)
            c.fill(cols - wmax - 5, 0, wmax + 5, 3 + LINE * len(stats), PANEL)
            for i, t in enumerate(stats):
                c.text(cols - text_width(t) - 2, 2 + i * LINE, t)
        # the bottom strip's labels, in a row just above it (positions as in shaders/hud.glsl)
        strip = (self.h * 16 // 100) / s
        y = int(rows - strip - LINE)
        c.fill(0, y - 1, cols, LINE, PANEL)
        W = self.w / s

        def centred(x_share: float, t: str) -> None:
            c.text(int(x_share * W - text_width(t) / 2), y, t)

        c.text(2, y, "BANDS")
        for k, t in enumerate(("LO", "MID", "HI")):
            centred(0.46 + (k + 0.5) * 0.04, t)
        for k, t in enumerate(("ONS", "KCK", "SNR", "HAT")):
            centred(0.60 + (k + 0.5) * 0.035, t)
        c.text(int(0.76 * W), y, "BEAT / BAR 1-4")
        np.copyto(self._upload, c.pixels[::-1])
        GL = self.GL
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.text_tex)
        GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
        GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, cols, rows, GL.GL_RED, GL.GL_UNSIGNED_BYTE, self._upload)

    # ------------------------------------------------------------------ per frame
    def draw(self, features: Features, status: Mapping[str, Any] | None = None, *, into_output: bool = False,
             show: Mapping[str, Any] | None = None) -> int:
        """Overlay ``features`` (use the :meth:`TempoSync.apply` result), ``status``
        (:meth:`TempoSync.status`, or None) and ``show`` (how the show is doing:
        ``fps``, ``p99_ms``, ``render_scale``, ``auto_scale``, ``decode_hz``, ``dropped``;
        :meth:`LiveSession.show_status`) on the chain's latest output.  Returns the texture drawn."""
        GL, r = self.GL, self.r
        status = status or {}
        active = status.get("active", "audio" if features.beat_confidence > 0 else "internal")
        src_index = SOURCES.index(active) if active in SOURCES else len(SOURCES) - 1
        audio_conf = (status.get("audio") or {}).get("confidence", features.beat_confidence) or 0.0
        now = time.monotonic()
        bpm, source, stats = self._lines(features, status, show if now - self._text_at >= TEXT_EVERY_S else None,
                                         SOURCES[src_index], float(audio_conf))
        if stats:  # the show's numbers move every frame: they are read at most 4 times a second
            self._text_at = now
        elif self._text_key is not None:
            stats = self._text_key[2]
        key = (bpm, source, stats)
        if key != self._text_key:
            self._draw_text(key)
            self._text_key = key
        if into_output:
            dst = next(i for i in range(3) if i != r.prev)
            fbo, (w, h) = r.targets[dst].fbo, (r.w, r.h)
        else:
            fbo, (w, h) = self._fbo, (self.w, self.h)
        src = r.last_target()  # the chain's output as drawn (smaller, if its closing upscale is deferred)
        GL.glBindVertexArray(r.vao)
        GL.glViewport(0, 0, w, h)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
        p = self.pass_
        if p.broken or not p.program:
            # no HUD shader: pass the frame through
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, src.fbo)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, fbo)
            GL.glBlitFramebuffer(0, 0, src.w, src.h, 0, 0, w, h, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
        else:
            GL.glUseProgram(p.program)
            loc = self._locs
            b = np.asarray(features.bands, np.float32)[:8]
            self._bands[: len(b)] = b

            def set1(name: str, v: float) -> None:
                if loc.get(name, -1) >= 0:
                    GL.glUniform1f(loc[name], float(v))

            def set4(name: str, *v: float) -> None:
                if loc.get(name, -1) >= 0:
                    GL.glUniform4f(loc[name], *(float(x) for x in v))

            set1("u_bpm", features.bpm)
            if loc.get("u_hud_bands", -1) >= 0:
                GL.glUniform1fv(loc["u_hud_bands"], 8, self._bands)
            set4("u_hud_levels", features.bass, features.mid, features.high, features.rms)
            set4("u_hud_hits", *(1.0 if getattr(features, k) else getattr(features, k + "_env")
                                 for k in ("onset", "kick", "snare", "hat")))
            set4("u_hud_beat", features.beat_phase, features.bar_phase,
                 1.0 if features.downbeat else features.beat_env, audio_conf)
            set1("u_hud_source", src_index)
            if loc.get("u_hud_size", -1) >= 0:
                GL.glUniform2f(loc["u_hud_size"], float(w), float(h))
            set1("u_hud_opacity", self.opacity)
            set1("u_hud_text_px", self.px * (w / self.w))
            GL.glActiveTexture(GL.GL_TEXTURE0 + TEXT_UNIT)
            GL.glBindTexture(GL.GL_TEXTURE_2D, self.text_tex)
            GL.glActiveTexture(GL.GL_TEXTURE0)
            GL.glBindTexture(GL.GL_TEXTURE_2D, src.tex)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
        GL.glViewport(0, 0, r.w, r.h)
        self._fbo_last, self._size_last = fbo, (w, h)
        if into_output:
            r.replace_output(dst)
            self.output = r.output
        else:
            self.output = self.target.tex
        return self.output

    def read_rgba(self) -> np.ndarray:
        """The last HUD frame as (H, W, 4) uint8, bottom row first."""
        GL = self.GL
        w, h = self._size_last
        if self._readback is None or self._readback.shape[:2] != (h, w):
            self._readback = np.empty((h, w, 4), np.uint8)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._fbo_last)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, self._readback)
        return self._readback

    def blit_to_screen(self, width: int, height: int) -> None:
        """Copy the last HUD frame onto the window's default framebuffer."""
        GL = self.GL
        w, h = self._size_last
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self._fbo_last)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, 0)
        GL.glBlitFramebuffer(0, 0, w, h, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)

    def close(self) -> None:
        """Free the HUD's GL objects (the pass, its target, the text texture)."""
        GL = self.GL
        if self.pass_.program:
            GL.glDeleteProgram(self.pass_.program)
            self.pass_.program = 0
        self.target.release(GL)
        GL.glDeleteTextures([self.text_tex])
