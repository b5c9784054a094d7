"""``vjhost analyze FILE``: run the live show's causal analyzers over a file and report what they heard.

:func:`analyze_file` decodes the file (resampled to the live rate, mono), runs
every registered analyzer hop by hop exactly as the live analysis thread does
(:func:`vjhost.analysis.timeline.analyze_buffer`) and returns a JSON-able
dict: the final ``bpm``, event times (``beats``, ``downbeats``, ``onsets``,
``kicks``, ``snares``, ``hats``), ``sections`` (``build``/``drop``/``breakdown``
spans) and, on request, the per-hop feature ``curves``.  Event times are
when the event became *available* (the end of the hop that reported it).

:func:`plot_analysis` draws a readable overview PNG with numpy only: waveform,
8-band heat strip, BPM curve, event tick rows and shaded sections, labelled
with a tiny built-in bitmap font.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from vjhost.analysis.timeline import FeatureTimeline, analyze_buffer
from vjhost.audio.files import AudioFileError, read_audio

__all__ = ["analyze_file", "analyze_audio", "plot_analysis", "add_parser", "run", "main", "EVENT_ROWS",
           "plot_size"]

#: (JSON key, trigger field) of the reported event lists
EVENTS: tuple[tuple[str, str], ...] = (
    ("beats", "beat"), ("downbeats", "downbeat"), ("onsets", "onset"),
    ("kicks", "kick"), ("snares", "snare"), ("hats", "hat"),
)
#: scalar curves reported by --curves (besides ``t`` and ``bands``)
CURVE_NAMES: tuple[str, ...] = (
    "rms", "peak", "bass", "mid", "high", "centroid", "flux", "onset_env", "kick_env", "snare_env", "hat_env",
    "bpm", "beat_env", "beat_phase", "bar_phase", "beat_confidence", "energy",
)


# =========================================================================== analysis


def _analyzers(host, sr: int, hop: int) -> list:
    from vjhost.engine import make_analyzers
    from vjhost.faults import FaultLog
    from vjhost.plugins import load_host

    if host is None:
        host = load_host()
    return make_analyzers(host, FaultLog(), sr, hop)


def _sections(tl: FeatureTimeline) -> list[dict[str, Any]]:
    """Contiguous runs of a non-empty ``section`` as ``{"name", "start", "end"}`` (start = first hop's end)."""
    out: list[dict[str, Any]] = []
    times = tl.times
    prev = ""
    for i, name in enumerate(tl.section):
        if name != prev:
            if prev:
                out[-1]["end"] = round(float(times[i - 1]), 4)
            if name:
                out.append({"name": name, "start": round(float(times[i]), 4), "end": None})
            prev = name
    if prev and out:
        out[-1]["end"] = round(float(tl.duration), 4)
    return out


def _round(a: np.ndarray, nd: int = 4) -> list[float]:
    return [round(float(v), nd) for v in a]


def analyze_audio(mono: np.ndarray, sr: int, host=None, *, curves: bool = False,
                  hop: int | None = None) -> tuple[dict[str, Any], FeatureTimeline]:
    """Analyze a mono buffer at ``sr``; returns ``(report dict, timeline)``."""
    from vjhost.engine import HOP

    hop = int(hop or HOP)
    tl = analyze_buffer(mono, sr, _analyzers(host, sr, hop), hop)
    bpm = tl["bpm"]
    conf = tl["beat_confidence"]
    res: dict[str, Any] = {
        "duration": round(len(mono) / sr, 4),
        "sample_rate": int(sr),
        "hop": hop,
        "bpm": round(float(bpm[-1]), 3) if tl.n_hops else None,
        "beat_confidence": round(float(conf[-1]), 3) if tl.n_hops else 0.0,
    }
    for key, trig in EVENTS:
        res[key] = _round(tl.events(trig))
    res["sections"] = _sections(tl)
    if curves:
        c: dict[str, Any] = {"t": _round(tl.times)}
        for name in CURVE_NAMES:
            c[name] = _round(tl[name])
        c["bands"] = [_round(b, 3) for b in tl.bands]
        c["section"] = list(tl.section)
        res["curves"] = c
    return res, tl


def _load(path: str | Path) -> tuple[np.ndarray, int]:
    from vjhost.engine import SAMPLE_RATE

    audio, sr = read_audio(path, sr=SAMPLE_RATE, mono=True)
    if len(audio) < 2048:
        raise AudioFileError(f"{path}: too short to analyze ({len(audio) / sr * 1000:.0f} ms)")
    return audio[:, 0], sr


def analyze_file(path: str | Path, host=None, *, curves: bool = False) -> dict[str, Any]:
    """Decode ``path`` (resampled to the live rate, mono) and analyze it like a live show.

    Raises :class:`vjhost.audio.files.AudioFileError` for a missing or undecodable file.
    """
    mono, sr = _load(path)
    res, _ = analyze_audio(mono, sr, host, curves=curves)
    res["file"] = str(path)
    return _file_format(res, path)


def _file_format(res: dict[str, Any], path: str | Path) -> dict[str, Any]:
    """``sample_rate``/``channels``: the file's own; ``analysis_rate``: what it was resampled to for the analysis."""
    from vjhost.audio.files import audio_format

    res["analysis_rate"] = res["sample_rate"]
    res["sample_rate"], res["channels"] = audio_format(path)
    return res


# =========================================================================== plot

# 3x5 bitmap font: 5 rows of 3 bits per glyph
_FONT_SRC = {
    "A": "010101111101101", "B": "110101110101110", "C": "011100100100011", "D": "110101101101110",
    "E": "111100110100111", "F": "111100110100100", "G": "011100101101011", "H": "101101111101101",
    "I": "111010010010111", "J": "001001001101010", "K": "101101110101101", "L": "100100100100111",
    "M": "101111111101101", "N": "110101101101101", "O": "010101101101010", "P": "110101110100100",
    "Q": "010101101110011", "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
    "U": "101101101101111", "V": "101101101101010", "W": "101101111111101", "X": "101101010101101",
    "Y": "101101010010010", "Z": "111001010100111",
    "0": "111101101101111", "1": "010110010010111", "2": "110001010100111", "3": "110001010001110",
    "4": "101101111001001", "5": "111100110001110", "6": "011100111101111", "7": "111001010010010",
    "8": "111101111101111", "9": "111101111001110",
    ".": "000000000000010", ":": "000010000010000", "-": "000000111000000", "/": "001001010100100",
    "%": "101001010100101", " ": "000000000000000", "(": "010100100100010", ")": "010001001001010",
}
_FONT = {k: np.array([int(c) for c in v], bool).reshape(5, 3) for k, v in _FONT_SRC.items()}

PLOT_WIDTH = 1200  #: image width (px)
_LABEL_W = 64  #: left column for row labels
_SCALE = 2  #: font scale: glyphs are 6x10 px
_BG = (18, 18, 22)
_FG = (220, 220, 225)
_SECTION_COLOURS = {"build": (230, 160, 40), "drop": (220, 50, 60), "breakdown": (60, 130, 230)}
#: (label, trigger field, colour) of the tick rows
EVENT_ROWS: tuple[tuple[str, str, tuple[int, int, int]], ...] = (
    ("BEAT", "beat", (240, 240, 240)), ("DOWN", "downbeat", (255, 215, 0)), ("KICK", "kick", (255, 90, 70)),
    ("SNARE", "snare", (80, 200, 255)), ("HAT", "hat", (150, 255, 150)), ("ONSET", "onset", (200, 140, 255)),
)
# row heights (px)
_H_TITLE, _H_SECTION, _H_WAVE, _H_BAND, _H_BPM, _H_EVENT, _H_AXIS, _GAP = 16, 14, 90, 8, 70, 16, 18, 4


def plot_size(width: int = PLOT_WIDTH) -> tuple[int, int]:
    """``(height, width)`` of the image :func:`plot_analysis` writes."""
    h = (_H_TITLE + _H_SECTION + _H_WAVE + 8 * _H_BAND + _H_BPM + len(EVENT_ROWS) * _H_EVENT + _H_AXIS + 6 * _GAP)
    return h, width


def _text(img: np.ndarray, x: int, y: int, s: str, colour=_FG, scale: int = _SCALE) -> int:
    """Draw ``s`` with its top-left corner at (x, y); returns the x after it.  Clipped to the image."""
    h, w = img.shape[:2]
    for ch in s.upper():
        g = _FONT.get(ch, _FONT[" "])
        gg = np.kron(g, np.ones((scale, scale), bool))
        y1, x1 = min(h, y + gg.shape[0]), min(w, x + gg.shape[1])
        if x1 > x and y1 > y and x >= 0 and y >= 0:
            img[y:y1, x:x1][gg[: y1 - y, : x1 - x]] = colour
        x += 4 * scale
    return x


def _heat(v: np.ndarray) -> np.ndarray:
    """0..1 -> an 'inferno'-like RGB ramp (uint8, shape (..., 3))."""
    v = np.clip(v, 0.0, 1.0)[..., None]
    stops = np.array([[0, 0, 4], [80, 18, 123], [182, 54, 121], [251, 136, 97], [252, 253, 191]], np.float64)
    pos = v * (len(stops) - 1)
    i = np.minimum(pos.astype(int), len(stops) - 2)
    f = pos - i
    return (stops[i[..., 0]] * (1 - f) + stops[i[..., 0] + 1] * f).astype(np.uint8)


def plot_analysis(timeline: FeatureTimeline, audio: np.ndarray, sr: int, out_png: str | Path,
                  width: int = PLOT_WIDTH, title: str = "") -> tuple[int, int]:
    """Draw the analysis overview and write it to ``out_png``; returns ``(height, width)``.

    Rows top to bottom: title, section strip, waveform (sections shaded behind
    it), 8-band heat strip (low bands at the bottom), BPM curve (with its range),
    tick rows for beats / downbeats / kicks / snares / hats / onsets, time axis.
    """
    from vjhost.png import write_png

    tl = timeline
    H, W = plot_size(width)
    img = np.empty((H, W, 3), np.uint8)
    img[:] = _BG
    x0 = _LABEL_W
    pw = W - x0 - 8  # plot width
    mono = np.asarray(audio, np.float32).reshape(len(audio), -1).mean(axis=1)
    dur = max(len(mono) / sr, tl.duration, 1e-6)

    def col(t: np.ndarray | float) -> np.ndarray:
        return np.clip((np.asarray(t) / dur * pw).astype(int), 0, pw - 1) + x0

    y = 2
    _text(img, 4, y, (title or "VJHOST ANALYZE")[:60])
    bpm_final = float(tl["bpm"][-1]) if tl.n_hops else 0.0
    _text(img, W - 8 * 16, y, f"BPM {bpm_final:.1f}")
    y += _H_TITLE + _GAP
    # ---- sections: coloured spans with their names, and a tint behind the waveform
    secs = _sections(tl)
    _text(img, 4, y + 2, "SECT")
    for s in secs:
        a, b = int(col(s["start"] - tl.hop / sr)), int(col(s["end"]))
        c = np.array(_SECTION_COLOURS.get(s["name"], (120, 120, 120)))
        img[y : y + _H_SECTION - 2, a : b + 1] = c
        if (b - a) > 8 * len(s["name"]) + 4:
            _text(img, a + 3, y + 1, s["name"], colour=(10, 10, 10))
        wave_tint = (0.78 * np.array(_BG) + 0.22 * c).astype(np.uint8)
        img[y + _H_SECTION + _GAP : y + _H_SECTION + _GAP + _H_WAVE, a : b + 1] = wave_tint
    y += _H_SECTION + _GAP
    # ---- waveform: min/max per column, rms in a brighter colour
    _text(img, 4, y + _H_WAVE // 2 - 5, "WAVE")
    mid = y + _H_WAVE // 2
    img[mid, x0 : x0 + pw] = (70, 70, 80)
    edges = np.linspace(0, len(mono), pw + 1).astype(int)
    if len(mono) >= pw:
        lo = np.minimum.reduceat(mono, edges[:-1])
        hi = np.maximum.reduceat(mono, edges[:-1])
        sq = np.add.reduceat(mono.astype(np.float64) ** 2, edges[:-1]) / np.maximum(np.diff(edges), 1)
        rms = np.sqrt(sq)
        peak = max(float(np.abs(mono).max()), 1e-6)
        half = _H_WAVE // 2 - 2
        for i in range(pw):
            a, b = mid - int(hi[i] / peak * half), mid - int(lo[i] / peak * half)
            img[a : b + 1, x0 + i] = (90, 160, 200)
            r = int(rms[i] / peak * half)
            img[mid - r : mid + r + 1, x0 + i] = (170, 225, 255)
    y += _H_WAVE + _GAP
    # ---- bands heat strip (band 0 = lowest at the bottom)
    _text(img, 4, y + 4 * _H_BAND - 5, "BANDS")
    hop_col = np.clip((tl.times / dur * pw).astype(int), 0, pw - 1)
    band_cols = np.zeros((pw, tl.bands.shape[1] if tl.n_hops else 8), np.float32)
    if tl.n_hops:
        np.maximum.at(band_cols, hop_col, tl.bands)
        # columns no hop fell in take the previous column's values
        filled = np.zeros(pw, bool)
        filled[hop_col] = True
        idx = np.maximum.accumulate(np.where(filled, np.arange(pw), 0))
        band_cols = band_cols[idx]
    rgb = _heat(band_cols ** 0.7)  # (pw, 8, 3)
    for b in range(8):
        yy = y + (7 - b) * _H_BAND
        img[yy : yy + _H_BAND - 1, x0 : x0 + pw] = rgb[:, b][None, :, :]
    y += 8 * _H_BAND + _GAP
    # ---- BPM curve
    img[y : y + _H_BPM, x0 : x0 + pw] = (28, 28, 34)
    _text(img, 4, y + _H_BPM // 2 - 5, "BPM")
    if tl.n_hops:
        conf = tl["beat_confidence"]
        bpm = tl["bpm"].astype(np.float64)
        locked = conf > 0
        ref = bpm[locked] if locked.any() else bpm
        lo_b, hi_b = float(np.floor(ref.min() - 2)), float(np.ceil(ref.max() + 2))
        yy = y + _H_BPM - 3 - ((np.clip(bpm, lo_b, hi_b) - lo_b) / (hi_b - lo_b) * (_H_BPM - 6)).astype(int)
        c = col(tl.times)
        colour = np.where(locked[:, None], np.array([255, 200, 60]), np.array([110, 110, 110]))
        img[yy, c] = colour
        img[np.minimum(yy + 1, y + _H_BPM - 1), c] = colour
        _text(img, x0 + 2, y + 2, f"{hi_b:.0f}", colour=(150, 150, 160), scale=1)
        _text(img, x0 + 2, y + _H_BPM - 7, f"{lo_b:.0f}", colour=(150, 150, 160), scale=1)
    y += _H_BPM + _GAP
    # ---- event tick rows
    for label, trig, colour in EVENT_ROWS:
        img[y + _H_EVENT - 1, x0 : x0 + pw] = (45, 45, 52)
        _text(img, 4, y + 3, label, colour=colour)
        if tl.n_hops:
            img[y + 2 : y + _H_EVENT - 2, col(tl.events(trig))] = colour
        y += _H_EVENT
    y += _GAP
    # ---- time axis: a tick every "nice" interval, labelled in seconds
    img[y, x0 : x0 + pw] = (150, 150, 160)
    step = next(s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1e9) if dur / s <= pw / 60)
    t = 0.0
    while t <= dur + 1e-9:
        cx = int(col(t))
        img[y : y + 4, cx] = (150, 150, 160)
        lab = f"{t:g}S" if step >= 1 else f"{t:.1f}S"
        _text(img, min(cx, x0 + pw - 8 * len(lab)), y + 6, lab, colour=(150, 150, 160), scale=1)
        t += step
    write_png(out_png, img)
    return H, W


# =========================================================================== command line


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``analyze`` subcommand to an argparse ``subparsers``; ``args.func(args)`` returns the exit code."""
    p = subparsers.add_parser(
        "analyze", help="analyze an audio file with the live analyzers (bpm, beats, drums, sections)",
        description="Run the same causal analyzers as a live show over FILE and print what they heard: "
                    "bpm, beats, downbeats, onsets, kicks, snares, hats and sections (times in seconds, "
                    "when each event became available live).")
    p.add_argument("file", help="audio file (wav, flac, mp3, ogg ... anything FFmpeg decodes)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument("--curves", action="store_true", help="include the per-hop feature curves (JSON: 'curves')")
    p.add_argument("--plot", metavar="OUT.PNG", help="draw waveform, bands, BPM, events and sections to a PNG")
    p.set_defaults(func=run)
    return p


def _summary(res: dict[str, Any]) -> str:
    fmt = f"{res['sample_rate']} Hz"
    if res.get("channels"):
        fmt += {1: " mono", 2: " stereo"}.get(res["channels"], f" {res['channels']} channels")
    if res.get("analysis_rate") and res["analysis_rate"] != res["sample_rate"]:
        fmt += f", analysed at {res['analysis_rate']} Hz"
    lines = [f"{res.get('file', '')}: {res['duration']:.2f} s, {fmt}",
             f"bpm        {res['bpm']:.2f} (confidence {res['beat_confidence']:.2f})"]
    for key, _ in EVENTS:
        ev = res[key]
        head = ", ".join(f"{t:.2f}" for t in ev[:8]) + (" ..." if len(ev) > 8 else "")
        lines.append(f"{key:<10} {len(ev):5d}  {head}")
    secs = res["sections"]
    lines.append("sections   " + (", ".join(f"{s['name']} {s['start']:.2f}-{s['end']:.2f}" for s in secs) or "none"))
    if "curves" in res:
        c = res["curves"]
        lines.append(f"curves     {len(c['t'])} hops: t, {', '.join(CURVE_NAMES)}, bands (8), section")
    return "\n".join(lines)


def run(args: argparse.Namespace, host=None) -> int:
    """The ``analyze`` subcommand.  Raises :class:`AudioFileError` for a missing/undecodable file."""
    mono, sr = _load(args.file)
    res, tl = analyze_audio(mono, sr, host, curves=bool(getattr(args, "curves", False)))
    res = _file_format({"file": str(args.file), **res}, args.file)
    if getattr(args, "plot", None):
        plot_analysis(tl, mono, sr, args.plot, title=Path(args.file).name)
        res["plot"] = str(args.plot)
    if getattr(args, "json", False):
        json.dump(res, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(_summary(res))
        if res.get("plot"):
            print(f"plot       {res['plot']}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``vjhost analyze`` on its own (``python -m vjhost.analysis.report FILE ...``)."""
    parser = argparse.ArgumentParser(prog="vjhost")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["analyze", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except AudioFileError as e:
        print(f"vjhost: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
