"""Shared building blocks of the blueprint: the frozen base model, source locations, common field types."""

from __future__ import annotations

import functools
import ipaddress
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)

from ..algebra.ports import parse_port_spec
from ..located.guard import MAX_KEYS, MAX_VALUES

__all__ = [
    "ASN",
    "BUDGET",
    "Address",
    "Cidr",
    "FieldRefused",
    "Labels",
    "Model",
    "Name",
    "NamedModel",
    "PortSpec",
    "SourceRef",
    "TooManyProblems",
    "UnknownValue",
    "parse_port_spec",
]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a blueprint object was written: file, 1-based line and column, and its path in the document."""

    file: str
    line: int
    column: int
    path: str
    loc: tuple[str | int, ...] = ()
    """The path as a tuple of keys and indexes."""
    address: str | None = None
    """For an object read from Terraform: the resource's address
    (`module.hub.google_compute_firewall.allow["ssh"]`); `file` is then the JSON file, `line` and
    `column` where the resource starts in it (`terraform show -json` writes one line: the column
    says where), and `path` the object's path in the blueprint built from it."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class UnknownValue:
    """A value the input does not know yet: a Terraform plan's `after_unknown` (an address to be
    allocated at apply). The blueprint holds a stand-in in its place (or leaves an entry out of a
    list), so an answer that depends on it must say `unknown`, never use the stand-in as fact."""

    path: str
    """The blueprint field (`workloads[4].addresses[0]`)."""
    loc: tuple[str | int, ...]
    """The same as a tuple; its object is `loc` up to the field (`Blueprint.unknowns_of`)."""
    address: str
    """The Terraform attribute (`google_compute_instance.web[0].network_interface[0].network_ip`)."""
    file: str
    line: int | None
    column: int | None
    stand_in: str | None
    """The value put in its place (None: the entry was left out of its list)."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        held = f"stand-in {self.stand_in}" if self.stand_in is not None else "left out"
        return f"{where}: {self.address}: known after apply ({held} at {self.path})"


BUDGET = "problem_budget"
"""The validation context's key of a one-item list: how many more problems validation may make
before it stops (`TooManyProblems`). Without it, validation makes every problem there is."""


class TooManyProblems(Exception):
    """Validation stopped: it made more problems than its budget allowed."""


class Model(BaseModel):
    """Base of every blueprint type: immutable, unknown fields rejected, source location attached."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
        populate_by_name=True,
    )
    _defined_at: SourceRef | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _within_budget(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        """Count each object's problems against the context's budget and stop once it is spent,
        so that a file of a million broken objects makes a thousand problems, not four million
        (pydantic makes them all before returning any; each holds its input and path)."""
        budget = info.context.get(BUDGET) if type(info.context) is dict else None
        if budget is None:
            return handler(value)
        if type(value) is dict:
            _check_input(cls, value)
        left = budget[0]
        try:
            return handler(value)
        except ValidationError as error:
            # the problems of the objects inside it were counted already, by their own call
            budget[0] -= max(error.error_count() - (left - budget[0]), 0)
            if budget[0] < 0:
                raise TooManyProblems from None
            raise

    @property
    def defined_at(self) -> SourceRef | None:
        """Where this object was written in the blueprint (None for objects built in code)."""
        return self._defined_at

    def iter_children(self) -> Iterator[tuple[str, Model]]:
        """Every nested blueprint object with its path suffix, in field order."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Model):
                yield f".{name}", value
            elif isinstance(value, tuple):
                for index, item in enumerate(value):
                    if isinstance(item, Model):
                        yield f".{name}[{index}]", item


class FieldRefused(ValueError):
    """What an object holds that is refused before pydantic reads it (a list too long to read
    value by value, a boolean where a number belongs); `key` names the field (None: the object
    itself), which the loader adds to the problem's path."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@functools.cache
def _integer_fields(cls: type[BaseModel]) -> frozenset[str]:
    """The fields of a model that hold an integer (or None), by their name and alias."""
    found = set()
    for name, info in cls.model_fields.items():
        annotation = info.annotation
        kinds = (
            typing.get_args(annotation)
            if typing.get_origin(annotation)
            in (
                typing.Union,
                types.UnionType,
            )
            else (annotation,)
        )
        if int in kinds and not {k for k in kinds if k not in (int, type(None))}:
            found.add(name)
            if info.alias:
                found.add(info.alias)
    return frozenset(found)


def _check_input(cls: type[BaseModel], value: dict[Any, Any]) -> None:
    """Refuse an object with more keys than `MAX_KEYS`, a list of more than `MAX_VALUES` plain
    values (each would be a problem of its own, made before any is counted), or a boolean in an
    integer field."""
    if len(value) > MAX_KEYS:
        raise FieldRefused(
            f"an object of {len(value):,} keys (expected its fields, at most {MAX_KEYS:,} keys)"
        )
    for key in _integer_fields(cls).intersection(value):
        if type(value[key]) is bool:
            # pydantic reads `true` as 1: `priority: true` would be priority 1
            raise FieldRefused(f"{value[key]!r} is a boolean (expected an integer)", str(key))
    for key, item in value.items():
        if type(item) is list and len(item) > MAX_VALUES and type(item[0]) is not dict:
            raise FieldRefused(
                f"a list of {len(item):,} values (expected at most {MAX_VALUES:,})", str(key)
            )


_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9._/-]{0,126}[a-z0-9])?$")


