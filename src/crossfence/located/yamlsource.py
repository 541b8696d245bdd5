"""Multi-document YAML reading that keeps `file:line:col` for every field (rapidyaml, else ruamel)."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from crossfence.errors import ManifestError, Problem
from crossfence.located.fastyaml import core_schema, read_fast
from crossfence.located.files import list_files, read_text
from crossfence.located.guard import Refusal, check_text, check_yaml
from crossfence.located.location import Location, located

__all__ = [
    "Document",
    "FieldPath",
    "SourceFile",
    "format_path",
    "read_documents",
    "read_file",
    "read_files",
]

FieldPath = tuple[str | int, ...]

_YAML_SUFFIXES = (".yaml", ".yml", ".json")
_PLAIN = "crossfence:plain"  # a plain (unquoted) scalar, resolved later by core_schema
_STR = "tag:yaml.org,2002:str"


class Document(Protocol):
    """One YAML document: its plain Python value, and where each of its fields sits in the file.

    Two kinds implement it: `fastyaml.FastDocument` (rapidyaml, the usual one) and
    `NodeDocument` (ruamel nodes, for files rapidyaml might read differently).
    """

    file: str
    value: Any

    def locate(self, path: FieldPath) -> Location:
        """Location of the value at `path`, or of its deepest existing ancestor."""
        ...

    def locate_key(self, path: FieldPath) -> Location:
        """Location of the key that introduces `path` (where an editor puts the cursor)."""
        ...


@functools.cache
def _ruamel() -> tuple[Callable[[], Any], dict[str, Any]]:
    """A maker of ruamel loaders whose resolver defers plain scalars, and the shared tags.

    Imported on first use: most folders never need ruamel.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import ScalarNode, SequenceNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    # Shared tag objects: ruamel decodes each new Tag's text lazily, which is slow per scalar.
    tags = {
        name: Tag(suffix=name)
        for name in (_PLAIN, _STR, "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")
    }

    class _DeferredResolver(VersionedResolver):
        """Tags plain scalars as such; ruamel's per-scalar version lookup costs more than parsing."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode:
                return tags[_PLAIN] if implicit[0] else tags[_STR]
            if kind is SequenceNode:
                return tags["tag:yaml.org,2002:seq"]
            return tags["tag:yaml.org,2002:map"]

    def new_yaml() -> Any:
        # The C composer gives node marks at C speed; round-trip loading is ~10x slower.
        yaml = YAML(typ="safe", pure=False)
        yaml.Resolver = _DeferredResolver
        return yaml

    return new_yaml, tags


def format_path(path: FieldPath) -> str:
    """`("spec", "ingress", 0, "ports")` -> `spec.ingress[0].ports` (the kubectl notation)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class NodeDocument:
    """A `Document` read by ruamel: locations are the start marks of its nodes."""

    def __init__(self, file: str, node: Any, value: Any) -> None:
        self.file = file
        self.node = node
        self.value = value

    def locate(self, path: FieldPath) -> Location:
        """Location of the value at `path`, or of its deepest existing ancestor."""
        node = self.locate_node(path)
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def locate_key(self, path: FieldPath) -> Location:
        """Location of the key that introduces `path` (where an editor puts the cursor)."""
        if not path:
            return self.locate(path)
        parent = self.locate_node(path[:-1])
        last = path[-1]
        if parent.id == "mapping" and isinstance(last, str):
            for key, _ in parent.value:
                if key.id == "scalar" and key.value == last:
                    return Location(self.file, key.start_mark.line + 1, key.start_mark.column + 1)
        return self.locate(path)

    def locate_node(self, path: FieldPath) -> Any:
        node = self.node
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node


