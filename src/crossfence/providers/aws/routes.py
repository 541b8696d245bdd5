"""AWS route tables, virtual private gateways and transit gateways as IR routes.

Route tables (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html,
https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html):

- a subnet uses the table it is explicitly associated with, else the VPC's main table (a VPC
  without a `main: true` table has the implicit one holding only the local route); so a route of
  the IR applies to the subnets of its table only (`Route.segments`);
- every table holds a `local` route per VPC CIDR block; a route more specific than it is
  accepted only for a whole subnet CIDR towards a middlebox (network interface, instance), so
  crossfence ignores, with a note, any other route inside the VPC's CIDR blocks;
- routes point at the internet gateway, a virtual private gateway, a transit gateway, a VPC
  peering connection, or blackhole.

Route priority (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html):
longest prefix first; for the same prefix, static routes (internet gateway, peering, transit
gateway, ...) before propagated routes; propagated routes that overlap the local route lose to it
even when more specific (https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html).
Priorities in the IR: local and static 0, propagated 100.

Gateways (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html,
https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html): a virtual private gateway or
transit gateway with an `asn` speaks BGP over its tunnels, advertises the CIDR blocks of its VPC,
and installs what it learns in its own table; it is an IR network of its own (the packet is
handed over with an `attachment` next hop). A virtual private gateway propagates its routes into
the route tables that list it in `propagating_vpn_gateways`; a transit gateway does not propagate
into VPC route tables (they need a static route to it), and its own table follows the default
association and propagation: the attached VPC's CIDRs and the VPN's BGP routes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ...ir.control import RoutePropagation
from ...ir.types import Network as IrNetwork
from ...ir.types import NextHop, Route, Source
from ...model import Blueprint, Network, Peering, VpnGateway

__all__ = [
    "AWS_GATEWAY_TYPES",
    "PROPAGATED_PRIORITY",
    "advertised_prefixes",
    "gateway_network",
    "route_propagations",
    "route_table_routes",
    "subnets_of_tables",
    "vpc_prefixes",
]

AWS_GATEWAY_TYPES = ("aws_vgw", "aws_tgw")
PROPAGATED_PRIORITY = 100
"""Below every static route of the same prefix (static routes have priority 0)."""

Prefix = ipaddress.IPv4Network


def vpc_prefixes(network: Network) -> list[Prefix]:
    """The VPC's CIDR blocks (the subnets' ranges when the blueprint gives none)."""
    cidrs = network.cidr_blocks or tuple(s.cidr for s in network.subnets)
    return [ipaddress.IPv4Network(c) for c in cidrs]


def subnets_of_tables(network: Network) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Route table name -> the subnets whose routing it decides; and notes."""
    notes: list[str] = []
    mains = [t for t in network.route_tables if t.main]
    if len(mains) > 1:
        notes.append(
            f"network {network.name}: several main route tables ({', '.join(t.name for t in mains)}); "
            f"a VPC has one, {mains[0].name} is used"
        )
    explicit: dict[str, str] = {}
    for table in network.route_tables:
        for subnet in table.subnets:
            if subnet in explicit:
                notes.append(
                    f"network {network.name}: subnet {subnet} is associated with route tables "
                    f"{explicit[subnet]} and {table.name}; AWS allows one, {explicit[subnet]} is used"
                )
                continue
            explicit[subnet] = table.name
    out: dict[str, tuple[str, ...]] = {}
    for table in network.route_tables:
        subnets = [s for s, t in explicit.items() if t == table.name]
        if mains and table is mains[0]:
            subnets += [s.name for s in network.subnets if s.name not in explicit]
        out[table.name] = tuple(subnets)
    return out, notes


def _peer_of(blueprint: Blueprint, network: Network, name: str) -> str | None:
    peering: Peering | None = blueprint.get("peerings", name)
    if peering is None:
        return None
    return peering.peer_network if peering.network == network.name else peering.network


def _next_hop(blueprint: Blueprint, network: Network, kind: str, target: str) -> NextHop | None:
    if kind == "gateway":
        return NextHop("internet_gateway", "internet gateway")
    if kind in ("vpn_gateway", "transit_gateway"):
        gateway: VpnGateway | None = blueprint.get("vpn_gateways", target)
        if gateway is None or gateway.type not in AWS_GATEWAY_TYPES:
            return None
        return NextHop("attachment", target)
    if kind == "peering":
        peer = _peer_of(blueprint, network, target)
        return NextHop("peering", peer) if peer else None
    if kind in ("instance", "ip"):
        return NextHop("instance", target)
    if kind == "blackhole":
        return NextHop("drop", "blackhole")
    return None  # next_hop_vpn_tunnel: GCP classic VPN only


