"""The `crossfence` command line: parse arguments, call one library function, render, choose the exit code."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from . import __version__
from .errors import CrossfenceError, InputError, UnsupportedError
from .examples import example_path
from .inputs import is_manifests

if TYPE_CHECKING:
    from rich.console import Console

# The model (pydantic), the engine and the renderers are imported when a command needs them: a
# command on Kubernetes manifests should not pay for the blueprint's machinery at start-up.


def load(path: Path) -> Any:
    from .model import load as load_blueprint

    return load_blueprint(path)


def json_schema() -> dict[str, Any]:
    from .model import json_schema as blueprint_schema

    return blueprint_schema()


def render_summary(blueprint: Any, console: Console) -> None:
    from .report.summary import render_summary as render

    render(blueprint, console)


def summary_json(blueprint: Any) -> dict[str, Any]:
    from .report.summary import summary_json as summarise

    return summarise(blueprint)


def render_reach(result: Any, console: Console) -> None:
    from .report.network import render_reach as render

    render(result, console)


def render_matrix(result: Any, console: Console) -> None:
    from .report.network import render_matrix as render

    render(result, console)


app = typer.Typer(
    name="crossfence",
    help=(
        "One blueprint for a multi-cloud estate: validate it, ask who can reach what and why "
        "across cloud firewalls, Kubernetes NetworkPolicy and the service mesh."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Piped output (CI logs, `make demo | less`) gets a readable width instead of Rich's 80 columns.
_WIDTH = None if sys.stdout.isatty() else 120


class _Lazy:
    """A Rich console made on first use: `matrix DIR --format json` prints no Rich at all, and
    importing Rich's console costs ~50 ms of every run."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console(), name)


