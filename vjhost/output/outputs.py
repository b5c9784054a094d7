"""Outputs besides the window: the frame tap (GPU -> outputs without a stall) and the set of open outputs.

:class:`OutputSet` holds the outputs the performer asked for (``vjhost run
--output NAME[=SETTING]``, ``--record-video``), each behind a
:class:`~vjhost.faults.Guard`: one that raises is reported once and, after
three failures in a row, bypassed and closed -- the show keeps rendering.
With no output asked for there is no ``OutputSet`` at all: outputs cost
nothing when off.

:class:`FrameTap` gets the frame the audience saw off the GPU:

* a blit of the presented picture (the window's back buffer, or any
  framebuffer) into a texture of the output size -- texture-sharing outputs
  (Spout, Syphon) get that texture, nothing goes through the CPU;
* for outputs that need pixels (NDI, the virtual camera, the recording), an
  asynchronous read into one of two pixel-buffer objects (PBOs): the read
  started this frame is mapped the *next* frame, when the GPU has long
  finished it, so the render thread never waits for the transfer.  The
  pixels therefore arrive one frame late (16 ms at 60 fps), flipped to top
  row first into one reused buffer.

Nothing here allocates per frame: the targets, PBOs and the pixel buffer are
made once (and again only when the output size changes, which it does not in
a show).
"""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from ..faults import FaultLog, Guard
from ..protocols import Features, Output, OutputFrame, OutputSpec

if TYPE_CHECKING:  # pragma: no cover
    from ..plugins import Host

WANTS = ("rgba", "texture", "features")


class OutputRequestError(ValueError):
    """``--output`` names an output nobody registered (the message lists those that are)."""


def parse_request(text: str) -> tuple[str, str | None]:
    """``"ndi=Main stage"`` -> ``("ndi", "Main stage")``; ``"spout"`` -> ``("spout", None)``."""
    name, sep, setting = text.partition("=")
    name = name.strip()
    if not name:
        raise OutputRequestError(f"--output {text!r}: give an output name (see `vjhost devices`)")
    return name, (setting.strip() or None) if sep else None


def check_requests(host: "Host", requests: Iterable[str]) -> list[tuple[str, str | None]]:
    """Every ``--output`` names a registered output (before any window opens); raises naming the others."""
    out = []
    for text in requests:
        name, setting = parse_request(text)
        if name not in host.outputs:
            have = ", ".join(sorted(host.outputs.names())) or "none installed"
            raise OutputRequestError(f"--output {name}: no such output "
                                     f"(have: {have}; `vjhost devices` says which work here)")
        out.append((name, setting))
    return out


def availability(host: "Host") -> list[dict]:
    """Every registered output and whether it can work on this machine (for ``vjhost devices``)."""
    rows = []
    for name in sorted(host.outputs.names()):
        spec = host.outputs[name]
        try:
            reason = spec.available()
        except Exception as exc:  # noqa: BLE001 - a broken check is itself the reason
            reason = f"its availability check failed: {type(exc).__name__}: {exc}"
        rows.append({"name": name, "available": reason is None, "reason": reason, "description": spec.description,
                     "setting": spec.setting, "plugin": host.outputs.owner(name)})
    return rows


# --------------------------------------------------------------------------- the frame tap


