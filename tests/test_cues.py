"""Cue lists: the format in docs/cues.md, validation errors, and the sequencer against synthetic beat streams."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from vjhost.control.cues import CueError, CueSequencer, load_cues, parse_cues
from vjhost.control.state import ControlState
from vjhost.protocols import Features, Param

ROOT = Path(__file__).resolve().parents[1]


def doc_example(tmp_path: Path) -> Path:
    text = (ROOT / "docs" / "cues.md").read_text()
    blocks = dict(re.findall(r"```toml file=(\S+)\n(.*?)```", text, re.S))
    path = tmp_path / "set.toml"
    path.write_text(blocks["set.toml"])
    return path


def make_state() -> ControlState:
    st = ControlState([Param("master.strobe", 0.0, 0.0, 1.0), Param("master.brightness", 1.0, 0.0, 1.0)])
    st.pack, st.packs, st.scenes = "ikeda", ["ikeda", "kusama"], ["grid", "rain"]
    return st


def stream(bpm: float, fps: float, beats: float, section=lambda pos: "", start: float = 0.0):
    """Features frame by frame as the analysis fills them: beat_count, beat_phase, bar_phase, flags, section."""
    last = None
    k = 0
    while True:
        t = start + k / fps
        pos = t * bpm / 60.0
        if pos > beats:
            return
        n = math.floor(pos + 1e-9)
        phase = max(0.0, pos - n)
        f = Features(t=t, bpm=bpm, beat_count=n, beat_phase=phase, bar_phase=((n % 4) + phase) / 4.0)
        f.beat = last is not None and n != last
        f.downbeat = f.beat and n % 4 == 0
        f.section = section(pos)
        last = n
        yield pos, f
        k += 1


def run(seq: CueSequencer, frames, state: ControlState, on_frame=None):
    """Step every frame; returns [(beat position, action, value)] of the sequencer's actions."""
    log = []
    now = {"pos": 0.0}
    unsub = state.subscribe(lambda e: log.append((round(now["pos"], 4), e.name, e.value))
                            if e.kind == "action" and e.source == "cues" else None)
    try:
        for pos, f in frames:
            now["pos"] = pos
            if on_frame:
                on_frame(pos, seq)
            seq.step(f)
    finally:
        unsub()
    return log


# --------------------------------------------------------------------------- the documented example


def test_doc_example_loads(tmp_path):
    cues = load_cues(doc_example(tmp_path))
    assert cues.loop and cues.name == "example set"
    assert [c.name for c in cues.cues] == ["A", "B", "C"]
    a, b, c = cues.cues
    assert (a.pack, a.scene, a.bars, a.until, a.quantize) == ("ikeda", 0, 4, "drop", "bar")
    assert dict(a.params) == {"master.strobe": 0.0, "master.brightness": 1.0}
    assert (b.pack, b.transition, b.transition_beats, b.quantize, b.bars) == ("kusama", "crossfade", 4.0, "none", 8)
    assert (c.scene, c.bars, c.quantize, dict(c.params)) == (1, 2, "bar", {"master.strobe": 0.5})
    assert a.line and b.line and c.line and a.line < b.line < c.line


def test_doc_example_fires_on_bars_and_drops(tmp_path):
    """4 bars A, then on the drop B with a crossfade, then 2 bars C, loop -- exactly on the beat."""
    state = make_state()
    seq = CueSequencer(load_cues(doc_example(tmp_path)), state)

    def section(pos):  # a false drop inside A's four bars, a real one at 26.5, another at 85.5
        if 10 <= pos < 12 or 26.5 <= pos < 40 or 85.5 <= pos < 95:
            return "drop"
        return "build" if 22 <= pos < 26.5 else ""

    started = {}

    def on_frame(pos, s):
        if pos >= 1.5 and not started:  # started mid-bar: A waits for the next bar line (beat 4)
            s.start()
            started["at"] = pos

    log = run(seq, stream(120.0, 60.0, 96.0, section), state, on_frame)
    A = [("pack", "ikeda"), ("scene", 0), ("param", ("master.strobe", 0.0)),
         ("param", ("master.brightness", 1.0))]
    B = [("transition", ("crossfade", 4.0)), ("pack", "kusama")]
    C = [("scene", 1), ("param", ("master.strobe", 0.5))]
    expect = ([(4.0, *a) for a in A] + [(26.5, *b) for b in B] + [(56.0, *c) for c in C]
              + [(64.0, *a) for a in A] + [(85.5, *b) for b in B])
    assert log == expect
    # the actions are ordinary actions on the queue, in order, from "cues"
    queued = state.drain_actions()
    assert [(a.name, a.value) for a in queued] == [(n, v) for _, n, v in expect]
    assert {a.source for a in queued} == {"cues"}
    st = seq.status()
    assert st["cue"] == "B" and st["running"] and st["next"] == "C"
    assert st["beats_left"] == pytest.approx(116.0 - 96.0)  # B fired at 85.5: its 8th bar line is beat 116


