"""Tilings: square and hexagonal lattices, per-cell hashes and jitter, explicit lattice points.

Domain repetition draws a whole lattice of shapes in one pass: the cell
functions return each sample's coordinates *within* its cell (centred on the
cell's centre, uv units) and the cell's integer index, so a shape drawn at
``(0, 0)`` of the local coordinates appears in every cell.  A shape must stay
inside its cell (or the next cell's copy is clipped): size it to the pitch.

Per-cell variation (a colour index, a jitter, a size) comes from
:func:`cell_hash`, a deterministic integer hash of the cell index and a seed:
many elements that follow from a few numbers (pitch, angle, seed), not
hundreds of independent random draws.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Cells", "square_cells", "hex_cells", "cell_centres", "cell_hash", "hash_u32", "jitter", "lattice_points"]

_SQ3 = float(np.sqrt(3.0))


class Cells(NamedTuple):
    x: np.ndarray   # coordinates within the cell, centred (uv units)
    y: np.ndarray
    ix: np.ndarray  # the cell's integer index (int32)
    iy: np.ndarray


def hash_u32(*keys: np.ndarray | int) -> np.ndarray:
    """A well-mixed uint32 hash of integer arrays / ints (wrapping arithmetic, vectorised)."""
    h = np.uint32(0x9E3779B9)
    with np.errstate(over="ignore"):
        for i, k in enumerate(keys):
            k = (np.asarray(k).astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
            h = h ^ (k * np.uint32((0x85EBCA6B, 0xC2B2AE35, 0x27D4EB2F, 0x165667B1)[i % 4])
                     + np.uint32(0x7F4A7C15 * (i + 1) & 0xFFFFFFFF))
            h = (h ^ (h >> np.uint32(16))) * np.uint32(0x7FEB352D)
            h = (h ^ (h >> np.uint32(15))) * np.uint32(0x846CA68B)
            h = h ^ (h >> np.uint32(16))
    return np.asarray(h, np.uint32)


def cell_hash(ix, iy, seed: int, salt: int = 0) -> np.ndarray:
    """A deterministic float32 in ``[0, 1)`` per cell (and ``seed``, ``salt`` for independent streams)."""
    return (hash_u32(ix, iy, seed, salt) >> np.uint32(8)).astype(np.float32) / np.float32(1 << 24)


def _rotate(x, y, angle: float, cx: float = 0.5, cy: float = 0.5):
    if angle == 0.0:
        return x - np.float32(cx), y - np.float32(cy)
    c, s = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    dx, dy = x - np.float32(cx), y - np.float32(cy)
    return dx * c + dy * s, dy * c - dx * s


def square_cells(x, y, pitch: float, offset: tuple[float, float] = (0.0, 0.0), angle: float = 0.0,
                 stagger: float = 0.0) -> Cells:
    """A square lattice of cells ``pitch`` wide, shifted by ``offset`` (uv) and turned by ``angle`` about the centre.

    ``stagger`` shifts every other row by that share of a cell (0.5: a brick bond).
    """
    px, py = _rotate(x, y, angle)
    gy = (py - offset[1]) / pitch
    iy = np.floor(gy)
    gx = (px - offset[0]) / pitch + stagger * np.mod(iy, 2)
    ix = np.floor(gx)
    return Cells(((gx - ix - 0.5) * pitch).astype(np.float32), ((gy - iy - 0.5) * pitch).astype(np.float32),
                 ix.astype(np.int32), iy.astype(np.int32))


def hex_cells(x, y, pitch: float, offset: tuple[float, float] = (0.0, 0.0), angle: float = 0.0) -> Cells:
    """A hexagonal lattice (centres ``pitch`` apart, rows ``pitch * sqrt(3)/2`` apart): nearest-centre cells."""
    px, py = _rotate(x, y, angle)
    px, py = px - offset[0], py - offset[1]
    h = pitch * _SQ3  # the rectangular repeat of two staggered rows
    # two rectangular sub-lattices of centres: (i*pitch, j*h) and ((i+.5)*pitch, (j+.5)*h)
    ax, ay = np.round(px / pitch), np.round(py / h)
    bx, by = np.floor(px / pitch), np.floor(py / h)
    dax, day = px - ax * pitch, py - ay * h
    dbx, dby = px - (bx + 0.5) * pitch, py - (by + 0.5) * h
    use_a = dax * dax + day * day <= dbx * dbx + dby * dby
    lx = np.where(use_a, dax, dbx).astype(np.float32)
    ly = np.where(use_a, day, dby).astype(np.float32)
    row = np.where(use_a, 2 * ay, 2 * by + 1).astype(np.int32)
    col = np.where(use_a, ax, bx).astype(np.int32)
    return Cells(lx, ly, col, row)


def cell_centres(x, y, cells: Cells, angle: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The uv centre of each sample's cell (``cells`` from :func:`square_cells` / :func:`hex_cells` with this
    ``angle``).

    Evaluate a smooth field there to give every cell one size or colour (dots
    that swell across the frame) and the shape stays whole within its cell.
    """
    if angle == 0.0:
        return x - cells.x, y - cells.y
    c, s = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    return x - (cells.x * c - cells.y * s), y - (cells.x * s + cells.y * c)


