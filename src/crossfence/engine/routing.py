"""The control plane: BGP over VPN sessions, route exchanges and propagations, then route lookup.

What is the same everywhere lives here: speakers announce and import prefixes as their providers
configured them (`ir.control`), a route learned over BGP is a dynamic route towards the session's
tunnel with the sender's priority; VPC peerings exchange subnet routes always and custom routes
when both sides agree, never passing on what was learned over another peering (peering is not
transitive); a lookup takes the most specific destination, then the lowest priority, and equal
routes share the traffic (ECMP). What each cloud decides (which prefixes a Cloud Router or a
Scaleway routing policy announces, which routes a peering may carry, into which route tables an
AWS gateway propagates) is decided by its provider when it builds the IR.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections import defaultdict
from typing import Literal

from ..ir.types import Network, NextHop, Route, Topology

__all__ = ["INTER_REGION_COST", "converge", "lookup"]

Prefix = ipaddress.IPv4Network

# The private IPv4 ranges a subnet may use; any other subnet range is a privately used public
# range (https://cloud.google.com/vpc/docs/subnets#valid-ranges), whose subnet routes a VPC
# peering exchanges only when both sides say so.
PRIVATE_SUBNET_RANGES = tuple(
    ipaddress.IPv4Network(c)
    for c in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
    )
)


INTER_REGION_COST = 201
"""GCP global dynamic routing: a learned route applies in every region, and outside its Cloud
Router's region its priority is the MED plus the region-to-region cost ("Region-to-region costs
are between 201 and 9999, inclusive", https://cloud.google.com/router/how-to/updating-priority;
https://cloud.google.com/network-connectivity/docs/router/concepts/learned-routes). Google sets
the cost per pair of regions; crossfence takes the smallest, so a route of the packet's own
region always beats another region's at an equal or higher MED, as it does in GCP."""


def privately_used_public(prefix: Prefix) -> bool:
    """A subnet range outside every private range."""
    return not any(prefix.subnet_of(private) for private in PRIVATE_SUBNET_RANGES)


def _bgp(topology: Topology) -> None:
    learned: dict[str, list[Route]] = defaultdict(list)
    for session in topology.bgp_sessions:
        if not session.enabled or session.tunnel not in topology.tunnels:
            continue
        for sender, receiver in ((session.local, session.peer), (session.peer, session.local)):
            for prefix, why in sender.announces:
                ok, reason = receiver.imports.decide(prefix)
                if not ok:
                    topology.notes.append(
                        f"BGP {session.name}: {prefix} from {sender.name} not installed in {receiver.network}: {reason}"
                    )
                    continue
                priority = (
                    sender.route_priority
                    if receiver.learned_priority is None
                    else receiver.learned_priority
                )
                detail = f"learned over BGP session {session.name} from {sender.name} (AS {sender.asn}; {why}; {reason})"
                route = Route(
                    prefix,
                    NextHop("tunnel", session.tunnel),
                    "dynamic",
                    priority,
                    session.source,
                    detail,
                    region=receiver.region,
                    segments=receiver.segments,
                    med=sender.route_priority,
                    as_path=(sender.asn,),
                )
                if receiver.home_region is None:
                    learned[receiver.network].append(route)
                    continue
                # the sender's priority in the receiver's region; elsewhere the region-to-region
                # cost is added, at least INTER_REGION_COST: a copy for every region, which the
                # home region's own copy outranks there
                learned[receiver.network] += [
                    dataclasses.replace(route, region=receiver.home_region),
                    dataclasses.replace(
                        route,
                        priority=priority + INTER_REGION_COST,
                        detail=f"{detail} [outside {receiver.home_region}: priority {priority} plus a region-to-region cost of at least {INTER_REGION_COST}]",
                    ),
                ]
    for network, routes in learned.items():
        topology.networks[network].routes.extend(routes)


def _propagate(topology: Topology) -> None:
    """A gateway's learned routes into the route tables that ask for them, below their static
    routes; a learned route inside a local route is not propagated (the local route wins)."""
    for propagation in topology.propagations:
        domain = topology.networks.get(propagation.gateway)
        network = topology.networks.get(propagation.network)
        if domain is None or network is None:
            continue
        local = [r.destination for r in network.routes if r.kind == "local"]
        seen: set[Prefix] = set()
        for route in domain.routes:
            if route.kind != "dynamic" or route.destination in seen:
                continue
            seen.add(route.destination)
            if any(route.destination.subnet_of(prefix) for prefix in local):
                topology.notes.append(
                    f"{propagation.label}: {route.destination} propagated by {propagation.gateway} "
                    "overlaps the local route, which wins even against a more specific propagated route"
                )
                continue
            network.routes.append(
                Route(
                    route.destination,
                    NextHop("attachment", propagation.gateway),
                    "propagated",
                    propagation.priority,
                    propagation.source,
                    f"{propagation.label}: propagated by {propagation.gateway} ({route.detail})",
                    segments=propagation.segments,
                    med=route.med,
                    as_path=route.as_path,
                )
            )


