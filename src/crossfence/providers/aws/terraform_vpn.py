"""The `aws` provider's virtual private gateways, transit gateways and Site-to-Site VPN connections read into the blueprint.

An `aws_vpn_connection` is two tunnel halves (its `tunnel1_*` and `tunnel2_*`), each joined with
the other cloud's half by their public addresses (`terraform/tunnels.py`). A transit gateway is
read with every VPC attachment (the first is its `network`), its route tables, their
associations, propagations and static routes
(https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html); the default route table
(`association_default_route_table_id`) is the blueprint's route table marked `default`.
"""

from __future__ import annotations

from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import ResourceMapping, Unmodelled, companion
from ...terraform.read import Resource
from ...terraform.tunnels import BgpHalf, TunnelHalf, add_half
from ...terraform.values import at

__all__ = ["MAPPINGS", "finish"]

DOCS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/"
TGW = "aws_ec2_transit_gateway"
ATTACHMENT = "aws_ec2_transit_gateway_vpc_attachment"
TABLE = "aws_ec2_transit_gateway_route_table"
ORDER = 2


def _name(resource: Resource) -> str | None:
    name = at(resource.values, "tags", "Name")
    return name if isinstance(name, str) and name else None


def _vpn_gateway(resource: Resource, b: Builder) -> None:
    from .terraform import network_of

    network = network_of(b, resource) if at(resource.values, "vpc_id") else None
    gateway: dict[str, Any] = {
        "name": b.name(resource, _name(resource), "vpn_gateways"),
        "cloud": b.cloud(resource),
        "type": "aws_vgw",
    }
    asn = at(resource.values, "amazon_side_asn")
    if isinstance(asn, str | int) and str(asn).isdigit():
        gateway["asn"] = int(asn)
    if network is not None:
        gateway["network"] = network["name"]
    b.add("vpn_gateways", gateway, resource, {"network": "vpc_id", "asn": "amazon_side_asn"})


def _attachment(resource: Resource, b: Builder) -> None:
    from .terraform import network_of

    gateway = b.object_of(
        b.ref(resource, ("vpn_gateway_id",), ("aws_vpn_gateway",)), "vpn_gateways"
    )
    network = network_of(b, resource)
    if gateway is None or network is None:
        return
    if gateway.get("network") not in (None, network["name"]):
        b.warn(
            resource,
            "vpc_id",
            f"attaches {gateway['name']} to a second VPC ({network['name']}): crossfence models one VPC per gateway, the first",
        )
        return
    gateway["network"] = network["name"]


def _tgw_attachment(resource: Resource, b: Builder) -> None:
    """A VPC attachment: the gateway's `network` when it is the first, else an entry of its
    `attachments`; its default association and propagation as Terraform says, off when the
    gateway's `default_route_table_association`/`_propagation` is `disable`."""
    from .terraform import network_of

    found = b.ref(resource, ("transit_gateway_id",), (TGW,))
    gateway = b.object_of(found, "vpn_gateways")
    network = network_of(b, resource)
    if found is None or gateway is None or network is None:
        return
    b.state.setdefault("aws-tgw-attachments", {})[(resource.file, resource.address)] = (
        gateway,
        network["name"],
    )
    entry: dict[str, Any] = {"network": network["name"]}
    for key in ("association", "propagation"):
        attribute = f"transit_gateway_default_route_table_{key}"
        if (
            at(resource.values, attribute) is False
            or at(found.values, f"default_route_table_{key}") == "disable"
        ):
            entry[attribute] = False
    if "network" not in gateway:
        gateway["network"] = network["name"]
        if len(entry) == 1:
            return  # the defaults: `network`'s implicit attachment
    fields = {
        "network": "vpc_id",
        "transit_gateway_default_route_table_association": (
            "transit_gateway_default_route_table_association"
        ),
        "transit_gateway_default_route_table_propagation": (
            "transit_gateway_default_route_table_propagation"
        ),
    }
    b.child(gateway, "attachments", entry, resource, fields)


def _default_table(b: Builder, gateway: dict[str, Any], resource: Resource) -> dict[str, Any]:
    """The gateway's default route table: the one AWS creates with it."""
    tables = gateway.setdefault("route_tables", [])
    found = next((t for t in tables if t.get("default")), None)
    if found is None:
        found = {"name": f"{gateway['name']}-default", "default": True}
        b.child(gateway, "route_tables", found, resource, {})
    return found


