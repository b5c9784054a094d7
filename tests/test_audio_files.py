"""Reading audio files with PyAV: formats round-trip, resampling, and clear errors."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from vjhost.audio.demo import write_wav
from vjhost.audio.files import AudioFileError, audio_duration, read_audio

SR = 48000
FREQS = (440.0, 660.0)  # left, right
AMPS = (0.5, 0.3)


def _tone(seconds: float = 1.0, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return np.stack([a * np.sin(2 * np.pi * f * t) for f, a in zip(FREQS, AMPS)], axis=1).astype(np.float32)


def _encode(path: Path, codec: str, audio: np.ndarray, sr: int = SR) -> Path:
    """Write ``audio`` (n, 2) with PyAV through ``codec`` (container from the file extension)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=sr, layout="stereo")
        fmt = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout="stereo", rate=sr)
        for i in range(0, len(audio), 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[i : i + 1024]).reshape(1, -1),
                                               format="flt", layout="stereo")
            frame.sample_rate = sr
            for f in resampler.resample(frame):
                for packet in stream.encode(f):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _dominant_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[np.argmax(spec)])


def test_wav_and_flac_round_trip_exactly(tmp_path):
    x = _tone()
    write_wav(tmp_path / "t.wav", x, SR)
    _encode(tmp_path / "t.flac", "flac", x)
    for name in ("t.wav", "t.flac"):
        audio, sr = read_audio(tmp_path / name)
        assert sr == SR and audio.dtype == np.float32 and audio.shape == x.shape, name
        assert np.abs(audio - x).max() < 2.0 / 32767, name  # 16-bit quantisation only
        assert audio_duration(tmp_path / name) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("name,codec", [("t.ogg", "libopus"), ("t.mp3", "libmp3lame")])
def test_lossy_formats_round_trip(tmp_path, name, codec):
    x = _tone()
    path = _encode(tmp_path / name, codec, x)
    audio, sr = read_audio(path)
    assert sr == SR and audio.shape[1] == 2
    assert abs(len(audio) - len(x)) < 0.05 * SR  # codec priming/padding at most
    mid = audio[SR // 4 : 3 * SR // 4]
    for ch in range(2):
        assert _dominant_hz(mid[:, ch], sr) == pytest.approx(FREQS[ch], abs=3.0)
        rms = float(np.sqrt(np.mean(mid[:, ch] ** 2)))
        assert rms == pytest.approx(AMPS[ch] / np.sqrt(2), rel=0.1)
    assert audio_duration(path) == pytest.approx(1.0, abs=0.05)


def test_resample_and_mono(tmp_path):
    x = _tone(sr=44100)
    path = _encode(tmp_path / "t44.flac", "flac", x, sr=44100)
    audio, sr = read_audio(path, sr=48000)
    assert sr == 48000 and abs(len(audio) - 48000) <= 64
    assert _dominant_hz(audio[4800:43200, 0], sr) == pytest.approx(440.0, abs=3.0)
    native, native_sr = read_audio(path)
    assert native_sr == 44100 and len(native) == 44100
    mono, _ = read_audio(path, mono=True)
    assert mono.shape == (44100, 1)
    assert np.allclose(mono[:, 0], native.mean(axis=1), atol=1e-6)


def test_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "nope.wav"
    with pytest.raises(AudioFileError, match="nope.wav.*no such file"):
        read_audio(missing)
    with pytest.raises(AudioFileError, match="nope.wav"):
        audio_duration(missing)


def test_garbage_file_names_the_file(tmp_path):
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"this is not an mp3 " * 200)
    with pytest.raises(AudioFileError, match="junk.mp3"):
        read_audio(junk)


def test_truncated_file_is_an_error_or_decodes_what_is_there(tmp_path):
    path = _encode(tmp_path / "t.flac", "flac", _tone())
    cut = tmp_path / "cut.flac"
    cut.write_bytes(path.read_bytes()[:200])  # header only
    with pytest.raises(AudioFileError, match="cut.flac"):
        read_audio(cut)


def test_video_without_audio_is_rejected(tmp_path):
    path = tmp_path / "silent.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 40, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(AudioFileError, match="silent.mp4.*no audio stream"):
        read_audio(path)


def test_directory_is_rejected(tmp_path):
    with pytest.raises(AudioFileError, match="directory"):
        read_audio(tmp_path)