def _exchange(topology: Topology) -> None:
    exchanged: dict[str, list[Route]] = defaultdict(list)
    for exchange in topology.exchanges:
        exporter = exchange.exporter
        for route in topology.networks[exporter].routes:
            kind: Literal["peering-subnet", "peering-static", "peering-dynamic"]
            if route.kind == "subnet":
                if not exchange.public_subnet_routes and privately_used_public(route.destination):
                    continue
                kind = "peering-subnet"
            elif route.kind in ("static", "dynamic"):
                if not exchange.custom_routes or not route.exportable:
                    continue
                kind = "peering-static" if route.kind == "static" else "peering-dynamic"
            else:
                continue  # peering routes are not passed on: peering is not transitive
            exchanged[exchange.importer].append(
                Route(
                    route.destination,
                    NextHop("peering", exporter),
                    kind,
                    route.priority,
                    exchange.source,
                    f"{route.kind} route of {exporter} ({route.detail}) {exchange.detail}",
                    region=route.region,
                    med=route.med,
                    as_path=route.as_path,
                )
            )
    for network, routes in exchanged.items():
        topology.networks[network].routes.extend(routes)


def converge(topology: Topology) -> Topology:
    """Fill every network's forwarding table: the configured routes are there; add what BGP
    learns, what gateways propagate and what peerings exchange; then order each table."""
    _bgp(topology)
    _propagate(topology)
    _exchange(topology)
    for network in topology.networks.values():
        if network.shadow_dynamic_routes:
            _shadow_dynamic_routes(network)
        network.routes.sort(key=lambda r: (-r.destination.prefixlen, r.priority))
    return topology


def _shadow_dynamic_routes(network: Network) -> None:
    """Subnet routes come first: a dynamic route whose destination equals or fits within a
    subnet or peering subnet range is never used. A dynamic route more specific than a broad
    static route is used for its range (most specific destination first). GCP:
    https://cloud.google.com/vpc/docs/routes#routeselection ("Subnet routes and peering subnet
    routes are considered first"), https://cloud.google.com/vpc/docs/vpc-peering#interaction-subnet-static,
    Network Analyzer "dynamic route shadowed"."""
    strong = [r for r in network.routes if r.kind in ("subnet", "peering-subnet")]
    kept = []
    for route in network.routes:
        if route.kind in ("dynamic", "peering-dynamic"):
            winner = next(
                (
                    s
                    for s in strong
                    if route.destination.subnet_of(s.destination) and s.destination.prefixlen > 0
                ),
                None,
            )
            if winner is not None:
                # a GCP route learned in global mode has a copy for the other regions: say it once
                if not any(_same_route(shadowed, route) for shadowed, _ in network.shadowed):
                    network.shadowed.append((route, winner))
                continue
        kept.append(route)
    network.routes = kept


def _same_route(one: Route, other: Route) -> bool:
    """The same learned route, whichever regions' copy (`_bgp`) each is."""
    return (one.destination, one.next_hop, one.source, _FAR_COPY.sub("", one.detail)) == (
        other.destination,
        other.next_hop,
        other.source,
        _FAR_COPY.sub("", other.detail),
    )


_FAR_COPY = re.compile(r" \[outside [^\]]*\]")


def lookup(
    network: Network,
    address: int,
    region: str | None = None,
    tags: tuple[str, ...] = (),
    segment: str | None = None,
) -> list[Route]:
    """The best routes for an address: most specific prefix, then lowest priority (several: ECMP).

    `segment` is where the packet comes from: AWS routes apply to the subnets of their route table
    only, so a packet that entered from outside the VPC (segment None) sees just the local route.
    """
    best: list[Route] = []
    for route in network.routes:  # sorted by prefix length, then priority
        if best and (
            route.destination.prefixlen < best[0].destination.prefixlen
            or route.priority > best[0].priority
        ):
            break
        if not (
            int(route.destination.network_address)
            <= address
            <= int(route.destination.broadcast_address)
        ):
            continue
        if route.region is not None and region is not None and route.region != region:
            continue
        if route.tags and not set(route.tags) & set(tags):
            continue
        if route.segments is not None and segment not in route.segments:
            continue
        if best and (route.destination.prefixlen, route.priority) != (
            best[0].destination.prefixlen,
            best[0].priority,
        ):
            break
        best.append(route)
    return best
