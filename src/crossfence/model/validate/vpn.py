"""VPN and BGP: gateways, Cloud Routers and Cloud NAT, routing policies, tunnels, BGP sessions."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..base import Model
from .base import Validator, did_you_mean

__all__ = ["check"]

LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")


def attached_networks(bp: Any, gateway: Any) -> list[str]:
    """The VPCs an AWS transit gateway is attached to: `network`, its `attachments`', and the
    VPCs whose route tables send to it (a route to a transit gateway needs the VPC attached)."""
    names = [str(gateway.network)]
    names += [a.network for a in gateway.attachments if a.network not in names]
    names += [
        n.name
        for n in bp.networks
        if n.name not in names
        and any(
            r.next_hop_transit_gateway == gateway.name for t in n.route_tables for r in t.routes
        )
    ]
    return names


def transit_gateway(v: Validator, gateway: Any) -> None:
    """A transit gateway's attachments and route tables name its own attached VPCs; an
    attachment is associated with one route table
    (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html)."""
    if gateway.type != "aws_tgw":
        for field in ("attachments", "route_tables"):
            if getattr(gateway, field):
                v.report.add(
                    gateway,
                    (field,),
                    f"{field} are a transit gateway's (expected type aws_tgw)",
                    "invalid-value",
                )
        return
    seen: set[str] = set()
    for index, attachment in enumerate(gateway.attachments):
        found = v.ref(
            gateway, ("attachments", index, "network"), attachment.network, ("networks",), "network"
        )
        if found is not None and found.cloud != gateway.cloud:
            v.report.add(
                gateway,
                ("attachments", index, "network"),
                f"'{attachment.network}' is in cloud '{found.cloud}' (expected a VPC of "
                f"'{gateway.cloud}')",
                "invalid-value",
            )
        if attachment.network in seen:
            v.report.add(
                gateway,
                ("attachments", index, "network"),
                f"'{attachment.network}' is attached twice (expected one attachment per VPC)",
                "duplicate-name",
            )
        seen.add(attachment.network)
    attached = attached_networks(v.bp, gateway)
    associated: dict[str, str] = {}
    names: set[str] = set()
    defaults = 0
    for t, table in enumerate(gateway.route_tables):
        if table.name in names:
            v.report.add(
                gateway,
                ("route_tables", t, "name"),
                f"route table '{table.name}' repeats (expected unique names)",
                "duplicate-name",
            )
        names.add(table.name)
        defaults += table.default
        if table.default and defaults > 1:
            v.report.add(
                gateway,
                ("route_tables", t, "default"),
                "a second default route table (expected one)",
                "invalid-value",
            )
        for field in ("associations", "propagations"):
            for i, network in enumerate(getattr(table, field)):
                if network not in attached:
                    v.report.add(
                        gateway,
                        ("route_tables", t, field, i),
                        f"'{network}' is not attached to {gateway.name} (expected one of "
                        f"{attached})",
                        "unknown-reference",
                    )
        for i, network in enumerate(table.associations):
            if network in associated:
                v.report.add(
                    gateway,
                    ("route_tables", t, "associations", i),
                    f"the attachment of '{network}' is already associated with "
                    f"'{associated[network]}' (expected one route table per attachment)",
                    "invalid-value",
                )
            associated.setdefault(network, table.name)
        for r, route in enumerate(table.routes):
            target = route.transit_gateway_attachment
            if (target is None) == (not route.blackhole):
                v.report.add(
                    gateway,
                    ("route_tables", t, "routes", r),
                    "a transit gateway route goes to an attachment or is a blackhole "
                    "(expected one of transit_gateway_attachment, blackhole: true)",
                    "invalid-value",
                )
            elif target is not None and target not in attached:
                v.report.add(
                    gateway,
                    ("route_tables", t, "routes", r, "transit_gateway_attachment"),
                    f"'{target}' is not attached to {gateway.name} (expected one of {attached})",
                    "unknown-reference",
                )


def check(v: Validator) -> None:
    bp = v.bp
    for gateway in bp.vpn_gateways:
        v.ref(gateway, ("cloud",), gateway.cloud, ("clouds",), "cloud")
        network = v.ref(gateway, ("network",), gateway.network, ("networks",), "network")
        v.subnet_of(gateway, ("private_network",), network, gateway.private_network)
        provider = v.provider(gateway.cloud)
        expected = v.vocabulary.gateway_owner(gateway.type)
        if provider is not None and expected is not None and provider != expected:
            v.report.add(
                gateway,
                ("type",),
                f"{gateway.type} is a {expected} gateway but cloud '{gateway.cloud}' is {provider} (expected a {provider} gateway type)",
                "provider",
            )
        ids = [i.id for i in gateway.interfaces]
        if len(set(ids)) != len(ids):
            v.report.add(
                gateway,
                ("interfaces",),
                "interface ids repeat (expected unique ids)",
                "duplicate-name",
            )
        transit_gateway(v, gateway)
    for router in bp.routers:
        v.ref(router, ("cloud",), router.cloud, ("clouds",), "cloud")
        v.ref(router, ("network",), router.network, ("networks",), "network")
        cloud_nats(v, router)
        if router.advertise_mode == "default" and (
            router.advertised_groups or router.advertised_ranges
        ):
            v.report.add(
                router,
                ("advertise_mode",),
                "advertised groups and ranges only apply in custom mode (expected advertise_mode: custom)",
                "invalid-value",
            )
    for policy in bp.routing_policies:
        v.ref(policy, ("cloud",), policy.cloud, ("clouds",), "cloud")
    for tunnel in bp.vpn_tunnels:
        ends = []
        for end_field in ("local", "peer"):
            end = getattr(tunnel, end_field)
            gateway = v.ref(
                tunnel, (end_field, "gateway"), end.gateway, ("vpn_gateways",), "VPN gateway"
            )
            ends.append(gateway)
            if (
                gateway is not None
                and gateway.interfaces
                and end.interface not in [i.id for i in gateway.interfaces]
            ):
                v.report.add(
                    tunnel,
                    (end_field, "interface"),
                    f"gateway '{gateway.name}' has no interface {end.interface} (expected one of {[i.id for i in gateway.interfaces]})",
                    "unknown-reference",
                )
        if tunnel.local.gateway == tunnel.peer.gateway:
            v.report.add(
                tunnel,
                ("peer", "gateway"),
                "both ends are the same gateway (expected two gateways)",
                "invalid-value",
            )
    for session in bp.bgp_sessions:
        tunnel = v.ref(session, ("tunnel",), session.tunnel, ("vpn_tunnels",), "VPN tunnel")
        asns = []
        interfaces = []
        for end_field in ("local", "peer"):
            end = getattr(session, end_field)
            asn, speaker = speaker_asn(v, session, end_field, end.speaker)
            asns.append(asn)
            v.ref(
                session,
                (end_field, "routing_policy"),
                end.routing_policy,
                ("routing_policies",),
                "routing policy",
            )
            if tunnel is not None and speaker is not None:
                end_gateway = v.index["vpn_gateways"].get(getattr(tunnel, end_field).gateway)
                if (
                    end_gateway is not None
                    and speaker is not end_gateway
                    and getattr(speaker, "network", None) != end_gateway.network
                ):
                    v.report.add(
                        session,
                        (end_field, "speaker"),
                        f"speaker '{speaker.name}' is not in network '{end_gateway.network}' of gateway '{end_gateway.name}' (expected the Cloud Router of that network or the gateway itself)",
                        "invalid-value",
                    )
            interfaces.append(bgp_address(v, session, end_field, end.address))
        if asns[0] is not None and asns[0] == asns[1]:
            v.report.add(
                session,
                ("peer", "speaker"),
                f"both ends use ASN {asns[0]} (expected different ASNs for eBGP)",
                "asn",
            )
        a, b = interfaces
        if a is not None and b is not None:
            if a.network != b.network:
                v.report.add(
                    session,
                    ("peer", "address"),
                    f"{b} is not in the same /{a.network.prefixlen} as {a} (expected both ends in one link-local /30, e.g. {a.network})",
                    "bgp-address",
                )
            elif a.ip == b.ip:
                v.report.add(
                    session,
                    ("peer", "address"),
                    f"both ends use {a.ip} (expected two different addresses)",
                    "bgp-address",
                )


def cloud_nats(v: Validator, router: Any) -> None:
    """Cloud NAT: unique names; LIST_OF_SUBNETWORKS names subnets of the router's network and
    region (https://cloud.google.com/nat/docs/set-up-manage-network-address-translation)."""
    names = [n.name for n in router.nats]
    for name in sorted({n for n in names if names.count(n) > 1}):
        v.report.add(
            router,
            ("nats",),
            f"Cloud NAT '{name}' is defined twice (expected unique names)",
            "duplicate-name",
        )
    network = v.index["networks"].get(router.network)
    cloud = v.index["clouds"].get(router.cloud)
    region = router.region or (cloud.region if cloud is not None else None)
    subnets = {s.name: s for s in network.all_subnets} if network is not None else {}
    for index, nat in enumerate(router.nats):
        listed = nat.source_subnetwork_ip_ranges_to_nat == "LIST_OF_SUBNETWORKS"
        if listed != bool(nat.subnetworks):
            v.report.add(
                router,
                ("nats", index, "subnetworks"),
                "subnetworks are listed exactly when source_subnetwork_ip_ranges_to_nat is LIST_OF_SUBNETWORKS (expected both or neither)",
                "invalid-value",
            )
        for position, name in enumerate(nat.subnetworks):
            subnet = subnets.get(name)
            if network is not None and subnet is None:
                v.report.add(
                    router,
                    ("nats", index, "subnetworks", position),
                    f"unknown subnet '{name}' in network '{router.network}' (expected one of: {', '.join(sorted(subnets)) or 'none defined'}{did_you_mean(name, subnets)})",
                    "unknown-reference",
                )
            elif subnet is not None and subnet.region and region and subnet.region != region:
                v.report.add(
                    router,
                    ("nats", index, "subnetworks", position),
                    f"subnet '{name}' is in {subnet.region}, the router in {region}: Cloud NAT is regional (expected a subnet of {region})",
                    "invalid-value",
                )


def speaker_asn(
    v: Validator, session: Model, end_field: str, speaker: str
) -> tuple[int | None, Any]:
    target = v.ref(
        session,
        (end_field, "speaker"),
        speaker,
        ("routers", "vpn_gateways"),
        "BGP speaker (Cloud Router or VPN gateway)",
    )
    if target is None:
        return None, None
    asn = getattr(target, "asn", None)
    if asn is None:
        v.report.add(
            session,
            (end_field, "speaker"),
            f"'{speaker}' has no ASN (expected asn: on the VPN gateway)",
            "asn",
        )
    return asn, target


def bgp_address(
    v: Validator, session: Model, end_field: str, text: str
) -> ipaddress.IPv4Interface | None:
    try:
        interface = ipaddress.ip_interface(text)
    except ValueError:
        v.report.add(
            session,
            (end_field, "address"),
            f"{text!r} is not an address with prefix (expected e.g. '169.254.0.1/30')",
            "bgp-address",
        )
        return None
    if "/" not in text:
        v.report.add(
            session,
            (end_field, "address"),
            f"{text!r} has no prefix length (expected e.g. '{text}/30')",
            "bgp-address",
        )
        return None
    if not isinstance(interface, ipaddress.IPv4Interface) or interface.ip not in LINK_LOCAL:
        v.report.add(
            session,
            (end_field, "address"),
            f"{text} is outside 169.254.0.0/16 (expected a link-local address)",
            "bgp-address",
        )
        return None
    if interface.network.prefixlen != 30:
        v.report.add(
            session,
            (end_field, "address"),
            f"{text} is a /{interface.network.prefixlen} (expected a /30 link-local network)",
            "bgp-address",
        )
        return None
    if interface.ip in (interface.network.network_address, interface.network.broadcast_address):
        v.report.add(
            session,
            (end_field, "address"),
            f"{interface.ip} is the network or broadcast address of {interface.network} (expected .1 or .2 of the /30)",
            "bgp-address",
        )
        return None
    return interface
