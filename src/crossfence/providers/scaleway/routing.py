"""Scaleway routes as IR: VPC routing, custom routes, Public Gateways' default routes, and the Site-to-Site VPN gateway as a BGP speaker.

VPC routing (https://www.scaleway.com/en/docs/vpc/reference-content/understanding-routing/):
"When routing is activated, all Private Networks on the VPC can communicate"; a VPC on which it
was never activated (`managed_routing: false`) keeps each Private Network to itself, so its
subnet route, and the routes its VPN gateway learns, apply only to packets from that Private
Network. Custom routes ("the next hop is a defined resource on a defined Private Network", or a
VPC connector: https://www.scaleway.com/en/docs/vpc-peering/concepts/#custom-routes) are scoped
to the entire VPC, except a `0.0.0.0/0` one towards a resource, which is "advertised locally on
the 'next hop' resource's Private Network"; the most specific destination wins.
Public Gateway (https://www.scaleway.com/en/docs/public-gateways/concepts/): with
`push_default_route` it is the default route of the Private Network it is attached to (that one
only). Site-to-Site VPN (https://www.scaleway.com/en/docs/site-to-site-vpn/concepts/): routes
are blocked until a routing policy is attached; `prefix_filter_in` accepts learned prefixes
contained in its entries; `prefix_filter_out` announces the VPC's ranges contained in its entries
(https://www.scaleway.com/en/docs/site-to-site-vpn/reference-content/understanding-s2svpn/);
nothing is announced or installed without route propagation.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import TYPE_CHECKING

from ...ir.control import BgpSpeaker, ImportPolicy, ImportRule
from ...ir.types import Network, NextHop, Route, Source, Topology

if TYPE_CHECKING:
    from ...model import BgpEnd, Blueprint, Peering, VpnGateway
    from ...model import Network as ModelNetwork
    from ...model import Route as ModelRoute

__all__ = [
    "CUSTOM_ROUTE_PRIORITY",
    "custom_routes",
    "default_routes",
    "gateway_speaker",
    "private_network_scope",
]

CUSTOM_ROUTE_PRIORITY = 1000
"""Below the local subnet routes (0): the documentation orders routes by destination only, so at
an equal destination crossfence keeps the Private Network's own route (validation warns)."""


def private_network_scope(network: ModelNetwork, ir: Network) -> None:
    """Without VPC routing, a Private Network's subnet route applies only to its own packets."""
    if network.managed_routing:
        return
    ir.routes[:] = [
        dataclasses.replace(route, segments=(route.next_hop.target,))
        if route.kind == "subnet" and route.next_hop.kind == "local"
        else route
        for route in ir.routes
    ]


def _next_hop(
    blueprint: Blueprint, network: ModelNetwork, route: ModelRoute
) -> tuple[NextHop, str | None, str]:
    """(next hop, the Private Network of the next-hop resource, what the trace says)."""
    kind, target = route.next_hop
    if kind == "instance":
        workload = blueprint.get("workloads", target)
        return NextHop("instance", target), workload.subnet if workload else None, target
    if kind == "ip":
        address = ipaddress.ip_address(target)
        segment = next(
            (s.name for s in network.private_networks if address in ipaddress.ip_network(s.cidr)),
            None,
        )
        return NextHop("instance", target), segment, target
    side: Peering | None = blueprint.get("peerings", target)
    if side is None:
        return NextHop("drop", target), None, f"VPC connector {target} (unknown)"
    back = any(
        p.network == side.peer_network and p.peer_network == side.network
        for p in blueprint.peerings
    )
    if not back:
        # "If only one side creates a connector, it remains in an Orphan state and no connection
        # is established" (https://www.scaleway.com/en/docs/vpc-peering/reference-content/features-limitations/)
        return (
            NextHop("drop", f"vpc-connector/{side.name}"),
            None,
            f"VPC connector {side.name} is Orphan (no connector from {side.peer_network} back): "
            "no peering connection, the traffic is dropped",
        )
    return NextHop("peering", side.peer_network), None, f"VPC connector {side.name}"


