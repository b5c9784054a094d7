"""``vjhost pack validate NAME``: prove a pack works before a show depends on it.

Checks, in order, and reports each: the manifest parses and names existing
files; the weights load without pickle and match the manifest's shape; the
decoder runs once (and how fast) and keeps up with the live show's 30 decodes
a second (decode budget); every shader compiles headless; the source pass
draws a non-blank picture from a decoded frame; the default chain holds the
frame budget at 1280x720 (:mod:`vjhost.render.budget`: at most 2.6x a bare
frame, at most 4 full-size passes, nothing made per frame); each controller
layout parses.  The latent controller is built from the manifest's settings and
stepped through a few seconds of beats.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .faults import FaultLog
from .plugins import Host
from .protocols import Features, SettingsError

if TYPE_CHECKING:  # pragma: no cover
    from .packs import Manifest


def controller_check(host: Host, m: Manifest, latent_dim: int, anchors: np.ndarray | None) -> tuple[bool, str]:
    """Build the pack's latent controller from its settings and step it through 4 s of beats: (ok, detail)."""
    from .analysis.live import InternalClock
    from .control.state import ControlState
    from .engine import make_controller
    from .packs import ManifestError

    try:
        ctl = make_controller(host, m, latent_dim, anchors)
        params = tuple(getattr(ctl, "PARAMS", ()))
        state = ControlState(params)
        state.scenes = list(m.scenes)
        ctl.reset(0)
        clock = InternalClock(120.0)
        for i in range(240):
            z = np.asarray(ctl.step(clock.features(i / 60.0), 1 / 60.0, state))
            if z.shape != (latent_dim,) or not np.isfinite(z).all():
                return False, f"{m.controller}: frame {i} gave shape {z.shape}" + (
                    "" if np.isfinite(z).all() else " with non-finite values")
        return True, f"{m.controller}: {len(params)} parameters, 240 frames stepped"
    except SettingsError as exc:  # found while stepping (e.g. a keyframe naming a scene the pack lacks)
        return False, str(m.error(f"controller.settings.{exc.key}", f"{m.controller}: {exc.problem}"))
    except ManifestError as exc:
        return False, str(exc)
    except Exception as exc:  # noqa: BLE001 - a plugin's failure is a failed check, named
        return False, f"{m.controller}: {type(exc).__name__}: {exc}"


LIVE_DECODE_HZ = 30.0  #: the live show's decode rate (vjhost run --decode-hz)


