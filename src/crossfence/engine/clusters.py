"""Each blueprint cluster as the Kubernetes/Istio layers see it: manifests + blueprint pods + gateways + global policies."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from ..ir.build import pod_addresses
from ..model import Blueprint, Cluster, GlobalNamespace, Workload
from ..providers.istio.resources import (
    AuthorizationPolicy,
    AuthorizationRule,
    Operation,
    PeerAuthentication,
)
from ..providers.istio.resources import Source as IstioSource
from ..providers.kubernetes import Location, Pod, load_manifests
from ..providers.kubernetes.resources import Cluster as KubeCluster
from ..providers.kubernetes.resources import ContainerPort, Namespace

__all__ = [
    "EAST_WEST",
    "INGRESS",
    "ClusterView",
    "cluster_views",
    "mesh_principal",
    "own_manifests",
]

ISTIO_SYSTEM = "istio-system"
EAST_WEST = "istio-eastwestgateway"
INGRESS = "istio-ingressgateway"


@dataclass
class ClusterView:
    """One cluster for the Kubernetes and mesh layers, and where its workloads' pods are."""

    cluster: Cluster
    kube: KubeCluster
    pods: dict[str, list[Pod]]
    """Blueprint workload name -> its pods (replicas)."""
    trust_domain: str
    east_west: Pod | None
    ingress: Pod


def _location(obj: object, fallback: str) -> Location:
    where = getattr(obj, "defined_at", None)
    if where is None:
        return Location(fallback, 0, 0)
    return Location(where.file, where.line, where.column)


def mesh_principal(trust_domain: str, namespace: str, service_account: str) -> str:
    """The SPIFFE identity Istio puts in a workload's certificate, as AuthorizationPolicy writes it."""
    return f"{trust_domain}/ns/{namespace}/sa/{service_account}"


def _trust_domain(blueprint: Blueprint, cluster: Cluster) -> str:
    for gns in blueprint.global_namespaces:
        if any(m.cluster == cluster.name for m in gns.members):
            return gns.trust_domain
    return "cluster.local"


def own_manifests(cluster: Cluster) -> KubeCluster:
    """The objects of a blueprint cluster's own manifests (`clusters[].manifests`), merged."""
    base = Path(cluster.defined_at.file).parent if cluster.defined_at else Path.cwd()
    merged = KubeCluster()
    for entry in cluster.manifests:
        loaded = load_manifests(base / entry)
        merged.namespaces.update(loaded.namespaces)
        merged.pods.extend(loaded.pods)
        merged.services.extend(loaded.services)
        merged.network_policies.extend(loaded.network_policies)
        merged.authorization_policies.extend(loaded.authorization_policies)
        merged.peer_authentications.extend(loaded.peer_authentications)
        merged.warnings.extend(loaded.warnings)
        for kind, count in loaded.skipped_kinds.items():
            merged.skipped_kinds[kind] = merged.skipped_kinds.get(kind, 0) + count
    return merged


def _workload_pods(workload: Workload, addresses: list[int]) -> list[Pod]:
    ports = tuple(ContainerPort(p.port, p.protocol.upper(), p.name) for p in workload.ports)
    return [
        Pod(
            str(workload.namespace),
            f"{workload.name}-{index}",
            dict(workload.labels),
            str(ipaddress.IPv4Address(address)),
            ports,
            workload.service_account or "default",
            {},
            _location(workload, "blueprint"),
            owner=f"Workload/{workload.name}",
        )
        for index, address in enumerate(addresses)
    ]


