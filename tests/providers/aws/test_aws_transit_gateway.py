"""AWS transit gateway route tables: a hub with two spoke VPCs attached, each packet routed by the table associated with the attachment it arrives from.

Expected values from https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html
("The transit gateway routes IPv4 and IPv6 packets between attachments using transit gateway
route tables"; route evaluation order: the most specific route, then static routes before
propagated ones for the same destination) and
https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html (an attachment is associated
with one route table; it propagates its routes into any number; a blackhole route drops what
matches it; attachments created with the defaults are associated with and propagate into the
default route table).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.engine.path import Trace
from crossfence.errors import BlueprintError

HUB = """
clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-1}]
networks:
  - name: hub
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: hub-a, cidr: 10.0.1.0/24}]
    route_tables:
      - {name: hub-rt, main: true, routes: [{name: spokes, destination: 10.0.0.0/8, next_hop_transit_gateway: tgw}]}
  - name: spoke1
    cloud: aws
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: s1, cidr: 10.1.1.0/24}]
    route_tables:
      - {name: s1-rt, main: true, routes: [{name: via-tgw, destination: 10.0.0.0/8, next_hop_transit_gateway: tgw}]}
  - name: spoke2
    cloud: aws
    cidr_blocks: [10.2.0.0/16]
    subnets: [{name: s2, cidr: 10.2.1.0/24}]
    route_tables:
      - {name: s2-rt, main: true, routes: [{name: via-tgw, destination: 10.0.0.0/8, next_hop_transit_gateway: tgw}]}
security_groups:
  - {name: app1, cloud: aws, network: spoke1, outbound_rules: [{ports: all}]}
  - name: app2
    cloud: aws
    network: spoke2
    inbound_rules: [{ports: tcp/443, ip_ranges: [10.1.0.0/16]}]
    outbound_rules: [{ports: all}]
vpn_gateways:
  - name: tgw
    cloud: aws
    network: hub
    type: aws_tgw
    asn: 64512
    attachments:
      - {network: spoke1}
      - {network: spoke2}
workloads:
  - {name: a1, kind: vm, network: spoke1, subnet: s1, addresses: [10.1.1.10], security_groups: [app1]}
  - {name: a2, kind: vm, network: spoke2, subnet: s2, addresses: [10.2.1.10], security_groups: [app2], ports: [tcp/443]}
"""

SPOKES_APART = """
      - {network: spoke1, transit_gateway_default_route_table_association: false, transit_gateway_default_route_table_propagation: false}
      - {network: spoke2, transit_gateway_default_route_table_association: false, transit_gateway_default_route_table_propagation: false}
    route_tables:
      - name: spokes
        associations: [spoke1, spoke2]
        propagations: [hub]
        routes: ROUTES
      - name: hub
        associations: [hub]
        propagations: [spoke1, spoke2]
"""


def _reach(tmp_path: Path, text: str, service: str = "tcp/443") -> Trace:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return reach(build_topology(load(tmp_path / "estate.yaml")), "a1", "a2", service)


def _apart(routes: str) -> str:
    attachments = "      - {network: spoke1}\n      - {network: spoke2}\n"
    return HUB.replace(attachments, SPOKES_APART.replace("ROUTES", routes).lstrip("\n"))


def _steps(trace: Trace) -> list[str]:
    return [f"{s.action} {s.detail}" for hop in trace.hops for s in hop.steps]


def test_spokes_reach_each_other_through_the_default_route_table(tmp_path: Path) -> None:
    """Attachments created with the defaults are associated with, and propagate their VPC's CIDR
    into, the default route table: spoke1 → spoke2 through the transit gateway, and back."""
    trace = _reach(tmp_path, HUB)
    assert trace.allowed, (trace.disposition, _steps(trace))
    assert any("propagated by the attachment of spoke2" in s for s in _steps(trace))
    # the security group of the destination still decides
    denied = _reach(tmp_path, HUB, "tcp/22")
    assert not denied.allowed


def test_a_spoke_table_without_the_other_spoke_s_route_drops(tmp_path: Path) -> None:
    """Spokes associated with a table that only the hub propagates into: a packet from spoke1
    finds no route to spoke2 in that table; the trace names the table it looked in."""
    trace = _reach(tmp_path, _apart("[]"))
    assert trace.disposition == "NO_ROUTE", _steps(trace)
    assert (
        "DROP no route to 10.2.1.10 in tgw in the route table associated with the attachment "
        "of spoke1"
    ) in _steps(trace)


def test_a_static_route_joins_the_spokes(tmp_path: Path) -> None:
    """A static route to spoke2's attachment in the spokes' table: the packet goes; the reply
    comes back from spoke2, associated with the same table, by a static route to spoke1."""
    routes = (
        "[{destination_cidr_block: 10.2.0.0/16, transit_gateway_attachment: spoke2}, "
        "{destination_cidr_block: 10.1.0.0/16, transit_gateway_attachment: spoke1}]"
    )
    trace = _reach(tmp_path, _apart(routes))
    assert trace.allowed, (trace.disposition, _steps(trace))
    # without the route back, the reply has none
    one_way = _reach(
        tmp_path,
        _apart("[{destination_cidr_block: 10.2.0.0/16, transit_gateway_attachment: spoke2}]"),
    )
    assert one_way.disposition == "NO_RETURN_ROUTE", _steps(one_way)


def test_a_blackhole_route_drops_even_where_a_propagated_route_leads(tmp_path: Path) -> None:
    """A static blackhole route for spoke2's CIDR in the default route table beats the route
    spoke2's attachment propagates for the same prefix (static before propagated)."""
    text = HUB.replace(
        "      - {network: spoke2}\n",
        "      - {network: spoke2}\n"
        "    route_tables:\n"
        "      - name: main\n"
        "        default: true\n"
        "        routes: [{destination_cidr_block: 10.2.0.0/16, blackhole: true}]\n",
    )
    trace = _reach(tmp_path, text)
    assert trace.disposition == "NO_ROUTE", _steps(trace)
    assert any(s.startswith("DROP blackhole route") for s in _steps(trace))


