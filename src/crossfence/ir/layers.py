"""The Kubernetes and mesh layers in the IR: workload identities, clusters as policy layers, global namespaces."""

from __future__ import annotations

from dataclasses import dataclass

from ..providers.kubernetes.resources import Cluster as KubeCluster
from ..providers.kubernetes.resources import Pod
from .types import Endpoint

__all__ = ["ClusterLayer", "GlobalNamespaceLayer", "WorkloadIdentity"]


@dataclass(frozen=True, slots=True)
class WorkloadIdentity:
    """Who a workload is to the Kubernetes and mesh layers."""

    name: str
    kind: str
    cluster: str | None = None
    namespace: str | None = None
    service_account: str | None = None


@dataclass
class ClusterLayer:
    """One cluster for the Kubernetes and mesh layers, and where its workloads' pods are."""

    name: str
    kube: KubeCluster
    """Its own manifests, the estate's pods, the Istio gateways and the global namespaces' policies."""
    own: KubeCluster
    """Only what its own manifests hold (the checks of Kubernetes objects read this)."""
    pods: dict[str, list[Pod]]
    """Workload name -> its pods (replicas)."""
    trust_domain: str
    east_west: Pod | None
    ingress: Pod
    meshed: bool
    """Whether the cluster runs a mesh (sidecars, gateways)."""
    east_west_endpoint: Endpoint | None = None
    """The east-west gateway as a network endpoint (it runs on the nodes: node filters apply)."""


@dataclass(frozen=True, slots=True)
class GlobalNamespaceLayer:
    """A mesh namespace that spans clusters."""

    name: str
    members: frozenset[tuple[str, str]]
    """(cluster, namespace) pairs."""
    trust_domain: str
