"""The estate commands of the `crossfence` command line: `validate`, `schema` and `init`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..examples import example_path
from ..inputs import is_manifests
from .common import (
    EXIT_INPUT,
    BlueprintPath,
    OverlayOption,
    TextOrJson,
    err,
    fail_input,
    folder_name,
    load,
    out,
    read_manifests,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["init", "schema", "validate"]

# The model (pydantic) and the renderers are imported when a command needs them: a command on
# Kubernetes manifests should not pay for the blueprint's machinery at start-up.


def json_schema() -> dict[str, Any]:
    from ..model import json_schema as blueprint_schema
    from ..providers.registry import vocabulary

    return blueprint_schema(vocabulary())


def render_summary(blueprint: Any, console: Console) -> None:
    from ..report.summary import render_summary as render

    render(blueprint, console)


def summary_json(blueprint: Any) -> dict[str, Any]:
    from ..report.summary import summary_json as summarise

    return summarise(blueprint)


def validate(
    path: BlueprintPath,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="Output format.")
    ] = TextOrJson.text,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print problems only, no summary.")
    ] = False,
    overlay: OverlayOption = None,
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
        blueprint = load(path, overlay)
    except InputError as error:
        fail_input(error, fmt)
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


def _validate_manifests(path: Path, fmt: TextOrJson, quiet: bool) -> None:
    from ..report.manifests import manifest_summary_json, render_manifest_summary

    cluster = read_manifests(path, fmt.value, warn=fmt is TextOrJson.text)
    if fmt is TextOrJson.json:
        payload = {
            "valid": True,
            "kind": "manifests",
            "problems": [w.to_json() for w in cluster.warnings],
            "summary": manifest_summary_json(cluster, folder_name(path)),
        }
        out.print_json(json.dumps(payload))
        return
    if not quiet:
        render_manifest_summary(cluster, folder_name(path), out.console())
    note = f", {len(cluster.warnings)} warning(s)" if cluster.warnings else ""
    out.print(f"[green]valid[/]: {path}{note}")


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
