"""Attribute values as Terraform's JSON gives them: unknown until apply, sensitive, scrubbed at read time."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any, Final

from ..located.guard import MAX_DEPTH

__all__ = [
    "SECRET_ATTRIBUTE",
    "SENSITIVE",
    "UNKNOWN",
    "Sensitive",
    "TooDeep",
    "Unknown",
    "at",
    "blocks",
    "is_unknown",
    "mark",
    "one",
    "scrub",
    "too_deep",
]


class Unknown:
    """A value the plan does not know yet (`after_unknown`: an address to be allocated, the id of a
    resource to be created). Mappings never guess one: they resolve a reference through the
    configuration, or record the value as unknown on the blueprint (`Blueprint.unknowns`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "(known after apply)"


class Sensitive:
    """A value removed at read time: Terraform marked it sensitive, or its attribute holds a secret
    by name (a pre-shared key, a password, a token). No output ever prints what it was."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "(sensitive value)"


UNKNOWN: Final = Unknown()
SENSITIVE: Final = Sensitive()

SECRET_ATTRIBUTE = re.compile(
    r"(^|_)(password|passwd|secret|token|psk|preshared_key|pre_shared_key|shared_secret"
    r"|private_key|key_material|kubeconfig|client_key|client_certificate|cluster_ca_certificate"
    r"|master_auth|certificate_authority|credentials?|auth_key|api_key|access_key|secret_key)"
    r"($|_|s$)",
    re.IGNORECASE,
)
"""Attributes that hold a secret in real states whether or not the provider marks them sensitive
(`tunnel1_preshared_key`, `shared_secret`, `master_password`, `kubeconfig`, `token`): scrubbed by
name, so no command can print one."""


@functools.lru_cache(maxsize=4096)
def _secret(key: str) -> bool:
    return SECRET_ATTRIBUTE.search(key) is not None


class TooDeep(Exception):
    """A value nested deeper than `MAX_DEPTH` levels (no Terraform provider writes one: what
    reads it later would recurse past Python's stack)."""


def scrub(value: Any, depth: int = 0) -> Any:
    """`value` with every attribute whose name says it holds a secret replaced by `SENSITIVE`, in
    place (the values are the file's own, fresh from the JSON parser); `TooDeep` when it is
    nested more than `MAX_DEPTH` levels."""
    if depth > MAX_DEPTH:
        raise TooDeep
    if type(value) is dict:
        for key, item in value.items():
            if type(item) in (dict, list):
                if _secret(key):
                    value[key] = SENSITIVE
                else:
                    scrub(item, depth + 1)
            elif item is not None and _secret(key):
                value[key] = SENSITIVE
    elif type(value) is list:
        for item in value:
            if type(item) in (dict, list):
                scrub(item, depth + 1)
    return value


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` is nested more than `limit` levels (walked without recursion)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > limit:
            return True
        if type(item) is dict:
            pending.extend((v, depth + 1) for v in item.values() if type(v) in (dict, list))
        elif type(item) is list:
            pending.extend((v, depth + 1) for v in item if type(v) in (dict, list))
    return False


def mark(value: Any, mirror: Any, marker: Unknown | Sensitive) -> Any:
    """`value` with `marker` wherever `mirror` (Terraform's `after_unknown`, `after_sensitive`,
    `sensitive_values`: the same shape, `true` where it applies) says so."""
    if mirror is True:
        return marker
    if type(mirror) is dict and mirror:
        base = value if type(value) is dict else {}
        out = dict(base)
        for key, sub in mirror.items():
            if sub is True or (type(sub) in (dict, list) and sub):
                out[key] = mark(base.get(key), sub, marker)
        return out
    if type(mirror) is list and mirror:
        base_list = value if type(value) is list else []
        length = max(len(base_list), len(mirror))
        items = [base_list[i] if i < len(base_list) else None for i in range(length)]
        return [
            mark(items[i], mirror[i], marker) if i < len(mirror) else items[i]
            for i in range(length)
        ]
    return value


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def at(values: Any, *path: str | int) -> Any:
    """The value at `path` (keys and indexes) below `values`; None when absent, or `UNKNOWN` when a
    container on the way is unknown. A single nested block written as a one-item list is entered
    with index 0."""
    current = values
    for part in path:
        if current is UNKNOWN:
            return UNKNOWN
        if isinstance(part, int):
            if type(current) is not list or not -len(current) <= part < len(current):
                return None
            current = current[part]
        else:
            if type(current) is list and len(current) == 1 and type(current[0]) is dict:
                current = current[0]
            if type(current) is not dict:
                return None
            current = current.get(part)
    return current


def blocks(values: Any, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The nested blocks `name` of a resource (a list of objects; null and `[]` are none), with
    their index."""
    found = values.get(name) if type(values) is dict else None
    if type(found) is dict:
        yield 0, found
    elif type(found) is list:
        for index, block in enumerate(found):
            if type(block) is dict:
                yield index, block


def one(values: Any, *path: str | int) -> dict[str, Any]:
    """The single nested block at `path` (Terraform writes it as a one-item list); `{}` when absent."""
    found = at(values, *path)
    if type(found) is list:
        found = found[0] if found else None
    return found if type(found) is dict else {}
