"""Run analyzers over a whole buffer, hop by hop, exactly as the live analysis thread does.

The offline renderer and ``vjhost analyze`` use :func:`analyze_buffer`, so an
offline render sees the same features a live show would have seen at the same
moment: every hop is processed causally, in order, and :meth:`FeatureTimeline.at`
only ever returns features of hops that had *ended* by the requested time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from vjhost.protocols import N_BANDS, Analyzer, Features

__all__ = ["FeatureTimeline", "analyze_buffer", "TRIGGER_NAMES"]

_DEFAULTS = Features()
#: the boolean fields of Features: true only in the hop where their event happened
TRIGGER_NAMES: tuple[str, ...] = tuple(n for n in Features.scalar_names() if isinstance(getattr(_DEFAULTS, n), bool))


def _dtype(name: str) -> Any:
    v = getattr(_DEFAULTS, name)
    if isinstance(v, bool):
        return np.bool_
    if isinstance(v, int):
        return np.int64
    return np.float32


@dataclass
class FeatureTimeline:
    """Features of every hop of a buffer.

    ``scalars[name]`` is an array with one value per hop for every name in
    :meth:`Features.scalar_names`; ``bands`` is ``(n_hops, 8)``; ``section``
    one string per hop.  Hop ``i`` covers samples ``[i*hop, (i+1)*hop)`` and
    its features hold at ``t = (i+1) * hop / sr``.
    """

    sr: int
    hop: int
    scalars: dict[str, np.ndarray]
    bands: np.ndarray
    section: list[str]

    @property
    def n_hops(self) -> int:
        return len(self.section)

    @property
    def times(self) -> np.ndarray:
        """End time (s) of every hop."""
        return (np.arange(self.n_hops) + 1) * (self.hop / self.sr)

    @property
    def duration(self) -> float:
        return self.n_hops * self.hop / self.sr

    def __getitem__(self, name: str) -> np.ndarray:
        if name == "bands":
            return self.bands
        if name == "section":
            return np.array(self.section)
        return self.scalars[name]

    def index_at(self, t: float) -> int:
        """Index of the last hop that ended at or before ``t`` (-1 before the first hop ends)."""
        i = int(np.floor(t * self.sr / self.hop + 1e-9)) - 1
        return min(i, self.n_hops - 1)

    def at(self, t: float) -> Features:
        """The features as of time ``t``: those of the last hop that ended at or before ``t``.

        Never looks ahead.  Before the first hop has ended this is a blank
        :class:`Features` (with ``t`` set); past the end, the last hop's.
        """
        i = self.index_at(t)
        if i < 0:
            return Features(t=float(t)) if t > 0 else Features()
        kw: dict[str, Any] = {}
        for name, arr in self.scalars.items():
            v = arr[i]
            kw[name] = bool(v) if arr.dtype == np.bool_ else int(v) if arr.dtype == np.int64 else float(v)
        return Features(**kw, bands=self.bands[i].copy(), section=self.section[i])

    def events(self, name: str) -> np.ndarray:
        """Times (end of hop, seconds) at which the trigger field ``name`` (``kick``, ``beat`` ...) was true."""
        if name not in TRIGGER_NAMES:
            raise KeyError(f"{name!r} is not a trigger field; triggers are {', '.join(TRIGGER_NAMES)}")
        return self.times[self.scalars[name]]


def analyze_buffer(mono: np.ndarray, sr: int, analyzers: Sequence[Analyzer], hop: int = 512) -> FeatureTimeline:
    """Run ``analyzers`` causally over ``mono`` (float, ``(n,)``), one hop at a time.

    Per hop, exactly as live: one :class:`Features` object is reused for the
    whole buffer; before each hop its ``t`` is set to the hop's end time and
    its trigger fields (``onset``, ``kick``, ``beat`` ...) are reset to False;
    every other field keeps the value an analyzer last wrote (so a faulted,
    bypassed analyzer's outputs hold still rather than jump to defaults).  Then
    each analyzer's ``process(block, features)`` is called in list order and the
    result recorded.  A trailing partial hop is dropped.  The analyzers are
    used as they are (not reset): pass fresh ones for a fresh analysis.
    """
    x = np.ascontiguousarray(np.asarray(mono, dtype=np.float32).reshape(-1))
    if hop <= 0:
        raise ValueError("hop must be positive")
    n_hops = len(x) // hop
    names = Features.scalar_names()
    scalars = {n: np.zeros(n_hops, _dtype(n)) for n in names}
    bands = np.zeros((n_hops, N_BANDS), np.float32)
    section: list[str] = []
    f = Features()
    for i in range(n_hops):
        block = x[i * hop : (i + 1) * hop]
        f.t = (i + 1) * hop / sr
        for trig in TRIGGER_NAMES:
            setattr(f, trig, False)
        for a in analyzers:
            a.process(block, f)
        for n in names:
            scalars[n][i] = getattr(f, n)
        bands[i] = f.bands
        section.append(f.section)
    return FeatureTimeline(sr=int(sr), hop=int(hop), scalars=scalars, bands=bands, section=section)
