"""Offline renders with the show's dynamics: a cue list and a recorded performance play on the frame clock."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vjhost.control.cues import parse_cues
from vjhost.engine import make_analyzers
from vjhost.faults import FaultLog
from vjhost.output.offline import render_offline

FPS = 30
SIZE = (160, 90)


def colourfulness(rgba: np.ndarray) -> float:
    c = rgba[..., :3].astype(np.float32)
    return float((c.max(-1) - c.min(-1)).mean())


@pytest.fixture(scope="module")
def timeline(host, demo_track):
    from vjhost.analysis.timeline import analyze_buffer

    mono = demo_track.audio.mean(axis=1).astype(np.float32)
    return analyze_buffer(mono, demo_track.sr, make_analyzers(host, FaultLog(stream=None)))


START = 3.0  #: the demo's tempo is locked by then (the analysis runs from the top of the track)


def downbeat_frames(timeline, n_frames: int) -> list[int]:
    """Frames whose beat position crossed a bar line since the frame before (from the analysis alone)."""
    out, last = [], None
    for i in range(n_frames):
        f = timeline.at(START + i / FPS)
        slot = int(math.floor(f.bar_phase * 4 + 1e-6)) % 4
        bar = (int(f.beat_count) - slot) // 4
        if last is not None and bar > last:
            out.append(i)
        last = bar
    return out


def colour_share(rgba: np.ndarray) -> float:
    """Share of the picture in a strong colour (ikeda's greys count nothing)."""
    c = rgba[..., :3].astype(np.int16)
    return float(((c.max(-1) - c.min(-1)) > 40).mean())


def render(host, demo_track, timeline, seconds, measure=colourfulness, **kw):
    seen: dict[int, float] = {}
    res = render_offline(host, "ikeda", demo_track.audio, demo_track.sr, None, size=SIZE, fps=FPS, duration=seconds,
                         start=START,
                         timeline=timeline, faults=FaultLog(stream=None),
                         on_frame=lambda i, rgba: seen.__setitem__(i, measure(rgba)), **kw)
    assert res.frames == int(seconds * FPS)
    return [seen[i] for i in range(res.frames)]


def test_a_cue_at_bar_n_switches_the_pack_in_the_rendered_frames_at_that_time(host, demo_track, timeline):
    cues = parse_cues("""
        schema_version = 1
        quantize = "bar"
        [[cues]]
        pack = "ikeda"
        bars = 2
        [[cues]]
        pack = "kusama"
        transition = "cut"
        bars = 8
    """)
    sat = render(host, demo_track, timeline, 9.0, cues=cues)
    bars = downbeat_frames(timeline, len(sat))
    switch = bars[2]  # cue 1 fires on the bar line that ends cue 0's two bars (cue 0 fired on the first)
    assert max(sat[:switch]) < 2.0  # ikeda: black and white
    assert sat[switch] > 20.0 and min(sat[switch:switch + 30]) > 20.0  # kusama's colours, from that frame on


def test_a_painterly_cue_paints_the_new_pack_in_over_the_beats(host, demo_track, timeline):
    cues = parse_cues("""
        schema_version = 1
        quantize = "bar"
        [[cues]]
        pack = "ikeda"
        bars = 1
        [[cues]]
        pack = "kusama"
        transition = "painterly"
        transition_beats = 4
        bars = 8
    """)
    share = render(host, demo_track, timeline, 9.0, cues=cues, measure=colour_share)
    bars = downbeat_frames(timeline, len(share))
    start = bars[1]
    beat = 60.0 / 128.0 * FPS  # frames per beat
    assert max(share[:start]) == 0.0  # ikeda until the bar line
    early, later = share[start + int(0.5 * beat)], share[start + int(2.5 * beat)]
    assert share[start] < 0.15 and 0.0 < early < later - 0.2  # stroke by stroke over the beats, not at once
    assert min(share[start + int(4.5 * beat):]) > 0.3  # kusama's colours all over once the four beats are done


def test_a_recorded_performance_replays_on_the_render(host, demo_track, timeline, tmp_path):
    """`vjhost run --record take.mid` while the track played, then `vjhost render --replay take.mid`."""
    from vjhost.control.record import PerformanceRecorder
    from vjhost.control.state import ControlState

    state = ControlState()
    state.pack, state.packs = "ikeda", sorted(host.packs.names())
    now = [0.0]
    rec = PerformanceRecorder(state, None, clock=lambda: now[0], snapshot=False)
    switch_t = 4.0
    for i in range(int(6 * FPS)):
        now[0] = i / FPS
        f = timeline.at(now[0])
        rec.step(f)
        if i == 0:
            rec.start()
        if i == int(switch_t * FPS):
            state.trigger("transition", ("cut", 0.0), source="keyboard")
            state.trigger("pack", "kusama", source="keyboard")
            switch_pos = float(f.beat_count) + float(f.beat_phase)
    take = rec.save(tmp_path / "take.mid")
    sat = render(host, demo_track, timeline, 3.0, replay=take)
    first = next(i for i, s in enumerate(sat) if s > 20.0)
    beat = 60.0 / 128.0 * FPS
    at = (switch_t - START) * FPS  # the render starts START seconds in
    assert at <= first <= at + beat + 1  # on the next beat, as it played
    f = timeline.at(START + first / FPS)
    pos = float(f.beat_count) + float(f.beat_phase)
    assert pos - switch_pos < 1.05


def test_render_cli_plays_a_cue_list_and_names_a_bad_one(tmp_path, demo_track, capsys):
    from vjhost.audio.demo import write_wav
    from vjhost.cli import main

    wav = tmp_path / "t.wav"
    write_wav(wav, demo_track.audio[: 48000 * 5], demo_track.sr)
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n[[cues]]\npack = \"kusama\"\nbars = 0\n")
    assert main(["render", "--audio", str(wav), "--out", str(tmp_path / "x.mp4"), "--cues", str(bad)]) == 1
    assert f"{bad}:" in capsys.readouterr().err and not (tmp_path / "x.mp4").exists()
    good = tmp_path / "set.toml"
    good.write_text('schema_version = 1\nquantize = "bar"\n[[cues]]\npack = "kusama"\ntransition = "cut"\nbars = 4\n')
    out = tmp_path / "set.mp4"
    assert main(["render", "--audio", str(wav), "--out", str(out), "--cues", str(good), "--size", "160x90",
                 "--fps", "30", "--duration", "4", "--quiet"]) == 0
    import av

    with av.open(str(out)) as c:
        frames = [fr.to_ndarray(format="rgb24") for fr in c.decode(c.streams.video[0])]
    assert len(frames) == 120
    assert colourfulness(frames[-1]) > 20.0  # kusama by the end: the cue played in the render
