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
from dataclasses import dataclass, field

from ...ir.control import RoutePropagation
from ...ir.types import Network as IrNetwork
from ...ir.types import NextHop, Route, Source
from ...model import (
    Blueprint,
    Network,
    Peering,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    VpnGateway,
)

__all__ = [
    "AWS_GATEWAY_TYPES",
    "PROPAGATED_PRIORITY",
    "VPC_PROPAGATED_PRIORITY",
    "VPN_ATTACHMENT",
    "TgwTable",
    "advertised_prefixes",
    "gateway_network",
    "route_propagations",
    "route_table_routes",
    "subnets_of_tables",
    "transit_gateway_attachments",
    "transit_gateway_tables",
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


VPN_ATTACHMENT = "VPN attachment"
"""The segment of a transit gateway's domain that packets from its VPN tunnels arrive in."""
VPC_PROPAGATED_PRIORITY = 1
"""A VPC's propagated CIDR in a transit gateway route table: below its static routes (0),
above the routes propagated from a VPN's BGP (the peer's priority, 100 by default)."""


@dataclass
class TgwTable:
    """A transit gateway route table as it routes: who it routes for and what it holds."""

    name: str
    table: TransitGatewayRouteTable | None
    """None: the default route table AWS creates, which the blueprint does not list."""
    associated: list[str] = field(default_factory=list)
    """The attachments (VPC names, `VPN_ATTACHMENT`) whose packets it routes."""
    propagating: list[str] = field(default_factory=list)
    """The VPCs whose attachments propagate their CIDR blocks into it."""


def transit_gateway_attachments(
    blueprint: Blueprint, gateway: VpnGateway
) -> list[TransitGatewayAttachment]:
    """A transit gateway's VPC attachments: `network`'s (with the defaults unless `attachments`
    names it), `attachments`, then every other VPC whose route tables send to the gateway, which
    must be attached for such a route
    (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html): associated with the
    default route table, propagating nothing (a blueprint that does not list it gives the
    gateway no route to it)."""
    listed = {a.network: a for a in gateway.attachments}
    own = str(gateway.network)
    out = [listed.get(own) or TransitGatewayAttachment(network=own)]
    out += [a for a in gateway.attachments if a.network != own]
    for network in blueprint.networks:
        if network.name in listed or network.name == own:
            continue
        if any(
            r.next_hop_transit_gateway == gateway.name
            for t in network.route_tables
            for r in t.routes
        ):
            out.append(
                TransitGatewayAttachment(
                    network=network.name, transit_gateway_default_route_table_propagation=False
                )
            )
    return out


def transit_gateway_tables(
    blueprint: Blueprint, gateway: VpnGateway
) -> tuple[list[TgwTable], list[str]]:
    """The route tables of a transit gateway with their associations and propagations, and notes.

    "An attachment can be associated with one route table"; the default route table takes the
    attachments created with default association, and the propagations of those created with
    default propagation (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html).
    `network` is attached with the defaults unless `attachments` names it; the VPN attachment
    of the gateway's tunnels is associated with and propagates into the default route table."""
    attachments = {a.network: a for a in transit_gateway_attachments(blueprint, gateway)}
    tables = [TgwTable(t.name, t) for t in gateway.route_tables]
    default = next((t for t in tables if t.table is not None and t.table.default), None)
    if default is None:
        default = TgwTable("default", None)
        tables.insert(0, default)
    notes: list[str] = []
    for network, attachment in sorted(attachments.items()):
        explicit = next(
            (t for t in tables if t.table is not None and network in t.table.associations), None
        )
        if explicit is not None:
            explicit.associated.append(network)
        elif attachment.transit_gateway_default_route_table_association:
            default.associated.append(network)
        else:
            notes.append(
                f"transit gateway {gateway.name}: the attachment of {network} is associated with "
                "no route table: packets from it are dropped"
            )
        if attachment.transit_gateway_default_route_table_propagation:
            default.propagating.append(network)
    default.associated.append(VPN_ATTACHMENT)
    for table in tables:
        if table.table is not None:
            table.propagating += [n for n in table.table.propagations if n not in table.propagating]
    return tables, notes


def advertised_prefixes(blueprint: Blueprint, gateway: VpnGateway) -> list[tuple[Prefix, str]]:
    """What an AWS gateway announces over BGP: a virtual private gateway, the CIDR blocks of its
    VPC; a transit gateway, the routes of the route table its VPN attachment is associated with
    (the default one): the propagated VPC CIDR blocks and the static routes to attachments
    (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html)."""
    if gateway.type != "aws_tgw":
        network = blueprint.get("networks", gateway.network)
        if network is None:
            return []
        return [(prefix, f"CIDR block of {network.name}") for prefix in vpc_prefixes(network)]
    tables, _ = transit_gateway_tables(blueprint, gateway)
    table = next(t for t in tables if VPN_ATTACHMENT in t.associated)
    out: list[tuple[Prefix, str]] = []
    for name in table.propagating:
        network = blueprint.get("networks", name)
        if network is not None:
            out += [(prefix, f"CIDR block of {name}") for prefix in vpc_prefixes(network)]
    for route in table.table.routes if table.table is not None else ():
        if route.transit_gateway_attachment is not None:
            prefix = ipaddress.IPv4Network(route.destination_cidr_block)
            out.append((prefix, f"static route of {table.name}"))
    return out


def _transit_gateway_routes(blueprint: Blueprint, gateway: VpnGateway, ir: IrNetwork) -> list[str]:
    """Each route table's routes, for the packets of the attachments associated with it: "The
    transit gateway routes IPv4 and IPv6 packets between attachments using transit gateway route
    tables"; the most specific route first, and for the same destination a static route before
    a propagated one (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html,
    "Route evaluation order")."""
    tables, notes = transit_gateway_tables(blueprint, gateway)
    resource = f"vpn-gateway/{gateway.name}"
    for table in tables:
        if not table.associated:
            continue  # it routes for no attachment
        members = tuple(table.associated)
        where = f"transit gateway {gateway.name} route table {table.name}"
        for name in table.propagating:
            network = blueprint.get("networks", name)
            if network is None:
                continue
            ir.routes.extend(
                Route(
                    prefix,
                    NextHop("attachment", name),
                    "propagated",
                    VPC_PROPAGATED_PRIORITY,
                    Source.of(
                        table.table or gateway,
                        f"{resource}/route-table/{table.name}",
                        "propagations",
                    ),
                    f"{where}: propagated by the attachment of {name}",
                    segments=members,
                )
                for prefix in vpc_prefixes(network)
            )
        for index, route in enumerate(table.table.routes if table.table is not None else ()):
            target = route.transit_gateway_attachment
            hop = NextHop("drop", "blackhole") if target is None else NextHop("attachment", target)
            ir.routes.append(
                Route(
                    ipaddress.IPv4Network(route.destination_cidr_block),
                    hop,
                    "static",
                    0,
                    Source.of(
                        table.table or gateway,
                        f"{resource}/route-table/{table.name}",
                        f"routes[{index}]",
                    ),
                    f"{where}: static route" + (" (blackhole)" if target is None else ""),
                    segments=members,
                )
            )
    return notes


def gateway_network(blueprint: Blueprint, gateway: VpnGateway) -> tuple[IrNetwork, list[str]]:
    """The routing domain of an AWS VGW/TGW: its attached VPCs' CIDRs (BGP routes come later),
    and notes."""
    ir = IrNetwork(
        gateway.name,
        gateway.cloud,
        "aws",
        internet_gateway=False,
        segment_by_attachment=gateway.type == "aws_tgw",
        source=Source.of(gateway, f"vpn-gateway/{gateway.name}"),
    )
    if gateway.type == "aws_tgw":
        return ir, _transit_gateway_routes(blueprint, gateway, ir)
    network = blueprint.get("networks", gateway.network)
    if network is not None:
        ir.routes.extend(
            Route(
                prefix,
                NextHop("attachment", network.name),
                "local",
                0,
                Source.of(gateway, f"vpn-gateway/{gateway.name}", "attachment"),
                f"virtual private gateway {gateway.name} is attached to {network.name}",
            )
            for prefix in vpc_prefixes(network)
        )
    return ir, []
