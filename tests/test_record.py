"""Performance recording: ControlState listeners, the MIDI file, and replay against the beat at another tempo."""

from __future__ import annotations

import math
import threading

import mido
import pytest

from vjhost.control.record import (
    MSB_CCS,
    PPQ,
    PerformanceFile,
    PerformancePlayer,
    PerformanceRecorder,
    format_marker,
    parse_marker,
)
from vjhost.control.state import ControlEvent, ControlState
from vjhost.protocols import Features, Param

PARAMS = [Param("master.brightness", 1.0, 0.0, 1.0), Param("master.strobe", 0.0, 0.0, 1.0),
          Param("fx.feedback.amount", 0.5, -2.0, 2.0), Param("latent.speed", 1.0, 0.0, 4.0)]


def make_state() -> ControlState:
    st = ControlState(PARAMS)
    st.pack, st.packs, st.scenes = "ikeda", ["ikeda", "kusama"], ["grid", "rain", "dots"]
    return st


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def frames(bpm: float, fps: float, beats: float, start_beat: float = 0.0):
    """(beat position, Features) per frame, as the analysis fills them."""
    k = 0
    while True:
        pos = start_beat + k * bpm / 60.0 / fps
        if pos > start_beat + beats + 1e-9:
            return
        n = math.floor(pos + 1e-9)
        phase = max(0.0, pos - n)
        yield pos, Features(t=k / fps, bpm=bpm, beat_count=n, beat_phase=phase, bar_phase=((n % 4) + phase) / 4.0,
                            beat=phase < 1e-9, downbeat=phase < 1e-9 and n % 4 == 0)
        k += 1


#: (frame at 120 BPM / 60 fps -> beat k / 30, what a surface does)
MOVES = {
    30: ("set", "master.strobe", 0.25, "midi"),        # beat 1.0
    75: ("trigger", "scene", 2, "midi"),               # beat 2.5
    76: ("set", "fx.feedback.amount", -1.0, "osc"),    # beat 2.5333
    120: ("trigger", "pack", "kusama", "web"),         # beat 4.0
    121: ("trigger", "blackout", None, "keyboard"),    # beat 4.0333
    200: ("set", "master.strobe", 1.0, "midi"),        # beat 6.6667
    245: ("trigger", "transition", ("crossfade", 4.0), "cues"),  # beat 8.1667
    246: ("trigger", "tap", None, "keyboard"),         # left out: momentary
    247: ("trigger", "param", ("master.strobe", 0.5), "cues"),  # left out: its effect is recorded
}


def record(tmp_path, snapshot=False, bpm=120.0, fps=60.0):
    state = make_state()
    clock = FakeClock()
    rec = PerformanceRecorder(state, None, clock=clock, snapshot=snapshot)
    for k, (_pos, f) in enumerate(frames(bpm, fps, 10.0)):
        clock.now = f.t
        rec.step(f)
        if k == 0:
            rec.start()
        if k in MOVES:
            how, name, value, source = MOVES[k]
            if how == "set":
                state.set(name, value, source=source)
            else:
                state.trigger(name, value, source=source)
    rec.stop()
    state.set("master.strobe", 0.0)  # after stop: not recorded
    path = rec.save(tmp_path / "take.mid")
    return rec, path


def test_listener_sees_every_change_once_and_can_unsubscribe():
    st = make_state()
    seen: list[ControlEvent] = []
    unsub = st.subscribe(seen.append)
    st.set("master.strobe", 0.5, source="midi")
    st.set("master.strobe", 0.5, source="midi")  # no change: no event
    st.set_normalized("fx.feedback.amount", 1.0, source="web")
    st.set("nope", 1.0)  # unknown: no event
    st.trigger("scene", 1, source="osc")
    st.subscribe(lambda e: 1 / 0)  # a broken listener breaks nothing
    st.set("master.strobe", 2.0)
    unsub()
    st.set("master.strobe", 0.1)
    assert seen == [ControlEvent("param", "master.strobe", 0.5, "midi"),
                    ControlEvent("param", "fx.feedback.amount", 2.0, "web"),
                    ControlEvent("action", "scene", 1, "osc"),
                    ControlEvent("param", "master.strobe", 1.0, "")]
    assert st.listener_errors == 2 and st.get("master.strobe") == pytest.approx(0.1)
    assert [a.name for a in st.drain_actions()] == ["scene"]  # the queue is unchanged


