"""Markdown rendering of `diff`: the pull-request comment of a Terraform plan (flows newly allowed or denied, findings that appear or go)."""

from __future__ import annotations

from ..checks.base import SEVERITIES
from ..checks.diff import BlueprintDiff, FlowChange
from .findings import trace_lines
from .markdown import block, code, message, text, where

__all__ = ["diff_markdown"]

_ICONS = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}
ROWS = 50
"""Flows shown per table: a comment is read by people (and GitHub keeps 65,536 characters of it);
`--format json` has them all."""


def _cell_code(value: str) -> str:
    """User text as a code span in a table cell (GFM splits cells at pipes, even in code)."""
    return code(value).replace("|", "\\|")


def _services(services: list[str]) -> str:
    return ", ".join(_cell_code(s) for s in services) or "—"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _headline(result: BlueprintDiff) -> str:
    opened = [c for c in result.flows if c.added or c.added_if]
    closed = [c for c in result.flows if c.removed or c.removed_if]
    new = result.findings_added
    worst = min((SEVERITIES.index(f.severity) for f in new), default=None)
    parts = [
        f"**{_plural(len(opened), 'flow')} newly allowed**" if opened else "no flow newly allowed",
        f"{_plural(len(closed), 'flow')} newly denied",
        (
            f"**{_plural(len(new), 'new finding')}** (worst: {SEVERITIES[worst]})"
            if worst is not None
            else "no new finding"
        ),
        f"{_plural(len(result.findings_removed), 'finding')} resolved",
    ]
    pending = [c for c in result.flows if c.unknowns]
    if pending or any(side == "new" for side, _, _ in result.unknowns):
        parts.insert(
            0,
            f"**{_plural(len({u.address for _, u, _ in result.unknowns}), 'value')} known only "
            "after apply** (the flows they concern are unknown)",
        )
    icon = "🔴" if opened or new else "🟡" if result.opens else "🟢"
    return f"{icon} " + "; ".join(parts) + "."


def _unknown(result: BlueprintDiff) -> list[str]:
    """The values known only after apply, the endpoints they concern, and the changed flows that
    depend on them (neither opened nor closed: unknown)."""
    if not result.unknowns:
        return []
    lines = ["#### Known only after apply", "", "| value | side | pairs with |", "|---|---|---|"]
    for side, unknown, names in result.unknowns[:ROWS]:
        ends = ", ".join(_cell_code(n) for n in names) or "—"
        lines.append(f"| {_cell_code(unknown.address)} | {side} | {ends} |")
    lines += ["", "Every pair with one of these endpoints is unknown, listed or not."]
    pending = [c for c in result.flows if c.unknowns]
    if pending:
        lines += ["", "| from | to | with the stand-ins | depends on |", "|---|---|---|---|"]
        lines += [
            f"| {_cell_code(c.source)} | {_cell_code(c.destination)} | {_services(c.after)} | "
            f"{', '.join(_cell_code(a) for a in c.unknowns)} |"
            for c in pending[:ROWS]
        ]
    return [*lines, ""]


def _flows(title: str, changes: list[FlowChange], added: bool) -> list[str]:
    rows = []
    for change in changes:
        services = change.added if added else change.removed
        conditional = change.added_if if added else change.removed_if
        if services:
            rows.append(
                f"| {_cell_code(change.source)} | {_cell_code(change.destination)} | {_services(services)} | {_services(change.after if added else change.before)} |"
            )
        for entry in conditional:
            condition = "; ".join(entry.get("conditions", []))
            rows.append(
                f"| {_cell_code(change.source)} | {_cell_code(change.destination)} | {_services(list(entry.get('services', [])))} only with {text(condition)} | |"
            )
    if not rows:
        return []
    more = (
        ["", f"… and {len(rows) - ROWS} more (`--format json` lists them all)."]
        if len(rows) > ROWS
        else []
    )
    return [
        f"#### {title}",
        "",
        "| from | to | services | now allowed |",
        "|---|---|---|---|",
        *rows[:ROWS],
        *more,
        "",
    ]


def diff_markdown(result: BlueprintDiff) -> str:
    """What a reviewer reads before `terraform apply`: one headline, the flows newly allowed and
    denied (tables), the findings that appear (where: the Terraform address of the resource, with
    their fix and traces, folded) and go. User text is escaped: a name renders as written."""
    lines = [
        f"### crossfence diff: {code(result.old)} → {code(result.new)}",
        "",
        _headline(result),
        "",
    ]
    if result.empty:
        lines += ["No change in connectivity or findings.", ""]
        return "\n".join(lines)
    if result.endpoints_added or result.endpoints_removed:
        added = ", ".join(code(n) for n in result.endpoints_added) or "none"
        removed = ", ".join(code(n) for n in result.endpoints_removed) or "none"
        lines += [f"Endpoints added: {added}; removed: {removed}.", ""]
    lines += _flows("Newly allowed", result.flows, True)
    lines += _flows("Newly denied", result.flows, False)
    lines += _unknown(result)
    if result.findings_added:
        lines += [
            "#### New findings",
            "",
            "| | severity | check | finding | where |",
            "|---|---|---|---|---|",
        ]
        for f in result.findings_added:
            lines.append(
                f"| {_ICONS[f.severity]} | {f.severity} | `{f.check.id}` | {message(f)} | {where(f)} |"
            )
        lines.append("")
        for f in result.findings_added:
            lines += [f"<details><summary><code>{f.check.id}</code>: {f.check.title}</summary>", ""]
            lines += [f"- {text(str(obj))}" for obj in f.objects]
            lines += ["", f"**Why**: {f.check.why}", "", f"**Fix**: {f.check.fix}", ""]
            for flow in f.flows:
                lines += [*block(trace_lines(flow)), ""]
            lines += ["</details>", ""]
    if result.findings_removed:
        lines += ["#### Resolved findings", ""]
        lines += [f"- ~~`{f.check.id}`: {text(f.message)}~~" for f in result.findings_removed]
        lines.append("")
    if result.findings_unknown:
        lines += ["#### Findings that may still hold (gone with the stand-ins only)", ""]
        lines += [f"- `{f.check.id}`: {text(f.message)}" for f in result.findings_unknown]
        lines.append("")
    return "\n".join(lines)