def test_bars_count_bar_lines_and_status(tmp_path):
    state = make_state()
    cues = parse_cues('schema_version = 1\n[[cues]]\nname = "x"\nbeats = 6\n[[cues]]\nname = "y"\nbars = 2\n'
                      '[[cues]]\nname = "z"\nuntil = "manual"\n', "t.toml")
    seq = CueSequencer(cues, state)
    seq.start()
    fired = []
    for pos, f in stream(120.0, 50.0, 40.0):
        before = len(seq.fired)
        seq.step(f)
        if len(seq.fired) > before:
            fired.append((cues[seq.fired[-1][0]].name, round(pos, 4)))
        if pos == pytest.approx(7.0):
            st = seq.status()
            assert st["cue"] == "y" and st["beats_left"] == pytest.approx(5.0)  # its 2nd bar line is beat 12
    # x at 0 (quantize none) for 6 beats; y from beat 6 runs to its 2nd bar line (12); z waits for cue.next
    assert fired == [("x", 0.0), ("y", 6.0), ("z", 12.0)]
    assert seq.status()["waiting"] == "manual" and seq.running


def test_until_drop_with_max_bars_times_out():
    state = make_state()
    cues = parse_cues('schema_version = 1\nquantize = "bar"\n[[cues]]\nname = "w"\nuntil = "drop"\nmax_bars = 2\n'
                      '[[cues]]\nname = "v"\nuntil = "manual"\n', "t.toml")
    seq = CueSequencer(cues, state)
    seq.start()
    for _, f in stream(128.0, 60.0, 20.0):
        seq.step(f)
    assert [(i, round(p, 3)) for i, p in seq.fired] == [(0, 0.0), (1, 8.0)]


def test_quantize_beat_waits_for_the_next_beat_after_a_drop():
    state = make_state()
    cues = parse_cues('schema_version = 1\n[[cues]]\nname = "a"\nuntil = "drop"\n'
                      '[[cues]]\nname = "b"\nquantize = "beat"\nuntil = "manual"\n', "t.toml")
    seq = CueSequencer(cues, state)
    seq.start()
    for _, f in stream(120.0, 60.0, 12.0, lambda p: "drop" if p >= 5.4 else ""):
        seq.step(f)
    assert [(i, round(p, 3)) for i, p in seq.fired] == [(0, 0.0), (1, 6.0)]


def test_beats_counted_when_frames_skip_beat_hops():
    """A slow frame rate (frames land between beats, flags missed) still counts bars from beat_count."""
    state = make_state()
    cues = parse_cues('schema_version = 1\nloop = true\nquantize = "bar"\n[[cues]]\nbars = 1\n'
                      '[[cues]]\nbars = 1\n', "t.toml")
    seq = CueSequencer(cues, state)
    seq.start()
    for _pos, f in stream(120.0, 1.3, 17.0):  # 1.54 beats a frame
        f.beat = f.downbeat = False  # only the counters are reliable here
        seq.step(f)
    # the first frame after each bar line fires the next cue
    bars = [math.floor(p / 4) for _, p in seq.fired]
    assert bars == [0, 1, 2, 3, 4] and [i for i, _ in seq.fired] == [0, 1, 0, 1, 0]


