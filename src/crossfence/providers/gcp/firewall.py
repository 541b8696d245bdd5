"""GCP VPC firewall rules and firewall policies as IR filters, per target instance.

VPC firewall rules (https://cloud.google.com/firewall/docs/firewalls): priority 0-65535, lower
first; at equal priority a deny rule beats an allow rule; implied rules allow all egress and deny
all ingress at the lowest priority; a rule without targets applies to every instance; source tags
and source service accounts match only instances of the same VPC network; rules are stateful.

Evaluation order (https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order), set
per network by `network_firewall_policy_enforcement_order`:
AFTER_CLASSIC_FIREWALL (the default): hierarchical policies, VPC firewall rules, the global network
firewall policy, the regional network firewall policy of the instance's region, implied rules;
BEFORE_CLASSIC_FIREWALL: hierarchical policies, global network, regional network, VPC firewall
rules, implied rules. Within a policy, rules go by priority; allow and deny stop the evaluation,
goto_next passes to the next step, and a policy where nothing matches falls through to the next
step (every policy ends in undeletable lowest-priority goto_next rules,
https://cloud.google.com/firewall/docs/pre-defined-rules). Each step is one IR rule group, the
groups increasing along the rule list; the implied rules are the filter's default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ...algebra.packets import IpSet, ServiceSet, services_of
from ...ir.types import Filter, FilterRule, Source
from ...model import Blueprint, FirewallPolicy, FirewallRule, Network

__all__ = [
    "BLOCKED_TRAFFIC_PAGE",
    "IMPLIED_PRIORITY",
    "GcpInstance",
    "evaluation_steps",
    "firewall_filters",
]


@dataclass(frozen=True, slots=True)
class GcpInstance:
    """What a GCP firewall rule can match an instance by."""

    network: str
    tags: tuple[str, ...]
    service_account: str | None
    addresses: IpSet
    """Primary internal addresses (what source tags / service accounts match)."""
    region: str | None = None
    """Its region (or zone): which regional network firewall policies apply to it."""


def _in_region(location: str | None, region: str | None) -> bool:
    """Whether a region, or a zone of it (`europe-west1-b`), is `region`."""
    if location is None or region is None:
        return False
    head, _, tail = location.rpartition("-")
    return location == region or (head == region and len(tail) == 1 and tail.isalpha())


def evaluation_steps(
    blueprint: Blueprint, network: Network, region: str | None
) -> list[FirewallPolicy | None]:
    """The steps GCP evaluates for an instance of `network` in `region`, in order: the policies,
    and None where the VPC firewall rules are; the implied rules follow them all.

    Hierarchical policies go in the order the blueprint lists them (the organisation's first, then
    the folders' from the top: the model has no resource hierarchy of its own).
    """
    policies = blueprint.firewall_policies
    hierarchical = [p for p in policies if p.kind == "hierarchical" and p.cloud == network.cloud]
    network_policies = [p for p in policies if p.kind == "network" and network.name in p.networks]
    regional = [
        p
        for p in policies
        if p.kind == "regional" and network.name in p.networks and _in_region(region, p.region)
    ]
    if network.network_firewall_policy_enforcement_order == "BEFORE_CLASSIC_FIREWALL":
        return [*hierarchical, *network_policies, *regional, None]
    return [*hierarchical, None, *network_policies, *regional]


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
        # a rule's match is one condition over its source and destination ranges, whatever its
        # direction (https://cloud.google.com/compute/docs/reference/rest/v1/firewallPolicies,
        # `rules[].match.srcIpRanges` / `destIpRanges`): the instance's side narrows it too
        remote_ranges, local_ranges = (
            (rule.source_ranges, rule.destination_ranges)
            if direction == "ingress"
            else (rule.destination_ranges, rule.source_ranges)
        )
        rules.append(
            FilterRule(
                name=f"{policy.name}#{rule.priority}",
                action="next" if rule.action == "goto_next" else rule.action,
                remote=IpSet.from_cidrs(remote_ranges) if remote_ranges else IpSet.all(),
                local=IpSet.from_cidrs(local_ranges) if local_ranges else IpSet.all(),
                services=services_of(rule.ports),
                source=Source.of(rule, f"firewall-policy/{policy.name}", str(rule.priority)),
                group=group,
            )
        )
    return rules


IMPLIED_PRIORITY = 65535
"""The priority of the implied rules: the lowest possible."""


def _never_takes_effect(rule: FirewallRule) -> bool:
    """An ingress allow rule at the implied rules' priority: "Because deny rules take precedence
    over allow rules of the same priority, an ingress allow rule with a priority of 65535 never
    takes effect" (https://cloud.google.com/vpc/docs/firewalls#default_firewall_rules; the
    implied deny-ingress rule has "priority ... the lowest possible (65535)", and "DENY rules
    take precedence over ALLOW rules having equal priority",
    https://cloud.google.com/sdk/gcloud/reference/compute/firewall-rules/create)."""
    return (
        rule.direction == "ingress" and rule.action == "allow" and rule.priority == IMPLIED_PRIORITY
    )


class _Index:
    """Per-build look-ups: one network's VPC rules in evaluation order, indexed by target, with
    their IR rules built once; and the filters already made per (network, tags, service account).

    Instances that share tags and service account get the same filters (GCP assigns rules by
    target, never by address), so an estate of thousands of VMs builds each distinct filter once
    and the matrix can treat such instances as one class.
    """

    def __init__(self, blueprint: Blueprint, peers: Sequence[GcpInstance]) -> None:
        self.blueprint = blueprint
        self.peers = peers
        self.filters: dict[
            tuple[str, tuple[str, ...], str | None, tuple[str, ...]], tuple[Filter, Filter]
        ] = {}
        self.ordered: dict[tuple[str, str], list[FirewallRule]] = {}
        # (network, direction, position, group) -> the IR rule: the VPC rules' group depends on
        # how many policies come before them, which may differ by region
        self.built: dict[tuple[str, str, int, int], FilterRule] = {}
        self.by_tag: dict[tuple[str, str], dict[str, list[int]]] = {}
        self.by_account: dict[tuple[str, str], dict[str, list[int]]] = {}
        self.untargeted: dict[tuple[str, str], list[int]] = {}
        self.tagged: dict[tuple[str, str], IpSet] | None = None
        self.accounts: dict[tuple[str, str], IpSet] | None = None

    def sources(self, rule: FirewallRule, network: str) -> IpSet:
        """What `_same_network_sources` gives, from per-tag and per-account address sets."""
        if self.tagged is None or self.accounts is None:
            tags: dict[tuple[str, str], list[IpSet]] = {}
            accounts: dict[tuple[str, str], list[IpSet]] = {}
            for peer in self.peers:
                for tag in set(peer.tags):
                    tags.setdefault((peer.network, tag), []).append(peer.addresses)
                if peer.service_account:
                    accounts.setdefault((peer.network, peer.service_account), []).append(
                        peer.addresses
                    )
            self.tagged = {key: IpSet.union_all(sets) for key, sets in tags.items()}
            self.accounts = {key: IpSet.union_all(sets) for key, sets in accounts.items()}
        found = [self.tagged.get((network, t), IpSet.none()) for t in rule.source_tags]
        found += [
            self.accounts.get((network, a), IpSet.none()) for a in rule.source_service_accounts
        ]
        return IpSet.union_all(found)

    def prepare(self, network: Network, direction: str) -> None:
        key = (network.name, direction)
        if key in self.ordered:
            return
        rules = [
            r
            for r in network.firewall_rules
            if not r.disabled and r.direction == direction and not _never_takes_effect(r)
        ]
        # deny before allow at equal priority; then declaration order for stable traces
        rules.sort(key=lambda r: (r.priority, 0 if r.action == "deny" else 1))
        self.ordered[key] = rules
        by_tag: dict[str, list[int]] = {}
        by_account: dict[str, list[int]] = {}
        untargeted: list[int] = []
        for position, rule in enumerate(rules):
            if rule.target_tags:
                for tag in set(rule.target_tags):
                    by_tag.setdefault(tag, []).append(position)
            elif rule.target_service_accounts:
                for account in set(rule.target_service_accounts):
                    by_account.setdefault(account, []).append(position)
            else:
                untargeted.append(position)
        self.by_tag[key], self.by_account[key], self.untargeted[key] = (
            by_tag,
            by_account,
            untargeted,
        )

    def vpc_rules(
        self, network: Network, instance: GcpInstance, direction: str, group: int
    ) -> list[FilterRule]:
        """`_vpc_rules`, sorted, for one instance: only the rules that target it."""
        self.prepare(network, direction)
        key = (network.name, direction)
        positions = set(self.untargeted[key])
        for tag in instance.tags:
            positions.update(self.by_tag[key].get(tag, ()))
        if instance.service_account:
            positions.update(self.by_account[key].get(instance.service_account, ()))
        ordered = self.ordered[key]
        out = []
        for position in sorted(positions):
            built = self.built.get((*key, position, group))
            if built is None:
                built = _ir_rule(ordered[position], network, direction, group, self)
                self.built[(*key, position, group)] = built
            out.append(built)
        return out


def _ir_rule(
    rule: FirewallRule, network: Network, direction: str, group: int, index: _Index
) -> FilterRule:
    if direction == "ingress":
        remote = IpSet.from_cidrs(rule.source_ranges)
        if rule.source_tags or rule.source_service_accounts:
            remote = remote | index.sources(rule, network.name)
        elif not rule.source_ranges:
            remote = IpSet.all()  # an ingress rule without sources means 0.0.0.0/0
        local = (
            IpSet.from_cidrs(rule.destination_ranges) if rule.destination_ranges else IpSet.all()
        )
    else:
        remote = (
            IpSet.from_cidrs(rule.destination_ranges) if rule.destination_ranges else IpSet.all()
        )
        local = IpSet.all()
    return FilterRule(
        name=rule.name,
        action=rule.action,
        remote=remote,
        local=local,
        services=services_of(rule.ports),
        source=Source.of(rule, f"{network.name}/firewall", rule.name),
        group=group,
    )


# The index of the build in progress: build.py passes the same blueprint and peer list for every
# instance of one build, so identity tells a new build from the current one.
_INDEX: _Index | None = None


def _index_for(blueprint: Blueprint, peers: Sequence[GcpInstance]) -> _Index:
    global _INDEX
    if _INDEX is None or _INDEX.blueprint is not blueprint or _INDEX.peers is not peers:
        _INDEX = _Index(blueprint, peers)
    return _INDEX


# Internal addresses: the private ranges (https://cloud.google.com/vpc/docs/subnets#valid-ranges);
# a network's own subnet ranges are internal too, even privately used public ones. The SMTP block
# is for "external IP addresses on the internet" and instances' external addresses: Google's
# private-access VIPs (private.googleapis.com 199.36.153.8/30, restricted.googleapis.com
# 199.36.153.4/30, https://cloud.google.com/vpc/docs/configure-private-google-access#domain-options)
# and the ranges of Google's special paths (IAP, health checks, Cloud DNS forwarding,
# https://cloud.google.com/vpc/docs/routes#special_return_paths) are not on the internet.
_INTERNAL_RANGES = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "199.36.153.4/30",
    "199.36.153.8/30",
    "35.235.240.0/20",
    "35.191.0.0/16",
    "130.211.0.0/22",
    "35.199.192.0/19",
)
BLOCKED_TRAFFIC_PAGE = "https://cloud.google.com/vpc/docs/firewalls#blockedtraffic"


