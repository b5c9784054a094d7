"""int8 ONNX decoders: quantise a pack's exported decoder and measure what it costs.

``quantize_onnx(src)`` writes ``<stem>.int8.onnx`` beside ``src`` (a file written
by :func:`vjhost.decode.onnx_export.export_onnx`) with ONNX Runtime's
quantisation tools, trying both ways and keeping the one that stays closest to
the fp32 pictures:

* ``dynamic``: int8 weights, activations quantised on the fly per call
  (``ConvInteger`` / ``MatMulInteger``);
* ``static``: int8 weights per output channel and int8 activations with fixed
  ranges, calibrated on the latents the live walk visits (half the prior
  N(0, I), half around the scene anchors), QDQ format.

Either way the last convolution (the one that makes the pixels) stays fp32,
and so do the sigmoid -> uint8 image ops; the file keeps the fp32 file's
``metadata_props`` (config, anchors) plus ``precision = int8``,
``quantization`` (dynamic/static) and ``fp32_sha256`` (so a stale int8 file
is recognised after a re-export).

``measure_int8(fp32, int8)`` is the evaluation's figure: the PSNR of the int8
decodes against the fp32 decodes (uint8 images, the frames the show uploads),
and both speeds at batch 1 on the CPU, timed in alternating bursts so that a
busy machine slows both alike.  :func:`int8_report` does both for a pack's
ONNX files and returns the ``int8`` section of ``EVAL.json``.

At run time nothing here is needed but :func:`int8_path` (no onnx import):
``vjhost run --backend onnx --precision int8`` makes
:class:`vjhost_builtins.onnx_decoder.OnnxDecoder` load ``student.int8.onnx``
instead of ``student.onnx``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["INT8_SUFFIX", "PRECISIONS", "QuantizeError", "add_precision_argument", "int8_path", "int8_report",
           "is_stale",
           "measure_int8", "quantize_onnx"]

INT8_SUFFIX = ".int8.onnx"
PRECISIONS = ("fp32", "int8")
METHODS = ("dynamic", "static")


class QuantizeError(Exception):
    """Quantising a decoder failed (names the file and the reason)."""


def int8_path(path: Path | str) -> Path:
    """``weights/student.onnx`` -> ``weights/student.int8.onnx`` (an int8 path maps to itself)."""
    p = Path(path)
    if p.name.endswith(INT8_SUFFIX):
        return p
    return p.with_name(p.name[: -len(".onnx")] + INT8_SUFFIX if p.name.endswith(".onnx") else p.name + INT8_SUFFIX)


def _meta(path: Path) -> dict[str, str]:
    from .onnx_export import read_onnx_metadata

    return read_onnx_metadata(path)


def is_stale(fp32: Path | str, int8: Path | str | None = None) -> bool:
    """True when the int8 file is missing or was made from another version of ``fp32``."""
    from .onnx_export import file_sha256

    q = Path(int8) if int8 else int8_path(fp32)
    if not q.is_file():
        return True
    try:
        return _meta(q).get("fp32_sha256") != file_sha256(fp32)
    except Exception:
        return True


def walk_latents(n: int, latent_dim: int, anchors: np.ndarray | None, seed: int) -> np.ndarray:
    """Latents like the live walk's: half N(0, I), half an anchor + U(0.1, 1) * N(0, I)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, latent_dim)).astype(np.float32)
    if anchors is not None and len(anchors):
        k = n // 2
        pick = anchors[rng.integers(0, len(anchors), k)]
        z[:k] = pick + rng.uniform(0.1, 1.0, (k, 1)).astype(np.float32) * z[:k]
    return z


def _config(path: Path) -> tuple[int, np.ndarray | None]:
    meta = _meta(path)
    if meta.get("format") != "vjhost-onnx/1":
        raise QuantizeError(f"{path}: not a vjhost ONNX decoder (format {meta.get('format')!r}); "
                            "export it with vjhost.decode.onnx_export first")
    dim = int(json.loads(meta["vae_config"])["latent_dim"])
    anchors = np.asarray(json.loads(meta["anchors"]), np.float32).reshape(-1, dim) if "anchors" in meta else None
    return dim, anchors


