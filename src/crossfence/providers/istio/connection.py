"""The destination sidecar's authorization of one connection, as the port's protocol lets it see the traffic: allowed, denied, or allowed only for some requests.

The port's protocol (`crossfence.providers.istio.protocol`) decides what the sidecar sees, not
the question asked:

- opaque (TLS or TCP): the TCP reading. HTTP-only fields never match there, as the "TCP
  traffic" task shows (https://istio.io/latest/docs/tasks/security/authorization/authz-tcp/):
  an ALLOW rule using one is ignored, a DENY rule drops it and applies on the rest. A method or
  path given with the question is invisible to the sidecar and is said to be.
- HTTP (and auto-detection when the question gives a method or path, which the sidecar then
  detects): every request the connection may carry is considered. The attributes the question
  leaves open (method, path, host) are enumerated: one witness request per region of the
  patterns that the rules able to match this client name (an exact value; a prefix and a
  suffix pattern joined by a character no pattern holds), which covers every distinct answer.
  Every witness allowed: allowed; none: denied; some: allowed with conditions, the ALLOW rules'
  remaining HTTP fields and the DENY rules that still exclude some of those requests.
- auto-detection without a method or path, or Services that disagree (AMBIGUOUS): the TCP
  reading first; a connection it allows carries any request (an ALLOW rule without HTTP-only
  fields matches every HTTP request too, and a DENY rule matches at least the requests it
  matches as TCP), so it is allowed whatever the client speaks. Otherwise the HTTP requests it
  allows are the answer, with the condition that the sidecar reads the traffic as HTTP: never a
  silent "allowed", never "denied" while some requests are allowed.

A CUSTOM policy that matches hands the request to its external authorizer: what is allowed is
then allowed only if that provider allows it, a condition of the answer like the others.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from crossfence.providers.istio.authz import (
    OPERATION_ATTRIBUTES,
    AuthorizationDecision,
    Request,
    alternative_matches,
    applicable,
    authorize,
    residual,
)
from crossfence.providers.istio.protocol import AMBIGUOUS, AUTO, HTTP, PortProtocol, port_protocol
from crossfence.providers.istio.resources import AuthorizationPolicy, AuthorizationRule
from crossfence.providers.kubernetes.errors import Location
from crossfence.providers.kubernetes.resources import Cluster, Pod

__all__ = ["ConnectionDecision", "authorize_connection", "describe_http_fields"]

_ATTRIBUTES = ("method", "path", "host")
_FILLERS = "~\x00"
"""Characters a request attribute's witness puts between a prefix and a suffix (the first one
no pattern holds; then the private-use area)."""

Alternative = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class ConnectionDecision:
    """The sidecar's answer for a connection, with the decision its trace cites."""

    allowed: bool
    conditions: tuple[str, ...]
    """Non-empty: allowed only for the traffic these describe (each must hold)."""
    decision: AuthorizationDecision
    """The sidecar's decision for one representative request (its policy and rule are cited)."""
    protocol: PortProtocol
    detail: str
    notes: tuple[str, ...] = field(default=())

    @property
    def action(self) -> str:
        """`allow`, `deny` or `delegate`, as `AuthorizationDecision.action`."""
        return self.decision.action

    @property
    def location(self) -> Location | None:
        """Where the cited rule (or policy) is written."""
        return self.decision.location

    @property
    def explanation(self) -> str:
        """`detail`, then each note, `; `-separated: what a trace step says."""
        return self.detail + "".join(f"; {note}" for note in self.notes)


def _join(values: Iterable[str]) -> str:
    return " or ".join(values)


def describe_http_fields(fields: Alternative) -> str:
    """`{"methods": (GET, POST), "paths": (/api/*,)}` -> `GET or POST on /api/*`."""
    words = []
    if "methods" in fields:
        words.append(_join(fields["methods"]))
    if "notMethods" in fields:
        words.append(f"not {_join(fields['notMethods'])}")
    if "paths" in fields:
        words.append(f"on {_join(fields['paths'])}")
    if "notPaths" in fields:
        words.append(f"not on {_join(fields['notPaths'])}")
    if "hosts" in fields:
        words.append(f"for host {_join(fields['hosts'])}")
    if "notHosts" in fields:
        words.append(f"not for host {_join(fields['notHosts'])}")
    return " ".join(words)


def _witnesses(patterns: set[str]) -> list[str]:
    """One value per region of Istio's string patterns (exact, `prefix*`, `*suffix`, `*`)."""
    exact = {
        p for p in patterns if p and p != "*" and not p.startswith("*") and not p.endswith("*")
    }
    prefixes = {p[:-1] for p in patterns if p.endswith("*") and p != "*"} | {""}
    suffixes = {p[1:] for p in patterns if p.startswith("*") and not p.endswith("*")} | {""}
    # a character no pattern holds: no pattern can match across it, so `prefix + filler +
    # suffix` matches exactly the prefixes of `prefix` and the suffixes of `suffix`
    candidates = itertools.chain(_FILLERS, (chr(c) for c in range(0xE000, 0xF900)))
    filler = next(c for c in candidates if not any(c in p for p in patterns))
    joined = {p + filler + s for p in prefixes for s in suffixes}
    return sorted(exact) + sorted(joined - exact)


@dataclass(frozen=True)
class _Part:
    """A rule that can match some HTTP request of the connection, and what it still needs."""

    policy: AuthorizationPolicy
    rule: AuthorizationRule
    alternatives: tuple[Alternative, ...]

    @property
    def where(self) -> str:
        return f"AuthorizationPolicy {self.policy.key} rule {self.rule.index}"