def test_a_spoke_that_does_not_propagate_gets_no_route(tmp_path: Path) -> None:
    """spoke2's attachment does not propagate into the default route table: nothing in it leads
    to spoke2."""
    text = HUB.replace(
        "      - {network: spoke2}\n",
        "      - {network: spoke2, transit_gateway_default_route_table_propagation: false}\n",
    )
    trace = _reach(tmp_path, text)
    assert trace.disposition == "NO_ROUTE", _steps(trace)
    assert any(s.startswith("DROP no route to 10.2.1.10 in tgw") for s in _steps(trace))


def test_a_transit_gateway_of_one_network_routes_as_before(tmp_path: Path) -> None:
    """A blueprint transit gateway with no attachments propagates its `network`'s CIDR only; the
    spokes whose route tables send to it are attached (a route to a transit gateway needs the
    VPC attached, https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html) without
    propagation, as the compile writer has always written them: no route to spoke2."""
    text = HUB.replace(
        "    attachments:\n      - {network: spoke1}\n      - {network: spoke2}\n", ""
    )
    trace = _reach(tmp_path, text)
    assert trace.disposition == "NO_ROUTE", _steps(trace)
    topology = build_topology(load(tmp_path / "estate.yaml"))
    assert [str(r.destination) for r in topology.networks["tgw"].routes] == ["10.0.0.0/16"]


def test_what_a_transit_gateway_cannot_hold_is_a_located_error(tmp_path: Path) -> None:
    """An attachment is associated with one route table; a route goes to an attachment of the
    transit gateway or is a blackhole (tgw-route-tables.html)."""
    text = _apart(
        "[{destination_cidr_block: 10.9.0.0/16, transit_gateway_attachment: nowhere}, "
        "{destination_cidr_block: 10.8.0.0/16}]"
    ).replace("        associations: [hub]\n", "        associations: [hub, spoke1]\n")
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BlueprintError) as caught:
        load(tmp_path / "estate.yaml")
    message = str(caught.value)
    assert "already associated with 'spokes'" in message
    assert "'nowhere' is not attached to tgw" in message
    assert "expected one of transit_gateway_attachment, blackhole: true" in message
    assert "estate.yaml:" in message


def test_only_a_transit_gateway_has_attachments(tmp_path: Path) -> None:
    (tmp_path / "estate.yaml").write_text(
        HUB.replace("type: aws_tgw", "type: aws_vgw"), encoding="utf-8"
    )
    with pytest.raises(BlueprintError, match="attachments are a transit gateway's"):
        load(tmp_path / "estate.yaml")


def test_the_most_specific_route_wins_before_static_over_propagated(tmp_path: Path) -> None:
    """Route evaluation order (how-transit-gateways-work.html): the most specific destination
    first, so a static 10.0.0.0/8 to the hub does not take spoke2's propagated 10.2.0.0/16; a
    static blackhole 10.2.1.0/24 does take 10.2.1.10."""
    table = (
        "    route_tables:\n"
        "      - name: main\n"
        "        default: true\n"
        "        routes:\n"
        "          - {destination_cidr_block: 10.0.0.0/8, transit_gateway_attachment: hub}\n"
    )
    text = HUB.replace("      - {network: spoke2}\n", "      - {network: spoke2}\n" + table)
    trace = _reach(tmp_path, text)
    assert trace.allowed, (trace.disposition, _steps(trace))
    hole = "          - {destination_cidr_block: 10.2.1.0/24, blackhole: true}\n"
    trace = _reach(tmp_path, text.replace(table, table + hole))
    assert trace.disposition == "NO_ROUTE", _steps(trace)
    assert any(s.startswith("DROP blackhole route") for s in _steps(trace))


FIXTURE = Path(__file__).parent / "fixtures" / "aws-gcp"


def test_vpn_routes_rank_below_static_and_vpc_routes_whatever_their_med(tmp_path: Path) -> None:
    """ "Route evaluation order" (how-transit-gateways-work.html): static routes, then VPC
    propagated routes, then Site-to-Site VPN propagated routes: a route the GCP Cloud Router
    advertises with priority 0 is installed below the VPC's propagated CIDR, and only for the
    attachments associated with the default route table (the VPN attachment's)."""
    folder = tmp_path / "estate"
    shutil.copytree(FIXTURE, folder)
    aws = folder / "aws.yaml"
    text = aws.read_text().replace("type: aws_vgw", "type: aws_tgw")
    text = text.replace(
        "local: {speaker: hub-router, address: 169.254.10.1/30}",
        "local: {speaker: hub-router, address: 169.254.10.1/30, advertised_route_priority: 0}",
    )
    aws.write_text(text)
    topology = build_topology(load(folder))
    learned = [r for r in topology.networks["ops-vgw"].routes if r.kind == "dynamic"]
    assert learned and {r.priority for r in learned} == {100}
    attached = [r for r in topology.networks["ops-vgw"].routes if r.kind == "propagated"]
    assert {r.priority for r in attached} == {1}
    assert {r.segments for r in learned} == {("ops-vpc", "VPN attachment")}
