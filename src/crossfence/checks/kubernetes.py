"""Checks of one cluster's own Kubernetes/Istio objects: pod isolation, mTLS modes, allow-all policies.

They read only Kubernetes and Istio objects, so they run on a folder of manifests (one cluster,
`crossfence check DIR`) as well as on a blueprint. On a blueprint they read each cluster's own
manifests (`clusters[].manifests`) with the blueprint's pods placed in that cluster; the Istio
objects crossfence derives from the blueprint itself (the mesh-wide mode of `clusters[].mesh`,
the PeerAuthentication and AuthorizationPolicies of a global namespace) are not theirs: the
blueprint's mesh checks read those where they are written (`mesh.mtls-not-strict`).

References: https://kubernetes.io/docs/concepts/services-networking/network-policies/,
https://istio.io/latest/docs/reference/config/security/peer_authentication/ and
https://istio.io/latest/docs/reference/config/security/authorization-policy/.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from .base import Check, Finding, ManifestContext, ObjectRef, OwnManifests, register_manifest_check

if TYPE_CHECKING:
    from ..providers.istio.resources import AuthorizationPolicy, AuthorizationRule
    from ..providers.kubernetes.errors import Location
    from ..providers.kubernetes.resources import Pod

__all__ = ["is_system_namespace"]

ISTIO_ROOT = "istio-system"
"""Istio's control-plane namespace and, by default, its root namespace (mesh-wide policies)."""

_SHOWN = 5
"""Pods named in a message; the rest are counted."""


def is_system_namespace(name: str) -> bool:
    """A namespace Kubernetes or Istio owns: `kube-*` (the prefix Kubernetes reserves for its
    system namespaces) and `istio-system`."""
    return name.startswith("kube-") or name == ISTIO_ROOT


def _located(kind: str, name: str, location: Location | None) -> ObjectRef:
    if location is None or location.line <= 0:
        return ObjectRef(kind, name)
    return ObjectRef(kind, name, location.file, location.line)


def _owner(own: OwnManifests, pod: Pod) -> ObjectRef:
    """The object that made the pod: its controller, a blueprint workload, or the Pod itself."""
    if pod.owner is None:
        return _located("Pod", own.name(pod.key), pod.location)
    kind, name = pod.owner.split("/", 1)
    if kind == "Workload":  # a blueprint workload: its name is unique in the blueprint
        return _located("workload", name, pod.location)
    return _located(kind, own.name(f"{pod.namespace}/{name}"), pod.location)


def _selector(labels: Mapping[str, str] | None) -> str:
    if not labels:
        return "{}"
    return "{" + ", ".join(f"{k}={v}" for k, v in labels.items()) + "}"


def _prefix(own: OwnManifests) -> str:
    return f"cluster {own.cluster}: " if own.cluster else ""


@register_manifest_check(
    "kubernetes.pods-not-isolated",
    "medium",
    "Pods that no NetworkPolicy isolates for ingress",
    "A pod that no NetworkPolicy selects for Ingress is not isolated for ingress: it accepts "
    "connections from every pod of the cluster and every address that reaches it, and only the "
    "callers' own egress policies stand in the way "
    "(https://kubernetes.io/docs/concepts/services-networking/network-policies/"
    "#the-two-sorts-of-pod-isolation). One finding per namespace names its open pods. Namespaces "
    "Kubernetes and Istio own are not checked: `kube-*` (the prefix Kubernetes reserves for its "
    "system namespaces) and `istio-system` (the Istio control plane and gateways).",
    "Give the namespace a default-deny ingress policy (`podSelector: {}`, "
    "`policyTypes: [Ingress]`) and one policy per workload that admits only its callers.",
)
def pods_not_isolated(context: ManifestContext, check: Check) -> Iterator[Finding]:
    for own in context.manifests():
        kube = own.kube
        ingress = [p for p in kube.network_policies if "Ingress" in p.policy_types]
        open_pods: dict[str, list[Pod]] = {}
        for pod in kube.pods:
            if is_system_namespace(pod.namespace):
                continue
            if not any(policy.selects(pod) for policy in ingress):
                open_pods.setdefault(pod.namespace, []).append(pod)
        for namespace, pods in sorted(open_pods.items()):
            names = [pod.key for pod in pods]
            shown = ", ".join(names[:_SHOWN])
            if len(names) > _SHOWN:
                shown += f" and {len(names) - _SHOWN} more"
            declared = kube.namespaces.get(namespace)
            owners = list(dict.fromkeys(_owner(own, pod) for pod in pods))
            count = "1 pod" if len(pods) == 1 else f"{len(pods)} pods"
            verb = "accepts" if len(pods) == 1 else "accept"
            yield check.finding(
                f"{_prefix(own)}namespace {namespace}: {count} that no NetworkPolicy selects for "
                f"Ingress {verb} connections from every pod and address: {shown}",
                [
                    _located(
                        "Namespace", own.name(namespace), declared.location if declared else None
                    ),
                    *owners,
                ],
            )


