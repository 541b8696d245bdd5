"""The blueprint's AWS VPN gateways as Terraform JSON: virtual private gateways, transit gateways with their VPC attachments, customer gateways and VPN connections.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpn_gateway,
.../ec2_transit_gateway, .../ec2_transit_gateway_vpc_attachment, .../customer_gateway,
.../vpn_connection, .../ec2_transit_gateway_route_table(_association, _propagation),
.../ec2_transit_gateway_route. A transit gateway is what the blueprint models (`routes.py`):
its attachments (`transit_gateway_attachments`: `network`, `attachments`, and the other VPCs
whose route tables send to it, attached without propagation since a route to a transit gateway
needs the VPC attached, https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html),
its route tables with their associations, propagations and static routes
(https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html). A VPN pre-shared key is
never written: AWS generates each tunnel's.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ...model import Blueprint
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref
from .routes import transit_gateway_attachments

if TYPE_CHECKING:
    from .tfjson import _Writer

__all__ = ["ATTACHMENT", "TABLE", "TGW", "attachment_label", "vpn_applied", "vpn_gateway"]

TGW = "aws_ec2_transit_gateway"
ATTACHMENT = "aws_ec2_transit_gateway_vpc_attachment"
TABLE = "aws_ec2_transit_gateway_route_table"


def attachment_label(gateway: str, network: str) -> str:
    """The label of the attachment of a transit gateway to a VPC (`<gateway>-<vpc>`)."""
    return _label(f"{gateway}-{network}")


def vpn_gateway(w: _Writer, gateway: Any) -> None:
    """A virtual private gateway or transit gateway with its attachments and VPN connections."""
    path = f"vpn_gateways[{gateway.name}]"
    if gateway.type == "aws_tgw":
        _transit_gateway(w, gateway)
    elif gateway.type == "aws_vgw":
        body: dict[str, Any] = {
            "vpc_id": _ref("aws_vpc", gateway.network),
            "tags": {"Name": gateway.name},
        }
        if gateway.asn is not None:
            body["amazon_side_asn"] = str(gateway.asn)
        w.add("aws_vpn_gateway", gateway.name, body)
    else:
        w.problem(
            gateway,
            path,
            f"VPN gateway '{gateway.name}': an AWS gateway is a virtual private gateway or a "
            f"transit gateway (expected type aws_vgw or aws_tgw, not {gateway.type})",
        )
        return
    for (peer_name, interface), tunnels in sorted(_groups(w.blueprint, gateway.name).items()):
        _connection(w, gateway, peer_name, interface, tunnels)


def _transit_gateway(w: _Writer, gateway: Any) -> None:
    body: dict[str, Any] = {
        "description": f"transit gateway {gateway.name} (compiled by crossfence)",
        # the blueprint's transit gateway routes with its default route table: attachments
        # associate with it and propagate into it (the provider's defaults, stated)
        "default_route_table_association": "enable",
        "default_route_table_propagation": "enable",
        "tags": {"Name": gateway.name},
    }
    if gateway.asn is not None:
        body["amazon_side_asn"] = gateway.asn
    w.add(TGW, gateway.name, body)
    tables = {t.name: t for t in gateway.route_tables}
    default = next((t for t in gateway.route_tables if t.default), None)
    custom = {n: t.name for t in gateway.route_tables if not t.default for n in t.associations}
    attachments = transit_gateway_attachments(w.blueprint, gateway)
    for attachment in attachments:
        network = attachment.network
        variable = f"{attachment_label(gateway.name, network)}_subnet_ids"
        w.variables[variable] = {
            "type": "list(string)",
            "description": (
                f"The subnets of {network} the transit gateway {gateway.name} is attached in: one "
                "per Availability Zone whose resources use it, each in a network ACL that admits "
                "what crosses the gateway, which AWS evaluates too (the blueprint does not hold "
                "them: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html, "
                "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html)"
            ),
        }
        w.add(
            ATTACHMENT,
            f"{gateway.name}-{network}",
            {
                "transit_gateway_id": _ref(TGW, gateway.name),
                "vpc_id": _ref("aws_vpc", network),
                "subnet_ids": f"${{var.{variable}}}",
                # an attachment is associated with one route table: a custom one's association
                # replaces the default one's
                "transit_gateway_default_route_table_association": (
                    attachment.transit_gateway_default_route_table_association
                    and network not in custom
                ),
                "transit_gateway_default_route_table_propagation": (
                    attachment.transit_gateway_default_route_table_propagation
                ),
                "tags": {"Name": f"{gateway.name}-{network}"},
            },
        )
    by_network = {a.network: a for a in attachments}
    for table in tables.values():
        _route_table(w, gateway, table, table is default, by_network)


def _route_table(
    w: _Writer, gateway: Any, table: Any, default: bool, attachments: dict[str, Any]
) -> None:
    """A transit gateway route table (the default one is the gateway's
    `association_default_route_table_id`), its associations, propagations and static routes
    (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html)."""
    label = f"{gateway.name}-{table.name}"
    if default:
        table_id = _ref(TGW, gateway.name, "association_default_route_table_id")
    else:
        w.add(
            TABLE,
            label,
            {"transit_gateway_id": _ref(TGW, gateway.name), "tags": {"Name": table.name}},
        )
        table_id = _ref(TABLE, label)
    for network in table.associations:
        if default and attachments[network].transit_gateway_default_route_table_association:
            continue  # associated by default
        w.add(
            f"{TABLE}_association",
            f"{label}-{network}",
            {
                "transit_gateway_attachment_id": _ref(
                    ATTACHMENT, attachment_label(gateway.name, network)
                ),
                "transit_gateway_route_table_id": table_id,
            },
        )
    for network in table.propagations:
        if default and attachments[network].transit_gateway_default_route_table_propagation:
            continue  # propagates by default
        w.add(
            f"{TABLE}_propagation",
            f"{label}-{network}",
            {
                "transit_gateway_attachment_id": _ref(
                    ATTACHMENT, attachment_label(gateway.name, network)
                ),
                "transit_gateway_route_table_id": table_id,
            },
        )
    for route in table.routes:
        body: dict[str, Any] = {
            "destination_cidr_block": str(route.destination_cidr_block),
            "transit_gateway_route_table_id": table_id,
        }
        if route.blackhole:
            body["blackhole"] = True
        else:
            body["transit_gateway_attachment_id"] = _ref(
                ATTACHMENT, attachment_label(gateway.name, route.transit_gateway_attachment)
            )
        destination = str(route.destination_cidr_block).replace("/", "_")
        w.add("aws_ec2_transit_gateway_route", f"{label}-{destination}", body)


def _groups(
    blueprint: Blueprint, gateway: str
) -> dict[tuple[str, int], list[tuple[Any, Any, Any]]]:
    """The gateway's tunnels by the peer interface they go to: each is a VPN connection, whose
    two tunnels go to one customer gateway
    (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html); in each, the tunnels in the
    order of this gateway's interfaces."""
    sessions = {s.tunnel: s for s in blueprint.bgp_sessions}
    by_peer: dict[tuple[str, int], list[tuple[Any, Any, Any]]] = {}
    for tunnel in blueprint.vpn_tunnels:
        if gateway == tunnel.local.gateway:
            mine, theirs = tunnel.local, tunnel.peer
        elif gateway == tunnel.peer.gateway:
            mine, theirs = tunnel.peer, tunnel.local
        else:
            continue
        by_peer.setdefault((theirs.gateway, theirs.interface), []).append(
            (tunnel, mine, sessions.get(tunnel.name))
        )
    return {k: sorted(v, key=lambda t: t[1].interface) for k, v in by_peer.items()}


