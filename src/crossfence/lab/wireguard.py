"""VPN tunnels as WireGuard pairs (wireguard-go): the underlay between the gateways on the lab internet, the overlay in the routers.

The kernel's WireGuard module may be absent, so each tunnel end is a `wireguard-go` daemon. It
runs in its VPN gateway's namespace, where its UDP socket stays (the gateway's public address,
as a cloud VPN gateway's interface), and its interface is moved into the router of the network
the gateway serves, with the inner address of the BGP session over the tunnel (169.254.x.y/30, as
the blueprint gives it). `wireguard-go`'s control sockets live in one global folder
(/var/run/wireguard/<interface>.sock): interface names carry the lab's name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..ir.types import Topology
from .layout import Layout
from .plan import Plan, RuleSpec, TunnelSpec
from .routes import table_of
from .state import Names

__all__ = ["BASE_PORT", "UAPI_DIR", "plan_tunnels", "set_command"]

BASE_PORT = 51820
UAPI_DIR = Path("/var/run/wireguard")


def _inner(blueprint: Any, topology: Topology, tunnel: str, layout: Layout) -> tuple[str, str]:
    """The inner addresses of both ends (the tunnel's first side first): those of the BGP
    session over it, else a pair of the lab's own."""
    ir = topology.tunnels[tunnel]
    for session in topology.bgp_sessions:
        if session.tunnel != tunnel:
            continue
        model = blueprint.get("bgp_sessions", session.name)
        if model is None:
            continue
        if session.local.network == ir.networks[0]:
            return model.local.address, model.peer.address
        return model.peer.address, model.local.address
    return layout.pair()


def plan_tunnels(
    blueprint: Any, topology: Topology, plan: Plan, layout: Layout, names: Names, directory: Path
) -> None:
    """One TunnelSpec per IR tunnel whose two gateways the lab built."""
    for index, (name, tunnel) in enumerate(sorted(topology.tunnels.items())):
        model = blueprint.get("vpn_tunnels", name)
        if model is None or not all(g in layout.vpn for g in tunnel.gateways):
            plan.notes.append(f"tunnel {name}: one of its gateways is not built")
            continue
        inner = _inner(blueprint, topology, name, layout)
        sides = []
        for side, (gateway, network, end) in enumerate(
            zip(tunnel.gateways, tunnel.networks, (model.local, model.peer), strict=True)
        ):
            netns, publics = layout.vpn[gateway]
            gateway_model = blueprint.get("vpn_gateways", gateway)
            public = next(
                (str(i.ip) for i in gateway_model.interfaces if i.id == end.interface),
                publics[0],
            )
            ifname = names.wireguard()
            sides.append(
                {
                    "gateway": gateway,
                    "gateway_netns": netns,
                    "router_netns": plan.routers[network],
                    "network": network,
                    "ifname": ifname,
                    "inner": inner[side],
                    "public": public,
                    "port": BASE_PORT + index,
                    "key": str(directory / f"{ifname}.key"),
                    "segment": topology.gateways.get(gateway, (network, None))[1],
                }
            )
        plan.tunnels.append(TunnelSpec(name, (sides[0], sides[1])))
        for end in sides:
            segment = end["segment"]
            route_table = table_of(
                layout, str(end["network"]), str(segment) if segment is not None else None
            )
            if route_table is not None:
                plan.rules.append(
                    RuleSpec(
                        str(end["router_netns"]),
                        ("iif", str(end["ifname"]), "lookup", str(route_table)),
                    )
                )
    for router, destination, priority, tunnel_name, table in layout.tunnel_routes:
        spec = next((t for t in plan.tunnels if t.name == tunnel_name), None)
        if spec is None:
            continue
        end = next(s for s in spec.sides if s["router_netns"] == router)
        layout.route(
            router, destination, "dev", end["ifname"], "metric", str(priority), table=table
        )


def set_command(side: dict[str, Any], peer: dict[str, Any], peer_key: str) -> list[str]:
    """`wg set` for one end: its key and port, the other end as its only peer."""
    return [
        "wg",
        "set",
        str(side["ifname"]),
        "private-key",
        str(side["key"]),
        "listen-port",
        str(side["port"]),
        "peer",
        peer_key,
        "endpoint",
        f"{peer['public']}:{peer['port']}",
        "allowed-ips",
        "0.0.0.0/0",
        "persistent-keepalive",
        "5",
    ]
