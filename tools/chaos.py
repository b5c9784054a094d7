"""Fault injection: the show goes on, measured from the frames it actually presents.

    .venv/bin/python tools/chaos.py                  # every fault once, about a minute
    .venv/bin/python tools/chaos.py --rounds 5       # the long run: five rounds of everything
    .venv/bin/python tools/chaos.py --json chaos.json --only effect,jack

It plays vjhost's real live loop (``vjhost.cli.main(["run", ...])``: a glfw
window on Xvfb, live input from a private JACK server on the dummy backend
with a synthesized track patched into it, the APC mini MK2 surface on virtual
JACK MIDI ports, OSC and the web page open) while a script injects, one after
another:

    effect      an effect plugin whose uniforms raise every frame
    analyzer    an analyzer that hangs the analysis thread for 2 s
    decoder     a decoder backend that raises for a second
    shader      the pack's shader edited into a compile error, then back (hot reload)
    jack        the JACK server killed, then restarted (audio lost and back, the controller too)
    midi        the controller's ports removed and re-created (replug: LEDs restored)
    osc         10 000 malformed OSC packets
    web         1 000 malformed websocket messages
    pack        a switch to a pack whose weights are corrupt

Every presented frame is read back from the window's back buffer just before
the swap.  A frame is *black* when no pixel is brighter than 10/255; the
picture is *frozen* when no presented frame differs from the one before for
more than 0.5 s.  For each fault: how the show reported it (stderr lines
naming its source: the first, and how many), the recovery time (injection --
or the fault's end, for faults that end -- to the show whole again: the
component back, or bypassed), and the black and frozen frames from injection
to one second after recovery.  Exit status 0 only if every fault was reported,
every one recovered and no frame was black or frozen.

Needs Xvfb (unless a DISPLAY is set), jackd (apt jackd2) with PortAudio and
python-rtmidi built with JACK.  tests/test_chaos.py runs it with short timings.
``CHAOS_TRACE=1`` adds, per fault, the moments some thread held the GIL for
more than 0.1 s (what stops the render thread in a Python show).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
IKEDA = ROOT / "persona_packs" / "ikeda" / "vjhost_ikeda"
SIZE = (320, 180)
FROZEN_S = 0.5
BLACK_MAX = 10
APC_PORT = "APC mini mk2 Control"
#: lines that say the show is whole again, not that something went wrong
RECOVERED = re.compile(r"input is back;|\breloaded shader\b")
FAULTS = ("effect", "analyzer", "decoder", "shader", "jack", "midi", "osc", "web", "pack")


def _die_with_parent() -> None:
    """In a child: SIGTERM when this harness dies, however it dies (no orphaned jackd, Xvfb or player)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux
        pass


def log(msg: str) -> None:
    print(f"chaos: {msg}", file=sys.__stderr__, flush=True)


# --------------------------------------------------------------------------- the stage: X, JACK, music


