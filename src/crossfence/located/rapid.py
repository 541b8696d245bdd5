"""rapidyaml as the fast reader uses it, or None: its parser, its JSON emission, its tree's accessors, where a scalar's bytes are.

The fast reader calls functions of rapidyaml's extension module (`_ryml.Tree_type`...: five times
faster than the `Tree` methods) and reads scalars' addresses through ctypes. None of that is a
stable API: `binding()` gives it only if it imports and reads a small document exactly as
expected (`_works`), else None, and every caller then reads with ruamel. A newer rapidyaml can
slow crossfence down; it cannot break it.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Binding", "binding", "parse"]


class _Buffer(ctypes.Structure):
    """CPython's `Py_buffer` (stable ABI): where the bytes of a memoryview are."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    ]


@dataclass(frozen=True)
class Binding:
    """rapidyaml's flags and functions, as the fast reader calls them."""

    ryml: Any
    MAP: int
    SEQ: int
    STREAM: int
    KEYQUO: int
    VALQUO: int
    BLOCK_SCALAR: int
    FLOW: int
    VALNIL: int
    NONE: int
    type: Callable[..., int]
    key: Callable[..., Any]
    val: Callable[..., Any]
    find_child: Callable[..., int]
    next_sibling: Callable[..., int]
    first_child: Callable[..., int]
    num_children: Callable[..., int]
    parent: Callable[..., int]
    child_pos: Callable[..., int]
    address: Callable[[Any], int]
    """Address of the first byte of a buffer (rapidyaml's scalars are memoryviews of the text)."""


def _address_function() -> Callable[[Any], int]:
    get_buffer = ctypes.pythonapi.PyObject_GetBuffer
    get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_Buffer), ctypes.c_int]
    get_buffer.restype = ctypes.c_int
    release_buffer = ctypes.pythonapi.PyBuffer_Release
    release_buffer.argtypes = [ctypes.POINTER(_Buffer)]
    release_buffer.restype = None

    def address(view: Any) -> int:
        buffer = _Buffer()
        if get_buffer(view, buffer, 0) != 0:
            raise ValueError("not a buffer")
        found = buffer.buf or 0
        release_buffer(buffer)
        return int(found)

    return address


def _load() -> Binding:
    import ryml
    from ryml import _ryml

    seq = int(ryml.SEQ)
    return Binding(
        ryml=ryml,
        MAP=int(ryml.MAP),
        SEQ=seq,
        STREAM=int(ryml.STREAM) & ~seq,  # (a stream is a sequence of documents to rapidyaml)
        KEYQUO=int(ryml.KEYQUO),
        VALQUO=int(ryml.VALQUO),
        BLOCK_SCALAR=int(ryml.VAL_LITERAL) | int(ryml.VAL_FOLDED),
        FLOW=int(ryml.FLOW_SL) | int(ryml.FLOW_ML),
        VALNIL=int(ryml.VALNIL),
        NONE=int(ryml.NONE),
        type=_ryml.Tree_type,
        key=_ryml.Tree_key,
        val=_ryml.Tree_val,
        find_child=_ryml.Tree_find_child,
        next_sibling=_ryml.Tree_next_sibling,
        first_child=_ryml.Tree_first_child,
        num_children=_ryml.Tree_num_children,
        parent=_ryml.Tree_parent,
        child_pos=_ryml.Tree_child_pos,
        address=_address_function(),
    )


_PROBE = b"a: [x, 'y']\nb: |\n  z\nc:\n"


def _works(b: Binding) -> bool:
    """Whether rapidyaml reads a document that uses every feature the fast reader relies on
    (flags, accessors, scalars pointing into the parsed buffer, the JSON emission) as 0.15 did."""
    parsed = parse(b, bytearray(_PROBE), quiet=False)
    if parsed is None:
        return False
    tree, buffer, emitted = parsed
    this = tree.this
    root = tree.root_id()
    base = b.address(buffer)
    a = b.find_child(this, root, "a")
    first = b.first_child(this, a)
    second = b.next_sibling(this, first)
    c = b.find_child(this, root, "c")
    return bool(
        emitted.replace(" ", "").replace("\n", "") == '{"a":["x","y"],"b":"z\\n","c":null}'
        and b.type(this, root) & b.MAP
        and b.type(this, a) & b.SEQ
        and b.type(this, a) & b.FLOW
        and b.num_children(this, a) == 2
        and b.address(b.key(this, a)) - base == 0
        and b.address(b.val(this, first)) - base == 4
        and b.address(b.val(this, second)) - base == 8
        and b.type(this, second) & b.VALQUO
        and not b.type(this, first) & b.VALQUO
        and b.type(this, b.find_child(this, root, "b")) & b.BLOCK_SCALAR
        and b.type(this, c) & b.VALNIL
        and b.parent(this, second) == a
        and b.child_pos(this, a, second) == 1
        and b.next_sibling(this, second) == b.NONE
        and b.find_child(this, root, "nope") == b.NONE
    )


@functools.cache
def binding() -> Binding | None:
    """rapidyaml, if it imports and works as expected; None otherwise (read with ruamel)."""
    try:
        found = _load()
        return found if _works(found) else None
    except Exception:  # any failure at all: an import error, a renamed function, a crash
        return None


_QUIET = threading.Lock()


def parse(
    b: Binding, buffer: bytearray, *, quiet: bool = True
) -> tuple[Any, bytearray, str] | None:
    """rapidyaml's tree of the YAML in `buffer` (parsed in place: scalars point into it), and its
    JSON emission; None when rapidyaml fails, or when it could fail loudly with other threads
    running.

    rapidyaml prints its errors with C's `stderr` before raising them, and offers Python no way
    to stop it. While it parses, file descriptor 2 points at /dev/null; that is done only when
    this is the process's only Python thread (the CLI's case), where it cannot lose anyone
    else's output. With other threads running, the descriptor is left alone and None is
    returned: those programs read with ruamel (the same documents, slower).
    """
    ryml = b.ryml
    if quiet and threading.active_count() > 1:
        return None
    with _QUIET:
        saved = null = -1
        try:
            if quiet:
                saved = os.dup(2)
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 2)
            tree = ryml.Tree()
            # About one node per line, item or flow entry: a tree sized up front is not regrown
            # (and copied) while parsing, which halves rapidyaml's time on big files. A short
            # estimate only costs a regrowth.
            tree.reserve(buffer.count(b"\n") + buffer.count(b",") + buffer.count(b"- ") + 16)
            ryml.parse_in_place(buffer, tree=tree)
            emitted = "" if tree.empty() else ryml.emit_json_malloc(tree, tree.root_id())
        except Exception:  # a parse error, a nesting rapidyaml does not emit (over 64 deep)...
            return None
        finally:
            if saved >= 0:
                os.dup2(saved, 2)
                os.close(saved)
            if null >= 0:
                os.close(null)
    if not isinstance(emitted, str):
        return None
    return tree, buffer, emitted