class FrameTap:
    """The presented frame at the output size: a texture every frame, pixels one frame late (PBO ring).

    Create and use on the render thread (GL context current).  ``pixels``:
    whether any consumer needs CPU pixels (else only the texture is kept).
    """

    def __init__(self, size: tuple[int, int], pixels: bool = True, n_pbo: int = 2) -> None:
        from OpenGL import GL

        self.GL = GL
        self.size = (int(size[0]), int(size[1]))
        w, h = self.size
        self.pixels = pixels
        self.tex = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, self.tex)
        GL.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, None)
        for k in (GL.GL_TEXTURE_MIN_FILTER, GL.GL_TEXTURE_MAG_FILTER):
            GL.glTexParameteri(GL.GL_TEXTURE_2D, k, GL.GL_LINEAR)
        GL.glBindTexture(GL.GL_TEXTURE_2D, 0)
        self.fbo = int(GL.glGenFramebuffers(1))
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.fbo)
        GL.glFramebufferTexture2D(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, self.tex, 0)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        self.nbytes = w * h * 4
        self.pbos: list[int] = []
        self.rgba: np.ndarray | None = None  #: the newest pixels, top row first (reused buffer)
        self.rgba_t = 0.0  #: show time of the frame in ``rgba``
        self._pending: list[float | None] = []
        self._i = 0
        if pixels:
            ids = GL.glGenBuffers(n_pbo)
            self.pbos = [int(i) for i in np.atleast_1d(ids)]
            for pbo in self.pbos:
                GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, pbo)
                GL.glBufferData(GL.GL_PIXEL_PACK_BUFFER, self.nbytes, None, GL.GL_STREAM_READ)
            GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, 0)
            self.rgba = np.empty((h, w, 4), np.uint8)
            self._pending = [None] * len(self.pbos)
            self._ctype = ctypes.c_ubyte * self.nbytes
        self.frames = 0

    def capture(self, t: float, src_fbo: int = 0, src_size: tuple[int, int] | None = None) -> bool:
        """Take the frame just drawn into ``src_fbo`` (0: the window's back buffer) at ``src_size``.

        Returns True when :attr:`rgba` holds a new (one frame older) picture.
        """
        GL = self.GL
        w, h = self.size
        sw, sh = src_size or self.size
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, src_fbo)
        if src_fbo == 0:
            GL.glReadBuffer(GL.GL_BACK)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self.fbo)
        GL.glBlitFramebuffer(0, 0, sw, sh, 0, 0, w, h, GL.GL_COLOR_BUFFER_BIT,
                             GL.GL_NEAREST if (sw, sh) == (w, h) else GL.GL_LINEAR)
        self.frames += 1
        if not self.pixels:
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
            return False
        n = len(self.pbos)
        i = self._i
        # start this frame's read (returns at once: the transfer runs on the GPU's time) ...
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, self.fbo)
        GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, self.pbos[i])
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, ctypes.c_void_p(0))
        self._pending[i] = t
        # ... and collect the oldest one, started n - 1 frames ago
        j = (i + 1) % n
        self._i = j
        got = False
        if self._pending[j] is not None:
            GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, self.pbos[j])
            ptr = GL.glMapBufferRange(GL.GL_PIXEL_PACK_BUFFER, 0, self.nbytes, GL.GL_MAP_READ_BIT)
            if ptr:
                src = np.ctypeslib.as_array(self._ctype.from_address(int(ptr))).reshape(h, w, 4)
                np.copyto(self.rgba, src[::-1])  # GL's rows are bottom first
                GL.glUnmapBuffer(GL.GL_PIXEL_PACK_BUFFER)
                self.rgba_t = float(self._pending[j])
                got = True
            self._pending[j] = None
        GL.glBindBuffer(GL.GL_PIXEL_PACK_BUFFER, 0)
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, 0)
        return got

    def close(self) -> None:
        GL = self.GL
        if self.pbos:
            GL.glDeleteBuffers(len(self.pbos), self.pbos)
            self.pbos = []
        if self.fbo:
            GL.glDeleteFramebuffers(1, [self.fbo])
            GL.glDeleteTextures([self.tex])
            self.fbo = self.tex = 0


# --------------------------------------------------------------------------- the open outputs


@dataclass
class _Open:
    name: str
    output: Output
    guard: Guard
    closed: bool = False


