"""Markdown rendering of a `check` report (a pull-request comment) and of the check catalogue (docs/checks.md)."""

from __future__ import annotations

from collections.abc import Iterable

from ..checks import Check, Finding, Report
from .findings import summary_line, trace_lines

__all__ = ["catalogue", "markdown"]

_ICONS = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(finding: Finding) -> str:
    located = finding.location()
    return f"`{located.file}:{located.line}`" if located else ""


def markdown(report: Report) -> str:
    """A summary table of the findings, then each finding's fix and traces in a folded block."""
    lines = [f"### crossfence check: {report.blueprint}", "", summary_line(report), ""]
    if report.findings:
        lines += ["| | severity | check | finding | where |", "|---|---|---|---|---|"]
        for f in report.findings:
            lines.append(
                f"| {_ICONS[f.severity]} | {f.severity} | `{f.check.id}` | {_cell(f.message)} | {_where(f)} |"
            )
        lines.append("")
        for f in report.findings:
            lines += [f"<details><summary><code>{f.check.id}</code>: {f.check.title}</summary>", ""]
            lines += [f"- {obj}" for obj in f.objects]
            lines += [f"- also: `{e.check.id}`: {e.message}" for e in f.explains]
            lines += ["", f"**Fix**: {f.check.fix}", ""]
            for flow in f.flows:
                lines += ["```text", *trace_lines(flow), "```", ""]
            lines += ["</details>", ""]
    else:
        lines += ["No finding.", ""]
    if report.suppressed:
        lines += ["**Suppressed**", ""]
        lines += [
            f"- `{f.check.id}`: {f.message} — {f.suppression.reason if f.suppression else ''}"
            for f in report.suppressed
        ]
        lines.append("")
    return "\n".join(lines)


def catalogue(checks: Iterable[Check]) -> str:
    """docs/checks.md: every check with its id, severity, why and fix (generated; a test keeps it in sync)."""
    checks = list(checks)
    lines = [
        "# The checks",
        "",
        "Every check `crossfence check` runs, by family. Generated from the checks' own text by",
        "`crossfence.report.markdown.catalogue` (`tests/checks/test_catalogue.py` keeps this page in",
        "sync). Accept a finding with a [Suppression](blueprint.md#suppression); skip a check or a",
        "family with `--skip ID`.",
        "",
        "The checks marked *manifests* read only Kubernetes and Istio objects: they are the ones",
        "`crossfence check DIR` runs on a folder of manifests (one cluster). On a blueprint they",
        "read each cluster's own manifests (`clusters[].manifests`) with the blueprint's pods",
        "placed in that cluster, not the Istio objects crossfence derives from the blueprint's own",
        "fields (the mesh-wide mode of `clusters[].mesh`, a global namespace's PeerAuthentication",
        "and AuthorizationPolicies): those are blueprint settings, which the blueprint's checks",
        "read where they are written (`mesh.mtls-not-strict` for a global namespace's mode).",
        "",
        "| id | severity | title |",
        "|---|---|---|",
    ]
    lines += [
        f"| [`{c.id}`](#{c.id.replace('.', '')}) | {c.severity} | {_cell(c.title)}"
        + (" (*manifests*)" if c.on_manifests is not None else "")
        + " |"
        for c in checks
    ]
    for check in checks:
        runs_on = ", *manifests*" if check.on_manifests is not None else ""
        lines += [
            "",
            f"## {check.id}",
            "",
            f"**{check.severity}**{runs_on} — {check.title}.",
            "",
            f"Why: {check.why}",
            "",
            f"Fix: {check.fix}",
        ]
    return "\n".join(lines) + "\n"