def _external(network: Network) -> IpSet:
    """Addresses outside the network: neither internal ranges nor its own subnet ranges."""
    internal = IpSet.from_cidrs(
        [*_INTERNAL_RANGES, *(s.cidr for s in network.all_subnets)]
        + [r.cidr for s in network.all_subnets for r in s.secondary_ranges]
    )
    return IpSet.all() - internal


def _always_blocked_egress(network: Network) -> FilterRule:
    """Egress to TCP destination port 25 of an external address, which Google Cloud blocks
    whatever the rules say: "Always blocked traffic ... Egress traffic to TCP destination port 25
    (SMTP)"; "Your firewall rules cannot be used to allow any of this traffic" (the implied
    allow-egress rule lets an instance send anywhere "except for traffic blocked by Google
    Cloud"). It comes first, in a group of its own, before every policy and rule."""
    return FilterRule(
        name="always blocked: egress to TCP destination port 25 (SMTP) of an external address",
        action="deny",
        remote=_external(network),
        local=IpSet.all(),
        services=services_of(["tcp/25"]),
        source=Source("gcp/always-blocked-traffic", "tcp/25", BLOCKED_TRAFFIC_PAGE),
        group=-1,
    )


# The protocols Google Cloud carries to an instance's external IP address. The blocked-traffic
# list has read "Protocols other than TCP, UDP, ICMP, and IPIP" (between instances and the
# internet) and now reads "Protocols other than TCP, UDP, ICMP, AH, ESP, SCTP, and GRE to external
# IP addresses of Google Cloud resources": every protocol outside both lists is blocked in either
# wording, and only those are refused here.
_EXTERNAL_PROTOCOLS = ("tcp", "udp", "icmp", "ah", "esp", "sctp", "ipip", "proto/47")


