"""`vjhost train` under torchrun (two CPU processes, gloo), checkpoints and resuming, on a tiny model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from vjhost.decode.weights import build_decoder, load_decoder_weights
from vjhost.train import checkpoint, distributed
from vjhost.train.cli import main as train_main
from vjhost.train.vae import Pool, one_cycle

ROOT = Path(__file__).resolve().parents[1]
KUSAMA = ROOT / "persona_packs" / "kusama"

MANIFEST = """
schema_version = 1
name = "tiny"
scenes = []
[decoder]
weights = "weights/decoder.safetensors"
latent_dim = 8
size = 32
channels = 3
[shaders]
source = "tiny.glsl"
[training]
dataset = "vjhost_kusama.dataset:generate"
motifs = "vjhost_kusama.dataset:MOTIFS"
recipe = "vjhost_kusama.dataset:RECIPE"
widths = [16, 8, 4]
batch = 8
pool = 32
freq_weight = 0.5
# the discriminator (its gradients averaged by hand) and the EMA join half-way
adv_weight = 0.5
adv_start = 0.5
ema = 0.9
ema_start = 0.5
"""

#: runs `vjhost train` in each torchrun process and saves what that rank trained, to compare the ranks
DRIVER = """
import os, sys
from safetensors.torch import save_file
import vjhost.train.vae as vae

out, real = sys.argv[1], vae.train_vae

def spy(*args, **kwargs):
    res = real(*args, **kwargs)
    state = {k: v.contiguous() for k, v in res.vae.state_dict().items()}
    save_file(state, os.path.join(out, "rank%s.safetensors" % os.environ["RANK"]))
    return res

vae.train_vae = spy
from vjhost.train.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def tiny_pack(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(KUSAMA))
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "pack.toml").write_text(MANIFEST)
    return d


def teacher_args(pack: Path, out: Path, steps: int, *extra: str) -> list[str]:
    return [str(pack), "--stage", "teacher", "--steps", str(steps), "--no-track", "--quiet", "--device", "cpu",
            "--out", str(out), *extra]


def test_shards_split_each_batch_without_overlap():
    for world in (1, 2, 3):
        parts = [distributed.shard(distributed.Dist(r, world), 8) for r in range(world)]
        items = [i for p in parts for i in range(8)[p]]
        assert sorted(items) == list(range(8))  # disjoint, and together the whole batch
        assert [distributed.share(distributed.Dist(r, world), 8) for r in range(world)] == [len(range(8)[p])
                                                                                           for p in parts]

    def gen(n, size, seed):
        rng = np.random.default_rng(seed)
        return rng.integers(0, 255, (n, 1, size, size), dtype=np.uint8), np.zeros(n, int)

    whole = Pool(gen, 24, 8, 4, seed=3)
    halves = [Pool(gen, 24, 8, 4, seed=3, part=distributed.shard(distributed.Dist(r, 2), 8)) for r in range(2)]
    for _ in range(5):  # every rank walks the same shuffled order and takes its own images of each batch
        batch = whole.get()
        a, b = (h.get() for h in halves)
        assert np.array_equal(np.concatenate([a, b]), np.concatenate([batch[0::2], batch[1::2]]))


def test_one_cycle_schedule_survives_short_runs():
    for steps in range(1, 40):  # OneCycleLR divided by zero at 10 steps with a 10 % warm-up
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.Adam([p], lr=1e-3)
        sched = one_cycle(opt, 1e-3, steps)
        for _ in range(steps):
            opt.step()
            if sched is not None:
                sched.step()
        assert (sched is None) == (steps < 5)
        assert 0 < opt.param_groups[0]["lr"] <= 1e-3


def test_checkpoint_round_trip_without_pickle(tmp_path):
    state = {"step": 3, "ints": {0: {"t": torch.arange(4.0)}, 7: None}, "betas": (0.1 + 0.2, 0.999),
             "rng": np.random.default_rng(1).bit_generator.state, "order": np.arange(5, dtype=np.int64),
             "scalar": torch.tensor(2.5), "rows": [{"loss": 1 / 3}]}
    path = checkpoint.save(tmp_path / "c", state)
    assert path.name == "c.safetensors" and (tmp_path / "c.json").is_file()
    back = checkpoint.load(tmp_path / "c.json")
    assert back["ints"][0]["t"].tolist() == [0, 1, 2, 3] and back["ints"][7] is None
    assert back["betas"] == (0.1 + 0.2, 0.999) and back["rows"] == [{"loss": 1 / 3}]  # exact floats, tuples
    assert back["rng"] == state["rng"] and np.array_equal(back["order"], state["order"])
    assert back["scalar"].item() == 2.5 and back["step"] == 3
    side = json.loads((tmp_path / "c.json").read_text())
    side["id"] = "0" * 16  # the pair of files from two different saves
    (tmp_path / "c.json").write_text(json.dumps(side))
    with pytest.raises(checkpoint.CheckpointError, match="different saves"):
        checkpoint.load(path)
    with pytest.raises(checkpoint.CheckpointError, match="no such checkpoint"):
        checkpoint.load(tmp_path / "missing")


