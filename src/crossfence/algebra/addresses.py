"""An endpoint address as a user writes it in a question (`reach --to 10.0.0.5`), parsed once for every question."""

from __future__ import annotations

import ipaddress

__all__ = ["query_address"]

_IPV6 = "is an IPv6 address: IPv6 is not supported yet (expected an IPv4 address)"


def query_address(value: str) -> int | None:
    """The IPv4 address `value` is, as an integer; None when it is no address at all (then it is
    a name, for the caller to look up). An address crossfence cannot ask about raises ValueError
    with the reason, written for the user to follow the value (`--to '::1' is an IPv6 ...`):

    >>> query_address("10.0.0.5")
    167772165
    >>> query_address("frontend") is None
    True
    >>> query_address("2001:db8::1")
    Traceback (most recent call last):
    ...
    ValueError: is an IPv6 address: IPv6 is not supported yet (expected an IPv4 address)
    """
    try:
        return int(ipaddress.IPv4Address(value))
    except ValueError:
        pass
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    if address is not None:  # a valid address that is not IPv4: IPv6
        raise ValueError(_IPV6)
    if "/" in value:
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            network = None
        if network is not None:
            if network.version == 6:
                raise ValueError(_IPV6)
            raise ValueError(
                "is a range of addresses (expected one IPv4 address, e.g. "
                f"{network.network_address}, a workload or a load balancer)"
            )
    if value.count(".") == 3 and all(part.isdigit() for part in value.split(".")):
        raise ValueError("is not a valid IPv4 address (expected four numbers 0-255, e.g. 10.0.0.5)")
    return None
