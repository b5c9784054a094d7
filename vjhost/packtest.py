"""A pack's own tests: its chain driven headless with a decoded-looking picture, and pytest fixtures for it.

A pack's tests (``persona_packs/NAME/tests``) assert what a player would see:
given this decoded picture and these audio features, the source pass and the
pack's effects draw that.  :class:`PackChain` builds the real chain
(:class:`vjhost.render.chain.Renderer`) from the pack's ``pack.toml`` -- its
source shader and the effects named -- over the standard shader library, in
the current GL context.  A pack's test module gets the fixtures by naming this
module as a pytest plugin (pack tests cannot see vjhost's ``tests/conftest.py``)::

    pytest_plugins = ("vjhost.packtest",)

    def test_blink(pack_chain):
        chain = pack_chain("vjhost_manabe", "manabe_glitch", size=(320, 180), image=picture)
        px = chain.frame({"fx.manabe_glitch.amount": 1.0}, energy=0.9, beat_phase=0.25)

* ``gl`` (session): a current headless OpenGL context
  (:class:`~vjhost.render.context.HeadlessContext`);
* ``pack_chain`` (per test): ``pack_chain(pack, *effects, size=(320, 180), image=None)`` makes a
  :class:`PackChain` (``pack``: the pack's package name or its directory), shows ``image`` if given, and
  closes every chain it made after the test.  A module-scoped chain is ``PackChain(...)`` in a fixture of
  the module's own that uses ``gl``.

``PackChain.frame`` returns the output as ``(H, W, 3)`` int32, top row first
(ready for differences).  Effects not named are not in the chain; an effect's
params start at the pack's ``[defaults]`` and ``frame``'s ``params`` override
them.  :func:`check_dataset` is the dataset check every pack's tests make
(deterministic, balanced, scene i = motif i, in the palette), :func:`check_budget`
holds a motif family to a budget of random numbers (with
:func:`vjhost.train.motifs.budget.nudge_changes` for small moves), :func:`soften`
blurs a drawn picture as a decoder would, :func:`rgb255` reads ``#rrggbb``
colours.  Never imported by the show.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import import_module
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from .faults import FaultLog
from .protocols import Features, Param
from .tomlcompat import tomllib

__all__ = ["PackChain", "features", "pack_dir", "manifest", "effect_params", "scene_row", "glsl_palette", "dataset",
           "families", "family_budget_tests", "check_families", "motif_pictures", "dataset_pictures",
           "size_difference", "edge_shares", "check_dataset", "check_budget", "soften", "rgb255", "gl", "pack_chain"]


def features(**values) -> Features:
    """A :class:`~vjhost.protocols.Features` with the given fields set (``bands`` as 8 floats)."""
    f = Features()
    for k, v in values.items():
        if not hasattr(f, k):
            raise AttributeError(f"Features has no field {k!r}")
        setattr(f, k, np.asarray(v, np.float32) if k == "bands" else v)
    return f


def pack_dir(pack: str | Path) -> Path:
    """The folder holding ``pack.toml``: ``pack`` itself when it is a folder, else the package of that name."""
    p = Path(pack)
    if isinstance(pack, Path) or p.is_dir():
        return p
    return Path(str(files(str(pack))))


def _effect(folder: Path, manifest: Mapping, name: str) -> Mapping:
    declared = {e["name"]: e for e in manifest.get("effects", [])}
    if name not in declared:
        raise KeyError(f"{folder / 'pack.toml'}: no [[effects]] named {name!r} ({', '.join(declared)})")
    return declared[name]


def effect_params(pack: str | Path, name: str, manifest: Mapping | None = None) -> tuple[Param, ...]:
    """The params of the pack's ``[[effects]]`` entry ``name`` (defaults, ranges)."""
    folder = pack_dir(pack)
    manifest = manifest if manifest is not None else tomllib.loads((folder / "pack.toml").read_text())
    return tuple(Param(p["name"], p["default"], p.get("min", 0.0), p.get("max", 1.0))
                 for p in _effect(folder, manifest, name)["params"])


def manifest(pack: str | Path) -> dict:
    """The pack's ``pack.toml``, parsed."""
    return tomllib.loads((pack_dir(pack) / "pack.toml").read_text())


def scene_row(pack: str | Path, scenes: int = 8) -> tuple:
    """The pack's APC mini MK2 layout and its pads by note, asserting the top row's pads (notes 56..) select
    scenes 0, 1, ... left to right."""
    from .control.layout import Binding, load_layout

    layout = load_layout(pack_dir(pack) / "layouts" / "apc_mini_mk2.toml")
    by_note = {p.note: p for p in layout.pads}
    row = [getattr(by_note.get(56 + i), "binding", None) for i in range(scenes)]
    assert row == [Binding("scene", i) for i in range(scenes)], f"the top row's pads: {row}"
    return layout, by_note


