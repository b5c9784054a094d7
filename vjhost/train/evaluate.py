"""Evaluate a pack's decoders: quality, student fidelity, speed, walk smoothness, style.

``evaluate_pack(host, name)`` (``vjhost pack eval NAME``) returns a report dict:

* ``recon``: reconstruction PSNR on held-out data.  The encoder is not shipped,
  so the training-time figure stored in the weights (``training.heldout_psnr_db``)
  is reported; in addition, when the pack's dataset generator is importable,
  held-out images are *inverted* through the teacher (Adam on ``z``, the
  encoder's job done by optimisation) and the PSNR of the teacher's and of the
  student's decode of those latents is measured: their difference is the
  student's PSNR loss against real data.
* ``student_vs_teacher``: PSNR of student decodes against teacher decodes over
  prior samples (and around the anchors), on the sigmoid outputs and after
  thresholding at 0.5.
* ``speed``: decode fps at batch 1 of teacher and student on the same backend
  (torch fp32 via ``TorchDecoder``) and their ratio, plus the best backend.
* ``bench``: fps per backend (torch fp32, torch bf16/fp16 where supported,
  onnxruntime) for teacher and student (:func:`bench_decoders`, ``vjhost pack bench``).
* ``smoothness``: mean absolute frame-to-frame pixel change (0..1) along random
  walks of small steps ``|dz| = 0.05 * sqrt(D)``, for random jumps between prior
  samples, and their ratio (small = smooth latent space).
* ``style``: a small CNN classifier trained on every installed pack's dataset;
  each decoder's prior decodes are scored by the probability of its own pack.
  With fewer than two packs: ``"n/a (one pack)"``.
* ``sharpness``: for teacher and student, prior decodes against the pack's
  own data (:mod:`vjhost.train.sharpness`): gradient-magnitude ratio,
  high-band power ratio and a classifier two-sample test, and how far the
  student's figures are from the teacher's.
* ``goals``: the targets (student >= 2x teacher speed, <= 1 dB PSNR loss,
  >= 150 fps with the best backend; sharpness: gradient ratio >= 0.8,
  high-band ratio >= 0.7, two-sample accuracy <= 0.75, the student's figures
  within 10 % of the teacher's) checked against the numbers.

The live show never imports this module.
"""

from __future__ import annotations

import importlib
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SMALL_STEP = 0.05  # |dz| = SMALL_STEP * sqrt(D)


# ---------------------------------------------------------------------------- helpers
def _psnr_from_mse(mse: float) -> float:
    return round(10.0 * math.log10(1.0 / max(mse, 1e-10)), 2)


def decode_fps(dec: Any, seconds: float = 1.0, rounds: int = 5, batch: int = 1) -> float:
    """Frames/s of ``dec.decode`` at ``batch`` (median of rounds, after a warm-up)."""
    z = np.random.default_rng(0).standard_normal((batch, dec.latent_dim)).astype(np.float32)
    for _ in range(5):
        dec.decode(z)
    per = max(seconds / rounds, 1e-3)
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < min(0.1, per):
        dec.decode(z)
        n += 1
    calls = max(1, int(n * per / max(time.perf_counter() - t0, 1e-9)))
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            dec.decode(z)
        times.append((time.perf_counter() - t0) / calls)
    return round(batch / statistics.median(times), 1)


def walk_smoothness(dec: Any, walks: int = 16, steps: int = 16,
                    step: float = SMALL_STEP, seed: int = 0) -> dict[str, float]:
    """Mean |frame-to-frame pixel change| (0..1) for small random-walk steps vs random jumps."""
    rng = np.random.default_rng(seed)
    d = dec.latent_dim
    z = rng.standard_normal((walks, d)).astype(np.float32)
    prev = dec.decode(z).astype(np.float32)
    small = []
    for _ in range(steps):
        u = rng.standard_normal((walks, d)).astype(np.float32)
        u *= (step * math.sqrt(d)) / np.linalg.norm(u, axis=1, keepdims=True)
        z = z + u
        cur = dec.decode(z).astype(np.float32)
        small.append(float(np.abs(cur - prev).mean()) / 255.0)
        prev = cur
    a = dec.decode(rng.standard_normal((walks * 4, d)).astype(np.float32)).astype(np.float32)
    b = dec.decode(rng.standard_normal((walks * 4, d)).astype(np.float32)).astype(np.float32)
    jump = float(np.abs(a - b).mean()) / 255.0
    s = float(np.mean(small))
    return {"small_step": round(s, 5), "jump": round(jump, 5), "ratio": round(s / max(jump, 1e-9), 4),
            "step_norm": round(step * math.sqrt(d), 3)}


