"""The `crossfence lab` commands: `up`, `status`, `verify`, `probe`, `down` (Linux, root)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from ..errors import InputError, UnsupportedError
from .common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    EXIT_OK,
    BlueprintPath,
    err,
    out,
    print_problems,
)

__all__ = ["app"]


class TextOrJson(StrEnum):
    """Output formats of the lab's commands."""

    text = "text"
    json = "json"


def fail_input(error: InputError) -> NoReturn:
    """Bad input: the located problems on standard error, exit code 2."""
    print_problems(error)
    raise typer.Exit(EXIT_INPUT)


app = typer.Typer(
    name="lab",
    help=(
        "Build the estate out of Linux network namespaces, WireGuard, BIRD and nftables, send "
        "real packets through it, and compare what happens with crossfence's answers "
        "(Linux, root)."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

LabName = Annotated[
    str,
    typer.Option(
        "--name",
        help="The lab's name (1-6 lowercase letters and digits): every namespace and interface "
        "it creates starts with it.",
    ),
]


def _unsupported(error: UnsupportedError) -> None:
    err.print(f"[red]error[/]: {error}")
    raise typer.Exit(EXIT_INPUT)


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """Rich progress on stderr, only on a terminal."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    with err.status("lab") as spinner:
        yield lambda message: spinner.update(f"lab: {message}")


def _guard(action: Callable[[], Any]) -> Any:
    from ..lab.system import CommandError

    try:
        return action()
    except UnsupportedError as error:
        _unsupported(error)
    except InputError as error:
        fail_input(error)
    except CommandError as error:
        err.print(f"[red]error[/]: the lab could not run {error}")
        raise typer.Exit(EXIT_INPUT) from None


@app.command("up")
def lab_up(
    path: BlueprintPath,
    name: LabName = "lab",
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep a half-built lab after a failure (for `down`).")
    ] = False,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
) -> None:
    """Build the estate of PATH in network namespaces, with its tunnels, BGP, filters and servers."""
    from ..lab.control import up

    with _progress() as progress:
        result = _guard(lambda: up(path, name, progress=progress, keep=keep))
    if fmt is TextOrJson.json:
        out.print_json(
            json.dumps(
                {
                    "name": result.name,
                    "directory": str(result.directory),
                    "namespaces": result.namespaces,
                    "daemons": result.daemons,
                    "timings": result.timings,
                    "bgp": result.bgp,
                    "notes": result.notes,
                }
            )
        )
        return
    out.print(
        f"lab [bold]{result.name}[/] is up: {result.namespaces} namespaces, {result.daemons} "
        f"daemons, in {result.timings.get('total', 0):.1f} s (state in {result.directory})"
    )
    for session, state in sorted(result.bgp.items()):
        colour = "green" if state == "Established" else "red"
        out.print(f"  BGP {session}: [{colour}]{state}[/]")
    for note in result.notes:
        out.print(f"  [yellow]not realised[/]: {note}")


@app.command("down")
def lab_down(
    path: Annotated[
        Path | None,
        typer.Argument(help="The blueprint the lab was built from (optional).", show_default=False),
    ] = None,
    name: LabName = "lab",
) -> None:
    """Remove everything the lab created (safe to run twice, and after a crash)."""
    from ..lab.teardown import down

    result = _guard(lambda: down(name))
    if not result.found:
        out.print(f"lab {name}: nothing to remove")
        return
    out.print(
        f"lab {name} removed: {result.processes} daemons stopped, {result.namespaces} "
        f"namespaces deleted"
    )
    for problem in result.problems:
        err.print(f"[red]error[/]: {problem}")
    if result.problems:
        raise typer.Exit(EXIT_FINDINGS)


@app.command("status")
def lab_status(
    path: Annotated[
        Path | None,
        typer.Argument(help="The blueprint the lab was built from (optional).", show_default=False),
    ] = None,
    name: LabName = "lab",
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
) -> None:
    """Show the lab's namespaces, daemons, tunnels and BGP sessions."""
    from ..lab.status import status

    report = _guard(lambda: status(name))
    if fmt is TextOrJson.json:
        out.print_json(json.dumps(report))
        raise typer.Exit(EXIT_OK if report["up"] else EXIT_FINDINGS)
    if not report["up"]:
        out.print(f"lab {name} is not up")
        raise typer.Exit(EXIT_FINDINGS)
    alive = sum(1 for p in report["processes"] if p["alive"])
    spaces = report["namespaces"]
    out.print(
        f"lab [bold]{name}[/] ({report['phase']}) from {report['blueprint']}: "
        f"{spaces['present']}/{spaces['recorded']} namespaces, {alive}/"
        f"{len(report['processes'])} daemons alive"
    )
    for tunnel, state in sorted(report["tunnels"].items()):
        out.print(f"  tunnel {tunnel}: {state}")
    for session, state in sorted(report["bgp"].items()):
        colour = "green" if state == "Established" else "red"
        out.print(f"  BGP {session}: [{colour}]{state}[/]")
    for process in report["processes"]:
        if not process["alive"]:
            out.print(f"  [red]dead[/]: {process['role']} in {process['netns']}")


def _render_flow_details(result: Any) -> None:
    """A disagreement: the engine's trace and what the lab saw."""
    from ..report.network import render_reach

    out.print()
    out.print(
        f"[bold red]disagreement[/]: {result.flow.source} → {result.flow.destination} "
        f"{result.flow.service}: engine {result.engine_text()}, lab {result.lab_text()}"
    )
    out.print("[bold]engine trace[/]")
    render_reach(result.engine, out.console())
    out.print("[bold]what the lab saw[/]")
    diagnosis = result.diagnosis
    if diagnosis is None:
        out.print("  (not probed again)")
        return
    _render_diagnosis(diagnosis)
    for rule in diagnosis.rules:
        out.print(f"  matched {rule}")


def _render_diagnosis(diagnosis: Any) -> None:
    """Where the packets went, in path order per port, and what dropped them."""
    if not diagnosis.seen:
        out.print("  packet seen in: no namespace")
    for port, path in diagnosis.seen:
        out.print(f"  packet to port {port} seen in: {', '.join(path)}")
    if diagnosis.last is not None:
        out.print(f"  last namespace that saw it: {diagnosis.last}")
    if not diagnosis.replies:
        out.print("  reply seen in: no namespace")
    for port, path in diagnosis.replies:
        out.print(f"  reply from port {port} seen in: {', '.join(path)}")
    for drop in diagnosis.drops:
        out.print(f"  [red]dropped by[/] {drop}")


@app.command("verify")
def lab_verify(
    path: Annotated[
        Path | None,
        typer.Argument(help="The blueprint the lab was built from (optional).", show_default=False),
    ] = None,
    name: LabName = "lab",
    source: Annotated[
        list[str] | None, typer.Option("--from", help="Only flows from this endpoint (repeatable).")
    ] = None,
    destination: Annotated[
        list[str] | None, typer.Option("--to", help="Only flows to this endpoint (repeatable).")
    ] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
) -> None:
    """Probe every flow of the engine's matrix with real connections and compare (exit 1 on any
    disagreement)."""
    from rich.markup import escape
    from rich.table import Table

    from ..lab.verify import verify

    with _progress() as progress:
        progress("probing every flow")
        result = _guard(lambda: verify(name, sources=source, destinations=destination, path=path))
    report = result.to_json()
    if fmt is TextOrJson.json:
        out.print_json(json.dumps(report))
    else:
        table = Table(title=f"lab {name}: every flow, engine and packets", title_justify="left")
        for column in ("flow", "engine", "packets", "agree"):
            table.add_column(column, overflow="fold")
        for flow in result.flows:
            agree = {True: "[green]yes[/]", False: "[bold red]NO[/]", None: "[dim]not checked[/]"}[
                flow.agree
            ]
            request = f" {' '.join(flow.flow.request)}" if flow.flow.request else ""
            table.add_row(
                escape(
                    f"{flow.flow.source} → {flow.flow.destination} {flow.flow.service}{request}"
                ),
                escape(flow.engine_text()),
                escape(flow.lab_text()),
                agree,
            )
        out.print(table)
        summary = report["summary"]
        mesh = (
            "by the lab's Envoy sidecars too"
            if result.mesh
            else "(no Envoy in this lab: compared on the other layers)"
        )
        out.print(
            f"{summary['flows']} flows: {summary['agree']} agree, {summary['disagree']} disagree, "
            f"{summary['not_checked']} not checked; {summary['mesh_only']} denied by the mesh "
            f"only, {mesh}; {summary['seconds']:.1f} s"
        )
        for note in result.notes:
            out.print(f"[yellow]not realised[/]: {note}")
        for flow in result.disagreements:
            _render_flow_details(flow)
    raise typer.Exit(EXIT_FINDINGS if result.disagreements else EXIT_OK)


@app.command("probe")
def lab_probe(
    path: Annotated[
        Path | None,
        typer.Argument(help="The blueprint the lab was built from (optional).", show_default=False),
    ] = None,
    name: LabName = "lab",
    source: Annotated[str, typer.Option("--from", help="The endpoint that connects.")] = "",
    destination: Annotated[str, typer.Option("--to", help="The endpoint it connects to.")] = "",
    port: Annotated[str, typer.Option("--port", "-p", help="tcp/443 or udp/53.")] = "tcp/443",
    method: Annotated[
        str | None,
        typer.Option("--method", help="HTTP method, on a port a sidecar reads as HTTP."),
    ] = None,
    path_: Annotated[
        str | None, typer.Option("--path", help="HTTP path, on a port a sidecar reads as HTTP.")
    ] = None,
    fmt: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
) -> None:
    """Send one real connection and say what happened (and what the engine says)."""
    from ..lab.verify import probe_one

    if not source or not destination:
        err.print("[red]error[/]: --from and --to are required")
        raise typer.Exit(EXIT_INPUT)
    request = (method or "GET", path_ or "/") if method or path_ else None
    result = _guard(lambda: probe_one(name, source, destination, port, request=request, path=path))
    if fmt is TextOrJson.json:
        out.print_json(json.dumps(result.to_json()))
    else:
        colour = "green" if result.delivered else "red"
        asked = f" {' '.join(result.flow.request)}" if result.flow.request else ""
        out.print(
            f"[{colour}]{'delivered' if result.delivered else 'not delivered'}[/]: "
            f"{source} → {destination} {port}{asked}: {result.lab_text()}; engine: "
            f"{result.engine_text()}"
        )
        if result.diagnosis is not None and result.agree is not False:
            _render_diagnosis(result.diagnosis)
        if result.agree is False:
            _render_flow_details(result)
    raise typer.Exit(EXIT_FINDINGS if result.agree is False else EXIT_OK)