out: Any = _Lazy(highlight=False, width=_WIDTH)
err: Any = _Lazy(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class TextOrJson(StrEnum):
    """Output formats of commands that print a report."""

    text = "text"
    json = "json"


BlueprintPath = Annotated[
    Path,
    typer.Argument(
        help="A blueprint file, or a folder of blueprint files merged into one.",
        show_default=False,
    ),
]


def _fail_input(error: InputError, fmt: TextOrJson = TextOrJson.text) -> NoReturn:
    if fmt is TextOrJson.json:
        payload = {"valid": False, "problems": [p.to_json() for p in error.problems]}
        out.print_json(json.dumps(payload))
    else:
        for problem in error.problems or []:
            style = "red" if problem.severity == "error" else "yellow"
            err.print(f"[{style}]{problem.severity}[/]: {problem}", markup=True, highlight=False)
        if not error.problems:
            err.print(f"[red]error[/]: {error.summary}")
        count = len(error.errors) or 1
        err.print(f"[red]{count} error{'s' if count != 1 else ''}[/]; nothing was done.")
    raise typer.Exit(EXIT_INPUT)


def _version(value: bool) -> None:
    if value:
        out.print(f"crossfence {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """crossfence — multi-cloud reachability and security checks with traces.

    Exit codes: 0 all good; 1 findings at or above --fail-on, a denied reach, or a lab mismatch;
    2 bad input or usage.
    """


@app.command()
def validate(
    path: BlueprintPath,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="Output format.")
    ] = TextOrJson.text,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print problems only, no summary.")
    ] = False,
) -> None:
    """Validate a blueprint and print a summary of the estate.

    Every problem is printed as [bold]file:line:col: path.to.field: what is wrong (what was expected)[/];
    the exit code is 2 when there is an error. Warnings (legal but suspicious) do not fail.
    PATH may also be a folder of Kubernetes/Istio manifests (one cluster): its namespaces and
    what each holds are summarised.
    """
    if is_manifests(path):
        _validate_manifests(path, fmt, quiet)
        return
    try:
        blueprint = load(path)
    except InputError as error:
        _fail_input(error, fmt)
    if fmt is TextOrJson.json:
        payload = {
            "valid": True,
            "problems": [w.to_json() for w in blueprint.warnings],
            "summary": summary_json(blueprint),
        }
        out.print_json(json.dumps(payload))
        return
    for warning in blueprint.warnings:
        err.print(f"[yellow]warning[/]: {warning}")
    if not quiet:
        render_summary(blueprint, out.console())
    note = f", {len(blueprint.warnings)} warning(s)" if blueprint.warnings else ""
    out.print(f"[green]valid[/]: {path}{note}")


def _manifests(path: Path, fmt: str = "text", warn: bool = True) -> Any:
    """A folder of manifests loaded as one cluster, its warnings printed (`warn`); bad input exits 2."""
    from .providers.kubernetes import load_manifests

    try:
        cluster = load_manifests(path)
    except InputError as error:
        _fail_input(error, TextOrJson.json if fmt == "json" else TextOrJson.text)
    if warn:
        for warning in cluster.warnings:
            err.print(f"[yellow]warning[/]: {warning}")
    return cluster


def _folder_name(path: Path) -> str:
    """What a report calls a folder of manifests: its name (`.` is the working directory's)."""
    return path.resolve().name or str(path)


def _validate_manifests(path: Path, fmt: TextOrJson, quiet: bool) -> None:
    from .report.manifests import manifest_summary_json, render_manifest_summary

    cluster = _manifests(path, fmt.value, warn=fmt is TextOrJson.text)
    if fmt is TextOrJson.json:
        payload = {
            "valid": True,
            "kind": "manifests",
            "problems": [w.to_json() for w in cluster.warnings],
            "summary": manifest_summary_json(cluster, _folder_name(path)),
        }
        out.print_json(json.dumps(payload))
        return
    if not quiet:
        render_manifest_summary(cluster, _folder_name(path), out.console())
    note = f", {len(cluster.warnings)} warning(s)" if cluster.warnings else ""
    out.print(f"[green]valid[/]: {path}{note}")


class MatrixFormat(StrEnum):
    """Output formats of `matrix`."""

    text = "text"
    json = "json"
    csv = "csv"


def _blueprint(path: Path, fmt: str = "text") -> Any:
    try:
        blueprint = load(path)
    except InputError as error:
        _fail_input(error, TextOrJson.json if fmt == "json" else TextOrJson.text)
    for warning in blueprint.warnings:
        err.print(f"[yellow]warning[/]: {warning}")
    return blueprint


def _build(blueprint: Any) -> Any:
    from .topology import build_topology

    return build_topology(blueprint)


def _topology(path: Path, fmt: str = "text") -> Any:
    return _build(_blueprint(path, fmt))


@app.command()
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
) -> None:
    """Can SOURCE open a connection to DESTINATION on PORT? The verdict and a trace through every layer:
    pod egress NetworkPolicy, cloud firewalls, routes, peering, VPN, ACLs, ingress NetworkPolicy, mesh.

    PATH may also be a folder of Kubernetes/Istio manifests (one cluster). Exit code 0 when
    allowed, 1 when denied, 2 on bad input.
    """
    from .engine.reach import Reach, parse_port

    try:
        if is_manifests(path):
            result = _manifest_reach(path, source, destination, port, method, http_path)
        else:
            from .engine.layers import layered_reach

            blueprint = _blueprint(path, fmt.value)
            parse_port(port)
            result = layered_reach(_build(blueprint), source, destination, port, method, http_path)
    except InputError as error:
        _fail_input(error, fmt)
    assert isinstance(result, Reach)
    if fmt is TextOrJson.json:
        out.print_json(json.dumps(result.to_json()))
    else:
        render_reach(result, out.console())
    raise typer.Exit(EXIT_OK if result.allowed else EXIT_FINDINGS)


def _manifest_reach(
    path: Path, source: str, destination: str, port: str, method: str | None, http_path: str | None
) -> Any:
    from .engine.path import Hop, Step
    from .engine.reach import Reach, parse_port
    from .ir.types import Source
    from .providers.kubernetes import explain, load_manifests

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
    return Reach(source, destination, port.lower(), verdict.allowed, disposition, hops)


def _network_matrix(path: Path, fmt: str) -> Any:
    from rich.progress import Progress

    from .engine.matrix import connectivity

    topology = _topology(path, fmt)
    with Progress(
        console=err.console(), transient=True, disable=len(topology.endpoints) < 200
    ) as progress:
        task = progress.add_task("matrix", total=None)
        return connectivity(
            topology, lambda done, total: progress.update(task, completed=done, total=total)
        )


@app.command()
def matrix(
    path: BlueprintPath,
    fmt: Annotated[
        MatrixFormat, typer.Option("--format", "-f", help="Output format.")
    ] = MatrixFormat.text,
) -> None:
    """Connectivity between every pair of endpoints (and the internet), per protocol and port."""
    if is_manifests(path):
        from .providers.kubernetes import connectivity as kube_connectivity
        from .providers.kubernetes import load_manifests

        try:
            kube = kube_connectivity(load_manifests(path))
        except InputError as error:
            _fail_input(error, TextOrJson.json if fmt is MatrixFormat.json else TextOrJson.text)
        if fmt is MatrixFormat.json:
            kube.write(sys.stdout)
            sys.stdout.write("\n")
            return
        from .algebra.packets import ServiceSet
        from .engine.matrix import Matrix

        result = Matrix(
            list(kube.endpoints),
            {(a, b): ServiceSet.from_strings(allowed) for a, b, allowed in kube.connections()},
        )
    else:
        result = _network_matrix(path, fmt.value)
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


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of the blueprint (for editor completion and validation)."""
    text = json.dumps(json_schema(), indent=2, sort_keys=False)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {output}")


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to write the reference example into.")],
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Write the reference example (eu-sovereign, with its seeded-mistake variants) into DIRECTORY."""
    if directory.exists() and any(directory.iterdir()) and not force:
        err.print(
            f"[red]error[/]: {directory} is not empty (expected an empty or new folder; use --force)"
        )
        raise typer.Exit(EXIT_INPUT)
    import shutil

    shutil.copytree(example_path(), directory, dirs_exist_ok=True)
    out.print(f"wrote the eu-sovereign reference example to {directory}")
    out.print(f"next: crossfence validate {directory}")


def run() -> None:
    """Entry point: turn crossfence errors into messages and exit codes, never a traceback."""
    try:
        app()
    except UnsupportedError as error:
        err.print(f"[red]unsupported[/]: {error}")
        sys.exit(EXIT_INPUT)
    except (
        CrossfenceError
    ) as error:  # pragma: no cover - every command handles its own input errors
        err.print(f"[red]error[/]: {error}")
        sys.exit(EXIT_INPUT)


from .cli_checks import register as _register_checks  # noqa: E402

_register_checks(app)
