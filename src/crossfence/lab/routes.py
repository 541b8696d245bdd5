"""A network's configured routes in its router: subnet and static routes, AWS route tables and attachments (learned routes come from BIRD).

Routes are installed as the IR states them, each with its priority as the kernel metric (the
lowest wins, as a cloud's route order has it). A route for some segments only (an AWS route
table, a Scaleway VPC whose routing was never activated) goes in a kernel table of its own that
the router looks up for packets from those segments (`ip rule iif`), with the routes that apply
everywhere and the workloads its local routes cover.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..ir.types import Network, Route
from .plan import RouteSpec, RuleSpec

if TYPE_CHECKING:
    from .layout import Layout

__all__ = ["ROUTE_TABLES", "attachments", "route_tables", "static_routes", "table_of"]

# Routes for some segments only: kernel tables from this number on.
ROUTE_TABLES = 1000


def table_of(layout: Layout, network: str, segment: str | None) -> int | None:
    """The kernel table a packet entering from `segment` is routed by (None: main)."""
    for segments, table in layout.tables.get(network, {}).items():
        if segment is not None and segment in segments:
            return table
    return None


def route_tables(layout: Layout, network: Network) -> dict[tuple[str, ...], int]:
    """Routes that apply to packets from some segments only (AWS route tables, a Scaleway
    VPC without routing) go in a kernel table of their own, which the router looks up for
    packets entering from those segments (`ip rule iif`); every table also holds the routes
    that apply everywhere."""
    tuples = {r.segments for r in network.routes if r.segments is not None}
    tuples |= {p.segments for p in layout.topology.propagations if p.network == network.name}
    for session in layout.topology.bgp_sessions:
        for speaker in (session.local, session.peer):
            if speaker.network == network.name and speaker.segments is not None:
                tuples.add(speaker.segments)
    return {t: ROUTE_TABLES + n for n, t in enumerate(sorted(tuples))}


def static_routes(layout: Layout, network: Network) -> None:
    router = layout.plan.routers[network.name]
    tables = route_tables(layout, network)
    layout.tables[network.name] = tables
    for segments, table in tables.items():
        for port in layout.plan.ports_of(router):
            if port.segment is not None and port.segment in segments:
                layout.plan.rules.append(
                    RuleSpec(router, ("iif", port.ifname, "lookup", str(table)))
                )

    workload_routes(layout, network, router, tables)
    seen: set[tuple[str, int, int | None]] = set()
    for route in network.routes:
        if route.kind in ("dynamic", "peering-subnet", "peering-static", "peering-dynamic"):
            continue  # learned routes come from BIRD
        if route.kind == "propagated":
            continue  # BIRD too, over the attachment (bird.py)
        if route.kind == "static" and (route.tags or route.region):
            layout.plan.notes.append(
                f"{network.name}: route {route.destination} applies to some instances only "
                "(network tags, a region): the lab installs it for every packet"
            )
        targets: list[int | None]
        if route.segments is not None:
            targets = [tables[route.segments]]
        else:
            targets = [None, *tables.values()]
        for target in targets:
            key = (str(route.destination), route.priority, target)
            if key in seen:
                continue
            seen.add(key)
            configured(layout, network, router, route, target)


def workload_routes(
    layout: Layout, network: Network, router: str, tables: dict[tuple[str, ...], int]
) -> None:
    """Each workload's /32 goes in the tables whose local routes cover it: a Private
    Network's subnet route that applies to its own packets only is in its table only."""
    if not tables:
        return
    covering: dict[int | None, list[ipaddress.IPv4Network]] = {None: []}
    for table in tables.values():
        covering[table] = []
    for route in network.routes:
        if route.next_hop.kind != "local":
            continue
        targets = [None, *tables.values()] if route.segments is None else [tables[route.segments]]
        for target in targets:
            covering[target].append(route.destination)
    kept = []
    for spec in layout.plan.routes:
        mine = spec.netns == router and spec.table is None
        if not (mine and spec.args[0].endswith("/32") and spec.args[1] == "dev"):
            kept.append(spec)
            continue
        address = ipaddress.IPv4Address(spec.args[0].split("/")[0])
        for target, prefixes in covering.items():
            if any(address in prefix for prefix in prefixes):
                kept.append(RouteSpec(spec.netns, spec.args, target, spec.why))
    layout.plan.routes = kept


def configured(
    layout: Layout, network: Network, router: str, route: Route, table: int | None
) -> None:
    """One configured route of a network's table, by its next hop."""
    destination = str(route.destination)
    hop = route.next_hop
    metric = ("metric", str(route.priority))
    if hop.kind == "local":
        # the segment's addresses nobody has: the router answers "unreachable"
        layout.route(router, "unreachable", destination, *metric, table=table, why=route.detail)
    elif hop.kind == "internet_gateway" and network.name in layout.plan.igws:
        via = layout.igw_inside[network.name]
        layout.route(router, destination, "via", via, *metric, table=table, why=route.detail)
    elif hop.kind == "drop":
        layout.route(router, "blackhole", destination, *metric, table=table, why=route.detail)
    elif hop.kind == "tunnel":
        layout.tunnel_routes.append((router, destination, route.priority, hop.target, table))
    elif hop.kind == "attachment" and (network.name, hop.target) in layout.attached:
        via = layout.attached[(network.name, hop.target)]
        layout.route(router, destination, "via", via, *metric, table=table, why=route.detail)
    else:
        layout.plan.notes.append(
            f"{network.name}: route {destination} → {hop.kind} {hop.target} is not "
            "built (the engine does not model what that next hop does either)"
        )


def attachments(layout: Layout) -> None:
    """A link between a network and the routing domain it hands packets to (an AWS virtual
    private or transit gateway), both ways."""
    pairs = {
        frozenset((network.name, route.next_hop.target))
        for network in layout.topology.networks.values()
        for route in network.routes
        if route.next_hop.kind == "attachment" and route.next_hop.target in layout.plan.routers
    }
    pairs |= {
        frozenset((p.gateway, p.network))
        for p in layout.topology.propagations
        if p.gateway in layout.plan.routers and p.network in layout.plan.routers
    }
    for pair in sorted(pairs, key=sorted):
        if len(pair) != 2:
            continue
        a, b = sorted(pair)
        mine, theirs = layout.pair()
        layout.link(
            "attachment", layout.plan.routers[a], layout.plan.routers[b], (mine,), (theirs,)
        )
        layout.attached[(a, b)] = layout.bare(theirs)
        layout.attached[(b, a)] = layout.bare(mine)
