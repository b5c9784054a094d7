"""Video out to other software: a virtual camera (v4l2loopback, pyvirtualcam), NDI (cyndilib), Spout, Syphon.

Each is an :class:`~vjhost.protocols.Output`, registered by the built-ins
(``plugins/vjhost_builtins/outputs.py``) and opened only when asked for
(``vjhost run --output virtualcam``).  Their libraries are imported when the
output opens, never at registration; ``available()`` says why one cannot work
here without importing anything heavy.

* ``virtualcam`` (pyvirtualcam; on Linux a v4l2loopback device, e.g. ``sudo
  modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=vjhost``): OBS,
  Zoom, a browser see vjhost as a webcam.  ``=/dev/videoN`` picks the device.
* ``ndi`` (cyndilib, which bundles the NDI runtime under the NDI SDK licence:
  NDI® is a registered trademark of Vizrt NDI AB, https://ndi.video): a source on
  the local network named ``vjhost`` (or ``=NAME``), for Resolume, OBS,
  TouchDesigner, vMix.
* ``spout`` (Windows, SpoutGL) and ``syphon`` (macOS, syphon-python): the frame
  is shared as a GPU texture -- no readback at all.

Pixel outputs (virtual camera, NDI) take the frame on the render thread by
copying it into a free one of two buffers; a thread of their own sends it, so
a slow device drops frames of its own (counted in ``dropped``), never the show's.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
import threading
from pathlib import Path

import numpy as np

from ..protocols import OutputFrame

#: what ``available()`` says when a library is missing
INSTALL = {
    "pyvirtualcam": "pip install pyvirtualcam (or pip install -e .[outputs])",
    "cyndilib": "pip install cyndilib (or pip install -e .[outputs])",
    "SpoutGL": "pip install SpoutGL",
    "syphon": "pip install syphon-python",
}


def _missing(module: str) -> str | None:
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else f"the {module} package is not installed ({INSTALL[module]})"


# --------------------------------------------------------------------------- a sending thread


class _Mailbox:
    """The newest frame for a device, sent on a thread of its own: the render thread only copies.

    Three buffers: one being sent, one waiting, one free for the render thread
    to fill.  A frame still waiting when the next arrives is replaced (counted
    in ``dropped``): a slow device loses frames of its own, the show none.
    """

    def __init__(self, name: str, shape: tuple[int, ...], send) -> None:
        self._bufs = [np.empty(shape, np.uint8) for _ in range(3)]
        self._full: int | None = None  # index of the buffer waiting to be sent
        self._sending: int | None = None
        self._cv = threading.Condition()
        self._send = send
        self._stop = False
        self.error: BaseException | None = None
        self.sent = 0
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name=f"vjhost-{name}", daemon=True)
        self._thread.start()

    def put(self, fill) -> None:
        """``fill(buffer)`` writes the frame into a free buffer (on the caller's thread)."""
        if self.error is not None:
            err, self.error = self.error, None
            raise err
        with self._cv:
            free = next(i for i in range(3) if i != self._sending and i != self._full)
        fill(self._bufs[free])
        with self._cv:
            if self._full is not None:
                self.dropped += 1  # the device has not taken the previous one: this one replaces it
            self._full = free
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                while self._full is None and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                self._sending, self._full = self._full, None
            try:
                self._send(self._bufs[self._sending])
                self.sent += 1
            except BaseException as exc:  # noqa: BLE001 - raised on the render thread by the next put()
                self.error = exc
            with self._cv:
                self._sending = None

    def close(self, timeout: float = 2.0) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout)


# --------------------------------------------------------------------------- virtual camera


def v4l2loopback_devices() -> list[str]:
    """``/dev/videoN`` of the v4l2loopback devices (from sysfs: their driver is v4l2 loopback)."""
    out = []
    for d in sorted(glob.glob("/sys/devices/virtual/video4linux/video*")):
        node = f"/dev/{os.path.basename(d)}"
        if os.path.exists(node):
            out.append(node)
    return out


def virtualcam_available() -> str | None:
    missing = _missing("pyvirtualcam")
    if missing:
        return missing
    if sys.platform.startswith("linux"):
        if not v4l2loopback_devices():
            return ("no v4l2loopback device (apt-get install v4l2loopback-dkms; "
                    "sudo modprobe v4l2loopback devices=1 exclusive_caps=1 card_label=vjhost)")
    return None


