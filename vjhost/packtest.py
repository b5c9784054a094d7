"""Drive a pack's shaders headless from its own tests: a decoded-looking picture in, frames out.

A pack's tests (``persona_packs/NAME/tests``) assert what a player would see:
given this decoded picture and these audio features, the source pass and the
pack's effects draw that.  :class:`PackChain` builds the real chain
(:class:`vjhost.render.chain.Renderer`) from the pack's ``pack.toml`` -- its
source shader and the effects named -- over the standard shader library, in
whatever GL context is current (a test makes one with
:class:`~vjhost.render.context.HeadlessContext`)::

    chain = PackChain(PACK_DIR, (320, 180), effects=["manabe_blink"])
    chain.show(image)                                    # (H, W, 3) uint8, top row first
    px = chain.frame({"fx.manabe_blink.amount": 1.0}, energy=0.9, beat_phase=0.25)
    chain.close()

``frame`` returns the output as ``(H, W, 3)`` int16, top row first (ready for
differences).  Effects not named are not in the chain; an effect's params
start at the pack's ``[defaults]`` and ``frame``'s ``params`` override them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path

import numpy as np

from .faults import FaultLog
from .protocols import Features, Param
from .tomlcompat import tomllib

__all__ = ["PackChain", "features"]


def features(**values) -> Features:
    """A :class:`~vjhost.protocols.Features` with the given fields set (``bands`` as 8 floats)."""
    f = Features()
    for k, v in values.items():
        if not hasattr(f, k):
            raise AttributeError(f"Features has no field {k!r}")
        setattr(f, k, np.asarray(v, np.float32) if k == "bands" else v)
    return f


class PackChain:
    """A pack's source pass and some of its effects, in the current GL context."""

    def __init__(self, pack_dir: Path | str, size: tuple[int, int] = (320, 180), *, effects: Iterable[str] = (),
                 source: str | None = None) -> None:
        from .render.chain import Renderer
        from .render.shaders import ShaderFinder

        self.dir = Path(pack_dir)
        self.manifest = tomllib.loads((self.dir / "pack.toml").read_text())
        self.faults = FaultLog(stream=None)
        self.renderer = Renderer(size, ShaderFinder([self.dir / "shaders", Path(str(files("vjhost_shaders")))]),
                                 self.faults)
        self.renderer.set_source(source or self.manifest["shaders"]["source"])
        declared = {e["name"]: e for e in self.manifest.get("effects", [])}
        for name in effects:
            if name not in declared:
                raise KeyError(f"{self.dir / 'pack.toml'}: no [[effects]] named {name!r} ({', '.join(declared)})")
            e = declared[name]
            self.renderer.add_effect(name, e["shader"], tuple(Param(p["name"], p["default"]) for p in e["params"]))
        self.defaults: dict[str, float] = dict(self.manifest.get("defaults", {}))
        self._frame = 0
        if self.faults.faults:
            raise AssertionError(f"shaders failed: {self.faults.faults}")

    def show(self, image: np.ndarray) -> None:
        """Make ``image`` (``(H, W, C)`` uint8, top row first) the decoded frame, as the decoder would."""
        img = np.ascontiguousarray(image, np.uint8)
        self.renderer.upload_image(img)  # the first upload allocates both decode textures,
        self.renderer.upload_image(img)  # the second is the frame as shown

    def frame(self, params: Mapping[str, float] | None = None, **feats) -> np.ndarray:
        """Render one frame with the pack's defaults overridden by ``params``; ``(H, W, 3)`` int16, top row first."""
        self.renderer.render(features(**feats), {**self.defaults, **(params or {})}, frame=self._frame)
        self._frame += 1
        if self.faults.faults:
            raise AssertionError(f"shader faults: {self.faults.faults}")
        return self.renderer.read_rgba()[::-1, :, :3].astype(np.int16).copy()

    def active(self, effect: str, params: Mapping[str, float] | None = None) -> bool:
        """Whether ``effect`` draws a pass with these params (amount 0 costs none)."""
        p = next(e for e in self.renderer.effects if e.name == effect)
        return self.renderer._active(p, {**self.defaults, **(params or {})}, {})

    def close(self) -> None:
        self.renderer.close()
