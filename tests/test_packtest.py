"""The pack toolkit (vjhost.packtest): what a pack's own tests lean on must catch what it claims to."""

from __future__ import annotations

import numpy as np
import pytest

from vjhost.packtest import PackChain, check_budget, family_budget_tests, pack_dir, scene_row
from vjhost.train.motifs.budget import nudge_changes, reseed_changes


def _smooth(rng, size):
    """A disc whose centre and radius are three continuous numbers: small nudges, small moves."""
    x, y, r = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7), rng.uniform(0.1, 0.3)
    v, u = (np.mgrid[0:size, 0:size] + 0.5) / size
    return np.clip((r - np.hypot(u - x, v - y)) * size + 0.5, 0, 1)[None]


def _noisy(rng, size):
    """A random number per pixel: far over any budget."""
    return rng.random((1, size, size))


def _jumpy(rng, size):
    """A coin flip hidden in a continuous number: a nudge across 0.5 changes the whole picture."""
    return np.full((1, size, size), float(rng.uniform(0.0, 1.0) > 0.5))


def test_check_budget_names_the_family_over_its_budget():
    assert check_budget("disc", _smooth, discrete=0, continuous=3, least=3) == (0, 3)
    with pytest.raises(AssertionError, match=r"noise: .*continuous <= 16"):
        check_budget("noise", _noisy, discrete=6, continuous=16)


def test_nudges_move_a_smooth_family_a_little_and_a_hidden_jump_a_lot():
    smooth = nudge_changes(_smooth, range(4), 64)
    assert (smooth > 0).all() and (smooth < 1).all()
    assert reseed_changes(_smooth, range(4), 64).mean() > 10 * smooth.mean()  # another seed: another picture
    assert nudge_changes(_jumpy, range(32), 16, step=0.2).max() == 255  # some seed sits just below the jump
    rounded = nudge_changes(_smooth, range(4), 64, rounded=True)
    assert np.allclose(rounded, smooth, atol=1.0) and (rounded == np.round(rounded * 64 * 64) / 64 / 64).all()


def test_family_budget_tests_fail_a_family_over_budget():
    budget, nudge = family_budget_tests("vjhost_kusama", discrete=0, continuous=2)
    assert [m.args for m in budget.pytestmark] == [("name", ("polka", "scatter", "net", "pumpkin", "mirror_room",
                                                             "rings", "waves", "swell"))]
    with pytest.raises(AssertionError, match="polka"):
        budget("polka")
    _, strict = family_budget_tests("vjhost_kusama", discrete=6, continuous=16, nudge_below=0.001)
    with pytest.raises(AssertionError, match="net"):
        strict("net")


def test_a_pack_chain_renders_its_source_pass_and_names_an_unknown_effect(pack_chain):
    img = np.zeros((128, 128, 3), np.uint8)
    img[32:96, 32:96] = (219, 13, 20)  # a red square on black
    chain = pack_chain("vjhost_kusama", "motif", size=(96, 54), image=img)
    assert pack_dir("vjhost_kusama") == chain.dir and (chain.dir / "pack.toml").is_file()
    quiet = chain.frame()
    assert quiet.shape == (54, 96, 3) and quiet.dtype == np.int32 and quiet.std() > 10
    assert np.array_equal(chain.frame(), quiet)  # silence: still
    assert np.abs(chain.frame(kick_env=1.0, bass=1.0) - quiet).mean() > 1  # the dots swell
    assert not chain.active("motif") and chain.active("motif", {"fx.motif.amount": 1.0})
    with pytest.raises(KeyError, match=r"pack.toml: no \[\[effects\]\] named 'nope'"):
        PackChain("vjhost_kusama", (32, 18), effects=["nope"])
    with pytest.raises(AttributeError, match="no field 'kik_env'"):
        chain.frame(kik_env=1.0)


def test_scene_row_asserts_the_top_row_selects_the_scenes():
    layout, by_note = scene_row("vjhost_kusama")
    assert by_note[56].binding.value == 0 and layout.grid.packs_row == 0
    with pytest.raises(AssertionError):
        scene_row("vjhost_kusama", scenes=9)
