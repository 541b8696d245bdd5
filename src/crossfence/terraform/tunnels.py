"""VPN tunnels joined across clouds: each cloud configures its half of a tunnel; the blueprint writes one tunnel and one BGP session.

A GCP `google_compute_vpn_tunnel` (with its Cloud Router interface and BGP peer), a Scaleway
`scaleway_s2s_vpn_connection`, an AWS `aws_vpn_connection` tunnel: each is a half, from its
gateway's public address to the peer's. Two halves whose addresses face each other are one
tunnel (the half of the cloud registered first is `local`, as the blueprint's convention puts the
hub first); a half whose own public address the file does not give (Scaleway allocates it) joins
the one half that points at it. A half with no other half is an IPsec tunnel with one end: it
carries nothing, and a warning says which peer address is missing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import Builder
    from .read import Resource

__all__ = ["BgpHalf", "TunnelHalf", "add_half", "join_tunnels"]

_KEY = "tunnel-halves"


@dataclass
class BgpHalf:
    """This side's BGP end of a tunnel."""

    speaker: str
    """The blueprint name of the speaker (a Cloud Router, or a gateway that speaks BGP)."""
    address: str | None
    """Its inside-tunnel address with prefix (`169.254.0.1/30`)."""
    peer_address: str | None = None
    """The address this side expects the peer at (no prefix needed)."""
    asn: int | None = None
    peer_asn: int | None = None
    routing_policy: str | None = None
    advertised_route_priority: int | None = None
    enabled: bool = True
    name: str | None = None
    resource: Resource | None = None


@dataclass
class TunnelHalf:
    """One cloud's half of an IPsec tunnel."""

    resource: Resource
    name: str
    gateway: dict[str, Any]
    """The blueprint gateway object this half leaves from."""
    interface: int
    local_ip: str | None
    """This gateway interface's public address (None when the file does not give it)."""
    peer_ip: str | None
    order: int
    """The registration order of the cloud's provider (lower is `local`)."""
    ike_version: int | None = None
    ike: dict[str, Any] = field(default_factory=dict)
    esp: dict[str, Any] = field(default_factory=dict)
    bgp: BgpHalf | None = None


def add_half(builder: Builder, half: TunnelHalf) -> None:
    """Register a half for `join_tunnels`."""
    builder.state.setdefault(_KEY, []).append(half)


def _host(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_interface(address).ip)
    except ValueError:
        return None


def join_tunnels(builder: Builder) -> None:
    """Every pair of halves that face each other as one `vpn_tunnels` entry and one
    `bgp_sessions` entry; the gateways' interfaces completed with the addresses learned."""
    halves: list[TunnelHalf] = builder.state.get(_KEY, [])
    used: set[int] = set()
    for half in halves:
        if half.local_ip:
            _interface(half.gateway, half.interface, half.local_ip)
    for position, half in enumerate(halves):
        if position in used:
            continue
        partner = _partner(halves, position, used)
        if partner is None:
            builder.warn(
                half.resource,
                "",
                f"its peer {half.peer_ip or '(address unknown)'} is no VPN gateway half of the "
                "files read: an IPsec tunnel with one end carries nothing, so the tunnel is left "
                "out (expected the other cloud's plan or state among the inputs)",
                "terraform-tunnel",
            )
            used.add(position)
            continue
        other = halves[partner]
        used.update((position, partner))
        local, peer = (half, other) if half.order <= other.order else (other, half)
        if peer.local_ip is None and local.peer_ip:
            _interface(peer.gateway, peer.interface, local.peer_ip)
        if local.local_ip is None and peer.peer_ip:
            _interface(local.gateway, local.interface, peer.peer_ip)
        tunnel = builder.add(
            "vpn_tunnels",
            {
                "name": builder.name(local.resource, local.name, "vpn_tunnels"),
                "local": {"gateway": local.gateway["name"], "interface": local.interface},
                "peer": {"gateway": peer.gateway["name"], "interface": peer.interface},
                **({"ike_version": local.ike_version} if local.ike_version else {}),
                **({"ike": local.ike or peer.ike} if local.ike or peer.ike else {}),
                **({"esp": local.esp or peer.esp} if local.esp or peer.esp else {}),
            },
            local.resource,
            {"local": "vpn_gateway_interface", "peer": "peer_external_gateway_interface"},
        )
        _session(builder, tunnel, local, peer)