def _check_name(value: str) -> str:
    if not _NAME_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid name (expected lowercase letters, digits, '-', '.', '_' "
            "or '/', starting and ending with a letter or digit, at most 128 characters)"
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]
"""A blueprint object name: lowercase, like the cloud resource names it maps to."""


class NamedModel(Model):
    """A blueprint object that other objects refer to by name."""

    name: Name
    """Unique name of the object within its kind."""
    description: str | None = None
    """Free text shown in reports."""


IPV6_REFUSED = (
    "{value!r} is an IPv6 {what}: crossfence analyses IPv4 estates only for now, and refuses IPv6 "
    "rather than answer without it (expected an IPv4 {what}, e.g. '{example}')"
)
"""The message for an IPv6 address or range anywhere in a blueprint."""


def _check_cidr(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a CIDR (expected a string such as '10.0.0.0/24')")
    return _normal_cidr(value)


@functools.lru_cache(maxsize=1 << 16)
def _normal_cidr(value: str) -> str:
    """The network `value` writes, as text (cached: an estate's rules repeat their ranges)."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            fixed = ipaddress.ip_network(value, strict=False)
            raise ValueError(
                f"{value!r} has host bits set (expected the network address, e.g. '{fixed}')"
            ) from None
        raise ValueError(f"{value!r} is not a CIDR (expected e.g. '10.0.0.0/24')") from None
    if network.version == 6:
        raise ValueError(IPV6_REFUSED.format(value=value, what="range", example="10.0.0.0/24"))
    return str(network)


Cidr = Annotated[
    str,
    BeforeValidator(_check_cidr),
    WithJsonSchema({"type": "string", "format": "cidr", "examples": ["10.0.0.0/24"]}),
]
"""An IP network in CIDR notation with no host bits set."""


def _check_address(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an IP address (expected e.g. '10.0.0.10')")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address (expected e.g. '10.0.0.10')") from None
    if address.version == 6:
        raise ValueError(IPV6_REFUSED.format(value=value, what="address", example="10.0.0.10"))
    return str(address)


Address = Annotated[
    str,
    BeforeValidator(_check_address),
    WithJsonSchema({"type": "string", "format": "ip-address", "examples": ["10.0.0.10"]}),
]
"""A single IP address."""


def _check_asn(value: int) -> int:
    if not 1 <= value <= 4_294_967_294:
        raise ValueError(f"{value} is not a valid ASN (expected 1-4294967294)")
    return value


ASN = Annotated[int, AfterValidator(_check_asn)]
"""A BGP autonomous system number (2- or 4-byte)."""


def _check_port_spec(value: Any) -> str:
    if isinstance(value, int):
        also = f", or 'proto/{value}' for IP protocol {value}" if 0 <= value <= 255 else ""
        raise ValueError(f"{value!r} has no protocol (expected e.g. 'tcp/{value}'{also})")
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a port spec (expected e.g. 'tcp/443')")
    return _normal_port_spec(value)


@functools.lru_cache(maxsize=1 << 12)
def _normal_port_spec(value: str) -> str:
    """The port spec `value` writes, in its normal form (cached: estates use a few dozen)."""
    protocol, low, high = parse_port_spec(value)
    if low is None:
        return f"proto/{protocol}" if protocol.isdigit() else protocol
    return f"{protocol}/{low}" if low == high else f"{protocol}/{low}-{high}"


PortSpec = Annotated[
    str,
    BeforeValidator(_check_port_spec),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([tT][cC][pP]|[uU][dD][pP]|[sS][cC][tT][pP])(/\d+(-\d+)?)?$|^([iI][cC][mM][pP]|[eE][sS][pP]|[aA][hH]|[iI][pP][iI][pP]|[aA][lL][lL]|[aA][nN][yY]|\*)$|^[pP][rR][oO][tT][oO]/\d{1,3}$",
            "examples": ["tcp/443", "tcp/8000-8100", "udp", "icmp", "proto/47", "all"],
        }
    ),
]
"""A protocol with an optional port or port range: ``tcp/443``, ``tcp/8000-8100``, ``udp``,
``ipip``, ``proto/47`` (an IP protocol by number), ``all``."""


def _freeze_labels(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


Labels = Annotated[
    Mapping[str, str],
    AfterValidator(_freeze_labels),
    PlainSerializer(lambda value: dict(value), return_type=dict[str, str]),
    Field(default_factory=lambda: MappingProxyType({})),
]
"""Key/value labels (Kubernetes-style); read-only once loaded."""
