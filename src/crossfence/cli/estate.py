"""The estate commands of the `crossfence` command line: `validate`, `schema` and `init`."""

from __future__ import annotations

import os
import stat
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError, Problem
from ..examples import example_path
from ..inputs import is_manifests
from .common import (
    EXIT_INPUT,
    EXIT_OK,
    STDOUT,
    BlueprintPath,
    Outputs,
    OverlayOption,
    Quiet,
    Reports,
    Sink,
    err,
    escape,
    folder_name,
    format_option,
    out,
    print_problems,
    read_blueprint,
    read_manifests,
    refuse_overlay,
    write_json,
)

__all__ = ["SchemaKind", "ValidateFormat", "init", "schema", "validate"]

# The model (pydantic) and the renderers are imported when a command needs them: a command on
# Kubernetes manifests should not pay for the blueprint's machinery at start-up.


class ValidateFormat(StrEnum):
    """Output formats of `validate`."""

    text = "text"
    json = "json"


def validate(
    path: BlueprintPath,
    fmt: Annotated[
        list[ValidateFormat] | None,
        format_option(ValidateFormat),
    ] = None,
    output: Outputs = None,
    quiet: Quiet = False,
    overlay: OverlayOption = None,
) -> None:
    """Validate a blueprint and summarise the estate.

    Every problem is printed as file:line:col: path.to.field: what is wrong (what was expected);
    the exit code is 2 when there is an error. Warnings (legal but suspicious) do not fail.
    PATH may also be a folder of Kubernetes/Istio manifests (one cluster): its namespaces and
    what each holds are summarised; or Terraform's JSON (`terraform show -json` of a plan or
    state, a state file), completed by --overlay. --quiet prints the problems and the verdict
    line only.
    """
    reports = Reports.plan("validate", str(path), fmt, output, ValidateFormat, quiet)
    if is_manifests(path):
        refuse_overlay(path, reports, overlay)
        _validate_manifests(path, reports)
    blueprint = read_blueprint(path, reports, overlay)
    note = f", {len(blueprint.warnings)} warning(s)" if blueprint.warnings else ""

    def render(fmt: str, sink: Sink) -> None:
        # the renderers are imported when used: `validate -q` prints no table
        if fmt == "json":
            from ..report import SCHEMA_VERSION
            from ..report.summary import summary_json

            payload = {
                "schema_version": SCHEMA_VERSION,
                "valid": True,
                "kind": "blueprint",
                "problems": [w.to_json() for w in blueprint.warnings],
                "summary": summary_json(blueprint),
            }
            write_json(payload, sink.stream)
            return
        console = sink.console()
        if not quiet:
            from ..report.summary import render_summary

            render_summary(blueprint, console)
        console.print(f"[green]valid[/]: {escape(path)}{note}")

    reports.emit(render, EXIT_OK)


def _validate_manifests(path: Path, reports: Reports) -> None:
    from ..report import SCHEMA_VERSION
    from ..report.manifests import manifest_summary_json, render_manifest_summary

    cluster = read_manifests(path, reports)
    name = folder_name(path)
    note = f", {len(cluster.warnings)} warning(s)" if cluster.warnings else ""

    def render(fmt: str, sink: Sink) -> None:
        if fmt == "json":
            payload = {
                "schema_version": SCHEMA_VERSION,
                "valid": True,
                "kind": "manifests",
                "problems": [w.to_json() for w in cluster.warnings],
                "summary": manifest_summary_json(cluster, name),
            }
            write_json(payload, sink.stream)
            return
        console = sink.console()
        if not reports.quiet:
            render_manifest_summary(cluster, name, console)
        console.print(f"[green]valid[/]: {escape(path)}{note}")

    reports.emit(render, EXIT_OK)


class SchemaKind(StrEnum):
    """What `schema` prints the JSON Schema of: the blueprint (the input), or a command's JSON."""

    blueprint = "blueprint"
    validate = "validate"
    reach = "reach"
    matrix = "matrix"
    check = "check"
    diff = "diff"
    checks = "checks"


