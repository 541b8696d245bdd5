"""The kubernetes and istio targets: per cluster, the namespaces, PeerAuthentications, AuthorizationPolicies and the east-west Gateway the blueprint implies.

What is written is what the engine analyses for the blueprint (`providers/clusters.py`), so the
compiled folders, read beside the cluster's own manifests, answer the same matrix:

- a cluster's `mesh.mtls_mode`: the mesh-wide PeerAuthentication in the root namespace
  `istio-system` (https://istio.io/latest/docs/reference/config/security/peer_authentication/);
- a global namespace, in every member cluster's namespace: its `mtls_mode` as a namespace-wide
  PeerAuthentication, `default_action: deny` as an ALLOW policy with no rules ("allow-nothing":
  https://istio.io/latest/docs/reference/config/security/authorization-policy/), and each of its
  policies as an AuthorizationPolicy selecting the destination's labels, its sources as the
  principals of their mTLS identities (`<trust domain>/ns/<namespace>/sa/<service account>`);
- an east-west gateway: the `Gateway` that exposes the member namespaces' services on its port
  with `AUTO_PASSTHROUGH`, as Istio's multi-network installation does
  (https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/);
- the namespaces the blueprint declares (labels, `istio-injection`), which NetworkPolicy
  namespace selectors and sidecar injection read.

Nothing is written over the cluster's own manifests: an object of the same kind, namespace and
name there is an error, as is a policy Istio cannot express as the blueprint means it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..algebra.ports import parse_port_spec
from ..model import Blueprint, Cluster, GlobalNamespace, GlobalPolicy
from ..providers.clusters import own_manifests
from ..providers.kubernetes.resources import Cluster as KubeCluster
from .base import (
    Compiled,
    Origin,
    OutputFile,
    Unsupported,
    dns_label,
    origin,
    to_yaml,
)

__all__ = ["compile_istio", "compile_kubernetes"]

ROOT_NAMESPACE = "istio-system"
ISTIO_SECURITY = "security.istio.io/v1"
ISTIO_NETWORKING = "networking.istio.io/v1"


def _where(location: Any) -> str:
    return f"{location.file}:{location.line}" if location is not None else "?"


def _own(cluster: Cluster) -> KubeCluster:
    return own_manifests(cluster) if cluster.manifests else KubeCluster()


def compile_kubernetes(
    blueprint: Blueprint, root: Path | None, compiled: Compiled, problems: Unsupported
) -> None:
    """Per cluster, `kubernetes/<cluster>/namespaces.yaml`: the namespaces the blueprint declares
    or places pods in, unless the cluster's own manifests declare them with the same labels."""
    for cluster in blueprint.clusters:
        own = _own(cluster)
        documents: list[dict[str, Any]] = []
        origins: list[Origin] = []
        declared = {ns.name: ns for ns in cluster.namespaces}
        wanted: dict[str, tuple[dict[str, str], Origin]] = {}
        for ns in cluster.namespaces:
            labels = dict(sorted(ns.labels.items()))
            if ns.istio_injection:
                labels["istio-injection"] = "enabled"
            where = origin("clusters", ns, f"{cluster.name}/namespaces/{ns.name}", root)
            if not dns_label(ns.name):
                problems.add(
                    ns,
                    f"clusters[{cluster.name}].namespaces[{ns.name}]",
                    f"namespace '{ns.name}' is not a Kubernetes namespace name (expected an RFC "
                    "1123 label: lowercase letters, digits and '-', at most 63 characters)",
                )
                continue
            mine = own.namespaces.get(ns.name)
            if mine is not None and mine.location is not None:
                theirs = {
                    k: v for k, v in mine.labels.items() if k != "kubernetes.io/metadata.name"
                }
                if theirs != labels:
                    problems.add(
                        ns,
                        f"clusters[{cluster.name}].namespaces[{ns.name}]",
                        f"namespace '{ns.name}' is also declared by the cluster's own manifests "
                        f"({_where(mine.location)}) with other labels: compiling it would "
                        "overwrite that manifest (expected one declaration, or the same labels)",
                    )
                continue  # the cluster's own manifest already declares it as the blueprint does
            wanted[ns.name] = (labels, where)
        for workload in blueprint.workloads:
            if workload.kind != "pods" or workload.cluster != cluster.name:
                continue
            name = str(workload.namespace)
            if name in declared or name in wanted:
                continue
            if name in own.namespaces and own.namespaces[name].location is not None:
                continue
            if not dns_label(name):
                problems.add(
                    workload,
                    f"workloads[{workload.name}].namespace",
                    f"namespace '{name}' of workload '{workload.name}' is not a Kubernetes "
                    "namespace name (expected an RFC 1123 label)",
                )
                continue
            wanted[name] = ({}, origin("workloads", workload, workload.name, root))
        for gns in blueprint.global_namespaces:
            for member in gns.members:
                if member.cluster != cluster.name or member.namespace in wanted:
                    continue
                if member.namespace in declared or member.namespace in own.namespaces:
                    continue
                if member.namespace == ROOT_NAMESPACE:
                    continue
                wanted[member.namespace] = ({}, origin("global_namespaces", gns, gns.name, root))
        for name in sorted(wanted):
            labels, where = wanted[name]
            metadata: dict[str, Any] = {"name": name}
            if labels:
                metadata["labels"] = labels
            documents.append({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})
            origins.append(where)
        if documents:
            compiled.add(
                OutputFile(
                    f"kubernetes/{cluster.name}/namespaces.yaml",
                    origins,
                    to_yaml(documents),
                )
            )


