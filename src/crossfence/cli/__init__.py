"""The `crossfence` command line: the Typer app with every group's commands, and `run`, its entry point."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand

from ..errors import CrossfenceError
from ..version import __version__
from . import checks, estate, lab, network, report, terraform
from .common import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    PipeClosed,
    err,
    escape,
    out,
    settings,
)
from .compile import compile_command

__all__ = ["app", "run"]

# Each command parses its arguments, calls one library function, renders, and chooses the exit
# code. The commands live in one module per group (`estate`, `network`, `checks`, `report`), which share
# `common` (and through it `output` and `config`); this module puts them on one app.

EXIT_PIPE = 141
"""Standard output was a pipe that closed early (`| head`): 128 + SIGPIPE, as a Unix tool killed
by it reports."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C): 128 + SIGINT."""

app = typer.Typer(
    name="crossfence",
    help=(
        "One blueprint for a multi-cloud estate (or its Terraform plans and states): validate "
        "it, ask who can reach what and why across cloud firewalls, Kubernetes NetworkPolicy and "
        "the service mesh.\n\n"
        "Exit codes: 0 all good; 1 a finding at or above --fail-on, a denied or unknown reach, "
        "a diff where a flow opens, or a lab that disagrees with the engine; 2 bad "
        "input or usage (located messages, never a traceback); 3 an internal error (a bug: "
        "please report it; --debug shows the traceback).\n\n"
        "Defaults (fail-on, skip, format) come from .crossfence.yaml or \\[tool.crossfence] in "
        "pyproject.toml, the nearest one upward from the working directory; flags win over them."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    # `--install-completion` / `--show-completion`: Click's shell completion, as Typer wires it
    add_completion=True,
    pretty_exceptions_enable=False,  # `run` turns every exception into one line and exit code 3
    context_settings={"help_option_names": ["-h", "--help"]},
)


class _State:
    debug = False


_state = _State()


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
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="On an internal error, print the traceback (for a bug report)."
        ),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            metavar="FILE",
            help="Read defaults from FILE (a .crossfence.yaml, or a pyproject.toml's "
            "\\[tool.crossfence]) instead of the nearest one upward from the working directory.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Set the options every command shares (the app's help is its `help`)."""
    _state.debug = debug
    settings.reset(config)


def _help(function: Callable[..., Any]) -> str:
    """A docstring as Typer's Rich help wants it: each paragraph on one line, so the help wraps
    at the terminal's width instead of at the docstring's line breaks."""
    text = inspect.cleandoc(function.__doc__ or "")
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))


class _Command(TyperCommand):
    """A command whose usage line names its arguments as Unix tools do (`PATH`, `OLD NEW`,
    `[KIND]` when optional), not as Typer does (`{path}`, `[kind]:<blueprint|...>`)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # Click's (vendored) Context
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = (param.metavar or param.name or "").upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces


def _register(function: Callable[..., Any], name: str | None = None) -> None:
    help_text = _help(function)
    app.command(name, cls=_Command, help=help_text, short_help=help_text.split("\n\n")[0])(function)


# The order of registration is the order of `crossfence --help`.
for _command, _name in (
    (estate.validate, None),
    (network.reach, None),
    (network.matrix, None),
    (checks.check, None),
    (checks.diff, None),
    (terraform.import_estate, "import"),  # `import` is a Python keyword: named here
    (checks.checks, None),
    (report.report, None),
    (estate.schema, None),
    (estate.init, None),
):
    _register(_command, _name)
_register(compile_command, "compile")
app.add_typer(lab.app)


def _internal_error(error: BaseException) -> None:
    """One line for an unexpected exception (the traceback with --debug), exit code 3."""
    if _state.debug or "--debug" in sys.argv[1:]:
        import traceback

        traceback.print_exception(error)
    summary = (
        f"{type(error).__name__}: {error}".strip().splitlines()[0]
        if str(error)
        else type(error).__name__
    )
    err.print(
        f"[red]internal error[/]: {escape(summary)} — a bug in crossfence {__version__}, not in "
        "your input; please report it with the command and its input "
        + (
            "(the traceback is above)"
            if _state.debug
            else "(run it again with crossfence --debug ... for the traceback)"
        ),
    )


def run() -> None:
    """Entry point: bad input and usage exit 2 with located messages, an internal error exits 3
    with one line (the traceback with `--debug`), never a traceback otherwise."""
    _state.debug = False
    try:
        app(prog_name="crossfence")
    except SystemExit as done:
        # Ctrl-C: Click prints "Aborted!" and exits 1, the code of findings; 130 (128 + SIGINT)
        # is what a shell reports for an interrupted command
        if done.code == 1 and type(done.__context__).__name__ == "Abort":
            sys.exit(EXIT_INTERRUPTED)
        raise
    except PipeClosed:
        # the reader went away: say nothing more on the closed pipe, and Python's own flush at
        # exit must not fail on it either
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_PIPE)
    except CrossfenceError as error:  # UnsupportedError: valid input crossfence does not model
        err.print(f"[red]unsupported[/]: {escape(error)}")
        sys.exit(EXIT_INPUT)
    except Exception as error:
        _internal_error(error)
        sys.exit(EXIT_INTERNAL)
