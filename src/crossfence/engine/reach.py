"""`reach`: can A talk to B on a port, through every proxy on the way, and why (the trace)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..algebra.addresses import query_address
from ..algebra.packets import IpSet
from ..algebra.ports import parse_port_spec
from ..errors import QueryError
from ..ir.types import Endpoint, Topology
from .path import INTERNET_CLIENT, Flow, Hop, Step, Trace, _is_private, follow, target_address
from .routing import lookup

__all__ = ["Reach", "parse_port", "reach", "resolve"]


@dataclass
class Reach:
    """The answer to one reach question."""

    source: str
    destination: str
    port: str
    allowed: bool
    disposition: str
    hops: list[Hop]
    conditions: list[str] = field(default_factory=list)
    legs: list[Trace] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape: from, to, port, verdict, disposition, hops[{node, steps}]."""
        return {
            "from": self.source,
            "to": self.destination,
            "port": self.port,
            "verdict": "allowed" if self.allowed else "denied",
            "disposition": self.disposition,
            "conditions": self.conditions,
            "hops": [hop.to_json() for hop in self.hops],
        }


def parse_port(text: str) -> tuple[str, int | None]:
    """`tcp/443` -> ("tcp", 443); a range or a bare protocol is refused for reach."""
    try:
        protocol, low, high = parse_port_spec(text)
    except ValueError as exc:
        raise QueryError.single(f"--port {exc}") from None
    if protocol in ("tcp", "udp", "sctp") and (low is None or low != high):
        raise QueryError.single(f"--port {text!r} is not one port (expected e.g. 'tcp/443')")
    if protocol == "all":
        raise QueryError.single("--port 'all' is not one port (expected e.g. 'tcp/443' or 'icmp')")
    return protocol, low


