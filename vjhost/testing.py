"""A pack's shaders on a headless context of their own, for the pack's tests: :class:`PackRig`.

:class:`vjhost.packtest.PackChain` drives a pack's chain in whatever GL context is current; a
``PackRig`` is the same chain with its own headless context (the one current before it is current
again after :meth:`PackRig.close`), found by the pack's package name -- so a pack's test module needs
no GL fixture::

    from vjhost.testing import PackRig

    with PackRig("vjhost_murakami", size=(192, 108), effects=("motif",)) as rig:
        rig.show(picture)                          # (H, W, 3) uint8: as if decoded
        rest = rig.frame()                         # (H, W, 3) int16, top row first
        beat = rig.frame(beat_env=1.0, beat_count=1)
        layer = rig.frame({"fx.motif.amount": 1.0})

Never imported by the show.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from .packtest import PackChain, features

__all__ = ["PackRig", "features"]


class PackRig(PackChain):
    """The pack ``package``'s source pass and the named ``effects`` of its manifest, ``size`` (w, h), headless."""

    def __init__(self, package: str, size: tuple[int, int] = (96, 54), effects: Sequence[str] = ()) -> None:
        from .render.context import HeadlessContext

        self.ctx = HeadlessContext()
        try:
            super().__init__(Path(str(files(package))), size, effects=effects)
        except BaseException:
            self.ctx.close()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.ctx.close()

    def __enter__(self) -> PackRig:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
