"""NetworkPolicy objects read and validated as the API server would, with its defaulting applied.

Reference: https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
"""

from __future__ import annotations

from typing import Any

from crossfence.located.yamlsource import FieldPath
from crossfence.providers.kubernetes.fields import Fields
from crossfence.providers.kubernetes.resources import (
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    NetworkPolicyPeer,
    NetworkPolicyPort,
    NetworkPolicyRule,
)

__all__ = ["parse_network_policy"]


def parse_network_policy(
    fields: Fields, namespace: str, name: str, obj: dict[str, Any], path: FieldPath
) -> NetworkPolicy:
    spec_path = (*path, "spec")
    spec = fields.mapping(obj.get("spec"), spec_path)
    fields.known(spec, ("podSelector", "policyTypes", "ingress", "egress"), spec_path)
    if "podSelector" not in spec:
        # podSelector is required by the API; `{}` selects every pod of the namespace.
        fields.error(spec_path, "a NetworkPolicy needs spec.podSelector ({} selects every pod)")
    pod_selector = fields.selector(spec.get("podSelector"), (*spec_path, "podSelector"))
    ingress = tuple(
        _rule(fields, "ingress", i, raw, (*spec_path, "ingress", i))
        for i, raw in enumerate(fields.sequence(spec.get("ingress"), (*spec_path, "ingress")))
    )
    egress = tuple(
        _rule(fields, "egress", i, raw, (*spec_path, "egress", i))
        for i, raw in enumerate(fields.sequence(spec.get("egress"), (*spec_path, "egress")))
    )
    types = fields.strings(spec.get("policyTypes"), (*spec_path, "policyTypes"))
    for i, policy_type in enumerate(types):
        if policy_type not in ("Ingress", "Egress"):
            fields.error(
                (*spec_path, "policyTypes", i), f"{policy_type!r} is not Ingress or Egress"
            )
    policy_types = frozenset(types)
    if not policy_types:
        # Defaulting (pkg/apis/networking/v1/defaults.go): Ingress always, Egress only when the
        # policy has egress rules (a non-empty spec.egress).
        policy_types = frozenset({"Ingress", "Egress"} if egress else {"Ingress"})
    return NetworkPolicy(
        namespace, name, pod_selector, policy_types, ingress, egress, fields.locate(path)
    )


def _rule(
    fields: Fields, direction: str, index: int, value: Any, path: FieldPath
) -> NetworkPolicyRule:
    raw = fields.mapping(value, path)
    peer_field = "from" if direction == "ingress" else "to"
    fields.known(raw, (peer_field, "ports"), path)
    peers = tuple(
        _peer(fields, entry, (*path, peer_field, i))
        for i, entry in enumerate(fields.sequence(raw.get(peer_field), (*path, peer_field)))
    )
    ports = tuple(
        _port(fields, entry, (*path, "ports", i))
        for i, entry in enumerate(fields.sequence(raw.get("ports"), (*path, "ports")))
    )
    return NetworkPolicyRule(
        direction,
        index,
        tuple(p for p in peers if p is not None),
        tuple(p for p in ports if p is not None),
        fields.locate(path),
    )


def _peer(fields: Fields, value: Any, path: FieldPath) -> NetworkPolicyPeer | None:
    raw = fields.mapping(value, path)
    fields.known(raw, ("podSelector", "namespaceSelector", "ipBlock"), path)
    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    # `null` is the field unset (the API's pointers decode it to nil), not `{}`: a
    # `namespaceSelector: null` beside a podSelector keeps to the policy's namespace
    if raw.get("podSelector") is not None:
        pod_selector = fields.selector(raw["podSelector"], (*path, "podSelector"))
    if raw.get("namespaceSelector") is not None:
        namespace_selector = fields.selector(raw["namespaceSelector"], (*path, "namespaceSelector"))
    ip_block = None
    if raw.get("ipBlock") is not None:
        if pod_selector is not None or namespace_selector is not None:
            fields.error(
                path, "a peer may not combine ipBlock with podSelector or namespaceSelector"
            )
            return None
        ip_block = _ip_block(fields, raw["ipBlock"], (*path, "ipBlock"))
        if ip_block is None:
            return None
    elif pod_selector is None and namespace_selector is None:
        fields.error(path, "a peer needs podSelector, namespaceSelector or ipBlock")
        return None
    return NetworkPolicyPeer(pod_selector, namespace_selector, ip_block, fields.locate(path))


def _ip_block(fields: Fields, value: Any, path: FieldPath) -> IPBlock | None:
    raw = fields.mapping(value, path)
    fields.known(raw, ("cidr", "except"), path)
    if "cidr" not in raw:
        fields.error(path, "an ipBlock needs a cidr")
        return None
    cidr = fields.network(raw["cidr"], (*path, "cidr"))
    excepts = []
    for i, entry in enumerate(fields.sequence(raw.get("except"), (*path, "except"))):
        network = fields.network(entry, (*path, "except", i))
        if network is None or cidr is None:
            continue
        if not (network.subnet_of(cidr) and network != cidr):
            fields.error((*path, "except", i), f"{network} is not strictly inside {cidr}")
            continue
        excepts.append(network)
    return IPBlock(cidr, tuple(excepts)) if cidr is not None else None


def _port(fields: Fields, value: Any, path: FieldPath) -> NetworkPolicyPort | None:
    raw = fields.mapping(value, path)
    fields.known(raw, ("protocol", "port", "endPort"), path)
    protocol = fields.protocol(raw.get("protocol"), (*path, "protocol"))
    port = fields.port(raw["port"], (*path, "port")) if raw.get("port") is not None else None
    end_port = None
    if raw.get("endPort") is not None:
        end_port = fields.integer(raw["endPort"], (*path, "endPort"), 1, 65535)
        if not isinstance(port, int):
            fields.error((*path, "endPort"), "endPort needs a numeric port")
            return None
        if end_port is not None and end_port < port:
            fields.error((*path, "endPort"), f"endPort {end_port} is below port {port}")
            return None
    if "port" in raw and raw["port"] is not None and port is None:
        return None
    return NetworkPolicyPort(protocol, port, end_port, fields.locate(path))
