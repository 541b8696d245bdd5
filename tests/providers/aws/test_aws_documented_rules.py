"""AWS rules written from the Amazon VPC documentation, one small estate per rule.

Each test quotes the page its expected value comes from.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from crossfence import BlueprintError, build_topology, connectivity, load, reach
from crossfence.engine.matrix import reference_connectivity
from crossfence.ir.types import Topology

VPC = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets:
      - {name: a, cidr: 10.0.1.0/24}
      - {name: b, cidr: 10.0.2.0/24}
    route_tables:
      - name: main
        main: true
        routes:
          - {name: internet, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway}
          - {name: dropped, destination: 198.51.100.0/24, blackhole: true}
"""


def estate(tmp_path: Path, text: str) -> Topology:
    (tmp_path / "bp.yaml").write_text(text)
    return build_topology(load(tmp_path / "bp.yaml"))


# -- security groups ---------------------------------------------------------------------------

BY_REFERENCE = (
    VPC
    + """
workloads:
  - {name: web, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.10], public_address: 15.188.1.10, security_groups: [web-sg]}
  - {name: app, kind: vm, network: vpc, subnet: b, addresses: [10.0.2.10], public_address: 15.188.2.10, security_groups: [app-sg], ports: [{port: 8080}]}
  - {name: stranger, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.20], security_groups: [other-sg]}
security_groups:
  - {name: web-sg, cloud: aws, network: vpc}
  - {name: other-sg, cloud: aws, network: vpc}
  - name: app-sg
    cloud: aws
    network: vpc
    inbound_rules:
      - {ports: tcp/8080, security_groups: [web-sg]}
"""
)


def test_a_security_group_source_matches_its_members_not_an_address_range(
    tmp_path: Path,
) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html: a rule's source
    may be "The ID of a security group ... This allows traffic based on the private IP addresses
    of the resources associated with the specified security group" — a member in another subnet
    is let in, an instance of the same subnet outside the group is not."""
    net = estate(tmp_path, BY_REFERENCE)
    assert reach(net, "web", "app", "tcp/8080").allowed
    assert reach(net, "stranger", "app", "tcp/8080").disposition == "DENIED_INGRESS"


def test_a_security_group_source_does_not_match_a_members_public_address(
    tmp_path: Path,
) -> None:
    """Same page: the referenced group matches "the private IP addresses of the resources" — when
    web calls app's public IPv4 address the packet leaves through the internet gateway with web's
    public address as its source, which no rule of app-sg names: denied (a wrong "allowed" here
    would be the worst answer)."""
    net = estate(tmp_path, BY_REFERENCE)
    answer = reach(net, "web", "15.188.2.10", "tcp/8080")
    assert not answer.allowed and answer.disposition == "DENIED_INGRESS"


def test_security_groups_only_allow(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html: "You can
    specify allow rules, but not deny rules." — a drop rule is a located error, never read as an
    allow."""
    text = BY_REFERENCE.replace(
        "      - {ports: tcp/8080, security_groups: [web-sg]}",
        "      - {action: drop, ports: tcp/8080, ip_ranges: [10.0.1.20/32]}\n"
        "      - {ports: tcp/8080, ip_ranges: [10.0.0.0/16]}",
    )
    (tmp_path / "bp.yaml").write_text(text)
    with pytest.raises(BlueprintError, match="only allow"):
        load(tmp_path / "bp.yaml")


# -- route tables --------------------------------------------------------------------------------

ROUTED = (
    VPC
    + """
workloads:
  - {name: web, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.10], public_address: 15.188.1.10, security_groups: [open]}
security_groups:
  - {name: open, cloud: aws, network: vpc, inbound_rules: [{ports: all, ip_ranges: [0.0.0.0/0]}]}
"""
)


