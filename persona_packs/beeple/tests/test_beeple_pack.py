"""The beeple pack's own tests (made by `vjhost pack new beeple --template persona`).

Once the pack is installed (`pip install -e persona_packs/beeple`), vjhost's shared suite
(tests/test_every_pack.py: validate, distinct scenes, palette, audio reaction, frame
budget, sharpness, style) tests it too, with no test code of its own.  Add here what
only this persona does: its dataset's motifs, its shaders' looks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

PKG = Path(__file__).resolve().parents[1] / "vjhost_beeple"
sys.path.insert(0, str(PKG.parent))


def test_dataset_is_deterministic_balanced_and_in_the_palette():
    from vjhost_beeple.dataset import MOTIFS, PALETTE, RECIPE, generate

    from vjhost.tomlcompat import tomllib
    from vjhost.train.motifs.palettes import palette_distance

    a, la = generate(16, size=64, seed=3)
    b, lb = generate(16, size=64, seed=3)
    assert a.shape == (16, 3, 64, 64) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert np.bincount(la, minlength=len(MOTIFS)).tolist() == [16 // len(MOTIFS)] * len(MOTIFS)
    manifest = tomllib.loads((PKG / "pack.toml").read_text())
    assert list(manifest["scenes"]) == list(MOTIFS) == RECIPE["motifs"]
    assert [c.lower() for c in manifest["palette"]] == [c.lower() for c in PALETTE]
    d = np.concatenate([palette_distance(img, PALETTE).ravel() for img in a])
    assert (d < 0.15).mean() > 0.95