def bf16_supported() -> bool:
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        return False


def bench_decoders(files: dict[str, Path], onnx: dict[str, Path] | None = None, seconds: float = 1.0,
                   device: str = "auto") -> list[dict[str, Any]]:
    """Decode fps at batch 1 per backend for each role (``{"teacher": path, "student": path}``).

    Backends: ``torch fp32`` (TorchDecoder), ``torch bf16`` (CPU with native bf16) or
    ``torch fp16`` (CUDA), ``onnxruntime`` (the given .onnx, else a temporary export).
    """
    import tempfile

    from vjhost_builtins.onnx_decoder import OnnxDecoder
    from vjhost_builtins.torch_decoder import TorchDecoder

    rows: list[dict[str, Any]] = []
    tmp = tempfile.TemporaryDirectory(prefix="vjhost-bench-")
    try:
        for role, path in files.items():
            if path is None:
                continue
            t = TorchDecoder(path, device, autocast=None)
            variants: list[tuple[str, Callable[[], Any]]] = [("torch fp32", lambda t=t: t)]
            if t.device.startswith("cuda"):
                variants.append(("torch fp16", lambda path=path: TorchDecoder(path, device, autocast="fp16")))
            elif bf16_supported():
                variants.append(("torch bf16", lambda path=path: TorchDecoder(path, device, autocast="bf16")))
            op = (onnx or {}).get(role)
            if op is None or not Path(op).is_file():
                from ..decode.onnx_export import export_onnx

                op = Path(tmp.name) / f"{role}.onnx"
                export_onnx(path, op)
            variants.append(("onnxruntime", lambda op=op: OnnxDecoder(op, device)))
            for backend, make in variants:
                dec = make()
                rows.append({"role": role, "backend": backend, "device": dec.device,
                             "fps": decode_fps(dec, seconds), "file": Path(getattr(dec, "weights_path", path)).name})
    finally:
        tmp.cleanup()
    return rows


# ---------------------------------------------------------------------------- recon PSNR by inversion
def inversion_psnr(teacher, student, generate: Callable, n: int = 32, steps: int = 60, seed: int = 2_000_003,
                   lr: float = 0.05) -> dict[str, Any]:
    """Fit latents to ``n`` held-out images through the teacher (BCE, Adam, prior penalty) and
    report the PSNR of teacher and student decodes of those latents against the images."""
    import torch
    import torch.nn.functional as F

    cfg = teacher.cfg
    x_np, _ = generate(n, cfg.size, seed)
    x = torch.from_numpy(x_np).float().div_(255.0)
    torch.manual_seed(seed)
    z = torch.zeros(n, cfg.latent_dim, requires_grad=True)
    opt = torch.optim.Adam([z], lr=lr)
    for p in teacher.parameters():
        p.requires_grad_(False)
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = F.binary_cross_entropy_with_logits(teacher(z), x, reduction="sum") / n + 0.5 * z.pow(2).sum() / n
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        t_img = torch.sigmoid(teacher(z))
        out = {"images": n, "steps": steps, "teacher_psnr_db": _psnr_from_mse(F.mse_loss(t_img, x).item())}
        if student is not None:
            s_img = torch.sigmoid(student(z))
            out["student_psnr_db"] = _psnr_from_mse(F.mse_loss(s_img, x).item())
            out["student_loss_db"] = round(out["teacher_psnr_db"] - out["student_psnr_db"], 2)
            tb, sb, xb = (t_img > 0.5).float(), (s_img > 0.5).float(), (x > 0.5).float()
            out["teacher_binary_psnr_db"] = _psnr_from_mse(F.mse_loss(tb, xb).item())
            out["student_binary_psnr_db"] = _psnr_from_mse(F.mse_loss(sb, xb).item())
            out["student_binary_loss_db"] = round(out["teacher_binary_psnr_db"] - out["student_binary_psnr_db"], 2)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


