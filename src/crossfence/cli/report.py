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
    OverlayOption,
    Reports,
    Sink,
    build,
    checked_skips,
    err,
    folder_name,
    read_blueprint,
    read_manifests,
    refuse_overlay,
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
            help="A blueprint file or folder, or a folder of Kubernetes/Istio manifests (one "
            "cluster); with NEW, the one before (OLD).",
            show_default=False,
        ),
    ],
    new: Annotated[
        Path | None,
        typer.Argument(
            metavar="NEW",
            help="The blueprint (or manifests folder) after: the report shows NEW and what "
            "changed from PATH.",
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
    overlay: OverlayOption = None,
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
    Markdown ```mermaid block). Exit code 0 when the report is written, 2 on bad input.

    PATH (and NEW) may be Terraform's JSON (`terraform show -json` of a plan or state), with
    --overlay for what Terraform does not hold, as for `check`.

    PATH may also be a folder of Kubernetes/Istio manifests (one cluster): its namespaces and
    pods, the NetworkPolicy matrix of `matrix DIR` with `reach DIR`'s traces between pods, the
    findings of `check DIR`; OLD NEW two such folders.
    """
    subject = f"{path} {new}" if new is not None else str(path)
    reports = Reports.plan("report", subject, fmt, output, ReportFormat)
    shown = new if new is not None else path
    if new is not None and is_manifests(path) != is_manifests(new):
        manifests, blueprint_path = (path, new) if is_manifests(path) else (new, path)
        reports.fail(
            InputError.single(
                f"{manifests} is a folder of Kubernetes/Istio manifests and {blueprint_path} a "
                "blueprint (expected two blueprints, or two manifests folders)",
                code="usage",
            )
        )
    html = "html" in reports.formats
    try:
        if is_manifests(shown):
            refuse_overlay(shown, reports, overlay)
            name, graph, data = _manifests(path, new, reports, skip, html)
        else:
            name, graph, data = _blueprint(path, new, reports, skip, html, overlay)
    except InputError as error:
        reports.fail(error)

    def render(fmt: str, sink: Sink) -> None:
        if fmt == "html":
            from ..report.html import render_html

            assert data is not None
            sink.stream.write(render_html(data))
            return
        from ..report.diagrams import to_dot, to_mermaid

        sink.stream.write(to_dot(graph, name) if fmt == "dot" else to_mermaid(graph))

    reports.emit(render, EXIT_OK)


def _blueprint(
    path: Path,
    new: Path | None,
    reports: Reports,
    skip: list[str] | None,
    html: bool,
    overlays: list[Path] | None = None,
) -> tuple[str, Any, dict[str, Any] | None]:
    """The name, topology graph and (for html) island of a blueprint, or of NEW against OLD."""
    from ..report.graph import topology_graph

    old_blueprint = read_blueprint(path, reports, overlays) if new is not None else None
    blueprint = read_blueprint(new if new is not None else path, reports, overlays)
    topology = build(blueprint, reports)
    graph = topology_graph(blueprint, topology)
    if not html:
        return blueprint.name, graph, None
    from ..checks import run_checks
    from ..report.html import ReportInput, report_data

    diff = None
    if old_blueprint is not None:
        from ..checks.diff import diff as compare

        diff = compare(old_blueprint, blueprint)
    findings = run_checks(blueprint, topology, checked_skips(skip, reports))
    shown = str(new if new is not None else path)
    given = ReportInput(blueprint, topology, _matrix(topology), findings, shown, diff)
    return blueprint.name, graph, report_data(given)


def _manifests(
    path: Path, new: Path | None, reports: Reports, skip: list[str] | None, html: bool
) -> tuple[str, Any, dict[str, Any] | None]:
    """The same for a folder of Kubernetes/Istio manifests (one cluster): its namespaces and
    pods, `matrix DIR`, `check DIR`, `diff OLD NEW` of two folders."""
    from ..providers.kubernetes import connectivity
    from ..report.graph import cluster_graph

    shown = new if new is not None else path
    old_cluster = read_manifests(path, reports) if new is not None else None
    cluster = read_manifests(shown, reports)
    name = folder_name(shown)
    kube = connectivity(cluster)
    graph = cluster_graph(cluster, name, list(kube.endpoints))
    if not html:
        return name, graph, None
    from ..checks import run_manifest_checks
    from ..checks.diff import diff_manifests
    from ..report.html import ManifestInput, manifest_report_data

    diff = None
    if old_cluster is not None:
        diff = diff_manifests(old_cluster, cluster, str(path), str(shown))
    findings = run_manifest_checks(cluster, name, str(shown), checked_skips(skip, reports))
    given = ManifestInput(cluster, name, str(shown), kube, findings, diff)
    return name, graph, manifest_report_data(given)
