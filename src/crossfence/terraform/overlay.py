"""Blueprint overlays merged onto an estate read from Terraform (or onto a blueprint): what Terraform does not hold.

An overlay is a blueprint file or folder. Each of its objects either adds an object, or completes
one the estate already has: the one read from the Terraform resource its `terraform:` key names
(`terraform: module.hub.google_compute_instance.vault`), else the one of its section with the
same `name` (the name the object has in the cloud), else, for a cloud, the one whose `project`
it gives or the only one of its `provider`. A field the overlay writes replaces the one read; a
`name` written with `terraform:` renames the object everywhere. Later overlays apply after
earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from ..model.blueprint import SECTIONS
from ..model.loader import Loc, Positions, format_path, load_documents

if TYPE_CHECKING:
    from .build import Builder

__all__ = ["Layer", "Merged", "read_layer", "renames"]

TERRAFORM_KEY = "terraform"
"""The overlay key naming the Terraform address of the object an overlay object completes."""


@dataclass
class Layer:
    """One blueprint file or folder read with its positions: a YAML input or an overlay."""

    name: str
    data: dict[str, Any]
    positions: Positions

    def find(self, loc: Loc) -> tuple[str, int, int] | None:
        return self.positions.find(loc)


def read_layer(path: Path) -> tuple[Layer | None, list[Problem]]:
    """A blueprint file or folder as a layer and its warnings, or its YAML problems."""
    from ..errors import BlueprintError

    try:
        data, positions, problems = load_documents(path)
    except BlueprintError as error:
        return None, list(error.problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    # warnings (a file skipped while listing the folder) go with the layer
    return Layer(str(path), data, positions), problems


def renames(layers: list[Layer]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """What the overlays rename before the estate is built: Terraform address -> name (objects
    with `terraform:` and `name:`), and every overlay cloud (matched to the clouds read)."""
    names: dict[str, str] = {}
    clouds: list[dict[str, Any]] = []
    for layer in layers:
        for section in SECTIONS:
            for item in layer.data.get(section) or ():
                if type(item) is not dict:
                    continue
                if section == "clouds":
                    clouds.append(item)
                address = item.get(TERRAFORM_KEY)
                if isinstance(address, str) and isinstance(item.get("name"), str):
                    names[address] = item["name"]
    return names, clouds


@dataclass
class _Whole:
    layer: Layer
    loc: Loc


@dataclass
class Merged:
    """The merged document and where each part of it came from."""

    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    scalars: dict[str, tuple[Any, Layer, Loc]] = field(default_factory=dict)
    whole: dict[int, _Whole] = field(default_factory=dict)
    """Objects written whole by a layer: id -> where."""
    patches: dict[int, list[tuple[str, Layer, Loc]]] = field(default_factory=dict)
    """Objects completed by a layer: id -> (field, layer, its loc there)."""
    problems: list[Problem] = field(default_factory=list)
    _alive: list[Any] = field(default_factory=list)
    # what overlays look objects up in, made once (an overlay of 10,000 items looked through
    # every object read, and every cloud, once per item)
    _read_clouds: list[dict[str, Any]] | None = None
    _by_address: dict[str, list[tuple[str, tuple[str, dict[str, Any]]]]] | None = None

    @classmethod
    def of_builder(cls, builder: Builder) -> Merged:
        merged = cls()
        merged.sections = builder.sections
        return merged

    def add_layer(self, layer: Layer, builder: Builder | None) -> None:
        """Merge one layer: its scalars set, its objects added or completing one already there."""
        by_name = {
            section: {o.get("name"): o for o in items if isinstance(o.get("name"), str)}
            for section, items in self.sections.items()
        }
        for key, value in layer.data.items():
            if key in SECTIONS:
                continue
            self.scalars[key] = (value, layer, (key,))
        for section in SECTIONS:
            items = layer.data.get(section)
            if not items:
                continue
            names = by_name.setdefault(section, {})
            for index, item in enumerate(items):
                loc: Loc = (section, index)
                if type(item) is not dict:
                    self._new(section, item, layer, loc)
                    continue
                target = self._target(section, item, layer, loc, names, builder)
                if target is None:
                    if TERRAFORM_KEY in item:
                        continue  # reported by _target
                    self._new(section, item, layer, loc)
                    if isinstance(item.get("name"), str):
                        names[item["name"]] = item
                    continue
                patches = self.patches.setdefault(id(target), [])
                self._alive.append(target)
                for key, value in item.items():
                    if key == TERRAFORM_KEY:
                        continue
                    # `manifests` stays as written: an entry is relative to the file it is written
                    # in (`Cluster.manifests_path`), the overlay's
                    if type(value) is dict and type(target.get(key)) is dict:
                        # a mapping completes the one read (an IAP's identity provider)
                        target[key] = {**target[key], **value}
                        for sub in value:
                            patches.append((f"{key}.{sub}", layer, (*loc, key, sub)))
                        continue
                    target[key] = value
                    patches.append((key, layer, (*loc, key)))
                if isinstance(target.get("name"), str):
                    names[target["name"]] = target

    def _new(self, section: str, item: Any, layer: Layer, loc: Loc) -> None:
        self.sections.setdefault(section, []).append(item)
        self.whole[id(item)] = _Whole(layer, loc)
        self._alive.append(item)

    def _target(
        self,
        section: str,
        item: dict[str, Any],
        layer: Layer,
        loc: Loc,
        names: dict[Any, dict[str, Any]],
        builder: Builder | None,
    ) -> dict[str, Any] | None:
        address = item.get(TERRAFORM_KEY)
        if address is not None:
            where = layer.find((*loc, TERRAFORM_KEY))
            file, line, column = where if where else (layer.name, None, None)
            if builder is None:
                # a blueprint input: the object names a Terraform resource, which it does not have
                self.problems.append(
                    Problem(
                        f"completes the Terraform resource {address}, and this input is a blueprint: "
                        "not applied (it applies to plans and states)",
                        file=file,
                        line=line,
                        column=column,
                        path=format_path((*loc, TERRAFORM_KEY)),
                        severity="warning",
                        code="overlay-not-applied",
                    )
                )
                return None

            def problem(message: str) -> None:
                self.problems.append(
                    Problem(
                        message,
                        file=file,
                        line=line,
                        column=column,
                        path=format_path((*loc, TERRAFORM_KEY)),
                        code="unknown-reference",
                    )
                )

            if not isinstance(address, str):
                problem(
                    f"{address!r} is not a Terraform address (expected e.g. 'module.hub.google_compute_instance.vault')"
                )
                return None
            if self._by_address is None:
                self._by_address = {}
                for (f, a), s_obj in builder.objects.items():
                    self._by_address.setdefault(a, []).append((f, s_obj))
            found = self._by_address.get(address, [])
            if not found:
                known = sorted(
                    {
                        a
                        for (_, a), (s, _) in (builder.objects.items() if builder else ())
                        if s == section
                    }
                )
                from ..model.validate.base import did_you_mean

                problem(
                    f"no resource {address} was read into {section} from the Terraform files "
                    f"(expected the address of one{did_you_mean(address, known)})"
                )
                return None
            in_section = [obj for _, (s, obj) in found if s == section]
            if len(in_section) != 1:
                other = sorted({s or "an object inside another" for _, (s, _) in found})
                problem(
                    f"{address} is read into {', '.join(other)}, not {section}"
                    if not in_section
                    else f"{address} is in {len(in_section)} files (expected one resource with this address)"
                )
                return None
            return in_section[0]
        name = item.get("name")
        if isinstance(name, str) and name in names:
            return names[name]
        if section == "clouds" and builder is not None:
            if self._read_clouds is None:  # (the clouds read from Terraform, not the layers')
                self._read_clouds = [
                    c for c in self.sections.get("clouds", []) if id(c) not in self.whole
                ]
            read = self._read_clouds
            project = item.get("project")
            matches = (
                [c for c in read if str(c.get("project")) == str(project)]
                if project is not None
                else [c for c in read if c.get("provider") == item.get("provider")]
            )
            if len(matches) == 1:
                return matches[0]
        return None

    # -- the merged document and its positions -------------------------------------------------
    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: value for key, (value, _, _) in self.scalars.items()}
        for section in SECTIONS:
            if self.sections.get(section):
                out[section] = self.sections[section]
        return out

    def locate(self, positions: Positions, obj: Any, loc: Loc) -> bool:
        """Record the positions of an object written by a layer (whole, or its completed fields);
        True when it was one."""
        whole = self.whole.get(id(obj))
        if whole is not None:
            _copy(positions, whole.layer, whole.loc, loc, obj)
        # a later layer's fields where it wrote them (a cluster's `manifests`, relative to it)
        for key, layer, source in self.patches.get(id(obj), ()):
            _copy(
                positions, layer, source, (*loc, key), obj.get(key) if type(obj) is dict else None
            )
        return whole is not None

    def locate_scalars(self, positions: Positions) -> None:
        for key, (value, layer, loc) in self.scalars.items():
            _copy(positions, layer, loc, (key,), value)
            found = layer.positions.find(loc, key=True)
            if found:
                positions._keys[(key,)] = found


def _copy(positions: Positions, layer: Layer, source: Loc, target: Loc, value: Any) -> None:
    """The positions of `value` (at `source` in `layer`) recorded at `target` of the merged document."""
    found = layer.positions.find(source)
    if found is not None:
        positions._values[target] = found
    key = layer.positions.find(source, key=True) if source and isinstance(source[-1], str) else None
    if key is not None:
        positions._keys[target] = key
    if type(value) is dict:
        for name, item in value.items():
            _copy(positions, layer, (*source, name), (*target, name), item)
    elif type(value) is list:
        for index, item in enumerate(value):
            _copy(positions, layer, (*source, index), (*target, index), item)
