"""Latency figures: audio-in -> event through JACK's dummy backend, and beat prediction on real music.

    .venv/bin/python tools/bench_latency.py loopback [--seconds 20] [--period 256]
    .venv/bin/python tools/bench_latency.py predict $(bash tools/real_music.sh | head -4) [--lead-ms 50 100]

``loopback``: a private ``jackd -d dummy`` server; a clicker process plays a
click every 0.5 s into JACK, wired (``jack_connect``) into the input the show
listens to; the show's live analysis (the real :class:`LiveInput` and
analyzers) runs in this process, and a 1 ms poll -- a render loop with no frame
quantisation -- notes when each click shows up as an ``onset`` in the
features.  The click's time is when a sound card would have captured its
first sample: the clicker's buffer is complete when its JACK cycle runs, so
sample *k* of an *n*-sample buffer sounded (n - k) / rate before the callback
-- the period's wait is counted, as it is with a real interface.  Add half
a frame on average (8 ms at 60 fps) and the display's latency (what ``vjhost
calibrate`` measures) for the light in the room.

``predict``: each track is analysed causally (the live analyzers, hop by
hop); frames at 60 fps ask a :class:`~vjhost.output.latency.BeatPredictor`
for early beats; each early beat's predicted instant (fire time + lead) is
compared with the beat the tracker reports when the music gets there
(nearest within half a beat).  Also given: the same for lead 0 (the error of
plain frame quantisation), and how many predicted beats had no tracked beat
near them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLICKER = textwrap.dedent("""
    import sys, time, numpy as np, sounddevice as sd
    sr, every, seconds = 48000, 0.5, float(sys.argv[1])
    rng = np.random.default_rng(0)
    burst = (rng.normal(0, 0.5, 480) * np.exp(-np.arange(480) / 120)).astype(np.float32)
    state = {"n": 0, "next": int(sr * 1.0)}
    times = []
    def cb(out, frames, ti, status):
        out[:] = rng.normal(0, 0.001, out.shape)  # a noise floor, as real input has
        n0 = state["n"]
        while state["next"] < n0 + frames:
            k = state["next"] - n0
            m = min(len(burst), frames - k)
            out[k:k + m, 0] += burst[:m]
            # as a sound card would have captured it: the buffer is complete now (the cycle runs), so its
            # sample k sounded (frames - k) samples ago -- on this machine's monotonic clock
            times.append(time.monotonic() - (frames - k) / sr)
            state["next"] += int(sr * every)
        state["n"] += frames
    with sd.OutputStream(samplerate=sr, channels=1, dtype="float32", callback=cb, blocksize=0):
        print("READY", flush=True)
        time.sleep(seconds)
    print(" ".join(f"{t:.6f}" for t in times), flush=True)
