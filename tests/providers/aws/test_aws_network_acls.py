"""AWS network ACL semantics, expected values from the Amazon VPC user guide's network ACL pages."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from crossfence import build_topology, load, reach
from crossfence.engine.filters import decide
from crossfence.model import Blueprint
from crossfence.providers.aws.network_acls import network_acl_filters

HEAD = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets:
      - {name: public, cidr: 10.0.1.0/24}
      - {name: private, cidr: 10.0.2.0/24}
      - {name: other, cidr: 10.0.3.0/24}
    network_acls:
"""

# The custom network ACL of the user guide's example ("Custom network ACL example" in
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html): HTTP and HTTPS from
# anywhere, SSH and RDP from 192.0.2.0/24, ephemeral ports back.
DOC_EXAMPLE = """
      - name: example-acl
        subnets: [public]
        ingress:
          - {rule_number: 100, action: allow, ports: tcp/80, cidr: 0.0.0.0/0}
          - {rule_number: 110, action: allow, ports: tcp/443, cidr: 0.0.0.0/0}
          - {rule_number: 120, action: allow, ports: tcp/22, cidr: 192.0.2.0/24}
          - {rule_number: 130, action: allow, ports: tcp/3389, cidr: 192.0.2.0/24}
          - {rule_number: 140, action: allow, ports: tcp/32768-65535, cidr: 0.0.0.0/0}
        egress:
          - {rule_number: 100, action: allow, ports: tcp/80, cidr: 0.0.0.0/0}
          - {rule_number: 110, action: allow, ports: tcp/443, cidr: 0.0.0.0/0}
          - {rule_number: 120, action: allow, ports: tcp/32768-65535, cidr: 0.0.0.0/0}
"""