def jitter(ix, iy, seed: int, amount: float) -> tuple[np.ndarray, np.ndarray]:
    """A per-cell offset, uniform in ``[-amount, amount]`` on each axis (uv units)."""
    return ((cell_hash(ix, iy, seed, 1) * 2 - 1) * amount, (cell_hash(ix, iy, seed, 2) * 2 - 1) * amount)


def lattice_points(pitch: float, kind: str = "square", *, offset: tuple[float, float] = (0.0, 0.0),
                   jitter_amount: float = 0.0, seed: int = 0, margin: float = 0.0, angle: float = 0.0) -> np.ndarray:
    """``(k, 4)`` rows ``x, y, ix, iy``: the lattice's centres within the frame (grown by ``margin``), jittered.

    ``angle`` turns the whole lattice about the frame's centre.  For lattices
    of shapes too large or too varied for domain repetition: loop over the
    points and draw each in its own window (or hand them to ``Canvas.points``).
    """
    if kind not in ("square", "hex"):
        raise ValueError(f"lattice kind must be 'square' or 'hex', got {kind!r}")
    grow = margin if angle == 0.0 else margin + 0.25  # a turned frame reaches 0.21 further out
    dy = pitch * (_SQ3 / 2 if kind == "hex" else 1.0)
    rows = np.arange(np.floor((-grow - offset[1]) / dy) - 1, np.ceil((1 + grow - offset[1]) / dy) + 2)
    pts = []
    for j in rows:
        shift = 0.5 * pitch * (j % 2) if kind == "hex" else 0.0
        cols = np.arange(np.floor((-grow - offset[0] - shift) / pitch) - 1,
                         np.ceil((1 + grow - offset[0] - shift) / pitch) + 2)
        for i in cols:
            pts.append((offset[0] + shift + (i + 0.5) * pitch, offset[1] + (j + 0.5) * dy, i, j))
    p = np.asarray(pts, np.float64)
    if angle != 0.0:
        c, s = np.cos(angle), np.sin(angle)
        dx, dyy = p[:, 0] - 0.5, p[:, 1] - 0.5
        p[:, 0], p[:, 1] = 0.5 + c * dx - s * dyy, 0.5 + s * dx + c * dyy
    if jitter_amount:
        jx, jy = jitter(p[:, 2], p[:, 3], seed, jitter_amount)
        p[:, 0] += jx
        p[:, 1] += jy
    keep = (p[:, 0] > -margin) & (p[:, 0] < 1 + margin) & (p[:, 1] > -margin) & (p[:, 1] < 1 + margin)
    return p[keep]
