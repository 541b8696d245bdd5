"""The network commands of the `crossfence` command line: `reach` and `matrix`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..inputs import is_manifests
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    BlueprintPath,
    Outputs,
    OverlayOption,
    Quiet,
    Reports,
    Sink,
    build,
    err,
    format_option,
    read_blueprint,
    read_manifests,
    refuse_overlay,
    write_json,
)

__all__ = ["MatrixFormat", "ReachFormat", "matrix", "reach"]

# The engine and the renderers are imported when a command needs them: a command on Kubernetes
# manifests should not pay for the blueprint's machinery at start-up.


class ReachFormat(StrEnum):
    """Output formats of `reach`."""

    text = "text"
    json = "json"


class MatrixFormat(StrEnum):
    """Output formats of `matrix`."""

    text = "text"
    json = "json"
    csv = "csv"


_ENDPOINT = (
    "A workload or load balancer name, 'internet', or an IPv4 address "
    "(manifests: namespace/pod or an address)."
)


def reach(
    path: BlueprintPath,
    source: Annotated[str, typer.Option("--from", metavar="ENDPOINT", help=_ENDPOINT)],
    destination: Annotated[str, typer.Option("--to", metavar="ENDPOINT", help=_ENDPOINT)],
    port: Annotated[
        str,
        typer.Option(
            "--port", "-p", metavar="PROTO/PORT", help="Protocol and port: tcp/443, udp/53, icmp."
        ),
    ] = "tcp/443",
    method: Annotated[
        str | None,
        typer.Option("--method", metavar="METHOD", help="HTTP method, for mesh L7 policies."),
    ] = None,
    http_path: Annotated[
        str | None,
        typer.Option("--path", metavar="PATH", help="HTTP path, for mesh L7 policies."),
    ] = None,
    fmt: Annotated[
        list[ReachFormat] | None,
        format_option(ReachFormat),
    ] = None,
    output: Outputs = None,
    quiet: Quiet = False,
    overlay: OverlayOption = None,
) -> None:
    """Can SOURCE open a connection to DESTINATION on PORT? The verdict, and its trace.

    The trace goes through every layer: pod egress NetworkPolicy, cloud firewalls, routes,
    peering, VPN, ACLs, ingress NetworkPolicy, mesh. PATH may also be a folder of
    Kubernetes/Istio manifests (one cluster). Exit code 0 when allowed, 1 when denied or
    unknown, 2 on bad input. --quiet prints the verdict line only.

    On Terraform's JSON, an answer that depends on a value the plan does not know yet (an
    address allocated at apply, a rule's ranges known after apply) is UNKNOWN (JSON: verdict
    `unknown`), naming the Terraform address of each such value: never allowed or denied on a
    guess.
    """
    from ..engine.reach import Reach, parse_port
    from ..report.network import reach_json, render_reach

    reports = Reports.plan(
        "reach", f"{path} --from {source} --to {destination}", fmt, output, ReachFormat, quiet
    )
    unknowns: tuple[Any, ...] = ()
    try:
        if is_manifests(path):
            refuse_overlay(path, reports, overlay)
            result = _manifest_reach(path, reports, source, destination, port, method, http_path)
        else:
            from ..engine.layers import layered_reach

            blueprint = read_blueprint(path, reports, overlay)
            parse_port(port)
            topology = build(blueprint, reports)
            result = layered_reach(topology, source, destination, port, method, http_path)
            if blueprint.unknowns:
                from ..estate import unknowns_in

                unknowns = unknowns_in(blueprint, result, topology)
    except InputError as error:
        reports.fail(error)
    assert isinstance(result, Reach)

    def render(fmt: str, sink: Sink) -> None:
        if fmt == "json":
            write_json(reach_json(result, unknowns), sink.stream)
        else:
            render_reach(result, sink.console(), quiet, unknowns)

    reports.emit(render, EXIT_OK if result.allowed and not unknowns else EXIT_FINDINGS)


def _manifest_reach(
    path: Path,
    reports: Reports,
    source: str,
    destination: str,
    port: str,
    method: str | None,
    http_path: str | None,
) -> Any:
    from ..engine.manifest_reach import manifest_reach
    from ..engine.reach import parse_port

    parse_port(port)
    cluster = read_manifests(path, reports)
    return manifest_reach(cluster, source, destination, port, method, http_path)


class Layers(StrEnum):
    """What `matrix` looks through."""

    all = "all"
    network = "network"


def _blueprint_matrix(
    path: Path, reports: Reports, layers: Layers, overlays: list[Path] | None
) -> tuple[Any, Any, list[Any]]:
    from rich.progress import Progress

    from ..estate import connectivity, unknown_endpoints

    blueprint = read_blueprint(path, reports, overlays)
    topology = build(blueprint, reports)
    unknowns = unknown_endpoints(blueprint, topology) if blueprint.unknowns else []
    with Progress(
        console=err.console(), transient=True, disable=len(topology.endpoints) < 200
    ) as progress:
        task = progress.add_task("matrix", total=None)
        result = connectivity(
            topology,
            layers.value,
            lambda done, total: progress.update(task, completed=done, total=total),
        )
    return result, topology, unknowns


def matrix(
    path: BlueprintPath,
    fmt: Annotated[
        list[MatrixFormat] | None,
        format_option(MatrixFormat),
    ] = None,
    output: Outputs = None,
    layers: Annotated[
        Layers,
        typer.Option(
            "--layers",
            help="all: the cloud network, NetworkPolicy and the mesh (what reach answers); "
            "network: the cloud network alone.",
        ),
    ] = Layers.all,
    quiet: Quiet = False,
    overlay: OverlayOption = None,
) -> None:
    """Connectivity between every pair of endpoints (and the internet), per protocol and port.

    Through every layer by default, as `reach` answers: services allowed only for some requests
    (an IAP token, HTTP methods and paths) are listed apart (`allowed_if`). An absent pair allows
    nothing. A large matrix prints as a summary by network and cluster in text; CSV and JSON
    always list every pair. PATH may also be a folder of Kubernetes/Istio manifests (one
    cluster): the matrix of its NetworkPolicies. --quiet prints nothing in text (the exit code
    says the input was valid).

    On Terraform's JSON, the values the plan does not know yet are listed with the endpoints
    they concern (JSON: `unknowns`): every pair with one of them, listed or not, is unknown.
    """
    from ..report import SCHEMA_VERSION

    header: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    reports = Reports.plan("matrix", str(path), fmt, output, MatrixFormat, quiet)
    kube: Any = None
    groups: dict[str, str] | None = None
    unknowns: list[Any] = []
    if is_manifests(path):
        from ..providers.kubernetes import connectivity as kube_connectivity

        refuse_overlay(path, reports, overlay)
        kube = kube_connectivity(read_manifests(path, reports))
        result: Any = None
    else:
        result, topology, unknowns = _blueprint_matrix(path, reports, layers, overlay)
        from ..report.network import endpoint_groups

        groups = endpoint_groups(topology)
        if unknowns:
            from ..report.network import unknown_json

            header["unknowns"] = [
                {**unknown_json(u), "endpoints": sorted(names)} for u, names in unknowns
            ]

    def table() -> Any:
        nonlocal result
        if result is None:
            from ..algebra.packets import ServiceSet
            from ..engine.matrix import Matrix

            result = Matrix(
                list(kube.endpoints),
                {(a, b): ServiceSet.from_strings(allowed) for a, b, allowed in kube.connections()},
                layers="kubernetes",
            )
        return result

    def render(fmt: str, sink: Sink) -> None:
        if fmt == "json":
            # streamed: millions of pairs never sit in memory twice
            if kube is not None:
                kube.write(sink.stream, header)
            else:
                result.write_json(sink.stream, header=header)
        elif fmt == "csv":
            import csv
            import json

            writer = csv.writer(sink.stream)
            writer.writerow(["from", "to", "allowed", "allowed_if"])
            # a row at a time from the arrays: a large matrix is never held as a dict
            for a, b, allowed, allowed_if in table().rows():
                writer.writerow(
                    [a, b, " ".join(allowed), json.dumps(allowed_if) if allowed_if else ""]
                )
        elif not quiet:
            from ..report.network import render_matrix, render_unknown_pairs

            render_matrix(table(), sink.console(), groups)
            render_unknown_pairs(unknowns, len(table().endpoints), sink.console())

    if unknowns and "csv" in reports.formats:
        from ..report.network import render_unknown_pairs

        # CSV has rows only: what is unknown is said on standard error
        render_unknown_pairs(unknowns, len(result.endpoints), err.console())
    reports.emit(render, EXIT_OK)
