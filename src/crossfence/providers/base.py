"""What a cloud provider contributes to the IR: the hooks `providers/build.py` calls, and their shared defaults."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..algebra.packets import IpSet, ServiceSet
from ..ir.control import BgpSpeaker, RouteExchange
from ..ir.types import Endpoint, Filter, Network, NextHop, Proxy, Route, Source, Topology
from ..model.vocabulary import ProviderTerms
from ..terraform.mapping import TerraformMapping

if TYPE_CHECKING:
    from ..model import (
        BgpEnd,
        BgpSession,
        Blueprint,
        Cluster,
        LoadBalancer,
        Peering,
        VpnGateway,
        Workload,
    )
    from ..model import Network as ModelNetwork
    from ..model.validate.base import Validator

__all__ = ["BuildContext", "CloudProvider", "cluster_range"]


def cluster_range(
    blueprint: Blueprint, cluster: Cluster, field_name: str
) -> ipaddress.IPv4Network | None:
    """A cluster's pod or service range: a CIDR, or the name of a secondary range of its network."""
    value = getattr(cluster, field_name)
    if value is None:
        return None
    try:
        return ipaddress.IPv4Network(value)
    except ValueError:
        network = blueprint.get("networks", cluster.network)
        for subnet in network.all_subnets if network else ():
            for secondary in subnet.secondary_ranges:
                if secondary.name == value:
                    return ipaddress.IPv4Network(secondary.cidr)
    return None


@dataclass
class BuildContext:
    """What every provider reads while the IR is built: the blueprint, the topology so far, and
    the addresses given to pod workloads."""

    blueprint: Blueprint
    topology: Topology
    pods: dict[str, list[int]] = field(default_factory=dict)
    """Pod workload -> the addresses of its replicas."""

    def provider_name(self, cloud: str | None) -> str:
        """The provider of a cloud (`unknown` when the cloud is not declared)."""
        found = self.blueprint.get("clouds", cloud) if cloud else None
        return found.provider if found else "unknown"

    def region(self, placed: Any) -> str | None:
        """The region of a workload or cluster: its subnet's, else its cloud's."""
        network = self.blueprint.get("networks", placed.network)
        if network is not None:
            for subnet in network.all_subnets:
                if subnet.name == placed.subnet and subnet.region:
                    return str(subnet.region)
        cloud = self.blueprint.cloud_of(placed)
        return cloud.region if cloud else None


