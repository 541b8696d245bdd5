"""Following one flow hop by hop: filters in order, routes, tunnels, proxies, the return path; with a trace."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..ir.types import Endpoint, Filter, Network, Route, Segment, Source, Topology
from .filters import decide, decide_reply
from .routing import lookup

__all__ = ["Flow", "Hop", "Step", "Trace", "follow"]

MAX_HOPS = 16
# Destinations the internet gateway never forwards (GCP Connectivity Tests: PRIVATE_TRAFFIC_TO_INTERNET).
PRIVATE_RANGES = [
    ipaddress.IPv4Network(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16")
]


@dataclass(frozen=True, slots=True)
class Flow:
    """One connection attempt: from an endpoint (or address) to an address, one protocol and port."""

    source: Endpoint
    source_address: int
    destination_address: int
    protocol: str
    port: int | None


@dataclass
class Step:
    """What one hop did: an action (GCP Connectivity Tests vocabulary), a detail, the source rule."""

    action: str
    detail: str
    source: Source | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            "detail": self.detail,
            "source": self.source.to_json() if self.source else None,
        }


@dataclass
class Hop:
    """A node of the path and the steps taken there."""

    node: str
    steps: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"node": self.node, "steps": [s.to_json() for s in self.steps]}


@dataclass
class Trace:
    """The verdict of a flow and how it was reached."""

    allowed: bool
    disposition: str
    """`DELIVERED`, or why it was dropped: `NO_ROUTE`, `NO_RETURN_ROUTE`, `DENIED_EGRESS`,
    `DENIED_INGRESS`, `DENIED_ACL`, `PRIVATE_TRAFFIC_TO_INTERNET`, `NO_EXTERNAL_ADDRESS`,
    `NO_ENDPOINT`, `LOOP`."""
    hops: list[Hop]
    delivered_to: Endpoint | None = None
    conditions: list[str] = field(default_factory=list)
    """What a request must also carry to be allowed (IAP token)."""


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def _is_private(address: int) -> bool:
    ip = ipaddress.IPv4Address(address)
    return any(ip in net for net in PRIVATE_RANGES)


# When set, _apply records (filter, local, remote, reply) and lets everything through: the matrix
# walks each path once and intersects the services every filter on it allows.
COLLECT: list[tuple[Filter, int, int, bool]] | None = None


def _apply(
    filters: tuple[Filter, ...],
    local: int,
    remote: int,
    flow: Flow,
    hop: Hop,
    action: str,
    reply: bool = False,
) -> Filter | None:
    """Apply filters in order; the one that denies, or None."""
    if COLLECT is not None:
        COLLECT.extend(
            (flt, local, remote, reply) for flt in filters if not (reply and flt.stateful)
        )
        return None
    for flt in filters:
        if reply and flt.stateful:
            continue
        if reply:
            # the reply goes from the service port to the client's ephemeral port
            decision = decide_reply(flt, local, remote, flow.protocol, flow.port)
        else:
            decision = decide(flt, local, remote, flow.protocol, flow.port)
        rule = decision.rule
        what = f"rule {rule.name}" if rule else f"default ({flt.default})"
        verdict = "allowed" if decision.allowed else "denied"
        note = f"; {flt.note}" if flt.note else ""
        hop.steps.append(
            Step(
                action,
                f"{flt.name}: {verdict} by {what}{note}",
                rule.source if rule else flt.default_source,
            )
        )
        if not decision.allowed:
            return flt
    return None


# Next hops that take a packet out of its network: it leaves its segment, whatever comes next.
_OUT_OF_THE_NETWORK = ("peering", "tunnel", "attachment", "internet_gateway")


def _cross(
    network: Network,
    leaving: str | None,
    entering: Segment | None,
    sender: int,
    receiver: int,
    flow: Flow,
    hop: Hop,
    reply: bool = False,
) -> bool:
    """Segment boundary filters (AWS network ACLs): the egress filter of the segment the packet
    leaves, then the ingress filter of the one it enters; True when one of them denies."""
    if entering is not None and entering.name == leaving:
        return False  # traffic within a segment meets no boundary filter
    action = "APPLY_ACL_REPLY" if reply else "APPLY_ACL"
    out = next((s.egress for s in network.segments if s.name == leaving and s.egress), None)
    if out is not None and _apply((out,), sender, receiver, flow, hop, action, reply) is not None:
        return True
    if entering is not None and entering.ingress is not None:
        return _apply((entering.ingress,), receiver, sender, flow, hop, action, reply) is not None
    return False


class _Walker:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology

    def endpoint_at(self, network: Network, address: int) -> Endpoint | None:
        for endpoint in self.topology.endpoints.values():
            if (
                endpoint.network == network.name
                and endpoint.kind != "external_api"
                and address in endpoint.addresses
            ):
                return endpoint
        return None

    def public_endpoint(self, address: int) -> Endpoint | None:
        for endpoint in self.topology.endpoints.values():
            if endpoint.public_address == address:
                return endpoint
        return None

    @staticmethod
    def leaves_unrouted(flow: Flow, network: Network, segment: str | None) -> bool:
        """Whether an unrouted source (a Scaleway Managed Database) sends out of its segment."""
        source = flow.source
        return (
            source.routed is not None
            and source.network == network.name
            and segment != source.segment
        )

    @staticmethod
    def drop_unrouted(hop: Hop, endpoint: Endpoint, here: str | None, there: str | None) -> None:
        other = there if there != endpoint.segment else here
        hop.steps.append(
            Step(
                "DROP",
                f"{endpoint.name} is reached only within its own segment {endpoint.segment}: routing "
                f"does not carry traffic between it and {other or 'another network'}",
                endpoint.routed,
            )
        )

    def route_step(self, network: Network, routes: list[Route], hop: Hop, address: int) -> None:
        route = routes[0]
        targets = sorted({r.next_hop.target for r in routes})
        ecmp = (
            f" (ECMP over {len(targets)} next hops: {', '.join(targets)})"
            if len(targets) > 1
            else ""
        )
        hop.steps.append(
            Step(
                "APPLY_ROUTE",
                f"{route.destination} → {route.next_hop.kind} {route.next_hop.target} [{route.kind}, priority {route.priority}] {route.detail}{ecmp}",
                route.source,
            )
        )
        for shadowed, winner in network.shadowed:
            if (
                int(shadowed.destination.network_address)
                <= address
                <= int(shadowed.destination.broadcast_address)
                and winner is route
            ):
                hop.steps.append(
                    Step(
                        "SHADOWED_ROUTE",
                        f"{shadowed.destination} ({shadowed.detail}) is shadowed by {winner.kind} route {winner.destination}: GCP ignores dynamic routes that conflict with subnet or static routes",
                        shadowed.source,
                    )
                )

    def forward(
        self,
        flow: Flow,
        hops: list[Hop],
        network: Network,
        segment: str | None,
        region: str | None,
        tags: tuple[str, ...],
    ) -> tuple[str, Endpoint | None, Network | None]:
        """Route the packet from `network` to its destination; returns (disposition, endpoint, last network)."""
        address = flow.destination_address
        for _ in range(MAX_HOPS):
            hop = Hop(network.name)
            hops.append(hop)
            routes = lookup(network, address, region, tags, segment)
            if not routes:
                hop.steps.append(
                    Step("DROP", f"no route to {_ip(address)} in {network.name}", network.source)
                )
                return "NO_ROUTE", None, network
            self.route_step(network, routes, hop, address)
            next_hop = routes[0].next_hop
            if next_hop.kind in _OUT_OF_THE_NETWORK and _cross(
                network, segment, None, flow.source_address, address, flow, hop
            ):
                return "DENIED_ACL", None, network
            if next_hop.kind == "local":
                target_segment = network.segment_of(address)
                if _cross(
                    network, segment, target_segment, flow.source_address, address, flow, hop
                ):
                    return "DENIED_ACL", None, network
                # a packet from a VPC peering (no segment) enters a Private Network too
                if (
                    network.between_segments is not None
                    and target_segment is not None
                    and segment != target_segment.name
                ) and (
                    _apply(
                        (network.between_segments,),
                        address,
                        flow.source_address,
                        flow,
                        hop,
                        "APPLY_ACL",
                    )
                    is not None
                ):
                    return "DENIED_ACL", None, network
                endpoint = self.endpoint_at(network, address)
                if endpoint is None:
                    hop.steps.append(
                        Step(
                            "DROP",
                            f"no endpoint has {_ip(address)} in {network.name}",
                            routes[0].source,
                        )
                    )
                    return "NO_ENDPOINT", None, network
                if (
                    endpoint.routed is not None and segment != endpoint.segment
                ) or self.leaves_unrouted(
                    flow, network, target_segment.name if target_segment else None
                ):
                    unrouted = (
                        endpoint
                        if endpoint.routed is not None and segment != endpoint.segment
                        else flow.source
                    )
                    self.drop_unrouted(
                        hop, unrouted, segment, target_segment.name if target_segment else None
                    )
                    return "NO_ROUTE", None, network
                return "ARRIVED", endpoint, network
            if next_hop.kind == "peering":
                if self.leaves_unrouted(flow, network, None) and segment == flow.source.segment:
                    self.drop_unrouted(hop, flow.source, segment, None)
                    return "NO_ROUTE", None, network
                if (
                    network.between_segments is not None
                    and segment is not None
                    and _apply(
                        (network.between_segments,),
                        address,
                        flow.source_address,
                        flow,
                        hop,
                        "APPLY_ACL",
                    )
                    is not None
                ):
                    return "DENIED_ACL", None, network  # it leaves its Private Network
                hop.steps.append(Step("FORWARD_TO_PEER", f"over VPC peering to {next_hop.target}"))
                network, segment, tags = self.topology.networks[next_hop.target], None, ()
                continue
            if next_hop.kind == "attachment":
                hop.steps.append(
                    Step("FORWARD_TO_ATTACHMENT", f"handed to {next_hop.target}", routes[0].source)
                )
                network, segment, region, tags = (
                    self.topology.networks[next_hop.target],
                    None,
                    None,
                    (),
                )
                continue
            if next_hop.kind == "tunnel":
                tunnel = self.topology.tunnels[next_hop.target]
                other = (
                    tunnel.networks[1] if tunnel.networks[0] == network.name else tunnel.networks[0]
                )
                here = self.gateway_segment(tunnel.gateways, network.name)
                if self.leaves_unrouted(flow, network, here) and segment == flow.source.segment:
                    self.drop_unrouted(hop, flow.source, segment, here)
                    return "NO_ROUTE", None, network
                # the packet crosses from its Private Network to the gateway's
                crosses = (
                    network.between_segments is not None
                    and segment is not None
                    and here not in (None, segment)
                )
                if (
                    crosses
                    and network.between_segments is not None
                    and _apply(
                        (network.between_segments,),
                        address,
                        flow.source_address,
                        flow,
                        hop,
                        "APPLY_ACL",
                    )
                    is not None
                ):
                    return "DENIED_ACL", None, network
                hop.steps.append(
                    Step(
                        "ARRIVE_AT_VPN_TUNNEL",
                        f"VPN tunnel {tunnel.name} ({' ↔ '.join(tunnel.gateways)}) to {other}",
                        tunnel.source,
                    )
                )
                network, segment, region, tags = (
                    self.topology.networks[other],
                    self.gateway_segment(tunnel.gateways, other),
                    None,
                    (),
                )
                continue
            if next_hop.kind == "internet_gateway":
                api = next(
                    (
                        e
                        for e in self.topology.endpoints.values()
                        if e.api_of == network.name and address in e.addresses
                    ),
                    None,
                )
                if api is not None:
                    hop.steps.append(
                        Step(
                            "DELIVER_TO_GOOGLE_API",
                            f"{api.name} reached through the default internet gateway on Google's network (private access)",
                            api.source,
                        )
                    )
                    return "ARRIVED", api, network
                if _is_private(address):
                    hop.steps.append(
                        Step(
                            "DROP",
                            f"{_ip(address)} is a private address: the internet gateway drops it",
                            routes[0].source,
                        )
                    )
                    return "PRIVATE_TRAFFIC_TO_INTERNET", None, network
                source = flow.source
                if source.network is not None and source.public_address is None:
                    if source.nat is None:
                        # GCP: "to reach the internet, a VM needs an external IP address or Cloud
                        # NAT"; AWS: an instance needs a public IPv4 address behind an internet
                        # gateway. Connectivity Tests names this drop NO_EXTERNAL_ADDRESS.
                        hop.steps.append(
                            Step(
                                "DROP",
                                f"{source.name} has no external (public) address and no NAT serves it: the internet gateway does not carry its traffic to {_ip(address)}",
                                source.source,  # where an external address would be given
                            )
                        )
                        return "NO_EXTERNAL_ADDRESS", None, network
                    hop.steps.append(
                        Step(
                            "APPLY_NAT",
                            f"{source.name} has no external address: {source.nat.resource} translates its source address",
                            source.nat,
                        )
                    )
                hop.steps.append(
                    Step("FORWARD_TO_INTERNET", "through the default internet gateway")
                )
                return "INTERNET", None, network
            if next_hop.kind == "drop":
                hop.steps.append(Step("DROP", "blackhole route", routes[0].source))
                return "NO_ROUTE", None, network
            hop.steps.append(
                Step(
                    "DROP",
                    f"next hop {next_hop.kind} {next_hop.target} is not modelled",
                    routes[0].source,
                )
            )
            return "NO_ROUTE", None, network
        return "LOOP", None, network

    def gateway_segment(self, gateways: tuple[str, str], network: str) -> str | None:
        """The segment of the tunnel's gateway in `network` (Scaleway gateways sit in a Private Network)."""
        for name in gateways:
            found = self.topology.gateways.get(name)
            if found is not None and found[0] == network:
                return found[1]
        return None

    def returns(
        self, flow: Flow, hops: list[Hop], destination: Endpoint, start: Network
    ) -> str | None:
        """Check the reply can come back to the client; the disposition if it cannot."""
        reply = Flow(
            destination, flow.destination_address, flow.source_address, flow.protocol, flow.port
        )
        network: Network = start
        segment = destination.segment
        hop = Hop(f"{destination.name} (reply)")
        hops.append(hop)
        for _ in range(MAX_HOPS):
            routes = lookup(
                network,
                reply.destination_address,
                destination.region if network.name == destination.network else None,
                destination.tags if network.name == destination.network else (),
                segment,
            )
            if not routes:
                hop.steps.append(
                    Step(
                        "DROP",
                        f"no route back to {_ip(reply.destination_address)} in {network.name}",
                        network.source,
                    )
                )
                return "NO_RETURN_ROUTE"
            route = routes[0]
            hop.steps.append(
                Step(
                    "RETURN_ROUTE",
                    f"in {network.name}: {route.destination} → {route.next_hop.kind} {route.next_hop.target} [{route.kind}]",
                    route.source,
                )
            )
            if route.next_hop.kind in _OUT_OF_THE_NETWORK and _cross(
                network,
                segment,
                None,
                reply.source_address,
                reply.destination_address,
                flow,
                hop,
                reply=True,
            ):
                return "DENIED_ACL"
            if route.next_hop.kind == "local":
                target = network.segment_of(reply.destination_address)
                if _cross(
                    network,
                    segment,
                    target,
                    reply.source_address,
                    reply.destination_address,
                    flow,
                    hop,
                    reply=True,
                ):
                    return "DENIED_ACL"
                if (
                    network.between_segments is not None
                    and target is not None
                    and target.name != segment
                    and _apply(
                        (network.between_segments,),
                        reply.destination_address,
                        reply.source_address,
                        flow,
                        hop,
                        "APPLY_ACL_REPLY",
                        reply=True,
                    )
                    is not None
                ):
                    return "DENIED_ACL"
                if network.name != flow.source.network:
                    # an overlapping range answers here first: the reply never reaches the client
                    hop.steps.append(
                        Step(
                            "DROP",
                            f"the reply to {_ip(reply.destination_address)} is delivered inside {network.name} ({route.destination}), not to {flow.source.name} in {flow.source.network}",
                            route.source,
                        )
                    )
                    return "NO_RETURN_ROUTE"
                return None
            if route.next_hop.kind in ("peering", "attachment"):
                if (
                    route.next_hop.kind == "peering"
                    and network.between_segments is not None
                    and segment is not None
                    and _apply(
                        (network.between_segments,),
                        reply.destination_address,
                        reply.source_address,
                        flow,
                        hop,
                        "APPLY_ACL_REPLY",
                        reply=True,
                    )
                    is not None
                ):
                    return "DENIED_ACL"
                network, segment = self.topology.networks[route.next_hop.target], None
                continue
            if route.next_hop.kind == "tunnel":
                tunnel = self.topology.tunnels[route.next_hop.target]
                other = (
                    tunnel.networks[1] if tunnel.networks[0] == network.name else tunnel.networks[0]
                )
                network, segment = (
                    self.topology.networks[other],
                    self.gateway_segment(tunnel.gateways, other),
                )
                continue
            if route.next_hop.kind == "internet_gateway":
                return (
                    None
                    if flow.source.network is None or not _is_private(reply.destination_address)
                    else "NO_RETURN_ROUTE"
                )
            return "NO_RETURN_ROUTE"
        return "NO_RETURN_ROUTE"


