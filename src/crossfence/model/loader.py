"""Loading a blueprint from YAML (a file or a folder of files) with the line of every value.

Files are read by rapidyaml (`located.fastyaml`, C speed) when it reads them as
ruamel's round-trip loader would, else by ruamel, which also gives the located errors of invalid
YAML. Positions of a file rapidyaml read are resolved when asked, from its parsed tree.
"""

from __future__ import annotations

import difflib
import functools
import gc
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, ValidationError

from ..errors import BlueprintError, Problem, sort_problems
from ..located.files import Listing, list_files, read_text
from ..located.guard import MAX_PROBLEMS, Refusal, check_text, check_yaml
from .base import BUDGET, FieldRefused, Model, SourceRef, TooManyProblems
from .blueprint import SECTIONS, Blueprint
from .validate import validate
from .vocabulary import Vocabulary

if TYPE_CHECKING:
    from ..located.fastyaml import FastDocument

__all__ = ["Positions", "format_path", "load", "load_documents", "load_merged"]

Loc = tuple[str | int, ...]
Position = tuple[str, int, int]
YAML_SUFFIXES = (".yaml", ".yml")
_NOT_BLUEPRINT = ("variants", "manifests", "terraform")


class _Item(NamedTuple):
    """Where a merged section item came from in a file rapidyaml read: its document, its path
    there (`(section, index)`) and its value."""

    document: FastDocument
    base: Loc
    value: Any


class Positions:
    """Where every key and value of the merged document was written: path -> (file, line, column).

    Items of files ruamel read have their positions recorded as they are read (`_values`,
    `_keys`); an item of a file rapidyaml read keeps its document and resolves a position when it
    is asked for. Both give the same positions: a value where its node starts, a key where it
    starts, a value that is null (or empty) at its key, a sequence item where it starts.
    """

    def __init__(self) -> None:
        self._values: dict[Loc, Position] = {}
        self._keys: dict[Loc, Position] = {}
        # per section, per merged index: the item's origin, or None if its positions are recorded
        self._items: dict[str, list[_Item | None]] = {}

    @property
    def values(self) -> Mapping[Loc, Position]:
        """Every value's position, by path (a read-only view, resolved on access)."""
        return _View(self, keys=False)

    @property
    def keys(self) -> Mapping[Loc, Position]:
        """Every mapping key's position, by path (a read-only view, resolved on access)."""
        return _View(self, keys=True)

    def find(self, loc: Loc, *, key: bool = False) -> Position | None:
        """The position of `loc`, or of its nearest ancestor that has one."""
        item = self._item(loc)
        if item is not None:
            return _resolve(item, loc[2:], key=key)
        if key and loc in self._keys:
            return self._keys[loc]
        for end in range(len(loc), -1, -1):
            found = self._values.get(loc[:end])
            if found is not None:
                return found
        return None

    def _item(self, loc: Loc) -> _Item | None:
        if len(loc) < 2:
            return None
        items = self._items.get(loc[0])  # type: ignore[arg-type]
        index = loc[1]
        if items is None or not isinstance(index, int) or not 0 <= index < len(items):
            return None
        return items[index]

    def _exact(self, loc: Loc, *, keys: bool) -> Position | None:
        """The position recorded (or resolvable) for exactly `loc`."""
        item = self._item(loc)
        if item is None:
            return (self._keys if keys else self._values).get(loc)
        sub = loc[2:]
        depth, _ = _walk(item.value, sub)
        if depth < len(sub) or (keys and not (sub and isinstance(sub[-1], str))):
            return None
        return _resolve(item, sub, key=keys)

    def _paths(self, *, keys: bool) -> Iterator[Loc]:
        yield from self._keys if keys else self._values
        for section, items in self._items.items():
            for index, item in enumerate(items):
                if item is not None:
                    for sub in _value_paths(item.value, ()):
                        if (sub and isinstance(sub[-1], str)) or not keys:
                            yield (section, index, *sub)


