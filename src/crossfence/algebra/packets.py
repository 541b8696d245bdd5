"""Packet-set algebra: immutable sets of IPv4 addresses, services and packets for the engine.

Every set here is exact (no over- or under-approximation) and immutable; hash and equality are
semantic, so sets can be dictionary keys.

Representation
--------------
``IntervalSet`` stores a set of non-negative integers as a flat, strictly increasing tuple of
*bounds* ``(start0, stop0, start1, stop1, ...)``: the union of the **half-open** intervals
``[start_i, stop_i)``, like ``range``. Intervals are sorted, disjoint and never touch (a stop is
never the next start), so each set has exactly one representation. A point ``x`` is in the set
iff an odd number of bounds are ``<= x`` -- this is what makes ``bisect`` and NumPy's
``searchsorted`` answer membership directly (see ``crossfence.algebra.atoms``).

``IpSet`` is an ``IntervalSet`` over IPv4 (points 0 .. 2**32-1).

``ServiceSet`` is an ``IntervalSet`` over one integer *service axis*:

=====================  =====================================================================
axis points            meaning
=====================  =====================================================================
0 .. 65535             TCP, destination port = point
65536 .. 131071        UDP, destination port = point - 65536
131072 .. 196607       SCTP, destination port = point - 131072
196608 .. 196860       one point per other IP protocol number (0..255 except 6, 17, 132), in
                       increasing protocol number: 196608 is protocol 0, 196609 is ICMP (1)...
=====================  =====================================================================

Port 0 is on the axis (a protocol given without ports, ``"tcp"``, includes it) but user text
only accepts ports 1-65535. ``PacketSet`` is a finite union of disjoint boxes
``source IpSet x destination IpSet x ServiceSet``.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import ipaddress
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import ClassVar, NamedTuple, Self

__all__ = [
    "Box",
    "IntervalSet",
    "IpSet",
    "Packet",
    "PacketSet",
    "ServiceSet",
    "protocol_name",
    "services_of",
]

# Truth tables indexed by (inside_a << 1) | inside_b, used by the one merge routine behind every
# binary operation.
_UNION = (False, True, True, True)
_INTERSECTION = (False, False, False, True)
_DIFFERENCE = (False, False, True, False)
_SYMMETRIC_DIFFERENCE = (False, True, True, False)


def _combine(a: tuple[int, ...], b: tuple[int, ...], keep: tuple[bool, ...]) -> tuple[int, ...]:
    """Sweep the bounds of two sets once and keep the points where ``keep`` says so."""
    out: list[int] = []
    i = j = 0
    len_a, len_b = len(a), len(b)
    in_a = in_b = 0
    inside = False
    while i < len_a or j < len_b:
        x = a[i] if j >= len_b or (i < len_a and a[i] <= b[j]) else b[j]
        # Both sets may change at the same point; toggling both before testing keeps the result
        # free of empty or touching intervals.
        if i < len_a and a[i] == x:
            in_a ^= 1
            i += 1
        if j < len_b and b[j] == x:
            in_b ^= 1
            j += 1
        now = keep[(in_a << 1) | in_b]
        if now != inside:
            out.append(x)
            inside = now
    return tuple(out)


def _normalize(intervals: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    """Bounds of the union of arbitrary half-open intervals (overlapping, touching or empty)."""
    ordered = sorted((start, stop) for start, stop in intervals if stop > start)
    out: list[int] = []
    for start, stop in ordered:
        if out and start <= out[-1]:
            if stop > out[-1]:
                out[-1] = stop
        else:
            out.append(start)
            out.append(stop)
    return tuple(out)


class IntervalSet:
    """An immutable set of non-negative integers, stored as sorted half-open intervals.

    ``IntervalSet([(0, 10), (20, 30)])`` is ``{0..9} | {20..29}``; iteration yields the
    ``(start, stop)`` pairs. Subclasses fix a universe ``[0, UNIVERSE_END)``, which gives them a
    complement ``~s``; the base class takes the universe as an argument of ``complement``.
    Binary operations only combine sets of the same class (an ``IpSet`` never meets a
    ``ServiceSet``); mixing them raises ``TypeError``.
    """

    UNIVERSE_END: ClassVar[int | None] = None

    __slots__ = ("_bounds", "_hash")

    _bounds: tuple[int, ...]
    _hash: int | None

    def __init__(self, intervals: Iterable[tuple[int, int]] = ()) -> None:
        pairs = [(int(start), int(stop)) for start, stop in intervals]
        limit = type(self).UNIVERSE_END
        for start, stop in pairs:
            if start < 0 or (limit is not None and stop > limit):
                raise ValueError(
                    f"interval [{start}, {stop}) is outside the universe "
                    f"[0, {limit if limit is not None else 'inf'})"
                )
        object.__setattr__(self, "_bounds", _normalize(pairs))
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _from_bounds(cls, bounds: tuple[int, ...]) -> Self:
        # Trusted fast path: ``bounds`` is already strictly increasing and of even length.
        new = object.__new__(cls)
        object.__setattr__(new, "_bounds", bounds)
        object.__setattr__(new, "_hash", None)
        return new

    @classmethod
    def from_bounds(cls, bounds: Iterable[int]) -> Self:
        """Build from a flat bounds sequence ``(start0, stop0, ...)``, validating it."""
        values = tuple(int(b) for b in bounds)
        if len(values) % 2:
            raise ValueError(f"bounds must come in (start, stop) pairs, got {len(values)} values")
        if any(x >= y for x, y in itertools.pairwise(values)):
            raise ValueError("bounds must be strictly increasing")
        if values and (
            values[0] < 0 or (cls.UNIVERSE_END is not None and values[-1] > cls.UNIVERSE_END)
        ):
            raise ValueError(
                f"bounds {values[0]}..{values[-1]} leave the universe of {cls.__name__}"
            )
        return cls._from_bounds(values)

    @classmethod
    def closed(cls, first: int, last: int) -> Self:
        """The set ``{first, ..., last}`` (both ends included)."""
        if last < first:
            raise ValueError(f"range {first}-{last} is reversed (expected first <= last)")
        return cls([(first, last + 1)])

    @classmethod
    def none(cls) -> Self:
        """The empty set."""
        return cls._from_bounds(())

    @classmethod
    def union_all(cls, sets: Iterable[Self]) -> Self:
        """Union of many sets in one sort, cheaper than folding ``|`` over them."""
        return cls._from_bounds(_normalize(pair for s in sets for pair in s))

    @property
    def bounds(self) -> tuple[int, ...]:
        """The flat, strictly increasing bounds ``(start0, stop0, start1, stop1, ...)``."""
        return self._bounds

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[object, tuple[tuple[int, ...]]]:
        # Needed because __setattr__ refuses the default slot-restoring unpickler.
        return (type(self)._from_bounds, (self._bounds,))

    def __iter__(self) -> Iterator[tuple[int, int]]:
        bounds = self._bounds
        for k in range(0, len(bounds), 2):
            yield bounds[k], bounds[k + 1]

    def __len__(self) -> int:
        """Number of intervals (not of points: see ``size``)."""
        return len(self._bounds) // 2

    def __bool__(self) -> bool:
        return bool(self._bounds)

    def is_empty(self) -> bool:
        return not self._bounds

    @property
    def size(self) -> int:
        """Number of points in the set."""
        bounds = self._bounds
        return sum(bounds[k + 1] - bounds[k] for k in range(0, len(bounds), 2))

    def _contains_point(self, x: int) -> bool:
        return bisect.bisect_right(self._bounds, x) % 2 == 1

    def __contains__(self, item: object) -> bool:
        return isinstance(item, int) and self._contains_point(item)

    def min(self) -> int:
        """Smallest point; ``ValueError`` if the set is empty."""
        if not self._bounds:
            raise ValueError(f"empty {type(self).__name__} has no minimum")
        return self._bounds[0]

    def max(self) -> int:
        """Largest point; ``ValueError`` if the set is empty."""
        if not self._bounds:
            raise ValueError(f"empty {type(self).__name__} has no maximum")
        return self._bounds[-1] - 1

    def _same_kind(self, other: object) -> bool:
        return type(other) is type(self)

    def __or__(self, other: Self) -> Self:
        if not self._same_kind(other):
            return NotImplemented
        return self._from_bounds(_combine(self._bounds, other._bounds, _UNION))

    def __and__(self, other: Self) -> Self:
        if not self._same_kind(other):
            return NotImplemented
        return self._from_bounds(_combine(self._bounds, other._bounds, _INTERSECTION))

    def __sub__(self, other: Self) -> Self:
        if not self._same_kind(other):
            return NotImplemented
        return self._from_bounds(_combine(self._bounds, other._bounds, _DIFFERENCE))

    def __xor__(self, other: Self) -> Self:
        if not self._same_kind(other):
            return NotImplemented
        return self._from_bounds(_combine(self._bounds, other._bounds, _SYMMETRIC_DIFFERENCE))

    def union(self, other: Self) -> Self:
        return self | other

    def intersection(self, other: Self) -> Self:
        return self & other

    def difference(self, other: Self) -> Self:
        return self - other

    def complement(self, universe_end: int | None = None) -> Self:
        """Points of ``[0, universe_end)`` not in the set (default: the class's universe)."""
        end = universe_end if universe_end is not None else type(self).UNIVERSE_END
        if end is None:
            raise ValueError(f"{type(self).__name__} has no fixed universe: pass universe_end")
        bounds = self._bounds
        if bounds and bounds[-1] > end:
            raise ValueError(f"set reaches {bounds[-1] - 1}, beyond the universe end {end}")
        # Complementing toggles membership at 0 and at the end: add those bounds, or cancel them.
        head = bounds[1:] if bounds and bounds[0] == 0 else (0, *bounds)
        out = head[:-1] if head and head[-1] == end else (*head, end)
        return self._from_bounds(tuple(out) if end > 0 else ())

    def __invert__(self) -> Self:
        return self.complement()

    def issubset(self, other: Self) -> bool:
        return not (self - other)

    def issuperset(self, other: Self) -> bool:
        return not (other - self)

    def isdisjoint(self, other: Self) -> bool:
        return not (self & other)

    def __le__(self, other: Self) -> bool:
        if not self._same_kind(other):
            return NotImplemented
        return self.issubset(other)

    def __ge__(self, other: Self) -> bool:
        if not self._same_kind(other):
            return NotImplemented
        return self.issuperset(other)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IntervalSet) or type(other) is not type(self):
            return NotImplemented
        return self._bounds == other._bounds

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash((type(self).__name__, self._bounds)))
        assert self._hash is not None
        return self._hash

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


