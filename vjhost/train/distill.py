"""Distil a pack's decoder into a smaller, faster student (CPU here, CUDA when present).

The student is the same :class:`~vjhost.decode.vae.Decoder` architecture with
narrower widths (by default half of the teacher's), so every backend that runs
the teacher runs the student.  It learns to reproduce the teacher's decodes over
the latents the live show visits:

* half of each batch from the prior, ``z ~ N(0, I)`` (with a random radius
  ``0.6..1.4`` for a quarter of it: walks wander in and out),
* half around the scene anchors: ``anchor + sigma * N(0, I)``, ``sigma ~ U(0.1, 1)``.

Loss (per pixel): BCE with the teacher's soft targets ``sigmoid(teacher_logits)``
on the student's logits, plus L1 between the sigmoid outputs, plus an edge term
(L1 between the horizontal/vertical finite differences of the two images, which
keeps the hard stripes and grid lines sharp).

``distill(teacher, student_cfg, steps, batch) -> (student, record)``;
:func:`save_student` writes it in the usual weights format with
``role = "student"``, the teacher file's sha256, the distill record and the
teacher's anchors.  ``python -m vjhost.train.distill persona_packs/NAME``
does the whole pack (distil, save, export both to ONNX, evaluate -> EVAL.json).

The live show never imports this module.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..decode.vae import Decoder, VAEConfig
from ..decode.weights import build_decoder, load_decoder_weights, save_decoder
from .vae import one_cycle, pick_device


def half_widths(widths: tuple[int, ...], factor: float = 0.5, minimum: int = 4) -> tuple[int, ...]:
    return tuple(max(minimum, int(round(w * factor))) for w in widths)


def student_config(teacher_cfg: VAEConfig, widths: tuple[int, ...] | None = None, *,
                   blocks: tuple[int, ...] | None = None, upsample: str | None = None,
                   rank: int | None = None) -> VAEConfig:
    """The teacher's config with ``widths`` (default: halved) and, unless given, the teacher's
    residual blocks (when the level count matches), upsampling and separable rank."""
    w = tuple(widths) if widths else half_widths(teacher_cfg.widths)
    if blocks is None:
        blocks = teacher_cfg.blocks if len(teacher_cfg.blocks) == len(w) else ()
    return VAEConfig(
        latent_dim=teacher_cfg.latent_dim, size=teacher_cfg.size, channels=teacher_cfg.channels, widths=w,
        blocks=tuple(blocks), upsample=upsample or teacher_cfg.upsample,
        rank=teacher_cfg.rank if rank is None else rank, subpixel=teacher_cfg.subpixel, coord=teacher_cfg.coord,
        spectrum=teacher_cfg.spectrum,
    )


def _as_module(teacher: Any) -> Decoder:
    """A Decoder module from a module, a TorchDecoder or a weights path."""
    if isinstance(teacher, (str, Path)):
        w = load_decoder_weights(Path(teacher))
        return build_decoder(w, teacher)
    if hasattr(teacher, "module") and isinstance(teacher.module, Decoder):
        return teacher.module
    if isinstance(teacher, Decoder):
        return teacher
    raise TypeError(f"teacher must be a Decoder, a TorchDecoder or a weights path, got {type(teacher).__name__}")


def _convs(dec: Decoder) -> list[torch.nn.Conv2d]:
    return [m for m in dec.body if isinstance(m, torch.nn.Conv2d)]


@torch.no_grad()
def prune_init(student: Decoder, teacher: Decoder) -> None:
    """Start the student from the teacher: keep, per layer, the teacher channels that matter most.

    A channel's importance is the L2 norm of its incoming filter times that of its
    outgoing weights (in the next conv).  ``fc`` rows and conv filters are copied
    for the kept channels (inputs restricted to the previous layer's kept ones), so
    a student with the teacher's width at a layer gets that layer exactly.  Needs
    ``student.widths[i] <= teacher.widths[i]`` everywhere.
    """
    tc, sc = _convs(teacher), _convs(student)
    tw, sw = teacher.cfg.widths, student.cfg.widths
    if len(tw) != len(sw) or any(s > t for s, t in zip(sw, tw)):
        raise ValueError(f"prune_init needs student widths <= teacher widths, got {list(sw)} vs {list(tw)}")

    def keep(i: int) -> torch.Tensor:  # kept output channels of conv i (i = -1: the fc's 4x4 seed channels)
        if i == -1:
            w_in = teacher.fc.weight.view(tw[0], 16, -1).flatten(1).norm(dim=1)
            w_out = tc[0].weight.transpose(0, 1).flatten(1).norm(dim=1)
            n = sw[0]
        else:
            w_in = tc[i].weight.flatten(1).norm(dim=1)
            w_out = tc[i + 1].weight.transpose(0, 1).flatten(1).norm(dim=1)
            n = sw[i]
        return torch.sort(torch.topk(w_in * w_out, n).indices).values

    prev = keep(-1)
    fw = teacher.fc.weight.view(tw[0], 16, -1)[prev].reshape(-1, teacher.cfg.latent_dim)
    student.fc.weight.copy_(fw)
    student.fc.bias.copy_(teacher.fc.bias.view(tw[0], 16)[prev].reshape(-1))
    for i in range(len(tc)):
        out = keep(i) if i < len(tc) - 1 else torch.arange(teacher.cfg.channels)
        sc[i].weight.copy_(tc[i].weight[out][:, prev])
        sc[i].bias.copy_(tc[i].bias[out])
        prev = out


def _plain_body(cfg: VAEConfig) -> bool:
    """The conv body is the original architecture (the spectral head beside it does not count)."""
    return dataclasses.replace(cfg, spectrum=0).plain


@torch.no_grad()
def copy_heads(student: Decoder, teacher: Decoder) -> list[str]:
    """Start the student's spectral head as the teacher's where they match (the names of the heads copied):
    it costs little per frame, so the student keeps it whole and learns only the narrower body."""
    if not student.cfg.spectrum or student.cfg.spectrum != teacher.cfg.spectrum:
        return []
    student.spectrum.load_state_dict(teacher.spectrum.state_dict())
    return ["spectrum"]


def sample_latents(n: int, dim: int, anchors: torch.Tensor | None, gen: torch.Generator) -> torch.Tensor:
    """The distillation latent distribution (see the module doc)."""
    z = torch.randn(n, dim, generator=gen)
    n_prior = n if anchors is None or len(anchors) == 0 else n // 2
    q = n_prior // 4
    if q:
        z[:q] *= 0.6 + 0.8 * torch.rand(q, 1, generator=gen)
    if n_prior < n:
        k = torch.randint(0, len(anchors), (n - n_prior,), generator=gen)
        sigma = 0.1 + 0.9 * torch.rand(n - n_prior, 1, generator=gen)
        z[n_prior:] = anchors[k] + sigma * z[n_prior:]
    return z


def _edges(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return p[..., :, 1:] - p[..., :, :-1], p[..., 1:, :] - p[..., :-1, :]


def distill_loss(s_logits: torch.Tensor, t_logits: torch.Tensor, edge_weight: float = 0.5, l1_weight: float = 1.0):
    t = torch.sigmoid(t_logits)
    s = torch.sigmoid(s_logits)
    bce = F.binary_cross_entropy_with_logits(s_logits, t)
    l1 = (s - t).abs().mean()
    sx, sy = _edges(s)
    tx, ty = _edges(t)
    edge = 0.5 * ((sx - tx).abs().mean() + (sy - ty).abs().mean())
    return bce + l1_weight * l1 + edge_weight * edge, {"bce": bce.item(), "l1": l1.item(), "edge": edge.item()}


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = F.mse_loss(a, b).item()
    return 10.0 * math.log10(1.0 / max(mse, 1e-10))


@torch.no_grad()
def fidelity(student: torch.nn.Module, teacher: torch.nn.Module, n: int = 256, seed: int = 12345,
             anchors: torch.Tensor | None = None, batch: int = 64) -> dict[str, float]:
    """Student-vs-teacher PSNR (dB) on decodes of ``n`` prior latents (and around the anchors when given):
    ``psnr_db`` on the sigmoid outputs, ``psnr_binary_db`` after thresholding both at 0.5
    (what the ikeda shader shows), ``pixel_agreement`` the fraction of thresholded pixels that agree."""
    gen = torch.Generator().manual_seed(seed)
    dev = next(student.parameters()).device
    out: dict[str, float] = {}
    sets = {"prior": torch.randn(n, student.cfg.latent_dim, generator=gen)}
    if anchors is not None and len(anchors):
        k = torch.randint(0, len(anchors), (n,), generator=gen)
        sets["anchors"] = anchors[k] + 0.5 * torch.randn(n, student.cfg.latent_dim, generator=gen)
    for name, z in sets.items():
        se = sb = agree = 0.0
        count = 0
        for i in range(0, n, batch):
            zb = z[i : i + batch].to(dev)
            s = torch.sigmoid(student(zb).float())
            t = torch.sigmoid(teacher(zb).float())
            se += F.mse_loss(s, t, reduction="sum").item()
            sbin, tbin = (s > 0.5).float(), (t > 0.5).float()
            sb += F.mse_loss(sbin, tbin, reduction="sum").item()
            agree += (sbin == tbin).float().sum().item()
            count += s.numel()
        sfx = "" if name == "prior" else "_anchors"
        out[f"psnr_db{sfx}"] = round(10 * math.log10(1.0 / max(se / count, 1e-10)), 2)
        out[f"psnr_binary_db{sfx}"] = round(10 * math.log10(1.0 / max(sb / count, 1e-10)), 2)
        out[f"pixel_agreement{sfx}"] = round(agree / count, 4)
    return out


def distill(
    teacher_decoder: Any,
    student_cfg: VAEConfig | None = None,
    steps: int = 1500,
    batch: int = 32,
    *,
    lr: float = 3e-3,
    seed: int = 0,
    anchors: torch.Tensor | np.ndarray | None = None,
    edge_weight: float = 0.5,
    device: str = "auto",
    eval_samples: int = 256,
    progress: Callable[[int, dict], None] | None = None,
    tracker: Any = None,
    sample_every: int = 0,
    init: str = "auto",
) -> tuple[Decoder, dict[str, Any]]:
    """Train a student decoder to reproduce ``teacher_decoder`` (module, TorchDecoder or weights path).

    Returns the student (CPU, eval mode, contiguous) and a record: settings,
    wall time, final losses, the student-vs-teacher fidelity before and after
    (:func:`fidelity`), parameter counts.  ``init``: ``"teacher"`` starts from the
    teacher's most important channels (:func:`prune_init`), ``"random"`` from scratch,
    ``"auto"`` (default) the former whenever the widths allow it.  ``tracker`` (a
    :class:`~vjhost.train.tracking.Tracker`) receives params, per-step losses and
    sample grids (every ``sample_every`` steps, 0 = start and end only).
    """
    if anchors is None and hasattr(teacher_decoder, "anchors") and teacher_decoder.anchors is not None:
        anchors = teacher_decoder.anchors
    teacher = _as_module(teacher_decoder)
    if student_cfg is None:
        student_cfg = student_config(teacher.cfg)
    if (student_cfg.latent_dim, student_cfg.size, student_cfg.channels) != (teacher.cfg.latent_dim, teacher.cfg.size,
                                                                            teacher.cfg.channels):
        raise ValueError("the student must have the teacher's latent_dim, size and channels")
    if anchors is not None:
        anchors = torch.as_tensor(np.asarray(anchors, np.float32)
                                  if not torch.is_tensor(anchors) else anchors).float().cpu()
    torch.manual_seed(seed)
    dev = pick_device(device)
    cl = dev.type == "cpu"
    fmt = torch.channels_last if cl else torch.contiguous_format

    import copy

    teacher = copy.deepcopy(teacher).cpu().eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = Decoder(student_cfg)
    fits = _plain_body(teacher.cfg) and _plain_body(student_cfg) and len(student_cfg.widths) == len(
        teacher.cfg.widths) and all(a <= b for a, b in zip(student_cfg.widths, teacher.cfg.widths))
    if init not in ("auto", "teacher", "random"):
        raise ValueError(f"init must be auto, teacher or random, got {init!r}")
    init = ("teacher" if fits else "random") if init == "auto" else init
    if init == "teacher":
        prune_init(student, teacher.cpu().to(memory_format=torch.contiguous_format))
    copy_heads(student, teacher)
    teacher = teacher.to(dev).to(memory_format=fmt)
    student = student.to(dev).to(memory_format=fmt)
    anchors_dev = anchors.to(dev) if anchors is not None else None
    fid0 = fidelity(student.eval(), teacher, n=min(eval_samples, 128), anchors=anchors_dev)
    n_t = sum(p.numel() for p in teacher.parameters())
    n_s = sum(p.numel() for p in student.parameters())
    params = {"teacher_widths": list(teacher.cfg.widths), "student_widths": list(student_cfg.widths), "steps": steps,
              "batch": batch, "lr": lr, "seed": seed, "edge_weight": edge_weight, "device": str(dev), "init": init,
              "teacher_params": n_t, "student_params": n_s}
    if tracker is not None:
        tracker.log_params(params)
        tracker.log_metrics({f"init_{k}": v for k, v in fid0.items()}, step=0)
    opt = torch.optim.Adam(student.parameters(), lr=lr)
    sched = one_cycle(opt, lr, steps)  # (None under 5 steps: a constant lr)
    gen = torch.Generator().manual_seed(seed * 7919 + 17)
    amp = dict(device_type="cuda", dtype=torch.bfloat16) if dev.type == "cuda" else None
    history: list[dict] = []
    student.train()
    t0 = time.perf_counter()
    fixed_z = torch.randn(16, student_cfg.latent_dim, generator=torch.Generator().manual_seed(1))

    def samples(step: int) -> None:
        if tracker is None or not getattr(tracker, "enabled", False):
            return
        from ..png import grid

        with torch.no_grad():
            zz = fixed_z.to(dev)
            s = (torch.sigmoid(student(zz).float()) * 255).round().byte().cpu()
            t = (torch.sigmoid(teacher(zz).float()) * 255).round().byte().cpu()
        img = torch.cat([t, s]).permute(0, 2, 3, 1).numpy()  # teacher row(s) then student
        tracker.log_image(f"samples/step_{step:06d}.png", grid(img[..., 0] if img.shape[-1] == 1 else img))

    samples(0)
    for step in range(steps):
        z = sample_latents(batch, student_cfg.latent_dim, anchors, gen).to(dev)
        with torch.no_grad():
            if amp:
                with torch.autocast(**amp):
                    t_logits = teacher(z).float()
            else:
                t_logits = teacher(z)
        if amp:
            with torch.autocast(**amp):
                s_logits = student(z).float()
        else:
            s_logits = student(z)
        loss, parts = distill_loss(s_logits, t_logits, edge_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(student.parameters(), 5.0)
        opt.step()
        if sched is not None:
            sched.step()
        row = {"step": step + 1, "loss": loss.item(), **parts}
        history.append(row)
        if tracker is not None:
            tracker.log_step(step + 1, row, last=step + 1 == steps)
            if sample_every and (step + 1) % sample_every == 0 and step + 1 != steps:
                samples(step + 1)
        if progress:
            progress(step + 1, row)
    seconds = time.perf_counter() - t0
    student.eval()
    samples(steps)
    fid = fidelity(student, teacher, n=eval_samples, anchors=anchors_dev)
    tail = history[-50:] or [{"loss": float("nan"), "bce": float("nan"), "l1": float("nan"), "edge": float("nan")}]
    record = {
        **params,
        "images_seen": steps * batch,
        "seconds": round(seconds, 1),
        "final_loss": round(sum(r["loss"] for r in tail) / len(tail), 5),
        "final_l1": round(sum(r["l1"] for r in tail) / len(tail), 5),
        "final_edge": round(sum(r["edge"] for r in tail) / len(tail), 5),
        "latents": "1/2 prior N(0,I) (1/4 of it at radius 0.6..1.4), 1/2 anchors + U(0.1,1)*N(0,I)",
        "loss_terms": f"BCE(soft teacher targets) + L1(sigmoid) + {edge_weight} * L1(finite differences)",
        "fidelity_init": fid0,
        "fidelity": fid,
        "eval_samples": eval_samples,
        "torch": torch.__version__,
    }
    if tracker is not None:
        tracker.log_metrics({k: v for k, v in fid.items()}, step=steps)
        tracker.log_metrics({"seconds": seconds}, step=steps)
    student = student.cpu().to(memory_format=torch.contiguous_format).eval()
    return student, record


def save_student(path: Path | str, student: Decoder, teacher_path: Path | str, record: dict[str, Any]) -> None:
    """Write the student like any pack decoder, with the teacher's anchors and provenance metadata."""
    from ..decode.onnx_export import file_sha256

    teacher_path = Path(teacher_path)
    tw = load_decoder_weights(teacher_path)
    extra: dict[str, Any] = {
        "role": "student",
        "teacher_file": teacher_path.name,
        "teacher_sha256": file_sha256(teacher_path),
        "distill": record,
    }
    for key in ("training", "dataset"):  # the teacher's provenance (its held-out recon PSNR, the data recipe)
        if key in tw.metadata:
            extra[f"teacher_{key}"] = tw.metadata[key]
    save_decoder(Path(path), student, anchors=tw.anchors, anchor_names=tw.anchor_names, extra=extra)


def main(argv: list[str] | None = None) -> int:
    """``python -m vjhost.train.distill persona_packs/NAME``: distil, save, export ONNX, evaluate."""
    import argparse
    import shlex
    import sys

    from ..tomlcompat import tomllib
    from .cli import find_manifest

    ap = argparse.ArgumentParser(prog="python -m vjhost.train.distill", description=main.__doc__)
    ap.add_argument("pack", help="pack directory or its pack.toml")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--widths", help="student widths, comma separated (default: half the teacher's)")
    ap.add_argument("--blocks", help="student residual blocks per level, comma separated (default: the teacher's)")
    ap.add_argument("--upsample", choices=("nearest", "shuffle"), help="student upsampling (default: the teacher's)")
    ap.add_argument("--rank", type=int, help="student separable maps (default: the teacher's)")
    ap.add_argument("--edge-weight", type=float, default=0.5, help="weight of the finite-difference (edge) term")
    ap.add_argument("--init", default="auto", choices=("auto", "teacher", "random"),
                    help="student initialisation (default: the teacher's strongest channels when the widths allow)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--teacher", help="teacher weights (default: the manifest's decoder.weights)")
    ap.add_argument("--out-dir", help="where student.safetensors, *.onnx and EVAL.json go (default: the teacher's dir)")
    ap.add_argument("--no-onnx", action="store_true")
    ap.add_argument("--no-eval", action="store_true")
    ap.add_argument("--no-track", action="store_true", help="no MLflow run")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    manifest = find_manifest(args.pack)
    m = tomllib.loads(manifest.read_text())
    name = m.get("name", manifest.parent.name)
    teacher_path = Path(args.teacher) if args.teacher else manifest.parent / m["decoder"]["weights"]
    out_dir = Path(args.out_dir) if args.out_dir else teacher_path.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    tw = load_decoder_weights(teacher_path)
    teacher = build_decoder(tw, teacher_path)
    widths = tuple(int(x) for x in args.widths.split(",")) if args.widths else None
    blocks = tuple(int(x) for x in args.blocks.split(",")) if args.blocks else None
    scfg = student_config(tw.config, widths, blocks=blocks, upsample=args.upsample, rank=args.rank)

    from .tracking import Tracker

    tracker = Tracker.start(f"{name}-distill", experiment=f"vjhost/{name}", enabled=False if args.no_track else None,
                            tags={"pack": name, "role": "student"})
    t0 = time.time()

    def progress(step: int, row: dict) -> None:
        if not args.quiet and (step % 25 == 0 or step == args.steps):
            el = time.time() - t0
            print(f"\r[{step:5d}/{args.steps}] loss {row['loss']:.4f} l1 {row['l1']:.4f} edge {row['edge']:.4f}"
                  f"  {el:5.0f}s eta {el / step * (args.steps - step):4.0f}s", end="", flush=True)

    with tracker:
        student, record = distill(teacher, scfg, args.steps, args.batch, lr=args.lr, seed=args.seed,
                                  anchors=tw.anchors, device=args.device, init=args.init, progress=progress,
                                  tracker=tracker, edge_weight=args.edge_weight,
                                  sample_every=max(1, args.steps // 4))
        if not args.quiet:
            print()
        record["command"] = "python -m vjhost.train.distill " + " ".join(
            shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
        student_path = out_dir / "student.safetensors"
        save_student(student_path, student, teacher_path, record)
        tracker.log_dict("distill_record.json", record)
        if not args.no_onnx:
            from ..decode.onnx_export import export_onnx

            for src, dst in ((teacher_path, out_dir / "teacher.onnx"), (student_path, out_dir / "student.onnx")):
                rep = export_onnx(src, dst)
                print(f"exported {dst} (max abs err {rep['max_abs_err_logits']:.2g}, "
                      f"image {rep['max_abs_err_image']} level)")
                role = "student" if "student" in dst.name else "teacher"
                tracker.log_metrics({f"onnx_{role}_max_abs_err": rep["max_abs_err_logits"]})
                tracker.register_model(dst, f"{name}-{role}", artifact_path=f"onnx_{role}")
        if not args.no_eval:
            from .evaluate import evaluate_files

            report = evaluate_files(name, teacher_path, student_path,
                                    onnx={"teacher": out_dir / "teacher.onnx", "student": out_dir / "student.onnx"},
                                    manifest=manifest)
            (out_dir / "EVAL.json").write_text(json.dumps(report, indent=2) + "\n")
            tracker.log_dict("EVAL.json", report)
            tracker.log_metrics(report.get("metrics", {}))
            print(json.dumps(report, indent=2))
    print(json.dumps({k: record[k] for k in ("seconds", "fidelity_init", "fidelity")}, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