def test_a_blackhole_route_drops_what_it_matches_before_the_default_route(
    tmp_path: Path,
) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html: "we direct
    traffic using the most specific route that matches the traffic" — the /24 wins over 0.0.0.0/0
    even though its target is gone: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html
    ("blackhole ... the route's target isn't available ... traffic is dropped")."""
    net = estate(tmp_path, ROUTED)
    dropped = reach(net, "web", "198.51.100.7", "tcp/443")
    assert not dropped.allowed and dropped.disposition == "NO_ROUTE"
    assert "blackhole" in str(dropped.to_json())
    assert reach(net, "web", "203.0.113.7", "tcp/443").allowed


PEERED_TO_IGW = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc-a
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: a, cidr: 10.0.1.0/24}]
    route_tables:
      - name: rt-a
        main: true
        routes:
          - {name: all-to-b, destination: 0.0.0.0/0, next_hop_peering: pcx-ab}
  - name: vpc-b
    cloud: aws
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: b, cidr: 10.1.1.0/24}]
    route_tables:
      - name: rt-b
        main: true
        routes:
          - {name: to-a, destination: 10.0.0.0/16, next_hop_peering: pcx-ba}
          - {name: internet, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway}
peerings:
  - {name: pcx-ab, network: vpc-a, peer_network: vpc-b}
  - {name: pcx-ba, network: vpc-b, peer_network: vpc-a}
workloads:
  - {name: wa, kind: vm, network: vpc-a, subnet: a, addresses: [10.0.1.10], public_address: 15.188.1.10, security_groups: [open]}
  - {name: wb, kind: vm, network: vpc-b, subnet: b, addresses: [10.1.1.10], public_address: 15.188.2.10, security_groups: [open]}
security_groups:
  - {name: open, cloud: aws, inbound_rules: [{ports: all, ip_ranges: [0.0.0.0/0]}]}
"""


def test_no_edge_to_edge_routing_through_a_peer_internet_gateway(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html ("Edge to
    edge routing through a gateway or private connection"): "If VPC A has an internet gateway,
    resources in VPC B can't use the internet gateway in VPC A to access the internet." — vpc-a
    sends everything to the peering; the peer's internet gateway does not carry it, while vpc-b's
    own instance goes out."""
    net = estate(tmp_path, PEERED_TO_IGW)
    assert reach(net, "wa", "wb", "tcp/443").allowed
    out = reach(net, "wa", "203.0.113.9", "tcp/443")
    assert not out.allowed and out.disposition == "NO_ROUTE"
    assert reach(net, "wb", "203.0.113.9", "tcp/443").allowed


def test_the_matrix_agrees_with_the_walk(tmp_path: Path) -> None:
    for text in (BY_REFERENCE, ROUTED, PEERED_TO_IGW):
        net = estate(tmp_path, text)
        assert connectivity(net).connections == reference_connectivity(net).connections


# -- security group references across VPCs ------------------------------------------------------

ACROSS = """
clouds:
  - {name: aws, provider: aws, jurisdiction: US, region: eu-west-3}
  - {name: aws-east, provider: aws, jurisdiction: US, region: us-east-1}
networks:
  - name: vpc-a
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: a, cidr: 10.0.1.0/24}]
    route_tables:
      - {name: rt-a, main: true, routes: [{name: to-b, destination: 10.1.0.0/16, next_hop_peering: PEERING_A}]}
  - name: vpc-b
    cloud: CLOUD_B
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: b, cidr: 10.1.1.0/24}]
    route_tables:
      - {name: rt-b, main: true, routes: [{name: to-a, destination: 10.0.0.0/16, next_hop_peering: PEERING_B}]}
  - name: vpc-c
    cloud: aws
    cidr_blocks: [10.2.0.0/16]
    subnets: [{name: c, cidr: 10.2.1.0/24}]
PEERINGS
workloads:
  - {name: client, kind: vm, network: vpc-a, subnet: a, addresses: [10.0.1.10], security_groups: [client-sg]}
  - {name: server, kind: vm, network: vpc-b, subnet: b, addresses: [10.1.1.10], security_groups: [server-sg], ports: [{port: 443}]}
  - {name: lonely, kind: vm, network: vpc-c, subnet: c, addresses: [10.2.1.10], security_groups: [client-sg]}
security_groups:
  - {name: client-sg, cloud: aws}
  - name: server-sg
    cloud: CLOUD_B
    network: vpc-b
    inbound_rules:
      - {ports: tcp/443, security_groups: [client-sg], description: from client-sg members}
"""
PEERED = """peerings:
  - {name: pcx-ab, network: vpc-a, peer_network: vpc-b}
  - {name: pcx-ba, network: vpc-b, peer_network: vpc-a}