# ---------------------------------------------------------------------------------------------
# IPv4


IpInput = str | int | ipaddress.IPv4Address
CidrInput = str | ipaddress.IPv4Network | ipaddress.IPv4Address


def _ipv6_error(text: object) -> ValueError:
    return ValueError(f"IPv6 is not supported by the engine yet: {str(text)!r}")


def _parse_address(text: str) -> int:
    if ":" in text:
        raise _ipv6_error(text)
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        raise ValueError(
            f"{text!r}: expected an IPv4 address (e.g. 10.0.0.1), CIDR (10.0.0.0/8) "
            "or range (10.0.0.1-10.0.0.9)"
        ) from None


def _address_to_int(address: IpInput) -> int:
    if isinstance(address, bool):
        raise TypeError(f"expected an IPv4 address, got {address!r}")
    if isinstance(address, int):
        if not 0 <= address < 2**32:
            raise ValueError(f"{address} is not an IPv4 address (expected 0 .. 2**32-1)")
        return address
    if isinstance(address, ipaddress.IPv4Address):
        return int(address)
    if isinstance(address, ipaddress.IPv6Address):
        raise _ipv6_error(address)
    return _parse_address(address.strip())


def _cidr_interval(cidr: CidrInput, strict: bool) -> tuple[int, int]:
    if isinstance(cidr, ipaddress.IPv4Network):
        return int(cidr.network_address), int(cidr.broadcast_address) + 1
    if isinstance(cidr, ipaddress.IPv4Address):
        return int(cidr), int(cidr) + 1
    if isinstance(cidr, ipaddress.IPv6Network | ipaddress.IPv6Address):
        raise _ipv6_error(cidr)
    text = cidr.strip()
    if ":" in text:
        raise _ipv6_error(text)
    try:
        network = ipaddress.IPv4Network(text, strict=strict)
    except ValueError as error:
        loose = None
        with contextlib.suppress(ValueError):
            loose = ipaddress.IPv4Network(text, strict=False)
        if loose is not None:
            raise ValueError(f"{text!r}: host bits are set (did you mean {loose}?)") from None
        raise ValueError(
            f"{text!r}: expected an IPv4 address (e.g. 10.0.0.1), CIDR (10.0.0.0/8) "
            "or range (10.0.0.1-10.0.0.9)"
        ) from error
    return int(network.network_address), int(network.broadcast_address) + 1