def _child(node: Any, part: str | int) -> Any:
    if node.id == "mapping" and isinstance(part, str):
        for key, value in node.value:
            if key.id == "scalar" and key.value == part:
                return value
    if node.id == "sequence" and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def _plain(node: Any, tags: dict[str, Any], name: str, path: FieldPath = ()) -> Any:
    """Node tree -> plain dict/list/str/int/bool/None; resolution is the YAML 1.2 core schema.

    Tags were checked before composing (`guard.check_yaml`): a tagged scalar has its tag's form.
    A mapping key must be a scalar and appear once, as JSON (and so Kubernetes) has it.
    """
    if node.id == "scalar":
        text: str = node.value
        if node.ctag is tags[_PLAIN]:
            return core_schema(text)
        if node.ctag is tags[_STR]:
            return text
        tag = str(node.tag)
        if tag.endswith(":int"):
            return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
        if tag.endswith(":bool"):
            return text.lower() == "true"
        if tag.endswith(":null"):
            return None
        if tag.endswith(":float"):
            return float(core_schema(text))  # an integer's form reads as that number
        return text
    if node.id == "sequence":
        return [_plain(item, tags, name, (*path, index)) for index, item in enumerate(node.value)]
    if node.id == "mapping":
        result: dict[Any, Any] = {}
        merged: dict[Any, Any] = {}
        for key, value in node.value:
            if key.id == "scalar" and key.value == "<<" and key.ctag is tags[_PLAIN]:
                # `<<: *anchor` merges the anchored mapping; explicit keys win.
                merge = _plain(value, tags, name, path)
                for source in merge if isinstance(merge, list) else [merge]:
                    if isinstance(source, dict):
                        for k, v in source.items():
                            merged.setdefault(k, v)
                continue
            where = Location(name, key.start_mark.line + 1, key.start_mark.column + 1)
            if key.id != "scalar":
                kind = "mapping" if key.id == "mapping" else "sequence"
                raise ManifestError(
                    [
                        located(
                            where,
                            format_path(path),
                            f"a {kind} as a mapping key is not allowed (expected a string key)",
                        )
                    ]
                )
            plain_key = _plain(key, tags, name, path)
            if plain_key in result:
                raise ManifestError(
                    [
                        located(
                            where,
                            format_path((*path, str(plain_key))),
                            f"duplicate key {plain_key!r} (expected each key once per mapping)",
                        )
                    ]
                )
            result[plain_key] = _plain(value, tags, name, (*path, str(plain_key)))
        for k, v in merged.items():
            result.setdefault(k, v)
        return result
    return None


_YAML_SUFFIXES_SET = frozenset(_YAML_SUFFIXES)


@dataclass
class SourceFile:
    """One file of a folder: its name, its text, and its documents, or why it cannot be read."""

    name: str
    text: str
    """The file's text ('' when it cannot be read)."""
    documents: Sequence[Document]
    error: ManifestError | None = None
    """Why the file cannot be read (unreadable, invalid or refused YAML), located."""


def read_file(file: Path, name: str | None = None) -> SourceFile:
    """The documents of one file, or the located error that stops them."""
    name = str(file) if name is None else name
    try:
        text = read_text(file, universal_newlines=True)
    except Refusal as refusal:
        where = Location(name, refusal.line, refusal.column)
        return SourceFile(name, "", (), ManifestError([located(where, "", refusal.message)]))
    slow = functools.partial(_read_slow, name, text)
    try:
        documents: Sequence[Document] | None = read_fast(name, text, slow, unique_keys=True)
        return SourceFile(name, text, slow() if documents is None else documents)
    except ManifestError as error:
        return SourceFile(name, text, (), error)


def read_files(
    path: str | Path, warnings: list[Problem] | None = None, *, warn_others: bool = False
) -> Iterator[SourceFile]:
    """Every YAML or JSON file of a folder (or the file `path`), read in path order.

    The folder is listed first (`files.list_files`): when part of it cannot be listed (a folder
    that cannot be read, a broken link), `ManifestError` is raised before any file is read, so a
    folder is read whole or not at all. What was skipped (FIFOs, devices, with `warn_others`
    every file that is not YAML or JSON) is added to `warnings`.
    """
    listing = list_files(Path(path), _YAML_SUFFIXES_SET, warn_others=warn_others)
    if listing.errors:
        raise ManifestError(listing.errors)
    if warnings is not None:
        warnings.extend(p for p in listing.problems if p.severity != "error")
    for file in listing.files:
        yield read_file(file)


def read_documents(path: str | Path) -> Iterator[Document]:
    """Every YAML document of a file, or of every `*.yaml`/`*.yml`/`*.json` under a folder;
    raises `ManifestError` at the first file that cannot be read."""
    for source in read_files(path):
        if source.error is not None:
            raise source.error
        yield from source.documents


def _read_slow(name: str, text: str) -> list[NodeDocument]:
    """The documents of one file read by ruamel (its located error when the YAML is invalid,
    or refused by `guard`)."""
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.reader import ReaderError

    new_yaml, tags = _ruamel()
    try:
        check_text(text)
        # before composing: ruamel's C composer recurses once per level of nesting
        check_yaml(text)
    except Refusal as refusal:
        where = Location(name, refusal.line, refusal.column)
        raise ManifestError([located(where, "", refusal.message)]) from None
    try:
        nodes = list(new_yaml().compose_all(io.StringIO(text)))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        message = f"invalid YAML: {error.problem or error.context}"
        raise ManifestError([located(Location(name, line, column), "", message)]) from None
    except ReaderError as error:  # a character YAML forbids; its position counts UTF-8 bytes
        before = text.encode("utf-8")[: error.position]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        character = f" #x{error.character:04x}" if isinstance(error.character, int) else ""
        message = f"invalid YAML: unacceptable character{character}: {error.reason}"
        raise ManifestError([located(Location(name, line, column), "", message)]) from None
    return [
        NodeDocument(name, node, _plain(node, tags, name)) for node in nodes if node is not None
    ]
