"""Istio mesh decisions for one request: sidecars, mTLS mode (PeerAuthentication), authorization.

- Sidecars (`crossfence.providers.istio.sidecar`: injection, and the ports and addresses its
  redirection sees): without a sidecar on the destination, or on a port kept from it, the mesh
  enforces nothing.
- mTLS (https://istio.io/latest/docs/reference/config/security/peer_authentication/): the mode of
  the destination port comes from the workload policy (its port-level entry first), then the
  namespace policy, then the mesh policy in the root namespace `istio-system` (where a policy
  with a selector is ignored); UNSET inherits and the default is PERMISSIVE. Auto mTLS makes a
  client sidecar use mTLS towards a sidecar that does not DISABLE it. STRICT rejects plaintext.
- Authorization (https://istio.io/latest/docs/reference/config/security/authorization-policy/):
  CUSTOM, then DENY, then ALLOW; a workload with no ALLOW policy allows; AUDIT decides nothing.
  A matching CUSTOM rule hands the request to its external authorizer ("evaluate and deny the
  request if the evaluation result is deny", https://istio.io/latest/docs/concepts/security/#authorization):
  what CUSTOM, DENY and ALLOW let through is then allowed only on that condition (`delegated`).
  A policy matches when one of its rules matches; no rules never matches. principals,
  namespaces and serviceAccounts come from the mTLS certificate, so plaintext has none
  (`notPrincipals`, `notNamespaces`, `notServiceAccounts` then hold, as Envoy's negated matcher
  does); a serviceAccounts entry matches its namespace and account in any trust domain. HTTP-only fields on TCP traffic follow the "Authorization for
  TCP traffic" task (https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/): an
  ALLOW rule using them is invalid and ignored (never matches); a DENY rule drops them and matches
  on its TCP fields. A `when` key crossfence cannot evaluate is reported and resolved towards
  denial (an ALLOW rule does not match, a DENY rule does), never widened. Whether traffic is
  HTTP is `Request.http`: the port's protocol decides (`crossfence.providers.istio.protocol`),
  and `crossfence.providers.istio.connection` answers for every request a connection may carry.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from crossfence.located.location import Location
from crossfence.providers.istio.resources import (
    HTTP_ONLY_CONDITION_PREFIXES,
    HTTP_ONLY_OPERATION_FIELDS,
    HTTP_ONLY_SOURCE_FIELDS,
    ROOT_NAMESPACE,
    SERVICE_ACCOUNT_FIELDS,
    AuthorizationPolicy,
    AuthorizationRule,
    Condition,
    PeerAuthentication,
)
from crossfence.providers.istio.sidecar import has_sidecar
from crossfence.providers.kubernetes.resources import Cluster, Pod

__all__ = [
    "OPERATION_ATTRIBUTES",
    "TRUST_DOMAIN",
    "AuthorizationDecision",
    "Request",
    "alternative_matches",
    "applicable",
    "applies",
    "authorize",
    "has_sidecar",
    "mesh_principal",
    "mtls_mode",
    "principal",
    "residual",
]

TRUST_DOMAIN = "cluster.local"


def mesh_principal(trust_domain: str, namespace: str, service_account: str) -> str:
    """The SPIFFE identity Istio puts in a workload's certificate, as AuthorizationPolicy writes it."""
    return f"{trust_domain}/ns/{namespace}/sa/{service_account}"


def principal(pod: Pod) -> str:
    """The SPIFFE identity Istio gives a pod: `cluster.local/ns/<namespace>/sa/<account>`."""
    return f"{TRUST_DOMAIN}/ns/{pod.namespace}/sa/{pod.service_account}"


def _selects(selector: dict[str, str] | None, pod: Pod) -> bool:
    return selector is None or all(pod.labels.get(k) == v for k, v in selector.items())


