"""Scaleway routes as IR: Public Gateways' default routes, and the Site-to-Site VPN gateway as a BGP speaker.

Public Gateway (https://www.scaleway.com/en/docs/public-gateways/concepts/): with
`push_default_route` it is the default route of the Private Network it is attached to (that one
only). Site-to-Site VPN (https://www.scaleway.com/en/docs/site-to-site-vpn/concepts/): routes
are blocked until a routing policy is attached; `prefix_filter_in` accepts learned prefixes
contained in its entries; `prefix_filter_out` announces its entries; learned routes are installed
in the VPC only with route propagation on.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ...ir.control import BgpSpeaker, ImportPolicy, ImportRule
from ...ir.types import Network, NextHop, Route, Source, Topology

if TYPE_CHECKING:
    from ...model import BgpEnd, Blueprint, VpnGateway
    from ...model import Network as ModelNetwork

__all__ = ["default_routes", "gateway_speaker"]


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
    if policy is None:
        return BgpSpeaker(
            gateway.name,
            gateway.asn or 0,
            network,
            (),  # no routing policy, no route announced
            ImportPolicy(
                default_accept=False,
                default_reason=f"{gateway.name} has no routing policy on this session: every route is blocked",
            ),
            end.advertised_route_priority,
        )
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
    )
