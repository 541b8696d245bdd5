"""AWS security group semantics, expected values from the Amazon VPC user guide's security group pages."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence import build_topology, load, reach
from crossfence.algebra.packets import IpSet, ServiceSet
from crossfence.engine.filters import allowed_services, decide
from crossfence.model import Blueprint
from crossfence.providers.aws.security_groups import security_group_filters

HEAD = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: a, cidr: 10.0.1.0/24}, {name: b, cidr: 10.0.2.0/24}]
"""


def blueprint(tmp_path: Path, text: str) -> Blueprint:
    (tmp_path / "bp.yaml").write_text(HEAD + text)
    return load(tmp_path / "bp.yaml")


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


GROUPS = """
security_groups:
  - name: web-sg
    cloud: aws
    network: vpc
    inbound_rules:
      - {ports: tcp/80, ip_ranges: [0.0.0.0/0]}
  - name: admin-sg
    cloud: aws
    network: vpc
    inbound_rules:
      - {ports: tcp/22, ip_ranges: [203.0.113.0/24]}
  - name: app-sg
    cloud: aws
    network: vpc
    inbound_rules:
      - {ports: tcp/8080, security_groups: [web-sg]}
  - name: locked-sg
    cloud: aws
    network: vpc
    outbound_default_policy: drop
  - name: egress-sg
    cloud: aws
    network: vpc
    outbound_rules:
      - {ports: tcp/443, ip_ranges: [0.0.0.0/0]}
"""


