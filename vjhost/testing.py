"""Helpers for a pack's own tests: its shaders on headless GL, fed a given picture and given music.

A pack's tests (``persona_packs/NAME/tests/``) assert what a player sees -- pixels change on a
beat, in the right place -- without depending on how well its decoder is trained: they show the
source pass a picture of their own making and set the audio features by hand::

    from vjhost.testing import PackRig

    with PackRig("vjhost_murakami", size=(192, 108), effects=("motif",)) as rig:
        rig.show(picture)                          # (H, W, 3) uint8: as if decoded
        rest = rig.frame()                         # (H, W, 3) int16, top row first
        beat = rig.frame(beat_env=1.0, beat_count=1.0)
        layer = rig.frame({"fx.motif.amount": 1.0})

The rig opens its own headless context (the one current before it is current again after
:meth:`PackRig.close`), builds the pack's source pass and the named effects of its manifest with
their declared parameters, and reports any shader fault as an error.  Never imported by the show.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np

__all__ = ["PackRig", "features"]

_SHADERS = Path(__file__).resolve().parents[1] / "shaders"


def features(**values):
    """A :class:`~vjhost.protocols.Features` with the given fields set (``kick_env=1.0``, ``section="drop"`` ...)."""
    from .protocols import Features

    f = Features()
    for k, v in values.items():
        if not hasattr(f, k):
            raise AttributeError(f"Features has no field {k!r}")
        setattr(f, k, v)
    return f


class PackRig:
    """A pack's source pass and chosen effects on a headless renderer of ``size`` (w, h).

    :param package: the pack's importable package (``vjhost_kusama``); its ``pack.toml`` names the
        source shader and declares the effects.
    :param effects: names of the pack's ``[[effects]]`` to add after the source pass, in order (each
        with its declared parameters; at amount 0 it draws no pass).
    """

    def __init__(self, package: str, size: tuple[int, int] = (96, 54), effects: Sequence[str] = ()) -> None:
        from .faults import FaultLog
        from .packs import load_manifest
        from .protocols import PackSpec
        from .render.chain import Renderer
        from .render.context import HeadlessContext
        from .render.shaders import ShaderFinder

        self.root = Path(str(files(package)))
        self.manifest = load_manifest(PackSpec.from_package(package))
        declared = {e.name: e for e in self.manifest.effects}
        unknown = [e for e in effects if e not in declared]
        if unknown:
            raise KeyError(f"{self.manifest.path}: no [[effects]] named {', '.join(unknown)}")
        self.ctx = HeadlessContext()
        try:
            self.faults = FaultLog(stream=None)
            self.renderer = Renderer(size, ShaderFinder([self.root / "shaders", _SHADERS]), self.faults)
            self.renderer.set_source(self.manifest.source_shader)
            for name in effects:
                e = declared[name]
                self.renderer.add_effect(name, e.shader, e.params)
            self._check()
        except BaseException:
            self.ctx.close()
            raise

    def _check(self) -> None:
        if self.faults.faults:
            raise AssertionError(f"{self.manifest.name}: shader faults: {self.faults.faults}")

    def show(self, image: np.ndarray) -> None:
        """Make ``image`` (H, W, C) uint8 the decoded frame (both of the crossfade's frames)."""
        self.renderer.upload_image(np.ascontiguousarray(image))
        self.renderer.upload_image(np.ascontiguousarray(image))

    def frame(self, params: dict[str, float] | None = None, **values) -> np.ndarray:
        """Render one frame with parameters ``params`` and audio features ``values``: (H, W, 3) int16, top row first."""
        self.renderer.render(features(**values), params or {})
        self._check()
        return self.renderer.read_rgba()[::-1, :, :3].astype(np.int16).copy()

    def active(self, effect: str, params: dict[str, float]) -> bool:
        """Whether ``effect`` draws a pass at ``params`` (an effect at amount 0 costs none)."""
        fx = next(p for p in self.renderer.effects if p.name == effect)
        return bool(self.renderer._active(fx, params, {}))

    def close(self) -> None:
        try:
            self.renderer.close()
        finally:
            self.ctx.close()

    def __enter__(self) -> PackRig:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
