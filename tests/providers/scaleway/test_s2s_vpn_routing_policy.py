"""Scaleway Site-to-Site VPN routing policies: what the VPN gateway announces and installs.

Expected values from Scaleway's documentation,
https://www.scaleway.com/en/docs/site-to-site-vpn/reference-content/understanding-s2svpn/:
- "Outgoing routes are the IP prefixes that define ranges of Scaleway VPC route announcements to
  whitelist. Routes within these destinations will be propagated": the VPC's ranges inside a
  `prefix_filter_out` entry are announced (the range itself, not the entry), and an entry
  narrower than a range announces nothing;
- "Incoming routes are the IP prefixes that define ranges of route announcements from the
  customer gateway to whitelist": a learned prefix outside every `prefix_filter_in` entry is
  not installed;
- "Activating route propagation ... enables all the allowed prefixes defined in the routing
  policy to be announced in the BGP session. Traffic cannot flow over the VPN when route
  propagation is not activated.";
- "By default, when you create a VPN connection, all routes across it are blocked.";
- "Traffic type: Defines whether this policy will cover IPv4 traffic or IPv6 traffic. VPN
  connections supporting both types of traffic need two separate routing policies": an IPv6
  policy (`is_ipv6`) lets no IPv4 route through.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence import build_topology, load, reach
from crossfence.engine.routing import lookup
from crossfence.ir.types import Topology

ESTATE = """
clouds:
  - {{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}
  - {{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}}
networks:
  - name: hub
    cloud: gcp
    subnets: [{{name: hub-a, cidr: 10.0.0.0/24, region: europe-west1}}]
    firewall_rules:
      - {{name: all-in, direction: ingress, ports: [all], source_ranges: ["0.0.0.0/0"]}}
  - name: scw-vpc
    cloud: scw
    private_networks: [{{name: pn, cidr: 172.16.8.0/24}}]
vpn_gateways:
  - {{name: hub-vpn, cloud: gcp, network: hub, type: ha_vpn,
     interfaces: [{{id: 0, ip: 34.157.0.1}}, {{id: 1, ip: 34.157.1.1}}]}}
  - {{name: scw-vpn, cloud: scw, network: scw-vpc, private_network: pn, type: scaleway_s2s,
     asn: 12876, route_propagation: {propagation}, interfaces: [{{id: 0, ip: 51.159.0.1}}]}}
routers:
  - {{name: router, cloud: gcp, network: hub, asn: 64514}}
routing_policies:
  - {{name: policy, cloud: scw, prefix_filter_in: [{filter_in}], prefix_filter_out: [{filter_out}]}}
vpn_tunnels:
  - {{name: t0, local: {{gateway: hub-vpn, interface: 0}}, peer: {{gateway: scw-vpn, interface: 0}}}}
bgp_sessions:
  - name: s0
    tunnel: t0
    local: {{speaker: router, address: 169.254.0.1/30}}
    peer: {{speaker: scw-vpn, address: 169.254.0.2/30, routing_policy: policy}}
workloads:
  - {{name: vm, kind: vm, network: hub, subnet: hub-a, addresses: [10.0.0.10]}}
  - {{name: db, kind: vm, network: scw-vpc, subnet: pn, addresses: [172.16.8.10]}}
"""


def estate(
    tmp_path: Path,
    filter_out: str = '"172.16.8.0/24"',
    filter_in: str = '"10.0.0.0/8"',
    propagation: bool = True,
) -> Topology:
    (tmp_path / "bp.yaml").write_text(
        ESTATE.format(
            filter_out=filter_out, filter_in=filter_in, propagation=str(propagation).lower()
        )
    )
    return build_topology(load(tmp_path / "bp.yaml"))


def learned(topology: Topology, network: str) -> list[str]:
    return sorted(
        {str(r.destination) for r in topology.networks[network].routes if r.kind == "dynamic"}
    )


def test_an_entry_containing_a_range_announces_the_range(tmp_path: Path) -> None:
    topology = estate(tmp_path, filter_out='"172.16.0.0/16"')
    assert learned(topology, "hub") == ["172.16.8.0/24"]
    assert reach(topology, "vm", "db", "tcp/5432").allowed


def test_an_entry_narrower_than_the_range_announces_nothing(tmp_path: Path) -> None:
    """172.16.8.0/24 is not within 172.16.8.0/25: the hub has no route but its default one, the
    VM cannot reach db."""
    topology = estate(tmp_path, filter_out='"172.16.8.0/25"')
    assert learned(topology, "hub") == []
    answer = reach(topology, "vm", "db", "tcp/5432")
    assert not answer.allowed and answer.disposition == "PRIVATE_TRAFFIC_TO_INTERNET", (
        answer.to_json()
    )


def test_a_learned_prefix_outside_prefix_filter_in_is_not_installed(tmp_path: Path) -> None:
    topology = estate(tmp_path, filter_in='"192.168.0.0/16"')
    assert learned(topology, "scw-vpc") == []
    assert any("not in prefix_filter_in of policy" in note for note in topology.notes)
    assert not reach(topology, "vm", "db", "tcp/5432").allowed


def test_a_learned_prefix_wider_than_an_entry_is_not_installed(tmp_path: Path) -> None:
    """10.0.0.0/24 is not within 10.0.0.0/25 (an incoming entry whitelists routes inside it)."""
    assert learned(estate(tmp_path, filter_in='"10.0.0.0/25"'), "scw-vpc") == []


def test_without_route_propagation_nothing_is_announced_or_installed(tmp_path: Path) -> None:
    topology = estate(tmp_path, propagation=False)
    assert learned(topology, "hub") == []
    assert learned(topology, "scw-vpc") == []
    hub = topology.networks["hub"]
    assert lookup(hub, int(ipaddress.IPv4Address("172.16.8.10")))[0].kind == "static"
    assert not reach(topology, "vm", "db", "tcp/5432").allowed


def test_an_ipv6_policy_lets_no_ipv4_route_through(tmp_path: Path) -> None:
    (tmp_path / "bp.yaml").write_text(
        ESTATE.format(
            filter_out='"172.16.8.0/24"', filter_in='"10.0.0.0/8"', propagation="true"
        ).replace(
            'prefix_filter_out: ["172.16.8.0/24"]}',
            'prefix_filter_out: ["172.16.8.0/24"], is_ipv6: true}',
        )
    )
    topology = build_topology(load(tmp_path / "bp.yaml"))
    assert learned(topology, "hub") == [] and learned(topology, "scw-vpc") == []
    assert any("is an IPv6 policy" in note for note in topology.notes)
    assert not reach(topology, "vm", "db", "tcp/5432").allowed