def _table_of(b: Builder, resource: Resource) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The gateway and route table `transit_gateway_route_table_id` names: a route table's id,
    or a gateway's `association_default_route_table_id` (its default route table)."""
    value = at(resource.values, "transit_gateway_route_table_id")
    if isinstance(value, str) and value:
        for file in b.index.files:
            for candidate in file.resources:
                if candidate.type == TGW and value in (
                    at(candidate.values, "association_default_route_table_id"),
                    at(candidate.values, "propagation_default_route_table_id"),
                ):
                    gateway = b.object_of(candidate, "vpn_gateways")
                    return (
                        None if gateway is None else (gateway, _default_table(b, gateway, resource))
                    )
    found = b.ref(resource, ("transit_gateway_route_table_id",), (TABLE, TGW))
    if found is None:
        return None
    if found.type == TGW:
        gateway = b.object_of(found, "vpn_gateways")
        return None if gateway is None else (gateway, _default_table(b, gateway, resource))
    table = b.object_of(found)
    placed = b.state.get("aws-tgw-tables", {}).get(id(table))
    return None if table is None or placed is None else (placed, table)


def _attached(b: Builder, resource: Resource) -> str | None:
    """The VPC whose attachment `transit_gateway_attachment_id` names (None: none, or a VPN
    connection's, whose association and propagation are the default route table's)."""
    found = b.ref(resource, ("transit_gateway_attachment_id",), (ATTACHMENT, "aws_vpn_connection"))
    if found is None:
        return None
    if found.type == "aws_vpn_connection":
        b.warn(
            resource,
            "transit_gateway_attachment_id",
            "names a VPN connection's attachment: crossfence models it associated with and "
            "propagating into the default route table only; left out",
        )
        return None
    placed = b.state.get("aws-tgw-attachments", {}).get((found.file, found.address))
    return None if placed is None else str(placed[1])


def _tgw_route_table(resource: Resource, b: Builder) -> None:
    gateway = b.object_of(b.ref(resource, ("transit_gateway_id",), (TGW,)), "vpn_gateways")
    if gateway is None:
        return
    table = {"name": b.name(resource, _name(resource), f"tgw-route-tables:{gateway['name']}")}
    b.child(gateway, "route_tables", table, resource, {})
    b.state.setdefault("aws-tgw-tables", {})[id(table)] = gateway


def _tgw_association(resource: Resource, b: Builder) -> None:
    placed, network = _table_of(b, resource), _attached(b, resource)
    if placed is None or network is None:
        return
    key = "propagations" if resource.type.endswith("_propagation") else "associations"
    listed = placed[1].setdefault(key, [])
    if network not in listed:
        listed.append(network)
    b.record(placed[1], resource, {key: "transit_gateway_attachment_id"})


def _tgw_route(resource: Resource, b: Builder) -> None:
    placed = _table_of(b, resource)
    if placed is None:
        return
    route: dict[str, Any] = {
        "destination_cidr_block": at(resource.values, "destination_cidr_block")
    }
    if at(resource.values, "blackhole") is True:
        route["blackhole"] = True
    else:
        network = _attached(b, resource)
        if network is None:
            return
        route["transit_gateway_attachment"] = network
    fields = {
        "destination_cidr_block": "destination_cidr_block",
        "blackhole": "blackhole",
        "transit_gateway_attachment": "transit_gateway_attachment_id",
    }
    b.child(placed[1], "routes", route, resource, fields)


def _transit_gateway(resource: Resource, b: Builder) -> None:
    gateway: dict[str, Any] = {
        "name": b.name(resource, _name(resource), "vpn_gateways"),
        "cloud": b.cloud(resource),
        "type": "aws_tgw",
    }
    asn = at(resource.values, "amazon_side_asn")
    if isinstance(asn, int | str) and str(asn).isdigit():
        gateway["asn"] = int(asn)
    b.add(
        "vpn_gateways",
        gateway,
        resource,
        {"asn": "amazon_side_asn", "network": "(its VPC attachment)"},
    )


def _propagation(resource: Resource, b: Builder) -> None:
    from .terraform import _table_of

    placed = _table_of(b, resource)
    gateway = b.object_of(
        b.ref(resource, ("vpn_gateway_id",), ("aws_vpn_gateway",)), "vpn_gateways"
    )
    if placed is None or gateway is None:
        return
    gateways = placed[1].setdefault("propagating_vpn_gateways", [])
    if gateway["name"] not in gateways:
        gateways.append(gateway["name"])


