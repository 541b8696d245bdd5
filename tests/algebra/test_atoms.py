"""Tests of atomization: sets as NumPy masks over atoms, and vectorised membership."""

from __future__ import annotations

import ipaddress
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossfence.algebra.atoms import Atoms, contains_many, contains_matrix
from crossfence.algebra.packets import IntervalSet, IpSet, ServiceSet

cidrs = st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)).map(
    lambda p: ipaddress.IPv4Network((p[0] >> (32 - p[1]) << (32 - p[1]) if p[1] else 0, p[1]))
)
ip_sets = st.lists(cidrs, max_size=4).map(IpSet.from_cidrs)
ip_families = st.lists(ip_sets, min_size=1, max_size=8)
addresses = st.lists(st.integers(0, 2**32 - 1), max_size=30)

small_sets = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 10)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=5,
).map(IntervalSet)


@given(ip_families)
def test_mask_round_trip(family: list[IpSet]) -> None:
    atoms = Atoms(family, IpSet)
    for s in family:
        assert atoms.to_set(atoms.mask(s)) == s
    assert atoms.to_set(np.ones(len(atoms), dtype=bool)) == IpSet.all()
    assert atoms.to_set(np.zeros(len(atoms), dtype=bool)) == IpSet.none()


@given(ip_families)
def test_masks_turn_set_algebra_into_array_algebra(family: list[IpSet]) -> None:
    atoms = Atoms(family, IpSet)
    matrix = atoms.masks(family)
    assert matrix.shape == (len(family), len(atoms))
    for row, s in zip(matrix, family, strict=True):
        assert np.array_equal(row, atoms.mask(s))
    a, b = family[0], family[-1]
    mask_a, mask_b = atoms.mask(a), atoms.mask(b)
    assert atoms.to_set(mask_a | mask_b) == a | b
    assert atoms.to_set(mask_a & mask_b) == a & b
    assert atoms.to_set(mask_a & ~mask_b) == a - b
    assert atoms.to_set(~mask_a) == ~a
    # Atoms partition the universe: every atom is a single interval and they tile [0, 2**32).
    assert int(atoms.boundaries[0]) == 0 and atoms.universe_end == 2**32
    assert IpSet.union_all(atoms.atom(i) for i in range(len(atoms))) == IpSet.all()


@given(ip_families, addresses)
def test_locate_agrees_with_membership(family: list[IpSet], points: list[int]) -> None:
    atoms = Atoms(family, IpSet)
    located = atoms.locate(np.array(points, dtype=np.uint64))
    matrix = atoms.masks(family)
    for point, index in zip(points, located, strict=True):
        assert point in atoms.atom(int(index))
        assert int(atoms.starts[index]) <= point
        for row, s in zip(matrix, family, strict=True):
            assert bool(row[index]) == (point in s)


@given(ip_sets, addresses)
def test_contains_many_agrees_with_membership(s: IpSet, points: list[int]) -> None:
    for dtype in (np.uint32, np.uint64, np.int64):
        result = contains_many(s, np.array(points, dtype=dtype))
        assert result.dtype == np.bool_
        assert result.tolist() == [point in s for point in points]


@given(ip_families, addresses)
def test_contains_matrix_agrees_with_membership(family: list[IpSet], points: list[int]) -> None:
    result = contains_matrix(family, np.array(points, dtype=np.uint32))
    assert result.shape == (len(family), len(points))
    assert result.tolist() == [[point in s for point in points] for s in family]


@given(st.lists(small_sets, min_size=1, max_size=6))
def test_plain_interval_sets_use_their_largest_bound(family: list[IntervalSet]) -> None:
    atoms = Atoms(family, IntervalSet)
    end = max((s.bounds[-1] for s in family if s), default=0)
    assert atoms.universe_end == end
    for s in family:
        assert atoms.to_set(atoms.mask(s)) == s


def test_service_axis_atoms() -> None:
    rules = [ServiceSet.parse(text) for text in ("tcp/443", "tcp/80-443", "udp/53", "icmp")]
    atoms = Atoms(rules, ServiceSet)
    assert atoms.universe_end == ServiceSet.UNIVERSE_END
    assert len(atoms) == 8  # cuts: 0, 80, 443, 444, udp 53, 54, icmp, icmp + 1, end
    point = ServiceSet.encode("tcp", 443)
    (index,) = atoms.locate([point])
    assert [bool(atoms.mask(rule)[index]) for rule in rules] == [True, True, False, False]


def test_empty_family() -> None:
    atoms = Atoms([], IpSet)
    assert len(atoms) == 1
    assert atoms.masks([]).shape == (0, 1)
    assert atoms.to_set(np.array([True])) == IpSet.all()
    assert len(Atoms([], IntervalSet)) == 0
    assert contains_matrix([], np.array([1, 2])).shape == (0, 2)
    assert contains_matrix([IpSet.all()], np.array([], dtype=np.int64)).shape == (1, 0)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Atoms([IpSet.parse("10.0.0.0/8")], IpSet).mask(IpSet.parse("10.0.0.0/9")),
            "IpSet.parse('10.0.0.0/9') is cut at a point that is not an atom boundary",
        ),
        (
            lambda: Atoms([IpSet.parse("10.0.0.0/8")], IpSet).masks([IpSet.parse("10.0.0.0/9")]),
            "a set is cut at a point that is not an atom boundary",
        ),
        (
            lambda: Atoms([IntervalSet([(0, 5)])], IntervalSet).mask(IntervalSet([(0, 9)])),
            "IntervalSet([(0, 9)]) is cut at a point that is not an atom boundary",
        ),
        (
            lambda: Atoms([IntervalSet([(0, 9)])], IntervalSet, universe_end=5),
            "a set reaches beyond the universe [0, 5)",
        ),
        (
            lambda: Atoms([], IpSet).to_set(np.array([True, False])),
            "mask has shape (2,), expected (1,)",
        ),
        (lambda: Atoms([], IpSet).locate([2**32]), "points must lie in [0, 4294967296)"),
        (lambda: Atoms([], IpSet).locate([-1]), "points must lie in [0, 4294967296)"),
        (
            lambda: contains_many(IpSet.all(), np.array([2**63], dtype=np.uint64)),
            "points must be below 2**63",
        ),
    ],
)
def test_errors(build: object, message: str) -> None:
    assert callable(build)
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


def test_points_must_be_integers() -> None:
    with pytest.raises(TypeError, match="expected an integer array of points, got dtype float64"):
        contains_many(IpSet.all(), np.array([1.5]))


def test_atomizes_a_large_family() -> None:
    # Scale smoke test (no timing asserted): 50,000 random CIDR sets.
    rng = np.random.default_rng(7)
    prefixes = rng.integers(8, 33, size=50_000)
    starts = rng.integers(0, 2**32, size=50_000, dtype=np.int64)
    sizes = np.left_shift(np.int64(1), 32 - prefixes)
    starts -= starts % sizes
    family = [
        IpSet([(int(a), int(a + n))]) for a, n in zip(starts.tolist(), sizes.tolist(), strict=True)
    ]
    atoms = Atoms(family, IpSet)
    assert len(atoms) <= 2 * len(family) + 1
    for s in family[:50]:
        assert atoms.to_set(atoms.mask(s)) == s
