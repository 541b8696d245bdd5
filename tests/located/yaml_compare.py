"""What the located-YAML tests compare: plain values, strictly, and every path into them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path into `value`, and paths that stop short (a missing key or index, a negative
    index, below a scalar), whose location is their deepest existing ancestor's."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
        yield (*prefix, "no-such-key")
        yield (*prefix, 0)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))
        yield (*prefix, len(value))
        yield (*prefix, -1)
        yield (*prefix, "key")
    else:
        yield (*prefix, "below")


def same(a: Any, b: Any) -> bool:
    """Equal, with equal types all the way down (1 is not 1.0 nor True) and key order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if a == b:
        return True
    return repr(a) == repr(b)  # ruamel's tagged scalars (files only ruamel reads) have no `==`
