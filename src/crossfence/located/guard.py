"""What every YAML reader refuses before it builds anything: control characters, deep nesting, alias bombs, tags outside the core schema, huge integers."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_INT_DIGITS",
    "MAX_KEYS",
    "MAX_PROBLEMS",
    "MAX_VALUES",
    "Refusal",
    "check_events",
    "check_text",
    "check_yaml",
]

MAX_FILE_BYTES = 50 * 1024 * 1024
"""The largest file read, in bytes (50 MiB: ten times the 5,000-workload benchmark estate)."""
MAX_DEPTH = 100
"""The deepest nesting of collections (mappings and sequences, aliases expanded). Python's
readers recurse once or more per level (ruamel's round-trip composer fails near 250 levels, its C
composer crashes the process at tens of thousands); real files stay under 40 (a CRD's schema)."""
MAX_ALIAS_NODES = 100_000
"""The most nodes aliases may add to a file once expanded (`*anchor` repeats the whole anchored
node): a few hundred bytes of nested aliases otherwise expand to billions of nodes."""
MAX_INT_DIGITS = 4300
"""The longest integer read, in digits: Python's own limit on converting text to an `int`
(`sys.get_int_max_str_digits()`), past which the conversion raises."""

# The characters YAML 1.2 forbids in a stream (section 5.1, "c-printable"): C0 controls other
# than tab, line feed and carriage return, DEL, C1 controls other than NEL, and U+FFFE/U+FFFF.
# (Surrogates cannot occur in text decoded from UTF-8.)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ufffe\uffff]")
MAX_PROBLEMS = 1000
"""The most problems one run locates and reports; past them, one more says how many were left
out. Each costs its location and a line of output: a file of a million broken items otherwise
takes minutes and gigabytes to say so."""
MAX_VALUES = 10_000
"""The longest list of plain values (addresses, ranges, ports, names) one object holds: every
bad value is one problem, made before any can be counted. Lists of objects (workloads, rules)
are not limited so: each object's problems are counted as it is read."""
MAX_KEYS = 1000
"""The most keys one object holds (every unknown key is one problem; no object has a hundred
fields)."""

_CONTROL_NAMES = {0: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x0B: "VT", 0x0C: "FF", 0x08: "BS"}

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null")}
_INT_TEXT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_TEXT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_BOOL_TEXT = re.compile(r"true|True|TRUE|false|False|FALSE")
_NULL_TEXT = re.compile(r"~|null|Null|NULL|")
# what a scalar tagged so must read as (the YAML 1.2 core schema's forms)
_TAGGED_TEXT = {
    f"{_CORE}int": (_INT_TEXT, "an integer"),
    f"{_CORE}float": (re.compile(f"{_INT_TEXT.pattern}|{_FLOAT_TEXT.pattern}"), "a number"),
    f"{_CORE}bool": (_BOOL_TEXT, "true or false"),
    f"{_CORE}null": (_NULL_TEXT, "null, ~ or nothing"),
}
_ALLOWED_TAGS = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"


class Refusal(Exception):
    """Why a YAML text is refused, and where: 1-based line and column (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def check_text(text: str) -> None:
    """Refuse a character YAML forbids (NUL, ESC, DEL...), where it is."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    code = ord(found.group())
    name = _CONTROL_NAMES.get(code, "a control character" if code < 0xA0 else "a non-character")
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    raise Refusal(
        f"character U+{code:04X} ({name}) is not allowed in YAML (expected printable text: "
        "tabs and line breaks are the only control characters)",
        line,
        column,
    )


def check_yaml(text: str) -> None:
    """Refuse what the YAML in `text` would make a reader build: nesting deeper than
    `MAX_DEPTH`, aliases expanding to more than `MAX_ALIAS_NODES` nodes, a tag outside the core
    schema or on a node it does not fit, an integer over `MAX_INT_DIGITS` digits.

    Reads libyaml's events (its C parser keeps its own stack: no recursion, whatever the depth);
    where libyaml fails, ruamel's pure-Python parser's events, as the blueprint loader reads. Where
    both fail, the YAML is invalid and the reader that owns the file reports it, located.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    for pure in (False, True):
        try:
            check_events(YAML(typ="safe", pure=pure).parse(io.StringIO(text)))
            return
        except YAMLError:
            continue


def _where(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _tag_name(tag: str) -> str:
    return f"!!{tag[len(_CORE) :]}" if tag.startswith(_CORE) else tag


def _check_tag(event: Any, kind: str) -> None:
    """A collection may carry its own core tag, a scalar one of the five scalar core tags, with
    a value of that tag's form."""
    tag = event.tag
    if tag is None:
        return
    tag = str(tag)
    line, column = _where(event)
    if kind != "scalar":
        if tag != f"{_CORE}{kind}":
            raise Refusal(
                f"tag {_tag_name(tag)} on a {_KIND_WORDS[kind]} is not allowed "
                f"(expected !!{kind} or no tag)",
                line,
                column,
            )
        return
    if tag not in _SCALAR_TAGS:
        what = (
            "a collection's tag"
            if tag in (f"{_CORE}seq", f"{_CORE}map")
            else "not a YAML core schema tag"
        )
        raise Refusal(
            f"tag {_tag_name(tag)} on a scalar is {what} (expected one of: {_ALLOWED_TAGS}, "
            "or no tag)",
            line,
            column,
        )
    form = _TAGGED_TEXT.get(tag)
    if form is not None and not form[0].fullmatch(event.value):
        raise Refusal(
            f"{event.value!r} is not {form[1]} (expected a value of the form its tag "
            f"{_tag_name(tag)} reads)",
            line,
            column,
        )


_KIND_WORDS = {"seq": "sequence", "map": "mapping"}


def _check_int(event: Any) -> None:
    value: str = event.value
    # a plain scalar without a tag (implicit), or one tagged !!int
    if (
        len(value) > MAX_INT_DIGITS
        and (event.implicit[0] or str(event.tag) == f"{_CORE}int")
        and _INT_TEXT.fullmatch(value)
    ):
        line, column = _where(event)
        raise Refusal(
            f"an integer of {len(value)} digits is too long (expected at most "
            f"{MAX_INT_DIGITS} digits)",
            line,
            column,
        )


def check_events(events: Iterable[Any]) -> None:
    """Refuse, from a parser's events, what `check_yaml` refuses (raises `Refusal`), and a
    mapping key that is a collection (JSON, and so Kubernetes, has string keys; ruamel's
    round-trip loader fails on some)."""
    from ruamel.yaml import events as kinds

    scalar, alias = kinds.ScalarEvent, kinds.AliasEvent
    starts = {kinds.MappingStartEvent: "map", kinds.SequenceStartEvent: "seq"}
    ends = (kinds.MappingEndEvent, kinds.SequenceEndEvent)
    # per open collection: [nodes below it, its height, its anchor, its children, a mapping?]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, height)
    expanded = 0
    seen: set[str] = set()
    document = kinds.DocumentStartEvent
    for event in events:
        cls = type(event)
        if cls is document:  # anchors are a document's own
            seen.clear()
            anchors.clear()
            continue
        anchor = getattr(event, "anchor", None)
        if anchor and cls is not alias:
            if anchor in seen:
                raise Refusal(
                    f"anchor &{anchor} is defined twice (expected each anchor once per document)",
                    *_where(event),
                )
            seen.add(anchor)
        if cls is scalar:
            _check_tag(event, "scalar")
            _check_int(event)
            size, height = 1, 0
            if event.anchor:
                anchors[event.anchor] = (1, 0)
        elif cls is alias:
            size, height = anchors.get(event.anchor, (1, 0))
            expanded += size
            line, column = _where(event)
            if expanded > MAX_ALIAS_NODES:
                raise Refusal(
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes (expected aliases "
                    "of small nodes, repeated a few times)",
                    line,
                    column,
                )
            if len(stack) + height > MAX_DEPTH:
                raise Refusal(_too_deep(), line, column)
            if height and stack and stack[-1][4] and stack[-1][3] % 2 == 0:
                raise Refusal(_collection_key("an alias of a collection"), line, column)
        elif cls in starts:
            kind = starts[cls]
            _check_tag(event, kind)
            if len(stack) >= MAX_DEPTH:
                raise Refusal(_too_deep(), *_where(event))
            if stack and stack[-1][4] and stack[-1][3] % 2 == 0:
                raise Refusal(_collection_key(f"a {_KIND_WORDS[kind]}"), *_where(event))
            stack.append([0, 0, event.anchor, 0, kind == "map"])
            continue
        elif cls in ends:
            below, inner, anchor, _, _ = stack.pop()
            size, height = below + 1, inner + 1
            if anchor:
                anchors[anchor] = (size, height)
        else:
            continue
        if stack:
            parent = stack[-1]
            parent[0] += size
            parent[3] += 1
            if height > parent[1]:
                parent[1] = height


def _collection_key(what: str) -> str:
    return f"{what} as a mapping key is not allowed (expected a string key)"


def _too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels deep (expected at most {MAX_DEPTH})"
