"""Port specifications as users write them (`tcp/443`, `udp/53-54`, `icmp`, `ipip`, `proto/47`, `all`), parsed once."""

from __future__ import annotations

import re

__all__ = ["PORTED_PROTOCOLS", "PROTOCOLS", "PROTOCOL_NUMBERS", "parse_port_spec"]

PROTOCOLS = ("tcp", "udp", "sctp", "icmp", "esp", "ah", "ipip", "all")
"""The protocols a port specification may name: the well-known names GCP firewall rules accept
(https://cloud.google.com/compute/docs/reference/rest/v1/firewalls, `allowed[].IPProtocol`:
"tcp, udp, icmp, esp, ah, ipip, sctp"), and `all`. Any other IP protocol is `proto/N`."""
PORTED_PROTOCOLS = ("tcp", "udp", "sctp")
"""The protocols that have ports."""
PROTOCOL_NUMBERS = {"icmp": 1, "ipip": 4, "tcp": 6, "udp": 17, "esp": 50, "ah": 51, "sctp": 132}
"""IANA numbers of the named protocols: `proto/6` is `tcp`, written by its name."""
_NAMES = {number: name for name, number in PROTOCOL_NUMBERS.items()}
_DIGITS = re.compile("[0-9]+")
_EXPECTED = (
    f"expected one of {', '.join(PROTOCOLS)} or an IP protocol number as proto/0-255, "
    "e.g. 'tcp/443' or 'proto/47'"
)


def _protocol_number(value: str, number: str) -> str:
    """`proto/N`: a protocol by its IANA number, named when it has a name (`proto/4` is `ipip`)."""
    if not (number.isascii() and number.isdigit()) or int(number) > 255:
        raise ValueError(
            f"{value!r}: proto/ takes one IP protocol number 0-255 (expected e.g. 'proto/47')"
        )
    return _NAMES.get(int(number), str(int(number)))


def parse_port_spec(value: str) -> tuple[str, int | None, int | None]:
    """Parse ``tcp/443``, ``tcp/8000-8100``, ``udp``, ``icmp``, ``ipip``, ``proto/47`` or ``all``
    into (protocol, low, high).

    A protocol number comes back as its name when it has one, else as the number in decimal
    (``proto/47`` is ``("47", None, None)``). A bare number is refused: ``22`` could mean the
    port or the protocol.

    >>> parse_port_spec("TCP/8000-8100")
    ('tcp', 8000, 8100)
    >>> parse_port_spec("udp")
    ('udp', None, None)
    >>> parse_port_spec("proto/47")
    ('47', None, None)
    >>> parse_port_spec("proto/4")
    ('ipip', None, None)
    """
    text = value.strip().lower()
    if text in ("*", "any"):
        text = "all"
    protocol, _, ports = text.partition("/")
    if protocol == "proto":
        return _protocol_number(value, ports.strip()), None, None
    if protocol.isascii() and protocol.isdigit():
        raise ValueError(
            f"{value!r} is ambiguous (expected 'proto/{protocol}' for IP protocol {protocol}, "
            f"or 'tcp/{protocol}' for a port)"
        )
    if protocol not in PROTOCOLS:
        raise ValueError(f"{value!r} has unknown protocol {protocol!r} ({_EXPECTED})")
    if not ports:
        return protocol, None, None
    if protocol not in PORTED_PROTOCOLS:
        raise ValueError(
            f"{value!r}: {protocol} has no ports (expected just '{protocol}'; "
            f"ports only with {', '.join(PORTED_PROTOCOLS)})"
        )
    low_text, dash, high_text = (part.strip() for part in ports.partition("-"))
    # ASCII digits only: `int` would also read `+443`, `4_43` and `٤٤٣` as 443
    if not _DIGITS.fullmatch(low_text) or (dash and not _DIGITS.fullmatch(high_text)):
        raise ValueError(
            f"{value!r} is not a port or port range (expected e.g. 'tcp/443' or 'tcp/8000-8100')"
        )
    low = int(low_text)
    high = int(high_text) if dash else low
    for port in (low, high):
        if not 1 <= port <= 65535:
            raise ValueError(f"{value!r}: port {port} is out of range (expected 1-65535)")
    if high < low:
        raise ValueError(f"{value!r}: range ends before it starts (expected low-high, low <= high)")
    return protocol, low, high
