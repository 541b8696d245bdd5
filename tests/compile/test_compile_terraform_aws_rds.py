"""The terraform target's AWS managed databases: an RDS `aws_db_instance` in an `aws_db_subnet_group`, in its Availability Zone's subnet and its security groups; read back from the plan, its private address (which AWS assigns) from the overlay.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance
(`identifier`, `db_subnet_group_name`, `availability_zone`, `vpc_security_group_ids`,
`publicly_accessible`, `multi_az`, `manage_master_user_password`; `address` is the DNS name),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_subnet_group
(`subnet_ids`);
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html
(a DB subnet group has subnets in at least two Availability Zones).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import load
from crossfence.compile.tfplan import round_trip_files
from crossfence.model import Blueprint
from crossfence.providers.aws.tfjson import aws_terraform

from .provider_schema import read_schemas
from .test_compile_terraform_aws import FIXTURE, PACKAGE, _answers, _unknown

ESTATE = """\
clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-1}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.70.0.0/16]
    subnets:
      - {name: app, cidr: 10.70.1.0/24, region: eu-west-1a}
      - {name: data-a, cidr: 10.70.2.0/24, region: eu-west-1a}
      - {name: data-b, cidr: 10.70.3.0/24, region: eu-west-1b}
    route_tables:
      - {name: main, main: true}
    network_acls:
      - name: data-nacl
        subnets: [data-a]
        ingress:
          - {rule_number: 100, action: allow, ports: tcp/5432, cidr: 10.70.1.0/24}
        egress:
          - {rule_number: 100, action: allow, ports: tcp/1024-65535, cidr: 10.70.1.0/24}
security_groups:
  - name: app-sg
    cloud: aws
    network: vpc
  - name: db-sg
    cloud: aws
    network: vpc
    outbound_default_policy: drop
    inbound_rules:
      - {ports: tcp/5432, security_groups: [app-sg], description: postgres from the app}
workloads:
  - {name: app, kind: vm, network: vpc, subnet: app, addresses: [10.70.1.10], security_groups: [app-sg]}
  - {name: orders-db, kind: managed_database, network: vpc, subnet: data-a, addresses: [10.70.2.10], security_groups: [db-sg], ports: ["tcp/5432"], personal_data: stores}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def test_a_managed_database_is_an_rds_instance_in_its_zone(tmp_path: Path) -> None:
    document, problems, _ = aws_terraform(_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    group = resources["aws_db_subnet_group"]["orders-db"]
    # its own subnet, then one of another Availability Zone: a group spans two zones
    assert group["subnet_ids"] == ["${aws_subnet.data-a.id}", "${aws_subnet.data-b.id}"]
    db = resources["aws_db_instance"]["orders-db"]
    assert db["identifier"] == "orders-db"
    assert db["db_subnet_group_name"] == "${aws_db_subnet_group.orders-db.name}"
    assert db["availability_zone"] == "eu-west-1a"  # the group's subnet there: data-a
    assert db["vpc_security_group_ids"] == ["${aws_security_group.db-sg.id}"]
    assert db["publicly_accessible"] is False and db["multi_az"] is False
    # no secret: RDS generates the master password and keeps it in Secrets Manager
    assert db["manage_master_user_password"] is True
    assert "password" not in db
    for argument in ("engine", "instance_class", "allocated_storage", "username"):
        assert db[argument] == f"${{var.orders-db_{argument}}}"
        assert "default" not in document["variable"][f"orders-db_{argument}"]
    assert not any("address" in key for key in db)  # AWS assigns it
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-aws")
    kinds = {"aws_db_instance", "aws_db_subnet_group"}
    schemas = read_schemas(PACKAGE, kinds, "aws_")
    for kind in kinds:
        assert _unknown(resources[kind]["orders-db"], schemas[kind], kind) == []


def test_the_round_trip_reads_the_database_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    db = back.get("workloads", "orders-db")
    assert db is not None
    assert (db.kind, db.network, db.subnet) == ("managed_database", "vpc", "data-a")
    assert db.security_groups == ("db-sg",)
    assert db.addresses == ("10.70.2.10",)
    kept = {
        w["name"]: w
        for f in overlay.glob("*.yaml")
        for w in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("workloads", [])
    }
    # the address AWS assigns is the overlay's, with what no argument holds; the VM's is not
    assert sorted(kept["orders-db"]) == ["addresses", "name", "personal_data", "ports"]
    assert "addresses" not in kept.get("app", {})


def test_a_plan_without_the_overlay_stands_in_for_the_address(tmp_path: Path) -> None:
    """No attribute shows the instance's private address (`address` is its DNS name): read
    from the plan alone, the database has an address of its subnet standing for it, known
    after apply."""
    plan, _ = round_trip_files(_estate(tmp_path), tmp_path / "rt")
    back = load(plan)
    db = back.get("workloads", "orders-db")
    assert db is not None and db.subnet == "data-a"
    assert len(db.addresses) == 1 and db.addresses[0].startswith("10.70.2.")
    assert [u.address for u in back.unknowns] == ["aws_db_instance.orders-db.address"]
    assert back.unknowns[0].stand_in == db.addresses[0]


def test_a_zone_the_group_does_not_pick_leaves_the_database_out(tmp_path: Path) -> None:
    plan, _ = round_trip_files(_estate(tmp_path), tmp_path / "rt")
    document = json.loads(plan.read_text("utf-8"))
    for resource in document["planned_values"]["root_module"]["resources"]:
        if resource["type"] == "aws_db_instance":
            resource["values"]["availability_zone"] = None  # AWS's choice
    plan.write_text(json.dumps(document), encoding="utf-8")
    back = load(plan)
    assert back.get("workloads", "orders-db") is None
    assert any("AWS chooses where the instance is" in w.message for w in back.warnings)


def test_a_database_rds_cannot_hold_is_left_to_the_overlay(tmp_path: Path) -> None:
    """The GCP–AWS fixture's subnets have no Availability Zone: no DB subnet group can be said
    to span two, so its database is not written, with a warning, and the overlay keeps it."""
    blueprint = load(FIXTURE)
    document, problems, warnings = aws_terraform(blueprint)
    assert problems == []
    assert "aws_db_instance" not in document["resource"]
    assert any("'db' is not written as an RDS instance" in w.message for w in warnings)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    assert _answers(load(plan, [overlay])) == _answers(blueprint)
