"""The control plane: subnet and static routes, VPC peering exchange, BGP over VPN; then route lookup.

GCP semantics (https://cloud.google.com/vpc/docs/routes, https://cloud.google.com/vpc/docs/vpc-peering):
- subnet routes (primary and secondary ranges) of peered networks are always exchanged;
- custom routes (static and dynamic) cross a peering only if the exporting side has
  `export_custom_routes` and the importing side `import_custom_routes`; static routes whose next
  hop is the default internet gateway, and tagged static routes, are never exchanged;
- peering is not transitive: routes learned from a peer are not passed on to another peer;
- a route lookup takes the most specific destination, then the lowest priority; equal routes
  share the traffic (ECMP).
Cloud Router (https://cloud.google.com/network-connectivity/docs/router/concepts/advertised-routes):
default advertisement is the subnets of the router's own VPC network (all regions in global
dynamic routing mode, the router's region in regional mode); custom advertisement is the listed
groups (`all_subnets`) plus ranges. Learned routes become dynamic routes with the peer's MED as
priority, in every region (global mode) or the router's region (regional mode).
Scaleway Site-to-Site VPN (https://www.scaleway.com/en/docs/site-to-site-vpn/concepts/): routes
are blocked until a routing policy is attached; prefix_filter_in accepts learned prefixes
contained in its entries; prefix_filter_out announces its entries; learned routes are installed
in the VPC only with route propagation on.
AWS (`providers/aws/routes.py`): route tables per subnet (explicit association, else the main
table) with the implicit local route; a VGW/TGW is a routing domain of its own that advertises
its VPC's CIDR blocks over BGP, accepts what it learns, and (VGW) propagates it into the route
tables listing it in `propagating_vpn_gateways`, below static routes of the same prefix.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from ..ir.types import Network, NextHop, Route, Source, Topology
from ..model import BgpEnd, BgpSession, Blueprint, Peering
from ..providers.aws.routes import (
    AWS_GATEWAY_TYPES,
    advertised_prefixes,
    propagated_routes,
    route_table_routes,
    routing_domain,
)

__all__ = ["Advertisement", "install_routes", "lookup"]

Prefix = ipaddress.IPv4Network


@dataclass(frozen=True, slots=True)
class Advertisement:
    """A prefix one BGP speaker announces to its peer over a session."""

    prefix: Prefix
    med: int
    as_path: tuple[int, ...]
    session: str
    tunnel: str


def _subnet_routes(topology: Topology, blueprint: Blueprint) -> None:
    for network in blueprint.networks:
        ir = topology.networks[network.name]
        if ir.provider == "aws":
            routes, notes = route_table_routes(blueprint, network)
            ir.routes.extend(routes)
            topology.notes.extend(notes)
            continue
        for subnet in network.all_subnets:
            for cidr in (subnet.cidr, *(s.cidr for s in subnet.secondary_ranges)):
                ir.routes.append(
                    Route(
                        ipaddress.IPv4Network(cidr),
                        NextHop("local", subnet.name),
                        "subnet",
                        0,
                        Source.of(subnet, f"{network.name}/{subnet.name}"),
                        f"subnet route of {subnet.name}",
                    )
                )
        # routable pod ranges added to a segment by the builder are local to that segment
        for segment in ir.segments:
            for start, stop in segment.cidrs:
                for prefix in ipaddress.summarize_address_range(
                    ipaddress.IPv4Address(start), ipaddress.IPv4Address(stop - 1)
                ):
                    if not any(r.destination == prefix for r in ir.routes):
                        ir.routes.append(
                            Route(
                                prefix,
                                NextHop("local", segment.name),
                                "subnet",
                                0,
                                segment.source,
                                f"pod range routed to {segment.name}",
                            )
                        )
        for gateway in network.public_gateways:
            for link in gateway.private_networks:
                if link.push_default_route:
                    # Scaleway: the Public Gateway is the Private Network's default route when
                    # it pushes one (IPAM push_default_route), for that Private Network only
                    ir.routes.append(
                        Route(
                            ipaddress.IPv4Network("0.0.0.0/0"),
                            NextHop("internet_gateway", f"public-gateway/{gateway.name}"),
                            "static",
                            1000,
                            Source.of(link, f"{network.name}/public-gateway/{gateway.name}"),
                            f"default route pushed by public gateway {gateway.name}",
                            segments=(link.private_network,),
                        )
                    )
        for route in network.routes:
            kind, target = route.next_hop
            if kind == "gateway":
                hop = NextHop("internet_gateway", "default-internet-gateway")
            elif kind == "vpn_tunnel":
                hop = NextHop("tunnel", target)
            elif kind == "instance" or kind == "ip":
                hop = NextHop("instance", target)
            elif kind == "blackhole":
                hop = NextHop("drop", "blackhole")
            else:
                continue
            ir.routes.append(
                Route(
                    ipaddress.IPv4Network(route.destination),
                    hop,
                    "static",
                    route.priority,
                    Source.of(route, f"{network.name}/routes", route.name),
                    f"static route {route.name}",
                    tags=route.tags,
                )
            )


def _advertised_by_router(
    blueprint: Blueprint, router_name: str
) -> tuple[list[tuple[Prefix, str]], str]:
    router = blueprint.get("routers", router_name)
    network = blueprint.get("networks", router.network)
    region = router.region or blueprint.get("clouds", router.cloud).region
    subnets: list[tuple[Prefix, str]] = []
    for subnet in network.all_subnets:
        if network.routing_mode == "regional" and (subnet.region or region) != region:
            continue
        for cidr in (subnet.cidr, *(s.cidr for s in subnet.secondary_ranges)):
            subnets.append((ipaddress.IPv4Network(cidr), f"subnet {subnet.name}"))
    if router.advertise_mode == "default":
        return subnets, "default advertisement: the router's own VPC subnets"
    out = list(subnets) if "all_subnets" in router.advertised_groups else []
    out += [
        (ipaddress.IPv4Network(r.range), r.description or "custom range")
        for r in router.advertised_ranges
    ]
    return out, "custom advertisement"


def _speaker(blueprint: Blueprint, end: BgpEnd) -> tuple[str, int, str]:
    """(kind, asn, network) of a BGP speaker."""
    router = blueprint.get("routers", end.speaker)
    if router is not None:
        return "router", router.asn, router.network
    gateway = blueprint.get("vpn_gateways", end.speaker)
    return "gateway", gateway.asn or 0, routing_domain(gateway)


def _announcements(
    blueprint: Blueprint, session: BgpSession, end: BgpEnd, topology: Topology
) -> list[tuple[Prefix, str]]:
    kind, _, network = _speaker(blueprint, end)
    if kind == "router":
        prefixes, _ = _advertised_by_router(blueprint, end.speaker)
        return prefixes
    gateway = blueprint.get("vpn_gateways", end.speaker)
    if gateway.type in AWS_GATEWAY_TYPES:
        return advertised_prefixes(blueprint, gateway)
    policy = blueprint.get("routing_policies", end.routing_policy) if end.routing_policy else None
    if policy is None:
        return []  # Scaleway: no routing policy, no route announced
    own = topology.networks[network]
    announced = []
    for cidr in policy.prefix_filter_out:
        prefix = ipaddress.IPv4Network(cidr)
        if any(
            prefix.subnet_of(route.destination) or route.destination.subnet_of(prefix)
            for route in own.routes
            if route.kind == "subnet"
        ):
            announced.append((prefix, f"routing policy {policy.name} prefix_filter_out"))
        else:
            topology.notes.append(
                f"{end.speaker}: {prefix} is in prefix_filter_out of {policy.name} but no range of {network} covers it; not announced"
            )
    del session
    return announced


def _accepts(blueprint: Blueprint, end: BgpEnd, prefix: Prefix) -> tuple[bool, str]:
    kind, _, _ = _speaker(blueprint, end)
    if kind == "router":
        return True, "Cloud Router accepts learned routes"
    gateway = blueprint.get("vpn_gateways", end.speaker)
    if gateway.type in AWS_GATEWAY_TYPES:
        return True, f"{gateway.name} installs BGP-learned routes in its own route table"
    policy = blueprint.get("routing_policies", end.routing_policy) if end.routing_policy else None
    if policy is None:
        return (
            False,
            f"{gateway.name} has no routing policy on this session: every route is blocked",
        )
    for cidr in policy.prefix_filter_in:
        if prefix.subnet_of(ipaddress.IPv4Network(cidr)):
            if not gateway.route_propagation:
                return (
                    False,
                    f"accepted by {policy.name} but route propagation is off on {gateway.name}",
                )
            return True, f"accepted by {policy.name} prefix_filter_in {cidr}"
    return False, f"not in prefix_filter_in of {policy.name}"


def _bgp(blueprint: Blueprint, topology: Topology) -> None:
    learned: dict[str, list[Route]] = defaultdict(list)
    for session in blueprint.bgp_sessions:
        if not session.enabled:
            continue
        tunnel = topology.tunnels.get(session.tunnel)
        if tunnel is None:
            continue
        for sender, receiver in ((session.local, session.peer), (session.peer, session.local)):
            _, sender_asn, _ = _speaker(blueprint, sender)
            receiver_kind, _, receiver_network = _speaker(blueprint, receiver)
            for prefix, why in _announcements(blueprint, session, sender, topology):
                ok, reason = _accepts(blueprint, receiver, prefix)
                if not ok:
                    topology.notes.append(
                        f"BGP {session.name}: {prefix} from {sender.speaker} not installed in {receiver_network}: {reason}"
                    )
                    continue
                region = None
                if receiver_kind == "router":
                    router = blueprint.get("routers", receiver.speaker)
                    network = blueprint.get("networks", router.network)
                    if network.routing_mode == "regional":
                        region = router.region or blueprint.get("clouds", router.cloud).region
                learned[receiver_network].append(
                    Route(
                        prefix,
                        NextHop("tunnel", session.tunnel),
                        "dynamic",
                        sender.advertised_route_priority,
                        Source.of(session, f"bgp-session/{session.name}"),
                        f"learned over BGP session {session.name} from {sender.speaker} (AS {sender_asn}; {why}; {reason})",
                        region=region,
                        med=sender.advertised_route_priority,
                        as_path=(sender_asn,),
                    )
                )
    for network, routes in learned.items():
        topology.networks[network].routes.extend(routes)


def _propagate_aws(blueprint: Blueprint, topology: Topology) -> None:
    """AWS route propagation: a VGW's BGP-learned routes into the VPC route tables that ask for them."""
    for gateway in blueprint.vpn_gateways:
        network = blueprint.get("networks", gateway.network)
        domain = topology.networks.get(gateway.name)
        if gateway.type not in AWS_GATEWAY_TYPES or network is None or domain is None:
            continue
        learned = [r for r in domain.routes if r.kind == "dynamic"]
        routes, notes = propagated_routes(network, gateway, learned)
        topology.networks[network.name].routes.extend(routes)
        topology.notes.extend(notes)


