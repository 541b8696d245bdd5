"""AWS objects of a blueprint as Terraform JSON (`*.tf.json`) for the `hashicorp/aws` provider: VPCs, subnets, route tables, network ACLs, security groups, peerings; VPN in `tfjson_vpn.py`, instances in `tfjson_compute.py`, EKS clusters in `tfjson_eks.py`, RDS in `tfjson_rds.py`, S3 and KMS in `tfjson_storage.py`.

Terraform's JSON syntax (https://developer.hashicorp.com/terraform/language/syntax/json);
resource and argument names are the provider's
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs), the ones the import reads
back (`terraform.py`, `terraform_vpn.py`). A name is a `Name` tag. What Terraform cannot
express as the blueprint says is a located problem, never a broader resource: a route to an
address no VM of the VPC holds, a security group rule that denies (AWS rules only allow).
"""

from __future__ import annotations

import hashlib
from typing import Any

from ...algebra.ports import parse_port_spec
from ...errors import Problem
from ...model import Blueprint
from ...model.base import Model
from ...terraform.mapping import configuration
from ...terraform.mapping import label as _label
from ...terraform.mapping import ref as _ref
from .tfjson_compute import instances
from .tfjson_eks import clusters
from .tfjson_rds import databases
from .tfjson_storage import buckets
from .tfjson_vpn import ATTACHMENT, TGW, attachment_label, vpn_applied, vpn_gateway

__all__ = ["AWS_PROVIDER_VERSION", "applied", "aws_terraform", "computed"]

AWS_PROVIDER_VERSION = "6.25.0"
"""The `hashicorp/aws` version pinned in `required_providers`: the one `@cdktf/provider-aws`
21.22.1, against which the written names are checked, is generated from."""

_PREFIX = {
    "aws_vpc": "vpc",
    "aws_instance": "i",
    "aws_vpc_ipv4_cidr_block_association": "vpc-cidr-assoc",
    "aws_subnet": "subnet",
    "aws_route_table": "rtb",
    "aws_route_table_association": "rtbassoc",
    "aws_main_route_table_association": "rtbassoc",
    "aws_internet_gateway": "igw",
    "aws_network_acl": "acl",
    "aws_security_group": "sg",
    "aws_vpc_peering_connection": "pcx",
    "aws_vpn_gateway": "vgw",
    "aws_vpn_gateway_attachment": "vpn-attachment",
    "aws_customer_gateway": "cgw",
    "aws_vpn_connection": "vpn",
    "aws_ec2_transit_gateway": "tgw",
    "aws_db_instance": "db",
    "aws_ec2_transit_gateway_vpc_attachment": "tgw-attach",
}
"""The prefix of the id AWS gives each resource type (the import reads some: `igw-`, `vgw-`)."""


class _Writer:
    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.clouds = {c.name for c in blueprint.clouds if c.provider == "aws"}
        self.resources: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, Any] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def problem(self, obj: Model | None, path: str, message: str, warning: bool = False) -> None:
        at = obj.defined_at if obj is not None else None
        (self.warnings if warning else self.problems).append(
            Problem(
                message,
                file=at.file if at else None,
                line=at.line if at else None,
                column=at.column if at else None,
                path=at.path if at else path,
                severity="warning" if warning else "error",
                code="compile",
            )
        )

    def add(self, kind: str, name: str, body: dict[str, Any]) -> None:
        self.resources.setdefault(kind, {})[_label(name)] = body


def _tags(name: str) -> dict[str, str]:
    return {"Name": name}