# ---------------------------------------------------------------------------- style classifier
def _to_rgb64(images: np.ndarray) -> Any:
    """uint8 (N, C, H, W) with C in (1, 3) -> float tensor (N, 3, 64, 64) in 0..1."""
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[-1] != 64:
        x = F.interpolate(x, size=(64, 64), mode="area" if x.shape[-1] > 64 else "bilinear")
    return x.contiguous()


def _soften(x: Any, gen: Any) -> Any:
    """Blur half the batch by a random down/up-sampling (8..48 px): the classifier must judge motif and palette,
    not how crisp an image is (a 64-d decoder is always softer than its dataset)."""
    import torch
    import torch.nn.functional as F

    n = x.shape[0] // 2
    if n == 0:
        return x
    side = int(torch.randint(8, 49, (1,), generator=gen))
    soft = F.interpolate(F.interpolate(x[:n], size=(side, side), mode="area"), size=x.shape[-2:], mode="bilinear",
                         align_corners=False)
    return torch.cat([soft, x[n:]])


def _classifier(n_classes: int):
    from torch import nn

    def block(i, o):
        return [nn.Conv2d(i, o, 3, stride=2, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]

    return nn.Sequential(*block(3, 16), *block(16, 32), *block(32, 48), *block(48, 64),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, n_classes))


