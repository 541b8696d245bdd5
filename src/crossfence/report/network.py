"""Text rendering of `reach` traces and `matrix` tables, and their JSON documents."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..engine.matrix import Matrix
from ..engine.reach import Reach
from . import SCHEMA_VERSION

__all__ = ["reach_json", "render_matrix", "render_reach", "verdict_line"]


def reach_json(result: Reach) -> dict[str, Any]:
    """The documented JSON shape of `reach --format json` (`crossfence schema reach`)."""
    return {"schema_version": SCHEMA_VERSION, **result.to_json()}


def verdict_line(result: Reach) -> str:
    """`ALLOWED a → b tcp/443  (DELIVERED)`, as plain text."""
    verdict = "ALLOWED" if result.allowed else "DENIED"
    return f"{verdict} {result.source} → {result.destination} {result.port}  ({result.disposition})"


def render_reach(result: Reach, console: Console, quiet: bool = False) -> None:
    """The verdict, then each hop and its steps with the rule's source; `quiet`: the verdict."""
    colour = "green" if result.allowed else "red"
    verdict, _, rest = verdict_line(result).partition(" ")
    console.print(f"[bold {colour}]{verdict}[/] {escape(rest)}")
    if quiet:
        return
    for condition in result.conditions:
        console.print(f"  [yellow]only with[/] {escape(condition)}")
    for hop in result.hops:
        console.print(f"  [bold]{escape(hop.node)}[/]")
        for step in hop.steps:
            style = "red" if step.action.startswith("DROP") or "denied" in step.detail else ""
            line = escape(f"    {step.action:<22} {step.detail}")
            console.print(f"[{style}]{line}[/]" if style else line)
            if step.source is not None:
                console.print(f"    {'':<22} [dim]↳ {escape(str(step.source))}[/]")


def render_matrix(matrix: Matrix, console: Console) -> None:
    """One row per allowed pair."""
    title = f"Connectivity ({len(matrix.endpoints)} endpoints)"
    if not matrix.connections:
        # an empty table would wrap its title to the width of three column headers
        console.print(f"{title}: no pair of endpoints allows anything")
        return
    table = Table(title=title, title_justify="left")
    table.add_column("from")
    table.add_column("to")
    table.add_column("allowed")
    for (a, b), services in sorted(matrix.connections.items()):
        table.add_row(escape(a), escape(b), escape(", ".join(services.format())))
    console.print(table)
    console.print("pairs not listed allow nothing")
