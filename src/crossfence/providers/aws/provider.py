"""AWS as IR: VPCs with route tables and network ACLs, security groups, virtual private and transit gateways."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from ...algebra.packets import IpSet
from ...ir.control import BgpSpeaker, ImportPolicy, RouteExchange
from ...ir.types import Endpoint, Filter, Network
from ..base import CloudProvider
from .network_acls import network_acl_filters
from .platform import platform_services, port_25_restricted
from .routes import (
    AWS_GATEWAY_TYPES,
    PROPAGATED_PRIORITY,
    VPN_ATTACHMENT,
    advertised_prefixes,
    gateway_network,
    route_propagations,
    route_table_routes,
    transit_gateway_tables,
)
from .security_groups import DEFAULT_GROUP, default_security_group_filters, security_group_filters
from .terraform import TERRAFORM
from .validate import RULES

if TYPE_CHECKING:
    from ...model import BgpEnd, BgpSession, Peering, VpnGateway, Workload
    from ...model import Network as ModelNetwork
    from ...model.validate.base import Validator
    from ...terraform.mapping import TerraformMapping

__all__ = ["AwsProvider"]


class AwsProvider(CloudProvider):
    """Amazon Web Services."""

    name: ClassVar[str] = "aws"
    gateway_types: ClassVar[tuple[str, ...]] = AWS_GATEWAY_TYPES
    network_fields: ClassVar[frozenset[str]] = frozenset(
        {"subnets", "cidr_blocks", "route_tables", "network_acls"}
    )
    validation: ClassVar[tuple[Callable[[Validator], None], ...]] = RULES
    terraform: ClassVar[TerraformMapping | None] = TERRAFORM

    def segment_filters(self, network: ModelNetwork) -> dict[str, tuple[Filter, Filter]]:
        nacls, notes = network_acl_filters(network)
        self.topology.notes.extend(notes)
        return nacls

    def configure_network(self, network: ModelNetwork, ir: Network) -> None:
        ir.platform_services.extend(platform_services(network))

    def gateway_network(self, gateway: VpnGateway) -> Network | None:
        # a VGW/TGW routes with its own table: a routing domain between the VPC and its tunnels
        ir, notes = gateway_network(self.blueprint, gateway)
        self.topology.notes.extend(notes)
        return ir

    def routing_domain(self, gateway: VpnGateway) -> str:
        return gateway.name

    def gateway_segment(self, gateway: VpnGateway) -> str | None:
        # a transit gateway routes what its VPN attachment brings by that attachment's table
        return VPN_ATTACHMENT if gateway.type == "aws_tgw" else None

    def prepare(self) -> None:
        """Security group -> private addresses of its members, per VPC (`<vpc>/default` for the
        VPC's default group, which workloads listing no group get)."""
        bp = self.blueprint
        members: dict[str, list[tuple[str, IpSet]]] = {}
        for workload in bp.workloads:
            cloud = bp.cloud_of(workload)
            if (
                workload.kind == "external_api"
                or self.context.provider_name(cloud.name if cloud else None) != "aws"
            ):
                continue
            groups, network = workload.security_groups, workload.network
            if workload.kind == "pods":
                cluster = bp.get("clusters", str(workload.cluster))
                if cluster is None:
                    continue
                groups, network = groups + cluster.node_security_groups, cluster.network
                addresses = IpSet.from_addresses(self.context.pods.get(workload.name, []))
            else:
                addresses = IpSet.from_addresses(workload.addresses)
            for name in groups or (f"{network}/{DEFAULT_GROUP}",):
                members.setdefault(name, []).append((str(network), addresses))
        self.members_by_vpc = members
        self.referable: dict[str, dict[str, IpSet]] = {}

    def _region(self, network: str) -> str | None:
        found = self.blueprint.get("networks", network)
        cloud = self.blueprint.get("clouds", found.cloud) if found is not None else None
        return cloud.region if cloud is not None else None

    def members(self, network: str) -> dict[str, IpSet]:
        """The members a security group rule of an interface in `network` can name: those in
        the same VPC, or in a VPC peered with it in the same region. "To reference a security
        group in a peer VPC, the VPC peering connection must be in the active state"; "You can't
        reference the security group of a peer VPC that's in a different Region. Instead, use
        the CIDR block of the peer VPC."
        (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html). A
        reference to members anywhere else matches none of them, never an address it cannot
        know."""
        found = self.referable.get(network)
        if found is not None:
            return found
        region = self._region(network)
        peered = {
            p.peer_network if p.network == network else p.network
            for p in self.blueprint.peerings
            if network in (p.network, p.peer_network)
        }
        visible = {network} | {n for n in peered if self._region(n) == region}
        found = {
            name: IpSet.union_all([addresses for vpc, addresses in listed if vpc in visible])
            for name, listed in self.members_by_vpc.items()
        }
        self.referable[network] = found
        return found

    def filters(
        self, groups: tuple[str, ...], network: ModelNetwork | None
    ) -> tuple[tuple[Filter, ...], tuple[Filter, ...]]:
        """(ingress, egress) filters from the AWS security groups of one interface."""
        found = [
            g for g in (self.blueprint.get("security_groups", n) for n in groups) if g is not None
        ]
        members = self.members(network.name) if network is not None else {}
        if found:
            inbound, outbound = security_group_filters(found, members)
        elif network is not None:
            default = members.get(f"{network.name}/{DEFAULT_GROUP}", IpSet.none())
            inbound, outbound = default_security_group_filters(network, default)
        else:
            return (), ()
        return (inbound,), (outbound,)

    def endpoint(self, workload: Workload, endpoint: Endpoint, groups: tuple[str, ...]) -> None:
        network = self.blueprint.get("networks", str(endpoint.network))
        # a public IPv4 address is translated by the internet gateway: traffic to it meets the
        # subnet's network ACL and route table and the security groups as any other
        # (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html)
        endpoint.ingress, endpoint.egress = self.filters(groups, network)
        cloud = self.blueprint.cloud_of(workload)
        if (
            workload.kind in ("vm", "pods")
            and endpoint.egress
            and not (cloud is not None and cloud.port_25_restriction_removed)
        ):
            # EC2 blocks outbound TCP port 25 before any security group rule
            first = endpoint.egress[0]
            blocked = dataclasses.replace(first, rules=(port_25_restricted(network), *first.rules))
            endpoint.egress = (blocked, *endpoint.egress[1:])

    def routes(self, network: ModelNetwork, ir: Network) -> None:
        routes, notes = route_table_routes(self.blueprint, network)
        ir.routes.extend(routes)
        self.topology.notes.extend(notes)

    def speaker(self, session: BgpSession, end: BgpEnd) -> BgpSpeaker | None:
        gateway = self.blueprint.get("vpn_gateways", end.speaker)
        if gateway is None:
            return None
        return BgpSpeaker(
            gateway.name,
            gateway.asn or 0,
            gateway.name,
            tuple(advertised_prefixes(self.blueprint, gateway)),
            ImportPolicy(
                default_accept=True,
                default_reason=f"{gateway.name} installs BGP-learned routes in its own route table",
            ),
            end.advertised_route_priority,
            segments=self._vpn_segments(gateway),
            # "Route evaluation order": static routes, then propagated VPC routes, ..., then
            # Site-to-Site VPN (BGP) routes, whatever their MED
            # (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html)
            learned_priority=PROPAGATED_PRIORITY if gateway.type == "aws_tgw" else None,
        )

    def _vpn_segments(self, gateway: VpnGateway) -> tuple[str, ...] | None:
        """A transit gateway's BGP routes go in the route table its VPN attachment propagates
        into (the default one): they route the packets of the attachments associated with it."""
        if gateway.type != "aws_tgw":
            return None
        tables, _ = transit_gateway_tables(self.blueprint, gateway)
        return tuple(next(t for t in tables if VPN_ATTACHMENT in t.associated).associated)

    def route_exchange(self, export_side: Peering, import_side: Peering) -> RouteExchange | None:
        # AWS VPC peering exchanges no routes: route tables point at the peering connection
        return None

    def propagate(self) -> None:
        """The route tables each virtual private gateway propagates its learned routes into."""
        for gateway in self.blueprint.vpn_gateways:
            network = self.blueprint.get("networks", gateway.network)
            if (
                gateway.type not in AWS_GATEWAY_TYPES
                or network is None
                or gateway.name not in self.topology.networks
            ):
                continue
            propagations, notes = route_propagations(network, gateway)
            self.topology.propagations.extend(propagations)
            self.topology.notes.extend(notes)