def json_schema(kind: str = "blueprint") -> dict[str, Any]:
    """The JSON Schema of the blueprint, or of the JSON output of a command."""
    if kind != "blueprint":
        from ..report.schemas import output_schema

        return output_schema(kind)
    from ..model import json_schema as blueprint_schema
    from ..providers.registry import vocabulary

    return blueprint_schema(vocabulary())


def schema(
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help="blueprint (the input, for editors), or the command whose --format json output "
            "to describe: validate, reach, matrix, check, diff or checks.",
            show_default=True,
            autocompletion=lambda: [k.value for k in SchemaKind],
        ),
    ] = SchemaKind.blueprint.value,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE ('-': standard output)."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Do not say where the schema was written.")
    ] = False,
) -> None:
    """Print a JSON Schema (draft 2020-12): of the blueprint, for editor completion and
    validation, or of a command's --format json output.

    The schemas are also in the repository's schema/ folder, kept current by the tests.
    """
    import json

    kinds = [k.value for k in SchemaKind]
    if kind not in kinds:
        import difflib

        close = difflib.get_close_matches(kind, kinds, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        # no report is written: a schema file must be a schema, or not be written at all
        print_problems(
            InputError.single(
                f"KIND {kind!r} is not a schema crossfence has (expected one of: "
                f"{', '.join(kinds)}{hint})",
                code="usage",
            )
        )
        raise typer.Exit(EXIT_INPUT)
    reports = Reports.plan("schema", kind, ["json"], [output] if output else None, ["json"], quiet)
    text = json.dumps(json_schema(kind), indent=2, sort_keys=False) + "\n"

    def render(fmt: str, sink: Sink) -> None:
        sink.stream.write(text)

    try:
        reports.emit(render, EXIT_OK)
    except typer.Exit as done:
        if done.exit_code == EXIT_OK and output not in (None, STDOUT) and not quiet:
            err.print(f"wrote {escape(output)}")
        raise


class _Write:
    """One step of `init`: make a folder or write a file, replacing what is there (`--force`)."""

    __slots__ = ("data", "replaces", "source", "target")

    def __init__(
        self,
        target: Path,
        source: Path | None,
        replaces: str | None = None,
        data: bytes | None = None,
    ) -> None:
        self.target = target
        self.source = source  # None: a folder (unless `data` is given)
        self.replaces = replaces  # what is there now, said in the listing of `--force`
        self.data = data  # the bytes to write instead of the source's


_MODELINE = b"# yaml-language-server: $schema="


def _example_bytes(entry: Path, target: Path, directory: Path) -> bytes | None:
    """An example file as `init` writes it: its `$schema` modeline (which points at the
    repository's schema/ folder) pointing at DIRECTORY/schema/blueprint.json instead."""
    if entry.suffix not in (".yaml", ".yml"):
        return None
    data = entry.read_bytes()
    if _MODELINE not in data:
        return None
    schema = os.path.relpath(directory / "schema" / "blueprint.json", target.parent)
    lines = data.split(b"\n")
    for k, line in enumerate(lines):
        if line.startswith(_MODELINE):
            lines[k] = _MODELINE + Path(schema).as_posix().encode()
    return b"\n".join(lines)


def _schema_bytes() -> bytes:
    import json

    return (json.dumps(json_schema("blueprint"), indent=2, sort_keys=False) + "\n").encode()


def _describe(path: Path, mode: int) -> str:
    if stat.S_ISLNK(mode):
        return f"a link to {os.readlink(path)}"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return "a special file"


def _init_plan(source: Path, directory: Path, force: bool) -> tuple[list[_Write], list[Problem]]:
    """What `init` would do, and what stands in its way; nothing is written yet. Links and
    non-folders inside DIRECTORY are replaced themselves, never written through (a link there
    may point outside it)."""
    steps: list[_Write] = []
    problems: list[Problem] = []
    # the example's files, and the blueprint's schema their modelines point at (editor
    # completion): (relative path, source entry or None for the schema folder and file)
    entries: list[tuple[Path, Path | None]] = [
        (entry.relative_to(source), entry) for entry in sorted(source.rglob("*"))
    ]
    entries += [(Path("schema"), None), (Path("schema") / "blueprint.json", None)]
    for relative, entry in entries:
        if "__pycache__" in relative.parts:
            continue
        target = directory / relative
        wanted_folder = entry.is_dir() if entry is not None else relative.suffix == ""
        if entry is None:
            data = None if wanted_folder else _schema_bytes()
        else:
            data = None if wanted_folder else _example_bytes(entry, target, directory)
        origin = entry if entry is not None and not wanted_folder else None
        if entry is None and not wanted_folder:
            origin = target  # written from `data`
        try:
            mode = target.lstat().st_mode
        except FileNotFoundError:
            steps.append(_Write(target, origin, data=data))
            continue
        if wanted_folder and stat.S_ISDIR(mode):
            continue
        if not wanted_folder and stat.S_ISDIR(mode):
            problems.append(
                Problem(
                    "is a folder where the example has a file (expected a file or nothing: "
                    "move the folder away)",
                    str(target),
                    code="init",
                )
            )
            continue
        what = _describe(target, mode)
        if not force:
            problems.append(
                Problem(
                    f"exists ({what}) (expected nothing there; use --force)",
                    str(target),
                    code="init",
                )
            )
            continue
        steps.append(_Write(target, origin, what, data=data))
    return steps, problems


def _write_example_file(step: _Write) -> None:
    assert step.source is not None
    data = step.data if step.data is not None else step.source.read_bytes()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(step.target, flags, 0o666)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _apply(step: _Write) -> None:
    if step.replaces is not None:
        # the entry itself goes (a link, not what it points to), so nothing is written outside
        os.unlink(step.target)
    if step.source is None:
        step.target.mkdir()
    else:
        _write_example_file(step)


def _check_directory(directory: Path, force: bool) -> None:
    """DIRECTORY must be a folder (a link to one counts: it was named) or nothing."""
    try:
        mode = directory.lstat().st_mode
    except FileNotFoundError:
        return
    problem = None
    if stat.S_ISLNK(mode) and not directory.exists():
        problem = f"is a link to {os.readlink(directory)}, which does not exist (expected a folder, or nothing)"
    elif not directory.is_dir():
        problem = f"is {_describe(directory, mode)} (expected a folder to write the example into, or nothing)"
    elif not force and any(directory.iterdir()):
        problem = "is not empty (expected an empty or new folder; use --force)"
    if problem is not None:
        print_problems(InputError([Problem(problem, str(directory), code="init")]))
        raise typer.Exit(EXIT_INPUT)


def init(
    directory: Annotated[
        Path,
        typer.Argument(help="Folder to write the reference example into.", show_default=False),
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder that is not empty, replacing the example's files (and "
            "links in their place: never what they point to); the replaced ones are listed.",
        ),
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Write the reference example (eu-sovereign, with its seeded-mistake variants) into DIRECTORY."""
    _check_directory(directory, force)
    try:
        source = example_path()
        steps, problems = _init_plan(source, directory, force)
        if problems:
            print_problems(InputError(problems))
            raise typer.Exit(EXIT_INPUT)
        directory.mkdir(parents=True, exist_ok=True)
        for step in steps:
            _apply(step)
    except OSError as error:
        where = error.filename or directory
        message = f"cannot write: {error.strerror or error} (expected a folder crossfence can write, on a disk with room)"
        print_problems(InputError([Problem(message, str(where), code="init")]))
        raise typer.Exit(EXIT_INPUT) from None
    if quiet:
        return
    for step in steps:
        if step.replaces == "a file":
            out.print(f"replaced {escape(step.target)}", soft_wrap=True)
        elif step.replaces is not None:
            out.print(
                f"replaced {escape(step.target)}, which was {escape(step.replaces)}", soft_wrap=True
            )
    files = sum(1 for step in steps if step.source is not None)
    out.print(
        f"wrote the eu-sovereign reference example to {escape(directory)} ({files} files)",
        soft_wrap=True,
    )
    out.print(f"next: crossfence validate {escape(directory)}", soft_wrap=True)
