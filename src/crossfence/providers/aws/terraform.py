"""The `aws` Terraform provider read into the blueprint: the mapping table, VPCs, subnets, route tables, security groups, network ACLs, peering and instances.

One `ResourceMapping` per resource type (https://registry.terraform.io/providers/hashicorp/aws/latest/docs).
Rules written inline (`aws_security_group.ingress`, `aws_route_table.route`, `aws_network_acl.ingress`)
and as separate resources (`aws_vpc_security_group_ingress_rule`, `aws_security_group_rule`,
`aws_route`, `aws_network_acl_rule`) are merged, once each (a state lists a separate rule inline
too). A VPC whose main route table or default network ACL is not in the files gets the one AWS
creates, named `...-assumed`. VPN and transit gateways are in `terraform_vpn.py`, RDS in
`terraform_rds.py`, S3 buckets and KMS keys in `terraform_storage.py`.
"""

from __future__ import annotations

import re
from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import ResourceMapping, TerraformMapping, Unmodelled, companion
from ...terraform.read import Resource
from ...terraform.values import UNKNOWN, at, blocks
from . import terraform_rds as rds
from . import terraform_storage as storage
from . import terraform_vpn as vpn
from .tfjson import applied, aws_terraform, computed
from .tfjson_rds import writes_database
from .tfjson_storage import writes_bucket

__all__ = ["TERRAFORM", "aws_ports", "network_of", "subnet_of"]

DOCS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/"
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):(\d{12}):")
_AZ = re.compile(r"^([a-z]{2}-[a-z]+-\d)[a-z]$")


def _account(resource: Resource) -> str | None:
    arn = resource.values.get("arn")
    if isinstance(arn, str):
        found = _ARN.match(arn)
        if found:
            return found.group(2)
    owner = resource.values.get("owner_id")
    return owner if isinstance(owner, str) and owner.isdigit() else None


def _region(resource: Resource) -> str | None:
    arn = resource.values.get("arn")
    if isinstance(arn, str):
        found = _ARN.match(arn)
        if found and found.group(1):
            return found.group(1)
    zone = resource.values.get("availability_zone")
    if isinstance(zone, str):
        found = _AZ.match(zone)
        if found:
            return found.group(1)
    return None


def _tag_name(resource: Resource) -> str | None:
    name = at(resource.values, "tags", "Name")
    if not (isinstance(name, str) and name):
        name = at(resource.values, "tags_all", "Name")
    return name if isinstance(name, str) and name else None


def network_of(b: Builder, resource: Resource, *path: str | int) -> dict[str, Any] | None:
    """The blueprint VPC a `vpc_id` (at `path`) names."""
    return b.object_of(b.ref(resource, path or ("vpc_id",), ("aws_vpc",)), "networks")


