"""Several processes training one model: ``torchrun --nproc_per_node=N -m vjhost train ...``.

torchrun starts N copies of the command and tells each who it is through the
environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``,
``MASTER_PORT``).  :func:`setup` reads that, joins the process group (NCCL
when the process has a GPU, gloo on the CPU) and picks the process's device
(``cuda:LOCAL_RANK``).  Outside torchrun it does nothing and returns the
single-process :data:`SINGLE`, and training behaves exactly as it always has.

The training loop asks :meth:`Dist.is_main` before writing anything (weights,
checkpoints, samples, the MLflow run, the progress bar): rank 0 does, the
others only train.  :func:`mean` averages a logged number over the ranks;
:func:`average_gradients` does by hand what DistributedDataParallel does for
a model it wraps (used for the discriminator, which DDP does not wrap).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

__all__ = ["Dist", "SINGLE", "under_torchrun", "setup", "barrier", "mean", "average_gradients", "shard", "share",
           "gather_objects", "in_sync", "cleanup"]


@dataclass(frozen=True)
class Dist:
    """Who this process is among the training processes."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str = ""  #: "nccl", "gloo", or "" for a single process

    @property
    def enabled(self) -> bool:
        """Several processes train together (a process group is up)."""
        return self.world_size > 1

    def is_main(self) -> bool:
        """Rank 0: the process that writes files, logs and prints."""
        return self.rank == 0


#: one process, no process group: what every run outside torchrun gets
SINGLE = Dist()


def under_torchrun() -> bool:
    """torchrun (or ``python -m torch.distributed.run``) started this process with more than one rank."""
    try:
        return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1
    except ValueError:
        return False


def setup(device: str = "auto") -> tuple[Dist, str]:
    """Join the process group torchrun describes; ``(Dist, device name)`` for this process.

    ``device`` is the CLI's ``--device`` (auto, cpu, cuda): under torchrun a CUDA
    process uses ``cuda:LOCAL_RANK`` and NCCL, a CPU one gloo.  Outside torchrun:
    ``(SINGLE, device)`` unchanged, no process group.
    """
    if not under_torchrun():
        return SINGLE, device
    import torch.distributed as dist

    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    cuda = device != "cpu" and torch.cuda.is_available()
    if device.startswith("cuda") and not cuda:
        raise SystemExit("vjhost train: --device cuda but no CUDA device is available")
    if cuda:
        if local >= torch.cuda.device_count():
            raise SystemExit(f"vjhost train: rank {rank} has local rank {local} but only "
                             f"{torch.cuda.device_count()} CUDA devices: start at most that many per node")
        torch.cuda.set_device(local)
        device = f"cuda:{local}"
    else:
        device = "cpu"
    backend = "nccl" if cuda else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=rank, world_size=world)
    return Dist(rank, world, local, backend), device


def barrier(ctx: Dist) -> None:
    """Wait until every rank gets here (nothing to wait for in a single process)."""
    if ctx.enabled:
        import torch.distributed as dist

        dist.barrier()


def mean(ctx: Dist, values: torch.Tensor) -> torch.Tensor:
    """``values`` (a tensor of numbers to log) averaged over the ranks; returned as is in a single process."""
    if not ctx.enabled:
        return values
    import torch.distributed as dist

    out = values.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out / ctx.world_size


def average_gradients(ctx: Dist, module: torch.nn.Module) -> None:
    """Average the gradients of ``module``'s parameters over the ranks (as DDP does), in one all-reduce."""
    if not ctx.enabled:
        return
    import torch.distributed as dist

    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= ctx.world_size
    i = 0
    for g in grads:
        g.copy_(flat[i:i + g.numel()].view_as(g))
        i += g.numel()


def shard(ctx: Dist, n: int) -> slice:
    """This rank's part of a global batch of ``n`` items: every ``world_size``-th item from ``rank``.

    The parts are disjoint and cover the batch (the first ``n % world_size`` ranks get one more);
    a single process gets all of it."""
    return slice(ctx.rank, n, ctx.world_size)


def share(ctx: Dist, n: int) -> int:
    """How many of a global batch of ``n`` items this rank draws (the size of :func:`shard`)."""
    return len(range(n)[shard(ctx, n)])


def gather_objects(ctx: Dist, obj) -> list:
    """Every rank's ``obj`` (small, picklable in memory only: it never touches a file), in rank order."""
    if not ctx.enabled:
        return [obj]
    import torch.distributed as dist

    out: list = [None] * ctx.world_size
    dist.all_gather_object(out, obj)
    return out


def in_sync(ctx: Dist, module: torch.nn.Module) -> bool:
    """Whether every rank holds exactly the same parameters as rank 0 (a cheap end-of-training check)."""
    if not ctx.enabled:
        return True
    import torch.distributed as dist

    with torch.no_grad():
        flat = torch.cat([p.detach().reshape(-1).float() for p in module.parameters()])
        ref = flat.clone()
        dist.broadcast(ref, src=0)
        diff = torch.tensor([float((flat != ref).any())], device=flat.device)
        dist.all_reduce(diff, op=dist.ReduceOp.MAX)
    return diff.item() == 0.0


def cleanup(ctx: Dist) -> None:
    """Leave the process group (after the last collective call)."""
    if ctx.enabled:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
