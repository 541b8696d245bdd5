"""Kubernetes objects as crossfence reads them: namespaces, pods, services, NetworkPolicies."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crossfence.providers.kubernetes.errors import Location, Problem

if TYPE_CHECKING:
    from crossfence.providers.istio.resources import AuthorizationPolicy, PeerAuthentication

__all__ = [
    "PROTOCOLS",
    "Cluster",
    "ContainerPort",
    "IPBlock",
    "LabelSelector",
    "LabelSelectorRequirement",
    "Namespace",
    "NetworkPolicy",
    "NetworkPolicyPeer",
    "NetworkPolicyPort",
    "NetworkPolicyRule",
    "Pod",
    "Service",
]

# The protocols a NetworkPolicy port can name; https://kubernetes.io/docs/reference/kubernetes-api/
# policy-resources/network-policy-v1/ ("protocol ... TCP, UDP, or SCTP. If not specified ... TCP").
PROTOCOLS = ("TCP", "UDP", "SCTP")


@dataclass(frozen=True)
class LabelSelectorRequirement:
    """One `matchExpressions` entry; operator is In, NotIn, Exists or DoesNotExist."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            # A missing key satisfies NotIn (k8s.io/apimachinery labels.Requirement.Matches).
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels  # DoesNotExist


@dataclass(frozen=True)
class LabelSelector:
    """`matchLabels` AND every `matchExpressions`; the empty selector matches everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels) and all(
            e.matches(labels) for e in self.match_expressions
        )

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for e in self.match_expressions:
            if e.operator in ("In", "NotIn"):
                parts.append(f"{e.key} {e.operator.lower()} ({','.join(e.values)})")
            else:
                parts.append(e.key if e.operator == "Exists" else f"!{e.key}")
        return "{" + ", ".join(parts) + "}" if parts else "{} (all)"


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: Mapping[str, str]
    location: Location | None  # None: referenced by an object but not declared


@dataclass(frozen=True)
class ContainerPort:
    port: int
    protocol: str
    name: str | None


@dataclass(frozen=True)
class Pod:
    """One endpoint: a Pod object, or one replica of a controller's pod template."""

    namespace: str
    name: str
    labels: Mapping[str, str]
    ip: str
    ports: tuple[ContainerPort, ...]
    service_account: str
    annotations: Mapping[str, str]
    location: Location
    owner: str | None = None  # "Deployment/frontend" for controller replicas

    @property
    def key(self) -> str:
        """`namespace/name`, the endpoint name in every output."""
        return f"{self.namespace}/{self.name}"

    @property
    def ip_int(self) -> int:
        # `ip` is a checked dotted quad (the loader's): inet_aton reads it as IPv4Address would
        return int.from_bytes(socket.inet_aton(self.ip), "big")

    def resolve_port(self, name: str, protocol: str) -> int | None:
        """The number of the container port called `name` with `protocol`, if this pod has it."""
        for port in self.ports:
            if port.name == name and port.protocol == protocol:
                return port.port
        return None


@dataclass(frozen=True)
class ServicePort:
    """One `spec.ports` entry; `name` and `app_protocol` are what Istio reads the protocol from."""

    port: int
    target_port: int | str
    protocol: str
    name: str | None
    app_protocol: str | None = None  # `appProtocol`
    location: Location | None = None


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    selector: Mapping[str, str]
    ports: tuple[ServicePort, ...]
    location: Location
    owner: str | None = None  # "Workload/customer-api": derived from a blueprint workload

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def selects(self, pod: Pod) -> bool:
        """Whether the pod is one of its endpoints; an empty selector selects none (the
        endpoints of a Service without a selector are managed by hand)."""
        return (
            pod.namespace == self.namespace
            and bool(self.selector)
            and all(pod.labels.get(k) == v for k, v in self.selector.items())
        )


@dataclass(frozen=True)
class IPBlock:
    cidr: ipaddress.IPv4Network
    excepts: tuple[ipaddress.IPv4Network, ...]

    def contains(self, address: int) -> bool:
        if not int(self.cidr.network_address) <= address <= int(self.cidr.broadcast_address):
            return False
        return not any(
            int(e.network_address) <= address <= int(e.broadcast_address) for e in self.excepts
        )

    def __str__(self) -> str:
        if self.excepts:
            return f"ipBlock {self.cidr} except {', '.join(map(str, self.excepts))}"
        return f"ipBlock {self.cidr}"


@dataclass(frozen=True)
class NetworkPolicyPeer:
    """One `from`/`to` entry: selectors (both in one peer means AND) or an ipBlock."""

    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    ip_block: IPBlock | None
    location: Location

    def __str__(self) -> str:
        if self.ip_block is not None:
            return str(self.ip_block)
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector}")
        return " and ".join(parts)


@dataclass(frozen=True)
class NetworkPolicyPort:
    """`port` is a number, a container-port name, or None (every port of the protocol)."""

    protocol: str
    port: int | str | None
    end_port: int | None
    location: Location

    def __str__(self) -> str:
        if self.port is None:
            return self.protocol
        if self.end_port is not None:
            return f"{self.protocol}/{self.port}-{self.end_port}"
        return f"{self.protocol}/{self.port}"


@dataclass(frozen=True)
class NetworkPolicyRule:
    """One ingress or egress rule; empty `peers` matches every peer, empty `ports` every port."""

    direction: str  # "ingress" | "egress"
    index: int
    peers: tuple[NetworkPolicyPeer, ...]
    ports: tuple[NetworkPolicyPort, ...]
    location: Location


@dataclass(frozen=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[str]  # after the API defaulting: "Ingress", "Egress"
    ingress: tuple[NetworkPolicyRule, ...]
    egress: tuple[NetworkPolicyRule, ...]
    location: Location

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def selects(self, pod: Pod) -> bool:
        return pod.namespace == self.namespace and self.pod_selector.matches(pod.labels)


@dataclass
class Cluster:
    """Everything read from one folder of manifests, treated as one cluster."""

    namespaces: dict[str, Namespace] = field(default_factory=dict)
    pods: list[Pod] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    network_policies: list[NetworkPolicy] = field(default_factory=list)
    authorization_policies: list[AuthorizationPolicy] = field(default_factory=list)
    peer_authentications: list[PeerAuthentication] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped_kinds: dict[str, int] = field(default_factory=dict)
    """Objects of kinds crossfence does not analyse (ConfigMap, Ingress, ...), counted per kind."""

    def pod(self, key: str) -> Pod:
        """The pod named `namespace/name`; KeyError if there is none."""
        for pod in self.pods:
            if pod.key == key:
                return pod
        raise KeyError(key)

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        namespace = self.namespaces.get(name)
        return namespace.labels if namespace else {"kubernetes.io/metadata.name": name}
