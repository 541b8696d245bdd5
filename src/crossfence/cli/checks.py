"""The checks commands of the `crossfence` command line: `check`, `diff` and `checks`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError
from ..inputs import is_manifests
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    BlueprintPath,
    Outputs,
    OverlayOption,
    Quiet,
    Reports,
    Sink,
    build,
    checked_skips,
    folder_name,
    format_option,
    read_blueprint,
    read_manifests,
    refuse_overlay,
    settings,
    warn,
    write_json,
)

if TYPE_CHECKING:
    from ..checks import Report

__all__ = ["CheckFormat", "DiffFormat", "FailOn", "ListFormat", "check", "checks", "diff"]


class CheckFormat(StrEnum):
    """Output formats of `check`."""

    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    markdown = "markdown"


class FailOn(StrEnum):
    """The severity at or above which `check` exits with code 1 (`none`: never)."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    none = "none"


FailOnOption = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on",
        metavar="SEVERITY",
        help="Exit 1 when a finding (for diff: one that appears) is at or above SEVERITY: "
        "critical, high, medium, low, info, or none (never). Default: the configured fail-on, "
        "else high.",
        show_default=False,
    ),
]


class DiffFormat(StrEnum):
    """Output formats of `diff`."""

    text = "text"
    json = "json"
    markdown = "markdown"


class ListFormat(StrEnum):
    """Output formats of `checks`."""

    text = "text"
    json = "json"


def _analyse(
    path: Path,
    reports: Reports,
    skip: list[str] | None,
    overlays: list[Path] | None = None,
) -> Report:
    # imported here: a command pays only for what it uses
    from ..checks import run_checks, run_manifest_checks

    skip = checked_skips(skip, reports)
    if is_manifests(path):
        refuse_overlay(path, reports, overlays)
        cluster = read_manifests(path, reports)
        return run_manifest_checks(cluster, folder_name(path), str(path), skip)
    blueprint = read_blueprint(path, reports, overlays)
    try:
        return run_checks(blueprint, build(blueprint, reports), skip)
    except InputError as error:
        reports.fail(error)


def check(
    path: BlueprintPath,
    fmt: Annotated[
        list[CheckFormat] | None,
        format_option(CheckFormat),
    ] = None,
    output: Outputs = None,
    fail_on: FailOnOption = None,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", metavar="ID", help="A check id or family to skip (repeatable)."),
    ] = None,
    traces: Annotated[
        bool, typer.Option("--traces/--no-traces", help="Text: print the trace of each flow.")
    ] = True,
    quiet: Quiet = False,
    overlay: OverlayOption = None,
) -> None:
    """Check the security patterns the architecture relies on, and the blueprint's intents.

    Findings are grouped by severity, each with the objects involved (file:line) and the trace of
    any flow; suppressed findings are listed with their reason. Exit code 0 when no finding is at
    or above --fail-on (default high), 1 otherwise, 2 on bad input. --quiet prints one line per
    finding and nothing else.

    PATH may also be a folder of Kubernetes/Istio manifests (one cluster): the checks of
    Kubernetes and Istio objects run on it (pod isolation, mTLS modes, allow-all policies).

    Example, text on the terminal and SARIF for code scanning in one run:
    crossfence check PATH -f text -o - -f sarif -o crossfence.sarif
    """
    reports = Reports.plan("check", str(path), fmt, output, CheckFormat, quiet)
    config = settings.get()
    threshold = fail_on.value if fail_on is not None else config.get("fail-on", FailOn.high.value)
    report = _analyse(path, reports, skip, overlay)
    failing = report.failing(threshold) if threshold != FailOn.none.value else []
    code = EXIT_FINDINGS if failing else EXIT_OK

    def render(fmt: str, sink: Sink) -> None:
        if fmt == "json":
            from ..report.findings import report_json

            sink.stream.write(report_json(report) + "\n")
        elif fmt == "sarif":
            from ..report.sarif import sarif

            write_json(sarif(report, code, config.get("docs-url")), sink.stream)
        elif fmt == "junit":
            from ..report.junit import junit

            sink.stream.write(junit(report))
        elif fmt == "markdown":
            from ..report.markdown import markdown

            sink.stream.write(markdown(report))
        else:
            from ..report.findings import render_report

            render_report(report, sink.console(), traces, quiet)

    reports.emit(render, code)