class Stage:
    """Xvfb (when there is no display), a private jackd, and a track playing into the show's input."""

    def __init__(self, workdir: Path, track_seconds: float = 60.0) -> None:
        self.dir = workdir
        self.name = f"vjhost-chaos-{os.getpid()}"
        self.xvfb: subprocess.Popen | None = None
        self.jackd: subprocess.Popen | None = None
        self.player: subprocess.Popen | None = None
        self.track = workdir / "track.wav"
        self.track_seconds = track_seconds
        self._patch_stop = threading.Event()
        self._patcher: threading.Thread | None = None
        self.music = True  # is the track playing into the show now?
        self.stop_times: list[float] = []  # seconds each jackd took to stop
        self.jackd_pid = 0

    def start(self) -> None:
        for tool in ("jackd", "jack_lsp", "jack_connect"):
            if shutil.which(tool) is None:
                raise SystemExit(f"chaos: {tool} not found (apt-get install -y jackd2)")
        if not os.environ.get("DISPLAY"):
            if shutil.which("Xvfb") is None:
                raise SystemExit("chaos: no DISPLAY and no Xvfb (apt-get install -y xvfb)")
            n = next(n for n in range(90, 200) if not os.path.exists(f"/tmp/.X11-unix/X{n}")
                     and not os.path.exists(f"/tmp/.X{n}-lock"))
            self.xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)
            deadline = time.monotonic() + 10
            while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
                if time.monotonic() > deadline or self.xvfb.poll() is not None:
                    raise SystemExit("chaos: Xvfb did not start")
                time.sleep(0.05)
            os.environ["DISPLAY"] = f":{n}"
        os.environ.pop("PYOPENGL_PLATFORM", None)
        os.environ["JACK_DEFAULT_SERVER"] = self.name  # every libjack client in this process and its children
        os.environ["JACK_NO_START_SERVER"] = "1"
        os.environ["VJHOST_NO_LINK"] = "1"
        from vjhost.audio.demo import synthesize_demo, write_wav

        demo = synthesize_demo(duration=self.track_seconds, bpm=128.0, seed=3)
        write_wav(self.track, demo.audio, demo.sr)
        self.start_jack()
        self.start_player()
        self._patcher = threading.Thread(target=self._patch_loop, name="chaos-patchbay", daemon=True)
        self._patcher.start()

    # JACK ------------------------------------------------------------------
    def start_jack(self) -> None:
        """jackd under a small supervisor that stops it once this process has exited: a jackd told to stop
        while a client of ours still holds on waits, gets killed, and then its slot in JACK's shared server
        registry stays taken (after eight of those no JACK server starts on the machine)."""
        cmd = ["jackd", "-n", self.name, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "1024",
               "-C", "2", "-P", "2"]
        self.jackd = subprocess.Popen([sys.executable, "-c", SUPERVISOR, str(os.getpid()), *cmd],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.jackd_pid = int(self.jackd.stdout.readline())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["jack_lsp", "-s", self.name], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise SystemExit("chaos: jackd did not start")

    def kill_jack(self) -> None:
        """The server goes away under everyone (SIGTERM: a SIGKILLed jackd never frees its registry slot)."""
        if self.jackd is not None:
            t0 = time.monotonic()
            try:
                os.kill(self.jackd_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.jackd.wait(10)
            except subprocess.TimeoutExpired:
                log("jackd did not stop within 10 s of SIGTERM; killed (its registry slot stays taken)")
                os.kill(self.jackd_pid, signal.SIGKILL)
                self.jackd.wait()
            self.stop_times.append(round(time.monotonic() - t0, 2))
            self.jackd = None
        self.music = False

    def ports(self) -> tuple[list[str], dict[str, list[str]]]:
        r = subprocess.run(["jack_lsp", "-s", self.name, "-c"], capture_output=True, text=True)
        names, conns, cur = [], {}, None
        for line in r.stdout.splitlines():
            if not line.startswith((" ", "\t")):
                cur = line.strip()
                names.append(cur)
                conns[cur] = []
            elif cur is not None:
                conns[cur].append(line.strip())
        return names, conns

    def _patch_loop(self) -> None:
        """The studio cabling: the player's outputs into every capture port the show opens."""
        while not self._patch_stop.wait(0.3):
            if self.jackd is None or self.player is None or self.player.poll() is not None:
                self.music = False
                continue
            try:
                names, conns = self.ports()
            except OSError:
                continue
            def by_client(kind: str) -> dict[str, list[str]]:
                out: dict[str, list[str]] = {}
                for p in names:
                    if re.search(rf":{kind}_\d+$", p) and not p.startswith("system:"):
                        out.setdefault(p.split(":")[0], []).append(p)
                return {c: sorted(ps, key=lambda p: int(p.rsplit("_", 1)[1])) for c, ps in out.items()}

            players, shows = by_client("out"), by_client("in")
            heard = False
            for pc, outs in players.items():
                for sc, ins in shows.items():
                    if sc == pc:
                        continue
                    for o, i in zip(outs, ins):  # left into the first input, right into the second
                        if o not in conns.get(i, []):
                            subprocess.run(["jack_connect", "-s", self.name, o, i], capture_output=True)
                        heard = True
            self.music = heard

    # music -------------------------------------------------------------------
    def start_player(self) -> None:
        script = textwrap.dedent(f"""
            import os, sys, time
            import numpy as np, sounddevice as sd
            from vjhost.audio.files import read_audio
            audio, sr = read_audio({str(self.track)!r}, sr=48000)
            pos = [0]
            def cb(out, frames, t, status):
                i = pos[0]
                idx = (np.arange(i, i + frames) % len(audio))
                out[:] = audio[idx, :out.shape[1]]
                pos[0] = i + frames
            s = sd.OutputStream(device="system", channels=2, samplerate=sr, blocksize=1024, callback=cb)
            s.start()
            while s.active:
                time.sleep(0.1)
            os._exit(0)  # the server died: leave without closing (PortAudio would hang)
        """)
        with open(self.dir / "player.log", "ab") as err:
            self.player = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=err,
                                           preexec_fn=_die_with_parent)

    def stop_player(self) -> None:
        if self.player is not None:
            self.player.kill()
            self.player.wait()
            self.player = None

    def close(self) -> None:
        self._patch_stop.set()
        self.stop_player()
        if self.jackd is not None:
            # not stopped from here: a show that lived through a JACK restart keeps its (new) clients until
            # the process exits; the supervisor stops jackd once we are gone
            self.jackd = None
        if self.xvfb is not None:
            self.xvfb.terminate()
            self.xvfb.wait(5)


SUPERVISOR = r"""
import os, signal, subprocess, sys, time
parent, cmd = int(sys.argv[1]), sys.argv[2:]
jackd = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(jackd.pid, flush=True)
def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
while jackd.poll() is None and alive(parent):
    time.sleep(0.2)
if jackd.poll() is None:  # the harness is gone, and its clients with it: a clean stop now
    jackd.terminate()
    try:
        jackd.wait(20)
    except subprocess.TimeoutExpired:
        jackd.kill()
    jackd.wait()
    # a jackd whose clients vanished under it can exit without freeing its slot in JACK's shared server
    # registry (eight stale slots and no JACK server starts on the machine); a server of the same name
    # reclaims the slot, and one without clients frees it cleanly when it stops
    again = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    again.terminate()
    try:
        again.wait(10)
    except subprocess.TimeoutExpired:
        again.kill()
"""


# --------------------------------------------------------------------------- the faulty plugin and packs

PLUGIN = '''"""Faults on cue for tools/chaos.py: an effect, an analyzer and a decoder backend."""
import time
from pathlib import Path

from vjhost import hookimpl
from vjhost.protocols import AnalyzerSpec, DecoderSpec, EffectSpec, Param

#: set by the harness
ARMED = {"effect": False, "analyzer": 0.0, "decoder": False}


def fx_uniforms(features, params):
    if ARMED["effect"]:
        raise RuntimeError("chaos: this effect raises every frame")
    return {}


class HangingAnalyzer:
    def process(self, block, features):
        hang = ARMED["analyzer"]
        if hang:
            ARMED["analyzer"] = 0.0
            time.sleep(hang)

    def reset(self):
        pass


class FlakyDecoder:
    def __init__(self, path, device):
        from vjhost_builtins.torch_decoder import TorchDecoder

        self.inner = TorchDecoder(path, device)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def decode(self, z):
        if ARMED["decoder"]:
            raise RuntimeError("chaos: the decoder raises")
        return self.inner.decode(z)


@hookimpl
def vjhost_register_effects(register):
    register(EffectSpec("chaos_fx", shader="chaos_fx.glsl", params=(Param("amount", 1.0, 0.0, 1.0),),
                        uniforms=fx_uniforms))


@hookimpl
def vjhost_register_analyzers(register):
    register(AnalyzerSpec("chaos_probe", lambda sr, hop: HangingAnalyzer(), order=1000))


@hookimpl
def vjhost_register_decoders(register):
    register(DecoderSpec("chaos", FlakyDecoder))


@hookimpl
def vjhost_register_shader_dirs(register):
    register(Path(__file__).with_name("shaders"))
'''

FX_SHADER = """// chaos_fx: a faint warm tint; its Python uniforms hook is what fails
uniform float u_amount;
void main() {
    vec3 c = texture(u_input, v_uv).rgb;
    o_color = vec4(mix(c, c * vec3(1.0, 0.97, 0.94), u_amount), 1.0);
}
"""


def _dist(site: Path, module: str, dist: str, entry: str) -> None:
    info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[vjhost]\n{entry} = {module}\n")


def install_pack(site: Path, name: str, edit: Callable[[str], str] = lambda t: t) -> Path:
    """A copy of ikeda installed under ``site`` as pack ``name`` (its manifest passed through ``edit``)."""
    pkg = site / f"vjhost_{name}"
    shutil.copytree(IKEDA, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    (pkg / "__init__.py").write_text((IKEDA / "__init__.py").read_text().replace('"ikeda"', f'"{name}"'))
    toml = (pkg / "pack.toml").read_text().replace('name = "ikeda"', f'name = "{name}"', 1)
    (pkg / "pack.toml").write_text(edit(toml))
    _dist(site, f"vjhost_{name}", f"vjhost-pack-{name}", name)
    return pkg


def build_site(site: Path) -> dict[str, Path]:
    site.mkdir(parents=True)
    plugin = site / "vjhost_chaos"
    (plugin / "shaders").mkdir(parents=True)
    (plugin / "__init__.py").write_text(PLUGIN)
    (plugin / "shaders" / "chaos_fx.glsl").write_text(FX_SHADER)
    _dist(site, "vjhost_chaos", "vjhost-chaos", "chaos")

    def chaos_manifest(t: str) -> str:
        t = t.replace('chain = ["feedback", "blur", "hue", "ikeda_flicker"]',
                      'chain = ["feedback", "blur", "hue", "ikeda_flicker", "chaos_fx"]')
        return t.replace('backend = "torch"', 'backend = "chaos"', 1)

    show = install_pack(site, "chaospk", chaos_manifest)
    corrupt = install_pack(site, "corruptpk")
    w = corrupt / "weights" / "decoder.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 3])  # an interrupted copy
    return {"show": show, "corrupt": corrupt, "weights": w}


# --------------------------------------------------------------------------- a virtual APC mini MK2


APC_SCRIPT = r"""
import json, sys, time
import rtmidi
port = sys.argv[1]
out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="APC mini mk2")
out.open_virtual_port(port)  # the device's output: the show reads it
inp = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name="APC mini mk2", queue_size_limit=8192)
inp.ignore_types(sysex=False, timing=False, active_sense=True)
inp.open_virtual_port(port)  # what its LEDs are sent to
print("ready", flush=True)
leds, intros = {}, 0
while True:
    changed = False
    while (m := inp.get_message()) is not None:  # (polled: no Python in JACK's process thread)
        data = m[0]
        if data[:1] == [0xF0] and data[4:5] == [0x60]:
            intros += 1
        elif data and 0x90 <= data[0] <= 0x9F and len(data) == 3:
            leds[data[1]] = [data[0], data[2]]
        changed = True
    if changed:
        print(json.dumps({"leds": leds, "intros": intros}), flush=True)
    time.sleep(0.01)
"""


class FakeApc:
    """The controller, in a process of its own (as hardware would be): its two JACK MIDI ports, and
    ``leds``, what its pads and buttons show.  :meth:`close` pulls the cable (the process ends)."""

    def __init__(self) -> None:
        self.leds: dict[int, tuple[int, int]] = {}
        self.intros = 0
        self.proc = subprocess.Popen([sys.executable, "-c", APC_SCRIPT, APC_PORT], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, preexec_fn=_die_with_parent)
        self.ready = threading.Event()
        threading.Thread(target=self._read, name="chaos-apc", daemon=True).start()
        self.ready.wait(15)

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.strip() == "ready":
                self.ready.set()
                continue
            try:
                state = json.loads(line)
            except ValueError:
                continue
            self.leds = {int(k): tuple(v) for k, v in state["leds"].items()}
            self.intros = state["intros"]

    def poll(self) -> None:
        pass  # the reader thread keeps ``leds`` current

    def close(self) -> None:
        """Unplug: the process and its ports vanish."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    abandon = close  # its JACK server died: the process just goes


# --------------------------------------------------------------------------- measuring what is presented


@dataclass
class Frame:
    t: float
    black: bool
    changed: bool


class Recorder:
    """Reads every frame back from the window's back buffer just before it is swapped to the screen."""

    def __init__(self, vsync_hz: float = 60.0) -> None:
        self.frames: list[Frame] = []
        self.vsync = 1.0 / vsync_hz if vsync_hz else 0.0
        self._next_swap = 0.0
        self._prev = None
        self.session = None
        self._lock = threading.Lock()

    def install(self) -> None:
        import numpy as np

        from vjhost.output import live
        from vjhost.render import context

        recorder = self
        real_swap = context.WindowContext.swap
        real_init = live.LiveSession.__init__

        def swap(win) -> None:
            from OpenGL import GL

            w, h = win.framebuffer_size()
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
            GL.glReadBuffer(GL.GL_BACK)
            px = np.frombuffer(GL.glReadPixels(0, 0, w, h, GL.GL_RGB, GL.GL_UNSIGNED_BYTE), np.uint8)
            small = px.reshape(h, w, 3)[::2, ::2]
            black = int(small.max()) < BLACK_MAX
            changed = recorder._prev is None or not np.array_equal(small, recorder._prev)
            recorder._prev = small.copy()
            if recorder.vsync:  # Xvfb has no vblank: wait for the next one as a projector's swap would
                now = time.perf_counter()
                recorder._next_swap = max(recorder._next_swap + recorder.vsync, now)
                time.sleep(max(0.0, recorder._next_swap - now))
            with recorder._lock:
                recorder.frames.append(Frame(time.monotonic(), black, changed))
            real_swap(win)

        def init(session, *a, **kw) -> None:
            real_init(session, *a, **kw)
            recorder.session = session

        context.WindowContext.swap = swap
        live.LiveSession.__init__ = init

    def window(self, t0: float, t1: float) -> list[Frame]:
        with self._lock:
            return [f for f in self.frames if t0 <= f.t <= t1]

    def stills(self, t0: float, t1: float, longer: float) -> list[tuple[float, float, int]]:
        """Stretches (start, seconds, frames presented unchanged) in [t0, t1] where the picture did not change
        for more than ``longer``."""
        with self._lock:
            frames = list(self.frames)
        out, last, n = [], None, 0
        for f in frames:
            if last is not None and (f.changed or f is frames[-1]) and f.t - last > longer and t0 <= f.t <= t1:
                out.append((last, f.t - last, n))
            if f.changed or last is None:
                last, n = f.t, 0
            else:
                n += 1
        return out

    def stats(self, t0: float, t1: float) -> tuple[int, int, float]:
        """(black frames, frozen frames, longest stretch without change) in [t0, t1]."""
        with self._lock:
            frames = list(self.frames)
        black = sum(f.black for f in frames if t0 <= f.t <= t1)
        frozen, longest = 0, 0.0
        last_change = None
        run: list[Frame] = []
        for f in frames:
            if f.changed or last_change is None:
                last_change = f.t
                run = []
                continue
            run.append(f)
            if f.t - last_change > FROZEN_S and t0 <= f.t <= t1:
                frozen += 1
        # a stall: no frame presented at all for longer than FROZEN_S is frozen too
        for a, b in zip(frames, frames[1:]):
            if b.t - a.t > FROZEN_S and t0 <= b.t <= t1:
                frozen += max(1, int((b.t - a.t) * 30))  # the frames a 30 fps show did not present
        for a, b in zip(frames, frames[1:]):
            if t0 <= b.t <= t1:
                longest = max(longest, b.t - a.t)
        stretch = 0.0
        last_change = None
        for f in frames:
            if f.changed or last_change is None:
                last_change = f.t
            elif t0 <= f.t <= t1:
                stretch = max(stretch, f.t - last_change)
        return black, frozen, max(longest, stretch)


class Tee:
    """A stream that also keeps every line with its time."""

    def __init__(self, inner, lines: list) -> None:
        self.inner, self.lines, self._buf = inner, lines, ""
        self._lock = threading.Lock()

    def write(self, s: str) -> int:
        with self._lock:
            self._buf += s
            while "\n" in self._buf:
                line, self._buf = self._buf.split("\n", 1)
                self.lines.append((time.monotonic(), line))
        return self.inner.write(s)

    def flush(self) -> None:
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# --------------------------------------------------------------------------- the faults


@dataclass
class Result:
    fault: str
    reported: str = ""
    reports: int = 0
    recovered: bool = False
    recovery_ms: float | None = None
    black: int = 0
    frozen: int = 0
    still_s: float = 0.0
    note: str = ""
    baseline: bool = False
    earlier: bool = False  #: reported in an earlier round of this show, not again


LATE: list[tuple[float, float]] = []


def _sampler() -> None:
    """Debugging (CHAOS_TRACE=1): when did a 10 ms sleep come back late, i.e. someone held the GIL?"""
    while True:
        t = time.monotonic()
        time.sleep(0.01)
        d = time.monotonic() - t
        if d > 0.1:
            LATE.append((t, d))


def wait_until(pred: Callable[[], Any], timeout: float, step: float = 0.02) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(step)
    return None


class Chaos:
    """Runs the faults against the live show, from its own thread."""

    def __init__(self, stage: Stage, paths: dict[str, Path], recorder: Recorder, lines: list, osc_port: int,
                 only: tuple[str, ...], rounds: int, gap: float) -> None:
        self.stage, self.paths, self.rec, self.lines = stage, paths, recorder, lines
        self.osc_port = osc_port
        self.only, self.rounds, self.gap = only, rounds, gap
        self.results: list[Result] = []
        self.apc: FakeApc | None = None
        self.error: str | None = None
        self.t_begin: float | None = None
        self.done = threading.Event()
        import vjhost_chaos

        self.armed = vjhost_chaos.ARMED

    # helpers ---------------------------------------------------------------
    @property
    def session(self):
        return self.rec.session

    def reports(self, pattern: str, t0: float, t1: float | None = None) -> list[str]:
        rx = re.compile(pattern)
        t1 = t1 if t1 is not None else time.monotonic()
        return [line for t, line in list(self.lines) if t0 <= t <= t1 and rx.search(line)]

    def analysis_live(self) -> bool:
        src = self.session.source
        inp = getattr(src, "input", None)
        return getattr(src, "status", "") == "live" and inp is not None and getattr(inp, "alive", False) and \
            not getattr(src, "stalled", False)

    def hearing_music(self) -> bool:
        f = getattr(self.session.source, "_latest", None)  # (not features(): that would eat the show's triggers)
        return self.analysis_live() and f is not None and getattr(f, "rms", 0.0) > 0.01

    def osc_send(self, address: str, *args: Any) -> None:
        from pythonosc.udp_client import SimpleUDPClient

        SimpleUDPClient("127.0.0.1", self.osc_port).send_message(address, list(args) if args else [])

    def surface(self, kind: str):
        return next((s for s in self.session.surfaces if type(s).__name__ == kind), None)

    def apc_connected(self) -> bool:
        m = self.surface("MidiSurface")
        return m is not None and m.connected is not None and APC_PORT in m.connected

    def leds_settled(self, apc: FakeApc, want: dict | None = None, settle: float = 0.3) -> dict:
        """Poll the fake device until its LEDs stop changing (and equal ``want`` if given)."""
        last, since = None, time.monotonic()
        end = time.monotonic() + 8.0
        while time.monotonic() < end:
            apc.poll()
            cur = dict(apc.leds)
            if cur != last:
                last, since = cur, time.monotonic()
            elif time.monotonic() - since > settle and cur and (want is None or cur == want):
                return cur
            time.sleep(0.02)
        return last or {}

    # the run -----------------------------------------------------------------
    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - reported in the table, and the show is stopped
            import traceback

            self.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
            log(self.error)
        finally:
            self.done.set()
            if self.session is not None:
                self.session.state.trigger("quit", source="chaos")

    def _run(self) -> None:
        if not wait_until(lambda: self.session is not None and len(self.rec.frames) > 20, 120, 0.1):
            raise RuntimeError("the show did not start")
        self.apc = FakeApc()
        if not wait_until(self.apc_connected, 15):
            raise RuntimeError("the APC mini MK2 surface did not connect")
        if not wait_until(lambda: self.analysis_live() and self.hearing_music(), 20):
            src = self.session.source
            raise RuntimeError(f"the show does not hear the music (analysis {getattr(src, 'status', '?')}, "
                               f"input {getattr(getattr(src, 'input', None), 'error', None)}, "
                               f"rms {getattr(getattr(src, '_latest', None), 'rms', None)}, ports "
                               f"{self.stage.ports()[1]})")
        self.t_begin = time.monotonic()  # the whole-run measure starts here, with the show up and listening
        time.sleep(self.gap)
        steps = {"effect": self.effect, "analyzer": self.analyzer, "decoder": self.decoder, "shader": self.shader,
                 "jack": self.jack, "midi": self.midi, "osc": self.osc, "web": self.web, "pack": self.pack}
        self.results.append(self.baseline())
        for r in range(self.rounds):
            for name in FAULTS:
                if name not in self.only:
                    continue
                log(f"round {r + 1}: {name}")
                res = steps[name]()
                self.results.append(res)
                time.sleep(self.gap)
        self.baseline_end = time.monotonic()

    def finish(self, res: Result, t0: float, source: str, recovered_at: float | None, t_from: float | None = None
               ) -> Result:
        """Fill in reports, recovery and the frames of [t0, recovery + 1 s]."""
        end = (recovered_at or time.monotonic()) + 1.0
        wait_until(lambda: time.monotonic() >= end, 5)
        lines = [line for line in self.reports(source, t0, end) if not RECOVERED.search(line)]
        res.reports = len(lines)
        res.reported = lines[0].strip() if lines else ""
        if not lines:  # a later round: the same problem of the same component is said once per show
            earlier = [line for line in self.reports(source, 0.0, t0) if not RECOVERED.search(line)]
            if earlier:
                res.reported, res.earlier = "(said before) " + earlier[0].strip(), True
        res.recovered = recovered_at is not None
        if recovered_at is not None:
            res.recovery_ms = round(1000 * (recovered_at - (t_from if t_from is not None else t0)), 1)
        res.black, res.frozen, res.still_s = self.rec.stats(t0, end)
        if os.environ.get("CHAOS_TRACE"):
            late = [f"{a - t0:+.2f}s {d * 1000:.0f}ms" for a, d in LATE if t0 <= a <= end]
            if late:
                res.note = (res.note + "; " if res.note else "") + "GIL held: " + ", ".join(late)
        stills = self.rec.stills(t0, end, 0.3)
        if stills:
            res.note = (res.note + "; " if res.note else "") + "still: " + ", ".join(
                f"{a - t0:+.2f}s for {d * 1000:.0f} ms ({n} same frames)" for a, d, n in stills)
        return res

    # each fault ------------------------------------------------------------
    def baseline(self) -> Result:
        """A stretch of plain show first: what the machine gives without any fault (stalls here are the
        machine's, not a fault's)."""
        t0 = time.monotonic()
        time.sleep(4.0)
        res = self.finish(Result("baseline: no fault (4 s)"), t0, r"\[(error|bypassed)\]", time.monotonic())
        res.recovery_ms, res.baseline = 0.0, True
        return res

    def effect(self) -> Result:
        """An effect plugin raising in every frame's uniforms: reported, bypassed, the chain goes on."""
        renderer = self.session.show.renderer
        fx = next(p for p in renderer.effects if p.name == "chaos_fx")
        t0 = time.monotonic()
        was = fx.guard.bypassed
        self.armed["effect"] = True
        done = wait_until(lambda: fx.guard.bypassed and time.monotonic(), 5)
        self.armed["effect"] = False
        res = self.finish(Result("effect raises every frame"), t0, r"effect chaos_fx", done or None)
        if was:
            res.note = "bypassed since an earlier round (for the rest of the show, by design)"
        return res

    def analyzer(self) -> Result:
        """The analysis thread stuck in one analyzer for 2 s: the show keeps its beat meanwhile."""
        t0 = time.monotonic()
        self.armed["analyzer"] = 2.0
        time.sleep(2.0)
        back = wait_until(lambda: self.analysis_live() and self.hearing_music() and time.monotonic(), 10)
        return self.finish(Result("analyzer hangs 2 s"), t0, r"analyzer chaos_probe|analysis", back or None,
                           t_from=t0 + 2.0)

    def decoder(self) -> Result:
        """The decoder raising on every latent for a second: the last picture stays under the effects."""
        worker = self.session.worker
        t0 = time.monotonic()
        self.armed["decoder"] = True
        time.sleep(1.0)
        self.armed["decoder"] = False
        t1 = time.monotonic()
        n = worker.decoded
        back = wait_until(lambda: worker.decoded > n and time.monotonic(), 5)
        return self.finish(Result("decoder raises (1 s)"), t0, r"\bdecoder\b", back or None, t_from=t1)

    def shader(self) -> Result:
        """The pack's source shader saved with a syntax error, then fixed: the old program plays on."""
        renderer = self.session.show.renderer
        m = self.session.show.manifest
        path = next(f for f in renderer.source.files if f.name == Path(m.source_shader).name)  # the pack's own
        good = path.read_text()
        t0 = time.monotonic()
        path.write_text(good.replace("void main", "this is not glsl;\nvoid main", 1))
        said = wait_until(lambda: self.reports(r"shader source", t0), 5)
        time.sleep(0.5)
        t1 = time.monotonic()
        path.write_text(good)
        os.utime(path, None)
        back = wait_until(lambda: self.reports(r"reloaded shader source", t1) and not renderer.source.broken
                          and time.monotonic(), 5)
        res = self.finish(Result("shader compile error, then fixed"), t0, r"shader source", back if said else None,
                          t_from=t1)
        return res

    def jack(self) -> Result:
        """The JACK server killed (audio and MIDI gone) and started again 2 s later."""
        t0 = time.monotonic()
        self.stage.kill_jack()
        self.stage.stop_player()
        if self.apc is not None:
            self.apc.abandon()
            self.apc = None
        time.sleep(2.0)
        t1 = time.monotonic()
        self.marks = [("jackd up?", time.monotonic())]
        self.stage.start_jack()
        self.marks.append(("jackd up", time.monotonic()))
        self.stage.start_player()
        self.marks.append(("player", time.monotonic()))
        self.apc = FakeApc()
        self.marks.append(("apc", time.monotonic()))
        back = wait_until(lambda: self.analysis_live() and self.hearing_music() and self.apc_connected()
                          and time.monotonic(), 20)
        res = self.finish(Result("JACK killed, restarted 2 s later"), t0, r"audio input|midi/", back or None, t_from=t1)
        if os.environ.get("CHAOS_TRACE"):
            log(f"jack: restart at +{t1 - t0:.2f}s; events: " + ", ".join(f"{n} +{t - t0:.2f}" for n, t in self.marks))
        if not back:
            res.note = (f"analysis {getattr(self.session.source, 'status', '?')}, "
                        f"input error {getattr(getattr(self.session.source, 'input', None), 'error', None)}, "
                        f"APC {'connected' if self.apc_connected() else 'not connected'}")
        return res

    def midi(self) -> Result:
        """The controller unplugged and plugged back in: reconnected, every LED as it was."""
        if self.apc is None:
            self.apc = FakeApc()
        wait_until(self.apc_connected, 10)
        before = self.leds_settled(self.apc)
        t0 = time.monotonic()
        self.apc.close()
        self.apc = None
        wait_until(lambda: not self.apc_connected(), 5)
        time.sleep(0.5)
        t1 = time.monotonic()
        self.apc = FakeApc()
        got = self.leds_settled(self.apc, want=before)
        back = time.monotonic() if got == before and self.apc.intros else None
        res = self.finish(Result("MIDI controller replugged"), t0, r"midi/", back, t_from=t1)
        if back is None:
            res.note = f"LEDs {len(got)}/{len(before)} restored, {self.apc.intros} introductions"
        return res

    def osc(self) -> Result:
        """10 000 malformed OSC packets from another process, then a good one."""
        osc = self.surface("OscControl")
        bad0 = osc.malformed + osc.unknown
        t0 = time.monotonic()
        flood(["osc", str(self.osc_port), "10000"])
        t1 = time.monotonic()
        scene = (self.session.state.scene + 1) % max(1, len(self.session.state.scenes))
        self.osc_send("/vj/scene", scene)
        back = wait_until(lambda: self.session.state.scene == scene and time.monotonic(), 5)
        res = self.finish(Result("10 000 malformed OSC packets"), t0, r"\bosc\b|OSC", back or None, t_from=t1)
        res.note = f"{osc.malformed + osc.unknown - bad0} counted as malformed/unknown"
        return res

    def web(self) -> Result:
        """1 000 malformed websocket messages from a page, then a ping answered."""
        web = self.surface("WebSurface")
        bad0 = web.bad_messages + web.throttled
        t0 = time.monotonic()
        out = flood(["web", str(web.port), web.token, "1000"])
        pong = re.search(r"pong ([\d.]+)", out)
        back = time.monotonic() if pong else None
        res = self.finish(Result("1 000 malformed websocket messages"), t0, r"web (message|flood)", back)
        if pong:  # from the flood's last message to a page's answer
            res.recovery_ms = float(pong.group(1))
        res.note = f"{web.bad_messages + web.throttled - bad0} counted as bad or throttled"
        return res

    def pack(self) -> Result:
        """A pack switch to a pack whose weights are truncated: named, and the playing pack stays."""
        before = self.session.show.manifest.name
        log_ = self.session.faults.faults
        n0 = log_["pack corruptpk"].count if "pack corruptpk" in log_ else 0
        t0 = time.monotonic()
        self.osc_send("/vj/pack", "corruptpk")
        said = wait_until(lambda: "pack corruptpk" in log_ and log_["pack corruptpk"].count > n0, 10)
        back = time.monotonic() if said and self.session.show.manifest.name == before \
            and self.session.state.pack == before else None
        return self.finish(Result("switch to a pack with corrupt weights"), t0, r"pack corruptpk", back)


# --------------------------------------------------------------------------- floods, from another process

FLOOD = r'''
import json, os, random, socket, struct, sys, time
kind = sys.argv[1]
rng = random.Random(7)
def osc_junk(i):
    k = i % 8
    if k == 0: return os.urandom(rng.randint(1, 200))
    if k == 1: return b"/vj/param/master.brightness\x00\x00\x00\x00,f\x00\x00" + os.urandom(rng.randint(0, 3))
    if k == 2: return b"/vj/scene\x00\x00\x00,s\x00\x00" + b"x" * rng.randint(0, 9)
    if k == 3: return b"#bundle\x00" + os.urandom(8) + struct.pack(">i", 10 ** 6) + b"/vj"
    if k == 4: return b"/vj/pack\x00\x00\x00\x00,qzv\x00\x00\x00\x00"
    if k == 5: return b"\x00" * rng.randint(1, 64)
    if k == 6: return b"/vj/bpm\x00,f\x00\x00" + struct.pack(">f", float("nan"))
    return b"/" + bytes(rng.randrange(32, 127) for _ in range(rng.randint(1, 300)))
if kind == "osc":
    port, n = int(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(osc_junk(i), ("127.0.0.1", port))
    print("sent", n)
else:
    from websockets.sync.client import connect
    port, token, n = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    junk = ["{", "[]", "null", '{"type": "nope"}', '{"type": "action", "name": "quit"}',
            '{"type": "param", "name": "master.brightness", "value": "loud"}',
            '{"type": "action", "name": "scene", "value": 999}', "x" * 3000, '{"type": "param", "value": NaN}']
    with connect(f"ws://127.0.0.1:{port}/ws?token={token}", open_timeout=10, max_size=None) as ws:
        for i in range(n):
            ws.send(junk[i % len(junk)] if i % 10 else bytes(rng.randrange(256) for _ in range(50)))
    t_end = time.monotonic()
    # a page that did not flood (the flooding one is over its rate allowance: its tail is dropped, by design)
    with connect(f"ws://127.0.0.1:{port}/ws?token={token}", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "ping", "t": 1}))
        for _ in range(200):
            m = ws.recv(timeout=20)
            if isinstance(m, str) and '"pong"' in m:
                print("pong", round(1000 * (time.monotonic() - t_end), 1))
                break
'''


def flood(argv: list[str]) -> str:
    r = subprocess.run([sys.executable, "-c", FLOOD, *argv], capture_output=True, text=True, timeout=120)
    return r.stdout + r.stderr[-500:]


# --------------------------------------------------------------------------- table


def table(results: list[Result], whole: tuple[int, int, float], frames: int, seconds: float) -> str:
    head = ("fault", "reported as (first line; lines)", "recovery ms", "black frames", "frozen frames")
    # recovery: from injection -- or from the fault's end (a 2 s hang, a 1 s decoder failure, the shader fixed,
    # the server or controller back, the flood's last packet) -- to the show whole again
    rows = []
    for r in results:
        rep = (r.reported[:70] + ("..." if len(r.reported) > 70 else "")) if r.reported else \
            ("-" if r.baseline else "NOT REPORTED")
        rows.append((r.fault, f"{rep} ({r.reports})",
                     "NOT RECOVERED" if not r.recovered else f"{r.recovery_ms:.0f}", str(r.black), str(r.frozen)))
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*row) for row in rows]
    out.append(f"whole run: {frames} frames presented in {seconds:.1f} s ({frames / max(seconds, 1e-6):.1f} fps), "
               f"{whole[0]} black, {whole[1]} frozen, longest still {whole[2] * 1000:.0f} ms")
    for r in results:
        if r.note:
            out.append(f"  {r.fault}: {r.note}")
    return "\n".join(out)


