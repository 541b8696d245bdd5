"""A fourth cloud is a new folder and one registration: the walkthrough of docs/architecture.md, run.

The provider below is what `providers/exoscale/provider.py` would hold for a cloud whose private
networks carry instances behind stateful, allow-only security groups (Exoscale's documented
model: https://community.exoscale.com/documentation/compute/security-groups/). Registering it is
the one line `providers/registry.py` would gain; nothing else in crossfence changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

import crossfence
from crossfence.algebra.packets import IpSet, services_of
from crossfence.errors import BlueprintError
from crossfence.ir.types import Endpoint, Filter, FilterRule, Source
from crossfence.model import Workload
from crossfence.providers import registry
from crossfence.providers.base import CloudProvider


class ExoscaleProvider(CloudProvider):
    """Exoscale: security groups allow only, are stateful, and apply to every interface."""

    name: ClassVar[str] = "exoscale"
    network_fields: ClassVar[frozenset[str]] = frozenset({"subnets"})

    def endpoint(self, workload: Workload, endpoint: Endpoint, groups: tuple[str, ...]) -> None:
        rules = [
            FilterRule(
                f"{name}#{index}",
                "allow",
                IpSet.from_cidrs(rule.ip_ranges),
                IpSet.all(),
                services_of([rule.ports]),
                Source.of(group, f"security-group/{name}", str(index)),
            )
            for name in groups
            if (group := self.blueprint.get("security_groups", name)) is not None
            for index, rule in enumerate(group.inbound_rules)
        ]
        endpoint.ingress = (
            Filter(
                "exoscale security groups",
                "exoscale-security-group",
                tuple(rules),
                "deny",
                Source.of(workload, f"workload/{workload.name}", "default deny"),
            ),
        )


BLUEPRINT = """\
clouds:
  - {name: exo, provider: exoscale, jurisdiction: CH, region: ch-gva-2}
networks:
  - name: private
    cloud: exo
    subnets: [{name: apps, cidr: 10.50.0.0/24}]
security_groups:
  - name: web
    cloud: exo
    inbound_rules: [{ports: tcp/443, ip_ranges: [10.50.0.0/24]}]
workloads:
  - {name: client, kind: vm, network: private, subnet: apps, addresses: [10.50.0.5]}
  - {name: server, kind: vm, network: private, subnet: apps, addresses: [10.50.0.9],
     security_groups: [web], ports: [{port: 443}]}
"""


@pytest.fixture
def exoscale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "PROVIDERS", (*registry.PROVIDERS, ExoscaleProvider))


def test_unknown_until_registered(tmp_path: Path) -> None:
    (tmp_path / "bp.yaml").write_text(BLUEPRINT)
    with pytest.raises(BlueprintError) as raised:
        crossfence.load(tmp_path / "bp.yaml")
    assert "'exoscale' is not allowed (expected 'gcp', 'scaleway' or 'aws'" in str(
        raised.value.problems[0]
    )


def test_registered_it_loads_builds_and_answers(tmp_path: Path, exoscale: None) -> None:
    (tmp_path / "bp.yaml").write_text(BLUEPRINT)
    topology = crossfence.build_topology(crossfence.load(tmp_path / "bp.yaml"))
    assert topology.networks["private"].provider == "exoscale"
    allowed = crossfence.reach(topology, "client", "server", "tcp/443")
    denied = crossfence.reach(topology, "client", "server", "tcp/22")
    assert allowed.allowed and allowed.disposition == "DELIVERED"
    assert not denied.allowed and denied.disposition == "DENIED_INGRESS"
    assert "exoscale security groups: denied by default" in str(denied.to_json())


def test_its_fields_are_checked_like_any_provider(tmp_path: Path, exoscale: None) -> None:
    (tmp_path / "bp.yaml").write_text(
        BLUEPRINT.replace("    subnets:", "    routing_mode: global\n    subnets:")
    )
    with pytest.raises(BlueprintError) as raised:
        crossfence.load(tmp_path / "bp.yaml")
    assert [p.message for p in raised.value.problems] == [
        "'routing_mode' is not available on exoscale networks (expected only on gcp)"
    ]
