"""An estate from Terraform plans and states (and blueprints), with overlays: merged, located, validated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BlueprintError, Problem, sort_problems
from ..located.files import list_files
from ..model.base import UnknownValue
from ..model.loader import Loc, Positions, format_path, load_merged
from .build import Builder, Origin
from .detect import SKIPPED_FOLDERS, read_terraform_bytes, terraform_listing
from .overlay import Layer, Merged, read_layer, renames
from .read import TerraformFile, decode, read_text
from .refs import ResourceIndex

if TYPE_CHECKING:
    from ..model import Blueprint
    from ..model.vocabulary import Vocabulary
    from .mapping import TerraformMapping

__all__ = ["load_estate"]

_YAML = (".yaml", ".yml")


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _has_yaml(path: Path) -> bool:
    """Whether a folder holds YAML beside its Terraform files (a blueprint merged on them)."""
    return bool(list_files(path, _YAML, skip_folders=SKIPPED_FOLDERS).files)


def load_estate(
    inputs: Sequence[str | Path],
    overlays: Sequence[str | Path],
    vocabulary: Vocabulary,
    mappings: tuple[TerraformMapping, ...],
) -> Blueprint:
    """The estate of Terraform files (plans, states) and blueprints, completed by overlays.

    Each input is a Terraform JSON file, a folder (its Terraform files, and its YAML as a
    blueprint merged on them), or a blueprint; overlays apply in order. Raises `BlueprintError`
    with every problem (located in the JSON file at the resource, with its address)."""
    problems: list[Problem] = []
    files: list[TerraformFile] = []
    layers: list[Layer] = []
    for entry in inputs:
        path = Path(entry)
        listing = terraform_listing(path)
        if listing.errors:
            # a path that does not exist, a folder that cannot be listed: part of it would be
            # left out
            problems += listing.errors
            continue
        problems += listing.problems  # warnings: files skipped (a FIFO, a link read twice)
        tf = listing.files
        for file in tf:
            name = _display(file)
            try:
                files.append(read_text(name, decode(read_terraform_bytes(file, name), name)))
            except BlueprintError as error:
                problems += error.problems
        if not tf or (path.is_dir() and _has_yaml(path)):
            layer, found = read_layer(path)
            problems += found
            if layer is not None:
                layers.append(layer)
    for entry in overlays:
        layer, found = read_layer(Path(entry))
        problems += found
        if layer is not None:
            layers.append(layer)
    if any(p.severity == "error" for p in problems):
        raise BlueprintError(sort_problems(problems), summary="the input does not read")

    names, clouds = renames(layers)
    index = ResourceIndex(files)
    builder = Builder(index, mappings, names, clouds)
    builder.build()
    errors = [p for p in builder.problems if p.severity == "error"]
    if errors:
        raise BlueprintError(
            sort_problems(builder.problems), summary="the Terraform files do not map"
        )
    merged = Merged.of_builder(builder)
    for layer in layers:
        merged.add_layer(layer, builder if files else None)
    if any(p.severity == "error" for p in merged.problems):
        raise BlueprintError(sort_problems(merged.problems), summary="the overlay does not apply")
    builder.problems += merged.problems
    builder.problems += problems  # warnings of reading: files skipped

    data = merged.document()
    positions, addresses, origins = _positions(merged, builder, data)
    words = _Rewriter(origins)
    first = Path(inputs[0]) if inputs else None
    try:
        blueprint = load_merged(
            data,
            positions,
            vocabulary,
            origin=first,
            summary=", ".join(str(i) for i in inputs),
            addresses=addresses,
            rewrite=words,
        )
    except BlueprintError as error:
        raise BlueprintError(
            sort_problems([*builder.problems, *error.problems]), summary=error.summary
        ) from None
    blueprint._warnings = tuple(sort_problems([*builder.problems, *blueprint.warnings]))
    blueprint._unknowns = tuple(_unknowns(builder, merged, positions, data))
    return blueprint


def _positions(
    merged: Merged, builder: Builder, data: dict[str, Any]
) -> tuple[Positions, dict[Loc, str], dict[str, Origin]]:
    """Where every object of the merged document came from: the resource's place in its JSON
    file, or the layer's file and line."""
    positions = Positions()
    addresses: dict[Loc, str] = {}
    origins: dict[str, Origin] = {}
    merged.locate_scalars(positions)
    seen: dict[int, Loc] = {}

    def visit(value: Any, loc: Loc) -> None:
        if type(value) is dict:
            key = id(value)
            seen[key] = loc
            if merged.locate(positions, value, loc):
                return
            origin = builder.origins.get(key)
            if origin is not None:
                resource = origin.resource
                positions._values[loc] = (resource.file, resource.line or 1, resource.column or 1)
                addresses[loc] = resource.address
                origins[format_path(loc)] = origin
            for name, item in value.items():
                if type(item) in (dict, list):
                    visit(item, (*loc, name))
        elif type(value) is list:
            for index, item in enumerate(value):
                visit(item, (*loc, index))

    for section, items in data.items():
        if type(items) is list:
            positions._keys.setdefault(
                (section,),
                (builder.index.files[0].name, 1, 1) if builder.index.files else ("", 1, 1),
            )
            visit(items, (section,))
    builder.state["_locs"] = seen
    return positions, addresses, origins


_LAST = re.compile(r"(\.[^.\[]+|\[\d+\])$")


class _Rewriter:
    """A problem about an object read from Terraform, worded with its address and argument."""

    def __init__(self, origins: dict[str, Origin]) -> None:
        self.origins = origins

    def __call__(self, problem: Problem) -> Problem:
        path = problem.path
        tail = ""
        while path:
            origin = self.origins.get(path)
            if origin is not None:
                return self._worded(problem, origin, tail)
            match = _LAST.search(path)
            if match is None:
                break
            tail = match.group(1) + tail
            path = path[: match.start()]
        return problem

    def _worded(self, problem: Problem, origin: Origin, tail: str) -> Problem:
        message = problem.message
        if tail.startswith("."):
            first = re.match(r"\.([^.\[]+)(.*)", tail)
            if first:
                argument = origin.fields.get(first.group(1))
                if argument is None:
                    message += (
                        f" (blueprint field '{first.group(1)}' of {problem.path}: not a Terraform "
                        "argument; write it in the overlay, with `terraform:` naming the resource)"
                    )
                    tail = ""
                else:
                    tail = f".{argument}{first.group(2)}"
        from dataclasses import replace

        return replace(problem, path=f"{origin.resource.address}{tail}", message=message)


def _unknowns(
    builder: Builder, merged: Merged, positions: Positions, data: dict[str, Any]
) -> list[UnknownValue]:
    locs: dict[int, Loc] = builder.state.get("_locs", {})
    out: list[UnknownValue] = []
    for unknown in builder.unknowns:
        base = locs.get(id(unknown.obj))
        if base is None:
            continue
        patched = {tuple(key.split(".")) for key, _, _ in merged.patches.get(id(unknown.obj), ())}
        if any(unknown.path[: len(key)] == key for key in patched):
            continue  # the overlay gave the value
        loc = (*base, *unknown.path)
        resource = unknown.resource
        out.append(
            UnknownValue(
                format_path(loc),
                loc,
                unknown.attribute,
                resource.file,
                resource.line,
                resource.column,
                unknown.stand_in,
            )
        )
    del positions, data
    return out
