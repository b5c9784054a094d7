"""``vjhost crate ...``: scan a folder of tracks, suggest the next one, draw the crate map, evaluate.

    vjhost crate scan ~/Music/set            # analyse (resumable), progress bar
    vjhost crate list                        # what the crate holds
    vjhost crate next --playing 12 --energy up   # top five after track 12 (also records it as played)
    vjhost crate map --out map.png [--colour energy]
    vjhost crate look --playing 12           # the persona and palette the music suggests
    vjhost crate eval [--tracks 28]          # synthesise a crate with known keys/tempos and score it

``--db PATH`` (or ``$VJHOST_CRATE_DB``) picks the database; the default is
``~/.local/share/vjhost/crate.sqlite``.  ``vjhost run --crate`` brings the
companion into the live show (:func:`add_run_options`, :func:`attach`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .db import CrateDB, CrateError, default_db_path

__all__ = ["add_parser", "add_run_options", "attach"]


def _db(args, create: bool = False) -> CrateDB:
    return CrateDB(args.db or default_db_path(), create=create)


def cmd_scan(args) -> int:
    from .scan import Progress, scan

    db = _db(args, create=True)
    try:
        progress = None if args.quiet else Progress(0)
        res = scan(args.dir, db, progress=progress, limit=args.limit, prune=args.prune)
        print(f"crate {db.path}: {res.found} audio files; analysed {res.analysed} "
              f"({res.audio_seconds:.0f} s of audio in {res.seconds:.1f} s, {res.realtime:.1f}x realtime), "
              f"{res.skipped} unchanged{f' ({res.known_bad} known bad)' if res.known_bad else ''}, "
              f"{len(res.failed)} failed"
              + (f", {res.removed} gone files forgotten"
                 if res.removed else "") + f"; {db.count()} tracks in the crate")
        for _path, err in res.failed:
            print(f"  failed: {err}", file=sys.stderr)
        return 1 if res.failed and not res.analysed and not res.skipped else 0
    finally:
        db.close()


def cmd_list(args) -> int:
    with _db(args) as db:
        tracks = db.tracks()
        if args.json:
            print(json.dumps({"db": str(db.path), "tracks": [t.brief() for t in tracks], "errors": db.errors()}))
            return 0
        print(f"{db.path}: {len(tracks)} tracks")
        print(f"{'id':>4}  {'bpm':>6}  {'key':<10} {'cam':>3}  {'E':>2}  {'genre':<10} title")
        for t in tracks:
            print(f"{t.id:>4}  {t.bpm:6.1f}  {t.key:<10} {t.camelot:>3}  {t.energy_level:>2}  {t.genre:<10} {t.title}")
        for _path, err in db.errors():
            print(f"  not analysed: {err}")
    return 0


def _playing(db: CrateDB, args, tracks) -> Any:
    if args.playing:
        return db.find(args.playing, tracks)
    played = db.played(1)
    if played:
        return db.find(played[-1], tracks)
    raise CrateError("what is playing?  pass --playing ID|FILE (or let `vjhost run --crate` hear it)")


def cmd_next(args) -> int:
    from .suggest import suggest

    with _db(args) as db:
        tracks = db.tracks()
        if not tracks:
            raise CrateError(f"{db.path}: the crate is empty; run `vjhost crate scan DIR` first")
        cur = _playing(db, args, tracks)
        if args.playing and not args.no_record:
            db.add_play(cur.id, "cli")
        exclude = [] if args.include_played else db.played(50)
        sug = suggest(cur, tracks, direction=args.energy, n=args.n, exclude=exclude, room_energy=args.room)
        if args.json:
            print(json.dumps({"playing": cur.brief(), "direction": args.energy,
                              "suggestions": [s.to_dict() for s in sug]}))
            return 0
        print(f"playing {cur.id}: {cur.title}  {cur.bpm:.1f} BPM  {cur.key} ({cur.camelot})  energy {cur.energy_level}"
              f"  {cur.genre}")
        print(f"next ({args.energy}):")
        for i, s in enumerate(sug, 1):
            print(f" {i}. {s.track.id:>3} {s.track.title:<34} {s.score:.2f}  " + "; ".join(s.reasons))
        if not sug:
            print("  nothing left to suggest (everything else was played?)")
    return 0


def cmd_map(args) -> int:
    from .cratemap import draw_map

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise CrateError(f"--out {out}: write a .png file")
    if out.exists() and not args.force:
        raise CrateError(f"{out} exists; pass --force to overwrite it")
    with _db(args) as db:
        tracks = db.tracks()
        if not tracks:
            raise CrateError(f"{db.path}: the crate is empty; run `vjhost crate scan DIR` first")
        h, w = draw_map(tracks, out, played=db.played(200), colour_by=args.colour)
    print(f"wrote {out} ({w}x{h}, {len(tracks)} tracks, coloured by {args.colour})")
    return 0


def cmd_look(args) -> int:
    from vjhost.plugins import load_host

    from .look import character_of_track, choose_look

    with _db(args) as db:
        tracks = db.tracks()
        cur = _playing(db, args, tracks)
    installed = sorted(load_host().packs.names())
    look = choose_look(character_of_track(cur), installed)
    if args.json:
        print(json.dumps({"playing": cur.brief(), "installed": installed, **look.to_dict()}))
    else:
        print(f"{cur.title}: {look.reason}")
        print(f"palette {' '.join(look.palette)}  (hue {look.hue:.2f}, hue effect {look.hue_shift:.2f}); "
              "installed personas scored: "
              + ", ".join(f"{k} {v:.2f}" for k, v in sorted(look.scores.items(), key=lambda x: -x[1])))
    return 0


def cmd_eval(args) -> int:
    from .evaluate import evaluate_crate, print_report

    rep = evaluate_crate(n_tracks=args.tracks, duration=args.duration, seed=args.seed, workdir=args.dir,
                         formats=tuple(args.formats.split(",")), quiet=args.quiet)
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print_report(rep)
    return 0


_DESCRIPTION = """The AI-DJ companion (docs/crate.md).

    vjhost crate scan ~/Music/set                # analyse a folder (resumable), progress bar
    vjhost crate list                            # what the crate holds
    vjhost crate next --playing 12 --energy up   # the top five after track 12, with reasons
    vjhost crate map --out map.png               # the crate on a plane, coloured by key (--colour energy)
    vjhost crate look --playing 12               # the persona and palette the music suggests
    vjhost crate eval                            # score it on a crate it synthesises

