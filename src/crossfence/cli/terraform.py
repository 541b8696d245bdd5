"""The `import` command of the `crossfence` command line: Terraform plans and states written out as a blueprint folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .common import EXIT_OK, OverlayOption, TextOrJson, err, fail_input, out

__all__ = ["import_estate"]


def import_estate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help=(
                "What `terraform show -json` prints for plans or states, state files, or folders "
                "of them: several make one estate."
            ),
            show_default=False,
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The blueprint folder to write (created).")
    ],
    overlay: OverlayOption = None,
) -> None:
    """Write the estate that Terraform holds as a blueprint folder to keep: one file per cloud,
    each object with a comment naming its Terraform address. It loads as the plan does (`validate`
    accepts it, `matrix` and `check` answer the same). Values a plan knows only after apply are
    written with their stand-ins and a comment; a warning lists them.
    """
    from ..estate import load
    from ..model.writer import write_blueprint

    try:
        blueprint = load(paths, overlay or ())
    except InputError as error:
        fail_input(error, TextOrJson.text)
    for warning in blueprint.warnings:
        err.print(f"[yellow]warning[/]: {warning}")
    for unknown in blueprint.unknowns:
        err.print(f"[yellow]warning[/]: {unknown}: written as its stand-in; re-import after apply")
    for path in write_blueprint(blueprint, output):
        out.print(f"wrote {path}")
    raise typer.Exit(EXIT_OK)