def _connection(
    w: _Writer, gateway: Any, peer_name: str, interface: int, tunnels: list[tuple[Any, Any, Any]]
) -> None:
    blueprint = w.blueprint
    first = tunnels[0][0]
    where = f"vpn_tunnels[{first.name}]"
    peer = blueprint.get("vpn_gateways", peer_name)
    address = next((i.ip for i in peer.interfaces if i.id == interface), None) if peer else None
    if address is None or len(tunnels) > 2:
        w.problem(
            first,
            where,
            f"tunnel '{first.name}': an AWS VPN connection has two tunnels to one customer "
            f"gateway address (expected at most two tunnels to {peer_name} interface {interface}, "
            "with its address)",
        )
        return
    name = f"{peer_name}-{interface}"
    customer: dict[str, Any] = {"ip_address": address, "type": "ipsec.1", "tags": {"Name": name}}
    asns = []
    # a connection ends on a virtual private gateway or on a transit gateway (its VPN attachment)
    end = (
        {"transit_gateway_id": _ref(TGW, gateway.name)}
        if gateway.type == "aws_tgw"
        else {"vpn_gateway_id": _ref("aws_vpn_gateway", gateway.name)}
    )
    body: dict[str, Any] = {
        **end,
        "customer_gateway_id": _ref("aws_customer_gateway", name),
        "type": "ipsec.1",
        "static_routes_only": False,
        "tags": {"Name": name},
    }
    # which outside address ends which tunnel is AWS's to assign: the blueprint's interface
    # numbers are not arguments
    for number, (tunnel, _mine, session) in enumerate(tunnels, start=1):
        if session is None or not session.enabled:
            w.problem(
                tunnel,
                f"vpn_tunnels[{tunnel.name}]",
                f"tunnel '{tunnel.name}': the terraform target writes dynamic (BGP) AWS VPN "
                "connections (expected an enabled bgp_sessions entry)",
            )
            return
        ours, other = (
            (session.local, session.peer)
            if session.local.speaker == gateway.name
            else (session.peer, session.local)
        )
        body[f"tunnel{number}_inside_cidr"] = _inside(ours.address)
        speaker = blueprint.get("routers", other.speaker) or blueprint.get(
            "vpn_gateways", other.speaker
        )
        if getattr(speaker, "asn", None) is not None:
            asns.append(speaker.asn)
        body[f"tunnel{number}_ike_versions"] = [f"ikev{tunnel.ike_version}"]
        for phase, suite in ((1, tunnel.ike), (2, tunnel.esp)):
            if suite.encryption:
                body[f"tunnel{number}_phase{phase}_encryption_algorithms"] = list(suite.encryption)
            if suite.integrity:
                body[f"tunnel{number}_phase{phase}_integrity_algorithms"] = list(suite.integrity)
            if suite.dh_groups:
                body[f"tunnel{number}_phase{phase}_dh_group_numbers"] = list(suite.dh_groups)
    if asns:
        customer["bgp_asn"] = str(asns[0])
    w.add("aws_customer_gateway", name, customer)
    w.add("aws_vpn_connection", name, body)


