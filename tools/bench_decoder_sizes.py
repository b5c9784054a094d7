"""Decode speed of the packs' teacher and student *architectures* at 128² and 256², batch 1.

    python tools/bench_decoder_sizes.py [--seconds 2] [--channels 3] [--json]

The shipped packs decode at 128² (the renderer scales the frame to the output
on the GPU); this measures what a 256² pack would cost with the same
architectures one level deeper.  Weights are random (speed does not depend on
them): torch fp32 channels_last (the live TorchDecoder path), torch bf16 where
the CPU supports it, and ONNX Runtime on the CPU.  Same run, same machine:
compare the ratios, not the absolute numbers, across runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vjhost.decode.vae import Decoder, VAEConfig  # noqa: E402
from vjhost.decode.weights import save_decoder  # noqa: E402
from vjhost.train.evaluate import decode_fps  # noqa: E402

ARCH = {
    128: {"teacher": (128, 96, 64, 32, 16), "student": (128, 64, 24, 12, 6)},
    256: {"teacher": (128, 96, 64, 32, 16, 8), "student": (128, 64, 24, 12, 6, 4)},
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--channels", type=int, default=3, choices=(1, 3))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from vjhost.decode.onnx_export import export_onnx
    from vjhost_builtins.onnx_decoder import OnnxDecoder
    from vjhost_builtins.torch_decoder import TorchDecoder

    rows = []
    with tempfile.TemporaryDirectory() as d:
        for size, roles in ARCH.items():
            for role, widths in roles.items():
                torch.manual_seed(0)
                cfg = VAEConfig(latent_dim=64, size=size, channels=args.channels, widths=widths)
                path = Path(d) / f"{role}{size}.safetensors"
                save_decoder(path, Decoder(cfg))
                row = {"size": size, "role": role, "widths": list(widths)}
                row["torch_fp32"] = round(decode_fps(TorchDecoder(path, "cpu", autocast=None), args.seconds), 1)
                try:
                    row["torch_bf16"] = round(decode_fps(TorchDecoder(path, "cpu", autocast="bf16"), args.seconds), 1)
                except Exception:  # noqa: BLE001 - CPUs without bf16
                    row["torch_bf16"] = None
                onnx = path.with_suffix(".onnx")
                export_onnx(path, onnx, verify=False)
                row["onnxruntime"] = round(decode_fps(OnnxDecoder(onnx, "cpu"), args.seconds), 1)
                row["best"] = max(v for k, v in row.items() if k in ("torch_fp32", "torch_bf16", "onnxruntime") and v)
                rows.append(row)
                if not args.json:
                    print(f"{size:4d}² {role:8s} {str(list(widths)):28s} torch fp32 {row['torch_fp32']:7.1f}  "
                          f"bf16 {row['torch_bf16'] or float('nan'):7.1f}  ORT {row['onnxruntime']:7.1f} fps",
                          flush=True)
    for size in ARCH:
        t, s = (next(r for r in rows if r["size"] == size and r["role"] == k) for k in ("teacher", "student"))
        ratio = {k: round(s[k] / t[k], 2) for k in ("torch_fp32", "onnxruntime")}
        if not args.json:
            print(f"{size}²: student/teacher speed ratio torch {ratio['torch_fp32']}x, ORT {ratio['onnxruntime']}x; "
                  f"best student {s['best']} fps")
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
