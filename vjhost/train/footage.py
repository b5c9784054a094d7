"""Train on your own footage: a folder of images and video clips as a pack's dataset.

    ds = FootageDataset("~/footage", size=128, channels=3, fps=4)
    images, labels = ds.generate(32, 128, seed=7)   # uint8 (32, 3, 128, 128), motif index of each
    ds.motifs    # ("beach", "city", ...): one scene anchor each
    ds.recipe    # what went in (files, sizes, frame counts, settings): stored with the weights, TRAINING.json

The folder is scanned recursively for images (png, jpg/jpeg, webp, bmp, tif/tiff)
and video clips (mp4, mov, mkv, webm, avi, m4v); hidden files and folders are
skipped.  Everything is decoded with PyAV: a clip is sampled at ``fps`` frames per
second of footage (at most ``max_frames_per_clip``; a longer clip is sampled more
sparsely so the frames still span all of it), an image gives one frame.  Each
frame is turned upright (the clip's rotation metadata), scaled with swscale's area
filter so its short side is ``cache_side = ceil(size / zoom_min)`` and centre-cropped
to a square, RGB or grey per ``channels``.

**Motifs.** Each top-level entry of the folder is one motif (one scene of the pack):
a subfolder with everything under it, or a file lying directly in the folder.  So a
folder of subfolders gives a motif per subfolder, a flat folder a motif per file.

**Sampling** (:meth:`FootageDataset.generate`), deterministic for a seed: a motif
uniformly at random (every scene is learnt equally, however long its clips), a
frame of it uniformly, then a random crop-zoom (a square of ``zoom_min..1`` of the
frame's side at a random place, resized to ``size``) and a horizontal flip half the
time.  The label is the motif's index.

**Cache.** The decoded frames are stored as ``frames.npy`` (uint8, ``(N, C, S, S)``)
with an ``index.json`` under ``<data dir>/footage-cache/<key>/`` (the data dir is
``$VJHOST_DATA`` or ``~/.local/share/vjhost``), ``key`` a hash of every file's path,
size and modification time and of the settings; a second run with the same footage
and settings decodes nothing.  Delete the folder to free the space.

**Problems** are :class:`FootageError` (a ``ValueError``) naming the folder or
file: the folder missing, no images or clips in it, none of them decodable.  A
file that can't be decoded is skipped with a warning naming it (``ds.skipped``).

Training-side only: the live show never imports this module.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["IMAGE_EXTS", "VIDEO_EXTS", "FootageDataset", "FootageError", "footage_from_training", "scan"]

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
VIDEO_EXTS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
DEFAULT_FPS = 4.0
DEFAULT_MAX_FRAMES = 600
CACHE_FORMAT = "vjhost-footage/1"


class FootageError(ValueError):
    """The footage folder is missing, empty, or nothing in it decodes."""


@dataclass(frozen=True)
class FootageFile:
    path: Path  #: absolute
    rel: str  #: relative to the folder, POSIX separators
    kind: str  #: "image" or "video"
    bytes: int
    mtime_ns: int
    group: str  #: the motif key (a top-level subfolder or a top-level file)


def scan(folder: Path | str) -> list[FootageFile]:
    """Every image and clip under ``folder`` (recursively, hidden entries skipped), sorted by path."""
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise FootageError(f"{folder}: footage folder not found")
    if not folder.is_dir():
        raise FootageError(f"{folder}: not a folder (point at a folder of images and video clips)")
    out = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        ext = p.suffix.lower()
        kind = "image" if ext in IMAGE_EXTS else "video" if ext in VIDEO_EXTS else None
        if kind is None:
            continue
        st = p.stat()
        group = rel.parts[0] + "/" if len(rel.parts) > 1 else rel.as_posix()
        out.append(FootageFile(p.resolve(), rel.as_posix(), kind, st.st_size, st.st_mtime_ns, group))
    out.sort(key=lambda f: f.rel.split("/"))  # by path components: a folder's files stay together
    if not out:
        raise FootageError(
            f"{folder}: no images or video clips found (looked recursively for "
            f"{', '.join(e[1:] for e in IMAGE_EXTS + VIDEO_EXTS)})")
    return out


def _motif_names(groups: list[str]) -> list[str]:
    """Group keys -> readable, unique motif names: the subfolder's name or the file's stem."""
    names: list[str] = []
    for g in groups:
        base = g[:-1] if g.endswith("/") else Path(g).stem
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


# ----------------------------------------------------------------------------- decoding


def _upright(arr: np.ndarray, rotation: float) -> np.ndarray:
    """Apply a display-matrix rotation (degrees counter-clockwise, FFmpeg's convention) to an (H, W, ...) array."""
    k = round(rotation / 90.0) % 4
    return np.rot90(arr, k) if k else arr


def _square(frame, side: int, channels: int) -> np.ndarray:
    """A decoded ``av.VideoFrame`` -> uint8 ``(C, side, side)``: short side scaled to ``side`` (area filter),
    centre crop."""
    rotation = getattr(frame, "rotation", 0) or 0
    scale = side / min(frame.width, frame.height)
    sw, sh = max(side, round(frame.width * scale)), max(side, round(frame.height * scale))
    fmt = "gray" if channels == 1 else "rgb24"
    arr = frame.reformat(width=sw, height=sh, format=fmt, interpolation="AREA").to_ndarray()
    arr = _upright(arr, rotation)
    y0, x0 = (arr.shape[0] - side) // 2, (arr.shape[1] - side) // 2
    arr = arr[y0 : y0 + side, x0 : x0 + side]
    arr = arr[None] if arr.ndim == 2 else np.moveaxis(arr, -1, 0)
    return np.ascontiguousarray(arr, dtype=np.uint8)


def _decode_image(path: Path, side: int, channels: int) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            return [_square(frame, side, channels)]
    raise ValueError("no picture in the file")


def _decode_video(path: Path, side: int, channels: int, fps: float, cap: int) -> tuple[list[np.ndarray], float | None]:
    """Frames at ``fps`` per second of footage (fewer when the clip is long: at most ``cap``, spread over it)."""
    import av

    out: list[np.ndarray] = []
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError("no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        duration = None
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        rate = fps if not duration or duration * fps <= cap else cap / duration
        step = 1.0 / rate
        avg = float(stream.average_rate) if stream.average_rate else 25.0
        t0, next_t = None, 0.0
        for i, frame in enumerate(container.decode(stream)):
            t = frame.time if frame.time is not None else i / avg
            t0 = t if t0 is None else t0
            t -= t0
            if t + 1e-3 < next_t:
                continue
            out.append(_square(frame, side, channels))
            next_t = (math.floor(t / step + 1e-6) + 1) * step
            if len(out) >= cap:
                break
    if not out:
        raise ValueError("no decodable frames")
    return out, duration


# ----------------------------------------------------------------------------- the dataset


def _resize(img: np.ndarray, out: int) -> np.ndarray:
    """Bilinear resize of a uint8 ``(C, h, w)`` crop to ``(C, out, out)`` (a no-op at the same size)."""
    _, h, w = img.shape
    if h == out and w == out:
        return img

    def axis(n: int):
        s = np.clip((np.arange(out) + 0.5) * n / out - 0.5, 0, n - 1)
        i0 = np.floor(s).astype(np.intp)
        return i0, np.minimum(i0 + 1, n - 1), (s - i0).astype(np.float32)

    y0, y1, wy = axis(h)
    x0, x1, wx = axis(w)
    f = img.astype(np.float32)
    rows = f[:, y0] * (1 - wy)[:, None] + f[:, y1] * wy[:, None]
    res = rows[:, :, x0] * (1 - wx) + rows[:, :, x1] * wx
    return np.clip(res + 0.5, 0, 255).astype(np.uint8)


class FootageDataset:
    """A folder of images and clips as a ``generate(n, size, seed)`` dataset (see the module doc).

    :param folder: the footage folder (``~`` expanded)
    :param size: the training size (the decoder's ``size``)
    :param channels: 3 (RGB) or 1 (grey)
    :param fps: frames sampled per second of video
    :param max_frames_per_clip: at most this many frames from one clip (spread over all of it)
    :param zoom: the range of the random crop-zoom, as a fraction of the frame's side
    :param flip: mirror half the samples horizontally
    :param cache: read and write the decoded-frame cache
    :param cache_dir: where the cache lives (default ``<data dir>/footage-cache``)
    :param quiet: no progress lines (warnings about skipped files are always printed)
    """

    def __init__(
        self,
        folder: Path | str,
        size: int = 128,
        channels: int = 3,
        fps: float = DEFAULT_FPS,
        *,
        max_frames_per_clip: int = DEFAULT_MAX_FRAMES,
        zoom: tuple[float, float] = (0.8, 1.0),
        flip: bool = True,
        cache: bool = True,
        cache_dir: Path | str | None = None,
        quiet: bool = False,
    ) -> None:
        if channels not in (1, 3):
            raise FootageError(f"channels must be 1 or 3, got {channels}")
        if not (isinstance(fps, (int, float)) and fps > 0):
            raise FootageError(f"fps must be a number > 0, got {fps!r}")
        if not (0 < zoom[0] <= zoom[1] <= 1):
            raise FootageError(f"zoom must satisfy 0 < min <= max <= 1, got {zoom!r}")
        if int(size) < 4 or int(max_frames_per_clip) < 1:
            raise FootageError(f"size must be >= 4 and max_frames_per_clip >= 1, got {size}, {max_frames_per_clip}")
        folder = Path(folder).expanduser()
        self.folder = folder.resolve() if folder.exists() else folder
        self.size, self.channels, self.fps = int(size), int(channels), float(fps)
        self.max_frames_per_clip = int(max_frames_per_clip)
        self.zoom = (float(zoom[0]), float(zoom[1]))
        self.flip = bool(flip)
        self.quiet = quiet
        self.cache_side = math.ceil(self.size / self.zoom[0] - 1e-9)
        files = scan(self.folder)
        self.key = self._key(files)
        if cache_dir is None:
            from .tracking import data_dir

            cache_dir = data_dir() / "footage-cache"
        self.cache_path: Path | None = Path(cache_dir) / self.key if cache else None
        self.from_cache = False
        loaded = self._load_cache() if cache else None
        if loaded is None:
            frames, index = self._decode(files)
            if cache:
                self._save_cache(frames, index)
        else:
            frames, index = loaded
            self.from_cache = True
            for s in index["skipped"]:
                self._warn(s["path"], s["error"])
        self.frames: np.ndarray = frames  #: uint8 (N, C, S, S), S = cache_side
        self.index: dict[str, Any] = index
        self.skipped: list[tuple[str, str]] = [(s["path"], s["error"]) for s in index["skipped"]]
        self.motifs: tuple[str, ...] = tuple(index["motifs"])
        self.labels = np.concatenate([np.full(f["frames"], f["label"], np.int64) for f in index["files"]])
        counts = np.bincount(self.labels, minlength=len(self.motifs))
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self._counts = counts.astype(np.int64)

    # -- building
    def _key(self, files: list[FootageFile]) -> str:
        desc = {"format": CACHE_FORMAT, "side": self.cache_side, "channels": self.channels, "fps": self.fps,
                "max_frames_per_clip": self.max_frames_per_clip,
                "files": [[str(f.path), f.bytes, f.mtime_ns] for f in files]}
        return hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:24]

    def _warn(self, rel: str, error: str) -> None:
        print(f"vjhost: footage: skipping {self.folder / rel}: {error}", file=sys.stderr)

    def _decode(self, files: list[FootageFile]) -> tuple[np.ndarray, dict[str, Any]]:
        per_file: list[tuple[FootageFile, list[np.ndarray], float | None]] = []
        skipped = []
        for i, f in enumerate(files):
            try:
                if f.kind == "image":
                    frames, seconds = _decode_image(f.path, self.cache_side, self.channels), None
                else:
                    frames, seconds = _decode_video(f.path, self.cache_side, self.channels, self.fps,
                                                    self.max_frames_per_clip)
            except Exception as exc:  # noqa: BLE001 -- av.error.*, and whatever else an odd file throws
                reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                msg = f"cannot decode it ({reason})".replace("\n", " ")
                skipped.append({"path": f.rel, "error": msg})
                self._warn(f.rel, msg)
                continue
            per_file.append((f, frames, seconds))
            if not self.quiet:
                print(f"footage [{i + 1}/{len(files)}] {f.rel}: {len(frames)} frame(s)", flush=True)
        if not per_file:
            names = "; ".join(f"{s['path']} ({s['error']})" for s in skipped[:5])
            more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            raise FootageError(f"{self.folder}: none of the {len(files)} image/clip file(s) could be decoded: "
                               f"{names}{more}")
        groups: list[str] = []
        for f, _, _ in per_file:
            if f.group not in groups:
                groups.append(f.group)
        motifs = _motif_names(groups)
        index = {
            "format": CACHE_FORMAT,
            "motifs": motifs,
            "groups": groups,
            "skipped": skipped,
            "files": [],
        }
        ordered = sorted(per_file, key=lambda t: (groups.index(t[0].group), t[0].rel.split("/")))
        for f, frames, seconds in ordered:
            row = {"path": f.rel, "kind": f.kind, "bytes": f.bytes, "frames": len(frames),
                   "label": groups.index(f.group), "motif": motifs[groups.index(f.group)]}
            if seconds is not None:
                row["seconds"] = round(seconds, 3)
            index["files"].append(row)
        arr = np.stack([fr for _, frames, _ in ordered for fr in frames])
        return arr, index

    def _load_cache(self) -> tuple[np.ndarray, dict[str, Any]] | None:
        assert self.cache_path is not None
        idx, npy = self.cache_path / "index.json", self.cache_path / "frames.npy"
        if not (idx.is_file() and npy.is_file()):
            return None
        try:
            index = json.loads(idx.read_text())
            frames = np.load(npy, mmap_mode="r")
        except (OSError, ValueError) as exc:
            print(f"vjhost: footage: ignoring a broken cache at {self.cache_path} ({exc})", file=sys.stderr)
            return None
        n = sum(f["frames"] for f in index.get("files", []))
        if (index.get("format") != CACHE_FORMAT or frames.dtype != np.uint8
                or frames.shape != (n, self.channels, self.cache_side, self.cache_side)):
            return None
        if not self.quiet:
            print(f"footage: {n} frames from the cache {self.cache_path}", flush=True)
        return frames, index

    def _save_cache(self, frames: np.ndarray, index: dict[str, Any]) -> None:
        assert self.cache_path is not None
        try:
            self.cache_path.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path / f"frames.{os.getpid()}.tmp.npy"
            np.save(tmp, frames)
            os.replace(tmp, self.cache_path / "frames.npy")
            tmp = self.cache_path / f"index.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(index, indent=1) + "\n")
            os.replace(tmp, self.cache_path / "index.json")  # written last: its presence means the cache is whole
        except OSError as exc:
            print(f"vjhost: footage: cannot write the cache at {self.cache_path} ({exc}); "
                  "the next run will decode again", file=sys.stderr)

    # -- the dataset
    def generate(self, n: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` augmented frames, uint8 ``(n, C, size, size)``, and their motif indices (int64)."""
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, len(self.motifs), n)
        idx = self._starts[labels] + (rng.random(n) * self._counts[labels]).astype(np.int64)
        scale = rng.uniform(self.zoom[0], self.zoom[1], n)
        ox, oy = rng.random(n), rng.random(n)
        flips = rng.random(n) < 0.5 if self.flip else np.zeros(n, bool)
        s_full = self.cache_side
        out = np.empty((n, self.channels, size, size), np.uint8)
        for i in range(n):
            side = min(s_full, max(1, round(scale[i] * s_full)))
            x0, y0 = int(ox[i] * (s_full - side + 1)), int(oy[i] * (s_full - side + 1))
            crop = np.asarray(self.frames[idx[i], :, y0 : y0 + side, x0 : x0 + side])
            if flips[i]:
                crop = crop[:, :, ::-1]
            out[i] = _resize(crop, size)
        return out, labels.astype(np.int64)

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def recipe(self) -> dict[str, Any]:
        """What went in and how it is drawn: stored with the weights and in ``TRAINING.json``."""
        files = self.index["files"]
        colour = "RGB" if self.channels == 3 else "grey"
        n_img = sum(1 for f in files if f["kind"] == "image")
        return {
            "generator": "vjhost.train.footage.FootageDataset",
            "source": "footage",
            "folder": str(self.folder),
            "files": files,
            "skipped": self.index["skipped"],
            "frames": len(self.frames),
            "motifs": list(self.motifs),
            "fps": self.fps,
            "max_frames_per_clip": self.max_frames_per_clip,
            "size": self.size,
            "channels": self.channels,
            "colour": colour,
            "crop": f"upright, short side scaled to {self.cache_side} (area filter), centre square",
            "augmentation": {"crop_zoom": list(self.zoom), "hflip": self.flip, "resize": "bilinear"},
            "sampling": "a motif uniformly, then one of its frames uniformly; numpy default_rng(seed) per batch",
            "cache_key": self.key,
            "card": (f"The pack author's own footage: {len(self.frames)} frames ({colour}) "
                     f"from {len(files) - n_img} video clip(s) sampled at {self.fps:g} fps "
                     f"(at most {self.max_frames_per_clip} per clip) and {n_img} image(s) in `{self.folder}`, "
                     f"one scene per motif ({', '.join(self.motifs)}). Each frame is centre-cropped to a square; "
                     f"every sample is a random crop-zoom ({self.zoom[0]:g}..{self.zoom[1]:g} of the side)"
                     f"{' and a horizontal flip half the time' if self.flip else ''}. The file list with sizes "
                     "and frame counts is in TRAINING.json (`dataset`)."),
            "limits": ("The decoder learns the footage's colours, textures and layouts, not its motion or its detail: "
                       "decodes are softer than the frames. The held-out PSNR is measured on fresh crops of the same "
                       "frames, not on unseen footage, so it says how well the model fits, not how it generalises."),
        }


def footage_from_training(training: dict[str, Any], manifest: Path | str, size: int, channels: int,
                          *, quiet: bool = False) -> FootageDataset:
    """The dataset a manifest's ``[training]`` table names with ``footage`` (relative to the manifest,
    or absolute, ``~`` expanded) and ``footage_fps`` (default 4)."""
    manifest = Path(manifest)
    folder = training["footage"]
    if not isinstance(folder, str) or not folder:
        raise FootageError(f"{manifest}: training.footage: expected a folder path, got {folder!r}")
    fps = training.get("footage_fps", DEFAULT_FPS)
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or fps <= 0:
        raise FootageError(f"{manifest}: training.footage_fps: expected a number > 0, got {fps!r}")
    path = Path(folder).expanduser()
    if not path.is_absolute():
        path = manifest.parent / path
    return FootageDataset(path, size=size, channels=channels, fps=float(fps), quiet=quiet)
