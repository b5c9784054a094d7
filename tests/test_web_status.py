"""The web page shows how the show is doing (fps, render scale) and a preview thumbnail that shows the picture:
small lights survive the shrinking, and the first frame handed over is a drawn one."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

pytest.importorskip("websockets", reason="the web surface needs the websockets package (pip install websockets)")

from vjhost.control.state import ControlState
from vjhost.control.web import PreviewSlot, WebSurface, thumbnail
from vjhost.protocols import Features, Param


def test_thumbnail_keeps_small_lights():
    img = np.zeros((720, 1280, 3), np.uint8)
    img[1::4, 1::4] = 255  # one-pixel lights on a grid that a stride of 4 steps over, like teamlab's particles
    small = thumbnail(img, 320)
    assert small.shape == (180, 320, 3) and 10 < small.mean() < 20  # a sixteenth of the light: grey, not black


def test_preview_is_shrunk_off_the_render_thread_and_reuses_its_buffer():
    slot = PreviewSlot(fps=2.0, max_width=320)
    assert slot() is None
    frame = np.zeros((720, 1280, 4), np.uint8)
    frame[:360, :, :3] = 200  # bottom half lit (GL rows are bottom-up)
    slot.put(frame, flip=True)
    buf = slot._image
    assert buf.shape == (720, 1280, 3)  # the render thread only copied it
    frame[:] = 0
    slot.put(frame, flip=True)
    assert slot._image is buf  # the same buffer, every time
    frame[:360, :, :3] = 200
    slot.put(frame, flip=True)
    import av

    img = next(av.open(io.BytesIO(slot())).decode(video=0)).to_ndarray(format="rgb24").astype(int)
    assert img.shape == (180, 320, 3) and img[-40:].mean() > 150 and img[:40].mean() < 30


def test_the_beat_message_carries_fps_and_render_scale():
    from websockets.sync.client import connect

    st = ControlState((Param("master.brightness", 1.0, 0.0, 1.0, "output level"),))
    st.packs, st.pack, st.scenes = ["ikeda"], "ikeda", ["a"]
    f = Features()
    f.bpm = 128.0
    show = {"fps": 59.6, "render_scale": 0.75, "auto_scale": True, "dropped": 3, "decode_hz": 30.1, "p99_ms": 17.0}
    with WebSurface(st, port=0, features=lambda: f, show=lambda: show) as s:
        with connect(f"ws://127.0.0.1:{s.port}/ws?token={s.token}", open_timeout=10) as ws:
            end = time.monotonic() + 10
            while time.monotonic() < end:
                m = ws.recv(timeout=10)
                if isinstance(m, str) and '"beat"' in m:
                    import json

                    beat = json.loads(m)
                    break
    assert beat["show"] == {"fps": 59.6, "render_scale": 0.75, "dropped": 3.0, "decode_hz": 30.1, "auto": True}
    page = (s._page if isinstance(s._page, str) else s._page.decode()) if hasattr(s, "_page") else ""
    assert 'id="perf"' in page and "render_scale" in page  # the page shows them