def test_two_cpu_processes_train_in_sync_like_one(tiny_pack, tmp_path):
    """torchrun --nproc_per_node=2 on gloo: both ranks end with the same weights; rank 0 writes a decoder
    shaped like a single process's."""
    (tmp_path / "driver.py").write_text(textwrap.dedent(DRIVER))
    ddp = tmp_path / "ddp"
    ddp.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(KUSAMA), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(tmp_path / "driver.py"), str(ddp), *teacher_args(tiny_pack, ddp / "decoder.safetensors", 6)]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    from safetensors.torch import load_file

    r0, r1 = load_file(str(ddp / "rank0.safetensors")), load_file(str(ddp / "rank1.safetensors"))
    assert r0.keys() == r1.keys() and all(torch.equal(r0[k], r1[k]) for k in r0)  # the ranks stayed in sync
    written = sorted(p.name for p in ddp.iterdir() if p.suffix == ".safetensors")
    assert written == ["decoder.safetensors", "rank0.safetensors", "rank1.safetensors"]  # rank 0 alone wrote weights
    record = json.loads((ddp / "TRAINING.json").read_text())
    assert record["distributed"] == {"world_size": 2, "backend": "gloo", "batch_per_rank": 4, "ranks_in_sync": True}
    assert record["steps"] == 6 and record["images_seen"] == 48 and np.isfinite(record["final_loss_per_pixel"])

    one = tmp_path / "one" / "decoder.safetensors"
    assert train_main(teacher_args(tiny_pack, one, 6)) == 0
    a, b = load_decoder_weights(ddp / "decoder.safetensors"), load_decoder_weights(one)
    assert {k: v.shape for k, v in a.state.items()} == {k: v.shape for k, v in b.state.items()}
    assert a.config == b.config and a.anchors.shape == b.anchors.shape and a.anchor_names == b.anchor_names
    assert "distributed" not in json.loads((one.parent / "TRAINING.json").read_text())


def test_resume_continues_where_the_checkpoint_left_off(tiny_pack, tmp_path):
    full = tmp_path / "full" / "decoder.safetensors"
    assert train_main(teacher_args(tiny_pack, full, 4, "--checkpoint-every", "2")) == 0
    ckpts = full.parent / "checkpoints"
    assert sorted(p.name for p in ckpts.iterdir()) == [
        "teacher-step000002.json", "teacher-step000002.safetensors",
        "teacher-step000004.json", "teacher-step000004.safetensors"]
    head = (ckpts / "teacher-step000002.safetensors").read_bytes()[:8]
    assert head[0] != 0x80  # safetensors, never a pickle
    assert checkpoint.load(ckpts / "teacher-step000002")["step"] == 2

    again = tmp_path / "again" / "decoder.safetensors"
    assert train_main(teacher_args(tiny_pack, again, 4, "--resume", str(ckpts / "teacher-step000002.safetensors"))) == 0
    record = json.loads((again.parent / "TRAINING.json").read_text())
    assert record["resumed_from"]["step"] == 2 and record["steps"] == 4
    dec = build_decoder(load_decoder_weights(again), again)
    with torch.no_grad():
        img = torch.sigmoid(dec(torch.zeros(1, 8)))
    assert img.shape == (1, 3, 32, 32) and torch.isfinite(img).all()
    # steps 3-4 again from the checkpoint: the same weights as the run that never stopped
    a, b = load_decoder_weights(full).state, load_decoder_weights(again).state
    assert all(torch.equal(a[k], b[k]) for k in a)

    with pytest.raises(SystemExit, match="steps was 4"):
        train_main(teacher_args(tiny_pack, again, 8, "--resume", str(ckpts / "teacher-step000002.safetensors")))


def test_the_several_gpus_doc_commands_parse():
    import re
    import shlex

    from vjhost.train.cli import build_parser

    text = (ROOT / "docs" / "training.md").read_text().split("## Several GPUs")[1].split("\n## ")[0]
    lines = [ln for block in re.findall(r"```sh\n(.*?)```", text, re.S) for ln in block.splitlines() if ln.strip()]
    assert sum(ln.startswith("torchrun ") for ln in lines) >= 2 and any("--resume" in ln for ln in lines)
    for line in lines:
        argv = shlex.split(line)
        rest = argv[argv.index("vjhost") + 1:]
        assert rest[0] == "train", line
        build_parser().parse_args(rest[1:])  # SystemExit on an option vjhost train does not know


def test_help_names_torchrun_checkpoints_and_mixed_precision(capsys):
    from vjhost.cli import main as vjhost_main

    with pytest.raises(SystemExit) as exc:
        vjhost_main(["train", "--help"])  # train's own help, through the top-level command
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("torchrun --nproc_per_node=N -m vjhost train", "DistributedDataParallel", "rank 0 writes",
                  "--checkpoint-every N", "--resume CHECKPOINT", "--amp {auto,bf16,fp16,off}"):
        assert words in text, words


def test_mixed_precision_only_on_cuda():
    from vjhost.train.vae import _Amp

    cpu = _Amp("auto", torch.device("cpu"))
    assert cpu.dtype is None and cpu.scaler is None and cpu.name == "off"  # the CPU trains in fp32 whatever is asked
    assert _Amp("fp16", torch.device("cpu")).dtype is None
    with pytest.raises(ValueError, match="amp must be"):
        _Amp("fp8", torch.device("cpu"))
