"""Text and JSON rendering of a `check` report: findings grouped by severity, each with its objects and traces.

The JSON shape (`crossfence check --format json`), stable::

    {"schema_version": 1, "blueprint": str, "path": str | null,
     "summary": {"checks": int, "critical": int, "high": int, "medium": int, "low": int,
                 "info": int, "suppressed": int},
     "checks": [{"id", "severity", "title", "why", "fix", "doc"}],
     "skipped": [str],
     "findings": [Finding],
     "suppressed": [Finding],
     "unused_suppressions": [{"check", "objects", "reason", "file", "line"}]}

    Finding = {"check": str, "severity": str, "title": str, "message": str,
               "objects": [{"kind", "name", "file", "line"}],
               "traces": [reach JSON: {"from", "to", "port", "verdict", "disposition",
                          "conditions", "hops": [{"node", "steps": [{"action", "detail", "source"}]}]}],
               "explains": [{"check", "message", "objects"}],
               "suppressed": {"reason": str},          # only in "suppressed"
               "unknowns": [{"address", "path", "file", "line", "column", "stand_in"}]}
                                                       # Terraform input: only when it depends on one

Its JSON Schema is `crossfence schema check` (`report/schemas.py`). `unused_suppressions` are the blueprint's suppressions that matched no finding of a check that
ran (stale, or a typo in `objects`). `summary` counts active findings (not suppressed). `explains` lists the findings folded into
this one because the same mistake causes them (a broken intent, a contradicted mesh policy).
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

from ..checks import Check, Finding, Report
from ..checks.base import SEVERITIES
from ..engine.reach import Reach
from . import SCHEMA_VERSION

__all__ = [
    "checks_json",
    "render_checks",
    "render_report",
    "report_document",
    "report_json",
    "summary_line",
    "trace_lines",
]

_COLOURS = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def report_document(report: Report) -> dict[str, object]:
    """The documented JSON shape, as a dict (the HTML report's findings are this too)."""
    return {"schema_version": SCHEMA_VERSION, **report.to_json()}


def report_json(report: Report) -> str:
    """The documented JSON shape, indented."""
    return json.dumps(report_document(report), indent=2)


def summary_line(report: Report) -> str:
    """`3 findings (1 critical, 2 high), 1 suppressed; 24 checks`."""
    counts = {s: n for s, n in report.counts().items() if n}
    total = len(report.findings)
    parts = f" ({', '.join(f'{n} {s}' for s, n in counts.items())})" if counts else ""
    noun = "finding" if total == 1 else "findings"
    return (
        f"{total} {noun}{parts}, {len(report.suppressed)} suppressed; {len(report.checks)} checks"
    )


def trace_lines(flow: Reach) -> list[str]:
    """A reach trace as plain lines: the verdict, then each hop with its steps and sources."""
    verdict = "ALLOWED" if flow.allowed else "DENIED"
    lines = [f"{verdict} {flow.source} → {flow.destination} {flow.port}  ({flow.disposition})"]
    lines += [f"  only with {condition}" for condition in flow.conditions]
    for hop in flow.hops:
        lines.append(f"  {hop.node}")
        for step in hop.steps:
            lines.append(f"    {step.action:<22} {step.detail}")
            if step.source is not None:
                lines.append(f"    {'':<22} ↳ {step.source}")
    return lines


def _finding(finding: Finding, console: Console, traces: bool) -> None:
    label = f"({finding.severity}) " if finding.suppression is not None else ""
    console.print(f"  {label}[bold]{escape(finding.check.id)}[/]  {escape(finding.check.title)}")
    console.print(f"    {escape(finding.message)}")
    if finding.unknowns:
        console.print(f"    [yellow]unknown: {escape(finding.depends_on)}[/]")
        for unknown in finding.unknowns:
            console.print(f"    [dim]  {escape(str(unknown))}[/]")
    for obj in finding.objects:
        console.print(f"    [dim]↳ {escape(str(obj))}[/]")
    if finding.suppression is not None:
        console.print(f"    [dim]suppressed: {escape(finding.suppression.reason)}[/]")
        return
    for folded in finding.explains:
        console.print(f"    also: {escape(folded.check.id)}: {escape(folded.message)}")
    console.print(f"    fix: {escape(finding.check.fix)}")
    console.print(f"    [dim]doc: {escape(finding.check.doc)}[/]")
    if traces:
        for flow in finding.flows:
            for line in trace_lines(flow):
                console.print(escape(f"    {line}"))


def _one_line(finding: Finding) -> str:
    """`HIGH check-id: message (file:line)`: a finding as `--quiet` prints it."""
    located = finding.location()
    where = ""
    if located is not None and located.file:
        where = f" ({located.file}:{located.line})" if located.line else f" ({located.file})"
    unknown = f" (unknown: {finding.depends_on})" if finding.unknowns else ""
    return f"{finding.severity.upper()} {finding.check.id}: {finding.message}{unknown}{where}"


def render_report(
    report: Report, console: Console, traces: bool = True, quiet: bool = False
) -> None:
    """Findings grouped by severity, most severe first, then the suppressed ones, then the
    summary; `quiet`: one line per active finding and nothing else (nothing when none)."""
    if quiet:
        for finding in report.findings:
            # one finding, one line, however long: `grep` and `wc -l` read it
            console.print(
                escape(_one_line(finding)), style=_COLOURS[finding.severity], soft_wrap=True
            )
        return
    where = f" ({escape(report.origin)})" if report.origin not in (None, report.blueprint) else ""
    console.print(f"[bold]{escape(report.blueprint)}[/]{where}: {escape(summary_line(report))}")
    for severity in SEVERITIES:
        group = [f for f in report.findings if f.severity == severity]
        if not group:
            continue
        console.print(f"[{_COLOURS[severity]}]{severity.upper()}[/]")
        for finding in group:
            _finding(finding, console, traces)
    if report.suppressed:
        console.print("[dim]SUPPRESSED[/]")
        for finding in report.suppressed:
            _finding(finding, console, traces=False)
    for suppression in report.unused_suppressions:
        where = suppression.defined_at
        at = f"{where.file}:{where.line}: " if where is not None else ""
        console.print(
            escape(
                f"warning: {at}suppression of {suppression.check}"
                + (f" for {', '.join(suppression.objects)}" if suppression.objects else "")
                + " matched no finding (remove it: it would hide a future one)"
            ),
            style="yellow",
        )
    if not report.findings:
        console.print("[green]no finding[/]")


def _check_json(check: Check) -> dict[str, object]:
    return {**check.to_json(), "family": check.family, "manifests": check.on_manifests is not None}


def checks_json(checks: list[Check]) -> dict[str, object]:
    """`crossfence checks --format json`: `{"schema_version", "checks": [{"id", "severity",
    "title", "why", "fix", "doc", "family", "manifests"}]}` (`crossfence schema checks`)."""
    return {"schema_version": SCHEMA_VERSION, "checks": [_check_json(c) for c in checks]}


def render_checks(checks: list[Check], console: Console, quiet: bool = False) -> None:
    """The checks as a table (id, severity, family, title); `quiet`: their ids, one a line."""
    if quiet:
        for check in checks:
            console.print(check.id)
        return
    from rich.table import Table

    table = Table(title=f"{len(checks)} checks", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("severity")
    table.add_column("family")
    table.add_column("title")
    for check in checks:
        title = check.title + (" (also on manifests)" if check.on_manifests is not None else "")
        table.add_row(
            escape(check.id),
            f"[{_COLOURS[check.severity]}]{check.severity}[/]",
            escape(check.family),
            escape(title),
        )
    console.print(table)
    console.print("why and how to fix each: crossfence checks --format json, or docs/checks.md")
