"""The terraform target's Scaleway VMs: a `scaleway_instance_server` in its security group, on its Private Network at a reserved IPAM address through a private NIC, with a flexible IP for its public address; read back from the plan.

https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_server
(`security_group_id`, `ip_id`), .../instance_private_nic (`private_network_id`, `ipam_ip_ids`),
.../ipam_ip (`address`, `source.private_network_id`), .../instance_ip.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from crossfence import build_topology, load, run_checks
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint
from crossfence.providers.scaleway.tfjson import scaleway_terraform

from .provider_schema import read_pulumi_schema
from .test_compile_terraform_scaleway import PACKAGE, _unknown

ESTATE = """\
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: apps, cidr: 172.16.0.0/22}
security_groups:
  - name: web-sg
    cloud: scw
    inbound_default_policy: drop
    inbound_rules:
      - {action: accept, ports: tcp/443, ip_ranges: [0.0.0.0/0]}
  - name: db-sg
    cloud: scw
    inbound_default_policy: drop
    inbound_rules:
      - {action: accept, ports: tcp/5432, ip_ranges: [172.16.0.0/22]}
workloads:
  - {name: web, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.10], public_address: 51.15.2.2, security_groups: [web-sg], ports: ["tcp/443"]}
  - {name: db, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.20], security_groups: [db-sg], personal_data: stores, ports: ["tcp/5432"]}
  - {name: both, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.30], security_groups: [web-sg, db-sg]}
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


def test_a_vm_is_an_instance_at_its_reserved_address(tmp_path: Path) -> None:
    document, problems, warnings = scaleway_terraform(_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    web = resources["scaleway_instance_server"]["web"]
    assert web["security_group_id"] == "${scaleway_instance_security_group.web-sg.id}"
    assert web["ip_id"] == "${scaleway_instance_ip.web.id}"
    assert web["type"] == "${var.web_type}"
    assert web["image"] == "${var.web_image}"
    for name in ("web_type", "web_image", "web_zone"):
        assert "default" not in document["variable"][name]
    assert resources["scaleway_ipam_ip"]["web-private"] == {
        "address": "172.16.0.10",
        "source": [{"private_network_id": "${scaleway_vpc_private_network.apps.id}"}],
    }
    nic = resources["scaleway_instance_private_nic"]["web"]
    assert nic["server_id"] == "${scaleway_instance_server.web.id}"
    assert nic["ipam_ip_ids"] == ["${scaleway_ipam_ip.web-private.id}"]
    assert "ip_id" not in resources["scaleway_instance_server"]["db"]
    # an Instance is in one security group: one in two is not written, and said so
    assert "both" not in resources["scaleway_instance_server"]
    assert any("'both' has 2 security groups" in w.message for w in warnings)
    if PACKAGE.exists():
        for kind in (
            "scaleway_instance_server",
            "scaleway_instance_private_nic",
            "scaleway_instance_ip",
            "scaleway_ipam_ip",
        ):
            schema = read_pulumi_schema(PACKAGE, kind)
            label = "web-private" if kind == "scaleway_ipam_ip" else "web"
            assert _unknown(resources[kind][label], schema, kind) == []


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
    assert sorted(kept["db"]) == ["name", "personal_data", "ports"]
    assert "addresses" in kept["both"]  # not written: wholly the overlay's
    web = back.get("workloads", "web")
    assert web is not None
    assert web.addresses == ("172.16.0.10",)
    assert web.public_address == "51.15.2.2"
    assert web.security_groups == ("web-sg",)