def glsl_palette(shader: Path) -> np.ndarray:
    """The colours of ``const vec3 PALETTE[NP] = vec3[NP](vec3(r, g, b), ...);`` in a shader, ``(k, 3)`` 0..1."""
    import re

    body = re.search(r"const vec3 PALETTE\[NP\] = vec3\[NP\]\((.*?)\);", Path(shader).read_text(), re.S)
    assert body, f"{shader}: no const vec3 PALETTE[NP] = vec3[NP](...)"
    return np.array([[float(x) for x in v.split(",")] for v in re.findall(r"vec3\(([^)]*)\)", body.group(1))])


class PackChain:
    """A pack's source pass and some of its effects, in the current GL context."""

    def __init__(self, pack: str | Path, size: tuple[int, int] = (320, 180), *, effects: Iterable[str] = (),
                 source: str | None = None) -> None:
        from .render.chain import Renderer
        from .render.shaders import ShaderFinder

        self.dir = pack_dir(pack)
        self.manifest = tomllib.loads((self.dir / "pack.toml").read_text())
        self.faults = FaultLog(stream=None)
        self.renderer = Renderer(size, ShaderFinder([self.dir / "shaders", Path(str(files("vjhost_shaders")))]),
                                 self.faults)
        try:
            self.renderer.set_source(source or self.manifest["shaders"]["source"])
            for name in effects:
                self.renderer.add_effect(name, _effect(self.dir, self.manifest, name)["shader"],
                                         effect_params(self.dir, name, self.manifest))
            if self.faults.faults:
                raise AssertionError(f"shaders failed: {self.faults.faults}")
        except BaseException:
            self.renderer.close()
            raise
        self.defaults: dict[str, float] = dict(self.manifest.get("defaults", {}))
        self._frame = 0

    def show(self, image: np.ndarray) -> PackChain:
        """Make ``image`` (``(H, W, C)`` uint8, top row first) the decoded frame, as the decoder would."""
        img = np.ascontiguousarray(image, np.uint8)
        self.renderer.upload_image(img)  # the first upload allocates both decode textures,
        self.renderer.upload_image(img)  # the second is the frame as shown
        return self

    def frame(self, params: Mapping[str, float] | None = None, *, dt: float = 1 / 60, **feats) -> np.ndarray:
        """Render one frame with the pack's defaults overridden by ``params`` and the audio features ``feats``
        (:func:`features`); ``(H, W, 3)`` int32, top row first."""
        self.renderer.render(features(**feats), {**self.defaults, **(params or {})}, frame=self._frame, dt=dt)
        self._frame += 1
        if self.faults.faults:
            raise AssertionError(f"shader faults: {self.faults.faults}")
        return self.renderer.read_rgba()[::-1, :, :3].astype(np.int32)

    def active(self, effect: str, params: Mapping[str, float] | None = None) -> bool:
        """Whether ``effect`` draws a pass with these params (amount 0 costs none)."""
        p = next(e for e in self.renderer.effects if e.name == effect)
        return self.renderer._active(p, {**self.defaults, **(params or {})}, {})

    def close(self) -> None:
        self.renderer.close()

    def __enter__(self) -> PackChain:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------- pictures


def rgb255(hexes: Sequence[str]) -> np.ndarray:
    """``["#rrggbb", ...]`` -> ``(k, 3)`` int16 levels 0..255."""
    return np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in hexes], np.int16)


def soften(img: np.ndarray, sigma: float, taps: int = 4) -> np.ndarray:
    """``img`` ``(C, H, W)`` blurred by a separable gaussian of ``sigma`` pixels (edges replicated): as soft
    as a decoder draws it."""
    k = np.exp(-0.5 * (np.arange(-taps, taps + 1) / sigma) ** 2)
    k /= k.sum()
    for ax in (1, 2):
        pad = [(0, 0)] * 3
        pad[ax] = (taps, taps)
        p = np.pad(img, pad, mode="edge")
        img = sum(w * np.take(p, np.arange(i, i + img.shape[ax]), axis=ax) for i, w in enumerate(k))
    return img


# --------------------------------------------------------------------------- the training data


def dataset(pack: str | Path) -> ModuleType:
    """The pack's ``dataset`` module (``vjhost_NAME.dataset``)."""
    return import_module(f"{pack_dir(pack).name}.dataset")