def subnet_of(
    b: Builder, resource: Resource, *path: str | int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The blueprint VPC and subnet a `subnet_id` (at `path`) names."""
    found = b.ref(resource, path or ("subnet_id",), ("aws_subnet",))
    subnet = b.object_of(found)
    vpc = b.state.get("aws-subnet-vpc", {}).get(id(subnet)) if subnet is not None else None
    return (vpc, subnet) if vpc is not None and subnet is not None else None


def aws_ports(protocol: Any, low: Any, high: Any) -> str | None:
    """An AWS rule's protocol and port range as a port spec (`-1` is all traffic; a range of
    0-65535 is every port); None for what the model cannot say exactly (ICMP types)."""
    name = str(protocol).lower()
    name = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}.get(name, name)
    if name == "-1":
        return "all"
    if name in ("tcp", "udp"):
        if (
            not isinstance(low, int)
            or not isinstance(high, int)
            or (low <= 0 and high >= 65535)
            or low < 0
        ):
            return name
        return f"{name}/{low}" if low == high else f"{name}/{low}-{high}"
    if name == "icmp":
        return "icmp" if low in (-1, None) else None
    return f"proto/{name}" if name.isdigit() else name


# --- VPC, subnets -----------------------------------------------------------------------------------
def _vpc(resource: Resource, b: Builder) -> None:
    network: dict[str, Any] = {
        "name": b.name(resource, _tag_name(resource), "networks"),
        "cloud": b.cloud(resource),
    }
    cidr = at(resource.values, "cidr_block")
    if isinstance(cidr, str) and cidr:
        network["cidr_blocks"] = [cidr]
    b.add("networks", network, resource, {"cidr_blocks": "cidr_block"})


def _cidr_association(resource: Resource, b: Builder) -> None:
    network = network_of(b, resource)
    cidr = at(resource.values, "cidr_block")
    if network is not None and isinstance(cidr, str) and cidr:
        network.setdefault("cidr_blocks", []).append(cidr)


def _subnet(resource: Resource, b: Builder) -> None:
    network = network_of(b, resource)
    if network is None:
        return
    cidr = at(resource.values, "cidr_block")
    if not isinstance(cidr, str):
        b.error(
            resource,
            ("cidr_block",),
            "is known only after apply (expected the subnet's range in the plan)",
        )
        return
    subnet: dict[str, Any] = {
        "name": b.name(resource, _tag_name(resource), f"subnets:{network['name']}"),
        "cidr": cidr,
    }
    zone = at(resource.values, "availability_zone")
    if isinstance(zone, str) and zone:
        subnet["region"] = zone
    b.child(
        network, "subnets", subnet, resource, {"cidr": "cidr_block", "region": "availability_zone"}
    )
    b.state.setdefault("aws-subnet-vpc", {})[id(subnet)] = network


# --- route tables ----------------------------------------------------------------------------------
_HOPS = (
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
    "vpc_endpoint_id",
    "egress_only_gateway_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "core_network_arn",
)


def _route(
    b: Builder,
    resource: Resource,
    route: dict[str, Any],
    path: tuple[str | int, ...],
    table: dict[str, Any],
) -> dict[str, Any] | None:
    """An inline `route` block or an `aws_route` as a blueprint route (None: the local route, IPv6, or not modelled)."""
    destination = route.get("cidr_block") or route.get("destination_cidr_block")
    if not isinstance(destination, str) or not destination:
        if route.get("destination_prefix_list_id"):
            b.warn(
                resource,
                (*path, "destination_prefix_list_id"),
                "is a prefix list, which crossfence does not model: the route is left out",
            )
        return None  # an IPv6 route: IPv6 is not analysed
    out: dict[str, Any] = {
        "name": f"{table['name']}-{len(table.get('routes', [])) + 1}",
        "destination": destination,
    }
    gateway = route.get("gateway_id")
    if gateway == "local":
        return None
    if gateway is UNKNOWN:
        # a gateway the plan creates (`gateway_id = aws_internet_gateway.gw.id`): its id is
        # known after apply, the configuration says which gateway it is
        found_gateway = b.ref(
            resource, (*path, "gateway_id"), ("aws_internet_gateway", "aws_vpn_gateway")
        )
        if found_gateway is None:
            return None
        if found_gateway.type == "aws_internet_gateway":
            gateway = "igw-"
        else:
            vpn_gateway = b.object_of(found_gateway, "vpn_gateways")
            if vpn_gateway is None:
                return None
            out["next_hop_vpn_gateway"] = vpn_gateway["name"]
            return out
    if isinstance(gateway, str) and gateway.startswith("igw-"):
        out["next_hop_gateway"] = "default_internet_gateway"
    elif isinstance(gateway, str) and gateway.startswith("vgw-"):
        found = b.object_of(
            b.ref(resource, (*path, "gateway_id"), ("aws_vpn_gateway",), value=gateway),
            "vpn_gateways",
        )
        if found is None:
            return None
        out["next_hop_vpn_gateway"] = found["name"]
    elif route.get("transit_gateway_id"):
        found = b.object_of(
            b.ref(
                resource,
                (*path, "transit_gateway_id"),
                ("aws_ec2_transit_gateway",),
                value=route["transit_gateway_id"],
            ),
            "vpn_gateways",
        )
        if found is None:
            return None
        out["next_hop_transit_gateway"] = found["name"]
    elif route.get("vpc_peering_connection_id"):
        connection = b.ref(
            resource,
            (*path, "vpc_peering_connection_id"),
            ("aws_vpc_peering_connection",),
            value=route["vpc_peering_connection_id"],
        )
        peering = b.object_of(connection, "peerings")
        if peering is None:
            # AWS marks a route to a peering connection that is not active as blackhole
            out["blackhole"] = True
        else:
            out["next_hop_peering"] = peering["name"]
    elif route.get("nat_gateway_id"):
        nat = b.ref(
            resource, (*path, "nat_gateway_id"), ("aws_nat_gateway",), value=route["nat_gateway_id"]
        )
        address = at(nat.values, "private_ip") if nat is not None else None
        if not isinstance(address, str):
            return None
        out["next_hop_ip"] = address
        b.warn(
            resource,
            (*path, "nat_gateway_id"),
            "is a NAT gateway, whose forwarding crossfence does not model: answers stop at it",
        )
    elif route.get("network_interface_id"):
        instance = _instance_of_interface(b, str(route["network_interface_id"]))
        if instance is None:
            b.warn(
                resource,
                (*path, "network_interface_id"),
                "names no instance's network interface of the files: the route is left out",
            )
            return None
        out["next_hop_instance"] = instance["name"]
    else:
        hop = next((h for h in _HOPS if route.get(h)), None)
        if hop is not None:
            b.warn(
                resource,
                (*path, hop),
                "is a next hop crossfence does not model: the route is left out",
            )
        return None
    return out


def _instance_of_interface(b: Builder, interface: str) -> dict[str, Any] | None:
    for file in b.index.files:
        for resource in file.resources:
            if (
                resource.type == "aws_instance"
                and at(resource.values, "primary_network_interface_id") == interface
            ):
                return b.object_of(resource, "workloads")
    return None


def _route_table(resource: Resource, b: Builder) -> None:
    default = resource.type == "aws_default_route_table"
    network = (
        network_of(b, resource)
        if not default
        else _vpc_of_default(b, resource, "default_route_table_id", "main_route_table_id")
    )
    if network is None:
        return
    table: dict[str, Any] = {
        "name": b.name(resource, _tag_name(resource), f"route_tables:{network['name']}")
    }
    if default:
        table["main"] = True
    b.child(
        network,
        "route_tables",
        table,
        resource,
        {"routes": "route", "subnets": "(associations)", "main": "(main association)"},
    )
    for index, route in blocks(resource.values, "route"):
        entry = _route(b, resource, route, ("route", index), table)
        if entry is not None:
            _add_route(table, entry)
    gateways = []
    for gateway_resource in b.refs(resource, ("propagating_vgws",), ("aws_vpn_gateway",)):
        found = b.object_of(gateway_resource, "vpn_gateways")
        if found is not None:
            gateways.append(found["name"])
    if gateways:
        table["propagating_vpn_gateways"] = gateways
    b.state.setdefault("aws-tables", {})[resource.address + "@" + resource.file] = (network, table)


def _vpc_of_default(
    b: Builder, resource: Resource, attribute: str, vpc_attribute: str
) -> dict[str, Any] | None:
    """The VPC whose default route table or network ACL `resource` manages."""
    value = at(resource.values, attribute)
    vpc_id = at(resource.values, "vpc_id")
    for file in b.index.files:
        for candidate in file.resources:
            if candidate.type == "aws_vpc" and (
                at(candidate.values, vpc_attribute) == value
                or (vpc_id and at(candidate.values, "id") == vpc_id)
            ):
                return b.object_of(candidate, "networks")
    b.error(
        resource,
        (attribute,),
        f"{value!r} is the default of no aws_vpc of the files (expected its VPC among the inputs)",
        "unknown-reference",
    )
    return None


def _add_route(table: dict[str, Any], route: dict[str, Any]) -> None:
    """Once per destination: a state lists an `aws_route` inline too."""
    routes = table.setdefault("routes", [])
    for position, existing in enumerate(routes):
        if existing["destination"] == route["destination"]:
            routes[position] = {**route, "name": existing["name"]}
            return
    routes.append(route)


def _table_of(b: Builder, resource: Resource) -> tuple[dict[str, Any], dict[str, Any]] | None:
    found = b.ref(resource, ("route_table_id",), ("aws_route_table", "aws_default_route_table"))
    return (
        b.state.get("aws-tables", {}).get(found.address + "@" + found.file)
        if found is not None
        else None
    )


def _separate_route(resource: Resource, b: Builder) -> None:
    placed = _table_of(b, resource)
    if placed is None:
        return
    _, table = placed
    entry = _route(b, resource, resource.values, (), table)
    if entry is not None:
        _add_route(table, entry)


def _association(resource: Resource, b: Builder) -> None:
    placed = _table_of(b, resource)
    if placed is None:
        return
    network, table = placed
    if resource.type == "aws_main_route_table_association":
        for other in network.get("route_tables", []):
            other.pop("main", None)
        table["main"] = True
        return
    if at(resource.values, "gateway_id"):
        b.warn(
            resource,
            "gateway_id",
            "associates the table with a gateway (edge association), which crossfence does not model",
        )
        return
    found = subnet_of(b, resource)
    if found is not None and found[1]["name"] not in table.setdefault("subnets", []):
        table["subnets"].append(found[1]["name"])


# --- security groups --------------------------------------------------------------------------------
def _group_names(
    b: Builder, resource: Resource, path: tuple[str | int, ...], values: Any
) -> list[str]:
    names = []
    for index, value in enumerate(values or []):
        found = b.object_of(
            b.ref(
                resource,
                (*path, index),
                ("aws_security_group", "aws_default_security_group"),
                value=value,
            ),
            "security_groups",
        )
        if found is not None:
            names.append(found["name"])
    return names


def _sg_rule(
    b: Builder,
    resource: Resource,
    group: dict[str, Any],
    rule: dict[str, Any],
    path: tuple[str | int, ...],
    direction: str,
) -> None:
    """One AWS rule (inline block or separate resource) added to its group, once.

    A rule only allows, so a value the plan does not know yet is read so that it allows least:
    an unknown protocol or port leaves the rule out, an unknown range or group leaves that
    source out; each is recorded, so that every answer it could change is `unknown`. A TCP or
    UDP rule without its ports is left out too (`from_port`, `to_port`: "(Required) Start/End
    port", https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group),
    never read as every port."""
    key = "inbound_rules" if direction == "ingress" else "outbound_rules"
    protocol_name = "protocol" if "protocol" in rule else "ip_protocol"
    protocol = rule.get(protocol_name)
    unknown = [
        name for name in (protocol_name, "from_port", "to_port") if rule.get(name) is UNKNOWN
    ]
    if unknown:
        for name in unknown:
            b.unknown(group, (key,), resource, (*path, name))
        return
    ports = aws_ports(protocol, rule.get("from_port"), rule.get("to_port"))
    if ports in ("tcp", "udp") and rule.get("from_port") is None and rule.get("to_port") is None:
        b.warn(
            resource,
            path or ("from_port",),
            f"allows {ports} without from_port and to_port, which AWS requires for TCP and UDP: "
            "the rule is left out (never widened to every port)",
        )
        return
    if ports is None:
        b.warn(
            resource,
            path,
            "allows some ICMP types only, which crossfence does not model exactly: the rule is left out (never widened)",
        )
        return
    for name in ("cidr_blocks", "cidr_ipv4"):
        for index in _unknown_entries(rule.get(name)):
            b.unknown(group, (key,), resource, (*path, name, *index))
    if rule.get("security_groups") is UNKNOWN:
        b.unknown(group, (key,), resource, (*path, "security_groups"))
    cidr_blocks = rule.get("cidr_blocks")
    ranges = [c for c in cidr_blocks if isinstance(c, str)] if isinstance(cidr_blocks, list) else []
    if isinstance(rule.get("cidr_ipv4"), str) and rule["cidr_ipv4"]:
        ranges.append(rule["cidr_ipv4"])
    named = rule.get("security_groups")
    groups = _group_names(
        b,
        resource,
        (*path, "security_groups"),
        named if isinstance(named, list) else [],  # an unknown id: through the configuration
    )
    for name in ("source_security_group_id", "referenced_security_group_id"):
        if rule.get(name):
            groups += _group_names(b, resource, (*path, name), [rule[name]])
    if rule.get("self") is True:
        groups.append(group["name"])
    if rule.get("prefix_list_ids") or rule.get("prefix_list_id"):
        b.warn(
            resource,
            (*path, "prefix_list_ids"),
            "names a prefix list, which crossfence does not model: that part of the rule is left out",
        )
    if not ranges and not groups:
        return  # IPv6 ranges or prefix lists only: nothing crossfence analyses
    entry: dict[str, Any] = {"action": "accept", "ports": ports}
    if ranges:
        entry["ip_ranges"] = ranges
    if groups:
        entry["security_groups"] = groups
    if rule.get("description"):
        entry["description"] = rule["description"]
    existing = group.setdefault(key, [])
    if not any(
        {k: v for k, v in e.items() if k != "description"}
        == {k: v for k, v in entry.items() if k != "description"}
        for e in existing
    ):
        existing.append(entry)


def _unknown_entries(value: Any) -> list[tuple[int, ...]]:
    """Where `value` (a list or a single value) holds something known only after apply."""
    if value is UNKNOWN:
        return [()]
    if isinstance(value, list):
        return [(i,) for i, v in enumerate(value) if v is UNKNOWN]
    return []


def _security_group(resource: Resource, b: Builder) -> None:
    default = resource.type == "aws_default_security_group"
    network = network_of(b, resource)
    if network is None:
        return
    name = (
        f"{network['name']}-default"
        if default
        else (b.text(resource, "name") or _tag_name(resource))
    )
    group: dict[str, Any] = {
        "name": b.name(resource, name, "security_groups"),
        "cloud": b.cloud(resource),
        "network": network["name"],
        # Terraform removes the allow-all egress rule AWS creates with a group: what it lists is all
        # (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/security_group)
        "outbound_default_policy": "drop",
    }
    b.add(
        "security_groups",
        group,
        resource,
        {"inbound_rules": "ingress", "outbound_rules": "egress", "network": "vpc_id"},
    )
    b.state.setdefault("aws-groups", {})[resource.address + "@" + resource.file] = group
    for direction in ("ingress", "egress"):
        for index, rule in blocks(resource.values, direction):
            _sg_rule(b, resource, group, rule, (direction, index), direction)


def _separate_sg_rule(resource: Resource, b: Builder) -> None:
    found = b.ref(
        resource, ("security_group_id",), ("aws_security_group", "aws_default_security_group")
    )
    group = b.object_of(found, "security_groups")
    if group is None:
        return
    if resource.type == "aws_security_group_rule":
        direction = str(at(resource.values, "type") or "ingress")
    else:
        direction = "ingress" if resource.type.endswith("ingress_rule") else "egress"
    _sg_rule(b, resource, group, resource.values, (), direction)


# --- network ACLs -------------------------------------------------------------------------------------
def _acl_entry(rule: dict[str, Any]) -> dict[str, Any] | None:
    number = rule.get("rule_no", rule.get("rule_number"))
    cidr = rule.get("cidr_block")
    if not isinstance(number, int) or not isinstance(cidr, str) or not cidr:
        return None  # an IPv6 entry: IPv6 is not analysed
    protocol = rule.get("protocol")
    ports = aws_ports(protocol, rule.get("from_port"), rule.get("to_port"))
    if str(protocol).lower() in ("1", "icmp"):
        ports = "icmp"  # an ACL's ICMP entry: its type and code narrow it; see the warning
    return {
        "rule_number": number,
        "action": str(rule.get("action", rule.get("rule_action")) or "deny").lower(),
        "ports": ports or "all",
        "cidr": cidr,
    }


_ACL_UNKNOWN = (
    "rule_no",
    "rule_number",
    "action",
    "rule_action",
    "protocol",
    "from_port",
    "to_port",
    "cidr_block",
)


def _read_acl_entry(
    b: Builder,
    resource: Resource,
    acl: dict[str, Any],
    direction: str,
    path: tuple[str | int, ...],
    rule: dict[str, Any],
) -> None:
    """One entry (inline block or `aws_network_acl_rule`) added to its ACL. A value known only
    after apply is read so that the entry allows least, first match winning: an allow entry is
    left out; a deny entry (or one whose action is unknown) denies from 0.0.0.0/0 for an unknown
    `cidr_block`, every port of its protocol for an unknown port, every protocol for an unknown
    protocol, and comes first (rule 1) for an unknown number. Each value is recorded, so that
    every answer it could change is `unknown`."""
    unknown = [name for name in _ACL_UNKNOWN if rule.get(name) is UNKNOWN]
    protocol = str(rule.get("protocol")).lower()
    if (
        not unknown
        and str(rule.get("action", rule.get("rule_action"))).lower() == "allow"
        and protocol in ("tcp", "udp", "6", "17")
        and rule.get("from_port") is None
        and rule.get("to_port") is None
    ):
        # PortRange: "Required if specifying protocol 6 (TCP) or 17 (UDP)"
        # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html)
        b.warn(
            resource,
            path or ("from_port",),
            "allows TCP or UDP without from_port and to_port, which AWS requires: the entry is "
            "left out (never widened to every port)",
        )
        return
    if not unknown:
        entry = _acl_entry(rule)
        if entry is not None:
            _add_acl_entry(b, resource, acl, direction, entry, path, rule)
        return
    action = rule.get("action", rule.get("rule_action"))
    if action is not UNKNOWN and str(action).lower() == "allow":
        for name in unknown:
            b.unknown(acl, (direction,), resource, (*path, name))
        return
    known = {k: v for k, v in rule.items() if v is not UNKNOWN}
    known["action"] = "deny"
    known.pop("rule_action", None)
    if "cidr_block" in unknown:
        known["cidr_block"] = "0.0.0.0/0"
    if "protocol" in unknown:
        known.update(protocol="-1", from_port=0, to_port=0)
    elif {"from_port", "to_port"} & set(unknown):
        known.pop("from_port", None)
        known.pop("to_port", None)
    number_unknown = {"rule_no", "rule_number"} & set(unknown)
    if number_unknown:
        known.pop("rule_number", None)
        known["rule_no"] = 1
        if any(e["rule_number"] == 1 for e in acl.get(direction, [])):
            b.error(
                resource,
                (*path, sorted(number_unknown)[0]),
                "is known only after apply and rule 1 is taken: the deny entry cannot be placed "
                "first (expected the rule number in the plan)",
            )
            return
    entry = _acl_entry(known)
    if entry is None:
        return
    if "protocol" not in unknown and {"from_port", "to_port"} & set(unknown):
        entry["ports"] = str(entry["ports"]).split("/", 1)[0]
    _add_acl_entry(b, resource, acl, direction, entry, path, known)
    stand_ins = {
        "cidr_block": "0.0.0.0/0",
        "protocol": "all",
        "from_port": entry["ports"],
        "to_port": entry["ports"],
        "rule_no": "1",
        "rule_number": "1",
        "action": "deny",
        "rule_action": "deny",
    }
    for name in unknown:
        b.unknown(acl, (direction,), resource, (*path, name), stand_ins[name])


def _network_acl(resource: Resource, b: Builder) -> None:
    default = resource.type == "aws_default_network_acl"
    network = (
        network_of(b, resource)
        if not default
        else _vpc_of_default(b, resource, "default_network_acl_id", "default_network_acl_id")
    )
    if network is None:
        return
    acl: dict[str, Any] = {
        "name": b.name(resource, _tag_name(resource), f"network_acls:{network['name']}")
    }
    if default:
        acl["default"] = True
    for direction in ("ingress", "egress"):
        for index, rule in blocks(resource.values, direction):
            _read_acl_entry(b, resource, acl, direction, (direction, index), rule)
    subnets = []
    for subnet_resource in b.refs(resource, ("subnet_ids",), ("aws_subnet",)):
        found_subnet = b.object_of(subnet_resource)
        if found_subnet is not None:
            subnets.append(found_subnet["name"])
    if subnets:
        acl["subnets"] = subnets
    b.child(
        network,
        "network_acls",
        acl,
        resource,
        {"ingress": "ingress", "egress": "egress", "subnets": "subnet_ids"},
    )
    b.state.setdefault("aws-acls", {})[resource.address + "@" + resource.file] = (network, acl)


def _add_acl_entry(
    b: Builder,
    resource: Resource,
    acl: dict[str, Any],
    direction: str,
    entry: dict[str, Any],
    path: tuple[str | int, ...],
    rule: dict[str, Any],
) -> None:
    if (
        entry["ports"] == "icmp"
        and rule.get("icmp_type") not in (None, -1, "-1")
        and entry["action"] == "allow"
    ):
        b.warn(
            resource,
            path,
            "allows some ICMP types only, which crossfence does not model exactly: the entry is left out (never widened)",
        )
        return
    entries = acl.setdefault(direction, [])
    if not any(e["rule_number"] == entry["rule_number"] for e in entries):
        entries.append(entry)


def _separate_acl_rule(resource: Resource, b: Builder) -> None:
    found = b.ref(resource, ("network_acl_id",), ("aws_network_acl", "aws_default_network_acl"))
    placed = b.state.get("aws-acls", {}).get(found.address + "@" + found.file) if found else None
    if placed is None:
        return
    egress = at(resource.values, "egress")
    if egress is UNKNOWN:
        # either direction: an allow entry is left out, a deny entry denies both ways
        allow = str(resource.values.get("rule_action")).lower() == "allow"
        for direction in () if allow else ("ingress", "egress"):
            _read_acl_entry(b, resource, placed[1], direction, (), resource.values)
        for direction in ("ingress", "egress"):
            b.unknown(placed[1], (direction,), resource, ("egress",), None if allow else "deny")
        return
    direction = "egress" if egress is True else "ingress"
    _read_acl_entry(b, resource, placed[1], direction, (), resource.values)


def _acl_association(resource: Resource, b: Builder) -> None:
    found = b.ref(resource, ("network_acl_id",), ("aws_network_acl", "aws_default_network_acl"))
    placed = b.state.get("aws-acls", {}).get(found.address + "@" + found.file) if found else None
    subnet = subnet_of(b, resource)
    if placed is None or subnet is None:
        return
    for other in placed[0].get("network_acls", []):
        if subnet[1]["name"] in other.get("subnets", []):
            other["subnets"].remove(subnet[1]["name"])
    if subnet[1]["name"] not in placed[1].setdefault("subnets", []):
        placed[1]["subnets"].append(subnet[1]["name"])


# --- peering, instances, EKS ------------------------------------------------------------------------
def _peering(resource: Resource, b: Builder) -> None:
    network = network_of(b, resource)
    peer = network_of(b, resource, "peer_vpc_id")
    if network is None or peer is None:
        return
    status = b.text(resource, "accept_status")
    if status not in (None, "active") and at(resource.values, "auto_accept") is not True:
        b.warn(
            resource,
            "accept_status",
            f"is {status}: the peering carries nothing (routes through it are blackholes)",
        )
        return
    b.add(
        "peerings",
        {
            "name": b.name(resource, _tag_name(resource) or b.text(resource, "id"), "peerings"),
            "network": network["name"],
            "peer_network": peer["name"],
        },
        resource,
        {"network": "vpc_id", "peer_network": "peer_vpc_id"},
    )


def _instance(resource: Resource, b: Builder) -> None:
    placed = subnet_of(b, resource)
    if placed is None:
        return
    network, subnet = placed
    workload: dict[str, Any] = {
        "name": b.name(resource, _tag_name(resource), "endpoints"),
        "kind": "vm",
        "network": network["name"],
        "subnet": subnet["name"],
    }
    address = at(resource.values, "private_ip")
    if isinstance(address, str) and address:
        workload["addresses"] = [address]
    else:
        b.pending_address(workload, "addresses", subnet, resource, ("private_ip",))
    public = at(resource.values, "public_ip")
    if isinstance(public, str) and public:
        workload["public_address"] = public
    elif public is UNKNOWN and _gets_public_ip(b, resource, subnet):
        workload["public_address"] = b.public_stand_in()
        b.unknown(
            workload, ("public_address",), resource, ("public_ip",), workload["public_address"]
        )
    groups = []
    listed = at(resource.values, "vpc_security_group_ids")
    unresolved = False
    if listed is UNKNOWN:
        # computed when the configuration sets none (AWS attaches the VPC's default group), or
        # a list of groups the plan creates: the configuration says which
        found_groups = b.index.through_configuration(resource, ("vpc_security_group_ids",))
        resolved = (
            [g for g in found_groups or [] if isinstance(g, Resource)]
            if isinstance(found_groups, list)
            else []
        )
        for group_resource in resolved:
            group = b.object_of(group_resource, "security_groups")
            if group is not None:
                groups.append(group["name"])
        unresolved = not resolved and _configured(b, resource, "vpc_security_group_ids")
        listed = []
    for index, value in enumerate(listed or []):
        if value == _default_group_id(b, network):
            continue  # the VPC's default group, as AWS creates it (the engine's default)
        found = b.object_of(
            b.ref(
                resource,
                ("vpc_security_group_ids", index),
                ("aws_security_group", "aws_default_security_group"),
                value=value,
            ),
            "security_groups",
        )
        if found is not None:
            groups.append(found["name"])
    if groups:
        workload["security_groups"] = groups
    if unresolved:
        b.error(
            resource,
            ("vpc_security_group_ids",),
            "is known only after apply and the plan's configuration does not say which groups "
            "it names (expected references the configuration resolves)",
            "unknown-reference",
        )
        return
    b.add(
        "workloads",
        workload,
        resource,
        {
            "addresses": "private_ip",
            "subnet": "subnet_id",
            "public_address": "public_ip",
            "security_groups": "vpc_security_group_ids",
        },
    )


def _configured(b: Builder, resource: Resource, attribute: str) -> bool:
    """Whether the plan's configuration sets `attribute` of `resource` (or does not say: no
    configuration in the file), as against leaving it to the provider."""
    file = b.index.file_of.get(resource.file)
    if file is None or file.configuration is None:
        return True
    return b.index.through_configuration(resource, (attribute,)) is not None


def _gets_public_ip(b: Builder, resource: Resource, subnet: dict[str, Any]) -> bool:
    """Whether an instance whose `public_ip` the plan does not know yet gets one: its own
    `associate_public_ip_address` when set, else its subnet's `map_public_ip_on_launch`, which
    "Default is false" (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/subnet;
    "By default, nondefault subnets have the IPv4 public addressing attribute set to false",
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html). Either unknown:
    a public address, so that the answers it changes are `unknown`, never a silent no."""
    if _elastic_ip_of(b, resource):
        return True
    associate = at(resource.values, "associate_public_ip_address")
    if isinstance(associate, bool):
        return associate
    origin = b.origins.get(id(subnet))
    mapped = at(origin.resource.values, "map_public_ip_on_launch") if origin else UNKNOWN
    return mapped is True or mapped is UNKNOWN


def _elastic_ip_of(b: Builder, instance: Resource) -> bool:
    """Whether an `aws_eip` (`instance`: "EC2 instance ID",
    https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip) or an
    `aws_eip_association` (`instance_id`,
    https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/eip_association)
    of the files names the instance, by its id or, in a plan of both, by the configuration's
    reference."""
    own = at(instance.values, "id")
    attribute_of = {"aws_eip": "instance", "aws_eip_association": "instance_id"}
    for file in b.index.files:
        for eip in file.resources:
            attribute = attribute_of.get(eip.type)
            if attribute is None:
                continue
            value = at(eip.values, attribute)
            if isinstance(own, str) and own and value == own:
                return True
            if value is UNKNOWN:
                found = b.index.through_configuration(eip, (attribute,))
                if isinstance(found, list) and any(r is instance for r in found):
                    return True
    return False


def _default_group_id(b: Builder, network: dict[str, Any]) -> Any:
    origin = b.origins.get(id(network))
    value = at(origin.resource.values, "default_security_group_id") if origin else None
    if isinstance(value, str) and not any(
        r.type == "aws_default_security_group" and at(r.values, "id") == value
        for f in b.index.files
        for r in f.resources
    ):
        return value
    return None


_CLUSTER_SG_DOCS = "https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html"


def _node_groups(b: Builder, cluster: Resource) -> list[Resource]:
    """The `aws_eks_node_group` resources of the files whose `cluster_name` names `cluster`."""
    name = at(cluster.values, "name")
    found = []
    for file in b.index.files:
        for resource in file.resources:
            if resource.type != "aws_eks_node_group":
                continue
            value = at(resource.values, "cluster_name")
            if value is UNKNOWN:
                if b.ref(resource, ("cluster_name",), ("aws_eks_cluster",)) is cluster:
                    found.append(resource)
            elif isinstance(value, str) and value == name:
                found.append(resource)
    return found


def _launch_template(b: Builder, group: Resource) -> Resource | None:
    """The `aws_launch_template` a node group's `launch_template` block names (by id or name)."""
    block = at(group.values, "launch_template", 0)
    if not isinstance(block, dict):
        return None
    if block.get("id") not in (None, ""):
        return b.ref(group, ("launch_template", 0, "id"), ("aws_launch_template",))
    name = block.get("name")
    if name is UNKNOWN:
        return b.ref(group, ("launch_template", 0, "name"), ("aws_launch_template",))
    return next(
        (
            r
            for f in b.index.files
            for r in f.resources
            if r.type == "aws_launch_template" and at(r.values, "name") == name
        ),
        None,
    )


