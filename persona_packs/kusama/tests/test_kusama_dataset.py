"""The kusama pack's training data: polka dots a 64-d decoder can hold sharply.

Every family is dense -- many round dots in flat, saturated pairs from the pack's palette -- yet each
picture follows from a few discrete choices and a dozen or so continuous numbers (counted by
``vjhost.train.motifs.budget``), each of which moves the picture a little; the same seed draws the same
picture at 128² and 256².  Moved here from tests/test_pack_kusama.py with the recipe-v2 generator.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from vjhost.packtest import families, family_budget_tests
from vjhost.train.motifs.palettes import palette_distance

PACK = "vjhost_kusama"
SEEDS = range(8)


def draw(name: str, seed: int, size: int = 128) -> np.ndarray:
    return families(PACK)[name](np.random.default_rng(seed), size)


def to255(img: np.ndarray) -> np.ndarray:
    return (np.asarray(img) * 255).round().astype(np.int16)


def ground_and_dots(px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most common colour (the ground) and where the picture is clearly not it."""
    cols, counts = np.unique(px.reshape(3, -1).T, axis=0, return_counts=True)
    ground = cols[counts.argmax()]
    return ground, np.abs(px - ground[:, None, None]).max(0) > 60


NAMES = ("polka", "scatter", "net", "pumpkin", "mirror_room", "rings", "waves", "swell")
DOTS = ("polka", "scatter", "rings", "waves", "swell")


def test_dataset_is_deterministic_balanced_and_saturated():
    from vjhost_kusama.dataset import MOTIFS, RECIPE, generate

    a, la = generate(32, seed=3)
    b, lb = generate(32, seed=3)
    c, _ = generate(32, seed=4)
    assert a.shape == (32, 3, 128, 128) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(la, lb) and not np.array_equal(a, c)
    assert np.bincount(la, minlength=len(MOTIFS)).tolist() == [4] * 8
    assert MOTIFS == NAMES and RECIPE["motifs"] == list(MOTIFS) and RECIPE["version"] >= 2
    small, _ = generate(8, size=32, seed=0)
    assert small.shape == (8, 3, 32, 32)
    # saturated colour: most images carry a strongly coloured region
    sat = a.max(axis=1).astype(int) - a.min(axis=1)
    assert (sat.reshape(32, -1).max(axis=1) > 150).mean() > 0.8


# At most 6 discrete choices and 3..16 continuous numbers per picture, whatever the seed (no random number per dot);
# every continuous number moved by 0.1 % of its range moves the picture, by less than 10 levels.
(test_every_family_follows_from_a_few_numbers,
 test_small_parameter_steps_move_the_picture_a_little) = family_budget_tests(
    PACK, discrete=6, continuous=16, least=3, seeds=range(16), rounded=True)


@pytest.mark.parametrize("name", NAMES)
def test_flat_colours_of_the_palette_and_the_same_picture_at_any_size(name):
    from vjhost_kusama.dataset import PALETTE

    pal = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in PALETTE], np.int16)
    for seed in range(3):
        small, big = draw(name, seed, 128), draw(name, seed, 256)
        # every pixel a palette colour or a mix of two (where three meet, an edge pixel may mix three)
        d = palette_distance(small, PALETTE)
        assert (d < 0.05).mean() > 0.995 and d.max() < 0.15, (name, seed)
        px = to255(small).reshape(3, -1).T
        flat = (np.abs(px[:, None, :] - pal[None]).max(-1) <= 2).any(-1).mean()
        if name != "mirror_room":  # flat: only the anti-aliased edges lie between two colours
            assert flat > (0.45 if name == "net" else 0.75), (name, seed, flat)
        # the same picture at 256² (edges defined in uv): its 2x2 means are the 128² picture
        shrunk = big.reshape(3, 128, 2, 128, 2).mean((2, 4))
        assert np.abs(to255(shrunk) - to255(small)).mean() < 5, name


@pytest.mark.parametrize("name", DOTS)
def test_dot_families_are_dense_fields_of_round_dots(name):
    for seed in SEEDS:
        px = to255(draw(name, seed))
        _, dots = ground_and_dots(px)
        labels, n = ndimage.label(dots)
        assert n >= 20, f"{name} seed {seed}: only {n} dots"
        if name == "swell":
            continue  # its dots swell into each other
        # dots are round: a typical dot fills about pi/4 of its bounding box
        fill = [float((labels[sl] == i + 1).mean()) for i, sl in enumerate(ndimage.find_objects(labels))
                if sl is not None and min(sl[0].stop - sl[0].start, sl[1].stop - sl[1].start) >= 5]
        if len(fill) >= 5:
            assert 0.6 < np.median(fill) < 0.92, (name, seed, np.median(fill))


def test_the_net_is_one_mesh_covering_the_frame():
    for seed in SEEDS:
        px = to255(draw("net", seed))
        cols, counts = np.unique(px.reshape(3, -1).T, axis=0, return_counts=True)
        top = counts[np.argsort(counts)[-2:]].sum() / counts.sum()
        assert top > 0.5, seed  # two flat colours (and their anti-aliased edges: a fine mesh is mostly edges) ...
        fg = np.abs(px - cols[counts.argmax()][:, None, None]).max(0) > 60
        # ... finely interleaved everywhere: every 16-pixel tile holds both
        tiles = fg.reshape(8, 16, 8, 16).mean((1, 3))
        assert (tiles > 0.05).all() and (tiles < 0.95).all(), seed


def test_the_pumpkin_is_one_ribbed_body_covered_in_dots():
    from vjhost_kusama.dataset import _RGB, GOURDS

    for seed in SEEDS:
        img = draw("pumpkin", seed)
        px = to255(img)
        bodies = [np.abs(px - to255(_RGB[b])[:, None, None]).max(0) <= 2 for _, b, _ in GOURDS]
        body = max(bodies, key=lambda m: m[20:108, 20:108].mean())
        filled = ndimage.binary_fill_holes(ndimage.binary_closing(body, iterations=2))
        labels, n = ndimage.label(filled)
        biggest = np.bincount(labels.ravel())[1:].max() / body.size
        assert 0.12 < biggest < 0.55, (seed, biggest)  # one gourd, a good part of the frame
        # dots inside the body: ink there, apart from the thin rib outlines (gone after a one-pixel erosion)
        ink = filled & ~body & ~ndimage.binary_dilation(~filled, iterations=2)
        assert ndimage.label(ndimage.binary_erosion(ink))[1] >= 8, seed


def test_the_mirror_room_is_glowing_dots_receding_on_black():
    for seed in SEEDS:
        px = to255(draw("mirror_room", seed))
        lum = px.mean(0)
        assert np.median(lum) < 60  # a dark room ...
        n = ndimage.label(lum > 90)[1]
        assert n >= 60, (seed, n)  # ... full of separate lights
        # the lights shrink toward the vanishing point: small ones gather in the middle of the frame
        assert lum.max() > 200
