"""Scaleway Managed Databases do not support VPC routing: reached only within their own Private Network.

https://www.scaleway.com/en/docs/vpc/faq/ ("Why can I not route traffic to my Managed Database
on another Private Network?"): "Managed Databases do not currently support VPC routing";
https://www.scaleway.com/en/docs/vpc/reference-content/understanding-routing/#limitations:
"The VPC cannot automatically route between Managed Databases on different Private Networks, or
(for example) between a Managed Database on one Private Network and an Instance on a different
Private Network."
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.engine.reach import Reach

# Two Private Networks of one routed VPC, no ACL: only the database's kind can stop a flow.
VPC = """
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: pn-a, cidr: 172.16.0.0/24}
      - {name: pn-b, cidr: 172.16.1.0/24}
workloads:
  - name: db
    kind: managed_database
    network: vpc
    subnet: pn-a
    addresses: [172.16.0.10]
    ports: ["tcp/5432"]
  - {name: app-a, kind: vm, network: vpc, subnet: pn-a, addresses: [172.16.0.20]}
  - {name: app-b, kind: vm, network: vpc, subnet: pn-b, addresses: [172.16.1.20], ports: ["tcp/8080"]}
"""


def ask(tmp_path: Path, text: str, source: str, destination: str, port: str) -> Reach:
    (tmp_path / "bp.yaml").write_text(text)
    return reach(build_topology(load(tmp_path / "bp.yaml")), source, destination, port)


def unrouted_step(result: Reach, text: str = VPC) -> str:
    """The located step that drops the flow, with the line of the database it names."""
    [drop] = [s for hop in result.hops for s in hop.steps if s.action == "DROP"]
    assert drop.source is not None
    assert (drop.source.resource, drop.source.rule) == ("workload/db", "managed database")
    assert drop.source.file is not None and drop.source.file.endswith("bp.yaml")
    assert drop.source.line == text.splitlines().index("  - name: db") + 1
    return drop.detail


def test_reached_from_an_instance_on_its_private_network(tmp_path: Path) -> None:
    result = ask(tmp_path, VPC, "app-a", "db", "tcp/5432")
    assert (result.allowed, result.disposition) == (True, "DELIVERED")


def test_not_reached_from_another_private_network(tmp_path: Path) -> None:
    """VPC routing carries app-b's packets to pn-a, not to the Managed Database."""
    result = ask(tmp_path, VPC, "app-b", "db", "tcp/5432")
    assert (result.allowed, result.disposition) == (False, "NO_ROUTE")
    assert "db is reached only within its own segment pn-a" in unrouted_step(result)


def test_an_instance_of_the_other_network_is_still_routed(tmp_path: Path) -> None:
    """The limitation is the database's: the same VPC routes app-a to app-b."""
    result = ask(tmp_path, VPC, "app-a", "app-b", "tcp/8080")
    assert result.disposition == "DELIVERED"


def test_does_not_reach_out_of_its_private_network(tmp_path: Path) -> None:
    result = ask(tmp_path, VPC, "db", "app-b", "tcp/8080")
    assert (result.allowed, result.disposition) == (False, "NO_ROUTE")
    assert "between it and pn-b" in unrouted_step(result)


# A GCP application reaches the Scaleway VPC over an HA VPN; the Site-to-Site VPN gateway sits in
# a Private Network ({gateway_network}), the database in pn-a.
VPN = (
    VPC.replace(
        "clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]",
        "clouds:\n"
        "  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}\n"
        "  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1, project: p}",
    ).replace(
        "networks:\n  - name: vpc\n",
        "networks:\n"
        "  - name: app-vpc\n"
        "    cloud: gcp\n"
        "    routing_mode: global\n"
        "    subnets: [{name: app-ew1, cidr: 10.0.0.0/24, region: europe-west1}]\n"
        "  - name: vpc\n",
    )
    + """  - {name: gcp-app, kind: vm, network: app-vpc, subnet: app-ew1, addresses: [10.0.0.10]}
vpn_gateways:
  - name: app-vpn
    cloud: gcp
    network: app-vpc
    type: ha_vpn
    interfaces: [{id: 0, ip: 34.157.0.1}, {id: 1, ip: 34.157.1.1}]
  - name: scw-vpn
    cloud: scw
    network: vpc
    private_network: {gateway_network}
    type: scaleway_s2s
    asn: 12876
    route_propagation: true
    interfaces: [{id: 0, ip: 51.159.0.1}, {id: 1, ip: 51.159.0.2}]
routers:
  - {name: app-router, cloud: gcp, network: app-vpc, asn: 64514}
routing_policies:
  - {name: from-gcp, cloud: scw, prefix_filter_in: [10.0.0.0/24], prefix_filter_out: [172.16.0.0/23]}
vpn_tunnels:
  - {name: tunnel-0, local: {gateway: app-vpn, interface: 0}, peer: {gateway: scw-vpn, interface: 0}}
bgp_sessions:
  - name: bgp-0
    tunnel: tunnel-0
    local: {speaker: app-router, address: 169.254.0.1/30}
    peer: {speaker: scw-vpn, address: 169.254.0.2/30, routing_policy: from-gcp}
"""
)


@pytest.mark.parametrize(
    ("gateway_network", "disposition"), [("pn-a", "DELIVERED"), ("pn-b", "NO_ROUTE")]
)
def test_over_the_vpn_only_when_the_gateway_sits_in_its_private_network(
    tmp_path: Path, gateway_network: str, disposition: str
) -> None:
    """The VPN gateway is a resource on a Private Network: from pn-b, reaching the database is
    routing between Private Networks, which Managed Databases do not support."""
    text = VPN.replace("{gateway_network}", gateway_network)
    result = ask(tmp_path, text, "gcp-app", "db", "tcp/5432")
    assert result.disposition == disposition
    if disposition == "NO_ROUTE":
        assert "between it and pn-b" in unrouted_step(result, text)
    # an Instance beside the database is reached either way: the VPC routes for it
    assert ask(tmp_path, text, "gcp-app", "app-a", "tcp/22").disposition == "DELIVERED"
