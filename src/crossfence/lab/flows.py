"""Which flows the lab probes and how: every pair of endpoints, their declared ports and a sample of undeclared ones.

A flow is sent the way the engine reasons about it: from the source's first replica (a load
balancer from its egress side), to the address the engine targets (a public address from
outside the destination's network, a load balancer's public frontend), through the destination
cluster's east-west gateway when both are pods of one global mesh namespace in two clusters
(Istio multi-network), and, when the destination sits behind load balancers, through the
outermost one too (the connection the estate offers when the direct one fails).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from ..algebra.packets import ServiceSet
from ..engine.path import target_address
from ..engine.reach import resolve
from ..ir.types import Endpoint, Topology
from ..providers.istio.authz import has_sidecar
from ..providers.istio.protocol import TCP, TLS, port_protocol

__all__ = [
    "UNDECLARED",
    "Flow",
    "Route",
    "balancers_in_front",
    "declared",
    "flows",
    "http_request",
    "probe_ports",
    "routes_of",
    "server_ports",
]

# Undeclared ports the lab also tries on every destination (the first two it does not declare):
# what a filter lets through beyond the ports a workload declares is part of the answer.
UNDECLARED = ("tcp/22", "udp/53", "tcp/443", "tcp/5432")
_MAX_DECLARED = 4


@dataclass(frozen=True)
class Flow:
    """One question: from a source to a destination on one port."""

    source: str
    destination: str
    protocol: str
    port: int
    request: tuple[str, str] | None = None
    """An HTTP request (method, path): the destination's sidecar reads the port as HTTP."""

    @property
    def service(self) -> str:
        return f"{self.protocol}/{self.port}"

    @property
    def key(self) -> str:
        return f"{self.source}>{self.destination}>{self.service}"


@dataclass(frozen=True)
class Route:
    """How the lab sends one flow: which endpoint's namespace, from and to which address, through
    which east-west gateway, and who must answer."""

    how: str
    """`direct` or `via <load balancer>`."""
    source: str
    """The endpoint whose first namespace sends."""
    bind: str | None
    address: str
    port: int
    via: tuple[str, int] | None = None


# What the lab tries on a destination that takes every port (a host of the internet).
_ANY = (("tcp", 443), ("udp", 53))


def declared(endpoint: Endpoint) -> list[tuple[str, int]]:
    """One port per declared TCP or UDP range (at most four); a destination that declares
    every port is tried on HTTPS and DNS."""
    out: list[tuple[str, int]] = []
    if endpoint.services == ServiceSet.all():
        return list(_ANY)
    for protocol in ("tcp", "udp"):
        for low, _ in endpoint.services.port_ranges(protocol):
            out.append((protocol, max(low, 1)))
    return out[:_MAX_DECLARED]


def probe_ports(endpoint: Endpoint) -> list[tuple[str, int]]:
    """The ports the lab probes a destination on: declared, then two undeclared."""
    ports = declared(endpoint)
    extra = 0
    for text in UNDECLARED:
        protocol, _, number = text.partition("/")
        if extra == 2:
            break
        if endpoint.services.contains(protocol, int(number)):
            continue
        ports.append((protocol, int(number)))
        extra += 1
    return ports


def server_ports(endpoint: Endpoint) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The TCP and UDP ports an endpoint's server answers on: every port it is probed on."""
    ports = probe_ports(endpoint)
    tcp = tuple(sorted({p for protocol, p in ports if protocol == "tcp"}))
    udp = tuple(sorted({p for protocol, p in ports if protocol == "udp"}))
    return tcp, udp


def flows(
    topology: Topology,
    names: list[str] | None = None,
    intents: tuple[Any, ...] = (),
    mesh: bool = False,
) -> list[Flow]:
    """Every ordered pair of endpoints (or of `names`), on each destination's probe ports; with
    the mesh realised, a port its sidecar reads as HTTP gets a request (`http_request`)."""
    endpoints = sorted(names if names is not None else topology.endpoints)
    out = []
    for source in endpoints:
        for destination in endpoints:
            if source == destination:
                continue
            for protocol, port in probe_ports(topology.endpoints[destination]):
                request = (
                    http_request(topology, intents, source, destination, port)
                    if mesh and protocol == "tcp"
                    else None
                )
                out.append(Flow(source, destination, protocol, port, request))
    return out