def aws_terraform(blueprint: Blueprint) -> tuple[dict[str, Any], list[Problem], list[Problem]]:
    """The Terraform JSON document of the blueprint's AWS objects, the problems that keep it from
    being written, and the warnings."""
    w = _Writer(blueprint)
    providers = []
    for cloud in blueprint.clouds:
        if cloud.provider == "aws":
            provider: dict[str, Any] = {"region": cloud.region}
            if len(w.clouds) > 1:
                provider["alias"] = _label(cloud.name)
            providers.append(provider)
    for gateway in blueprint.vpn_gateways:
        if gateway.cloud in w.clouds:
            vpn_gateway(w, gateway)
    for network in blueprint.networks:
        if network.cloud in w.clouds:
            _network(w, network)
    for group in blueprint.security_groups:
        if group.cloud in w.clouds:
            _security_group(w, group)
    for peering in blueprint.peerings:
        network = blueprint.get("networks", peering.network)
        if network is not None and network.cloud in w.clouds:
            w.add(
                "aws_vpc_peering_connection",
                peering.name,
                {
                    "vpc_id": _ref("aws_vpc", peering.network),
                    "peer_vpc_id": _ref("aws_vpc", peering.peer_network),
                    "auto_accept": True,
                    "tags": _tags(peering.name),
                },
            )
    instances(w)
    clusters(w)
    databases(w)
    buckets(w)
    document = configuration(
        "aws", "hashicorp/aws", AWS_PROVIDER_VERSION, providers, w.variables, w.resources
    )
    return document, w.problems, w.warnings


def _network(w: _Writer, network: Any) -> None:
    path = f"networks[{network.name}]"
    if not network.cidr_blocks:
        w.problem(network, path, f"VPC '{network.name}' has no cidr_blocks (expected its ranges)")
        return
    w.add(
        "aws_vpc",
        network.name,
        {"cidr_block": network.cidr_blocks[0], "tags": _tags(network.name)},
    )
    vpc_id = _ref("aws_vpc", network.name)
    for index, cidr in enumerate(network.cidr_blocks[1:], start=1):
        w.add(
            "aws_vpc_ipv4_cidr_block_association",
            f"{network.name}-{index}",
            {"vpc_id": vpc_id, "cidr_block": cidr},
        )
    for subnet in network.subnets:
        body: dict[str, Any] = {
            "vpc_id": vpc_id,
            "cidr_block": subnet.cidr,
            "tags": _tags(subnet.name),
        }
        if subnet.region:
            body["availability_zone"] = subnet.region
        w.add("aws_subnet", subnet.name, body)
    internet = any(r.next_hop_gateway for t in network.route_tables for r in t.routes)
    if internet:
        w.add("aws_internet_gateway", network.name, {"vpc_id": vpc_id, "tags": _tags(network.name)})
    for table in network.route_tables:
        _route_table(w, network, table)
    for acl in network.network_acls:
        _network_acl(w, network, acl)


def _route_table(w: _Writer, network: Any, table: Any) -> None:
    path = f"networks[{network.name}].route_tables[{table.name}]"
    routes = []
    depends: list[str] = []
    for route in table.routes:
        entry: dict[str, Any] = {"cidr_block": route.destination}
        if route.next_hop_gateway is not None:
            entry["gateway_id"] = _ref("aws_internet_gateway", network.name)
        elif route.next_hop_vpn_gateway is not None:
            entry["gateway_id"] = _ref("aws_vpn_gateway", route.next_hop_vpn_gateway)
        elif route.next_hop_transit_gateway is not None:
            entry["transit_gateway_id"] = _ref(TGW, route.next_hop_transit_gateway)
            # AWS takes a route to a transit gateway once the VPC is attached to it
            attached = (
                f"{ATTACHMENT}.{attachment_label(route.next_hop_transit_gateway, network.name)}"
            )
            if attached not in depends:
                depends.append(attached)
        elif route.next_hop_peering is not None:
            entry["vpc_peering_connection_id"] = _ref(
                "aws_vpc_peering_connection", route.next_hop_peering
            )
        elif route.next_hop_instance is not None or route.next_hop_ip is not None:
            vm = _appliance(w, network, route)
            if vm is None:
                w.problem(
                    route,
                    f"{path}.routes[{route.name}]",
                    f"route '{route.name}': an AWS route sends to an instance's network interface "
                    f"(expected {route.next_hop[1]} to be a VM of this VPC with one address, "
                    "which compile writes as an instance)",
                )
                continue
            # its primary network interface, which holds its one address
            entry["network_interface_id"] = _ref(
                "aws_instance", vm.name, "primary_network_interface_id"
            )
        else:
            w.problem(
                route,
                f"{path}.routes[{route.name}]",
                f"route '{route.name}': the terraform target writes routes to an internet "
                "gateway, a virtual private or transit gateway, a peering or an instance, not "
                f"this next hop ({route.next_hop[0]})",
            )
            continue
        routes.append(entry)
    body: dict[str, Any] = {"vpc_id": _ref("aws_vpc", network.name), "tags": _tags(table.name)}
    if routes:
        body["route"] = routes
    vgws = []
    for name in table.propagating_vpn_gateways:
        gateway = w.blueprint.get("vpn_gateways", name)
        if gateway is not None and gateway.type == "aws_tgw":
            # the analysis ignores it too (routes.py): only virtual private gateways propagate
            w.problem(
                table,
                f"{path}.propagating_vpn_gateways",
                f"route table '{table.name}': {name} is a transit gateway, which propagates "
                "into no VPC route table (propagating_vgws takes virtual private gateways): "
                "not written",
                warning=True,
            )
            continue
        vgws.append(_ref("aws_vpn_gateway", name))
    if vgws:
        body["propagating_vgws"] = vgws
    if depends:
        body["depends_on"] = depends
    w.add("aws_route_table", table.name, body)
    table_id = _ref("aws_route_table", table.name)
    if table.main:
        w.add(
            "aws_main_route_table_association",
            table.name,
            {"vpc_id": _ref("aws_vpc", network.name), "route_table_id": table_id},
        )
    for subnet in table.subnets:
        w.add(
            "aws_route_table_association",
            f"{table.name}-{subnet}",
            {"route_table_id": table_id, "subnet_id": _ref("aws_subnet", subnet)},
        )