def test_flags_only_source():
    """A source that never moves beat_count is counted by its beat/downbeat flags (each hop once)."""
    state = make_state()
    seq = CueSequencer(parse_cues('schema_version = 1\nquantize = "bar"\n[[cues]]\nbeats = 5\n'
                                  '[[cues]]\nuntil = "manual"\n', "t.toml"), state)
    seq.start()
    fired = []
    for pos, f in stream(120.0, 60.0, 12.0):
        f.beat_count = 0
        n = len(seq.fired)
        seq.step(f)
        seq.step(f)  # the same hop read twice (the loop outran the analysis): not a second beat
        if len(seq.fired) > n:
            fired.append(round(pos, 4))
    # frame 0 sits on a bar line; five flagged beats later (beat 5) the next cue waits for the bar line at 8
    assert fired == [0.0, 8.0]


# --------------------------------------------------------------------------- control


MANUAL = """schema_version = 1
[[cues]]
name = "one"
scene = 0
until = "manual"
[[cues]]
name = "two"
scene = 1
until = "manual"
quantize = "beat"
[[cues]]
name = "three"
pack = "kusama"
scene = "dots"
until = "manual"
"""


def test_start_stop_next_prev_and_actions():
    state = make_state()
    seq = CueSequencer(parse_cues(MANUAL, "m.toml"), state)
    frames = stream(120.0, 60.0, 40.0)

    def go(n=1):
        pos = None
        for _ in range(n):
            pos, f = next(frames)
            seq.step(f)
        return pos

    go(5)
    assert seq.fired == [] and not seq.running
    from vjhost.control.state import Action

    assert seq.handle_action(Action("cue.start", None, "midi"))
    assert not seq.handle_action(Action("scene", 1, "midi"))
    go()
    assert [i for i, _ in seq.fired] == [0]
    assert seq.handle_action(Action("cue.next"))
    pos = go()
    assert len(seq.fired) == 1 and seq.status()["waiting"] == "beat"  # "two" waits for the beat
    while len(seq.fired) == 1:
        pos = go()
    assert seq.fired[-1][0] == 1 and pos == pytest.approx(1.0)
    seq.handle_action(Action("cue.prev"))
    go()
    assert seq.fired[-1][0] == 0
    seq.handle_action(Action("cue.stop"))
    go()
    assert not seq.running
    seq.handle_action(Action("cue.next"))  # while stopped: start at the cue after the one showing
    while seq.fired[-1][0] != 1:
        go()
    seq.handle_action(Action("cue.goto", "three"))
    go()
    assert seq.fired[-1][0] == 2
    # the scene name waits for the cue's pack to be showing, then resolves to an index
    names = [(a.name, a.value) for a in state.drain_actions()]
    assert names[-1] == ("pack", "kusama") and ("scene", "dots") not in names
    state.pack, state.scenes = "kusama", ["waves", "dots"]
    go()
    assert [(a.name, a.value) for a in state.drain_actions()] == [("scene", 1)]
    seq.handle_action(Action("cue.next"))  # the end of a list that does not loop: stays on the last
    go()
    assert seq.fired[-1][0] == 2 and "no next cue" in seq.status()["warning"]
    seq.handle_action(Action("cue.goto", "nope"))
    go()
    assert "no cue named 'nope'" in seq.status()["warning"]


def test_list_without_loop_finishes():
    state = make_state()
    seq = CueSequencer(parse_cues('schema_version = 1\n[[cues]]\nbeats = 2\n[[cues]]\nbeats = 2\n', "t.toml"), state)
    seq.start()
    for _, f in stream(120.0, 30.0, 10.0):
        seq.step(f)
    st = seq.status()
    assert len(seq.fired) == 2 and st["finished"] and not st["running"] and st["cue"] == "cue 2"


# --------------------------------------------------------------------------- errors


BAD = """schema_version = 1
loop = "yes"

[[cues]]
name = "a"
pack = "ikeda"
bars = 0

[[cues]]
name = "b"
until = "dorp"
transition = "wipe"

[[cues]]
name = "c"
scene = 1
params = { "master.strobe" = "high" }

[[cues]]
until = "manual"
bars = 4
colour = "red"
"""


