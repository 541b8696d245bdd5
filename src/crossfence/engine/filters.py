"""Evaluating IR filters: one packet with the rule that decided (traces), or services allowed (matrix)."""

from __future__ import annotations

from dataclasses import dataclass

from ..algebra.packets import ServiceSet
from ..ir.types import EPHEMERAL_PORTS, Filter, FilterRule

__all__ = [
    "Decision",
    "allowed_services",
    "decide",
    "decide_for_requests",
    "decide_reply",
    "reply_services",
]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a filter did to one packet."""

    allowed: bool
    rule: FilterRule | None
    """The rule that decided; None when the filter's default did."""


def _ports_match(rule: FilterRule, protocol: str, source_port: int | None) -> bool:
    if rule.source_ports is None:
        return True
    if source_port is None:
        # A forward packet comes from some ephemeral client port: a source-port rule covers it
        # only if it covers the whole ephemeral range.
        low, high = EPHEMERAL_PORTS
        return ServiceSet.ports(protocol, low, high).issubset(rule.source_ports)
    return rule.source_ports.contains(protocol, source_port)


def decide(
    flt: Filter,
    local: int,
    remote: int,
    protocol: str,
    port: int | None,
    source_port: int | None = None,
) -> Decision:
    """First-match evaluation of one packet (`local` is the address on the filter's side)."""
    skip_group: int | None = None
    for rule in flt.rules:
        if skip_group is not None and rule.group == skip_group:
            continue
        if (
            remote in rule.remote
            and local in rule.local
            and rule.services.contains(protocol, port)
            and _ports_match(rule, protocol, source_port)
        ):
            if rule.action == "next":
                skip_group = rule.group
                continue
            return Decision(rule.action == "allow", rule)
    return Decision(flt.default == "allow", None)


def decide_for_requests(
    flt: Filter, local: int, remote: int, protocol: str, port: int | None
) -> tuple[Decision, tuple[str, ...]]:
    """First-match evaluation when rules carry request conditions: the decision and what a
    request must satisfy for it. A rule with conditions splits the requests: those that meet
    them take its action, the others go on down the list."""
    rules = flt.rules

    def walk(start: int) -> tuple[Decision, tuple[str, ...]]:
        for index in range(start, len(rules)):
            rule = rules[index]
            if not (
                remote in rule.remote
                and local in rule.local
                and rule.services.contains(protocol, port)
                and _ports_match(rule, protocol, None)
            ):
                continue
            if not rule.conditions:
                return Decision(rule.action == "allow", rule), ()
            when = " and ".join(rule.conditions)
            rest, rest_conditions = walk(index + 1)
            if rule.action == "allow":
                if rest.allowed and not rest_conditions:
                    return rest, ()
                alternative = f" (or: {'; '.join(rest_conditions)})" if rest.allowed else ""
                return Decision(True, rule), (f"{when}{alternative}",)
            if not rest.allowed:
                return rest, ()
            return rest, (f"not ({when})", *rest_conditions)
        return Decision(flt.default == "allow", None), ()

    return walk(0)


def _reply_match(rule: FilterRule, protocol: str, service_port: int | None) -> bool:
    """Does `rule` match the reply to a connection on `service_port`?

    The reply leaves the service port for the client's ephemeral port, which the filter cannot
    know: the rule must cover the whole ephemeral range (the same rule as `reply_services`, so
    `reach` and `matrix` agree).
    """
    if service_port is None:  # ICMP and other portless protocols
        return rule.services.contains(protocol, None)
    low, high = EPHEMERAL_PORTS
    if not ServiceSet.ports(protocol, low, high).issubset(rule.services):
        return False
    return rule.source_ports is None or rule.source_ports.contains(protocol, service_port)


def decide_reply(
    flt: Filter, local: int, remote: int, protocol: str, service_port: int | None
) -> Decision:
    """First-match evaluation of the reply to a connection (stateless filters)."""
    for rule in flt.rules:
        # stateless filters have no groups: a `next` rule takes the packet and allows nothing,
        # as in `reply_services`
        if (
            remote in rule.remote
            and local in rule.local
            and _reply_match(rule, protocol, service_port)
        ):
            return Decision(rule.action == "allow", rule)
    return Decision(flt.default == "allow", None)


def _some_requests_denied(rule: FilterRule) -> bool:
    """A deny rule with request conditions denies some requests, not the service: the services a
    filter may let through pass it by (an allow rule with conditions lets some requests through,
    which the services count as allowed, like an IAP-protected backend)."""
    return bool(rule.conditions) and rule.action != "allow"


def allowed_services(flt: Filter, local: int, remote: int) -> ServiceSet:
    """Every service a forward packet between the two addresses may use through the filter
    (for some request, where rules carry request conditions)."""
    allowed = ServiceSet.none()
    remaining = ServiceSet.all()
    skipped_by_group: dict[int, ServiceSet] = {}
    for rule in flt.rules:
        if remaining.is_empty():
            break
        if remote not in rule.remote or local not in rule.local or _some_requests_denied(rule):
            continue
        if rule.source_ports is not None:
            low, high = EPHEMERAL_PORTS
            covered = [
                p
                for p in ("tcp", "udp", "sctp")
                if ServiceSet.ports(p, low, high).issubset(rule.source_ports)
            ]
            scope = ServiceSet.union_all(ServiceSet.protocol(p) for p in covered)
        else:
            scope = ServiceSet.all()
        live = remaining - skipped_by_group.get(rule.group, ServiceSet.none())
        matched = live & rule.services & scope
        if matched.is_empty():
            continue
        if rule.action == "next":
            skipped_by_group[rule.group] = (
                skipped_by_group.get(rule.group, ServiceSet.none()) | matched
            )
            continue
        if rule.action == "allow":
            allowed = allowed | matched
        remaining = remaining - matched
    if flt.default == "allow":
        allowed = allowed | remaining
    return allowed


def reply_services(flt: Filter, local: int, remote: int) -> ServiceSet:
    """Forward services whose replies a stateless filter lets through.

    The reply to a connection on port p leaves from p towards an ephemeral client port: a rule
    matches it when its source ports hold p and its destination ports hold the ephemeral range.
    """
    low, high = EPHEMERAL_PORTS
    allowed = ServiceSet.none()
    remaining = ServiceSet.all()
    for rule in flt.rules:
        if remaining.is_empty():
            break
        if remote not in rule.remote or local not in rule.local or _some_requests_denied(rule):
            continue
        protocols = [
            p
            for p in ("tcp", "udp", "sctp")
            if ServiceSet.ports(p, low, high).issubset(rule.services)
        ]
        ported = ServiceSet.union_all(ServiceSet.protocol(p) for p in protocols)
        if rule.source_ports is not None:
            ported = ported & rule.source_ports
        portless = rule.services - ServiceSet.union_all(
            ServiceSet.protocol(p) for p in ("tcp", "udp", "sctp")
        )
        matched = remaining & (ported | portless)
        if rule.action == "allow":
            allowed = allowed | matched
        remaining = remaining - matched
    if flt.default == "allow":
        allowed = allowed | remaining
    return allowed
