"""Scaleway VPC routing between Private Networks, and a VPC on which it was never activated.

https://www.scaleway.com/en/docs/vpc/reference-content/understanding-routing/: "When routing is
activated, all Private Networks on the VPC can communicate"; "Routing is activated by default
whenever you create a new VPC, and can be activated on pre-existing VPCs"; "Once activated on a
given VPC, routing cannot be deactivated on that VPC". `managed_routing: false` is such a
pre-existing VPC: a Private Network is "an isolated and secure layer 2 network"
(https://www.scaleway.com/en/docs/vpc/faq/), so each one reaches only itself — and the
Site-to-Site VPN gateway, a resource on one Private Network, serves that one only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.engine.matrix import connectivity, reference_connectivity
from crossfence.engine.reach import Reach
from crossfence.ir.types import Topology

ESTATE = """
clouds:
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1, project: p}
networks:
  - name: app-vpc
    cloud: gcp
    routing_mode: global
    subnets: [{name: app-ew1, cidr: 10.0.0.0/24, region: europe-west1}]
    firewall_rules:
      - {name: from-scaleway, ports: ["tcp/8080"], source_ranges: ["172.16.0.0/23"]}
  - name: vpc
    cloud: scw
    managed_routing: {routing}
    private_networks:
      - {name: pn-a, cidr: 172.16.0.0/24}
      - {name: pn-b, cidr: 172.16.1.0/24}
workloads:
  - {name: app-a, kind: vm, network: vpc, subnet: pn-a, addresses: [172.16.0.20], ports: ["tcp/8080"]}
  - {name: app-a2, kind: vm, network: vpc, subnet: pn-a, addresses: [172.16.0.21], ports: ["tcp/8080"]}
  - {name: app-b, kind: vm, network: vpc, subnet: pn-b, addresses: [172.16.1.20], ports: ["tcp/8080"]}
  - {name: gcp-app, kind: vm, network: app-vpc, subnet: app-ew1, addresses: [10.0.0.10], ports: ["tcp/8080"]}
vpn_gateways:
  - name: app-vpn
    cloud: gcp
    network: app-vpc
    type: ha_vpn
    interfaces: [{id: 0, ip: 34.157.0.1}, {id: 1, ip: 34.157.1.1}]
  - name: scw-vpn
    cloud: scw
    network: vpc
    private_network: pn-a
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


def ask(tmp_path: Path, routing: str, source: str, destination: str) -> Reach:
    (tmp_path / "bp.yaml").write_text(ESTATE.replace("{routing}", routing))
    return reach(build_topology(load(tmp_path / "bp.yaml")), source, destination, "tcp/8080")


@pytest.mark.parametrize(
    ("source", "destination"),
    [
        ("app-a", "app-a2"),  # one Private Network
        ("app-a", "app-b"),  # between Private Networks
        ("app-b", "app-a"),
        ("gcp-app", "app-a"),  # over the VPN, to the gateway's Private Network
        ("gcp-app", "app-b"),  # over the VPN, to the other one
        ("app-a", "gcp-app"),
        ("app-b", "gcp-app"),
    ],
)
def test_with_routing_every_private_network_communicates(
    tmp_path: Path, source: str, destination: str
) -> None:
    """Routing on (the default for every VPC created today): all Private Networks communicate."""
    assert ask(tmp_path, "true", source, destination).disposition == "DELIVERED"


def test_without_routing_a_private_network_reaches_only_itself(tmp_path: Path) -> None:
    assert ask(tmp_path, "false", "app-a", "app-a2").disposition == "DELIVERED"
    for source, destination in (("app-a", "app-b"), ("app-b", "app-a")):
        result = ask(tmp_path, "false", source, destination)
        assert (result.allowed, result.disposition) == (False, "NO_ROUTE")
        [drop] = [s for hop in result.hops for s in hop.steps if s.action == "DROP"]
        assert drop.detail.startswith("no route to ")


def test_without_routing_the_vpn_gateway_serves_its_private_network_only(tmp_path: Path) -> None:
    """scw-vpn sits in pn-a: what arrives through it reaches pn-a only, and only pn-a uses the
    routes it learns over BGP."""
    assert ask(tmp_path, "false", "gcp-app", "app-a").disposition == "DELIVERED"
    assert ask(tmp_path, "false", "app-a", "gcp-app").disposition == "DELIVERED"
    assert ask(tmp_path, "false", "gcp-app", "app-b").disposition == "NO_ROUTE"
    result = ask(tmp_path, "false", "app-b", "gcp-app")
    assert result.disposition == "NO_ROUTE"
    assert not any(s.action == "ARRIVE_AT_VPN_TUNNEL" for h in result.hops for s in h.steps)