class _View(Mapping[Loc, Position]):
    """`Positions.values` or `.keys` as a mapping (for tests and debugging: `find` is the API)."""

    def __init__(self, positions: Positions, *, keys: bool) -> None:
        self._positions = positions
        self._is_keys = keys

    def __getitem__(self, loc: Loc) -> Position:
        found = self._positions._exact(tuple(loc), keys=self._is_keys)
        if found is None:
            raise KeyError(loc)
        return found

    def __iter__(self) -> Iterator[Loc]:
        return self._positions._paths(keys=self._is_keys)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _value_paths(value: Any, prefix: Loc) -> Iterator[Loc]:
    yield prefix
    if type(value) is dict:
        for key, item in value.items():
            yield from _value_paths(item, (*prefix, key))
    elif type(value) is list:
        for index, item in enumerate(value):
            yield from _value_paths(item, (*prefix, index))


def _walk(value: Any, sub: Loc) -> tuple[int, Any]:
    """How many parts of `sub` exist below `value` (as recorded paths would), and the value there."""
    depth = 0
    for part in sub:
        if isinstance(part, str):
            if type(value) is not dict or part not in value:
                break
            value = value[part]
        elif isinstance(part, int) and type(value) is list and 0 <= part < len(value):
            value = value[part]
        else:
            break
        depth += 1
    return depth, value


def _resolve(item: _Item, sub: Loc, *, key: bool) -> Position:
    """The position of `sub` in an item rapidyaml read, or of its deepest existing ancestor."""
    depth, value = _walk(item.value, sub)
    # (ints for a bool index: recorded paths are dict keys, where True is 1)
    path = (*item.base, *(p if isinstance(p, str) else int(p) for p in sub[:depth]))
    if depth and isinstance(sub[depth - 1], str) and (value is None or (key and depth == len(sub))):
        # a key; and an empty (or null) value has no position of its own: its key's
        found = item.document.locate_key(path)
    else:
        found = item.document.locate(path)
    return found.file, found.line, found.column