def _inside_local(destination: Prefix, local: Iterable[Prefix]) -> bool:
    return any(destination.subnet_of(prefix) for prefix in local)


def route_table_routes(blueprint: Blueprint, network: Network) -> tuple[list[Route], list[str]]:
    """The local routes of an AWS VPC and the static routes of its route tables."""
    local = vpc_prefixes(network)
    routes = [
        Route(
            prefix,
            NextHop("local", network.name),
            "local",
            0,
            Source.of(network, f"{network.name}/cidr_blocks", "local route"),
            "local route of the VPC (in every route table)",
        )
        for prefix in local
    ]
    tables, notes = subnets_of_tables(network)
    subnet_cidrs = {ipaddress.IPv4Network(s.cidr) for s in network.subnets}
    for table in network.route_tables:
        subnets = tables[table.name]
        if not subnets:
            continue  # no subnet uses this table: its routes never apply
        resource = f"{network.name}/route-table/{table.name}"
        for route in table.routes:
            destination = ipaddress.IPv4Network(route.destination)
            kind, target = route.next_hop
            hop = _next_hop(blueprint, network, kind, target)
            if hop is None:
                notes.append(
                    f"route table {table.name}: route {route.name} ({kind} {target}) has a next hop "
                    "AWS route tables cannot use, or that names no AWS gateway or peering; ignored"
                )
                continue
            middlebox = hop.kind == "instance" and destination in subnet_cidrs
            if _inside_local(destination, local) and not middlebox:
                notes.append(
                    f"route table {table.name}: route {route.name} to {destination} lies inside the "
                    "local route; AWS accepts a more specific route only for a whole subnet towards "
                    "a network interface; ignored"
                )
                continue
            routes.append(
                Route(
                    destination,
                    hop,
                    "static",
                    0,
                    Source.of(route, resource, route.name),
                    f"route table {table.name}",
                    segments=subnets,
                )
            )
    return routes, notes


def route_propagations(
    network: Network, gateway: VpnGateway
) -> tuple[list[RoutePropagation], list[str]]:
    """The route tables of a VPC that a virtual private gateway propagates its routes into."""
    tables, notes = subnets_of_tables(network)
    out: list[RoutePropagation] = []
    for table in network.route_tables:
        if gateway.name not in table.propagating_vpn_gateways or not tables[table.name]:
            continue
        if gateway.type != "aws_vgw":
            notes.append(
                f"route table {table.name}: {gateway.name} is a transit gateway; only virtual "
                "private gateways propagate routes into VPC route tables (add a static route)"
            )
            continue
        out.append(
            RoutePropagation(
                gateway.name,
                network.name,
                tables[table.name],
                PROPAGATED_PRIORITY,
                Source.of(
                    table, f"{network.name}/route-table/{table.name}", "propagating_vpn_gateways"
                ),
                f"route table {table.name}",
            )
        )
    return out, notes


def advertised_prefixes(blueprint: Blueprint, gateway: VpnGateway) -> list[tuple[Prefix, str]]:
    """What an AWS gateway announces over BGP: the CIDR blocks of the VPC it is attached to."""
    network = blueprint.get("networks", gateway.network)
    if network is None:
        return []
    return [(prefix, f"CIDR block of {network.name}") for prefix in vpc_prefixes(network)]


def gateway_network(blueprint: Blueprint, gateway: VpnGateway) -> IrNetwork:
    """The routing domain of an AWS VGW/TGW: its attached VPC's CIDRs (BGP routes come later)."""
    ir = IrNetwork(
        gateway.name,
        gateway.cloud,
        "aws",
        internet_gateway=False,
        source=Source.of(gateway, f"vpn-gateway/{gateway.name}"),
    )
    network = blueprint.get("networks", gateway.network)
    if network is not None:
        kind = "virtual private gateway" if gateway.type == "aws_vgw" else "transit gateway"
        ir.routes.extend(
            Route(
                prefix,
                NextHop("attachment", network.name),
                "local",
                0,
                Source.of(gateway, f"vpn-gateway/{gateway.name}", "attachment"),
                f"{kind} {gateway.name} is attached to {network.name}",
            )
            for prefix in vpc_prefixes(network)
        )
    return ir
