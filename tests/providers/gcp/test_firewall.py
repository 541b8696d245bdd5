"""GCP VPC firewall semantics, expected values from https://cloud.google.com/firewall/docs/firewalls."""

from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path

from crossfence import build_topology, load, reach
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
    """Firewall docs, "Implied rules": implied allow egress and implied deny ingress, priority
    65535. The implied allow-egress rule "lets any instance send traffic to any destination,
    except for traffic blocked by Google Cloud" (https://cloud.google.com/vpc/docs/firewalls#blockedtraffic:
    "Egress traffic to TCP destination port 25 (SMTP)")."""
    bp = blueprint(tmp_path, "      []")
    ingress, egress = firewall_filters(bp, bp.networks[0], WEB, [WEB])
    assert not decide(ingress, ip("10.0.0.5"), ip("10.0.0.6"), "tcp", 80).allowed
    assert decide(egress, ip("10.0.0.5"), ip("8.8.8.8"), "udp", 53).allowed
    assert allowed_services(egress, ip("10.0.0.5"), ip("8.8.8.8")) == (
        ServiceSet.all() - ServiceSet.ports("tcp", 25)
    )
    assert allowed_services(egress, ip("10.0.0.5"), ip("10.0.0.6")) == ServiceSet.all()


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


# -- evaluation order (https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order) --

ORDERED = """
clouds: [{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}]
networks:
  - name: vpc
    cloud: gcp
    network_firewall_policy_enforcement_order: {order}
    subnets: [{name: s, cidr: 10.0.0.0/24}]
    firewall_rules:
      - {name: vpc-allow-22, priority: 1000, action: allow, ports: [tcp/22], source_ranges: [0.0.0.0/0]}
      - {name: vpc-deny-80, priority: 1000, action: deny, ports: [tcp/80], source_ranges: [0.0.0.0/0]}
firewall_policies:
  - name: org
    cloud: gcp
    kind: hierarchical
    rules:
      - {priority: 10, action: deny, ports: [tcp/3389]}
  - name: global
    cloud: gcp
    kind: network
    networks: [vpc]
    rules:
      - {priority: 100, action: deny, ports: [tcp/22]}
      - {priority: 200, action: allow, ports: [tcp/80]}
      - {priority: 300, action: goto_next, ports: [tcp/443]}
      - {priority: 400, action: allow, ports: [tcp/8080]}
  - name: ew1
    cloud: gcp
    kind: regional
    region: europe-west1
    networks: [vpc]
    rules:
      - {priority: 100, action: allow, ports: [tcp/443]}
      - {priority: 200, action: allow, ports: [tcp/3389]}
"""
"""VPC rules allow 22 and deny 80; the global policy denies 22, allows 80, passes 443 on and
allows 8080; the europe-west1 policy allows 443; the organisation denies RDP."""


def ordered(tmp_path: Path, order: str = "AFTER_CLASSIC_FIREWALL") -> Blueprint:
    (tmp_path / "bp.yaml").write_text(ORDERED.replace("{order}", order))
    return load(tmp_path / "bp.yaml")


def instance(region: str | None) -> GcpInstance:
    return GcpInstance("vpc", (), None, IpSet.from_addresses(["10.0.0.5"]), region)


def deciding(tmp_path: Path, order: str, region: str | None, port: int) -> str:
    """The verdict and the deciding rule for tcp/`port` from the internet to one instance."""
    bp = ordered(tmp_path, order)
    vm = instance(region)
    ingress, _ = firewall_filters(bp, bp.networks[0], vm, [vm])
    decision = decide(ingress, ip("10.0.0.5"), ip("203.0.113.9"), "tcp", port)
    verdict = "allow" if decision.allowed else "deny"
    return f"{verdict} by {decision.rule.name if decision.rule else 'implied rule'}"


def test_after_classic_firewall_is_the_default_vpc_rules_before_network_policies(
    tmp_path: Path,
) -> None:
    """Eval-order page: "AFTER_CLASSIC_FIREWALL (default): ... 1. Hierarchical firewall policies
    ... 3. VPC firewall rules 4. Global network firewall policies 5. Regional network firewall
    policies 6. Implied firewall rules". The VPC rules decide 22 and 80 before the global policy;
    what they leave (8080) the global policy decides; 443 goes on to the regional policy."""
    bp = ordered(tmp_path)
    assert bp.networks[0].network_firewall_policy_enforcement_order == "AFTER_CLASSIC_FIREWALL"
    order = "AFTER_CLASSIC_FIREWALL"
    assert deciding(tmp_path, order, "europe-west1", 22) == "allow by vpc-allow-22"
    assert deciding(tmp_path, order, "europe-west1", 80) == "deny by vpc-deny-80"
    assert deciding(tmp_path, order, "europe-west1", 8080) == "allow by global#400"
    assert deciding(tmp_path, order, "europe-west1", 443) == "allow by ew1#100"
    assert deciding(tmp_path, order, "europe-west1", 25) == "deny by implied rule"


def test_before_classic_firewall_network_policies_before_vpc_rules(tmp_path: Path) -> None:
    """Eval-order page: "BEFORE_CLASSIC_FIREWALL: ... 3. Global network firewall policies
    4. Regional network firewall policies 5. VPC firewall rules 6. Implied firewall rules"."""
    order = "BEFORE_CLASSIC_FIREWALL"
    assert deciding(tmp_path, order, "europe-west1", 22) == "deny by global#100"
    assert deciding(tmp_path, order, "europe-west1", 80) == "allow by global#200"
    assert deciding(tmp_path, order, "europe-west1", 443) == "allow by ew1#100"