def motif_pictures(pack: str | Path, n: int = 16, size: int = 128, seed: int = 3) -> dict[str, np.ndarray]:
    """One training picture per motif, ``(size, size, 3)`` uint8 by motif name: what a trained decoder draws."""
    ds = dataset(pack)
    imgs, labels = ds.generate(n, size, seed=seed)
    return {name: np.ascontiguousarray(imgs[int(np.flatnonzero(labels == k)[0])].transpose(1, 2, 0))
            for k, name in enumerate(ds.MOTIFS)}


def dataset_pictures(pack: str | Path, n: int = 32, size: int = 128, seed: int = 5) -> list[tuple[str, np.ndarray]]:
    """``n`` pictures of the pack's training data as ``(motif name, (size, size, C) int16 picture)``."""
    ds = dataset(pack)
    imgs, labels = ds.generate(n, size=size, seed=seed)
    return [(ds.MOTIFS[k], img) for img, k in zip(np.moveaxis(imgs, 1, -1).astype(np.int16), labels)]


def size_difference(pack: str | Path, n: int = 16, seed: int = 2) -> np.ndarray:
    """Per picture: the mean |difference| (levels) between the 128² picture and the 2x2 means of the 256²
    picture of the same seed -- about 0 when shapes are drawn in frame units."""
    ds = dataset(pack)
    small, _ = ds.generate(n, size=128, seed=seed)
    big, _ = ds.generate(n, size=256, seed=seed)
    down = big.reshape(n, -1, 128, 2, 128, 2).mean((3, 5))
    return np.abs(down - small).mean((1, 2, 3))


def edge_shares(pack: str | Path, n: int = 32, seed: int = 4, tolerance: float = 0.1) -> dict[str, tuple[float, float]]:
    """Per motif: the share of in-between pixels (farther than ``tolerance``, RGB 0..sqrt 3, from every palette
    colour) of its pictures at 128² and at 256², the same seed.  Edges that ramp over about a pixel give about
    half the share at 256² (edge pixels grow with the side, the picture with its square)."""
    from .train.motifs.palettes import palette

    ds = dataset(pack)
    pal = palette(ds.PALETTE)

    def between(imgs: np.ndarray) -> float:
        px = imgs.transpose(0, 2, 3, 1).reshape(-1, 3).astype(np.float32) / 255
        return float((np.sqrt(((px[:, None] - pal[None]) ** 2).sum(-1)).min(1) > tolerance).mean())

    a, la = ds.generate(n, 128, seed=seed)
    b, lb = ds.generate(n, 256, seed=seed)
    return {name: (between(a[la == k]), between(b[lb == k])) for k, name in enumerate(ds.MOTIFS)}