class VirtualCamera:
    """The show as a webcam (pyvirtualcam: v4l2loopback on Linux, OBS's camera on Windows/macOS)."""

    wants = "rgba"

    def __init__(self, setting: str | None, size: tuple[int, int], fps: float) -> None:
        import pyvirtualcam

        w, h = size
        kw = {"device": setting} if setting else {}
        if setting and sys.platform.startswith("linux") and not Path(setting).exists():
            raise FileNotFoundError(f"{setting}: no such device (v4l2loopback devices here: "
                                    f"{', '.join(v4l2loopback_devices()) or 'none'})")
        self.cam = pyvirtualcam.Camera(width=w, height=h, fps=float(fps), fmt=pyvirtualcam.PixelFormat.RGB, **kw)
        self.device = self.cam.device
        self.description = f"virtual camera {self.device} {w}x{h}"
        self.box = _Mailbox("virtualcam", (h, w, 3), self.cam.send)

    @property
    def dropped(self) -> int:
        return self.box.dropped

    def send(self, frame: OutputFrame) -> None:
        rgba = frame.rgba

        def fill(buf: np.ndarray) -> None:
            np.copyto(buf, rgba[..., :3])

        self.box.put(fill)

    def close(self) -> None:
        self.box.close()
        self.cam.close()


# --------------------------------------------------------------------------- NDI


def ndi_available() -> str | None:
    return _missing("cyndilib")


class NdiSender:
    """An NDI source (cyndilib).  RGBA frames at the show's size and frame rate; no audio."""

    wants = "rgba"

    def __init__(self, setting: str | None, size: tuple[int, int], fps: float) -> None:
        from fractions import Fraction

        from cyndilib.sender import Sender
        from cyndilib.video_frame import VideoSendFrame
        from cyndilib.wrapper.ndi_structs import FourCC

        w, h = size
        self.name = setting or "vjhost"
        self.sender = Sender(self.name, clock_video=False)
        vf = VideoSendFrame()
        vf.set_resolution(w, h)
        vf.set_frame_rate(Fraction(int(round(fps * 1000)), 1000))
        vf.set_fourcc(FourCC.RGBA)
        self.sender.set_video_frame(vf)
        self.sender.open()
        self.description = f"NDI source {self.name!r} {w}x{h} (NDI® is a registered trademark of Vizrt NDI AB)"
        self.box = _Mailbox("ndi", (h, w, 4), self._write)

    def _write(self, buf: np.ndarray) -> None:
        if not self.sender.write_video_async(buf.reshape(-1)):
            raise RuntimeError(f"NDI source {self.name!r}: the runtime refused the frame")

    @property
    def dropped(self) -> int:
        return self.box.dropped

    def connections(self, timeout: float = 0.0) -> int:
        return int(self.sender.get_num_connections(timeout))

    def send(self, frame: OutputFrame) -> None:
        rgba = frame.rgba
        self.box.put(lambda buf: np.copyto(buf, rgba))

    def close(self) -> None:
        self.box.close()
        self.sender.close()


# --------------------------------------------------------------------------- texture sharing


def spout_available() -> str | None:
    if sys.platform != "win32":
        return f"Spout is Windows only (this is {sys.platform}); use ndi or virtualcam here"
    return _missing("SpoutGL")


class SpoutSender:
    """A Spout sender (Windows): the output texture shared on the GPU (SpoutGL)."""

    wants = "texture"

    def __init__(self, setting: str | None, size: tuple[int, int], fps: float) -> None:
        reason = spout_available()
        if reason:
            raise RuntimeError(reason)
        import SpoutGL
        from OpenGL import GL

        self.GL = GL
        self.name = setting or "vjhost"
        self.sender = SpoutGL.SpoutSender()
        self.sender.setSenderName(self.name)
        self.description = f"Spout sender {self.name!r}"

    def send(self, frame: OutputFrame) -> None:
        w, h = frame.size
        # the texture is bottom row first (GL): Spout's invert flag turns it upright for receivers
        if not self.sender.sendTexture(frame.texture, self.GL.GL_TEXTURE_2D, w, h, True, 0):
            raise RuntimeError(f"Spout sender {self.name!r}: sendTexture failed")
        self.sender.setFrameSync(self.name)

    def close(self) -> None:
        self.sender.releaseSender()


def syphon_available() -> str | None:
    if sys.platform != "darwin":
        return f"Syphon is macOS only (this is {sys.platform}); use ndi or virtualcam here"
    return _missing("syphon")


class SyphonServer:
    """A Syphon server (macOS): the output texture shared on the GPU (syphon-python's OpenGL server)."""

    wants = "texture"

    def __init__(self, setting: str | None, size: tuple[int, int], fps: float) -> None:
        reason = syphon_available()
        if reason:
            raise RuntimeError(reason)
        import syphon
        from syphon.types import Size

        self.name = setting or "vjhost"
        self.server = syphon.SyphonOpenGLServer(self.name)
        self._size = Size(*size)
        self.description = f"Syphon server {self.name!r}"

    def send(self, frame: OutputFrame) -> None:
        self.server.publish_frame_texture(frame.texture, size=self._size, is_flipped=True)

    def close(self) -> None:
        self.server.stop()
