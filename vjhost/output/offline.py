"""Offline rendering: audio file -> analysis -> latent path -> decode -> GL chain -> mp4.

Deterministic: the clock is a :class:`~vjhost.clock.FrameClock`, the
analysis runs the same causal analyzers as the live show over the file, and
every frame's latent and decode depend only on the frame index.  The three
stages overlap: a producer thread steps the latent controller and decodes
(torch releases the GIL), the calling thread renders with GL, and the
encoder thread compresses.

The show's dynamics (``cues``: a cue list, ``replay``: a recorded
performance) play on the frame clock as they do live: on the producer
thread, frame by frame, the cue sequencer and the replay trigger their
actions, which are applied in order (scene, parameters, transition style);
a pack switch is built on the render thread (the producer waits for it, so
the new pack's defaults land before the cue's parameters, as live) and
painted in over the old pack's last frame with the same
:class:`~vjhost.render.transition.Transition`, quantised to the beat, while
the latent is painted over channel by channel.  Each frame carries the
controls as they were when its actions were applied, so the renderer --
frames behind the producer -- draws exactly that frame's state.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..clock import FrameClock
from ..engine import HOP, SAMPLE_RATE, Show, make_analyzers
from ..faults import FaultLog
from ..plugins import Host


@dataclass
class RenderResult:
    path: Path | None
    frames: int
    seconds: float  #: wall time of the render loop
    duration: float  #: rendered show time
    faults: FaultLog

    @property
    def realtime(self) -> float:
        return self.duration / self.seconds if self.seconds else 0.0


def progress_bar(stream=None) -> Callable[[int, int, float], None]:
    """The render's progress: a bar redrawn in place on a terminal; in a log (stderr not a terminal)
    one plain line every tenth of the way, so a CI log gets ten lines, not thousands."""
    stream = stream if stream is not None else sys.stderr
    tty = bool(getattr(stream, "isatty", lambda: False)())
    shown = {"tenth": -1}

    def show(done: int, total: int, elapsed: float) -> None:
        frac = done / max(1, total)
        speed = (done / max(elapsed, 1e-6))
        if tty:
            bar = "#" * int(frac * 30)
            stream.write(f"\rrender [{bar:<30}] {done}/{total} frames  {speed:5.1f} fps")
            if done == total:
                stream.write("\n")
        else:
            tenth = int(frac * 10)
            if tenth == shown["tenth"]:
                return
            shown["tenth"] = tenth
            stream.write(f"render {round(100 * frac):3d}%: {done}/{total} frames, {speed:.1f} fps\n")
        stream.flush()

    return show


def _gl_yuv(renderer) -> bool:
    import os

    from .pacing import is_software_renderer

    env = os.environ.get("VJHOST_GL_YUV", "").strip()
    if env in ("0", "1"):
        return env == "1"
    name = renderer.GL.glGetString(renderer.GL.GL_RENDERER)
    return not is_software_renderer(name.decode(errors="replace") if name else "")


def render_offline(
    host: Host,
    pack: str,
    audio: np.ndarray,
    sample_rate: int,
    out: Path | None,
    *,
    size: tuple[int, int] = (1280, 720),
    fps: int = 60,
    start: float = 0.0,
    duration: float | None = None,
    seed: int = 0,
    device: str = "auto",
    decode_every: int = 1,
    preset: str = "superfast",
    faults: FaultLog | None = None,
    progress: Callable[[int, int, float], None] | None = None,
    on_frame: Callable[[int, np.ndarray], None] | None = None,
    setup: Callable[[Show], None] | None = None,
    decoder: str | None = None,
    backend: str | None = None,
    render_scale: float = 1.0,
    time_limit: float | None = None,
    timeline=None,
    cues=None,
    replay=None,
) -> RenderResult:
    """Render ``audio`` ((n, ch) float32 at ``sample_rate``) through ``pack`` to ``out`` (or nowhere).

    ``decode_every`` > 1 decodes every k-th frame and crossfades between
    decodes on the GPU (still deterministic).  ``on_frame(i, rgba_bottom_up)``
    sees every rendered frame (tests use it); ``setup(show)`` runs once the
    show is built (tests use it to change parameters).  ``render_scale``
    (0.5..1) draws the chain smaller and upscales each frame to ``size``.
    ``time_limit`` (seconds of wall time) stops early and writes what was
    rendered (the bench uses it to take about as long as it says).  ``timeline``:
    the audio's analysis done already (the same analyzers, from the top of the
    track), so it is not done again.  ``cues`` (a cue-list file or
    :class:`~vjhost.control.cues.CueList`) and ``replay`` (a performance MIDI
    file) play the show's dynamics on the frame clock (see the module docstring).
    """
    from ..analysis.timeline import analyze_buffer
    from ..render.context import HeadlessContext
    from .video import VideoWriter

    faults = faults or FaultLog()
    if sample_rate != SAMPLE_RATE:
        raise ValueError(f"audio must be at {SAMPLE_RATE} Hz (read it with read_audio(path, sr={SAMPLE_RATE}))")
    total = audio.shape[0] / sample_rate
    if start < 0 or start >= total:
        raise ValueError(f"--start {start}: the audio is {total:.2f} s long")
    duration = min(duration if duration is not None else total - start, total - start)
    n_frames = int(round(duration * fps))
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    # the analysis runs from the top of the track, so tempo is settled by `start`
    end_sample = min(audio.shape[0], int((start + duration) * sample_rate) + HOP)
    if timeline is None:
        timeline = analyze_buffer(mono[:end_sample].astype(np.float32), sample_rate,
                                  make_analyzers(host, faults), hop=HOP)

    ctx = HeadlessContext()
    state = None
    players: list = []
    sequencer = None
    if cues is not None or replay is not None:
        from ..control.cues import CueList, CueSequencer, load_cues
        from ..control.record import PerformancePlayer
        from ..control.state import ControlState

        state = ControlState()
    show = Show(host, pack, size, faults=faults, device=device, seed=seed, decoder=decoder,
                backend=backend, state=state)
    if state is not None:
        if cues is not None:
            sequencer = CueSequencer(cues if isinstance(cues, CueList) else load_cues(cues), state)
            sequencer.start()
        if replay is not None:
            players.append(PerformancePlayer(replay, state, align="absolute"))
    show.renderer.set_scale(render_scale)
    if setup:
        setup(show)
    clip = audio[int(start * sample_rate) : int((start + duration) * sample_rate)]
    writer = VideoWriter(out, size, fps, audio=clip, sample_rate=sample_rate, preset=preset) if out else None

    # the colour conversion for the encoder: one GL pass where GL is a GPU; on software GL the CPU's
    # swscale, on the encoder's own thread, is cheaper than another full-size pass (VJHOST_GL_YUV=0/1 decides)
    gl_yuv = writer is not None and show.renderer.yuv420_ok() and _gl_yuv(show.renderer)
    direct = writer is not None and not gl_yuv  # RGBA read straight into the encoder's frames, if GL can turn rows
    # ... as the chain drew it: a chain ending on a reduced-size pass needs no full-size upscale pass in GL, the
    # encoder's colour conversion scales it (not with frames to hand on: they are the full-size picture)
    show.renderer.defer_upscale = direct and on_frame is None
    clock = FrameClock(fps, start)  # the producer's clock: frame i is at start + i / fps
    dt = 1.0 / fps
    q: queue.Queue = queue.Queue(maxsize=6)
    stop = threading.Event()

    def switch(name: str, kind: str, beats: float, f) -> "Show | None":
        """Producer: have the render thread build pack ``name`` and start its transition; wait for it."""
        box: dict = {}
        done = threading.Event()
        q.put(("switch", name, kind, beats, f, box, done))
        while not done.wait(0.05):
            if stop.is_set():
                raise RuntimeError("render stopped")
        return box.get("show")

    def produce() -> None:
        from ..priority import DECODER_NICE, background

        background(DECODER_NICE)  # frames ahead of the render thread: it waits for the cores, not the render
        last = None
        cur = show
        prev_count = 0
        kind, beats = "paint", 4.0  # the live show's default style of switch
        z_src, pos_switch, paint_beats = None, 0.0, 4.0  # a latent being painted over (equal latent sizes)
        try:
            for i in range(n_frames):
                if stop.is_set():
                    return
                f = timeline.at(clock.now())
                clock.advance()
                fresh = i % decode_every == 0
                if state is not None:  # the show's dynamics, as the live loop plays them
                    for p in players:
                        p.step(f)
                    if sequencer is not None:
                        sequencer.step(f)
                    for act in state.drain_actions():
                        name, value = act.name, act.value
                        if name.startswith("cue."):
                            if sequencer is not None:
                                sequencer.handle_action(act)
                            continue
                        new_pack = None
                        if name == "transition":
                            k, b = (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, None)
                            k = {"painterly": "paint"}.get(k, k)
                            if k in ("paint", "crossfade", "cut") or str(k).endswith(".fs"):
                                kind, beats = str(k), (float(b) if b else beats)
                            elif len(state.packs) > 1:  # a bare trigger: on to the next pack
                                j = state.packs.index(state.pack) if state.pack in state.packs else -1
                                new_pack = state.packs[(j + 1) % len(state.packs)]
                        elif name in ("scene", "toggle", "blackout", "freeze", "param", "pack"):
                            new_pack = cur.apply_action(name, value)
                        if new_pack and new_pack in host.packs and new_pack != cur.manifest.name:
                            if int(f.beat_count) != prev_count and not f.beat:
                                # this frame crossed a beat whose hop fell between frames (live latches
                                # the flag for the render thread): the switch is on this beat, not the next
                                f = f.copy()
                                f.beat = True
                            new = switch(new_pack, kind, beats, f)
                            if new is not None:
                                same = new.decoder.latent_dim == cur.decoder.latent_dim and kind == "paint"
                                z_src = cur._z.copy() if same else None
                                pos = float(f.beat_count) + float(f.beat_phase)
                                on_beat = bool(f.beat) or f.beat_phase < 1e-6
                                pos_switch = pos if on_beat else float(f.beat_count + 1)
                                paint_beats = max(beats, 1e-6)
                                cur, fresh = new, True  # the new pack's first frame gets its own decode
                prev_count = int(f.beat_count)
                z = cur._z if (state is not None and state.freeze) else cur.latent(f, dt)
                if z_src is not None:  # Latent Painter: the old latent handed over channel by channel
                    from ..render.transition import latent_channel_blend

                    prog = (float(f.beat_count) + float(f.beat_phase) - pos_switch) / paint_beats
                    if prog >= 1.0:
                        z_src = None
                    else:
                        z = latent_channel_blend(z_src, z, max(0.0, prog), seed)
                img = None
                if fresh:
                    img = cur.decoder.decode(z[None])[0]
                    last = img
                ctl = None if state is None else (state.snapshot(), dict(state.toggles), state.scene, state.blackout)
                q.put((i, f, img if img is not None else last, fresh, ctl))
        except BaseException as exc:  # noqa: BLE001
            q.put(exc)
            return
        q.put(None)

    worker = threading.Thread(target=produce, name="vjhost-decode", daemon=True)
    t0 = time.perf_counter()
    worker.start()
    done = 0
    transition, transition_src = None, 0
    try:
        while True:
            item = q.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            if item[0] == "switch":  # a pack switch, in frame order: build it here (GL), paint it in
                from ..render.transition import Transition

                _, name, kind, beats, f_switch, box, ready = item
                try:
                    new = Show(host, name, size, faults=faults, device=device, seed=seed, decoder=decoder,
                               backend=backend, state=state)
                except Exception as exc:  # noqa: BLE001 - the old pack keeps playing, as live
                    faults.exception(f"pack {name}", exc)
                    state.pack = show.manifest.name
                else:
                    new.renderer.set_scale(show.renderer.scale)
                    new.renderer.defer_upscale = show.renderer.defer_upscale
                    if transition is not None:
                        transition.close()
                    transition = Transition(new.renderer, kind, duration_beats=beats, quantize="beat", seed=seed)
                    transition_src = transition.snapshot(show.renderer)  # the old pack's last frame
                    transition.start(f_switch)
                    show.renderer.close()
                    show = new
                    box["show"] = new
                ready.set()
                continue
            i, f, img, fresh, ctl = item
            if fresh:
                show.renderer.upload_image(img)
            mix = 1.0 if decode_every == 1 else ((i % decode_every) + 1) / decode_every
            wave = None
            if show.renderer.audio is not None:  # the 512 samples up to this frame, for ISF audio inputs
                end = int(f.t * sample_rate)
                wave = mono[max(0, end - 512) : end]
            show.render(f, dt, image_mix=mix, waveform=wave, controls=ctl)
            painting = False
            if transition is not None:
                if transition.frame(f, transition_src, show.renderer.output) is None:
                    transition.close()
                    transition = None
                else:
                    painting = True
            sent = False  # the frame is with the encoder already
            if gl_yuv and not painting:
                writer.write_yuv420(show.renderer.read_yuv420())
                sent = True
            elif direct and not painting and not on_frame:  # GL fills one of the encoder's frames itself
                frame, pixels = writer.frame_buffer(show.renderer.drawn_size())
                sent = direct = show.renderer.read_rgba_top_down(pixels)
                show.renderer.defer_upscale = direct  # (a GL that cannot turn rows: the copy path, full size)
                if sent:
                    writer.write_frame(frame)
            if painting and (show.renderer.w, show.renderer.h) == tuple(size):
                rgba = transition.read_rgba()
            elif painting:  # (a reduced render scale: the transition's target is smaller than the video)
                rgba = show.renderer.read_rgba()
            else:
                rgba = show.renderer.read_rgba() if (on_frame or (writer and not sent)) else None
            if writer and not sent:
                writer.write(rgba)
            if on_frame:
                on_frame(i, rgba)
            done += 1
            if progress and (done % 15 == 0 or done == n_frames):
                progress(done, n_frames, time.perf_counter() - t0)
            if time_limit is not None and time.perf_counter() - t0 >= time_limit:
                break
        path = writer.close() if writer else None
    except BaseException:
        stop.set()
        if writer:
            writer.abort()
        raise
    finally:
        stop.set()
        while worker.is_alive():  # a producer blocked on the full queue gets room to see the stop
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        if transition is not None:
            transition.close()
        ctx.close()
    return RenderResult(path, done, time.perf_counter() - t0, done / fps, faults)
