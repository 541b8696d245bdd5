"""The checks commands of the `crossfence` command line: `check` and `diff`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..inputs import is_manifests
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    BlueprintPath,
    OverlayOption,
    TextOrJson,
    build,
    fail_input,
    folder_name,
    out,
    read_blueprint,
    read_manifests,
)

if TYPE_CHECKING:
    from ..checks import Report

__all__ = ["CheckFormat", "DiffFormat", "FailOn", "check", "diff"]


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


class DiffFormat(StrEnum):
    """Output formats of `diff`."""

    text = "text"
    json = "json"
    markdown = "markdown"


def _analyse(
    path: Path, fmt: str, skip: list[str], overlays: list[Path] | None = None
) -> tuple[Any, Report]:
    # imported here: a command pays only for what it uses
    from ..checks import REGISTRY, run_checks, run_manifest_checks

    unknown = [
        s for s in skip if s not in REGISTRY and s not in {c.family for c in REGISTRY.values()}
    ]
    if unknown:
        error = InputError.single(
            f"--skip {unknown[0]!r} is not a check id or family "
            f"(expected one of: {', '.join(sorted(REGISTRY))})"
        )
        fail_input(error, TextOrJson.json if fmt == "json" else TextOrJson.text)
    if is_manifests(path):
        cluster = read_manifests(path, fmt)
        return cluster, run_manifest_checks(cluster, folder_name(path), str(path), skip)
    blueprint = read_blueprint(path, fmt, overlays)
    try:
        return blueprint, run_checks(blueprint, build(blueprint), skip)
    except InputError as error:
        fail_input(error, TextOrJson.json if fmt == "json" else TextOrJson.text)


def check(
    path: BlueprintPath,
    fmt: Annotated[
        CheckFormat, typer.Option("--format", "-f", help="Output format.")
    ] = CheckFormat.text,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Exit 1 when a finding is at or above this severity."),
    ] = FailOn.high,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", help="A check id or family to skip (repeatable)."),
    ] = None,
    traces: Annotated[
        bool, typer.Option("--traces/--no-traces", help="Text: print the trace of each flow.")
    ] = True,
    overlay: OverlayOption = None,
) -> None:
    """Check the security patterns the architecture relies on, and the blueprint's intents.

    Findings are grouped by severity, each with the objects involved (file:line) and the trace of
    any flow; suppressed findings are listed with their reason. Exit code 0 when no finding is at
    or above --fail-on (default high), 1 otherwise, 2 on bad input.

    PATH may also be a folder of Kubernetes/Istio manifests (one cluster): the checks of
    Kubernetes and Istio objects run on it (pod isolation, mTLS modes, allow-all policies).
    """
    _, report = _analyse(path, fmt.value, skip or [], overlay)
    if fmt is CheckFormat.json:
        from ..report.findings import report_json

        sys.stdout.write(report_json(report) + "\n")
    elif fmt is CheckFormat.sarif:
        from ..report.sarif import sarif

        sys.stdout.write(json.dumps(sarif(report), indent=2) + "\n")
    elif fmt is CheckFormat.junit:
        from ..report.junit import junit

        sys.stdout.write(junit(report))
    elif fmt is CheckFormat.markdown:
        from ..report.markdown import markdown

        sys.stdout.write(markdown(report))
    else:
        from ..report.findings import render_report

        render_report(report, out.console(), traces)
    failing = report.failing(fail_on.value) if fail_on is not FailOn.none else []
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_OK)


def _addresses(blueprint: Any) -> Any:
    """ObjectRef -> the Terraform address of the object of that name in `blueprint`."""
    found = {
        getattr(obj, "name", None): obj.defined_at.address
        for _, obj in blueprint.walk()
        if obj.defined_at is not None and obj.defined_at.address
    }
    return lambda ref: found.get(ref.name)


def diff(
    old: Annotated[
        Path, typer.Argument(help="The blueprint before (file or folder), or a manifests folder.")
    ],
    new: Annotated[
        Path, typer.Argument(help="The blueprint after (file or folder), or a manifests folder.")
    ],
    fmt: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.text,
    overlay: OverlayOption = None,
) -> None:
    """What changes between two versions of a blueprint: the flows that become allowed or denied
    (per pair of endpoints, the services added and removed) and the findings that appear or go.

    OLD and NEW may both be folders of Kubernetes/Istio manifests (one cluster each): the flows
    are then the NetworkPolicy connectivity of `matrix DIR`, the findings those of `check DIR`.
    Exit code 0 (a difference is not a failure; use `check` to gate), 2 on bad input or when one
    is a blueprint and the other a manifests folder.
    """
    from ..checks.diff import diff as compare
    from ..checks.diff import diff_manifests
    from ..report.diff import diff_json, render_diff

    kinds = (is_manifests(old), is_manifests(new))
    if kinds[0] != kinds[1]:
        manifests, blueprint = (old, new) if kinds[0] else (new, old)
        error = InputError.single(
            f"{manifests} is a folder of Kubernetes/Istio manifests and {blueprint} a blueprint "
            "(expected two blueprints, or two manifests folders)"
        )
        fail_input(error, TextOrJson.json if fmt is DiffFormat.json else TextOrJson.text)
    addresses = None
    if kinds[0]:
        result = diff_manifests(
            read_manifests(old, fmt.value), read_manifests(new, fmt.value), str(old), str(new)
        )
    else:
        after = read_blueprint(new, fmt.value, overlay)
        result = compare(read_blueprint(old, fmt.value, overlay), after)
        addresses = _addresses(after)
    if fmt is DiffFormat.json:
        sys.stdout.write(json.dumps(diff_json(result), indent=2) + "\n")
    elif fmt is DiffFormat.markdown:
        from ..report.diff_markdown import diff_markdown

        sys.stdout.write(diff_markdown(result, addresses))
    else:
        render_diff(result, out.console())