def compile_istio(
    blueprint: Blueprint, root: Path | None, compiled: Compiled, problems: Unsupported
) -> None:
    """Per cluster, `istio/<cluster>/`: `peer-authentications.yaml`,
    `authorization-policies.yaml` and `east-west-gateway.yaml` (see the module docstring)."""
    for gns in blueprint.global_namespaces:
        for policy in gns.policies:
            destination = blueprint.get("workloads", policy.destination)
            if destination is not None and destination.kind != "pods":
                problems.warn(
                    policy,
                    f"global_namespaces[{gns.name}].policies[{policy.name}]",
                    f"global policy '{policy.name}' of '{gns.name}' compiles to no "
                    f"AuthorizationPolicy: its destination '{destination.name}' is a "
                    f"{destination.kind}, with no sidecar to enforce it (the analysis reads it "
                    "the same way; its network filters decide)",
                )
            elif destination is not None and not any(
                m.cluster == destination.cluster and m.namespace == destination.namespace
                for m in gns.members
            ):
                problems.warn(
                    policy,
                    f"global_namespaces[{gns.name}].policies[{policy.name}]",
                    f"global policy '{policy.name}' of '{gns.name}' compiles to no "
                    f"AuthorizationPolicy: its destination '{destination.name}' is not in a "
                    "member namespace of it (the analysis reads it the same way)",
                )
    for cluster in blueprint.clusters:
        own = _own(cluster)
        taken = {
            ("PeerAuthentication", p.namespace, p.name): p.location
            for p in own.peer_authentications
        }
        taken.update(
            {
                ("AuthorizationPolicy", p.namespace, p.name): p.location
                for p in own.authorization_policies
            }
        )
        peers: list[dict[str, Any]] = []
        peer_origins: list[Origin] = []
        policies: list[dict[str, Any]] = []
        policy_origins: list[Origin] = []

        claim = _Claims(taken, problems)

        if cluster.mesh is not None and claim(
            "PeerAuthentication",
            ROOT_NAMESPACE,
            "mesh-default",
            cluster.mesh,
            f"clusters[{cluster.name}].mesh.mtls_mode",
        ):
            peers.append(_peer(ROOT_NAMESPACE, "mesh-default", cluster.mesh.mtls_mode))
            peer_origins.append(origin("clusters", cluster.mesh, f"{cluster.name}.mesh", root))
        exposed: list[str] = []
        gateway_origins: list[Origin] = []
        for gns in blueprint.global_namespaces:
            where = origin("global_namespaces", gns, gns.name, root)
            for member in gns.members:
                if member.cluster != cluster.name:
                    continue
                namespace = member.namespace
                if namespace not in exposed:
                    exposed.append(namespace)
                gateway_origins.append(where)
                path = f"global_namespaces[{gns.name}]"
                if gns.default_action == "deny" and claim(
                    "AuthorizationPolicy", namespace, f"{gns.name}-default-deny", gns, path
                ):
                    policies.append(_policy(namespace, f"{gns.name}-default-deny", None, "ALLOW"))
                    policy_origins.append(where)
                for policy in gns.policies:
                    written = _global_policy(
                        blueprint, gns, policy, cluster, namespace, root, problems, claim
                    )
                    if written is not None:
                        policies.append(written[0])
                        policy_origins.append(written[1])
                if claim("PeerAuthentication", namespace, f"{gns.name}-mtls", gns, path):
                    peers.append(_peer(namespace, f"{gns.name}-mtls", gns.mtls_mode))
                    peer_origins.append(where)
        folder = f"istio/{cluster.name}"
        if peers:
            compiled.add(
                OutputFile(f"{folder}/peer-authentications.yaml", peer_origins, to_yaml(peers))
            )
        if policies:
            compiled.add(
                OutputFile(
                    f"{folder}/authorization-policies.yaml", policy_origins, to_yaml(policies)
                )
            )
        gateway = cluster.mesh.east_west_gateway if cluster.mesh is not None else None
        if gateway is not None and exposed:
            document = _east_west(gateway.port, exposed)
            compiled.add(
                OutputFile(
                    f"{folder}/east-west-gateway.yaml",
                    [
                        origin("clusters", gateway, f"{cluster.name}.mesh.east_west_gateway", root),
                        *gateway_origins,
                    ],
                    to_yaml([document]),
                )
            )