def mtls_mode(cluster: Cluster, pod: Pod, port: int) -> tuple[str, PeerAuthentication | None]:
    """The effective mode on `pod`'s `port` and the policy that set it (None: the default)."""
    # "PeerAuthentication policies with workload selectors are ignored when deployed in the root
    # namespace" (the reference), for the root namespace's own workloads too
    workload = [
        p
        for p in cluster.peer_authentications
        if p.namespace == pod.namespace
        and p.namespace != ROOT_NAMESPACE
        and p.selector is not None
        and _selects(p.selector, pod)
    ]
    namespace = [
        p
        for p in cluster.peer_authentications
        if p.namespace == pod.namespace and p.selector is None
    ]
    mesh = [
        p
        for p in cluster.peer_authentications
        if p.namespace == ROOT_NAMESPACE and p.selector is None
    ]
    # Several policies at one level: Istio takes the oldest; file order stands in for age.
    if workload:
        policy = workload[0]
        if policy.port_modes.get(port, "UNSET") != "UNSET":
            return policy.port_modes[port], policy
        if policy.mode != "UNSET":
            return policy.mode, policy
    for level in (namespace, mesh):
        if level and level[0].mode != "UNSET":
            return level[0].mode, level[0]
    return "PERMISSIVE", None


@dataclass(frozen=True)
class Request:
    """What the destination sidecar sees of one connection or request."""

    source_ip: str
    source_principal: str | None  # None: plaintext (no peer certificate)
    source_namespace: str | None
    destination_ip: str
    port: int
    method: str | None = None
    path: str | None = None
    host: str | None = None
    http: bool = False
    """Whether the sidecar reads the connection as HTTP: the port's protocol decides
    (`crossfence.providers.istio.protocol`), not whether a method or path is known."""

    @property
    def is_http(self) -> bool:
        return self.http


@dataclass(frozen=True)
class AuthorizationDecision:
    allowed: bool
    action: str  # "allow" | "deny" | "delegate"
    detail: str
    policy: AuthorizationPolicy | None = None
    rule: AuthorizationRule | None = None
    notes: tuple[str, ...] = field(default=())
    delegated: tuple[AuthorizationPolicy, AuthorizationRule] | None = None
    """The CUSTOM rule that matched: the request then reaches the workload only if that
    policy's external authorizer allows it, which crossfence cannot know."""

    @property
    def delegation(self) -> str | None:
        """The condition a CUSTOM match puts on an allowed request, in words (None: none)."""
        if self.delegated is None:
            return None
        policy, rule = self.delegated
        return (
            f"the CUSTOM provider {policy.provider!r} allows the request "
            f"(AuthorizationPolicy {policy.key} rule {rule.index})"
        )

    @property
    def location(self) -> Location | None:
        """Where the deciding rule sits, else its policy (None when no policy decided)."""
        if self.rule is not None:
            return self.rule.location
        return self.policy.location if self.policy is not None else None

    @property
    def explanation(self) -> str:
        """`detail`, then each note, `; `-separated: what a trace step says."""
        return self.detail + "".join(f"; {note}" for note in self.notes)


def _string_match(pattern: str, value: str | None) -> bool:
    """Istio string matching: exact, `prefix*`, `*suffix`, or `*` for any non-empty value."""
    if value is None or value == "":
        return False
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


