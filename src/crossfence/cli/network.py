"""The network commands of the `crossfence` command line: `reach` and `matrix`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..inputs import is_manifests
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    BlueprintPath,
    OverlayOption,
    TextOrJson,
    build,
    err,
    fail_input,
    out,
    read_blueprint,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["MatrixFormat", "matrix", "reach"]

# The engine and the renderers are imported when a command needs them: a command on Kubernetes
# manifests should not pay for the blueprint's machinery at start-up.


def render_reach(result: Any, console: Console) -> None:
    from ..report.network import render_reach as render

    render(result, console)


def render_matrix(result: Any, console: Console) -> None:
    from ..report.network import render_matrix as render

    render(result, console)


class MatrixFormat(StrEnum):
    """Output formats of `matrix`."""

    text = "text"
    json = "json"
    csv = "csv"


def _topology(path: Path, fmt: str = "text", overlays: list[Path] | None = None) -> Any:
    return build(read_blueprint(path, fmt, overlays))


def reach(
    path: BlueprintPath,
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="Workload or load balancer name, 'internet', or an IP address (manifests: namespace/pod).",
        ),
    ],
    destination: Annotated[
        str,
        typer.Option(
            "--to",
            help="Workload or load balancer name, 'internet', or an IP address (manifests: namespace/pod).",
        ),
    ],
    port: Annotated[
        str, typer.Option("--port", "-p", help="Protocol and port: tcp/443, udp/53, icmp.")
    ] = "tcp/443",
    method: Annotated[
        str | None, typer.Option("--method", help="HTTP method, for mesh L7 policies.")
    ] = None,
    http_path: Annotated[
        str | None, typer.Option("--path", help="HTTP path, for mesh L7 policies.")
    ] = None,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="Output format.")
    ] = TextOrJson.text,
    overlay: OverlayOption = None,
) -> None:
    """Can SOURCE open a connection to DESTINATION on PORT? The verdict and a trace through every layer:
    pod egress NetworkPolicy, cloud firewalls, routes, peering, VPN, ACLs, ingress NetworkPolicy, mesh.

    PATH may also be a folder of Kubernetes/Istio manifests (one cluster). Exit code 0 when
    allowed, 1 when denied, 2 on bad input.
    """
    from ..engine.reach import Reach, parse_port

    try:
        if is_manifests(path):
            result = _manifest_reach(path, source, destination, port, method, http_path)
        else:
            from ..engine.layers import layered_reach

            blueprint = read_blueprint(path, fmt.value, overlay)
            parse_port(port)
            result = layered_reach(build(blueprint), source, destination, port, method, http_path)
    except InputError as error:
        fail_input(error, fmt)
    assert isinstance(result, Reach)
    if fmt is TextOrJson.json:
        out.print_json(json.dumps(result.to_json()))
    else:
        render_reach(result, out.console())
    raise typer.Exit(EXIT_OK if result.allowed else EXIT_FINDINGS)


def _manifest_reach(
    path: Path, source: str, destination: str, port: str, method: str | None, http_path: str | None
) -> Any:
    from ..engine.path import Hop, Step
    from ..engine.reach import Reach, parse_port
    from ..ir.types import Source
    from ..providers.kubernetes import explain, load_manifests

    protocol, number = parse_port(port)
    verdict = explain(
        load_manifests(path), source, destination, protocol, number, method, http_path
    )
    hops: list[Hop] = []
    for step in verdict.steps:
        where = step.source.rsplit(":", 1) if step.source else None
        origin = (
            Source(step.layer, None, where[0], int(where[1]))
            if where and where[1].isdigit()
            else None
        )
        action = f"{step.layer.upper().replace(' ', '_')}_{step.action.upper()}"
        node = source if step.layer.startswith("egress") else destination
        if hops and hops[-1].node == node:
            hops[-1].steps.append(Step(action, step.detail, origin))
        else:
            hops.append(Hop(node, [Step(action, step.detail, origin)]))
    disposition = (
        "DELIVERED" if verdict.allowed else f"DENIED_{verdict.decided_by.upper().replace(' ', '_')}"
    )
    return Reach(
        source, destination, port.lower(), verdict.allowed, disposition, hops, [*verdict.conditions]
    )


def _network_matrix(path: Path, fmt: str, overlays: list[Path] | None = None) -> Any:
    from rich.progress import Progress

    from ..engine.matrix import connectivity

    topology = _topology(path, fmt, overlays)
    with Progress(
        console=err.console(), transient=True, disable=len(topology.endpoints) < 200
    ) as progress:
        task = progress.add_task("matrix", total=None)
        return connectivity(
            topology, lambda done, total: progress.update(task, completed=done, total=total)
        )


def matrix(
    path: BlueprintPath,
    fmt: Annotated[
        MatrixFormat, typer.Option("--format", "-f", help="Output format.")
    ] = MatrixFormat.text,
    overlay: OverlayOption = None,
) -> None:
    """Connectivity between every pair of endpoints (and the internet), per protocol and port."""
    if is_manifests(path):
        from ..providers.kubernetes import connectivity as kube_connectivity
        from ..providers.kubernetes import load_manifests

        try:
            kube = kube_connectivity(load_manifests(path))
        except InputError as error:
            fail_input(error, TextOrJson.json if fmt is MatrixFormat.json else TextOrJson.text)
        if fmt is MatrixFormat.json:
            kube.write(sys.stdout)
            sys.stdout.write("\n")
            return
        from ..algebra.packets import ServiceSet
        from ..engine.matrix import Matrix

        result = Matrix(
            list(kube.endpoints),
            {(a, b): ServiceSet.from_strings(allowed) for a, b, allowed in kube.connections()},
        )
    else:
        result = _network_matrix(path, fmt.value, overlay)
    if fmt is MatrixFormat.json:
        result.write_json(sys.stdout)  # streamed: millions of pairs never sit in memory twice
    elif fmt is MatrixFormat.csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(["from", "to", "allowed"])
        for (a, b), services in result.connections.items():
            writer.writerow([a, b, " ".join(services.format())])
    else:
        render_matrix(result, out.console())
