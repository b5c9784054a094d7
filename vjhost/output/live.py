"""``vjhost run``: the live show in a glfw window.

The render loop never waits on the decoder: it submits this frame's latent to
the :class:`~vjhost.decode.worker.DecodeWorker` and draws with the newest
finished decode, crossfading from the previous one over the measured decode
interval.  Audio analysis, MIDI and decoding each run on their own thread;
the loop reads their latest results.

Tempo: the analysis' own beat, unless an external source leads (Ableton Link
with peers, MIDI clock, OSC ``/vj/bpm``, tap; see :mod:`vjhost.analysis.tempo`).

Keys: Esc quit, Space tap, 1-8 scenes, B blackout, F freeze, H HUD, Left/Right pack.
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
        return TimelineSource(timeline), SourceClock(player.position), player.stop, f"file {args.audio}"
    try:
        from ..audio.live import LiveInput, find_input_device

        device = find_input_device(getattr(args, "audio_device", None))
    except Exception as exc:  # noqa: BLE001 - a bad name is reported, not fatal on stage
        print(f"vjhost: {exc}", file=sys.stderr)
        device = None
    if device is None:
        print("vjhost: no audio input device; running on the internal clock (120 BPM, tap to change)", file=sys.stderr)
        clock = InternalClock()
        return clock, WallClock(), lambda: None, "internal clock"
    analysis = LiveAnalysis(lambda: LiveInput(device, sample_rate=SAMPLE_RATE, blocksize=HOP),
                            make_analyzers(host, faults), HOP).start()
    return analysis, WallClock(), analysis.stop, f"audio input {device}"


def _tempo_sync(args):
    """External tempo sources by precedence: Link > MIDI clock > OSC /vj/bpm > tap > audio > internal."""
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
    if getattr(args, "osc_port", 0):
        osc = OscTempo(args.osc_host, args.osc_port, tap=tap).start()
        if osc.error:
            print(f"vjhost: OSC: {osc.error}", file=sys.stderr)
        elif args.osc_host not in ("127.0.0.1", "localhost", "::1"):
            print(f"vjhost: OSC is open to the network on {args.osc_host}:{args.osc_port}", file=sys.stderr)
        sources.append(osc)
    sources.append(tap)
    return TempoSync(sources, internal_bpm=120.0)


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
    state = ControlState()
    size = win.framebuffer_size() if args.fullscreen else args.size
    show = Show(host, args.pack, size, faults=faults, device=args.device, seed=args.seed, state=state)
    source, clock, close_audio, heard = _features_source(args, host, faults)
    surface = None
    if getattr(args, "midi", True):
        from ..control.layout import load_layout
        from ..control.midi import MidiSurface

        layouts: dict = {}

        def layout_for(spec):  # polled by the MIDI thread: parse each pack's file once
            path = show.manifest.layouts.get(spec.layout_key)
            if path is None:
                return None
            if path not in layouts:
                try:
                    layouts[path] = load_layout(path)
                except Exception as exc:  # noqa: BLE001 - a bad layout must not stop the show
                    faults.exception(f"layout {path}", exc)
                    layouts[path] = None
            return layouts[path]

        surface = MidiSurface(host.mappings.specs(), state, layout_for, faults=faults)
        surface.start()
    from ..decode.worker import DecodeWorker

    worker = DecodeWorker(show.decoder, faults)
    sync = _tempo_sync(args)
    from ..render.hud import Hud

    hud = Hud(show.renderer) if getattr(args, "hud", False) else None
    _install_keys(win, state, host)
    print(f"vjhost: live - pack {show.manifest.name}, {size[0]}x{size[1]}, listening to {heard}; Esc quits", flush=True)

    last_id, last_upload, interval = -1, time.perf_counter(), 1 / 30
    t_prev = clock.now()
    next_reload = time.perf_counter() + 0.5
    t_end = time.perf_counter() + args.seconds if getattr(args, "seconds", None) else None
    try:
        while not win.should_close() and (t_end is None or time.perf_counter() < t_end):
            t = clock.now()
            dt = max(1e-4, min(0.1, t - t_prev))
            t_prev = t
            for act in state.drain_actions():
                if act.name == "tap":
                    sync.tap(time.monotonic())
                    continue
                if act.name == "hud":
                    hud = None if hud else Hud(show.renderer)
                    continue
                if act.name == "quit":
                    win.glfw.set_window_should_close(win.window, True)
                    continue
                new_pack = show.apply_action(act.name, act.value)
                if new_pack and new_pack in host.packs:
                    try:
                        new = Show(host, new_pack, size, faults=faults, device=args.device, seed=args.seed, state=state)
                    except Exception as exc:  # noqa: BLE001 - keep the old pack playing
                        faults.exception(f"pack {new_pack}", exc)
                        state.pack = show.manifest.name
                    else:
                        worker.close()
                        show.renderer.close()
                        show, worker, last_id = new, DecodeWorker(new.decoder, faults), -1
                        hud = Hud(show.renderer) if hud else None
            f = sync.apply(source.features(t), time.monotonic())  # external tempo leads when present
            if not state.freeze:
                worker.submit(show.latent(f, dt))
            got = worker.latest()
            now = time.perf_counter()
            if got is not None and got[0] != last_id:
                show.renderer.upload_image(got[1])
                interval = 0.8 * interval + 0.2 * min(0.2, max(1 / 240, now - last_upload))
                last_id, last_upload = got[0], now
            mix = min(1.0, (now - last_upload) / interval)
            show.render(f, dt, image_mix=mix)
            if hud:
                hud.draw(f, sync.status())
                hud.blit_to_screen(*win.framebuffer_size())
            else:
                show.renderer.blit_to_screen(*win.framebuffer_size())
            win.swap()
            if now > next_reload:
                for name in show.renderer.reload_changed():
                    print(f"vjhost: reloaded shader {name}", flush=True)
                if hud and hud.reload_changed():
                    print("vjhost: reloaded shader hud", flush=True)
                next_reload = now + 0.5
        if getattr(args, "screenshot", None):
            from ..png import write_png

            write_png(args.screenshot, (hud or show.renderer).read_rgba()[::-1, :, :3])
            print(f"vjhost: saved the last frame to {args.screenshot}", flush=True)
    finally:
        sync.stop()
        worker.close()
        if surface:
            surface.stop()
        close_audio()
        win.close()
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
        elif key in (glfw.KEY_LEFT, glfw.KEY_RIGHT) and state.packs:
            i = state.packs.index(state.pack) if state.pack in state.packs else 0
            i = (i + (1 if key == glfw.KEY_RIGHT else -1)) % len(state.packs)
            state.trigger("pack", state.packs[i], source="keyboard")

    glfw.set_key_callback(win.window, on_key)
