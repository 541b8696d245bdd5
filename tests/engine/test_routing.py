"""Control-plane semantics: VPC peering exchange, Cloud Router advertisement, Scaleway VPN route policy."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence import load
from crossfence.engine.routing import lookup
from crossfence.estate import build_topology

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def test_subnet_routes_are_always_exchanged_over_peering() -> None:
    """VPC Network Peering docs, "Route exchange options": subnet routes are always exchanged
    (dev-to-hub imports no custom routes, yet dev reaches the hub subnet)."""
    topology = build_topology(load(EXAMPLE))
    routes = lookup(topology.networks["spoke-dev"], ip("10.0.0.10"))
    assert routes and routes[0].kind == "peering-subnet" and routes[0].next_hop.target == "hub"


def test_custom_routes_need_export_and_import() -> None:
    """VPC Network Peering docs: custom (static, dynamic) routes are exchanged only when one side
    exports and the other imports; spoke-dev does not import, spoke-prod does."""
    topology = build_topology(load(EXAMPLE))
    assert lookup(topology.networks["spoke-prod"], ip("172.16.8.10"))[0].kind == "peering-dynamic"
    assert lookup(topology.networks["spoke-dev"], ip("172.16.8.10")) == []


def test_peering_is_not_transitive() -> None:
    """VPC Network Peering docs: peered networks do not pass on routes learned from another peer;
    spoke-dev never learns spoke-prod's ranges through the hub."""
    topology = build_topology(load(EXAMPLE))
    assert lookup(topology.networks["spoke-dev"], ip("10.10.0.5")) == []


def test_static_default_internet_route_is_not_exported() -> None:
    """VPC Network Peering docs: static routes whose next hop is the default internet gateway are
    never exchanged (hub exports custom routes, yet its 0.0.0.0/0 stays in the hub)."""
    topology = build_topology(load(EXAMPLE))
    assert lookup(topology.networks["spoke-prod"], ip("8.8.8.8")) == []


def test_custom_advertisement_carries_spoke_ranges_default_does_not() -> None:
    """Cloud Router docs, "Advertised routes": default mode advertises the subnets of the router's
    VPC network only; a spoke's range needs a custom advertisement."""
    base = build_topology(load(EXAMPLE))
    assert lookup(base.networks["scw-vpc"], ip("10.12.0.10"))[0].kind == "dynamic"
    default = build_topology(load(EXAMPLE / "variants" / "default-advertisement"))
    assert lookup(default.networks["scw-vpc"], ip("10.12.0.10")) == []
    assert lookup(default.networks["scw-vpc"], ip("10.0.0.10"))[0].kind == "dynamic"


def test_ha_vpn_routes_are_ecmp_over_both_tunnels() -> None:
    """HA VPN docs: with two tunnels and equal advertised priority both routes are used (active/active)."""
    topology = build_topology(load(EXAMPLE))
    routes = lookup(topology.networks["hub"], ip("172.16.8.10"))
    assert sorted(r.next_hop.target for r in routes) == ["tunnel-0", "tunnel-1"]


def test_scaleway_blocks_routes_without_routing_policy(tmp_path: Path) -> None:
    """Scaleway Site-to-Site VPN docs: routes are blocked until a routing policy is attached and
    route propagation is enabled."""
    import shutil

    shutil.copytree(EXAMPLE, tmp_path / "bp", ignore=shutil.ignore_patterns("variants"))
    vpn = tmp_path / "bp" / "vpn.yaml"
    vpn.write_text(vpn.read_text().replace(", routing_policy: scw-gcp-policy", ""))
    topology = build_topology(load(tmp_path / "bp"))
    assert lookup(topology.networks["scw-vpc"], ip("10.0.0.10")) == []
    assert (
        lookup(topology.networks["hub"], ip("172.16.8.10"))[0].kind == "static"
    )  # only the default route
    assert any("no routing policy" in note for note in topology.notes)

    gcp_side = tmp_path / "bp" / "scaleway-network.yaml"
    vpn.write_text(
        vpn.read_text()
        .replace(
            "address: 169.254.0.2/30}", "address: 169.254.0.2/30, routing_policy: scw-gcp-policy}"
        )
        .replace(
            "address: 169.254.1.2/30}", "address: 169.254.1.2/30, routing_policy: scw-gcp-policy}"
        )
    )
    gcp_side.write_text(
        gcp_side.read_text().replace("route_propagation: true", "route_propagation: false")
    )
    topology = build_topology(load(tmp_path / "bp"))
    assert lookup(topology.networks["scw-vpc"], ip("10.0.0.10")) == []
    assert any("route propagation is off" in note for note in topology.notes)
