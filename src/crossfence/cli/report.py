"""The `report` command of the `crossfence` command line: the HTML report, and the topology as DOT or Mermaid."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..inputs import is_manifests
from .common import (
    EXIT_OK,
    Outputs,
    Reports,
    Sink,
    build,
    checked_skips,
    err,
    read_blueprint,
)

__all__ = ["ReportFormat", "report"]


class ReportFormat(StrEnum):
    """Output formats of `report`."""

    html = "html"
    dot = "dot"
    mermaid = "mermaid"


def _matrix(topology: Any) -> Any:
    """The matrix through every layer (what `matrix` answers), with its progress bar."""
    from rich.progress import Progress

    from ..estate import connectivity

    with Progress(
        console=err.console(), transient=True, disable=len(topology.endpoints) < 200
    ) as progress:
        task = progress.add_task("matrix", total=None)
        return connectivity(
            topology, "all", lambda done, total: progress.update(task, completed=done, total=total)
        )


def report(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="A blueprint file or folder; with NEW, the blueprint before (OLD).",
            show_default=False,
        ),
    ],
    new: Annotated[
        Path | None,
        typer.Argument(
            metavar="NEW",
            help="The blueprint after: the report shows NEW and what changed from PATH.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        list[ReportFormat] | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output format: html (the default), dot or mermaid. Repeat it with -o to write "
            "several.",
            show_default=False,
        ),
    ] = None,
    output: Outputs = None,
    skip: Annotated[
        list[str] | None,
        typer.Option(
            "--skip",
            metavar="ID",
            help="A check id or family to skip in the findings (repeatable).",
        ),
    ] = None,
) -> None:
    """One self-contained HTML page of the estate: topology, reachability grid with traces,
    findings; with NEW, what changed. Or the topology as Graphviz DOT or Mermaid.

    The page needs no network: its script (Cytoscape.js), styles and data are inline. The
    topology nests clouds (with their jurisdiction), networks, subnets, clusters and workloads,
    with peerings, VPN tunnels and their BGP sessions, load-balancer backends and global
    namespaces; large groups start collapsed. The grid is the matrix through every layer (as
    `matrix`); a cell shows the trace of each of its ports (as `reach`) and highlights it on the
    topology. The findings are those of `check`, suppressed ones apart with their reason. With
    OLD NEW (`crossfence report OLD NEW -o report.html`), the flows that become allowed or denied
    and the findings that appear or go (as `diff`), drawn on the topology.

    --format dot or mermaid writes the topology alone, for documentation (`dot -Tsvg`, a
    Markdown ```mermaid block). Exit code 0 when the report is written, 2 on bad input (a
    folder of Kubernetes manifests too: report draws a blueprint's estate).
    """
    subject = f"{path} {new}" if new is not None else str(path)
    reports = Reports.plan("report", subject, fmt, output, ReportFormat)
    for given in (path, new):
        if given is not None and is_manifests(given):
            reports.fail(
                InputError.single(
                    f"{given} is a folder of Kubernetes/Istio manifests (expected a blueprint: "
                    "report draws a blueprint's estate; matrix, check and diff take a manifests "
                    "folder)",
                    code="usage",
                )
            )
    old_blueprint = read_blueprint(path, reports) if new is not None else None
    blueprint = read_blueprint(new if new is not None else path, reports)
    topology = build(blueprint, reports)
    shown = str(new if new is not None else path)
    graph: Any = None
    data: dict[str, Any] | None = None
    if "html" in reports.formats:
        from ..checks import run_checks
        from ..report.html import ReportInput, report_data

        try:
            diff = None
            if old_blueprint is not None:
                from ..checks.diff import diff as compare

                diff = compare(old_blueprint, blueprint)
            findings = run_checks(blueprint, topology, checked_skips(skip, reports))
            data = report_data(
                ReportInput(blueprint, topology, _matrix(topology), findings, shown, diff)
            )
        except InputError as error:
            reports.fail(error)
    else:
        from ..report.graph import topology_graph

        graph = topology_graph(blueprint, topology)

    def render(fmt: str, sink: Sink) -> None:
        nonlocal graph
        if fmt == "html":
            from ..report.html import render_html

            assert data is not None
            sink.stream.write(render_html(data))
            return
        from ..report.diagrams import to_dot, to_mermaid
        from ..report.graph import topology_graph

        if graph is None:
            graph = topology_graph(blueprint, topology)
        sink.stream.write(to_dot(graph, blueprint.name) if fmt == "dot" else to_mermaid(graph))

    reports.emit(render, EXIT_OK)
