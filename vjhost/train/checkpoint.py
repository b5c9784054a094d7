"""Training checkpoints without pickle: tensors in safetensors, everything else in a JSON sidecar.

A checkpoint is two files written side by side, ``NAME.safetensors`` (every
tensor: the model's and the optimizer's state, the EMA's shadow weights, RNG
states as uint8 tensors) and ``NAME.json`` (the rest: the step, the
scheduler's numbers, the optimizer's parameter groups, numpy RNG states,
the loss history), each written under a temporary name and renamed into place
(:mod:`vjhost.atomic`).  Both carry the same random ``id``, so a pair torn by a
crash between the two renames is refused rather than half-loaded.  Loading
never unpickles anything, like the project's weights.

:func:`flatten` turns a nested state (dicts, lists, tuples, numbers, strings,
tensors, numpy arrays) into JSON plus a flat tensor table; :func:`unflatten`
reverses it exactly (int dict keys, tuples and float bits included).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_output

FORMAT = "vjhost-checkpoint/1"


class CheckpointError(Exception):
    """A checkpoint is missing, torn or not one of ours."""


def paths(path: Path | str) -> tuple[Path, Path]:
    """``(NAME.safetensors, NAME.json)`` for a checkpoint named by either file (or by ``NAME``)."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (".safetensors", ".json") else path
    return base.with_name(base.name + ".safetensors"), base.with_name(base.name + ".json")


def flatten(obj, tensors: dict[str, torch.Tensor], prefix: str = "s"):
    """``obj`` as JSON-able data; its tensors (and numpy arrays) moved into ``tensors`` under dotted keys."""
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj.detach().cpu().contiguous()
        return {"__tensor__": prefix}
    if isinstance(obj, np.ndarray):
        tensors[prefix] = torch.from_numpy(np.ascontiguousarray(obj))
        return {"__ndarray__": prefix}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: flatten(v, tensors, f"{prefix}.{k}") for k, v in obj.items()}}
        return {"__items__": [[k, flatten(v, tensors, f"{prefix}.{i}")] for i, (k, v) in enumerate(obj.items())]}
    if isinstance(obj, tuple):
        return {"__tuple__": [flatten(v, tensors, f"{prefix}.{i}") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [flatten(v, tensors, f"{prefix}.{i}") for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    raise TypeError(f"cannot checkpoint {type(obj).__name__} at {prefix}")


def unflatten(data, tensors: dict[str, torch.Tensor]):
    """The inverse of :func:`flatten`."""
    if isinstance(data, list):
        return [unflatten(v, tensors) for v in data]
    if isinstance(data, dict):
        if "__tensor__" in data:
            return tensors[data["__tensor__"]]
        if "__ndarray__" in data:
            return tensors[data["__ndarray__"]].numpy()
        if "__dict__" in data:
            return {k: unflatten(v, tensors) for k, v in data["__dict__"].items()}
        if "__items__" in data:
            return {k: unflatten(v, tensors) for k, v in data["__items__"]}
        if "__tuple__" in data:
            return tuple(unflatten(v, tensors) for v in data["__tuple__"])
        raise CheckpointError(f"unknown entry {sorted(data)}")
    return data


def save(path: Path | str, state: dict) -> Path:
    """Write ``state`` as the checkpoint ``path`` (``.safetensors`` + ``.json``); the tensor file's path."""
    from safetensors.torch import save_file

    st, js = paths(path)
    st.parent.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    body = flatten(state, tensors)
    tag = secrets.token_hex(8)
    with atomic_output(st, force=True) as tmp:
        save_file(tensors, str(tmp), metadata={"format": FORMAT, "id": tag})
        os.chmod(tmp, 0o644)  # safetensors writes 0600; like the weights, readable by whoever resumes the run
    with atomic_output(js, force=True) as tmp:
        tmp.write_text(json.dumps({"format": FORMAT, "id": tag, "state": body}) + "\n")
    return st


def load(path: Path | str) -> dict:
    """The state saved by :func:`save` (tensors on the CPU).  Raises :class:`CheckpointError`."""
    from safetensors import safe_open

    from ..decode.weights import WeightsError, check_safetensors

    st, js = paths(path)
    for p in (st, js):
        if not p.is_file():
            raise CheckpointError(f"{p}: no such checkpoint file (a checkpoint is {st.name} with {js.name})")
    try:
        check_safetensors(st)
        side = json.loads(js.read_text())
        with safe_open(str(st), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (OSError, ValueError, WeightsError) as e:
        raise CheckpointError(f"{st}: unreadable checkpoint: {e}") from e
    if meta.get("format") != FORMAT or side.get("format") != FORMAT:
        raise CheckpointError(f"{st}: not a {FORMAT} checkpoint")
    if meta.get("id") != side.get("id"):
        raise CheckpointError(f"{st} and {js.name} are from different saves (interrupted write?)")
    return unflatten(side["state"], tensors)