def _partner(halves: list[TunnelHalf], position: int, used: set[int]) -> int | None:
    half = halves[position]
    exact = [
        i
        for i, other in enumerate(halves)
        if i != position
        and i not in used
        and other.local_ip
        and half.local_ip
        and other.local_ip == half.peer_ip
        and other.peer_ip == half.local_ip
    ]
    if len(exact) == 1:
        return exact[0]
    # one side does not know its own public address: it joins the one half pointing at it
    loose = [
        i
        for i, other in enumerate(halves)
        if i != position
        and i not in used
        and (
            (half.local_ip is None and other.peer_ip and other.local_ip == half.peer_ip)
            or (other.local_ip is None and half.peer_ip and half.local_ip == other.peer_ip)
        )
    ]
    return loose[0] if len(loose) == 1 else None


def _interface(gateway: dict[str, Any], interface: int, ip: str) -> None:
    interfaces = gateway.setdefault("interfaces", [])
    if not any(i.get("id") == interface for i in interfaces):
        interfaces.append({"id": interface, "ip": ip})
        interfaces.sort(key=lambda i: i["id"])


def _session(builder: Builder, tunnel: dict[str, Any], local: TunnelHalf, peer: TunnelHalf) -> None:
    if local.bgp is None or peer.bgp is None:
        if local.bgp is not None or peer.bgp is not None:
            lone = local if local.bgp is not None else peer
            builder.warn(
                lone.resource,
                "",
                f"BGP is configured on one side of tunnel {tunnel['name']} only: no session comes up, "
                "so no route is exchanged over it",
                "terraform-tunnel",
            )
        return
    a, b = local.bgp, peer.bgp
    local_address = a.address or _with_prefix(b.peer_address, b.address)
    peer_address = b.address or _with_prefix(a.peer_address, a.address)
    enabled = a.enabled and b.enabled
    resource = a.resource or local.resource
    mismatch = [
        what
        for what, expected, got in (
            ("peer address", _host(a.peer_address), _host(peer_address)),
            ("peer address", _host(b.peer_address), _host(local_address)),
            ("peer ASN", a.peer_asn, b.asn),
            ("peer ASN", b.peer_asn, a.asn),
        )
        if expected is not None and got is not None and expected != got
    ]
    if mismatch:
        builder.warn(
            resource,
            "",
            f"the two sides of tunnel {tunnel['name']} disagree on the BGP {mismatch[0]}: the "
            "session does not come up (read as disabled)",
            "terraform-tunnel",
        )
        enabled = False
    if local_address is None or peer_address is None:
        builder.warn(
            resource,
            "",
            f"the BGP addresses of tunnel {tunnel['name']} are not in the files: the session is left out",
            "terraform-tunnel",
        )
        return
    session: dict[str, Any] = {
        "name": builder.name(resource, a.name or f"{tunnel['name']}-bgp", "bgp_sessions"),
        "tunnel": tunnel["name"],
        "local": _end(a, local_address),
        "peer": _end(b, peer_address),
    }
    if not enabled:
        session["enabled"] = False
    builder.add("bgp_sessions", session, resource, {"local": "ip_range", "peer": "peer_ip_address"})


def _with_prefix(host: str | None, sibling: str | None) -> str | None:
    """`169.254.0.2` with the prefix length of the other side's `169.254.0.1/30`."""
    if host is None:
        return None
    if "/" in host:
        return host
    length = sibling.split("/", 1)[1] if sibling and "/" in sibling else "30"
    return f"{host}/{length}"


def _end(half: BgpHalf, address: str) -> dict[str, Any]:
    end: dict[str, Any] = {"speaker": half.speaker, "address": address}
    if half.advertised_route_priority is not None:
        end["advertised_route_priority"] = half.advertised_route_priority
    if half.routing_policy is not None:
        end["routing_policy"] = half.routing_policy
    return end
