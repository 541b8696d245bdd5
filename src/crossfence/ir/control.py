"""The control plane as data: BGP speakers and sessions, route exchanges and propagations the engine runs."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .types import Source

__all__ = [
    "BgpSession",
    "BgpSpeaker",
    "ImportPolicy",
    "ImportRule",
    "RouteExchange",
    "RoutePropagation",
]

Prefix = ipaddress.IPv4Network


@dataclass(frozen=True, slots=True)
class ImportRule:
    """A learned prefix contained in `prefix` is accepted or refused, and why."""

    prefix: Prefix
    accept: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ImportPolicy:
    """What a BGP speaker installs of what it learns: the first rule whose prefix contains the
    learned one decides, else the default (a Cloud Router accepts everything; a Scaleway gateway
    without a routing policy blocks everything)."""

    rules: tuple[ImportRule, ...] = ()
    default_accept: bool = True
    default_reason: str = ""

    def decide(self, prefix: Prefix) -> tuple[bool, str]:
        """(accepted, why) for one learned prefix."""
        for rule in self.rules:
            if prefix.subnet_of(rule.prefix):
                return rule.accept, rule.reason
        return self.default_accept, self.default_reason


@dataclass(frozen=True, slots=True)
class BgpSpeaker:
    """One end of a BGP session as its provider configures it."""

    name: str
    """The router or gateway (`hub-router`, `scw-vpn`)."""
    asn: int
    network: str
    """The routing domain its learned routes are installed in."""
    announces: tuple[tuple[Prefix, str], ...]
    """(prefix, why) it advertises to its peer."""
    imports: ImportPolicy
    route_priority: int = 100
    """The priority (MED) its announcements carry (GCP `advertised_route_priority`)."""
    region: str | None = None
    """Routes it learns apply only to this region (GCP regional dynamic routing); None: all."""
    segments: tuple[str, ...] | None = None
    """Routes it learns apply only to packets from these segments (a Scaleway VPN gateway's
    Private Network, in a VPC that does not route between its Private Networks); None: all."""
    learned_priority: int | None = None
    """The priority it installs what it learns at, whatever the sender's (an AWS transit
    gateway ranks VPN routes below its static and VPC-propagated routes); None: the sender's."""
    home_region: str | None = None
    """GCP global dynamic routing: its own region, where routes it learns keep the sender's
    priority; in every other region the region-to-region cost is added. None: no such cost."""


@dataclass(frozen=True, slots=True)
class BgpSession:
    """A BGP session over a VPN tunnel between two speakers."""

    name: str
    tunnel: str
    local: BgpSpeaker
    peer: BgpSpeaker
    source: Source
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class RouteExchange:
    """One direction of a VPC peering: the importer receives the exporter's subnet routes, and its
    custom (static and dynamic) routes when `custom_routes`; routes learned over a peering are
    never passed on (peering is not transitive)."""

    exporter: str
    importer: str
    custom_routes: bool
    source: Source
    detail: str
    """How the trace names it (`over peering hub-to-prod → prod-to-hub`)."""
    public_subnet_routes: bool = True
    """Whether subnet routes of privately used public ranges cross (GCP: the exporter's
    `export_subnet_routes_with_public_ip` and the importer's `import_subnet_routes_with_public_ip`)."""


@dataclass(frozen=True, slots=True)
class RoutePropagation:
    """A gateway's BGP-learned routes propagated into the route table of some segments of a
    network, below its static routes, never over its local routes (AWS route propagation)."""

    gateway: str
    """The routing domain whose dynamic routes propagate."""
    network: str
    segments: tuple[str, ...]
    """The segments (subnets) whose route table receives them."""
    priority: int
    source: Source
    label: str
    """How the trace names the table (`route table private`)."""