def _inside(address: str) -> str:
    """`169.254.10.2/30` -> its network, `169.254.10.0/30` (a tunnel's inside CIDR)."""
    return str(ipaddress.ip_interface(address).network)


def vpn_applied(blueprint: Blueprint, name: str) -> dict[str, Any]:
    """What AWS assigns a compiled VPN connection at apply, as the blueprint records it: each
    tunnel's outside address (the gateway's interfaces) and BGP inside addresses."""
    out: dict[str, Any] = {}
    for gateway in blueprint.vpn_gateways:
        if gateway.type not in ("aws_vgw", "aws_tgw"):
            continue
        for (peer_name, interface), tunnels in _groups(blueprint, gateway.name).items():
            if _label(f"{peer_name}-{interface}") != name:
                continue
            for number, (_, mine, session) in enumerate(tunnels, start=1):
                address = next((i.ip for i in gateway.interfaces if i.id == mine.interface), None)
                if address:
                    out[f"tunnel{number}_address"] = address
                if session is not None:
                    ours, other = (
                        (session.local, session.peer)
                        if session.local.speaker == gateway.name
                        else (session.peer, session.local)
                    )
                    out[f"tunnel{number}_vgw_inside_address"] = ours.address.split("/")[0]
                    out[f"tunnel{number}_cgw_inside_address"] = other.address.split("/")[0]
    return out
