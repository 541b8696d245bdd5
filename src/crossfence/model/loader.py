"""Loading a blueprint from YAML (a file or a folder of files) with the line of every value."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from ..errors import BlueprintError, Problem, sort_problems
from .base import Model, SourceRef
from .blueprint import SECTIONS, Blueprint
from .validate import validate

__all__ = ["Positions", "format_path", "load", "load_documents"]

Loc = tuple[str | int, ...]
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Positions:
    """Where every key and value of the merged document was written: path -> (file, line, column)."""

    values: dict[Loc, tuple[str, int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[str, int, int]] = field(default_factory=dict)

    def find(self, loc: Loc, *, key: bool = False) -> tuple[str, int, int] | None:
        """The position of `loc`, or of its nearest ancestor that has one."""
        if key and loc in self.keys:
            return self.keys[loc]
        for end in range(len(loc), -1, -1):
            found = self.values.get(loc[:end])
            if found is not None:
                return found
        return None


def format_path(loc: Loc) -> str:
    """`("workloads", 3, "addresses", 0)` -> `workloads[3].addresses[0]`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _marks(node: CommentedMap, key: Any) -> tuple[int, int, int, int] | None:
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


def _plain(node: Any, loc: Loc, file: str, positions: Positions, base: Loc) -> Any:
    """Convert ruamel nodes into plain Python values, recording 1-based positions."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_loc = (*loc, str(key))
            marks = _marks(node, key)
            if marks is not None:
                line, col, vline, vcol = marks
                positions.keys[(*base, *key_loc)] = (file, line + 1, col + 1)
                positions.values[(*base, *key_loc)] = (file, vline + 1, vcol + 1)
            out[str(key)] = _plain(value, key_loc, file, positions, base)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            line, col = node.lc.item(index)
            positions.values[(*base, *loc, index)] = (file, line + 1, col + 1)
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


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.suffix in YAML_SUFFIXES
            and p.is_file()
            # variants and manifest folders beside a blueprint are not part of it
            and not any(
                part in ("variants", "manifests") for part in p.relative_to(path).parts[:-1]
            )
        )
        return files
    return [path]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_documents(path: Path) -> tuple[dict[str, Any], Positions, list[Problem]]:
    """Read and merge the YAML of a blueprint file or folder; sections of several files are concatenated."""
    positions = Positions()
    problems: list[Problem] = []
    merged: dict[str, Any] = {}
    scalar_origin: dict[str, str] = {}
    if not path.exists():
        raise BlueprintError.single(
            f"no such file or folder: {path} (expected a blueprint file or folder)",
            file=str(path),
        )
    files = _yaml_files(path)
    if not files:
        raise BlueprintError.single(
            f"no blueprint files in {path} (expected *.yaml or *.yml files)", file=str(path)
        )
    yaml = YAML(typ="rt")
    for file in files:
        name = _display(file)
        try:
            raw = file.read_bytes()
            document = yaml.load(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    f"byte 0x{raw[exc.start]:02x} is not UTF-8 text (expected a UTF-8 YAML file)",
                    file=name,
                    line=raw.count(b"\n", 0, exc.start) + 1,
                    column=exc.start - raw.rfind(b"\n", 0, exc.start),
                    code="syntax",
                )
            )
            continue
        except DuplicateKeyError as exc:
            mark = exc.problem_mark
            problems.append(
                Problem(
                    f"duplicate key: {exc.problem} (expected each key once per mapping)",
                    file=name,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    code="syntax",
                )
            )
            continue
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problems.append(
                Problem(
                    f"YAML syntax error: {exc.problem or exc.context} (expected valid YAML)",
                    file=name,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    code="syntax",
                )
            )
            continue
        except OSError as exc:
            problems.append(
                Problem(
                    f"cannot read the file: {exc.strerror or exc} (expected a readable file)",
                    file=name,
                    code="syntax",
                )
            )
            continue
        if document is None:
            continue
        if not isinstance(document, CommentedMap):
            problems.append(
                Problem(
                    "a blueprint file must be a mapping of sections (expected e.g. 'clouds:' at the top)",
                    file=name,
                    line=1,
                    column=1,
                    code="syntax",
                )
            )
            continue
        for key in document:
            line, col, vline, vcol = _marks(document, key) or (0, 0, 0, 0)
            section = str(key)
            value = document[key]
            if section in SECTIONS and not isinstance(value, CommentedSeq):
                # caught here, not by the model: a non-list cannot be merged with other files' lists
                got = _kind_of(value)
                problems.append(
                    Problem(
                        f"got {got} (expected a list; write '{section}: []' for none)"
                        if value is None
                        else f"got {got} (expected a list of {section}, each item starting with '- ')",
                        file=name,
                        line=vline + 1,
                        column=vcol + 1,
                        path=section,
                        code="invalid-type",
                    )
                )
                continue
            if section in SECTIONS:
                offset = len(merged.setdefault(section, []))
                positions.keys.setdefault((section,), (name, line + 1, col + 1))
                positions.values.setdefault((section,), (name, line + 1, col + 1))
                for index, item in enumerate(value):
                    iline, icol = value.lc.item(index)
                    item_loc: Loc = (section, offset + index)
                    positions.values[item_loc] = (name, iline + 1, icol + 1)
                    merged[section].append(_plain(item, (), name, positions, item_loc))
                continue
            plain = _plain(value, (section,), name, positions, ())
            positions.keys[(section,)] = (name, line + 1, col + 1)
            positions.values[(section,)] = (name, vline + 1, vcol + 1)
            if section in merged and section not in SECTIONS and merged[section] != plain:
                problems.append(
                    Problem(
                        f"'{section}' is set differently in {scalar_origin[section]} "
                        "(expected the same value in every file of the blueprint)",
                        file=name,
                        line=line + 1,
                        column=col + 1,
                        path=section,
                        code="conflict",
                    )
                )
                continue
            merged[section] = plain
            scalar_origin[section] = name
    return merged, positions, problems


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


def _problems_from_validation(exc: ValidationError, positions: Positions) -> list[Problem]:
    problems = []
    seen: set[tuple[Loc, str]] = set()
    for error in exc.errors(include_url=False):
        # pydantic reports union members and Annotated wrappers as extra loc parts; keep the data path
        loc: Loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
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


def _attach_locations(blueprint: Blueprint, positions: Positions) -> None:
    """Give every model object its `defined_at` (file, line, column, path)."""

    def visit(obj: Model, loc: Loc) -> None:
        where = positions.find(loc)
        if where is not None:
            obj._defined_at = SourceRef(where[0], where[1], where[2], format_path(loc), loc)
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, Model):
                visit(value, (*loc, name))
            elif isinstance(value, tuple):
                for index, item in enumerate(value):
                    if isinstance(item, Model):
                        visit(item, (*loc, name, index))

    visit(blueprint, ())


def load(path: str | Path) -> Blueprint:
    """Load, merge and validate a blueprint file or folder.

    Raises `BlueprintError` with every problem (errors and warnings) when any error is found;
    otherwise returns the immutable `Blueprint`, whose `warnings` lists what is legal but suspicious.
    """
    source = Path(path)
    data, positions, problems = load_documents(source)
    if problems:
        raise BlueprintError(sort_problems(problems), summary=f"{path}: invalid YAML")
    try:
        blueprint = Blueprint.model_validate(data)
    except ValidationError as exc:
        raise BlueprintError(
            sort_problems(_problems_from_validation(exc, positions)),
            summary=f"{path}: invalid blueprint",
        ) from None
    _attach_locations(blueprint, positions)
    blueprint._origin = source
    found = sort_problems(validate(blueprint, positions))
    if any(p.severity == "error" for p in found):
        raise BlueprintError(found, summary=f"{path}: invalid blueprint")
    blueprint._warnings = tuple(found)
    return blueprint
