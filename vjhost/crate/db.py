"""The crate's local SQLite database: one row per track (keyed by path + size + mtime), and the played path.

A scan writes each track's row as soon as it is analysed (its own
transaction), so an interrupted scan resumes where it stopped, and a file is
analysed again only when its size or modification time changed (or the
analysis version did).  A file that failed is remembered with its error
(and retried when it changes), so one bad file costs nothing on the next scan.
Embeddings are stored as float32 blobs; everything else as columns or JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .analyze import ANALYSIS_VERSION, TrackAnalysis
from .energy import level_1_10

__all__ = ["Track", "CrateDB", "default_db_path", "CrateError"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tracks (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    version INTEGER NOT NULL,
    analysed REAL NOT NULL,
    error TEXT,
    duration REAL, bpm REAL, beat_confidence REAL,
    key TEXT, tonic INTEGER, mode TEXT, camelot TEXT, key_confidence REAL,
    energy REAL, loudness_db REAL, onset_rate REAL, brightness REAL,
    genre TEXT,
    data TEXT,
    embedding BLOB,
    segments BLOB
);
CREATE TABLE IF NOT EXISTS plays (
    id INTEGER PRIMARY KEY,
    track_id INTEGER NOT NULL REFERENCES tracks(id),
    at REAL NOT NULL,
    source TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
"""


class CrateError(Exception):
    """A crate problem the user must fix (no database, unknown track ...); the message says which."""


def default_db_path() -> Path:
    """``$VJHOST_CRATE_DB``, else ``~/.local/share/vjhost/crate.sqlite`` (XDG data home)."""
    env = os.environ.get("VJHOST_CRATE_DB")
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "vjhost" / "crate.sqlite"


@dataclass
class Track:
    """One analysed track, as the ranking, the map and the look need it."""

    id: int
    path: str
    duration: float
    bpm: float
    key: str
    tonic: int
    mode: str
    camelot: str
    energy: float
    brightness: float
    genre: str
    embedding: np.ndarray
    segments: np.ndarray
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return Path(self.path).stem

    @property
    def energy_level(self) -> int:
        return level_1_10(self.energy)

    def brief(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "path": self.path, "bpm": round(self.bpm, 1), "key": self.key,
                "camelot": self.camelot, "energy": round(self.energy, 3), "energy_level": self.energy_level,
                "genre": self.genre, "duration": round(self.duration, 1)}


