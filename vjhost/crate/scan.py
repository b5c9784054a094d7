"""``vjhost crate scan DIR``: analyse every track in a folder into the crate database, resumably.

Finds wav, flac, mp3, ogg/oga/opus, m4a/aac/mp4 and aiff files (recursively),
skips those already analysed with the same size and mtime, analyses the rest
one by one (PyAV decodes all of them) and commits each as soon as it is done,
so Ctrl-C loses at most the track in progress.  A file that cannot be read is
reported once, with its name and the problem, recorded, and skipped.

The progress bar redraws in place on a terminal; on a pipe or a log file it
writes a plain line every 10 % (and at the end) instead of flooding it.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from .db import CrateDB, CrateError

__all__ = ["AUDIO_EXTENSIONS", "find_audio", "Progress", "ScanResult", "scan"]

AUDIO_EXTENSIONS = frozenset({".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".mp4",
                              ".aif", ".aiff"})


def find_audio(root: str | Path) -> list[Path]:
    """Audio files under ``root`` (a folder, or one file), sorted, hidden files and folders skipped."""
    r = Path(root).expanduser()
    if not r.exists():
        raise CrateError(f"{r}: no such folder")
    if r.is_file():
        return [r.resolve()] if r.suffix.lower() in AUDIO_EXTENSIONS else []
    out = []
    for dirpath, dirnames, filenames in os.walk(r):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in filenames:
            if not f.startswith(".") and Path(f).suffix.lower() in AUDIO_EXTENSIONS:
                out.append((Path(dirpath) / f).resolve())
    return sorted(out)


class Progress:
    """A progress display that suits where it writes: ``\\r`` redraws on a terminal, a line per 10 % elsewhere."""

    def __init__(self, total: int, stream: TextIO | None = None, label: str = "scan", tty: bool | None = None) -> None:
        self.total = max(0, total)
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)()) if tty is None else tty
        self.t0 = time.perf_counter()
        self._last_decile = -1
        self._open_line = False
        self._ended = False

    def update(self, done: int, note: str = "") -> None:
        frac = done / self.total if self.total else 1.0
        el = time.perf_counter() - self.t0
        eta = el / done * (self.total - done) if done else 0.0
        if self.tty:
            bar = "#" * int(frac * 30)
            text = f"\r{self.label} [{bar:<30}] {done}/{self.total}  {el:5.0f} s  eta {eta:4.0f} s  {note[:40]:<40}"
            self.stream.write(text)
            self._open_line = True
            if done >= self.total:
                self.stream.write("\n")
                self._open_line = False
        else:
            decile = int(frac * 10)
            final = done >= self.total
            if decile > self._last_decile or (final and not self._ended):
                self._last_decile = decile
                self._ended = final
                self.stream.write(f"{self.label}: {done}/{self.total} ({100 * frac:.0f} %, {el:.0f} s)\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        """A line of its own (an error), without breaking the bar."""
        if self._open_line:
            self.stream.write("\n")
            self._open_line = False
        self.stream.write(text + "\n")
        self.stream.flush()


@dataclass
class ScanResult:
    found: int = 0
    analysed: int = 0
    skipped: int = 0  #: already in the database, unchanged
    known_bad: int = 0  #: ... of which failed before (retried when they change)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: int = 0
    seconds: float = 0.0
    audio_seconds: float = 0.0  #: total length of the tracks analysed

    @property
    def realtime(self) -> float:
        return self.audio_seconds / self.seconds if self.seconds else 0.0


def scan(root: str | Path, db: CrateDB, *, host=None, progress: Progress | None = None,
         limit: int | None = None, prune: bool = False, analyze: Callable | None = None) -> ScanResult:
    """Analyse the new or changed tracks under ``root`` into ``db``.

    :param limit: analyse at most this many (the rest on the next scan).
    :param prune: forget tracks under ``root`` whose files are gone.
    :param analyze: ``(path, host) -> TrackAnalysis`` (default :func:`vjhost.crate.analyze.analyze_track`).
    """
    from vjhost.audio.files import AudioFileError

    if analyze is None:
        from .analyze import analyze_track as analyze
    if host is None:
        from vjhost.plugins import load_host

        host = load_host()
    files = find_audio(root)
    res = ScanResult(found=len(files))
    todo = []
    bad = {p for p, _ in db.errors()}
    for f in files:
        st = f.stat()
        if db.is_current(f, st.st_size, st.st_mtime):
            res.skipped += 1
            res.known_bad += str(f) in bad
        else:
            todo.append((f, st.st_size, st.st_mtime))
    if limit is not None:
        todo = todo[: max(0, limit)]
    if prune:
        res.removed = db.forget_missing(Path(root), {str(f) for f in files})
    t0 = time.perf_counter()
    if progress is not None:
        progress.total = len(todo)
        progress.update(0, f"{res.skipped} already in the crate" if res.skipped else "")
    for i, (f, size, mtime) in enumerate(todo):
        try:
            a = analyze(f, host)
        except AudioFileError as exc:
            db.put_error(f, size, mtime, str(exc))
            res.failed.append((str(f), str(exc)))
            if progress is not None:
                progress.message(f"vjhost: skipped {exc}")
        except (ValueError, RuntimeError, MemoryError) as exc:  # a file the analysis cannot handle
            msg = f"{f}: analysis failed ({type(exc).__name__}: {exc})"
            db.put_error(f, size, mtime, msg)
            res.failed.append((str(f), msg))
            if progress is not None:
                progress.message(f"vjhost: skipped {msg}")
        else:
            db.put(f, size, mtime, a)
            res.analysed += 1
            res.audio_seconds += a.duration
        if progress is not None:
            progress.update(i + 1, f.name)
    res.seconds = time.perf_counter() - t0
    return res
