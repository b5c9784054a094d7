"""Recording the live show: picture and input audio in sync, frames dropped from the recording (never the show),
never over an existing file; and the whole path in a real window (Xvfb) with the lighting desk listening."""

from __future__ import annotations

import shutil
import socket
import sys
import time

import numpy as np
import pytest
from test_live import png_pixels, run_live, xdisplay  # noqa: F401 - xdisplay is a fixture (a virtual X display)

from vjhost.atomic import OutputExists
from vjhost.output.record_video import FileAudio, LiveAudio, ShowRecorder
from vjhost.protocols import OutputFrame

SR = 48000


def _decode(path):
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = [(float(fr.pts * fr.time_base), fr.to_ndarray(format="rgb24")) for fr in c.decode(v)]
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        chunks = [(float(fr.pts * fr.time_base), fr.to_ndarray()) for fr in c.decode(a)]
    t0 = chunks[0][0]
    audio = np.concatenate([x for _, x in chunks], axis=1)
    return frames, t0, audio, a.rate


def test_picture_and_file_audio_stay_in_sync(tmp_path):
    """A white flash at show time 7.0 s and a click at 7.0 s in the file land together in the recording,
    though the recording started 5.5 s into the show and the show ran at an uneven frame rate."""
    audio = np.zeros((SR * 10, 2), np.float32)
    audio += np.random.default_rng(0).normal(0, 0.001, audio.shape).astype(np.float32)
    audio[SR * 7: SR * 7 + 480] = 0.9  # the click
    rec = ShowRecorder(tmp_path / "show.mp4", (64, 36), 30, audio=FileAudio(audio, SR))
    rgba = np.zeros((36, 64, 4), np.uint8)
    rng = np.random.default_rng(1)
    t = 5.5
    while t < 8.5:
        rgba[:] = 255 if 7.0 <= t < 7.2 else 0
        rec.send(OutputFrame(t=t, size=(64, 36), rgba=rgba))
        time.sleep(0.004)  # a show's pace (a tight loop outruns any encoder: see the next test)
        t += 1 / 30 * rng.choice([1, 1, 2])  # dropped show frames: held in the file, not sped up
    rec.close()
    assert rec.saved == tmp_path / "show.mp4" and not list(tmp_path.glob(".show*"))
    frames, a0, pcm, rate = _decode(rec.saved)
    flash = next(ts for ts, px in frames if px.mean() > 128)
    click = a0 + np.argmax(np.abs(pcm[0]) > 0.3) / rate
    assert flash == pytest.approx(1.5, abs=1 / 30 + 1e-6)  # 7.0 s of show time, 1.5 s into the file
    assert abs(flash - click) < 0.035, (flash, click)  # within about a frame (AAC's priming is trimmed)
    assert frames[-1][0] == pytest.approx(3.0 - 1 / 30, abs=0.07)
    assert "none dropped" in rec.summary()


def test_live_audio_is_taken_hop_by_hop_and_padded_while_the_input_is_lost():
    la = LiveAudio(SR)
    la.tap(np.ones(512, np.float32))  # before the recording: not kept
    la.start(10.0)
    for _ in range(10):
        la.tap(np.full(512, 0.5, np.float32))
    got = la.until(10.1)
    assert got.shape == (5120, 1) and np.all(got == 0.5)
    gap = la.until(11.0)  # nothing for 0.9 s: silence up to 0.2 s behind the picture
    assert gap is not None and np.all(gap == 0) and 5120 + len(gap) == int(0.8 * SR)


def test_a_busy_encoder_drops_frames_from_the_recording_not_the_show(tmp_path):
    rec = ShowRecorder(tmp_path / "busy.mp4", (640, 360), 60, pool=2, preset="medium")
    rgba = np.random.default_rng(0).integers(0, 255, (360, 640, 4), np.uint8)
    t0 = time.perf_counter()
    n = 120
    for i in range(n):
        rec.send(OutputFrame(t=i / 60, size=(640, 360), rgba=rgba))
    took = time.perf_counter() - t0
    rec.close()
    assert took < 1.0  # the show never waited for the encoder (copies only)
    assert rec.dropped > 0 and rec.written + rec.dropped == n
    assert f"{rec.dropped} dropped from the recording" in rec.summary()


def test_never_over_an_existing_file(tmp_path):
    path = tmp_path / "show.mp4"
    path.write_bytes(b"last night's show")
    with pytest.raises(OutputExists, match="--force"):
        ShowRecorder(path, (64, 36), 30)
    path.unlink()
    rec = ShowRecorder(path, (64, 36), 30)
    rec.send(OutputFrame(t=0.0, size=(64, 36), rgba=np.zeros((36, 64, 4), np.uint8)))
    path.write_bytes(b"appeared during the show")
    with pytest.raises(OutputExists, match="was not lost"):
        rec.close()
    assert path.read_bytes() == b"appeared during the show"
    assert rec.saved.exists() and rec.saved.name.startswith(".show")  # the recording is kept


def test_cli_refuses_before_the_show(tmp_path, capsys):
    from vjhost.cli import main

    path = tmp_path / "show.mp4"
    path.write_bytes(b"keep me")
    with pytest.raises(SystemExit):
        main(["run", "--record-video", str(path), "--seconds", "1"])
    assert "exists; pass --force" in capsys.readouterr().err and path.read_bytes() == b"keep me"
    with pytest.raises(SystemExit):
        main(["run", "--record-video", str(tmp_path / "show.avi"), "--seconds", "1"])


# --------------------------------------------------------------------------- in a real window


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (apt-get install xvfb)")
def test_live_show_records_what_the_audience_saw_and_lights_the_desk(xdisplay, tmp_path, demo_track):  # noqa: F811
    from vjhost.audio.demo import write_wav

    wav = tmp_path / "demo.wav"
    write_wav(wav, demo_track.audio[: SR * 8], demo_track.sr)
    desk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    desk.bind(("127.0.0.1", 0))
    desk.settimeout(0.1)
    rig = tmp_path / "rig.toml"
    rig.write_text(f'schema_version = 1\n[artnet]\nport = {desk.getsockname()[1]}\n'
                   '[[artnet.channels]]\nchannel = 1\nvalue = "beat"\n')
    video = tmp_path / "show.mp4"
    r, shot = run_live(xdisplay, tmp_path, "--audio", str(wav), "--record-video", str(video),
                       "--output", f"lights={rig}", "--output", "spout")
    assert r.returncode == 0, r.stderr
    assert "output spout is not available" in r.stderr or sys.platform == "win32"
    assert "recorded " in r.stdout and video.exists()
    frames, a0, pcm, rate = _decode(video)
    assert len(frames) > 30 and pcm.shape[1] / rate > 1.5
    last = frames[-1][1]
    seen = png_pixels(shot)
    assert last.shape == seen.shape
    assert np.abs(last.astype(int) - seen.astype(int)).mean() < 60  # the same picture (a frame or two apart)
    packets = 0
    while True:
        try:
            desk.recv(1024)
            packets += 1
        except socket.timeout:
            break
    assert packets > 10  # the desk got the beat while the show ran
    r2, _ = run_live(xdisplay, tmp_path, "--audio", str(wav), "--record-video", str(video))
    assert r2.returncode == 2 and "exists; pass --force" in r2.stderr
