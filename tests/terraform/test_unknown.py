"""The third verdict: an answer that depends on a value a Terraform plan does not know yet is `unknown`, naming the value's Terraform address."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from crossfence.cli import app
from crossfence.report.schemas import output_schema

from .plans import plan, write
from .test_read import estate

runner = CliRunner()

WEB_IP = 'google_compute_instance.vm["web"].network_interface[0].network_ip'
"""`after_unknown` marks an attribute the plan computes at apply: `network_ip` of an interface
with no address written is allocated by GCP from the subnet
(https://developer.hashicorp.com/terraform/internals/json-format, "after_unknown";
https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_instance#network_ip)."""


def _web_address_unknown(tmp_path: Path) -> Path:
    resources = estate()
    web = resources[2]
    web.values["network_interface"][0].pop("network_ip")
    web.unknown = {"network_interface": [{"network_ip": True}]}
    web.action = ["create"]
    return write(tmp_path / "plan.json", plan(resources))


def _rule_ranges_unknown(tmp_path: Path) -> Path:
    """The firewall rule's `source_ranges` are known after apply (an address of a resource to be
    created): an empty list would be any source on GCP, so the allow rule is read as disabled
    (it allows nothing yet)."""
    resources = estate()
    rule = resources[3]
    rule.values.pop("source_ranges")
    rule.unknown = {"source_ranges": True}
    rule.action = ["create"]
    return write(tmp_path / "plan.json", plan(resources))


def test_reach_to_an_address_known_after_apply_is_unknown(tmp_path: Path) -> None:
    """Allowed with the stand-in address, but the answer is UNKNOWN naming the attribute; exit 1."""
    path = _web_address_unknown(tmp_path)
    args = ["reach", str(path), "--from", "35.235.240.7", "--to", "web", "--port", "tcp/22"]
    text = runner.invoke(app, args)
    assert text.exit_code == 1, text.output
    assert text.stdout.startswith("UNKNOWN 35.235.240.7 → web tcp/22")
    assert WEB_IP in text.stdout
    assert "allowed with the stand-ins" in text.stdout

    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    Draft202012Validator(output_schema("reach")).validate(document)
    assert (document["verdict"], document["assumed"]) == ("unknown", "allowed")
    assert [u["address"] for u in document["unknowns"]] == [WEB_IP]


def test_rule_with_ranges_known_after_apply_makes_the_answer_unknown(tmp_path: Path) -> None:
    """A rule whose `source_ranges` are known after apply is read as disabled (what it will
    allow is not known): whatever the stand-in reading gives, the verdict is UNKNOWN, naming the
    argument and the stand-in."""
    path = _rule_ranges_unknown(tmp_path)
    args = ["reach", str(path), "--from", "35.235.240.7", "--to", "web", "--port", "tcp/22"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["verdict"] == "unknown"
    assert [u["address"] for u in document["unknowns"]] == [
        'google_compute_firewall.allow["ssh"].source_ranges'
    ]
    assert [u["stand_in"] for u in document["unknowns"]] == ["disabled: true"]


def test_reach_with_everything_known_keeps_its_verdict(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.json", plan(estate()))
    args = ["reach", str(path), "--from", "35.235.240.7", "--to", "web", "--port", "tcp/22"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["verdict"] == "allowed"
    assert "unknowns" not in document and "assumed" not in document


def test_matrix_lists_the_unknowns_and_their_endpoints(tmp_path: Path) -> None:
    path = _web_address_unknown(tmp_path)
    result = runner.invoke(app, ["matrix", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    Draft202012Validator(output_schema("matrix")).validate(document)
    assert [(u["address"], u["endpoints"]) for u in document["unknowns"]] == [(WEB_IP, ["web"])]

    text = runner.invoke(app, ["matrix", str(path)])
    assert f"unknown: pairs with web: depends on {path}" in text.stdout.replace("\n", "")
    assert WEB_IP in text.stdout

    csv = runner.invoke(app, ["matrix", str(path), "--format", "csv"])
    assert csv.stdout.splitlines()[0] == "from,to,allowed,allowed_if"
    assert WEB_IP in csv.stderr


def test_matrix_of_a_rule_left_out_names_the_networks_endpoints(tmp_path: Path) -> None:
    path = _rule_ranges_unknown(tmp_path)
    result = runner.invoke(app, ["matrix", str(path), "--format", "json"])
    document = json.loads(result.stdout)
    assert [(u["address"], u["endpoints"]) for u in document["unknowns"]] == [
        ('google_compute_firewall.allow["ssh"].source_ranges', ["web"])
    ]
