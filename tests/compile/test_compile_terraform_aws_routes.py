"""The terraform target's AWS routes to an instance or an address: a route to the instance's primary network interface, read back as a route to the instance.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route_table
(`route.network_interface_id`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance
(`primary_network_interface_id`, an attribute AWS assigns). An AWS route table has no next hop
address: a route to an address is a route to the network interface holding it
(https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.compile.tfplan import round_trip_files
from crossfence.model import Blueprint
from crossfence.providers.aws.tfjson import aws_terraform

from .provider_schema import read_schemas
from .test_compile_terraform_aws import PACKAGE, _answers, _unknown

ESTATE = """\
clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-1}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.50.0.0/16]
    subnets:
      - {name: app, cidr: 10.50.1.0/24, region: eu-west-1a}
      - {name: edge, cidr: 10.50.2.0/24, region: eu-west-1a}
    route_tables:
      - name: app-rt
        subnets: [app]
        routes:
          - {name: to-onprem, destination: 192.168.0.0/16, next_hop_instance: fw}
          - {name: to-lab, destination: 172.16.0.0/12, next_hop_ip: 10.50.2.10}
workloads:
  - {name: app, kind: vm, network: vpc, subnet: app, addresses: [10.50.1.10]}
  - {name: fw, kind: vm, network: vpc, subnet: edge, addresses: [10.50.2.10]}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def test_a_route_to_an_instance_or_its_address_names_its_network_interface(
    tmp_path: Path,
) -> None:
    document, problems, _ = aws_terraform(_estate(tmp_path))
    assert problems == []
    assert document["resource"]["aws_route_table"]["app-rt"]["route"] == [
        {
            "cidr_block": "192.168.0.0/16",
            "network_interface_id": "${aws_instance.fw.primary_network_interface_id}",
        },
        {
            "cidr_block": "172.16.0.0/12",
            "network_interface_id": "${aws_instance.fw.primary_network_interface_id}",
        },
    ]
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-aws")
    schema = read_schemas(PACKAGE, {"aws_route_table"}, "aws_")["aws_route_table"]
    assert _unknown(document["resource"]["aws_route_table"]["app-rt"], schema, "rt") == []


def test_the_round_trip_reads_the_routes_to_the_instance(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    # the appliance forwards by rules the blueprint does not hold: the analysis says so
    answer = reach(build_topology(blueprint), "app", "192.168.1.1", "tcp/443")
    assert answer.disposition == "NEXT_HOP_NOT_MODELLED"
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    network = back.get("networks", "vpc")
    assert network is not None
    table = next(t for t in network.route_tables if t.name == "app-rt")
    assert {r.destination: r.next_hop for r in table.routes} == {
        "192.168.0.0/16": ("instance", "fw"),
        "172.16.0.0/12": ("instance", "fw"),
    }
    assert not [w for w in back.warnings if "network_interface_id" in w.path]


def test_a_route_to_an_address_no_vm_holds_is_refused(tmp_path: Path) -> None:
    """No route table entry takes an address: one no instance of the VPC holds has no network
    interface to name."""
    text = ESTATE.replace("next_hop_ip: 10.50.2.10", "next_hop_ip: 10.50.2.99")
    _, problems, _ = aws_terraform(_estate(tmp_path, text))
    assert [p.message for p in problems] == [
        "route 'to-lab': an AWS route sends to an instance's network interface (expected "
        "10.50.2.99 to be a VM of this VPC with one address, which compile writes as an instance)"
    ]
    assert problems[0].line is not None
