"""The vectorised matrix equals the per-pair reference: on the example, its variants, generated estates."""

from __future__ import annotations

import io
import ipaddress
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.matrix_layout import matrix_text
from tests.scripts import load_script

from crossfence import build_topology, load
from crossfence.algebra.packets import IpSet, ServiceSet
from crossfence.engine.fastmatrix import _compile, _Services, _Sets
from crossfence.engine.filters import allowed_services, reply_services
from crossfence.engine.matrix import Matrix, connectivity, reference_connectivity
from crossfence.ir.types import Filter, FilterRule, Source, Topology

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
VARIANTS = sorted(p for p in (EXAMPLE / "variants").iterdir() if p.is_dir())


def _assert_same(topology: Topology) -> None:
    fast = connectivity(topology)
    reference = reference_connectivity(topology)
    assert fast.endpoints == reference.endpoints
    differing = {
        pair: (fast.connections.get(pair), reference.connections.get(pair))
        for pair in set(fast.connections) | set(reference.connections)
        if fast.connections.get(pair) != reference.connections.get(pair)
    }
    assert not differing, sorted(differing.items(), key=str)[:10]
    assert fast.to_json() == reference.to_json()


def test_reference_example() -> None:
    _assert_same(build_topology(load(EXAMPLE)))


@pytest.mark.parametrize("variant", VARIANTS, ids=[p.name for p in VARIANTS])
def test_variants(variant: Path) -> None:
    _assert_same(build_topology(load(variant)))


@pytest.mark.parametrize(("seed", "spokes"), [(1, 2), (2, 3), (3, 4)])
def test_generated_estates(tmp_path: Path, seed: int, spokes: int) -> None:
    synth = load_script(ROOT / "benchmarks" / "estate_synth.py")
    folder = synth.write_estate(synth.generate(90, 400, spokes, seed), tmp_path / "estate")
    topology = build_topology(load(folder))
    assert len(topology.endpoints) == 91
    _assert_same(topology)


@settings(max_examples=4)
@given(
    st.integers(0, 2**16),
    st.integers(20, 60),
    st.integers(1, 4),
)
def test_generated_estates_any_seed(seed: int, workloads: int, spokes: int) -> None:
    synth = load_script(ROOT / "benchmarks" / "estate_synth.py")
    with tempfile.TemporaryDirectory() as tmp:
        estate = synth.generate(workloads, workloads * 4, spokes, seed)
        topology = build_topology(load(synth.write_estate(estate, Path(tmp) / "estate")))
    _assert_same(topology)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
def test_streamed_json_is_the_json_document(fast: bool) -> None:
    topology = build_topology(load(EXAMPLE))
    matrix = connectivity(topology) if fast else reference_connectivity(topology)
    stream = io.StringIO()
    matrix.write_json(stream, chunk=5, header={"schema_version": 1})
    assert stream.getvalue() == matrix_text({"schema_version": 1, **matrix.to_json()})
    assert json.loads(stream.getvalue()) == {"schema_version": 1, **matrix.to_json()}
    for empty in (Matrix([], {}), Matrix(["a", "b"])):
        stream = io.StringIO()
        empty.write_json(stream)
        assert stream.getvalue() == matrix_text(empty.to_json())


def test_lazy_connections_match_json() -> None:
    matrix = connectivity(build_topology(load(EXAMPLE)))
    rows = matrix.to_json()["connections"]
    assert len(matrix) == len(rows)
    assert [(r["from"], r["to"]) for r in rows] == list(matrix.connections)


# -- one filter compiled to a table equals `filters` at every address --------------------------

_SOURCE = Source("test")
prefixes = st.sampled_from(
    ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "0.0.0.0/0", "172.16.0.0/12"]
)
services = st.sampled_from(
    ["tcp/443", "tcp/1-65535", "tcp/1024-65535", "tcp/8000-8100", "udp", "icmp", "*", "tcp/22"]
)
rules = st.builds(
    lambda action, remote, local, service, ports, group: FilterRule(
        f"r-{action}",
        action,
        IpSet.from_cidrs([remote]),
        IpSet.from_cidrs([local]),
        ServiceSet.parse(service),
        _SOURCE,
        source_ports=None if ports is None else ServiceSet.parse(ports),
        group=group,
    ),
    st.sampled_from(["allow", "deny", "next"]),
    prefixes,
    st.sampled_from(["0.0.0.0/0", "10.1.0.0/16"]),
    services,
    st.one_of(st.none(), services),
    st.integers(0, 2),
)
filters = st.builds(
    lambda rs, default: Filter(
        "f", "test", tuple(sorted(rs, key=lambda r: r.group)), default, _SOURCE
    ),
    st.lists(rules, max_size=6),
    st.sampled_from(["allow", "deny"]),
)
probes = st.lists(
    st.sampled_from(["10.1.2.3", "10.1.2.4", "10.1.9.9", "10.9.9.9", "172.16.0.1", "8.8.8.8"]),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150)
@given(filters, st.booleans(), probes, probes)
def test_compiled_filter_equals_filters(
    flt: Filter, reply: bool, locals_: list[str], remotes: list[str]
) -> None:
    sets = _Sets()
    compiled = _compile(flt, reply, _Services([flt], sets))
    local = np.array([int(ipaddress.IPv4Address(a)) for a in locals_], dtype=np.int64)
    remote = np.array([int(ipaddress.IPv4Address(a)) for a in remotes], dtype=np.int64)
    ids = compiled.lookup(local[:, None], remote[None, :])
    expected = reply_services if reply else allowed_services
    for i, lo in enumerate(local.tolist()):
        for j, re in enumerate(remote.tolist()):
            assert sets.sets[int(ids[i, j])] == expected(flt, lo, re)
