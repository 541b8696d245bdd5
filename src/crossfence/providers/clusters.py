"""Each blueprint cluster as the Kubernetes/Istio layers see it (manifests + blueprint pods + gateways + global policies), as IR policy layers."""

from __future__ import annotations

import ipaddress

from ..algebra.packets import IpSet
from ..algebra.ports import parse_port_spec
from ..ir.layers import ClusterLayer, GlobalNamespaceLayer, WorkloadIdentity
from ..ir.types import Endpoint, Source, Topology
from ..model import Blueprint, Cluster, GlobalNamespace, Workload
from .base import cluster_range
from .istio.authz import mesh_principal
from .istio.resources import (
    AuthorizationPolicy,
    AuthorizationRule,
    Operation,
    PeerAuthentication,
)
from .istio.resources import Source as IstioSource
from .kubernetes import Location, ManifestError, Pod, Problem, load_manifests
from .kubernetes.resources import Cluster as KubeCluster
from .kubernetes.resources import ContainerPort, Namespace, Service, ServicePort

__all__ = [
    "EAST_WEST",
    "INGRESS",
    "cluster_layers",
    "own_manifests",
    "pod_addresses",
]

ISTIO_SYSTEM = "istio-system"
EAST_WEST = "istio-eastwestgateway"
INGRESS = "istio-ingressgateway"


def pod_addresses(blueprint: Blueprint) -> dict[str, list[int]]:
    """Addresses for pod workloads: their own `addresses`, else a /24 of the cluster's pod range
    each, in workload name order (the first gets `.0.10`, `.0.11`... of the range, the next
    `.1.10`...), so the order of the workloads in the files changes no address. A /24 that
    holds a workload's own address is left to it."""
    out: dict[str, list[int]] = {}
    for cluster in blueprint.clusters:
        pods = cluster_range(blueprint, cluster, "pod_range")
        if pods is None:
            continue
        members = sorted(
            (w for w in blueprint.workloads if w.kind == "pods" and w.cluster == cluster.name),
            key=lambda workload: workload.name,
        )
        start = int(pods.network_address)
        taken: set[int] = set()
        for workload in members:
            if workload.addresses:
                own = [int(ipaddress.ip_address(a)) for a in workload.addresses]
                out[workload.name] = own
                taken.update((address - start) >> 8 for address in own)
        block = 0
        for workload in members:
            if workload.addresses:
                continue
            while block in taken:
                block += 1
            base = start + block * 256 + 10
            out[workload.name] = [base + i for i in range(workload.replicas)]
            block += 1
    return out


def _location(obj: object, fallback: str) -> Location:
    where = getattr(obj, "defined_at", None)
    if where is None:
        return Location(fallback, 0, 0)
    return Location(where.file, where.line, where.column)


def _trust_domain(blueprint: Blueprint, cluster: Cluster) -> str:
    for gns in blueprint.global_namespaces:
        if any(m.cluster == cluster.name for m in gns.members):
            return gns.trust_domain
    return "cluster.local"


def own_manifests(cluster: Cluster) -> KubeCluster:
    """The objects of a blueprint cluster's own manifests (`clusters[].manifests`), merged.

    Raises `ManifestError` when an entry does not load, its first problem located at the entry
    in the blueprint (the folder is read whole or not at all: part of it would drop policies).
    """
    merged = KubeCluster()
    for index, entry in enumerate(cluster.manifests):
        try:
            loaded = load_manifests(cluster.manifests_path(index))
        except ManifestError as error:
            raise ManifestError(
                [_entry_problem(cluster, index, entry, len(error.errors)), *error.problems]
            ) from None
        for name, namespace in loaded.namespaces.items():
            # a namespace another entry only refers to (no location) keeps the labels of the
            # entry that declares it, whatever the order of the entries
            if namespace.location is not None or name not in merged.namespaces:
                merged.namespaces[name] = namespace
        merged.pods.extend(loaded.pods)
        merged.services.extend(loaded.services)
        merged.network_policies.extend(loaded.network_policies)
        merged.authorization_policies.extend(loaded.authorization_policies)
        merged.peer_authentications.extend(loaded.peer_authentications)
        merged.warnings.extend(loaded.warnings)
        for kind, count in loaded.skipped_kinds.items():
            merged.skipped_kinds[kind] = merged.skipped_kinds.get(kind, 0) + count
    return merged


def _entry_problem(cluster: Cluster, index: int, entry: str, count: int) -> Problem:
    """The problem at a `manifests` entry of the blueprint whose folder does not load."""
    where = cluster.manifests_at(index) or cluster.defined_at
    return Problem(
        f"the manifests '{entry}' of cluster '{cluster.name}' do not load: {count} "
        f"problem{'s' if count != 1 else ''} below (expected manifests that load whole)",
        file=where.file if where else None,
        line=where.line if where else None,
        column=where.column if where else None,
        path=f"clusters[{cluster.name}].manifests[{index}]" if where is None else where.path,
        code="manifests",
    )


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


