"""The terraform target's VMs: a Google VM as `google_compute_instance`, read back by the import's mapping from the plan, not the overlay.

The arguments are the provider's
(https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_instance):
`network_interface.subnetwork`, `network_interface.network_ip`, `network_interface.access_config.nat_ip`
(a reserved static external address:
https://cloud.google.com/compute/docs/ip-addresses/configure-static-external-ip-address),
`tags`, `labels`, `service_account.email`. What the blueprint does not hold (machine type, boot
image, zone) are variables, never invented values.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import build_topology, load, run_checks
from crossfence.compile import compile_blueprint
from crossfence.compile.base import CompileError
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint
from crossfence.providers.gcp.tfjson import google_terraform

from .provider_schema import read_schema
from .test_compile_terraform import PACKAGE, _unknown

ESTATE = """\
clouds: [{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1, project: p1}]
networks:
  - name: vpc
    cloud: gcp
    subnets: [{name: a, cidr: 10.0.0.0/24, region: europe-west1}]
    firewall_rules:
      - {name: web-in, direction: ingress, action: allow, priority: 1000, ports: ["tcp/443"], source_ranges: [0.0.0.0/0], target_tags: [web]}
      - {name: db-in, direction: ingress, action: allow, priority: 1000, ports: ["tcp/5432"], source_service_accounts: [web@p1.iam.gserviceaccount.com], target_service_accounts: [db@p1.iam.gserviceaccount.com]}
workloads:
  - name: web
    kind: vm
    network: vpc
    subnet: a
    addresses: [10.0.0.10]
    public_address: 34.1.2.3
    network_tags: [web]
    labels: {app: web}
    service_account: web@p1.iam.gserviceaccount.com
    ports: ["tcp/443"]
  - name: db
    kind: vm
    network: vpc
    subnet: a
    addresses: [10.0.0.20]
    network_tags: [db]
    service_account: db@p1.iam.gserviceaccount.com
    personal_data: stores
    ports: ["tcp/5432"]
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def _answers(blueprint: Blueprint) -> tuple[list[object], list[tuple[str, tuple[str, ...]]]]:
    topology = build_topology(blueprint)
    report = run_checks(blueprint, topology)
    findings = sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )
    return list(layered_connectivity(topology).rows()), findings


def test_a_vm_is_an_instance_on_its_subnet(tmp_path: Path) -> None:
    document, problems, _ = google_terraform(_estate(tmp_path))
    assert problems == []
    web = document["resource"]["google_compute_instance"]["web"]
    assert web["network_interface"] == [
        {
            "subnetwork": "${google_compute_subnetwork.a.id}",
            "network_ip": "10.0.0.10",
            "access_config": [{"nat_ip": "${google_compute_address.web-public.address}"}],
        }
    ]
    assert document["resource"]["google_compute_address"]["web-public"]["address"] == "34.1.2.3"
    assert web["tags"] == ["web"]
    assert web["labels"] == {"app": "web"}
    assert web["service_account"][0]["email"] == "web@p1.iam.gserviceaccount.com"
    # what the blueprint does not hold is the user's to supply: variables, no default
    assert web["machine_type"] == "${var.web_machine_type}"
    assert web["zone"] == "${var.web_zone}"
    assert web["boot_disk"] == [{"initialize_params": [{"image": "${var.web_image}"}]}]
    for name in ("web_machine_type", "web_image", "web_zone"):
        assert "default" not in document["variable"][name]
    db = document["resource"]["google_compute_instance"]["db"]
    assert "access_config" not in db["network_interface"][0]
    if PACKAGE.exists():
        schema = read_schema(PACKAGE, "google_compute_instance")
        assert _unknown(web, schema, "web") == []


def test_the_round_trip_reads_the_vms_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    # the overlay keeps only what no instance argument holds: ports, personal data
    kept = {
        w["name"]: w
        for f in overlay.glob("*.yaml")
        for w in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("workloads", [])
    }
    assert {n: sorted(w) for n, w in kept.items()} == {
        "web": ["name", "ports"],
        "db": ["name", "personal_data", "ports"],
    }
    web = back.get("workloads", "web")
    assert web is not None
    assert web.public_address == "34.1.2.3"
    assert web.service_account == "web@p1.iam.gserviceaccount.com"


def test_a_vm_with_two_addresses_is_refused(tmp_path: Path) -> None:
    """A network interface has one primary address (`network_ip`); more are alias IP ranges
    (https://cloud.google.com/vpc/docs/alias-ip), which the import does not read."""
    text = ESTATE.replace("addresses: [10.0.0.20]", "addresses: [10.0.0.20, 10.0.0.21]")
    blueprint = _estate(tmp_path, text)
    _, problems, _ = google_terraform(blueprint)
    assert len(problems) == 1
    assert problems[0].line is not None and problems[0].file is not None
    assert "2 addresses" in problems[0].message
    with pytest.raises(CompileError):
        compile_blueprint(blueprint, ["terraform"])


def test_a_managed_database_is_not_written_and_the_warning_says_why(tmp_path: Path) -> None:
    """The analysis places a managed database in its subnet like an instance; Cloud SQL with a
    private address is in Google's service producer network, reached over the private services
    access peering, at an address of the allocated range
    (https://cloud.google.com/sql/docs/postgres/private-ip): nothing is written for it, the
    round trip reads it from the overlay."""
    text = ESTATE.replace(
        "  - name: db\n    kind: vm\n", "  - name: db\n    kind: managed_database\n"
    )
    blueprint = _estate(tmp_path, text)
    document, problems, warnings = google_terraform(blueprint)
    assert problems == []
    assert set(document["resource"]["google_compute_instance"]) == {"web"}
    (warning,) = [w for w in warnings if "'db'" in w.message]
    assert "service producer network" in warning.message
    assert warning.line is not None
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    assert _answers(load(plan, [overlay])) == _answers(blueprint)
