"""Manifest YAML read at C speed by rapidyaml, or refused where ruamel might read it otherwise."""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from crossfence.located import rapid
from crossfence.located.location import Location

__all__ = ["FastDocument", "core_schema", "read_fast"]

_Path = tuple[str | int, ...]

# --- the YAML 1.2 core schema --------------------------------------------------------------------
_INT_TEXT = r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
_FLOAT_TEXT = (
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_INT = re.compile(rf"(?:{_INT_TEXT})\Z")
_FLOAT = re.compile(rf"(?:{_FLOAT_TEXT})\Z")


def core_schema(text: str) -> Any:
    """The YAML 1.2 core schema's value of a plain scalar (both readers resolve them so)."""
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT.match(text):
        return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
    if _FLOAT.match(text):
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    return text


# --- what rapidyaml would read otherwise ----------------------------------------------------------
# A non-empty text the core schema does not read as a string.
_NOT_A_STRING = re.compile(
    rf"~|null|Null|NULL|true|True|TRUE|false|False|FALSE|{_INT_TEXT}|{_FLOAT_TEXT}"
)
# The plain scalars rapidyaml emits bare, as the JSON value the core schema gives them: a JSON
# string with one of these texts was quoted in the YAML.
_BARE = re.compile(
    r"-?(?:0(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?)?|[1-9][0-9]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
    r"|true|false|null"
)
# In rapidyaml's JSON, a string that may not be a string to the core schema (one with escapes
# cannot be), and whether it is a key; or a string starting with a space (rapidyaml makes some
# misindented keys so) or with `]` or `}` (libyaml rejects such plain scalars): a plain scalar
# can start with neither. An opening quote follows a bracket, a comma or a space.
# (The lookahead only filters first, for speed: most strings start otherwise.)
_JSON_CANDIDATE = re.compile(
    r'"(?=[\]} \-+.0-9~NTF])(?<=[\[{,\s]")(?:([\]} ])|([-+.0-9~NTF][^"\\]*)"(:?))'
)
_JSON_ODD_KEYS = ('"": ', '"null": ', '"true": ', '"false": ')
# The bytes the pre-scan looks at more closely (all ASCII control characters but the newline).
_CONTROL = bytes(range(32)).replace(b"\n", b"") + b"\x7f"
_SPECIAL = frozenset(b"&*!@`?%\\<.[]{}|>\"'" + _CONTROL)
_OTHER_BYTES = bytes(sorted(set(range(256)) - _SPECIAL))
# non-ASCII characters libyaml rejects or counts as line breaks, and the byte order mark
_BAD_UNICODE = re.compile("[\x80-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
# `&anchor`, `*alias`, `!tag`, `%` (directives), the reserved `@` and backquote, `?` (complex
# keys) starting a token
_INDICATOR = re.compile(r"[&*!%@`?](?<=(?<![^\s\[{,:])[&*!%@`?])")
# escaped surrogates, which libyaml rejects and rapidyaml decodes
_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
# The inside of a quoted scalar (on one line, or anywhere), its loops unrolled (a run of ordinary
# characters between escapes) for speed: the regular expressions below try it at every quote.
_DOUBLE_ON_LINE = r"[^\"\\\n]*+(?:\\[^\n][^\"\\\n]*+)*+"
_DOUBLE = r"[^\"\\]*+(?:\\[\s\S][^\"\\]*+)*+"
_SINGLE_ON_LINE = r"[^'\n]*+(?:''[^'\n]*+)*+"
_SINGLE = r"[^']*+(?:''[^']*+)*+"
# a quoted key over several lines (libyaml wants implicit keys on one line, rapidyaml does not)
_MULTILINE_KEY = re.compile(
    rf"\"(?<=(?<![^\s\[{{,:-])\")(?={_DOUBLE_ON_LINE}\\?\n){_DOUBLE}\"[ ]*:(?=\s|\Z)"
    rf"|'(?<=(?<![^\s\[{{,:-])')(?={_SINGLE_ON_LINE}\n){_SINGLE}'[ ]*:(?=\s|\Z)"
)
# a quoted scalar followed on its line by more than a `:`, `,`, bracket or comment
_AFTER_QUOTE = re.compile(
    rf"\"(?<=(?<![^\s\[{{,:-])\"){_DOUBLE}\"(?:[ ]+[^\s:#,\]}}]|[^\s:,\]}}])"
    rf"|'(?<=(?<![^\s\[{{,:-])'){_SINGLE}'(?:[ ]+[^\s:#,\]}}]|[^\s:,\]}}])"
)
# a block scalar header with spaces inside (`| -`), which rapidyaml accepts
_SPACED_HEADER = re.compile(r"[|>](?<=\s[|>])[ ]+[-+0-9]")
# a block scalar header whose next non-blank line starts at column 0: libyaml indents block
# scalar content by at least one space (so a document-level `|` is empty there and what follows
# an error), rapidyaml reads the line as the scalar's content
_UNINDENTED_BLOCK = re.compile(r"(?<!\S)[|>][-+0-9]*[ ]*(?:#[^\n]*)?\n(?:[ ]*\n)*[^ \n]")
_FLOW_SPECIAL = re.compile(r"[\[\]{}\"'#?:,]")
_AFTER_FLOW = re.compile(r"[ ]+#|[ ]*(?:[\n:,\]}]|\Z)")
_QUOTED = {
    '"': re.compile(r'"(?:[^"\\]|\\.)*+"', re.DOTALL),
    "'": re.compile(r"'(?:[^']|'')*+'"),
}
_TOKEN_START = frozenset(" \n[{,:")
# a flow sequence on one line of double-quoted strings without escapes and plain scalars without
# indicators (`["tcp/22", "tcp/443"]`, `[a, b]`), which `_flow_end` would walk token by token to
# its closing bracket
_SIMPLE_ITEM = r'(?:"[^"\\\n]*"|[^\s\[\]{}"\'#?:,]+)'
_SIMPLE_FLOW = re.compile(rf"\[[ ]*(?:{_SIMPLE_ITEM}[ ]*(?:,[ ]*{_SIMPLE_ITEM}[ ]*)*)?\]")
# text up to and including such flow sequences (or `{}`) where they start a token and are followed
# by what `_AFTER_FLOW` allows: the brackets `_unsafe_brackets` would find safe one by one
_SAFE_FLOWS = re.compile(
    r"(?:[^\[\]{}]*+(?<![^ \n\[{,:])(?:" + _SIMPLE_FLOW.pattern + r"|\{\})"
    r"(?=[ ]+#|[ ]*(?:[\n:,\]}]|\Z)))*+"
)
_BLANK_LINE = re.compile(r"\n[ ]*\n")


def _unsafe_text(text: str, raw: bytes) -> bool:
    """Whether the YAML uses something rapidyaml may read otherwise than ruamel (conservative)."""
    if not raw.isascii() and _BAD_UNICODE.search(text):
        return True
    present = set(raw.translate(None, _OTHER_BYTES))
    if not present:
        return False
    if not present.isdisjoint(_CONTROL):
        return True
    if not present.isdisjoint(b"&*!%@`?") and _INDICATOR.search(text):
        return True
    if ord("\\") in present and _ESCAPE.search(text):
        return True
    if ord("<") in present and "<<" in text:
        return True  # a merge key
    if ord(".") in present and (text.startswith("...") or "\n..." in text):
        return True  # a document end marker
    if not present.isdisjoint(b"\"'") and (
        _MULTILINE_KEY.search(text) or _AFTER_QUOTE.search(text)
    ):
        return True
    if not present.isdisjoint(b"|>") and (
        not text.endswith("\n") or _SPACED_HEADER.search(text) or _UNINDENTED_BLOCK.search(text)
    ):
        return True  # a block scalar may end the file: libyaml adds no line break, rapidyaml does
    return not present.isdisjoint(b"[]{}") and _unsafe_brackets(text)


def _unsafe_brackets(text: str) -> bool:
    """Whether a flow collection is not closed, holds a comment, a `?`, a plain `a:b`, a blank
    line or a key over two lines, or is followed on its line by more than a `:`, `,`, bracket or
    comment; or whether a `]` or `}` starts a token outside one. libyaml fails on most of these
    where rapidyaml reads something."""
    end = len(text)
    next_of = dict.fromkeys("[{]}", -1)
    position = 0
    while True:
        position = _SAFE_FLOWS.match(text, position).end()  # type: ignore[union-attr]
        for bracket, found in next_of.items():
            if found < position:
                next_of[bracket] = text.find(bracket, position) % (end + 1)  # none: at the end
        start = min(next_of.values())
        if start == end:
            return False
        opening = text[start]
        if start > 0 and text[start - 1] not in _TOKEN_START:
            position = start + 1  # inside a plain scalar
            continue
        if opening in "]}":
            return True
        if text[start + 1 : start + 2] == ("]" if opening == "[" else "}"):
            position = start + 2  # `[]` or `{}`
        else:
            position = _flow_end(text, start)
            if position < 0:
                return True
        if not _AFTER_FLOW.match(text, position):
            return True


def _flow_end(text: str, start: int) -> int:
    """Offset after the flow collection opening at `start`, or -1 if it is unsafe."""
    simple = _SIMPLE_FLOW.match(text, start)
    if simple:
        return simple.end()
    depth = 0
    position = separator = start
    quoted_end = -1  # where the last quoted scalar ended (a `:` right after it is a key's)
    while True:
        token = _FLOW_SPECIAL.search(text, position)
        if token is None:
            return -1  # not closed
        char = token.group()
        at = token.start()
        position = token.end()
        if char in "[{,":
            depth += char != ","
            separator = at
        elif char in "]}":
            depth -= 1
            if depth == 0:
                # rapidyaml may keep a blank line in a plain scalar before the bracket
                return -1 if _BLANK_LINE.search(text, start, position) else position
        elif char in "\"'":
            if text[at - 1] in _TOKEN_START:
                quoted = _QUOTED[char].match(text, at)
                if quoted is None:
                    return -1
                position = quoted_end = quoted.end()
        elif char == ":":
            if text[position : position + 1] not in (" ", "\n") and at != quoted_end:
                return -1  # `a:b`, or `1':` (a quote inside a plain scalar ends nothing)
            if "\n" in text[separator + 1 : at].strip(" \n") or not text[
                text.rfind("\n", 0, at) + 1 : at
            ].strip(" "):
                return -1  # a key over two lines, or a `:` on a line of its own
        else:
            return -1  # `#` or `?`


def _unsafe_json(emitted: str, text: str) -> bool:
    """Whether rapidyaml's JSON has a string the core schema does not read as one (where the
    YAML may have it plain), or one that starts as no plain scalar does.

    A value counts unless rapidyaml emits its text bare when plain (so it was quoted) or the YAML
    has no plain token with its text; a key counts whenever the core schema does not read it as
    a string (JSON keys all are strings).
    """
    if emitted.startswith('"') or any(key in emitted for key in _JSON_ODD_KEYS):
        return True  # (a document that is a string is no manifest)
    quoted = set()
    for odd, string, colon in _JSON_CANDIDATE.findall(emitted):
        if odd or (colon and _NOT_A_STRING.fullmatch(string)):
            return True
        if _NOT_A_STRING.fullmatch(string) and not _BARE.fullmatch(string):
            quoted.add(string)  # quoted in the YAML, unless plain there (`status: "True"`)
    for string in quoted:
        if "inf" in string.lower() or "nan" in string.lower():
            return True  # rapidyaml writes plain `inf` and `nan` as `.inf` and `.nan`
        token = re.escape(string)
        if re.search(rf"{token}(?<=(?<![^\s\[{{,:]){token})(?![^\s\]}},:])", text):
            return True
    return False


# --- reading --------------------------------------------------------------------------------------
class _Locator(Protocol):
    def locate(self, path: _Path) -> Location: ...

    def locate_key(self, path: _Path) -> Location: ...


def read_fast(
    name: str,
    text: str,
    slow: Callable[[], Sequence[_Locator]],
    *,
    refuse: Callable[[str, str], bool] | None = None,
    unique_keys: bool = False,
) -> list[FastDocument] | None:
    """The documents of one file's `text`, or None when ruamel must read it.

    The documents have the values and locations the ruamel reader (`yamlsource`) gives; `slow()`
    gives that reader's documents and is called only if a location cannot be derived from
    rapidyaml's tree. Three things make the result certain:

    - A textual pre-scan refuses what rapidyaml reads otherwise than libyaml, or accepts where
      libyaml fails: anchors, aliases, tags, directives, `@`, backquotes, `?`, `...`, merge
      keys, escaped surrogates, tabs and the characters libyaml rejects or counts as line
      breaks, quoted keys over several lines, text after a closing quote, spaced block scalar
      headers, a block scalar that may end the file or whose next line is not indented; in
      flow collections comments, `?`, a plain `a:b`, blank lines, keys over two lines, text
      after the closing bracket. It is conservative: a refused file is only slower.
    - Values are rapidyaml's JSON emission read by `json`. rapidyaml emits a plain scalar bare
      when it is a JSON number, `true`, `false` or `null`, else as a string; a JSON string whose
      text the YAML 1.2 core schema reads as something else (`~`, `True`, `0x1F`, `012`...)
      refuses the file if the YAML has that text plain somewhere, and `.inf` or `.nan` always
      do (rapidyaml writes plain `inf` and `nan` so); so does a key the core schema does not
      read as a string, or a string starting with a space, `]` or `}` (no plain scalar does). A
      parse or JSON error refuses the file: invalid YAML gets ruamel's located error, as before.
    - A location is derived from where a scalar's bytes sit in the parsed buffer, with libyaml's
      conventions: a block mapping starts at its first key, a block sequence at its first `-`,
      a flow collection at its bracket, a quoted scalar at its quote, a block scalar at its `|`
      or `>`, an empty value right after its `:` or `-` (at the next `,` or `}` in a flow
      mapping). Where a node's position cannot be derived so (an empty document, say), ruamel
      composes the file, once, for its locations.

    A caller reading with other rules adds its own: `refuse(emitted, text)` refuses the file from
    rapidyaml's JSON emission, and `unique_keys` refuses a file with a key twice in a mapping
    (rapidyaml and `json` keep the last one silently).

    None also when rapidyaml is missing or not the one this reader was tested on
    (`rapid.binding`), or fails in any way, or could print on stderr while other threads run
    (`rapid.parse`): ruamel then reads the file.
    """
    if _BINDING is None:
        return None
    raw = text.encode("utf-8")
    if _unsafe_text(text, raw):
        return None
    try:
        parsed = rapid.parse(_BINDING, bytearray(raw))
        if parsed is None:
            return None
        tree, buffer, emitted = parsed
        if not emitted:
            return []
        if _unsafe_json(emitted, text) or (refuse is not None and refuse(emitted, text)):
            return None
        values = json.loads(
            emitted, strict=False, object_pairs_hook=_unique_keys if unique_keys else None
        )
        root = tree.root_id()
        if tree.is_stream(root):
            nodes = list(_BINDING.ryml.children(tree, root))
        else:
            nodes, values = [root], [values]
        if len(nodes) != len(values):
            return None
        source = _Source(name, raw, buffer, tree, slow)
    except Exception:  # an integer too long for `int`, a nesting too deep for `json`, a surprise
        return None
    return [FastDocument(source, i, node, values[i]) for i, node in enumerate(nodes)]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, or ValueError if it has a key twice."""
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise ValueError("a duplicate key")
    return mapping


class FastDocument:
    """One document read by rapidyaml: its plain value, and where each of its fields sits."""

    __slots__ = ("_index", "_keys", "_locations", "_node", "_source", "file", "value")

    def __init__(self, source: _Source, index: int, node: int, value: Any) -> None:
        self.file = source.name
        self.value = value
        self._source = source
        self._index = index
        self._node = node
        self._locations: dict[_Path, Location] = {}
        self._keys: dict[_Path, Location] = {}

    def locate(self, path: _Path) -> Location:
        """Location of the value at `path`, or of its deepest existing ancestor."""
        location = self._locations.get(path)
        if location is None:
            location = self._locations[path] = self._source.locate(self._index, self._node, path)
        return location

    def locate_key(self, path: _Path) -> Location:
        """Location of the key that introduces `path` (where an editor puts the cursor)."""
        location = self._keys.get(path)
        if location is None:
            location = self._keys[path] = self._source.locate_key(self._index, self._node, path)
        return location


# --- locations ------------------------------------------------------------------------------------
class _Unknown(Exception):
    """A node's position cannot be derived from the tree: ruamel is asked."""


# rapidyaml's flags and extension functions, called with the tree's SWIG pointer (`tree.this`):
# five times faster than the `Tree` methods, which matters at a few calls per located field.
_BINDING = rapid.binding()
if _BINDING is not None:
    _MAP, _SEQ, _STREAM = _BINDING.MAP, _BINDING.SEQ, _BINDING.STREAM
    _KEYQUO, _VALQUO = _BINDING.KEYQUO, _BINDING.VALQUO
    _BLOCK_SCALAR, _FLOW = _BINDING.BLOCK_SCALAR, _BINDING.FLOW
    _VALNIL, _NONE = _BINDING.VALNIL, _BINDING.NONE
    _type = _BINDING.type
    _key = _BINDING.key
    _val = _BINDING.val
    _find_child = _BINDING.find_child
    _next_sibling = _BINDING.next_sibling
    _first_child = _BINDING.first_child
    _num_children = _BINDING.num_children
    _parent = _BINDING.parent
    _address = _BINDING.address

_SPACES = re.compile(rb" *")
_SPACES_AND_LINES = re.compile(rb"[ \n]*")
_SPACE_AND_COMMENTS = re.compile(rb"(?:[ \n]|(?<![^ \n])#[^\n]*)*")
_QUOTED_BYTES = {
    ord('"'): re.compile(rb'"(?:[^"\\]|\\.)*+"', re.DOTALL),
    ord("'"): re.compile(rb"'(?:[^']|'')*+'"),
}


class _Source:
    """One file parsed by rapidyaml: byte offsets of nodes, then 1-based lines and columns."""

    def __init__(
        self,
        name: str,
        raw: bytes,
        buffer: bytearray,
        tree: Any,
        slow: Callable[[], Sequence[_Locator]],
    ) -> None:
        self.name = name
        self.raw = raw  # the text as parsed; `buffer`, its copy, is what rapidyaml parsed
        self.buffer = buffer  # and filtered: scalars point into it, so it lives with the tree
        self.tree = tree
        self.this = tree.this
        self.base = _address(buffer)
        self.ascii = raw.isascii()
        self._slow = slow
        self._slow_documents: Sequence[_Locator] | None = None
        self._line_starts: list[int] | None = None
        self._item_offsets: dict[int, list[int]] = {}
        self._item_index: dict[int, dict[int, int]] = {}
        self._children: dict[int, list[int]] = {}

    def locate(self, index: int, document: int, path: _Path) -> Location:
        try:
            return self._location(self._start(self._walk(document, path)))
        except Exception:  # `_Unknown`, or a tree not shaped as this reader expects
            return self._slow_locate(index, path, key=False)

    def locate_key(self, index: int, document: int, path: _Path) -> Location:
        try:
            if path and isinstance(path[-1], str):
                parent = self._walk(document, path[:-1])
                child = _find_child(self.this, parent, path[-1])  # _NONE unless a mapping has it
                if child != _NONE:
                    return self._location(self._key_start(child))
            return self._location(self._start(self._walk(document, path)))
        except Exception:
            return self._slow_locate(index, path, key=True)

    def _slow_locate(self, index: int, path: _Path, *, key: bool) -> Location:
        """The location ruamel gives (the file composed once); the file alone if even that fails."""
        try:
            document = self._slow_document(index)
            return document.locate_key(path) if key else document.locate(path)
        except Exception:
            return Location(self.name, 0, 0)

    def _walk(self, node: int, path: _Path) -> int:
        """The node at `path`, or its deepest existing ancestor (as `NodeDocument` walks)."""
        this = self.this
        for part in path:
            if isinstance(part, str):
                child = _find_child(this, node, part)  # _NONE unless a mapping has it
            elif part >= 0 and _type(this, node) & _SEQ:
                children = self._items_of(node)
                if part >= len(children):
                    break
                child = children[part]
            else:
                break
            if child == _NONE:
                break
            node = child
        return node

    def _items_of(self, sequence: int) -> list[int]:
        """The children of a sequence, by position (rapidyaml finds the n-th child by walking its
        siblings: indexing thousands of items one by one would take quadratic time)."""
        children = self._children.get(sequence)
        if children is None:
            this = self.this
            children = self._children[sequence] = []
            child = _first_child(this, sequence)
            while child != _NONE:
                children.append(child)
                child = _next_sibling(this, child)
        return children

    def _slow_document(self, index: int) -> _Locator:
        if self._slow_documents is None:
            self._slow_documents = self._slow()
        return self._slow_documents[index]

    # -- byte offsets of libyaml's start marks --
    def _offset(self, view: Any) -> int:
        if view is None:
            raise _Unknown
        offset = _address(view) - self.base
        if not 0 <= offset <= len(self.raw):
            raise _Unknown  # a scalar rapidyaml had to move out of the buffer
        return offset

    def _key_start(self, node: int) -> int:
        offset = self._offset(_key(self.this, node))
        if _type(self.this, node) & _KEYQUO:
            offset -= 1  # at the quote
            if offset < 0 or self.raw[offset] not in b"\"'":
                raise _Unknown
        return offset

    def _key_end(self, node: int) -> int:
        if _type(self.this, node) & _KEYQUO:
            start = self._key_start(node)
            match = _QUOTED_BYTES[self.raw[start]].match(self.raw, start)
            if match is None:
                raise _Unknown
            return match.end()
        view = _key(self.this, node)
        return self._offset(view) + len(view)

    def _after_indicator_node(self, node: int, kind: int) -> bool:
        """Whether the node's start is found from the `:` or `-` before it: an empty value, `{}`,
        `[]`, a block scalar (its bytes are below its header), or a sequence whose first item is
        one of those."""
        if kind & (_MAP | _SEQ):
            first = _first_child(self.this, node)
            if first == _NONE:
                return True
            if kind & _MAP:
                return False
            return self._after_indicator_node(first, _type(self.this, first))
        return bool(kind & (_VALNIL | _BLOCK_SCALAR)) or _val(self.this, node) is None

    def _start(self, node: int) -> int:
        """Byte offset of libyaml's start mark of the node."""
        this = self.this
        raw = self.raw
        kind = _type(this, node)
        if self._after_indicator_node(node, kind):
            return self._start_after_indicator(node, kind)
        if kind & (_MAP | _SEQ):
            first = _first_child(this, node)
            inner = self._key_start(first) if kind & _MAP else self._start(first)
            if kind & _MAP and not kind & _FLOW:
                return inner  # a block mapping starts at its first key
            # a flow collection starts at its bracket, a block sequence at its first `-`
            opening = b"-" if not kind & _FLOW else b"{" if kind & _MAP else b"["
            found = raw.rfind(opening, 0, inner)
            if found < 0 or raw[found + 1 : inner].strip(b" \n"):
                raise _Unknown
            return found
        offset = self._offset(_val(this, node))
        if kind & _VALQUO:
            offset -= 1  # at the quote
            if offset < 0 or raw[offset] not in b"\"'":
                raise _Unknown
        return offset

    def _start_after_indicator(self, node: int, kind: int) -> int:
        after = self._after_indicator(node)
        raw = self.raw
        if not kind & (_MAP | _SEQ | _BLOCK_SCALAR):
            # libyaml's empty scalar starts where the `:` or `-` ends in block collections, at
            # the next token (`,` or `}`) in flow mappings
            if _type(self.this, _parent(self.this, node)) & _FLOW:
                return _SPACE_AND_COMMENTS.match(raw, after).end()  # type: ignore[union-attr]
            return after
        if kind & _BLOCK_SCALAR:
            expected: tuple[bytes, ...] = (b"|", b">")
            offset = _SPACES.match(raw, after).end()  # type: ignore[union-attr]
        else:
            spaces = _SPACE_AND_COMMENTS.match(raw, after)
            offset = spaces.end() if spaces else after
            expected = (b"-" if not kind & _FLOW else b"{" if kind & _MAP else b"[",)
        if raw[offset : offset + 1] not in expected:
            raise _Unknown
        if expected == (b"-",) and raw[offset + 1 : offset + 2] not in (b" ", b"\n", b""):
            raise _Unknown
        return offset

    def _after_indicator(self, node: int) -> int:
        """Offset just after the `:` of a keyed node or the `-` of a block sequence item, or where
        a flow sequence item starts."""
        this = self.this
        raw = self.raw
        parent = _parent(this, node)
        parent_kind = _type(this, parent) if parent != _NONE else _STREAM
        if parent_kind & _STREAM:
            raise _Unknown  # a document
        if parent_kind & _MAP:
            end = self._key_end(node)
            while raw[end : end + 1] == b" ":
                end += 1
            if raw[end : end + 1] == b":":
                return end + 1
            if parent_kind & _FLOW and _type(this, node) & _VALNIL:
                return end  # `{a, b: 1}`: `a` has no `:`
            raise _Unknown
        if parent_kind & _SEQ:
            item: int = self._items(parent)[self._position(parent, node)]
            # after the item's `-` in a block sequence; a flow sequence item starts right there
            return item if parent_kind & _FLOW else item + 1
        raise _Unknown

    def _position(self, sequence: int, node: int) -> int:
        """The index of `node` among the items of `sequence`. rapidyaml counts the siblings
        before it (and `num_children` all of them): locating every item of a long list one by
        one is quadratic (a million items took hours), so a list's indexes are counted once."""
        this = self.this
        index = self._item_index.get(sequence)
        if index is None:
            index = {}
            child = _first_child(this, sequence)
            while child != _NONE:
                index[child] = len(index)
                child = _next_sibling(this, child)
            self._item_index[sequence] = index
        return index[node]

    def _items(self, sequence: int) -> list[int]:
        """Offsets of the `-` of each item of a block sequence, or of each item of a flow one."""
        items = self._item_offsets.get(sequence)
        if items is None:
            if _type(self.this, sequence) & _FLOW:
                items = self._flow_items(self._start(sequence) + 1)
            else:
                items = self._dashes(self._start(sequence))
            if len(items) != _num_children(self.this, sequence):
                raise _Unknown
            self._item_offsets[sequence] = items
        return items

    def _dashes(self, first: int) -> list[int]:
        """The `-` of each item of the block sequence whose first `-` is at `first`: those on the
        lines below at its indentation, until a line indented less, or as much but not an item
        (blank and comment lines aside)."""
        raw = self.raw
        column = first - (raw.rfind(b"\n", 0, first) + 1)
        dashes = [first]
        line = raw.find(b"\n", first) + 1
        while 0 < line < len(raw):
            end = raw.find(b"\n", line)
            end = len(raw) if end < 0 else end
            content = raw[line:end].lstrip(b" ")
            indent = end - line - len(content)
            if content and not content.startswith(b"#") and indent <= column:
                if indent < column or content[:1] != b"-" or content[1:2] not in (b" ", b""):
                    break
                dashes.append(line + column)
            line = end + 1
        return dashes

    def _flow_items(self, position: int) -> list[int]:
        """Where each item of the flow sequence whose `[` ends at `position` starts (the
        pre-scan ruled out comments and `?` in flow collections)."""
        raw = self.raw
        items: list[int] = []
        while True:
            position = _SPACES_AND_LINES.match(raw, position).end()  # type: ignore[union-attr]
            if raw[position : position + 1] == b"]":
                return items
            items.append(position)
            end = self._flow_item_end(position)
            if end == position or raw[end : end + 1] not in (b",", b"]"):
                raise _Unknown
            position = end + (raw[end : end + 1] == b",")

    def _flow_item_end(self, start: int) -> int:
        """Offset of the `,` or bracket that ends the flow item starting at `start`."""
        raw = self.raw
        depth = 0
        position = start
        while position < len(raw):
            char = raw[position]
            if char in b"\"'" and (position == start or raw[position - 1] in b" \n[{,:"):
                quoted = _QUOTED_BYTES[char].match(raw, position)
                if quoted is None:
                    raise _Unknown
                position = quoted.end()
                continue
            if char in b"[{":
                depth += 1
            elif char in b"]}":
                if depth == 0:
                    return position
                depth -= 1
            elif char == ord(",") and depth == 0:
                return position
            position += 1
        raise _Unknown

    # -- lines and columns --
    def _location(self, offset: int) -> Location:
        starts = self._line_starts
        if starts is None:
            # byte offset of every line start; no NumPy: the blueprint loader shares this
            # reader, and `validate` on a blueprint should not pay NumPy's import
            lines = self.raw.split(b"\n")[:-1]
            starts = self._line_starts = [0, *itertools.accumulate(len(x) + 1 for x in lines)]
        line = bisect.bisect_right(starts, offset)
        start = starts[line - 1]
        column = offset - start if self.ascii else len(self.raw[start:offset].decode("utf-8"))
        return Location(self.name, line, column + 1)
