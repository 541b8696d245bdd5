"""The `import` command of the `crossfence` command line: Terraform plans and states written out as a blueprint folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .common import (
    EXIT_OK,
    OverlayOption,
    Quiet,
    Reports,
    Sink,
    err,
    escape,
    warn,
    write_file,
)

__all__ = ["import_estate"]

_SUFFIXES = (".yaml", ".yml")


def _folder(output: Path) -> None:
    """Refuse, before any work, a folder `import` cannot write: a file, or a folder whose YAML
    files it would not all replace is checked once the files are known (`_stale`)."""
    if output.exists() and not output.is_dir():
        raise InputError.single(
            "is not a folder (expected the blueprint folder to write: created if missing)",
            file=str(output),
            code="output",
        )


def _stale(output: Path, written: list[Path]) -> None:
    """Refuse a folder holding blueprint files this import does not write: read with the new
    ones, they would change the estate (`validate` reads every YAML file of a folder)."""
    if not output.is_dir():
        return
    mine = {p.name for p in written}
    others = sorted(
        p.name
        for p in output.iterdir()
        if p.suffix in _SUFFIXES and p.name not in mine and not p.name.startswith(".")
    )
    if others:
        raise InputError.single(
            f"holds {', '.join(others)}, which this import does not write (expected an empty "
            "folder, or one an earlier import wrote: its files would be read with the new ones)",
            file=str(output),
            code="output",
        )


def import_estate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="What `terraform show -json` prints for plans or states, state files, or "
            "folders of them: several make one estate.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="The blueprint folder to write (created if missing).",
            show_default=False,
        ),
    ],
    overlay: OverlayOption = None,
    quiet: Quiet = False,
) -> None:
    """Write the estate that Terraform holds as a blueprint folder to keep: one file per cloud,
    each object with a comment naming its Terraform address.

    It loads as the plan does (`validate` accepts it, `matrix` and `check` answer the same).
    Values a plan knows only after apply are written with their stand-ins and a comment; a
    warning lists them. Exit code 0 when written, 2 on bad input or a folder that cannot be
    written. --quiet does not list the files written.
    """
    from ..estate import load
    from ..model.writer import blueprint_files

    subject = " ".join(str(p) for p in paths)
    reports = Reports.plan("import", subject, ["text"], None, ["text"], quiet)
    try:
        _folder(output)
        blueprint = load(paths, overlay or ())
    except InputError as error:
        reports.fail(error)
    warn(blueprint.warnings)
    for unknown in blueprint.unknowns:
        err.print(
            f"[yellow]warning[/]: {escape(unknown)}: written as its stand-in; re-import after apply"
        )
    files = blueprint_files(blueprint, output)
    try:
        _stale(output, list(files))
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError.single(
                f"cannot create the folder: {error.strerror or error} (expected a folder "
                "crossfence can create)",
                file=str(output),
                code="output",
            ) from None
        for path, text in files.items():
            write_file(path, lambda stream, text=text: stream.write(text))  # type: ignore[misc]
    except InputError as error:
        reports.fail(error)

    def render(fmt: str, sink: Sink) -> None:
        if not quiet:
            console = sink.console()
            for path in files:
                console.print(f"wrote {escape(path)}")

    reports.emit(render, EXIT_OK)