def blueprint(tmp_path: Path, acls: str, rest: str = "") -> Blueprint:
    (tmp_path / "bp.yaml").write_text(HEAD + acls + rest)
    return load(tmp_path / "bp.yaml")


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def test_documented_example_rules_in_order_then_the_star_rule(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html, custom network
    ACL example: HTTP from anywhere matches rule 100, SSH from 192.0.2.0/24 rule 120; SSH from
    elsewhere and a packet to port 139 (NetBIOS, the docs' walk-through) match no numbered rule
    and are denied by the `*` rule."""
    filters, _ = network_acl_filters(blueprint(tmp_path, DOC_EXAMPLE).get("networks", "vpc"))
    ingress, _ = filters["public"]
    here = ip("10.0.1.10")
    cases = [
        (ip("198.51.100.7"), 80, True, "100"),
        (ip("192.0.2.15"), 22, True, "120"),
        (ip("192.0.2.15"), 3389, True, "130"),
        (ip("198.51.100.7"), 22, False, "*"),
        (ip("198.51.100.7"), 139, False, "*"),
    ]
    for remote, port, allowed, rule in cases:
        decision = decide(ingress, here, remote, "tcp", port)
        assert decision.allowed is allowed, (port, remote)
        assert decision.rule is not None and decision.rule.name == rule
    assert not ingress.stateful


def test_lowest_rule_number_wins_whatever_the_listing_order(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html: rules are evaluated
    starting with the lowest numbered rule; as soon as a rule matches, it is applied regardless
    of any higher-numbered rule that contradicts it. Example: 100 allows tcp/443, 110 denies
    tcp/443 (listed first here) → allowed by 100."""
    acls = """
      - name: acl
        subnets: [public]
        ingress:
          - {rule_number: 110, action: deny, ports: tcp/443, cidr: 0.0.0.0/0}
          - {rule_number: 100, action: allow, ports: tcp/443, cidr: 0.0.0.0/0}
"""
    filters, _ = network_acl_filters(blueprint(tmp_path, acls).get("networks", "vpc"))
    decision = decide(filters["public"][0], ip("10.0.1.10"), ip("198.51.100.7"), "tcp", 443)
    assert decision.allowed and decision.rule is not None and decision.rule.name == "100"


def test_stateless_the_reply_needs_the_ephemeral_ports(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: network ACLs are
    stateless — responses to allowed inbound traffic are subject to the outbound rules; the
    example opens 32768-65535 for the replies. A reply from port 443 to a client's ephemeral
    port 50000 is allowed by outbound rule 120; a reply to port 1025 (outside the example's
    range) meets `*`."""
    filters, _ = network_acl_filters(blueprint(tmp_path, DOC_EXAMPLE).get("networks", "vpc"))
    _, egress = filters["public"]
    server, client = ip("10.0.1.10"), ip("198.51.100.7")
    back = decide(egress, server, client, "tcp", 50000, source_port=443)
    assert back.allowed and back.rule is not None and back.rule.name == "120"
    assert not decide(egress, server, client, "tcp", 1025, source_port=443).allowed


WORKLOADS = """
workloads:
  - {name: web, kind: vm, network: vpc, subnet: public, addresses: [10.0.1.10], security_groups: [all-sg]}
  - {name: web2, kind: vm, network: vpc, subnet: public, addresses: [10.0.1.11], security_groups: [all-sg]}
  - {name: db, kind: vm, network: vpc, subnet: private, addresses: [10.0.2.10], security_groups: [all-sg]}
  - {name: job, kind: vm, network: vpc, subnet: other, addresses: [10.0.3.10], security_groups: [all-sg]}
security_groups:
  - name: all-sg
    cloud: aws
    network: vpc
    inbound_rules: [{ports: all, ip_ranges: [0.0.0.0/0]}]
"""

DENY_ALL = """
      - name: closed
        subnets: [public]
"""


def test_traffic_within_a_subnet_is_not_filtered(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: a network ACL
    "allows or denies specific inbound or outbound traffic at the subnet level"; it does not
    filter traffic between instances of the same subnet. With an ACL that denies everything, web
    → web2 (same subnet) is delivered, web → db is not."""
    topology = build_topology(blueprint(tmp_path, DENY_ALL, WORKLOADS))
    inside = reach(topology, "web", "web2", "tcp/5432")
    assert inside.allowed
    assert not any(step.action.startswith("APPLY_ACL") for hop in inside.hops for step in hop.steps)
    out = reach(topology, "web", "db", "tcp/5432")
    assert not out.allowed and out.disposition == "DENIED_ACL"
    assert "egress of subnet public): denied by rule *" in out.hops[-1].steps[-1].detail


def test_a_subnet_without_an_acl_uses_the_default_acl(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: each subnet must
    be associated with a network ACL; otherwise it is associated with the default network ACL,
    which (as AWS creates it) allows all inbound and outbound traffic. With `default: true` on a
    listed ACL, that ACL covers unassociated subnets."""
    topology = build_topology(blueprint(tmp_path, DENY_ALL, WORKLOADS))
    allowed = reach(topology, "db", "job", "tcp/22")
    assert allowed.allowed
    acl_steps = [s for hop in allowed.hops for s in hop.steps if s.action.startswith("APPLY_ACL")]
    assert acl_steps and all("default network ACL of vpc" in s.detail for s in acl_steps)
    assert all("rule 100 (all traffic)" in s.detail for s in acl_steps)
    strict = (
        DENY_ALL
        + """
      - name: strict-default
        default: true
        ingress:
          - {rule_number: 100, action: allow, ports: tcp/22, cidr: 10.0.0.0/16}
          - {rule_number: 110, action: allow, ports: tcp/1024-65535, cidr: 10.0.0.0/16}
        egress:
          - {rule_number: 100, action: allow, ports: all, cidr: 10.0.0.0/16}
"""
    )
    topology = build_topology(blueprint(tmp_path, strict, WORKLOADS))
    assert reach(topology, "db", "job", "tcp/22").allowed
    denied = reach(topology, "db", "job", "tcp/443")
    assert denied.disposition == "DENIED_ACL"
    assert (
        "strict-default (ingress of subnet other): denied by rule *"
        in denied.hops[-1].steps[-1].detail
    )
