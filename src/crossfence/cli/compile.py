"""The `compile` command of the `crossfence` command line: a blueprint written out as what each layer enforces."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, Problem
from ..inputs import is_manifests
from .common import (
    EXIT_INPUT,
    BlueprintPath,
    OverlayOption,
    Quiet,
    Reports,
    err,
    escape,
    out,
    print_problems,
    read_blueprint,
)

__all__ = ["CompileTarget", "compile_command"]


class CompileTarget(StrEnum):
    """The targets `compile` builds (only complete ones are offered)."""

    all = "all"
    kubernetes = "kubernetes"
    istio = "istio"
    vault = "vault"
    envoy = "envoy"
    terraform = "terraform"


def compile_command(
    path: BlueprintPath,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="The folder to write into: new, empty, or one a previous compile wrote (its "
            "files are replaced, nothing else); never a cluster's own manifests.",
            show_default=False,
        ),
    ],
    target: Annotated[
        list[CompileTarget] | None,
        typer.Option(
            "--target",
            "-t",
            metavar="TARGET",
            help="What to write: kubernetes, istio, vault, envoy, terraform (GCP, Scaleway and AWS "
            "clouds) or all (the default). Repeat it for several.",
            show_default=False,
        ),
    ] = None,
    quiet: Quiet = False,
    overlay: OverlayOption = None,
) -> None:
    """Write what the blueprint implies for each layer, one folder per target and cluster.

    kubernetes: the namespaces (labels, istio-injection) the NetworkPolicies and sidecars rely
    on; istio: the mesh's and the global namespaces' PeerAuthentications, their
    AuthorizationPolicies and the east-west Gateway; vault: policies (HCL) and Kubernetes auth
    roles (JSON for vault write); envoy: the bootstrap of a Scaleway edge behind IAP, verifying
    the IAP JWT and admitting only what its ACL admits. Each file starts with the blueprint
    objects it came from. The same blueprint gives the same bytes. A construct a target cannot
    express is an error naming it (exit code 2), and nothing is written. --quiet prints nothing
    but problems.

    PATH may be Terraform's JSON (a plan or state) with --overlay, as `import` reads it: what
    gets deployed, compiled from what Terraform holds.
    """
    from ..compile import ALL, TARGETS, compile_blueprint, write_compiled

    reports = Reports("compile", str(path), [], quiet)
    if is_manifests(path):
        reports.fail(
            InputError(
                [
                    Problem(
                        "compile takes a blueprint, and this is a folder of Kubernetes/Istio "
                        "manifests (expected a blueprint file or folder)",
                        file=str(path),
                        code="compile",
                    )
                ]
            )
        )
    blueprint = read_blueprint(path, reports, overlay)
    chosen = [t.value for t in target or [CompileTarget.all]]
    names = [n for n in TARGETS if n in chosen or ("all" in chosen and n in ALL)]
    try:
        compiled = compile_blueprint(blueprint, names)
        for warning in compiled.warnings:
            err.print(f"[yellow]warning[/]: {escape(warning)}")
        written = write_compiled(compiled, output, blueprint)
    except InputError as error:  # a construct no target expresses, manifests that do not load
        print_problems(error)
        raise typer.Exit(EXIT_INPUT) from None
    except OSError as error:
        message = (
            f"cannot write: {error.strerror or error} (expected a folder crossfence can "
            "write, on a disk with room)"
        )
        print_problems(InputError([Problem(message, str(error.filename or output))]))
        raise typer.Exit(EXIT_INPUT) from None
    if quiet:
        return
    for relative in written:
        out.print(escape(relative), soft_wrap=True)
    count = len(written)
    out.print(
        f"[green]compiled[/]: {count} file{'s' if count != 1 else ''} "
        f"({', '.join(names)}) in {escape(output)}",
        soft_wrap=True,
    )
