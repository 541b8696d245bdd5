"""Multi-document YAML reading that keeps `file:line:col` for every field (C parser, plain values)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from crossfence.providers.kubernetes.errors import Location, ManifestError, located

__all__ = ["Document", "FieldPath", "format_path", "read_documents"]

FieldPath = tuple[str | int, ...]

_YAML_SUFFIXES = (".yaml", ".yml", ".json")
_PLAIN = "crossfence:plain"  # a plain (unquoted) scalar, resolved later by _core_schema
_STR = "tag:yaml.org,2002:str"
# Shared tag objects: ruamel decodes each new Tag's text lazily, which is slow per scalar.
_TAGS = {
    name: Tag(suffix=name)
    for name in (_PLAIN, _STR, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _DeferredResolver(VersionedResolver):
    """Tags plain scalars as such; ruamel's per-scalar version lookup costs more than parsing."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode:
            return _TAGS[_PLAIN] if implicit[0] else _TAGS[_STR]
        if kind is SequenceNode:
            return _TAGS["tag:yaml.org,2002:seq"]
        return _TAGS["tag:yaml.org,2002:map"]


def _core_schema(text: str) -> Any:
    """The YAML 1.2 core schema for a plain scalar."""
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT.match(text):
        return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
    if _FLOAT.match(text):
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    return text


def format_path(path: FieldPath) -> str:
    """`("spec", "ingress", 0, "ports")` -> `spec.ingress[0].ports` (the kubectl notation)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class Document:
    """One YAML document: its plain Python value, and where each of its fields sits in the file."""

    def __init__(self, file: str, node: Node, value: Any) -> None:
        self.file = file
        self.node = node
        self.value = value

    def locate(self, path: FieldPath) -> Location:
        """Location of the value at `path`, or of its deepest existing ancestor."""
        node = self.node
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def locate_key(self, path: FieldPath) -> Location:
        """Location of the key that introduces `path` (where an editor puts the cursor)."""
        if not path:
            return self.locate(path)
        parent = self.locate_node(path[:-1])
        last = path[-1]
        if isinstance(parent, MappingNode) and isinstance(last, str):
            for key, _ in parent.value:
                if isinstance(key, ScalarNode) and key.value == last:
                    return Location(self.file, key.start_mark.line + 1, key.start_mark.column + 1)
        return self.locate(path)

    def locate_node(self, path: FieldPath) -> Node:
        node = self.node
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node


def _child(node: Node, part: str | int) -> Node | None:
    if isinstance(node, MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == part:
                return value  # type: ignore[no-any-return]
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def _plain(node: Node) -> Any:
    """Node tree -> plain dict/list/str/int/bool/None; resolution is the YAML 1.2 core schema."""
    if isinstance(node, ScalarNode):
        text: str = node.value
        if node.ctag is _TAGS[_PLAIN]:
            return _core_schema(text)
        if node.ctag is _TAGS[_STR]:
            return text
        tag = str(node.tag)
        if tag.endswith(":int"):
            try:
                return int(text.replace("_", ""), 0)
            except ValueError:
                return int(text.replace("_", ""))
        if tag.endswith(":bool"):
            return text.lower() == "true"
        if tag.endswith(":null"):
            return None
        if tag.endswith(":float"):
            return float(text.replace("_", ""))
        return text
    if isinstance(node, SequenceNode):
        return [_plain(item) for item in node.value]
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "<<" and key.ctag is _TAGS[_PLAIN]:
                # `<<: *anchor` merges the anchored mapping; explicit keys win.
                merged = _plain(value)
                for source in merged if isinstance(merged, list) else [merged]:
                    if isinstance(source, dict):
                        for k, v in source.items():
                            result.setdefault(k, v)
                continue
            result[_plain(key)] = _plain(value)
        return result
    return None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _YAML_SUFFIXES)
    return [path]


def read_documents(path: str | Path) -> Iterator[Document]:
    """Every YAML document of a file, or of every `*.yaml`/`*.yml`/`*.json` under a folder."""
    root = Path(path)
    if not root.exists():
        raise ManifestError([located(Location(str(root), 0, 0), "", "no such file or directory")])
    # The C composer gives node marks at C speed; round-trip loading is ~10x slower.
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = _DeferredResolver
    for file in _files(root):
        name = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ManifestError(
                [located(Location(name, 0, 0), "", f"cannot read: {error}")]
            ) from None
        try:
            nodes = list(yaml.compose_all(io.StringIO(text)))
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
            message = f"invalid YAML: {error.problem or error.context}"
            raise ManifestError([located(Location(name, line, column), "", message)]) from None
        for node in nodes:
            if node is None:
                continue
            yield Document(name, node, _plain(node))