class IpSet(IntervalSet):
    """A set of IPv4 addresses; points are the addresses as integers (0 .. 2**32-1).

    ``str()`` gives the minimal CIDR list, ``"10.0.0.0/8, 172.16.0.0/22"`` (``"none"`` when
    empty), and ``IpSet.parse`` reads it back.
    """

    UNIVERSE_END: ClassVar[int | None] = 2**32
    __slots__ = ()

    @classmethod
    def all(cls) -> IpSet:
        """Every IPv4 address, ``0.0.0.0/0``."""
        return cls._from_bounds((0, 2**32))

    @classmethod
    def from_cidrs(cls, cidrs: Iterable[CidrInput], *, strict: bool = True) -> IpSet:
        """Union of CIDR blocks (strings, networks or single addresses; one string is one CIDR).

        With ``strict`` (the default) a CIDR with host bits set, ``10.0.0.1/8``, is an error;
        ``strict=False`` masks them off as most clouds do.
        """
        if isinstance(cidrs, str):
            cidrs = [cidrs]
        return cls._from_bounds(_normalize(_cidr_interval(c, strict) for c in cidrs))

    @classmethod
    def from_addresses(cls, addresses: Iterable[IpInput]) -> IpSet:
        """The set of the given single addresses."""
        if isinstance(addresses, str):
            addresses = [addresses]
        return cls._from_bounds(
            _normalize((n, n + 1) for n in (_address_to_int(a) for a in addresses))
        )

    @classmethod
    def from_range(cls, first: IpInput, last: IpInput) -> IpSet:
        """Addresses ``first`` .. ``last``, both included."""
        lo, hi = _address_to_int(first), _address_to_int(last)
        if hi < lo:
            raise ValueError(
                f"range {ipaddress.IPv4Address(lo)}-{ipaddress.IPv4Address(hi)} is reversed "
                "(expected first-last with first <= last)"
            )
        return cls._from_bounds((lo, hi + 1))

    @classmethod
    def parse(cls, text: str, *, strict: bool = True) -> IpSet:
        """Parse comma-separated CIDRs, addresses and ``first-last`` ranges, or ``"none"``.

        ``IpSet.parse("10.0.0.0/8, 192.168.1.10-192.168.1.20")``.
        """
        stripped = text.strip()
        if stripped.lower() == "none":
            return cls.none()
        intervals: list[tuple[int, int]] = []
        for raw in stripped.split(","):
            item = raw.strip()
            if not item:
                raise ValueError(
                    f"{text!r}: empty item (expected comma-separated IPv4 addresses, CIDRs "
                    "or ranges)"
                )
            if ":" in item:
                raise _ipv6_error(item)
            if "-" in item:
                first, _, last = item.partition("-")
                span = cls.from_range(_parse_address(first.strip()), _parse_address(last.strip()))
                intervals.extend(span)
            else:
                intervals.append(_cidr_interval(item, strict))
        return cls._from_bounds(_normalize(intervals))

    def __contains__(self, item: object) -> bool:
        if isinstance(item, bool):
            return False
        if isinstance(item, int | str | ipaddress.IPv4Address):
            return self._contains_point(_address_to_int(item))
        return False

    def to_cidrs(self) -> list[ipaddress.IPv4Network]:
        """The minimal list of CIDR blocks covering exactly this set, in address order."""
        out: list[ipaddress.IPv4Network] = []
        for start, stop in self:
            out.extend(
                ipaddress.summarize_address_range(
                    ipaddress.IPv4Address(start), ipaddress.IPv4Address(stop - 1)
                )
            )
        return out

    def first_address(self) -> ipaddress.IPv4Address:
        """The lowest address in the set; ``ValueError`` if empty."""
        return ipaddress.IPv4Address(self.min())

    def __str__(self) -> str:
        if not self._bounds:
            return "none"
        return ", ".join(str(network) for network in self.to_cidrs())

    def __repr__(self) -> str:
        return f"IpSet.parse({str(self)!r})"


