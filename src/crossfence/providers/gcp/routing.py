"""GCP routes as IR: static routes, Cloud Router advertisement and learning, Cloud NAT.

Routes (https://cloud.google.com/vpc/docs/routes): subnet routes for every primary and secondary
range; static routes with a next hop (default internet gateway, VPN tunnel, instance or IP);
static routes towards the default internet gateway, and tagged ones, are never exchanged over
VPC peering (https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes).
Cloud Router (https://cloud.google.com/network-connectivity/docs/router/concepts/advertised-routes):
default advertisement is the subnets of the router's own VPC network (all regions in global
dynamic routing mode, the router's region in regional mode); custom advertisement is the listed
groups (`all_subnets`) plus ranges. Learned routes become dynamic routes with the peer's MED as
priority, in every region (global mode) or the router's region (regional mode); in global mode the
region-to-region cost is added outside the router's region
(https://cloud.google.com/network-connectivity/docs/router/concepts/learned-routes).
Cloud NAT (https://cloud.google.com/nat/docs/overview#specifications): a gateway on a router of
the VM's network and region translates the subnets and ranges it is configured for.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ...algebra.packets import IpSet
from ...ir.control import BgpSpeaker, ImportPolicy
from ...ir.types import Network, NextHop, Route, Source

if TYPE_CHECKING:
    from ...model import BgpEnd, Blueprint, Router
    from ...model import Network as ModelNetwork

__all__ = ["advertised_by_router", "cloud_nat", "default_route", "router_speaker", "static_routes"]

Prefix = ipaddress.IPv4Network


def default_route(network: ModelNetwork, ir: Network) -> None:
    """The system-generated default route: 0.0.0.0/0 to the default internet gateway, priority
    1000, in every network unless deleted ("Can be removed or replaced",
    https://cloud.google.com/vpc/docs/routes#route-types)."""
    if network.delete_default_routes_on_create:
        return
    ir.routes.append(
        Route(
            ipaddress.IPv4Network("0.0.0.0/0"),
            NextHop("internet_gateway", "default-internet-gateway"),
            "static",
            1000,
            Source.of(network, f"network/{network.name}", "default route"),
            "system-generated default route (delete_default_routes_on_create: true removes it)",
            exportable=False,
        )
    )


def static_routes(network: ModelNetwork, ir: Network) -> None:
    """The network's static routes, each with its next hop
    (https://cloud.google.com/vpc/docs/static-routes#next-hops)."""
    for route in network.routes:
        kind, target = route.next_hop
        if kind == "gateway":
            hop = NextHop("internet_gateway", "default-internet-gateway")
        elif kind == "vpn_tunnel":
            hop = NextHop("tunnel", target)
        elif kind == "instance" or kind == "ip":
            hop = NextHop("instance", target)
        elif kind == "ilb":
            hop = NextHop("load_balancer", target)
        else:
            continue  # validation refuses next hops GCP routes do not have (validate.py)
        ir.routes.append(
            Route(
                ipaddress.IPv4Network(route.destination),
                hop,
                "static",
                route.priority,
                Source.of(route, f"{network.name}/routes", route.name),
                f"static route {route.name}",
                tags=route.tags,
                exportable=hop.kind != "internet_gateway" and not route.tags,
            )
        )


def _router_region(blueprint: Blueprint, router: Router) -> str | None:
    return router.region or blueprint.get("clouds", router.cloud).region


def advertised_by_router(
    blueprint: Blueprint, router: Router
) -> tuple[list[tuple[Prefix, str]], str]:
    """What a Cloud Router advertises, and in which mode."""
    network = blueprint.get("networks", router.network)
    region = _router_region(blueprint, router)
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


def router_speaker(blueprint: Blueprint, router: Router, end: BgpEnd) -> BgpSpeaker:
    """A Cloud Router at one end of a BGP session: it accepts every learned route."""
    network = blueprint.get("networks", router.network)
    announced, _ = advertised_by_router(blueprint, router)
    return BgpSpeaker(
        router.name,
        router.asn,
        router.network,
        tuple(announced),
        ImportPolicy(default_accept=True, default_reason="Cloud Router accepts learned routes"),
        end.advertised_route_priority,
        _router_region(blueprint, router) if network.routing_mode == "regional" else None,
        home_region=_router_region(blueprint, router)
        if network.routing_mode != "regional"
        else None,
    )


def cloud_nat(
    blueprint: Blueprint,
    network: Any,
    segment: str | None,
    region: str | None,
    addresses: IpSet,
) -> tuple[Source, int | None] | None:
    """The Cloud NAT that translates these addresses, if any, and the address it gives them when
    it has fixed ones: one on a router of their network and region that serves their subnet and
    the range they are in."""
    subnet = next((s for s in network.all_subnets if s.name == segment), None)
    if subnet is None or addresses.is_empty():
        return None
    primary = IpSet.from_cidrs([subnet.cidr])
    in_primary = addresses.issubset(primary)
    for router in blueprint.routers:
        cloud = blueprint.get("clouds", router.cloud)
        router_region = router.region or (cloud.region if cloud else None)
        if router.network != network.name or (region and router_region != region):
            continue
        for nat in router.nats:
            mode = nat.source_subnetwork_ip_ranges_to_nat
            if (
                mode == "ALL_SUBNETWORKS_ALL_IP_RANGES"
                or (mode == "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES" and in_primary)
                or (mode == "LIST_OF_SUBNETWORKS" and subnet.name in nat.subnetworks)
            ):
                fixed = int(ipaddress.ip_address(nat.nat_ips[0])) if nat.nat_ips else None
                return Source.of(nat, f"router/{router.name}/nat/{nat.name}"), fixed
    return None
