"""Mesh checks: mTLS in global namespaces, global policies the network contradicts, HTTP-only rules on TCP/TLS ports."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import (
    Check,
    Context,
    Finding,
    ManifestContext,
    ObjectRef,
    ref,
    register,
    register_manifest_check,
)

if TYPE_CHECKING:
    from ..providers.istio.protocol import PortProtocol
    from ..providers.istio.resources import AuthorizationPolicy, AuthorizationRule
    from ..providers.kubernetes.resources import Cluster as KubeCluster

__all__: list[str] = []

# Dispositions decided by the mesh itself: the policy, not the network, said no.
_MESH_DECISIONS = ("DENIED_MESH", "DENIED_MTLS")


@register(
    "mesh.mtls-not-strict",
    "high",
    "mTLS not STRICT in a global namespace",
    "Global policies name workloads by their mTLS identity; with PERMISSIVE or DISABLE a client "
    "may connect in plaintext, carries no identity, and the policies cannot be enforced.",
    "Set `mtls_mode: STRICT` on the global namespace.",
)
def mtls_not_strict(context: Context, check: Check) -> Iterator[Finding]:
    for gns in context.blueprint.global_namespaces:
        if gns.mtls_mode != "STRICT":
            yield check.finding(
                f"global namespace {gns.name} runs mTLS {gns.mtls_mode}: peers are not "
                "authenticated, its identity-based policies are unenforceable",
                [ref("global-namespace", gns)],
            )


def _probe_path(pattern: str) -> str:
    """A concrete path an Istio-style pattern matches (`/api/*` -> `/api/probe`)."""
    if pattern.endswith("*"):
        return pattern[:-1] + "probe"
    if pattern.startswith("*"):
        return "/probe" + pattern[1:]
    return pattern


@register(
    "mesh.policy-contradicted-by-network",
    "high",
    "A global policy allows a flow that the network layer drops",
    "The mesh says yes, a firewall, route or NetworkPolicy underneath says no: the service breaks, "
    "and whoever reads only one layer is misled about what is enforced.",
    "Open the flow on every layer on its way (for cross-cluster traffic: the east-west gateway "
    "port between the clusters), or remove the policy.",
    rank=1,
)
def contradicted(context: Context, check: Check) -> Iterator[Finding]:
    for gns in context.blueprint.global_namespaces:
        for policy in gns.policies:
            if policy.action != "allow":
                continue
            destination = context.workload(policy.destination)
            if destination is None:
                continue
            port = policy.ports[0] if policy.ports else context.probe_port(destination)
            if port is None or "/" not in port or "-" in port:
                continue
            method = policy.methods[0] if policy.methods else None
            path = _probe_path(policy.paths[0]) if policy.paths else None
            for source in policy.sources:
                flow = context.ask(source, destination.name, port, method, path)
                if flow is None or flow.allowed or flow.disposition.startswith(_MESH_DECISIONS):
                    continue
                yield check.finding(
                    f"global policy {gns.name}/{policy.name} allows {source} → {destination.name} "
                    f"{port}, but the flow is {flow.disposition}",
                    [
                        ref("global-policy", policy, f"{gns.name}/{policy.name}"),
                        *(ref("workload", w) for w in (context.workload(source),) if w),
                        ref("workload", destination),
                    ],
                    [flow],
                )


# -- HTTP-only fields on ports the sidecar reads as TCP or TLS ------------------------------------

_PROTOCOL_SELECTION = (
    "https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/"
)
_AUTHZ_TCP = "https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/"
_SHOWN = 3
"""Ports named in a message; the rest are counted."""


@dataclass(frozen=True)
class _OpaqueRule:
    """A rule with HTTP-only fields and the opaque ports (of pods that enforce it) it covers."""

    policy: AuthorizationPolicy
    rule: AuthorizationRule
    opaque: tuple[tuple[int, PortProtocol], ...]
    """(port, how the sidecar reads it), one entry per distinct port and reason."""
    unreachable: bool
    """No port it covers is read as HTTP (or auto-detected): its HTTP fields never apply."""

    def consequence(self) -> str:
        """What Istio does with the rule there (the "TCP Traffic" task)."""
        if self.policy.action == "ALLOW":
            return "Istio ignores the rule there, so it allows nothing"
        return "Istio drops those fields there, so the rule denies every connection its other fields match"

    def ports(self) -> str:
        shown = [f"port {port} ({protocol.reason})" for port, protocol in self.opaque[:_SHOWN]]
        more = len(self.opaque) - _SHOWN
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _covered(rule: AuthorizationRule, declared: set[int]) -> set[int]:
    """The ports a rule's operations can match, among `declared` when an operation names none."""
    if not rule.operations:
        return declared
    covered: set[int] = set()
    for operation in rule.operations:
        if "ports" in operation.values:
            covered |= {int(p) for p in operation.values["ports"]}
        else:
            covered |= declared - {int(p) for p in operation.values.get("notPorts", ())}
    return covered


