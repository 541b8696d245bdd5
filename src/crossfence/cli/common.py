"""What every command group of the `crossfence` command line shares: exit codes, options, reports, loading."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO

import typer

from ..errors import InputError, Problem
from .output import STDOUT, PipeClosed, Sink, Target, err, out, plan, write_file, write_stdout

if TYPE_CHECKING:
    from .config import Config

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "STDOUT",
    "BlueprintPath",
    "Outputs",
    "OverlayOption",
    "PipeClosed",
    "Quiet",
    "Reports",
    "Sink",
    "build",
    "checked_skips",
    "err",
    "escape",
    "folder_name",
    "format_option",
    "load",
    "out",
    "print_problems",
    "read_blueprint",
    "read_manifests",
    "refuse_overlay",
    "settings",
    "warn",
    "write_file",
    "write_json",
]

# The model (pydantic), the engine and the renderers are imported when a command needs them: a
# command on Kubernetes manifests should not pay for the blueprint's machinery at start-up.

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def escape(text: object) -> str:
    """User text made safe for Rich markup: `[/x]` and `[bold]` print as written."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def load(path: Path, overlays: Sequence[Path] | None = None) -> Any:
    """The estate at PATH, a blueprint or Terraform's JSON (recognised by content), completed by
    the overlays (`crossfence.estate.load`, imported on first use)."""
    from ..estate import load as load_blueprint

    return load_blueprint(path, overlays or ())


BlueprintPath = Annotated[
    Path,
    typer.Argument(
        help="A blueprint file, a folder of blueprint files merged into one, or a folder of "
        "Kubernetes/Istio manifests (one cluster); or what `terraform show -json` prints for a "
        "plan or state, a state file, or a folder of them (one estate).",
        show_default=False,
    ),
]
OverlayOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--overlay",
        metavar="FILE|DIR",
        help="A blueprint file or folder completing a Terraform estate (jurisdictions, personal "
        "data, manifests, intents, names; objects name resources by Terraform address or by "
        "name). Repeatable.",
        show_default=False,
    ),
]
Outputs = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the report to FILE ('-': standard output). Repeat it with --format: the i-th "
        "-o takes the i-th --format.",
        show_default=False,
    ),
]


def format_option(offered: Iterable[str]) -> Any:
    """The repeatable `--format/-f` of a command offering these formats."""
    names = [str(f) for f in offered]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}"
    return typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"Output format: {listed}. Repeat it with -o to write several. Default: the "
        "configured format, else text.",
        show_default=False,
    )


Quiet = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print less (text): see above for what is left."),
]


class _Settings:
    """The configuration of the current run, read on first use (the app's callback resets it)."""

    explicit: Path | None = None
    _read: Config | None = None

    def reset(self, explicit: Path | None) -> None:
        self.explicit, self._read = explicit, None

    def get(self) -> Config:
        if self._read is None:
            from .config import read  # a command that reads no default pays nothing for it

            try:
                self._read = read(self.explicit)
            except InputError as error:
                print_problems(error)
                raise typer.Exit(EXIT_INPUT) from None
        return self._read


settings = _Settings()


def print_problems(
    error: InputError, *, stream: Any = None, outcome: str = "nothing was done"
) -> None:
    """The problems of bad input as located lines (`error: file:line:col: path: message`) on
    standard error, then their count and `outcome`."""
    from ..located.guard import MAX_PROBLEMS

    console = err if stream is None else stream
    problems = error.problems or []
    # (a blueprint's loader keeps MAX_PROBLEMS and adds one saying how many it left out)
    cut = len(problems) > MAX_PROBLEMS + 1
    for problem in problems[:MAX_PROBLEMS] if cut else problems:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{style}]{problem.severity}[/]: {escape(problem)}")
    if cut:
        # (a folder of 100,000 broken manifests: each line costs Rich a few hundred µs)
        console.print(
            f"[red]error[/]: {len(problems) - MAX_PROBLEMS:,} more problems not printed: the "
            f"first {MAX_PROBLEMS:,} are (the JSON document, `--format json`, lists them all)"
        )
    if not error.problems:
        console.print(f"[red]error[/]: {escape(error.summary)}")
    count = len(error.errors) or 1
    console.print(f"[red]{count} error{'s' if count != 1 else ''}[/]; {outcome}.")


def warn(warnings: Iterable[Problem]) -> None:
    """Warnings (legal but suspicious input) on standard error, whatever the formats."""
    for warning in warnings:
        err.print(f"[yellow]warning[/]: {escape(warning)}")


def write_json(document: dict[str, Any], stream: TextIO) -> None:
    """A JSON document as every command writes it: indented by two, a newline at the end."""
    stream.write(json.dumps(document, indent=2) + "\n")


def _failure(fmt: str, error: InputError, command: str, subject: str, stream: TextIO) -> None:
    """The document of format `fmt` saying the run failed, with every problem."""
    from ..report.problems import (
        failure_comment,
        failure_csv,
        failure_html,
        failure_json,
        failure_junit,
        failure_markdown,
    )

    if fmt == "json":
        write_json(failure_json(error.problems), stream)
    elif fmt == "sarif":
        from ..report.sarif import sarif_failure

        write_json(sarif_failure(error.problems, EXIT_INPUT), stream)
    elif fmt == "junit":
        stream.write(failure_junit(error.problems, f"crossfence {command} {subject}"))
    elif fmt == "markdown":
        stream.write(failure_markdown(error.problems, f"crossfence {command}: {subject}"))
    elif fmt == "csv":
        stream.write(failure_csv(error.problems))
    elif fmt == "html":
        stream.write(failure_html(error.problems, f"crossfence {command}: {subject}"))
    elif fmt in ("dot", "mermaid"):
        stream.write(failure_comment(error.problems, "//" if fmt == "dot" else "%%"))
    else:
        from .output import file_console

        print_problems(error, stream=file_console(stream))


