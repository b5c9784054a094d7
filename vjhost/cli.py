"""The ``vjhost`` command line.

    vjhost run --pack ikeda [--fullscreen] [--monitor N] [--audio-device NAME | --audio FILE]
    vjhost render --pack ikeda --audio FILE --out show.mp4 [--size WxH] [--fps N] [--duration S] [--start S]
    vjhost demo [--out demo.mp4]        # synthesize a track and render it (what a fresh machine runs)
    vjhost packs [--json] | plugins [--json] | devices [--json]
    vjhost calibrate [--mode tap|adjust]   # the projector's latency, so beat-locked events fire that early
    vjhost pack new NAME --footage DIR [--dir PARENT] | --template persona [--palette P]
    vjhost pack validate NAME | bench [--pack NAME] [--size WxH] [--seconds S] [--json]
    vjhost train persona_packs/NAME
    vjhost footage generate --pack NAME --provider openai [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

DEMO_OUT = "demo.mp4"


class UsageError(Exception):
    """A bad flag value; printed as ``vjhost: error: ...`` with exit status 2."""


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192) or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"size {text!r}: width and height must be even, 16..8192")
    return w, h


def _number(kind, text: str):
    try:
        v = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return v


def positive(kind, most: float | None = None):
    """An argparse type: a finite number > 0 (and <= ``most``)."""
    def conv(text: str):
        v = _number(kind, text)
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
        if most is not None and v > most:
            raise argparse.ArgumentTypeError(f"must be at most {most:g}, got {text!r}")
        return v

    return conv


def in_range(kind, least: float, most: float):
    """An argparse type: a finite number in ``least..most``."""
    def conv(text: str):
        v = _number(kind, text)
        if not least <= v <= most:
            raise argparse.ArgumentTypeError(f"must be {least:g}..{most:g}, got {text!r}")
        return v

    return conv


def non_negative(text: str) -> float:
    v = _number(float, text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return v


MAX_FPS = 240
port = in_range(int, 0, 65535)


def render_scale(text: str) -> str:
    """``--render-scale``: ``auto`` or 0.5..1 (checked here, kept as text; see vjhost.output.pacing)."""
    from .output.pacing import parse_render_scale

    try:
        parse_render_scale(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _host(args=None):
    from .plugins import load_host

    host = load_host(block=getattr(args, "block", None) or ())
    for e in host.errors():
        print(f"vjhost: plugin error: {e}", file=sys.stderr)
    return host


def _check_out(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    if path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise UsageError(f"--out {path}: write an .mp4 file")


# ---------------------------------------------------------------------------- commands


def decode_every(args) -> int:
    """Decodes at about 30 Hz by default (2 at 60 fps): the GPU crossfades between them, and it halves the CPU."""
    return args.decode_every or max(1, round(args.fps / 30))


def offline_scale(args) -> float:
    """An offline render's render scale: --render-scale, 1 by default (auto: 1, there is no frame deadline offline)."""
    from .output.pacing import parse_render_scale

    return parse_render_scale(getattr(args, "render_scale", None) or "1") or 1.0


