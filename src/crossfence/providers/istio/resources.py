"""Istio AuthorizationPolicy and PeerAuthentication objects, read with located validation.

References: https://istio.io/latest/docs/reference/config/security/authorization-policy/ and
https://istio.io/latest/docs/reference/config/security/peer_authentication/
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crossfence.located.yamlsource import FieldPath
from crossfence.providers.kubernetes.errors import Location
from crossfence.providers.kubernetes.fields import Fields

__all__ = [
    "HTTP_ONLY_CONDITION_PREFIXES",
    "HTTP_ONLY_OPERATION_FIELDS",
    "HTTP_ONLY_SOURCE_FIELDS",
    "MTLS_MODES",
    "ROOT_NAMESPACE",
    "SERVICE_ACCOUNT_FIELDS",
    "AuthorizationPolicy",
    "AuthorizationRule",
    "Condition",
    "Operation",
    "PeerAuthentication",
    "Source",
    "parse_authorization_policy",
    "parse_peer_authentication",
]

# The default mesh config rootNamespace: policies there apply to the whole mesh.
ROOT_NAMESPACE = "istio-system"
MTLS_MODES = ("UNSET", "DISABLE", "PERMISSIVE", "STRICT")
_ACTIONS = ("ALLOW", "DENY", "AUDIT", "CUSTOM")
_SOURCE_FIELDS = (
    "principals",
    "notPrincipals",
    "requestPrincipals",
    "notRequestPrincipals",
    "namespaces",
    "notNamespaces",
    "serviceAccounts",
    "notServiceAccounts",
    "ipBlocks",
    "notIpBlocks",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
)
_OPERATION_FIELDS = (
    "hosts",
    "notHosts",
    "ports",
    "notPorts",
    "methods",
    "notMethods",
    "paths",
    "notPaths",
)
# Fields that only HTTP traffic carries (the "Authorization for TCP traffic" task and the
# AuthorizationPolicy reference: requestPrincipals need a JWT, hosts/methods/paths a request).
HTTP_ONLY_SOURCE_FIELDS = ("requestPrincipals", "notRequestPrincipals")
HTTP_ONLY_OPERATION_FIELDS = ("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")
HTTP_ONLY_CONDITION_PREFIXES = ("request.",)
# `<namespace>/<serviceaccount>` (or `<serviceaccount>`: the policy's namespace) matched against
# the peer certificate, like principals; Istio 1.25 and later
# (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source).
SERVICE_ACCOUNT_FIELDS = ("serviceAccounts", "notServiceAccounts")
# "Cannot be set with `principals` or `namespaces`": Istio's validation refuses a source that
# has any of these beside a service account field.
_NOT_WITH_SERVICE_ACCOUNTS = ("principals", "notPrincipals", "namespaces", "notNamespaces")
# Istio's validation (pkg/config/validation, ValidateAuthorizationPolicy): "%s is currently not
# supported with CUSTOM action" for these source fields and `when` keys.
_NOT_WITH_CUSTOM = (
    "namespaces",
    "notNamespaces",
    "serviceAccounts",
    "notServiceAccounts",
    "principals",
    "notPrincipals",
    "requestPrincipals",
    "notRequestPrincipals",
)
_NOT_WITH_CUSTOM_KEYS = ("source.namespace", "source.serviceAccount", "source.principal")
_CUSTOM_REFUSES = "not supported with the CUSTOM action (Istio's validation refuses it)"


@dataclass(frozen=True)
class Source:
    """One `from[].source`: every set field must match (AND); values in a field are ORed."""

    values: dict[str, tuple[str, ...]]
    location: Location


@dataclass(frozen=True)
class Operation:
    """One `to[].operation`."""

    values: dict[str, tuple[str, ...]]
    location: Location


@dataclass(frozen=True)
class Condition:
    """One `when` entry: `key` must take one of `values` and none of `not_values`."""

    key: str
    values: tuple[str, ...]
    not_values: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class AuthorizationRule:
    index: int
    sources: tuple[Source, ...]  # empty: any source
    operations: tuple[Operation, ...]  # empty: any operation
    conditions: tuple[Condition, ...]
    location: Location

    @property
    def http_only_fields(self) -> tuple[str, ...]:
        """The HTTP-only fields and `when` keys it uses, in the order they are written."""
        names = [n for s in self.sources for n in s.values if n in HTTP_ONLY_SOURCE_FIELDS]
        names += [n for o in self.operations for n in o.values if n in HTTP_ONLY_OPERATION_FIELDS]
        names += [c.key for c in self.conditions if c.key.startswith(HTTP_ONLY_CONDITION_PREFIXES)]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class AuthorizationPolicy:
    namespace: str
    name: str
    selector: dict[str, str] | None  # None: every workload of the namespace (or mesh)
    action: str
    provider: str | None
    rules: tuple[AuthorizationRule, ...]
    location: Location
    targets_other_proxies: bool = False  # targetRef(s): enforced by a gateway/waypoint

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class PeerAuthentication:
    namespace: str
    name: str
    selector: dict[str, str] | None
    mode: str  # one of MTLS_MODES
    port_modes: dict[int, str] = field(default_factory=dict)
    location: Location = field(default_factory=lambda: Location("", 0, 0))

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


def _selector(fields: Fields, spec: dict[str, Any], path: FieldPath) -> dict[str, str] | None:
    """`selector.matchLabels`, the only field of Istio's WorkloadSelector
    (https://istio.io/latest/docs/reference/config/type/workload-selector/). Another key is
    refused rather than dropped: `selector: {app: web}` read as no selector would widen the
    policy to every workload of the namespace (the API server refuses or prunes it)."""
    if spec.get("selector") is None:
        return None
    raw = fields.mapping(spec["selector"], (*path, "selector"))
    for key in raw:
        if key != "matchLabels":
            fields.error(
                (*path, "selector", key),
                "unknown field of a workload selector (expected matchLabels)",
            )
    return fields.labels(raw.get("matchLabels"), (*path, "selector", "matchLabels"))


def _values(
    fields: Fields, raw: dict[str, Any], names: tuple[str, ...], path: FieldPath
) -> dict[str, tuple[str, ...]]:
    values = {}
    for key in raw:
        if key not in names:
            fields.error((*path, key), f"unknown field (expected one of {', '.join(names)})")
    for name in names:
        if name in raw:
            values[name] = fields.strings(raw[name], (*path, name))
            if not values[name]:
                fields.error((*path, name), "an empty list matches nothing; omit the field instead")
            for k, value in enumerate(values[name]):
                if not value:
                    # Istio's validation: "empty value not allowed"
                    fields.error((*path, name, k), "an empty value is refused by Istio")
    return values


def _entries(fields: Fields, rule: dict[str, Any], key: str, path: FieldPath) -> list[Any]:
    """`from` or `to`: Istio's validation refuses an empty list ("`from` must not be empty"),
    which read as absent would match every source or operation."""
    entries = fields.sequence(rule.get(key), (*path, key))
    if key in rule and not entries:
        fields.error((*path, key), f"`{key}` must not be empty (omit it to match any)")
    return entries


def _entry(
    fields: Fields, entry: Any, key: str, names: tuple[str, ...], path: FieldPath
) -> dict[str, tuple[str, ...]]:
    """One `from[].source` or `to[].operation`. Istio's validation refuses it missing or null
    ("`from.source` must not be nil") and empty (`source: {}`: "must not be empty"): both
    refused, as the API server's validation refuses the policy (reading it as constraining
    nothing would make a DENY deny what the deployed estate, without the refused policy,
    allows)."""
    outer = fields.mapping(entry, path)
    fields.known(outer, (key,), path)
    if outer.get(key) is None:
        fields.error((*path, key), f"a {key} is required here (Istio refuses it missing or null)")
    raw = fields.mapping(outer.get(key), (*path, key))
    values = _values(fields, raw, names, (*path, key))
    if not values and isinstance(outer.get(key), dict) and not outer.get(key):
        fields.error(
            (*path, key),
            f'an empty {key} is refused by Istio\'s validation ("must not be empty"; '
            f"expected at least one field, or no `{'from' if key == 'source' else 'to'}` "
            "to match any)",
        )
    return values


def _service_accounts(
    fields: Fields, values: dict[str, tuple[str, ...]], namespace: str, path: FieldPath
) -> None:
    """Check `serviceAccounts` / `notServiceAccounts` as Istio's validation does
    (istio/istio pkg/config/security `CheckServiceAccount`, pkg/config/validation), and write
    each entry as `<namespace>/<serviceaccount>`: the reference's "`<serviceaccount>` may also be
    used to use the same namespace as the `AuthorizationPolicy`"
    (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source)."""
    used = [name for name in SERVICE_ACCOUNT_FIELDS if name in values]
    others = [name for name in _NOT_WITH_SERVICE_ACCOUNTS if name in values]
    if used and others:
        # the reference: "Cannot be set with `principals` or `namespaces`"; the validation:
        # "cannot set serviceAccounts with namespaces or principals" (their not- forms too)
        fields.error(
            (*path, used[0]),
            f"cannot be set with {', '.join(others)} (Istio refuses serviceAccounts beside "
            "principals or namespaces)",
        )
    for name in used:
        entries = values[name]
        if len(entries) > 16:
            # the CRD's maxItems and the validation's "may not have more than 16 values"
            fields.error((*path, name), f"{len(entries)} entries (Istio allows at most 16)")
        resolved = []
        for k, entry in enumerate(entries):
            expected = "expected <namespace>/<serviceaccount> or <serviceaccount>"
            if not entry:
                continue  # refused as an empty value already
            if "*" in entry:
                fields.error((*path, name, k), f"no wildcard is allowed here ({expected})")
            elif entry.count("/") > 1:
                fields.error((*path, name, k), f"{entry!r} has more than one '/' ({expected})")
            elif len(entry) > 320:
                fields.error((*path, name, k), "longer than 320 characters (Istio's limit)")
            elif entry.startswith("/") or entry.endswith("/"):
                part = "namespace" if entry.startswith("/") else "service account"
                fields.error((*path, name, k), f"{entry!r} has an empty {part} ({expected})")
            elif "." in entry:
                # the match became literal in 1.29.2, 1.28.6 and 1.27.9 (CVE-2026-39350,
                # https://github.com/istio/istio/security/advisories/GHSA-9gcg-w975-3rjh)
                fields.warn(
                    (*path, name, k),
                    f"{entry!r} is matched literally, as Istio 1.29.2, 1.28.6, 1.27.9 and later "
                    "match it; earlier releases read each '.' as any character "
                    "(CVE-2026-39350): there an ALLOW also admits, and a DENY lets through, "
                    "service accounts that differ at a dot",
                )
            resolved.append(entry if "/" in entry else f"{namespace}/{entry}")
        values[name] = tuple(resolved)


def parse_authorization_policy(
    fields: Fields, namespace: str, name: str, obj: dict[str, Any], path: FieldPath
) -> AuthorizationPolicy:
    spec_path = (*path, "spec")
    spec = fields.mapping(obj.get("spec"), spec_path)
    fields.known(
        spec, ("selector", "targetRef", "targetRefs", "action", "provider", "rules"), spec_path
    )
    action = spec.get("action", "ALLOW")
    if action not in _ACTIONS:
        fields.error((*spec_path, "action"), f"{action!r} is not ALLOW, DENY, AUDIT or CUSTOM")
        action = "ALLOW"
    provider = None
    if action != "CUSTOM" and spec.get("provider") is not None:
        # Istio's validation: "`provider` must not be with non CUSTOM action"
        fields.error((*spec_path, "provider"), f"a provider is for CUSTOM policies, not {action}")
    if action == "CUSTOM":
        provider_raw = fields.mapping(spec.get("provider"), (*spec_path, "provider"))
        provider = fields.string(provider_raw.get("name"), (*spec_path, "provider", "name"))
        if not provider:
            fields.error((*spec_path, "provider"), "a CUSTOM policy needs provider.name")
    targeted = "targetRef" in spec or "targetRefs" in spec
    if targeted and spec.get("selector") is not None:
        # the reference: "At most one of the selector and targetRefs can be set."
        fields.error(
            (*spec_path, "selector"),
            "a policy with targetRef(s) takes no selector (at most one of them can be set)",
        )
    elif targeted:
        fields.warn(
            (*spec_path, "targetRef" if "targetRef" in spec else "targetRefs"),
            "targetRef policies bind gateways/waypoints, which are not modelled; sidecars ignore it",
        )
    rules = []
    for i, raw_rule in enumerate(fields.sequence(spec.get("rules"), (*spec_path, "rules"))):
        r_path = (*spec_path, "rules", i)
        rule = fields.mapping(raw_rule, r_path)
        fields.known(rule, ("from", "to", "when"), r_path)
        sources = []
        for j, entry in enumerate(_entries(fields, rule, "from", r_path)):
            s_path = (*r_path, "from", j, "source")
            values = _entry(fields, entry, "source", _SOURCE_FIELDS, (*r_path, "from", j))
            _service_accounts(fields, values, namespace, s_path)
            for field_name in values:
                if action == "CUSTOM" and field_name in _NOT_WITH_CUSTOM:
                    fields.error((*s_path, field_name), _CUSTOM_REFUSES)
            sources.append(Source(values, fields.locate(s_path)))
        operations = []
        for j, entry in enumerate(_entries(fields, rule, "to", r_path)):
            o_path = (*r_path, "to", j, "operation")
            values = _entry(fields, entry, "operation", _OPERATION_FIELDS, (*r_path, "to", j))
            for port_field in ("ports", "notPorts"):
                for k, port in enumerate(values.get(port_field, ())):
                    if not port.isdigit() or not 1 <= int(port) <= 65535:
                        fields.error((*o_path, port_field, k), f"{port!r} is not a port 1-65535")
            operations.append(Operation(values, fields.locate(o_path)))
        conditions = []
        for j, entry in enumerate(fields.sequence(rule.get("when"), (*r_path, "when"))):
            c_path = (*r_path, "when", j)
            raw = fields.mapping(entry, c_path)
            fields.known(raw, ("key", "values", "notValues"), c_path)
            key = fields.string(raw.get("key"), (*c_path, "key"))
            values_ = fields.strings(raw.get("values"), (*c_path, "values"))
            not_values = fields.strings(raw.get("notValues"), (*c_path, "notValues"))
            if not key:
                fields.error(c_path, "a condition needs a key")
            elif action == "CUSTOM" and (
                key in _NOT_WITH_CUSTOM_KEYS or key.startswith("request.auth.")
            ):
                fields.error((*c_path, "key"), _CUSTOM_REFUSES)
            if not values_ and not not_values:
                fields.error(c_path, "a condition needs values or notValues")
            conditions.append(Condition(key, values_, not_values, fields.locate(c_path)))
        rules.append(
            AuthorizationRule(
                i, tuple(sources), tuple(operations), tuple(conditions), fields.locate(r_path)
            )
        )
    return AuthorizationPolicy(
        namespace,
        name,
        _selector(fields, spec, spec_path),
        str(action),
        provider,
        tuple(rules),
        fields.locate(path),
        targeted,
    )


def parse_peer_authentication(
    fields: Fields, namespace: str, name: str, obj: dict[str, Any], path: FieldPath
) -> PeerAuthentication:
    spec_path = (*path, "spec")
    spec = fields.mapping(obj.get("spec"), spec_path)
    fields.known(spec, ("selector", "mtls", "portLevelMtls"), spec_path)
    # Istio reads a selector without labels as none: the policy is the namespace's (or mesh's),
    # and its portLevelMtls is ignored (istio/istio ComposePeerAuthentication).
    selector = _selector(fields, spec, spec_path) or None
    mode = _mode(fields, spec.get("mtls"), (*spec_path, "mtls"))
    port_modes = {}
    raw_ports = fields.mapping(spec.get("portLevelMtls"), (*spec_path, "portLevelMtls"))
    if raw_ports and selector is None:
        # The reference: "These only apply when a workload selector is specified", and Istio's
        # validation refuses the policy: "mesh/namespace peer authentication cannot have port
        # level mTLS"
        fields.error(
            (*spec_path, "portLevelMtls"),
            "port-level mTLS needs a selector with labels (Istio refuses it on a mesh or "
            "namespace policy)",
        )
    elif spec.get("portLevelMtls") is not None and not raw_ports:
        fields.error(
            (*spec_path, "portLevelMtls"), "port-level mTLS, if defined, needs at least one port"
        )
    for port, setting in raw_ports.items():
        p_path = (*spec_path, "portLevelMtls", str(port))
        number = int(port) if str(port).isdigit() else None
        if number is None or not 1 <= number <= 65535:
            fields.error(p_path, f"{port!r} is not a port 1-65535")
            continue
        if selector is not None:
            port_modes[number] = _mode(fields, setting, p_path)
    return PeerAuthentication(namespace, name, selector, mode, port_modes, fields.locate(path))


def _mode(fields: Fields, value: Any, path: FieldPath) -> str:
    raw = fields.mapping(value, path)
    fields.known(raw, ("mode",), path)
    mode = raw.get("mode", "UNSET")
    if mode not in MTLS_MODES:
        fields.error((*path, "mode"), f"{mode!r} is not UNSET, DISABLE, PERMISSIVE or STRICT")
        return "UNSET"
    return str(mode)
