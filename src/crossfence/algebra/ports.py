"""Port specifications as users write them (`tcp/443`, `udp/53-54`, `icmp`, `all`), parsed once."""

from __future__ import annotations

__all__ = ["PORTED_PROTOCOLS", "PROTOCOLS", "parse_port_spec"]

PROTOCOLS = ("tcp", "udp", "sctp", "icmp", "esp", "ah", "all")
"""The protocols a port specification may name."""
PORTED_PROTOCOLS = ("tcp", "udp", "sctp")
"""The protocols that have ports."""


def parse_port_spec(value: str) -> tuple[str, int | None, int | None]:
    """Parse ``tcp/443``, ``tcp/8000-8100``, ``udp``, ``icmp`` or ``all`` into (protocol, low, high).

    >>> parse_port_spec("TCP/8000-8100")
    ('tcp', 8000, 8100)
    >>> parse_port_spec("udp")
    ('udp', None, None)
    """
    text = value.strip().lower()
    if text in ("*", "any"):
        text = "all"
    protocol, _, ports = text.partition("/")
    if protocol not in PROTOCOLS:
        raise ValueError(
            f"{value!r} has unknown protocol {protocol!r} "
            f"(expected one of {', '.join(PROTOCOLS)}, e.g. 'tcp/443')"
        )
    if not ports:
        return protocol, None, None
    if protocol not in PORTED_PROTOCOLS:
        raise ValueError(f"{value!r}: {protocol} has no ports (expected just '{protocol}')")
    low_text, _, high_text = ports.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise ValueError(
            f"{value!r} is not a port or port range (expected e.g. 'tcp/443' or 'tcp/8000-8100')"
        ) from None
    for port in (low, high):
        if not 1 <= port <= 65535:
            raise ValueError(f"{value!r}: port {port} is out of range (expected 1-65535)")
    if high < low:
        raise ValueError(f"{value!r}: range ends before it starts (expected low-high, low <= high)")
    return protocol, low, high