@dataclass
class OutputSet:
    """The outputs of one show, fed once per frame from the render thread (:meth:`send`)."""

    size: tuple[int, int]
    faults: FaultLog
    outputs: list[_Open] = field(default_factory=list)
    tap: FrameTap | None = None
    frame: OutputFrame = field(default_factory=OutputFrame)

    def add(self, name: str, output: Output) -> None:
        wants = getattr(output, "wants", None)
        if wants not in WANTS:
            raise TypeError(f"output {name}: wants must be one of {', '.join(WANTS)}, not {wants!r}")
        self.outputs.append(_Open(name, output, Guard(f"output {name}", self.faults)))

    def _need(self) -> tuple[bool, bool]:
        live = [o for o in self.outputs if not o.guard.bypassed]
        pixels = any(o.output.wants == "rgba" for o in live)
        gpu = pixels or any(o.output.wants == "texture" for o in live)
        return gpu, pixels

    def send(self, t: float, features: Features, *, src_fbo: int = 0, src_size: tuple[int, int] | None = None,
             pack: str = "", palette: np.ndarray | None = None) -> None:
        """One frame: tap the picture if anyone needs it, then every output, each behind its guard."""
        gpu, pixels = self._need()
        fr = self.frame
        fr.t, fr.features, fr.size, fr.pack = t, features, self.size, pack
        if palette is not None:
            fr.palette = palette
        fresh = False
        if gpu:
            if self.tap is None or (pixels and not self.tap.pixels):
                if self.tap is not None:
                    self.tap.close()
                self.tap = FrameTap(self.size, pixels=pixels)
            fresh = self.tap.capture(t, src_fbo, src_size)
            fr.texture = self.tap.tex
        for o in self.outputs:
            if o.guard.bypassed:
                if not o.closed:
                    self._close(o)
                continue
            wants = o.output.wants
            if wants == "rgba":
                if not fresh:
                    continue  # (the first frame: the pixels arrive one frame late)
                fr.rgba, fr.t = self.tap.rgba, self.tap.rgba_t
            else:
                fr.rgba, fr.t = None, t
            o.guard.call(o.output.send, fr)
        fr.index += 1

    def _close(self, o: _Open) -> None:
        o.closed = True
        try:
            o.output.close()
        except Exception as exc:  # noqa: BLE001 - closing a dead device may fail too
            self.faults.exception(o.guard.source, exc)

    def names(self) -> list[str]:
        return [o.name for o in self.outputs]

    def close(self) -> None:
        for o in self.outputs:
            if not o.closed:
                self._close(o)
        if self.tap is not None:
            self.tap.close()
            self.tap = None


def open_outputs(host: "Host", requests: Sequence[tuple[str, str | None]], size: tuple[int, int], fps: float,
                 faults: FaultLog, extra: Sequence[tuple[str, Output]] = (), stream=None) -> OutputSet | None:
    """Open what was asked for; one that is unavailable or fails to open is named once, and the show goes on.

    Returns ``None`` when nothing is open (no cost per frame at all).
    """
    stream = stream if stream is not None else sys.stderr
    outs = OutputSet(tuple(size), faults)
    for name, setting in requests:
        spec: OutputSpec = host.outputs[name]
        try:
            reason = spec.available()
        except Exception as exc:  # noqa: BLE001
            reason = f"{type(exc).__name__}: {exc}"
        if reason:
            faults.note(f"output {name}", reason,
                        f"output {name} is not available: {reason}; the show goes on without it")
            continue
        try:
            out = spec.factory(setting, tuple(size), float(fps))
            outs.add(name, out)
        except Exception as exc:  # noqa: BLE001 - a device that will not open must not stop the show
            faults.report(f"output {name}", f"could not open: {exc}; the show goes on without it")
            continue
        desc = getattr(out, "description", "")
        print(f"vjhost: output {name} on" + (f" ({setting})" if setting else "") + (f": {desc}" if desc else ""),
              file=stream, flush=True)
    for name, out in extra:
        outs.add(name, out)
    return outs if outs.outputs else None


def palette_rgb(hexes: Sequence[str]) -> np.ndarray:
    """``["#ff0000", ...]`` -> (N, 3) uint8 (a pack's palette for the lights)."""
    if not hexes:
        return np.zeros((0, 3), np.uint8)
    return np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in hexes], np.uint8)
