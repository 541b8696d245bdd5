"""The IR's filters as nftables: one base chain per filter, stateful where the cloud is, counters on every rule.

Each filter becomes a base chain of its own on its hook, in the order the engine applies them
(increasing priority): a rule that allows `accept`s, which ends that chain only, so the next
filter still sees the packet; a rule that denies `drop`s, which ends everything. A stateful
filter accepts what belongs to a connection it already let through (`ct state
established,related`), as cloud firewalls and security groups do; a stateless one (a Scaleway VPC
ACL, an AWS network ACL, a stateless security group) evaluates every packet, replies included.
GCP firewall policy rules whose action is `goto_next` (`next`) send the packet to the next group
of rules: each group is a chain the base chain jumps to, and `next` returns from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..algebra.packets import IpSet, ServiceSet
from ..ir.types import Filter, FilterRule

__all__ = [
    "TABLE",
    "Chain",
    "Ruleset",
    "address_set",
    "filter_chains",
    "quote",
    "rule_lines",
    "service_matches",
]

TABLE = "crossfence"
_PORTED = ("tcp", "udp", "sctp")
_PORTED_NUMBERS = {6, 17, 132}


def quote(text: str) -> str:
    cleaned = text.replace('"', "'").replace("\\", "/")
    encoded = cleaned.encode()[:120].decode(errors="ignore")
    return f'"{encoded}"'


def address_set(addresses: IpSet) -> str | None:
    """`10.0.0.0/8` or `{ 10.0.0.0/8, 172.16.0.0/22 }`; None for every address (no match)."""
    if addresses == IpSet.all():
        return None
    cidrs = [str(c) for c in addresses.to_cidrs()]
    return cidrs[0] if len(cidrs) == 1 else "{ " + ", ".join(cidrs) + " }"


def _ports(ranges: list[tuple[int, int]]) -> str:
    items = [str(low) if low == high else f"{low}-{high}" for low, high in ranges]
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def service_matches(services: ServiceSet, source_ports: ServiceSet | None = None) -> list[str]:
    """The nftables matches that together hold exactly `services` (destination ports) and, when
    given, `source_ports`: one match per protocol, `[""]` for every packet, `[]` for none."""
    if services.is_empty():
        return []
    if services == ServiceSet.all() and source_ports is None:
        return [""]
    out: list[str] = []
    for protocol in _PORTED:
        ranges = services.port_ranges(protocol)
        if not ranges:
            continue
        match = f"meta l4proto {protocol}"
        if ranges != [(0, 65535)]:
            match += f" th dport {_ports(ranges)}"
        if source_ports is not None:
            source = source_ports.port_ranges(protocol)
            if not source:
                continue
            if source != [(0, 65535)]:
                match += f" th sport {_ports(source)}"
        out.append(match)
    others = [n for n in range(256) if n not in _PORTED_NUMBERS and services.contains(n)]
    if others and source_ports is None:
        listed = ", ".join(str(n) for n in others)
        out.append(f"meta l4proto {{ {listed} }}" if len(others) > 1 else f"meta l4proto {listed}")
    return out


@dataclass
class Chain:
    """One nftables chain: a base chain when it has a hook."""

    name: str
    rules: list[str] = field(default_factory=list)
    hook: str | None = None
    priority: int = 0
    kind: str = "filter"

    def render(self) -> str:
        lines = [f"  chain {self.name} {{"]
        if self.hook is not None:
            lines.append(
                f"    type {self.kind} hook {self.hook} priority {self.priority}; policy accept;"
            )
        lines += [f"    {rule}" for rule in self.rules]
        lines.append("  }")
        return "\n".join(lines)


@dataclass
class Ruleset:
    """The lab's table in one namespace (`table inet crossfence`)."""

    chains: list[Chain] = field(default_factory=list)
    _priorities: dict[str, int] = field(default_factory=dict)

    def chain(self, name: str) -> Chain:
        for chain in self.chains:
            if chain.name == name:
                return chain
        chain = Chain(name)
        self.chains.append(chain)
        return chain

    def base(
        self, name: str, hook: str, kind: str = "filter", priority: int | None = None
    ) -> Chain:
        """A new base chain on `hook`, after the ones already there."""
        if priority is None:
            priority = self._priorities.get(hook, 0)
            self._priorities[hook] = priority + 1
        chain = Chain(name, hook=hook, priority=priority, kind=kind)
        self.chains.append(chain)
        return chain

    def render(self) -> str:
        # the table is created, emptied and filled in one transaction (`nft -f` is atomic)
        body = "\n".join(c.render() for c in self.chains)
        return f"table inet {TABLE}\ndelete table inet {TABLE}\ntable inet {TABLE} {{\n{body}\n}}\n"


def _match(field: str, addresses: IpSet) -> str | None:
    """`ip saddr ...`; "" when every address matches; None when none does."""
    if addresses.is_empty():
        return None
    rendered = address_set(addresses)
    return "" if rendered is None else f"ip {field} {rendered}"


def rule_lines(rule: FilterRule, remote: str, local: str, verdict: str, comment: str) -> list[str]:
    """The nftables rules of one IR rule (one per protocol); none when it can match nothing.
    `remote` and `local` are the packet fields the rule's addresses are matched against."""
    remote_match = _match(remote, rule.remote)
    local_match = _match(local, rule.local)
    if remote_match is None or local_match is None:
        return []
    lines = []
    for services in service_matches(rule.services, rule.source_ports):
        words = [w for w in (remote_match, local_match, services) if w]
        lines.append(" ".join([*words, "counter", verdict, "comment", quote(comment)]))
    return lines


_VERDICTS = {"allow": "accept", "deny": "drop", "next": "return"}


def filter_chains(
    ruleset: Ruleset,
    flt: Filter,
    hook: str,
    name: str,
    remote: str,
    local: str,
    guard: Iterable[str] = ("",),
) -> None:
    """Add `flt` to `ruleset` as a base chain on `hook` (and its group chains). `guard` are
    matches that select the packets the filter applies to (an interface, a pair of segments):
    the filter applies to a packet one of them matches."""
    base = ruleset.base(name, hook)
    guards = [g for g in guard]
    if guards != [""]:
        # packets the filter does not see leave the chain at once
        base.rules += [f"{g} jump {name}_f" for g in guards]
        body = ruleset.chain(f"{name}_f")
    else:
        body = base
    if flt.stateful:
        body.rules.append("ct state established,related accept")
    groups = sorted({r.group for r in flt.rules})
    grouped = len(groups) > 1 or any(r.action == "next" for r in flt.rules)
    for group in groups:
        target = ruleset.chain(f"{name}_g{group}") if grouped else body
        if grouped:
            body.rules.append(f"jump {name}_g{group}")
        for rule in flt.rules:
            if rule.group != group:
                continue
            action = rule.action
            if rule.conditions and action != "allow":
                # request conditions (HTTP) are not visible to a packet filter: an allow with
                # conditions lets the connection through (some requests pass), a deny with
                # conditions stops only some requests, so packets go on down the list
                continue
            target.rules += rule_lines(
                rule, remote, local, _VERDICTS[action], f"{flt.name}: {rule.name}"
            )
    verdict = "accept" if flt.default == "allow" else "drop"
    body.rules.append(f"counter {verdict} comment {quote(f'{flt.name}: default ({flt.default})')}")