def format_path(loc: Loc) -> str:
    """`("workloads", 3, "addresses", 0)` -> `workloads[3].addresses[0]`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- files rapidyaml reads --------------------------------------------------------------------------
# Plain scalars ruamel's YAML 1.2 resolver reads as something other than a string where the YAML
# 1.2 core schema (which `fastyaml` follows) reads a string: `1_000`, `0b101`, `0x_1F`, `._5`,
# `2024-01-31`, `=`, `<<`... (ruamel.yaml.resolver's 1.2 int, float, timestamp, merge, value and
# yaml patterns; the bool and null ones are the core schema's).
_RUAMEL_ONLY = r"""(
        [-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?[0-9_]+ | [-+]?0x[0-9a-fA-F_]+
      | [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
      | [-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
      | [-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
      | [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
      | [0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
        (?:[Tt]|[\ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        (?:[\ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
      | << | = | [!&*]
    )"""
# A JSON string of rapidyaml's emission with such a text (after a bracket, a comma or a space,
# where JSON strings start), and whether it is a key; the first lookahead only filters, for speed.
_RUAMEL_JSON_STRING = re.compile(
    rf'"(?=[-+.0-9<=!&*])(?<=[\[{{,\s]"){_RUAMEL_ONLY}"(:?)', re.VERBOSE
)
# Such a text in the YAML where it may be a plain token (after a space, a bracket, a comma or a
# colon; before a space, a closing bracket, a comma or a colon): found at every start, overlapping.
_RUAMEL_PLAIN_TOKEN = re.compile(
    rf"(?=[-+.0-9<=!&*])(?<![^\s\[{{,:])(?={_RUAMEL_ONLY}(?![^\s\]}},:]))", re.VERBOSE
)


def _ruamel_reads_otherwise(emitted: str, text: str) -> bool:
    """Whether ruamel may read a string of rapidyaml's JSON `emitted` as something else: a key
    with such a text, a value with it that has a space or a tab (a timestamp, maybe folded), or
    one that the YAML `text` has as a plain token somewhere (it may be quoted where it is read;
    conservative)."""
    from ..located.fastyaml import _BARE

    strings = set()
    for string, colon in _RUAMEL_JSON_STRING.findall(emitted):
        if _BARE.fullmatch(string) and not colon:
            continue  # rapidyaml emits this text bare when it is plain: it was quoted
        if colon or " " in string or "\t" in string:
            return True
        strings.add(string)
    return bool(strings) and not strings.isdisjoint(_RUAMEL_PLAIN_TOKEN.findall(text))


def _read_fast(name: str, text: str) -> list[FastDocument] | None:
    """The file's document (none or one) read by rapidyaml, or None when ruamel must read it: a
    file `fastyaml` refuses, one with several documents or a duplicate key (ruamel's errors), or
    one where ruamel's resolver may read a scalar otherwise."""
    from ..located import yamlsource
    from ..located.fastyaml import read_fast

    documents = read_fast(
        name,
        text,
        functools.partial(yamlsource._read_slow, name, text),
        refuse=_ruamel_reads_otherwise,
        unique_keys=True,
    )
    if documents is None or len(documents) > 1:
        return None
    return documents


def _position(location: Any) -> Position:
    return location.file, location.line, location.column


def _record(document: FastDocument, path: Loc, value: Any, positions: Positions) -> None:
    """Record the positions of everything in `value`, at `path` of a document rapidyaml read (as
    `_plain` records ruamel's)."""
    if type(value) is dict:
        for key, item in value.items():
            child = (*path, key)
            where = positions._keys[child] = _position(document.locate_key(child))
            positions._values[child] = where if item is None else _position(document.locate(child))
            _record(document, child, item, positions)
    elif type(value) is list:
        for index, item in enumerate(value):
            child = (*path, index)
            positions._values[child] = _position(document.locate(child))
            _record(document, child, item, positions)


# --- files ruamel reads -----------------------------------------------------------------------------
def _marks(node: Any, key: Any) -> tuple[int, int, int, int] | None:
    """0-based (key line, key column, value line, value column) of a key written in `node`.

    None for keys it got from a YAML merge (`<<: *anchor`): they have no position of their own,
    and `Positions.find` falls back to the enclosing mapping.
    """
    data = node.lc.data
    if data is None or key not in data:
        return None
    line, col = node.lc.key(key)
    if node[key] is None:
        # an empty value has no position of its own (ruamel points at the next line)
        return line, col, line, col
    vline, vcol = node.lc.value(key)
    return line, col, vline, vcol


@functools.cache
def _ruamel() -> tuple[Any, Any]:
    """ruamel's round-trip mapping and sequence types (imported on first use)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return CommentedMap, CommentedSeq


def _plain(node: Any, loc: Loc, file: str, positions: Positions, base: Loc) -> Any:
    """Convert ruamel nodes into plain Python values, recording 1-based positions."""
    mapping, sequence = _ruamel()
    if isinstance(node, mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_loc = (*loc, str(key))
            marks = _marks(node, key)
            if marks is not None:
                line, col, vline, vcol = marks
                positions._keys[(*base, *key_loc)] = (file, line + 1, col + 1)
                positions._values[(*base, *key_loc)] = (file, vline + 1, vcol + 1)
            out[str(key)] = _plain(value, key_loc, file, positions, base)
        return out
    if isinstance(node, sequence):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            positions._values[(*base, *loc, index)] = (file, line + 1, col + 1)
            items.append(_plain(value, (*loc, index), file, positions, base))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _read_slow(yaml: Any, name: str, text: str) -> Any:
    """The file's document read by ruamel's round-trip loader, or the located problem of invalid
    YAML (a syntax error, a duplicate key, several documents)."""
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError

    def located(mark: Any, message: str) -> Problem:
        return Problem(
            message,
            file=name,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            code="syntax",
        )

    try:
        check_text(text)
        # before ruamel composes: it recurses once per level, and expands no alias bomb itself
        # but `_plain` would
        check_yaml(text)
    except Refusal as refusal:
        return Problem(
            refusal.message,
            file=name,
            line=refusal.line or None,
            column=refusal.column or None,
            code="syntax",
        )
    try:
        return yaml.load(text)
    except DuplicateKeyError as exc:
        return located(
            exc.problem_mark, f"duplicate key: {exc.problem} (expected each key once per mapping)"
        )
    except MarkedYAMLError as exc:
        return located(
            exc.problem_mark or exc.context_mark,
            f"YAML syntax error: {exc.problem or exc.context} (expected valid YAML)",
        )


# --- merging ----------------------------------------------------------------------------------------
def _yaml_files(path: Path) -> Listing:
    """The blueprint's files under `path`: variants, manifests and Terraform folders beside a
    blueprint are not part of it (nor dot-folders, FIFOs, devices...: `located.files.list_files`)."""
    return list_files(path, YAML_SUFFIXES, skip_folders=_NOT_BLUEPRINT, name=_display)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _not_a_list(section: str, value: Any, name: str, line: int, column: int) -> Problem:
    # caught here, not by the model: a non-list cannot be merged with other files' lists
    got = _kind_of(value)
    return Problem(
        f"got {got} (expected a list; write '{section}: []' for none)"
        if value is None
        else f"got {got} (expected a list of {section}, each item starting with '- ')",
        file=name,
        line=line,
        column=column,
        path=section,
        code="invalid-type",
    )


def _not_a_mapping(name: str) -> Problem:
    return Problem(
        "a blueprint file must be a mapping of sections (expected e.g. 'clouds:' at the top)",
        file=name,
        line=1,
        column=1,
        code="syntax",
    )


class _Merger:
    """The merged document of a blueprint's files, their positions and problems."""

    def __init__(self) -> None:
        self.positions = Positions()
        self.problems: list[Problem] = []
        self.merged: dict[str, Any] = {}
        self.scalar_origin: dict[str, str] = {}

    def add_fast(self, name: str, document: FastDocument) -> None:
        """A document rapidyaml read: items keep their document; other sections are recorded."""
        positions = self.positions
        value = document.value
        if value is None:
            return
        if type(value) is not dict:
            self.problems.append(_not_a_mapping(name))
            return
        for section, item in value.items():
            key_at = _position(document.locate_key((section,)))
            value_at = key_at if item is None else _position(document.locate((section,)))
            if section in SECTIONS:
                if type(item) is not list:
                    self.problems.append(_not_a_list(section, item, name, *value_at[1:]))
                    continue
                self.merged.setdefault(section, [])
                positions._keys.setdefault((section,), key_at)
                positions._values.setdefault((section,), key_at)
                positions._items.setdefault(section, []).extend(
                    _Item(document, (section, index), entry) for index, entry in enumerate(item)
                )
                self.merged[section].extend(item)
                continue
            _record(document, (section,), item, positions)
            positions._keys[(section,)] = key_at
            positions._values[(section,)] = value_at
            self.set_scalar(section, item, name, key_at)

    def add_slow(self, name: str, document: Any) -> None:
        """A document ruamel read: every position is recorded now."""
        positions = self.positions
        if document is None:
            return
        if not isinstance(document, _ruamel()[0]):
            self.problems.append(_not_a_mapping(name))
            return
        for key in document:
            line, col, vline, vcol = _marks(document, key) or (0, 0, 0, 0)
            section = str(key)
            value = document[key]
            if section in SECTIONS and not isinstance(value, _ruamel()[1]):
                self.problems.append(_not_a_list(section, value, name, vline + 1, vcol + 1))
                continue
            if section in SECTIONS:
                offset = len(self.merged.setdefault(section, []))
                positions._keys.setdefault((section,), (name, line + 1, col + 1))
                positions._values.setdefault((section,), (name, line + 1, col + 1))
                positions._items.setdefault(section, []).extend([None] * len(value))
                for index, item in enumerate(value):
                    iline, icol = value.lc.item(index)
                    item_loc: Loc = (section, offset + index)
                    positions._values[item_loc] = (name, iline + 1, icol + 1)
                    self.merged[section].append(_plain(item, (), name, positions, item_loc))
                continue
            plain = _plain(value, (section,), name, positions, ())
            positions._keys[(section,)] = (name, line + 1, col + 1)
            positions._values[(section,)] = (name, vline + 1, vcol + 1)
            self.set_scalar(section, plain, name, (name, line + 1, col + 1))

    def set_scalar(self, section: str, value: Any, name: str, key_at: Position) -> None:
        """A section that is not a list: the same in every file that sets it."""
        merged = self.merged
        if section in merged and section not in SECTIONS and merged[section] != value:
            self.problems.append(
                Problem(
                    f"'{section}' is set differently in {self.scalar_origin[section]} "
                    "(expected the same value in every file of the blueprint)",
                    file=name,
                    line=key_at[1],
                    column=key_at[2],
                    path=section,
                    code="conflict",
                )
            )
            return
        merged[section] = value
        self.scalar_origin[section] = name


def load_documents(
    path: Path, *, _fast: bool = True
) -> tuple[dict[str, Any], Positions, list[Problem]]:
    """Read and merge the YAML of a blueprint file or folder; sections of several files are concatenated.

    The merged lists hold the very values the positions are resolved from: do not modify them
    while the positions are in use. (`_fast=False` reads every file with ruamel, as the
    differential tests compare.)
    """
    if not path.exists():
        raise BlueprintError.single(
            f"no such file or folder: {path} (expected a blueprint file or folder)",
            file=str(path),
        )
    listing = _yaml_files(path)
    if not listing.files and not listing.errors:
        raise BlueprintError.single(
            f"no blueprint files in {path} (expected *.yaml or *.yml files)", file=str(path)
        )
    merger = _Merger()
    problems = merger.problems
    problems.extend(listing.problems)
    yaml: Any = None
    for file in listing.files:
        name = _display(file)
        try:
            text = read_text(file)
        except Refusal as refusal:
            problems.append(
                Problem(
                    refusal.message,
                    file=name,
                    line=refusal.line or None,
                    column=refusal.column or None,
                    code="syntax" if refusal.line else "file",
                )
            )
            continue
        documents = _read_fast(name, text) if _fast else None
        if documents is not None:
            if documents:
                merger.add_fast(name, documents[0])
            continue
        if yaml is None:
            from ruamel.yaml import YAML

            yaml = YAML(typ="rt")
        document = _read_slow(yaml, name, text)
        if isinstance(document, Problem):
            problems.append(document)
        else:
            merger.add_slow(name, document)
    if not merger.merged and not any(p.severity == "error" for p in problems):
        problems.append(
            Problem(
                f"nothing to check: {path} has no blueprint content, only empty files or "
                "comments (expected sections such as 'clouds:', 'networks:', 'workloads:')",
                file=str(path),
                code="empty",
            )
        )
    return merger.merged, merger.positions, problems


def _kind_of(value: Any) -> str:
    """How a YAML value reads to the user: `a mapping`, `a string`, `nothing`..."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {str(value)!r}"
    return f"a {type(value).__name__}"


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation can hold (through Optional, Annotated, tuple[...])."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list):
        return [
            m for arg in typing.get_args(annotation) if arg is not Ellipsis for m in _unwrap(arg)
        ]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that holds the last key of `loc`."""
    current: type[BaseModel] = Blueprint
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return None
        candidates = _unwrap(info.annotation)
        if not candidates:
            return None
        current = candidates[0]
    return current


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _describe(error: Any) -> tuple[str, str]:
    """A pydantic error as (message, code) in crossfence's `what (expected)` form."""
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    value = error.get("input")
    ctx = error.get("ctx", {})
    if kind == "missing":
        return f"missing required field '{loc[-1]}' (expected a value)", "missing"
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = sorted(model.model_fields) if model else []
        hint = _did_you_mean(str(loc[-1]), allowed)
        return (
            f"unknown field '{loc[-1]}' (expected one of: {', '.join(allowed)}{hint})",
            "unknown-field",
        )
    if kind == "literal_error":
        options = [
            o.strip().strip("'")
            for o in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")
        ]
        hint = _did_you_mean(str(value), options)
        return f"{value!r} is not allowed (expected {ctx.get('expected')}{hint})", "invalid-value"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])), "invalid-value"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{value!r} is not an integer (expected an integer)", "invalid-type"
    if kind in ("bool_parsing", "bool_type"):
        return f"{value!r} is not a boolean (expected true or false)", "invalid-type"
    if kind == "string_type":
        return f"{value!r} is not a string (expected a string)", "invalid-type"
    if kind in ("tuple_type", "list_type"):
        return f"got {type(value).__name__} (expected a list)", "invalid-type"
    if kind in ("model_type", "dict_type", "model_attributes_type", "mapping_type"):
        return (
            f"got {type(value).__name__} {value!r} (expected a mapping of fields)",
            "invalid-type",
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = {
            "greater_than_equal": f">= {ctx.get('ge')}",
            "less_than_equal": f"<= {ctx.get('le')}",
            "greater_than": f"> {ctx.get('gt')}",
            "less_than": f"< {ctx.get('lt')}",
        }[kind]
        return f"{value!r} is out of range (expected {bound})", "out-of-range"
    if kind == "string_pattern_mismatch":
        return (
            f"{value!r} does not match the expected form (expected {ctx.get('pattern')})",
            "invalid-value",
        )
    if kind == "string_too_short":
        return (
            f"{value!r} is too short (expected at least {ctx.get('min_length')} characters)",
            "invalid-value",
        )
    return f"{error['msg']} (got {value!r})", "invalid"


def _problems_from_validation(errors: Iterable[Any], positions: Positions) -> list[Problem]:
    """pydantic's errors as located problems, the first `MAX_PROBLEMS` of them (each is located
    and described: a million of them would take minutes)."""
    problems: list[Problem] = []
    seen: set[tuple[Loc, str]] = set()
    for error in errors:
        if len(problems) >= MAX_PROBLEMS:
            break
        # pydantic reports union members and Annotated wrappers as extra loc parts; keep the data path
        loc: Loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, FieldRefused) and cause.key is not None:
            loc = (*loc, cause.key)  # the list, not the object that holds it
        message, code = _describe(error)
        if (loc, message) in seen:
            continue
        seen.add((loc, message))
        where = positions.find(loc, key=error["type"] == "extra_forbidden")
        file, line, column = where if where else (None, None, None)
        problems.append(
            Problem(message, file=file, line=line, column=column, path=format_path(loc), code=code)
        )
    return problems


def _first_problems(
    data: dict[str, Any], positions: Positions, vocabulary: Vocabulary
) -> list[Problem]:
    """The first problems of a blueprint whose validation stopped on its budget: each section's
    items validated one by one, their problems located, until `MAX_PROBLEMS` are found."""
    errors: list[Any] = []
    problems: list[Problem] = []
    for section in SECTIONS:
        items = data.get(section)
        if type(items) is not list:
            continue
        model = _unwrap(Blueprint.model_fields[section].annotation)[0]
        for index, item in enumerate(items):
            left = MAX_PROBLEMS - len(errors)
            try:
                model.model_validate(item, context={"vocabulary": vocabulary, BUDGET: [left]})
            except ValidationError as exc:
                errors += (
                    {**error, "loc": (section, index, *error["loc"])}
                    for error in exc.errors(include_url=False)
                )
            except TooManyProblems:
                where = positions.find((section, index))
                file, line, column = where if where else (None, None, None)
                problems.append(
                    Problem(
                        f"more than {left:,} problems in this one object (expected at most "
                        f"{MAX_PROBLEMS:,} in all; fix the ones listed first)",
                        file=file,
                        line=line,
                        column=column,
                        path=format_path((section, index)),
                        code="too-many-problems",
                    )
                )
                return [*_problems_from_validation(errors, positions), *problems]
            if len(errors) >= MAX_PROBLEMS:
                return _problems_from_validation(errors, positions)
    return _problems_from_validation(errors, positions)


def _at_most(problems: list[Problem], total: int | None, origin: Path | None) -> list[Problem]:
    """`problems` cut to the first `MAX_PROBLEMS` errors and warnings, and one more saying how
    many were left out (`total`: how many there were; None when validation stopped counting)."""
    if total is not None and total <= MAX_PROBLEMS:
        return problems
    shown = problems[:MAX_PROBLEMS]
    more = "more" if total is None else f"{max(total - len(shown), 1):,} more"
    return [
        *shown,
        Problem(
            f"{more} problems not listed: the first {len(shown):,} are (expected at most "
            f"{MAX_PROBLEMS:,}: fix these and run again)",
            file=str(origin) if origin is not None else None,
            code="too-many-problems",
        ),
    ]


def _may_hold_models(annotation: Any) -> bool:
    """Whether a field with this annotation may hold a model (or a tuple of them)."""
    if annotation is Any or annotation is object or isinstance(annotation, str | typing.ForwardRef):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    if typing.get_origin(annotation) is typing.Literal:
        return False
    return any(_may_hold_models(arg) for arg in typing.get_args(annotation))


@functools.cache
def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model class that may hold models: the others need no visit."""
    return tuple(n for n, info in cls.model_fields.items() if _may_hold_models(info.annotation))


def _attach_locations(
    blueprint: Blueprint, positions: Positions, addresses: Mapping[Loc, str] | None = None
) -> None:
    """Give every model object its `defined_at` (file, line, column, path; the Terraform address
    of an object read from Terraform)."""

    def visit(obj: Model, loc: Loc) -> None:
        where = positions.find(loc)
        if where is not None:
            address = addresses.get(loc) if addresses else None
            obj._defined_at = SourceRef(
                where[0], where[1], where[2], format_path(loc), loc, address
            )
        for name in _nested_fields(type(obj)):
            value = getattr(obj, name)
            if isinstance(value, Model):
                visit(value, (*loc, name))
            elif isinstance(value, tuple):
                for index, item in enumerate(value):
                    if isinstance(item, Model):
                        visit(item, (*loc, name, index))

    visit(blueprint, ())


def _attach_file_locations(blueprint: Blueprint, positions: Positions) -> None:
    """Give each cluster the location of each of its `manifests` entries: the folders are read
    when the estate is built, and a folder that does not read must name the line that names it."""
    for index, cluster in enumerate(blueprint.clusters):
        found = []
        for entry in range(len(cluster.manifests)):
            loc: Loc = ("clusters", index, "manifests", entry)
            where = positions.find(loc)
            found.append(
                SourceRef(where[0], where[1], where[2], format_path(loc), loc) if where else None
            )
        cluster._manifests_at = tuple(found)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (if it runs): loading builds millions of objects
    that live on, and the collector walked them all again and again as they were made (a third
    of the load time at 5,000 workloads). The few cycles made meanwhile are collected after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(path: str | Path, vocabulary: Vocabulary) -> Blueprint:
    """Load, merge and validate a blueprint file or folder, with the words of the providers in
    `vocabulary` (`crossfence.load` passes every registered provider's).

    Raises `BlueprintError` with every problem (errors and warnings) when any error is found;
    otherwise returns the immutable `Blueprint`, whose `warnings` lists what is legal but suspicious.
    """
    with _collector_paused():
        return _load(Path(path), path, vocabulary)


def _load(source: Path, path: str | Path, vocabulary: Vocabulary) -> Blueprint:
    data, positions, problems = load_documents(source)
    if any(p.severity == "error" for p in problems):
        raise BlueprintError(sort_problems(problems), summary=f"{path}: invalid YAML")
    # warnings only: files skipped while listing the folder
    return _validated(data, positions, vocabulary, source, str(path), skipped=problems)


def load_merged(
    data: dict[str, Any],
    positions: Positions,
    vocabulary: Vocabulary,
    *,
    origin: Path | None,
    summary: str,
    addresses: Mapping[Loc, str] | None = None,
    rewrite: Callable[[Problem], Problem] | None = None,
) -> Blueprint:
    """Validate a blueprint already merged from several sources (Terraform files read into the
    blueprint, overlays): `positions` locate its values, `addresses` give the Terraform address of
    the objects read from Terraform, `rewrite` words each problem for where it came from."""
    with _collector_paused():
        return _validated(data, positions, vocabulary, origin, summary, addresses, rewrite)


def _validated(
    data: dict[str, Any],
    positions: Positions,
    vocabulary: Vocabulary,
    origin: Path | None,
    path: str,
    addresses: Mapping[Loc, str] | None = None,
    rewrite: Callable[[Problem], Problem] | None = None,
    skipped: Iterable[Problem] = (),
) -> Blueprint:
    def words(found: Iterable[Problem]) -> list[Problem]:
        return sort_problems(rewrite(p) for p in found) if rewrite else sort_problems(found)

    context = {"vocabulary": vocabulary, BUDGET: [MAX_PROBLEMS]}
    try:
        blueprint = Blueprint.model_validate(data, context=context)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise BlueprintError(
            _at_most(words(_problems_from_validation(errors, positions)), len(errors), origin),
            summary=f"{path}: invalid blueprint",
        ) from None
    except TooManyProblems:
        found = _first_problems(data, positions, vocabulary)
        raise BlueprintError(
            _at_most(words(found), None, origin), summary=f"{path}: invalid blueprint"
        ) from None
    _attach_locations(blueprint, positions, addresses)
    blueprint._origin = origin
    _attach_file_locations(blueprint, positions)
    found = words([*skipped, *validate(blueprint, vocabulary, positions)])
    if any(p.severity == "error" for p in found):
        raise BlueprintError(
            _at_most(found, len(found), origin), summary=f"{path}: invalid blueprint"
        )
    blueprint._warnings = tuple(found)
    return blueprint
