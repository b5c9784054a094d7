"""What outputs cost the show: frames per second of a pack's chain with each output on, against none (same run).

    .venv/bin/python tools/bench_outputs.py [--pack ikeda] [--size 1280x720] [--seconds 4]

Headless (EGL), the pack's real chain and a fixed decoded image, as fast as it
draws (``glFinish`` every frame, as the live loop's frame budget does).  Rows:
no outputs; a texture-sharing output (the tap's blit: what Spout/Syphon cost);
a pixel output (the PBO readback, one frame late, plus a copy: NDI, the
virtual camera); the show recording (``--record-video``: readback, copy, H.264
on its own thread -- the frames it had to drop are counted); the lighting desk
(features only, to a UDP port on 127.0.0.1 nobody reads).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Null:
    def __init__(self, wants: str) -> None:
        self.wants = wants
        self.sum = 0

    def send(self, frame) -> None:
        if frame.rgba is not None:
            self.sum += int(frame.rgba[0, 0, 0])

    def close(self) -> None:
        pass


def main() -> int:
    from vjhost.cli import parse_size

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pack", default="ikeda")
    ap.add_argument("--size", type=parse_size, default=(1280, 720))
    ap.add_argument("--seconds", type=float, default=4.0)
    args = ap.parse_args()

    import os

    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    from vjhost.engine import Show
    from vjhost.faults import FaultLog
    from vjhost.output.lighting import LightingOutput
    from vjhost.output.outputs import OutputSet
    from vjhost.output.record_video import ShowRecorder
    from vjhost.plugins import load_host
    from vjhost.protocols import Features
    from vjhost.render.context import HeadlessContext

    ctx = HeadlessContext()
    host = load_host()
    faults = FaultLog()
    show = Show(host, args.pack, args.size, faults=faults)
    img = (np.random.default_rng(0).random((128, 128, 3)) * 255).astype(np.uint8)
    show.renderer.upload_image(img)
    tmp = Path(tempfile.mkdtemp(prefix="vjhost-bench-outputs-"))
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    rig = tmp / "rig.toml"
    rig.write_text(f"schema_version = 1\n[artnet]\nport = {sink.getsockname()[1]}\n"
                   "[[artnet.channels]]\nchannel = 1\nvalue = \"beat\"\n[[artnet.channels]]\nchannel = 2\n"
                   f"rgb = \"palette.beat\"\n[osc]\nport = {sink.getsockname()[1]}\n")
    palette = np.array([[255, 0, 0], [0, 255, 0]], np.uint8)

    def run(outs) -> float:
        f = Features(bpm=128.0)
        GL = show.renderer.GL
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < args.seconds:
            f.t = n / 60.0
            f.beat_count, f.beat_phase = int(f.t * 128 / 60), (f.t * 128 / 60) % 1
            f.beat = f.beat_phase < 0.14
            show.render(f, 1 / 60)
            if outs is not None:
                outs.send(f.t, f, src_fbo=show.renderer.output_fbo(), src_size=args.size, pack=args.pack,
                          palette=palette)
            GL.glFinish()
            n += 1
        return n / (time.perf_counter() - t0)

    def with_(*pairs) -> OutputSet:
        s = OutputSet(tuple(args.size), faults)
        for name, o in pairs:
            s.add(name, o)
        return s

    rows = []
    base = run(None)
    rows.append(("no outputs", base, ""))
    rows.append(("texture (Spout/Syphon: the blit)", run(with_(("tex", _Null("texture")))), ""))
    rows.append(("pixels (NDI/virtualcam: PBO readback + copy)", run(with_(("px", _Null("rgba")))), ""))
    rec = ShowRecorder(tmp / "bench.mp4", args.size, 60)
    outs = with_(("record-video", rec))
    fps = run(outs)
    outs.close()
    rows.append(("--record-video (H.264 ultrafast, own thread)", fps,
                 f"{rec.written} written, {rec.dropped} dropped from the recording"))
    lights = LightingOutput(str(rig))
    rows.append(("lights (Art-Net + OSC to 127.0.0.1)", run(with_(("lights", lights))),
                 f"{lights.packets} ArtDmx, {lights.messages} OSC"))
    base2 = run(None)
    print(f"{args.pack} {args.size[0]}x{args.size[1]}, {args.seconds:g} s each, headless GL "
          f"({show.renderer.GL.glGetString(show.renderer.GL.GL_RENDERER).decode()}); baseline again at the end: "
          f"{base2:.1f} fps")
    ref = (base + base2) / 2
    for name, fps, note in rows:
        print(f"  {name:<48} {fps:6.1f} fps  {fps / ref:5.2f}x  {note}")
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
