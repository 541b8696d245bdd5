"""SARIF 2.1.0: valid against the OASIS schema (errata01), located at the blueprint's file and line."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from crossfence.checks import Report
from crossfence.report.sarif import sarif

from .conftest import SARIF_SCHEMA


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
