"""Kubernetes clusters, their namespaces, service mesh settings and native manifest folders."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr

from .base import Address, Cidr, Labels, Model, Name, NamedModel, SourceRef

__all__ = ["Cluster", "EastWestGateway", "KubernetesNamespace", "Mesh"]


class KubernetesNamespace(NamedModel):
    """A namespace of a cluster."""

    labels: Labels
    """Namespace labels (NetworkPolicy namespaceSelectors match them)."""
    istio_injection: bool = False
    """Whether pods of the namespace get an Istio sidecar."""


class EastWestGateway(Model):
    """The Istio east-west gateway through which other clusters reach this one."""

    address: Address
    """The gateway's address as the other clusters reach it (internal load balancer or node IP)."""
    port: int = Field(default=15443, ge=1, le=65535)
    """Its mTLS passthrough port (Istio default 15443)."""


class Mesh(Model):
    """Service-mesh (Istio) settings of a cluster."""

    mtls_mode: Literal["STRICT", "PERMISSIVE", "DISABLE"] = "PERMISSIVE"
    """Mesh-wide PeerAuthentication mode (Istio's default is PERMISSIVE)."""
    east_west_gateway: EastWestGateway | None = None
    """The east-west gateway for multi-cluster traffic."""


class Cluster(NamedModel):
    """A Kubernetes cluster: GKE, Kapsule, EKS or any other."""

    cloud: Name
    """The cloud it runs in."""
    kind: Literal["gke", "kapsule", "eks", "generic"] = "generic"
    """Distribution."""
    network: Name
    """The VPC its nodes are in."""
    subnet: Name
    """The subnet or Private Network of its nodes."""
    pod_range: Cidr | Name
    """Pod range: a CIDR, or the name of a secondary range of the node subnet (GKE)."""
    service_range: Cidr | Name | None = None
    """Service (ClusterIP) range: a CIDR or a secondary range name."""
    node_tags: tuple[str, ...] = ()
    """GCP network tags of the nodes: firewall rules that target them also filter pod traffic
    (VPC-native clusters give pods alias IPs of their node)."""
    node_service_account: str | None = None
    """GCP service account of the nodes (firewall targets and sources)."""
    node_security_groups: tuple[Name, ...] = ()
    """Scaleway or AWS security groups attached to the nodes."""
    pods_masqueraded: bool = False
    """Whether pod traffic leaving the cluster is SNATed to the node address."""
    namespaces: tuple[KubernetesNamespace, ...] = ()
    """Namespaces declared in the blueprint."""
    mesh: Mesh | None = None
    """Istio settings; none means no mesh."""
    manifests: tuple[str, ...] = ()
    """Folders or files of native Kubernetes/Istio manifests for this cluster, relative to the
    blueprint file that names them."""
    _manifests_at: tuple[SourceRef | None, ...] = PrivateAttr(default=())

    def manifests_at(self, index: int) -> SourceRef | None:
        """Where the `index`-th `manifests` entry was written (None for objects built in code)."""
        found = self._manifests_at
        return found[index] if 0 <= index < len(found) else None

    def manifests_path(self, index: int) -> Path:
        """The `index`-th `manifests` entry as a path: relative to the blueprint file that
        names it (to the working directory for a cluster built in code)."""
        where = self.manifests_at(index) or self.defined_at
        base = Path(where.file).parent if where is not None else Path()
        return base / self.manifests[index]
