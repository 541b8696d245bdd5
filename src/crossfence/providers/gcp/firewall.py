"""GCP VPC firewall rules and firewall policies as IR filters, per target instance.

Semantics (https://cloud.google.com/firewall/docs/firewalls): priority 0-65535, lower first; at
equal priority a deny rule beats an allow rule; implied rules allow all egress and deny all
ingress at the lowest priority; a rule without targets applies to every instance; source tags
and source service accounts match only instances of the same VPC network; rules are stateful.
Hierarchical policies, then network firewall policies, are evaluated before VPC rules
(https://cloud.google.com/firewall/docs/firewall-policies-overview#rule-evaluation), each rule
allow / deny / goto_next, and a policy with no match passes on to the next level.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ...engine.packets import IpSet, ServiceSet
from ...ir.types import Filter, FilterRule, Source
from ...model import Blueprint, FirewallPolicy, FirewallRule, Network

__all__ = ["GcpInstance", "firewall_filters"]


@dataclass(frozen=True, slots=True)
class GcpInstance:
    """What a GCP firewall rule can match an instance by."""

    network: str
    tags: tuple[str, ...]
    service_account: str | None
    addresses: IpSet
    """Primary internal addresses (what source tags / service accounts match)."""


def services_of(ports: Iterable[str]) -> ServiceSet:
    """`("tcp/443", "udp")` as a ServiceSet; `all` is every protocol."""
    return ServiceSet.union_all(
        ServiceSet.all() if p == "all" else ServiceSet.parse(p) for p in ports
    )


def _targets(rule: FirewallRule, instance: GcpInstance) -> bool:
    if rule.target_tags:
        return bool(set(rule.target_tags) & set(instance.tags))
    if rule.target_service_accounts:
        return instance.service_account in rule.target_service_accounts
    return True


def _same_network_sources(rule: FirewallRule, peers: Sequence[GcpInstance], network: str) -> IpSet:
    members = [
        peer.addresses
        for peer in peers
        if peer.network == network
        and (
            (rule.source_tags and set(rule.source_tags) & set(peer.tags))
            or (
                rule.source_service_accounts
                and peer.service_account in rule.source_service_accounts
            )
        )
    ]
    return IpSet.union_all(members)


def _vpc_rules(
    network: Network,
    instance: GcpInstance,
    peers: Sequence[GcpInstance],
    direction: str,
    group: int,
) -> list[tuple[int, int, FilterRule]]:
    out = []
    for index, rule in enumerate(network.firewall_rules):
        if rule.disabled or rule.direction != direction or not _targets(rule, instance):
            continue
        if direction == "ingress":
            remote = IpSet.from_cidrs(rule.source_ranges)
            if rule.source_tags or rule.source_service_accounts:
                remote = remote | _same_network_sources(rule, peers, network.name)
            elif not rule.source_ranges:
                remote = IpSet.all()  # an ingress rule without sources means 0.0.0.0/0
            local = (
                IpSet.from_cidrs(rule.destination_ranges)
                if rule.destination_ranges
                else IpSet.all()
            )
        else:
            remote = (
                IpSet.from_cidrs(rule.destination_ranges)
                if rule.destination_ranges
                else IpSet.all()
            )
            local = IpSet.all()
        ir_rule = FilterRule(
            name=rule.name,
            action=rule.action,
            remote=remote,
            local=local,
            services=services_of(rule.ports),
            source=Source.of(rule, f"{network.name}/firewall", rule.name),
            group=group,
        )
        # deny before allow at equal priority; then declaration order for stable traces
        out.append((rule.priority, 0 if rule.action == "deny" else 1, ir_rule))
        del index
    return out


def _policy_rules(
    policy: FirewallPolicy, instance: GcpInstance, direction: str, group: int
) -> list[FilterRule]:
    rules = []
    for rule in sorted(policy.rules, key=lambda r: r.priority):
        if rule.disabled or rule.direction != direction:
            continue
        if (
            rule.target_service_accounts
            and instance.service_account not in rule.target_service_accounts
        ):
            continue
        ranges = rule.source_ranges if direction == "ingress" else rule.destination_ranges
        rules.append(
            FilterRule(
                name=f"{policy.name}#{rule.priority}",
                action="next" if rule.action == "goto_next" else rule.action,
                remote=IpSet.from_cidrs(ranges) if ranges else IpSet.all(),
                local=IpSet.all(),
                services=services_of(rule.ports),
                source=Source.of(rule, f"firewall-policy/{policy.name}", str(rule.priority)),
                group=group,
            )
        )
    return rules


def firewall_filters(
    blueprint: Blueprint, network: Network, instance: GcpInstance, peers: Sequence[GcpInstance]
) -> tuple[Filter, Filter]:
    """The (ingress, egress) filters GCP applies to one instance of `network`."""
    filters = []
    for direction in ("ingress", "egress"):
        rules: list[FilterRule] = []
        group = 0
        levels = [
            p
            for p in blueprint.firewall_policies
            if p.kind == "hierarchical" and p.cloud == network.cloud
        ]
        levels += [
            p
            for p in blueprint.firewall_policies
            if p.kind == "network" and network.name in p.networks
        ]
        for policy in levels:
            rules.extend(_policy_rules(policy, instance, direction, group))
            group += 1
        vpc = sorted(
            _vpc_rules(network, instance, peers, direction, group),
            key=lambda item: (item[0], item[1]),
        )
        rules.extend(rule for _, _, rule in vpc)
        implied: Literal["allow", "deny"] = "deny" if direction == "ingress" else "allow"
        filters.append(
            Filter(
                name=f"{network.name} firewall ({direction})",
                layer="gcp-firewall",
                rules=tuple(rules),
                default=implied,
                default_source=Source(f"{network.name}/firewall", f"implied-{implied}-{direction}"),
                stateful=True,
            )
        )
    return filters[0], filters[1]
