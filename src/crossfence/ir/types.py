"""The vendor-independent network the engine reasons about: endpoints, networks, routes, filters."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from ..algebra.packets import IpSet, ServiceSet

if TYPE_CHECKING:
    from .control import BgpSession, RouteExchange, RoutePropagation
    from .layers import ClusterLayer, GlobalNamespaceLayer, WorkloadIdentity

__all__ = [
    "EPHEMERAL_PORTS",
    "Endpoint",
    "Filter",
    "FilterRule",
    "Masquerade",
    "Network",
    "NextHop",
    "PlatformService",
    "Proxy",
    "Route",
    "Segment",
    "Source",
    "SpecialPath",
    "Topology",
    "Tunnel",
    "described",
]


class _Where(Protocol):
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...


class _Located(Protocol):
    @property
    def defined_at(self) -> _Where | None: ...


Action = Literal["allow", "deny"]
RuleAction = Literal["allow", "deny", "next"]
"""`next` (GCP firewall policy `goto_next`): stop evaluating this rule group, go on with the next."""

# Clients use ephemeral source ports; stateless filters see replies sent to them. IANA's dynamic
# range is 49152-65535 and Linux uses 32768-60999, both inside 1024-65535 — the range that
# stateless ACL examples (AWS NACL docs, Scaleway ACL docs) open for replies.
EPHEMERAL_PORTS = (1024, 65535)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an IR element comes from: the blueprint file and line, the resource, the rule."""

    resource: str
    rule: str | None = None
    file: str | None = None
    line: int | None = None

    @classmethod
    def of(cls, obj: _Located | None, resource: str, rule: str | None = None) -> Source:
        """The source of an input object that knows where it was written (its `defined_at`)."""
        where = obj.defined_at if obj is not None else None
        return cls(resource, rule, where.file if where else None, where.line if where else None)

    def location(self) -> str | None:
        """`file:line`, when known."""
        if self.file is None:
            return None
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        name = f"{self.resource}/{self.rule}" if self.rule else self.resource
        where = self.location()
        return f"{name} ({where})" if where else name

    def to_json(self) -> dict[str, object]:
        return {"resource": self.resource, "rule": self.rule, "file": self.file, "line": self.line}


def described(label: str, description: str | None) -> str:
    """A rule's name for traces: its label, and the user's description when there is one
    (`rule 3 ("nothing else reaches the database")`)."""
    return f'{label} ("{description}")' if description else label


@dataclass(frozen=True, slots=True)
class FilterRule:
    """One line of a filter: a match and an action. One IR rule per source rule ("do not filter")."""

    name: str
    action: RuleAction
    remote: IpSet
    """Addresses on the other side: sources for ingress filters, destinations for egress ones."""
    local: IpSet
    """Addresses on this side (GCP ingress `destination_ranges`, ACL destination); all by default."""
    services: ServiceSet
    """Protocol and destination ports."""
    source: Source
    source_ports: ServiceSet | None = None
    """Stateless filters only: protocol and source ports (None: any)."""
    conditions: tuple[str, ...] = ()
    """What a request must also carry for the rule to match (HTTP conditions of a load-balancer
    ACL, `the path begins with /api`); empty: the rule matches on addresses and services alone.
    A question about packets, not requests, treats such a rule as matching some requests only."""
    group: int = 0
    """Rules are evaluated group by group, one group per step of the provider's order (GCP:
    hierarchical policies, VPC rules, global then regional network policies); a `next` rule
    sends its packets on to the next group."""


@dataclass(frozen=True, slots=True)
class Filter:
    """An ordered filter: first matching rule wins; `default` when none matches.

    Allow-only filters (AWS security groups) are a first-match list of allows with a deny default;
    GCP rules are sorted by priority with deny first at equal priority, then the implied rule.
    """

    name: str
    layer: str
    """What enforces it: `gcp-firewall`, `gcp-firewall-policy`, `scaleway-vpc-acl`,
    `scaleway-security-group`, `aws-security-group`, `aws-network-acl`, `lb-acl`."""
    rules: tuple[FilterRule, ...]
    default: Action
    default_source: Source
    stateful: bool = True
    note: str | None = None
    """A caveat the trace repeats (e.g. what the provider documents about its scope)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A subnet or Private Network of a network."""

    name: str
    cidrs: IpSet
    """Primary and secondary ranges."""
    source: Source
    ingress: Filter | None = None
    """Stateless filter on packets entering the segment from outside it (AWS network ACL)."""
    egress: Filter | None = None
    """Stateless filter on packets leaving the segment (AWS network ACL); traffic within the
    segment meets neither."""
    private_api_access: bool = True
    """Whether hosts of the segment without a public address reach the provider's APIs through
    the internet gateway (GCP Private Google Access is a per-subnet setting)."""


