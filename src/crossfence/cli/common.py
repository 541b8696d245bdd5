"""What every command group of the `crossfence` command line shares: exit codes, consoles, input errors, loading."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ..errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_OK",
    "BlueprintPath",
    "OverlayOption",
    "TextOrJson",
    "build",
    "err",
    "fail_input",
    "folder_name",
    "load",
    "out",
    "read_blueprint",
    "read_manifests",
]

# The model (pydantic), the engine and the renderers are imported when a command needs them: a
# command on Kubernetes manifests should not pay for the blueprint's machinery at start-up.


def load(path: Path, overlays: list[Path] | None = None) -> Any:
    """The estate at PATH, a blueprint or Terraform's JSON (recognised by content), completed by
    the overlays (`crossfence.estate.load`, imported on first use)."""
    from ..estate import load as load_blueprint

    return load_blueprint(path, overlays or ())


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
        help=(
            "A blueprint file or folder; or what `terraform show -json` prints for a plan or "
            "state, a state file, or a folder of them (one estate)."
        ),
        show_default=False,
    ),
]

OverlayOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--overlay",
        help=(
            "A blueprint file or folder completing a Terraform estate (jurisdictions, personal "
            "data, manifests, intents, names; objects name resources by address or by name). "
            "Repeatable."
        ),
        show_default=False,
    ),
]


def fail_input(error: InputError, fmt: TextOrJson = TextOrJson.text) -> NoReturn:
    """Print the problems of bad input (as JSON on stdout, or as text on stderr) and exit 2."""
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


def read_manifests(path: Path, fmt: str = "text", warn: bool = True) -> Any:
    """A folder of manifests loaded as one cluster, its warnings printed (`warn`); bad input exits 2."""
    from ..providers.kubernetes import load_manifests

    try:
        cluster = load_manifests(path)
    except InputError as error:
        fail_input(error, TextOrJson.json if fmt == "json" else TextOrJson.text)
    if warn:
        for warning in cluster.warnings:
            err.print(f"[yellow]warning[/]: {warning}")
    return cluster


def folder_name(path: Path) -> str:
    """What a report calls a folder of manifests: its name (`.` is the working directory's)."""
    return path.resolve().name or str(path)


def read_blueprint(path: Path, fmt: str = "text", overlays: list[Path] | None = None) -> Any:
    """The estate at PATH with its overlays, its warnings printed; bad input exits 2."""
    try:
        blueprint = load(path, overlays)
    except InputError as error:
        fail_input(error, TextOrJson.json if fmt == "json" else TextOrJson.text)
    for warning in blueprint.warnings:
        err.print(f"[yellow]warning[/]: {warning}")
    return blueprint


def build(blueprint: Any) -> Any:
    """The topology (IR) of a blueprint (`crossfence.topology`, imported on first use)."""
    from ..estate import build_topology

    return build_topology(blueprint)
