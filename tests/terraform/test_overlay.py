"""Overlays: what Terraform does not hold, merged onto the estate it holds (docs/terraform.md, "Overlays")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import crossfence
from crossfence.cli import app
from crossfence.errors import BlueprintError

from .plans import plan, write
from .test_read import estate


def _plan(tmp_path: Path) -> Path:
    return write(tmp_path / "plan.json", plan(estate("module.app")))


def test_by_address_by_name_and_new_objects(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        """
clouds:
  - {name: google, provider: gcp, jurisdiction: CH, region: europe-west6}
workloads:
  - terraform: module.app.google_compute_instance.vm["web"]
    name: frontend
    personal_data: processes
    ports: ["tcp/443"]
  - name: api
    kind: external_api
    addresses: [199.36.153.4/30]
intents:
  - {name: ssh-from-ops, source: 35.235.240.5, destination: frontend, port: tcp/22, expect: allowed}
"""
    )
    blueprint = crossfence.load(_plan(tmp_path), [overlay])
    assert [(c.name, c.jurisdiction, c.region, c.project) for c in blueprint.clouds] == [
        ("google", "CH", "europe-west6", "p1")
    ]
    assert blueprint.networks[0].cloud == "google"  # renamed everywhere
    frontend = blueprint.get("workloads", "frontend")
    assert frontend.personal_data == "processes" and frontend.addresses == ("10.0.0.10",)
    assert frontend.defined_at.address == 'module.app.google_compute_instance.vm["web"]'
    assert blueprint.get("workloads", "api").defined_at.file.endswith("overlay.yaml")
    assert crossfence.reach(
        crossfence.build_topology(blueprint), "35.235.240.5", "frontend", "tcp/22"
    ).allowed


def test_patch_by_cloud_name(tmp_path: Path) -> None:
    """An overlay object with the name the resource has in the cloud completes it."""
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("workloads:\n  - {name: web, personal_data: stores}\n")
    assert (
        crossfence.load(_plan(tmp_path), [overlay]).get("workloads", "web").personal_data
        == "stores"
    )


def test_overlay_problems_are_located_in_the_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        'workloads:\n  - terraform: module.app.google_compute_instance.vm["wbe"]\n    personal_data: stores\n'
    )
    with pytest.raises(BlueprintError) as error:
        crossfence.load(_plan(tmp_path), [overlay])
    problem = error.value.problems[0]
    assert (problem.file or "").endswith("overlay.yaml") and problem.line == 2
    assert "did you mean 'module.app.google_compute_instance.vm[\"web\"]'" in problem.message


def test_bad_overlay_value_is_located_in_the_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("workloads:\n  - name: web\n    personal_data: maybe\n")
    with pytest.raises(BlueprintError) as error:
        crossfence.load(_plan(tmp_path), [overlay])
    problem = error.value.errors[0]
    assert ((problem.file or "").endswith("overlay.yaml"), problem.line) == (True, 3)


def test_cli_overlay_option(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "intents:\n  - {name: ssh, source: 35.235.240.5, destination: web, port: tcp/22, expect: denied}\n"
    )
    runner = CliRunner()
    result = runner.invoke(
        app, ["check", str(_plan(tmp_path)), "--overlay", str(overlay), "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    assert "intents.not-met" in result.stdout
    result = runner.invoke(
        app,
        [
            "reach",
            str(_plan(tmp_path)),
            "--from",
            "35.235.240.5",
            "--to",
            "web",
            "--port",
            "tcp/22",
        ],
    )
    assert result.exit_code == 0, result.output