@dataclass(frozen=True, slots=True)
class NextHop:
    """Where a route sends a packet."""

    kind: Literal[
        "local",
        "peering",
        "tunnel",
        "internet_gateway",
        "drop",
        "instance",
        "attachment",
        "load_balancer",
    ]
    target: str = ""
    """Peer network, tunnel name, instance name, or (`attachment`) the routing domain the packet
    is handed to: an AWS virtual private / transit gateway, or the VPC behind it."""


@dataclass(frozen=True, slots=True)
class Route:
    """An installed route of a network's forwarding table."""

    destination: ipaddress.IPv4Network
    next_hop: NextHop
    kind: Literal[
        "subnet",
        "static",
        "peering-subnet",
        "peering-static",
        "peering-dynamic",
        "dynamic",
        "local",
        "propagated",
    ]
    """`local` and `propagated` are AWS's: the VPC's own CIDR blocks, and routes a virtual
    private gateway propagates into a route table."""
    priority: int
    source: Source
    detail: str = ""
    """How it got here: learned from which peer, over which session, with which AS path."""
    region: str | None = None
    """Regional dynamic routes apply only to resources in this region (None: every region)."""
    tags: tuple[str, ...] = ()
    """GCP: the route applies only to instances with one of these network tags."""
    segments: tuple[str, ...] | None = None
    """AWS: the route applies only to packets from these segments (the subnets associated with
    its route table); None: to every packet, wherever it comes from."""
    med: int = 0
    as_path: tuple[int, ...] = ()
    exportable: bool = True
    """Whether a route exchange (VPC peering) may carry it: GCP never exchanges static routes
    towards the default internet gateway nor tagged ones."""


@dataclass(frozen=True, slots=True)
class Tunnel:
    """A VPN tunnel between two networks."""

    name: str
    networks: tuple[str, str]
    gateways: tuple[str, str]
    source: Source


@dataclass(frozen=True, slots=True)
class Masquerade:
    """Pod traffic to anything outside `inside` (the cluster's pod range) leaves with the node's
    address; `node` stands for whichever node runs the pod."""

    node: int
    inside: IpSet
    source: Source


@dataclass(frozen=True, slots=True)
class SpecialPath:
    """A provider service whose packets reach the network's endpoints over a path of the
    provider's own, outside the network's routes, and whose replies go back the same way (GCP:
    IAP TCP forwarding, health checks, Cloud DNS forwarding)."""

    name: str
    addresses: IpSet
    source: Source


@dataclass(frozen=True, slots=True)
class PlatformService:
    """A service of the provider that an instance reaches at a fixed address (GCP's metadata
    server, the Amazon DNS server, Amazon Time Sync): the provider documents that its firewalls
    do not filter this traffic, so neither routes nor filters decide it."""

    name: str
    addresses: IpSet
    services: ServiceSet
    """What it answers on; a flow to another port or protocol finds nothing listening."""
    source: Source
    """The provider's page saying its firewalls do not filter the traffic."""
    own_filters: bool = False
    """The instance's own filters still apply (the provider says only that some of its filters
    do not see the traffic, not all of them)."""


@dataclass
class Network:
    """A routing domain (a VPC) with its forwarding table and the filter between its segments."""

    name: str
    cloud: str
    provider: str
    segments: list[Segment] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    shadowed: list[tuple[Route, Route]] = field(default_factory=list)
    """(dynamic route, the subnet or static route that shadows it): GCP ignores dynamic routes
    whose destination fits in a subnet or static route's range."""
    between_segments: Filter | None = None
    """Scaleway VPC ACL: applies only to traffic between two segments of this network."""
    shadow_dynamic_routes: bool = False
    """Dynamic routes whose destination fits in a subnet or static route's range are ignored
    (recorded in `shadowed`); set by the provider whose routing does this (GCP)."""
    internet_gateway: bool = True
    segment_by_attachment: bool = False
    """AWS transit gateway: a packet handed over from a network is in the segment named after
    that network (its attachment), so the routes of the table associated with it apply."""
    special_paths: list[SpecialPath] = field(default_factory=list)
    """Services that reach its endpoints outside its routes (their firewall rules still apply)."""
    platform_services: list[PlatformService] = field(default_factory=list)
    """Provider services its instances reach whatever the firewalls say (the metadata server)."""
    source: Source | None = None

    def segment_of(self, address: int) -> Segment | None:
        """The segment whose ranges hold the address."""
        for segment in self.segments:
            if address in segment.cidrs:
                return segment
        return None


