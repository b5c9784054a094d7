"""OpenGL 3.3 core contexts: headless (EGL) for offline renders and tests, a glfw window live.

PyOpenGL picks its platform when ``OpenGL.GL`` is first imported, so call
:func:`use_platform` before anything imports it.  Headless takes a GPU when
there is one: first an EGL device that is not Mesa's software rasterizer (the
NVIDIA driver's EGL on a GPU box, or a Mesa hardware driver), then Mesa's
surfaceless platform (llvmpipe here), then the default display.
``VJHOST_EGL=device|surfaceless|default`` forces one; ``info()`` says which
was taken (the bench reports it).
"""

from __future__ import annotations

import ctypes
import os
import sys


class GLUnavailable(RuntimeError):
    """No OpenGL 3.3 context could be created (the message says what to install)."""


def use_platform(name: str) -> None:
    """Select PyOpenGL's platform ("egl" headless, "glx"/"" for a window) before GL is imported."""
    if "OpenGL.GL" in sys.modules:
        current = os.environ.get("PYOPENGL_PLATFORM", "")
        if name and current and current != name:
            raise GLUnavailable(f"OpenGL already initialised for {current!r}, "
                                f"cannot switch to {name!r} in this process")
        return
    if name:
        os.environ["PYOPENGL_PLATFORM"] = name
    else:
        os.environ.pop("PYOPENGL_PLATFORM", None)
    # EGL must be imported before error checking is switched off (PyOpenGL 3.1 quirk).
    if name == "egl":
        from OpenGL import EGL  # noqa: F401
    import OpenGL

    OpenGL.ERROR_CHECKING = os.environ.get("VJHOST_GL_CHECK", "") == "1"


class HeadlessContext:
    """An EGL context with no window: render into framebuffers and read them back."""

    def __init__(self) -> None:
        use_platform("egl")
        from OpenGL import EGL

        self._egl = EGL
        self.display = None
        # a context made current before us (a caller's, or a test session's) is restored by close()
        self._previous = (EGL.eglGetCurrentDisplay(), EGL.eglGetCurrentContext())
        errors: list[str] = []
        for label, get in self._displays(EGL):
            try:
                dpy = get()
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{label}: {exc}")
                continue
            if not dpy:
                errors.append(f"{label}: no display")
                continue
            major, minor = EGL.EGLint(), EGL.EGLint()
            try:
                ok = EGL.eglInitialize(dpy, ctypes.pointer(major), ctypes.pointer(minor))
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{label}: eglInitialize failed ({exc})")
                continue
            if ok:
                self.display = dpy
                self.platform = label
                break
            errors.append(f"{label}: eglInitialize returned false")
        if self.display is None:
            raise GLUnavailable(
                "no headless OpenGL: " + "; ".join(errors)
                + " (on Debian: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri)"
            )
        attrs = (EGL.EGLint * 5)(EGL.EGL_RENDERABLE_TYPE, EGL.EGL_OPENGL_BIT, EGL.EGL_SURFACE_TYPE,
                                 EGL.EGL_PBUFFER_BIT, EGL.EGL_NONE)
        cfg, n = EGL.EGLConfig(), EGL.EGLint()
        if not EGL.eglChooseConfig(self.display, attrs, ctypes.pointer(cfg), 1, ctypes.pointer(n)) or n.value < 1:
            raise GLUnavailable("EGL has no OpenGL-capable config")
        EGL.eglBindAPI(EGL.EGL_OPENGL_API)
        cattrs = (EGL.EGLint * 7)(
            EGL.EGL_CONTEXT_MAJOR_VERSION, 3, EGL.EGL_CONTEXT_MINOR_VERSION, 3,
            EGL.EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL.EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL.EGL_NONE,
        )
        self.context = EGL.eglCreateContext(self.display, cfg, EGL.EGL_NO_CONTEXT, cattrs)
        if not self.context:
            raise GLUnavailable("EGL could not create an OpenGL 3.3 core context")
        if not EGL.eglMakeCurrent(self.display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, self.context):
            raise GLUnavailable("EGL could not make the context current without a surface")

    @staticmethod
    def _hardware_device(EGL):
        """The first EGL device that is not Mesa's software rasterizer (a GPU's driver), or None."""
        from OpenGL.EGL.EXT.device_base import eglQueryDevicesEXT
        from OpenGL.EGL.EXT.device_query import eglQueryDeviceStringEXT
        from OpenGL.raw.EGL._types import EGLDeviceEXT

        devs = (EGLDeviceEXT * 8)()
        num = EGL.EGLint()
        if not eglQueryDevicesEXT(8, devs, ctypes.pointer(num)):
            return None
        for i in range(num.value):
            try:
                ext = eglQueryDeviceStringEXT(devs[i], EGL.EGL_EXTENSIONS) or b""
            except Exception:  # noqa: BLE001 - a device we cannot ask about is not the one we want
                continue
            if b"EGL_MESA_device_software" not in ext:
                return devs[i]
        return None

    @classmethod
    def _displays(cls, EGL):
        from OpenGL.EGL.EXT.platform_base import eglGetPlatformDisplayEXT

        def surfaceless():
            return eglGetPlatformDisplayEXT(0x31DD, EGL.EGL_DEFAULT_DISPLAY, None)  # EGL_PLATFORM_SURFACELESS_MESA

        def device():
            dev = cls._hardware_device(EGL)
            if dev is None:
                raise GLUnavailable("no GPU among the EGL devices (only Mesa's software rasterizer)")
            return eglGetPlatformDisplayEXT(0x313F, dev, None)  # EGL_PLATFORM_DEVICE_EXT

        order = {"device": ("egl-device", device), "surfaceless": ("egl-surfaceless", surfaceless),
                 "default": ("egl-default", lambda: EGL.eglGetDisplay(EGL.EGL_DEFAULT_DISPLAY))}
        forced = os.environ.get("VJHOST_EGL", "").strip().lower()
        if forced in order:
            return (order[forced],)
        return (order["device"], order["surfaceless"], order["default"])

    def info(self) -> str:
        from OpenGL import GL

        return f"{GL.glGetString(GL.GL_RENDERER).decode()} / {GL.glGetString(GL.GL_VERSION).decode()} ({self.platform})"

    def close(self) -> None:
        if self.display is not None:
            E = self._egl
            E.eglMakeCurrent(self.display, E.EGL_NO_SURFACE, E.EGL_NO_SURFACE, E.EGL_NO_CONTEXT)
            E.eglDestroyContext(self.display, self.context)
            self.display = None
            dpy, ctx = self._previous
            if dpy and ctx:
                E.eglMakeCurrent(dpy, E.EGL_NO_SURFACE, E.EGL_NO_SURFACE, ctx)