def custom_routes(blueprint: Blueprint, network: ModelNetwork, ir: Network) -> None:
    """The VPC's custom routes: towards a resource on a Private Network, or a VPC connector."""
    for route in network.routes:
        destination = ipaddress.IPv4Network(route.destination)
        hop, segment, what = _next_hop(blueprint, network, route)
        # a custom default route to a resource "is treated in the same way as a default route
        # advertised by a Public Gateway": local to the next hop's Private Network
        local = destination.prefixlen == 0 and hop.kind == "instance" and segment is not None
        ir.routes.append(
            Route(
                destination,
                hop,
                "static",
                CUSTOM_ROUTE_PRIORITY,
                Source.of(route, f"{network.name}/routes", route.name),
                f"custom route {route.name} to {what}"
                + (f" (advertised on {segment} only)" if local else ""),
                segments=(segment,) if local and segment is not None else None,
                exportable=False,
            )
        )


def default_routes(network: ModelNetwork, ir: Network) -> None:
    """The default route a Public Gateway pushes into each Private Network that asks for it."""
    for gateway in network.public_gateways:
        for link in gateway.private_networks:
            if link.push_default_route:
                ir.routes.append(
                    Route(
                        ipaddress.IPv4Network("0.0.0.0/0"),
                        NextHop("internet_gateway", f"public-gateway/{gateway.name}"),
                        "static",
                        1000,
                        Source.of(link, f"{network.name}/public-gateway/{gateway.name}"),
                        f"default route pushed by public gateway {gateway.name}",
                        segments=(link.private_network,),
                        exportable=False,
                    )
                )


def gateway_speaker(
    blueprint: Blueprint, topology: Topology, gateway: VpnGateway, end: BgpEnd
) -> BgpSpeaker:
    """A Site-to-Site VPN gateway at one end of a BGP session, with the routing policy of that end."""
    network = str(gateway.network)
    policy = blueprint.get("routing_policies", end.routing_policy) if end.routing_policy else None
    if policy is None or policy.is_ipv6:
        # an IPv6 policy covers IPv6 traffic only ("VPN connections supporting both types of
        # traffic need two separate routing policies", understanding-s2svpn): IPv4 stays blocked
        why = (
            f"{gateway.name} has no routing policy on this session: every route is blocked"
            if policy is None
            else f"{policy.name} is an IPv6 policy (is_ipv6) and the session has no IPv4 one: every IPv4 route is blocked"
        )
        return BgpSpeaker(
            gateway.name,
            gateway.asn or 0,
            network,
            (),  # no routing policy, no route announced
            ImportPolicy(default_accept=False, default_reason=why),
            end.advertised_route_priority,
        )
    model = blueprint.get("networks", network)
    # without VPC routing the gateway's Private Network is the only one it serves
    segments = (
        (str(gateway.private_network),)
        if model is not None and not model.managed_routing and gateway.private_network
        else None
    )
    own = topology.networks[network]
    # "Outgoing routes are the IP prefixes that define ranges of Scaleway VPC route
    # announcements to whitelist. Routes within these destinations will be propagated", and
    # route propagation "enables all the allowed prefixes defined in the routing policy to be
    # announced in the BGP session. Traffic cannot flow over the VPN when route propagation is
    # not activated" (https://www.scaleway.com/en/docs/site-to-site-vpn/reference-content/understanding-s2svpn/):
    # the VPC's routes inside an entry are announced, not the entry itself
    announced: list[tuple[ipaddress.IPv4Network, str]] = []
    for cidr in policy.prefix_filter_out:
        prefix = ipaddress.IPv4Network(cidr)
        inside = [
            route.destination
            for route in own.routes
            if route.kind == "subnet" and route.destination.subnet_of(prefix)
        ]
        if not inside:
            topology.notes.append(
                f"{end.speaker}: {prefix} is in prefix_filter_out of {policy.name} but no range of {network} is inside it; nothing announced for it"
            )
        elif not gateway.route_propagation:
            topology.notes.append(
                f"{end.speaker}: route propagation is off on {gateway.name}: {prefix} of {policy.name} is not announced"
            )
        for destination in inside if gateway.route_propagation else ():
            if all(destination != known for known, _ in announced):
                announced.append((destination, f"routing policy {policy.name} prefix_filter_out"))
    rules = tuple(
        ImportRule(
            ipaddress.IPv4Network(cidr),
            gateway.route_propagation,
            f"accepted by {policy.name} prefix_filter_in {cidr}"
            if gateway.route_propagation
            else f"accepted by {policy.name} but route propagation is off on {gateway.name}",
        )
        for cidr in policy.prefix_filter_in
    )
    return BgpSpeaker(
        gateway.name,
        gateway.asn or 0,
        network,
        tuple(announced),
        ImportPolicy(rules, False, f"not in prefix_filter_in of {policy.name}"),
        end.advertised_route_priority,
        segments=segments,
    )
