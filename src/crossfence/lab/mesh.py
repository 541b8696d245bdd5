"""The mesh as Envoy enforces it: each sidecar's mTLS mode per port and its AuthorizationPolicies as Envoy RBAC.

Written from Istio's documentation, not from crossfence's evaluation of it, so that the lab's
sidecars are a second reading:

- PeerAuthentication (https://istio.io/latest/docs/reference/config/security/peer_authentication/,
  https://cloud.google.com/service-mesh/docs/security/configuring-mtls): "a workload-specific
  policy takes precedence over a namespace-specific one", which overrides the mesh-wide one in
  the root namespace (where a policy with a selector is ignored); `portLevelMtls` overrides the
  workload's mode on a port; `UNSET` inherits from the level above; without any policy the mode
  is PERMISSIVE (Istio's default).
- AuthorizationPolicy (https://istio.io/latest/docs/reference/config/security/authorization-policy/):
  "If there are any DENY policies that match the request, deny the request. If there are no
  ALLOW policies for the workload, allow the request. If any of the ALLOW policies match the
  request, allow the request. Deny the request." A rule matches when one of its sources, one of
  its operations and all of its conditions match; a field with several values matches any.
  Values take `*` as a prefix or suffix wildcard; principals are SPIFFE ids without `spiffe://`.
- On a port the sidecar does not read as HTTP ("Authorization for TCP traffic",
  https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/): an ALLOW rule with an
  HTTP-only field never matches; a DENY rule's HTTP-only fields are ignored.

Policies become the two RBAC filters Istio generates: one DENY, then one ALLOW when some ALLOW
policy applies (an ALLOW filter without a matching policy denies).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from ..providers.istio.resources import (
    HTTP_ONLY_CONDITION_PREFIXES,
    HTTP_ONLY_OPERATION_FIELDS,
    HTTP_ONLY_SOURCE_FIELDS,
    ROOT_NAMESPACE,
    AuthorizationPolicy,
    AuthorizationRule,
    Condition,
)
from ..providers.kubernetes.resources import Cluster, Pod

__all__ = ["Rbac", "applicable", "peer_mode", "rbac", "string_match"]

Json = dict[str, Any]
_ANY: Json = {"any": True}
_NOTHING: Json = {"not_id": {"any": True}}


def _selects(selector: dict[str, str] | None, pod: Pod) -> bool:
    return selector is None or all(pod.labels.get(k) == v for k, v in selector.items())


def peer_mode(cluster: Cluster, pod: Pod, port: int) -> str:
    """STRICT, PERMISSIVE or DISABLE: the mTLS mode of the pod's sidecar on `port`."""
    policies = cluster.peer_authentications
    workload = [
        p
        for p in policies
        if p.namespace == pod.namespace and p.selector and _selects(p.selector, pod)
    ]
    namespace = [p for p in policies if p.namespace == pod.namespace and p.selector is None]
    mesh = [p for p in policies if p.namespace == ROOT_NAMESPACE and p.selector is None]
    candidates: list[str] = []
    if workload:
        candidates += [workload[0].port_modes.get(port, "UNSET"), workload[0].mode]
    if namespace:
        candidates.append(namespace[0].mode)
    if mesh:
        candidates.append(mesh[0].mode)
    return next((m for m in candidates if m != "UNSET"), "PERMISSIVE")


def applicable(cluster: Cluster, pod: Pod) -> list[AuthorizationPolicy]:
    """The policies a sidecar enforces: its namespace's and the root namespace's that select it."""
    return [
        p
        for p in cluster.authorization_policies
        if p.namespace in (pod.namespace, ROOT_NAMESPACE)
        and not p.targets_other_proxies
        and _selects(p.selector, pod)
    ]


def string_match(value: str, prefix: str = "") -> Json:
    """An Envoy StringMatcher for an Istio value: `*` alone is any non-empty value, a leading
    `*` a suffix, a trailing one a prefix; `prefix` is prepended to exact and prefix values."""
    if value == "*":
        return {"safe_regex": {"regex": ".+"}}
    if value.startswith("*"):
        return {"suffix": value[1:]}
    if value.endswith("*"):
        return {"prefix": prefix + value[:-1]}
    return {"exact": prefix + value}


def _cidr(text: str) -> Json:
    network = ipaddress.ip_network(text, strict=False)
    return {"address_prefix": str(network.network_address), "prefix_len": network.prefixlen}


