"""Attribute values as Terraform's JSON gives them: unknown until apply, sensitive, scrubbed at read time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

__all__ = [
    "SECRET_ATTRIBUTE",
    "SENSITIVE",
    "UNKNOWN",
    "Sensitive",
    "Unknown",
    "at",
    "blocks",
    "is_unknown",
    "mark",
    "one",
    "scrub",
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


def scrub(value: Any) -> Any:
    """`value` with every attribute whose name says it holds a secret replaced by `SENSITIVE`."""
    if type(value) is dict:
        return {
            key: SENSITIVE
            if item is not None and SECRET_ATTRIBUTE.search(key)
            else scrub(item)
            if type(item) in (dict, list)
            else item
            for key, item in value.items()
        }
    if type(value) is list:
        return [scrub(item) if type(item) in (dict, list) else item for item in value]
    return value


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
