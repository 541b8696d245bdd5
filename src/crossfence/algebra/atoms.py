"""Atomization: cut one axis at every boundary some set uses, so sets become NumPy bool arrays.

Given the sets that matter for a question (every CIDR of every rule, every port range), the axis
is cut into *atoms*: maximal half-open intervals that no set splits. Each set is then exactly a
union of atoms, i.e. a bool mask over atoms, and set algebra becomes ``&``, ``|`` and ``~`` on
arrays, vectorised across thousands of rules. ``locate`` maps concrete points (endpoint IPs) to
the atom that holds them, so "does rule r match endpoint e" is ``masks[r, atom_of[e]]``.

Bounds are held as ``int64``: every axis of the engine (IPv4, the service axis) fits easily.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from crossfence.algebra.packets import IntervalSet

__all__ = ["Atoms", "contains_many", "contains_matrix", "distinct_rows", "sorted_unique"]

S = TypeVar("S", bound=IntervalSet)

# Rows per chunk of ``contains_matrix``, so that a chunk's int64 scratch stays near 32 MiB.
_MATRIX_CELLS_PER_CHUNK = 4_000_000


def _points(values: ArrayLike) -> NDArray[np.int64]:
    points = np.asarray(values)
    if points.dtype.kind not in "iu":
        raise TypeError(f"expected an integer array of points, got dtype {points.dtype}")
    if points.dtype == np.uint64 and points.size and int(points.max()) >= 2**63:
        raise ValueError("points must be below 2**63")
    # Mixed int64/uint64 searchsorted would go through float64; keep everything int64.
    return points.astype(np.int64, copy=False)


def _bounds_array(s: IntervalSet) -> NDArray[np.int64]:
    return np.asarray(s.bounds, dtype=np.int64)


def contains_many(s: IntervalSet, values: ArrayLike) -> NDArray[np.bool_]:
    """For each integer point (e.g. IPv4 addresses as ints), whether the set contains it.

    A point is inside iff an odd number of the set's bounds are ``<= point``, so one
    ``searchsorted`` answers every point at once.
    """
    points = _points(values)
    index = np.searchsorted(_bounds_array(s), points, side="right")
    return (index & 1).astype(np.bool_)


def contains_matrix(sets: Sequence[IntervalSet], values: ArrayLike) -> NDArray[np.bool_]:
    """``out[i, j]`` is whether ``sets[i]`` contains point ``values[j]``.

    The points are sorted once; each interval of each set then covers a contiguous run of
    sorted points, found with one ``searchsorted`` over all bounds of all sets, and a running
    sum along each row turns the run edges into membership.
    """
    points = _points(values).ravel()
    out = np.zeros((len(sets), points.size), dtype=np.bool_)
    if not sets or not points.size:
        return out
    order = np.argsort(points, kind="stable")
    sorted_points = points[order]
    width = points.size + 1
    rows_per_chunk = max(1, _MATRIX_CELLS_PER_CHUNK // width)
    for first in range(0, len(sets), rows_per_chunk):
        chunk = sets[first : first + rows_per_chunk]
        lengths = np.fromiter((len(s.bounds) for s in chunk), dtype=np.int64, count=len(chunk))
        flat = np.fromiter(
            itertools.chain.from_iterable(s.bounds for s in chunk),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        # Interval [start, stop) holds the sorted points from index(start) to index(stop) - 1.
        edges = np.searchsorted(sorted_points, flat, side="left")
        rows = np.repeat(np.arange(len(chunk), dtype=np.int64), lengths)
        position = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        signs = np.where(position % 2 == 0, 1, -1)
        # An interval holding no point puts its +1 and -1 on one cell, hence bincount, not "=".
        delta = np.bincount(rows * width + edges, weights=signs, minlength=len(chunk) * width)
        running = np.cumsum(delta.reshape(len(chunk), width)[:, :-1], axis=1)
        out[first : first + len(chunk)][:, order] = running > 0.5
    return out


def sorted_unique(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """`np.unique` of a 1-D integer array, without it: `np.unique` imports `numpy.ma` (~25 ms of
    every command's start-up) to ask whether the array is masked."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def distinct_rows(rows: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Group identical rows of a 2-D array: (first index of each group, group of each row),
    groups numbered in order of first appearance. What `np.unique(axis=0, return_index=True,
    return_inverse=True)` gives up to order; a dict of row bytes is exact, linear where
    `np.unique` sorts structured rows, and does not import `numpy.ma`."""
    rows = np.ascontiguousarray(rows)
    seen: dict[bytes, int] = {}
    inverse = np.fromiter(
        (seen.setdefault(row.tobytes(), len(seen)) for row in rows), dtype=np.intp, count=len(rows)
    )
    first = np.full(len(seen), len(rows), dtype=np.intp)
    np.minimum.at(first, inverse, np.arange(len(rows), dtype=np.intp))
    return first, inverse


class Atoms(Generic[S]):
    """The atoms of one axis cut by a family of sets of class ``kind``.

    Atom ``i`` is ``[boundaries[i], boundaries[i + 1])``; atoms cover ``[0, universe_end)``,
    where ``universe_end`` defaults to ``kind.UNIVERSE_END`` (or, for a plain ``IntervalSet``,
    to the largest bound used). Only sets whose bounds are all boundaries (the family, their
    unions, intersections and complements) can be turned into masks.
    """

    __slots__ = ("_boundaries", "_kind")

    def __init__(self, sets: Iterable[S], kind: type[S], universe_end: int | None = None) -> None:
        used = np.fromiter(itertools.chain.from_iterable(s.bounds for s in sets), dtype=np.int64)
        end = universe_end if universe_end is not None else kind.UNIVERSE_END
        if end is None:
            end = int(used.max()) if used.size else 0
        if used.size and (int(used.min()) < 0 or int(used.max()) > end):
            raise ValueError(f"a set reaches beyond the universe [0, {end})")
        boundaries = sorted_unique(np.concatenate((np.array([0, end], dtype=np.int64), used)))
        boundaries.flags.writeable = False
        self._boundaries: NDArray[np.int64] = boundaries
        self._kind = kind

    @property
    def boundaries(self) -> NDArray[np.int64]:
        """Read-only, strictly increasing cut points, from 0 to the universe end."""
        return self._boundaries

    @property
    def starts(self) -> NDArray[np.int64]:
        """First point of each atom (a representative, e.g. a concrete address to probe)."""
        return self._boundaries[:-1]

    @property
    def universe_end(self) -> int:
        return int(self._boundaries[-1])

    def __len__(self) -> int:
        return max(0, self._boundaries.size - 1)

    def _indices(self, s: IntervalSet) -> NDArray[np.intp]:
        bounds = _bounds_array(s)
        index = np.searchsorted(self._boundaries, bounds)
        if bounds.size and (
            int(index[-1]) >= self._boundaries.size
            or not np.array_equal(self._boundaries[index], bounds)
        ):
            raise ValueError(f"{s!r} is cut at a point that is not an atom boundary")
        return index

    def mask(self, s: S) -> NDArray[np.bool_]:
        """Bool array over atoms: which atoms ``s`` contains."""
        delta = np.zeros(self._boundaries.size, dtype=np.int8)
        index = self._indices(s)
        delta[index[0::2]] = 1
        delta[index[1::2]] = -1
        return np.cumsum(delta[:-1], dtype=np.int8).astype(np.bool_)

    def masks(self, sets: Sequence[S]) -> NDArray[np.bool_]:
        """Bool matrix ``(len(sets), len(self))``: row ``i`` is ``mask(sets[i])``."""
        delta = np.zeros((len(sets), self._boundaries.size), dtype=np.int8)
        if sets:
            lengths = np.fromiter((len(s.bounds) for s in sets), dtype=np.int64, count=len(sets))
            flat = np.fromiter(
                itertools.chain.from_iterable(s.bounds for s in sets),
                dtype=np.int64,
                count=int(lengths.sum()),
            )
            index = np.searchsorted(self._boundaries, flat)
            if flat.size and (
                int(index.max()) >= self._boundaries.size
                or not np.array_equal(self._boundaries[index], flat)
            ):
                raise ValueError("a set is cut at a point that is not an atom boundary")
            rows = np.repeat(np.arange(len(sets)), lengths)
            # Within each set, bounds alternate start, stop: +1 then -1.
            position = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            delta[rows, index] = np.where(position % 2 == 0, 1, -1).astype(np.int8)
        return np.cumsum(delta[:, :-1], axis=1, dtype=np.int8).astype(np.bool_)

    def to_set(self, mask: ArrayLike) -> S:
        """The set made of the atoms selected by ``mask`` (inverse of ``mask``)."""
        selected = np.asarray(mask, dtype=np.bool_)
        if selected.shape != (len(self),):
            raise ValueError(f"mask has shape {selected.shape}, expected ({len(self)},)")
        padded = np.concatenate(([False], selected, [False]))
        changes = np.flatnonzero(padded[1:] != padded[:-1])
        return self._kind.from_bounds(self._boundaries[changes].tolist())

    def atom(self, index: int) -> S:
        """Atom ``index`` as a set."""
        return self._kind.from_bounds(
            (int(self._boundaries[index]), int(self._boundaries[index + 1]))
        )

    def locate(self, values: ArrayLike) -> NDArray[np.intp]:
        """Atom index of each point (e.g. endpoint IPs as a uint32/int64 array)."""
        points = _points(values)
        if points.size and (int(points.min()) < 0 or int(points.max()) >= self.universe_end):
            raise ValueError(f"points must lie in [0, {self.universe_end})")
        return np.searchsorted(self._boundaries, points, side="right") - 1
