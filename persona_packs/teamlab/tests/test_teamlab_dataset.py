"""The teamlab pack's training data: points, petals and streams of light a 64-d decoder can hold sharply.

Light of one of six palettes on the deep ground, crisp cores with soft halos, composited so every pixel
lies on one colour's ramp (ground -> colour -> white-hot).  Each picture follows from a few discrete
choices and a dozen or so continuous numbers (counted by ``vjhost.train.motifs.budget``), each of which
moves the picture a little; the same seed draws the same picture at 128² and 256².
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from vjhost.packtest import families, family_budget_tests
from vjhost.tomlcompat import tomllib
from vjhost.train.motifs.palettes import palette_distance

MANIFEST = tomllib.loads((Path(__file__).resolve().parents[1] / "vjhost_teamlab" / "pack.toml").read_text())
NAMES = ("particles", "petals", "blossoms", "streams", "light_strings", "burst", "water", "bokeh")
PACK = "vjhost_teamlab"
SEEDS = range(8)
#: separate lights (lit blobs) at least this many in every picture of the family
LIGHTS_AT_LEAST = {"particles": 60, "petals": 20, "blossoms": 3, "streams": 8, "light_strings": 60, "burst": 12,
                   "water": 8, "bokeh": 3}


def draw(name: str, seed: int, size: int = 128) -> np.ndarray:
    return families(PACK)[name](np.random.default_rng(seed), size)


def to255(img: np.ndarray) -> np.ndarray:
    return (np.asarray(img) * 255).round().astype(np.int16)


def test_the_recipe_names_the_scenes():
    """(Determinism, balance and the dark ground over a whole batch: tests/test_pack_teamlab.py.)"""
    from vjhost_teamlab.dataset import MOTIFS, RECIPE, generate

    assert RECIPE["motifs"] == list(MOTIFS) == MANIFEST["scenes"] and MOTIFS == NAMES and RECIPE["version"] >= 2
    a, la = generate(16, 256, seed=1)  # at 256² too: balanced, dark, luminous
    assert np.bincount(la).tolist() == [2] * 8 and np.median(a.mean(axis=1)) < 0.05 * 255 and a.max() == 255


# At most 6 discrete choices and 3..16 continuous numbers per picture, whatever the seed (no random number per
# particle, petal or spark); every continuous number moved by 0.1 % of its range moves the picture, by less than
# 10 levels.
(test_every_family_follows_from_a_few_numbers,
 test_small_parameter_steps_move_the_picture_a_little) = family_budget_tests(
    PACK, discrete=6, continuous=16, least=3, seeds=range(16), rounded=True)


@pytest.mark.parametrize("name", NAMES)
def test_light_stays_on_the_palette_and_is_the_same_at_any_size(name):
    from vjhost_teamlab.dataset import PALETTE

    for seed in range(3):
        small, big = draw(name, seed, 128), draw(name, seed, 256)
        # every pixel on one colour's ramp: the ground, a light colour or white-hot, or a mix of two of them
        assert palette_distance(small, PALETTE).max() < 0.02, (name, seed)
        shrunk = big.reshape(3, 128, 2, 128, 2).mean((2, 4))
        assert np.abs(to255(shrunk) - to255(small)).mean() < 4, name


@pytest.mark.parametrize("name", NAMES)
def test_lights_on_a_deep_ground(name):
    """Each picture: much of the frame the flat ground colour, many separate lights, the brightest at full
    colour or white-hot."""
    from vjhost_teamlab.dataset import _RGB, GROUND

    ground = to255(_RGB[GROUND])[:, None, None]
    for seed in SEEDS:
        px = to255(draw(name, seed))
        dark = (np.abs(px - ground).max(0) <= 12).mean()
        assert dark > 0.3, (name, seed, dark)
        lum = px.mean(0)
        n = ndimage.label(lum > 90)[1]
        assert n >= LIGHTS_AT_LEAST[name], (name, seed, n)
        # a channel at full brightness: the light glows (bokeh: out-of-focus discs, dimmer, never burnt white)
        assert px.max() >= (140 if name == "bokeh" else 250), (name, seed)


def test_six_palettes_each_picture_one():
    """A picture's lights come from one of the six three-colour palettes (with the ground and white-hot)."""
    from vjhost_teamlab.dataset import GROUND, LIGHTS, PALETTE, WHITE

    assert len(LIGHTS) == 6 and sorted(i for p in LIGHTS for i in p) == list(range(1, len(PALETTE) - 1))
    for name in NAMES:
        for seed in range(3):
            img = draw(name, seed)
            fits = [palette_distance(img, [PALETTE[i] for i in (GROUND, *p, WHITE)]).max() < 0.02 for p in LIGHTS]
            assert sum(fits) == 1, (name, seed, fits)
