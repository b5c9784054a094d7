"""Soft takeover: a physical fader only grabs its parameter once it meets the parameter's value.

After a pack switch (or a change from OSC, the web page, a cue) the fader and the
parameter disagree; moving the fader must not make the picture jump.  Shared by
every MIDI mapping that has faders.
"""

from __future__ import annotations

from .state import ControlState


def fader_moved(state: ControlState, param: str, prev: int | None, value: int, sent: float | None,
                takeover: bool = True, window: float = 3.0, source: str = "") -> float | None:
    """Apply a 0..127 fader move to ``param``; returns the new ``sent`` for the caller to keep.

    ``sent`` is the normalised value this fader last set (None: not holding the
    parameter).  With ``takeover`` the move is ignored until the fader is within
    ``window`` steps of the parameter or crosses it between ``prev`` and ``value``;
    if something else moved the parameter since, the fader lets go again.
    """
    if param not in state.params():
        return sent
    if takeover:
        current = state.normalized(param) * 127
        if sent is not None and abs(current - sent * 127) > 0.5:
            sent = None  # someone else moved the parameter: pick it up again
        if sent is None:
            near = abs(value - current) <= window
            crossed = prev is not None and min(prev, value) <= current <= max(prev, value)
            if not (near or crossed):
                return None
    state.set_normalized(param, value / 127, source=source)
    return state.normalized(param)
