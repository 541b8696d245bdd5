"""The terraform target's AWS transit gateways: the gateway, its VPC attachments, routes and VPN connections to it, read back from the plan as the blueprint models them.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ec2_transit_gateway
(`amazon_side_asn`, `default_route_table_association`, `default_route_table_propagation`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ec2_transit_gateway_vpc_attachment
(`transit_gateway_id`, `vpc_id`, `subnet_ids`, `transit_gateway_default_route_table_propagation`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route_table
(`route.transit_gateway_id`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpn_connection
(`transit_gateway_id`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.compile.tfplan import round_trip_files
from crossfence.model import Blueprint
from crossfence.providers.aws.tfjson import aws_terraform

from .provider_schema import read_schemas
from .test_compile_terraform_aws import FIXTURE, PACKAGE, _answers, _unknown

TO_HUB = "          - {name: to-hub, destination: 10.0.0.0/24, next_hop_transit_gateway: ops-vgw}\n"

SPOKES = """
  - name: spoke-a
    cloud: aws
    cidr_blocks: [10.41.0.0/16]
    subnets:
      - {name: spoke-a-1, cidr: 10.41.1.0/24, region: eu-west-3a}
    route_tables:
      - name: spoke-a-rt
        main: true
        routes:
          - {name: a-to-hub, destination: 10.0.0.0/24, next_hop_transit_gateway: ops-vgw}
          - {name: a-to-ops, destination: 10.40.0.0/16, next_hop_transit_gateway: ops-vgw}
  - name: spoke-b
    cloud: aws
    cidr_blocks: [10.42.0.0/16]
    subnets:
      - {name: spoke-b-1, cidr: 10.42.1.0/24, region: eu-west-3b}
    route_tables:
      - name: spoke-b-rt
        main: true
        routes:
          - {name: b-to-hub, destination: 10.0.0.0/24, next_hop_transit_gateway: ops-vgw}
"""

SPOKE_VMS = """
  - {name: spoke-a-vm, kind: vm, network: spoke-a, subnet: spoke-a-1, addresses: [10.41.1.10]}
  - {name: spoke-b-vm, kind: vm, network: spoke-b, subnet: spoke-b-1, addresses: [10.42.1.10]}
