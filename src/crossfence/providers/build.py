"""From a blueprint to the IR: each object handed to the provider of its cloud, in one fixed order.

The topology this returns holds the configured routes and the control plane as data (BGP
sessions, route exchanges and propagations); `engine.routing.converge` then runs it. The
orchestration here knows no cloud: every cloud-specific decision is a hook of
`providers.base.CloudProvider`, and the providers are listed once in `providers.registry`.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..algebra.packets import IpSet, ServiceSet
from ..ir.types import Endpoint, Masquerade, Network, Segment, Source, Topology, Tunnel
from . import registry
from .base import BuildContext, CloudProvider, cluster_range
from .clusters import cluster_layers, pod_addresses

if TYPE_CHECKING:
    from ..model import Blueprint, Cluster, Workload

__all__ = ["INTERNET", "to_ir"]

INTERNET = "internet"


class _Unknown(CloudProvider):
    """A cloud that is not declared: the behaviour every provider shares, nothing more."""

    name = "unknown"


class _Build:
    def __init__(self, blueprint: Blueprint) -> None:
        self.bp = blueprint
        self.topology = Topology()
        self.context = BuildContext(blueprint, self.topology, pod_addresses(blueprint))
        self.providers: dict[str, CloudProvider] = {
            cls.name: cls(self.context) for cls in registry.PROVIDERS
        }
        self.unknown = _Unknown(self.context)

    def of_cloud(self, cloud: str | None) -> CloudProvider:
        return self.providers.get(self.context.provider_name(cloud), self.unknown)

    def of_gateway_type(self, kind: str) -> CloudProvider:
        return next((p for p in self.providers.values() if kind in p.gateway_types), self.unknown)

    def networks(self) -> None:
        for network in self.bp.networks:
            provider = self.of_cloud(network.cloud)
            ir = Network(
                network.name,
                network.cloud,
                self.context.provider_name(network.cloud),
                source=Source.of(network, f"network/{network.name}"),
            )
            boundaries = provider.segment_filters(network)
            for subnet in network.all_subnets:
                cidrs = [subnet.cidr, *(s.cidr for s in subnet.secondary_ranges)]
                for cluster in self.bp.clusters:
                    pods = cluster_range(self.bp, cluster, "pod_range")
                    if (
                        cluster.network == network.name
                        and cluster.subnet == subnet.name
                        and pods is not None
                        and not cluster.pods_masqueraded
                        and str(pods) not in cidrs
                    ):
                        # routable pod range (Kapsule without masquerade): reached through the node segment
                        cidrs.append(str(pods))
                ingress, egress = boundaries.get(subnet.name, (None, None))
                ir.segments.append(
                    Segment(
                        subnet.name,
                        IpSet.from_cidrs(cidrs),
                        Source.of(subnet, f"{network.name}/{subnet.name}"),
                        ingress=ingress,
                        egress=egress,
                    )
                )
            provider.configure_network(network, ir)
            self.topology.networks[network.name] = ir
        for gateway in self.bp.vpn_gateways:
            domain = self.of_gateway_type(gateway.type).gateway_network(gateway)
            if domain is not None:
                self.topology.networks[gateway.name] = domain

    def workloads(self) -> None:
        for provider in self.providers.values():
            provider.prepare()
        for workload in self.bp.workloads:
            self.topology.endpoints[workload.name] = self.workload(workload)

    def workload(self, workload: Workload) -> Endpoint:
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
        masquerade = None
        if workload.kind == "pods":
            cluster = self.bp.get("clusters", str(workload.cluster))
            masquerade = self.masquerade(cluster)
            network_name, segment, region = (
                cluster.network,
                cluster.subnet,
                self.context.region(cluster),
            )
            tags = cluster.node_tags
            groups = groups + cluster.node_security_groups
            addresses = IpSet.from_addresses(self.context.pods.get(workload.name, []))
        else:
            region = self.context.region(workload)
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
        endpoint.masquerade = masquerade
        if workload.public_address:
            endpoint.public_address = int(ipaddress.ip_address(workload.public_address))
        self.of_cloud(cloud.name if cloud else None).endpoint(workload, endpoint, groups)
        return endpoint

    def masquerade(self, cluster: Cluster) -> Masquerade | None:
        """`pods_masqueraded`: pod traffic leaving the cluster carries a node's address (the
        node subnet's first host address stands for it)."""
        pods = cluster_range(self.bp, cluster, "pod_range")
        network = self.bp.get("networks", cluster.network)
        subnets = network.all_subnets if network is not None else ()
        subnet = next((s for s in subnets if s.name == cluster.subnet), None)
        if not cluster.pods_masqueraded or pods is None or subnet is None:
            return None
        node = int(ipaddress.ip_network(subnet.cidr).network_address) + 2
        return Masquerade(
            node,
            IpSet.from_cidrs([str(pods)]),
            Source.of(cluster, f"cluster/{cluster.name}", "pods_masqueraded"),
        )

    def load_balancers(self) -> None:
        for lb in self.bp.load_balancers:
            provider = next(
                (p for p in self.providers.values() if lb.kind in p.load_balancer_kinds),
                self.unknown,
            )
            self.topology.endpoints[lb.name] = provider.load_balancer(lb)

    def tunnels(self) -> None:
        for gateway in self.bp.vpn_gateways:
            provider = self.of_gateway_type(gateway.type)
            self.topology.gateways[gateway.name] = (
                provider.routing_domain(gateway),
                provider.gateway_segment(gateway),
            )
        for tunnel in self.bp.vpn_tunnels:
            local = self.bp.get("vpn_gateways", tunnel.local.gateway)
            peer = self.bp.get("vpn_gateways", tunnel.peer.gateway)
            self.topology.tunnels[tunnel.name] = Tunnel(
                tunnel.name,
                (
                    self.of_gateway_type(local.type).routing_domain(local),
                    self.of_gateway_type(peer.type).routing_domain(peer),
                ),
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

    def control_plane(self) -> None:
        from ..ir.control import BgpSession

        for network in self.bp.networks:
            self.of_cloud(network.cloud).routes(network, self.topology.networks[network.name])
        for session in self.bp.bgp_sessions:
            ends = []
            for end in (session.local, session.peer):
                router = self.bp.get("routers", end.speaker)
                gateway = self.bp.get("vpn_gateways", end.speaker)
                provider = (
                    self.of_cloud(router.cloud)
                    if router is not None
                    else self.of_gateway_type(gateway.type)
                    if gateway is not None
                    else self.unknown
                )
                ends.append(provider.speaker(session, end))
            local, peer = ends
            if local is None or peer is None:
                self.topology.notes.append(
                    f"BGP session {session.name}: a speaker is neither a router nor a VPN gateway; ignored"
                )
                continue
            self.topology.bgp_sessions.append(
                BgpSession(
                    session.name,
                    session.tunnel,
                    local,
                    peer,
                    Source.of(session, f"bgp-session/{session.name}"),
                    session.enabled,
                )
            )
        sides = {(p.network, p.peer_network): p for p in self.bp.peerings}
        for (exporter, importer), export_side in sides.items():
            import_side = sides.get((importer, exporter))
            if import_side is None:
                continue  # INACTIVE until both sides exist
            ours = self.topology.networks[exporter].provider
            if ours != self.topology.networks[importer].provider:
                self.topology.notes.append(
                    f"peering {export_side.name}: {exporter} and {importer} are networks of different providers; no routes exchanged"
                )
                continue
            exchange = self.providers.get(ours, self.unknown).route_exchange(
                export_side, import_side
            )
            if exchange is not None:
                self.topology.exchanges.append(exchange)
        for provider in self.providers.values():
            provider.propagate()


def to_ir(blueprint: Blueprint) -> Topology:
    """The IR of a blueprint: networks, endpoints, tunnels, configured routes, the control plane
    as data, and the Kubernetes and mesh layers. Its dynamic routes are not learned yet."""
    build = _Build(blueprint)
    build.networks()
    build.workloads()
    build.load_balancers()
    build.tunnels()
    build.internet()
    build.control_plane()
    cluster_layers(blueprint, build.topology, build.context.pods)
    return build.topology
