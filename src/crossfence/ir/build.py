"""Building the IR from a blueprint: networks, segments, endpoints and their filters, via each provider."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..algebra.packets import IpSet, ServiceSet
from ..model import Blueprint, Cluster, LoadBalancer, Workload
from ..model import Network as ModelNetwork
from ..providers.aws.network_acls import network_acl_filters
from ..providers.aws.routes import AWS_GATEWAY_TYPES, gateway_network, routing_domain
from ..providers.aws.security_groups import (
    DEFAULT_GROUP,
    default_security_group_filters,
)
from ..providers.aws.security_groups import (
    security_group_filters as aws_security_group_filters,
)
from ..providers.gcp.firewall import GcpInstance, firewall_filters
from ..providers.scaleway.filters import lb_acl_filter, security_group_filters, vpc_acl_filter
from .types import Endpoint, Filter, FilterRule, Network, Proxy, Segment, Source, Topology, Tunnel

__all__ = ["GOOGLE_FRONT_END_RANGES", "INTERNET", "build_topology", "pod_addresses"]

INTERNET = "internet"
# Global external Application Load Balancer with an internet NEG: requests to the external
# backend come from these ranges (https://cloud.google.com/load-balancing/docs/negs/internet-neg-concepts#ip-ranges).
GOOGLE_FRONT_END_RANGES = ("34.96.0.0/20", "34.127.192.0/18")


def pod_addresses(blueprint: Blueprint) -> dict[str, list[int]]:
    """Deterministic addresses for pod workloads without explicit ones: a /24 of the pod range each."""
    out: dict[str, list[int]] = {}
    for cluster in blueprint.clusters:
        pods = _cluster_range(blueprint, cluster, "pod_range")
        if pods is None:
            continue
        block = 0
        for workload in blueprint.workloads:
            if workload.kind != "pods" or workload.cluster != cluster.name:
                continue
            if workload.addresses:
                out[workload.name] = [int(ipaddress.ip_address(a)) for a in workload.addresses]
                continue
            base = int(pods.network_address) + block * 256 + 10
            out[workload.name] = [base + i for i in range(workload.replicas)]
            block += 1
    return out


def _cluster_range(
    blueprint: Blueprint, cluster: Cluster, field: str
) -> ipaddress.IPv4Network | None:
    value = getattr(cluster, field)
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


class _Builder:
    def __init__(self, blueprint: Blueprint) -> None:
        self.bp = blueprint
        self.topology = Topology()
        self.pods = pod_addresses(blueprint)
        self.members: dict[str, IpSet] = {}

    def provider(self, cloud: str | None) -> str:
        found = self.bp.get("clouds", cloud) if cloud else None
        return found.provider if found else "unknown"

    def region(self, workload_or_cluster: Any) -> str | None:
        network = self.bp.get("networks", workload_or_cluster.network)
        if network is not None:
            for subnet in network.all_subnets:
                if subnet.name == workload_or_cluster.subnet and subnet.region:
                    return str(subnet.region)
        cloud = self.bp.cloud_of(workload_or_cluster)
        return cloud.region if cloud else None

    def networks(self) -> None:
        for network in self.bp.networks:
            provider = self.provider(network.cloud)
            ir = Network(
                network.name,
                network.cloud,
                provider,
                source=Source.of(network, f"network/{network.name}"),
            )
            nacls: dict[str, tuple[Filter, Filter]] = {}
            if provider == "aws":
                nacls, notes = network_acl_filters(network)
                self.topology.notes.extend(notes)
            for subnet in network.all_subnets:
                cidrs = [subnet.cidr, *(s.cidr for s in subnet.secondary_ranges)]
                for cluster in self.bp.clusters:
                    pods = _cluster_range(self.bp, cluster, "pod_range")
                    if (
                        cluster.network == network.name
                        and cluster.subnet == subnet.name
                        and pods is not None
                        and not cluster.pods_masqueraded
                        and str(pods) not in cidrs
                    ):
                        # routable pod range (Kapsule without masquerade): reached through the node segment
                        cidrs.append(str(pods))
                ingress, egress = nacls.get(subnet.name, (None, None))
                ir.segments.append(
                    Segment(
                        subnet.name,
                        IpSet.from_cidrs(cidrs),
                        Source.of(subnet, f"{network.name}/{subnet.name}"),
                        ingress=ingress,
                        egress=egress,
                    )
                )
            if provider == "scaleway":
                ir.between_segments = vpc_acl_filter(network)
                ir.internet_gateway = (
                    False  # Private Networks reach the internet only through a Public Gateway
                )
            self.topology.networks[network.name] = ir
        for gateway in self.bp.vpn_gateways:
            if gateway.type in AWS_GATEWAY_TYPES:
                # a VGW/TGW routes with its own table: a routing domain between the VPC and its tunnels
                self.topology.networks[gateway.name] = gateway_network(self.bp, gateway)

    def gcp_instances(self) -> dict[str, GcpInstance]:
        instances: dict[str, GcpInstance] = {}
        for workload in self.bp.workloads:
            if (
                workload.kind in ("vm", "managed_database", "load_balancer")
                and self.provider(getattr(self.bp.cloud_of(workload), "name", None)) == "gcp"
            ):
                instances[workload.name] = GcpInstance(
                    str(workload.network),
                    workload.network_tags,
                    workload.service_account,
                    IpSet.from_addresses(workload.addresses),
                )
            elif workload.kind == "pods":
                cluster = self.bp.get("clusters", str(workload.cluster))
                if cluster is not None and self.provider(cluster.cloud) == "gcp":
                    instances[workload.name] = GcpInstance(
                        cluster.network,
                        cluster.node_tags,
                        cluster.node_service_account,
                        IpSet.from_addresses(self.pods.get(workload.name, [])),
                    )
        return instances

    def scaleway_filters(
        self, groups: tuple[str, ...]
    ) -> tuple[tuple[Filter, ...], tuple[Filter, ...], tuple[Filter, ...]]:
        """(ingress, egress, public ingress) filters from Scaleway security groups."""
        ingress: list[Filter] = []
        egress: list[Filter] = []
        public: list[Filter] = []
        for name in groups:
            group = self.bp.get("security_groups", name)
            if group is None:
                continue
            inbound, outbound = security_group_filters(group)
            if (group.applies_to or "public_interface") == "all_interfaces":
                ingress.append(inbound)
                egress.append(outbound)
            else:
                public.append(inbound)
        return tuple(ingress), tuple(egress), tuple(public)

    def aws_members(self) -> dict[str, IpSet]:
        """AWS security group -> private addresses of its members (`<vpc>/default` for the
        VPC's default group, which workloads listing no group get)."""
        members: dict[str, list[IpSet]] = {}
        for workload in self.bp.workloads:
            cloud = self.bp.cloud_of(workload)
            if (
                workload.kind == "external_api"
                or self.provider(cloud.name if cloud else None) != "aws"
            ):
                continue
            groups, network = workload.security_groups, workload.network
            if workload.kind == "pods":
                cluster = self.bp.get("clusters", str(workload.cluster))
                if cluster is None:
                    continue
                groups, network = groups + cluster.node_security_groups, cluster.network
                addresses = IpSet.from_addresses(self.pods.get(workload.name, []))
            else:
                addresses = IpSet.from_addresses(workload.addresses)
            for name in groups or (f"{network}/{DEFAULT_GROUP}",):
                members.setdefault(name, []).append(addresses)
        return {name: IpSet.union_all(sets) for name, sets in members.items()}

    def aws_filters(
        self, groups: tuple[str, ...], network: ModelNetwork | None
    ) -> tuple[tuple[Filter, ...], tuple[Filter, ...]]:
        """(ingress, egress) filters from the AWS security groups of one interface."""
        found = [g for g in (self.bp.get("security_groups", n) for n in groups) if g is not None]
        if found:
            inbound, outbound = aws_security_group_filters(found, self.members)
        elif network is not None:
            default = self.members.get(f"{network.name}/{DEFAULT_GROUP}", IpSet.none())
            inbound, outbound = default_security_group_filters(network, default)
        else:
            return (), ()
        return (inbound,), (outbound,)

    def workloads(self) -> None:
        self.members = self.aws_members()
        gcp = self.gcp_instances()
        peers = list(gcp.values())
        for workload in self.bp.workloads:
            self.topology.endpoints[workload.name] = self.workload(workload, gcp, peers)

    def workload(
        self, workload: Workload, gcp: dict[str, GcpInstance], peers: list[GcpInstance]
    ) -> Endpoint:
        cloud = self.bp.cloud_of(workload)
        services = ServiceSet.union_all(
            ServiceSet.ports(p.protocol, p.port) for p in workload.ports
        )
        source = Source.of(workload, f"workload/{workload.name}")
        if workload.kind == "external_api":
            return Endpoint(
                workload.name,
                "external_api",
                IpSet.from_cidrs(workload.addresses),
                workload.network,
                cloud.name if cloud else None,
                services=services,
                source=source,
                api_of=workload.network,
            )
        network_name = workload.network
        segment = workload.subnet
        tags: tuple[str, ...] = workload.network_tags
        groups = workload.security_groups
        region = None
        if workload.kind == "pods":
            cluster = self.bp.get("clusters", str(workload.cluster))
            network_name, segment, region = cluster.network, cluster.subnet, self.region(cluster)
            tags = cluster.node_tags
            groups = groups + cluster.node_security_groups
            addresses = IpSet.from_addresses(self.pods.get(workload.name, []))
        else:
            region = self.region(workload)
            addresses = IpSet.from_addresses(workload.addresses)
        endpoint = Endpoint(
            workload.name,
            workload.kind,
            addresses,
            network_name,
            cloud.name if cloud else None,
            segment=segment,
            region=region,
            tags=tags,
            services=services,
            source=source,
        )
        if workload.public_address:
            endpoint.public_address = int(ipaddress.ip_address(workload.public_address))
        network = self.bp.get("networks", str(network_name))
        provider = self.provider(cloud.name if cloud else None)
        if provider == "gcp" and endpoint.public_address is None and network is not None:
            endpoint.nat = self.cloud_nat(network, segment, region, addresses)
        if provider == "scaleway" and endpoint.public_address is None and network is not None:
            endpoint.nat = next(
                (
                    Source.of(link, f"{network.name}/public-gateway/{gateway.name}")
                    for gateway in network.public_gateways
                    for link in gateway.private_networks
                    if link.private_network == segment and link.enable_masquerade
                ),
                None,
            )
        if provider == "gcp" and workload.name in gcp and network is not None:
            ingress, egress = firewall_filters(self.bp, network, gcp[workload.name], peers)
            endpoint.ingress, endpoint.egress = (ingress,), (egress,)
        elif provider == "scaleway":
            endpoint.ingress, endpoint.egress, endpoint.public_ingress = self.scaleway_filters(
                groups
            )
        elif provider == "aws":
            endpoint.ingress, endpoint.egress = self.aws_filters(groups, network)
            if endpoint.public_address is not None:
                # from the internet through the internet gateway: the subnet's network ACL, then
                # the security groups (the reply's ACL and route are not checked on this path)
                ir = self.topology.networks.get(str(network_name))
                acls = [
                    s.ingress
                    for s in (ir.segments if ir else [])
                    if s.name == segment and s.ingress is not None
                ]
                endpoint.public_ingress = (*acls, *endpoint.ingress)
        return endpoint

    def cloud_nat(
        self, network: Any, segment: str | None, region: str | None, addresses: IpSet
    ) -> Source | None:
        """The Cloud NAT that translates this endpoint's addresses, if any: one on a router of
        its network and region that serves its subnet and the range its addresses are in
        (https://cloud.google.com/nat/docs/overview#specifications)."""
        subnet = next((s for s in network.all_subnets if s.name == segment), None)
        if subnet is None or addresses.is_empty():
            return None
        primary = IpSet.from_cidrs([subnet.cidr])
        in_primary = addresses.issubset(primary)
        for router in self.bp.routers:
            cloud = self.bp.get("clouds", router.cloud)
            router_region = router.region or (cloud.region if cloud else None)
            if router.network != network.name or (region and router_region != region):
                continue
            for nat in router.nats:
                mode = nat.source_subnetwork_ip_ranges_to_nat
                if (
                    mode == "ALL_SUBNETWORKS_ALL_IP_RANGES"
                    or (mode == "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES" and in_primary)
                    or (mode == "LIST_OF_SUBNETWORKS" and subnet.name in nat.subnetworks)
                ):
                    return Source.of(nat, f"router/{router.name}/nat/{nat.name}")
        return None

    def load_balancers(self) -> None:
        for lb in self.bp.load_balancers:
            self.topology.endpoints[lb.name] = self.load_balancer(lb)

    def load_balancer(self, lb: LoadBalancer) -> Endpoint:
        source = Source.of(lb, f"load-balancer/{lb.name}")
        backends = tuple((b.target, ServiceSet.ports("tcp", b.port)) for b in lb.backends)
        address = int(ipaddress.ip_address(lb.address))
        if lb.kind == "gcp_external_https":
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
                backends, IpSet.from_cidrs(GOOGLE_FRONT_END_RANGES), None, armor, conditions
            )
            return Endpoint(
                lb.name,
                "load_balancer",
                IpSet.from_addresses([address]),
                None,
                lb.cloud,
                services=ServiceSet.ports("tcp", lb.port),
                public_address=address,
                proxy=proxy,
                source=source,
            )
        private = lb.private_address
        proxy = Proxy(
            backends,
            IpSet.from_addresses([private]) if private else IpSet.none(),
            lb.network,
            lb_acl_filter(lb),
        )
        return Endpoint(
            lb.name,
            "load_balancer",
            IpSet.from_addresses([address]),
            None,
            lb.cloud,
            segment=lb.private_network,
            services=ServiceSet.ports("tcp", lb.port),
            public_address=address,
            proxy=proxy,
            source=source,
        )

    def tunnels(self) -> None:
        for gateway in self.bp.vpn_gateways:
            self.topology.gateways[gateway.name] = (
                routing_domain(gateway),
                gateway.private_network,
            )
        for tunnel in self.bp.vpn_tunnels:
            local = self.bp.get("vpn_gateways", tunnel.local.gateway)
            peer = self.bp.get("vpn_gateways", tunnel.peer.gateway)
            self.topology.tunnels[tunnel.name] = Tunnel(
                tunnel.name,
                (routing_domain(local), routing_domain(peer)),
                (local.name, peer.name),
                Source.of(tunnel, f"vpn-tunnel/{tunnel.name}"),
            )

    def internet(self) -> None:
        self.topology.endpoints[INTERNET] = Endpoint(
            INTERNET,
            "internet",
            IpSet.all(),
            None,
            None,
            services=ServiceSet.all(),
            source=Source("internet"),
        )


def build_topology(blueprint: Blueprint) -> Topology:
    """The IR of a blueprint, with routes computed by the control plane (`engine.routing`)."""
    from ..engine.routing import install_routes

    builder = _Builder(blueprint)
    builder.networks()
    builder.workloads()
    builder.load_balancers()
    builder.tunnels()
    builder.internet()
    install_routes(blueprint, builder.topology)
    return builder.topology
