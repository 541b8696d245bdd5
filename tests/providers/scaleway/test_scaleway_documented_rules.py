"""Scaleway rules written from Scaleway's documentation, one small estate per rule.

Each test quotes the page its expected value comes from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import BlueprintError, build_topology, connectivity, load, reach
from crossfence.engine.matrix import reference_connectivity
from crossfence.ir.types import Topology

ESTATE = """
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: pn-a, cidr: 172.16.0.0/24}
      - {name: pn-b, cidr: 172.16.1.0/24}
ACL
security_groups:
  - name: closed
    cloud: scw
    stateful: true
    inbound_default_policy: drop
    outbound_default_policy: accept
workloads:
  - {name: a1, kind: vm, network: vpc, subnet: pn-a, addresses: [172.16.0.10], public_address: 51.15.1.10, security_groups: [closed], ports: [{port: 8080}]}
  - {name: a2, kind: vm, network: vpc, subnet: pn-a, addresses: [172.16.0.20], security_groups: [closed], ports: [{port: 8080}]}
  - {name: b1, kind: vm, network: vpc, subnet: pn-b, addresses: [172.16.1.10], public_address: 51.15.1.20, security_groups: [closed], ports: [{port: 8080}]}
"""


def estate(tmp_path: Path, acl: str = "") -> Topology:
    (tmp_path / "bp.yaml").write_text(ESTATE.replace("ACL\n", acl))
    return build_topology(load(tmp_path / "bp.yaml"))


def test_security_groups_do_not_filter_private_network_traffic(tmp_path: Path) -> None:
    """https://www.scaleway.com/en/docs/instances/concepts/#security-group: "Security Groups only
    allow the filtering of public traffic to and from your Instances. To filter traffic within a
    Private Network, you can configure a firewall directly on your Instance" — an inbound default
    policy of drop stops the internet at b1's public address, not a1 on the Private Network."""
    net = estate(tmp_path)
    assert reach(net, "a1", "a2", "tcp/8080").allowed
    assert reach(net, "a1", "b1", "tcp/8080").allowed  # VPC routing between Private Networks
    assert reach(net, "internet", "b1", "tcp/8080").disposition == "DENIED_INGRESS"


FIRST_MATCH = """\
    acl:
      default_policy: accept
      rules:
        - {action: drop, protocol: tcp, source: 172.16.0.0/24, destination: 172.16.1.0/24, destination_ports: "8080"}
        - {action: accept, protocol: any, source: 0.0.0.0/0, destination: 0.0.0.0/0}
"""


def test_the_vpc_acl_applies_the_first_matching_rule(tmp_path: Path) -> None:
    """https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/: "Rules closer
    to the top of the list are applied first. If traffic matches a rule for an Allow or Deny
    action, the action is applied immediately." — the drop above the accept-all decides; in the
    other order the accept-all does."""
    net = estate(tmp_path, FIRST_MATCH)
    denied = reach(net, "a1", "b1", "tcp/8080")
    assert denied.disposition == "DENIED_ACL"
    drop, accept = FIRST_MATCH.splitlines(keepends=True)[-2:]
    swapped = FIRST_MATCH.replace(drop + accept, accept + drop)
    assert swapped != FIRST_MATCH
    assert reach(estate(tmp_path, swapped), "a1", "b1", "tcp/8080").allowed


DEFAULT_DROP = """\
    acl:
      default_policy: drop
      rules:
        - {action: accept, protocol: udp, source: 172.16.0.0/24, destination: 172.16.1.0/24}
"""


def test_the_vpc_acl_default_rule_takes_what_no_rule_matched(tmp_path: Path) -> None:
    """Same page: "Each NACL must have a default rule, which applies its action to all traffic
    that did not match any other rules in the list." — tcp/8080 between the Private Networks
    meets the default drop."""
    net = estate(tmp_path, DEFAULT_DROP)
    answer = reach(net, "a1", "b1", "tcp/8080")
    assert answer.disposition == "DENIED_ACL" and "default_policy" in str(answer.to_json())


def test_the_vpc_acl_filters_neither_one_private_network_nor_the_internet(
    tmp_path: Path,
) -> None:
    """Same page: "NACLs only control traffic as it enters or exits the Private Network(s) of a
    VPC. They do not: Filter traffic between resources attached to the same Private Network;
    Filter traffic from/to the public internet" — a default drop leaves a1 → a2 and a1 → the
    internet alone."""
    net = estate(tmp_path, DEFAULT_DROP)
    assert reach(net, "a1", "a2", "tcp/8080").allowed
    out = reach(net, "a1", "203.0.113.9", "tcp/443")
    assert out.allowed and "VPC ACL" not in str(out.to_json())


def test_the_matrix_agrees_with_the_walk(tmp_path: Path) -> None:
    for acl in ("", FIRST_MATCH, DEFAULT_DROP):
        net = estate(tmp_path, acl)
        assert connectivity(net).connections == reference_connectivity(net).connections


SMTP_OPEN = """
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks: [{name: pn, cidr: 172.16.0.0/24}]
security_groups:
  - name: mail
    cloud: scw
    stateful: true
    inbound_default_policy: accept
    outbound_default_policy: accept
    outbound_rules:
      - {action: accept, ports: "tcp/25", ip_ranges: ["0.0.0.0/0"]}
workloads:
  - {name: mta, kind: vm, network: vpc, subnet: pn, addresses: [172.16.0.10], public_address: 51.15.1.10, security_groups: [mail], ports: [{port: 25}]}
  - {name: relay, kind: vm, network: vpc, subnet: pn, addresses: [172.16.0.20], security_groups: [mail], ports: [{port: 25}]}
"""


