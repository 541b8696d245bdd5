"""A blueprint written out as a folder of YAML files (one per cloud), each object with a comment saying where it was read from.

What `crossfence import` writes: the estate read from Terraform plans or states and their
overlays, as a blueprint to keep and edit. Only the fields that were written (read from a
resource, or by the overlay) are written again, so loading the folder gives the same blueprint;
a cluster's `manifests` folders are rebased on the output folder.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import Model
from .blueprint import SECTIONS
from .kubernetes import Cluster

if TYPE_CHECKING:
    from .blueprint import Blueprint

__all__ = ["blueprint_files", "write_blueprint"]

_SCALARS = ("crossfence", "name", "description", "personal_data_jurisdiction")
_SHARED = "estate"
"""The file of what belongs to no one cloud: the estate's own fields, its clouds, tunnels and
sessions between clouds, global namespaces, controls, intents and suppressions."""


def _cloud(blueprint: Blueprint, section: str, obj: Any) -> str | None:
    """The cloud whose file an object goes to (None: the shared file)."""
    if section in (
        "clouds",
        "vpn_tunnels",
        "bgp_sessions",
        "global_namespaces",
        "intents",
        "suppressions",
        "keys",
        "dlp_paths",
        "backups",
        "vault_roles",
        "credentials",
    ):
        return None
    if section in ("peerings", "dns_server_policies"):
        network = blueprint.get("networks", obj.network)
        return str(network.cloud) if network is not None else None
    cloud = blueprint.cloud_of(obj)
    return cloud.name if cloud is not None else None


def _comment(
    obj: Model, parent: Model | None, unknowns: dict[tuple[str | int, ...], list[str]]
) -> str | None:
    where = obj.defined_at
    if where is None:
        return None
    notes = unknowns.get(where.loc, [])
    inside = (
        parent is not None
        and parent.defined_at is not None
        and parent.defined_at.address is not None
    )
    if inside and where.address in (None, parent.defined_at.address) and not notes:  # type: ignore[union-attr]
        return None  # read with its parent
    text = f"{where.address} ({where.file})" if where.address else f"{where.file}:{where.line}"
    return "\n".join([text, *notes])


def _value(
    obj: Model, out_dir: Path, unknowns: dict[tuple[str | int, ...], list[str]], indent: int
) -> Any:
    """`obj` as YAML nodes; `indent` is the column of its fields."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = CommentedMap()
    for name in type(obj).model_fields:
        if name not in obj.model_fields_set:
            continue
        value = getattr(obj, name)
        if isinstance(value, Model):
            node[name] = _value(value, out_dir, unknowns, indent + 2)
        elif isinstance(value, tuple) and value and all(isinstance(v, Model) for v in value):
            items = CommentedSeq()
            for index, item in enumerate(value):
                items.append(_value(item, out_dir, unknowns, indent + 4))
                comment = _comment(item, obj, unknowns)
                if comment:
                    items.yaml_set_comment_before_after_key(
                        index, before=comment, indent=indent + 2
                    )
            node[name] = items
        else:
            dumped = obj.model_dump(mode="json", include={name})[name]
            if name == "manifests" and isinstance(obj, Cluster):
                # each entry is relative to the file it was written in: rebased on the folder
                dumped = [
                    os.path.relpath(obj.manifests_path(index), out_dir)
                    if not Path(entry).is_absolute()
                    else entry
                    for index, entry in enumerate(dumped)
                ]
            node[name] = dumped
    return node


def _unknowns(blueprint: Blueprint) -> dict[tuple[str | int, ...], list[str]]:
    """Object loc -> a note for each value of it the plan does not know yet."""
    out: dict[tuple[str | int, ...], list[str]] = {}
    objects = {obj.defined_at.loc for _, obj in blueprint.walk() if obj.defined_at is not None}
    for unknown in blueprint.unknowns:
        loc = unknown.loc
        # the object holding the field: the longest prefix that is an object
        while loc and loc not in objects:
            loc = loc[:-1]
        held = f"stand-in {unknown.stand_in}" if unknown.stand_in is not None else "left out"
        out.setdefault(loc, []).append(f"known after apply: {unknown.address} ({held})")
    return out


def _files(blueprint: Blueprint) -> Iterator[tuple[str, str, list[Model]]]:
    grouped: dict[str, dict[str, list[Model]]] = {}
    for section in SECTIONS:
        for obj in getattr(blueprint, section):
            cloud = _cloud(blueprint, section, obj)
            grouped.setdefault(cloud or _SHARED, {}).setdefault(section, []).append(obj)
    for file, sections in sorted(grouped.items(), key=lambda kv: (kv[0] != _SHARED, kv[0])):
        for section, objects in sections.items():
            yield file, section, objects


def write_blueprint(blueprint: Blueprint, out_dir: str | Path) -> list[Path]:
    """Write `blueprint` into `out_dir` (created): `estate.yaml` and one `<cloud>.yaml` per cloud."""
    files = blueprint_files(blueprint, out_dir)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def blueprint_files(blueprint: Blueprint, out_dir: str | Path) -> dict[Path, str]:
    """The files `write_blueprint` writes into `out_dir`, and their text: `estate.yaml` and one
    `<cloud>.yaml` per cloud (manifests folders are written relative to `out_dir`)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    out = Path(out_dir)
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 120
    unknowns = _unknowns(blueprint)
    documents: dict[str, CommentedMap] = {}
    shared = documents.setdefault(_SHARED, CommentedMap())
    for key in _SCALARS:
        if key in blueprint.model_fields_set:
            shared[key] = blueprint.model_dump(mode="json", include={key})[key]
    for file, section, objects in _files(blueprint):
        document = documents.setdefault(file, CommentedMap())
        items = CommentedSeq()
        for index, obj in enumerate(objects):
            items.append(_value(obj, out, unknowns, 4))
            comment = _comment(obj, None, unknowns)
            if comment:
                items.yaml_set_comment_before_after_key(index, before=comment, indent=2)
        document[section] = items
    written: dict[Path, str] = {}
    for file, document in documents.items():
        if not document:
            continue
        buffer = io.StringIO()
        origin = blueprint.origin
        buffer.write(
            f"# written by `crossfence import` from {origin if origin is not None else 'an estate'}\n"
        )
        yaml.dump(document, buffer)
        written[out / f"{file}.yaml"] = buffer.getvalue()
    return written