def _ip_match(block: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(block, strict=False)
    except ValueError:
        return False


def _service_account_match(entry: str, principal: str | None) -> bool:
    """Whether the peer identity `principal` is the service account `entry`
    (`<namespace>/<serviceaccount>`, as the parser resolves it). Istio matches the certificate's
    URI against `spiffe://.+/ns/<namespace>/(.+/|)sa/<serviceaccount>(/.+)?`, the namespace and
    account quoted (istio/istio pilot/pkg/security/authz/model/generator.go
    `serviceAccountRegex`): any trust domain ("'spiffe://' then a trust domain + arbitrary k/v
    pairs"), and the account whole ("the / ensures we do not match <service account>-some-junk").
    Plaintext has no certificate and matches no entry."""
    if principal is None:
        return False
    namespace, _, account = entry.partition("/")
    pattern = rf"spiffe://.+/ns/{re.escape(namespace)}/(.+/|)sa/{re.escape(account)}(/.+)?"
    return re.fullmatch(pattern, f"spiffe://{principal}") is not None


def _field_value(name: str, request: Request) -> tuple[str | None, bool]:
    """(value, is_ip) of the request attribute a source/operation field tests."""
    base = name[3].lower() + name[4:] if name.startswith("not") else name
    table: dict[str, tuple[str | None, bool]] = {
        "principals": (request.source_principal, False),
        "namespaces": (request.source_namespace, False),
        "serviceAccounts": (request.source_principal, False),
        "requestPrincipals": (None, False),  # no JWT in a connectivity question
        "ipBlocks": (request.source_ip, True),
        "remoteIpBlocks": (request.source_ip, True),  # no proxy in front: the peer is the client
        "hosts": (request.host, False),
        "ports": (str(request.port), False),
        "methods": (request.method, False),
        "paths": (request.path, False),
    }
    return table[base]


def _fields_match(
    values: dict[str, tuple[str, ...]], request: Request, skip: tuple[str, ...]
) -> bool:
    for name, patterns in values.items():
        if name in skip:
            continue
        value, is_ip = _field_value(name, request)
        if name in SERVICE_ACCOUNT_FIELDS:
            hit = any(_service_account_match(p, value) for p in patterns)
        elif is_ip:
            hit = value is not None and any(_ip_match(p, value) for p in patterns)
        else:
            hit = any(_string_match(p, value) for p in patterns)
        if hit == name.startswith("not"):
            return False
    return True


def _condition_value(key: str, request: Request) -> tuple[bool, str | None]:
    """(supported, value) of a `when` key for a connectivity question."""
    values: dict[str, str | None] = {
        "source.ip": request.source_ip,
        "remote.ip": request.source_ip,
        "source.namespace": request.source_namespace,
        "source.principal": request.source_principal,
        "destination.ip": request.destination_ip,
        "destination.port": str(request.port),
    }
    return key in values, values.get(key)


def _condition(condition: Condition, request: Request) -> bool | None:
    """True/False, or None when crossfence cannot evaluate the key."""
    supported, value = _condition_value(condition.key, request)
    if not supported:
        return None
    is_ip = condition.key in ("source.ip", "remote.ip", "destination.ip")

    def match(pattern: str) -> bool:
        return (
            value is not None and _ip_match(pattern, value)
            if is_ip
            else _string_match(pattern, value)
        )

    if condition.values and not any(match(p) for p in condition.values):
        return False
    return not any(match(p) for p in condition.not_values)


def _rule_matches(
    policy: AuthorizationPolicy, rule: AuthorizationRule, request: Request, notes: list[str]
) -> bool:
    action = policy.action
    skip: tuple[str, ...] = ()
    if rule.http_only_fields and not request.is_http:
        if action == "ALLOW":
            notes.append(
                f"{policy.key} rule {rule.index} uses HTTP-only fields on TCP traffic: "
                "ignored (never matches)"
            )
            return False
        notes.append(
            f"{policy.key} rule {rule.index} uses HTTP-only fields on TCP traffic: "
            "only its TCP fields apply"
        )
        # DENY and CUSTOM alike: Istio builds CUSTOM rules with the DENY action "so that a HTTP
        # rule is properly handled when generating for TCP filter chain" (istio/istio
        # pilot/pkg/security/authz/builder), which drops the HTTP-only fields
        skip = HTTP_ONLY_SOURCE_FIELDS + HTTP_ONLY_OPERATION_FIELDS
    if (
        request.host is None
        and any(("hosts" in o.values or "notHosts" in o.values) for o in rule.operations)
        and request.is_http
    ):
        notes.append(
            f"{policy.key} rule {rule.index}: no host given, hosts/notHosts compared with an empty host"
        )
    if rule.sources and not any(_fields_match(s.values, request, skip) for s in rule.sources):
        return False
    if rule.operations and not any(_fields_match(o.values, request, skip) for o in rule.operations):
        return False
    for condition in rule.conditions:
        if skip and condition.key.startswith(HTTP_ONLY_CONDITION_PREFIXES):
            continue
        result = _condition(condition, request)
        if result is None:
            # Never widened: an unknown condition makes ALLOW rules fail, and DENY rules (and
            # CUSTOM ones, which then ask their provider) hold.
            notes.append(
                f"{policy.key} rule {rule.index}: condition {condition.key!r} is not supported by crossfence"
            )
            if action == "ALLOW":
                return False
            continue
        if not result:
            return False
    return True


OPERATION_ATTRIBUTES = {
    "methods": "method",
    "notMethods": "method",
    "paths": "path",
    "notPaths": "path",
    "hosts": "host",
    "notHosts": "host",
}
"""The request attribute each HTTP-only operation field tests."""


def residual(
    rule: AuthorizationRule, request: Request, action: str, unknown: frozenset[str]
) -> tuple[dict[str, tuple[str, ...]], ...] | None:
    """What an HTTP request must still be for `rule` to match it, when its `unknown` attributes
    (`method`, `path`, `host`) are not fixed: None when no such request matches, else one
    alternative per matching operation, holding that operation's fields on the unknown
    attributes (an empty mapping: every request matches). The rest of the rule is evaluated as
    `authorize` does for HTTP traffic."""
    if rule.sources and not any(_fields_match(s.values, request, ()) for s in rule.sources):
        return None
    for condition in rule.conditions:
        result = _condition(condition, request)
        if result is None and action != "ALLOW":
            continue  # never widened: an unknown condition holds for a DENY or CUSTOM rule
        if not result:
            return None
    if not rule.operations:
        return ({},)
    alternatives = []
    for operation in rule.operations:
        open_fields = tuple(n for n in operation.values if OPERATION_ATTRIBUTES.get(n) in unknown)
        if _fields_match(operation.values, request, open_fields):
            alternatives.append({n: operation.values[n] for n in open_fields})
    return tuple(alternatives) or None


def alternative_matches(alternative: dict[str, tuple[str, ...]], request: Request) -> bool:
    """Whether a `residual` alternative matches a request whose attributes are all fixed."""
    return _fields_match(alternative, request, ())


def applies(policy: AuthorizationPolicy, pod: Pod) -> bool:
    """Whether the pod's sidecar enforces the policy (its namespace or the root one, its selector)."""
    if policy.targets_other_proxies:
        return False
    if policy.namespace != ROOT_NAMESPACE and policy.namespace != pod.namespace:
        return False
    return _selects(policy.selector, pod)


def applicable(cluster: Cluster, pod: Pod) -> list[AuthorizationPolicy]:
    """The AuthorizationPolicies the pod's sidecar enforces (root namespace, its namespace, and
    selecting it), in file order."""
    return [p for p in cluster.authorization_policies if applies(p, pod)]


def _first_match(
    policies: list[AuthorizationPolicy], request: Request, notes: list[str]
) -> tuple[AuthorizationPolicy, AuthorizationRule] | None:
    for policy in policies:
        for rule in policy.rules:
            if _rule_matches(policy, rule, request, notes):
                return policy, rule
    return None


def authorize(cluster: Cluster, destination: Pod, request: Request) -> AuthorizationDecision:
    """The destination sidecar's authorization decision, CUSTOM -> DENY -> ALLOW."""
    policies = applicable(cluster, destination)
    notes: list[str] = []
    by_action = {
        a: [p for p in policies if p.action == a] for a in ("CUSTOM", "DENY", "ALLOW", "AUDIT")
    }
    custom = _first_match(by_action["CUSTOM"], request, notes)
    if custom is not None:
        # The external authorizer decides at run time; crossfence cannot know its answer.
        notes.append(
            f"CUSTOM {custom[0].key} delegates to provider {custom[0].provider!r}: allowed only "
            "if it allows"
        )
    deny = _first_match(by_action["DENY"], request, notes)
    if deny is not None:
        policy, rule = deny
        return AuthorizationDecision(
            False,
            "deny",
            f"DENY policy {policy.key} rule {rule.index} matches",
            policy,
            rule,
            tuple(notes),
            custom,
        )
    if not by_action["ALLOW"]:
        detail = "no ALLOW policy applies to the workload: allowed"
        return AuthorizationDecision(
            True,
            "delegate" if custom else "allow",
            detail,
            custom[0] if custom else None,
            custom[1] if custom else None,
            tuple(notes),
            custom,
        )
    allow = _first_match(by_action["ALLOW"], request, notes)
    if allow is not None:
        policy, rule = allow
        return AuthorizationDecision(
            True,
            "allow",
            f"ALLOW policy {policy.key} rule {rule.index} matches",
            policy,
            rule,
            tuple(notes),
            custom,
        )
    names = ", ".join(p.key for p in by_action["ALLOW"])
    return AuthorizationDecision(
        False,
        "deny",
        f"no rule of the ALLOW policies ({names}) matches",
        by_action["ALLOW"][0],
        None,
        tuple(notes),
        custom,
    )
