"""The terraform target's VPC Service Controls perimeters: `google_access_context_manager_service_perimeter` with an access level for the client ranges, in an access policy that is a variable, read back by the import's mapping from the plan, not the overlay.

The arguments are the provider's
(https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/access_context_manager_service_perimeter,
https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/access_context_manager_access_level):
`parent` (`accessPolicies/{policy}`), `name` (`accessPolicies/{policy}/servicePerimeters/{short_name}`,
the short name letters, digits and `_`), `title`, `status.resources` (`projects/{project_number}`),
`status.restricted_services`, `status.access_levels`; the access level's
`basic.conditions.ip_subnetworks`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossfence import load
from crossfence.compile import compile_blueprint
from crossfence.compile.base import CompileError
from crossfence.compile.tfplan import round_trip_files
from crossfence.errors import BlueprintError
from crossfence.model import Blueprint
from crossfence.providers.gcp.tfjson import google_terraform

from .provider_schema import read_schema
from .test_compile_terraform import PACKAGE, _unknown
from .test_compile_terraform_gke import _answers

ESTATE = """\
clouds: [{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1, project: p1}]
networks:
  - name: vpc
    cloud: gcp
    subnets: [{name: a, cidr: 10.0.0.0/24, region: europe-west1, private_google_access: true}]
workloads:
  - {name: client, kind: vm, network: vpc, subnet: a, addresses: [10.0.0.10], personal_data: processes}
  - {name: restricted-googleapis, kind: external_api, cloud: gcp, network: vpc, addresses: [199.36.153.4/30], ports: ["tcp/443"]}
service_perimeters:
  - name: dlp-perimeter
    cloud: gcp
    restricted_services: [dlp.googleapis.com, storage.googleapis.com]
    access_ranges: [172.16.8.0/24, 10.0.0.0/24]
  - name: closed
    cloud: gcp
    restricted_services: [bigquery.googleapis.com]
dlp_paths:
  - {name: inspection, client: client, api: restricted-googleapis, service_perimeter: dlp-perimeter}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def test_a_perimeter_is_in_the_access_policy_variable(tmp_path: Path) -> None:
    document, problems, _ = google_terraform(_estate(tmp_path))
    assert problems == []
    perimeter = document["resource"]["google_access_context_manager_service_perimeter"][
        "dlp-perimeter"
    ]
    assert perimeter["parent"] == "accessPolicies/${var.access_policy}"
    # the short name takes letters, digits and '_'
    assert (
        perimeter["name"] == "accessPolicies/${var.access_policy}/servicePerimeters/dlp_perimeter"
    )
    assert perimeter["title"] == "dlp-perimeter"
    (status,) = perimeter["status"]
    # a project by its number, which the blueprint does not hold
    assert status["resources"] == ["projects/${var.gcp_project_number}"]
    assert status["restricted_services"] == ["dlp.googleapis.com", "storage.googleapis.com"]
    assert status["access_levels"] == [
        "${google_access_context_manager_access_level.dlp-perimeter.name}"
    ]
    level = document["resource"]["google_access_context_manager_access_level"]["dlp-perimeter"]
    assert level["basic"] == [
        {"conditions": [{"ip_subnetworks": ["172.16.8.0/24", "10.0.0.0/24"]}]}
    ]
    # no client range: no access level
    assert set(document["resource"]["google_access_context_manager_access_level"]) == {
        "dlp-perimeter"
    }
    assert (
        "access_levels"
        not in document["resource"]["google_access_context_manager_service_perimeter"]["closed"][
            "status"
        ][0]
    )
    for variable in ("access_policy", "gcp_project_number"):
        assert "default" not in document["variable"][variable]
    if PACKAGE.exists():
        for kind in (
            "google_access_context_manager_service_perimeter",
            "google_access_context_manager_access_level",
        ):
            schema = read_schema(PACKAGE, kind)
            for name, body in document["resource"][kind].items():
                assert _unknown(body, schema, name) == []


def test_the_round_trip_reads_the_perimeters_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    assert "service_perimeters" not in "".join(f.read_text("utf-8") for f in overlay.glob("*.yaml"))
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    for perimeter in blueprint.service_perimeters:
        found = back.get("service_perimeters", perimeter.name)
        assert found is not None
        assert found.model_dump() == perimeter.model_dump()
    # the test can fail: without the access level, the perimeter admits no client range
    document = json.loads(plan.read_text("utf-8"))
    resources = document["planned_values"]["root_module"]["resources"]
    document["planned_values"]["root_module"]["resources"] = [
        r for r in resources if r["type"] != "google_access_context_manager_access_level"
    ]
    plan.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(BlueprintError, match="access_levels"):
        load(plan, [overlay])


def test_a_name_access_context_manager_refuses_is_an_error(tmp_path: Path) -> None:
    long = "p" + "-x" * 30
    blueprint = _estate(tmp_path, ESTATE.replace("name: closed", f"name: {long}"))
    _, problems, _ = google_terraform(blueprint)
    (problem,) = problems
    assert "Access Context Manager refuses" in problem.message
    assert problem.line is not None
    with pytest.raises(CompileError):
        compile_blueprint(blueprint, ["terraform"])
