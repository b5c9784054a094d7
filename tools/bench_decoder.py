"""Decoder frames/s at batch 1 on this machine, for a pack's weights file.

    python tools/bench_decoder.py persona_packs/ikeda/vjhost_ikeda/weights/decoder.safetensors
    python tools/bench_decoder.py WEIGHTS --seconds 3 --threads 1 --no-onnx

Variants (network only: latent in, logits out, unless noted):

* ``eager``            the module as built (NCHW, fp32), under ``torch.inference_mode()``
* ``channels_last``    weights and activations in NHWC
* ``bf16``             eager under CPU bf16 autocast
* ``channels_last+bf16``
* ``TorchDecoder``     the live backend end to end (numpy in, uint8 HWC numpy out),
                       fp32 (the default) and with ``autocast="bf16"``
* ``onnxruntime``      ``torch.onnx.export(dynamo=False)`` then an ORT CPU session
                       (skipped when onnx/onnxruntime are missing or with ``--no-onnx``)

Each variant is warmed up, then timed for ``--seconds`` (median of rounds);
the table shows fps, ms/frame and the ratio to eager.  Timings vary by
+-20 % between runs: compare within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable


def _time(fn: Callable[[], object], seconds: float, rounds: int = 5) -> float:
    """Median seconds per call over ``rounds`` rounds of ~seconds/rounds each."""
    for _ in range(5):
        fn()
    per_round = seconds / rounds
    # calibrate the number of calls per round
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < min(0.2, per_round):
        fn()
        n += 1
    calls = max(1, int(n * per_round / max(time.perf_counter() - t0, 1e-9)))
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights", type=Path, help="a pack's decoder.safetensors")
    ap.add_argument("--seconds", type=float, default=2.0, help="timing per variant (default 2)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch intra-op threads (default: VJHOST_TORCH_THREADS or cores/2, like the live host)")
    ap.add_argument("--no-onnx", action="store_true", help="skip the onnxruntime variant")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    from vjhost.decode.weights import WeightsError, build_decoder, load_decoder_weights
    from vjhost_builtins.torch_decoder import TorchDecoder, default_threads

    try:
        weights = load_decoder_weights(args.weights)
        model = build_decoder(weights, args.weights)
    except WeightsError as exc:
        print(f"bench_decoder: {exc}", file=sys.stderr)
        return 2
    threads = args.threads or default_threads() or torch.get_num_threads()
    torch.set_num_threads(threads)
    cfg = weights.config
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.weights}: {cfg.size}x{cfg.size}x{cfg.channels}, latent {cfg.latent_dim}, "
          f"{n_params / 1e6:.2f} M params; torch {torch.__version__}, {threads} thread(s), "
          f"{os.cpu_count()} cores")

    z = torch.randn(1, cfg.latent_dim)
    cl = build_decoder(weights, args.weights).to(memory_format=torch.channels_last)

    def cl_forward(m, x):  # same maths as Decoder.forward, 4x4 seed already NHWC
        h = m.fc(x).view(1, cfg.widths[0], 4, 4)
        h = torch.nn.functional.leaky_relu(h, 0.2).contiguous(memory_format=torch.channels_last)
        return m.body(h)

    def bf16():
        return torch.autocast("cpu", dtype=torch.bfloat16)

    variants: list[tuple[str, Callable[[], object], Callable[[], contextlib.AbstractContextManager]]] = [
        ("eager", lambda: model(z), contextlib.nullcontext),
        ("channels_last", lambda: cl_forward(cl, z), contextlib.nullcontext),
        ("bf16 autocast", lambda: model(z), bf16),
        ("channels_last+bf16", lambda: cl_forward(cl, z), bf16),
    ]
    live = TorchDecoder(args.weights, "cpu", threads=threads)
    zn = z.numpy()
    variants.append(("TorchDecoder (uint8 out)", lambda: live.decode(zn), contextlib.nullcontext))
    live16 = TorchDecoder(args.weights, "cpu", threads=threads, autocast="bf16")
    variants.append(("TorchDecoder bf16 (uint8 out)", lambda: live16.decode(zn), contextlib.nullcontext))

    rows: list[tuple[str, float]] = []
    px = np.abs(live16.decode(zn).astype(int) - live.decode(zn).astype(int)).max()
    print(f"bf16 vs fp32 TorchDecoder: max pixel difference {px}")
    with torch.inference_mode():
        ref = model(z).float()
        for name, fn, ctx in variants:
            with ctx():
                if not name.startswith(("eager", "TorchDecoder")):
                    err = (fn().float() - ref).abs().max().item()
                    name = f"{name} (max err {err:.1e})"
                rows.append((name, _time(fn, args.seconds)))

    if not args.no_onnx:
        try:
            import onnxruntime as ort

            with tempfile.TemporaryDirectory() as tmp:
                onnx_path = Path(tmp) / "decoder.onnx"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    torch.onnx.export(model, (z,), str(onnx_path), dynamo=False,
                                      input_names=["z"], output_names=["logits"], opset_version=17)
                so = ort.SessionOptions()
                so.intra_op_num_threads = threads
                so.inter_op_num_threads = 1
                so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
            feed = {"z": zn}
            err = float(np.abs(sess.run(None, feed)[0] - ref.numpy()).max())
            rows.append((f"onnxruntime {ort.__version__} (max err {err:.1e})",
                         _time(lambda: sess.run(None, feed), args.seconds)))
        except Exception as exc:  # noqa: BLE001 - optional variant
            print(f"(onnxruntime skipped: {type(exc).__name__}: {exc})")

    base = rows[0][1]
    w = max(len(r[0]) for r in rows)
    print(f"\n{'variant':<{w}}  {'fps':>8}  {'ms/frame':>9}  {'x eager':>8}")
    for name, sec in rows:
        print(f"{name:<{w}}  {1 / sec:8.1f}  {sec * 1e3:9.3f}  {base / sec:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
