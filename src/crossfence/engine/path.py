"""Following one flow hop by hop: filters in order, routes, tunnels, proxies, the return path; with a trace."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from ..ir.types import (
    Endpoint,
    Filter,
    Network,
    PlatformService,
    Route,
    Segment,
    Source,
    Topology,
)
from .filters import decide, decide_for_requests, decide_reply
from .routing import lookup

__all__ = ["Flow", "Hop", "Step", "Trace", "follow", "target_address"]

MAX_HOPS = 16
INTERNET_CLIENT = 0xCB007107
"""203.0.113.7 (TEST-NET-3): the documentation address standing for any client of the internet."""
# 198.51.100.1 (TEST-NET-2) stands for an address a NAT allocates itself (GCP Cloud NAT with
# automatic allocation, a Public Gateway without a known address): only rules that admit any
# address admit it.
AUTO_NAT_ADDRESS = 0xC6336401
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


def _rule_label(name: str) -> str:
    """`rule web-in`, `rule 3 ("...")`: a rule's name as a trace reads it, said once."""
    return name if re.search(r"\brule\b", name) else f"rule {name}"


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
    conditions: list[str] | None = None,
) -> Filter | None:
    """Apply filters in order; the one that denies, or None. Where rules carry request
    conditions, `conditions` receives what a request must satisfy to be let through."""
    if COLLECT is not None:
        COLLECT.extend(
            (flt, local, remote, reply) for flt in filters if not (reply and flt.stateful)
        )
        return None
    for flt in filters:
        if reply and flt.stateful:
            continue
        required: tuple[str, ...] = ()
        if reply:
            # the reply goes from the service port to the client's ephemeral port
            decision = decide_reply(flt, local, remote, flow.protocol, flow.port)
        elif any(r.conditions for r in flt.rules):
            decision, required = decide_for_requests(flt, local, remote, flow.protocol, flow.port)
            if conditions is not None:
                conditions.extend(required)
        else:
            decision = decide(flt, local, remote, flow.protocol, flow.port)
        rule = decision.rule
        what = _rule_label(rule.name) if rule else f"default ({flt.default})"
        verdict = "allowed" if decision.allowed else "denied"
        note = f"; {flt.note}" if flt.note else ""
        if required:
            note += f"; only for requests where {', and '.join(required)}"
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
                        f"{shadowed.destination} ({shadowed.detail}) is not used: it fits in the {winner.kind} route {winner.destination}, and subnet routes come first (a dynamic route never overrides a subnet range)",
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
                # a transit gateway routes by the table associated with the arrival attachment
                table = (
                    f" in the route table associated with the attachment of {segment}"
                    if network.segment_by_attachment and segment is not None
                    else ""
                )
                hop.steps.append(
                    Step(
                        "DROP",
                        f"no route to {_ip(address)} in {network.name}{table}",
                        network.source,
                    )
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
                previous, network = network, self.topology.networks[next_hop.target]
                segment = previous.name if network.segment_by_attachment else None
                region, tags = None, ()
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
                source = flow.source
                own = source.network == network.name
                if api is not None:
                    where = network.segment_of(flow.source_address) if own else None
                    if (
                        own
                        and source.public_address is None
                        and where is not None
                        and not where.private_api_access
                    ):
                        # "Set whether VMs in this subnet can access Google services without
                        # assigning external IP addresses through Private Google Access"
                        # (https://cloud.google.com/vpc/docs/private-google-access)
                        hop.steps.append(
                            Step(
                                "DROP",
                                f"{source.name} has no external address and Private Google Access is off on subnet {where.name}: {api.name} is not reached",
                                where.source,
                            )
                        )
                        return "PRIVATE_GOOGLE_ACCESS_DISALLOWED", None, network
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
                if not own:
                    # an internet gateway translates only its own network's addresses (GCP Cloud
                    # NAT serves the network's subnet ranges; an AWS internet gateway the VPC's
                    # instances' public addresses): traffic from beyond it is not carried
                    hop.steps.append(
                        Step(
                            "DROP",
                            f"{source.name} is not in {network.name}: its internet gateway has no external address for it and its NAT does not translate it",
                            routes[0].source,
                        )
                    )
                    return "NO_EXTERNAL_ADDRESS", None, network
                if source.public_address is not None and not source.public_interface:
                    hop.steps.append(
                        Step(
                            "APPLY_NAT",
                            f"the internet gateway translates {_ip(flow.source_address)} to {source.name}'s external address {_ip(source.public_address)}",
                            source.source,
                        )
                    )
                elif source.nat is None:
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
                else:
                    nat_address = (
                        _ip(source.nat_address)
                        if source.nat_address is not None
                        else f"an address it allocates ({_ip(AUTO_NAT_ADDRESS)} stands for it)"
                    )
                    hop.steps.append(
                        Step(
                            "APPLY_NAT",
                            f"{source.name} has no external address: {source.nat.resource} translates its source address to {nat_address}",
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
            # an appliance (instance, address) or an internal load balancer as next hop forwards
            # by rules of its own that the blueprint does not describe: say so, never guess
            hop.steps.append(
                Step(
                    "NEXT_HOP_NOT_MODELLED",
                    f"the route sends {_ip(address)} to {next_hop.kind.replace('_', ' ')} {next_hop.target}, "
                    "which forwards by its own configuration: crossfence does not model what it does next",
                    routes[0].source,
                )
            )
            return "NEXT_HOP_NOT_MODELLED", None, network
        return "LOOP", None, network

    def gateway_segment(self, gateways: tuple[str, str], network: str) -> str | None:
        """The segment of the tunnel's gateway in `network` (Scaleway gateways sit in a Private Network)."""
        for name in gateways:
            found = self.topology.gateways.get(name)
            if found is not None and found[0] == network:
                return found[1]
        return None

    # -- arriving ---------------------------------------------------------------------------

    def arrive(self, flow: Flow, hops: list[Hop], endpoint: Endpoint, last: Network) -> Trace:
        """The packet reached its endpoint over a private path: its ingress filters, the reply."""
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
        # every answer needs a way back (a TCP or UDP reply, an ICMP echo reply)
        failure = self.returns(flow, hops, endpoint, last)
        if failure is not None:
            return Trace(False, failure, hops)
        hop.steps.append(
            Step(
                "DELIVER",
                f"to {endpoint.name} {_ip(flow.destination_address)}" + " with a route back",
                endpoint.source,
            )
        )
        return Trace(True, "DELIVERED", hops, endpoint)

    # -- the internet ---------------------------------------------------------------------

    def special_path_in(self, flow: Flow, hops: list[Hop], hop: Hop, network: Network) -> Trace:
        """A provider service (IAP, health checks) reaches the endpoint directly."""
        path = flow.source.special_path
        assert path is not None
        endpoint = self.endpoint_at(network, flow.destination_address)
        if endpoint is None:
            hop.steps.append(
                Step(
                    "DROP",
                    f"no endpoint has {_ip(flow.destination_address)} in {network.name}",
                    network.source,
                )
            )
            return Trace(False, "NO_ENDPOINT", hops)
        hop.steps.append(
            Step(
                "SPECIAL_PATH",
                f"{path.name} reaches {endpoint.name} in {network.name} over the provider's own "
                "path, outside the network's routes; the answer goes back the same way",
                path.source,
            )
        )
        return self.arrive(flow, hops, endpoint, network)

    def translated(self, source: Endpoint) -> int:
        """The address internet hosts see as the source: its public address, else its NAT's."""
        if source.public_address is not None and not source.public_interface:
            return source.public_address
        if source.nat_address is not None:
            return source.nat_address
        return AUTO_NAT_ADDRESS

    def leaves_by_public_interface(self, flow: Flow, network: Network) -> bool:
        """A Scaleway Instance with a flexible IP: what no VPC route covers leaves through its
        public interface (a Public Gateway's pushed default route, when there is one, wins)."""
        source = flow.source
        return (
            source.public_interface
            and source.public_address is not None
            and not lookup(
                network, flow.destination_address, source.region, source.tags, source.segment
            )
        )

    def public_interface_out(self, flow: Flow, hop: Hop) -> str | None:
        """Leave through the public interface: its outbound filters; None when it may go on."""
        source = flow.source
        assert source.public_address is not None
        if (
            _apply(
                source.public_egress,
                flow.source_address,
                flow.destination_address,
                flow,
                hop,
                "APPLY_EGRESS_FILTER",
            )
            is not None
        ):
            return "DENIED_EGRESS"
        if _is_private(flow.destination_address):
            hop.steps.append(
                Step(
                    "DROP",
                    f"{_ip(flow.destination_address)} is a private address and no VPC route covers it: "
                    "the public interface does not carry it",
                    source.source,
                )
            )
            return "PRIVATE_TRAFFIC_TO_INTERNET"
        hop.steps.append(
            Step(
                "FORWARD_TO_INTERNET",
                f"no VPC route covers {_ip(flow.destination_address)}: through the public interface "
                f"of {source.name}, from its public address {_ip(source.public_address)}",
                source.source,
            )
        )
        return None

    def internet_leg(
        self, flow: Flow, hops: list[Hop], hop: Hop, client: int, via_public_interface: bool
    ) -> Trace:
        """Across the internet to a public address of the estate, or to a host of the internet;
        `client` is the source address the far end sees (after NAT)."""
        leg = Flow(flow.source, client, flow.destination_address, flow.protocol, flow.port)
        from_estate = flow.source.network is not None
        target = self.public_endpoint(flow.destination_address)
        if target is None:
            if not from_estate:
                hop.steps.append(
                    Step(
                        "DROP",
                        f"{_ip(flow.destination_address)} is not a public address of the estate",
                    )
                )
                return Trace(False, "NO_ROUTE", hops)
            hop.steps.append(
                Step("DELIVER", f"to the internet host {_ip(flow.destination_address)}")
            )
            failure = self.inbound_reply(flow, hops, via_public_interface)
            if failure is not None:
                return Trace(False, failure, hops)
            return Trace(True, "DELIVERED", hops, self.topology.endpoints.get("internet"))
        there = Hop(target.name)
        hops.append(there)
        required: list[str] = []
        if target.proxy is not None:
            if COLLECT is None and not target.services.contains(flow.protocol, flow.port):
                there.steps.append(
                    Step(
                        "DROP",
                        f"no frontend of {target.name} listens on {flow.protocol}/{flow.port} "
                        f"(it listens on {', '.join(target.services.format())})",
                        target.source,
                    )
                )
                return Trace(False, "NO_FRONTEND", hops)
            filters = target.public_ingress + (
                (target.proxy.frontend_filter,) if target.proxy.frontend_filter else ()
            )
            if _apply(
                filters,
                flow.destination_address,
                client,
                leg,
                there,
                "APPLY_INGRESS_FILTER",
                conditions=required,
            ):
                return Trace(False, "DENIED_ACL", hops)
        elif target.public_interface:
            failure = self.public_interface_in(leg, there, target)
            if failure is not None:
                return Trace(False, failure, hops)
        else:
            failure = self.translated_in(leg, hops, there, target)
            if failure is not None:
                return Trace(False, failure, hops)
        there.steps.append(
            Step(
                "DELIVER",
                f"to {target.name} (public address {_ip(flow.destination_address)})"
                + (" with a route back" if target.proxy is None else ""),
                target.source,
            )
        )
        if from_estate:
            failure = self.inbound_reply(flow, hops, via_public_interface)
            if failure is not None:
                return Trace(False, failure, hops)
        if target.proxy is not None and required:
            return Trace(
                True, "DELIVERED", hops, target, [f"a request where {c}" for c in required]
            )
        return Trace(True, "DELIVERED", hops, target)

    def public_interface_in(self, leg: Flow, hop: Hop, target: Endpoint) -> str | None:
        """Into a public interface of its own: its inbound filters, and its replies' way out."""
        public = leg.destination_address
        if _apply(
            target.public_ingress, public, leg.source_address, leg, hop, "APPLY_INGRESS_FILTER"
        ):
            return "DENIED_INGRESS"
        if target.network is None:
            return None
        network = self.topology.networks[target.network]
        routes = lookup(network, leg.source_address, target.region, target.tags, target.segment)
        if routes:
            # Scaleway: "The Public Gateway's default route advertisement takes priority over the
            # default route through a resource's public interface. Outbound and inbound public
            # traffic for resources receiving the route advertisement is therefore directed
            # through the Public Gateway" (https://www.scaleway.com/en/docs/public-gateways/concepts/#default-route)
            route = routes[0]
            hop.steps.append(
                Step(
                    "DROP",
                    f"the reply to {_ip(leg.source_address)} follows {route.destination} → "
                    f"{route.next_hop.kind} {route.next_hop.target} ({route.detail}), not the public "
                    f"interface: it leaves from another address and the client never sees an answer "
                    f"from {_ip(public)}",
                    route.source,
                )
            )
            return "NO_RETURN_ROUTE"
        if _apply(
            target.public_egress, public, leg.source_address, leg, hop, "APPLY_REPLY_FILTER", True
        ):
            return "DENIED_REPLY"
        return None

    def translated_in(self, leg: Flow, hops: list[Hop], hop: Hop, target: Endpoint) -> str | None:
        """Into the VPC through its internet gateway, which translates the public address to the
        private one (1:1 NAT): the segment's boundary filter, the endpoint's own filters (GCP
        firewall rules and policies, AWS security groups), and the reply back the same way."""
        assert target.network is not None
        network = self.topology.networks[target.network]
        hop.steps.append(
            Step(
                "APPLY_NAT",
                f"the internet gateway of {network.name} translates {_ip(leg.destination_address)} "
                f"to {target.name}'s private address {_ip(target.address)}",
                target.source,
            )
        )
        entering = next((s for s in network.segments if s.name == target.segment), None)
        if _cross(network, None, entering, leg.source_address, leg.destination_address, leg, hop):
            return "DENIED_ACL"
        if _apply(
            target.ingress,
            leg.destination_address,
            leg.source_address,
            leg,
            hop,
            "APPLY_INGRESS_FILTER",
        ):
            return "DENIED_INGRESS"
        return self.returns(leg, hops, target, network)

    def inbound_reply(self, flow: Flow, hops: list[Hop], via_public_interface: bool) -> str | None:
        """The reply from the internet back into the source: what filters it statelessly (a
        stateless security group, the subnet's network ACL)."""
        source = flow.source
        hop = Hop(f"{source.name} (reply)")
        failure = None
        if via_public_interface:
            if _apply(
                source.public_ingress,
                flow.source_address,
                flow.destination_address,
                flow,
                hop,
                "APPLY_REPLY_FILTER",
                True,
            ):
                failure = "DENIED_REPLY"
        elif source.network is not None:
            network = self.topology.networks[source.network]
            entering = next((s for s in network.segments if s.name == source.segment), None)
            if _cross(
                network,
                None,
                entering,
                flow.destination_address,
                flow.source_address,
                flow,
                hop,
                reply=True,
            ):
                failure = "DENIED_ACL"
            elif _apply(
                source.ingress,
                flow.source_address,
                flow.destination_address,
                flow,
                hop,
                "APPLY_REPLY_FILTER",
                True,
            ):
                failure = "DENIED_REPLY"
        if hop.steps:
            hops.append(hop)
        return failure

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
        if flow.source.special_path is not None:
            hop.steps.append(
                Step(
                    "RETURN_SPECIAL_PATH",
                    f"the answer to {flow.source.special_path.name} goes back over its special path",
                    flow.source.special_path.source,
                )
            )
            return None
        # a stateless filter of the destination itself sees the reply leave (and one of the
        # client's sees it arrive): "Stateless security groups strictly apply the default policy
        # and inbound/outbound rules, regardless of whether a connection is initiated from your
        # Instance or not" (https://www.scaleway.com/en/docs/instances/concepts/#security-group)
        if _apply(
            destination.egress,
            flow.destination_address,
            flow.source_address,
            flow,
            hop,
            "APPLY_REPLY_FILTER",
            reply=True,
        ):
            return "DENIED_REPLY"
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
                if _apply(
                    flow.source.ingress,
                    flow.source_address,
                    flow.destination_address,
                    flow,
                    hop,
                    "APPLY_REPLY_FILTER",
                    reply=True,
                ):
                    return "DENIED_REPLY"
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
                previous, network = network, self.topology.networks[route.next_hop.target]
                segment = (
                    previous.name
                    if route.next_hop.kind == "attachment" and network.segment_by_attachment
                    else None
                )
                continue
            if route.next_hop.kind == "tunnel":
                tunnel = self.topology.tunnels[route.next_hop.target]
                other = (
                    tunnel.networks[1] if tunnel.networks[0] == network.name else tunnel.networks[0]
                )
                # the reply crosses from its Private Network to the VPN gateway's, as the request
                # did the other way: the stateless VPC ACL sees it there too
                here = self.gateway_segment(tunnel.gateways, network.name)
                if (
                    network.between_segments is not None
                    and segment is not None
                    and here not in (None, segment)
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


def target_address(source: Endpoint, destination: Endpoint) -> int:
    """The address a flow from `source` to `destination` is sent to: a public address from the
    internet (and a load balancer's public frontend from anywhere outside its network), else
    the private one."""
    if destination.public_address is not None and (
        source.network is None or (destination.proxy is not None and destination.network is None)
    ):
        return destination.public_address
    return destination.address


def _platform_service(topology: Topology, source: Endpoint, address: int) -> PlatformService | None:
    """The provider service an instance (a VM) reaches at `address`, outside its network's
    routes and filters; None when the address is no such service."""
    if source.kind != "vm" or source.network is None:
        return None
    network = topology.networks[source.network]
    return next((p for p in network.platform_services if address in p.addresses), None)


def _to_platform_service(
    flow: Flow, hops: list[Hop], start: Hop, service: PlatformService
) -> Trace:
    """Deliver to a provider service the provider's firewalls do not filter: the trace cites the
    page that says so; a port it does not answer on finds nothing listening."""
    source = flow.source
    if service.own_filters and (
        _apply(
            source.egress + source.public_egress,
            flow.source_address,
            flow.destination_address,
            flow,
            start,
            "APPLY_EGRESS_FILTER",
        )
        is not None
    ):
        return Trace(False, "DENIED_EGRESS", hops)
    unfiltered = (
        "the provider documents that its other filters do not see this traffic"
        if service.own_filters
        else "the provider documents that its firewalls do not filter this traffic"
    )
    start.steps.append(
        Step(
            "PROVIDER_SERVICE",
            f"{_ip(flow.destination_address)} is {service.name}, reached by the instance itself "
            f"outside the network's routes: {unfiltered}",
            service.source,
        )
    )
    if COLLECT is None and not service.services.contains(flow.protocol, flow.port):
        answered = ", ".join(service.services.format()) or "nothing crossfence knows of"
        asked = f"{flow.protocol}/{flow.port}" if flow.port is not None else flow.protocol
        start.steps.append(
            Step(
                "DROP",
                f"{service.name} answers on {answered}, not {asked}",
                service.source,
            )
        )
        return Trace(False, "NO_ENDPOINT", hops)
    start.steps.append(Step("DELIVER", f"to {service.name} {_ip(flow.destination_address)}"))
    if service.own_filters and (
        # a stateless filter of the instance sees the answer come back
        _apply(
            source.ingress + source.public_ingress,
            flow.source_address,
            flow.destination_address,
            flow,
            start,
            "APPLY_REPLY_FILTER",
            reply=True,
        )
        is not None
    ):
        return Trace(False, "DENIED_REPLY", hops)
    return Trace(True, "DELIVERED", hops)


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
    masquerade = source.masquerade
    if masquerade is not None and flow.destination_address not in masquerade.inside:
        # the node SNATs pod traffic leaving the cluster: every hop downstream sees its address
        start.steps.append(
            Step(
                "APPLY_NAT",
                f"{source.name}'s traffic leaving the cluster is SNATed to its node's address "
                f"({_ip(masquerade.node)} stands for the node that runs it)",
                masquerade.source,
            )
        )
        flow = Flow(source, masquerade.node, flow.destination_address, flow.protocol, flow.port)
    if source.network is None:
        # from the internet: only public addresses answer
        return walker.internet_leg(flow, hops, start, flow.source_address, False)
    service = _platform_service(topology, source, flow.destination_address)
    if service is not None:
        return _to_platform_service(flow, hops, start, service)
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
    if source.special_path is not None:
        return walker.special_path_in(flow, hops, start, network)
    if walker.leaves_by_public_interface(flow, network):
        disposition = walker.public_interface_out(flow, start)
        if disposition is not None:
            return Trace(False, disposition, hops)
        assert source.public_address is not None
        return walker.internet_leg(flow, hops, start, source.public_address, True)
    disposition, endpoint, last = walker.forward(
        flow, hops, network, source.segment, source.region, source.tags
    )
    if disposition == "INTERNET":
        return walker.internet_leg(flow, hops, hops[-1], walker.translated(source), False)
    if disposition != "ARRIVED" or endpoint is None or last is None:
        return Trace(False, disposition, hops)
    return walker.arrive(flow, hops, endpoint, last)
