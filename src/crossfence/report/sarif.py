"""SARIF 2.1.0 rendering of a `check` report, for code-scanning tools (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Any

from ..checks import Check, Finding, ObjectRef, Report
from ..version import __version__
from .findings import trace_lines

__all__ = ["sarif", "sarif_level"]

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning ranks security results by this property (CVSS-like, 0.1-10.0).
_SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "1.0",
}


def sarif_level(severity: str) -> str:
    """The SARIF result level of a crossfence severity."""
    return _LEVELS[severity]


def _uri(file: str) -> dict[str, str]:
    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": str(PurePosixPath(*path.parts)), "uriBaseId": "%SRCROOT%"}


def _location(obj: ObjectRef) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _uri(obj.file or "")}
    if obj.line:
        physical["region"] = {"startLine": obj.line}
    return {
        "physicalLocation": physical,
        "logicalLocations": [
            {"name": obj.name, "kind": "resource", "fullyQualifiedName": f"{obj.kind}/{obj.name}"}
        ],
        "message": {"text": f"{obj.kind} {obj.name}"},
    }


def _rule(check: Check) -> dict[str, Any]:
    return {
        "id": check.id,
        "name": "".join(part.title() for part in check.id.replace(".", "-").split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.why},
        "help": {
            "text": f"{check.fix} ({check.doc})",
            "markdown": f"**Why**: {check.why}\n\n**Fix**: {check.fix}\n\nSee `{check.doc}`.",
        },
        "defaultConfiguration": {"level": sarif_level(check.severity)},
        "properties": {
            "tags": ["security", check.family],
            "precision": "high",
            "problem.severity": "error" if sarif_level(check.severity) == "error" else "warning",
            "security-severity": _SECURITY_SEVERITY[check.severity],
        },
    }


def _result(finding: Finding, index: int) -> dict[str, Any]:
    located = [o for o in finding.objects if o.file]
    text = finding.message
    if finding.explains:
        text += " Also: " + "; ".join(f"{f.check.id}: {f.message}" for f in finding.explains)
    result: dict[str, Any] = {
        "ruleId": finding.check.id,
        "ruleIndex": index,
        "level": sarif_level(finding.severity),
        "message": {"text": text},
        "locations": [_location(located[0])] if located else [],
        "partialFingerprints": {
            "crossfence/v1": hashlib.sha256(
                "|".join(
                    [finding.check.id, *(f"{o.kind}/{o.name}" for o in finding.objects)]
                ).encode()
            ).hexdigest()
        },
        "properties": {"severity": finding.severity},
    }
    if len(located) > 1:
        result["relatedLocations"] = [
            {"id": i, **_location(obj)} for i, obj in enumerate(located[1:], start=1)
        ]
    if finding.flows:
        result["properties"]["traces"] = ["\n".join(trace_lines(flow)) for flow in finding.flows]
    if finding.suppression is not None:
        result["suppressions"] = [
            {"kind": "inSource", "status": "accepted", "justification": finding.suppression.reason}
        ]
    return result


def sarif(report: Report) -> dict[str, Any]:
    """The report as one SARIF 2.1.0 log with one run: every check a rule, every finding a result."""
    index = {check.id: i for i, check in enumerate(report.checks)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "crossfence",
                        "version": __version__,
                        "rules": [_rule(check) for check in report.checks],
                    }
                },
                "originalUriBaseIds": {
                    "%SRCROOT%": {
                        "description": {"text": "The working directory crossfence ran in."}
                    }
                },
                "results": [
                    _result(finding, index[finding.check.id])
                    for finding in [*report.findings, *report.suppressed]
                ],
                "properties": {"blueprint": report.blueprint},
            }
        ],
    }