def _global_policies(
    gns: GlobalNamespace, blueprint: Blueprint, namespace: str, cluster: str
) -> tuple[list[AuthorizationPolicy], PeerAuthentication]:
    """A global namespace as the Istio resources every member cluster enforces."""
    where = _location(gns, "blueprint")
    policies: list[AuthorizationPolicy] = []
    if gns.default_action == "deny":
        # an ALLOW policy without rules matches nothing: every workload of the namespace is deny-by-default
        policies.append(
            AuthorizationPolicy(
                namespace, f"{gns.name}-default-deny", None, "ALLOW", None, (), where
            )
        )
    for policy in gns.policies:
        destination = blueprint.get("workloads", policy.destination)
        if (
            destination is None
            or destination.cluster != cluster
            or destination.namespace != namespace
        ):
            continue
        principals = []
        for name in policy.sources:
            source = blueprint.get("workloads", name)
            if source is not None and source.namespace is not None:
                principals.append(
                    mesh_principal(
                        gns.trust_domain, source.namespace, source.service_account or "default"
                    )
                )
        operation: dict[str, tuple[str, ...]] = {}
        ports = tuple(p.split("/", 1)[1] for p in policy.ports if "/" in p)
        if ports:
            operation["ports"] = ports
        if policy.methods:
            operation["methods"] = policy.methods
        if policy.paths:
            operation["paths"] = policy.paths
        rule_location = _location(policy, "blueprint")
        rule = AuthorizationRule(
            0,
            (IstioSource({"principals": tuple(principals)}, rule_location),) if principals else (),
            (Operation(operation, rule_location),) if operation else (),
            (),
            rule_location,
        )
        policies.append(
            AuthorizationPolicy(
                namespace,
                f"{gns.name}-{policy.name}",
                dict(destination.labels),
                policy.action.upper(),
                None,
                (rule,),
                rule_location,
            )
        )
    peer = PeerAuthentication(namespace, f"{gns.name}-mtls", None, gns.mtls_mode, {}, where)
    return policies, peer


def cluster_views(blueprint: Blueprint) -> dict[str, ClusterView]:
    """Every blueprint cluster with its manifests, blueprint pods, Istio gateways and global policies."""
    addresses = pod_addresses(blueprint)
    views: dict[str, ClusterView] = {}
    for cluster in blueprint.clusters:
        kube = own_manifests(cluster)
        for namespace in cluster.namespaces:
            labels = {"kubernetes.io/metadata.name": namespace.name, **namespace.labels}
            if namespace.istio_injection:
                labels["istio-injection"] = "enabled"
            kube.namespaces[namespace.name] = Namespace(
                namespace.name, labels, _location(namespace, "blueprint")
            )
        pods: dict[str, list[Pod]] = {}
        for workload in blueprint.workloads:
            if workload.kind == "pods" and workload.cluster == cluster.name:
                pods[workload.name] = _workload_pods(workload, addresses.get(workload.name, []))
                kube.pods.extend(pods[workload.name])
                if workload.namespace not in kube.namespaces:
                    kube.namespaces[str(workload.namespace)] = Namespace(
                        str(workload.namespace),
                        {"kubernetes.io/metadata.name": str(workload.namespace)},
                        None,
                    )
        kube.namespaces.setdefault(
            ISTIO_SYSTEM,
            Namespace(ISTIO_SYSTEM, {"kubernetes.io/metadata.name": ISTIO_SYSTEM}, None),
        )
        where = _location(cluster, "blueprint")
        east_west = None
        if cluster.mesh is not None:
            kube.peer_authentications.append(
                PeerAuthentication(
                    ISTIO_SYSTEM, "mesh-default", None, cluster.mesh.mtls_mode, {}, where
                )
            )
            if cluster.mesh.east_west_gateway is not None:
                gateway = cluster.mesh.east_west_gateway
                east_west = Pod(
                    ISTIO_SYSTEM,
                    f"{EAST_WEST}-0",
                    {"istio": "eastwestgateway", "app": EAST_WEST},
                    gateway.address,
                    (ContainerPort(gateway.port, "TCP", "tls"),),
                    f"{EAST_WEST}-service-account",
                    {},
                    where,
                )
                kube.pods.append(east_west)
        # the ingress gateway: where an edge load balancer's traffic enters the mesh
        ingress = Pod(
            ISTIO_SYSTEM,
            f"{INGRESS}-0",
            {"istio": "ingressgateway", "app": INGRESS},
            "0.0.0.0",
            (),
            f"{INGRESS}-service-account",
            {},
            where,
        )
        for gns in blueprint.global_namespaces:
            for member in gns.members:
                if member.cluster == cluster.name:
                    policies, peer = _global_policies(
                        gns, blueprint, member.namespace, cluster.name
                    )
                    kube.authorization_policies.extend(policies)
                    kube.peer_authentications.append(peer)
        views[cluster.name] = ClusterView(
            cluster, kube, pods, _trust_domain(blueprint, cluster), east_west, ingress
        )
    return views
