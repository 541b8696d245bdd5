"""SARIF 2.1.0: valid against the OASIS schema (errata01), located at the blueprint's file and line."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

import jsonschema
import pytest

from crossfence import load
from crossfence.checks import Report, run_checks
from crossfence.errors import Problem
from crossfence.report.sarif import sarif, sarif_failure, uri

from .conftest import EXAMPLE, SARIF_SCHEMA


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return loaded


def _validate(log: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(json.loads(json.dumps(log)))


def test_base_example_validates(base_report: Report, schema: dict[str, Any]) -> None:
    log = sarif(base_report)
    _validate(log, schema)
    [run] = log["runs"]
    # no active result; the accepted finding is there, marked suppressed with its reason
    [result] = run["results"]
    assert result["suppressions"][0]["kind"] == "inSource"
    assert "scw-dns" in result["suppressions"][0]["justification"]


def test_variant_validates_and_points_at_the_blueprint(
    variant_report: Report, schema: dict[str, Any]
) -> None:
    log = sarif(variant_report)
    _validate(log, schema)
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    active = [r for r in run["results"] if "suppressions" not in r]
    [result] = active
    finding = variant_report.findings[0]
    assert result["ruleId"] == finding.check.id
    assert rules[result["ruleIndex"]]["id"] == finding.check.id
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    first = finding.objects[0]
    assert location["artifactLocation"]["uri"].endswith(first.file.rsplit("/", 1)[-1])  # type: ignore[union-attr]
    assert location["region"]["startLine"] == first.line
    assert float(rules[result["ruleIndex"]]["properties"]["security-severity"]) >= 7.0


def test_every_check_is_a_rule(busy_report: Report, schema: dict[str, Any]) -> None:
    log = sarif(busy_report)
    _validate(log, schema)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in busy_report.checks]
    assert len(log["runs"][0]["results"]) == len(busy_report.findings) + len(busy_report.suppressed)


def test_a_broken_log_does_not_validate(base_report: Report, schema: dict[str, Any]) -> None:
    """The schema test has teeth: a result without a message is refused."""
    log = sarif(base_report)
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(log, schema)


# -- code flows, help pages, invocations, URIs ---------------------------------------------------


def test_each_trace_is_a_code_flow_of_its_located_steps(schema: dict[str, Any]) -> None:
    """GitHub expands `codeFlows[].threadFlows[].locations[]` on the alert; each location needs
    a physical location (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#result-object)."""
    report = run_checks(load(EXAMPLE / "variants" / "edge-open"))
    log = sarif(report)
    _validate(log, schema)
    [result] = [r for r in log["runs"][0]["results"] if "suppressions" not in r]
    [flow] = report.findings[0].flows
    [code_flow] = result["codeFlows"]
    assert code_flow["message"]["text"] == (
        f"ALLOWED {flow.source} → {flow.destination} {flow.port} ({flow.disposition})"
    )
    [thread] = code_flow["threadFlows"]
    located = [
        (hop.node, step)
        for hop in flow.hops
        for step in hop.steps
        if step.source is not None and step.source.file
    ]
    assert len(thread["locations"]) == len(located) >= 2
    for order, (entry, (node, step)) in enumerate(
        zip(thread["locations"], located, strict=True), 1
    ):
        assert entry["executionOrder"] == order
        physical = entry["location"]["physicalLocation"]
        assert step.source is not None
        assert physical["artifactLocation"]["uri"] == quote(step.source.file or "")
        assert physical["region"]["startLine"] == step.source.line
        assert entry["location"]["message"]["text"] == f"{node}: {step.action} {step.detail}"


def test_help_uri_opens_the_check_s_section_of_the_shipped_docs(base_report: Report) -> None:
    from crossfence.examples import docs_path

    rules = sarif(base_report)["runs"][0]["tool"]["driver"]["rules"]
    page = docs_path("checks.md")
    headings = {
        line[3:].replace(".", "")
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    }
    for rule in rules:
        base, _, anchor = rule["helpUri"].partition("#")
        assert base == page.as_uri()
        assert anchor in headings, rule["id"]
        assert rule["helpUri"] in rule["help"]["markdown"]
    custom = sarif(base_report, docs_url="https://example.org/docs/checks.md")
    assert custom["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].startswith(
        "https://example.org/docs/checks.md#"
    )


def test_invocation_says_the_run_succeeded_with_its_exit_code(base_report: Report) -> None:
    assert sarif(base_report, exit_code=1)["runs"][0]["invocations"] == [
        {"executionSuccessful": True, "exitCode": 1}
    ]


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("estate dir/a b.yaml", "estate%20dir/a%20b.yaml"),
        ("c#1/estate.yaml", "c%231/estate.yaml"),
        ("données/éstate.yaml", "donn%C3%A9es/%C3%A9state.yaml"),
        ("a%20b.yaml", "a%2520b.yaml"),
        ("x:y/estate.yaml", "x%3Ay/estate.yaml"),
    ],
)
def test_uris_are_percent_encoded(file: str, expected: str) -> None:
    assert uri(file) == {"uri": expected, "uriBaseId": "%SRCROOT%"}
    assert unquote(uri(file)["uri"]) == file
    absolute = uri("/tmp/" + file)["uri"]
    assert absolute == "file:///tmp/" + expected and unquote(absolute[7:]) == "/tmp/" + file


def test_a_failed_run_is_a_valid_log_with_located_notifications(schema: dict[str, Any]) -> None:
    problems = [
        Problem(
            "'gpc' is not allowed (expected 'gcp')",
            "my estate/bp.yaml",
            3,
            15,
            "clouds[0].provider",
        ),
        Problem("--skip 'x' is not a check id or family", code="usage"),
    ]
    log = sarif_failure(problems, 2)
    _validate(log, schema)
    [run] = log["runs"]
    assert run["results"] == []
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    located, usage = invocation["toolExecutionNotifications"]
    assert located["message"]["text"] == "clouds[0].provider: 'gpc' is not allowed (expected 'gcp')"
    assert located["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "my%20estate/bp.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 15},
    }
    assert usage["descriptor"] == {"id": "usage"} and "locations" not in usage


def test_without_installed_docs_the_rules_have_no_help_uri(
    base_report: Report, schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of the sources without docs/ still gives a valid log: no `helpUri` (optional in
    SARIF), the help text names the section of docs/checks.md instead."""
    import crossfence.examples

    def missing(name: str = "checks.md") -> Any:
        raise FileNotFoundError(name)

    monkeypatch.setattr(crossfence.examples, "docs_path", missing)
    log = sarif(base_report)
    _validate(log, schema)
    driver = log["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    assert all("helpUri" not in rule for rule in driver["rules"])
    assert driver["rules"][0]["help"]["text"].endswith(
        f"Documentation: {base_report.checks[0].doc}"
    )
