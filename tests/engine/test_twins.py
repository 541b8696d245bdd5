"""Twins: endpoints every layer treats alike are worked out once; the matrix must not change.

The layered matrix with twins (two of each group worked out, the cells copied to the rest) is
held equal, cell by cell and condition by condition, to the matrix worked out for every endpoint,
on generated estates with meshed clusters and on estates where one rule tells a twin apart.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scripts import load_script

import crossfence
from crossfence.engine import layered_matrix
from crossfence.engine.layered_matrix import _Layered, layered_connectivity
from crossfence.engine.twins import Twins
from crossfence.ir.types import Topology

SYNTH = load_script(Path(__file__).resolve().parents[2] / "benchmarks" / "estate_synth.py")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"


def twins_of(topology: Topology) -> Twins:
    return _Layered(topology, None).twins(topology)


def assert_same(topology: Topology) -> None:
    with_twins = layered_connectivity(topology, twins=True)
    without = layered_connectivity(topology, twins=False)
    assert with_twins.endpoints == without.endpoints
    assert with_twins.connections == without.connections
    assert with_twins.conditional == without.conditional


@pytest.fixture(autouse=True)
def always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the twins' path whenever there is a twin, however few."""
    monkeypatch.setattr(layered_matrix, "TWINS_WORTH", 0.0)


def test_generated_estates_any_seed() -> None:
    @settings(max_examples=12, deadline=None)
    @given(seed=st.integers(0, 10_000), pods=st.integers(6, 30))
    def check(seed: int, pods: int) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = SYNTH.write_estate(SYNTH.generate(30, 90, 2, seed, pods), Path(tmp) / "e")
            topology = crossfence.build_topology(crossfence.load(folder))
            assert_same(topology)

    check()


@pytest.mark.parametrize("variant", [None, "mtls-permissive", "eastwest-blocked", "edge-open"])
def test_the_example(variant: str | None) -> None:
    topology = crossfence.build_topology(
        crossfence.load(EXAMPLE / "variants" / variant if variant else EXAMPLE)
    )
    assert_same(topology)


ESTATE = """
clouds:
  - {{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1, project: p}}
networks:
  - name: vpc
    cloud: gcp
    subnets: [{{name: apps, cidr: 10.0.0.0/24, region: europe-west1}}]
    firewall_rules:
      - {{name: web, ports: ["tcp/8080"], source_ranges: ["10.0.0.0/24"], target_tags: [web]}}
{extra}
workloads:
  - {{name: client, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.2]}}
  - {{name: web-1, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.10], network_tags: [web], ports: ["tcp/8080"]}}
  - {{name: web-2, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.11], network_tags: [web], ports: ["tcp/8080"]}}
  - {{name: web-3, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.12], network_tags: [web], ports: ["tcp/8080"]}}
  - {{name: web-4, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.13], network_tags: [web{tag}], ports: ["tcp/8080"]}}
"""


def topology_of(tmp_path: Path, extra: str = "", tag: str = "") -> Topology:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(extra=extra, tag=tag))
    return crossfence.build_topology(crossfence.load(tmp_path / "bp.yaml"))


def test_replicas_alike_are_twins(tmp_path: Path) -> None:
    topology = topology_of(tmp_path)
    assert twins_of(topology).groups == [["web-1", "web-2", "web-3", "web-4"]]
    assert_same(topology)


def test_a_rule_naming_one_address_tells_it_apart(tmp_path: Path) -> None:
    """A rule whose range holds web-3 alone (a /32) treats it unlike its siblings."""
    extra = '      - {name: one, ports: ["tcp/22"], source_ranges: ["10.0.0.12/32"]}'
    topology = topology_of(tmp_path, extra)
    # web-4 sits past the rule's range in another atom: apart too, which costs only time
    assert twins_of(topology).groups == [["web-1", "web-2"]]
    assert layered_connectivity(topology).verdict("web-3", "web-1", "tcp", 22) == "allowed"
    assert layered_connectivity(topology).verdict("web-4", "web-1", "tcp", 22) == "denied"
    assert_same(topology)


def test_a_tag_of_its_own_tells_it_apart(tmp_path: Path) -> None:
    extra = (
        '      - {name: ssh, ports: ["tcp/22"], source_ranges: ["10.0.0.0/24"], target_tags: [ssh]}'
    )
    topology = topology_of(tmp_path, extra, tag=", ssh")
    assert twins_of(topology).groups == [["web-1", "web-2", "web-3"]]
    assert_same(topology)
    matrix = layered_connectivity(topology)
    assert matrix.verdict("client", "web-4", "tcp", 22) == "allowed"
    assert matrix.verdict("client", "web-3", "tcp", 22) == "denied"
    assert matrix.verdict("web-1", "web-2", "tcp", 8080) == "allowed"
    assert matrix.verdict("web-2", "web-1", "tcp", 8080) == "allowed"
