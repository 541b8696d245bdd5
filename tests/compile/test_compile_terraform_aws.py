"""The terraform target's AWS document: names checked against `@cdktf/provider-aws` 21.22.1 (generated from `hashicorp/aws` 6.25.0), VPN connections of two tunnels, security groups, and the round trip of a GCP–AWS estate.

`make schemas` packs the npm package; the schema test skips without it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crossfence import build_topology, load, run_checks
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint
from crossfence.providers.aws.tfjson import AWS_PROVIDER_VERSION, aws_terraform

from .provider_schema import Schema, read_schemas

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "providers" / "aws" / "fixtures" / "aws-gcp"
PACKAGE = ROOT / ".cache" / "npm" / "cdktf-provider-aws-21.22.1.tgz"


def _unknown(value: Any, schema: Schema, where: str) -> list[str]:
    wrong = []
    for key, item in value.items():
        if key in ("depends_on", "provider"):
            continue  # meta-arguments, of every resource
        if key not in schema.fields:
            wrong.append(f"{where}.{key}")
            continue
        nested = schema.fields[key]
        if nested is None:
            if (isinstance(item, dict) and key != "tags") or (
                isinstance(item, list) and any(isinstance(i, dict) for i in item)
            ):
                wrong.append(f"{where}.{key} (an attribute, written as a block)")
            continue
        for index, block in enumerate(item if isinstance(item, list) else [item]):
            if not isinstance(block, dict):
                wrong.append(f"{where}.{key}[{index}] (a block, written as a value)")
                continue
            wrong += _unknown(block, nested, f"{where}.{key}[{index}]")
    return wrong


def test_every_name_is_in_the_provider_schema() -> None:
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-aws")
    document, problems, _ = aws_terraform(load(FIXTURE))
    assert problems == []
    schemas = read_schemas(PACKAGE, set(document["resource"]) | {"aws_vpc_nope"}, "aws_")
    assert schemas["aws_vpc_nope"].fields == {}  # a type the package lacks has no field
    wrong = []
    for kind, resources in document["resource"].items():
        assert schemas[kind].fields, kind
        for name, body in resources.items():
            wrong += _unknown(body, schemas[kind], f"{kind}.{name}")
    assert wrong == []
    assert _unknown({"ingres": []}, schemas["aws_security_group"], "sg") == ["sg.ingres"]


def test_the_provider_is_pinned() -> None:
    document = aws_terraform(load(FIXTURE))[0]
    assert document["terraform"]["required_providers"]["aws"] == {
        "source": "hashicorp/aws",
        "version": AWS_PROVIDER_VERSION,
    }


def test_a_connection_per_peer_interface() -> None:
    """An AWS VPN connection has two tunnels to one customer gateway
    (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html): the GCP HA VPN's two
    interfaces are two customer gateways, two connections, each with its BGP inside range."""
    resources = aws_terraform(load(FIXTURE))[0]["resource"]
    assert {k: v["ip_address"] for k, v in resources["aws_customer_gateway"].items()} == {
        "hub-vpn-0": "34.157.0.1",
        "hub-vpn-1": "34.157.1.1",
    }
    connection = resources["aws_vpn_connection"]["hub-vpn-1"]
    assert connection["tunnel1_inside_cidr"] == "169.254.11.0/30"
    assert connection["customer_gateway_id"] == "${aws_customer_gateway.hub-vpn-1.id}"
    assert not any("preshared" in key for key in connection)


def test_security_groups_keep_or_drop_the_allow_all_egress() -> None:
    """A group the blueprint leaves with AWS's allow-all outbound rule gets it written (Terraform
    removes it: https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group);
    `outbound_default_policy: drop` gets none; a rule naming a group is a reference."""
    groups = aws_terraform(load(FIXTURE))[0]["resource"]["aws_security_group"]
    assert groups["app-sg"]["egress"] == [
        {
            "protocol": "-1",
            "from_port": 0,
            "to_port": 0,
            "cidr_blocks": ["0.0.0.0/0"],
            "description": "all traffic (AWS's default, which the blueprint keeps)",
        }
    ]
    assert groups["db-sg"]["egress"] == []
    assert groups["db-sg"]["ingress"][0]["security_groups"] == ["${aws_security_group.app-sg.id}"]
    assert "cidr_blocks" not in groups["db-sg"]["ingress"][0]


def _answers(blueprint: Blueprint) -> tuple[list[object], list[tuple[str, tuple[str, ...]]]]:
    topology = build_topology(blueprint)
    report = run_checks(blueprint, topology)
    return list(layered_connectivity(topology).rows()), sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )


def test_the_round_trip_of_a_gcp_aws_estate(tmp_path: Path) -> None:
    """Both clouds' Terraform read back as the plan, tunnels joined across them: the same
    layered matrix and findings; the overlay holds no AWS network or group."""
    blueprint = load(FIXTURE)
    plan, overlay = round_trip_files(blueprint, tmp_path)
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    assert not (overlay / "aws.yaml").exists() or "networks:" not in (
        overlay / "aws.yaml"
    ).read_text("utf-8")
    types = {
        r["type"]
        for r in json.loads(plan.read_text("utf-8"))["planned_values"]["root_module"]["resources"]
    }
    assert {"aws_vpn_connection", "aws_network_acl", "aws_route_table"} <= types