def _appliance(w: _Writer, network: Any, route: Any) -> Any:
    """The VM a route to an instance or an address sends to: a VM of the route's VPC with one
    address (the one compile writes as an instance's primary private address), or None."""
    for workload in w.blueprint.workloads:
        if (
            workload.kind == "vm"
            and workload.network == network.name
            and len(workload.addresses) == 1
            and (
                workload.name == route.next_hop_instance
                or workload.addresses[0] == route.next_hop_ip
            )
        ):
            return workload
    return None


def _protocol(spec: str) -> tuple[str, int, int] | None:
    """A port spec as AWS's protocol, from_port and to_port (`-1` and 0-0 for all traffic)."""
    protocol, low, high = parse_port_spec(spec)
    if protocol == "all":
        return "-1", 0, 0
    if protocol in ("tcp", "udp"):
        if low is None or high is None:
            return protocol, 0, 65535
        return protocol, low, high
    if protocol == "icmp":
        return "icmp", -1, -1
    if protocol.isdigit():
        return protocol, 0, 0
    return None


def _network_acl(w: _Writer, network: Any, acl: Any) -> None:
    path = f"networks[{network.name}].network_acls[{acl.name}]"
    if acl.default:
        w.problem(
            acl,
            path,
            f"network ACL '{acl.name}' is the VPC's default: the terraform target writes "
            "aws_network_acl only (expected a named ACL with its subnets)",
        )
        return
    body: dict[str, Any] = {"vpc_id": _ref("aws_vpc", network.name), "tags": _tags(acl.name)}
    for direction in ("ingress", "egress"):
        entries = []
        for rule in getattr(acl, direction):
            found = _protocol(rule.ports)
            if found is None:
                w.problem(
                    acl,
                    f"{path}.{direction}",
                    f"network ACL '{acl.name}': rule {rule.rule_number}'s {rule.ports} is no "
                    "protocol AWS takes by name (expected tcp, udp, icmp, all or proto/N)",
                )
                continue
            protocol, low, high = found
            entries.append(
                {
                    "rule_no": rule.rule_number,
                    "action": rule.action,
                    "protocol": protocol,
                    "cidr_block": rule.cidr,
                    "from_port": low,
                    "to_port": high,
                    **({"icmp_type": -1, "icmp_code": -1} if protocol == "icmp" else {}),
                }
            )
        body[direction] = entries
    if acl.subnets:
        body["subnet_ids"] = [_ref("aws_subnet", s) for s in acl.subnets]
    w.add("aws_network_acl", acl.name, body)