"""


def across(tmp_path: Path, cloud_b: str = "aws", peered: bool = True) -> Topology:
    text = ACROSS.replace("CLOUD_B", cloud_b).replace("PEERINGS\n", PEERED if peered else "")
    if peered:
        text = text.replace("PEERING_A", "pcx-ab").replace("PEERING_B", "pcx-ba")
    else:
        text = text.replace(
            "routes: [{name: to-b, destination: 10.1.0.0/16, next_hop_peering: PEERING_A}]",
            "routes: []",
        ).replace(
            "routes: [{name: to-a, destination: 10.0.0.0/16, next_hop_peering: PEERING_B}]",
            "routes: []",
        )
    return estate(tmp_path, text)


def test_a_peer_vpc_security_group_is_referenced_in_the_same_region(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html: "You can
    update the inbound or outbound rules for your VPC security groups to reference security groups
    for peered VPCs. Doing so allows traffic to flow to and from instances that are associated with
    the referenced security group in the peered VPC." — client (vpc-a) reaches server (vpc-b)."""
    answer = reach(across(tmp_path), "client", "server", "tcp/443")
    assert answer.allowed and "from client-sg members" in str(answer.to_json())


def test_a_peer_vpc_security_group_in_another_region_matches_nobody(tmp_path: Path) -> None:
    """Same page: "You can't reference the security group of a peer VPC that's in a different
    Region. Instead, use the CIDR block of the peer VPC." — with vpc-b in us-east-1 the rule
    naming client-sg lets no member of vpc-a in (a wrong "allowed" otherwise)."""
    answer = reach(across(tmp_path, cloud_b="aws-east"), "client", "server", "tcp/443")
    assert not answer.allowed and answer.disposition == "DENIED_INGRESS"


def test_members_of_an_unpeered_vpc_are_not_matched_by_reference(tmp_path: Path) -> None:
    """Same page: "To reference a security group in a peer VPC, the VPC peering connection must be
    in the active state" — lonely (vpc-c, never peered with vpc-b) is a member of client-sg, and
    the rule in vpc-b does not match its address."""
    rule = across(tmp_path).endpoints["server"].ingress[0].rules[0]
    assert int(ipaddress.IPv4Address("10.0.1.10")) in rule.remote
    assert int(ipaddress.IPv4Address("10.2.1.10")) not in rule.remote


# -- traffic security groups and network ACLs never filter ----------------------------------------

LOCKED = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16, 10.1.0.0/16]
    subnets:
      - {name: a, cidr: 10.0.1.0/24}
      - {name: b, cidr: 10.1.2.0/24}
    network_acls:
      - name: nothing
        subnets: [a, b]
        ingress: []
        egress: []
workloads:
  - {name: box, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.10], security_groups: [locked]}
security_groups:
  - {name: locked, cloud: aws, network: vpc, outbound_default_policy: drop}
"""


def test_amazon_provided_services_are_never_filtered(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html (awsdocs/amazon-vpc-user-guide
    doc_source/VPC_Security.md): "Amazon security groups and network ACLs do not filter traffic
    destined to and from the following: Amazon Domain Name Services (DNS) ... Amazon EC2 instance
    metadata ... Amazon Time Sync Service". The addresses
    (https://docs.aws.amazon.com/whitepapers/latest/ipv6-on-aws/supporting-amazon-vpc-services.html):
    the DNS resolver "resides at VPC_CIDR_BASE + 2 and 169.254.169.253", the metadata service "at
    169.254.169.254", the NTP server "at 169.254.169.123"; "For VPCs with multiple CIDR blocks,
    the IP address of the DNS server is located in the primary CIDR"
    (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html). An instance whose
    security group allows no outbound traffic, in a subnet whose network ACL denies everything,
    still reaches each of them; the same group and ACL stop anything else."""
    net = estate(tmp_path, LOCKED)
    for address, port in (
        ("169.254.169.254", "tcp/80"),
        ("169.254.169.253", "udp/53"),
        ("10.0.0.2", "udp/53"),
        ("10.0.0.2", "tcp/53"),
        ("169.254.169.123", "udp/123"),
    ):
        answer = reach(net, "box", address, port)
        assert answer.allowed, (address, port)
        assert "aws/unfiltered-traffic" in str(answer.to_json())
    # the secondary CIDR's base plus two is not the DNS server
    assert not reach(net, "box", "10.1.0.2", "udp/53").allowed
    assert reach(net, "box", "203.0.113.9", "tcp/443").disposition == "DENIED_EGRESS"