def check_dataset(pack: str | Path, *, share: float = 0.95, tolerance: float = 0.15, n: int = 16, size: int = 64,
                  seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Assert the pack's training data is deterministic for a seed, balanced over its motifs, its motifs the
    manifest's scenes in order and its ``PALETTE`` the manifest's, and ``share`` of its pixels within
    ``tolerance`` (RGB, 0..sqrt 3) of a palette colour or a mix of two; returns the images and labels."""
    from .train.motifs.palettes import palette_distance

    ds = dataset(pack)
    m = manifest(pack)
    a, la = ds.generate(n, size=size, seed=seed)
    b, lb = ds.generate(n, size=size, seed=seed)
    assert a.shape == (n, 3, size, size) and a.dtype == np.uint8
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert np.bincount(la, minlength=len(ds.MOTIFS)).tolist() == [n // len(ds.MOTIFS)] * len(ds.MOTIFS)
    assert list(m["scenes"]) == list(ds.MOTIFS) == ds.RECIPE["motifs"]
    assert [c.lower() for c in m["palette"]] == [c.lower() for c in ds.PALETTE]
    d = np.concatenate([palette_distance(img, ds.PALETTE).ravel() for img in a])
    assert (d < tolerance).mean() > share, f"{(d < tolerance).mean():.1%} of pixels in the palette, want {share:.0%}"
    return a, la


def check_budget(name: str, draw, *, discrete: int, continuous: int, least: int = 0, size: int = 32,
                 seeds: Iterable[int] = range(8)):
    """Assert the motif family ``name`` (its drawer ``draw(rng, size)``) takes at most ``discrete`` discrete and
    ``least``..``continuous`` continuous random numbers a picture over ``seeds``
    (:func:`vjhost.train.motifs.budget.draw_budget`); returns the budget."""
    from .train.motifs.budget import draw_budget

    b = draw_budget(draw, size=size, seeds=seeds)
    assert b.discrete <= discrete and least <= b.continuous <= continuous, (
        f"{name}: {b} (want discrete <= {discrete}, {least} <= continuous <= {continuous})")
    return b


def family_budget_tests(pack: str | Path, *, discrete: int, continuous: int, least: int = 0,
                        seeds: Iterable[int] = range(8), nudge_below: float = 10.0, nudge_size: int = 128,
                        nudge_seeds: Iterable[int] = range(4), rounded: bool = False,
                        unmoved: Mapping[str, int] | None = None) -> tuple:
    """The two budget tests of a pack's motif families, parametrised by family, for its test module to name::

        test_every_family_follows_from_a_few_numbers, test_small_parameter_steps_move_the_picture_a_little = \\
            family_budget_tests(PACK, discrete=6, continuous=16, least=3, seeds=range(16), rounded=True)

    The first holds each family to :func:`check_budget` (at 32², over ``seeds``); the second moves every
    continuous number by 0.1 % of its range (:func:`~vjhost.train.motifs.budget.nudge_changes`, at
    ``nudge_size``): the picture must move, by less than ``nudge_below`` levels, for every seed of
    ``nudge_seeds`` that draws a continuous number (but ``unmoved[name]`` of them: a family whose numbers
    sometimes move nothing)."""
    from .train.motifs.budget import draw_budget, nudge_changes

    names = tuple(dataset(pack).MOTIFS)
    seeds, nudge_seeds, unmoved = tuple(seeds), tuple(nudge_seeds), dict(unmoved or {})

    @pytest.mark.parametrize("name", names)
    def budget(name: str) -> None:
        """A few discrete choices and a bounded number of continuous numbers per picture, whatever the seed."""
        check_budget(name, families(pack)[name], discrete=discrete, continuous=continuous, least=least, seeds=seeds)

    @pytest.mark.parametrize("name", names)
    def nudge(name: str) -> None:
        """Every continuous number moved by 0.1 % of its range: the picture changes, but only a little."""
        draw = families(pack)[name]
        change = nudge_changes(draw, nudge_seeds, nudge_size, rounded=rounded)
        assert (change < nudge_below).all(), (name, change)
        numbers = np.array([draw_budget(draw, 32, [s]).continuous for s in nudge_seeds])  # nothing to nudge: no move
        assert (change > 0).sum() >= (numbers > 0).sum() - unmoved.get(name, 0), (name, change, numbers)

    return budget, nudge


def check_families(pack: str | Path, *, discrete: int, continuous: int, least: int = 0, seeds: Iterable[int] = range(8),
                   nudged_below: float | None = None, of_reseed: float = 1.0, nudge_seeds: Iterable[int] = range(4),
                   nudge_size: int = 64) -> None:
    """Assert every motif family of the pack is within :func:`check_budget` and, with ``nudged_below``, that
    nudging every continuous number by 0.1 % of its range moves its pictures under ``nudged_below`` levels on
    average over ``nudge_seeds`` (thin lines and crisp edges move by a fraction of a pixel) and under
    ``of_reseed`` times what another seed changes (a different picture of the family)."""
    from .train.motifs.budget import nudge_changes, reseed_changes

    for name, draw in families(pack).items():
        check_budget(name, draw, discrete=discrete, continuous=continuous, least=least, seeds=seeds)
        if nudged_below is not None:
            nudged = nudge_changes(draw, nudge_seeds, nudge_size)
            other = reseed_changes(draw, nudge_seeds, nudge_size)
            assert nudged.mean() < nudged_below and nudged.mean() < of_reseed * other.mean(), (name, nudged, other)


def families(pack: str | Path) -> dict:
    """The pack's motif drawers by name (``dataset.MOTIFS`` -> ``dataset._DRAW``)."""
    ds = dataset(pack)
    return dict(zip(ds.MOTIFS, ds._DRAW))


# --------------------------------------------------------------------------- pytest fixtures


@pytest.fixture(scope="session")
def gl() -> Iterator[object]:
    """A current headless OpenGL context for the session (the one current before is current again after)."""
    from .render.context import HeadlessContext

    ctx = HeadlessContext()
    yield ctx
    ctx.close()


@pytest.fixture
def pack_chain(gl):
    """``pack_chain(pack, *effects, size=(320, 180), image=None) -> PackChain``, closed after the test."""
    made: list[PackChain] = []

    def make(pack: str | Path, *effects: str, size: tuple[int, int] = (320, 180),
             image: np.ndarray | None = None) -> PackChain:
        chain = PackChain(pack, size, effects=effects)
        made.append(chain)
        return chain if image is None else chain.show(image)

    yield make
    for chain in reversed(made):
        chain.close()
