"""mp4 output: H.264 video + AAC audio through PyAV, encoded on its own thread.

Frames are handed over as RGBA bottom-row-first arrays (straight from
``glReadPixels``); the writer thread flips, converts to yuv420p and encodes,
so the render thread only pays for one copy.  Or, where GL can turn the rows
itself (``GL_MESA_pack_invert``, software GL), read straight into one of the
writer's pooled frames (:meth:`VideoWriter.frame_buffer`): no copy, no flip,
no fresh 3.7 MB of memory a frame.  Or, where GL is a GPU, as I420
pictures the GL chain already converted (:meth:`VideoWriter.write_yuv420`,
:meth:`~vjhost.render.chain.Renderer.read_yuv420`): 1.5 bytes a pixel and no
conversion on the CPU at all.  ``preset`` trades file size
for speed (libx264: ultrafast, superfast, veryfast, ...).
"""

from __future__ import annotations

import queue
import threading
from fractions import Fraction
from pathlib import Path

import numpy as np

#: the offline encoder's speed trade (see open_mp4)
SUPERFAST_PARAMS = "cabac=0:subme=0:weightp=0:partitions=i8x8:sliced-threads=0"


def open_mp4(path: Path, size: tuple[int, int], fps: int, *, preset: str, crf: int, audio_rate: int | None = None,
             audio_channels: int = 1):
    """An mp4 container at ``path`` with an H.264 stream (yuv420p, ``1/fps`` time base) and, with ``audio_rate``,
    an AAC stream (stereo for 2 channels, else mono): ``(container, video, audio or None)``."""
    import av

    container = av.open(str(path), mode="w")
    w, h = size
    video = container.add_stream("libx264", rate=fps)
    video.width, video.height = w, h
    video.pix_fmt = "yuv420p"
    # zerolatency: no B-frames or lookahead, sliced threads -- a third less CPU on this content
    video.options = {"preset": preset, "crf": str(crf), "tune": "zerolatency"}
    if preset == "superfast":
        # CAVLC instead of CABAC (entropy coding is lossless: the same picture, a ~10 % larger file, ~16 % less
        # encoding CPU), full-pel motion search (subme=0), no weighted P prediction and no 4x4 intra partitions:
        # the last three take 0.75-0.8x the encoding CPU of CAVLC alone for -0.1 to -0.3 dB (240 frames at
        # 1280x720, CRF 20: mikami 41.04 -> 40.97 dB, murakami 43.00 -> 42.74 dB; tools/bench_encoder.py)
        # Each is what x264's faster presets drop first; ultrafast goes further (no deblocking, -1 to -2 dB).
        # Frame threads instead of zerolatency's sliced ones: the same bits, but the encoder thread's colour
        # conversion of the next frame overlaps x264's work on this one (+2-3.5 % realtime, mikami/teamlab).
        video.options["x264-params"] = SUPERFAST_PARAMS
    video.codec_context.time_base = Fraction(1, fps)
    audio = None
    if audio_rate is not None:
        audio = container.add_stream("aac", rate=audio_rate)
        audio.layout = "stereo" if audio_channels == 2 else "mono"
        audio.bit_rate = 192000
    return container, video, audio


def yuv420(rgba, size: tuple[int, int] | None = None):
    """An RGBA picture -- ``(H, W, 4)`` uint8, top row first, or an ``av.VideoFrame`` made of one -- as the
    yuv420p frame H.264 takes, scaled to ``size`` (W, H) if it is another size.  swscale's fast bilinear path
    is about 4x faster than its default, same picture; a smaller picture is scaled up bilinearly in the same
    step (as GL's upscale would draw it: half size to 1280x720 costs 0.4 ms, the conversion alone 1.1 ms)."""
    import av

    frame = rgba if isinstance(rgba, av.VideoFrame) else av.VideoFrame.from_ndarray(rgba, format="rgba")
    if size is None or (frame.width, frame.height) == tuple(size):
        return frame.reformat(format="yuv420p", interpolation="FAST_BILINEAR")
    return frame.reformat(width=size[0], height=size[1], format="yuv420p", interpolation="BILINEAR")


def mux_video(container, stream, frame, pts: int) -> None:
    """Encode the video ``frame`` at ``pts`` (in frames) and mux what the encoder gives back."""
    frame.pts = pts
    for packet in stream.encode(frame):
        container.mux(packet)


def mux_audio(container, stream, samples: np.ndarray, sample_rate: int, pts: int) -> None:
    """Encode ``samples`` ``(channels, n)`` float32 at ``pts`` (samples) into the AAC ``stream`` and mux it."""
    import av

    fr = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, np.float32), format="fltp", layout=stream.layout.name)
    fr.sample_rate = sample_rate
    fr.pts = pts
    for packet in stream.encode(fr):
        container.mux(packet)