def _security_group(w: _Writer, group: Any) -> None:
    path = f"security_groups[{group.name}]"
    if group.network is None:
        w.problem(group, path, f"security group '{group.name}' names no VPC (expected network)")
        return
    body: dict[str, Any] = {
        "name": group.name,
        # descriptions change no path; checkov asks for them (CKV_AWS_23)
        "description": f"security group {group.name} (compiled by crossfence)",
        "vpc_id": _ref("aws_vpc", group.network),
        "tags": _tags(group.name),
    }
    for field, block in (("inbound_rules", "ingress"), ("outbound_rules", "egress")):
        rules = []
        for index, rule in enumerate(getattr(group, field)):
            where = f"{path}.{field}[{index}]"
            found = _protocol(rule.ports)
            if rule.action != "accept" or found is None:
                w.problem(
                    rule,
                    where,
                    f"security group '{group.name}': an AWS rule only allows, by tcp, udp, icmp, "
                    f"all or a protocol number (not {rule.action} {rule.ports})",
                )
                continue
            protocol, low, high = found
            entry: dict[str, Any] = {"protocol": protocol, "from_port": low, "to_port": high}
            # `ip_ranges` defaults to 0.0.0.0/0, except beside security groups: the rule
            # matches the groups' members only then (security_groups.py)
            if "ip_ranges" in rule.model_fields_set or not rule.security_groups:
                entry["cidr_blocks"] = list(rule.ip_ranges)
            if rule.security_groups:
                entry["security_groups"] = [
                    _ref("aws_security_group", g) for g in rule.security_groups
                ]
            entry["description"] = rule.description or f"{field.split('_')[0]} rule {index + 1}"
            rules.append(entry)
        policy = (
            group.inbound_default_policy if block == "ingress" else group.outbound_default_policy
        )
        # a new group allows all outbound traffic until its rules are listed; Terraform removes
        # that rule, so it is written when the blueprint keeps it (security_groups.py)
        if policy == "accept" or (block == "egress" and policy is None and not rules):
            why = (
                "AWS's default, which the blueprint keeps" if policy is None else "the blueprint's"
            )
            rules.append(
                {
                    "protocol": "-1",
                    "from_port": 0,
                    "to_port": 0,
                    "cidr_blocks": ["0.0.0.0/0"],
                    "description": f"all traffic ({why})",
                }
            )
        body[block] = rules
    w.add("aws_security_group", group.name, body)


def computed(
    kind: str, label: str, values: dict[str, Any], provider: dict[str, Any]
) -> dict[str, Any]:
    """An id as AWS writes them (`vpc-0a1b...`: the import reads some prefixes)."""
    del provider
    digest = hashlib.sha256(f"{kind}.{label}".encode()).hexdigest()[:17]
    out: dict[str, Any] = {"id": f"{_PREFIX.get(kind, 'res')}-{digest}"}
    if kind == "aws_s3_bucket":
        out = {"id": values["bucket"], "arn": f"arn:aws:s3:::{values['bucket']}"}
    elif kind == "aws_kms_key":
        # a key's id is a UUID
        out = {"id": f"{digest[:8]}-{digest[8:12]}-4{digest[12:15]}-8{digest[15:17]}0-000000000000"}
    if kind == "aws_ec2_transit_gateway":
        # the default route table AWS creates with the gateway (association and propagation)
        table = f"tgw-rtb-{digest}"
        out["association_default_route_table_id"] = table
        out["propagation_default_route_table_id"] = table
    if kind == "aws_launch_template":
        # the version a node group's launch_template names: the first
        out["latest_version"] = 1
    if kind == "aws_instance":
        # the network interface AWS creates with the instance, which routes to it name
        out["primary_network_interface_id"] = f"eni-{digest}"
    return out


def applied(blueprint: Blueprint, kind: str, name: str) -> dict[str, Any]:
    """What AWS assigns at apply, as the blueprint records it: an Elastic IP's address (the
    instance's `public_ip`), each VPN tunnel's outside address and BGP inside addresses."""
    if kind == "aws_instance":
        # the Elastic IP's address, which AWS allocates, is the instance's public_ip once
        # associated
        workload = blueprint.get("workloads", name)
        if workload is not None and workload.public_address:
            return {"public_ip": workload.public_address}
        return {}
    if kind == "aws_vpn_connection":
        return vpn_applied(blueprint, name)
    return {}