def _any_of(items: list[Json], key: str) -> Json:
    """One item, or all of them ORed (`or_ids` / `or_rules`)."""
    if len(items) == 1:
        return items[0]
    return {f"or_{key}": {key: items}}


def _all_of(items: list[Json], key: str) -> Json:
    items = [i for i in items if i != _ANY]
    if not items:
        return dict(_ANY)
    if len(items) == 1:
        return items[0]
    return {f"and_{key}": {key: items}}


@dataclass
class Rbac:
    """A sidecar's authorization on one port, as Envoy RBAC filter configurations."""

    filters: list[Json] = field(default_factory=list)
    """`rules` of each RBAC filter, in order (DENY, then ALLOW)."""
    notes: list[str] = field(default_factory=list)
    """What Envoy was not told (fields the lab does not carry: request principals, some
    conditions), so a difference there is known."""


class _Translator:
    def __init__(self, http: bool, notes: list[str]) -> None:
        self.http = http
        self.notes = notes

    def principal(self, name: str, values: tuple[str, ...], where: str) -> Json | None:
        """The principals a source field matches (None: the field is left out)."""
        items: list[Json]
        if name in ("principals", "notPrincipals"):
            items = [
                {"authenticated": {"principal_name": string_match(v, "spiffe://")}} for v in values
            ]
        elif name in ("namespaces", "notNamespaces"):
            items = [
                {
                    "authenticated": {
                        "principal_name": {
                            "safe_regex": {"regex": f".*/ns/{_namespace_regex(v)}/.*"}
                        }
                    }
                }
                for v in values
            ]
        elif name in ("serviceAccounts", "notServiceAccounts"):
            # Istio's generator (pilot/pkg/security/authz/model/generator.go,
            # serviceAccountRegex); the parser wrote each entry `<namespace>/<serviceaccount>`
            items = [
                {
                    "authenticated": {
                        "principal_name": {"safe_regex": {"regex": _service_account_regex(v)}}
                    }
                }
                for v in values
            ]
        elif name in ("ipBlocks", "notIpBlocks"):
            items = [{"direct_remote_ip": _cidr(v)} for v in values]
        elif name in ("remoteIpBlocks", "notRemoteIpBlocks"):
            items = [{"remote_ip": _cidr(v)} for v in values]
        elif name in ("requestPrincipals", "notRequestPrincipals"):
            # a request principal comes from a JWT the lab's requests never carry: the field
            # matches no request, its negation every one
            self.notes.append(f"{where}: {name} needs a JWT; the lab's requests carry none")
            items = [dict(_NOTHING)]
        else:
            self.notes.append(f"{where}: source field {name} is not built")
            return None
        matched = _any_of(items, "ids")
        return {"not_id": matched} if name.startswith("not") else matched

    def permission(self, name: str, values: tuple[str, ...]) -> Json:
        items: list[Json]
        if name in ("ports", "notPorts"):
            items = [{"destination_port": int(v)} for v in values]
        elif name in ("methods", "notMethods"):
            items = [{"header": {"name": ":method", "string_match": {"exact": v}}} for v in values]
        elif name in ("paths", "notPaths"):
            items = [{"url_path": {"path": string_match(v)}} for v in values]
        else:  # hosts, notHosts
            items = [
                {
                    "header": {
                        "name": ":authority",
                        "string_match": {**string_match(v), "ignore_case": True},
                    }
                }
                for v in values
            ]
        matched = _any_of(items, "rules")
        return {"not_rule": matched} if name.startswith("not") else matched

    def condition(self, condition: Condition, where: str) -> tuple[str, Json] | None:
        """("principal" or "permission", the matcher) of one `when` condition."""
        key = condition.key

        def side(values: tuple[str, ...]) -> tuple[str, Json] | None:
            if key in ("source.ip", "remote.ip"):
                kind = "direct_remote_ip" if key == "source.ip" else "remote_ip"
                return "principal", _any_of([{kind: _cidr(v)} for v in values], "ids")
            if key == "source.namespace":
                return "principal", self.principal("namespaces", values, where)  # type: ignore[return-value]
            if key == "source.principal":
                return "principal", self.principal("principals", values, where)  # type: ignore[return-value]
            if key == "destination.port":
                return "permission", _any_of(
                    [{"destination_port": int(v)} for v in values], "rules"
                )
            if key == "destination.ip":
                return "permission", _any_of(
                    [{"destination_ip": _cidr(v)} for v in values], "rules"
                )
            if key == "connection.sni":
                return "permission", _any_of(
                    [{"requested_server_name": string_match(v)} for v in values], "rules"
                )
            header = re.fullmatch(r"request\.headers\[(.+)\]", key)
            if header:
                return "permission", _any_of(
                    [
                        {
                            "header": {
                                "name": header.group(1).lower(),
                                "string_match": string_match(v),
                            }
                        }
                        for v in values
                    ],
                    "rules",
                )
            return None

        parts: list[tuple[str, Json]] = []
        if condition.values:
            found = side(condition.values)
            if found is None:
                self.notes.append(f"{where}: condition {key} is not built")
                return None
            parts.append(found)
        if condition.not_values:
            found = side(condition.not_values)
            if found is None:
                self.notes.append(f"{where}: condition {key} is not built")
                return None
            kind, matcher = found
            parts.append((kind, {"not_id" if kind == "principal" else "not_rule": matcher}))
        if len(parts) == 1:
            return parts[0]
        kinds = {k for k, _ in parts}
        kind = kinds.pop() if len(kinds) == 1 else "permission"
        key_name = "ids" if kind == "principal" else "rules"
        return kind, _all_of([m for _, m in parts], key_name)

    def rule(self, policy: AuthorizationPolicy, rule: AuthorizationRule) -> Json | None:
        """The Envoy policy of one rule, or None when the rule can match nothing here."""
        where = f"AuthorizationPolicy {policy.key} rule {rule.index}"
        uses_http = bool(rule.http_only_fields)
        if uses_http and not self.http and policy.action == "ALLOW":
            return None  # never matches on a port the sidecar reads as TCP
        principals: list[Json] = []
        for source in rule.sources:
            fields = []
            for name, values in source.values.items():
                if name in HTTP_ONLY_SOURCE_FIELDS and not self.http:
                    continue
                found = self.principal(name, values, where)
                if found is not None:
                    fields.append(found)
            principals.append(_all_of(fields, "ids"))
        permissions: list[Json] = []
        for operation in rule.operations:
            fields = [
                self.permission(name, values)
                for name, values in operation.values.items()
                if self.http or name not in HTTP_ONLY_OPERATION_FIELDS
            ]
            permissions.append(_all_of(fields, "rules"))
        who = [_any_of(principals, "ids")] if principals else [dict(_ANY)]
        what = [_any_of(permissions, "rules")] if permissions else [dict(_ANY)]
        for condition in rule.conditions:
            if not self.http and condition.key.startswith(HTTP_ONLY_CONDITION_PREFIXES):
                continue
            built = self.condition(condition, where)
            if built is None:
                if policy.action == "ALLOW":
                    return None  # not built: the lab's sidecar allows less, never more
                continue
            kind, matcher = built
            (who if kind == "principal" else what).append(matcher)
        return {
            "permissions": [_all_of(what, "rules")],
            "principals": [_all_of(who, "ids")],
        }


