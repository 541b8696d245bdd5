"""Scaleway as IR: VPC and Private Networks, VPC ACL, security groups, Public Gateways, Load Balancer, Site-to-Site VPN."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, ClassVar

from ...algebra.packets import IpSet, services_of
from ...ir.control import BgpSpeaker, RouteExchange
from ...ir.types import Endpoint, Filter, Network, PlatformService, Proxy, Source
from ..base import CloudProvider
from .filters import lb_acl_filter, security_group_filters, vpc_acl_filter
from .routing import custom_routes, default_routes, gateway_speaker, private_network_scope
from .terraform import TERRAFORM
from .validate import RULES

if TYPE_CHECKING:
    from ...model import BgpEnd, BgpSession, LoadBalancer, Peering, Workload
    from ...model import Network as ModelNetwork
    from ...model.validate.base import Validator
    from ...terraform.mapping import TerraformMapping

__all__ = ["ScalewayProvider"]


# The Instance metadata API: "From within a running Instance, by requesting the Metadata API at
# http://169.254.42.42/user_data" (https://www.scaleway.com/en/developers/api/instance/user-data);
# VPC ACLs cannot filter "Scaleway Instance metadata"
# (https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/). Scaleway does not
# say whether a security group sees it: the instance's security groups still apply (a wrong
# "allowed" is worse than a wrong "denied"). HTTP only (tcp/80), the only protocol documented.
METADATA_API = PlatformService(
    "the Instance metadata API",
    IpSet.from_addresses(["169.254.42.42"]),
    services_of(["tcp/80"]),
    Source(
        "scaleway/instance-metadata",
        "169.254.42.42",
        "https://www.scaleway.com/en/developers/api/instance/user-data",
    ),
    own_filters=True,
)


class ScalewayProvider(CloudProvider):
    """Scaleway."""

    name: ClassVar[str] = "scaleway"
    gateway_types: ClassVar[tuple[str, ...]] = ("scaleway_s2s",)
    load_balancer_kinds: ClassVar[tuple[str, ...]] = ("scaleway_lb",)
    network_fields: ClassVar[frozenset[str]] = frozenset(
        {"private_networks", "acl", "public_gateways", "managed_routing", "routes"}
    )
    network_hints: ClassVar[Mapping[str, str]] = {
        "subnets": "Scaleway VPCs have Private Networks, not subnets (expected private_networks:)"
    }
    validation: ClassVar[tuple[Callable[[Validator], None], ...]] = RULES
    terraform: ClassVar[TerraformMapping | None] = TERRAFORM

    def configure_network(self, network: ModelNetwork, ir: Network) -> None:
        ir.between_segments = vpc_acl_filter(network)
        ir.platform_services.append(METADATA_API)
        # Private Networks reach the internet only through a Public Gateway
        ir.internet_gateway = False

    def filters(self, groups: tuple[str, ...]) -> tuple[tuple[Filter, ...], ...]:
        """(ingress, egress, public ingress, public egress) filters from Scaleway security
        groups: "Security Groups only allow the filtering of public traffic to and from your
        Instances" (https://www.scaleway.com/en/docs/instances/concepts/#security-group); a
        blueprint may say `applies_to: all_interfaces`."""
        ingress: list[Filter] = []
        egress: list[Filter] = []
        public_in: list[Filter] = []
        public_out: list[Filter] = []
        for name in groups:
            group = self.blueprint.get("security_groups", name)
            if group is None:
                continue
            inbound, outbound = security_group_filters(group)
            if (group.applies_to or "public_interface") == "all_interfaces":
                ingress.append(inbound)
                egress.append(outbound)
            public_in.append(inbound)
            public_out.append(outbound)
        return tuple(ingress), tuple(egress), tuple(public_in), tuple(public_out)

    def endpoint(self, workload: Workload, endpoint: Endpoint, groups: tuple[str, ...]) -> None:
        network = self.blueprint.get("networks", str(endpoint.network))
        if network is not None:
            # a Public Gateway that masquerades the endpoint's Private Network (an Instance's
            # flexible IP is on its own interface: traffic routed to the gateway is masqueraded)
            gateway, link = next(
                (
                    (gateway, link)
                    for gateway in network.public_gateways
                    for link in gateway.private_networks
                    if link.private_network == endpoint.segment and link.enable_masquerade
                ),
                (None, None),
            )
            if gateway is not None and link is not None:
                endpoint.nat = Source.of(link, f"{network.name}/public-gateway/{gateway.name}")
                if gateway.public_address is not None:
                    endpoint.nat_address = int(ipaddress.ip_address(gateway.public_address))
        filters = self.filters(groups)
        endpoint.ingress, endpoint.egress = filters[0], filters[1]
        if endpoint.public_address is not None:
            # an Instance's flexible IP is on its public interface, outside the VPC's routing
            endpoint.public_interface = True
            endpoint.public_ingress, endpoint.public_egress = filters[2], filters[3]
        if workload.kind == "managed_database":
            # https://www.scaleway.com/en/docs/vpc/reference-content/understanding-routing/#limitations:
            # "Managed Databases are not currently compatible with routing"
            endpoint.routed = Source.of(workload, f"workload/{workload.name}", "managed database")

    def load_balancer(self, lb: LoadBalancer) -> Endpoint:
        """A Scaleway Load Balancer: its frontend ACL, backends reached from its private address."""
        private = lb.private_address
        proxy = Proxy(
            self.lb_backends(lb),
            IpSet.from_addresses([private]) if private else IpSet.none(),
            lb.network,
            lb_acl_filter(lb),
        )
        return self.public_load_balancer(lb, proxy, lb.private_network)

    def routes(self, network: ModelNetwork, ir: Network) -> None:
        self.subnet_routes(network, ir)
        private_network_scope(network, ir)
        custom_routes(self.blueprint, network, ir)
        default_routes(network, ir)

    def speaker(self, session: BgpSession, end: BgpEnd) -> BgpSpeaker | None:
        gateway = self.blueprint.get("vpn_gateways", end.speaker)
        if gateway is None:
            return None
        return gateway_speaker(self.blueprint, self.topology, gateway, end)

    def route_exchange(self, export_side: Peering, import_side: Peering) -> RouteExchange | None:
        # "Custom routes are not created automatically": a VPC connector exchanges no route;
        # traffic crosses only where a custom route of each side points at its connector
        # (https://www.scaleway.com/en/docs/vpc-peering/reference-content/features-limitations/)
        return None