def cmd_render(args) -> int:
    from .audio.files import read_audio
    from .engine import SAMPLE_RATE
    from .output.offline import progress_bar, render_offline

    out = Path(args.out)
    _check_out(out, args.force)
    _check_run_inputs(argparse.Namespace(cues=args.cues, replay=args.replay))  # (the audio: read_audio names it)
    audio, sr = read_audio(args.audio, sr=SAMPLE_RATE)
    host = _host(args)
    if args.cues:
        from .control.cues import load_cues

        for warning in load_cues(args.cues).check(host.packs.names()):
            print(f"vjhost: {warning}", file=sys.stderr)
    res = render_offline(host, args.pack, audio, sr, out, size=args.size, fps=args.fps, start=args.start,
                         duration=args.duration, seed=args.seed, device=args.device,
                         decode_every=decode_every(args), progress=None if args.quiet else progress_bar(),
                         decoder=args.decoder, backend=args.backend, render_scale=offline_scale(args),
                         cues=args.cues, replay=args.replay)
    print(f"wrote {res.path.resolve()}: {res.frames} frames, {res.duration:.2f} s in {res.seconds:.1f} s "
          f"({res.realtime:.2f}x realtime)")
    if res.faults.faults:
        print(f"{len(res.faults.faults)} fault(s) during the render (see above); the picture kept going",
              file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    """No display: synthesize the demo track and render it.  With a display: the live show on it."""
    from .audio.demo import synthesize_demo, write_wav
    from .render.context import display_available

    track = synthesize_demo(duration=args.duration, bpm=args.bpm, seed=args.seed)
    wav = Path(args.out).with_suffix(".wav")
    if display_available() and not args.offline:
        write_wav(wav, track.audio, track.sr)
        print(f"display found: playing the live show with {wav} (use --offline to render {args.out} instead)")
        ns = argparse.Namespace(**{**vars(args), "audio": str(wav), "audio_device": None, "fullscreen": False,
                                   "monitor": 0, "no_vsync": False, "midi": True, "seconds": None,
                                   "screenshot": None, "hud": False, "midi_clock": None, "no_link": False,
                                   "osc_port": 9000, "osc_host": "127.0.0.1", "web": False,
                                   "web_port": 8765, "web_host": "127.0.0.1", "cues": None, "record": None,
                                   "replay": None, "decode_hz": 30.0})
        return cmd_run(ns)
    from .engine import SAMPLE_RATE
    from .output.offline import progress_bar, render_offline

    out = Path(args.out)
    if args.out == DEMO_OUT and not args.force:  # never overwrite: demo.mp4, demo-2.mp4, demo-3.mp4 ...
        n = 2
        while out.exists():
            out = Path(f"demo-{n}.mp4")
            n += 1
    _check_out(out, args.force)
    print(f"no display: rendering {out} ({args.duration:.0f} s demo track at {track.bpm:g} BPM, "
          f"drop at {track.drop_time:.1f} s, {args.size[0]}x{args.size[1]} @ {args.fps} fps)")
    host = _host(args)
    res = render_offline(host, args.pack, track.audio, track.sr, out, size=args.size, fps=args.fps,
                         seed=args.seed, device=args.device, decode_every=decode_every(args),
                         progress=None if args.quiet else progress_bar(), decoder=args.decoder, backend=args.backend,
                         render_scale=offline_scale(args))
    assert track.sr == SAMPLE_RATE
    print(f"wrote {res.path.resolve()}: {res.frames} frames, {res.duration:.2f} s in {res.seconds:.1f} s "
          f"({res.realtime:.2f}x realtime)")
    return 0


def _check_run_inputs(args) -> None:
    """Before a window opens or a pack loads: every file the show will read is usable, and no file
    it will write already exists (unless --force).  Raises with the file and the problem."""
    from .atomic import OutputExists, check_new

    video = getattr(args, "record_video", None)
    if video and Path(video).suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise UsageError(f"--record-video {video}: write an .mp4 file")
    for flag, path in (("--record", getattr(args, "record", None)), ("--screenshot", getattr(args, "screenshot", None)),
                       ("--record-video", video)):
        if path:
            try:
                check_new(path, getattr(args, "force", False))
            except (OutputExists, FileNotFoundError) as exc:
                raise UsageError(f"{flag} {exc}") from None
    if getattr(args, "cues", None):
        from .control.cues import load_cues

        load_cues(args.cues)  # CueError: every problem as file:line: key: message
    if getattr(args, "replay", None):
        from .control.record import PerformanceFile

        try:
            PerformanceFile(args.replay)
        except FileNotFoundError:
            raise ValueError(f"{args.replay}: no such file") from None
        except (OSError, EOFError, ValueError, KeyError, IndexError) as exc:
            raise ValueError(f"{args.replay}: not a readable MIDI file "
                             f"({type(exc).__name__}: {exc or 'ends early'})") from None
    if getattr(args, "audio", None):
        from .audio.files import audio_duration

        audio_duration(args.audio)  # AudioFileError: missing, empty, text, no audio stream


def _check_outputs(host, args) -> None:
    """--output names a registered output, and a lighting mapping file is valid (file:line errors), before the show."""
    from .output.outputs import check_requests

    for name, setting in check_requests(host, getattr(args, "output", None) or []):
        if name == "lights" and setting:
            from .output.lighting import load_mapping

            load_mapping(setting)  # MappingError: every problem as file:line: key: message


def cmd_run(args) -> int:
    from .output.live import run_live

    _check_run_inputs(args)
    host = _host(args)
    _check_outputs(host, args)
    return run_live(host, args)


def cmd_packs(args) -> int:
    from .packs import ManifestError, load_manifest

    host = _host(args)
    rows = []
    for name in sorted(host.packs.names()):
        spec = host.packs[name]
        info = host.plugins[host.packs.owner(name)]
        row = {"name": name, "version": info.version, "distribution": info.distribution,
               "path": str(spec.root), "error": None}
        try:
            m = load_manifest(spec)
            row.update(title=m.title, scenes=list(m.scenes), decoder=m.decoder_backend,
                       size=f"{m.size}x{m.size}", effects=[e.name for e in m.effects])
        except ManifestError as exc:
            row["error"] = str(exc)
        rows.append(row)
    errors = host.errors()
    if args.json:
        print(json.dumps({"packs": rows, "errors": errors}, indent=2))
        return 0
    if not rows:
        print("no packs installed (pip install -e persona_packs/ikeda)")
    for r in rows:
        print(f"{r['name']:<12} {r['version']:<8} {r['distribution']:<22} "
              + (f"ERROR: {r['error']}" if r["error"]
                 else f"{r['title']}  [{len(r['scenes'])} scenes, decoder {r['decoder']} {r['size']}]"))
    for e in errors:
        print(f"load error: {e}")
    return 0


def cmd_plugins(args) -> int:
    host = _host(args)
    rows = [{"name": p.name, "module": p.module, "distribution": p.distribution, "version": p.version,
             "registers": p.registers, "errors": p.errors} for p in host.plugins.values()]
    if args.json:
        print(json.dumps({"plugins": rows, "notes": host.notes}, indent=2))
        return 0
    for r in rows:
        print(f"{r['name']} ({r['distribution'] or r['module']} {r['version']})")
        for kind, names in r["registers"].items():
            print(f"    {kind}: {', '.join(names)}")
        for e in r["errors"]:
            print(f"    ERROR: {e}")
    for n in host.notes:
        print(f"note: {n}")
    return 0


def cmd_devices(args) -> int:
    from .analysis.tempo import ORDER, LinkTempo
    from .audio.live import audio_unavailable_reason, list_input_devices, list_output_devices
    from .control.midi import list_midi_ports
    from .output.outputs import availability
    from .render.context import list_monitors

    link = LinkTempo(120.0)  # not enabled: listing devices must not join sessions on the network
    info = {
        "tempo": {"precedence": list(ORDER), "link": link.state(time.monotonic())},
        "audio_inputs": list_input_devices(),
        "audio_outputs": list_output_devices(),
        "audio_error": audio_unavailable_reason(),
        "midi": list_midi_ports(),
        "monitors": list_monitors(),
        "outputs": availability(_host(args)),
    }
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    print("audio inputs:")
    for d in info["audio_inputs"]:
        print(f"  [{d['index']}] {d['name']} ({d['channels']} ch, {d.get('samplerate', '?')} Hz)")
    if not info["audio_inputs"]:
        why = f" ({info['audio_error']})" if info["audio_error"] else ""
        print(f"  none{why} -> the show runs on its internal clock")
    print("audio outputs:")
    for d in info["audio_outputs"]:
        print(f"  [{d['index']}] {d['name']}")
    if not info["audio_outputs"]:
        print("  none")
    midi = info["midi"]
    print("MIDI inputs:")
    for n in midi.get("inputs", []):
        print(f"  {n}")
    if not midi.get("inputs"):
        print("  none" + (f" ({midi['error']})" if midi.get("error") else ""))
    print("tempo sources (first active leads): " + " > ".join(info["tempo"]["precedence"]))
    lk = info["tempo"]["link"]
    print("  Ableton Link: "
          + (lk.get("error") or "available; `vjhost run` joins sessions on the LAN (--no-link to stay out)"))
    print("  MIDI clock: `vjhost run --midi-clock PORT`; OSC /vj/bpm, /vj/tap on --osc-port (localhost by default)")
    print("monitors:")
    for m in info["monitors"]:
        print(f"  [{m['index']}] {m['name']} {m['width']}x{m['height']} @ {m['refresh']} Hz")
    if not info["monitors"]:
        print("  none (no display: `vjhost render` and `vjhost demo` still work headless)")
    print("outputs (vjhost run --output NAME[=SETTING]; the window is always there):")
    for o in info["outputs"]:
        state = "available" if o["available"] else f"not available: {o['reason']}"
        print(f"  {o['name']:<11} {state}" + (f"  [={o['setting']}]" if o["available"] and o["setting"] else ""))
    return 0


def cmd_pack(args) -> int:
    if args.pack_cmd == "new":
        from .train.scaffold import cmd_new

        return cmd_new(args)
    if args.pack_cmd == "validate":
        from .validate import validate_pack

        report = validate_pack(_host(args), args.name, size=args.size)
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            for check in report["checks"]:
                print(f"{'ok  ' if check['ok'] else 'FAIL'} {check['name']}: {check['detail']}")
            print("valid" if report["ok"] else "INVALID")
        return 0 if report["ok"] else 1
    return 2


def cmd_bench(args) -> int:
    from .bench import run_bench

    report = run_bench(_host(args), args.pack or ["ikeda"], sizes=args.sizes, seconds=args.seconds,
                       decoder=args.decoder, backend=args.backend, render_scale=args.render_scale,
                       offline=not args.no_offline)
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


def cmd_train(args) -> int:
    from .train.cli import main as train_main

    return train_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="vjhost", description="AI-driven, audio-reactive VJ host.")
    ap.add_argument("--block", action="append", metavar="PLUGIN", help="don't load this plugin (entry-point name)")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def show_opts(p, size=(1280, 720)):
        p.add_argument("--pack", default="ikeda", help="persona pack to play (see `vjhost packs`)")
        p.add_argument("--size", type=parse_size, default=size, metavar="WxH",
                       help=f"output size in pixels, even numbers (default {size[0]}x{size[1]})")
        p.add_argument("--fps", type=positive(int, MAX_FPS), default=60,
                       help="frames per second: the live show's target, the video's frame rate (default 60)")
        p.add_argument("--render-scale", type=render_scale, default=None, metavar="auto|0.5..1",
                       help="draw the effect chain at this share of --size and upscale at the end; auto (live "
                            "default) follows the frame time to hold --fps; offline default 1")
        p.add_argument("--seed", type=int, default=0, help="seed of the latent walk (renders are deterministic)")
        p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="decoder device")
        p.add_argument("--decoder", choices=("teacher", "student"), default=None,
                       help="which of the pack's decoders to run (default: the manifest's decoder.default)")
        p.add_argument("--backend", choices=("torch", "onnx"), default=None,
                       help="decoder runtime (default: the manifest's decoder.backend); onnx = ONNX Runtime")
        from .decode.quantize import add_precision_argument

        add_precision_argument(p)

    p = sub.add_parser("run", help="live show in a window")
    show_opts(p)
    p.add_argument("--fullscreen", action="store_true", help="fill the monitor (its own resolution; --size is ignored)")
    p.add_argument("--monitor", type=in_range(int, 0, 64), default=0,
                   help="which monitor for --fullscreen (see `vjhost devices`; default 0)")
    p.add_argument("--no-vsync", action="store_true",
                   help="don't wait for the display, and don't hold the show to --fps: as many frames as it can draw")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--audio-device", metavar="NAME", help="audio input by name substring (e.g. Rubix24) or index")
    g.add_argument("--audio", metavar="FILE", help="play a file through the speakers and analyse it in sync")
    p.add_argument("--no-midi", dest="midi", action="store_false", help="don't look for MIDI controllers")
    p.add_argument("--decode-hz", type=in_range(float, 0, MAX_FPS), default=30.0,
                   help="decodes per second (beats and kicks always get one at once; 0 = every frame)")
    p.add_argument("--hud", action="store_true", help="overlay what the analysis hears (toggle with H)")
    p.add_argument("--midi-clock", metavar="PORT",
                   help="follow MIDI beat clock from the input port whose name contains PORT")
    p.add_argument("--no-link", action="store_true", help="don't join Ableton Link sessions")
    p.add_argument("--osc-port", type=port, default=9000,
                   help="OSC control port: /vj/pack, /vj/param/..., /vj/bpm ... (0 = off; docs/osc.md)")
    p.add_argument("--cues", metavar="FILE.toml", help="play a cue list (see docs/cues.md)")
    p.add_argument("--record", metavar="FILE.mid", help="record every control move, on the beat grid, to a MIDI file")
    p.add_argument("--replay", metavar="FILE.mid", help="replay a recorded performance against the music")
    p.add_argument("--web", action="store_true",
                   help="serve the tablet control page (token in the printed URL / QR code)")
    p.add_argument("--web-port", type=port, default=8765, help="port of the tablet page (default 8765)")
    p.add_argument("--web-host", default="127.0.0.1",
                   help="address the web page listens on (default 127.0.0.1: this machine only; 0.0.0.0 opens it "
                        "to the LAN for a tablet, and prints the URL and a QR code with the token)")
    p.add_argument("--osc-host", default="127.0.0.1",
                   help="address OSC listens on; localhost unless you open it (e.g. 0.0.0.0 for a tablet)")
    p.add_argument("--seconds", type=positive(float), help="stop after this long")
    p.add_argument("--screenshot", metavar="FILE.png", help="save the last frame when the show ends")
    p.add_argument("--output", action="append", metavar="NAME[=SETTING]",
                   help="also send the show to NAME: ndi, virtualcam, spout, syphon, lights=rig.toml (repeatable; "
                        "`vjhost devices` says which work here; docs/outputs.md)")
    p.add_argument("--record-video", metavar="FILE.mp4",
                   help="record what the audience saw (H.264 + the input audio) without slowing the show")
    p.add_argument("--latency-ms", type=in_range(float, 0, 500), default=None,
                   help="fire beat-locked events this much early (the projector's latency; default: the value "
                        "`vjhost calibrate` saved, else 0)")
    p.add_argument("--force", action="store_true",
                   help="overwrite an existing --record / --record-video / --screenshot file")
    from .crate.cli import add_run_options as add_crate_run_options

    add_crate_run_options(p)  # --crate, --auto-look, --room-camera (docs/crate.md)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("render", help="render an audio file to mp4, offline")
    show_opts(p)
    p.add_argument("--audio", required=True, metavar="FILE",
                   help="the music: wav, flac, mp3, ... (any rate, mixed to 48 kHz)")
    p.add_argument("--out", required=True, metavar="FILE.mp4", help="the video to write (H.264 + AAC)")
    p.add_argument("--duration", type=positive(float), help="seconds to render (default: to the end of the audio)")
    p.add_argument("--start", type=non_negative, default=0.0, help="start this many seconds into the audio (default 0)")
    p.add_argument("--decode-every", type=positive(int, MAX_FPS), default=None,
                   help="decode every k-th frame and crossfade between (default: decode at about 30 Hz)")
    p.add_argument("--cues", metavar="FILE.toml", help="play a cue list on the render's beat grid (docs/cues.md)")
    p.add_argument("--replay", metavar="FILE.mid", help="replay a performance recorded with `vjhost run --record`")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("demo", help="synthesize a demo track; render it to mp4 (no display) or play it live")
    show_opts(p)
    p.add_argument("--out", default=DEMO_OUT,
                   help=f"the video to write (default {DEMO_OUT}; when it exists, demo-2.mp4, demo-3.mp4, ...)")
    p.add_argument("--duration", type=positive(float, 3600), default=20.0, help="seconds of demo track (default 20)")
    p.add_argument("--bpm", type=in_range(float, 20, 400), default=128.0, help="tempo of the demo track (default 128)")
    p.add_argument("--offline", action="store_true", help="render the mp4 even when a display exists")
    p.add_argument("--decode-every", type=positive(int), default=None,
                   help="decode every k-th frame and crossfade between (default: decode at about 30 Hz)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_demo)

    for name, fn, helptext in (("packs", cmd_packs, "list installed packs"),
                               ("plugins", cmd_plugins, "list plugins and what they register"),
                               ("devices", cmd_devices, "list audio inputs, MIDI ports and monitors")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=fn)

    p = sub.add_parser("pack", help="pack tools")
    psub = p.add_subparsers(dest="pack_cmd", required=True)
    v = psub.add_parser("validate", help="check a pack: manifest, shaders, layout, decoder speed")
    v.add_argument("name")
    v.add_argument("--size", type=parse_size, default=(640, 360))
    v.add_argument("--json", action="store_true")
    n = psub.add_parser("new",
                        help="start a pack: a persona from the template, or one trained on your images and clips")
    n.add_argument("name", help="the pack's name: lowercase letters, digits and _")
    src = n.add_mutually_exclusive_group(required=True)
    src.add_argument("--footage", metavar="DIR",
                     help="folder of images / clips (one scene per subfolder, or per file when it has none)")
    src.add_argument("--template", choices=("persona",),
                     help="a complete persona pack: procedural motifs, palette, shaders, layout, tests (untrained)")
    n.add_argument("--dir", default=None, metavar="PARENT",
                   help="create PARENT/NAME (default: ./NAME, or persona_packs/NAME with --template)")
    n.add_argument("--palette", metavar="P", help="--template: a named palette (primaries, cool_blue, neon ...) "
                   "or colours '#rrggbb,#rrggbb,...' (default primaries)")
    n.add_argument("--title", help="--template: the pack's title")
    n.add_argument("--description", help="--template: one line on the persona")
    n.add_argument("--size", type=int, choices=(32, 64, 128, 256), default=128,
                   help="decoder output size (default 128)")
    n.add_argument("--channels", type=int, choices=(1, 3), default=3, help="3 = RGB (default), 1 = grey")
    n.add_argument("--fps", type=positive(float), default=4.0, help="frames taken per second of video (default 4)")
    p.set_defaults(func=cmd_pack)
    from .train.pack_commands import add_pack_commands

    add_pack_commands(psub)

    p = sub.add_parser("bench", help="does a pack hold 60 fps? live loop, ms per pass, decoder, offline speed")
    p.add_argument("--pack", action="append", metavar="NAME",
                   help="pack to measure (repeat for several; 'all' = every installed pack; default ikeda)")
    p.add_argument("--size", type=parse_size, action="append", dest="sizes", metavar="WxH",
                   help="sizes to measure (default 1280x720 and 1920x1080)")
    p.add_argument("--seconds", type=positive(float, 600), default=4.0,
                   help="seconds of each measurement (live loop, passes, offline render per size; decoder)")
    p.add_argument("--render-scale", type=render_scale, default="auto", metavar="auto|0.5..1",
                   help="the live loop's render scale (default auto: as `vjhost run`)")
    p.add_argument("--no-offline", action="store_true", help="skip the offline render measurement")
    p.add_argument("--decoder", choices=("teacher", "student"), default=None, help="which of the pack's decoders")
    p.add_argument("--backend", choices=("torch", "onnx"), default=None, help="decoder runtime")
    from .decode.quantize import add_precision_argument

    add_precision_argument(p)
    p.add_argument("--json", action="store_true", help="print the whole report as JSON on stdout")
    p.set_defaults(func=cmd_bench)

    from .analysis.report import add_parser as add_analyze
    from .control.learn import add_parser as add_midi
    from .render.shader_check import add_parser as add_shader

    add_analyze(sub)
    add_shader(sub)
    add_midi(sub)
    from .train.videogen import add_parser as add_footage

    add_footage(sub)
    from .train.stages import add_parser as add_pipeline

    add_pipeline(sub)  # the DVC pipeline's stages (dvc.yaml)
    from .crate.cli import add_parser as add_crate

    add_crate(sub)
    from .output.calibrate import add_parser as add_calibrate

    add_calibrate(sub)  # vjhost calibrate: the room's latency, for beat-early events

    p = sub.add_parser("train", add_help=False,
                       help="train a pack's decoders (several GPUs: torchrun --nproc_per_node=N -m vjhost train ...)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_train)
    return ap


def main(argv: list[str] | None = None) -> int:
    rest = sys.argv[1:] if argv is None else list(argv)
    if rest[:1] == ["train"]:  # train parses its own options (--help included: REMAINDER would not pass it on)
        return cmd_train(argparse.Namespace(rest=rest[1:]))
    ap = build_parser()
    args = ap.parse_args(argv)
    from .audio.files import AudioFileError
    from .decode.weights import WeightsError
    from .packs import ManifestError
    from .render.context import GLUnavailable

    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        ap.error(str(exc))
    except (ManifestError, WeightsError, AudioFileError, GLUnavailable, LookupError, ValueError) as exc:
        msg = exc.args[0] if isinstance(exc, LookupError) and exc.args else exc
        print(f"vjhost: error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `vjhost analyze x.wav | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
