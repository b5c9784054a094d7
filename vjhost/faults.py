"""The show must go on: every call into a plugin on the live path is guarded.

A :class:`Guard` wraps one plugin object's per-frame call.  An exception is
reported once (with the plugin's name and the traceback's last line), counted,
and the call returns its fallback; after ``limit`` consecutive failures the
component is bypassed for the rest of the show, and that is reported too.
A call that returns but blocked its thread for more than :data:`BLOCKED_S`
(an analyzer stuck on a lock, a network call) is a *hang*: reported once
(:meth:`Guard.hung`), and after ``limit`` hangs the component is bypassed.
"""

from __future__ import annotations

import sys
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

#: seconds a per-hop or per-frame call may block its thread before the show works around it (and says so)
BLOCKED_S = 0.25
#: a block at least this long counts toward bypassing the component (shorter ones can be a loaded machine)
HANG_S = 1.0


@dataclass
class Fault:
    source: str
    message: str
    count: int = 1
    bypassed: bool = False


@dataclass
class FaultLog:
    """Everything that went wrong during a show, for the HUD, the CLI and tests."""

    stream: TextIO | None = field(default_factory=lambda: sys.stderr)
    faults: dict[str, Fault] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def report(self, source: str, message: str, bypassed: bool = False) -> None:
        with self._lock:
            f = self.faults.get(source)
            first = f is None or f.message != message  # a new problem is worth saying too
            if f is None:
                f = self.faults[source] = Fault(source, message)
            else:
                f.count += 1
                f.message = message
            newly_bypassed = bypassed and not f.bypassed
            f.bypassed = f.bypassed or bypassed
        if self.stream is not None and (first or newly_bypassed):
            tag = "bypassed" if newly_bypassed else "error"
            print(f"vjhost: [{tag}] {source}: {message}", file=self.stream, flush=True)

    def note(self, source: str, message: str, line: str) -> None:
        """Record ``message`` as :meth:`report` does, but say only ``line``, once, and not as an error:
        for a condition the show runs without (no MIDI system), not a fault in it."""
        with self._lock:
            f = self.faults.get(source)
            first = f is None
            if f is None:
                self.faults[source] = Fault(source, message)
            else:
                f.count += 1
                f.message = message
        if self.stream is not None and first:
            print(f"vjhost: {line}", file=self.stream, flush=True)

    def exception(self, source: str, exc: BaseException, bypassed: bool = False) -> None:
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" ({tb[-1].filename}:{tb[-1].lineno})" if tb else ""
        self.report(source, f"{type(exc).__name__}: {exc}{where}", bypassed)

    def bypassed(self) -> list[str]:
        return [f.source for f in self.faults.values() if f.bypassed]


class Guard:
    """Call ``fn`` safely; bypass it after ``limit`` consecutive failures."""

    def __init__(self, source: str, log: FaultLog, limit: int = 3) -> None:
        self.source = source
        self.log = log
        self.limit = limit
        self.failures = 0
        self.hangs = 0
        self.bypassed = False

    def hung(self, seconds: float, reported: bool = False) -> None:
        """The call returned, but only after blocking its thread for ``seconds``.

        Reported (unless ``reported``: a watchdog said so while it was stuck); the
        ``limit``-th block of :data:`HANG_S` or longer bypasses the component, and says so.
        """
        if seconds >= HANG_S:
            self.hangs += 1
        newly = self.hangs >= self.limit and not self.bypassed
        self.bypassed = self.bypassed or newly
        if newly:
            self.log.report(self.source, f"blocked its thread for {seconds:.2f} s, {self.hangs} times: bypassed",
                            bypassed=True)
        elif not reported:
            self.log.report(self.source, f"blocked its thread for {seconds:.2f} s (the show went on without it)")

    def call(self, fn: Callable[..., Any], *args: Any, fallback: Any = None, **kw: Any) -> Any:
        if self.bypassed:
            return fallback
        try:
            out = fn(*args, **kw)
        except Exception as exc:  # noqa: BLE001 - isolating plugins is the point
            self.failures += 1
            if self.failures >= self.limit:
                self.bypassed = True
            self.log.exception(self.source, exc, bypassed=self.bypassed)
            return fallback
        self.failures = 0
        return out