@dataclass(frozen=True, slots=True)
class Proxy:
    """A load balancer terminates the client connection and opens a new one to a backend."""

    backends: tuple[tuple[str, ServiceSet], ...]
    """Backend endpoint names and the service used to reach them."""
    egress_addresses: IpSet
    """The source addresses backends see (Google front ends; the LB's private address)."""
    egress_network: str | None
    """The network the new connection starts in (None: from the internet)."""
    frontend_filter: Filter | None
    conditions: tuple[str, ...] = ()
    """What a request must also carry (e.g. a valid IAP token)."""


@dataclass
class Endpoint:
    """Something that sends or receives packets."""

    name: str
    kind: str
    addresses: IpSet
    network: str | None
    """The routing domain it is attached to; None for the internet."""
    cloud: str | None
    segment: str | None = None
    """The subnet / Private Network its packets enter the network from."""
    region: str | None = None
    tags: tuple[str, ...] = ()
    """GCP network tags (routes and firewall targets)."""
    services: ServiceSet = field(default_factory=ServiceSet.none)
    """What it listens on (informative: filters decide reachability)."""
    egress: tuple[Filter, ...] = ()
    ingress: tuple[Filter, ...] = ()
    public_address: int | None = None
    public_interface: bool = False
    """Its public address is on an interface of its own, outside the VPC's routing (a Scaleway
    Instance's flexible IP): traffic no VPC route covers leaves through it, `public_ingress` and
    `public_egress` filter it. When False, the VPC's internet gateway translates the public
    address to the private one (GCP external IPs, AWS public IPs) and the packet meets the
    segment's and the endpoint's own filters as any other."""
    public_ingress: tuple[Filter, ...] = ()
    """Filters on the public interface, inbound (Scaleway security groups)."""
    public_egress: tuple[Filter, ...] = ()
    """Filters on the public interface, outbound (a stateless security group checks replies)."""
    proxy: Proxy | None = None
    source: Source | None = None
    api_of: str | None = None
    """External APIs: the network whose internet gateway reaches them privately."""
    nat: Source | None = None
    """The NAT gateway that carries its traffic to the internet when it has no public address
    (GCP Cloud NAT, a Scaleway Public Gateway)."""
    nat_address: int | None = None
    """The public address that NAT gives its traffic; None when the NAT allocates it itself."""
    masquerade: Masquerade | None = None
    """Pods whose traffic leaving the cluster is SNATed to their node's address."""
    special_path: SpecialPath | None = None
    """A provider service's source (IAP, health checks): its packets enter the destination's
    network directly and the replies go back the same way, whatever the routes."""
    routed: Source | None = None
    """When set, routing does not carry its traffic beyond its own segment (Scaleway Managed
    Databases do not support VPC routing): the source says why."""

    @property
    def address(self) -> int:
        """The first address (the one a trace probes)."""
        return next(iter(self.addresses))[0]


@dataclass
class Topology:
    """The whole IR: what providers build and the engine reads."""

    networks: dict[str, Network] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    tunnels: dict[str, Tunnel] = field(default_factory=dict)
    gateways: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """VPN gateway -> (network, segment it is attached to)."""
    bgp_sessions: list[BgpSession] = field(default_factory=list)
    """BGP sessions over the tunnels; the engine's control plane runs them."""
    exchanges: list[RouteExchange] = field(default_factory=list)
    """Route imports between networks once dynamic routes are learned (VPC peering)."""
    propagations: list[RoutePropagation] = field(default_factory=list)
    """Gateways' learned routes propagated into route tables (AWS virtual private gateways)."""
    workloads: dict[str, WorkloadIdentity] = field(default_factory=dict)
    """Who each workload is to the Kubernetes and mesh layers (cluster, namespace, identity)."""
    clusters: dict[str, ClusterLayer] = field(default_factory=dict)
    """Kubernetes clusters as policy layers: NetworkPolicies, Istio resources, pods, gateways."""
    global_namespaces: list[GlobalNamespaceLayer] = field(default_factory=list)
    """Mesh namespaces spanning clusters."""
    notes: list[str] = field(default_factory=list)
    """What the build ignored or approximated, said once."""
