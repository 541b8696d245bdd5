"""Google Cloud as IR: VPC networks, firewall rules and policies, Cloud Router, Cloud NAT, the external HTTPS load balancer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from ...algebra.packets import IpSet, ServiceSet, services_of
from ...ir.control import BgpSpeaker
from ...ir.types import (
    Endpoint,
    Filter,
    FilterRule,
    Network,
    PlatformService,
    Proxy,
    Source,
    SpecialPath,
)
from ..base import CloudProvider
from .firewall import GcpInstance, firewall_filters
from .routing import cloud_nat, default_route, router_speaker, static_routes
from .terraform import TERRAFORM
from .validate import RULES

if TYPE_CHECKING:
    from ...model import BgpEnd, BgpSession, LoadBalancer, Workload
    from ...model import Network as ModelNetwork
    from ...model.validate.base import Validator
    from ...terraform.mapping import TerraformMapping

__all__ = ["GOOGLE_FRONT_END_RANGES", "GcpProvider"]

# Google services whose packets reach VMs over special paths, outside the VPC's routes, and whose
# replies go back the same way (https://cloud.google.com/vpc/docs/routes#special_return_paths):
# the firewall still decides, so each needs an ingress rule from its range.
GOOGLE_SPECIAL_PATHS = (
    (
        "IAP TCP forwarding",
        "iap-tcp-forwarding",
        ("35.235.240.0/20",),
        "https://cloud.google.com/iap/docs/using-tcp-forwarding",
    ),
    (
        "Google Cloud health checks",
        "health-checks",
        ("35.191.0.0/16", "130.211.0.0/22"),
        "https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges",
    ),
    (
        "Cloud DNS forwarding",
        "cloud-dns-forwarding",
        ("35.199.192.0/19",),
        "https://cloud.google.com/dns/docs/zones/forwarding-zones",
    ),
)

# "Always allowed traffic" (https://cloud.google.com/vpc/docs/firewalls#alwaysallowed): "Google
# Cloud always allows communication between a VM instance and its corresponding metadata server
# at 169.254.169.254", whose packets are listed as always allowed ("For VM instances, VPC firewall
# rules and hierarchical firewall policies do not apply"); the server provides "DHCP, DNS
# resolution, NTP, instance metadata". These sentences were read in copies quoting Google's page
# (its own body was not retrievable from the stored copies): the answer on the metadata address
# is allowed on the ports of those protocols only (HTTP tcp/80, DNS udp and tcp 53, NTP udp/123,
# DHCP udp/67), never on another port.
METADATA_SERVER = PlatformService(
    "the metadata server",
    IpSet.from_addresses(["169.254.169.254"]),
    services_of(["tcp/80", "udp/53", "tcp/53", "udp/123", "udp/67"]),
    Source(
        "gcp/always-allowed-traffic",
        "metadata-server",
        "https://cloud.google.com/vpc/docs/firewalls#alwaysallowed",
    ),
)

# Global external Application Load Balancer with an internet NEG: requests to the external
# backend come from these ranges (https://cloud.google.com/load-balancing/docs/negs/internet-neg-concepts#ip-ranges).
GOOGLE_FRONT_END_RANGES = ("34.96.0.0/20", "34.127.192.0/18")


class GcpProvider(CloudProvider):
    """Google Cloud."""

    name: ClassVar[str] = "gcp"
    gateway_types: ClassVar[tuple[str, ...]] = ("ha_vpn", "classic_vpn")
    load_balancer_kinds: ClassVar[tuple[str, ...]] = ("gcp_external_https",)
    network_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "subnets",
            "routing_mode",
            "network_firewall_policy_enforcement_order",
            "firewall_rules",
            "routes",
            "delete_default_routes_on_create",
        }
    )
    sections: ClassVar[frozenset[str]] = frozenset({"routers", "firewall_policies"})
    validation: ClassVar[tuple[Callable[[Validator], None], ...]] = RULES
    terraform: ClassVar[TerraformMapping | None] = TERRAFORM

    def configure_network(self, network: ModelNetwork, ir: Network) -> None:
        ir.shadow_dynamic_routes = True
        ir.platform_services.append(METADATA_SERVER)
        ir.special_paths.extend(
            SpecialPath(name, IpSet.from_cidrs(ranges), Source(f"gcp/{slug}", None, page))
            for name, slug, ranges, page in GOOGLE_SPECIAL_PATHS
        )
        # Private Google Access is a setting of each subnet
        # (https://cloud.google.com/vpc/docs/configure-private-google-access)
        access = {s.name: s.private_google_access for s in network.all_subnets}
        ir.segments = [
            dataclasses.replace(s, private_api_access=access.get(s.name, False))
            for s in ir.segments
        ]

    def prepare(self) -> None:
        """Every GCP instance, for the firewall rules that match by tag or service account."""
        bp = self.blueprint
        self.instances: dict[str, GcpInstance] = {}
        for workload in bp.workloads:
            if (
                workload.kind in ("vm", "managed_database", "load_balancer")
                and self.context.provider_name(getattr(bp.cloud_of(workload), "name", None))
                == "gcp"
            ):
                self.instances[workload.name] = GcpInstance(
                    str(workload.network),
                    workload.network_tags,
                    workload.service_account,
                    IpSet.from_addresses(workload.addresses),
                    self.context.region(workload),
                )
            elif workload.kind == "pods":
                cluster = bp.get("clusters", str(workload.cluster))
                if cluster is not None and self.context.provider_name(cluster.cloud) == "gcp":
                    self.instances[workload.name] = GcpInstance(
                        cluster.network,
                        cluster.node_tags,
                        cluster.node_service_account,
                        IpSet.from_addresses(self.context.pods.get(workload.name, [])),
                        self.context.region(cluster),
                    )
        self.peers = list(self.instances.values())

    def endpoint(self, workload: Workload, endpoint: Endpoint, groups: tuple[str, ...]) -> None:
        network = self.blueprint.get("networks", str(endpoint.network))
        if network is None:
            return
        if endpoint.public_address is None:
            nat = cloud_nat(
                self.blueprint, network, endpoint.segment, endpoint.region, endpoint.addresses
            )
            if nat is not None:
                endpoint.nat, endpoint.nat_address = nat
        instance = self.instances.get(workload.name)
        if instance is not None:
            ingress, egress = firewall_filters(self.blueprint, network, instance, self.peers)
            endpoint.ingress, endpoint.egress = (ingress,), (egress,)

    def load_balancer(self, lb: LoadBalancer) -> Endpoint:
        """The global external Application Load Balancer: Cloud Armor in front, IAP as a
        condition, requests to the backends from Google's front ends."""
        rules = []
        if lb.security_policy is not None and lb.security_policy.denied_ranges:
            rules.append(
                FilterRule(
                    "cloud-armor-deny",
                    "deny",
                    IpSet.from_cidrs(lb.security_policy.denied_ranges),
                    IpSet.all(),
                    ServiceSet.all(),
                    Source.of(lb.security_policy, f"cloud-armor/{lb.security_policy.name}"),
                )
            )
        armor = Filter(
            name=f"{lb.name} Cloud Armor",
            layer="cloud-armor",
            rules=tuple(rules),
            default=lb.security_policy.default_action if lb.security_policy else "allow",
            default_source=Source.of(
                lb.security_policy or lb,
                f"cloud-armor/{lb.security_policy.name if lb.security_policy else lb.name}",
                "default",
            ),
        )
        conditions: tuple[str, ...] = ()
        if lb.iap is not None and lb.iap.enabled:
            conditions = (
                f"a valid IAP token (ES256 JWT in x-goog-iap-jwt-assertion, aud {lb.iap.audience})",
            )
        proxy = Proxy(
            self.lb_backends(lb), IpSet.from_cidrs(GOOGLE_FRONT_END_RANGES), None, armor, conditions
        )
        return self.public_load_balancer(lb, proxy)

    def routes(self, network: ModelNetwork, ir: Network) -> None:
        self.subnet_routes(network, ir)
        default_route(network, ir)
        static_routes(network, ir)

    def speaker(self, session: BgpSession, end: BgpEnd) -> BgpSpeaker | None:
        router = self.blueprint.get("routers", end.speaker)
        return router_speaker(self.blueprint, router, end) if router is not None else None
