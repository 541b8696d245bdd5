"""Text rendering of `reach` traces and `matrix` tables."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..engine.matrix import Matrix
from ..engine.reach import Reach

__all__ = ["render_matrix", "render_reach"]


def render_reach(result: Reach, console: Console) -> None:
    """The verdict, then each hop and its steps with the rule's source."""
    colour = "green" if result.allowed else "red"
    verdict = "ALLOWED" if result.allowed else "DENIED"
    console.print(
        f"[bold {colour}]{verdict}[/] {result.source} → {result.destination} {result.port}  ({result.disposition})"
    )
    for condition in result.conditions:
        console.print(f"  [yellow]only with[/] {escape(condition)}")
    for hop in result.hops:
        console.print(f"  [bold]{hop.node}[/]")
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
        table.add_row(a, b, escape(", ".join(services.format())))
    console.print(table)
    console.print("pairs not listed allow nothing")
