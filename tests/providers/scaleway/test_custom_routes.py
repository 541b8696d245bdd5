"""Scaleway VPC custom routes: a destination range and a next-hop resource on a Private Network.

https://www.scaleway.com/en/docs/vpc/reference-content/understanding-routing/#route-table: "For
custom routes, the next hop is a defined resource on a defined Private Network"; "the route table
reads the routes from most specific to least specific"; custom routes "are scoped to the entire
VPC as standard", and one "with a destination of 0.0.0.0/0 ... is treated in the same way as a
default route advertised by a Public Gateway: Its route will be advertised locally on the 'next
hop' resource's Private Network".
https://www.scaleway.com/en/docs/vpc/how-to/manage-routing/#how-to-create-a-custom-route: "Click a
VPC on which you have activated routing"; "Select a resource type: Instance, Public Gateway or
Elastic Metal. Routing is not yet compatible with Managed Databases"; "The resource must be
attached to a Private Network in this VPC".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.engine.reach import Reach
from crossfence.errors import BlueprintError

HEAD = """
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: pn-a, cidr: 172.16.0.0/24}
      - {name: pn-b, cidr: 172.16.1.0/24}
    routes:
{routes}
  - name: other
    cloud: scw
    private_networks: [{name: pn-o, cidr: 172.18.0.0/24}]
workloads:
  - {name: app-a, kind: vm, network: vpc, subnet: pn-a, addresses: [172.16.0.20]}
  - {name: app-b, kind: vm, network: vpc, subnet: pn-b, addresses: [172.16.1.20]}
  - {name: app-b2, kind: vm, network: vpc, subnet: pn-b, addresses: [172.16.1.200], ports: ["tcp/443"]}
  - {name: vpn-host, kind: vm, network: vpc, subnet: pn-b, addresses: [172.16.1.42]}
  - {name: db, kind: managed_database, network: vpc, subnet: pn-b, addresses: [172.16.1.50]}
  - {name: lb, kind: load_balancer, network: vpc, subnet: pn-b, addresses: [172.16.1.60]}
  - {name: far, kind: vm, network: other, subnet: pn-o, addresses: [172.18.0.10]}