def test_rules_of_every_attached_group_are_aggregated(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html: "If you
    associate multiple security groups with an instance, the rules from each security group are
    effectively aggregated to create one set of rules", and security groups contain allow rules
    only (what no rule allows is denied). Example: web-sg (HTTP from anywhere) + admin-sg (SSH
    from 203.0.113.0/24)."""
    bp = blueprint(tmp_path, GROUPS)
    groups = [bp.get("security_groups", "web-sg"), bp.get("security_groups", "admin-sg")]
    inbound, _ = security_group_filters(groups, {})
    here = ip("10.0.1.10")
    assert decide(inbound, here, ip("198.51.100.7"), "tcp", 80).allowed
    assert decide(inbound, here, ip("203.0.113.9"), "tcp", 22).allowed
    assert not decide(inbound, here, ip("198.51.100.7"), "tcp", 22).allowed
    assert not decide(inbound, here, ip("203.0.113.9"), "tcp", 443).allowed
    # allow-only: order does not matter, the union is what is allowed
    assert allowed_services(inbound, here, ip("203.0.113.9")) == ServiceSet.parse(
        "tcp/80"
    ) | ServiceSet.parse("tcp/22")
    assert all(rule.action == "allow" for rule in inbound.rules) and inbound.default == "deny"
    assert inbound.stateful


def test_a_security_group_reference_matches_the_private_addresses_of_its_members(
    tmp_path: Path,
) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html: a rule whose
    source is a security group "allows instances that are associated with the referenced
    security group" — their private IP addresses — "it does not add rules from the referenced
    security group". Example: app-sg allows tcp/8080 from web-sg members."""
    bp = blueprint(tmp_path, GROUPS)
    members = {"web-sg": IpSet.from_addresses(["10.0.2.5"])}
    inbound, _ = security_group_filters([bp.get("security_groups", "app-sg")], members)
    here = ip("10.0.1.10")
    assert decide(inbound, here, ip("10.0.2.5"), "tcp", 8080).allowed
    assert not decide(inbound, here, ip("10.0.2.6"), "tcp", 8080).allowed  # not a member
    # the referenced group's own rule (HTTP from anywhere) is not added
    assert not decide(inbound, here, ip("10.0.2.5"), "tcp", 80).allowed


def test_new_group_has_no_inbound_rule_and_allows_all_outbound(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html: a new security
    group has no inbound rules (inbound traffic is denied) and an outbound rule that allows all
    outbound traffic. Listing outbound rules replaces that rule; `outbound_default_policy: drop`
    says it was removed."""
    bp = blueprint(tmp_path, GROUPS)
    here, there = ip("10.0.1.10"), ip("198.51.100.7")
    _, outbound = security_group_filters([bp.get("security_groups", "web-sg")], {})
    assert decide(outbound, here, there, "udp", 53).allowed
    assert decide(outbound, here, there, "tcp", 5432).allowed
    _, locked = security_group_filters([bp.get("security_groups", "locked-sg")], {})
    assert locked.rules == () and not decide(locked, here, there, "tcp", 443).allowed
    _, egress = security_group_filters([bp.get("security_groups", "egress-sg")], {})
    assert decide(egress, here, there, "tcp", 443).allowed
    assert not decide(egress, here, there, "tcp", 80).allowed
    empty_in, _ = security_group_filters([bp.get("security_groups", "locked-sg")], {})
    assert not decide(empty_in, here, there, "tcp", 22).allowed


def test_security_groups_are_stateful_replies_need_no_outbound_rule(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html: "Security
    groups are stateful. For example, if you send a request from an instance, the response
    traffic for that request is allowed to reach the instance regardless of the inbound security
    group rules." — and a response to allowed inbound traffic leaves regardless of the outbound
    rules: locked-sg has no outbound rule at all."""
    bp = blueprint(
        tmp_path,
        GROUPS
        + """
workloads:
  - {name: client, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.10], security_groups: [web-sg]}
  - {name: server, kind: vm, network: vpc, subnet: b, addresses: [10.0.2.10], security_groups: [locked-sg, web-sg]}
""",
    )
    answer = reach(build_topology(bp), "client", "server", "tcp/80")
    assert answer.allowed, answer.disposition
    details = [step.detail for hop in answer.hops for step in hop.steps]
    assert any("locked-sg, web-sg (inbound): allowed" in d for d in details)
    assert not any("locked-sg, web-sg (outbound)" in d for d in details)


def test_instance_without_security_group_gets_the_vpc_default_group(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html: an instance
    launched without a security group uses the VPC's default security group, whose rules allow
    inbound traffic from resources assigned to the same group and all outbound traffic."""
    bp = blueprint(
        tmp_path,
        """
workloads:
  - {name: one, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.10]}
  - {name: two, kind: vm, network: vpc, subnet: b, addresses: [10.0.2.10]}
  - {name: guarded, kind: vm, network: vpc, subnet: b, addresses: [10.0.2.20], security_groups: [open-sg]}
security_groups:
  - {name: open-sg, cloud: aws, network: vpc}
""",
    )
    topology = build_topology(bp)
    assert reach(topology, "one", "two", "tcp/5432").allowed  # same default group
    denied = reach(topology, "guarded", "two", "tcp/5432")  # not a member of the default group
    assert not denied.allowed and denied.disposition == "DENIED_INGRESS"
    last = denied.hops[-1].steps[-1]
    assert "default security group of vpc" in last.detail


def test_internet_to_a_public_address_meets_the_subnet_acl_and_the_groups(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html and
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: traffic from the
    internet gateway to an instance's public address enters its subnet (network ACL inbound
    rules) and its network interface (security group inbound rules). web-sg allows HTTPS from
    anywhere, nothing else."""
    bp = blueprint(
        tmp_path,
        """
    network_acls:
      - name: public-acl
        subnets: [a]
        ingress:
          - {rule_number: 100, action: allow, ports: tcp/443, cidr: 0.0.0.0/0}
          - {rule_number: 110, action: allow, ports: tcp/8443, cidr: 0.0.0.0/0}
        egress:
          - {rule_number: 100, action: allow, ports: tcp/1024-65535, cidr: 0.0.0.0/0}
    route_tables:
      - name: public-rt
        main: true
        routes:
          - {name: internet, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway}
workloads:
  - name: web
    kind: vm
    network: vpc
    subnet: a
    addresses: [10.0.1.10]
    public_address: 15.188.10.10
    security_groups: [web-sg]
security_groups:
  - name: web-sg
    cloud: aws
    network: vpc
    inbound_rules: [{ports: tcp/443, ip_ranges: [0.0.0.0/0]}]
""",
    )
    topology = build_topology(bp)
    assert reach(topology, "internet", "15.188.10.10", "tcp/443").allowed
    blocked = reach(topology, "internet", "15.188.10.10", "tcp/22")
    assert blocked.disposition == "DENIED_ACL"
    assert "public-acl (ingress of subnet a): denied by rule *" in blocked.hops[-1].steps[-1].detail
    no_rule = reach(topology, "internet", "15.188.10.10", "tcp/8443")
    assert no_rule.disposition == "DENIED_INGRESS"
    assert "security groups web-sg (inbound): denied" in no_rule.hops[-1].steps[-1].detail