def test_hierarchical_policies_come_first_in_both_orders(tmp_path: Path) -> None:
    """Eval-order page: hierarchical firewall policies are step 1 in both orders: the
    organisation's deny of 3389 wins over the regional policy's allow."""
    for order in ("AFTER_CLASSIC_FIREWALL", "BEFORE_CLASSIC_FIREWALL"):
        assert deciding(tmp_path, order, "europe-west1", 3389) == "deny by org#10"


def test_regional_policy_applies_only_in_its_region(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/regional-firewall-policies: a regional network firewall
    policy has "one and only one target region"; after association "the rules in the policy can
    apply to resources within that region of the VPC network". An instance in us-central1 gets
    the implied deny for 443; one in a zone of europe-west1 gets the regional allow."""
    order = "AFTER_CLASSIC_FIREWALL"
    assert deciding(tmp_path, order, "us-central1", 443) == "deny by implied rule"
    assert deciding(tmp_path, order, "europe-west1-b", 443) == "allow by ew1#100"
    assert deciding(tmp_path, order, "europe-west10", 443) == "deny by implied rule"


def test_goto_next_and_no_match_pass_to_the_next_step(tmp_path: Path) -> None:
    """https://cloud.google.com/firewall/docs/pre-defined-rules: every policy ends in
    lowest-priority goto_next rules, so a policy without a match passes on, as a goto_next rule
    does; the matrix sees the same: 443 and 8080 allowed, 25 not, from the internet."""
    bp = ordered(tmp_path)
    vm = instance("europe-west1")
    ingress, _ = firewall_filters(bp, bp.networks[0], vm, [vm])
    services = allowed_services(ingress, ip("10.0.0.5"), ip("203.0.113.9"))
    assert services == ServiceSet.parse("tcp/22, tcp/443, tcp/8080")


def test_steps_are_increasing_rule_groups(tmp_path: Path) -> None:
    """Each step of the order is one IR rule group, increasing along the rule list (what the
    vectorised matrix expects of `next` rules); Google Cloud's always-blocked traffic comes
    first, in a group of its own."""
    for order in ("AFTER_CLASSIC_FIREWALL", "BEFORE_CLASSIC_FIREWALL"):
        bp = ordered(tmp_path, order)
        vm = instance("europe-west1")
        ingress, _ = firewall_filters(bp, bp.networks[0], vm, [vm])
        blocked, *rules = ingress.rules
        assert blocked.name.startswith("always blocked") and blocked.group == -1
        ingress = dataclasses.replace(ingress, rules=tuple(rules))
        groups = [rule.group for rule in ingress.rules]
        assert groups == sorted(groups)
        steps = [
            "vpc" if r.name.startswith("vpc-") else r.name.split("#")[0] for r in ingress.rules
        ]
        expected = ["org", "vpc", "global", "ew1"]
        if order == "BEFORE_CLASSIC_FIREWALL":
            expected = ["org", "global", "ew1", "vpc"]
        assert list(dict.fromkeys(steps)) == expected
        assert len(set(groups)) == len(expected)


def test_regional_policy_through_reach(tmp_path: Path) -> None:
    """The same rule end to end: a VM's region is its subnet's; the europe-west1 policy opens 443
    to the VM in europe-west1, while the one in us-central1 keeps the implied deny ingress."""
    text = ORDERED.replace("{order}", "AFTER_CLASSIC_FIREWALL").replace(
        "subnets: [{name: s, cidr: 10.0.0.0/24}]",
        "subnets:\n      - {name: s, cidr: 10.0.0.0/24, region: europe-west1}\n"
        "      - {name: u, cidr: 10.0.1.0/24, region: us-central1}",
    )
    text += """
workloads:
  - {name: ew1-vm, kind: vm, network: vpc, subnet: s, addresses: [10.0.0.5]}
  - {name: usc1-vm, kind: vm, network: vpc, subnet: u, addresses: [10.0.1.5]}
"""
    (tmp_path / "bp.yaml").write_text(text)
    topology = build_topology(load(tmp_path / "bp.yaml"))
    assert reach(topology, "usc1-vm", "ew1-vm", "tcp/443").allowed
    assert not reach(topology, "ew1-vm", "usc1-vm", "tcp/443").allowed


def test_protocol_numbers_and_ipip_match_only_their_protocol(tmp_path: Path) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (`allowed[].IPProtocol`):
    a rule's protocol is a well-known name (ipip among them) "or the IP protocol number": a rule
    for protocol 47 (GRE) and one for ipip (protocol 4) allow those protocols and nothing else."""
    bp = blueprint(
        tmp_path,
        '      - {name: tunnels, action: allow, ports: ["proto/47", ipip], source_ranges: [0.0.0.0/0]}',
    )
    web_in, _ = firewall_filters(bp, bp.networks[0], WEB, [WEB])
    allowed = allowed_services(web_in, ip("10.0.0.5"), ip("198.51.100.1"))
    assert allowed == ServiceSet.protocol(47) | ServiceSet.protocol(4)
    assert decide(web_in, ip("10.0.0.5"), ip("198.51.100.1"), "gre", None).allowed
    assert not decide(web_in, ip("10.0.0.5"), ip("198.51.100.1"), "tcp", 47).allowed