def test_without_routing_an_icmp_probe_does_not_leave_either(tmp_path: Path) -> None:
    """ICMP has no return path to check: the route itself must not carry pn-b out."""
    (tmp_path / "bp.yaml").write_text(ESTATE.replace("{routing}", "false"))
    topology = build_topology(load(tmp_path / "bp.yaml"))
    assert reach(topology, "app-b", "gcp-app", "icmp").disposition == "NO_ROUTE"
    assert reach(topology, "app-a", "app-b", "icmp").disposition == "NO_ROUTE"


@pytest.mark.parametrize("routing", ["true", "false"])
def test_the_matrix_agrees_with_the_walk(tmp_path: Path, routing: str) -> None:
    (tmp_path / "bp.yaml").write_text(ESTATE.replace("{routing}", routing))
    topology = build_topology(load(tmp_path / "bp.yaml"))
    fast, reference = connectivity(topology), reference_connectivity(topology)
    assert fast.to_json() == reference.to_json()
    assert (("app-b", "gcp-app") in fast.connections) is (routing == "true")


# The Scaleway VPC ACL on traffic that arrives or leaves through the Site-to-Site VPN gateway.
#
# https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/: "This list is
# composed of stateless rules to control the flow of traffic between the Private Networks of the
# VPC"; "NACLs only control traffic as it enters or exits the Private Network(s) of a VPC. They do
# not: Filter traffic between resources attached to the same Private Network". The VPN gateway is a
# resource on one Private Network (pn-a here): a connection from GCP to pn-b enters pn-b from pn-a,
# and its reply leaves pn-b for pn-a — both directions cross the ACL, which keeps no state, so the
# reply needs a rule of its own. Traffic to pn-a, the gateway's own network, crosses nothing.

ACL = """
    acl:
      default_policy: drop
      rules:
        - {action: accept, protocol: tcp, source: 10.0.0.0/24, destination: 172.16.1.0/24, destination_ports: "8080"}
"""
REPLY = """        - {action: accept, protocol: tcp, source: 172.16.1.0/24, source_ports: "8080", destination: 10.0.0.0/24}
"""


def estate(tmp_path: Path, reply_rule: bool) -> Topology:
    text = ESTATE.replace("{routing}", "true").replace(
        "      - {name: pn-b, cidr: 172.16.1.0/24}\n",
        "      - {name: pn-b, cidr: 172.16.1.0/24}\n" + ACL + (REPLY if reply_rule else ""),
    )
    assert "default_policy: drop" in text
    (tmp_path / "bp.yaml").write_text(text)
    return build_topology(load(tmp_path / "bp.yaml"))


def test_the_reply_leaving_for_the_vpn_gateway_crosses_the_acl(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path, reply_rule=False), "gcp-app", "app-b", "tcp/8080")
    assert (answer.allowed, answer.disposition) == (False, "DENIED_ACL"), answer.to_json()
    actions = [s.action for hop in answer.hops for s in hop.steps]
    assert actions.count("APPLY_ACL") == 1 and actions.count("APPLY_ACL_REPLY") == 1


def test_a_rule_for_the_reply_lets_it_out(tmp_path: Path) -> None:
    assert reach(estate(tmp_path, reply_rule=True), "gcp-app", "app-b", "tcp/8080").allowed


def test_the_gateways_own_private_network_crosses_nothing(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path, reply_rule=False), "gcp-app", "app-a", "tcp/8080")
    assert answer.allowed, answer.to_json()
    assert not any(s.action.startswith("APPLY_ACL") for hop in answer.hops for s in hop.steps)


def test_the_matrix_agrees_with_the_walk_through_the_acl(tmp_path: Path) -> None:
    for reply_rule in (False, True):
        topology = estate(tmp_path, reply_rule)
        fast = connectivity(topology)
        assert fast.to_json() == reference_connectivity(topology).to_json()
        assert (("gcp-app", "app-b") in fast.connections) is reply_rule