def _service_account_regex(entry: str) -> str:
    """`spiffe://.+/ns/<namespace>/(.+/|)sa/<serviceaccount>(/.+)?`, both quoted: any trust
    domain, the account whole."""
    namespace, _, account = entry.partition("/")
    return rf"spiffe://.+/ns/{re.escape(namespace)}/(.+/|)sa/{re.escape(account)}(/.+)?"


def _namespace_regex(value: str) -> str:
    if value == "*":
        return "[^/]+"
    escaped = re.escape(value.strip("*"))
    if value.startswith("*"):
        return f"[^/]*{escaped}"
    if value.endswith("*"):
        return f"{escaped}[^/]*"
    return escaped


def rbac(cluster: Cluster, pod: Pod, http: bool) -> Rbac:
    """The RBAC filters of `pod`'s sidecar on a port read as HTTP (`http`) or as TCP."""
    out = Rbac()
    translator = _Translator(http, out.notes)
    policies = applicable(cluster, pod)
    for action in ("DENY", "ALLOW"):
        chosen = [p for p in policies if p.action == action]
        if action == "ALLOW" and not chosen:
            break  # no ALLOW policy: everything the DENY filter let through is allowed
        rules: dict[str, Json] = {}
        for policy in chosen:
            for rule in policy.rules:
                built = translator.rule(policy, rule)
                if built is not None:
                    rules[f"{policy.key}[{rule.index}]"] = built
        if action == "DENY" and not rules:
            continue
        out.filters.append({"action": action, "policies": rules})
    for policy in policies:
        if policy.action in ("CUSTOM", "AUDIT"):
            out.notes.append(f"AuthorizationPolicy {policy.key}: {policy.action} is not built")
    return out
