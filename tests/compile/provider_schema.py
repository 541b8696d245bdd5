"""The attribute and block names of a Terraform provider's resources, read from the `@cdktf/provider-*` npm package generated from its schema (`make schemas` packs it into `.cache/npm/`)."""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Schema", "read_schema"]

_RETURN = re.compile(r"return \{\n(?P<body>(?:\s+[a-z0-9_]+: .*\n)+)\s+\};")
_FIELD = re.compile(r"^\s+(?P<key>[a-z0-9_]+): (?P<value>.*?),?$")
_NESTED = re.compile(r"\b(?P<fn>[a-zA-Z0-9]+ToTerraform)\b")


@dataclass
class Schema:
    """A resource type's fields: each attribute name, or a block name with its own fields."""

    fields: dict[str, Schema | None] = field(default_factory=dict)


def _fields(body: str, functions: dict[str, str]) -> Schema:
    schema = Schema()
    for line in body.splitlines():
        found = _FIELD.match(line)
        if not found:
            continue
        nested = [
            m
            for m in _NESTED.findall(found["value"])
            if not m.startswith(("string", "number", "boolean", "hash", "list"))
        ]
        fn = next((n for n in nested if n in functions), None)
        schema.fields[found["key"]] = _fields(functions[fn], functions) if fn else None
    return schema


def read_schema(package: Path, resource_type: str, prefix: str = "google_") -> Schema:
    """The fields of `resource_type` (`google_compute_firewall`) in the packed npm package."""
    folder = resource_type.removeprefix(prefix).replace("_", "-")
    with tarfile.open(package) as archive:
        member = archive.extractfile(f"package/lib/{folder}/index.js")
        if member is None:
            raise KeyError(resource_type)
        text = member.read().decode("utf-8")
    if f'tfResourceType = "{resource_type}"' not in text:
        raise KeyError(resource_type)
    functions = {}
    for found in re.finditer(
        r"^function (?P<fn>\w+ToTerraform)\(struct\) \{\n(?P<code>.*?)^\}", text, re.S | re.M
    ):
        body = _RETURN.search(found["code"])
        if body:
            functions[found["fn"]] = body["body"]
    top = re.search(r"synthesizeAttributes\(\) \{\n\s+" + _RETURN.pattern, text)
    if top is None:
        raise KeyError(resource_type)
    return _fields(top["body"], functions)
