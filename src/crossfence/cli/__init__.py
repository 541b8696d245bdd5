"""The `crossfence` command line: the Typer app with every group's commands, and `run`, its entry point."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..errors import CrossfenceError, UnsupportedError
from ..version import __version__
from . import checks, estate, network, terraform
from .common import EXIT_INPUT, EXIT_OK, err, out

__all__ = ["app", "run"]

# Each command parses its arguments, calls one library function, renders, and chooses the exit
# code. The commands live in one module per group (`estate`, `network`, `checks`), which share
# only `common`; this module puts them on one app.

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


# The order of registration is the order of `crossfence --help`.
app.command()(estate.validate)
app.command()(network.reach)
app.command()(network.matrix)
app.command()(estate.schema)
app.command()(estate.init)
app.command("check")(checks.check)
app.command("diff")(checks.diff)
app.command("import")(terraform.import_estate)


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
