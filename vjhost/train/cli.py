"""``vjhost train PACK_DIR``: retrain a pack's decoder from its manifest."""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from ..tomlcompat import tomllib


def find_manifest(target: str) -> Path:
    """``persona_packs/ikeda``, its package dir or its ``pack.toml`` -> the manifest path."""
    p = Path(target)
    if p.is_file():
        return p
    if (p / "pack.toml").is_file():
        return p / "pack.toml"
    found = sorted(p.glob("*/pack.toml")) if p.is_dir() else []
    if len(found) == 1:
        return found[0]
    raise SystemExit(f"vjhost train: no pack.toml found under {target!r}")


def resolve(ref: str):
    mod, _, attr = ref.partition(":")
    return getattr(importlib.import_module(mod), attr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="vjhost train", description=__doc__)
    ap.add_argument("pack", help="pack directory (persona_packs/NAME) or its pack.toml")
    ap.add_argument("--steps", type=int, help="optimizer steps (default: the manifest's)")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda")
    ap.add_argument("--out", help="weights path (default: the manifest's decoder.weights)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    import torch

    from ..decode.vae import VAEConfig
    from ..png import grid, write_png
    from .vae import TrainConfig, save_pack_weights, train_vae

    manifest = find_manifest(args.pack)
    pkg_dir = manifest.parent
    sys.path.insert(0, str(pkg_dir.parent))
    m = tomllib.loads(manifest.read_text())
    tr, dec = m.get("training", {}), m["decoder"]
    generate = resolve(tr["dataset"])
    motifs = tuple(resolve(tr["motifs"]))
    recipe = dict(resolve(tr["recipe"])) if "recipe" in tr else {}
    vcfg = VAEConfig(
        latent_dim=dec.get("latent_dim", 64),
        size=dec.get("size", 128),
        channels=dec.get("channels", 1),
        widths=tuple(tr.get("widths", (128, 96, 64, 32, 16))),
    )
    tcfg = TrainConfig(
        steps=args.steps or tr.get("steps", 2400),
        batch=args.batch or tr.get("batch", 32),
        seed=tr.get("seed", 0) if args.seed is None else args.seed,
        lr=tr.get("lr", 2e-3),
        beta=tr.get("beta", 1.0),
        device=args.device,
    )
    out = Path(args.out) if args.out else pkg_dir / dec["weights"]
    t0 = time.time()

    def progress(step: int, row: dict) -> None:
        if args.quiet:
            return
        if step % 25 == 0 or step == tcfg.steps:
            el = time.time() - t0
            eta = el / step * (tcfg.steps - step)
            print(
                f"\r[{step:5d}/{tcfg.steps}] loss/px {row['loss']:.4f} kl {row['kl']:7.1f}  {el:5.0f}s eta {eta:4.0f}s",
                end="",
                flush=True,
            )

    result = train_vae(generate, vcfg, tcfg, motifs, progress)
    if not args.quiet:
        print()
    result.record["command"] = "vjhost train " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    result.record["torch"] = torch.__version__
    save_pack_weights(out, result, generate, motifs, recipe)
    # Random-prior decodes: what the live walk will actually show.
    with torch.no_grad():
        g = torch.Generator().manual_seed(1)
        z = torch.randn(32, vcfg.latent_dim, generator=g)
        img = (torch.sigmoid(result.vae.decoder(z)) * 255).byte().numpy()
    img = img[:, 0] if vcfg.channels == 1 else np.moveaxis(img, 1, -1)
    write_png(out.with_name("samples_prior.png"), grid(img))
    record_path = out.parent / "TRAINING.json" if args.out else pkg_dir / "TRAINING.json"
    record_path.write_text(json.dumps({**result.record, "dataset": recipe}, indent=2) + "\n")
    print(json.dumps(result.record, indent=2))
    return 0