class CrateDB:
    """Open (creating it and its folder if needed) the crate database at ``path``."""

    def __init__(self, path: str | Path | None = None, *, create: bool = True) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        if not create and not self.path.exists():
            raise CrateError(f"{self.path}: no crate database yet; run `vjhost crate scan DIR` first")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(str(self.path), timeout=10.0, check_same_thread=False)
            self.conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CrateError(f"{self.path}: not a crate database ({exc})") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "CrateDB":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ scanning
    def is_current(self, path: Path, size: int, mtime: float) -> bool:
        """True when ``path`` was analysed (or failed) with this size, mtime and analysis version."""
        row = self.conn.execute("SELECT size, mtime, version FROM tracks WHERE path = ?", (str(path),)).fetchone()
        return row is not None and row[0] == size and abs(row[1] - mtime) < 1e-6 and row[2] == ANALYSIS_VERSION

    def put(self, path: Path, size: int, mtime: float, a: TrackAnalysis) -> int:
        data = {"sections": a.sections, "energy_curve": a.energy_curve, "beats": a.beats, "downbeats": a.downbeats,
                "genre_probs": a.genre_probs, "loudness_db": a.loudness_db, "onset_rate": a.onset_rate,
                "key_confidence": a.key_confidence, "seconds": a.seconds, "energy_level": a.energy_level}
        with self.conn:
            cur = self.conn.execute(
                """INSERT INTO tracks (path, size, mtime, version, analysed, error, duration, bpm, beat_confidence,
                   key, tonic, mode, camelot, key_confidence, energy, loudness_db, onset_rate, brightness, genre,
                   data, embedding, segments)
                   VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime, version=excluded.version,
                   analysed=excluded.analysed, error=NULL, duration=excluded.duration, bpm=excluded.bpm,
                   beat_confidence=excluded.beat_confidence, key=excluded.key, tonic=excluded.tonic,
                   mode=excluded.mode, camelot=excluded.camelot, key_confidence=excluded.key_confidence,
                   energy=excluded.energy, loudness_db=excluded.loudness_db, onset_rate=excluded.onset_rate,
                   brightness=excluded.brightness, genre=excluded.genre, data=excluded.data,
                   embedding=excluded.embedding, segments=excluded.segments""",
                (str(path), size, mtime, ANALYSIS_VERSION, time.time(), a.duration, a.bpm, a.beat_confidence,
                 a.key, a.tonic, a.mode, a.camelot, a.key_confidence, a.energy, a.loudness_db, a.onset_rate,
                 a.brightness, a.genre, json.dumps(data), np.asarray(a.embedding, "<f4").tobytes(),
                 np.asarray(a.segments, "<f4").tobytes()))
            row = self.conn.execute("SELECT id FROM tracks WHERE path = ?", (str(path),)).fetchone()
        return int(row[0]) if row else int(cur.lastrowid or 0)

    def put_error(self, path: Path, size: int, mtime: float, error: str) -> None:
        with self.conn:
            self.conn.execute(
                """INSERT INTO tracks (path, size, mtime, version, analysed, error) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime,
                   version=excluded.version, analysed=excluded.analysed, error=excluded.error""",
                (str(path), size, mtime, ANALYSIS_VERSION, time.time(), error))

    def forget_missing(self, under: Path, present: set[str]) -> int:
        """Drop rows for files under ``under`` that are gone; returns how many (their plays go too)."""
        prefix = str(under.resolve()) + os.sep
        rows = self.conn.execute("SELECT id, path FROM tracks WHERE path LIKE ?",
                                 (prefix.replace("%", "\\%") + "%",)).fetchall()
        gone = [r[0] for r in rows if r[1].startswith(prefix) and r[1] not in present]
        with self.conn:
            for tid in gone:
                self.conn.execute("DELETE FROM plays WHERE track_id = ?", (tid,))
                self.conn.execute("DELETE FROM tracks WHERE id = ?", (tid,))
        return len(gone)

    # ------------------------------------------------------------------ reading
    def tracks(self) -> list[Track]:
        """Every analysed track (failed files left out), in id order."""
        rows = self.conn.execute(
            """SELECT id, path, duration, bpm, key, tonic, mode, camelot, energy, brightness, genre, data,
               embedding, segments FROM tracks WHERE error IS NULL ORDER BY id""").fetchall()
        out = []
        for r in rows:
            emb = np.frombuffer(r[12], "<f4").astype(np.float32)
            segs = (np.frombuffer(r[13], "<f4").astype(np.float32).reshape(-1, len(emb)) if len(emb)
                    else np.zeros((0, 0)))
            out.append(Track(id=r[0], path=r[1], duration=r[2] or 0.0, bpm=r[3] or 0.0, key=r[4] or "", tonic=r[5] or 0,
                             mode=r[6] or "major", camelot=r[7] or "", energy=r[8] or 0.0, brightness=r[9] or 0.0,
                             genre=r[10] or "", data=json.loads(r[11] or "{}"), embedding=emb, segments=segs))
        return out

    def errors(self) -> list[tuple[str, str]]:
        rows = self.conn.execute("SELECT path, error FROM tracks WHERE error IS NOT NULL ORDER BY path")
        return [(r[0], r[1]) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM tracks WHERE error IS NULL").fetchone()[0])

    def find(self, ref: str | int, tracks: list[Track] | None = None) -> Track:
        """A track by id, by path, or by a unique part of its file name; :class:`CrateError` otherwise."""
        tracks = self.tracks() if tracks is None else tracks
        s = str(ref).strip()
        if s.isdigit():
            for t in tracks:
                if t.id == int(s):
                    return t
        p = Path(s).expanduser()
        if p.exists():
            rp = str(p.resolve())
            for t in tracks:
                if t.path == rp:
                    return t
            raise CrateError(f"{s}: not in the crate ({self.path}); scan its folder with `vjhost crate scan`")
        hits = [t for t in tracks if s.lower() in Path(t.path).name.lower()]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise CrateError(f"no track in the crate matches {s!r} (an id, a path or part of a file name)")
        names = ", ".join(f"{t.id}:{t.title}" for t in hits[:6])
        raise CrateError(f"{s!r} matches {len(hits)} tracks ({names}{' ...' if len(hits) > 6 else ''}); "
                         "be more specific")

    # ------------------------------------------------------------------ the played path
    def add_play(self, track_id: int, source: str = "", at: float | None = None) -> None:
        """Record that ``track_id`` is playing (ignored when it already is the last one played)."""
        last = self.conn.execute("SELECT track_id FROM plays ORDER BY id DESC LIMIT 1").fetchone()
        if last is not None and last[0] == track_id:
            return
        with self.conn:
            self.conn.execute("INSERT INTO plays (track_id, at, source) VALUES (?, ?, ?)",
                              (track_id, time.time() if at is None else at, source))

    def played(self, limit: int = 200) -> list[int]:
        """Track ids played, oldest first (the last ``limit``)."""
        rows = self.conn.execute("SELECT track_id FROM plays ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [r[0] for r in reversed(rows)]

    def clear_plays(self) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM plays")

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        cols = [d[1] for d in self.conn.execute("PRAGMA table_info(tracks)")]
        for r in self.conn.execute("SELECT * FROM tracks ORDER BY id"):
            yield {c: v for c, v in zip(cols, r) if c not in ("embedding", "segments")}
