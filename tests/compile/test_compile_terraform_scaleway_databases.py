"""The terraform target's Scaleway Managed Databases: a `scaleway_rdb_instance` on its Private Network at the blueprint's address, no public endpoint, its password a sensitive variable; read back from the plan.

https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/rdb_instance:
`private_network` (`pn_id` required; `ip_net`, "an IPv4 address with a CIDR notation", one of
`ip_net` or `enable_ipam` must be set), `load_balancer` ("A load-balancer endpoint will be set by
default if no Private Network is"), `node_type` and `engine` required, `password` the first
user's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import load
from crossfence.compile.tfplan import round_trip_files
from crossfence.errors import BlueprintError
from crossfence.model import Blueprint
from crossfence.providers.scaleway.tfjson import scaleway_terraform

from .provider_schema import read_pulumi_schema
from .test_compile_terraform_scaleway import PACKAGE, _unknown
from .test_compile_terraform_scaleway_vms import _answers

ESTATE = """\
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: apps, cidr: 172.16.0.0/22}
      - {name: data, cidr: 172.16.8.0/24}
workloads:
  - {name: db, kind: managed_database, network: vpc, subnet: data, addresses: [172.16.8.10], personal_data: stores, ports: ["tcp/5432"]}
  - {name: app, kind: vm, network: vpc, subnet: data, addresses: [172.16.8.20]}
  - {name: far, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.20]}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def test_a_managed_database_on_its_private_network(tmp_path: Path) -> None:
    document, problems, warnings = scaleway_terraform(_estate(tmp_path))
    assert problems == []
    body = document["resource"]["scaleway_rdb_instance"]["db"]
    assert body == {
        "name": "db",
        "engine": "${var.db_engine}",
        "node_type": "${var.db_node_type}",
        "user_name": "${var.db_user_name}",
        "password": "${var.db_password}",
        # the address with the Private Network's prefix length; no `load_balancer` block:
        # no public endpoint
        "private_network": [
            {"pn_id": "${scaleway_vpc_private_network.data.id}", "ip_net": "172.16.8.10/24"}
        ],
    }
    assert document["variable"]["db_password"]["sensitive"] is True
    for name in ("db_engine", "db_node_type", "db_user_name", "db_password"):
        assert "default" not in document["variable"][name]
    static = [w for w in warnings if "workload 'db'" in w.message]
    assert len(static) == 1 and "ip_net" in static[0].message
    if PACKAGE.exists():
        schema = read_pulumi_schema(PACKAGE, "scaleway_rdb_instance")
        assert _unknown(body, schema, "scaleway_rdb_instance") == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("addresses: [172.16.8.10]", "addresses: [172.16.8.10, 172.16.8.11]"),
        ("addresses: [172.16.8.10]", "addresses: [172.16.8.10], public_address: 51.15.0.9"),
        ("addresses: [172.16.8.10]", "addresses: [172.16.8.10], security_groups: [sg]"),
    ],
    ids=["two addresses", "public address", "security groups"],
)
def test_what_a_managed_database_cannot_be_is_a_located_error(
    change: str, expected: str, tmp_path: Path
) -> None:
    text = ESTATE.replace(change, expected) + "security_groups: [{name: sg, cloud: scw}]\n"
    document, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert [p.path for p in problems] == ["workloads[0]"]
    assert problems[0].file is not None and problems[0].line == 9
    assert "expected" in problems[0].message
    assert "scaleway_rdb_instance" not in document["resource"]


def test_the_round_trip_reads_the_database_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    kept = {
        w["name"]: w
        for f in overlay.glob("*.yaml")
        for w in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("workloads", [])
    }
    assert sorted(kept["db"]) == ["name", "personal_data", "ports"]
    db = back.get("workloads", "db")
    assert db is not None
    assert (db.kind, db.subnet, db.addresses) == ("managed_database", "data", ("172.16.8.10",))
    resource = next(
        r
        for r in json.loads(plan.read_text("utf-8"))["planned_values"]["root_module"]["resources"]
        if r["type"] == "scaleway_rdb_instance"
    )
    assert resource["values"]["password"] is None
    assert resource["sensitive_values"]["password"] is True


def test_a_database_left_out_of_the_plan_changes_the_answers(tmp_path: Path) -> None:
    """The test can fail: without its resource, the database is not read back."""
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    document = json.loads(plan.read_text("utf-8"))
    resources = document["planned_values"]["root_module"]["resources"]
    document["planned_values"]["root_module"]["resources"] = [
        r for r in resources if r["type"] != "scaleway_rdb_instance"
    ]
    plan.write_text(json.dumps(document), encoding="utf-8")
    # the overlay's part of it (its ports, personal data) completes nothing: a located error
    with pytest.raises(BlueprintError, match=r"workloads\[2\]\.kind: missing required field"):
        load(plan, [overlay])
