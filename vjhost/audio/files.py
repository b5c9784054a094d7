"""Read audio files (wav, flac, ogg, mp3, anything FFmpeg decodes) with PyAV.

Called from the main thread when a show or an offline render starts; reading
a whole file into memory is fine for tracks of a few minutes (a 5-minute
stereo track at 48 kHz is ~110 MB as float32).

Every problem is one :class:`AudioFileError` naming the file and what is wrong
with it: missing, a folder, empty (0 bytes), text rather than audio, no audio
stream, undecodable.  Files with more than two channels (5.1, 7.1, ...) are
downmixed to stereo by FFmpeg's standard matrix, and any sample rate is
resampled to the one asked for, so a 6-channel 96 kHz master plays like any
other track.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["AudioFileError", "read_audio", "audio_duration"]


class AudioFileError(Exception):
    """A file could not be read as audio; the message names the file and the problem."""


def _open(path: str | Path):
    import av

    p = Path(path)
    if not p.exists():
        raise AudioFileError(f"{p}: no such file")
    if p.is_dir():
        raise AudioFileError(f"{p}: is a directory, not an audio file")
    try:
        size = p.stat().st_size
    except OSError as e:
        raise AudioFileError(f"{p}: cannot read ({_reason(e)})") from e
    if size == 0:
        raise AudioFileError(f"{p}: empty file (0 bytes), not audio")
    try:
        container = av.open(str(p), mode="r")
    except (av.FFmpegError, OSError, ValueError) as e:
        raise _not_audio(p, f"cannot open as audio ({_reason(e)})") from e
    if not container.streams.audio:
        container.close()
        raise _not_audio(p, "no audio stream in the file")
    return container


def _not_audio(p: Path, problem: str) -> AudioFileError:
    """The error for a file FFmpeg could not use: named as text when it is text, else ``problem``."""
    text = _text_head(p)
    if text is not None:
        return AudioFileError(f"{p}: is a text file, not audio (it starts {text!r})")
    return AudioFileError(f"{p}: {problem}")


def _text_head(p: Path, n: int = 512) -> str | None:
    """The start of the file if it reads as text (UTF-8, no control bytes but whitespace), else None."""
    try:
        with p.open("rb") as f:
            head = f.read(n)
        text = head.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text or any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        return None
    first = text.strip().splitlines()[0] if text.strip() else text
    return first[:40] + ("..." if len(first) > 40 else "")


def _reason(e: BaseException) -> str:
    msg = getattr(e, "strerror", None) or str(e)
    return msg.split(": '")[0] if msg else type(e).__name__


def read_audio(path: str | Path, sr: int | None = None, mono: bool = False) -> tuple[np.ndarray, int]:
    """Decode the first audio stream of ``path``.

    Returns ``(audio, sample_rate)`` with ``audio`` float32 ``(n, channels)``, one or two
    channels (more are downmixed to stereo; ``(n, 1)`` when ``mono``: the channels' average).  ``sr`` resamples
    (FFmpeg's resampler); ``None`` keeps the file's own rate.  Raises
    :class:`AudioFileError` for a missing file, a file without audio and data
    that doesn't decode.
    """
    import av

    p = Path(path)
    container = _open(p)
    try:
        stream = container.streams.audio[0]
        rate = int(sr) if sr else int(stream.codec_context.sample_rate or stream.rate or 0)
        if rate <= 0:
            raise AudioFileError(f"{p}: the audio stream has no sample rate")
        chunks: list[np.ndarray] = []
        resampler = None
        n_ch = 0
        try:
            for frame in container.decode(stream):
                if resampler is None:
                    n_ch = len(frame.layout.channels)
                    layout = frame.layout.name
                    if n_ch > 2:  # 5.1, 7.1 ...: FFmpeg's standard downmix
                        layout, n_ch = "stereo", 2
                    resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1, n_ch))
            if resampler is not None:
                for out in resampler.resample(None):
                    chunks.append(out.to_ndarray().reshape(-1, n_ch))
        except av.FFmpegError as e:
            raise _not_audio(p, f"undecodable audio data ({_reason(e)})") from e
    finally:
        container.close()
    if not chunks or sum(len(c) for c in chunks) == 0:
        raise _not_audio(p, "no audio could be decoded (no samples in the stream)")
    audio = np.concatenate(chunks).astype(np.float32, copy=False)
    if mono and audio.shape[1] != 1:
        audio = audio.mean(axis=1, keepdims=True, dtype=np.float32)
    return np.ascontiguousarray(audio), rate


def audio_format(path: str | Path) -> tuple[int, int]:
    """The file's own sample rate and channel count (of its first audio stream), from the container."""
    p = Path(path)
    container = _open(p)
    try:
        cc = container.streams.audio[0].codec_context
        return int(cc.sample_rate or 0), int(getattr(cc, "channels", 0) or len(cc.layout.channels))
    finally:
        container.close()


def audio_duration(path: str | Path) -> float:
    """Length of the first audio stream in seconds (from the container, else by decoding)."""
    p = Path(path)
    container = _open(p)
    try:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000.0  # AV_TIME_BASE
    finally:
        container.close()
    audio, rate = read_audio(p)
    return len(audio) / rate