def style_scores(packs: list[dict[str, Any]], steps: int = 300, batch: int = 64, samples: int = 64,
                 seed: int = 0) -> dict[str, Any] | str:
    """Train a CNN to tell the packs' datasets apart, then score each pack's decoders.

    ``packs``: ``[{"name", "generate", "size", "decoders": {"teacher": dec, ...}}]``
    (``generate(n, size, seed) -> (uint8 (n, C, H, W), labels)``; decoders implement
    ``decode``).  Score = mean probability of the decoder's own pack over ``samples``
    prior decodes; ``top1`` = how often that pack wins; ``predicted`` = the share of decodes each
    pack wins.  Half of every training batch is blurred (:func:`_soften`) so softness alone does not
    read as "another pack"; ``heldout_data_accuracy`` is on crisp held-out images,
    ``heldout_soft_accuracy`` on blurred ones.  ``"n/a (one pack)"`` below two packs.
    """
    if len(packs) < 2:
        return "n/a (one pack)" if len(packs) == 1 else "n/a (no packs)"
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    k = len(packs)
    net = _classifier(k)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    per = max(1, batch // k)
    t0 = time.perf_counter()
    net.train()
    for step in range(steps):
        xs, ys = [], []
        for i, p in enumerate(packs):
            x, _ = p["generate"](per, p["size"], seed * 100_003 + step * 31 + i)
            xs.append(_soften(_to_rgb64(x), gen))
            ys.append(torch.full((per,), i, dtype=torch.long))
        loss = F.cross_entropy(net(torch.cat(xs)), torch.cat(ys))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    net.eval()
    out: dict[str, Any] = {"classes": [p["name"] for p in packs], "train_steps": steps}
    with torch.no_grad():
        correct = soft_correct = total = 0
        for i, p in enumerate(packs):
            x, _ = p["generate"](samples, p["size"], 7_777_777 + i)
            x = _to_rgb64(x)
            correct += int((net(x).argmax(1) == i).sum())
            soft = _soften(torch.cat([x, x]), gen)[: len(x)]
            soft_correct += int((net(soft).argmax(1) == i).sum())
            total += samples
        out["heldout_data_accuracy"] = round(correct / total, 4)
        out["heldout_soft_accuracy"] = round(soft_correct / total, 4)
        rng = np.random.default_rng(seed + 5)
        for i, p in enumerate(packs):
            res = {}
            for role, dec in p.get("decoders", {}).items():
                if dec is None:
                    continue
                img = dec.decode(rng.standard_normal((samples, dec.latent_dim)).astype(np.float32))
                prob = F.softmax(net(_to_rgb64(np.moveaxis(img, -1, 1))), 1)
                wins = torch.bincount(prob.argmax(1), minlength=k).float() / len(prob)
                res[role] = {"score": round(float(prob[:, i].mean()), 4), "top1": round(float(wins[i]), 4),
                             "predicted": {q["name"]: round(float(w), 4) for q, w in zip(packs, wins)}}
            out[p["name"]] = res
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


# ---------------------------------------------------------------------------- pack discovery
def pack_files(manifest) -> dict[str, Any]:
    """Teacher/student safetensors, their ONNX exports and EVAL.json of a pack.

    Uses the manifest keys ``decoder.student``, ``decoder.onnx`` (list) and
    ``decoder.eval`` when present, else the conventional names next to the
    teacher weights (``student.safetensors``, ``teacher.onnx``, ``student.onnx``, ``EVAL.json``).
    """
    from ..tomlcompat import tomllib

    root = manifest.path.parent
    raw = tomllib.loads(manifest.path.read_text()).get("decoder", {})
    wdir = manifest.weights.parent
    student = root / raw["student"] if "student" in raw else wdir / "student.safetensors"
    onnx: dict[str, Path] = {}
    listed = raw.get("onnx", [])
    for rel in [listed] if isinstance(listed, str) else listed:
        p = root / rel
        onnx["student" if "student" in p.stem else "teacher"] = p
    onnx.setdefault("teacher", wdir / "teacher.onnx")
    onnx.setdefault("student", wdir / "student.onnx")
    return {
        "teacher": manifest.weights,
        "student": student if student.is_file() else None,
        "onnx": {k: v for k, v in onnx.items() if v.is_file()},
        "eval": root / raw["eval"] if "eval" in raw else wdir / "EVAL.json",
    }


def _generator(manifest) -> Callable | None:
    training = manifest.training or {}
    if "footage" in training:  # a user's own pack: its footage is its dataset
        from .footage import FootageError, footage_from_training

        try:
            return footage_from_training(training, manifest.path, manifest.size, manifest.channels, quiet=True).generate
        except (FootageError, OSError):
            return None
    ref = training.get("dataset")
    if not ref:
        return None
    parent = str(manifest.path.parent.parent)
    if parent not in sys.path:
        sys.path.append(parent)
    mod, _, attr = ref.partition(":")
    try:
        return getattr(importlib.import_module(mod), attr)
    except Exception:
        return None


# ---------------------------------------------------------------------------- the report
def evaluate_files(
    name: str,
    teacher_path: Path,
    student_path: Path | None = None,
    *,
    onnx: dict[str, Path] | None = None,
    manifest: Any = None,
    generate: Callable | None = None,
    samples: int = 256,
    seconds: float = 1.0,
    inversion: bool = True,
    style_packs: list[dict[str, Any]] | None = None,
    bench: bool = True,
    sharpness: bool = True,
    sharpness_samples: int = 256,
) -> dict[str, Any]:
    """The evaluation report for one teacher (and optional student) weights file."""
    import torch

    from vjhost_builtins.torch_decoder import TorchDecoder

    from .distill import fidelity

    if manifest is not None and not hasattr(manifest, "weights"):
        from ..packs import load_manifest

        manifest = load_manifest(Path(manifest), training=True)  # EVAL.json is what we are about to write
    if generate is None and manifest is not None:
        generate = _generator(manifest)
    t0 = time.perf_counter()
    teacher = TorchDecoder(teacher_path, "auto", autocast=None)
    student = TorchDecoder(student_path, "auto", autocast=None) if student_path else None
    report: dict[str, Any] = {"pack": name, "torch": torch.__version__, "device": teacher.device,
                              "threads": torch.get_num_threads()}

    def describe(dec, path) -> dict[str, Any]:
        meta = dec.metadata
        d = {"file": Path(path).name, "widths": list(dec.config.widths),
             "params": int(sum(p.numel() for p in dec.module.parameters())),
             "size": list(dec.size), "channels": dec.channels, "role": meta.get("role", "teacher")}
        if "teacher_sha256" in meta:
            d["teacher_sha256"] = meta["teacher_sha256"]
        return d

    report["teacher"] = describe(teacher, teacher_path)
    if student:
        report["student"] = describe(student, student_path)

    # -- reconstruction PSNR: stored at training time (+ inversion now when the data generator is there)
    recon: dict[str, Any] = {}
    try:
        tr = json.loads(teacher.metadata.get("training", "{}"))
    except ValueError:
        tr = {}
    recon["teacher_heldout_psnr_db_stored"] = tr.get("heldout_psnr_db")
    recon["heldout_samples_stored"] = tr.get("heldout_samples")
    if student:
        try:
            dr = json.loads(student.metadata.get("distill", "{}"))
        except ValueError:
            dr = {}
        recon["student_distill_fidelity_stored"] = dr.get("fidelity")
    if inversion and generate is not None:
        recon["inversion"] = inversion_psnr(teacher.module.float(), student.module if student else None, generate)
    elif inversion:
        recon["inversion"] = "n/a (the pack's dataset generator is not importable)"
    report["recon"] = recon

    # -- student vs teacher over prior samples
    if student:
        anchors = torch.from_numpy(teacher.anchors) if teacher.anchors is not None else None
        with torch.inference_mode():
            report["student_vs_teacher"] = {"samples": samples, **fidelity(
                student.module, teacher.module, n=samples,
                anchors=anchors.to(teacher._dev) if anchors is not None else None)}

    # -- speed (same backend) and per-backend bench
    speed: dict[str, Any] = {"backend": "torch fp32 (TorchDecoder, channels_last)", "batch": 1,
                             "teacher_fps": decode_fps(teacher, seconds)}
    if student:
        speed["student_fps"] = decode_fps(student, seconds)
        speed["ratio"] = round(speed["student_fps"] / speed["teacher_fps"], 2)
    if bench:
        files = {"teacher": teacher_path, "student": student_path}
        rows = bench_decoders(files, onnx, seconds)
        report["bench"] = rows
        for role in ("teacher", "student"):
            mine = [r for r in rows if r["role"] == role]
            if mine:
                best = max(mine, key=lambda r: r["fps"])
                speed[f"{role}_best"] = {"backend": best["backend"], "fps": best["fps"]}
        same = {}
        for r in rows:
            same.setdefault(r["backend"], {})[r["role"]] = r["fps"]
        speed["ratio_per_backend"] = {b: round(v["student"] / v["teacher"], 2) for b, v in same.items()
                                      if "student" in v and "teacher" in v}
    report["speed"] = speed

    # -- latent-walk smoothness
    report["smoothness"] = {"teacher": walk_smoothness(teacher)}
    if student:
        report["smoothness"]["student"] = walk_smoothness(student)

    # -- sharpness of prior decodes against the pack's own data
    if sharpness and generate is not None:
        from .sharpness import decoder_sharpness

        sh: dict[str, Any] = {"teacher": decoder_sharpness(teacher, generate, n=sharpness_samples)}
        if student:
            sh["student"] = decoder_sharpness(student, generate, n=sharpness_samples)
            sh["student_vs_teacher"] = {k: round(sh["student"][k] / max(sh["teacher"][k], 1e-9), 4)
                                        for k in ("gradient_ratio", "highband_ratio", "c2st_accuracy")}
        report["sharpness"] = sh
    elif sharpness:
        report["sharpness"] = "n/a (the pack's dataset generator is not importable)"

    # -- style
    if style_packs is None:
        style_packs = [{"name": name, "generate": generate, "size": teacher.size[0],
                        "decoders": {"teacher": teacher, "student": student}}] if generate else []
    report["style"] = style_scores(style_packs)

    # -- goals of issue #4
    if student:
        goals: dict[str, Any] = {"speed_ratio_ge_2": speed.get("ratio", 0) >= 2.0}
        inv = recon.get("inversion")
        if isinstance(inv, dict) and "student_loss_db" in inv:
            goals["psnr_loss_le_1db"] = inv["student_loss_db"] <= 1.0
            goals["psnr_loss_le_1db_binary"] = inv["student_binary_loss_db"] <= 1.0
        best = speed.get("student_best", {}).get("fps", speed.get("student_fps", 0))
        goals["student_best_backend_fps_ge_150"] = best >= 150
        report["goals"] = goals
    sh = report.get("sharpness")
    if isinstance(sh, dict):
        from .sharpness import goals_met

        goals = report.setdefault("goals", {})
        for role in ("teacher", "student"):
            if role in sh:
                goals.update({f"{role}_{k}": v for k, v in goals_met(sh[role]).items()})
        rel = sh.get("student_vs_teacher")
        if rel:
            goals["student_sharpness_within_10pct"] = all(abs(v - 1.0) <= 0.10 for v in rel.values())
    report["metrics"] = _metrics(report)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    return report


def _metrics(report: dict[str, Any]) -> dict[str, float]:
    """Flat numbers for tracking (``student_vs_teacher.psnr_db`` -> ``eval.psnr_db`` ...)."""
    out: dict[str, float] = {}
    for k, v in (report.get("student_vs_teacher") or {}).items():
        if isinstance(v, (int, float)):
            out[f"eval.student_vs_teacher.{k}"] = float(v)
    for k, v in report.get("speed", {}).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[f"eval.speed.{k}"] = float(v)
    for role, s in report.get("smoothness", {}).items():
        for k, v in s.items():
            out[f"eval.smoothness.{role}.{k}"] = float(v)
    sh = report.get("sharpness")
    if isinstance(sh, dict):
        for role in ("teacher", "student"):
            for k in ("gradient_ratio", "highband_ratio", "c2st_accuracy"):
                if isinstance(sh.get(role, {}).get(k), (int, float)):
                    out[f"eval.sharpness.{role}.{k}"] = float(sh[role][k])
    inv = report.get("recon", {}).get("inversion")
    if isinstance(inv, dict):
        for k, v in inv.items():
            if isinstance(v, (int, float)):
                out[f"eval.recon_inversion.{k}"] = float(v)
    return out


def installed_style_packs(host: Any, decoders_for: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Every installed pack whose dataset generator imports (for the style classifier)."""
    from ..packs import ManifestError, load_manifest

    out = []
    for pname in sorted(host.packs.names()):
        try:
            m = load_manifest(host.pack(pname), training=True)
        except ManifestError:
            continue
        gen = _generator(m)
        if gen is None:
            continue
        out.append({"name": pname, "generate": gen, "size": m.size, "manifest": m,
                    "decoders": (decoders_for or {}).get(pname, {})})
    return out


def evaluate_pack(host: Any, name: str, *, samples: int = 256, seconds: float = 1.0, inversion: bool = True,
                  bench: bool = True, sharpness: bool = True) -> dict[str, Any]:
    """``vjhost pack eval NAME``: the report for an installed pack (see the module doc)."""
    from vjhost_builtins.torch_decoder import TorchDecoder

    from ..packs import load_manifest

    m = load_manifest(host.pack(name), training=True)  # its EVAL.json may not exist yet
    files = pack_files(m)
    packs = installed_style_packs(host)
    for p in packs:  # every pack's own teacher/student decodes are scored; only NAME's are reported in full
        pf = files if p["name"] == name else pack_files(p["manifest"])
        p["decoders"] = {"teacher": TorchDecoder(pf["teacher"], "auto", autocast=None)}
        if pf["student"] is not None:
            p["decoders"]["student"] = TorchDecoder(pf["student"], "auto", autocast=None)
        p.pop("manifest", None)
    return evaluate_files(name, files["teacher"], files["student"], onnx=files["onnx"], manifest=m,
                          samples=samples, seconds=seconds, inversion=inversion, style_packs=packs, bench=bench,
                          sharpness=sharpness)