def display_available() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("win32", "darwin")


class WindowContext:
    """A glfw window with an OpenGL 3.3 core context (fullscreen on a chosen monitor, vsync)."""

    def __init__(self, size: tuple[int, int], *, fullscreen: bool = False, monitor: int = 0,
                 vsync: bool = True, title: str = "vjhost") -> None:
        use_platform("")
        import glfw

        self.glfw = glfw
        if not glfw.init():
            raise GLUnavailable("glfw could not initialise (no display?)")
        monitors = glfw.get_monitors() or []
        mon = None
        if fullscreen:
            if not monitors:
                raise GLUnavailable("--fullscreen: no monitor found")
            if monitor >= len(monitors):
                raise GLUnavailable(f"--monitor {monitor}: only {len(monitors)} monitor(s) connected")
            mon = monitors[monitor]
            mode = glfw.get_video_mode(mon)
            size = (mode.size.width, mode.size.height)
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
        self.window = glfw.create_window(size[0], size[1], title, mon, None)
        if not self.window:
            glfw.terminate()
            raise GLUnavailable("glfw could not open an OpenGL 3.3 core window")
        glfw.make_context_current(self.window)
        glfw.swap_interval(1 if vsync else 0)
        self.size = size

    def framebuffer_size(self) -> tuple[int, int]:
        return tuple(self.glfw.get_framebuffer_size(self.window))  # type: ignore[return-value]

    def should_close(self) -> bool:
        return bool(self.glfw.window_should_close(self.window))

    def swap(self) -> None:
        self.glfw.swap_buffers(self.window)
        self.glfw.poll_events()

    def close(self) -> None:
        self.glfw.destroy_window(self.window)
        self.glfw.terminate()


def list_monitors() -> list[dict]:
    """Connected monitors (name, resolution, refresh); [] without a display."""
    if not display_available():
        return []
    try:
        import glfw

        if not glfw.init():
            return []
        out = []
        for i, m in enumerate(glfw.get_monitors() or []):
            mode = glfw.get_video_mode(m)
            out.append({"index": i, "name": glfw.get_monitor_name(m).decode(errors="replace"),
                        "width": mode.size.width, "height": mode.size.height, "refresh": mode.refresh_rate})
        return out
    except Exception:  # noqa: BLE001
        return []
