"""Both sides of a `diff` analysed: each estate's matrix and findings, large ones in two processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .runner import run_checks

if TYPE_CHECKING:
    from ..engine.matrix import Matrix
    from ..model import Blueprint, UnknownValue
    from .base import Finding
    from .diff import BlueprintDiff

__all__ = ["PARALLEL_BYTES", "PARALLEL_FROM", "analysed", "both", "diff_estates"]

Side = tuple["Matrix", list["Finding"], list[tuple["UnknownValue", frozenset[str]]]]
"""One estate analysed: its matrix, its active findings, and the values a Terraform plan knows
only after apply with the endpoints whose answers depend on them (`unknown_endpoints`)."""
Mode = Literal["all", "network"]

PARALLEL_FROM = 2000
"""Workloads (both estates together) from which the two sides are analysed in two processes."""
PARALLEL_BYTES = 8 << 20
"""Input bytes (both sides together) from which `diff_estates` loads them in two processes."""


def analysed(blueprint: Blueprint, mode: Mode) -> Side:
    """One side: its connectivity matrix, its active findings (on one topology) and its unknowns."""
    from ..estate import build_topology, connectivity, unknown_endpoints

    topology = build_topology(blueprint)
    return (
        connectivity(topology, mode),
        run_checks(blueprint, topology).findings,
        unknown_endpoints(blueprint, topology),
    )


def _forked(work: Callable[[], Any], mine: Callable[[], Any]) -> tuple[Any, Any]:
    """`work()` in a forked child (which has the parent's memory: nothing is sent to it) while
    the parent runs `mine()`; the child's result comes back pickled, its error raised here."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)

    def child() -> None:
        try:
            writer.send(("ok", work()))
        except BaseException as error:
            writer.send(("error", error))
        finally:
            writer.close()

    process = context.Process(target=child, daemon=True)
    process.start()
    writer.close()
    try:
        own = mine()
        status, theirs = reader.recv()
    finally:
        process.join()
    if status == "error":
        raise theirs
    return theirs, own


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def both(old: Blueprint, new: Blueprint, mode: Mode) -> tuple[Side, Side]:
    """Both sides; large estates in two processes (2 cores: the time of one)."""
    if len(old.workloads) + len(new.workloads) < PARALLEL_FROM or not _can_fork():
        return analysed(old, mode), analysed(new, mode)
    theirs, mine = _forked(lambda: analysed(old, mode), lambda: analysed(new, mode))
    return theirs, mine


def _size(paths: Sequence[str | Path]) -> int:
    total = 0
    for entry in paths:
        path = Path(entry)
        files = path.rglob("*") if path.is_dir() else [path]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total


def diff_estates(
    old: Sequence[str | Path],
    new: Sequence[str | Path],
    overlays: Sequence[str | Path] = (),
    layers: str = "all",
) -> tuple[BlueprintDiff, Blueprint, Blueprint | None]:
    """`diff` of two estates given as inputs (`crossfence.load`'s: blueprints, plans, states),
    each completed by the overlays; large ones are loaded and analysed in two processes. Returns
    the diff, the new estate, and the old one when it was loaded here (None: in the child, whose
    warnings come back on the diff's `old_warnings`)."""
    from ..estate import load
    from .diff import compare, label

    mode: Mode = "network" if layers == "network" else "all"

    def side(inputs: Sequence[str | Path]) -> tuple[Blueprint, Side]:
        blueprint = load(list(inputs), overlays)
        return blueprint, analysed(blueprint, mode)

    if _size([*old, *new]) < PARALLEL_BYTES or not _can_fork():
        old_blueprint, before = side(old)
        new_blueprint, after = side(new)
        result = compare(label(old_blueprint), label(new_blueprint), before, after)
        result.old_warnings = list(old_blueprint.warnings)
        return result, new_blueprint, old_blueprint

    def far() -> tuple[str, list[Any], Side]:
        blueprint, analysis = side(old)
        return label(blueprint), list(blueprint.warnings), analysis

    (old_label, warnings, before), (new_blueprint, after) = _forked(far, lambda: side(new))
    result = compare(old_label, label(new_blueprint), before, after)
    result.old_warnings = warnings
    return result, new_blueprint, None
