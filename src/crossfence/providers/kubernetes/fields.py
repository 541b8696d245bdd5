"""Typed, located reading of manifest fields: every mistake becomes a `Problem` with its field path."""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Mapping
from typing import Any

from crossfence.located.yamlsource import Document, FieldPath, format_path
from crossfence.providers.kubernetes.errors import Location, Problem, located
from crossfence.providers.kubernetes.resources import (
    LabelSelector,
    LabelSelectorRequirement,
)

__all__ = ["Fields"]

# IANA_SVC_NAME, the rule the API server applies to named ports (validation.IsValidPortName).
_PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?=[a-z0-9])){0,14}$")
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class Fields:
    """Reads one document's fields; type mistakes are recorded and a neutral value is returned."""

    def __init__(self, document: Document, errors: list[Problem], warnings: list[Problem]) -> None:
        self.document = document
        self.errors = errors
        self.warnings = warnings

    def locate(self, path: FieldPath) -> Location:
        """Where the value at `path` sits, found when first read (most never are)."""
        return Location.deferred(self.document.file, functools.partial(self.document.locate, path))

    def error(self, path: FieldPath, message: str) -> None:
        self.errors.append(located(self.document.locate(path), format_path(path), message))

    def warn(self, path: FieldPath, message: str) -> None:
        self.warnings.append(
            located(self.document.locate(path), format_path(path), message, "warning")
        )

    def mapping(self, value: Any, path: FieldPath) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, got {_kind(value)}")
            return {}
        return value

    def known(self, raw: Mapping[str, Any], names: tuple[str, ...], path: FieldPath) -> None:
        """Refuse the keys of `raw` not in `names`, as the API server's strict field validation
        does (kubectl's default): a misspelt `from` read as absent would match every peer."""
        for key in raw:
            if key not in names:
                self.error((*path, str(key)), f"unknown field (expected one of {', '.join(names)})")

    def sequence(self, value: Any, path: FieldPath) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_kind(value)}")
            return []
        return value

    def string(self, value: Any, path: FieldPath, default: str = "") -> str:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(path, f"expected a string, got {_kind(value)}")
            return default
        return str(value)

    def strings(self, value: Any, path: FieldPath) -> tuple[str, ...]:
        items = self.sequence(value, path)
        return tuple(self.string(item, (*path, i)) for i, item in enumerate(items))

    def labels(self, value: Any, path: FieldPath) -> dict[str, str]:
        raw = self.mapping(value, path)
        if all(type(k) is str and type(v) is str for k, v in raw.items()):
            return dict(raw)  # the usual case, with nothing to convert or report
        return {str(k): self.string(v, (*path, str(k))) for k, v in raw.items()}

    def integer(self, value: Any, path: FieldPath, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(path, f"{value!r} is not an integer in {low}-{high}")
            return None
        return value

    def port(self, value: Any, path: FieldPath) -> int | str | None:
        """A NetworkPolicy/container port: 1-65535 or an IANA service name."""
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
            return value
        if isinstance(value, str) and _PORT_NAME.match(value):
            return value
        self.error(path, f"{value!r} is not a port (expected an integer 1-65535 or a named port)")
        return None

    def protocol(self, value: Any, path: FieldPath) -> str:
        if value is None:
            return "TCP"  # the API default for NetworkPolicyPort and ContainerPort
        if value not in ("TCP", "UDP", "SCTP"):
            self.error(path, f"{value!r} is not a protocol (expected TCP, UDP or SCTP)")
            return "TCP"
        return str(value)

    def network(self, value: Any, path: FieldPath) -> ipaddress.IPv4Network | None:
        try:
            network = ipaddress.ip_network(str(value), strict=False)
        except ValueError:
            self.error(path, f"{value!r} is not a CIDR (expected e.g. 10.0.0.0/8)")
            return None
        if not isinstance(network, ipaddress.IPv4Network):
            self.error(path, f"{value!r}: IPv6 ranges are not supported yet")
            return None
        return network

    def address(self, value: Any, path: FieldPath) -> str | None:
        if type(value) is str:
            # A dotted quad written as inet_ntop writes it is an address ipaddress accepts, as
            # is (no leading zeros, four parts); checked without building an IPv4Address.
            try:
                if (
                    socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, value))
                    == value
                ):
                    return value
            except OSError:
                pass
        try:
            address = ipaddress.ip_address(str(value))
        except ValueError:
            self.error(path, f"{value!r} is not an IP address")
            return None
        if not isinstance(address, ipaddress.IPv4Address):
            self.error(path, f"{value!r}: IPv6 pod addresses are not supported yet")
            return None
        return str(address)

    def selector(self, value: Any, path: FieldPath) -> LabelSelector:
        """A metav1.LabelSelector; `{}` and `null` both give the empty (match-all) selector."""
        raw = self.mapping(value, path)
        for key in raw:
            if key not in ("matchLabels", "matchExpressions"):
                self.error((*path, key), "unknown field of a label selector")
        labels = self.labels(raw.get("matchLabels"), (*path, "matchLabels"))
        expressions = []
        for i, item in enumerate(
            self.sequence(raw.get("matchExpressions"), (*path, "matchExpressions"))
        ):
            where = (*path, "matchExpressions", i)
            entry = self.mapping(item, where)
            key = self.string(entry.get("key"), (*where, "key"))
            operator = entry.get("operator")
            values = self.strings(entry.get("values"), (*where, "values"))
            if not key:
                self.error((*where, "key"), "a matchExpression needs a key")
            if operator not in _OPERATORS:
                self.error(
                    (*where, "operator"), f"{operator!r} is not In, NotIn, Exists or DoesNotExist"
                )
                continue
            if operator in ("In", "NotIn") and not values:
                self.error((*where, "values"), f"operator {operator} needs at least one value")
            if operator in ("Exists", "DoesNotExist") and values:
                self.error((*where, "values"), f"operator {operator} takes no values")
            expressions.append(LabelSelectorRequirement(key, str(operator), values))
        return LabelSelector(tuple(sorted(labels.items())), tuple(expressions))


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
