"""The `google` provider's Cloud Router, Cloud NAT and HA VPN resources read into the blueprint.

A `google_compute_vpn_tunnel` is one half of a tunnel (`terraform/tunnels.py` joins it with the
other cloud's); its BGP session is the Cloud Router interface on the tunnel
(`google_compute_router_interface`, the local address) and the router's peer on that interface
(`google_compute_router_peer`: the peer's address and ASN, the advertised route priority).
"""

from __future__ import annotations

import re
from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import Argument, ResourceMapping, Unmodelled, companion
from ...terraform.read import Resource
from ...terraform.tunnels import BgpHalf, TunnelHalf, add_half
from ...terraform.values import UNKNOWN, at, blocks, one

__all__ = ["MAPPINGS"]

DOCS = "https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/"
ORDER = 0
"""GCP halves are the `local` end of a tunnel (the blueprint's hub-first convention)."""


def _network(b: Builder, resource: Resource) -> dict[str, Any] | None:
    found = b.ref(resource, ("network",), ("google_compute_network",))
    return b.object_of(found, "networks")


def _region(resource: Resource) -> str | None:
    from .terraform import region_of

    return region_of(resource)


def _router(resource: Resource, b: Builder) -> None:
    network = _network(b, resource)
    if network is None:
        return
    router: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "routers"),
        "cloud": b.cloud(resource),
        "network": network["name"],
    }
    region = _region(resource)
    if region:
        router["region"] = region
    asn = at(resource.values, "bgp", "asn")
    # a router for Cloud NAT alone has no BGP: its ASN stands for nothing (no session uses it)
    router["asn"] = asn if isinstance(asn, int) else 64512
    mode = at(resource.values, "bgp", "advertise_mode")
    if isinstance(mode, str):
        router["advertise_mode"] = mode.lower()
    groups = at(resource.values, "bgp", "advertised_groups")
    if isinstance(groups, list) and groups:
        router["advertised_groups"] = [str(g).lower() for g in groups]
    ranges = [
        {
            "range": r.get("range"),
            **({"description": r["description"]} if r.get("description") else {}),
        }
        for _, r in blocks(one(resource.values, "bgp"), "advertised_ip_ranges")
    ]
    if ranges:
        router["advertised_ranges"] = ranges
    b.add(
        "routers",
        router,
        resource,
        {
            "asn": "bgp.asn",
            "advertise_mode": "bgp.advertise_mode",
            "advertised_groups": "bgp.advertised_groups",
            "advertised_ranges": "bgp.advertised_ip_ranges",
            "network": "network",
        },
    )


def _address_value(b: Builder, resource: Resource, path: tuple[str | int, ...], value: Any) -> Any:
    """A NAT IP or an address argument: an address, or a `google_compute_address` naming one."""
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        return value
    found = b.ref(
        resource, path, ("google_compute_address", "google_compute_global_address"), value=value
    )
    if found is None:
        return None
    return at(found.values, "address")


def _nat(resource: Resource, b: Builder) -> None:
    router_resource = b.ref(resource, ("router",), ("google_compute_router",))
    router = b.object_of(router_resource, "routers")
    if router is None or router_resource is None:
        return
    nat: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), f"nats:{router['name']}")
    }
    mode = b.text(resource, "source_subnetwork_ip_ranges_to_nat")
    if mode:
        nat["source_subnetwork_ip_ranges_to_nat"] = mode
    subnets = []
    for index, _ in blocks(resource.values, "subnetwork"):
        found = b.ref(resource, ("subnetwork", index, "name"), ("google_compute_subnetwork",))
        obj = b.object_of(found)
        if obj is not None:
            subnets.append(obj["name"])
    if subnets:
        nat["subnetworks"] = subnets
    ips: list[str] = []
    listed = at(resource.values, "nat_ips")
    for index, value in enumerate(listed if isinstance(listed, list) else []):
        address = _address_value(b, resource, ("nat_ips", index), value)
        if isinstance(address, str):
            ips.append(address)
        elif address is UNKNOWN or value is UNKNOWN:
            b.unknown(nat, ("nat_ips",), resource, ("nat_ips", index))
    if at(resource.values, "nat_ips") is UNKNOWN:
        b.unknown(nat, ("nat_ips",), resource, ("nat_ips",))
    if ips:
        nat["nat_ips"] = ips
    b.child(router, "nats", nat, resource, {"subnetworks": "subnetwork", "nat_ips": "nat_ips"})