class _Claims:
    """The names compiled objects take in one cluster: valid, and held by no own manifest."""

    def __init__(self, taken: dict[tuple[str, str, str], Any], problems: Unsupported) -> None:
        self.taken = taken
        self.problems = problems

    def __call__(self, kind: str, namespace: str, name: str, obj: Any, path: str) -> bool:
        """Whether the object may be written (a problem says why not)."""
        if not dns_label(name) or not dns_label(namespace):
            self.problems.add(
                obj,
                path,
                f"{kind} '{namespace}/{name}' is not a Kubernetes object name (expected "
                "RFC 1123 labels: lowercase letters, digits and '-', at most 63 characters; "
                "rename the blueprint object)",
            )
            return False
        mine = self.taken.get((kind, namespace, name))
        if mine is not None:
            self.problems.add(
                obj,
                path,
                f"{kind} '{namespace}/{name}' is also in the cluster's own manifests "
                f"({_where(mine)}): compiling it would overwrite that manifest (expected "
                "another name in one of them)",
            )
            return False
        return True


def _peer(namespace: str, name: str, mode: str) -> dict[str, Any]:
    return {
        "apiVersion": ISTIO_SECURITY,
        "kind": "PeerAuthentication",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"mtls": {"mode": mode}},
    }


def _policy(
    namespace: str,
    name: str,
    labels: dict[str, str] | None,
    action: str,
    rules: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if labels is not None:
        spec["selector"] = {"matchLabels": labels}
    spec["action"] = action
    if rules:
        spec["rules"] = rules
    return {
        "apiVersion": ISTIO_SECURITY,
        "kind": "AuthorizationPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _global_policy(
    blueprint: Blueprint,
    gns: GlobalNamespace,
    policy: GlobalPolicy,
    cluster: Cluster,
    namespace: str,
    root: Path | None,
    problems: Unsupported,
    claim: _Claims,
) -> tuple[dict[str, Any], Origin] | None:
    """One global policy as the AuthorizationPolicy of its destination's namespace, when the
    destination runs in this cluster's member namespace."""
    destination = blueprint.get("workloads", policy.destination)
    if destination is None or destination.cluster != cluster.name:
        return None
    if destination.namespace != namespace:
        return None
    path = f"global_namespaces[{gns.name}].policies[{policy.name}]"
    if not destination.labels:
        problems.add(
            policy,
            path,
            f"global policy '{policy.name}' of '{gns.name}': its destination "
            f"'{destination.name}' has no labels, so an AuthorizationPolicy could only select "
            f"every workload of namespace '{namespace}' (expected labels on the workload)",
        )
        return None
    principals = []
    for name in policy.sources:
        source = blueprint.get("workloads", name)
        if source is None or source.kind != "pods" or source.namespace is None:
            kind = source.kind if source is not None else "unknown"
            problems.add(
                policy,
                path,
                f"global policy '{policy.name}' of '{gns.name}': source '{name}' is a {kind} "
                "workload, and Istio matches a source by the mTLS identity only pods in the "
                f"mesh have (expected pods workloads as sources)",
            )
            return None
        principals.append(
            f"{gns.trust_domain}/ns/{source.namespace}/sa/{source.service_account or 'default'}"
        )
    name = f"{gns.name}-{policy.name}"
    if not claim("AuthorizationPolicy", namespace, name, policy, path):
        return None
    if principals:
        source_block: dict[str, Any] = {"principals": principals}
    else:  # any workload of the global namespace: its members' namespaces, proved by mTLS
        source_block = {"namespaces": sorted({m.namespace for m in gns.members})}
    operation: dict[str, Any] = {}
    ports = _ports(policy.ports)
    if ports:
        operation["ports"] = ports
    if policy.methods:
        operation["methods"] = list(policy.methods)
    if policy.paths:
        operation["paths"] = list(policy.paths)
    rule: dict[str, Any] = {"from": [{"source": source_block}]}
    if operation:
        rule["to"] = [{"operation": operation}]
    document = _policy(
        namespace,
        name,
        dict(sorted(destination.labels.items())),
        policy.action.upper(),
        [rule],
    )
    return document, origin("global_namespaces", policy, f"{gns.name}.policies.{policy.name}", root)


def _ports(specs: tuple[str, ...]) -> list[str]:
    """Istio's `ports` (single ports, as strings) for a global policy's port specs; empty: any
    (a spec with no port, or `all`, matches every port)."""
    ports: list[str] = []
    for spec in specs:
        protocol, low, high = parse_port_spec(spec)
        if protocol == "all" or low is None or high is None:
            return []
        ports.extend(str(port) for port in range(low, high + 1))
    return sorted(set(ports), key=int)


def _east_west(port: int, namespaces: list[str]) -> dict[str, Any]:
    """The Gateway of Istio's `expose-services.yaml`, its hosts narrowed to the namespaces of the
    global namespaces (the blueprint sends only their traffic through the gateway)."""
    return {
        "apiVersion": ISTIO_NETWORKING,
        "kind": "Gateway",
        "metadata": {"name": "cross-network-gateway", "namespace": ROOT_NAMESPACE},
        "spec": {
            "selector": {"istio": "eastwestgateway"},
            "servers": [
                {
                    "port": {"number": port, "name": "tls", "protocol": "TLS"},
                    "tls": {"mode": "AUTO_PASSTHROUGH"},
                    "hosts": [f"*.{ns}.svc.cluster.local" for ns in sorted(namespaces)],
                }
            ],
        },
    }