""")


def _jack(period: int):
    jackd = shutil.which("jackd")
    if jackd is None:
        sys.exit("bench_latency: jackd not installed (apt-get install -y jackd2)")
    name = f"vjhost-latency-{os.getpid()}"
    os.environ["JACK_DEFAULT_SERVER"] = name
    os.environ["JACK_NO_START_SERVER"] = "1"
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", str(period),
                             "-C", "2", "-P", "2"], stdout=log, stderr=subprocess.STDOUT)
    time.sleep(1.5)
    return proc


def _ports() -> list[str]:
    return subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout.split()


def loopback(seconds: float, period: int) -> dict:
    server = _jack(period)
    try:
        from vjhost.analysis.live import LiveAnalysis
        from vjhost.audio.live import LiveInput, find_input_device
        from vjhost.engine import HOP, SAMPLE_RATE, make_analyzers
        from vjhost.faults import FaultLog
        from vjhost.plugins import load_host

        host = load_host()
        device = find_input_device(None)
        if device is None:
            sys.exit("bench_latency: no JACK input device visible to PortAudio")
        before = set(_ports())
        analysis = LiveAnalysis(lambda: LiveInput(device, SAMPLE_RATE, blocksize=period),
                                make_analyzers(host, FaultLog()),
                                HOP).start()
        time.sleep(1.0)
        ours = [p for p in _ports() if p not in before and "in" in p.split(":")[-1].lower()]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        clicker = subprocess.Popen([sys.executable, "-c", CLICKER, str(seconds)], stdout=subprocess.PIPE, text=True,
                                   env=env, stderr=subprocess.DEVNULL)
        assert clicker.stdout.readline().strip() == "READY"
        time.sleep(0.5)
        new = [p for p in _ports() if p not in before and p not in ours]
        outs = [p for p in new if "out" in p.split(":")[-1].lower()]
        for src in outs[:1]:
            for dst in ours:
                subprocess.run(["jack_connect", src, dst], check=True)
        events = []
        t_end = time.monotonic() + seconds - 0.5
        while time.monotonic() < t_end:
            f = analysis.features(0.0)
            if f.onset:
                events.append(time.monotonic())
            time.sleep(0.001)
        clicks = [float(x) for x in clicker.communicate(timeout=seconds + 10)[0].split()]
        analysis.stop()
    finally:
        server.terminate()
        server.wait(5)
    clicks = np.array(clicks)
    lat = []
    for c in clicks:
        after = [e - c for e in events if 0 <= e - c < 0.25]
        if after:
            lat.append(min(after))
    lat = np.array(lat) * 1000
    return {"period": period, "clicks": len(clicks), "detected": len(lat),
            "median_ms": float(np.median(lat)) if len(lat) else None,
            "p90_ms": float(np.percentile(lat, 90)) if len(lat) else None,
            "min_ms": float(lat.min()) if len(lat) else None, "max_ms": float(lat.max()) if len(lat) else None}


def predict(paths: list[str], leads_ms: list[float], fps: float = 60.0, seconds: float | None = 90.0) -> list[dict]:
    from vjhost.analysis.timeline import analyze_buffer
    from vjhost.audio.files import read_audio
    from vjhost.engine import HOP, SAMPLE_RATE, make_analyzers
    from vjhost.faults import FaultLog
    from vjhost.output.latency import BeatPredictor
    from vjhost.plugins import load_host

    host = load_host()
    rows = []
    for path in paths:
        audio, sr = read_audio(path, sr=SAMPLE_RATE)
        mono = audio.mean(axis=1).astype(np.float32)
        if seconds:
            mono = mono[: int(seconds * sr)]
        tl = analyze_buffer(mono, sr, make_analyzers(host, FaultLog(stream=None)), hop=HOP)
        beats = tl.events("beat")
        beats = beats[beats > 10.0]  # after the tracker has settled
        n = int(len(mono) / sr * fps)
        for lead in [0.0] + list(leads_ms):
            pred = BeatPredictor(lead / 1000.0)
            fired = []
            last = None
            for i in range(n):
                t = i / fps
                f = tl.at(t)
                g = pred.apply(f)
                if lead == 0.0:  # no predictor: a frame shows the beat when it has crossed one
                    if last is not None and int(f.beat_count) > last:
                        fired.append(t)
                    last = int(f.beat_count)
                elif g.beat:
                    fired.append(t + lead / 1000.0)
            fired = np.array([t for t in fired if t > 10.0 and t < len(mono) / sr - 1.0])
            period = 60.0 / max(1.0, float(np.median(tl.scalars["bpm"][len(tl.scalars["bpm"]) // 2:])))
            errs, missed = [], 0
            for t in fired:
                k = np.argmin(np.abs(beats - t)) if len(beats) else None
                if k is None or abs(beats[k] - t) > period / 2:
                    missed += 1
                    continue
                errs.append(t - beats[k])
            errs = np.array(errs) * 1000
            rows.append({"track": Path(path).name, "lead_ms": lead, "beats": len(fired), "unmatched": missed,
                         "mean_ms": float(errs.mean()) if len(errs) else None,
                         "median_abs_ms": float(np.median(np.abs(errs))) if len(errs) else None,
                         "p90_abs_ms": float(np.percentile(np.abs(errs), 90)) if len(errs) else None,
                         "bpm": round(60.0 / period, 1)})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("loopback")
    lp.add_argument("--seconds", type=float, default=20.0)
    lp.add_argument("--period", type=int, default=256)
    pp = sub.add_parser("predict")
    pp.add_argument("tracks", nargs="+")
    pp.add_argument("--lead-ms", type=float, nargs="+", default=[50.0, 100.0])
    pp.add_argument("--seconds", type=float, default=90.0, help="of each track (default 90)")
    args = ap.parse_args()
    if args.cmd == "loopback":
        r = loopback(args.seconds, args.period)
        print(f"audio-in -> onset event (JACK dummy, period {r['period']} = {r['period'] / 48:.1f} ms): "
              f"{r['detected']}/{r['clicks']} clicks detected, median {r['median_ms']:.1f} ms, "
              f"p90 {r['p90_ms']:.1f} ms, "
              f"range {r['min_ms']:.1f}..{r['max_ms']:.1f} ms", flush=True)
        os._exit(0)  # (PortAudio's JACK host API asserts at exit once its private server is gone)
    for r in predict(args.tracks, args.lead_ms, seconds=args.seconds):
        if r["mean_ms"] is None:
            print(f"{r['track']}: lead {r['lead_ms']:g} ms: no beats matched")
            continue
        print(f"{r['track'][:40]:<40} {r['bpm']:6.1f} BPM  lead {r['lead_ms']:5.0f} ms: {r['beats']} beats, "
              f"error mean {r['mean_ms']:+6.1f} ms, median |err| {r['median_abs_ms']:5.1f} ms, "
              f"p90 |err| {r['p90_abs_ms']:5.1f} ms, {r['unmatched']} unmatched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