def _workload_service(workload: Workload) -> Service:
    """The Service a pods workload stands for: its ports, with their `name` and `app_protocol`,
    are what Istio reads a port's protocol from (a Service port's `name` and `appProtocol`)."""
    where = _location(workload, "blueprint")
    return Service(
        str(workload.namespace),
        workload.name,
        dict(workload.labels),
        tuple(
            ServicePort(
                p.port,
                p.port,
                p.protocol.upper(),
                p.name,
                p.app_protocol,
                _location(p, "blueprint"),
            )
            for p in workload.ports
        ),
        where,
        owner=f"Workload/{workload.name}",
    )


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
        if not policy.sources:
            # "empty: any workload of the global namespace" — the members' namespaces, which
            # an mTLS identity proves (plaintext has no namespace and never matches)
            principals_or_namespaces = {
                "namespaces": tuple(sorted({m.namespace for m in gns.members}))
            }
        else:
            principals_or_namespaces = {"principals": tuple(principals)}
        operation: dict[str, tuple[str, ...]] = {}
        ports = _tcp_ports(policy.ports)
        if ports:
            operation["ports"] = ports
        if policy.methods:
            operation["methods"] = policy.methods
        if policy.paths:
            operation["paths"] = policy.paths
        rule_location = _location(policy, "blueprint")
        rule = AuthorizationRule(
            0,
            (IstioSource(principals_or_namespaces, rule_location),),
            (Operation(operation, rule_location),) if operation else (),
            (),
            rule_location,
        )
        # sources that carry no mesh identity (VMs) match no rule: an ALLOW policy without rules
        # allows nothing, a DENY policy without rules denies nothing
        rules = (rule,) if not policy.sources or principals else ()
        policies.append(
            AuthorizationPolicy(
                namespace,
                f"{gns.name}-{policy.name}",
                dict(destination.labels),
                policy.action.upper(),
                None,
                rules,
                rule_location,
            )
        )
    peer = PeerAuthentication(namespace, f"{gns.name}-mtls", None, gns.mtls_mode, {}, where)
    return policies, peer


def _tcp_ports(specs: tuple[str, ...]) -> tuple[str, ...]:
    """A global policy's ports as Istio writes them (one number each); empty: any port."""
    ports: list[str] = []
    for spec in specs:
        protocol, low, high = parse_port_spec(spec)
        if protocol == "all" or low is None or high is None:
            return ()  # every port (validation refuses what the mesh does not carry)
        ports.extend(str(port) for port in range(low, high + 1))
    return tuple(ports)


def cluster_layers(
    blueprint: Blueprint, topology: Topology, addresses: dict[str, list[int]]
) -> None:
    """Every blueprint cluster with its manifests, blueprint pods, Istio gateways and global
    policies; who each workload is; the global namespaces. Read by the layered questions."""
    for workload in blueprint.workloads:
        topology.workloads[workload.name] = WorkloadIdentity(
            workload.name,
            workload.kind,
            workload.cluster,
            workload.namespace,
            workload.service_account,
        )
    for gns in blueprint.global_namespaces:
        topology.global_namespaces.append(
            GlobalNamespaceLayer(
                gns.name,
                frozenset((m.cluster, m.namespace) for m in gns.members),
                gns.trust_domain,
            )
        )
    for cluster in blueprint.clusters:
        own = own_manifests(cluster)
        kube = KubeCluster(
            namespaces=dict(own.namespaces),
            pods=list(own.pods),
            services=list(own.services),
            network_policies=list(own.network_policies),
            authorization_policies=list(own.authorization_policies),
            peer_authentications=list(own.peer_authentications),
            warnings=list(own.warnings),
            skipped_kinds=dict(own.skipped_kinds),
        )
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
                kube.services.append(_workload_service(workload))
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
        layer = ClusterLayer(
            cluster.name,
            kube,
            own,
            pods,
            _trust_domain(blueprint, cluster),
            east_west,
            ingress,
            cluster.mesh is not None,
        )
        if east_west is not None:
            layer.east_west_endpoint = _gateway_endpoint(topology, cluster, layer, east_west)
        topology.clusters[cluster.name] = layer


def _gateway_endpoint(
    topology: Topology, cluster: Cluster, layer: ClusterLayer, gateway: Pod
) -> Endpoint:
    """The east-west gateway as a network endpoint: it runs on the nodes, so node filters apply."""
    sibling = next(
        (topology.endpoints[w] for w in layer.pods if w in topology.endpoints),
        None,
    )
    return Endpoint(
        f"{cluster.name}/{EAST_WEST}",
        "gateway",
        IpSet.from_addresses([gateway.ip]),
        cluster.network,
        cluster.cloud,
        segment=cluster.subnet,
        region=sibling.region if sibling else None,
        tags=cluster.node_tags,
        ingress=sibling.ingress if sibling else (),
        egress=sibling.egress if sibling else (),
        source=Source.of(cluster, f"cluster/{cluster.name}", "mesh.east_west_gateway"),
    )
