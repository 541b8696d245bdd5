"""NetworkPolicy semantics for one connection, rule by rule (the reference the array engine must match).

Source: https://kubernetes.io/docs/concepts/services-networking/network-policies/ and the API
reference https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/

- A pod is isolated for a direction when some policy whose `policyTypes` has that direction
  selects it; a connection is allowed only if the source's egress AND the destination's ingress
  allow it, and a direction allows when the pod is not isolated or any rule of any policy that
  selects it (the union) matches.
- A peer with only `podSelector` selects pods of the policy's namespace; with only
  `namespaceSelector`, every pod of the selected namespaces; with both, pods matching the pod
  selector inside the selected namespaces. An `ipBlock` matches the addresses it holds minus its
  excepts, pod addresses included (upstream CNIs do, the docs leave it to the implementation).
- A rule without peers matches every peer; without ports, every port of every protocol. A rule
  with ports matches only TCP/UDP/SCTP traffic on those ports; a named port matches the container
  port of that name and protocol on the destination pod (for egress, the peer).
"""

from __future__ import annotations

from dataclasses import dataclass

from crossfence.providers.kubernetes.resources import (
    Cluster,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
    Pod,
)

__all__ = [
    "DirectionVerdict",
    "Endpoint",
    "evaluate_direction",
    "is_allowed",
    "peer_matches",
    "port_matches",
]


@dataclass(frozen=True)
class Endpoint:
    """A pod, or an address outside the cluster's pods (`pod` is None)."""

    ip: int
    pod: Pod | None = None


@dataclass(frozen=True)
class DirectionVerdict:
    """The verdict of one pod's policies for one direction of one connection."""

    direction: str  # "ingress" | "egress"
    allowed: bool
    policies: tuple[NetworkPolicy, ...]  # the policies that select the pod for this direction
    matched: tuple[tuple[NetworkPolicy, NetworkPolicyRule], ...]

    @property
    def isolated(self) -> bool:
        return bool(self.policies)


def peer_matches(
    cluster: Cluster, policy: NetworkPolicy, peer: NetworkPolicyPeer, other: Endpoint
) -> bool:
    if peer.ip_block is not None:
        return peer.ip_block.contains(other.ip)
    pod = other.pod
    if pod is None:
        return False  # selectors only ever select pods
    if peer.namespace_selector is None:
        in_namespace = pod.namespace == policy.namespace
    else:
        in_namespace = peer.namespace_selector.matches(cluster.namespace_labels(pod.namespace))
    return in_namespace and (peer.pod_selector is None or peer.pod_selector.matches(pod.labels))


def port_matches(
    spec: NetworkPolicyPort, protocol: str, port: int | None, target: Pod | None
) -> bool:
    if protocol != spec.protocol:
        return False
    if spec.port is None:
        return True
    if port is None:
        return False
    if isinstance(spec.port, int):
        return spec.port <= port <= (spec.end_port if spec.end_port is not None else spec.port)
    # A named port resolves on the pod that receives the traffic; an address has no names.
    return target is not None and target.resolve_port(spec.port, protocol) == port


def _rule_matches(
    cluster: Cluster,
    policy: NetworkPolicy,
    rule: NetworkPolicyRule,
    other: Endpoint,
    protocol: str,
    port: int | None,
    target: Pod | None,
) -> bool:
    if rule.peers and not any(peer_matches(cluster, policy, p, other) for p in rule.peers):
        return False
    return not rule.ports or any(port_matches(s, protocol, port, target) for s in rule.ports)


def evaluate_direction(
    cluster: Cluster,
    direction: str,
    pod: Pod,
    other: Endpoint,
    protocol: str,
    port: int | None,
) -> DirectionVerdict:
    """Does `pod`'s `direction` ("ingress"/"egress") let traffic with `other` through?"""
    policy_type = "Ingress" if direction == "ingress" else "Egress"
    policies = tuple(
        p for p in cluster.network_policies if policy_type in p.policy_types and p.selects(pod)
    )
    target = pod if direction == "ingress" else other.pod
    matched = tuple(
        (policy, rule)
        for policy in policies
        for rule in (policy.ingress if direction == "ingress" else policy.egress)
        if _rule_matches(cluster, policy, rule, other, protocol, port, target)
    )
    return DirectionVerdict(direction, not policies or bool(matched), policies, matched)


def is_allowed(
    cluster: Cluster, source: Endpoint, destination: Endpoint, protocol: str, port: int | None
) -> bool:
    """The NetworkPolicy layer's answer: source egress AND destination ingress."""
    if source.pod is not None:
        egress = evaluate_direction(cluster, "egress", source.pod, destination, protocol, port)
        if not egress.allowed:
            return False
    if destination.pod is not None:
        return evaluate_direction(
            cluster, "ingress", destination.pod, source, protocol, port
        ).allowed
    return True