def _session(path: Path, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.intra_op_num_threads = max(1, int(threads))
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return round(10.0 * np.log10(255.0**2 / mse), 2) if mse > 0 else float("inf")


def _compare(fp32: Any, int8: Any, z: np.ndarray) -> dict[str, float]:
    a = fp32.run(["image"], {"z": z})[0]
    b = int8.run(["image"], {"z": z})[0]
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return {"psnr_db": _psnr(a, b), "mean_abs_levels": round(float(d.mean()), 3), "max_abs_levels": int(d.max()),
            "within_8_levels": round(float((d <= 8).mean()), 4)}


def _quantize(pre: Path, out: Path, method: str, latent_dim: int, anchors: np.ndarray | None,
              calib: int, seed: int) -> None:
    import contextlib
    import io

    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    convs = [n.name for n in onnx.load(str(pre)).graph.node if n.op_type == "Conv"]
    keep = convs[-1:]  # the conv that makes the pixels stays fp32
    ops = ["Conv", "Gemm", "MatMul"]
    if method == "dynamic":
        quantize_dynamic(str(pre), str(out), weight_type=QuantType.QUInt8, op_types_to_quantize=ops,
                         nodes_to_exclude=keep)
        return

    z = walk_latents(calib, latent_dim, anchors, seed)

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter([{"z": z[i : i + 8]} for i in range(0, len(z), 8)])

        def get_next(self):
            return next(self._it, None)

    with contextlib.redirect_stdout(io.StringIO()):  # the calibrator's progress lines
        quantize_static(str(pre), str(out), Reader(), quant_format=QuantFormat.QDQ, op_types_to_quantize=ops,
                        nodes_to_exclude=keep, per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile,
                        extra_options={"CalibPercentile": 99.99})


def quantize_onnx(src: Path | str, out: Path | str | None = None, *, method: str = "auto", calib: int = 128,
                  samples: int = 128, seed: int = 0) -> dict[str, Any]:
    """Write the int8 version of the vjhost ONNX decoder ``src`` (default ``<stem>.int8.onnx``).

    ``method``: ``"dynamic"``, ``"static"`` or ``"auto"`` (make both, keep the one whose
    decodes of ``samples`` walk latents are closest to fp32 by PSNR).  Returns a report:
    ``path``, ``method``, ``bytes``, ``fp32_bytes``, ``psnr_db`` (vs fp32) and, under
    ``candidates``, each method's figures.  Raises :class:`QuantizeError` naming the file.
    """
    import tempfile

    import onnx
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from .onnx_export import file_sha256

    src = Path(src)
    out = Path(out) if out else int8_path(src)
    if method not in ("auto", *METHODS):
        raise ValueError(f"method must be auto, dynamic or static, got {method!r}")
    if not src.is_file():
        raise QuantizeError(f"{src}: ONNX file not found")
    if out.resolve() == src.resolve():
        raise QuantizeError(f"{src}: the int8 file would overwrite its fp32 source")
    try:
        dim, anchors = _config(src)
    except QuantizeError:
        raise
    except Exception as exc:
        raise QuantizeError(f"{src}: cannot read its vjhost metadata ({type(exc).__name__}: {exc})") from None
    tried = METHODS if method == "auto" else (method,)
    z = walk_latents(samples, dim, anchors, seed + 7)
    cands: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="vjhost-quant-") as tmp:
        pre = Path(tmp) / "pre.onnx"
        try:
            # shape inference only: ORT's own graph optimisations would bake CPU-only ops into the file
            quant_pre_process(str(src), str(pre), skip_optimization=True, skip_symbolic_shape=True)
        except Exception as exc:
            raise QuantizeError(f"{src}: ONNX pre-processing for quantisation failed "
                                f"({type(exc).__name__}: {exc})") from None
        ref = _session(src)
        for m in tried:
            path = Path(tmp) / f"{m}.onnx"
            try:
                _quantize(pre, path, m, dim, anchors, calib, seed)
                cands[m] = {**_compare(ref, _session(path), z), "bytes": path.stat().st_size}
            except Exception as exc:  # one method failing leaves the other
                cands[m] = {"error": f"{type(exc).__name__}: {exc}"}
        ok = {m: c for m, c in cands.items() if "psnr_db" in c}
        if not ok:
            why = "; ".join(f"{m}: {c['error']}" for m, c in cands.items())
            raise QuantizeError(f"{src}: int8 quantisation failed: {why}")
        best = max(ok, key=lambda m: ok[m]["psnr_db"])
        proto = onnx.load(str(Path(tmp) / f"{best}.onnx"))
        src_meta = _meta(src)
        del proto.metadata_props[:]
        for k, v in {**src_meta, "precision": "int8", "quantization": best, "fp32_file": src.name,
                     "fp32_sha256": file_sha256(src),
                     "quantization_psnr_db": str(ok[best]["psnr_db"])}.items():
            p = proto.metadata_props.add()
            p.key, p.value = k, v
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(out.name + ".tmp")
        onnx.save(proto, str(part))
        os.replace(part, out)
    return {"path": str(out), "method": best, "bytes": out.stat().st_size, "fp32_bytes": src.stat().st_size,
            "psnr_db": ok[best]["psnr_db"], "samples": samples, "candidates": cands}