class VideoWriter:
    def __init__(self, path: Path, size: tuple[int, int], fps: int, *, audio: np.ndarray | None = None,
                 sample_rate: int = 48000, preset: str = "superfast", crf: int = 20, queue_size: int = 8) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        from ..atomic import temp_name

        self.tmp = temp_name(self.path)  # hidden, unique, same folder: renamed over the real name when complete
        stereo = audio is not None and audio.ndim == 2 and audio.shape[1] == 2
        self.container, self.video, self.audio = open_mp4(
            self.tmp, size, fps, preset=preset, crf=crf, audio_rate=sample_rate if audio is not None else None,
            audio_channels=2 if stereo else 1)
        self.audio_data = audio
        self._audio_pos = 0  # samples of the audio encoded so far
        self.sample_rate = sample_rate
        self.frames = 0
        self.size = (int(size[0]), int(size[1]))
        self.fps = fps
        self._q: queue.Queue = queue.Queue(maxsize=queue_size)
        self._free: queue.SimpleQueue = queue.SimpleQueue()  # RGBA frames the encoder is done with (frame_buffer)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="vjhost-encoder", daemon=True)
        self._thread.start()

    def write(self, rgba_bottom_up: np.ndarray) -> None:
        """Queue one frame (copied).  Blocks only if the encoder is 8 frames behind."""
        if self._error:
            raise RuntimeError(f"{self.path}: encoder failed: {self._error}")
        self._q.put(rgba_bottom_up.copy())

    def frame_buffer(self, size: tuple[int, int] | None = None):
        """An RGBA picture to fill, top row first: ``(frame, pixels)`` -- an ``av.VideoFrame`` from this writer's
        pool and a writable ``(H, W, 4)`` view of its memory (rows padded as the frame lays them out).  Fill it
        (:meth:`~vjhost.render.chain.Renderer.read_rgba_top_down` reads GL straight into it) and hand it to
        :meth:`write_frame`; it comes back to the pool once the encoder has converted it.  ``size`` (W, H): a
        picture of another size, which the encoder scales to the video's in its colour conversion."""
        import av

        w, h = size = tuple(size) if size is not None else self.size
        frame = None
        while frame is None:
            try:
                frame = self._free.get_nowait()
            except queue.Empty:
                frame = av.VideoFrame(w, h, "rgba")
            if (frame.width, frame.height) != size:  # of another size (the render scale changed): let it go
                frame = None
        plane = frame.planes[0]
        pixels = np.frombuffer(plane, np.uint8).reshape(h, plane.line_size)[:, : w * 4].reshape(h, w, 4)
        return frame, pixels

    def write_frame(self, frame) -> None:
        """Queue a frame from :meth:`frame_buffer`, filled (not copied: do not touch it after this)."""
        if self._error:
            raise RuntimeError(f"{self.path}: encoder failed: {self._error}")
        self._q.put(frame)

    def write_yuv420(self, i420: np.ndarray) -> None:
        """Queue one frame already in I420 ((H * 3 / 2, W) uint8, top row first; copied)."""
        if self._error:
            raise RuntimeError(f"{self.path}: encoder failed: {self._error}")
        self._q.put(("yuv420p", i420.copy()))

    def _run(self) -> None:
        import av

        from ..priority import ENCODER_NICE, background

        background(ENCODER_NICE)  # behind the render thread; x264's threads, made at the first frame, inherit it
        try:
            while True:
                item = self._q.get()
                if item is None:
                    break
                if isinstance(item, tuple):  # converted by GL already
                    frame = av.VideoFrame.from_ndarray(item[1], format=item[0])
                elif isinstance(item, av.VideoFrame):  # filled in place, top row first: back to the pool
                    frame = yuv420(item, self.size)
                    self._free.put(item)
                else:  # rows reversed as the frame is filled (no extra copy)
                    frame = yuv420(item[::-1])
                mux_video(self.container, self.video, frame, self.frames)
                self.frames += 1
                self._write_audio(int(self.frames * self.sample_rate / self.fps))
        except BaseException as exc:  # noqa: BLE001 - reported by write()/close()
            self._error = exc
            while self._q.get() is not None:  # drain so the producer never blocks forever
                pass

    AUDIO_CHUNK = 1024  #: samples per AAC frame

    def _write_audio(self, upto: int | None = None) -> None:
        """Encode and mux the audio up to sample ``upto`` (whole AAC frames only), or, at the end (``None``), up
        to the last video frame and flush.  On the encoder thread after each picture, so the sound is encoded
        in the render's idle moments and interleaved with the pictures, not all at once at the close; a render
        stopped early (the bench's time limit) gets no audio past its last frame."""
        a = self.audio_data
        if a is None or self.audio is None:
            return
        end = int(round(self.frames * self.sample_rate / self.fps))
        stop = min(end, len(a)) if upto is None else min(upto, len(a))
        chunk = self.AUDIO_CHUNK
        while self._audio_pos < stop and (upto is None or self._audio_pos + chunk <= stop):
            part = a[self._audio_pos : min(stop, self._audio_pos + chunk)]
            part = part.T if part.ndim == 2 else part[None, :]
            mux_audio(self.container, self.audio, part, self.sample_rate, self._audio_pos)
            self._audio_pos += part.shape[1]
        if upto is None:
            for packet in self.audio.encode(None):
                self.container.mux(packet)

    def close(self) -> Path:
        """Finish encoding, mux the audio, and move the file into place (never a half-written mp4)."""
        self._q.put(None)
        self._thread.join()
        if self._error:
            self.container.close()
            self.tmp.unlink(missing_ok=True)
            raise RuntimeError(f"{self.path}: encoder failed: {self._error}")
        for packet in self.video.encode(None):
            self.container.mux(packet)
        self._write_audio()
        self.container.close()
        self.tmp.replace(self.path)
        return self.path

    def abort(self) -> None:
        self._q.put(None)
        self._thread.join()
        try:
            self.container.close()
        finally:
            self.tmp.unlink(missing_ok=True)