class Reports:
    """The reports one command writes: each `--format` to standard output or its `-o` file.

    On success every report is rendered from the same result; on bad input every report still
    gets a valid document of its format saying so (JSON problems, a SARIF log whose invocation
    failed, a JUnit error), so an uploader never receives an empty or stale file, and the
    problems are printed on standard error.
    """

    def __init__(self, command: str, subject: str, targets: list[Target], quiet: bool) -> None:
        self.command = command
        self.subject = subject
        self.targets = targets
        self.quiet = quiet
        self.errors: list[InputError] = []

    @classmethod
    def plan(
        cls,
        command: str,
        subject: str,
        formats: Sequence[str] | None,
        outputs: Sequence[str] | None,
        offered: Iterable[str],
        quiet: bool = False,
    ) -> Reports:
        """The reports of a command, from its options and the configured `format`; a wrong
        combination is bad usage (exit code 2)."""
        try:
            targets = plan(formats, outputs, offered, settings.get().get("format", "text"))
        except InputError as error:
            print_problems(error)
            raise typer.Exit(EXIT_INPUT) from None
        return cls(command, subject, targets, quiet)

    @property
    def formats(self) -> list[str]:
        """The formats asked for, in order."""
        return [t.format for t in self.targets]

    def _write(self, target: Target, write: Callable[[Sink], None]) -> None:
        try:
            if target.path is None:
                write_stdout(lambda stream: write(Sink(stream, terminal=True)))
            else:
                write_file(target.path, lambda stream: write(Sink(stream, terminal=False)))
        except InputError as error:
            self.errors.append(error)

    def fail(self, error: InputError) -> NoReturn:
        """Bad input: the problems on standard error, a failure document for every report that
        is not text on the terminal, exit code 2."""
        print_problems(error)
        for target in self.targets:
            if target.format == "text" and target.path is None:
                continue  # the problems just printed are the text report
            self._write(
                target,
                lambda sink, fmt=target.format: _failure(  # type: ignore[misc]
                    fmt, error, self.command, self.subject, sink.stream
                ),
            )
        self._unwritten()
        raise typer.Exit(EXIT_INPUT)

    def _unwritten(self) -> None:
        """Say which reports could not be written (a full disk, a folder gone)."""
        if self.errors:
            problems = [p for error in self.errors for p in error.problems]
            count = len(problems)
            print_problems(
                InputError(problems),
                outcome=f"{count} report{'s' if count != 1 else ''} not written",
            )

    def emit(self, render: Callable[[str, Sink], None], code: int) -> NoReturn:
        """Write every report with `render(format, sink)`, then exit with `code` (2 when a
        report could not be written)."""
        for target in self.targets:
            self._write(target, lambda sink, fmt=target.format: render(fmt, sink))  # type: ignore[misc]
        if self.errors:
            self._unwritten()
            raise typer.Exit(EXIT_INPUT)
        raise typer.Exit(code)


def read_manifests(path: Path, reports: Reports) -> Any:
    """A folder of manifests loaded as one cluster, its warnings printed; bad input fails."""
    from ..providers.kubernetes import load_manifests

    try:
        cluster = load_manifests(path)
    except InputError as error:
        reports.fail(error)
    warn(cluster.warnings)
    return cluster


def refuse_overlay(path: Path, reports: Reports, overlays: Sequence[Path] | None) -> None:
    """`--overlay` with a folder of manifests is bad usage: it completes a blueprint or
    Terraform's JSON, and would otherwise be ignored without a word."""
    if overlays:
        reports.fail(
            InputError.single(
                f"--overlay completes a blueprint or Terraform's JSON, and {path} is a folder of "
                "Kubernetes/Istio manifests (expected no --overlay with manifests)",
                code="usage",
            )
        )


def folder_name(path: Path) -> str:
    """What a report calls a folder of manifests: its name (`.` is the working directory's)."""
    return path.resolve().name or str(path)


def read_blueprint(path: Path, reports: Reports, overlays: Sequence[Path] | None = None) -> Any:
    """The estate at PATH with its overlays, its warnings printed; bad input fails."""
    try:
        blueprint = load(path, overlays)
    except InputError as error:
        reports.fail(error)
    warn(blueprint.warnings)
    return blueprint


def build(blueprint: Any, reports: Reports) -> Any:
    """The topology (IR) of a blueprint (`crossfence.topology`, imported on first use)."""
    from ..estate import build_topology

    try:
        return build_topology(blueprint)
    except InputError as error:
        reports.fail(error)


def checked_skips(skip: list[str] | None, reports: Reports) -> list[str]:
    """The checks to skip: `--skip`, else the configuration's `skip`; one that names no check
    id or family fails (located in the configuration file when it comes from there)."""
    from ..checks import REGISTRY

    configured = not skip
    skip = list(skip) if skip else list(settings.get().get("skip", []))
    families = {c.family for c in REGISTRY.values()}
    unknown = [(i, s) for i, s in enumerate(skip) if s not in REGISTRY and s not in families]
    if unknown:
        import difflib

        index, name = unknown[0]
        close = difflib.get_close_matches(name, [*REGISTRY, *sorted(families)], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        where = settings.get().where(f"skip[{index}]") if configured else {}
        reports.fail(
            InputError(
                [
                    Problem(
                        f"{'' if configured else '--skip '}{name!r} is not a check id or family "
                        "(expected an id that `crossfence checks` lists, or a family: "
                        f"{', '.join(sorted(families))}{hint})",
                        code="config" if configured else "usage",
                        **where,
                    )
                ]
            )
        )
    return skip