def _ha_gateway(resource: Resource, b: Builder) -> None:
    network = _network(b, resource)
    if network is None:
        return
    gateway: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "vpn_gateways"),
        "cloud": b.cloud(resource),
        "network": network["name"],
        "type": "ha_vpn",
    }
    region = _region(resource)
    if region:
        gateway["region"] = region
    interfaces = [
        {"id": block.get("id", index), "ip": block["ip_address"]}
        for index, block in blocks(resource.values, "vpn_interfaces")
        if isinstance(block.get("ip_address"), str) and block.get("ip_address")
    ]
    if interfaces:
        gateway["interfaces"] = interfaces
    b.add("vpn_gateways", gateway, resource, {"interfaces": "vpn_interfaces"})


def _ip_of(gateway: Resource | None, attribute: str, interface: Any) -> str | None:
    if gateway is None:
        return None
    for index, block in blocks(gateway.values, attribute):
        if block.get("id", index) == interface:
            value = block.get("ip_address")
            return value if isinstance(value, str) and value else None
    return None


def _dh(values: Any) -> list[int]:
    out = []
    for value in values or ():
        digits = re.search(r"(\d+)$", str(value))
        if digits:
            out.append(int(digits.group(1)))
    return out


def _suite(phase: Any, dh: str) -> dict[str, Any]:
    if type(phase) is not dict:
        return {}
    suite: dict[str, Any] = {}
    for key in ("encryption", "integrity"):
        if isinstance(phase.get(key), list) and phase[key]:
            suite[key] = [str(v) for v in phase[key]]
    if _dh(phase.get(dh)):
        suite["dh_groups"] = _dh(phase.get(dh))
    return suite


def _companions(b: Builder) -> tuple[dict[str, Resource], dict[tuple[str, str], Resource]]:
    """Router interfaces by the tunnel they are on, router peers by (router, interface name)."""
    cached = b.state.get("gcp-router-links")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    interfaces: dict[str, Resource] = {}
    peers: dict[tuple[str, str], Resource] = {}
    for file in b.index.files:
        for resource in file.resources:
            if resource.mode != "managed":
                continue
            if resource.type == "google_compute_router_interface":
                tunnel = b.ref(resource, ("vpn_tunnel",), ("google_compute_vpn_tunnel",))
                if tunnel is not None:
                    interfaces[tunnel.address + "@" + tunnel.file] = resource
            elif resource.type == "google_compute_router_peer":
                router = b.ref(resource, ("router",), ("google_compute_router",))
                name = _interface_name(b, resource)
                if router is not None and name:
                    peers[(router.address + "@" + router.file, name)] = resource
    b.state["gcp-router-links"] = (interfaces, peers)
    return interfaces, peers


def _interface_name(b: Builder, peer: Resource) -> str | None:
    name = at(peer.values, "interface")
    if isinstance(name, str) and name:
        return name
    found = b.ref(peer, ("interface",), ("google_compute_router_interface",))
    return b.text(found, "name") if found is not None else None


def _tunnel(resource: Resource, b: Builder) -> None:
    gateway_resource = b.ref(resource, ("vpn_gateway",), ("google_compute_ha_vpn_gateway",))
    gateway = b.object_of(gateway_resource, "vpn_gateways")
    if gateway is None or gateway_resource is None:
        if b.text(resource, "target_vpn_gateway"):
            b.warn(
                resource,
                "target_vpn_gateway",
                "is a Classic VPN gateway, which is not read: the tunnel is left out",
            )
        return
    interface = at(resource.values, "vpn_gateway_interface")
    interface = interface if isinstance(interface, int) else 0
    local_ip = _ip_of(gateway_resource, "vpn_interfaces", interface)
    peer_ip: str | None = None
    external = b.ref(resource, ("peer_external_gateway",), ("google_compute_external_vpn_gateway",))
    if external is not None:
        peer_ip = _ip_of(
            external, "interface", at(resource.values, "peer_external_gateway_interface") or 0
        )
    peer_gcp = b.ref(resource, ("peer_gcp_gateway",), ("google_compute_ha_vpn_gateway",))
    if peer_gcp is not None:
        peer_ip = _ip_of(peer_gcp, "vpn_interfaces", interface)
    half = TunnelHalf(
        resource,
        b.planned_name(resource, b.text(resource, "name")),
        gateway,
        interface,
        local_ip,
        peer_ip,
        ORDER,
        at(resource.values, "ike_version")
        if at(resource.values, "ike_version") in (1, 2)
        else None,
        _suite(one(resource.values, "cipher_suite", "phase1"), "dh"),
        _suite(one(resource.values, "cipher_suite", "phase2"), "pfs"),
    )
    router_resource = b.ref(resource, ("router",), ("google_compute_router",))
    router = b.object_of(router_resource, "routers")
    if router is not None and router_resource is not None:
        interfaces, peers = _companions(b)
        on_tunnel = interfaces.get(resource.address + "@" + resource.file)
        bgp_peer = (
            peers.get(
                (
                    router_resource.address + "@" + router_resource.file,
                    str(at(on_tunnel.values, "name")),
                )
            )
            if on_tunnel is not None
            else None
        )
        if on_tunnel is not None and bgp_peer is not None:
            priority = at(bgp_peer.values, "advertised_route_priority")
            enable = at(bgp_peer.values, "enable")
            peer_asn = at(bgp_peer.values, "peer_asn")
            half.bgp = BgpHalf(
                router["name"],
                b.text(on_tunnel, "ip_range"),
                b.text(bgp_peer, "peer_ip_address"),
                router["asn"],
                peer_asn if isinstance(peer_asn, int) else None,
                advertised_route_priority=priority if isinstance(priority, int) else None,
                enabled=enable is not False,
                name=b.planned_name(bgp_peer, b.text(bgp_peer, "name")),
                resource=bgp_peer,
            )
    add_half(b, half)