def _peering_exchange(blueprint: Blueprint, topology: Topology) -> None:
    sides: dict[tuple[str, str], Peering] = {
        (p.network, p.peer_network): p for p in blueprint.peerings
    }
    exchanged: dict[str, list[Route]] = defaultdict(list)
    for (exporter, importer), export_side in sides.items():
        import_side = sides.get((importer, exporter))
        if import_side is None:
            continue  # INACTIVE until both sides exist
        if "aws" in (topology.networks[exporter].provider, topology.networks[importer].provider):
            continue  # AWS VPC peering exchanges no routes: route tables point at the connection
        for route in topology.networks[exporter].routes:
            kind: Literal["peering-subnet", "peering-static", "peering-dynamic"]
            if route.kind == "subnet":
                kind = "peering-subnet"
            elif route.kind in ("static", "dynamic"):
                if not (export_side.export_custom_routes and import_side.import_custom_routes):
                    continue
                if route.kind == "static" and (
                    route.next_hop.kind == "internet_gateway" or route.tags
                ):
                    continue
                kind = "peering-static" if route.kind == "static" else "peering-dynamic"
            else:
                continue  # peering routes are not passed on: peering is not transitive
            exchanged[importer].append(
                Route(
                    route.destination,
                    NextHop("peering", exporter),
                    kind,
                    route.priority,
                    Source.of(export_side, f"peering/{export_side.name}"),
                    f"{route.kind} route of {exporter} ({route.detail}) over peering {export_side.name} → {import_side.name}",
                    region=route.region,
                    med=route.med,
                    as_path=route.as_path,
                )
            )
    for network, routes in exchanged.items():
        topology.networks[network].routes.extend(routes)


def install_routes(blueprint: Blueprint, topology: Topology) -> None:
    """Fill every network's forwarding table: subnets, statics, BGP-learned, then peering-exchanged."""
    _subnet_routes(topology, blueprint)
    _bgp(blueprint, topology)
    _propagate_aws(blueprint, topology)
    _peering_exchange(blueprint, topology)
    for network in topology.networks.values():
        if network.provider == "gcp":
            _shadow_dynamic_routes(network)
        network.routes.sort(key=lambda r: (-r.destination.prefixlen, r.priority))


def _shadow_dynamic_routes(network: Network) -> None:
    """GCP: a dynamic route that conflicts with a subnet or static route is not used
    (https://cloud.google.com/vpc/docs/routes#route-types, Network Analyzer "dynamic route shadowed")."""
    strong = [
        r
        for r in network.routes
        if r.kind in ("subnet", "peering-subnet", "static", "peering-static")
    ]
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
                network.shadowed.append((route, winner))
                continue
        kept.append(route)
    network.routes = kept


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