# ---------------------------------------------------------------------------------------------
# Services

_PORTS = 65536
# Protocols that have destination ports, in axis order, with their IANA numbers.
_PORTED: tuple[tuple[str, int], ...] = (("TCP", 6), ("UDP", 17), ("SCTP", 132))
_PORTED_NUMBERS = {number for _, number in _PORTED}
_PORTLESS_BASE = len(_PORTED) * _PORTS
# Every other IP protocol number gets one point, so a rule that allows ESP alone is not widened.
_PORTLESS_NUMBERS: tuple[int, ...] = tuple(n for n in range(256) if n not in _PORTED_NUMBERS)
_PORTLESS_POINT = {n: _PORTLESS_BASE + k for k, n in enumerate(_PORTLESS_NUMBERS)}
_SERVICE_END = _PORTLESS_BASE + len(_PORTLESS_NUMBERS)

_PROTOCOL_NAMES: dict[int, str] = {
    1: "ICMP",
    2: "IGMP",
    4: "IPIP",
    6: "TCP",
    17: "UDP",
    47: "GRE",
    50: "ESP",
    51: "AH",
    89: "OSPF",
    112: "VRRP",
    132: "SCTP",
}
_PROTOCOL_NUMBERS = {name.lower(): number for number, name in _PROTOCOL_NAMES.items()}
_NUMBER_RE = re.compile(r"\d+")
_PORT_RANGE_RE = re.compile(r"(\d+)(?:-(\d+))?")

_EXPECTED_PROTOCOL = (
    "expected tcp, udp, sctp, icmp, other, another protocol name or number (e.g. esp, 47), "
    "proto/0-255, 'all' or '*'"
)
_EXPECTED_SERVICE = "expected e.g. tcp/443, tcp/8000-8100, udp, icmp or *"


def protocol_name(number: int) -> str:
    """Canonical display name of an IP protocol number: ``TCP``, ``ICMP``, ``PROTO/99``."""
    return _PROTOCOL_NAMES.get(number, f"PROTO/{number}")


def _protocol_number(token: str) -> int | None:
    lowered = token.strip().lower()
    if lowered in _PROTOCOL_NUMBERS:
        return _PROTOCOL_NUMBERS[lowered]
    if _NUMBER_RE.fullmatch(lowered) and int(lowered) <= 255:
        return int(lowered)
    return None


def _ported_offset(number: int) -> int | None:
    for k, (_, ported) in enumerate(_PORTED):
        if ported == number:
            return k * _PORTS
    return None