def test_bad_file_names_file_line_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    with pytest.raises(CueError) as e:
        load_cues(path)
    lines = str(e.value).splitlines()
    p = str(path)
    expected = [
        f"{p}:2: loop: expected true/false, got 'yes'",
        f"{p}:7: cues.0.bars: 0: must be at least 1",
        f"{p}:11: cues.1.until: unknown until 'dorp'",
        f"{p}:12: cues.1.transition: unknown transition 'wipe'",
        f"{p}:17: cues.2.params.master.strobe: expected a number",
        f"{p}:14: cues.2: how long does it last?",
        f"{p}:22: cues.3.colour: unknown key",
        f"{p}:21: cues.3.bars: bars with until = \"manual\"",
    ]
    for want in expected:
        assert any(line.startswith(want) for line in lines), (want, lines)
    assert "did you mean 'drop'?" in str(e.value)
    assert len(lines) == len(expected), lines


def test_syntax_error_and_missing_things(tmp_path):
    path = tmp_path / "syntax.toml"
    path.write_text('schema_version = 1\n[[cues]]\nbars = 4 4\n')
    with pytest.raises(CueError) as e:
        load_cues(path)
    assert str(e.value).startswith(f"{path}:3: bars: invalid TOML")
    with pytest.raises(CueError) as e:
        parse_cues('name = "x"\n', "empty.toml")
    assert "empty.toml: schema_version: missing" in str(e.value) and "empty.toml: cues: missing" in str(e.value)
    with pytest.raises(CueError) as e:
        load_cues(tmp_path / "nope.toml")
    assert "cannot read" in str(e.value)
    with pytest.raises(CueError) as e:
        parse_cues('schema_version = 1\n[[cues]]\nuntil = "drop"\nbars = 8\nmax_bars = 4\n'
                   '[[cues]]\nbars = 2\nbeats = 2\nloop = true\n', "m.toml")
    msg = str(e.value)
    assert "m.toml:5: cues.0.max_bars: max_bars must be longer" in msg
    assert "m.toml:8: cues.1.beats: give either bars or beats" in msg
    assert "m.toml:9: cues.1.loop: unknown key in a cue: loop belongs at the top level" in msg


def test_requests_queue_in_order_and_a_drop_at_the_start_is_no_edge():
    state = make_state()
    seq = CueSequencer(parse_cues(MANUAL.replace('quantize = "beat"\n', ""), "m.toml"), state)
    seq.start()
    seq.next()
    seq.next()  # two presses within one frame: two cues on
    f = Features(t=0.0, beat_count=0, section="drop")
    seq.step(f)
    assert [i for i, _ in seq.fired] == [2] and seq.running
    seq.stop()
    seq.start("two")
    assert seq.running
    seq.step(f)
    assert seq.fired[-1][0] == 1

    drop = CueSequencer(parse_cues('schema_version = 1\n[[cues]]\nuntil = "drop"\n[[cues]]\nuntil = "manual"\n',
                                   "d.toml"), state)
    drop.start()
    for t in range(5):  # the show starts in the middle of a drop: wait for the next one
        drop.step(Features(t=t * 0.1, beat_count=0, section="drop"))
    assert [i for i, _ in drop.fired] == [0]
    drop.step(Features(t=0.6, section=""))
    drop.step(Features(t=0.7, section="drop"))
    assert [i for i, _ in drop.fired] == [0, 1]


def test_check_names_against_the_show(tmp_path):
    cues = load_cues(doc_example(tmp_path))
    assert cues.check(["ikeda", "kusama"], ["master.strobe", "master.brightness"]) == []
    warnings = cues.check(["ikeda"], ["master.strobe"])
    assert any(w.endswith("cues.1.pack: unknown pack 'kusama'") for w in warnings)
    assert any("cues.0.params.master.brightness: unknown parameter" in w for w in warnings)
    assert all(w.startswith(str(tmp_path / "set.toml") + ":") for w in warnings)