"""


def _tgw_estate(tmp_path: Path, spokes: bool = False) -> Blueprint:
    """The GCP–AWS fixture with its virtual private gateway turned into a transit gateway: a
    static route to it replaces the propagation (a transit gateway propagates into no VPC route
    table: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html); with `spokes`,
    two more VPCs whose route tables send to it."""
    folder = tmp_path / "estate"
    shutil.copytree(FIXTURE, folder)
    aws = folder / "aws.yaml"
    text = aws.read_text("utf-8").replace("type: aws_vgw", "type: aws_tgw")
    text = text.replace(
        "        propagating_vpn_gateways: [ops-vgw]\n", "        routes:\n" + TO_HUB
    )
    if spokes:
        text = text.replace("\nsecurity_groups:", SPOKES + "\nsecurity_groups:")
    aws.write_text(text, encoding="utf-8")
    if spokes:
        estate = folder / "estate.yaml"
        estate.write_text(estate.read_text("utf-8") + SPOKE_VMS, encoding="utf-8")
        gcp = folder / "gcp.yaml"  # Vault admits the spokes too: routing alone decides
        gcp.write_text(gcp.read_text("utf-8").replace("10.40.0.0/16]", "10.40.0.0/14]"), "utf-8")
    return load(folder)


def test_a_transit_gateway_is_attached_to_its_vpc(tmp_path: Path) -> None:
    document, problems, _ = aws_terraform(_tgw_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    assert "aws_vpn_gateway" not in resources
    gateway = resources["aws_ec2_transit_gateway"]["ops-vgw"]
    assert gateway["amazon_side_asn"] == 64600
    assert gateway["default_route_table_association"] == "enable"
    assert gateway["default_route_table_propagation"] == "enable"
    attachment = resources["aws_ec2_transit_gateway_vpc_attachment"]["ops-vgw-ops-vpc"]
    assert attachment["transit_gateway_id"] == "${aws_ec2_transit_gateway.ops-vgw.id}"
    assert attachment["vpc_id"] == "${aws_vpc.ops-vpc.id}"
    assert attachment["transit_gateway_default_route_table_propagation"] is True
    # the blueprint does not say in which subnets: a variable with no default
    assert attachment["subnet_ids"] == "${var.ops-vgw-ops-vpc_subnet_ids}"
    assert "default" not in document["variable"]["ops-vgw-ops-vpc_subnet_ids"]
    # a VPN connection ends on the transit gateway (its VPN attachment)
    for connection in resources["aws_vpn_connection"].values():
        assert connection["transit_gateway_id"] == "${aws_ec2_transit_gateway.ops-vgw.id}"
        assert "vpn_gateway_id" not in connection
    table = resources["aws_route_table"]["ops-private"]
    assert table["route"] == [
        {"cidr_block": "10.0.0.0/24", "transit_gateway_id": "${aws_ec2_transit_gateway.ops-vgw.id}"}
    ]
    assert table["depends_on"] == ["aws_ec2_transit_gateway_vpc_attachment.ops-vgw-ops-vpc"]
    assert "propagating_vgws" not in table


def test_the_round_trip_through_a_transit_gateway(tmp_path: Path) -> None:
    blueprint = _tgw_estate(tmp_path)
    answer = reach(build_topology(blueprint), "vault", "app", "tcp/22")
    assert answer.allowed, answer.disposition  # the estate carries traffic through the gateway
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    gateway = back.get("vpn_gateways", "ops-vgw")
    assert gateway is not None and gateway.type == "aws_tgw" and gateway.network == "ops-vpc"
    assert gateway.asn == 64600
    network = back.get("networks", "ops-vpc")
    assert network is not None
    route = next(t for t in network.route_tables if t.name == "ops-private").routes[0]
    assert route.next_hop_transit_gateway == "ops-vgw"
    values = {
        r["address"]: r["values"]
        for r in json.loads(plan.read_text("utf-8"))["planned_values"]["root_module"]["resources"]
    }
    assert "depends_on" not in values["aws_route_table.ops-private"]


def test_spokes_send_to_the_gateway_which_routes_to_its_own_vpc(tmp_path: Path) -> None:
    """A route to a transit gateway needs the VPC attached
    (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html); the blueprint's
    gateway routes to its own network only, so a spoke's attachment does not propagate
    (`transit_gateway_default_route_table_propagation: false`: the gateway's route table gets
    no route to the spoke, https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html).
    The spokes reach the GCP hub's addresses, the replies have no route back, in the blueprint
    and read back from the plan alike."""
    blueprint = _tgw_estate(tmp_path, spokes=True)
    document, problems, _ = aws_terraform(blueprint)
    assert problems == []
    attachments = document["resource"]["aws_ec2_transit_gateway_vpc_attachment"]
    assert {
        k: v["transit_gateway_default_route_table_propagation"] for k, v in attachments.items()
    } == {
        "ops-vgw-ops-vpc": True,
        "ops-vgw-spoke-a": False,
        "ops-vgw-spoke-b": False,
    }
    assert document["resource"]["aws_route_table"]["spoke-a-rt"]["depends_on"] == [
        "aws_ec2_transit_gateway_vpc_attachment.ops-vgw-spoke-a"
    ]
    topology = build_topology(blueprint)
    assert reach(topology, "spoke-a-vm", "vault", "tcp/8200").disposition == "NO_RETURN_ROUTE"
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    gateway = back.get("vpn_gateways", "ops-vgw")
    assert gateway is not None and gateway.network == "ops-vpc"
    assert not [w for w in back.warnings if "second VPC" in w.message]


def test_a_propagating_second_attachment_is_read(tmp_path: Path) -> None:
    """An attachment that propagates (AWS's default) puts its VPC's CIDR blocks in the default
    route table (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html), which the
    gateway advertises over its VPN: read back, spoke-a's replies come back through the
    gateway, where the blueprint's spoke-a, attached without propagation, had none."""
    blueprint = _tgw_estate(tmp_path, spokes=True)
    assert reach(build_topology(blueprint), "spoke-a-vm", "vault", "tcp/8200").disposition == (
        "NO_RETURN_ROUTE"
    )
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    document = json.loads(plan.read_text("utf-8"))
    for resource in document["planned_values"]["root_module"]["resources"]:
        if resource["address"].endswith("ops-vgw-spoke-a"):
            resource["values"]["transit_gateway_default_route_table_propagation"] = True
    plan.write_text(json.dumps(document), encoding="utf-8")
    back = load(plan, [overlay])
    gateway = back.get("vpn_gateways", "ops-vgw")
    assert gateway is not None
    spoke_a = next(a for a in gateway.attachments if a.network == "spoke-a")
    assert spoke_a.transit_gateway_default_route_table_propagation is True
    answer = reach(build_topology(back), "spoke-a-vm", "vault", "tcp/8200")
    assert answer.allowed, answer.disposition


HUB_AND_SPOKES = """
clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-1}]
networks:
  - name: hub
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{name: hub-a, cidr: 10.0.1.0/24, region: eu-west-1a}]
    route_tables:
      - {name: hub-rt, main: true, routes: [{name: spokes, destination: 10.0.0.0/8, next_hop_transit_gateway: tgw}]}
  - name: spoke1
    cloud: aws
    cidr_blocks: [10.1.0.0/16]
    subnets: [{name: s1, cidr: 10.1.1.0/24, region: eu-west-1a}]
    route_tables:
      - {name: s1-rt, main: true, routes: [{name: via-tgw, destination: 10.0.0.0/8, next_hop_transit_gateway: tgw}]}
  - name: spoke2
    cloud: aws
    cidr_blocks: [10.2.0.0/16]
    subnets: [{name: s2, cidr: 10.2.1.0/24, region: eu-west-1a}]
    route_tables:
      - {name: s2-rt, main: true, routes: [{name: via-tgw, destination: 10.0.0.0/8, next_hop_transit_gateway: tgw}]}
security_groups:
  - {name: app1, cloud: aws, network: spoke1, outbound_rules: [{ports: all}]}
  - name: app2
    cloud: aws
    network: spoke2
    inbound_rules: [{ports: tcp/443, ip_ranges: [10.1.0.0/16]}]
    outbound_rules: [{ports: all}]
  - name: hub-sg
    cloud: aws
    network: hub
    inbound_rules: [{ports: tcp/443, ip_ranges: [10.0.0.0/8]}]
    outbound_rules: [{ports: all}]
vpn_gateways:
  - name: tgw
    cloud: aws
    network: hub
    type: aws_tgw
    asn: 64512
    attachments:
      - {network: spoke1, transit_gateway_default_route_table_association: false, transit_gateway_default_route_table_propagation: false}
      - {network: spoke2, transit_gateway_default_route_table_association: false, transit_gateway_default_route_table_propagation: false}
      - {network: hub, transit_gateway_default_route_table_association: false}
    route_tables:
      - name: main
        default: true
        routes: [{destination_cidr_block: 10.9.0.0/16, blackhole: true}]
      - name: spokes
        associations: [spoke1, spoke2]
        propagations: [hub]
        routes:
          - {destination_cidr_block: 10.2.0.0/16, transit_gateway_attachment: spoke2}
          - {destination_cidr_block: 10.1.0.0/16, transit_gateway_attachment: spoke1}
          - {destination_cidr_block: 10.1.9.0/24, blackhole: true}
      - name: hub
        associations: [hub]
        propagations: [spoke1, spoke2]
workloads:
  - {name: a1, kind: vm, network: spoke1, subnet: s1, addresses: [10.1.1.10], security_groups: [app1]}
  - {name: a2, kind: vm, network: spoke2, subnet: s2, addresses: [10.2.1.10], security_groups: [app2], ports: [tcp/443]}
  - {name: h, kind: vm, network: hub, subnet: hub-a, addresses: [10.0.1.10], security_groups: [hub-sg], ports: [tcp/443]}
"""


def test_a_hub_and_spokes_transit_gateway_round_trip(tmp_path: Path) -> None:
    """Route tables, associations, propagations and static routes written
    (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ec2_transit_gateway_route_table,
    ..._route_table_association, ..._route_table_propagation, .../ec2_transit_gateway_route), the
    default route table as the gateway's `association_default_route_table_id`; read back from the
    plan with the same answers: spoke1 → spoke2 and spoke1 → hub through the gateway."""
    (tmp_path / "estate.yaml").write_text(HUB_AND_SPOKES, encoding="utf-8")
    blueprint = load(tmp_path / "estate.yaml")
    topology = build_topology(blueprint)
    assert reach(topology, "a1", "a2", "tcp/443").allowed
    assert reach(topology, "a1", "h", "tcp/443").allowed
    document, problems, _ = aws_terraform(blueprint)
    assert problems == []
    resources = document["resource"]
    assert sorted(resources["aws_ec2_transit_gateway_route_table"]) == ["tgw-hub", "tgw-spokes"]
    attachment = resources["aws_ec2_transit_gateway_vpc_attachment"]["tgw-spoke1"]
    assert attachment["transit_gateway_default_route_table_association"] is False
    assert resources["aws_ec2_transit_gateway_route_table_association"]["tgw-spokes-spoke1"] == {
        "transit_gateway_attachment_id": "${aws_ec2_transit_gateway_vpc_attachment.tgw-spoke1.id}",
        "transit_gateway_route_table_id": "${aws_ec2_transit_gateway_route_table.tgw-spokes.id}",
    }
    assert sorted(resources["aws_ec2_transit_gateway_route_table_propagation"]) == [
        "tgw-hub-spoke1",
        "tgw-hub-spoke2",
        "tgw-spokes-hub",
    ]
    routes = resources["aws_ec2_transit_gateway_route"]
    assert routes["tgw-main-10_9_0_0_16"] == {
        "destination_cidr_block": "10.9.0.0/16",
        "transit_gateway_route_table_id": (
            "${aws_ec2_transit_gateway.tgw.association_default_route_table_id}"
        ),
        "blackhole": True,
    }
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    gateway = back.get("vpn_gateways", "tgw")
    assert gateway is not None
    attached = {str(gateway.network)} | {a.network for a in gateway.attachments}
    assert attached == {"hub", "spoke1", "spoke2"}
    tables = {t.name: t for t in gateway.route_tables}
    assert sorted(tables["spokes"].associations) == ["spoke1", "spoke2"]
    assert len(tables["spokes"].routes) == 3
    if PACKAGE.exists():
        kinds = {k for k in resources if k.startswith("aws_ec2_transit_gateway")}
        schemas = read_schemas(PACKAGE, kinds, "aws_")
        for kind in kinds:
            for name, body in resources[kind].items():
                assert _unknown(body, schemas[kind], f"{kind}.{name}") == []


def test_a_transit_gateway_in_propagating_vgws_is_warned(tmp_path: Path) -> None:
    """`propagating_vgws` takes virtual private gateways; a transit gateway propagates into no
    VPC route table, and the analysis ignores the entry too: nothing written, a warning."""
    folder = tmp_path / "estate"
    shutil.copytree(FIXTURE, folder)
    aws = folder / "aws.yaml"
    aws.write_text(aws.read_text("utf-8").replace("type: aws_vgw", "type: aws_tgw"), "utf-8")
    document, problems, warnings = aws_terraform(load(folder))
    assert problems == []
    assert "propagating_vgws" not in document["resource"]["aws_route_table"]["ops-private"]
    assert any("propagates into no VPC route table" in w.message for w in warnings)


def test_the_transit_gateway_names_are_in_the_schema(tmp_path: Path) -> None:
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-aws")
    document, _, _ = aws_terraform(_tgw_estate(tmp_path, spokes=True))
    kinds = {"aws_ec2_transit_gateway", "aws_ec2_transit_gateway_vpc_attachment", "aws_route_table"}
    schemas = read_schemas(PACKAGE, kinds | {"aws_vpn_connection"}, "aws_")
    wrong = []
    for kind in kinds | {"aws_vpn_connection"}:
        for name, body in document["resource"][kind].items():
            wrong += _unknown(body, schemas[kind], f"{kind}.{name}")
    assert wrong == []