def test_remote_smtp_ports_are_blocked_by_default(tmp_path: Path) -> None:
    """https://www.scaleway.com/en/docs/instances/how-to/send-emails-from-your-instance/ (source:
    scaleway/docs-content pages/instances/how-to/send-emails-from-your-instance.mdx): "By
    default, remote SMTP ports (25, 465, and 587) are blocked and cannot be accessed from our
    infrastructure to prevent spam." — an accept rule of the group does not open them; port 443
    and SMTP to an address of the Private Network are not concerned."""
    (tmp_path / "bp.yaml").write_text(SMTP_OPEN)
    net = build_topology(load(tmp_path / "bp.yaml"))
    for port in ("tcp/25", "tcp/465", "tcp/587"):
        answer = reach(net, "mta", "203.0.113.9", port)
        assert not answer.allowed and "SMTP blocked by default" in str(answer.to_json())
    assert reach(net, "mta", "203.0.113.9", "tcp/443").allowed
    assert reach(net, "mta", "relay", "tcp/25").allowed
    assert connectivity(net).connections == reference_connectivity(net).connections


def test_the_instance_metadata_api_is_reached_from_the_instance(tmp_path: Path) -> None:
    """https://www.scaleway.com/en/developers/api/instance/user-data: user data is read "From
    within a running Instance, by requesting the Metadata API at http://169.254.42.42/user_data";
    VPC ACLs cannot filter "Scaleway Instance metadata"
    (https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/). Scaleway does
    not say whether a security group sees it, so an outbound default policy of drop still denies
    it (never a wrong "allowed"); with the group's accept it is reached, on HTTP only."""
    net = estate(tmp_path, DEFAULT_DROP)
    answer = reach(net, "a1", "169.254.42.42", "tcp/80")
    assert answer.allowed and "scaleway/instance-metadata" in str(answer.to_json())
    assert reach(net, "a1", "169.254.42.42", "tcp/22").disposition == "NO_ENDPOINT"
    closed = ESTATE.replace("outbound_default_policy: accept", "outbound_default_policy: drop")
    (tmp_path / "bp.yaml").write_text(closed.replace("ACL\n", ""))
    denied = reach(build_topology(load(tmp_path / "bp.yaml")), "a1", "169.254.42.42", "tcp/80")
    assert denied.disposition == "DENIED_EGRESS"
    # a stateless group checks the answer against its inbound rules too
    stateless = ESTATE.replace("stateful: true", "stateful: false")
    (tmp_path / "bp.yaml").write_text(stateless.replace("ACL\n", ""))
    net = build_topology(load(tmp_path / "bp.yaml"))
    assert reach(net, "a1", "169.254.42.42", "tcp/80").disposition == "DENIED_REPLY"


def test_a_group_whose_smtp_block_was_lifted_sends_mail(tmp_path: Path) -> None:
    """The block is the group's `enable_default_security`, "True if SMTP is blocked on IPv4 and
    IPv6. This feature is read only, please open a ticket if you need to make it configurable"
    (Instance API, SecurityGroup; https://www.scaleway.com/en/developers/api/instance/); the
    send-emails page has it lifted after identity verification. `enable_default_security:
    false` says it was: the group's accept rule then decides."""
    lifted = SMTP_OPEN.replace(
        "    stateful: true\n", "    stateful: true\n    enable_default_security: false\n"
    )
    assert lifted != SMTP_OPEN
    (tmp_path / "bp.yaml").write_text(lifted)
    net = build_topology(load(tmp_path / "bp.yaml"))
    for port in ("tcp/25", "tcp/465", "tcp/587"):
        assert reach(net, "mta", "203.0.113.9", port).allowed, port
    assert connectivity(net).connections == reference_connectivity(net).connections


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "{action: accept, protocol: any, source: 172.16.0.0/24, destination: 172.16.1.0/24, destination_ports: '22'}",
            "ambiguous: Scaleway does not document whether ports narrow an ANY rule",
        ),
        (
            "{action: accept, protocol: any, source: 172.16.0.0/24, destination: 172.16.1.0/24, source_ports: '1024-65535'}",
            "ambiguous",
        ),
        (
            "{action: drop, protocol: icmp, source: 172.16.0.0/24, destination: 172.16.1.0/24, destination_ports: '8'}",
            "ICMP has no destination ports",
        ),
    ],
)
def test_acl_ports_that_cannot_be_read_are_refused(tmp_path: Path, rule: str, message: str) -> None:
    """The VPC API's AclRule (https://www.scaleway.com/en/developers/api/vpc/): `protocol` one of
    "ANY", "TCP", "UDP", "ICMP" (default ANY), `dst_port_low` "Starting port of the destination
    port range to which this rule applies (inclusive)" — nothing says whether ports narrow an ANY
    rule. An accept rule read either way could let through what it does not (ignoring the ports
    widened it): a located error. ICMP has no ports (it crashed before)."""
    acl = f"    acl:\n      default_policy: drop\n      rules:\n        - {rule}\n"
    with pytest.raises(BlueprintError, match=message) as error:
        estate(tmp_path, acl)
    assert "networks[0].acl.rules[0]" in str(error.value)


def test_a_drop_rule_for_any_protocol_ignores_its_ports(tmp_path: Path) -> None:
    """A drop rule for any protocol with ports is kept, its ports ignored: it drops more than it
    may, never lets more through (a wrong "denied" at worst, not a wrong "allowed")."""
    acl = """\
    acl:
      default_policy: accept
      rules:
        - {action: drop, protocol: any, source: 172.16.0.0/24, destination: 172.16.1.0/24, destination_ports: "22"}
"""
    assert reach(estate(tmp_path, acl), "a1", "b1", "tcp/8080").disposition == "DENIED_ACL"
