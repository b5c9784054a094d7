"""Latency: beat-predictive triggering, and the calibration that measures how early to fire.

A projector or an LED wall shows a frame 30-100 ms after the show drew it
(plus the audio input's own latency before the analysis heard the beat).  A
flash drawn "on the beat" therefore lands late in the room.
:class:`BeatPredictor` fires beat-locked events that much early: from the
tempo tracker's beat position (``beat_count + beat_phase``) and tempo it
predicts where the beat grid will be ``lead`` seconds from now, and hands the
show a copy of the features moved there -- ``beat`` / ``downbeat`` fire when
the *predicted* position crosses a beat, ``beat_phase`` / ``bar_phase`` /
``beat_count`` / ``beat_env`` follow the predicted grid.  Reactions to the
sound itself (kick, onset, bands) are not predicted: they stay as heard.

The lead comes from a calibration (``vjhost calibrate``, saved in
``~/.config/vjhost/latency.toml``) or ``vjhost run --latency-ms N``.  Two ways
to measure it, both without extra hardware:

* **tap along**: the calibration clicks (sound only) and then flashes
  (picture only) on a steady beat; the performer taps Space with each.  Both
  sets of taps carry the same reaction time, so the difference of their mean
  offsets is the picture's latency relative to the sound
  (:func:`tap_offset`, :func:`video_latency`).
* **flash + click**: both at once; ←/→ move the flash 5 ms earlier or later
  until flash and click land together; the shift is the latency.

:func:`load_latency` / :func:`save_latency` read and write the file
(validated: a bad file is named with its line and ignored, the show runs
without a lead).
"""

from __future__ import annotations

import math
import os
from dataclasses import fields
from pathlib import Path
from typing import Sequence

import numpy as np

from ..protocols import Features

MAX_LEAD_S = 0.5  #: leads beyond this are not a projector's latency but a mistake
_SCALARS = tuple(f.name for f in fields(Features) if f.name not in ("bands",))


class BeatPredictor:
    """Moves the beat grid of each frame's features ``lead`` seconds ahead (see the module docstring).

    One :class:`Features` is reused for the output (nothing allocated per
    frame); with ``lead`` 0 the input is returned as it is.
    """

    def __init__(self, lead_s: float) -> None:
        if not (math.isfinite(lead_s) and 0.0 <= lead_s <= MAX_LEAD_S):
            raise ValueError(f"latency lead {lead_s * 1000:.0f} ms: must be 0..{MAX_LEAD_S * 1000:.0f} ms")
        self.lead = float(lead_s)
        self.out = Features()
        self._last_n: int | None = None
        self._fired_t = -1e9
        self.fired: list[tuple[float, int]] = []  #: (show time, predicted beat number) of each early beat, newest last
        self.keep = 256  #: how many of ``fired`` to keep

    def apply(self, f: Features) -> Features:
        if self.lead <= 0.0:
            return f
        out = self.out
        for name in _SCALARS:
            setattr(out, name, getattr(f, name))
        if out.bands.shape != f.bands.shape:
            out.bands = np.zeros_like(f.bands)
        np.copyto(out.bands, f.bands)
        bpm = float(f.bpm) if f.bpm and f.bpm > 0 else 120.0
        period = 60.0 / bpm
        heard = float(f.beat_count) + float(f.beat_phase)
        pos = heard + self.lead / period
        n = int(math.floor(pos + 1e-9))
        phase = pos - n
        slot = int(math.floor(float(f.bar_phase) * 4.0 + 1e-6)) % 4  # bar position of the heard beat
        slot_pred = (slot + n - int(f.beat_count)) % 4
        out.beat_count, out.beat_phase = n, phase
        out.bar_phase = (slot_pred + phase) / 4.0
        fire = self._last_n is not None and n > self._last_n  # never twice for one beat, even after a correction back
        if self._last_n is None or n > self._last_n:
            self._last_n = n
        out.beat = fire
        out.downbeat = fire and slot_pred == 0
        if fire:
            self._fired_t = float(f.t)
            self.fired.append((float(f.t), n))
            if len(self.fired) > self.keep:
                del self.fired[: len(self.fired) - self.keep]
        # the envelope from the predicted beat (the internal clock's shape: a quarter second to nothing)
        out.beat_env = max(0.0, 1.0 - phase * period * 4.0)
        return out


# --------------------------------------------------------------------------- calibration


def tap_offset(stimuli: Sequence[float], taps: Sequence[float], period: float) -> float:
    """The typical delay of taps after the stimuli they answer (seconds; negative = early).

    Each tap is paired with the nearest stimulus (within half a period); the
    median of the differences is robust to a missed or doubled tap.
    """
    st = np.asarray(sorted(stimuli), np.float64)
    if len(st) == 0 or len(taps) == 0:
        raise ValueError("no taps to measure: tap Space with each flash / click")
    diffs = []
    for t in taps:
        i = int(np.argmin(np.abs(st - t)))
        d = float(t - st[i])
        if abs(d) <= period / 2:
            diffs.append(d)
    if len(diffs) < max(3, len(taps) // 2):
        raise ValueError(f"only {len(diffs)} of {len(taps)} taps were near a beat: tap along with each one")
    return float(np.median(diffs))


def video_latency(click_offset: float, flash_offset: float) -> float:
    """The picture's latency relative to the sound: taps on flashes come later than taps on clicks by that much."""
    return flash_offset - click_offset


def latency_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vjhost" / "latency.toml"


class LatencyFileError(ValueError):
    pass


def load_latency(path: Path | None = None) -> float | None:
    """The saved lead in seconds, or None if there is no file.  Raises :class:`LatencyFileError` naming the file."""
    from ..tomlcompat import tomllib

    path = path or latency_path()
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LatencyFileError(f"{path}: {exc}") from None
    v = data.get("video_ms")
    line = next((i + 1 for i, ln in enumerate(text.splitlines()) if ln.strip().startswith("video_ms")), None)
    where = f"{path}:{line}" if line else str(path)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise LatencyFileError(f"{where}: video_ms: expected a number of milliseconds, got {v!r}")
    if not 0 <= v <= MAX_LEAD_S * 1000:
        raise LatencyFileError(f"{where}: video_ms: {v} out of range 0..{MAX_LEAD_S * 1000:.0f}")
    return float(v) / 1000.0


def save_latency(lead_s: float, path: Path | None = None, how: str = "") -> Path:
    """Write the lead (atomically: a temporary name, then renamed over the old calibration)."""
    from ..atomic import atomic_output

    path = path or latency_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, force=True) as tmp:
        tmp.write_text(f"# written by vjhost calibrate{(' (' + how + ')') if how else ''}\n"
                       f"video_ms = {lead_s * 1000:.1f}\n", encoding="utf-8")
    return path