def measure_int8(fp32: Path | str, int8: Path | str | None = None, *, samples: int = 256, seconds: float = 1.0,
                 threads: int = 1, seed: int = 12345) -> dict[str, Any]:
    """What int8 costs and buys: PSNR of its images vs fp32's over ``samples`` walk latents,
    and fps at batch 1 on the CPU (``threads`` threads, about ``seconds`` of alternating bursts each).

    ``speedup`` is the median over bursts of (fp32 burst time / the int8 burst after it).
    """
    fp32 = Path(fp32)
    int8 = Path(int8) if int8 else int8_path(fp32)
    for p in (fp32, int8):
        if not p.is_file():
            raise QuantizeError(f"{p}: ONNX file not found")
    dim, anchors = _config(fp32)
    a, b = _session(fp32, threads), _session(int8, threads)
    z = walk_latents(samples, dim, anchors, seed)
    rep: dict[str, Any] = {"file": int8.name, "fp32_file": fp32.name, "samples": samples,
                           "method": _meta(int8).get("quantization", "?"),
                           **_compare(a, b, z), "bytes": int8.stat().st_size, "fp32_bytes": fp32.stat().st_size}
    one = z[:1]
    for s in (a, b):  # warm up
        for _ in range(3):
            s.run(["image"], {"z": one})
    times: dict[str, list[float]] = {"fp32": [], "int8": []}
    t0 = time.perf_counter()
    a.run(["image"], {"z": one})
    burst = int(min(64, max(2, 0.02 / max(time.perf_counter() - t0, 1e-5))))
    end = time.perf_counter() + 2 * seconds
    i = 0
    while time.perf_counter() < end or len(times["int8"]) < 3:
        for key, s in (("fp32", a), ("int8", b)):
            t = time.perf_counter()
            for j in range(i, i + burst):
                s.run(["image"], {"z": z[j % len(z) : j % len(z) + 1]})
            times[key].append((time.perf_counter() - t) / burst)
        i += burst
    ratios = [x / y for x, y in zip(times["fp32"], times["int8"])]
    rep.update({
        "threads": threads,
        "fp32_fps": round(1.0 / float(np.median(times["fp32"])), 1),
        "int8_fps": round(1.0 / float(np.median(times["int8"])), 1),
        "speedup": round(float(np.median(ratios)), 3),
        "bursts": len(ratios),
    })
    return rep


def int8_report(onnx_files: dict[str, Path | str], *, roles: tuple[str, ...] = ("student",), make: bool = True,
                samples: int = 256, seconds: float = 1.0, threads: int = 1) -> dict[str, Any]:
    """The ``int8`` section of a pack's ``EVAL.json``.

    ``onnx_files`` maps a role (``teacher``/``student``) to its fp32 ``.onnx``.  For each of
    ``roles`` that has one, the int8 file is (re)made when missing or stale and ``make`` is true,
    then measured (:func:`measure_int8`).  A role whose int8 file cannot be had gets an
    ``error`` entry instead; the evaluation goes on.
    """
    out: dict[str, Any] = {}
    for role in roles:
        src = onnx_files.get(role)
        if src is None or not Path(src).is_file():
            continue
        try:
            made = None
            if make and is_stale(src):
                made = quantize_onnx(src)
            rep = measure_int8(src, samples=samples, seconds=seconds, threads=threads)
            if made:
                rep["candidates"] = made["candidates"]
            out[role] = rep
        except Exception as exc:
            out[role] = {"error": str(exc) if isinstance(exc, QuantizeError) else f"{type(exc).__name__}: {exc}"}
    return out


def add_precision_argument(parser) -> None:
    """``--precision fp32|int8`` on a show command: sets ``$VJHOST_DECODER_PRECISION``, which the ONNX
    backend reads (so it reaches every decoder the show builds, pack changes included)."""
    import argparse

    class _Precision(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None) -> None:
            os.environ["VJHOST_DECODER_PRECISION"] = values
            setattr(namespace, self.dest, values)

    parser.add_argument("--precision", choices=PRECISIONS, default=None, action=_Precision,
                        help="ONNX backend: fp32 (default) or int8, the quantised file beside it "
                             "(student.int8.onnx; python -m vjhost.decode.quantize makes it)")


def main(argv: list[str] | None = None) -> int:
    """``python -m vjhost.decode.quantize student.onnx``: write student.int8.onnx and print its cost."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m vjhost.decode.quantize", description=main.__doc__)
    ap.add_argument("onnx", type=Path, nargs="+", help="vjhost ONNX decoders (fp32)")
    ap.add_argument("--method", choices=("auto", *METHODS), default="auto")
    ap.add_argument("--seconds", type=float, default=1.0, help="timing per precision")
    args = ap.parse_args(argv)
    for src in args.onnx:
        try:
            made = quantize_onnx(src, method=args.method)
            rep = measure_int8(src, seconds=args.seconds)
        except QuantizeError as exc:
            raise SystemExit(f"vjhost quantize: {exc}") from None
        print(json.dumps({**rep, "candidates": made["candidates"]}, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
