"""What a lab is made of, as data: namespaces, links, addresses, routes, rulesets, daemons (built before anything is created)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BirdSpec",
    "EnvoySpec",
    "IapSpec",
    "Instance",
    "Link",
    "Netns",
    "Plan",
    "Port",
    "ProxySpec",
    "RouteSpec",
    "RuleSpec",
    "ServerSpec",
    "TunnelSpec",
]


@dataclass(frozen=True)
class Netns:
    """One network namespace and what it stands for."""

    name: str
    role: str
    """`router` (a VPC / Private Network's routing), `igw` (its internet gateway), `gateway` (a
    VPN gateway's public side), `workload`, `api` (a provider API behind an internet gateway),
    `lb` (a load balancer), `internet` (the lab's internet), `client` (a host of the internet)."""
    label: str
    """What it stands for, in the blueprint's words (`network hub`, `frontend replica 0`)."""


@dataclass(frozen=True)
class Port:
    """One end of a link, in a namespace, with its addresses (CIDR notation)."""

    netns: str
    ifname: str
    addresses: tuple[str, ...] = ()
    segment: str | None = None
    """On a router: the segment (subnet, Private Network) a packet entering here comes from."""


@dataclass(frozen=True)
class Link:
    """A veth pair between two namespaces."""

    a: Port
    b: Port
    kind: str
    """`workload`, `peering`, `igw`, `internet`, `api`, `lb`, `gateway`, `public`."""


@dataclass(frozen=True)
class RouteSpec:
    """`ip -n NETNS route add ARGS` (in `table` when set)."""

    netns: str
    args: tuple[str, ...]
    table: int | None = None
    why: str = ""


@dataclass(frozen=True)
class RuleSpec:
    """`ip -n NETNS rule add ARGS` (policy routing)."""

    netns: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Instance:
    """A namespace that is (one replica of) an endpoint of the engine."""

    endpoint: str
    index: int
    netns: str
    address: str
    """The address it sends from and answers on (the first of the endpoint's, or its pod's)."""
    label: str
    egress: str | None = None
    """A load balancer: the address it opens its backend connections from."""


@dataclass
class ServerSpec:
    """A tiny server answering on every port the lab probes an endpoint on."""

    netns: str
    endpoint: str
    tcp: tuple[int, ...]
    udp: tuple[int, ...]
    host: str = "0.0.0.0"
    """Where its TCP ports listen: 127.0.0.1 behind a sidecar, which listens on the pod's address."""


@dataclass(frozen=True)
class EnvoySpec:
    """An Envoy of the lab: a pod's sidecar, a load balancer's ingress gateway, an east-west
    gateway; its configuration and the identity whose certificate it presents."""

    netns: str
    role: str
    """`sidecar`, `ingress` or `eastwest`."""
    endpoint: str
    identity: str | None
    """A SPIFFE id (None: the proxy presents no certificate, an east-west gateway)."""
    config: str
    admin: str
    """Its admin interface, a unix socket in the lab's folder (a unix socket path is at most
    107 bytes: the name is short); its appearance says the Envoy is up."""


@dataclass(frozen=True)
class ProxySpec:
    """A load balancer or an east-west gateway: it terminates connections and opens new ones."""

    netns: str
    endpoint: str
    mode: str
    """`lb` (to its first backend), `eastwest` (to the target a header names, as SNI would)."""
    listen: tuple[tuple[str, int], ...]
    backend: tuple[str, int] | None = None
    source: str | None = None
    """The address it connects from."""


@dataclass(frozen=True)
class IapSpec:
    """A load balancer that is an HTTP Envoy for IAP: `iap`, an external load balancer with IAP
    (it lets through the requests of a signed-in user and adds the signed header), or `verify`,
    one in front of a workload that verifies that header (`jwt_authn`)."""

    netns: str
    endpoint: str
    role: str
    listen: tuple[tuple[str, int], ...]
    backend: tuple[str, int]
    source: str | None
    """The address it connects from."""
    audience: str
    """The `aud` of the signed header: the load balancer's IAP audience, or the one the workload
    behind it verifies (`iap_audience`)."""


@dataclass(frozen=True)
class TunnelSpec:
    """One VPN tunnel as a WireGuard pair: each side's wireguard-go runs in its gateway's
    namespace (the underlay, on the lab internet) and its interface is moved into the router of
    the gateway's network (the overlay)."""

    name: str
    sides: tuple[dict[str, Any], dict[str, Any]]
    """Per side: gateway, gateway_netns, router_netns, ifname, inner (CIDR), public (address),
    port, key (path of the private key), segment."""


@dataclass(frozen=True)
class BirdSpec:
    """A BIRD 2 daemon in a router namespace and its configuration."""

    netns: str
    network: str
    config: str
    sessions: tuple[str, ...]
    """The BGP protocol names it runs (for status)."""


@dataclass
class Plan:
    """Everything `up` creates, in order; `notes` says what the lab does not realise."""

    lab: str
    namespaces: list[Netns] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    loopback: list[tuple[str, str]] = field(default_factory=list)
    """(netns, CIDR) addresses on `lo`."""
    routes: list[RouteSpec] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    forwarding: set[str] = field(default_factory=set)
    """Namespaces that forward packets (routers, gateways, the internet)."""
    instances: dict[str, list[Instance]] = field(default_factory=dict)
    """Endpoint name -> its namespaces (replicas)."""
    routers: dict[str, str] = field(default_factory=dict)
    """Network name -> its router namespace."""
    igws: dict[str, str] = field(default_factory=dict)
    """Network name -> its internet gateway namespace."""
    internet: str = ""
    nft: dict[str, str] = field(default_factory=dict)
    """Namespace -> its nftables ruleset."""
    servers: list[ServerSpec] = field(default_factory=list)
    proxies: list[ProxySpec] = field(default_factory=list)
    tunnels: list[TunnelSpec] = field(default_factory=list)
    birds: list[BirdSpec] = field(default_factory=list)
    envoys: list[EnvoySpec] = field(default_factory=list)
    iap: list[IapSpec] = field(default_factory=list)
    """Load balancers built as Envoys that sign or verify IAP's header (the others relay)."""
    redirects: dict[str, list[str]] = field(default_factory=dict)
    """Namespace -> the nftables matches of the connections its sidecar takes (Istio's
    outbound interception)."""
    mesh: bool = False
    """Whether the mesh is realised (Envoy sidecars): verify then compares every layer."""
    notes: list[str] = field(default_factory=list)
    plumbing: str = ""
    """The range the lab's own link addresses come from (no address of the blueprint in it)."""

    def netns(self, name: str) -> Netns:
        return next(n for n in self.namespaces if n.name == name)

    def ports_of(self, netns: str) -> list[Port]:
        """Every link end in a namespace."""
        return [p for link in self.links for p in (link.a, link.b) if p.netns == netns]

    def summary(self) -> dict[str, Any]:
        """What `status`, `verify` and `probe` read back from the state file."""
        return {
            "namespaces": [
                {"name": n.name, "role": n.role, "label": n.label} for n in self.namespaces
            ],
            "instances": {
                endpoint: [
                    {
                        "index": i.index,
                        "netns": i.netns,
                        "address": i.address,
                        "label": i.label,
                        "egress": i.egress,
                    }
                    for i in instances
                ]
                for endpoint, instances in self.instances.items()
            },
            "routers": self.routers,
            "igws": self.igws,
            "internet": self.internet,
            "birds": [
                {"netns": b.netns, "network": b.network, "sessions": list(b.sessions)}
                for b in self.birds
            ],
            "tunnels": [
                {"name": t.name, "sides": [dict(s) for s in t.sides]} for t in self.tunnels
            ],
            "notes": self.notes,
            "plumbing": self.plumbing,
            "mesh": self.mesh,
            "envoys": [
                {"netns": e.netns, "role": e.role, "endpoint": e.endpoint, "identity": e.identity}
                for e in self.envoys
            ],
            "iap": {
                i.endpoint: {"role": i.role, "audience": i.audience, "netns": i.netns}
                for i in self.iap
            },
        }
