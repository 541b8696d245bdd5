"""The lab's own addresses: a range no address of the blueprint uses, cut into router gateways and point-to-point links."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ..algebra.packets import IpSet
from ..errors import UnsupportedError
from ..ir.types import Topology

__all__ = ["CANDIDATES", "Plumbing", "used_addresses"]

# Ranges the lab may take its link addresses from, in order: the benchmarking range first
# (RFC 2544, never routed on the internet), then rarely used private corners.
CANDIDATES = (
    "198.18.0.0/16",
    "198.19.0.0/16",
    "100.127.0.0/16",
    "10.254.0.0/16",
    "172.31.0.0/16",
    "192.168.254.0/23",
)


def used_addresses(topology: Topology, extra: Iterable[str] = ()) -> IpSet:
    """Every address the blueprint gives something: segments, endpoints, public, NAT and egress
    addresses, masquerading nodes, provider ranges, and `extra` (BGP and VPN addresses)."""
    used = IpSet.none()
    for network in topology.networks.values():
        for segment in network.segments:
            used = used | segment.cidrs
        for path in network.special_paths:
            used = used | path.addresses
    for endpoint in topology.endpoints.values():
        if endpoint.kind != "internet":
            used = used | endpoint.addresses
        points = [endpoint.public_address, endpoint.nat_address]
        if endpoint.masquerade is not None:
            points.append(endpoint.masquerade.node)
        used = used | IpSet.from_addresses([p for p in points if p is not None])
        if endpoint.proxy is not None:
            used = used | endpoint.proxy.egress_addresses
    for view in topology.clusters.values():
        if view.east_west_endpoint is not None:
            used = used | view.east_west_endpoint.addresses
    return used | IpSet.from_cidrs(list(extra), strict=False)


class Plumbing:
    """Hands out the lab's own addresses from one free range: `gateway` (the address every
    router answers on towards its workloads, as a cloud's subnet gateway does) and /31 pairs."""

    def __init__(self, network: ipaddress.IPv4Network) -> None:
        self.network = network
        base = int(network.network_address)
        self.gateway = str(ipaddress.IPv4Address(base + 1))
        self._next = base + 256
        self._end = int(network.broadcast_address)

    @classmethod
    def choose(cls, used: IpSet) -> Plumbing:
        for text in CANDIDATES:
            candidate = ipaddress.IPv4Network(text)
            if (IpSet.from_cidrs([candidate]) & used).is_empty():
                return cls(candidate)
        raise UnsupportedError(
            "the blueprint uses every range the lab could number its own links from "
            f"({', '.join(CANDIDATES)})"
        )

    def pair(self) -> tuple[str, str]:
        """Two addresses of a new point-to-point link, as /31 CIDRs."""
        if self._next + 1 > self._end:
            raise UnsupportedError(f"the lab ran out of link addresses in {self.network}")
        a, b = self._next, self._next + 1
        self._next += 2
        return (f"{ipaddress.IPv4Address(a)}/31", f"{ipaddress.IPv4Address(b)}/31")

    def address(self) -> str:
        """One address (for a NAT the engine lets allocate itself)."""
        a, _ = self.pair()
        return a.split("/")[0]
