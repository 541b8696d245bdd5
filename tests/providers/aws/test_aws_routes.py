"""AWS route table semantics, expected values from the Amazon VPC route table and route priority pages."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

from crossfence import build_topology, load, reach
from crossfence.engine.routing import converge, lookup
from crossfence.ir.types import Network as IrNetwork
from crossfence.ir.types import NextHop, Route, Source, Topology
from crossfence.model import Blueprint
from crossfence.providers.aws.routes import (
    route_propagations,
    route_table_routes,
    subnets_of_tables,
)

FIXTURE = Path(__file__).parent / "fixtures" / "aws-gcp"

BASE = """
clouds: [{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets:
      - {name: public, cidr: 10.0.1.0/24}
      - {name: private, cidr: 10.0.2.0/24}
      - {name: spare, cidr: 10.0.3.0/24}
    route_tables:
      - name: main-rt
        main: true
      - name: public-rt
        subnets: [public]
        propagating_vpn_gateways: [vgw]
        routes:
          - {name: peer, destination: 172.31.0.0/16, next_hop_peering: to-peer}
          - {name: internet, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway}
          - {name: igw-24, destination: 172.31.0.0/24, next_hop_gateway: default_internet_gateway}
          - {name: inside, destination: 10.0.2.0/25, next_hop_gateway: default_internet_gateway}
  - name: peer-vpc
    cloud: aws
    cidr_blocks: [172.31.0.0/16]
    subnets: [{name: p, cidr: 172.31.0.0/20}]
peerings:
  - {name: to-peer, network: vpc, peer_network: peer-vpc}
  - {name: from-peer, network: peer-vpc, peer_network: vpc}
vpn_gateways:
  - {name: vgw, cloud: aws, network: vpc, type: aws_vgw, asn: 64600}
"""


def blueprint(tmp_path: Path, text: str = BASE) -> Blueprint:
    (tmp_path / "bp.yaml").write_text(text)
    return load(tmp_path / "bp.yaml")


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def table(tmp_path: Path, learned: tuple[str, ...] = ()) -> tuple[IrNetwork, list[str]]:
    """The VPC's forwarding table as the control plane installs it, with BGP-learned prefixes."""
    bp = blueprint(tmp_path)
    network = bp.get("networks", "vpc")
    routes, notes = route_table_routes(bp, network)
    heard = [
        Route(
            ipaddress.IPv4Network(p),
            NextHop("tunnel", "t"),
            "dynamic",
            100,
            Source("bgp"),
            "learned",
        )
        for p in learned
    ]
    propagations, more_notes = route_propagations(network, bp.get("vpn_gateways", "vgw"))
    topology = Topology(
        networks={
            "vpc": IrNetwork("vpc", "aws", "aws", routes=routes),
            "vgw": IrNetwork("vgw", "aws", "aws", routes=heard),
        },
        propagations=propagations,
    )
    converge(topology)
    return topology.networks["vpc"], notes + more_notes + topology.notes


def targets(network: IrNetwork, address: str, segment: str | None) -> list[str]:
    return [
        f"{r.next_hop.kind}:{r.next_hop.target}"
        for r in lookup(network, ip(address), segment=segment)
    ]


def test_main_table_covers_subnets_without_explicit_association(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html: the main route
    table "controls the routing for all subnets that are not explicitly associated with any
    other route table"; a subnet is associated with one table."""
    tables, _ = subnets_of_tables(blueprint(tmp_path).get("networks", "vpc"))
    assert tables == {"main-rt": ("private", "spare"), "public-rt": ("public",)}
    network, _ = table(tmp_path)
    assert targets(network, "8.8.8.8", "public") == ["internet_gateway:internet gateway"]
    assert targets(network, "8.8.8.8", "private") == []  # the main table has only the local route


def test_longest_prefix_match_documented_example(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html, longest
    prefix match: with 10.0.0.0/16 local, 172.31.0.0/16 → pcx-11223344556677889 and 0.0.0.0/0 →
    igw, traffic to 172.31.0.0/16 uses the peering connection, traffic within the VPC the local
    route, all other traffic the gateway."""
    network, _ = table(tmp_path)
    assert targets(network, "172.31.40.1", "public") == ["peering:peer-vpc"]
    assert targets(network, "10.0.3.7", "public") == ["local:vpc"]
    assert targets(network, "203.0.113.9", "public") == ["internet_gateway:internet gateway"]


def test_static_route_beats_a_propagated_route_for_the_same_prefix(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html: "If the
    destination of a propagated route is identical to the destination of a static route, the
    static route takes priority." Documented example: a static route 172.31.0.0/24 → igw and a
    propagated route 172.31.0.0/24 → vgw: traffic goes to the igw."""
    network, _ = table(tmp_path, learned=("172.31.0.0/24", "192.168.0.0/16"))
    assert targets(network, "172.31.0.9", "public") == ["internet_gateway:internet gateway"]
    # a propagated route with no static competitor is used, and only by the propagating table
    assert targets(network, "192.168.1.1", "public") == ["attachment:vgw"]
    assert targets(network, "192.168.1.1", "private") == []


def test_local_route_wins_over_a_more_specific_propagated_route(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html: "If propagated
    routes from a Site-to-Site VPN connection or AWS Direct Connect connection overlap with the
    local route for your VPC, the local route is most preferred even if the propagated routes
    are more specific." Example: 10.0.2.0/24 learned over BGP inside the VPC's 10.0.0.0/16."""
    network, notes = table(tmp_path, learned=("10.0.2.0/24",))
    assert targets(network, "10.0.2.5", "public") == ["local:vpc"]
    assert any("10.0.2.0/24" in n and "overlaps the local route" in n for n in notes)


def test_a_route_more_specific_than_local_is_only_for_a_whole_subnet_to_a_middlebox(
    tmp_path: Path,
) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html: a route more
    specific than the local route must match the entire CIDR of a subnet and target a middlebox
    (network interface, NAT gateway, GWLB endpoint); `inside` (10.0.2.0/25 → igw) is neither, so
    AWS refuses it and crossfence ignores it."""
    network, notes = table(tmp_path)
    assert targets(network, "10.0.2.5", "public") == ["local:vpc"]
    assert any("route inside" in n and "ignored" in n for n in notes)


def test_traffic_arriving_from_outside_the_vpc_sees_only_the_local_route(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html: a subnet route
    table decides where traffic *from the subnet* goes; traffic entering through a gateway
    without an edge association is delivered by the local route."""
    network, _ = table(tmp_path)
    assert targets(network, "10.0.1.5", None) == ["local:vpc"]
    assert targets(network, "203.0.113.9", None) == []


def test_transit_gateway_needs_a_static_route_in_the_vpc_table(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html /
    https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html: route propagation
    into VPC route tables is a virtual private gateway feature; with a transit gateway the
    subnet route table needs a static route to it. The fixture's gateway turned into a TGW: with
    propagation only the replies have no route; with a static route 10.0.0.0/24 → TGW the flow
    works through the TGW's BGP routes."""
    folder = tmp_path / "estate"
    shutil.copytree(FIXTURE, folder)
    aws = folder / "aws.yaml"
    aws.write_text(aws.read_text().replace("type: aws_vgw", "type: aws_tgw"))
    topology = build_topology(load(folder))
    assert any("transit gateway" in note and "static route" in note for note in topology.notes)
    assert reach(topology, "vault", "app", "tcp/22").disposition == "NO_RETURN_ROUTE"
    aws.write_text(
        aws.read_text().replace(
            "        propagating_vpn_gateways: [ops-vgw]\n",
            "        propagating_vpn_gateways: [ops-vgw]\n"
            "        routes:\n"
            "          - {name: to-hub, destination: 10.0.0.0/24, next_hop_transit_gateway: ops-vgw}\n",
        )
    )
    answer = reach(build_topology(load(folder)), "vault", "app", "tcp/22")
    assert answer.allowed, answer.disposition
    back = [s.detail for hop in answer.hops for s in hop.steps if s.action == "RETURN_ROUTE"]
    assert back[0].startswith("in ops-vpc: 10.0.0.0/24 → attachment ops-vgw [static]")
    assert back[1].startswith("in ops-vgw: 10.0.0.0/24 → tunnel")


PEERED = """
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
          - {name: to-b, destination: 10.1.0.0/16, next_hop_peering: pcx-ab}
          - {name: to-c, destination: 10.2.0.0/16, next_hop_peering: pcx-ab}
  - name: vpc-b
    cloud: aws
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: b, cidr: 10.1.1.0/24}]
    route_tables:
      - name: rt-b
        main: true
        routes:
          - {name: to-a, destination: 10.0.0.0/16, next_hop_peering: pcx-ba}
          - {name: to-c, destination: 10.2.0.0/16, next_hop_peering: pcx-bc}
  - name: vpc-c
    cloud: aws
    cidr_blocks: [10.2.0.0/16]
    subnets: [{name: c, cidr: 10.2.1.0/24}]
    route_tables:
      - name: rt-c
        main: true
        routes:
          - {name: to-b, destination: 10.1.0.0/16, next_hop_peering: pcx-cb}
peerings:
  - {name: pcx-ab, network: vpc-a, peer_network: vpc-b}
  - {name: pcx-ba, network: vpc-b, peer_network: vpc-a}
  - {name: pcx-bc, network: vpc-b, peer_network: vpc-c}
  - {name: pcx-cb, network: vpc-c, peer_network: vpc-b}
workloads:
  - {name: wa, kind: vm, network: vpc-a, subnet: a, addresses: [10.0.1.10], security_groups: [open]}
  - {name: wb, kind: vm, network: vpc-b, subnet: b, addresses: [10.1.1.10], security_groups: [open]}
  - {name: wc, kind: vm, network: vpc-c, subnet: c, addresses: [10.2.1.10], security_groups: [open]}
security_groups:
  - {name: open, cloud: aws, inbound_rules: [{ports: all, ip_ranges: [10.0.0.0/8]}]}
"""


def test_vpc_peering_needs_routes_on_both_sides_and_is_not_transitive(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html and
    https://docs.aws.amazon.com/vpc/latest/peering/invalid-peering-configurations.html: traffic
    uses a peering connection only where route tables point at it, on both sides; peering is not
    transitive ("you cannot route packets directly from VPC B to VPC C through VPC A"). a → b
    works; a → c through b does not, even with a route to c in a's table: b delivers only its
    own addresses to arrivals."""
    topology = build_topology(blueprint(tmp_path, PEERED))
    assert reach(topology, "wa", "wb", "tcp/443").allowed
    assert reach(topology, "wb", "wc", "tcp/443").allowed
    transit = reach(topology, "wa", "wc", "tcp/443")
    assert not transit.allowed and transit.disposition == "NO_ROUTE"
    assert "no route to 10.2.1.10 in vpc-b" in transit.hops[-1].steps[0].detail
    one_way = reach(topology, "wc", "wa", "tcp/443")  # c has no route to a at all
    assert one_way.disposition == "NO_ROUTE"


def test_an_instance_needs_a_public_address_to_use_the_internet_gateway(tmp_path: Path) -> None:
    """https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html: "To use an
    internet gateway, ... instances in the subnet must have a public IPv4 address or an Elastic
    IP address". A route 0.0.0.0/0 → igw in the subnet's table is not enough."""
    workloads = """
workloads:
  - {name: private-vm, kind: vm, network: vpc, subnet: public, addresses: [10.0.1.10]}
  - name: public-vm
    kind: vm
    network: vpc
    subnet: public
    addresses: [10.0.1.11]
    public_address: 15.188.10.11
"""
    topology = build_topology(blueprint(tmp_path, BASE + workloads))
    private = reach(topology, "private-vm", "203.0.113.9", "tcp/443")
    assert not private.allowed and private.disposition == "NO_EXTERNAL_ADDRESS"
    assert reach(topology, "public-vm", "203.0.113.9", "tcp/443").allowed