def follow(topology: Topology, flow: Flow) -> Trace:
    """The trace of one flow through the network layers (cloud firewalls, routes, ACLs)."""
    walker = _Walker(topology)
    hops: list[Hop] = []
    source = flow.source
    start = Hop(
        source.name,
        [
            Step(
                "START",
                f"{source.kind} {source.name} {_ip(flow.source_address)} → {_ip(flow.destination_address)} {flow.protocol}/{flow.port}",
                source.source,
            )
        ],
    )
    hops.append(start)
    if source.network is None:
        # from the internet: only public addresses answer
        target = walker.public_endpoint(flow.destination_address)
        if target is None:
            start.steps.append(
                Step(
                    "DROP", f"{_ip(flow.destination_address)} is not a public address of the estate"
                )
            )
            return Trace(False, "NO_ROUTE", hops)
        hop = Hop(target.name)
        hops.append(hop)
        filters = target.public_ingress + (
            (target.proxy.frontend_filter,) if target.proxy and target.proxy.frontend_filter else ()
        )
        if (
            _apply(
                filters,
                flow.destination_address,
                flow.source_address,
                flow,
                hop,
                "APPLY_INGRESS_FILTER",
            )
            is not None
        ):
            return Trace(False, "DENIED_ACL" if target.proxy else "DENIED_INGRESS", hops)
        hop.steps.append(
            Step(
                "DELIVER",
                f"to {target.name} (public address {_ip(flow.destination_address)})",
                target.source,
            )
        )
        return Trace(True, "DELIVERED", hops, target)
    if (
        _apply(
            source.egress,
            flow.source_address,
            flow.destination_address,
            flow,
            start,
            "APPLY_EGRESS_FILTER",
        )
        is not None
    ):
        return Trace(False, "DENIED_EGRESS", hops)
    network = topology.networks[source.network]
    disposition, endpoint, last = walker.forward(
        flow, hops, network, source.segment, source.region, source.tags
    )
    if disposition == "INTERNET":
        target = walker.public_endpoint(flow.destination_address)
        if target is None:
            hops[-1].steps.append(
                Step("DELIVER", f"to the internet host {_ip(flow.destination_address)}")
            )
            return Trace(True, "DELIVERED", hops, topology.endpoints.get("internet"))
        hop = Hop(target.name)
        hops.append(hop)
        filters = target.public_ingress + (
            (target.proxy.frontend_filter,) if target.proxy and target.proxy.frontend_filter else ()
        )
        if (
            _apply(
                filters,
                flow.destination_address,
                flow.source_address,
                flow,
                hop,
                "APPLY_INGRESS_FILTER",
            )
            is not None
        ):
            return Trace(False, "DENIED_ACL" if target.proxy else "DENIED_INGRESS", hops)
        hop.steps.append(Step("DELIVER", f"to {target.name}", target.source))
        return Trace(True, "DELIVERED", hops, target)
    if disposition != "ARRIVED" or endpoint is None or last is None:
        return Trace(False, disposition, hops)
    hop = Hop(endpoint.name)
    hops.append(hop)
    if not endpoint.ingress:
        hop.steps.append(
            Step(
                "ARRIVE",
                f"at {endpoint.kind} {endpoint.name} {_ip(flow.destination_address)}: no ingress filter applies",
                endpoint.source,
            )
        )
    if (
        _apply(
            endpoint.ingress,
            flow.destination_address,
            flow.source_address,
            flow,
            hop,
            "APPLY_INGRESS_FILTER",
        )
        is not None
    ):
        return Trace(False, "DENIED_INGRESS", hops)
    if flow.protocol in ("tcp", "udp", "sctp"):
        failure = walker.returns(flow, hops, endpoint, last)
        if failure is not None:
            return Trace(False, failure, hops)
    hops[-1].steps.append(
        Step(
            "DELIVER",
            f"to {endpoint.name} {_ip(flow.destination_address)}"
            + (" with a route back" if flow.protocol in ("tcp", "udp", "sctp") else ""),
            endpoint.source,
        )
    )
    return Trace(True, "DELIVERED", hops, endpoint)