def _node_security_groups(b: Builder, cluster: Resource) -> list[str] | None:
    """The security groups of the cluster's nodes: those of the launch template of its managed
    node groups (`vpc_security_group_ids`); None when no node group's launch template names any,
    and the nodes get the cluster security group EKS creates (`_cluster_security_group`). That
    a launch template's groups replace the cluster security group rather than add to it is
    UNCONFIRMED on AWS's pages (https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html
    does not say it in what was searched): if EKS added it too, the nodes would also send
    anywhere and admit anything from the cluster group's members: the answers read here would
    be denied where AWS allows, never the reverse."""
    chosen: list[str] | None = None
    for group in _node_groups(b, cluster):
        template = _launch_template(b, group)
        values = at(template.values, "vpc_security_group_ids") if template else None
        names = (
            _group_names(b, template, ("vpc_security_group_ids",), values)
            if template and values
            else None
        )
        if chosen is None:
            chosen = names
        elif names != chosen:
            b.warn(
                group,
                "launch_template",
                f"its nodes have other security groups ({', '.join(names or ['the cluster security group'])}) "
                f"than the cluster's first node group ({', '.join(chosen)}): crossfence gives the "
                "cluster's pods the first's",
            )
    return chosen


def _cluster_security_group(b: Builder, resource: Resource, network: dict[str, Any]) -> str:
    """The cluster security group EKS creates, with its documented default rules: "Inbound All
    All Self", "Outbound All All 0.0.0.0/0", "Outbound All All Self (for EFA traffic)"
    (https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html); the nodes of a
    managed node group whose launch template names no security group get it. No argument holds
    it (`vpc_config.cluster_security_group_id` is computed): rules that Terraform adds to it
    elsewhere are not read, which the description says."""
    name = b.name(resource, f"{b.text(resource, 'name')}-cluster-sg-assumed", "security_groups")
    group = {
        "name": name,
        "description": "assumed: the cluster security group EKS creates, with its default "
        f"rules (its rules are not in the Terraform files) ({_CLUSTER_SG_DOCS})",
        "cloud": b.cloud(resource),
        "network": network["name"],
        "inbound_rules": [{"action": "accept", "ports": "all", "security_groups": [name]}],
        "outbound_rules": [
            {"action": "accept", "ports": "all", "ip_ranges": ["0.0.0.0/0"]},
            {"action": "accept", "ports": "all", "security_groups": [name]},
        ],
    }
    b.add("security_groups", group, resource, {}, register=False)
    return name


