"""``vjhost shader check PATH... [--json]``: compile and render ISF / Shadertoy files headless, report each.

A path may be an ISF ``.fs`` file, a Shadertoy ``.glsl`` (with ``mainImage``)
or ``.json`` description, a Shadertoy folder (holding ``image.glsl``), or any
other folder, in which case every ``.fs`` under it is checked.  Each file is
parsed, compiled and drawn for a few frames with a test pattern as its image
inputs (filters get ``inputImage``, transitions ``startImage``/``endImage`` at
progress 0.5) and synthetic audio; it passes when nothing fails and GL reports
no error.  A failure's reason names ``file:line`` where the compiler said so.

Wire it into the CLI with :func:`add_parser`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np


def collect(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """(path, "isf" | "shadertoy") for every shader named or found under a folder."""
    out: list[tuple[Path, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            if (p / "image.glsl").is_file() or (p / "shadertoy.json").is_file():
                out.append((p, "shadertoy"))
            else:
                out += [(q, "isf") for q in sorted(p.rglob("*")) if q.suffix.lower() == ".fs" and q.is_file()]
        elif p.suffix.lower() in (".json", ".glsl"):
            out.append((p, "shadertoy"))
        else:
            out.append((p, "isf"))
    return out


def _pattern(size: tuple[int, int], phase: int) -> np.ndarray:
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 4), np.uint8)
    img[..., 0] = (x * 255 // max(1, w - 1)).astype(np.uint8)
    img[..., 1] = (y * 255 // max(1, h - 1)).astype(np.uint8)
    img[..., 2] = (((x // 8 + y // 8 + phase) % 2) * 255).astype(np.uint8)
    img[..., 3] = 255
    return img


def check_one(path: Path, kind: str, size: tuple[int, int] = (320, 180), frames: int = 3) -> dict[str, Any]:
    """Build and draw one shader (a GL context must be current).  Never raises."""
    from OpenGL import GL

    from .chain import _Target
    from .isf import AudioTextures, ISFEffect, _new_texture
    from .shaders import ShaderError

    res: dict[str, Any] = {"path": str(path), "format": kind, "kind": "", "ok": False, "reason": "", "params": [],
                           "frames": 0, "ms_per_frame": None}
    fx = None
    textures: list[int] = []
    try:
        if kind == "shadertoy":
            from .shadertoy import ShadertoyEffect

            fx = ShadertoyEffect(path)
        else:
            fx = ISFEffect(path)
        res["kind"] = fx.kind
        res["params"] = [p.name for p in fx.params]
        while GL.glGetError() != GL.GL_NO_ERROR:  # start clean
            pass
        fx.build()
        dst = _Target(*size)
        textures = [_new_texture(GL, size[0], size[1], False, _pattern(size, k)) for k in range(2)]
        inputs = {"inputImage": textures[0], "startImage": textures[0], "endImage": textures[1]}
        audio = AudioTextures()
        rng = np.random.default_rng(0)
        values = {"progress": 0.5}
        t0 = time.perf_counter()
        for i in range(frames):
            audio.update(waveform=np.sin(np.linspace(0, 20 * np.pi, 1024)) * 0.5, spectrum=rng.random(256) * 0.5)
            fx.draw(dst.fbo, size, values=values, inputs=inputs, time=i / 60.0, dt=1 / 60.0, audio=audio)
        GL.glFinish()
        res["ms_per_frame"] = round((time.perf_counter() - t0) * 1000.0 / max(1, frames), 2)
        res["frames"] = frames
        err = GL.glGetError()
        if err != GL.GL_NO_ERROR:
            res["reason"] = f"{path}: OpenGL error 0x{int(err):04x} while rendering"
        else:
            res["ok"], res["reason"] = True, (f"{fx.kind}, {len(fx.stages)} pass(es), "
                                              f"{res['ms_per_frame']} ms/frame at {size[0]}x{size[1]}")
        GL.glDeleteTextures([dst.tex])
        GL.glDeleteFramebuffers(1, [dst.fbo])
    except ShaderError as exc:
        res["reason"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a check reports, it does not crash
        res["reason"] = f"{path}: {type(exc).__name__}: {exc}"
    finally:
        if textures:
            GL.glDeleteTextures(textures)
        if fx is not None:
            try:
                fx.release()
            except Exception:  # noqa: BLE001
                pass
    return res


def check_paths(paths: Iterable[str | Path], size: tuple[int, int] = (320, 180), frames: int = 3) -> dict[str, Any]:
    """Check every shader under ``paths`` in a headless context (one is created if none is current)."""
    from .context import HeadlessContext

    found = collect(paths)
    results = []
    missing = [p for p, _ in found if not p.exists()]
    ctx = HeadlessContext()
    try:
        for p, kind in found:
            if p in missing:
                results.append({"path": str(p), "format": kind, "kind": "", "ok": False, "reason": f"{p}: not found",
                                "params": [], "frames": 0, "ms_per_frame": None})
            else:
                results.append(check_one(p, kind, size, frames))
    finally:
        ctx.close()
    return {"ok": bool(results) and all(r["ok"] for r in results), "results": results}


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 320x180, got {text!r}") from None
    if not (1 <= w <= 8192 and 1 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size {text!r} out of range")
    return w, h


def run(args: argparse.Namespace) -> int:
    report = check_paths(args.paths, size=args.size, frames=args.frames)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in report["results"]:
            print(f"{'ok  ' if r['ok'] else 'FAIL'} {r['path']}: " + r["reason"].replace("\n", "\n     "))
        n_bad = sum(not r["ok"] for r in report["results"])
        print(f"{len(report['results']) - n_bad} ok, {n_bad} failed" if report["results"] else "no shaders found")
    return 0 if report["ok"] else 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help=".fs files, Shadertoy .glsl/.json/folders, or folders of .fs files")
    p.add_argument("--json", action="store_true")
    p.add_argument("--size", type=_size, default=(320, 180), metavar="WxH")
    p.add_argument("--frames", type=int, default=3, help="frames to render per shader")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``shader check`` to the ``vjhost`` sub-commands; ``args.func(args)`` runs it and returns the exit status."""
    p = subparsers.add_parser("shader", help="shader tools (ISF, Shadertoy)")
    sub = p.add_subparsers(dest="shader_cmd", required=True)
    c = sub.add_parser("check", help="compile and render ISF/Shadertoy shaders headless; pass/fail per file")
    add_arguments(c)
    c.set_defaults(func=run)
    return p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="vjhost shader check")
    add_arguments(ap)
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