def http_request(
    topology: Topology, intents: tuple[Any, ...], source: str, destination: str, port: int
) -> tuple[str, str] | None:
    """The request the lab sends to a port the destination's sidecar reads as HTTP, or
    auto-detects (HTTP when the client speaks it): the one an intent of the blueprint names for
    the pair (else for the destination), else `GET /`."""
    identity = topology.workloads.get(destination)
    if identity is None or identity.kind != "pods" or identity.cluster not in topology.clusters:
        return None
    view = topology.clusters[identity.cluster]
    pods = view.pods.get(destination, [])
    if not pods or not has_sidecar(view.kube, pods[0]):
        return None
    if port_protocol(view.kube, pods[0], port).kind in (TCP, TLS):
        return None  # read as TCP: no request (HTTP and auto-detected ports get one)
    named = [
        i
        for i in intents
        if i.destination == destination and i.method and i.port.lower() == f"tcp/{port}"
    ]
    chosen = next((i for i in named if i.source == source), named[0] if named else None)
    if chosen is None:
        return "GET", "/"
    return str(chosen.method), str(chosen.path or "/")


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def _client(topology: Topology, name: str) -> tuple[Endpoint, str | None]:
    """The endpoint a flow starts from as the engine sees it, and the address it binds: a load
    balancer opens its connections from its egress side; a workload with several addresses
    from its first (the engine's); any other lets its routes choose (a flexible IP's public
    interface sends from the public address)."""
    source, address = resolve(topology, name, "from")
    proxy = source.proxy
    if proxy is None:
        several = source.addresses.size > 1 and source.kind not in ("pods", "external_api")
        return source, _ip(address) if several and not source.public_interface else None
    egress = proxy.egress_addresses
    client = Endpoint(
        source.name,
        "load_balancer",
        egress,
        proxy.egress_network,
        source.cloud,
        segment=source.segment,
        proxy=proxy,
    )
    return client, _ip(egress.min()) if not egress.is_empty() else _ip(address)


def balancers_in_front(topology: Topology, target: Endpoint) -> list[Endpoint]:
    """The load balancers in front of `target`, outermost first."""
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


def _gateway(topology: Topology, flow: Flow) -> tuple[str, int] | None:
    """The destination cluster's east-west gateway, when Istio multi-network sends the flow
    through it: both ends are pods of one global namespace, in two clusters, over TCP."""
    if flow.protocol != "tcp":
        return None
    a = topology.workloads.get(flow.source)
    b = topology.workloads.get(flow.destination)
    if a is None or b is None or a.kind != "pods" or b.kind != "pods":
        return None
    if a.cluster == b.cluster or b.cluster not in topology.clusters:
        return None
    shared = any(
        (a.cluster, a.namespace) in g.members and (b.cluster, b.namespace) in g.members
        for g in topology.global_namespaces
    )
    view = topology.clusters[b.cluster]
    if not shared or view.east_west is None or not view.east_west.ports:
        return None
    return view.east_west.ip, view.east_west.ports[0].port


def routes_of(topology: Topology, flow: Flow, mesh: bool = False) -> list[Route]:
    """How the lab sends a flow: directly, and through the outermost load balancer in front of
    the destination (when there is one and the source is not behind it). With the mesh
    realised the source's sidecar finds the east-west gateway itself."""
    client, bind = _client(topology, flow.source)
    destination = topology.endpoints[flow.destination]
    if destination.kind == "internet":
        _, address = resolve(topology, flow.destination, "to")
        target = _ip(address)
    else:
        target = _ip(target_address(client, destination))
    out = [
        Route(
            "direct",
            flow.source,
            bind,
            target,
            flow.port,
            None if mesh else _gateway(topology, flow),
        ),
    ]
    chain = balancers_in_front(topology, destination)
    if client.name in [e.name for e in chain]:
        chain = chain[[e.name for e in chain].index(client.name) + 1 :]
    # a chain of load balancers carries a connection to its last backend, on the port the last
    # one connects to: it answers for the destination behind them, on that port only
    if chain and destination.proxy is None and flow.protocol == "tcp":
        last = chain[-1].proxy
        assert last is not None
        ports = [s for name, s in last.backends if name == destination.name]
        if ports and ports[0].contains("tcp", flow.port):
            front = chain[0]
            protocol, port = front.services.sample()
            if protocol.lower() == "tcp" and port is not None:
                out.append(
                    Route(
                        f"via {front.name}",
                        flow.source,
                        bind,
                        _ip(target_address(client, front)),
                        port,
                    )
                )
    return out