def _release_portaudio() -> None:
    from vjhost.audio import live

    sd = live._sounddevice()
    if sd is not None and not live._wedged:
        try:
            while sd._initialized:
                sd._terminate()
        except Exception:  # noqa: BLE001
            pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=1, help="times to run every fault (long runs: 5 or more)")
    ap.add_argument("--only", default=",".join(FAULTS), help=f"comma-separated subset of {','.join(FAULTS)}")
    ap.add_argument("--gap", type=float, default=1.5, help="seconds of plain show between faults")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (packs, track)")
    args = ap.parse_args(argv)
    import faulthandler

    faulthandler.enable(sys.__stderr__)
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    bad = [x for x in only if x not in FAULTS]
    if bad:
        ap.error(f"unknown fault(s) {bad}; choose from {FAULTS}")

    work = Path(tempfile.mkdtemp(prefix="vjhost-chaos-"))
    stage = Stage(work, track_seconds=60.0)
    lines: list = []
    try:
        paths = build_site(work / "site")
        sys.path.insert(0, str(work / "site"))
        stage.start()
        sys.stdout, sys.stderr = Tee(sys.stdout, lines), Tee(sys.stderr, lines)
        recorder = Recorder()
        recorder.install()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            osc_port = s.getsockname()[1]
        budget = 60 + args.rounds * (len(only) * (args.gap + 8) + 30)
        faulthandler.dump_traceback_later(budget + 120, exit=True)  # a hang of the harness itself: say where
        chaos = Chaos(stage, paths, recorder, lines, osc_port, only, args.rounds, args.gap)
        if os.environ.get("CHAOS_TRACE"):
            threading.Thread(target=_sampler, daemon=True).start()
        worker = threading.Thread(target=chaos.run, name="chaos", daemon=True)
        worker.start()
        from vjhost.cli import main as vjhost_main

        t_start = time.monotonic()
        rc = vjhost_main(["run", "--pack", "chaospk", "--size", f"{SIZE[0]}x{SIZE[1]}", "--audio-device", "system",
                          "--no-link", "--osc-port", str(osc_port), "--web", "--web-port", "0",
                          "--seconds", str(budget)])
        t_end = time.monotonic()
        chaos.done.wait(10)
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        _release_portaudio()  # before its JACK server goes away (PortAudio asserts on a dead server at exit)
        stage.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    frames = [f for f in recorder.frames if f.t >= chaos.t_begin] if chaos.t_begin else []
    first = frames[0].t if frames else t_start
    whole = recorder.stats(first, t_end)
    print()
    print(table(chaos.results, whole, len(frames), (frames[-1].t - first) if frames else 0.0))
    print(f"jackd stopped in {stage.stop_times} s")
    faults = [r for r in chaos.results if not r.baseline]
    ok = (rc == 0 and chaos.error is None and len(faults) == len(only) * args.rounds
          and all(r.recovered and (r.reports >= 1 or r.earlier) for r in faults)
          and all(r.black == 0 and r.frozen == 0 for r in chaos.results)
          and whole[0] == 0 and whole[1] == 0)
    if chaos.error:
        print(f"chaos run failed: {chaos.error.splitlines()[0]}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "ok": ok, "rc": rc, "error": chaos.error, "frames": len(frames),
            "seconds": round((frames[-1].t - first) if frames else 0.0, 2),
            "black": whole[0], "frozen": whole[1], "longest_still_ms": round(whole[2] * 1000, 1),
            "faults": [r.__dict__ for r in chaos.results]}, indent=2))
    print("the show went on" if ok else "THE SHOW DID NOT GO ON")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
