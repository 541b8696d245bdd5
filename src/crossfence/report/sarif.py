"""SARIF 2.1.0 rendering of a `check` report, for code-scanning tools (GitHub, GitLab, Azure DevOps).

What goes where (GitHub's supported subset:
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):

- every check is a rule: `shortDescription` its title, `fullDescription` why it matters, `help`
  (text and Markdown, which GitHub shows beside each alert) why and how to fix it, `helpUri` its
  section of docs/checks.md (the copy shipped in the package, or `docs-url` from the
  configuration), `security-severity` for GitHub's ranking;
- every finding is a result located at its first object's file and line, the other objects as
  `relatedLocations`; a suppressed finding carries `suppressions` with its reason;
- the trace of each flow that shows a finding is a `codeFlow`: one `threadFlow` whose locations
  are the steps whose rule has a file and line (GitHub requires a physical location on each, and
  expands code flows on the alert), each with its node, action and detail as the message; the
  whole trace, located or not, stays in the result's `properties.traces`;
- `invocations[0]` says whether the run succeeded and its exit code; a run that could not
  analyse its input (`sarif_failure`) has `executionSuccessful: false` and every problem as a
  `toolExecutionNotification`, located, and no result;
- file paths are URIs: relative to `%SRCROOT%` (the working directory) or `file:` URIs, every
  character outside RFC 3986's unreserved set and `/` percent-encoded (spaces, `#`, non-ASCII).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from ..checks import Check, Finding, ObjectRef, Report
from ..checks.base import unknown_json
from ..engine.reach import Reach
from ..errors import Problem
from ..version import __version__
from .findings import trace_lines

__all__ = ["SCHEMA", "sarif", "sarif_failure", "sarif_level", "uri"]

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


def uri(file: str) -> dict[str, str]:
    """An `artifactLocation` for a file as crossfence names it: a `file:` URI when absolute, else
    a relative reference from `%SRCROOT%`; percent-encoded either way (RFC 3986)."""
    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(str(PurePosixPath(*path.parts)), safe="/"), "uriBaseId": "%SRCROOT%"}


def _physical(file: str, line: int | None, column: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": uri(file)}
    if line:
        physical["region"] = {"startLine": line, **({"startColumn": column} if column else {})}
    return physical


def _location(obj: ObjectRef) -> dict[str, Any]:
    logical = [
        {"name": obj.name, "kind": "resource", "fullyQualifiedName": f"{obj.kind}/{obj.name}"}
    ]
    text = f"{obj.kind} {obj.name}"
    if obj.address:
        # read from Terraform: the resource's address first, what a reviewer searches the code for
        logical.insert(
            0, {"name": obj.address, "kind": "resource", "fullyQualifiedName": obj.address}
        )
        text += f" ({obj.address})"
    return {
        "physicalLocation": _physical(obj.file or "", obj.line),
        "logicalLocations": logical,
        "message": {"text": text},
    }


def _rule(check: Check, docs: str | None) -> dict[str, Any]:
    anchor = check.doc.partition("#")[2]
    help_uri = f"{docs}#{anchor}" if docs else None
    where = help_uri or check.doc
    rule: dict[str, Any] = {
        "id": check.id,
        "name": "".join(part.title() for part in check.id.replace(".", "-").split("-")),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.why},
        "help": {
            "text": f"Why: {check.why}\n\nFix: {check.fix}\n\nDocumentation: {where}",
            "markdown": f"**Why**: {check.why}\n\n**Fix**: {check.fix}\n\n"
            + (f"[{check.doc}]({help_uri})" if help_uri else f"See `{check.doc}`."),
        },
        "defaultConfiguration": {"level": sarif_level(check.severity)},
        "properties": {
            "tags": ["security", check.family],
            "precision": "high",
            "problem.severity": "error" if sarif_level(check.severity) == "error" else "warning",
            "security-severity": _SECURITY_SEVERITY[check.severity],
        },
    }
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


def _code_flow(flow: Reach) -> dict[str, Any] | None:
    """The trace of one flow as a code flow: its located steps, in order."""
    verdict = "ALLOWED" if flow.allowed else "DENIED"
    locations: list[dict[str, Any]] = []
    for hop in flow.hops:
        for step in hop.steps:
            source = step.source
            if source is None or not source.file:
                continue
            locations.append(
                {
                    "location": {
                        "physicalLocation": _physical(source.file, source.line),
                        "message": {"text": f"{hop.node}: {step.action} {step.detail}"},
                    },
                    "executionOrder": len(locations) + 1,
                }
            )
    if not locations:
        return None  # a thread flow needs one location at least
    return {
        "message": {
            "text": f"{verdict} {flow.source} → {flow.destination} {flow.port} ({flow.disposition})"
        },
        "threadFlows": [{"locations": locations}],
    }


def _result(finding: Finding, index: int) -> dict[str, Any]:
    located = [o for o in finding.objects if o.file]
    text = finding.message
    if finding.explains:
        text += " Also: " + "; ".join(f"{f.check.id}: {f.message}" for f in finding.explains)
    if finding.unknowns:
        text += f" Unknown: it {finding.depends_on}."
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
    flows = [flow for flow in (_code_flow(f) for f in finding.flows) if flow is not None]
    if flows:
        result["codeFlows"] = flows
    if finding.flows:
        result["properties"]["traces"] = ["\n".join(trace_lines(flow)) for flow in finding.flows]
    if finding.unknowns:
        result["properties"]["unknowns"] = [unknown_json(u) for u in finding.unknowns]
    if finding.suppression is not None:
        result["suppressions"] = [
            {"kind": "inSource", "status": "accepted", "justification": finding.suppression.reason}
        ]
    return result


def _run(
    rules: Iterable[Check],
    docs: str | None,
    invocation: dict[str, Any],
    properties: dict[str, Any],
) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "crossfence", "version": __version__}
    if docs:
        driver["informationUri"] = docs
    driver["rules"] = [_rule(check, docs) for check in rules]
    return {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": {
            "%SRCROOT%": {"description": {"text": "The working directory crossfence ran in."}}
        },
        "properties": properties,
    }


def _log(run: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _docs(docs_url: str | None) -> str | None:
    """The page the rules' `helpUri` point into; None (no `helpUri`, the help text says
    `docs/checks.md`) when neither configured nor installed (a copy of the sources alone)."""
    if docs_url:
        return docs_url
    from ..examples import docs_path

    try:
        return docs_path("checks.md").as_uri()
    except FileNotFoundError:
        return None


def sarif(report: Report, exit_code: int = 0, docs_url: str | None = None) -> dict[str, Any]:
    """The report as one SARIF 2.1.0 log with one run: every check a rule, every finding a
    result; `exit_code` is the run's (1 when a finding fails `--fail-on`), `docs_url` the page
    of docs/checks.md the rules' `helpUri` point into (default: the copy in the package)."""
    docs = _docs(docs_url)
    index = {check.id: i for i, check in enumerate(report.checks)}
    run = _run(
        report.checks,
        docs,
        {"executionSuccessful": True, "exitCode": exit_code},
        {"blueprint": report.blueprint},
    )
    run["results"] = [
        _result(finding, index[finding.check.id])
        for finding in [*report.findings, *report.suppressed]
    ]
    return _log(run)


def _notification(problem: Problem) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error" if problem.severity == "error" else "warning",
        "message": {
            "text": f"{problem.path}: {problem.message}" if problem.path else problem.message
        },
        "descriptor": {"id": problem.code},
    }
    if problem.file:
        notification["locations"] = [
            {"physicalLocation": _physical(problem.file, problem.line, problem.column)}
        ]
    return notification


def sarif_failure(
    problems: Sequence[Problem], exit_code: int, docs_url: str | None = None
) -> dict[str, Any]:
    """A run that could not analyse its input: `executionSuccessful: false`, every problem a
    located `toolExecutionNotification`, no result (but the rules, as code scanning needs)."""
    from ..checks import REGISTRY

    invocation = {
        "executionSuccessful": False,
        "exitCode": exit_code,
        "toolExecutionNotifications": [_notification(p) for p in problems],
    }
    run = _run(REGISTRY.values(), _docs(docs_url), invocation, {})
    run["results"] = []
    return _log(run)