def resolve(topology: Topology, name: str, role: str) -> tuple[Endpoint, int]:
    """An endpoint name, `internet`, or an IP address -> (endpoint, address)."""
    endpoint = topology.endpoints.get(name)
    if endpoint is not None:
        if endpoint.name == "internet":
            return endpoint, INTERNET_CLIENT
        if (
            endpoint.proxy is not None
            and endpoint.network is None
            and endpoint.public_address is not None
        ):
            return endpoint, endpoint.public_address
        return endpoint, endpoint.address
    try:
        parsed = query_address(name)
    except ValueError as reason:
        raise QueryError.single(f"--{role} {name!r} {reason}") from None
    if parsed is None:
        import difflib

        close = difflib.get_close_matches(name, list(topology.endpoints), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise QueryError.single(
            f"--{role} {name!r} is not an endpoint of the blueprint (expected a workload, a load balancer, "
            f"'internet' or an IPv4 address{hint})"
        )
    address = parsed
    for candidate in topology.endpoints.values():
        if candidate.name != "internet" and (
            address in candidate.addresses or candidate.public_address == address
        ):
            return candidate, address
    if not _is_private(address):
        return topology.endpoints["internet"], address
    if role == "to":
        # an address no endpoint owns: the trace still shows where the routes send it
        return Endpoint(name, "address", IpSet.from_addresses([address]), None, None), address
    raise QueryError.single(
        f"--{role} {name}: no endpoint has this private address (expected an address of a workload)"
    )


def _egress(balancer: Endpoint) -> tuple[Endpoint, int]:
    """A load balancer as the client of its backends: its egress addresses and network."""
    assert balancer.proxy is not None
    egress = balancer.proxy.egress_addresses
    client = Endpoint(
        balancer.name,
        "load_balancer",
        egress,
        balancer.proxy.egress_network,
        balancer.cloud,
        segment=balancer.segment,
        proxy=balancer.proxy,
        source=balancer.source,
    )
    return client, next(iter(egress))[0] if not egress.is_empty() else balancer.address


def _ip_text(address: int) -> str:
    return str(IpSet.from_addresses([address]).first_address())


def _egress_samples(topology: Topology, egress: IpSet) -> list[int]:
    """One address of each piece of `egress` that no filter rule's range splits: what a filter
    answers for it, it answers for the whole piece."""
    cuts = set(egress.bounds)
    filters = [
        f
        for e in topology.endpoints.values()
        for c in (e.ingress, e.egress, e.public_ingress, e.public_egress)
        for f in c
    ]
    filters += [
        e.proxy.frontend_filter
        for e in topology.endpoints.values()
        if e.proxy is not None and e.proxy.frontend_filter is not None
    ]
    filters += [
        f
        for n in topology.networks.values()
        for f in (n.between_segments, *(b for s in n.segments for b in (s.ingress, s.egress)))
        if f is not None
    ]
    for flt in filters:
        for rule in flt.rules:
            cuts.update(rule.remote.bounds)
    return [c for c in sorted(cuts) if c < 2**32 and c in egress]


def _backend_chain(topology: Topology, target: Endpoint) -> list[Endpoint]:
    """Load balancers in front of `target`, outermost first (public-lb -> scw-edge -> customer-api)."""
    chain: list[Endpoint] = []
    current = target
    for _ in range(8):
        front = next(
            (
                e
                for e in topology.endpoints.values()
                if e.proxy and any(b == current.name for b, _ in e.proxy.backends)
            ),
            None,
        )
        if front is None or front in chain:
            break
        chain.insert(0, front)
        current = front
    return chain


def _leg(
    topology: Topology,
    source: Endpoint,
    source_address: int,
    target: Endpoint,
    protocol: str,
    port: int | None,
) -> Trace:
    address = target_address(source, target)
    return follow(topology, Flow(source, source_address, address, protocol, port))


def reach(topology: Topology, source_name: str, destination_name: str, port_text: str) -> Reach:
    """Follow the flow; when the destination sits behind load balancers and the direct path fails,
    follow the proxied path: each proxy terminates the connection and opens a new one."""
    protocol, port = parse_port(port_text)
    source, source_address = resolve(topology, source_name, "from")
    destination, destination_address = resolve(topology, destination_name, "to")
    if destination.name == destination_name and destination.kind != "internet":
        # named, not addressed: from the internet a workload is reached at its public address
        destination_address = target_address(source, destination)
    if source is destination and source.name != "internet":
        raise QueryError.single(f"--from and --to are both {source.name} (expected two endpoints)")
    if source.name == "internet" and source_name != "internet" and destination.network:
        # an address of a provider service that reaches the destination's network directly
        path = next(
            (
                p
                for p in topology.networks[destination.network].special_paths
                if source_address in p.addresses
            ),
            None,
        )
        if path is not None:
            source = Endpoint(
                source_name,
                "provider service",
                IpSet.from_addresses([source_address]),
                destination.network,
                None,
                source=path.source,
                special_path=path,
            )
    chain = _backend_chain(topology, destination)
    if source in chain:
        chain = chain[chain.index(source) + 1 :]
    if source.proxy is not None:
        # a load balancer opens its connections from its egress side (Google front ends, its
        # private address), not from its public frontend
        source, source_address = _egress(source)
    direct = follow(topology, Flow(source, source_address, destination_address, protocol, port))
    result = Reach(
        source_name,
        destination_name,
        port_text.lower(),
        direct.allowed,
        direct.disposition,
        direct.hops,
        list(direct.conditions),
        legs=[direct],
    )
    if (
        direct.disposition == "NO_ROUTE"
        and destination.network is not None
        and source.network is not None
    ):
        back = lookup(
            topology.networks[destination.network],
            source_address,
            destination.region,
            destination.tags,
            destination.segment,
        )
        verdict = (
            f"{back[0].destination} → {back[0].next_hop.kind} {back[0].next_hop.target}"
            if back
            else "none either"
        )
        direct.hops[-1].steps.append(
            Step(
                "CHECK_RETURN_ROUTE",
                f"route back from {destination.network} to {source.name}: {verdict}",
                back[0].source if back else None,
            )
        )
    if direct.allowed or not chain:
        return result
    # Where the destination is not addressable directly, the load balancers in front of it are
    # the only way there; where it is addressable but the direct path is denied, a path through
    # them (e.g. out to the internet and back in through the public frontend) still reaches a
    # workload. A load balancer asked for is asked for at its own frontend (an intent that the
    # internet cannot bypass the outer one asks exactly that).
    unaddressable = direct.disposition in ("NO_ROUTE", "NO_ENDPOINT", "PRIVATE_TRAFFIC_TO_INTERNET")
    if not unaddressable and destination.proxy is not None:
        return result
    last = chain[-1].proxy
    served = next((s for b, s in last.backends if b == destination.name), None) if last else None
    if served is None or protocol != "tcp" or port is None or not served.contains(protocol, port):
        # a load balancer proxies connections (TCP): it opens them to the backend on the
        # backend's port only, and never carries ICMP or another portless protocol
        if unaddressable:
            asked = f"{protocol}/{port}" if port is not None else protocol
            sent = ", ".join(served.format()) if served is not None else "nothing"
            direct.hops[-1].steps.append(
                Step(
                    "CHECK_PROXY",
                    f"the load balancers in front of {destination.name} send to {sent}, "
                    f"not {asked}",
                    chain[-1].source,
                )
            )
        return result
    proxied = _proxied(
        topology,
        source,
        source_address,
        chain,
        destination,
        protocol,
        port,
        source_name,
        destination_name,
        port_text,
    )
    if unaddressable:
        return proxied
    if not proxied.allowed:
        return result
    # the direct path is denied: say so before the path that gets there
    first = direct.hops[-1].steps[-1] if direct.hops and direct.hops[-1].steps else None
    note = Hop(
        source.name,
        [
            Step(
                "CHECK_DIRECT",
                f"the direct path to {destination.name} is denied ({direct.disposition}"
                + (f": {first.detail}" if first is not None else "")
                + f"); {destination.name} is reached through {', '.join(e.name for e in chain)}",
                first.source if first is not None else None,
            )
        ],
    )
    proxied.hops.insert(0, note)
    proxied.legs.insert(0, direct)
    return proxied


def _proxied(
    topology: Topology,
    source: Endpoint,
    source_address: int,
    chain: list[Endpoint],
    destination: Endpoint,
    protocol: str,
    port: int | None,
    source_name: str,
    destination_name: str,
    port_text: str,
) -> Reach:
    """The proxied path: client -> outer load balancer -> ... -> destination, each load balancer
    terminating the connection and opening a new one."""
    hops: list[Hop] = []
    legs: list[Trace] = []
    conditions: list[str] = []
    client, client_address = source, source_address
    for target in [*chain, destination]:
        if client.proxy is None:
            # the client's own connection goes to the outer load balancer's frontend
            target_protocol, target_port = "tcp", target.services.sample()[1]
        elif target is destination:
            # the last load balancer opens the connection on the port asked (one it sends to)
            target_protocol, target_port = protocol, port
        else:
            target_protocol = "tcp"
            target_port = next(s.sample()[1] for b, s in client.proxy.backends if b == target.name)
        trace = _leg(topology, client, client_address, target, target_protocol, target_port)
        if client.proxy is not None and trace.allowed:
            # the load balancer may open the connection from any of its egress addresses (Google
            # front ends send from "IP address ranges listed in the _cloud-eoips.googleusercontent.com
            # DNS TXT record", https://cloud.google.com/load-balancing/docs/firewall-rules):
            # allowed only if allowed from every one
            for other in _egress_samples(topology, client.addresses):
                if other != client_address:
                    refused = _leg(topology, client, other, target, target_protocol, target_port)
                    if not refused.allowed:
                        trace = refused
                        trace.hops[-1].steps.append(
                            Step(
                                "CHECK_PROXY",
                                f"{client.name} opens connections from any of {client.addresses}: "
                                f"from {_ip_text(other)} this one is refused",
                                client.source,
                            )
                        )
                        break
        if hops:
            hops.append(
                Hop(
                    client.name,
                    [
                        Step(
                            "PROXY_CONNECTION",
                            f"{client.name} terminates the connection and opens a new one to {target.name} from {client.addresses}",
                            client.source,
                        )
                    ],
                )
            )
        hops.extend(trace.hops)
        legs.append(trace)
        conditions.extend(trace.conditions)
        if not trace.allowed:
            return Reach(
                source_name,
                destination_name,
                port_text.lower(),
                False,
                trace.disposition,
                hops,
                conditions,
                legs,
            )
        if target.proxy is not None:
            conditions.extend(target.proxy.conditions)
            client, client_address = _egress(target)
    return Reach(
        source_name, destination_name, port_text.lower(), True, "DELIVERED", hops, conditions, legs
    )
