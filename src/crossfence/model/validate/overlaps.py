"""Address space across networks: a peering between overlapping networks (an error), overlaps across networks joined by peerings or VPN (a warning)."""

from __future__ import annotations

import ipaddress
from collections import defaultdict

from ..base import Model
from ..network import Network
from .base import IPNetwork, Validator

__all__ = ["check"]


Ranges = list[tuple[IPNetwork, Model, tuple[str | int, ...], str]]


def _subnet_ranges(network: Network) -> Ranges:
    out: Ranges = []
    for subnet in network.all_subnets:
        out.append((ipaddress.ip_network(subnet.cidr), subnet, ("cidr",), subnet.name))
        for i, secondary in enumerate(subnet.secondary_ranges):
            out.append(
                (
                    ipaddress.ip_network(secondary.cidr),
                    subnet,
                    ("secondary_ranges", i, "cidr"),
                    f"{subnet.name}/{secondary.name}",
                )
            )
    return out


def _peering_ranges(network: Network) -> Ranges:
    """The ranges a VPC peering compares: the VPC's CIDR blocks when it has them (AWS), else its
    subnets' primary and secondary ranges (GCP subnets, Scaleway Private Networks)."""
    if network.cidr_blocks:
        return [
            (ipaddress.ip_network(block), network, ("cidr_blocks", i), "CIDR block")
            for i, block in enumerate(network.cidr_blocks)
        ]
    return _subnet_ranges(network)


def peered_overlaps(v: Validator) -> set[frozenset[str]]:
    """A peering between networks whose ranges overlap is refused by every provider that peers:
    GCP (https://cloud.google.com/vpc/docs/vpc-peering#no-subnet-overlap: "At the time of peering,
    Google Cloud checks if subnets with overlapping IP ranges exist; if they do, then the peering
    fails"), AWS (https://docs.aws.amazon.com/vpc/latest/peering/create-vpc-peering-connection.html:
    "Ensure that the VPCs do not have overlapping IPv4 CIDR blocks. If they overlap, the status of
    the VPC peering connection immediately goes to failed"), Scaleway
    (https://www.scaleway.com/en/docs/vpc-peering/concepts/: "none of the CIDR blocks assigned to
    their Private Networks may overlap"). Returns the pairs of networks reported."""
    reported: set[frozenset[str]] = set()
    seen: set[frozenset[str]] = set()
    networks = v.index["networks"]
    for peering in v.bp.peerings:
        a, b = networks.get(peering.network), networks.get(peering.peer_network)
        pair = frozenset((peering.network, peering.peer_network))
        if a is None or b is None or a is b or pair in seen:
            continue
        seen.add(pair)
        for net_b, _, _, label_b in _peering_ranges(b):
            for net_a, _, _, label_a in _peering_ranges(a):
                if net_a.overlaps(net_b):
                    reported.add(pair)
                    v.report.add(
                        peering,
                        ("peer_network",),
                        f"{net_b} ({label_b} in '{b.name}') overlaps {net_a} ({label_a} in "
                        f"'{a.name}'): a VPC peering between overlapping ranges fails "
                        "(expected disjoint address space across peered networks)",
                        "overlap",
                    )
    return reported


def check(v: Validator) -> None:
    """A peering between overlapping networks is an error; other overlapping ranges across
    networks joined by peering or VPN are legal, but routes shadow each other (a warning)."""
    peered = peered_overlaps(v)
    parent: dict[str, str] = {n.name: n.name for n in v.bp.networks}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def union(a: str | None, b: str | None) -> None:
        if a in parent and b in parent:
            parent[find(a)] = find(b)

    for peering in v.bp.peerings:
        union(peering.network, peering.peer_network)
    gateways = v.index["vpn_gateways"]
    for tunnel in v.bp.vpn_tunnels:
        local, peer = gateways.get(tunnel.local.gateway), gateways.get(tunnel.peer.gateway)
        if local is not None and peer is not None:
            union(local.network, peer.network)
    ranges: dict[str, Ranges] = defaultdict(list)
    for network in v.bp.networks:
        ranges[network.name].extend(_subnet_ranges(network))
    for cluster in v.bp.clusters:
        pods = v.pod_ranges.get(cluster.name)
        if (
            pods is not None
            and cluster.network in parent
            and not any(pods == r[0] for r in ranges[cluster.network])
        ):
            ranges[cluster.network].append(
                (pods, cluster, ("pod_range",), f"pods of {cluster.name}")
            )
    names = sorted(ranges)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if find(a) != find(b) or frozenset((a, b)) in peered:
                continue
            for net_a, _, _, label_a in ranges[a]:
                for net_b, obj_b, field_b, label_b in ranges[b]:
                    if net_a.overlaps(net_b):
                        v.report.add(
                            obj_b,
                            field_b,
                            f"{net_b} ({label_b} in '{b}') overlaps {net_a} ({label_a} in '{a}'), and the two "
                            "networks are connected: the more specific route shadows the other "
                            "(expected disjoint address space across connected networks)",
                            "overlap-connected",
                            severity="warning",
                        )