def _eks(resource: Resource, b: Builder) -> None:
    subnets = [
        (vpc, subnet)
        for found in b.refs(resource, ("vpc_config", 0, "subnet_ids"), ("aws_subnet",))
        if (subnet := b.object_of(found)) is not None
        and (vpc := b.state.get("aws-subnet-vpc", {}).get(id(subnet))) is not None
    ]
    if not subnets:
        return
    network, subnet = subnets[0]
    cluster: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "clusters"),
        "cloud": b.cloud(resource),
        "kind": "eks",
        "network": network["name"],
        "subnet": subnet["name"],
        # the VPC CNI gives pods addresses of the nodes' subnet
        # (https://docs.aws.amazon.com/eks/latest/userguide/managing-vpc-cni.html)
        "pod_range": subnet["cidr"],
    }
    service = at(resource.values, "kubernetes_network_config", "service_ipv4_cidr")
    if isinstance(service, str) and service:
        cluster["service_range"] = service
    # vpc_config.security_group_ids go on "the cross-account elastic network interfaces that
    # Amazon EKS creates" for the control plane
    # (https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html), not on
    # the nodes: theirs come from the node groups' launch template, else the cluster group
    groups = _node_security_groups(b, resource)
    if groups is None:
        groups = [_cluster_security_group(b, resource, network)]
    cluster["node_security_groups"] = groups
    if len(subnets) > 1:
        b.warn(
            resource,
            "vpc_config.subnet_ids",
            f"lists {len(subnets)} subnets: crossfence places the nodes and pods in the first",
        )
    b.add(
        "clusters",
        cluster,
        resource,
        {
            "subnet": "vpc_config.subnet_ids",
            "service_range": "kubernetes_network_config.service_ipv4_cidr",
            "node_security_groups": "aws_eks_node_group.launch_template",
        },
    )


