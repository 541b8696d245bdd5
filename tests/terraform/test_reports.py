"""Reports on Terraform input: findings name the Terraform address (SARIF `logicalLocations`, JSON, Markdown), and every report goes to `-o FILE`, `import` to its folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from crossfence.checks.diff import BlueprintDiff, FlowChange
from crossfence.cli import app
from crossfence.report.diff_markdown import diff_markdown
from crossfence.report.schemas import output_schema

from .plans import plan, write
from .test_example import OVERLAY, TERRAFORM
from .test_read import estate

runner = CliRunner()
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"
EDGE_OPEN = TERRAFORM / "variants" / "edge-open" / "plan.json"
EDGE = "module.scaleway.scaleway_lb.edge"


def _sarif_valid(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)


def _iap_bypass(results: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in results if r["ruleId"] == "zerotrust.iap-bypass")


def test_sarif_names_the_terraform_address_in_logical_locations(tmp_path: Path) -> None:
    """SARIF 2.1.0 §3.33 (logicalLocation: `fullyQualifiedName`, `kind` "resource"): the finding
    on the plan whose Scaleway edge is open is located in the plan file and at the address of the
    load balancer resource, written to the `-o` file."""
    out = tmp_path / "crossfence.sarif"
    result = runner.invoke(
        app,
        ["check", str(EDGE_OPEN), "--overlay", str(OVERLAY), "-f", "sarif", "-o", str(out)],
    )
    assert result.exit_code == 1, result.output  # a critical finding
    log = json.loads(out.read_text(encoding="utf-8"))
    _sarif_valid(log)
    location = _iap_bypass(log["runs"][0]["results"])["locations"][0]
    assert location["logicalLocations"][0] == {
        "name": EDGE,
        "kind": "resource",
        "fullyQualifiedName": EDGE,
    }
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "variants/edge-open/plan.json"
    )
    assert location["message"]["text"] == f"load-balancer scw-edge ({EDGE})"


def test_blueprint_sarif_has_no_terraform_location() -> None:
    result = runner.invoke(
        app, ["check", str(TERRAFORM.parent / "variants" / "edge-open"), "-f", "sarif"]
    )
    log = json.loads(result.stdout)
    location = _iap_bypass(log["runs"][0]["results"])["locations"][0]
    assert [entry["fullyQualifiedName"] for entry in location["logicalLocations"]] == [
        "load-balancer/scw-edge"
    ]


def test_check_json_and_markdown_name_the_address() -> None:
    args = ["check", str(EDGE_OPEN), "--overlay", str(OVERLAY)]
    document = json.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    Draft202012Validator(output_schema("check")).validate(document)
    finding = next(f for f in document["findings"] if f["check"] == "zerotrust.iap-bypass")
    assert finding["objects"][0]["address"] == EDGE
    markdown = runner.invoke(app, [*args, "-f", "markdown"]).stdout
    assert f"`{EDGE}` `" in markdown


def test_diff_markdown_to_a_file(tmp_path: Path) -> None:
    """The PR comment written with -o, and the JSON beside it in the same run."""
    comment, document = tmp_path / "comment.md", tmp_path / "diff.json"
    result = runner.invoke(
        app,
        [
            "diff",
            str(TERRAFORM / "state.json"),
            str(EDGE_OPEN),
            "--overlay",
            str(OVERLAY),
            "-f",
            "markdown",
            "-o",
            str(comment),
            "-f",
            "json",
            "-o",
            str(document),
        ],
    )
    assert result.exit_code == 1, result.output
    text = comment.read_text(encoding="utf-8")
    assert "| `internet` | `scw-edge` | `TCP/443` |" in text
    assert f"`{EDGE}`" in text
    assert json.loads(document.read_text(encoding="utf-8"))["flows"][0]["to"] == "scw-edge"


def test_diff_markdown_escapes_names() -> None:
    """A name is user text: a backtick or a pipe in it renders as written, in code spans whose
    fence is longer than its backticks (CommonMark 0.31, "Code spans"), pipes escaped in cells
    (GFM, "Tables": the pipe splits cells inside code spans unless escaped)."""
    change = FlowChange("a`b", "c|d", ["TCP/443"], [], [], ["TCP/443"], [], [])
    text = diff_markdown(BlueprintDiff("old", "new", flows=[change]))
    assert "| ``a`b`` | `c\\|d` | `TCP/443` |" in text


def test_import_refuses_a_file_and_a_folder_of_other_blueprints(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.json", plan(estate()))
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    result = runner.invoke(app, ["import", str(path), "-o", str(a_file)])
    assert result.exit_code == 2
    assert f"{a_file}: is not a folder" in result.output

    folder = tmp_path / "bp"
    folder.mkdir()
    (folder / "mine.yaml").write_text("networks: []\n")
    result = runner.invoke(app, ["import", str(path), "-o", str(folder)])
    assert result.exit_code == 2
    assert "holds mine.yaml, which this import does not write" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["mine.yaml"]


def test_import_writes_again_over_its_own_files(tmp_path: Path) -> None:
    path = write(tmp_path / "plan.json", plan(estate()))
    folder = tmp_path / "deep" / "bp"
    for _ in range(2):
        result = runner.invoke(app, ["import", str(path), "-o", str(folder)])
        assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout
    assert runner.invoke(app, ["validate", str(folder), "-q"]).exit_code == 0


def test_diff_of_large_inputs_in_two_processes_is_the_same(
    monkeypatch: Any,
) -> None:
    """Inputs past `PARALLEL_BYTES` are read and analysed in two processes (the old side in a
    forked child): the same document, and the old side's warnings still printed."""
    from crossfence.checks import sides

    args = [
        "diff",
        str(TERRAFORM / "state.json"),
        str(EDGE_OPEN),
        "--overlay",
        str(OVERLAY),
        "-f",
        "json",
    ]
    alone = runner.invoke(app, args)
    monkeypatch.setattr(sides, "PARALLEL_BYTES", 0)
    forked = runner.invoke(app, args)
    assert forked.exit_code == alone.exit_code == 1
    assert forked.stdout == alone.stdout
    assert forked.stderr == alone.stderr
