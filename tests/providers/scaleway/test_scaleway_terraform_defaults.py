"""What the `scaleway` provider sends for a security group rule's ports, as a state or plan holds them: no wrong "allowed" from a port range read back from the API.

Pages: https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/<type>.
"""

from __future__ import annotations

from pathlib import Path

from tests.providers.scaleway.test_scaleway_terraform import load, scw, vpc
from tests.terraform.plans import plan, write

import crossfence


def test_a_rule_s_port_range_as_the_provider_reads_it(tmp_path: Path) -> None:
    """instance_security_group: "port - (Optional) The port this rule apply to. If no port is
    specified, rule will apply to all port" (https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_security_group).
    The provider (`securityGroupRuleExpand`, internal/services/instance/security_group.go) sends
    a non-empty `port_range` rather than `port`, and no port when both ends are 0; a rule read
    back from the API is stored as "<from>-<to>" with `to` 0 for a single port. So "0-0" is every
    port (a drop of "0-0" drops all TCP, not port 0), "22-0" is port 22, and `port_range` wins."""
    group = scw(
        "scaleway_instance_security_group.g",
        "44444444-4444-4444-8444-444444444444",
        {
            "name": "g",
            "inbound_rule": [
                {"action": "drop", "protocol": "TCP", "port": 0, "port_range": "0-0"},
                {"action": "accept", "protocol": "TCP", "port": 0, "port_range": "22-0"},
                {"action": "accept", "protocol": "UDP", "port": 53, "port_range": "1000-2000"},
                {"action": "accept", "protocol": "TCP", "port": 443, "port_range": ""},
            ],
        },
        "fr-par-1",
    )
    g = load(tmp_path, [*vpc(), group]).security_groups[0]
    assert [(r.action, r.ports) for r in g.inbound_rules] == [
        ("drop", "tcp"),
        ("accept", "tcp/22"),
        ("accept", "udp/1000-2000"),
        ("accept", "tcp/443"),
    ]


def test_a_vpc_acl_rule_known_after_apply_allows_least(tmp_path: Path) -> None:
    """vpc_acl: a rule's `source`, `destination` (a CIDR "to which this rule applies"), ports and
    `action` (https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/vpc_acl).
    One the plan knows only after apply was read without it, so matching any address: an
    accept rule then accepted everything. It is left out when it accepts and widened (any
    address) when it drops; each value is recorded."""
    rules = [
        {
            "protocol": "TCP",
            "dst_port_low": 22,
            "dst_port_high": 22,
            "destination": "172.16.8.0/24",
            "action": "accept",
        },
        {
            "protocol": "TCP",
            "source": "172.16.0.0/22",
            "dst_port_low": 5432,
            "dst_port_high": 5432,
            "action": "drop",
        },
    ]
    acl = scw(
        "scaleway_vpc_acl.a",
        "55555555-5555-4555-8555-555555555555",
        {
            "vpc_id": "fr-par/11111111-1111-4111-8111-111111111111",
            "is_ipv6": False,
            "default_policy": "drop",
            "rules": rules,
        },
    )
    acl.unknown = {"rules": [{"source": True}, {"destination": True}]}
    acl.action = ["update"]
    bp = crossfence.load(write(tmp_path / "plan.json", plan([*vpc(), acl])))
    network = bp.networks[0]
    assert network.acl is not None
    assert [(r.action, r.source, r.destination) for r in network.acl.rules] == [
        ("drop", "172.16.0.0/22", "0.0.0.0/0")
    ]
    assert sorted(u.address.rsplit(".", 1)[-1] for u in bp.unknowns) == ["destination", "source"]