"""

TO_VPN = "      - {name: to-vpn, destination: 192.168.100.0/24, next_hop_instance: vpn-host}"


def write(tmp_path: Path, routes: str) -> Path:
    path = tmp_path / "bp.yaml"
    path.write_text(HEAD.replace("{routes}", routes))
    return path


def ask(tmp_path: Path, routes: str, source: str, destination: str) -> Reach:
    topology = build_topology(load(write(tmp_path, routes)))
    return reach(topology, source, destination, "tcp/443")


def route_step(result: Reach) -> str:
    [step] = [s for h in result.hops for s in h.steps if s.action == "APPLY_ROUTE"]
    return step.detail


@pytest.mark.parametrize("source", ["app-a", "app-b"])
def test_a_custom_route_sends_to_its_resource_from_every_private_network(
    tmp_path: Path, source: str
) -> None:
    """VPC-wide: pn-a uses the route towards vpn-host on pn-b as much as pn-b does. What the
    Instance does with the packet (a VPN it hosts) is beyond the VPC: the walk stops there."""
    result = ask(tmp_path, TO_VPN, source, "192.168.100.5")
    assert "custom route to-vpn to vpn-host" in route_step(result)
    assert "→ instance vpn-host" in route_step(result)
    assert not result.allowed


def test_without_the_custom_route_there_is_no_route(tmp_path: Path) -> None:
    result = ask(tmp_path, "      []", "app-a", "192.168.100.5")
    assert result.disposition == "NO_ROUTE"
    assert not any(s.action == "APPLY_ROUTE" for h in result.hops for s in h.steps)


def test_by_the_resource_private_address(tmp_path: Path) -> None:
    routes = "      - {name: to-vpn, destination: 192.168.100.0/24, next_hop_ip: 172.16.1.42}"
    assert "→ instance 172.16.1.42" in route_step(ask(tmp_path, routes, "app-a", "192.168.100.5"))


def test_the_most_specific_destination_wins(tmp_path: Path) -> None:
    """A /25 custom route inside pn-b's /24 takes app-b2's address to the appliance."""
    routes = "      - {name: inspect, destination: 172.16.1.128/25, next_hop_instance: vpn-host}"
    assert ask(tmp_path, "      []", "app-a", "app-b2").disposition == "DELIVERED"
    result = ask(tmp_path, routes, "app-a", "app-b2")
    assert "custom route inspect" in route_step(result)
    assert result.disposition != "DELIVERED"


def test_a_custom_default_route_is_local_to_the_next_hop_private_network(tmp_path: Path) -> None:
    routes = "      - {name: egress, destination: 0.0.0.0/0, next_hop_instance: vpn-host}"
    from_b = ask(tmp_path, routes, "app-b", "203.0.113.9")
    assert "custom route egress to vpn-host (advertised on pn-b only)" in route_step(from_b)
    from_a = ask(tmp_path, routes, "app-a", "203.0.113.9")
    assert from_a.disposition == "NO_ROUTE"
    assert not any(s.action == "APPLY_ROUTE" for h in from_a.hops for s in h.steps)


# -- what Scaleway refuses ------------------------------------------------------------------------


def problems(tmp_path: Path, routes: str, text: str | None = None) -> list[tuple[int, str, str]]:
    path = tmp_path / "bp.yaml"
    path.write_text(text if text is not None else HEAD.replace("{routes}", routes))
    with pytest.raises(BlueprintError) as caught:
        load(path)
    return [(p.line or 0, p.path or "", p.message) for p in caught.value.problems]


ROUTES_LINE = HEAD.splitlines().index("{routes}") + 1


@pytest.mark.parametrize(
    ("route", "field", "message"),
    [
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_gateway: default_internet_gateway}",
            "next_hop_gateway",
            "a Scaleway custom route goes to a resource on a Private Network of the VPC or to a "
            "VPC connector (expected next_hop_instance, next_hop_ip or next_hop_peering)",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, blackhole: true}",
            "blackhole",
            "a Scaleway custom route goes to a resource",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_instance: db}",
            "next_hop_instance",
            "'db' is a Managed Database: routing is not compatible with Managed Databases "
            "(expected an Instance or Elastic Metal server: a vm workload)",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_instance: lb}",
            "next_hop_instance",
            "'lb' is a load_balancer workload (expected an Instance or Elastic Metal server",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_instance: far}",
            "next_hop_instance",
            "'far' is not attached to a Private Network of 'vpc' (expected a resource of this VPC)",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_ip: 172.18.0.10}",
            "next_hop_ip",
            "next hop 172.18.0.10 is in no subnet of network 'vpc'",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_instance: vpn-host, priority: 10}",
            "priority",
            "Scaleway custom routes have no priority: the most specific destination wins",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_instance: vpn-host, tags: [vpn]}",
            "tags",
            "Scaleway route tags only label a route",
        ),
        (
            "{name: r, destination: 10.0.0.0/8, next_hop_peering: nowhere}",
            "next_hop_peering",
            "unknown VPC connector 'nowhere' (expected one of: none defined: a peering with "
            "network: vpc)",
        ),
    ],
)
def test_refused_routes_are_located_errors(
    tmp_path: Path, route: str, field: str, message: str
) -> None:
    found = problems(tmp_path, f"      - {route}")
    assert [(line, path) for line, path, text in found if message in text] == [
        (ROUTES_LINE, f"networks[0].routes[0].{field}")
    ], found


def test_custom_routes_need_vpc_routing(tmp_path: Path) -> None:
    text = HEAD.replace("{routes}", f"  {TO_VPN.strip()}").replace(
        "    cloud: scw\n    private_networks:\n      - {name: pn-a",
        "    cloud: scw\n    managed_routing: false\n    private_networks:\n      - {name: pn-a",
    )
    text = text.replace("    routes:\n  - {name", "    routes:\n      - {name")
    found = problems(tmp_path, "", text)
    assert [(path, message) for _, path, message in found] == [
        (
            "networks[0].routes",
            "custom routes need VPC routing, which 'vpc' does not have (expected "
            "managed_routing: true, or no routes)",
        )
    ]


def test_a_route_on_a_private_network_range_is_a_warning(tmp_path: Path) -> None:
    """Routes are ordered by destination only: at an equal destination the documentation does not
    say which wins. crossfence keeps the Private Network's route and says so."""
    routes = "      - {name: same, destination: 172.16.1.0/24, next_hop_instance: vpn-host}"
    blueprint = load(write(tmp_path, routes))
    assert [(w.code, w.path, w.line) for w in blueprint.warnings] == [
        ("route-shadowed", "networks[0].routes[0].destination", ROUTES_LINE)
    ]
    assert "does not say which of the two wins" in blueprint.warnings[0].message
    result = reach(build_topology(blueprint), "app-a", "app-b2", "tcp/443")
    assert result.disposition == "DELIVERED"


def test_routes_are_not_an_aws_field(tmp_path: Path) -> None:
    text = (
        "clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]\n"
        "networks:\n  - name: vpc\n    cloud: aws\n    subnets: [{name: s, cidr: 10.0.0.0/24}]\n"
        "    routes: [{name: r, destination: 10.1.0.0/16, next_hop_ip: 10.0.0.5}]\n"
    )
    found = problems(tmp_path, "", text)
    assert any(
        "'routes' is not available on aws networks (expected only on gcp or scaleway)" in m
        for _, _, m in found
    ), found
