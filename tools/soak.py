"""Soak: does the show hold for an hour?  Memory, frame time, file descriptors, GL objects and threads.

    .venv/bin/python tools/soak.py --minutes 60                    # the live loop for an hour, then a 10-minute render
    .venv/bin/python tools/soak.py --minutes 15 --render-minutes 5 --json soak.json
    .venv/bin/python tools/soak.py --seconds 40 --sample 5 --render-seconds 20   # the short version (tests)

Two parts, one after the other, in this process:

live
    vjhost's real live loop (``vjhost run``: a glfw window on Xvfb when there is
    no display, live input from a private JACK server on the dummy backend with
    a synthesized track looping into it, OSC and the web page open), with the
    pack switched and the scene changed now and then (``--switch``), as a VJ
    would.  Every frame's time is taken where it is swapped to the screen.
render
    ``vjhost render`` of a long synthesized track (vjhost.audio.demo) at
    320x180, 30 fps, to a temporary mp4.

Every ``--sample`` seconds (of the wall clock live, of the track's clock in
the render part, so a fast machine samples a short render as often) it records the process's resident memory (RSS), its
open file descriptors, its threads (Python and native) and, on the GL thread,
the GL objects alive (textures, buffers, programs, shaders, framebuffers,
vertex arrays: every id up to past the highest seen is asked glIs*).  It
reports per part: memory growth from minute 5 (or, in a run shorter than ten
minutes, from the end of its first third) to the end -- goal < 5 %; p99 frame
time in the first and the last window (a tenth of the run, at least 30 s when
the run allows) -- goal: within 10 % of each other -- over the same workload:
the frames of a pack switch (from the request to a second past the end of its
transition: loading the pack, compiling its shaders, drawing both shows) are
left out of both windows and reported apart as the switch hitch (p99 and worst
of those frames); and the counts at the
start (after warm-up) and at the end (the least of the last three samples:
a worker thread alive between jobs is not a leak) -- goal: equal.  Exit status 0 when every
goal holds.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

SWITCH_S = 1.0  #: seconds after a pack switch's transition whose frames still count as the switch's hitch
GL_KINDS = ("textures", "buffers", "programs", "shaders", "framebuffers", "vertex_arrays")


def log(msg: str) -> None:
    print(f"soak: {msg}", file=sys.__stderr__, flush=True)


# --------------------------------------------------------------------------- what is counted


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def threads() -> tuple[int, int]:
    """(Python threads, native threads of the process)."""
    return threading.active_count(), len(os.listdir("/proc/self/task"))


class GLCounter:
    """Counts live GL objects by asking glIs* for every id up to past the highest seen (GL thread only)."""

    def __init__(self, floor: int = 512) -> None:
        self.top = {k: floor for k in GL_KINDS}

    def __call__(self) -> dict[str, int]:
        from OpenGL import GL

        tests: dict[str, Callable[[int], Any]] = {
            "textures": GL.glIsTexture, "buffers": GL.glIsBuffer, "programs": GL.glIsProgram,
            "shaders": GL.glIsShader, "framebuffers": GL.glIsFramebuffer, "vertex_arrays": GL.glIsVertexArray}
        out = {}
        for kind, test in tests.items():
            n, high = 0, 0
            for i in range(1, self.top[kind] + 1):
                if test(i):
                    n, high = n + 1, i
            self.top[kind] = max(self.top[kind], 2 * high)  # leaking names climb: look further next time
            out[kind] = n
        return out


@dataclass
class Sample:
    t: float  #: seconds since the part started
    rss_mb: float
    fds: int
    py_threads: int
    threads: int
    gl: dict[str, int]
    frames: int  #: frames so far
    state: str = ""  #: what was playing (counts are compared between samples of the same state)


class FrameTimes:
    """Every frame's (t since the part started, seconds), as two arrays of doubles: 16 bytes a frame.

    (A list of tuples of floats is 112 bytes a frame: 20 MB over an hour at 50 fps, growth the soak would
    measure in itself.)
    """

    def __init__(self, items: Iterable[tuple[float, float]] = ()) -> None:
        self.t, self.d = array("d"), array("d")
        self += items

    def append(self, item: tuple[float, float]) -> None:
        self.t.append(item[0])
        self.d.append(item[1])

    def __iadd__(self, items: Iterable[tuple[float, float]]) -> "FrameTimes":
        for item in items:
            self.append(item)
        return self

    def __len__(self) -> int:
        return len(self.t)

    def __getitem__(self, i: int) -> tuple[float, float]:
        return self.t[i], self.d[i]

    def __iter__(self) -> Iterator[tuple[float, float]]:
        return zip(self.t, self.d)


@dataclass
class Part:
    name: str
    samples: list[Sample] = field(default_factory=list)
    frame_times: FrameTimes = field(default_factory=FrameTimes)  # (t since start, seconds)
    seconds: float = 0.0
    note: str = ""
    measure_end: float | None = None  #: frame times after this (the closing return to the first pack) not judged
    #: (start, end) of each pack switch, seconds since the part started: from the request to the end of its
    #: transition.  Frames from a start to SWITCH_S past its end are the switch hitch, judged apart.
    switches: list[tuple[float, float]] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        s = self.samples
        if len(s) < 3:
            return {"part": self.name, "error": "too few samples", "note": self.note}
        dur = s[-1].t
        ref_t = 300.0 if dur >= 600 else dur / 3  # minute 5, or the end of the warm-up third
        ref = min(s, key=lambda x: abs(x.t - ref_t))
        growth = 100.0 * (s[-1].rss_mb - ref.rss_mb) / ref.rss_mb
        win = max(min(30.0, dur / 3), dur / 10)
        # The windows compare the same workload: frames of a pack switch (loading the pack, compiling its
        # shaders, the transition drawing both shows, and a second after) are left out of both and reported
        # apart as the switch hitch.
        spans: list[tuple[float, float]] = []  # merged, in order
        for a, b in sorted(self.switches):
            if spans and a <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], b + SWITCH_S))
            else:
                spans.append((a, b + SWITCH_S))
        starts = [a for a, _ in spans]

        def switching(t: float) -> bool:
            i = bisect.bisect_right(starts, t) - 1
            return i >= 0 and t <= spans[i][1]

        stop = self.measure_end if self.measure_end is not None else self.frame_times[-1][0]
        first, last, hitch = [], [], []
        for t, d in self.frame_times:
            if switching(t):
                if t <= stop:
                    hitch.append(d)
                continue
            if ref.t <= t <= ref.t + win:
                first.append(d)
            if stop - win <= t <= stop:
                last.append(d)
        first.sort()
        last.sort()
        hitch.sort()
        p99 = lambda xs: xs[min(len(xs) - 1, int(0.99 * len(xs)))] * 1000 if xs else float("nan")  # noqa: E731
        p99_first, p99_last = p99(first), p99(last)
        end = s[-1]  # compared with the sample after warm-up closest to ref_t that shows the same state
        same = [x for x in s if x.state == end.state and x is not end and x.t >= min(ref.t, end.t / 3)]
        start = min(same, key=lambda x: abs(x.t - ref.t)) if same else ref
        # A leak grows and stays; a thread or a descriptor that happens to be alive at the last sample (a
        # worker between jobs, an encoder flushing) does not: the end count is the least of the last three
        # samples of the end's state.
        tail = [x for x in s if x.state == end.state and x.t >= start.t][-3:] or [end]

        def low(get: Callable[[Sample], int]) -> int:
            return min(get(x) for x in tail)

        counts = {"fds": (start.fds, low(lambda x: x.fds)),
                  "py_threads": (start.py_threads, low(lambda x: x.py_threads)),
                  "threads": (start.threads, low(lambda x: x.threads)),
                  **{f"gl_{k}": (start.gl.get(k, 0), low(lambda x, k=k: x.gl.get(k, 0))) for k in GL_KINDS}}
        leaks = {k: v for k, v in counts.items() if v[1] > v[0]}
        return {
            "part": self.name, "seconds": round(dur, 1), "frames": end.frames,
            "rss_mb": [round(x.rss_mb, 1) for x in s], "rss_ref_t": round(ref.t, 1),
            "rss_growth_pct": round(growth, 2), "rss_ok": growth < 5.0,
            "p99_first_ms": round(p99_first, 1), "p99_last_ms": round(p99_last, 1),
            "p99_change_pct": round(100.0 * (p99_last - p99_first) / p99_first, 1) if p99_first else None,
            "p99_ok": bool(p99_first) and abs(p99_last - p99_first) <= 0.10 * p99_first,
            "window_s": round(win, 1), "switches": len(self.switches),
            "switch_p99_ms": round(p99(hitch), 1) if hitch else None,
            "switch_worst_ms": round(hitch[-1] * 1000, 1) if hitch else None,
            "counts": counts, "counts_from_t": start.t, "counts_state": end.state,
            "leaks": leaks, "counts_ok": not leaks,
            "note": self.note,
        }


class Sampler:
    """Takes a :class:`Sample` every ``every`` seconds; the GL count runs where ``tick()`` is called (GL thread)."""

    def __init__(self, part: Part, every: float, state: Callable[[], str] = lambda: "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.part, self.every, self.state, self.clock = part, every, state, clock
        self.force = False  #: take a sample at the next frame
        self.t0 = clock()
        self.next = self.t0
        self.last_frame = None
        self.frames = 0
        self.gl = GLCounter()

    def tick(self) -> None:
        """Once per frame, on the GL thread."""
        now, wall = self.clock(), time.monotonic()
        if self.last_frame is not None:
            self.part.frame_times.append((now - self.t0, wall - self.last_frame))
        self.last_frame = wall
        self.frames += 1
        if now >= self.next or self.force:
            self.next, self.force = now + self.every, False
            py, native = threads()
            self.part.samples.append(Sample(round(now - self.t0, 2), rss_mb(), fds(), py, native, self.gl(),
                                            self.frames, self.state()))
            self.last_frame = time.monotonic()  # (the count itself is not a frame's time)


# --------------------------------------------------------------------------- the live part


def live_part(seconds: float, every: float, switch: float, work: Path, render_scale: str = "auto") -> Part:
    import chaos  # the stage: Xvfb, a private jackd, a track looping into the show's input

    part = Part("live")
    stage = chaos.Stage(work, track_seconds=60.0)
    stage.start()
    sampler: dict[str, Sampler] = {}
    session: dict[str, Any] = {}
    from vjhost.output import live
    from vjhost.render import context

    real_swap, real_init = context.WindowContext.swap, live.LiveSession.__init__

    def swap(win) -> None:
        s = sampler.get("s")
        if s is not None:
            s.tick()
        real_swap(win)

    def init(self, *a, **kw) -> None:
        real_init(self, *a, **kw)
        session["s"] = self

    context.WindowContext.swap, live.LiveSession.__init__ = swap, init
    stop = threading.Event()

    def conductor() -> None:
        """Waits for the show, then switches packs and scenes now and then until the time is up; ends on the
        pack and scene it started with, the transition over, and takes a last sample there."""
        while "s" not in session and not stop.is_set():
            time.sleep(0.1)
        show = session["s"]
        end_wait = time.monotonic() + 20
        while not stage.music and time.monotonic() < end_wait:
            time.sleep(0.1)
        stage._patch_stop.set()  # patched: no more jack_lsp children (their pipes would count as fds)
        time.sleep(3.0)  # warm-up: first decodes, shaders compiled

        def state() -> str:  # (the dynamic render scale keeps the last scale's targets for going back: 3 more)
            r = show.show.renderer
            return (f"{show.show.manifest.name}/{show.state.scene}/scale {r.scale:g}"
                    + ("+spare" if getattr(r, "_spare", None) else "") + ("/transition" if show.transition else ""))

        sampler["s"] = Sampler(part, every, state)
        st = show.state
        first_pack, first_scene = st.pack, st.scene
        end = time.monotonic() + seconds
        packs = [p for p in ("ikeda", "kusama", "teamlab") if p in st.packs] or list(st.packs)
        k = 0
        next_switch = time.monotonic() + switch if switch else float("inf")
        t0 = sampler["s"].t0
        pending: tuple[str, float] | None = None  # a pack switch under way: (pack, when asked)

        def switched() -> None:  # the pack asked for is showing, its transition over: the switch's span ends
            nonlocal pending
            if pending is not None and show.show.manifest.name == pending[0] and show.transition is None:
                part.switches.append((pending[1], time.monotonic() - t0))
                pending = None

        while time.monotonic() < end and not stop.is_set():
            time.sleep(0.1 if pending else 0.5)
            switched()
            if time.monotonic() >= next_switch:
                k += 1
                if k % 3 == 0 and len(packs) > 1:
                    if pending is not None:  # (still under way: it ends no later than now)
                        part.switches.append((pending[1], time.monotonic() - t0))
                    pending = (packs[(k // 3) % len(packs)], time.monotonic() - t0)
                    st.trigger("pack", pending[0], source="soak")
                else:
                    st.trigger("scene", k % max(1, len(st.scenes)), source="soak")
                next_switch = time.monotonic() + switch
        part.measure_end = time.monotonic() - t0
        if pending is not None:
            part.switches.append((pending[1], part.measure_end))
        if st.pack != first_pack:
            st.trigger("pack", first_pack, source="soak")
        st.trigger("scene", first_scene, source="soak")
        settle = time.monotonic() + 15
        time.sleep(1.0)
        while (show.transition is not None or show.show.manifest.name != first_pack) and time.monotonic() < settle:
            time.sleep(0.2)
        time.sleep(1.0)
        sampler["s"].force = True
        time.sleep(1.0)
        st.trigger("quit", source="soak")

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        osc_port = s.getsockname()[1]
    th = threading.Thread(target=conductor, name="soak-conductor", daemon=True)
    th.start()
    from vjhost.cli import main as vjhost_main

    t0 = time.monotonic()
    try:
        rc = vjhost_main(["run", "--pack", "ikeda", "--size", "320x180", "--audio-device", "system", "--no-link",
                          "--osc-port", str(osc_port), "--web", "--web-port", "0", "--seconds", str(seconds + 120),
                          "--render-scale", render_scale])
    finally:
        stop.set()
        context.WindowContext.swap, live.LiveSession.__init__ = real_swap, real_init
        chaos._release_portaudio()
        stage.close()
    part.seconds = time.monotonic() - t0
    if rc:
        part.note = f"vjhost run exited {rc}"
    return part


# --------------------------------------------------------------------------- the render part


def render_part(seconds: float, every: float, work: Path) -> Part:
    from vjhost.audio.demo import synthesize_demo
    from vjhost.output.offline import render_offline
    from vjhost.plugins import load_host

    part = Part("render")
    track = synthesize_demo(duration=seconds, bpm=128.0, seed=5)
    sampler: dict[str, Sampler] = {}
    fps = 30
    frame = [0]

    def on_frame(i: int, rgba: Any) -> None:
        # The render runs on the track's clock, not the wall's: a machine that renders 6x realtime
        # still takes a sample every `every` seconds of the track (wall time per frame is still measured).
        frame[0] = i
        s = sampler.get("s")
        if s is None and i >= 30:  # past the first frames: shaders compiled, targets made
            s = sampler["s"] = Sampler(part, every, clock=lambda: frame[0] / fps)
        if s is not None:
            s.tick()

    t0 = time.monotonic()
    res = render_offline(load_host(), "ikeda", track.audio, track.sr, work / "soak.mp4", size=(320, 180), fps=fps,
                         decode_every=1, on_frame=on_frame)
    part.seconds = time.monotonic() - t0
    part.note = f"{res.frames} frames of a {seconds:.0f} s track in {res.seconds:.0f} s ({res.realtime:.2f}x realtime)"
    return part


# --------------------------------------------------------------------------- main


def describe(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{r['part']}: {r['error']} {r.get('note', '')}"
    c = r["counts"]
    counts = ", ".join(f"{k} {a}->{b}" for k, (a, b) in c.items())
    leaks = "no leaks" if r["counts_ok"] else "LEAKS: " + ", ".join(r["leaks"])
    return (f"{r['part']}: {r['seconds']:.0f} s, {r['frames']} frames; RSS {r['rss_mb'][0]:.0f} MB at start, "
            f"growth from t={r['rss_ref_t']:.0f} s to the end {r['rss_growth_pct']:+.2f} % "
            f"({'ok' if r['rss_ok'] else 'OVER 5 %'}); p99 frame time {r['p99_first_ms']:.1f} ms -> "
            f"{r['p99_last_ms']:.1f} ms ({r['p99_change_pct']:+.1f} %, {r['window_s']:.0f} s windows, "
            f"{'ok' if r['p99_ok'] else 'OUTSIDE 10 %'}"
            + (f"; pack-switch hitch p99 {r['switch_p99_ms']:.1f} ms, worst {r['switch_worst_ms']:.1f} ms "
               f"({r['switches']} switches, left out of the windows)" if r.get("switch_p99_ms") is not None else "")
            + f"); {counts} ({leaks})"
            + (f"; {r['note']}" if r.get("note") else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--minutes", type=float, help="minutes of the live loop (default 60)")
    g.add_argument("--seconds", type=float, help="seconds of the live loop (short runs)")
    ap.add_argument("--render-minutes", type=float, help="minutes of track to render offline (default 10; 0: none)")
    ap.add_argument("--render-seconds", type=float, help="seconds of track to render offline")
    ap.add_argument("--sample", type=float, default=30.0, help="seconds between samples (default 30)")
    ap.add_argument("--switch", type=float, default=10.0, help="seconds between scene/pack changes (0: none)")
    ap.add_argument("--json", metavar="FILE", help="write the report as JSON")
    ap.add_argument("--render-scale", default="auto", help="the live show's --render-scale (default auto)")
    ap.add_argument("--part", choices=("live", "render"), help=argparse.SUPPRESS)  # one part, in a process of its own
    args = ap.parse_args(argv)
    live_s = args.seconds if args.seconds is not None else 60.0 * (args.minutes if args.minutes is not None else 60.0)
    render_s = (args.render_seconds if args.render_seconds is not None
                else 60.0 * (args.render_minutes if args.render_minutes is not None else 10.0))

    work = Path(tempfile.mkdtemp(prefix="vjhost-soak-"))
    if args.part:  # (a window's GLX and a headless EGL can't share a process: each part gets its own)
        try:
            part = (live_part(live_s, args.sample, args.switch, work, args.render_scale) if args.part == "live"
                    else render_part(render_s, args.sample, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        Path(args.json).write_text(json.dumps(part.report()))
        return 0
    reports = []
    try:
        for name, secs in (("live", live_s), ("render", render_s)):
            if secs <= 0:
                continue
            log(f"{name}: {secs:.0f} s, a sample every {args.sample:g} s")
            out = work / f"{name}.json"
            cmd = [sys.executable, __file__, "--part", name, "--seconds", str(live_s), "--render-seconds",
                   str(render_s), "--sample", str(args.sample), "--switch", str(args.switch), "--json", str(out),
                   "--render-scale", args.render_scale]
            env = {k: v for k, v in os.environ.items() if k != "PYOPENGL_PLATFORM" or name == "render"}
            rc = subprocess.run(cmd, env=env).returncode
            reports.append(json.loads(out.read_text()) if out.exists()
                           else {"part": name, "error": f"the {name} part exited {rc} without a report"})
            log(describe(reports[-1]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    for r in reports:
        print(describe(r))
    ok = bool(reports) and all("error" not in r and r["rss_ok"] and r["p99_ok"] and r["counts_ok"] for r in reports)
    if args.json:
        Path(args.json).write_text(json.dumps({"ok": ok, "parts": reports}, indent=2))
    print("soak: every goal held" if ok else "soak: NOT every goal held")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
