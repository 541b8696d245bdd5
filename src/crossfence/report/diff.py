"""Text and JSON rendering of `diff`: flows that become allowed or denied, findings that appear or go.

The JSON shape (`crossfence diff OLD NEW --format json`), stable::

    {"schema_version": 1, "old": str, "new": str,
     "endpoints": {"added": [str], "removed": [str]},
     "flows": [{"from", "to", "added": [service], "removed": [service],
                "before": [service], "after": [service],
                "unknowns": [address]}],               # Terraform: a change known after apply
     "findings": {"added": [Finding], "removed": [Finding],
                  "unknown": [Finding]},               # Terraform: gone with the stand-ins only
     "unknowns": [{"address", "path", "file", "line", "column", "stand_in",
                   "side": "old" | "new", "endpoints": [str]}]}   # Terraform only

Services are written as in `matrix` (`TCP/443`, `UDP/53`, `TCP` for every TCP port, `*`);
`Finding` is the shape of `check --format json`. Flows compare endpoints common to both. A pair
with an endpoint whose answers depend on a value a plan knows only after apply is unknown (see
docs/terraform.md). Its JSON Schema is `crossfence schema diff` (`report/schemas.py`).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from ..checks.diff import BlueprintDiff
from . import SCHEMA_VERSION

__all__ = ["diff_json", "render_diff"]


def diff_json(result: BlueprintDiff) -> dict[str, Any]:
    """The documented JSON shape."""
    return {"schema_version": SCHEMA_VERSION, **result.to_json()}


def render_diff(result: BlueprintDiff, console: Console, quiet: bool = False) -> None:
    """Flows newly allowed (+) and newly denied (-), then findings that appear and go;
    `quiet`: the changes only, without headings (nothing when there is none)."""
    if not quiet:
        console.print(f"[bold]{escape(result.old)}[/] → [bold]{escape(result.new)}[/]")
    if result.empty:
        if not quiet:
            console.print("no change in connectivity or findings")
        return
    for name in result.endpoints_added:
        console.print(f"[green]+ endpoint[/] {escape(name)}")
    for name in result.endpoints_removed:
        console.print(f"[red]- endpoint[/] {escape(name)}")
    if result.flows and not quiet:
        console.print("[bold]Flows[/]")
    for change in result.flows:
        pair = f"{change.source} → {change.destination}"
        if change.added:
            console.print(
                f"  [green]+ allowed[/] {escape(pair)}  {escape(', '.join(change.added))}"
            )
        if change.removed:
            console.print(
                f"  [red]- denied [/] {escape(pair)}  {escape(', '.join(change.removed))}"
            )
        if change.unknowns:
            stand_ins = ", ".join(change.after) or "nothing"
            console.print(
                f"  [yellow]? unknown[/] {escape(pair)}  depends on "
                f"{escape(', '.join(change.unknowns))} (with the stand-ins: {escape(stand_ins)})"
            )
    for side, unknown, names in result.unknowns:
        who = f"pairs with {', '.join(names)}" if names else "no pair"
        console.print(
            f"[yellow]unknown[/] ({side}): {escape(who)}: depends on {escape(str(unknown))}"
        )
    if (result.findings_added or result.findings_removed or result.findings_unknown) and not quiet:
        console.print("[bold]Findings[/]")
    for finding in result.findings_added:
        console.print(
            f"  [red]+ {finding.severity}[/] {escape(finding.check.id)}: {escape(finding.message)}"
        )
    for finding in result.findings_removed:
        console.print(
            f"  [green]- {finding.severity}[/] {escape(finding.check.id)}: {escape(finding.message)}"
        )
    for finding in result.findings_unknown:
        console.print(
            f"  [yellow]? {finding.severity}[/] {escape(finding.check.id)}: "
            f"{escape(finding.message)} (gone with the stand-ins only: it depends on a value "
            "known after apply)"
        )