def _connection(resource: Resource, b: Builder) -> None:
    gateway_resource = b.ref(resource, ("vpn_gateway_id",), ("aws_vpn_gateway",)) or b.ref(
        resource, ("transit_gateway_id",), ("aws_ec2_transit_gateway",)
    )
    gateway = b.object_of(gateway_resource, "vpn_gateways")
    customer = b.ref(resource, ("customer_gateway_id",), ("aws_customer_gateway",))
    if gateway is None or customer is None:
        return
    static = at(resource.values, "static_routes_only") is True
    if static:
        b.warn(
            resource,
            "static_routes_only",
            "is true: the connection's static routes are not modelled, so no route crosses it",
        )
    used = b.state.setdefault("aws-vpn-interfaces", {}).setdefault(id(gateway), 0)
    peer_asn = at(customer.values, "bgp_asn")
    for tunnel in (1, 2):
        interface = used + tunnel - 1
        if interface > 3:
            b.warn(
                resource,
                f"tunnel{tunnel}_address",
                f"is a fifth tunnel on {gateway['name']}: crossfence models four interfaces per gateway, it is left out",
            )
            continue
        local_ip = at(resource.values, f"tunnel{tunnel}_address")
        inside = at(resource.values, f"tunnel{tunnel}_vgw_inside_address")
        cidr = at(resource.values, f"tunnel{tunnel}_inside_cidr")
        length = str(cidr).split("/", 1)[1] if isinstance(cidr, str) and "/" in cidr else "30"
        bgp = None
        if not static and isinstance(inside, str) and inside and "asn" in gateway:
            bgp = BgpHalf(
                gateway["name"],
                f"{inside}/{length}",
                at(resource.values, f"tunnel{tunnel}_cgw_inside_address"),
                gateway["asn"],
                int(peer_asn)
                if isinstance(peer_asn, int | str) and str(peer_asn).isdigit()
                else None,
                resource=resource,
            )
        versions = at(resource.values, f"tunnel{tunnel}_ike_versions") or []
        half = TunnelHalf(
            resource,
            f"{b.planned_name(resource, _name(resource))}-{tunnel}",
            gateway,
            interface,
            local_ip if isinstance(local_ip, str) and local_ip else None,
            at(customer.values, "ip_address"),
            ORDER,
            1 if versions == ["ikev1"] else 2,
            _suite(resource.values, tunnel, 1),
            _suite(resource.values, tunnel, 2),
            bgp,
        )
        add_half(b, half)
    b.state["aws-vpn-interfaces"][id(gateway)] = used + 2


def _suite(values: dict[str, Any], tunnel: int, phase: int) -> dict[str, Any]:
    suite: dict[str, Any] = {}
    for key, field in (
        ("encryption_algorithms", "encryption"),
        ("integrity_algorithms", "integrity"),
    ):
        found = at(values, f"tunnel{tunnel}_phase{phase}_{key}")
        if isinstance(found, list) and found:
            suite[field] = [str(v) for v in found]
    groups = at(values, f"tunnel{tunnel}_phase{phase}_dh_group_numbers")
    if isinstance(groups, list) and groups:
        suite["dh_groups"] = [int(g) for g in groups if isinstance(g, int)]
    return suite


def finish(b: Builder) -> None:
    """A gateway attached to no VPC serves nothing: it is left out, with a warning."""
    kept = []
    for gateway in b.sections.get("vpn_gateways", []):
        origin = b.origins.get(id(gateway))
        if (
            "network" not in gateway
            and origin is not None
            and origin.resource.type in ("aws_vpn_gateway", "aws_ec2_transit_gateway")
        ):
            b.warn(origin.resource, "", "is attached to no VPC of the files: it is left out")
            continue
        kept.append(gateway)
    if "vpn_gateways" in b.sections:
        b.sections["vpn_gateways"] = kept


MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "aws_vpn_gateway",
        "vpn_gateways[] (type aws_vgw)",
        _vpn_gateway,
        reads=("tags.Name", "vpc_id", "amazon_side_asn"),
        phase=3,
        docs=DOCS + "vpn_gateway",
    ),
    ResourceMapping(
        "aws_vpn_gateway_attachment",
        "vpn_gateways[].network",
        _attachment,
        reads=("vpn_gateway_id", "vpc_id"),
        phase=4,
        docs=DOCS + "vpn_gateway_attachment",
    ),
    ResourceMapping(
        "aws_vpn_gateway_route_propagation",
        "networks[].route_tables[].propagating_vpn_gateways[]",
        _propagation,
        reads=("vpn_gateway_id", "route_table_id"),
        phase=6,
        docs=DOCS + "vpn_gateway_route_propagation",
    ),
    companion(
        "aws_customer_gateway",
        "the VPN connection: the peer's address and ASN",
        ("ip_address", "bgp_asn"),
        DOCS + "customer_gateway",
    ),
    ResourceMapping(
        "aws_vpn_connection",
        "vpn_tunnels[], bgp_sessions[] (two tunnels, joined with the peer's halves)",
        _connection,
        reads=(
            "vpn_gateway_id",
            "transit_gateway_id",
            "customer_gateway_id",
            "static_routes_only",
            "tunnel1_address",
            "tunnel1_inside_cidr",
            "tunnel1_vgw_inside_address",
            "tunnel1_cgw_inside_address",
            "tunnel1_ike_versions",
            "tunnel1_phase1_encryption_algorithms",
            "tunnel1_phase1_dh_group_numbers",
            "tunnel2_... (the same)",
        ),
        ignored={
            "tunnel1_preshared_key": "a secret: never read, never printed",
            "tunnel2_preshared_key": "a secret: never read",
        },
        unmodelled=(
            Unmodelled(
                "local_ipv4_network_cidr",
                "traffic selectors narrow what the tunnel carries",
                "0.0.0.0/0",
            ),
            Unmodelled(
                "remote_ipv4_network_cidr",
                "traffic selectors narrow what the tunnel carries",
                "0.0.0.0/0",
            ),
        ),
        phase=5,
        docs=DOCS + "vpn_connection",
    ),
    ResourceMapping(
        "aws_ec2_transit_gateway",
        "vpn_gateways[] (type aws_tgw)",
        _transit_gateway,
        reads=(
            "tags.Name",
            "amazon_side_asn",
            "default_route_table_association",
            "default_route_table_propagation",
            "association_default_route_table_id",
        ),
        phase=3,
        docs=DOCS + "ec2_transit_gateway",
    ),
    ResourceMapping(
        ATTACHMENT,
        "vpn_gateways[].network, vpn_gateways[].attachments[]",
        _tgw_attachment,
        reads=(
            "transit_gateway_id",
            "vpc_id",
            "transit_gateway_default_route_table_association",
            "transit_gateway_default_route_table_propagation",
        ),
        unmodelled=(
            Unmodelled(
                "subnet_ids",
                "resources in an Availability Zone without one of these subnets do not reach "
                "the gateway, and these subnets' network ACLs apply to what crosses it "
                "(https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html)",
            ),
        ),
        phase=4,
        docs=DOCS + "ec2_transit_gateway_vpc_attachment",
    ),
    ResourceMapping(
        TABLE,
        "vpn_gateways[].route_tables[]",
        _tgw_route_table,
        reads=("transit_gateway_id", "tags.Name"),
        phase=5,
        docs=DOCS + "ec2_transit_gateway_route_table",
    ),
    ResourceMapping(
        f"{TABLE}_association",
        "vpn_gateways[].route_tables[].associations[]",
        _tgw_association,
        reads=("transit_gateway_route_table_id", "transit_gateway_attachment_id"),
        phase=6,
        docs=DOCS + "ec2_transit_gateway_route_table_association",
    ),
    ResourceMapping(
        f"{TABLE}_propagation",
        "vpn_gateways[].route_tables[].propagations[]",
        _tgw_association,
        reads=("transit_gateway_route_table_id", "transit_gateway_attachment_id"),
        phase=6,
        docs=DOCS + "ec2_transit_gateway_route_table_propagation",
    ),
    ResourceMapping(
        "aws_ec2_transit_gateway_route",
        "vpn_gateways[].route_tables[].routes[]",
        _tgw_route,
        reads=(
            "transit_gateway_route_table_id",
            "destination_cidr_block",
            "transit_gateway_attachment_id",
            "blackhole",
        ),
        phase=6,
        docs=DOCS + "ec2_transit_gateway_route",
    ),
)