class CloudProvider:
    """One cloud's semantics as IR: a subclass per `providers/<cloud>/`, registered once in
    `providers/registry.py`. Every hook has the behaviour most clouds share; a provider overrides
    what its documentation says differs."""

    name: ClassVar[str]
    """The `provider` value of a cloud in the blueprint (`gcp`)."""
    gateway_types: ClassVar[tuple[str, ...]] = ()
    """The VPN gateway `type`s that are this provider's."""
    load_balancer_kinds: ClassVar[tuple[str, ...]] = ()
    """The load balancer `kind`s that are this provider's."""
    network_fields: ClassVar[frozenset[str]] = frozenset()
    """The fields of `networks[]` only some providers have, that this one has."""
    network_hints: ClassVar[Mapping[str, str]] = {}
    """A provider-only network field this provider lacks -> what to tell the user instead."""
    sections: ClassVar[frozenset[str]] = frozenset()
    """Blueprint sections only some providers have (`routers`), that this one has."""
    validation: ClassVar[tuple[Callable[[Validator], None], ...]] = ()
    """What this provider refuses beyond the model's rules (`providers/<cloud>/validate.py`)."""
    terraform: ClassVar[TerraformMapping | None] = None
    """How its Terraform provider's resources map to the blueprint (`providers/<cloud>/terraform.py`):
    one mapping per resource type, read by `crossfence.load` on plans and states."""

    @classmethod
    def terms(cls) -> ProviderTerms:
        """This provider's words, for the model's validation."""
        return ProviderTerms(
            cls.name,
            cls.gateway_types,
            cls.network_fields,
            dict(cls.network_hints),
            cls.sections,
            cls.validation,
        )

    def __init__(self, context: BuildContext) -> None:
        self.context = context
        self.blueprint = context.blueprint
        self.topology = context.topology

    # -- networks --------------------------------------------------------------------------

    def segment_filters(self, network: ModelNetwork) -> dict[str, tuple[Filter, Filter]]:
        """Subnet -> (ingress, egress) stateless filters at its boundary (none by default)."""
        del network
        return {}

    def configure_network(self, network: ModelNetwork, ir: Network) -> None:
        """Settings of the routing domain beyond its segments (filters between segments...)."""
        del network, ir

    def gateway_network(self, gateway: VpnGateway) -> Network | None:
        """A VPN gateway that is a routing domain of its own (AWS VGW/TGW), else None."""
        del gateway
        return None

    def routing_domain(self, gateway: VpnGateway) -> str:
        """The IR network a VPN gateway's tunnels end in: its VPC by default."""
        return str(gateway.network)

    def gateway_segment(self, gateway: VpnGateway) -> str | None:
        """The segment of its routing domain packets from a VPN gateway's tunnels arrive in (a
        Scaleway gateway's Private Network; None: no segment)."""
        return gateway.private_network

    # -- endpoints -------------------------------------------------------------------------

    def prepare(self) -> None:
        """Called once before the endpoints are built (indexes that span workloads)."""

    def endpoint(self, workload: Workload, endpoint: Endpoint, groups: tuple[str, ...]) -> None:
        """Fill a workload's filters and NAT; `groups` are its (and its nodes') security groups."""
        del workload, endpoint, groups

    def load_balancer(self, lb: LoadBalancer) -> Endpoint:
        """The endpoint of one of this provider's load balancers."""
        raise NotImplementedError(f"{self.name} has no load balancer kind {lb.kind}")

    @staticmethod
    def lb_backends(lb: LoadBalancer) -> tuple[tuple[str, ServiceSet], ...]:
        """A load balancer's backends and the service each is reached on."""
        return tuple((b.target, ServiceSet.ports("tcp", b.port)) for b in lb.backends)

    @staticmethod
    def public_load_balancer(
        lb: LoadBalancer, proxy: Proxy, segment: str | None = None
    ) -> Endpoint:
        """A load balancer answering on its public address and frontend port, through `proxy`."""
        address = int(ipaddress.ip_address(lb.address))
        return Endpoint(
            lb.name,
            "load_balancer",
            IpSet.from_addresses([address]),
            None,
            lb.cloud,
            segment=segment,
            services=ServiceSet.ports("tcp", lb.port),
            public_address=address,
            proxy=proxy,
            source=Source.of(lb, f"load-balancer/{lb.name}"),
        )

    # -- control plane ---------------------------------------------------------------------

    def routes(self, network: ModelNetwork, ir: Network) -> None:
        """The configured routes of a network: subnet routes by default."""
        self.subnet_routes(network, ir)

    def subnet_routes(self, network: ModelNetwork, ir: Network) -> None:
        """A route per subnet range, and for routable pod ranges added to a segment."""
        for subnet in network.all_subnets:
            for cidr in (subnet.cidr, *(s.cidr for s in subnet.secondary_ranges)):
                ir.routes.append(
                    Route(
                        ipaddress.IPv4Network(cidr),
                        NextHop("local", subnet.name),
                        "subnet",
                        0,
                        Source.of(subnet, f"{network.name}/{subnet.name}"),
                        f"subnet route of {subnet.name}",
                    )
                )
        # routable pod ranges added to a segment by the builder are local to that segment
        for segment in ir.segments:
            for start, stop in segment.cidrs:
                for prefix in ipaddress.summarize_address_range(
                    ipaddress.IPv4Address(start), ipaddress.IPv4Address(stop - 1)
                ):
                    if not any(r.destination == prefix for r in ir.routes):
                        ir.routes.append(
                            Route(
                                prefix,
                                NextHop("local", segment.name),
                                "subnet",
                                0,
                                segment.source,
                                f"pod range routed to {segment.name}",
                            )
                        )

    def speaker(self, session: BgpSession, end: BgpEnd) -> BgpSpeaker | None:
        """The BGP speaker at one end of a session, when it is this provider's."""
        del session, end
        return None

    def route_exchange(self, export_side: Peering, import_side: Peering) -> RouteExchange | None:
        """One direction of an active VPC peering: subnet routes always, custom routes when the
        exporter exports and the importer imports them."""
        return RouteExchange(
            export_side.network,
            import_side.network,
            export_side.export_custom_routes and import_side.import_custom_routes,
            Source.of(export_side, f"peering/{export_side.name}"),
            f"over peering {export_side.name} → {import_side.name}",
            export_side.export_subnet_routes_with_public_ip
            and import_side.import_subnet_routes_with_public_ip,
        )

    def propagate(self) -> None:
        """Declare route propagations (`topology.propagations`) once every network has its
        configured routes; none by default."""
