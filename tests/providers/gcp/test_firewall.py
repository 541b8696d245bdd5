"""GCP VPC firewall semantics, expected values from https://cloud.google.com/firewall/docs/firewalls."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence import load
from crossfence.algebra.packets import IpSet, ServiceSet
from crossfence.engine.filters import allowed_services, decide
from crossfence.model import Blueprint
from crossfence.providers.gcp.firewall import GcpInstance, firewall_filters

BASE = """
clouds: [{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}]
networks:
  - name: vpc
    cloud: gcp
    subnets: [{name: s, cidr: 10.0.0.0/24}]
    firewall_rules:
{rules}
  - name: other
    cloud: gcp
    subnets: [{name: o, cidr: 10.1.0.0/24}]
"""


def blueprint(tmp_path: Path, rules: str) -> Blueprint:
    (tmp_path / "bp.yaml").write_text(BASE.replace("{rules}", rules))
    return load(tmp_path / "bp.yaml")


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


WEB = GcpInstance("vpc", ("web",), "web@p.iam", IpSet.from_addresses(["10.0.0.5"]))
DB = GcpInstance("vpc", ("db",), None, IpSet.from_addresses(["10.0.0.6"]))
PEER = GcpInstance("other", ("web",), None, IpSet.from_addresses(["10.1.0.5"]))


def test_deny_wins_at_equal_priority(tmp_path: Path) -> None:
    """Firewall docs, "Priority": at equal priority a deny rule takes precedence over an allow rule."""
    bp = blueprint(
        tmp_path,
        """      - {name: allow-443, priority: 1000, action: allow, ports: [tcp/443], source_ranges: [0.0.0.0/0]}
      - {name: deny-443, priority: 1000, action: deny, ports: [tcp/443], source_ranges: [0.0.0.0/0]}""",
    )
    ingress, _ = firewall_filters(bp, bp.networks[0], WEB, [WEB, DB])
    decision = decide(ingress, ip("10.0.0.5"), ip("203.0.113.1"), "tcp", 443)
    assert not decision.allowed and decision.rule is not None and decision.rule.name == "deny-443"


def test_lower_priority_number_wins(tmp_path: Path) -> None:
    """Firewall docs: priority 0 is the highest; a 900 allow beats a 1000 deny."""
    bp = blueprint(
        tmp_path,
        """      - {name: deny-all, priority: 1000, action: deny, source_ranges: [0.0.0.0/0]}
      - {name: allow-ssh, priority: 900, action: allow, ports: [tcp/22], source_ranges: [35.235.240.0/20]}""",
    )
    ingress, _ = firewall_filters(bp, bp.networks[0], WEB, [WEB])
    assert decide(ingress, ip("10.0.0.5"), ip("35.235.240.1"), "tcp", 22).allowed
    assert not decide(ingress, ip("10.0.0.5"), ip("35.235.240.1"), "tcp", 80).allowed


def test_implied_rules_allow_egress_deny_ingress(tmp_path: Path) -> None:
    """Firewall docs, "Implied rules": implied allow egress and implied deny ingress, priority 65535."""
    bp = blueprint(tmp_path, "      []")
    ingress, egress = firewall_filters(bp, bp.networks[0], WEB, [WEB])
    assert not decide(ingress, ip("10.0.0.5"), ip("10.0.0.6"), "tcp", 80).allowed
    assert decide(egress, ip("10.0.0.5"), ip("8.8.8.8"), "udp", 53).allowed
    assert allowed_services(egress, ip("10.0.0.5"), ip("8.8.8.8")) == ServiceSet.all()


def test_target_tags_select_instances(tmp_path: Path) -> None:
    """Firewall docs, "Targets": a rule with target tags applies only to instances with the tag."""
    bp = blueprint(
        tmp_path,
        "      - {name: web-80, action: allow, ports: [tcp/80], source_ranges: [0.0.0.0/0], target_tags: [web]}",
    )
    web_in, _ = firewall_filters(bp, bp.networks[0], WEB, [WEB, DB])
    db_in, _ = firewall_filters(bp, bp.networks[0], DB, [WEB, DB])
    assert decide(web_in, ip("10.0.0.5"), ip("1.2.3.4"), "tcp", 80).allowed
    assert not decide(db_in, ip("10.0.0.6"), ip("1.2.3.4"), "tcp", 80).allowed


def test_source_tags_match_same_network_only(tmp_path: Path) -> None:
    """Firewall docs, "Sources for ingress rules": source tags apply to traffic from instances in the
    same VPC network, not from a peered network even with the same tag."""
    bp = blueprint(
        tmp_path,
        "      - {name: from-web, action: allow, ports: [tcp/5432], source_tags: [web], target_tags: [db]}",
    )
    db_in, _ = firewall_filters(bp, bp.networks[0], DB, [WEB, DB, PEER])
    assert decide(db_in, ip("10.0.0.6"), ip("10.0.0.5"), "tcp", 5432).allowed
    assert not decide(db_in, ip("10.0.0.6"), ip("10.1.0.5"), "tcp", 5432).allowed


def test_ingress_rule_without_source_means_any(tmp_path: Path) -> None:
    """Firewall docs: an ingress rule with no source gets source range 0.0.0.0/0."""
    bp = blueprint(tmp_path, "      - {name: open-443, action: allow, ports: [tcp/443]}")
    web_in, _ = firewall_filters(bp, bp.networks[0], WEB, [WEB])
    assert decide(web_in, ip("10.0.0.5"), ip("198.51.100.1"), "tcp", 443).allowed


def test_disabled_rule_is_ignored(tmp_path: Path) -> None:
    """Firewall docs, "Enforcement": a disabled rule is not enforced."""
    bp = blueprint(
        tmp_path, "      - {name: open, action: allow, ports: [tcp/443], disabled: true}"
    )
    web_in, _ = firewall_filters(bp, bp.networks[0], WEB, [WEB])
    assert not decide(web_in, ip("10.0.0.5"), ip("198.51.100.1"), "tcp", 443).allowed


def test_firewall_policy_goto_next_falls_through_to_vpc_rules(tmp_path: Path) -> None:
    """Firewall policies overview, "Rule evaluation": hierarchical policy rules are evaluated first;
    goto_next passes evaluation to the next level (here the VPC rules)."""
    (tmp_path / "bp.yaml").write_text(
        BASE.replace(
            "{rules}", "      - {name: vpc-deny-22, priority: 1000, action: deny, ports: [tcp/22]}"
        )
        + """
firewall_policies:
  - name: org
    cloud: gcp
    kind: hierarchical
    rules:
      - {priority: 100, action: goto_next, ports: [tcp/22], source_ranges: [10.0.0.0/8]}
      - {priority: 200, action: allow, ports: [tcp/22]}
"""
    )
    bp = load(tmp_path / "bp.yaml")
    ingress, _ = firewall_filters(bp, bp.networks[0], WEB, [WEB])
    # from 10/8: goto_next, then the VPC deny
    internal = decide(ingress, ip("10.0.0.5"), ip("10.9.9.9"), "tcp", 22)
    assert (
        not internal.allowed and internal.rule is not None and internal.rule.name == "vpc-deny-22"
    )
    # from elsewhere: the policy's allow decides before the VPC rules
    assert decide(ingress, ip("10.0.0.5"), ip("203.0.113.9"), "tcp", 22).allowed
    assert allowed_services(ingress, ip("10.0.0.5"), ip("10.9.9.9")) == ServiceSet.none()
