"""Kubernetes NetworkPolicies compiled to nftables in each pod's namespace, as a CNI enforces them.

https://kubernetes.io/docs/concepts/services-networking/network-policies/: a pod selected by a
policy with a direction in its `policyTypes` is isolated for that direction and accepts only what
some rule of those policies allows (the union); replies of an allowed connection are allowed
(CNIs track connections). A peer with a `podSelector` only selects pods of the policy's
namespace; with a `namespaceSelector`, pods of the namespaces it selects (both: AND); an
`ipBlock` its CIDR minus its `except`s. A rule without peers matches everything, without ports
every port; a named port is the container port of that name on the pod that receives the packet.
The selectors are resolved here to the addresses of the lab's pods, so the chain holds addresses.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict

from ..algebra.packets import IpSet, ServiceSet
from ..ir.layers import ClusterLayer
from ..providers.kubernetes.resources import (
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    Pod,
)
from .nft import Ruleset, quote, service_matches

__all__ = ["netpol_chains", "pod_addresses"]


def pod_addresses(view: ClusterLayer, ingress_gateway: IpSet) -> dict[str, IpSet]:
    """Pod key -> its addresses in the lab. The ingress gateway has no address of its own in
    the blueprint: it stands for the load balancers that enter the mesh (their egress side)."""
    out: dict[str, IpSet] = {}
    for pod in view.kube.pods:
        if pod.ip == "0.0.0.0":
            out[pod.key] = ingress_gateway
        else:
            out[pod.key] = IpSet.from_addresses([pod.ip])
    gateway = view.ingress
    if gateway.key not in out:
        out[gateway.key] = ingress_gateway
    return out


def _pods(view: ClusterLayer) -> list[Pod]:
    pods = list(view.kube.pods)
    if all(p.key != view.ingress.key for p in pods):
        pods.append(view.ingress)
    return pods


def _selected(view: ClusterLayer, policy: NetworkPolicy, peer: NetworkPolicyPeer) -> list[Pod]:
    """The pods a selector peer selects."""
    out = []
    for pod in _pods(view):
        if peer.namespace_selector is None:
            in_namespace = pod.namespace == policy.namespace
        else:
            in_namespace = peer.namespace_selector.matches(
                view.kube.namespace_labels(pod.namespace)
            )
        if in_namespace and (peer.pod_selector is None or peer.pod_selector.matches(pod.labels)):
            out.append(pod)
    return out


def _port_services(spec: NetworkPolicyPort, target: Pod | None) -> ServiceSet:
    protocol = spec.protocol.lower()
    if spec.port is None:
        return ServiceSet.protocol(protocol)
    if isinstance(spec.port, int):
        return ServiceSet.ports(protocol, spec.port, spec.end_port or spec.port)
    resolved = target.resolve_port(spec.port, spec.protocol) if target is not None else None
    return ServiceSet.ports(protocol, resolved) if resolved is not None else ServiceSet.none()


def _rule_pieces(
    view: ClusterLayer,
    policy: NetworkPolicy,
    peers: tuple[NetworkPolicyPeer, ...],
    ports: tuple[NetworkPolicyPort, ...],
    pod: Pod,
    direction: str,
    addresses: dict[str, IpSet],
) -> list[tuple[IpSet, ServiceSet]]:
    """(peer addresses, services) pieces whose union is what one rule allows."""
    named = any(isinstance(p.port, str) for p in ports)
    if direction == "ingress" or not named:
        # ports resolve on the pod itself (ingress) or need no pod at all
        services = (
            ServiceSet.union_all(_port_services(p, pod) for p in ports)
            if ports
            else ServiceSet.all()
        )
        if not peers:
            return [(IpSet.all(), services)]
        union = IpSet.none()
        for peer in peers:
            if peer.ip_block is not None:
                block = IpSet.from_cidrs([peer.ip_block.cidr])
                for excluded in peer.ip_block.excepts:
                    block = block - IpSet.from_cidrs([excluded])
                union = union | block
            else:
                for selected in _selected(view, policy, peer):
                    union = union | addresses.get(selected.key, IpSet.none())
        return [(union, services)]
    # egress with named ports: each selected peer pod resolves the names on itself
    pieces: dict[ServiceSet, IpSet] = defaultdict(IpSet.none)
    targets: list[tuple[IpSet, Pod | None]] = []
    for peer in peers or ():
        if peer.ip_block is not None:
            block = IpSet.from_cidrs([peer.ip_block.cidr])
            for excluded in peer.ip_block.excepts:
                block = block - IpSet.from_cidrs([excluded])
            targets.append((block, None))
        else:
            targets += [
                (addresses.get(p.key, IpSet.none()), p) for p in _selected(view, policy, peer)
            ]
    if not peers:
        targets = [(IpSet.all(), None)] + [
            (addresses.get(p.key, IpSet.none()), p) for p in _pods(view)
        ]
    for where, target in targets:
        services = ServiceSet.union_all(_port_services(p, target) for p in ports)
        pieces[services] = pieces[services] | where
    return [(where, services) for services, where in pieces.items()]


def netpol_chains(
    ruleset: Ruleset,
    view: ClusterLayer,
    pod: Pod,
    addresses: dict[str, IpSet],
    guard_in: str,
    guard_out: str,
) -> list[str]:
    """Add the pod's NetworkPolicy chains (input for ingress, output for egress); returns the
    keys of the policies that isolate it."""
    isolating = []
    for direction, hook, field, guard in (
        ("ingress", "input", "saddr", guard_in),
        ("egress", "output", "daddr", guard_out),
    ):
        policy_type = "Ingress" if direction == "ingress" else "Egress"
        policies = [
            p
            for p in view.kube.network_policies
            if policy_type in p.policy_types and p.selects(pod)
        ]
        if not policies:
            continue
        isolating += [p.key for p in policies]
        chain = ruleset.base(f"netpol_{direction}", hook)
        chain.rules.append(f"{guard} jump netpol_{direction}_f")
        body = ruleset.chain(f"netpol_{direction}_f")
        body.rules.append("ct state established,related accept")
        for policy in policies:
            rules = policy.ingress if direction == "ingress" else policy.egress
            for rule in rules:
                comment = quote(f"NetworkPolicy {policy.key} {direction}[{rule.index}]")
                for where, services in _rule_pieces(
                    view, policy, rule.peers, rule.ports, pod, direction, addresses
                ):
                    if where.is_empty():
                        continue
                    rendered = _addresses(where)
                    for match in service_matches(services):
                        words = [w for w in (rendered and f"ip {field} {rendered}", match) if w]
                        body.rules.append(" ".join([*words, "counter accept comment", comment]))
        names = ", ".join(p.key for p in policies)
        body.rules.append(
            f"counter drop comment {quote(f'{pod.key} isolated for {direction} by {names}')}"
        )
    return isolating


def _addresses(addresses: IpSet) -> str:
    if addresses == IpSet.all():
        return ""
    cidrs = [str(c) for c in addresses.to_cidrs()]
    return cidrs[0] if len(cidrs) == 1 else "{ " + ", ".join(cidrs) + " }"


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))
