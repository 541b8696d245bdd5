"""Compile a blueprint into what each layer enforces natively: the target registry, and writing a compile's folder.

`compile_blueprint(blueprint, targets)` returns every file of the targets asked for (nothing is
written); `write_compiled(compiled, out, blueprint)` writes them under `out`, one folder per
target and cluster (or Vault, or edge). A construct a target cannot express raises
`CompileError` with every such problem located, and nothing is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import Problem
from ..model import Blueprint
from .base import Compiled, CompileError, OutputFile, Unsupported
from .envoy import compile_envoy
from .mesh import compile_istio, compile_kubernetes
from .terraform import compile_terraform
from .vault import compile_vault

__all__ = [
    "ALL",
    "MARKER",
    "TARGETS",
    "CompileError",
    "Compiled",
    "OutputFile",
    "compile_blueprint",
    "write_compiled",
]

Target = Callable[[Blueprint, Path | None, Compiled, Unsupported], None]

TARGETS: dict[str, Target] = {
    "kubernetes": compile_kubernetes,
    "istio": compile_istio,
    "vault": compile_vault,
    "envoy": compile_envoy,
    "terraform": compile_terraform,
}
"""Every target `compile` builds, in the order they are written. Only complete targets are here."""

ALL = tuple(TARGETS)
"""The targets of `all`: every one (the terraform target refuses a cloud whose provider it does
not write yet, AWS: an error, never a Terraform without that cloud's network)."""

MARKER = ".crossfence-compiled"
"""The file listing what a compile wrote in its folder: the next compile there removes exactly
those files, and writes into no other non-empty folder."""


def compile_blueprint(blueprint: Blueprint, targets: Iterable[str] | None = None) -> Compiled:
    """The files of `targets` (those of `ALL` by default) for `blueprint`; raises `CompileError` when a
    construct cannot be expressed (every problem at once)."""
    compiled = Compiled()
    problems = Unsupported()
    names = list(ALL) if targets is None else list(targets)
    for name in names:
        if name not in TARGETS:
            raise ValueError(f"unknown compile target {name!r}")
        TARGETS[name](blueprint, blueprint.origin, compiled, problems)
    problems.raise_any()
    compiled.warnings.extend(problems.warnings)
    return compiled


def _inside(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


def _own_folders(blueprint: Blueprint, out: Path) -> list[Problem]:
    """A compile folder that is, holds or lies inside a cluster's own manifests would mix the
    compiled objects into them (and the next compile would replace them)."""
    problems = []
    origin = blueprint.origin
    if origin is not None and origin.is_dir() and _inside(out, origin.resolve()):
        problems.append(
            Problem(
                f"the output folder {out} is inside the blueprint folder {origin}: its YAML "
                "files would be read as blueprint files next time (expected a folder outside it)",
                file=str(origin),
                code="compile",
            )
        )
    for cluster in blueprint.clusters:
        for index, entry in enumerate(cluster.manifests):
            folder = cluster.manifests_path(index).resolve()
            if _inside(out, folder) or _inside(folder, out):
                where = cluster.manifests_at(index) or cluster.defined_at
                problems.append(
                    Problem(
                        f"the output folder {out} overlaps the manifests '{entry}' of cluster "
                        f"'{cluster.name}': compiling there could overwrite them (expected an "
                        "output folder apart from the cluster's own manifests)",
                        file=where.file if where else None,
                        line=where.line if where else None,
                        column=where.column if where else None,
                        path=where.path if where else f"clusters[{cluster.name}].manifests",
                        code="compile",
                    )
                )
    return problems


def write_compiled(compiled: Compiled, out: Path, blueprint: Blueprint) -> list[str]:
    """Write every compiled file under `out` and return their relative paths.

    `out` must be absent, empty, or a previous compile's folder (its `MARKER` lists the files it
    wrote: those are removed first, nothing else), and apart from every cluster's own manifests.
    """
    target = out.resolve()
    problems = _own_folders(blueprint, target)
    if problems:
        raise CompileError(problems, summary=str(problems[0]))
    previous: list[str] = []
    if target.exists():
        if not target.is_dir():
            raise CompileError.single(
                f"{out} is not a folder (expected a folder to write the compiled files in)",
                file=str(out),
                code="compile",
            )
        marker = target / MARKER
        if marker.is_file():
            previous = [line for line in marker.read_text("utf-8").splitlines() if line]
        elif any(target.iterdir()):
            raise CompileError.single(
                f"{out} is not empty and was not written by crossfence compile (expected a new "
                "or empty folder, or a previous compile's)",
                file=str(out),
                code="compile",
            )
    for relative in previous:
        path = (target / relative).resolve()
        if _inside(path, target) and path.is_file():
            path.unlink()
    written = sorted(compiled.files)
    target.mkdir(parents=True, exist_ok=True)
    # the list first: a compile cut short leaves a folder the next compile may still replace
    (target / MARKER).write_text("".join(f"{p}\n" for p in written), encoding="utf-8")
    for relative in written:
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(compiled.files[relative].content())
    _prune(target)
    return written


def _prune(root: Path) -> None:
    """Remove the folders a previous compile left empty."""
    folders = [Path(folder) for folder, _, _ in os.walk(root)]
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if folder != root and not any(folder.iterdir()):
            folder.rmdir()