def _notes(decisions: Iterable[AuthorizationDecision]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(note for d in decisions for note in d.notes))


def _delegations(decisions: Iterable[AuthorizationDecision]) -> tuple[str, ...]:
    """The CUSTOM providers the allowed requests still need to be allowed by: never a silent
    "allowed" where an external authorizer decides."""
    return tuple(
        dict.fromkeys(d.delegation for d in decisions if d.allowed and d.delegation is not None)
    )


def _http(
    cluster: Cluster, pod: Pod, request: Request, protocol: PortProtocol
) -> ConnectionDecision:
    """Every HTTP request the connection may carry (see the module docstring)."""
    http = dataclasses.replace(request, http=True)
    unknown = frozenset(a for a in _ATTRIBUTES if getattr(request, a) is None)
    policies = applicable(cluster, pod)
    parts = [
        _Part(policy, rule, alternatives)
        for policy in policies
        # CUSTOM rules too: the requests they hand to their provider are a region of their own
        if policy.action in ("ALLOW", "DENY", "CUSTOM")
        for rule in policy.rules
        for alternatives in (residual(rule, http, policy.action, unknown),)
        if alternatives is not None
    ]
    patterns: dict[str, set[str]] = {a: set() for a in unknown}
    for part in parts:
        for alternative in part.alternatives:
            for name, values in alternative.items():
                patterns[OPERATION_ATTRIBUTES[name]].update(values)
    choices = [
        _witnesses(patterns[a]) if a in unknown else [getattr(request, a)] for a in _ATTRIBUTES
    ]
    requests = [
        dataclasses.replace(http, method=method, path=path, host=host)
        for method, path, host in itertools.product(*choices)
    ]
    decisions = [authorize(cluster, pod, r) for r in requests]
    allowed = [d for d in decisions if d.allowed]
    notes = _notes(decisions)
    # a question that names no request, or leaves some of it open, is about every request
    several = len(decisions) > 1 or (request.method is None and request.path is None)
    if not allowed:
        first = decisions[0]
        detail = f"no HTTP request is allowed: {first.detail}" if several else first.detail
        return ConnectionDecision(False, (), first, protocol, detail, notes)
    if len(allowed) == len(decisions):
        detail = (
            f"every HTTP request is allowed: {allowed[0].detail}" if several else allowed[0].detail
        )
        return ConnectionDecision(True, _delegations(allowed), allowed[0], protocol, detail, notes)
    conditions = [*_conditions(parts, policies, requests), *_delegations(allowed)]
    detail = f"allowed only for the HTTP requests the conditions describe: {allowed[0].detail}"
    return ConnectionDecision(True, tuple(conditions), allowed[0], protocol, detail, notes)


def _conditions(
    parts: list[_Part], policies: list[AuthorizationPolicy], requests: list[Request]
) -> list[str]:
    """The ALLOW rules' remaining HTTP fields (one must hold), then each DENY rule that still
    excludes some of the requests they let through."""
    allows = [
        (part, a) for part in parts if part.policy.action == "ALLOW" for a in part.alternatives
    ]
    guarded = any(p.action == "ALLOW" for p in policies)
    conditions = []
    if guarded and not any(not alternative for _, alternative in allows):
        conditions.append(
            "an HTTP request "
            + " or ".join(f"{describe_http_fields(a)} ({part.where})" for part, a in allows)
        )
    admitted = [
        r for r in requests if not guarded or any(alternative_matches(a, r) for _, a in allows)
    ]
    for part in parts:
        if part.policy.action != "DENY":
            continue
        for alternative in part.alternatives:
            if any(alternative_matches(alternative, r) for r in admitted):
                conditions.append(
                    f"an HTTP request other than {describe_http_fields(alternative)} "
                    f"(DENY {part.where})"
                )
    return conditions


def authorize_connection(cluster: Cluster, pod: Pod, request: Request) -> ConnectionDecision:
    """The sidecar's answer for a connection to `pod`; `request` holds its TCP attributes and
    the method, path and host the question fixes (None: any)."""
    protocol = port_protocol(cluster, pod, request.port)
    asked = request.method is not None or request.path is not None
    tcp = dataclasses.replace(request, http=False)
    if protocol.opaque:
        decision = authorize(cluster, pod, tcp)
        notes = decision.notes
        if asked:
            notes += ("the sidecar does not see the method or path on this port",)
        return ConnectionDecision(
            decision.allowed, _delegations((decision,)), decision, protocol, decision.detail, notes
        )
    if protocol.kind == HTTP or (protocol.kind == AUTO and asked):
        return _http(cluster, pod, request, protocol)
    opaque = authorize(cluster, pod, tcp)
    if opaque.allowed:
        detail = f"allowed whatever the client speaks, as TCP: {opaque.detail}"
        return ConnectionDecision(
            True, _delegations((opaque,)), opaque, protocol, detail, opaque.notes
        )
    http = _http(cluster, pod, request, protocol)
    if not http.allowed:
        detail = f"denied as TCP: {opaque.detail}; and as HTTP: {http.detail}"
        return ConnectionDecision(
            False, (), opaque, protocol, detail, _notes((opaque, http.decision)) + http.notes
        )
    if protocol.kind == AMBIGUOUS:
        reading = (
            f"the sidecar reading port {request.port} as HTTP (its Services disagree; "
            "read as TCP the connection is denied)"
        )
    else:
        reading = (
            f"HTTP traffic (the sidecar auto-detects the protocol on port {request.port}; "
            "other traffic is denied)"
        )
    detail = f"denied as TCP ({opaque.detail}); {http.detail}"
    return ConnectionDecision(
        True, (reading, *http.conditions), http.decision, protocol, detail, http.notes
    )