def test_a_provider_service_answers_on_its_own_ports_only(tmp_path: Path) -> None:
    """Not being filtered is no listener: the metadata service is HTTP (tcp/80), the Time Sync
    Service NTP (udp/123); SSH to either finds nothing. The VPC router's address ("10.0.0.1:
    Reserved by AWS for the VPC router", subnet-sizing) is not filtered either, but no page names
    a service it answers on: never "allowed"."""
    net = estate(tmp_path, LOCKED)
    for address in ("169.254.169.254", "169.254.169.123", "10.0.1.1"):
        answer = reach(net, "box", address, "tcp/22")
        assert answer.disposition == "NO_ENDPOINT", address


# -- EC2's restriction on outbound port 25 ---------------------------------------------------------

MAIL = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: a, cidr: 10.0.1.0/24}]
    route_tables:
      - name: main
        main: true
        routes:
          - {name: internet, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway}
workloads:
  - {name: mta, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.10], public_address: 15.188.1.10, security_groups: [mail]}
  - {name: relay, kind: vm, network: vpc, subnet: a, addresses: [10.0.1.20], security_groups: [mail]}
security_groups:
  - name: mail
    cloud: aws
    network: vpc
    inbound_rules: [{ports: tcp/25, ip_ranges: [10.0.0.0/16]}]
    outbound_rules: [{ports: all, ip_ranges: [0.0.0.0/0]}]
"""


def test_ec2_blocks_outbound_port_25_by_default(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html: "By
    default, security groups contain outbound rules that allow all outbound traffic ... Note that
    Amazon EC2 blocks traffic on port 25 by default. For more information, see Restriction on
    email sent using port 25." — an outbound allow-all rule does not open TCP port 25 to an
    internet address; port 587, and port 25 to an address of the VPC, are not concerned."""
    net = estate(tmp_path, MAIL)
    blocked = reach(net, "mta", "203.0.113.9", "tcp/25")
    assert blocked.disposition == "DENIED_EGRESS"
    assert "aws/port-25-restriction" in str(blocked.to_json())
    assert reach(net, "mta", "203.0.113.9", "tcp/587").allowed
    assert reach(net, "mta", "relay", "tcp/25").allowed
    assert connectivity(net).connections == reference_connectivity(net).connections


def test_a_removed_port_25_restriction_lets_the_security_group_decide(tmp_path: Path) -> None:
    """Amazon SES's page: Amazon EC2 "restricts email traffic over port 25 by default ... you can
    request that these restrictions be removed"
    (https://docs.aws.amazon.com/ses/latest/dg/send-using-smtp-programmatically.html): the
    cloud's `port_25_restriction_removed: true` says AWS did, and the allow-all rule decides."""
    lifted = MAIL.replace("eu-west-3}", "eu-west-3, port_25_restriction_removed: true}")
    assert lifted != MAIL
    net = estate(tmp_path, lifted)
    assert reach(net, "mta", "203.0.113.9", "tcp/25").allowed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            VPC.replace(
                "region: eu-west-3}]",
                "region: eu-west-3}, {name: g, provider: gcp, jurisdiction: US, "
                "region: europe-west1, port_25_restriction_removed: true}]",
            ),
            "port_25_restriction_removed is an AWS setting",
        ),
        (
            VPC
            + "security_groups:\n  - {name: sg, cloud: aws, network: vpc, enable_default_security: false}\n",
            "enable_default_security is a Scaleway security group setting",
        ),
    ],
)
def test_each_smtp_setting_belongs_to_its_provider(tmp_path: Path, text: str, message: str) -> None:
    """Each setting is refused where its provider is not: a located error, never read as
    lifting a block the provider keeps."""
    (tmp_path / "bp.yaml").write_text(text)
    with pytest.raises(BlueprintError, match=message):
        load(tmp_path / "bp.yaml")
