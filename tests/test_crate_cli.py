"""``vjhost crate scan | list | next | map | look`` on a small synthesised crate in every format."""

from __future__ import annotations

import io
import json
import os

import pytest

from vjhost.cli import main
from vjhost.crate.evaluate import write_crate
from vjhost.crate.synth import TrackSpec

SPECS = [
    TrackSpec("house", 9, "minor", 124.0, seed=11, duration=10.0, intensity=0.6),
    TrackSpec("house", 4, "minor", 125.0, seed=12, duration=10.0, intensity=0.7),  # 9A: +1 from A minor
    TrackSpec("techno", 9, "minor", 130.0, seed=13, duration=10.0, intensity=0.8),
    TrackSpec("downtempo", 0, "major", 100.0, seed=14, duration=10.0, intensity=0.2),
    TrackSpec("dnb", 2, "minor", 174.0, seed=15, duration=10.0, intensity=0.8),
    TrackSpec("trance", 7, "major", 138.0, seed=16, duration=10.0, intensity=0.7),
]
FORMATS = ("wav", "flac", "mp3", "ogg", "m4a")


@pytest.fixture(scope="module")
def crate(tmp_path_factory):
    """A folder of six tracks (wav, flac, mp3, ogg, m4a, wav), a broken 'mp3', and a scanned database."""
    d = tmp_path_factory.mktemp("crate")
    files = write_crate(d / "music", SPECS, FORMATS)
    (d / "music" / "broken.mp3").write_text("this is not audio")
    (d / "music" / "notes.txt").write_text("not a track")
    db = d / "crate.sqlite"
    return d, files, db


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def scanned(crate):
    d, files, db = crate
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["crate", "scan", str(d / "music"), "--db", str(db)])
    return rc, out.getvalue(), err.getvalue()


def test_scan_reads_every_format_and_names_the_bad_file(crate, scanned):
    d, files, db = crate
    rc, out, err = scanned
    assert rc == 0
    assert "7 audio files; analysed 6" in out and "1 failed" in out and "6 tracks in the crate" in out
    assert "broken.mp3" in err and "skipped" in err
    # not a terminal: plain progress lines, at most one per 10 %, never a flood of redraws
    progress = [ln for ln in err.splitlines() if ln.startswith("scan:")]
    assert 2 <= len(progress) <= 11 and "\r" not in err
    assert progress[-1].startswith("scan: 7/7 (100 %")


def test_scan_is_resumable_and_notices_changed_files(crate, scanned, capsys):
    d, files, db = crate
    rc, out, _ = run(capsys, "crate", "scan", str(d / "music"), "--db", str(db), "--quiet")
    assert rc == 0 and "analysed 0" in out and "7 unchanged (1 known bad)" in out  # the broken file is remembered
    touched = files[0][0]
    st = touched.stat()
    os.utime(touched, (st.st_atime, st.st_mtime + 5))
    rc, out, _ = run(capsys, "crate", "scan", str(d / "music"), "--db", str(db), "--quiet")
    assert "analysed 1" in out and "6 unchanged" in out


def test_list_shows_tempo_key_and_energy(crate, scanned, capsys):
    d, files, db = crate
    rc, out, _ = run(capsys, "crate", "list", "--db", str(db), "--json")
    data = json.loads(out)
    assert rc == 0 and len(data["tracks"]) == 6
    by_name = {t["title"]: t for t in data["tracks"]}
    for path, spec in files:
        t = by_name[path.stem]
        assert abs(t["bpm"] / spec.bpm - 1) < 0.04 or spec.genre == "dnb", (path.name, t["bpm"])
        assert 1 <= t["energy_level"] <= 10
    first = by_name[files[0][0].stem]
    assert first["key"] == "A minor" and first["camelot"] == "8A"
    assert any("broken.mp3" in p for p, _ in data["errors"])


def test_next_gives_five_with_reasons_and_records_the_play(crate, scanned, capsys):
    d, files, db = crate
    name = files[0][0].stem
    rc, out, _ = run(capsys, "crate", "next", "--db", str(db), "--playing", name, "--energy", "keep", "--json")
    data = json.loads(out)
    assert rc == 0 and data["playing"]["title"] == name
    sug = data["suggestions"]
    assert len(sug) == 5 and name not in [s["title"] for s in sug]
    assert all(len(s["reasons"]) == 4 for s in sug)
    # the A minor house track's best partner: the other house track, one step round the wheel at 125 BPM
    assert sug[0]["title"] == files[1][0].stem and sug[0]["key_ok"] and sug[0]["tempo_ok"]
    rc, out, _ = run(capsys, "crate", "next", "--db", str(db))  # no --playing: the last one played
    assert rc == 0 and "playing" in out and name in out and "1. " in out and " BPM" in out


def test_errors_name_the_problem(crate, scanned, capsys):
    d, files, db = crate
    rc, _, err = run(capsys, "crate", "next", "--db", str(db), "--playing", "no-such-track")
    assert rc == 1 and "vjhost: error: no track in the crate matches 'no-such-track'" in err
    rc, _, err = run(capsys, "crate", "list", "--db", str(d / "nothing.sqlite"))
    assert rc == 1 and "no crate database yet" in err
    rc, _, err = run(capsys, "crate", "scan", str(d / "missing"), "--db", str(db))
    assert rc == 1 and "missing: no such folder" in err


def test_map_png_is_drawn_with_the_played_path(crate, scanned, capsys):
    from vjhost.crate.db import CrateDB

    d, files, db = crate
    with CrateDB(db) as c:
        c.clear_plays()
        for t in c.tracks()[:3]:
            c.add_play(t.id, "test")
    out = d / "map.png"
    rc, text, _ = run(capsys, "crate", "map", "--db", str(db), "--out", str(out))
    assert rc == 0 and out.exists() and "6 tracks" in text
    import av

    with av.open(str(out)) as c:
        img = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert img.shape == (760, 1000, 3)
    plot = img[34:690, 30:970].astype(int)
    saturated = (plot.max(axis=2) - plot.min(axis=2)) > 80  # coloured dots
    white = (plot.min(axis=2) > 225)  # the played path
    assert saturated.sum() > 6 * 100 and white.sum() > 100
    rc, _, err = run(capsys, "crate", "map", "--db", str(db), "--out", str(out))
    assert rc == 1 and "exists; pass --force" in err
    rc, _, _ = run(capsys, "crate", "map", "--db", str(db), "--out", str(out), "--colour", "energy", "--force")
    assert rc == 0


def test_look_picks_an_installed_pack(crate, scanned, capsys):
    d, files, db = crate
    rc, out, _ = run(capsys, "crate", "look", "--db", str(db), "--playing", files[3][0].stem, "--json")
    data = json.loads(out)
    assert rc == 0 and data["persona"] in data["installed"]
    assert data["persona"] in ("teamlab", "ochiai", "mikami")  # a calm, major downtempo track: a calm persona
    assert len(data["palette"]) == 4


def test_docs_python_example_runs(crate, scanned, capsys):
    import re
    from pathlib import Path

    d, files, db = crate
    doc = (Path(__file__).resolve().parents[1] / "docs" / "crate.md").read_text()
    code = re.search(r"## From Python\n\n```python\n(.*?)```", doc, re.S).group(1)
    exec(compile(code, "docs/crate.md", "exec"), {"DB": db})
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 6 and all("BPM" in ln for ln in lines[:5])
    assert lines[-1].split()[0] in ("ikeda", "kusama", "teamlab") and "#" in lines[-1]