class ServiceSet(IntervalSet):
    """A set of (IP protocol, destination port) pairs, on the service axis of the module doc.

    ``ServiceSet.parse("tcp/443, tcp/8000-8100, udp")``; ``format()`` gives the canonical
    strings of crossfence's JSON output, ``["TCP/443", "TCP/8000-8100", "UDP"]``.
    """

    UNIVERSE_END: ClassVar[int | None] = _SERVICE_END
    __slots__ = ()

    @classmethod
    def all(cls) -> ServiceSet:
        """Every protocol and every port."""
        return cls._from_bounds((0, _SERVICE_END))

    @classmethod
    def protocol(cls, protocol: str | int) -> ServiceSet:
        """Every port of one protocol (name like ``"udp"`` or IANA number like ``17``)."""
        number = cls._resolve(protocol)
        offset = _ported_offset(number)
        if offset is not None:
            return cls._from_bounds((offset, offset + _PORTS))
        point = _PORTLESS_POINT[number]
        return cls._from_bounds((point, point + 1))

    @classmethod
    def ports(cls, protocol: str | int, first: int, last: int | None = None) -> ServiceSet:
        """Destination ports ``first`` .. ``last`` (both included; ``last`` defaults to first).

        Unlike ``parse``, port 0 is accepted, for providers whose "all ports" is ``0-65535``.
        """
        number = cls._resolve(protocol)
        offset = _ported_offset(number)
        if offset is None:
            raise ValueError(f"{protocol_name(number)} has no ports")
        last = first if last is None else last
        for port in (first, last):
            if not 0 <= port < _PORTS:
                raise ValueError(f"port {port} is out of range (expected 0-65535)")
        if last < first:
            raise ValueError(f"port range {first}-{last} is reversed (expected low-high)")
        return cls._from_bounds((offset + first, offset + last + 1))

    @staticmethod
    def _resolve(protocol: str | int) -> int:
        if isinstance(protocol, int) and not isinstance(protocol, bool):
            if not 0 <= protocol <= 255:
                raise ValueError(f"protocol number {protocol} is out of range (expected 0-255)")
            return protocol
        if isinstance(protocol, str):
            number = _protocol_number(protocol)
            if number is not None:
                return number
        raise ValueError(f"unknown protocol {protocol!r} ({_EXPECTED_PROTOCOL})")

    @classmethod
    def parse(cls, text: str) -> ServiceSet:
        """Parse comma-separated services, case-insensitive.

        Items: ``tcp/443``, ``tcp/8000-8100``, ``udp`` (every UDP port), ``icmp``, ``esp``,
        ``47`` (any IP protocol by number), ``proto/47`` or ``proto/7-16`` (protocol numbers;
        TCP, UDP and SCTP numbers among them mean every port), ``other`` (every protocol but
        TCP, UDP, SCTP and ICMP), ``all`` or ``*``.
        """
        items = [item.strip() for item in text.split(",")]
        return cls.union_all(cls._parse_item(item) for item in items)

    @classmethod
    def from_strings(cls, items: Iterable[str]) -> ServiceSet:
        """Union of parsed items, e.g. the output of ``format()`` read back."""
        return cls.union_all(cls.parse(item) for item in items)

    @classmethod
    def _parse_item(cls, item: str) -> ServiceSet:
        lowered = item.lower()
        if not lowered:
            raise ValueError(f'"{item}": empty service ({_EXPECTED_SERVICE})')
        if lowered in ("*", "all"):
            return cls.all()
        if lowered == "other":
            return cls._other()
        token, slash, ports = lowered.partition("/")
        if token.strip() == "proto" and slash:
            return cls._parse_protocol_numbers(item, ports.strip())
        number = _protocol_number(token)
        if number is None:
            raise ValueError(f'"{item}": unknown protocol {token!r} ({_EXPECTED_PROTOCOL})')
        if not slash:
            return cls.protocol(number)
        offset = _ported_offset(number)
        if offset is None:
            name = protocol_name(number)
            raise ValueError(f'"{item}": {name} has no ports (expected just {name.lower()!r})')
        match = _PORT_RANGE_RE.fullmatch(ports.strip())
        if match is None:
            raise ValueError(
                f'"{item}": {ports.strip()!r} is not a port (expected a port 1-65535 or a range '
                "like 8000-8100)"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        for port in (first, last):
            if not 1 <= port < _PORTS:
                raise ValueError(f'"{item}": port {port} is out of range (expected 1-65535)')
        if last < first:
            raise ValueError(f'"{item}": port range {first}-{last} is reversed (expected low-high)')
        return cls._from_bounds((offset + first, offset + last + 1))

    @classmethod
    def _other(cls) -> ServiceSet:
        icmp = _PORTLESS_POINT[1]
        return cls._from_bounds((_PORTLESS_BASE, icmp, icmp + 1, _SERVICE_END))

    @classmethod
    def _parse_protocol_numbers(cls, item: str, numbers: str) -> ServiceSet:
        match = _PORT_RANGE_RE.fullmatch(numbers)
        if match is None:
            raise ValueError(
                f'"{item}": {numbers!r} is not a protocol number (expected 0-255 or a range '
                "like 7-16)"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        for number in (first, last):
            if number > 255:
                raise ValueError(f'"{item}": protocol {number} is out of range (expected 0-255)')
        if last < first:
            raise ValueError(
                f'"{item}": protocol range {first}-{last} is reversed (expected low-high)'
            )
        return cls.union_all(cls.protocol(number) for number in range(first, last + 1))

    @staticmethod
    def encode(protocol: str | int, port: int | None = None) -> int:
        """The axis point of one service; ``port`` is required for TCP, UDP and SCTP."""
        number = ServiceSet._resolve(protocol)
        offset = _ported_offset(number)
        if offset is None:
            if port is not None:
                raise ValueError(f"{protocol_name(number)} has no ports, got port {port}")
            return _PORTLESS_POINT[number]
        if port is None or not 0 <= port < _PORTS:
            raise ValueError(
                f"{protocol_name(number)} needs a destination port 0-65535, got {port!r}"
            )
        return offset + port

    @staticmethod
    def decode(point: int) -> tuple[str, int | None]:
        """``(protocol name, port or None)`` of one axis point."""
        if not 0 <= point < _SERVICE_END:
            raise ValueError(f"{point} is not on the service axis (expected 0-{_SERVICE_END - 1})")
        if point < _PORTLESS_BASE:
            return _PORTED[point // _PORTS][0], point % _PORTS
        return protocol_name(_PORTLESS_NUMBERS[point - _PORTLESS_BASE]), None

    def __contains__(self, item: object) -> bool:
        """``("tcp", 443) in s``, ``("icmp", None) in s``, or a raw axis point."""
        if isinstance(item, tuple) and len(item) == 2:
            protocol, port = item
            if isinstance(protocol, str | int) and (port is None or isinstance(port, int)):
                return self._contains_point(self.encode(protocol, port))
            return False
        return super().__contains__(item)

    def contains(self, protocol: str | int, port: int | None = None) -> bool:
        return self._contains_point(self.encode(protocol, port))

    def protocols(self) -> tuple[str, ...]:
        """Names of the protocols with at least one port in the set, in axis order."""
        names: list[str] = []
        for k, (name, _) in enumerate(_PORTED):
            base = k * _PORTS
            if self & self._from_bounds((base, base + _PORTS)):
                names.append(name)
        for start, stop in self:
            for point in range(max(start, _PORTLESS_BASE), stop):
                names.append(self.decode(point)[0])
        return tuple(names)

    def port_ranges(self, protocol: str | int) -> list[tuple[int, int]]:
        """Inclusive ``(first, last)`` port ranges of one ported protocol, in port order."""
        number = self._resolve(protocol)
        offset = _ported_offset(number)
        if offset is None:
            raise ValueError(f"{protocol_name(number)} has no ports")
        window = self & self._from_bounds((offset, offset + _PORTS))
        return [(start - offset, stop - 1 - offset) for start, stop in window]

    def _whole(self, offset: int) -> bool:
        # Port 0 is not a real destination port, so 1-65535 displays as the whole protocol.
        return self._from_bounds((offset + 1, offset + _PORTS)).issubset(self)

    def format(self) -> list[str]:
        """Canonical strings for JSON output: ``["TCP/443", "TCP/8000-8100", "UDP"]``.

        Everything is ``["*"]``; a protocol with every port 1-65535 is just ``"TCP"`` (port 0
        is ignored there); otherwise ports by protocol in axis order (TCP, UDP, SCTP, then other
        protocols: ``"ICMP"``, then ``"OTHER"`` when every protocol but TCP, UDP, SCTP and ICMP
        is present, else by number: names such as ``"ESP"``, unnamed runs as ``"PROTO/7-16"``).
        Empty is ``[]``.
        """
        portless = self._from_bounds((_PORTLESS_BASE, _SERVICE_END))
        wholes = [self._whole(k * _PORTS) for k in range(len(_PORTED))]
        if all(wholes) and portless.issubset(self):
            return ["*"]
        out: list[str] = []
        for k, (name, _) in enumerate(_PORTED):
            if wholes[k]:
                out.append(name)
                continue
            for first, last in self.port_ranges(name):
                out.append(f"{name}/{first}" if first == last else f"{name}/{first}-{last}")
        icmp = _PORTLESS_POINT[1]
        if self._contains_point(icmp):
            out.append("ICMP")
        if self._other().issubset(self):
            out.append("OTHER")
            return out
        numbers = [
            _PORTLESS_NUMBERS[point - _PORTLESS_BASE]
            for start, stop in self & self._other()
            for point in range(start, stop)
        ]
        k = 0
        while k < len(numbers):
            number = numbers[k]
            if number in _PROTOCOL_NAMES:
                out.append(_PROTOCOL_NAMES[number])
                k += 1
                continue
            end = k
            while (
                end + 1 < len(numbers)
                and numbers[end + 1] == numbers[end] + 1
                and numbers[end + 1] not in _PROTOCOL_NAMES
            ):
                end += 1
            last = numbers[end]
            out.append(f"PROTO/{number}" if last == number else f"PROTO/{number}-{last}")
            k = end + 1
        return out

    def sample(self) -> tuple[str, int | None]:
        """One service in the set, preferring a real port (not 0); ``ValueError`` if empty."""
        if not self._bounds:
            raise ValueError("empty ServiceSet has no sample")
        for start, stop in self:
            point = start
            if point < _PORTLESS_BASE and point % _PORTS == 0 and stop > point + 1:
                point += 1
            return self.decode(point)
        raise AssertionError("unreachable: non-empty set has an interval")  # pragma: no cover

    def __str__(self) -> str:
        return ", ".join(self.format()) or "none"

    def __repr__(self) -> str:
        return f"ServiceSet.parse({str(self)!r})" if self else "ServiceSet.none()"


# ---------------------------------------------------------------------------------------------
# Packets


class Box(NamedTuple):
    """One product ``src x dst x service``; every ``PacketSet`` is a union of disjoint boxes."""

    src: IpSet
    dst: IpSet
    service: ServiceSet

    def is_empty(self) -> bool:
        return not (self.src and self.dst and self.service)

    @property
    def size(self) -> int:
        return self.src.size * self.dst.size * self.service.size

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} : {self.service}"


class Packet(NamedTuple):
    """One concrete packet: what ``PacketSet.sample`` returns for traces and lab probes."""

    src: ipaddress.IPv4Address
    dst: ipaddress.IPv4Address
    protocol: str
    port: int | None


def _box_and(a: Box, b: Box) -> Box | None:
    src = a.src & b.src
    if not src:
        return None
    dst = a.dst & b.dst
    if not dst:
        return None
    service = a.service & b.service
    if not service:
        return None
    return Box(src, dst, service)


def _box_minus(a: Box, b: Box) -> list[Box]:
    """``a - b`` as at most three disjoint boxes (split on src, then dst, then service)."""
    common = _box_and(a, b)
    if common is None:
        return [a]
    out: list[Box] = []
    src_rest = a.src - b.src
    if src_rest:
        out.append(Box(src_rest, a.dst, a.service))
    dst_rest = a.dst - b.dst
    if dst_rest:
        out.append(Box(common.src, dst_rest, a.service))
    service_rest = a.service - b.service
    if service_rest:
        out.append(Box(common.src, common.dst, service_rest))
    return out


def _subtract(boxes: Iterable[Box], others: Iterable[Box]) -> list[Box]:
    pieces = list(boxes)
    for other in others:
        if not pieces:
            break
        pieces = [piece for box in pieces for piece in _box_minus(box, other)]
    return pieces


def _merge(boxes: list[Box]) -> tuple[Box, ...]:
    """Merge disjoint boxes that agree on two dimensions, until none do.

    The boxes stay disjoint (the merged dimension's sets were disjoint), and the order is
    made deterministic so equal inputs print equally.
    """
    current = [box for box in boxes if not box.is_empty()]
    changed = True
    while changed and len(current) > 1:
        changed = False
        for axis in range(3):
            groups: dict[tuple[IntervalSet, IntervalSet], list[Box]] = {}
            for box in current:
                key = (box[(axis + 1) % 3], box[(axis + 2) % 3])
                groups.setdefault(key, []).append(box)
            if len(groups) == len(current):
                continue
            changed = True
            merged: list[Box] = []
            for group in groups.values():
                if len(group) == 1:
                    merged.append(group[0])
                    continue
                first = group[0]
                if axis == 0:
                    first = first._replace(src=IpSet.union_all(box.src for box in group))
                elif axis == 1:
                    first = first._replace(dst=IpSet.union_all(box.dst for box in group))
                else:
                    first = first._replace(
                        service=ServiceSet.union_all(box.service for box in group)
                    )
                merged.append(first)
            current = merged
    current.sort(key=lambda box: (box.src.bounds, box.dst.bounds, box.service.bounds))
    return tuple(current)


class PacketSet:
    """An immutable set of packets (source IP, destination IP, service) as disjoint boxes.

    Equality and hashing are semantic: two PacketSets are equal when they hold the same packets,
    whatever their boxes.
    """

    __slots__ = ("_boxes", "_hash")

    _boxes: tuple[Box, ...]
    _hash: int | None

    def __init__(self, boxes: Iterable[Box | tuple[IpSet, IpSet, ServiceSet]] = ()) -> None:
        # Boxes given by callers may overlap: add each one's part not yet covered.
        disjoint: list[Box] = []
        for raw in boxes:
            box = Box(*raw)
            if not box.is_empty():
                disjoint.extend(_subtract([box], disjoint))
        object.__setattr__(self, "_boxes", _merge(disjoint))
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _from_disjoint(cls, boxes: list[Box]) -> PacketSet:
        new = object.__new__(cls)
        object.__setattr__(new, "_boxes", _merge(boxes))
        object.__setattr__(new, "_hash", None)
        return new

    @classmethod
    def box(
        cls,
        src: IpSet | str | None = None,
        dst: IpSet | str | None = None,
        service: ServiceSet | str | None = None,
    ) -> PacketSet:
        """One box; ``None`` means every value, strings are parsed (``"10.0.0.0/8"``)."""
        src_set = IpSet.all() if src is None else IpSet.parse(src) if isinstance(src, str) else src
        dst_set = IpSet.all() if dst is None else IpSet.parse(dst) if isinstance(dst, str) else dst
        if service is None:
            service_set = ServiceSet.all()
        elif isinstance(service, str):
            service_set = ServiceSet.parse(service)
        else:
            service_set = service
        return cls._from_disjoint([Box(src_set, dst_set, service_set)])

    @classmethod
    def all(cls) -> PacketSet:
        return cls._from_disjoint([Box(IpSet.all(), IpSet.all(), ServiceSet.all())])

    @classmethod
    def none(cls) -> PacketSet:
        return cls._from_disjoint([])

    @property
    def boxes(self) -> tuple[Box, ...]:
        """The disjoint, non-empty boxes, in a deterministic order."""
        return self._boxes

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PacketSet is immutable")

    def __reduce__(self) -> tuple[object, tuple[list[Box]]]:
        return (PacketSet._from_disjoint, (list(self._boxes),))

    def __iter__(self) -> Iterator[Box]:
        return iter(self._boxes)

    def __len__(self) -> int:
        """Number of boxes (not of packets: see ``size``)."""
        return len(self._boxes)

    def __bool__(self) -> bool:
        return bool(self._boxes)

    def is_empty(self) -> bool:
        return not self._boxes

    @property
    def size(self) -> int:
        """Number of packets (source, destination, service) in the set."""
        return sum(box.size for box in self._boxes)

    def __or__(self, other: PacketSet) -> PacketSet:
        if not isinstance(other, PacketSet):
            return NotImplemented
        return self._from_disjoint([*self._boxes, *_subtract(other._boxes, self._boxes)])

    def __and__(self, other: PacketSet) -> PacketSet:
        if not isinstance(other, PacketSet):
            return NotImplemented
        out: list[Box] = []
        for a in self._boxes:
            for b in other._boxes:
                common = _box_and(a, b)
                if common is not None:
                    out.append(common)
        return self._from_disjoint(out)

    def __sub__(self, other: PacketSet) -> PacketSet:
        if not isinstance(other, PacketSet):
            return NotImplemented
        return self._from_disjoint(_subtract(self._boxes, other._boxes))

    def __invert__(self) -> PacketSet:
        return PacketSet.all() - self

    def union(self, other: PacketSet) -> PacketSet:
        return self | other

    def intersection(self, other: PacketSet) -> PacketSet:
        return self & other

    def difference(self, other: PacketSet) -> PacketSet:
        return self - other

    def issubset(self, other: PacketSet) -> bool:
        return not _subtract(self._boxes, other._boxes)

    def issuperset(self, other: PacketSet) -> bool:
        return other.issubset(self)

    def isdisjoint(self, other: PacketSet) -> bool:
        return all(_box_and(a, b) is None for a in self._boxes for b in other._boxes)

    def __le__(self, other: PacketSet) -> bool:
        if not isinstance(other, PacketSet):
            return NotImplemented
        return self.issubset(other)

    def __ge__(self, other: PacketSet) -> bool:
        if not isinstance(other, PacketSet):
            return NotImplemented
        return self.issuperset(other)

    def contains(
        self, src_ip: IpInput, dst_ip: IpInput, protocol: str | int, port: int | None = None
    ) -> bool:
        """Whether the one packet ``src_ip -> dst_ip`` on ``protocol``/``port`` is in the set."""
        src = _address_to_int(src_ip)
        dst = _address_to_int(dst_ip)
        point = ServiceSet.encode(protocol, port)
        return any(
            box.src._contains_point(src)
            and box.dst._contains_point(dst)
            and box.service._contains_point(point)
            for box in self._boxes
        )

    def __contains__(self, item: object) -> bool:
        """``Packet(...) in packets``."""
        if isinstance(item, Packet):
            return self.contains(item.src, item.dst, item.protocol, item.port)
        return False

    def sample(self) -> Packet | None:
        """One concrete packet of the set (deterministic), or ``None`` if it is empty."""
        if not self._boxes:
            return None
        box = self._boxes[0]
        protocol, port = box.service.sample()
        return Packet(box.src.first_address(), box.dst.first_address(), protocol, port)

    def sources(self) -> IpSet:
        """Every source address of some packet in the set."""
        return IpSet.union_all(box.src for box in self._boxes)

    def destinations(self) -> IpSet:
        """Every destination address of some packet in the set."""
        return IpSet.union_all(box.dst for box in self._boxes)

    def services(self) -> ServiceSet:
        """Every service of some packet in the set."""
        return ServiceSet.union_all(box.service for box in self._boxes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PacketSet):
            return NotImplemented
        if self._boxes == other._boxes:
            return True
        # Equal sizes plus inclusion is equality, and it needs one subtraction, not two.
        return self.size == other.size and self.issubset(other)

    def __hash__(self) -> int:
        # The projections and the size do not depend on how the set is cut into boxes.
        if self._hash is None:
            value = hash((self.sources(), self.destinations(), self.services(), self.size))
            object.__setattr__(self, "_hash", value)
        assert self._hash is not None
        return self._hash

    def __str__(self) -> str:
        return "; ".join(str(box) for box in self._boxes) or "none"

    def __repr__(self) -> str:
        return f"PacketSet({[tuple(map(str, box)) for box in self._boxes]!r})"


def services_of(ports: Iterable[str]) -> ServiceSet:
    """`("tcp/443", "udp")` as a ServiceSet; `all` is every protocol."""
    return _services(tuple(ports))


@functools.lru_cache(maxsize=4096)
def _services(ports: tuple[str, ...]) -> ServiceSet:
    # tens of thousands of rules share a few port lists: parse each list once
    return ServiceSet.union_all(
        ServiceSet.all() if p == "all" else ServiceSet.parse(p) for p in ports
    )