def _finish(b: Builder) -> None:
    """AWS's own defaults where the files hold none: the main route table and the default network
    ACL as AWS creates them with the VPC (local route only; allow all both ways, rule 100)."""
    vpn.finish(b)
    for network in b.sections.get("networks", []):
        origin = b.origins.get(id(network))
        if origin is None or origin.resource.type != "aws_vpc":
            continue
        if not any(t.get("main") for t in network.get("route_tables", [])):
            table = {
                "name": f"{network['name']}-main-assumed",
                "description": "assumed: the main route table AWS creates with the VPC (the local route only), not in the Terraform files (https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#RouteTables)",
                "main": True,
            }
            b.child(network, "route_tables", table, origin.resource, {})
        if not any(a.get("default") for a in network.get("network_acls", [])):
            allow = {"rule_number": 100, "action": "allow", "ports": "all", "cidr": "0.0.0.0/0"}
            acl = {
                "name": f"{network['name']}-default-acl-assumed",
                "description": "assumed: the default network ACL AWS creates with the VPC (allow all, both ways), not in the Terraform files (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html)",
                "default": True,
                "ingress": [allow],
                "egress": [dict(allow)],
            }
            b.child(network, "network_acls", acl, origin.resource, {})


def _writes(section: str, obj: Any) -> bool:
    """The terraform target writes a cluster of an AWS cloud when it is an EKS cluster."""
    return section != "clusters" or getattr(obj, "kind", None) == "eks"


