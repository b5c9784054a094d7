"""The decodes of past beats: a small ring of decoded frames a pass can read (``#pragma vjhost decodes N``).

The chain shows the newest decode as ``u_image`` (crossfaded from the one
before, ``u_image_prev``).  A pass that cuts between *different* pictures --
a collage of the last few beats under a controller that jumps on every beat
-- needs decodes further back than that.  A shader asks for them with::

    #pragma vjhost decodes 3        // 1..8
    uniform sampler2D u_decode1, u_decode2, u_decode3;

``u_decode1`` is the decoded frame as the previous beat ended (the newest
decode shown before the beat count last changed), ``u_decode2`` the one
before that, and so on.  Before N beats have passed, the slots hold the first
decode; the ring starts again from the newest decode whenever the decode size
changes.  Taken on the features' beat count (the analysis beat, or the
internal clock's), so offline renders stay deterministic.

Cost: one small copy at decode size (128² for most packs) per beat, and only
in a chain where some pass declares the pragma; the targets are made when the
first decode is uploaded (or the pass is built), never per frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chain import Renderer, _Target

MAX_DECODES = 8  #: the most past decodes a pass may ask for


class DecodeRing:
    """The decoded frame at each of the last ``depth`` beat changes, newest first."""

    def __init__(self) -> None:
        self.depth = 0
        self.targets: list["_Target"] = []  #: newest first
        self.shape: tuple[int, int] | None = None  #: decode (h, w) the targets were made for
        self.beat: int | None = None  #: the beat count of the last frame (None: fill from the next decode)
        self.fresh = 0  #: decodes uploaded since the last frame

    def need(self, depth: int, r: "Renderer") -> None:
        """A pass reads ``depth`` past decodes: grow the ring (made now if a decode's size is known)."""
        if depth > self.depth:
            self.depth = depth
            self._make(r)

    def resize(self, shape: tuple[int, int], r: "Renderer") -> None:
        """The decode size changed (or the first decode came): make the targets for it, start again."""
        if shape != self.shape:
            self.shape = shape
            self._make(r)

    def _make(self, r: "Renderer") -> None:
        from .chain import _Target

        if not self.depth or self.shape is None:
            return
        self.release(r.GL)
        h, w = self.shape
        r.GL.glActiveTexture(r.GL.GL_TEXTURE0)
        self.targets = [_Target(w, h) for _ in range(self.depth)]
        self.beat = None

    def uploaded(self) -> None:
        self.fresh += 1

    def step(self, r: "Renderer", beat_count: float) -> None:
        """Once per frame, before the passes: on a new beat count, push the decode the last beat ended on."""
        fresh, self.fresh = self.fresh, 0
        if not self.targets or not r.images[0]:
            return
        beat = int(beat_count)
        if self.beat is None:  # the start: every slot holds the newest decode
            for t in self.targets:
                r._copy(r.images[0], t)
        elif beat != self.beat:
            # a decode uploaded this frame already belongs to the new beat: the last beat ended on the one before
            last = r.images[1] if fresh else r.images[0]
            oldest = self.targets.pop()
            r._copy(last, oldest)
            self.targets.insert(0, oldest)
        self.beat = beat

    def textures(self, n: int, fallback: int) -> list[int]:
        """The textures of ``u_decode1`` .. ``u_decode<n>`` (``fallback`` where the ring has none yet)."""
        return [self.targets[k].tex if k < len(self.targets) else fallback for k in range(n)]

    def release(self, GL) -> None:
        for t in self.targets:
            t.release(GL)
        self.targets = []