--db PATH (or $VJHOST_CRATE_DB) picks the database; the default is ~/.local/share/vjhost/crate.sqlite.
In the show: vjhost run --crate [DB] [--auto-look] [--room-camera [INDEX]] (with --web: the crate page).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``crate`` and its subcommands to the ``vjhost`` command line."""
    p = subparsers.add_parser("crate", help="the AI-DJ companion: analyse a crate, suggest the next track, map it",
                              description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="crate_cmd", required=True)

    def db_opt(q):
        q.add_argument("--db", metavar="PATH",
                       help=f"crate database (default: $VJHOST_CRATE_DB or {default_db_path()})")

    q = sub.add_parser("scan", help="analyse a folder of tracks (wav/flac/mp3/ogg/m4a) into the crate, resumably")
    q.add_argument("dir", help="folder (searched recursively) or one file")
    db_opt(q)
    q.add_argument("--limit", type=int, help="analyse at most this many now (the rest next time)")
    q.add_argument("--prune", action="store_true", help="forget tracks under DIR whose files are gone")
    q.add_argument("--quiet", action="store_true", help="no progress display")
    q.set_defaults(func=_guarded(cmd_scan))

    q = sub.add_parser("list", help="the analysed tracks: BPM, key, Camelot, energy, genre")
    db_opt(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_guarded(cmd_list))

    q = sub.add_parser("next", help="the five best tracks to play next, with reasons")
    db_opt(q)
    q.add_argument("--playing", metavar="FILE|ID", help="what is playing (default: the last track played)")
    q.add_argument("--energy", choices=("keep", "up", "down", "room"), default="keep", help="where to take the floor")
    q.add_argument("--room", type=float, metavar="0..1", help="the crowd's motion energy (for --energy room)")
    q.add_argument("-n", type=int, default=5, help="how many (default 5)")
    q.add_argument("--include-played", action="store_true", help="suggest tracks already played too")
    q.add_argument("--no-record", action="store_true", help="don't add --playing to the played path")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_guarded(cmd_next))

    q = sub.add_parser("map", help="draw the crate's 2-D map (PNG), coloured by key or energy, with the played path")
    db_opt(q)
    q.add_argument("--out", required=True, metavar="MAP.png")
    q.add_argument("--colour", "--color", choices=("key", "energy"), default="key")
    q.add_argument("--force", action="store_true", help="overwrite --out")
    q.set_defaults(func=_guarded(cmd_map))

    q = sub.add_parser("look", help="the persona (installed packs only) and palette the playing track suggests")
    db_opt(q)
    q.add_argument("--playing", metavar="FILE|ID")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_guarded(cmd_look))

    q = sub.add_parser("eval", help="synthesise a crate with known keys, tempos and genres, and score the companion")
    q.add_argument("--tracks", type=int, default=28)
    q.add_argument("--duration", type=float, default=60.0, help="seconds per track")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--formats", default="wav,flac,mp3,ogg,m4a", help="file formats to write, in turn")
    q.add_argument("--dir", metavar="DIR", help="keep the crate and its database here (default: a temporary folder)")
    q.add_argument("--json", action="store_true")
    q.add_argument("--quiet", action="store_true")
    q.set_defaults(func=_guarded(cmd_eval))
    return p


def _guarded(cmd):
    """A subcommand whose :class:`CrateError` becomes ``vjhost: error: ...`` and exit status 1."""

    def run(args) -> int:
        try:
            return int(cmd(args) or 0)
        except CrateError as exc:
            print(f"vjhost: error: {exc}", file=sys.stderr)
            return 1

    run.__name__ = cmd.__name__
    return run


# --------------------------------------------------------------------------- the live show


def add_run_options(p: argparse.ArgumentParser) -> None:
    """``vjhost run`` flags for the companion."""
    p.add_argument("--crate", nargs="?", const="", default=None, metavar="DB",
                   help="bring the AI-DJ companion: identify the playing track, suggest the next (crate page on --web)")
    p.add_argument("--auto-look", action="store_true",
                   help="with --crate: switch packs to suit the music on phrase boundaries "
                   "(any manual pack pick stops it)")
    p.add_argument("--room-camera", nargs="?", const="0", default=None, metavar="INDEX",
                   help="with --crate: watch the floor with a webcam (OpenCV) for the room's energy")


def attach(session) -> Any:
    """Wire a :class:`~vjhost.crate.companion.Companion` into a live session; returns it (has ``stop()``).

    Called by ``vjhost run --crate``: a frame hook for the companion, the
    audio window fed from the show's source, and the crate page on the web
    surface when there is one.
    """
    from .embed import WeightsFileError

    args = session.args
    try:
        db = CrateDB(args.crate or default_db_path(), create=True)
        return _attach(session, db)
    except (CrateError, WeightsFileError, OSError) as exc:  # the show goes on without the companion
        print(f"vjhost: crate companion not started: {exc}", file=sys.stderr, flush=True)
        return _Nothing()


class _Nothing:
    def stop(self) -> None:
        pass


def _attach(session, db: CrateDB) -> Any:
    from .companion import Companion

    args = session.args
    room = None
    if getattr(args, "room_camera", None) is not None:
        from .room import RoomCamera

        idx = args.room_camera
        room = RoomCamera(int(idx) if str(idx).isdigit() else idx).start()
    comp = Companion(db, session.state, sorted(session.host.packs.names()),
                     auto=bool(getattr(args, "auto_look", False)), room=room)
    comp.attach_source(session.source)
    session.frame_hooks.append(comp)
    for s in session.surfaces:
        if hasattr(s, "routes"):
            from .web import add_routes

            add_routes(s, comp)
    print(f"vjhost: crate companion: {len(comp.tracks)} tracks from {db.path}"
          f"{'; auto look on' if comp.auto else ''}", flush=True)
    for s in session.surfaces:
        if hasattr(s, "routes") and hasattr(s, "url"):
            base, _, query = s.url.partition("?")
            print(f"vjhost: crate page at {base.rstrip('/')}/crate?{query}", flush=True)
    return comp