_ROUTER_PEER_UNMODELLED = (
    Unmodelled(
        "advertise_mode",
        "a peer's own custom advertisement replaces the router's for this session",
        "DEFAULT",
    ),
    Unmodelled("advertised_ip_ranges", "a peer's own advertised ranges"),
    Unmodelled("import_policies", "route policies filter what the session accepts"),
    Unmodelled("export_policies", "route policies filter what the session announces"),
)

MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "google_compute_router",
        "routers[]",
        _router,
        reads=(
            "name",
            "network",
            "region",
            "bgp.asn",
            "bgp.advertise_mode",
            "bgp.advertised_groups",
            "bgp.advertised_ip_ranges",
        ),
        ignored={
            "bgp.keepalive_interval": "session timers",
            "encrypted_interconnect_router": "Interconnect",
        },
        phase=3,
        docs=DOCS + "compute_router",
    ),
    ResourceMapping(
        "google_compute_router_nat",
        "routers[].nats[]",
        _nat,
        (Argument("source_subnetwork_ip_ranges_to_nat", "source_subnetwork_ip_ranges_to_nat"),),
        reads=("name", "router", "subnetwork", "nat_ips"),
        ignored={
            "log_config": "logging",
            "min_ports_per_vm": "port allocation",
            "nat_ip_allocate_option": "read through nat_ips (empty: allocated by Google)",
        },
        unmodelled=(Unmodelled("rules", "NAT rules choose other addresses per destination"),),
        phase=4,
        docs=DOCS + "compute_router_nat",
    ),
    ResourceMapping(
        "google_compute_ha_vpn_gateway",
        "vpn_gateways[] (type ha_vpn)",
        _ha_gateway,
        reads=("name", "network", "region", "vpn_interfaces"),
        ignored={"stack_type": "IPv6 is not analysed"},
        phase=3,
        docs=DOCS + "compute_ha_vpn_gateway",
    ),
    ResourceMapping(
        "google_compute_vpn_tunnel",
        "vpn_tunnels[], bgp_sessions[] (joined with the peer's half)",
        _tunnel,
        reads=(
            "name",
            "vpn_gateway",
            "vpn_gateway_interface",
            "peer_external_gateway",
            "peer_external_gateway_interface",
            "peer_gcp_gateway",
            "router",
            "ike_version",
            "cipher_suite",
        ),
        ignored={"shared_secret": "a secret: never read, never printed", "labels": "metadata"},
        unmodelled=(
            Unmodelled(
                "local_traffic_selector",
                "traffic selectors narrow what a policy-based tunnel carries",
                ["0.0.0.0/0"],
            ),
            Unmodelled(
                "remote_traffic_selector",
                "traffic selectors narrow what a policy-based tunnel carries",
                ["0.0.0.0/0"],
            ),
        ),
        phase=5,
        docs=DOCS + "compute_vpn_tunnel",
    ),
    companion(
        "google_compute_external_vpn_gateway",
        "google_compute_vpn_tunnel: the peer's public addresses",
        ("interface",),
        DOCS + "compute_external_vpn_gateway",
        {"redundancy_type": "the tunnels say which interfaces are used"},
    ),
    companion(
        "google_compute_router_interface",
        "google_compute_vpn_tunnel: the session's local address",
        ("router", "vpn_tunnel", "ip_range"),
        DOCS + "compute_router_interface",
    ),
    companion(
        "google_compute_router_peer",
        "google_compute_vpn_tunnel: the session's peer",
        (
            "router",
            "interface",
            "peer_ip_address",
            "peer_asn",
            "advertised_route_priority",
            "enable",
        ),
        DOCS + "compute_router_peer",
        {"bfd": "failure detection timers", "md5_authentication_key": "a secret: never read"},
        _ROUTER_PEER_UNMODELLED,
    ),
)