def diff(
    old: Annotated[
        Path,
        typer.Argument(
            help="The blueprint before (file or folder), or a manifests folder.",
            show_default=False,
        ),
    ],
    new: Annotated[
        Path,
        typer.Argument(
            help="The blueprint after (file or folder), or a manifests folder.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        list[DiffFormat] | None,
        format_option(DiffFormat),
    ] = None,
    output: Outputs = None,
    fail_on: FailOnOption = None,
    quiet: Quiet = False,
    overlay: OverlayOption = None,
) -> None:
    """What changes from OLD to NEW: the flows that become allowed or denied, the findings that
    appear or go.

    Flows are compared per pair of endpoints through every layer (the services added and
    removed, and those allowed only for some requests). OLD and NEW may both be folders of
    Kubernetes/Istio manifests (one cluster each): the flows are then the NetworkPolicy
    connectivity of `matrix DIR`, the findings those of `check DIR`. Exit code 1 when something
    becomes allowed or a finding at or above --fail-on appears, 0 otherwise (a flow that closes,
    a finding that goes, is no failure), 2 on bad input or when one is a blueprint and the other
    a manifests folder. --quiet prints the changes only.

    OLD and NEW may be Terraform's JSON too (a state and a plan, a blueprint and a plan), each
    completed by the --overlay files; --format markdown is the pull-request comment.
    """
    from ..checks.base import severity_at_least
    from ..checks.diff import diff_manifests
    from ..report.diff import diff_json, render_diff

    reports = Reports.plan("diff", f"{old} {new}", fmt, output, DiffFormat, quiet)
    kinds = (is_manifests(old), is_manifests(new))
    if kinds[0] != kinds[1]:
        manifests, blueprint = (old, new) if kinds[0] else (new, old)
        reports.fail(
            InputError.single(
                f"{manifests} is a folder of Kubernetes/Istio manifests and {blueprint} a "
                "blueprint (expected two blueprints, or two manifests folders)",
                code="usage",
            )
        )
    try:
        if kinds[0]:
            refuse_overlay(old, reports, overlay)
            result = diff_manifests(
                read_manifests(old, reports), read_manifests(new, reports), str(old), str(new)
            )
        else:
            from ..checks.sides import diff_estates

            # both estates read (and analysed) at once: two processes for large ones
            result, after, before = diff_estates([old], [new], overlay or ())
            warn([*(before.warnings if before else result.old_warnings), *after.warnings])
    except InputError as error:
        reports.fail(error)

    def render(fmt: str, sink: Sink) -> None:
        if fmt == "json":
            write_json(diff_json(result), sink.stream)
        elif fmt == "markdown":
            from ..report.diff_markdown import diff_markdown

            sink.stream.write(diff_markdown(result))
        else:
            render_diff(result, sink.console(), quiet)

    threshold = fail_on.value if fail_on is not None else settings.get().get("fail-on", "high")
    failing = threshold != FailOn.none.value and any(
        severity_at_least(f.severity, threshold) for f in result.findings_added
    )
    reports.emit(render, EXIT_FINDINGS if result.opens or failing else EXIT_OK)


def checks(
    fmt: Annotated[
        list[ListFormat] | None,
        format_option(ListFormat),
    ] = None,
    output: Outputs = None,
    quiet: Quiet = False,
) -> None:
    """List the checks `check` runs: id, severity, family and title (JSON adds why and fix).

    A check marked "also on manifests" runs on a folder of Kubernetes/Istio manifests too.
    --quiet prints their ids, one a line.
    """
    from ..checks import REGISTRY
    from ..report.findings import checks_json, render_checks

    reports = Reports.plan("checks", "", fmt, output, ListFormat, quiet)
    listed = list(REGISTRY.values())

    def render(fmt: str, sink: Sink) -> None:
        if fmt == "json":
            write_json(checks_json(listed), sink.stream)
        else:
            render_checks(listed, sink.console(), quiet)

    reports.emit(render, EXIT_OK)