def _writes_in(blueprint: Any, section: str, obj: Any) -> bool:
    """A managed database is written as an RDS instance, a bucket as an S3 bucket, when AWS
    can hold it as the blueprint says (`tfjson_rds.writes_database`,
    `tfjson_storage.writes_bucket`); the overlay keeps the others, warned."""
    if section == "buckets":
        return writes_bucket(blueprint, obj) is None
    if section == "keys":
        # a key is written with its buckets: each of them must be written
        return all(
            (found := blueprint.get("buckets", name)) is not None
            and writes_bucket(blueprint, found) is None
            for name in getattr(obj, "protects", ())
        )
    if section != "workloads" or getattr(obj, "kind", None) != "managed_database":
        return True
    return writes_database(blueprint, obj) is None


_ROUTE_READS = (
    "destination_cidr_block",
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
)
_SG_RULE_READS = (
    "security_group_id",
    "protocol",
    "ip_protocol",
    "from_port",
    "to_port",
    "cidr_blocks",
    "cidr_ipv4",
    "source_security_group_id",
    "referenced_security_group_id",
    "self",
)

TERRAFORM = TerraformMapping(
    provider="aws",
    cloud="aws",
    jurisdiction="US",
    account=_account,
    region=_region,
    resources=(
        ResourceMapping(
            "aws_vpc",
            "networks[]",
            _vpc,
            reads=("tags.Name", "cidr_block"),
            ignored={"enable_dns_support": "DNS", "instance_tenancy": "placement"},
            docs=DOCS + "vpc",
        ),
        ResourceMapping(
            "aws_vpc_ipv4_cidr_block_association",
            "networks[].cidr_blocks[]",
            _cidr_association,
            reads=("vpc_id", "cidr_block"),
            phase=1,
            docs=DOCS + "vpc_ipv4_cidr_block_association",
        ),
        ResourceMapping(
            "aws_subnet",
            "networks[].subnets[]",
            _subnet,
            reads=(
                "tags.Name",
                "vpc_id",
                "cidr_block",
                "availability_zone",
                "map_public_ip_on_launch",
            ),
            phase=1,
            docs=DOCS + "subnet",
        ),
        ResourceMapping(
            "aws_route_table",
            "networks[].route_tables[]",
            _route_table,
            reads=("tags.Name", "vpc_id", "route", "propagating_vgws"),
            phase=5,
            docs=DOCS + "route_table",
        ),
        ResourceMapping(
            "aws_default_route_table",
            "networks[].route_tables[] (main)",
            _route_table,
            reads=("default_route_table_id", "route", "propagating_vgws"),
            phase=5,
            docs=DOCS + "default_route_table",
        ),
        ResourceMapping(
            "aws_route",
            "networks[].route_tables[].routes[]",
            _separate_route,
            reads=("route_table_id", *_ROUTE_READS),
            phase=6,
            docs=DOCS + "route",
        ),
        ResourceMapping(
            "aws_route_table_association",
            "networks[].route_tables[].subnets[]",
            _association,
            reads=("route_table_id", "subnet_id"),
            unmodelled=(
                Unmodelled(
                    "gateway_id", "an edge association routes what enters through a gateway"
                ),
            ),
            phase=6,
            docs=DOCS + "route_table_association",
        ),
        ResourceMapping(
            "aws_main_route_table_association",
            "networks[].route_tables[].main",
            _association,
            reads=("vpc_id", "route_table_id"),
            phase=6,
            docs=DOCS + "main_route_table_association",
        ),
        ResourceMapping(
            "aws_security_group",
            "security_groups[]",
            _security_group,
            reads=("name", "vpc_id", "ingress", "egress"),
            ignored={"revoke_rules_on_delete": "lifecycle"},
            phase=2,
            docs=DOCS + "security_group",
        ),
        ResourceMapping(
            "aws_default_security_group",
            "security_groups[] (the VPC's default)",
            _security_group,
            reads=("vpc_id", "ingress", "egress"),
            phase=2,
            docs=DOCS + "default_security_group",
        ),
        ResourceMapping(
            "aws_security_group_rule",
            "security_groups[].inbound_rules[], outbound_rules[]",
            _separate_sg_rule,
            reads=("type", *_SG_RULE_READS),
            phase=3,
            docs=DOCS + "security_group_rule",
        ),
        ResourceMapping(
            "aws_vpc_security_group_ingress_rule",
            "security_groups[].inbound_rules[]",
            _separate_sg_rule,
            reads=_SG_RULE_READS,
            phase=3,
            docs=DOCS + "vpc_security_group_ingress_rule",
        ),
        ResourceMapping(
            "aws_vpc_security_group_egress_rule",
            "security_groups[].outbound_rules[]",
            _separate_sg_rule,
            reads=_SG_RULE_READS,
            phase=3,
            docs=DOCS + "vpc_security_group_egress_rule",
        ),
        ResourceMapping(
            "aws_network_acl",
            "networks[].network_acls[]",
            _network_acl,
            reads=("tags.Name", "vpc_id", "subnet_ids", "ingress", "egress"),
            phase=2,
            docs=DOCS + "network_acl",
        ),
        ResourceMapping(
            "aws_default_network_acl",
            "networks[].network_acls[] (default)",
            _network_acl,
            reads=("default_network_acl_id", "subnet_ids", "ingress", "egress"),
            phase=2,
            docs=DOCS + "default_network_acl",
        ),
        ResourceMapping(
            "aws_network_acl_rule",
            "networks[].network_acls[].ingress[], egress[]",
            _separate_acl_rule,
            reads=(
                "network_acl_id",
                "rule_number",
                "egress",
                "protocol",
                "rule_action",
                "cidr_block",
                "from_port",
                "to_port",
            ),
            phase=3,
            docs=DOCS + "network_acl_rule",
        ),
        ResourceMapping(
            "aws_network_acl_association",
            "networks[].network_acls[].subnets[]",
            _acl_association,
            reads=("network_acl_id", "subnet_id"),
            phase=3,
            docs=DOCS + "network_acl_association",
        ),
        ResourceMapping(
            "aws_vpc_peering_connection",
            "peerings[]",
            _peering,
            reads=("vpc_id", "peer_vpc_id", "accept_status", "auto_accept"),
            phase=2,
            docs=DOCS + "vpc_peering_connection",
        ),
        companion(
            "aws_vpc_peering_connection_accepter",
            "the peering connection",
            ("vpc_peering_connection_id",),
            DOCS + "vpc_peering_connection_accepter",
        ),
        companion(
            "aws_internet_gateway",
            "the routes that name it (next_hop_gateway)",
            ("vpc_id",),
            DOCS + "internet_gateway",
        ),
        companion(
            "aws_nat_gateway",
            "the routes that name it (its private address; not modelled further)",
            ("private_ip",),
            DOCS + "nat_gateway",
        ),
        companion("aws_eip", "its instance (public_ip)", ("public_ip",), DOCS + "eip"),
        ResourceMapping(
            "aws_instance",
            "workloads[] (kind vm)",
            _instance,
            reads=(
                "tags.Name",
                "subnet_id",
                "private_ip",
                "public_ip",
                "associate_public_ip_address",
                "vpc_security_group_ids",
            ),
            ignored={"ami": "software", "instance_type": "capacity", "user_data": "configuration"},
            unmodelled=(
                Unmodelled("source_dest_check", "an instance that forwards others' packets", True),
                Unmodelled("secondary_private_ips", "more addresses on the instance"),
            ),
            phase=4,
            docs=DOCS + "instance",
        ),
        ResourceMapping(
            "aws_eks_cluster",
            "clusters[] (kind eks)",
            _eks,
            reads=(
                "name",
                "vpc_config.subnet_ids",
                "kubernetes_network_config.service_ipv4_cidr",
            ),
            ignored={
                "vpc_config.security_group_ids": "the control plane's network interfaces "
                "(the nodes' groups are their node group's launch template's)"
            },
            phase=7,
            docs=DOCS + "eks_cluster",
        ),
        *vpn.MAPPINGS,
        *rds.MAPPINGS,
        *storage.MAPPINGS,
    ),
    silent={
        "aws_iam_role": "IAM, not traffic",
        "aws_iam_policy": "IAM, not traffic",
        "aws_iam_role_policy_attachment": "IAM, not traffic",
        "aws_iam_instance_profile": "IAM, not traffic",
        "aws_key_pair": "a credential",
        "aws_cloudwatch_log_group": "logging",
        "aws_flow_log": "flow logs record traffic, they do not filter it",
        "aws_eks_node_group": "read with its cluster (the launch template's security groups)",
        "aws_launch_template": "read with the EKS node group naming it (vpc_security_group_ids)",
        "aws_ebs_volume": "storage",
        **storage.SILENT,
    },
    finish=_finish,
    write=aws_terraform,
    sections=(
        "networks",
        "security_groups",
        "peerings",
        "vpn_gateways",
        "workloads",
        "clusters",
        "buckets",
        "keys",
    ),
    workload_kinds=("vm", "managed_database"),
    writes=_writes,
    writes_in=_writes_in,
    computed=computed,
    applied=applied,
    overlay_fields={
        # a VM's ports are what its software listens on, personal data and IAP verification
        # what it does with the traffic: no instance argument holds them
        "workloads": ("ports", "personal_data", "iap_audience"),
        # the private address AWS assigns an RDS instance: no argument, and no attribute but
        # its DNS name (`address`), holds it
        "workloads:managed_database": ("addresses",),
        # what the cluster's own manifests and its CNI's configuration say (namespaces, the
        # mesh, SNAT of pod traffic): no aws_eks_cluster argument
        "clusters": ("namespaces", "mesh", "manifests", "pods_masqueraded"),
        # who holds a key and whether it also encrypts disks: no KMS argument says; the API
        # endpoint a bucket is reached through is no bucket argument either
        "keys": ("held_by", "protects_disks"),
        "buckets": ("reached_via",),
    },
)