def _always_blocked_ingress(network: Network) -> FilterRule:
    """Ingress from an external address in a protocol Google Cloud does not carry to external IP
    addresses (https://cloud.google.com/vpc/docs/firewalls#blockedtraffic), whatever the rules
    say."""
    return FilterRule(
        name="always blocked: protocols other than TCP, UDP, ICMP, AH, ESP, SCTP, GRE and IPIP "
        "from an external address",
        action="deny",
        remote=_external(network),
        local=IpSet.all(),
        services=ServiceSet.all() - services_of(_EXTERNAL_PROTOCOLS),
        source=Source("gcp/always-blocked-traffic", "protocols", BLOCKED_TRAFFIC_PAGE),
        group=-1,
    )


def firewall_filters(
    blueprint: Blueprint, network: Network, instance: GcpInstance, peers: Sequence[GcpInstance]
) -> tuple[Filter, Filter]:
    """The (ingress, egress) filters GCP applies to one instance of `network`."""
    index = _index_for(blueprint, peers)
    steps = evaluation_steps(blueprint, network, instance.region)
    # instances that differ only by region share filters unless a regional policy tells them apart
    regional = tuple(p.name for p in steps if p is not None and p.kind == "regional")
    key = (network.name, tuple(sorted(set(instance.tags))), instance.service_account, regional)
    cached = index.filters.get(key)
    if cached is not None:
        return cached
    filters = []
    for direction in ("ingress", "egress"):
        rules: list[FilterRule] = [
            _always_blocked_egress(network)
            if direction == "egress"
            else _always_blocked_ingress(network)
        ]
        for group, step in enumerate(steps):
            if step is None:
                rules.extend(index.vpc_rules(network, instance, direction, group))
            else:
                rules.extend(_policy_rules(step, instance, direction, group))
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
    index.filters[key] = (filters[0], filters[1])
    return filters[0], filters[1]
