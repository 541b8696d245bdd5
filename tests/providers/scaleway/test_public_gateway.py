"""Scaleway Public Gateways: a Private Network reaches the internet only through one that pushes
the default route and masquerades its traffic (https://www.scaleway.com/en/developers/api/public-gateway/,
"NAT to map private IP addresses in the Private Network to the public IP address of the Public
Gateway"; Terraform `scaleway_vpc_gateway_network`: `enable_masquerade`,
`ipam_config.push_default_route`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.errors import BlueprintError

HEAD = """
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: pn-apps, cidr: 172.16.0.0/22}
      - {name: pn-data, cidr: 172.16.8.0/24}
    public_gateways:
{gateways}
workloads:
  - {name: app, kind: vm, network: vpc, subnet: pn-apps, addresses: [172.16.0.10]}
  - {name: db, kind: vm, network: vpc, subnet: pn-data, addresses: [172.16.8.10]}
"""


def disposition(tmp_path: Path, gateways: str, source: str = "app") -> str:
    (tmp_path / "bp.yaml").write_text(HEAD.replace("{gateways}", gateways))
    topology = build_topology(load(tmp_path / "bp.yaml"))
    return reach(topology, source, "203.0.113.9", "tcp/443").disposition


def test_default_route_and_masquerade_reach_the_internet(tmp_path: Path) -> None:
    gateway = (
        "      - name: pgw\n        public_address: 51.15.0.20\n"
        "        private_networks: [{private_network: pn-apps, push_default_route: true}]"
    )
    assert disposition(tmp_path, gateway) == "DELIVERED"
    # the other Private Network is not attached: no default route there
    assert disposition(tmp_path, gateway, "db") == "NO_ROUTE"


def test_without_the_pushed_default_route_there_is_no_route(tmp_path: Path) -> None:
    """`push_default_route` defaults to false, as in Terraform."""
    gateway = "      - name: pgw\n        private_networks: [{private_network: pn-apps}]"
    assert disposition(tmp_path, gateway) == "NO_ROUTE"


def test_without_masquerade_the_private_source_cannot_leave(tmp_path: Path) -> None:
    gateway = (
        "      - name: pgw\n        private_networks:\n"
        "          - {private_network: pn-apps, push_default_route: true, enable_masquerade: false}"
    )
    assert disposition(tmp_path, gateway) == "NO_EXTERNAL_ADDRESS"


def test_the_trace_names_the_gateway(tmp_path: Path) -> None:
    gateway = (
        "      - name: pgw\n"
        "        private_networks: [{private_network: pn-apps, push_default_route: true}]"
    )
    (tmp_path / "bp.yaml").write_text(HEAD.replace("{gateways}", gateway))
    result = reach(build_topology(load(tmp_path / "bp.yaml")), "app", "203.0.113.9", "tcp/443")
    steps = {s.action: s for h in result.hops for s in h.steps}
    assert "public-gateway/pgw" in steps["APPLY_ROUTE"].detail
    assert steps["APPLY_NAT"].source is not None
    assert steps["APPLY_NAT"].source.resource == "vpc/public-gateway/pgw"


@pytest.mark.parametrize(
    ("gateways", "message"),
    [
        (
            "      - name: pgw\n        private_networks: [{private_network: pn-app}]",
            "unknown Private Network 'pn-app' in network 'vpc' (expected one of: pn-apps, pn-data; did you mean 'pn-apps'?)",
        ),
        (
            "      - name: a\n        private_networks: [{private_network: pn-apps}]\n"
            "      - name: b\n        private_networks: [{private_network: pn-apps}]",
            "Private Network 'pn-apps' is already attached to public gateway 'a'",
        ),
        (
            "      - name: a\n      - name: a",
            "duplicate public gateway name 'a' in network 'vpc'",
        ),
    ],
)
def test_gateway_mistakes_are_located_errors(tmp_path: Path, gateways: str, message: str) -> None:
    (tmp_path / "bp.yaml").write_text(HEAD.replace("{gateways}", gateways))
    with pytest.raises(BlueprintError) as caught:
        load(tmp_path / "bp.yaml")
    found = [p for p in caught.value.problems if message in p.message]
    assert len(found) == 1, [p.message for p in caught.value.problems]
    assert found[0].line is not None and found[0].line >= HEAD.splitlines().index("{gateways}")


def test_public_gateways_are_a_scaleway_field(tmp_path: Path) -> None:
    text = (
        "clouds: [{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}]\n"
        "networks:\n  - name: vpc\n    cloud: gcp\n    subnets: [{name: s, cidr: 10.0.0.0/24}]\n"
        "    public_gateways: [{name: pgw}]\n"
    )
    (tmp_path / "bp.yaml").write_text(text)
    with pytest.raises(BlueprintError) as caught:
        load(tmp_path / "bp.yaml")
    assert any(
        "'public_gateways' is not available on gcp networks" in p.message
        for p in caught.value.problems
    )
