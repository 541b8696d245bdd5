"""Address space overlapping across networks joined by peering or VPN (a warning)."""

from __future__ import annotations

import ipaddress
from collections import defaultdict

from ..base import Model
from .base import IPNetwork, Validator

__all__ = ["check"]


def check(v: Validator) -> None:
    """Overlapping ranges across networks joined by peering or VPN: legal, but routes shadow each other."""
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
    ranges: dict[str, list[tuple[IPNetwork, Model, tuple[str | int, ...], str]]] = defaultdict(list)
    for network in v.bp.networks:
        for subnet in network.all_subnets:
            ranges[network.name].append(
                (ipaddress.ip_network(subnet.cidr), subnet, ("cidr",), subnet.name)
            )
            for i, secondary in enumerate(subnet.secondary_ranges):
                ranges[network.name].append(
                    (
                        ipaddress.ip_network(secondary.cidr),
                        subnet,
                        ("secondary_ranges", i, "cidr"),
                        f"{subnet.name}/{secondary.name}",
                    )
                )
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
            if find(a) != find(b):
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