def _peer_scope(namespace: str, selector: Mapping[str, str] | None) -> str:
    if selector is None:
        return "mesh-wide" if namespace == ISTIO_ROOT else f"for namespace {namespace}"
    return f"for workloads {_selector(selector)} in {namespace}"


_LOOSE = ("PERMISSIVE", "DISABLE")


@register_manifest_check(
    "mesh.peer-authentication-not-strict",
    "high",
    "PeerAuthentication in PERMISSIVE or DISABLE mode",
    "A PeerAuthentication in PERMISSIVE mode accepts plaintext beside mTLS, and DISABLE accepts "
    "plaintext only: a plaintext caller presents no certificate, so it has no authenticated "
    "principal, namespace or service account; a DENY rule on principals, namespaces or "
    "serviceAccounts does not stop it, and a workload that no identity-based ALLOW policy "
    "guards serves it unauthenticated "
    "(https://istio.io/latest/docs/reference/config/security/peer_authentication/). "
    "Mesh-wide (root namespace, no selector), namespace-wide, workload and port-level settings "
    "are all checked; UNSET inherits from the level above and is not reported.",
    "Set `mtls.mode: STRICT` (and STRICT, or no entry, in `portLevelMtls`); move plaintext "
    "clients into the mesh first, then tighten.",
)
def peer_authentication_not_strict(context: ManifestContext, check: Check) -> Iterator[Finding]:
    for own in context.manifests():
        for peer in own.kube.peer_authentications:
            scope = _peer_scope(peer.namespace, peer.selector)
            loose = [f"{peer.mode} {scope}"] if peer.mode in _LOOSE else []
            loose += [
                f"{mode} on port {port} {scope}"
                for port, mode in sorted(peer.port_modes.items())
                if mode in _LOOSE
            ]
            if not loose:
                continue
            yield check.finding(
                f"{_prefix(own)}PeerAuthentication {peer.key} sets mTLS {'; '.join(loose)}: "
                "plaintext is accepted and callers' principals are not authenticated",
                [_located("PeerAuthentication", own.name(peer.key), peer.location)],
            )


def _matches_everything(rule: AuthorizationRule) -> bool:
    """A rule without conditions whose sources and operations constrain nothing (`{}`)."""
    any_source = not rule.sources or any(not source.values for source in rule.sources)
    any_operation = not rule.operations or any(not op.values for op in rule.operations)
    return any_source and any_operation and not rule.conditions


def _authz_scope(policy: AuthorizationPolicy) -> str:
    if policy.targets_other_proxies:
        return "the gateways or waypoints it targets"
    if policy.selector is None:
        if policy.namespace == ISTIO_ROOT:
            return "every workload of the mesh"
        return f"every workload in namespace {policy.namespace}"
    return f"workloads {_selector(policy.selector)} in {policy.namespace}"


@register_manifest_check(
    "mesh.authorization-allows-all",
    "high",
    "An ALLOW AuthorizationPolicy with a rule that matches every request",
    "An ALLOW policy's rules are ORed: one empty rule (`rules: [{}]`, the reference's 'allow-all' "
    "example) matches every request from every caller, so the workloads it selects accept "
    "everything and every narrower ALLOW policy beside it stops restricting anything "
    "(https://istio.io/latest/docs/reference/config/security/authorization-policy/).",
    "Replace the empty rule with `from` sources (principals, namespaces, serviceAccounts) and "
    "`to` operations "
    "(ports, methods, paths) naming the callers and requests the workloads serve; to deny by "
    "default, use an ALLOW policy without rules.",
)
def authorization_allows_all(context: ManifestContext, check: Check) -> Iterator[Finding]:
    for own in context.manifests():
        for policy in own.kube.authorization_policies:
            if policy.action != "ALLOW":
                continue
            open_rules = [rule for rule in policy.rules if _matches_everything(rule)]
            if not open_rules:
                continue
            where = ", ".join(
                f"rules[{rule.index}]"
                + (f" (line {rule.location.line})" if rule.location.line > 0 else "")
                for rule in open_rules
            )
            yield check.finding(
                f"{_prefix(own)}AuthorizationPolicy {policy.key} allows every request to "
                f"{_authz_scope(policy)}: {where} matches any caller and any operation",
                [_located("AuthorizationPolicy", own.name(policy.key), policy.location)],
            )