def test_listener_threads():
    st = make_state()
    seen: list[ControlEvent] = []
    st.subscribe(seen.append)

    def surface(i):
        for _ in range(200):
            st.trigger("toggle", f"fx{i}", source=f"s{i}")

    threads = [threading.Thread(target=surface, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 800 and {e.source for e in seen} == {"s0", "s1", "s2", "s3"}


def test_recorder_stores_beat_positions_and_wall_times(tmp_path):
    rec, _ = record(tmp_path)
    got = [(round(e.beat, 4), e.kind, e.name, e.value, e.source) for e in rec.events]
    assert got == [
        (1.0, "param", "master.strobe", 0.25, "midi"),
        (2.5, "action", "scene", 2, "midi"),
        (2.5333, "param", "fx.feedback.amount", -1.0, "osc"),
        (4.0, "action", "pack", "kusama", "web"),
        (4.0333, "action", "blackout", None, "keyboard"),
        (6.6667, "param", "master.strobe", 1.0, "midi"),
        (8.1667, "action", "transition", ("crossfade", 4.0), "cues"),
    ]  # tap and the param action are left out
    assert rec.events[3].t == pytest.approx(2.0)  # frame 120 at 60 fps


def test_position_extrapolates_between_frames():
    st = make_state()
    clock = FakeClock()
    rec = PerformanceRecorder(st, 120.0, clock=clock, snapshot=False)
    rec.step(Features(t=0.0, bpm=120.0, beat_count=8, beat_phase=0.0, bar_phase=0.0))
    rec.start()
    clock.now = 0.1  # a MIDI message arrives 100 ms after the frame: 0.2 beats later at 120 BPM
    st.set("master.strobe", 0.7, source="midi")
    clock.now = 10.0  # a stalled loop: never more than a beat past the last frame
    st.trigger("freeze", source="web")
    assert [round(e.beat, 4) for e in rec.events] == [8.2, 9.0]
    assert rec.origin == 8.0


def test_start_before_the_first_frame():
    st = make_state()
    clock = FakeClock()
    rec = PerformanceRecorder(st, 128.0, clock=clock)
    rec.start()  # no frame yet: the first one fixes tick 0
    st.trigger("blackout", True, source="midi")
    rec.step(Features(t=0.0, bpm=128.0, beat_count=33, beat_phase=0.5, bar_phase=0.375))
    st.trigger("freeze", True, source="midi")
    assert rec.origin == 32.0 and rec.tempo == [(32.0, 128.0)]
    assert [(e.beat, e.name) for e in rec.events if e.source != "snapshot"] == [(32.0, "blackout"), (33.5, "freeze")]
    assert {e.beat for e in rec.events if e.source == "snapshot"} == {32.0}
    mf = rec.to_midi()
    assert [m.tempo for m in mf.tracks[0] if m.type == "set_tempo"] == [mido.bpm2tempo(128.0)]


def test_saved_file_is_a_standard_midi_file(tmp_path):
    _, path = record(tmp_path)
    mf = mido.MidiFile(str(path))
    assert mf.type == 1 and mf.ticks_per_beat == PPQ == 480 and len(mf.tracks) == 1
    msgs = list(mf.tracks[0])
    tempos = [m for m in msgs if m.type == "set_tempo"]
    assert tempos and tempos[0].tempo == mido.bpm2tempo(120.0) == 500000
    assert any(m.type == "time_signature" and (m.numerator, m.denominator) == (4, 4) for m in msgs)
    assert msgs[0].type == "track_name" and msgs[0].name == "vjhost performance"
    assert msgs[-1].type == "end_of_track"
    assert mf.length == pytest.approx(8.1667 / 2, abs=1e-3)  # the last event, in seconds at 120 BPM
    # params: 14-bit CC pairs on the stable map (declared params sorted by name)
    names = sorted(p.name for p in PARAMS)
    ccs = [(m.channel, m.control, m.value) for m in msgs if m.type == "control_change"]
    strobe = MSB_CCS[names.index("master.strobe")]
    assert (0, strobe, 32) in ccs and (0, strobe + 32, 0) in ccs  # 0.25 -> 4096 = 32 << 7
    fb = MSB_CCS[names.index("fx.feedback.amount")]
    q = round((-1.0 + 2.0) / 4.0 * 16383)
    assert (0, fb, q >> 7) in ccs and (0, fb + 32, q & 127) in ccs
    markers = [m.text for m in msgs if m.type == "marker"]
    assert [t.split(" {")[0] for t in markers] == ['vj:scene 2', 'vj:pack "kusama"', "vj:blackout null",
                                                  'vj:transition ["crossfade", 4.0]']
    assert '"source": "web"' in markers[1]
    # positions: absolute ticks are beat positions * 480
    at, ticks = 0, {}
    for m in msgs:
        at += m.time
        if m.type == "marker":
            ticks[m.text.split(" ")[0]] = at
    assert ticks == {"vj:scene": 1200, "vj:pack": 1920, "vj:blackout": 1936, "vj:transition": 3920}


def test_tempo_changes_and_origin(tmp_path):
    st = make_state()
    clock = FakeClock()
    rec = PerformanceRecorder(st, None, clock=clock, snapshot=False)
    seq = list(frames(120.0, 60.0, 8.0, start_beat=5.5)) + list(frames(126.0, 60.0, 4.0, start_beat=13.6))
    for pos, f in seq:
        clock.now += 1 / 60
        rec.step(f)
        if not rec.recording:
            rec.start()
        if abs(pos - 6.0) < 1e-6 or abs(pos - 14.3) < 1e-6:
            st.trigger("scene", 1 if pos < 10 else 0, source="midi")
    path = rec.save(tmp_path / "tempo.mid")
    assert rec.origin == 4.0  # the bar line before the start
    pf = PerformanceFile(path)
    assert pf.origin == 4.0 and pf.bpm == pytest.approx(120.0)
    assert [(b, round(t, 2)) for b, t in pf.tempo] == [(0.0, 120.0), (pytest.approx(13.6 - 4.0), 126.0)]
    assert [(round(e.beat, 4), e.name, e.value) for e in pf.events] == [(2.0, "scene", 1), (10.3, "scene", 0)]


def test_replay_at_another_tempo_fires_at_the_same_beats(tmp_path):
    rec, path = record(tmp_path, snapshot=True)
    n_snap = 2 + len(PARAMS)  # pack, scene and every parameter at tick 0
    assert [e.source for e in rec.events[:n_snap]] == ["snapshot"] * n_snap
    recorded = [(round(e.beat, 4), e.kind, e.name) for e in rec.events[n_snap:]]

    state = make_state()
    player = PerformancePlayer(path, state)
    fps, bpm = 50.0, 90.0  # a different frame rate and tempo: 0.03 beats a frame
    step = bpm / 60.0 / fps
    for _pos, f in frames(bpm, fps, 12.0):
        player.step(f)
    assert player.done
    assert all(pos == 0.0 for pos, _ in player.fired[:n_snap])
    fired = player.fired[n_snap:]
    # every event fires on the first frame at or after its beat
    assert [(round(e.beat, 4), e.kind, e.name) for _, e in fired] == recorded
    for pos, e in fired:
        assert e.beat - 1e-6 <= pos < e.beat + step, (pos, e)
    # and what it does, in order: actions as they were, params as param actions (after a pack switch)
    acts = [(a.name, a.value, a.source) for a in state.drain_actions()]
    snap = [a for a in acts if a[0] in ("pack", "scene")][:2]
    assert snap == [("pack", "ikeda", "replay"), ("scene", 0, "replay")]
    live = acts[n_snap:]
    assert [(n, v if n != "param" else (v[0], round(v[1], 3))) for n, v, _ in live] == [
        ("param", ("master.strobe", 0.25)), ("scene", 2), ("param", ("fx.feedback.amount", -1.0)),
        ("pack", "kusama"), ("blackout", None), ("param", ("master.strobe", 1.0)),
        ("transition", ("crossfade", 4.0))]
    assert {s for _, _, s in acts} == {"replay"}


def test_replay_align_start_and_rewind(tmp_path):
    _, path = record(tmp_path)
    state = make_state()
    player = PerformancePlayer(path, state, align="start")
    got = []
    for pos, f in frames(120.0, 60.0, 6.0, start_beat=101.3):  # starts mid-bar: tick 0 is bar line 100
        for e in player.step(f):
            got.append((round(pos, 4), e.name))
    assert got[:2] == [(101.3, "master.strobe"), (102.5, "scene")]  # beat 1.0 is already behind at 101.3
    assert player.status()["played"] == 6
    # the music jumps back: the replay follows
    for _pos, f in frames(120.0, 60.0, 1.0, start_beat=100.0):
        player.step(f)
    assert player.status()["played"] == 1


def test_a_daw_edited_file_still_replays(tmp_path):
    """Markers that are not actions are skipped; an MSB with no LSB is a coarse value."""
    _, path = record(tmp_path)
    mf = mido.MidiFile(str(path))
    names = sorted(p.name for p in PARAMS)
    track = mf.tracks[0]
    track.insert(len(track) - 1, mido.MetaMessage("marker", text="Verse 2", time=0))
    track.insert(len(track) - 1, mido.Message("control_change", channel=0,
                                              control=MSB_CCS[names.index("latent.speed")], value=127, time=480))
    mf.save(str(tmp_path / "edited.mid"))
    pf = PerformanceFile(tmp_path / "edited.mid")
    assert pf.events[-1].name == "latent.speed" and pf.events[-1].value == pytest.approx(4.0)
    assert "Verse" not in [e.name for e in pf.events]


def test_markers_round_trip():
    for name, value in [("scene", 2), ("pack", "kusama"), ("blackout", None), ("transition", ("cut", 0.0)),
                        ("my action", {"a": [1, 2]}), ("cue.next", None)]:
        text = format_marker(name, value, {"source": "x"})
        n, v, extra = parse_marker(text)
        assert (n, v, extra) == (name, value, {"source": "x"}), text
    assert format_marker("pack", "kusama") == 'vj:pack "kusama"'
    with pytest.raises(ValueError):
        parse_marker("Verse 2")


def test_records_surfaces_on_other_threads_but_not_cue_controls_or_replays():
    st = make_state()
    rec = PerformanceRecorder(st, 120.0, snapshot=False)
    rec.step(Features(t=0.0, bpm=120.0, beat_count=4))
    rec.start()

    def midi_thread():
        for i in range(50):
            st.set("latent.speed", i / 50 * 4.0, source="midi")

    th = threading.Thread(target=midi_thread)
    th.start()
    st.trigger("cue.next", source="midi")  # the cue list's own actions are what gets recorded
    st.trigger("scene", 1, source="cues")
    st.trigger("scene", 2, source="replay")
    th.join()
    names = [(e.name, e.source) for e in rec.events]
    assert names.count(("latent.speed", "midi")) == 50  # every move (none repeats the value before it)
    assert ("scene", "cues") in names and ("cue.next", "midi") not in names and ("scene", "replay") not in names