def _opaque_rules(
    kube: KubeCluster, policies: Iterable[AuthorizationPolicy]
) -> Iterator[_OpaqueRule]:
    """ALLOW rules whose HTTP-only fields apply on none of their ports, DENY rules whose
    HTTP-only fields are dropped on at least one: what the sidecars enforcing them read as
    opaque TLS or TCP (`crossfence.providers.istio.protocol`)."""
    from ..providers.istio.authz import applies, has_sidecar
    from ..providers.istio.protocol import declared_ports, port_protocol

    for policy in policies:
        if policy.action not in ("ALLOW", "DENY"):
            continue
        rules = [rule for rule in policy.rules if rule.http_only_fields]
        if not rules:
            continue
        pods = [p for p in kube.pods if applies(policy, p) and has_sidecar(kube, p)]
        declared = {pod.key: declared_ports(kube, pod) for pod in pods}
        for rule in rules:
            opaque: dict[tuple[int, str], PortProtocol] = {}
            readable = False
            for pod in pods:
                for port in sorted(_covered(rule, declared[pod.key])):
                    protocol = port_protocol(kube, pod, port)
                    if protocol.opaque:
                        opaque.setdefault((port, protocol.reason), protocol)
                    else:
                        readable = True
            if opaque and (policy.action == "DENY" or not readable):
                yield _OpaqueRule(
                    policy,
                    rule,
                    tuple((port, protocol) for (port, _), protocol in sorted(opaque.items())),
                    not readable,
                )


def _declared_by(found: _OpaqueRule, name: Callable[[str], str]) -> list[ObjectRef]:
    """The Services (or blueprint workloads) whose ports say TCP or TLS, located."""
    refs = []
    for _, protocol in found.opaque:
        if protocol.resource is None:
            continue
        kind, label = protocol.resource.split("/", 1)
        label = label if kind == "workload" else name(label)
        where = protocol.location
        refs.append(
            ObjectRef(kind, label, where.file, where.line)
            if where is not None and where.line > 0
            else ObjectRef(kind, label)
        )
    return list(dict.fromkeys(refs))


_HTTP_ON_TCP_WHY = (
    "Istio reads a port's protocol from its Service port's `appProtocol` or name "
    f"(`<protocol>[-<suffix>]`, {_PROTOCOL_SELECTION}); on a port it reads as opaque TCP or TLS "
    "(`tcp`, `tls`, `https`, `mongo`, `mysql`, `redis`) the sidecar sees no HTTP request, so the "
    "HTTP-only fields `methods`, `paths`, `hosts`, `requestPrincipals` and `request.*` conditions "
    f"never match there ({_AUTHZ_TCP}): an ALLOW rule using one is ignored and allows nothing, "
    "a DENY rule drops them and denies every connection its other fields match. An ALLOW rule is "
    "reported when no port it covers is read as HTTP, a DENY rule when one is read as TCP or TLS."
)
_HTTP_ON_TCP_FIX = (
    "If the workload serves plain HTTP behind its sidecar (the mesh provides the TLS), name the "
    "port `http[-suffix]` or set its `appProtocol: http` (a blueprint workload port: `name`, "
    "`app_protocol`); otherwise restrict the rule by ports, principals, namespaces and service "
    "accounts only."
)


@register_manifest_check(
    "mesh.authorization-http-rule-on-tcp-port",
    "medium",
    "An AuthorizationPolicy rule with HTTP-only fields on ports the sidecar reads as TCP or TLS",
    _HTTP_ON_TCP_WHY,
    _HTTP_ON_TCP_FIX,
)
def http_rule_on_tcp_port(context: ManifestContext, check: Check) -> Iterator[Finding]:
    for own in context.manifests():
        prefix = f"cluster {own.cluster}: " if own.cluster else ""
        for found in _opaque_rules(own.kube, own.kube.authorization_policies):
            policy = found.policy
            fields = ", ".join(found.rule.http_only_fields)
            where = found.rule.location
            yield check.finding(
                f"{prefix}AuthorizationPolicy {policy.key} ({policy.action}) rule "
                f"{found.rule.index} uses {fields} on {found.ports()}: {found.consequence()}",
                [
                    ObjectRef("AuthorizationPolicy", own.name(policy.key), where.file, where.line)
                    if where.line > 0
                    else ObjectRef("AuthorizationPolicy", own.name(policy.key)),
                    *_declared_by(found, own.name),
                ],
            )


def _in_cluster(cluster: str, name: str) -> str:
    return f"{cluster}/{name}"


@register(
    "mesh.global-policy-http-rule-on-tcp-port",
    "medium",
    "A global policy with methods or paths on ports the sidecar reads as TCP or TLS",
    "A global namespace's policy becomes an Istio AuthorizationPolicy in its destination's "
    "cluster; its `methods` and `paths` are HTTP-only fields. " + _HTTP_ON_TCP_WHY,
    _HTTP_ON_TCP_FIX,
)
def global_policy_http_rule_on_tcp_port(context: Context, check: Check) -> Iterator[Finding]:
    for gns in context.blueprint.global_namespaces:
        for policy in gns.policies:
            destination = context.workload(policy.destination)
            if not (policy.methods or policy.paths) or destination is None:
                continue
            layer = context.topology.clusters.get(str(destination.cluster))
            if layer is None:
                continue
            derived = [
                p
                for p in layer.kube.authorization_policies
                if p.namespace == destination.namespace and p.name == f"{gns.name}-{policy.name}"
            ]
            cluster = layer.name
            for found in _opaque_rules(layer.kube, derived):
                yield check.finding(
                    f"global policy {gns.name}/{policy.name} ({policy.action}) names "
                    f"{', '.join(found.rule.http_only_fields)} for {destination.name} on "
                    f"{found.ports()}: {found.consequence()}",
                    [
                        ref("global-policy", policy, f"{gns.name}/{policy.name}"),
                        *_declared_by(found, functools.partial(_in_cluster, cluster)),
                    ],
                )
