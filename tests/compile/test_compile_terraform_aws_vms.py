"""The terraform target's AWS VMs: an `aws_instance` in its subnet at its private address, in its security groups, with an Elastic IP for its public address; read back from the plan.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/instance
(`subnet_id`, `private_ip`, `vpc_security_group_ids`, `associate_public_ip_address`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip (`instance`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import build_topology, load, run_checks
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint
from crossfence.providers.aws.tfjson import aws_terraform

from .provider_schema import read_schemas
from .test_compile_terraform_aws import PACKAGE, _unknown

ESTATE = """\
clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-1}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.40.0.0/16]
    subnets:
      - {name: app-a, cidr: 10.40.1.0/24, region: eu-west-1a}
security_groups:
  - name: web-sg
    cloud: aws
    network: vpc
    inbound_rules:
      - {ports: tcp/443, ip_ranges: [0.0.0.0/0], description: https}
workloads:
  - {name: web, kind: vm, network: vpc, subnet: app-a, addresses: [10.40.1.10], public_address: 52.1.2.3, security_groups: [web-sg], ports: ["tcp/443"]}
  - {name: worker, kind: vm, network: vpc, subnet: app-a, addresses: [10.40.1.20], personal_data: processes}
"""


def _estate(tmp_path: Path) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(ESTATE, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def _answers(blueprint: Blueprint) -> tuple[list[object], list[tuple[str, tuple[str, ...]]]]:
    topology = build_topology(blueprint)
    report = run_checks(blueprint, topology)
    findings = sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )
    return list(layered_connectivity(topology).rows()), findings


def test_a_vm_is_an_instance_in_its_subnet(tmp_path: Path) -> None:
    document, problems, _ = aws_terraform(_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    web = resources["aws_instance"]["web"]
    assert web["subnet_id"] == "${aws_subnet.app-a.id}"
    assert web["private_ip"] == "10.40.1.10"
    assert web["vpc_security_group_ids"] == ["${aws_security_group.web-sg.id}"]
    assert web["associate_public_ip_address"] is False
    assert web["ami"] == "${var.web_ami}"
    assert web["instance_type"] == "${var.web_instance_type}"
    assert "default" not in document["variable"]["web_ami"]
    assert resources["aws_eip"]["web"]["instance"] == "${aws_instance.web.id}"
    # no group: AWS puts it in the VPC's default group, as the blueprint reads it
    assert "vpc_security_group_ids" not in resources["aws_instance"]["worker"]
    assert "worker" not in resources["aws_eip"]
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-aws")
    schemas = read_schemas(PACKAGE, {"aws_instance", "aws_eip"}, "aws_")
    for kind in ("aws_instance", "aws_eip"):
        assert _unknown(resources[kind]["web"], schemas[kind], kind) == []


def test_the_round_trip_reads_the_instances_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    kept = {
        w["name"]: w
        for f in overlay.glob("*.yaml")
        for w in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("workloads", [])
    }
    assert sorted(kept["web"]) == ["name", "ports"]
    assert sorted(kept["worker"]) == ["name", "personal_data"]
    web = back.get("workloads", "web")
    assert web is not None
    assert web.public_address == "52.1.2.3"
    assert web.security_groups == ("web-sg",)
    assert web.addresses == ("10.40.1.10",)