def validate_pack(host: Host, name: str, size: tuple[int, int] = (640, 360),
                  budget_seconds: float = 1.0) -> dict[str, Any]:
    checks: list[dict[str, Any]] = []

    def check(label: str, ok: bool, detail: str) -> bool:
        checks.append({"name": label, "ok": bool(ok), "detail": detail})
        return ok

    def done() -> dict[str, Any]:
        return {"pack": name, "ok": all(c["ok"] for c in checks), "checks": checks}

    from .packs import ManifestError, load_manifest

    try:
        spec = host.pack(name)
        m = load_manifest(spec, controllers=host.controllers.names())
    except (LookupError, ManifestError) as exc:
        check("manifest", False, str(exc.args[0] if exc.args else exc))
        return done()
    check("manifest", True, f"{m.path} (schema 1, {len(m.scenes)} scenes, chain {', '.join(m.chain)})")
    check("trained", not m.untrained,
          f"{m.weights.name} is an UNTRAINED placeholder (random weights from `vjhost pack new`): "
          f"run `vjhost train {m.root.parent}`" if m.untrained else f"{m.weights.name}: a trained decoder")

    from .decode.weights import WeightsError

    backend = host.decoders.get(m.decoder_backend)
    if not check("decoder backend", backend is not None, m.decoder_backend):
        return done()
    try:
        dec = backend.factory(m.decoder_file(None, m.decoder_backend), "auto")
    except (WeightsError, ManifestError) as exc:
        check("weights", False, str(exc))
        return done()
    shape_ok = dec.latent_dim == m.latent_dim and tuple(dec.size) == (m.size, m.size) and dec.channels == m.channels
    check("weights", shape_ok, f"{m.weights.name}: latent {dec.latent_dim}, {dec.size[1]}x{dec.size[0]}x{dec.channels}"
          + ("" if shape_ok else f" but the manifest says latent {m.latent_dim}, {m.size}x{m.size}x{m.channels}"))
    anchors = getattr(dec, "anchors", None)
    n_anchor = 0 if anchors is None else len(anchors)
    check("scene anchors", not m.scenes or n_anchor >= len(m.scenes),
          f"{n_anchor} anchors for {len(m.scenes)} scenes")
    check("controller", *controller_check(host, m, dec.latent_dim, anchors))
    z = np.random.default_rng(0).standard_normal((1, dec.latent_dim)).astype(np.float32)
    img = dec.decode(z)
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 1.0:
        dec.decode(z)
        n += 1
    fps = n / (time.perf_counter() - t0)
    check("decode", img.shape == (1, m.size, m.size, m.channels) and img.dtype == np.uint8,
          f"output {img.shape} {img.dtype}; {fps:.0f} frames/s at batch 1 on {dec.device}")
    check("decode budget", fps >= LIVE_DECODE_HZ,
          f"the live show decodes {LIVE_DECODE_HZ:g} times a second on its worker thread: "
          f"{100 * LIVE_DECODE_HZ / max(fps, 1e-9):.0f}% of one core at {fps:.0f} frames/s here"
          + ("" if fps >= LIVE_DECODE_HZ else " -- it cannot keep up (a smaller decoder, the student, or ONNX)"))
    # every other decoder file the pack ships: loads, same shape, same scene anchors, close to the teacher
    shipped = [("student", "torch", m.student)] + [(role, "onnx", f) for role, f in sorted(m.onnx.items())]
    for role, bname, f in shipped:
        if f is None or (role == m.variant and bname == m.decoder_backend):
            continue
        b = host.decoders.get(bname)
        if b is None:
            check(f"{role} ({bname})", False, f"{f.name}: decoder backend {bname!r} is not installed")
            continue
        try:
            other = b.factory(f, "auto")
            out = other.decode(z)
        except Exception as exc:  # noqa: BLE001 - report any loader failure against the file
            check(f"{role} ({bname})", False, f"{f.name}: {exc}")
            continue
        same = (out.shape == img.shape
                and list(getattr(other, "anchor_names", [])) == list(getattr(dec, "anchor_names", [])))
        diff = float(np.abs(out.astype(np.float32) - img.astype(np.float32)).mean()) / 255.0
        check(f"{role} ({bname})", same,
              f"{f.name}: output {out.shape}, mean |difference| to the {m.variant} {diff:.3f}"
              + ("" if same else " (shape or scene anchors differ)"))
    if m.eval_report is not None:
        import json

        try:
            rep = json.loads(m.eval_report.read_text())
            check("evaluation report", isinstance(rep, dict) and "speed" in rep, f"{m.eval_report.name}")
        except (OSError, ValueError) as exc:
            check("evaluation report", False, f"{m.eval_report}: {exc}")

    from .engine import Show
    from .render.context import GLUnavailable, HeadlessContext

    try:
        ctx = HeadlessContext()
    except GLUnavailable as exc:
        check("shaders", False, str(exc))
        return done()
    try:
        faults = FaultLog(stream=None)
        show = Show(host, name, size, faults=faults)
        for p in [show.renderer.source, *show.renderer.effects]:
            shader_faults = faults.faults.get(f"shader {p.name}")
            check(f"shader {p.name}", shader_faults is None and p.program != 0,
                  shader_faults.message if shader_faults else p.shader)
        show.renderer.upload_image(img[0])
        show.render(Features(), 1 / 60)
        rgba = show.renderer.read_rgba()
        std = float(rgba[..., :3].std())
        check("render", std > 1.0, f"source pass over a decoded frame: pixel std {std:.1f} (0 = blank)")
        from .render.budget import BUDGET_SIZE, measure

        show.renderer.close()
        bshow = Show(host, name, BUDGET_SIZE, faults=faults)
        b = measure(bshow, img[0], seconds=budget_seconds)
        bshow.renderer.close()
        check("frame budget", b.ok, b.detail())
    finally:
        ctx.close()

    from .control.layout import LayoutError, load_layout

    for key, path in m.layouts.items():
        try:
            layout = load_layout(path)
            check(f"layout {key}", True,
                  f"{path.name}: {len(getattr(layout, 'pads', []))} pads, {len(getattr(layout, 'faders', []))} faders")
        except LayoutError as exc:
            check(f"layout {key}", False, str(exc))
    return done()
