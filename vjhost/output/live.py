"""``vjhost run``: the live show in a glfw window.

The render loop never waits on the decoder: it submits this frame's latent to
the :class:`~vjhost.decode.worker.DecodeWorker` and draws with the newest
finished decode, crossfading from the previous one over the measured decode
interval.  Audio analysis, MIDI and decoding each run on their own thread;
the loop reads their latest results.

Tempo: the analysis' own beat, unless an external source leads (Ableton Link
with peers, MIDI clock, OSC ``/vj/bpm``, tap; see :mod:`vjhost.analysis.tempo`).

Pack changes paint the new pack in over the last frame of the old one (4
beats, quantised to the beat; the ``transition`` action picks paint,
crossfade or cut).

Frame budget (:class:`~vjhost.output.pacing.ShowPacing`): every frame's GL
work is timed (up to ``glFinish``); with ``--render-scale auto`` (the
default) the chain draws at a reduced internal size when frames run over
budget and comes back up when there is headroom, upscaled to the window at
the end.  A show without vsync (software GL) is held to ``--fps`` by a frame
limiter.  The performer is told once when the show runs on a software
rasterizer or falls under its target; the HUD shows fps, render scale,
decode rate and dropped frames; ``vjhost run`` ends with fps, p99 and
dropped frames.

Keys: Esc quit, Space tap, 1-8 scenes, B blackout, F freeze, H HUD, T transition, Left/Right pack.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ..analysis.live import InternalClock, LiveAnalysis, TimelineSource
from ..clock import SourceClock, WallClock
from ..control.state import ControlState
from ..engine import HOP, SAMPLE_RATE, Show, make_analyzers
from ..faults import FaultLog
from ..plugins import Host
from ..protocols import Features


def _features_source(args, host: Host, faults: FaultLog):
    """Pick what the show listens to; returns (source, clock, closer, description)."""
    if getattr(args, "audio", None):
        from ..analysis.timeline import analyze_buffer
        from ..audio.files import read_audio
        from ..audio.live import FilePlayer

        audio, sr = read_audio(args.audio, sr=SAMPLE_RATE)
        mono = audio.mean(axis=1).astype(np.float32)
        print(f"analysing {args.audio} ...", flush=True)
        timeline = analyze_buffer(mono, sr, make_analyzers(host, faults), hop=HOP)
        player = FilePlayer(audio, sr)
        player.start()
        if getattr(player, "fallback_reason", None):
            print(f"vjhost: {player.fallback_reason}; the picture follows the file on the wall clock", file=sys.stderr)
        source = TimelineSource(timeline, mono, sr)
        source.audio = audio  # the file as it plays (--record-video cuts its sound from it)
        return source, SourceClock(player.position), player.stop, f"file {args.audio}"
    try:
        from ..audio.live import find_input_device

        device = find_input_device(getattr(args, "audio_device", None))
    except Exception as exc:  # noqa: BLE001 - a bad name is reported, not fatal on stage
        print(f"vjhost: {exc}", file=sys.stderr)
        device = None
    if device is None:
        print("vjhost: no audio input device; running on the internal clock (120 BPM, tap to change)", file=sys.stderr)
        clock = InternalClock()
        return clock, WallClock(), lambda: None, "internal clock"
    from ..audio.child import input_opener  # in this process, or a helper's once a JACK server died here

    analysis = LiveAnalysis(input_opener(device, SAMPLE_RATE, HOP), make_analyzers(host, faults), HOP).start()
    return analysis, WallClock(), analysis.stop, f"audio input {device}"


def _tempo_sync(args):
    """External tempo sources by precedence: Link > MIDI clock > OSC /vj/bpm > tap > audio > internal.

    Returns ``(sync, osc_tempo)``; the OSC source has no server of its own: the
    one OSC control server (:class:`~vjhost.control.osc.OscControl`) feeds it.
    """
    from ..analysis.tempo import LinkTempo, MidiClockIn, OscTempo, TapTempo, TempoSync

    tap = TapTempo()
    sources: list = []
    if not getattr(args, "no_link", False):
        link = LinkTempo(120.0).start()
        if link.error:
            print(f"vjhost: {link.error}", file=sys.stderr)
        sources.append(link)
    if getattr(args, "midi_clock", None):
        sources.append(MidiClockIn(args.midi_clock).start())
    osc_tempo = None
    if getattr(args, "osc_port", 0):
        osc_tempo = OscTempo(args.osc_host, args.osc_port, tap=tap)
        sources.append(osc_tempo)
    sources.append(tap)
    return TempoSync(sources, internal_bpm=120.0), osc_tempo


class LiveSession:
    """Everything one live show holds, and the per-frame step.  Runs on the thread that owns the window."""

    def __init__(self, host: Host, args, win, faults: FaultLog) -> None:
        from ..decode.worker import DecodeWorker

        self.host, self.args, self.win, self.faults = host, args, win, faults
        self.state = ControlState()
        self.size = win.framebuffer_size() if args.fullscreen else args.size
        self.show = Show(host, args.pack, self.size, faults=faults, device=args.device, seed=args.seed,
                         state=self.state,
                         decoder=getattr(args, "decoder", None), backend=getattr(args, "backend", None))
        self.show.renderer.defer_upscale = True  # a chain ending small is upscaled once, by the present
        self.source, self.clock, self._close_audio, self.heard = _features_source(args, host, faults)
        self.worker = DecodeWorker(self.show.decoder, faults)
        self.sync, self.osc_tempo = _tempo_sync(args)
        self.learn = None  # a MidiLearn, armed by the `learn` action
        self.hud = self._hud() if getattr(args, "hud", False) else None
        self.transition = None  # a pack change painting itself in
        self._transition_src = 0
        self._z_src = None  # the old pack's latent, blended into the new one's during a painterly switch
        self.transition_kind, self.transition_beats = "paint", 4.0
        self.cues = None  # a CueSequencer (--cues)
        self.players: list = []  # things stepped once per frame with the features: recorder, replay
        self.surfaces: list = []  # things with .stop(): MIDI, web, OSC ...
        self.frame_hooks: list = []  # (session, features) -> None, once per frame on the render thread
        self.drawn_hooks: list = []  # (session) -> None, once per frame once it is drawn (the preview)
        self.features = Features()
        self.outputs = None  # an OutputSet (--output, --record-video); None when off: outputs cost nothing
        self.recorder = None  # the ShowRecorder among them (--record-video)
        self.predictor = None  # a BeatPredictor: beat-locked events fired early by the measured latency
        self.palette = _palette(self.show)
        self.last_id, self.last_upload, self.interval = -1, time.perf_counter(), 1 / 30
        # decoding faster than ~30 Hz only steals the CPU the renderer needs; the GPU crossfades between decodes
        hz = getattr(args, "decode_hz", 30.0)
        self.decode_interval, self.last_submit = (1.0 / hz if hz else 0.0), 0.0
        self.t_prev = self.clock.now()
        self.next_reload = time.perf_counter() + 0.5
        self.pacing = self._pacing()
        self.decode_rate = 0.0  # finished decodes per second, over the last second
        self._decode_count, self._decode_t = 0, time.perf_counter()

    def _pacing(self):
        from OpenGL import GL

        from .pacing import ShowPacing, parse_render_scale

        scale = parse_render_scale(getattr(self.args, "render_scale", "auto") or "auto")
        renderer = GL.glGetString(GL.GL_RENDERER)
        pacing = ShowPacing(float(getattr(self.args, "fps", 60) or 60), scale,
                            limit=not getattr(self.args, "no_vsync", False),
                            gl_renderer=renderer.decode(errors="replace") if renderer else "")
        self.show.renderer.set_scale(pacing.scaler.scale)
        return pacing

    def _hud(self):
        from ..render.hud import Hud

        return Hud(self.show.renderer)

    # ------------------------------------------------------------------ actions
    def handle(self, act) -> None:
        name, value = act.name, act.value
        if name == "tap":
            self.sync.tap(value if isinstance(value, float) else time.monotonic())
        elif name == "hud":
            if self.hud:
                self.hud.close()
                self.hud = None
            else:
                self.hud = self._hud()
        elif name == "quit":
            self.win.glfw.set_window_should_close(self.win.window, True)
        elif name == "learn":
            if self.learn is None:
                from ..control.learn import MidiLearn

                self.learn = MidiLearn(self.state)
                self.surfaces.append(self.learn)
            self.learn.handle_action(act)
            print(f"vjhost: {self.learn.message}", flush=True)
        elif name == "bpm" and isinstance(value, (int, float)):
            self.sync.tap(time.monotonic())  # an OSC bpm without a tempo source: treat as a tap
        elif name.startswith("cue."):
            if self.cues is not None:
                self.cues.handle_action(act)
        elif name == "transition":
            kind, beats = (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, None)
            kind = {"painterly": "paint"}.get(kind, kind)
            if kind in ("paint", "crossfade", "cut") or str(kind).endswith(".fs"):  # the style of the next switch
                self.transition_kind = str(kind)
                if beats:
                    self.transition_beats = float(beats)
            else:  # a bare trigger: on to the next pack, with the current transition
                packs = self.state.packs
                if len(packs) > 1:
                    i = packs.index(self.state.pack) if self.state.pack in packs else -1
                    self.switch_pack(packs[(i + 1) % len(packs)])
        else:
            new_pack = self.show.apply_action(name, value)
            if new_pack:
                self.switch_pack(new_pack)

    def switch_pack(self, name: str) -> None:
        """Load the pack (the old one keeps playing if that fails), then paint it in over the last frame."""
        from ..decode.worker import DecodeWorker
        from ..render.transition import Transition

        if name not in self.host.packs or name == self.show.manifest.name:
            return
        try:
            new = Show(self.host, name, self.size, faults=self.faults, device=self.args.device,
                       seed=self.args.seed, state=self.state, decoder=getattr(self.args, "decoder", None),
                       backend=getattr(self.args, "backend", None))
        except Exception as exc:  # noqa: BLE001 - keep the old pack playing
            self.faults.exception(f"pack {name}", exc)
            self.state.pack = self.show.manifest.name
            return
        new.renderer.defer_upscale = True
        if self.transition is not None:
            self.transition.close()
        new.renderer.set_scale(self.show.renderer.scale)  # same render size: the transition mixes both
        self.transition = Transition(new.renderer, self.transition_kind, duration_beats=self.transition_beats,
                                     quantize="beat", seed=self.args.seed)
        self._transition_src = self.transition.snapshot(self.show.renderer)  # the old pack's last frame
        # decoders with the same latent size: the new pack's walk starts from the old latent and
        # takes over channel by channel as the strokes go down (Latent Painter)
        same = new.decoder.latent_dim == self.show.decoder.latent_dim and self.transition.kind == "paint"
        self._z_src = self.show._z.copy() if same else None
        print(f"vjhost: pack {name} ({self.transition_kind} over {self.transition_beats:g} beats)", flush=True)
        self.transition.start(self.features)
        self.worker.close()
        self.show.renderer.close()
        self.show, self.worker, self.last_id = new, DecodeWorker(new.decoder, self.faults), -1
        self.palette = _palette(new)
        self._decode_count = 0
        if self.hud:
            self.hud.close()
            self.hud = self._hud()

    # ------------------------------------------------------------------ per frame
    def step(self) -> None:
        """One frame: controls, latent, decode hand-off, render, present; then the frame budget."""
        self.pacing.begin()
        self._step()
        for hook in self.drawn_hooks:
            hook(self)
        if self.outputs is not None:  # the frame as presented: NDI, virtual camera, Spout/Syphon, lights, recording
            self.outputs.send(self.t_prev, self.features, src_size=self.win.framebuffer_size(),
                              pack=self.show.manifest.name, palette=self.palette)
        self.show.renderer.GL.glFinish()  # the frame's GL work is its cost (a swap would wait for it too)
        scale = self.pacing.rendered()
        if scale is not None and self.transition is None:  # never resize under a transition's feet
            self.show.renderer.set_scale(scale)

    def _image_mix(self, now: float, frozen: bool) -> float:
        """The crossfade from the previous decode to the newest.  When no new decode comes (the decoder
        fails, or is stuck) the last two keep crossfading back and forth, so the picture never stands
        still unless the user froze it."""
        stale = now - self.last_upload
        if frozen or stale < max(0.3, 3 * self.interval):
            return min(1.0, stale / self.interval)
        p = (stale / max(self.interval, 0.25)) % 2.0
        return p if p <= 1.0 else 2.0 - p

    def _step(self) -> None:
        st, show = self.state, self.show
        t = self.clock.now()
        dt = max(1e-4, min(0.1, t - self.t_prev))
        self.t_prev = t
        f = self.features = self.sync.apply(self.source.features(t), time.monotonic())  # external tempo leads
        if self.predictor is not None:  # the beat grid moved ahead by the room's latency (vjhost.output.latency)
            f = self.features = self.predictor.apply(f)
        for hook in self.frame_hooks:
            hook(self, f)
        for p in self.players:
            p.step(f)
        if self.cues is not None:
            self.cues.step(f)
        for act in st.drain_actions():
            self.handle(act)
        show = self.show
        now = time.perf_counter()
        if not st.freeze:
            z = show.latent(f, dt)  # the walk steps every frame; decodes go out at the decode rate (and on hits)
            if self.transition is not None and self._z_src is not None:
                z = self.transition.latent(self._z_src, z, self.transition._last if self.transition.switched else 0.0)
            if f.beat or f.kick or now - self.last_submit >= self.decode_interval:
                self.worker.submit(z)
                self.last_submit = now
        got = self.worker.latest()
        if got is not None and got[0] != self.last_id:
            show.renderer.upload_image(got[1])
            self.interval = 0.8 * self.interval + 0.2 * min(0.2, max(1 / 240, now - self.last_upload))
            self.last_id, self.last_upload = got[0], now
            self._decode_count += 1
        if now - self._decode_t >= 1.0:
            self.decode_rate = self._decode_count / (now - self._decode_t)
            self._decode_count, self._decode_t = 0, now
        wave = self.source.waveform(t) if show.renderer.audio is not None and hasattr(self.source, "waveform") else None
        show.render(f, dt, image_mix=self._image_mix(now, st.freeze), waveform=wave)
        self.present(f)
        if now > self.next_reload:
            for name in show.renderer.reload_changed():
                print(f"vjhost: reloaded shader {name}", flush=True)
            if self.hud and self.hud.reload_changed():
                print("vjhost: reloaded shader hud", flush=True)
            self.next_reload = now + 0.5

    def present(self, f: Features) -> None:
        size = self.win.framebuffer_size()
        if self.transition is not None:
            if self.transition.frame(f, self._transition_src, self.show.renderer.output) is None:
                self.transition.close()
                self.transition, self._z_src = None, None
            else:
                self.transition.blit_to_screen(*size)
                return
        if self.hud:
            self.hud.draw(f, self.sync.status(), show=self.show_status())
            self.hud.blit_to_screen(*size)
        else:
            self.show.renderer.blit_to_screen(*size)

    def show_status(self) -> dict:
        """How the show is doing (HUD, web page): fps, p99, dropped frames, render scale, decode rate."""
        return {**self.pacing.status(), "decode_hz": round(self.decode_rate, 1)}

    def screenshot(self, path) -> None:
        from ..png import write_png

        src = self.transition or self.hud or self.show.renderer
        write_png(path, src.read_rgba()[::-1, :, :3])

    def close(self) -> None:
        if self.hud:
            self.hud.close()
        for s in self.surfaces:
            s.stop()
        self.sync.stop()
        self.worker.close()
        self._close_audio()


def _palette(show: Show) -> np.ndarray:
    from .outputs import palette_rgb

    return palette_rgb(show.manifest.palette)


def _outputs(session: LiveSession, args) -> None:
    """--output NAME[=SETTING] (NDI, virtual camera, Spout, Syphon, lights) and --record-video FILE.mp4."""
    from .outputs import check_requests, open_outputs

    extra: list = []
    if getattr(args, "record_video", None):
        from .record_video import FileAudio, LiveAudio, ShowRecorder

        src, audio = session.source, None
        if getattr(src, "audio", None) is not None:  # a playing file: its own samples, at the frames' times
            audio = FileAudio(src.audio, src.sample_rate)
        elif hasattr(src, "taps"):  # live input: the hops the analysis hears
            audio = LiveAudio(SAMPLE_RATE)
            src.taps.append(audio.tap)
        session.recorder = ShowRecorder(args.record_video, session.size, args.fps, audio=audio,
                                        force=bool(getattr(args, "force", False)))
        print(f"vjhost: {session.recorder.description}", flush=True)
        extra.append(("record-video", session.recorder))
    requests = check_requests(session.host, getattr(args, "output", None) or [])
    session.outputs = open_outputs(session.host, requests, session.size, args.fps, session.faults, extra)


def _latency(session: LiveSession, args) -> None:
    """--latency-ms N, else the calibration (vjhost calibrate): fire beat-locked events that much early."""
    from .latency import BeatPredictor, LatencyFileError, latency_path, load_latency

    ms = getattr(args, "latency_ms", None)
    where = "--latency-ms"
    if ms is None:
        try:
            lead = load_latency()
        except LatencyFileError as exc:
            print(f"vjhost: {exc}; running without a latency lead (vjhost calibrate writes a good one)",
                  file=sys.stderr)
            return
        where = str(latency_path())
    else:
        lead = ms / 1000.0
    if lead:
        session.predictor = BeatPredictor(lead)
        print(f"vjhost: beat-locked events fire {lead * 1000:.0f} ms early (the room's latency, from {where})",
              flush=True)


def _midi_surface(session: LiveSession):
    from ..control.layout import load_layout
    from ..control.midi import MidiSurface

    layouts: dict = {}

    def layout_for(spec):  # polled by the MIDI thread: parse each pack's file once
        if spec.layout_key == "generic":  # the user's own controller, bound with MIDI learn (re-read on change)
            from vjhost_builtins.generic_midi import user_layout

            return user_layout()
        path = session.show.manifest.layouts.get(spec.layout_key)
        if path is None:
            return None
        if path not in layouts:
            try:
                layouts[path] = load_layout(path)
            except Exception as exc:  # noqa: BLE001 - a bad layout must not stop the show
                session.faults.exception(f"layout {path}", exc)
                layouts[path] = None
        return layouts[path]

    return MidiSurface(session.host.mappings.specs(), session.state, layout_for, faults=session.faults).start()


def _osc_control(session: LiveSession):
    """One OSC server for control (/vj/pack, /vj/param/..., /vj/action/...) and tempo (/vj/bpm, /vj/tap)."""
    from ..control.osc import OscControl

    args = session.args
    osc = OscControl(session.state, args.osc_host, args.osc_port, tempo=session.osc_tempo,
                     faults=session.faults).start()
    for msg in (osc.error, osc.warning):
        if msg:
            print(f"vjhost: {msg}", file=sys.stderr)
    session.frame_hooks.append(lambda s, f: osc.update_tempo(f.bpm, f.beat_count))
    return osc


def _web_surface(session: LiveSession):
    """The tablet page: the same control model, pushed over a websocket; a 2 Hz preview while watched."""
    from ..control.web import PreviewSlot, WebSurface

    slot = PreviewSlot(fps=2)
    latest: dict = {"f": None, "show": None}
    host = session.args.web_host
    web = WebSurface(session.state, host=host, port=session.args.web_port, preview=slot,
                     features=lambda: latest["f"], faults=session.faults, show=lambda: latest["show"]).start()
    web.print_qr()

    def feed(s: LiveSession, f: Features) -> None:
        latest["f"] = f
        if s.pacing.stats.frames % 15 == 0:  # the fps / render scale the page shows, 4 times a second
            latest["show"] = s.show_status()

    def preview(s: LiveSession) -> None:
        if slot.wanted():  # only while a page is watching; the frame just drawn, never the black one before it
            slot.put(s.show.renderer.read_rgba(), flip=True)

    session.frame_hooks.append(feed)
    session.drawn_hooks.append(preview)
    return web


def _sequencing(session: LiveSession, args) -> None:
    """--cues, --record, --replay: cue lists and performances in time with the music."""
    from ..control.cues import CueSequencer, load_cues
    from ..control.record import PerformancePlayer, PerformanceRecorder

    if getattr(args, "cues", None):
        cues = load_cues(args.cues)
        for warning in cues.check(session.host.packs.names(), session.state.params()):
            print(f"vjhost: {warning}", file=sys.stderr)
        session.cues = CueSequencer(cues, session.state)
        session.cues.start()
    if getattr(args, "replay", None):
        session.players.append(PerformancePlayer(args.replay, session.state,
                                                 align="absolute" if getattr(args, "audio", None) else "start"))
    if getattr(args, "record", None):
        rec = PerformanceRecorder(session.state, None)
        rec.start()
        session.players.append(rec)

        class _Save:
            def stop(self) -> None:
                rec.stop()
                saved = rec.save(args.record, force=bool(getattr(args, "force", False)))  # never over a take
                print(f"vjhost: recorded the performance to {saved}", flush=True)

        session.surfaces.append(_Save())


def run_live(host: Host, args) -> int:
    from ..render.context import GLUnavailable, WindowContext, display_available

    if not display_available():
        print("vjhost: error: no display for the live window; render offline with `vjhost render` "
              "or `vjhost demo` (or start X/Xvfb)", file=sys.stderr)
        return 1
    faults = FaultLog()
    try:
        win = WindowContext(args.size, fullscreen=args.fullscreen, monitor=args.monitor,
                            vsync=not args.no_vsync, title=f"vjhost - {args.pack}")
    except GLUnavailable as exc:
        print(f"vjhost: error: {exc}", file=sys.stderr)
        return 1
    session = LiveSession(host, args, win, faults)
    try:
        _sequencing(session, args)
        _latency(session, args)
        _outputs(session, args)
        if getattr(args, "midi", True):
            session.surfaces.append(_midi_surface(session))
        if getattr(args, "osc_port", 0):
            session.surfaces.append(_osc_control(session))
        if getattr(args, "web", False):
            try:
                session.surfaces.append(_web_surface(session))
            except OSError as exc:
                print(f"vjhost: web surface not started: {exc}", file=sys.stderr)
        if getattr(args, "crate", None) is not None:  # the AI-DJ companion: a frame hook (docs/crate.md)
            from ..crate.cli import attach as attach_crate

            session.surfaces.append(attach_crate(session))
        _install_keys(win, session.state, host)
        w, h = session.size
        print(f"vjhost: live - pack {session.show.manifest.name}, {w}x{h}, listening to {session.heard}; Esc quits",
              flush=True)
        session.pacing.announce(session.size)
        t_end = time.perf_counter() + args.seconds if getattr(args, "seconds", None) else None
        while not win.should_close() and (t_end is None or time.perf_counter() < t_end):
            session.step()
            win.swap()
            session.pacing.presented()
        if getattr(args, "screenshot", None):
            from ..atomic import atomic_output, free_name

            shot = args.screenshot if getattr(args, "force", False) else free_name(args.screenshot)
            with atomic_output(shot, force=bool(getattr(args, "force", False))) as tmp:
                session.screenshot(tmp)
            print(f"vjhost: saved the last frame to {shot}", flush=True)
    finally:
        if session.outputs is not None:
            session.outputs.close()  # the recording is finished and moved into place here
        if session.recorder is not None:
            print(f"vjhost: {session.recorder.summary()}", flush=True)
        session.close()
        win.close()
        print(f"vjhost: {session.pacing.summary()}", flush=True)
    return 0


def _install_keys(win, state: ControlState, host: Host) -> None:
    glfw = win.glfw

    def on_key(window, key, scancode, action, mods):
        if action != glfw.PRESS:
            return
        if key == glfw.KEY_ESCAPE:
            state.trigger("quit", source="keyboard")
        elif key == glfw.KEY_SPACE:
            state.trigger("tap", source="keyboard")
        elif glfw.KEY_1 <= key <= glfw.KEY_8:
            state.trigger("scene", key - glfw.KEY_1, source="keyboard")
        elif key == glfw.KEY_B:
            state.trigger("blackout", source="keyboard")
        elif key == glfw.KEY_F:
            state.trigger("freeze", source="keyboard")
        elif key == glfw.KEY_H:
            state.trigger("hud", source="keyboard")
        elif key == glfw.KEY_T:
            state.trigger("transition", source="keyboard")
        elif key in (glfw.KEY_LEFT, glfw.KEY_RIGHT) and state.packs:
            i = state.packs.index(state.pack) if state.pack in state.packs else 0
            i = (i + (1 if key == glfw.KEY_RIGHT else -1)) % len(state.packs)
            state.trigger("pack", state.packs[i], source="keyboard")

    glfw.set_key_callback(win.window, on_key)
