"""Markdown rendering of a `check` report (a pull-request comment) and of the check catalogue (docs/checks.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..checks import Check, Finding, Report
from .findings import summary_line, trace_lines
from .visible import visible

__all__ = ["block", "catalogue", "code", "markdown", "message", "text", "where"]

_ICONS = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}

# CommonMark lets a backslash escape any ASCII punctuation: user text (names, messages, paths)
# renders as written, never as emphasis, code, links, HTML or a table cell's end (a message's
# `/api/*` is no emphasis). User text never starts a line here, so `#`, `+`, `-` need none, and
# with `[` escaped `(` and `!` cannot make a link or an image.
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~&])")


def _text(text: str) -> str:
    """User text for Markdown: control characters visible, punctuation escaped, on one line."""
    return _PUNCTUATION.sub(r"\\\1", visible(text.replace("\n", " ")))


def _cell(text: str) -> str:
    """Our own Markdown (a check's title) in a table cell: pipes escaped, on one line."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """An inline code span of user text: a delimiter longer than its longest run of backticks."""
    text = visible(text.replace("\n", " "))
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def _block(lines: list[str]) -> list[str]:
    """A fenced code block of user text: a fence longer than any run of backticks in it."""
    lines = [visible(line) for line in lines]
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *lines, fence]


def where(finding: Finding) -> str:
    """Where a finding is, for a table cell: the Terraform address of its first located object
    (when read from Terraform), and its file and line."""
    located = finding.location()
    if located is None:
        return ""
    cell = _code(f"{located.file}:{located.line}")
    if located.address:
        cell = f"{_code(located.address)} {cell}"
    # GFM splits table cells at pipes before reading code spans: escape them there too
    return cell.replace("|", "\\|")


def message(finding: Finding) -> str:
    """A finding's message for a table cell, with what it depends on when a value is known only
    after apply."""
    text = _text(finding.message)
    if finding.unknowns:
        text += f" — **unknown**: {_text(finding.depends_on)}"
    return text


def markdown(report: Report) -> str:
    """A summary table of the findings, then each finding's fix and traces in a folded block."""
    lines = [f"### crossfence check: {_text(report.blueprint)}", "", summary_line(report), ""]
    if report.findings:
        lines += ["| | severity | check | finding | where |", "|---|---|---|---|---|"]
        for f in report.findings:
            lines.append(
                f"| {_ICONS[f.severity]} | {f.severity} | `{f.check.id}` | {message(f)} | {where(f)} |"
            )
        lines.append("")
        for f in report.findings:
            lines += [f"<details><summary><code>{f.check.id}</code>: {f.check.title}</summary>", ""]
            lines += [f"- {_text(str(obj))}" for obj in f.objects]
            lines += [f"- also: `{e.check.id}`: {_text(e.message)}" for e in f.explains]
            lines += ["", f"**Fix**: {f.check.fix}", ""]
            for flow in f.flows:
                lines += [*_block(trace_lines(flow)), ""]
            lines += ["</details>", ""]
    else:
        lines += ["No finding.", ""]
    if report.suppressed:
        lines += ["**Suppressed**", ""]
        lines += [
            f"- `{f.check.id}`: {_text(f.message)} — "
            f"{_text(f.suppression.reason) if f.suppression else ''}"
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


text = _text
"""User text for Markdown (`_text`): what other Markdown renderers escape theirs with."""
code = _code
"""An inline code span of user text (`_code`)."""
block = _block
"""A fenced code block of user text (`_block`)."""
