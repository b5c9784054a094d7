"""The commands in docs/mlops.md and docs/deploy.md are real: vjhost commands parse, DVC stages and
Compose services/profiles they name exist, python -m modules import."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[1]


def commands(doc: str) -> list[list[str]]:
    text = (REPO / "docs" / doc).read_text()
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line:
                out.append(shlex.split(line))
    return out


@pytest.mark.parametrize("doc", ["mlops.md", "deploy.md"])
def test_doc_commands_exist(doc, monkeypatch):
    from vjhost.cli import build_parser

    monkeypatch.setenv("VJHOST_DECODER_PRECISION", "fp32")  # parsing --precision sets it: restored after the test
    packs = yaml.safe_load((REPO / "params" / "packs.yaml").read_text())["packs"]
    dvc_stages = {s for s in yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]}
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())["services"]
    seen = set()
    for argv in commands(doc):
        tool = argv[0]
        seen.add(tool)
        if tool == "vjhost":
            build_parser().parse_args(argv[1:])  # SystemExit on anything it does not know
        elif tool == "dvc" and argv[1] == "repro" and len(argv) > 2:
            stage, _, pack = argv[2].partition("@")
            assert stage in dvc_stages and pack in packs, argv
        elif tool == "docker" and argv[1] == "compose":
            profiles = [argv[i + 1] for i, a in enumerate(argv) if a == "--profile"]
            names = [a for a in argv[argv.index("up") + 1:] if not a.startswith("-")] if "up" in argv else []
            for n in names:
                assert n in compose and set(compose[n].get("profiles", [])) <= set(profiles), argv
        elif tool == "python" and argv[1] == "-m":
            importlib.import_module(argv[2])
    assert {"vjhost", "docker"} & seen
