"""The `scaleway` Terraform provider read into the blueprint: the mapping table, VPCs, Private Networks, ACLs, routes, security groups and Instances.

One `ResourceMapping` per resource type (https://registry.terraform.io/providers/scaleway/scaleway/latest/docs);
load balancers, Public Gateways, Site-to-Site VPN, Kapsule, Managed Databases and Object Storage
are in `terraform_edge.py`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import Argument, ResourceMapping, TerraformMapping, Unmodelled
from ...terraform.read import Resource
from ...terraform.values import UNKNOWN, at, blocks
from . import terraform_edge as edge
from .tfjson import applied, computed, scaleway_terraform
from .tfjson_compute import writes

__all__ = ["TERRAFORM", "host", "private_network_of", "region_of"]

DOCS = "https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/"
_ZONE = re.compile(r"^([a-z]{2}-[a-z]{3})-\d$")


def _account(resource: Resource) -> str | None:
    project = resource.values.get("project_id")
    return project if isinstance(project, str) and project else None


def region_of(resource: Resource) -> str | None:
    """A resource's region: its `region`, or its `zone`'s (`fr-par-1` is in `fr-par`)."""
    for attribute in ("region", "zone"):
        value = resource.values.get(attribute)
        if isinstance(value, str) and value:
            zone = _ZONE.match(value)
            return zone.group(1) if zone else value
    return None


def host(value: Any) -> str | None:
    """`172.16.8.10/24` or `172.16.8.10` -> `172.16.8.10` (IPv4 only)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        address = ipaddress.ip_interface(value).ip
    except ValueError:
        return None
    return str(address) if address.version == 4 else None


def private_network_of(
    b: Builder, resource: Resource, *path: str | int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The blueprint VPC and Private Network a `private_network_id` (at `path`) names."""
    found = b.ref(resource, path, ("scaleway_vpc_private_network",))
    if found is None:
        return None
    pn = b.object_of(found)
    vpc = b.state.get("scw-pn-vpc", {}).get(id(pn)) if pn is not None else None
    if pn is None or vpc is None:
        return None
    return vpc, pn


# --- VPC, Private Networks, ACL, routes ----------------------------------------------------------
def _vpc(resource: Resource, b: Builder) -> None:
    network: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "networks"),
        "cloud": b.cloud(resource),
    }
    routing = at(resource.values, "enable_routing")
    if routing is False:
        network["managed_routing"] = False
    b.add("networks", network, resource, {"managed_routing": "enable_routing"})


def _private_network(resource: Resource, b: Builder) -> None:
    if at(resource.values, "vpc_id") in (None, ""):
        b.error(
            resource,
            ("vpc_id",),
            "is not set: the Private Network is in the project's default VPC, which is not in the files (expected its VPC among the inputs)",
        )
        return
    found = b.ref(resource, ("vpc_id",), ("scaleway_vpc",))
    vpc = b.object_of(found, "networks")
    if vpc is None:
        return
    cidr = at(resource.values, "ipv4_subnet", "subnet")
    if cidr is UNKNOWN or not isinstance(cidr, str):
        b.error(
            resource,
            ("ipv4_subnet", 0, "subnet"),
            "is known only after apply (expected the Private Network's IPv4 range in the plan)",
        )
        return
    pn: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), f"subnets:{vpc['name']}"),
        "cidr": cidr,
    }
    region = region_of(resource)
    if region:
        pn["region"] = region
    b.child(vpc, "private_networks", pn, resource, {"cidr": "ipv4_subnet.subnet"})
    b.state.setdefault("scw-pn-vpc", {})[id(pn)] = vpc


def _ports(low: Any, high: Any) -> str | None:
    if not isinstance(low, int) or low <= 0:
        return None
    top = high if isinstance(high, int) and high >= low else low
    return f"{low}" if top == low else f"{low}-{top}"


def _acl(resource: Resource, b: Builder) -> None:
    vpc = b.object_of(b.ref(resource, ("vpc_id",), ("scaleway_vpc",)), "networks")
    if vpc is None:
        return
    if at(resource.values, "is_ipv6") is True:
        return  # the IPv6 rules of the VPC: IPv6 is not analysed (IPv6 ranges are refused)
    rules = []
    acl: dict[str, Any] = {}
    for index, raw in blocks(resource.values, "rules"):
        # a value known only after apply: an accept rule is left out (without it the rule would
        # match any address or port), a drop rule (or one whose action is unknown) widened to
        # any address, any port, any protocol; each is recorded, so its answers are `unknown`
        unknown = [k for k, v in raw.items() if v is UNKNOWN]
        rule = {k: v for k, v in raw.items() if v is not UNKNOWN}
        if unknown:
            accepting = (
                "action" not in unknown and str(raw.get("action") or "accept").lower() == "accept"
            )
            for name in unknown:
                b.unknown(
                    acl, ("rules",), resource, ("rules", index, name), None if accepting else "any"
                )
            if accepting:
                continue
            rule["action"] = "drop"
            if {"protocol"} & set(unknown):
                rule["protocol"] = "ANY"
            if {"src_port_low", "src_port_high"} & set(unknown):
                rule.pop("src_port_low", None)
                rule.pop("src_port_high", None)
            if {"dst_port_low", "dst_port_high"} & set(unknown):
                rule.pop("dst_port_low", None)
                rule.pop("dst_port_high", None)
        entry: dict[str, Any] = {"action": str(rule.get("action") or "accept").lower()}
        protocol = str(rule.get("protocol") or "ANY").lower()
        if protocol != "any":
            entry["protocol"] = protocol
        for key, source in (("source", "source"), ("destination", "destination")):
            if isinstance(rule.get(source), str) and rule[source]:
                entry[key] = rule[source]
        for key, low, high in (
            ("source_ports", "src_port_low", "src_port_high"),
            ("destination_ports", "dst_port_low", "dst_port_high"),
        ):
            ports = _ports(rule.get(low), rule.get(high))
            if ports:
                entry[key] = ports
        if rule.get("description"):
            entry["description"] = rule["description"]
        rules.append(entry)
    acl.update(
        default_policy=str(at(resource.values, "default_policy") or "accept").lower(), rules=rules
    )
    vpc["acl"] = acl
    b.record(vpc["acl"], resource, {"rules": "rules", "default_policy": "default_policy"})


def _route(resource: Resource, b: Builder) -> None:
    vpc = b.object_of(b.ref(resource, ("vpc_id",), ("scaleway_vpc",)), "networks")
    if vpc is None:
        return
    route: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "description") or None, f"routes:{vpc['name']}")
    }
    destination = at(resource.values, "destination")
    if isinstance(destination, str):
        route["destination"] = destination
    connector = b.ref(resource, ("nexthop_vpc_connector_id",), ("scaleway_vpc_connector",))
    target = b.ref(
        resource,
        ("nexthop_resource_id",),
        ("scaleway_instance_server", "scaleway_instance_private_nic"),
    )
    if connector is not None:
        peering = b.object_of(connector, "peerings")
        if peering is not None:
            route["next_hop_peering"] = peering["name"]
    elif target is not None:
        if target.type == "scaleway_instance_private_nic":
            target = b.ref(target, ("server_id",), ("scaleway_instance_server",))
        workload = b.object_of(target, "workloads")
        if workload is not None:
            route["next_hop_instance"] = workload["name"]
    if not any(k.startswith("next_hop_") for k in route):
        b.error(
            resource,
            ("nexthop_resource_id",),
            "names no Instance or VPC connector of the files (expected the route's next hop)",
        )
        return
    b.child(
        vpc,
        "routes",
        route,
        resource,
        {
            "next_hop_instance": "nexthop_resource_id",
            "next_hop_peering": "nexthop_vpc_connector_id",
        },
    )


def _connector(resource: Resource, b: Builder) -> None:
    vpc = b.object_of(b.ref(resource, ("vpc_id",), ("scaleway_vpc",)), "networks")
    target = b.object_of(b.ref(resource, ("target_vpc_id",), ("scaleway_vpc",)), "networks")
    if vpc is None or target is None:
        return
    b.add(
        "peerings",
        {
            "name": b.name(resource, b.text(resource, "name"), "peerings"),
            "network": vpc["name"],
            "peer_network": target["name"],
        },
        resource,
        {"network": "vpc_id", "peer_network": "target_vpc_id"},
    )


# --- security groups and Instances -----------------------------------------------------------------
_PORT_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def _rule_ports(protocol: str, port: Any, port_range: Any) -> str:
    """A rule's ports as the provider sends them (`securityGroupRuleExpand`, internal/services/
    instance/security_group.go): a non-empty `port_range` wins over `port`; a range whose end is
    0 is its start alone (a rule read back from the API with one port is stored as "22-0"); no
    port at all, or "0-0", is every port ("If no port is specified, rule will apply to all
    port", https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_security_group)."""
    low = high = 0
    if isinstance(port_range, str) and port_range:
        found = _PORT_RANGE.match(port_range)
        if found is None:
            return protocol  # not a range the API takes: read as the provider's "no port"
        low, high = int(found.group(1)), int(found.group(2) or 0)
    elif isinstance(port, int) and port > 0:
        low = port
    if low == 0 and high == 0:
        return protocol
    if high == 0 or high == low:
        return f"{protocol}/{low}"
    return f"{protocol}/{low}-{high}"  # a reversed range: the blueprint refuses it, located


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    protocol = str(rule.get("protocol") or "TCP").lower()
    if protocol == "any":
        ports = "all"
    elif protocol in ("tcp", "udp"):
        ports = _rule_ports(protocol, rule.get("port"), rule.get("port_range"))
    else:
        ports = protocol
    entry: dict[str, Any] = {"action": str(rule.get("action") or "accept").lower(), "ports": ports}
    ip_range = rule.get("ip_range") or (
        f"{rule['ip']}/32" if isinstance(rule.get("ip"), str) and rule.get("ip") else None
    )
    if isinstance(ip_range, str) and ip_range:
        entry["ip_ranges"] = [ip_range]
    return entry


def _rules(
    resource: Resource, b: Builder, group: dict[str, Any], key: str, field: str
) -> list[dict[str, Any]]:
    """The rules of one direction. A rule with a value known only after apply (an `ip_range` of
    an address the plan creates, a port) is read so that it allows least: an accept rule is left
    out (an absent `ip_range` would be 0.0.0.0/0, any port every port), a drop rule widened to
    every address and every port of its protocol (all of them when the protocol is unknown).
    Each value is recorded on the group: every answer it could change is `unknown`."""
    out = []
    for index, raw in blocks(resource.values, key):
        unknown = [k for k, v in raw.items() if v is UNKNOWN]
        if not unknown:
            out.append(_rule(raw))
            continue
        entry = _rule({k: v for k, v in raw.items() if v is not UNKNOWN})
        drop = "action" not in unknown and entry["action"] == "drop"
        if drop:
            entry.pop("ip_ranges", None)  # the model's default: 0.0.0.0/0
            if "protocol" in unknown:
                entry["ports"] = "all"
            elif {"port", "port_range"} & set(unknown):
                entry["ports"] = entry["ports"].split("/", 1)[0]
            out.append(entry)
        for name in unknown:
            stand_in = None
            if drop:
                stand_in = "0.0.0.0/0" if name in ("ip_range", "ip") else str(entry["ports"])
            b.unknown(group, (field,), resource, (key, index, name), stand_in)
    return out


def _security_group(resource: Resource, b: Builder) -> None:
    group: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "security_groups"),
        "cloud": b.cloud(resource),
        # the provider's defaults: stateful, accept both ways
        "inbound_default_policy": str(at(resource.values, "inbound_default_policy") or "accept"),
        "outbound_default_policy": str(at(resource.values, "outbound_default_policy") or "accept"),
        "stateful": at(resource.values, "stateful") is not False,
    }
    # "True if SMTP is blocked on IPv4 and IPv6" (the provider's default): only a known false
    # lifts the block; unset or unknown keeps it (never a wrong "allowed")
    if at(resource.values, "enable_default_security") is False:
        group["enable_default_security"] = False
    for key, field in (("inbound_rule", "inbound_rules"), ("outbound_rule", "outbound_rules")):
        rules = _rules(resource, b, group, key, field)
        if rules:
            group[field] = rules
    b.add(
        "security_groups",
        group,
        resource,
        {
            "inbound_rules": "inbound_rule",
            "outbound_rules": "outbound_rule",
            **b.argument_fields(resource.type),
        },
    )


def _security_group_rules(resource: Resource, b: Builder) -> None:
    group = b.object_of(
        b.ref(resource, ("security_group_id",), ("scaleway_instance_security_group",)),
        "security_groups",
    )
    if group is None:
        return
    for key, field in (("inbound_rule", "inbound_rules"), ("outbound_rule", "outbound_rules")):
        group.setdefault(field, []).extend(_rules(resource, b, group, key, field))


def _nic_addresses(b: Builder, server: Resource) -> list[str]:
    """Private addresses of a server: its `private_ips`, its private NICs', the IPAM IPs attached to it."""
    found = [a for _, ip in blocks(server.values, "private_ips") if (a := host(ip.get("address")))]
    nics, ipam = _attached(b)
    found += nics.get(id(server), [])
    server_id = at(server.values, "id")
    if isinstance(server_id, str):
        found += ipam.get(server_id.rsplit("/", 1)[-1], [])
    return found


def _attached(b: Builder) -> tuple[dict[int, list[str]], dict[str, list[str]]]:
    """Private NIC addresses by server, IPAM addresses by the id of what they are attached to
    (indexed once: a state holds thousands of Instances)."""
    cached = b.state.get("scw-attached")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    nics: dict[int, list[str]] = {}
    ipam: dict[str, list[str]] = {}
    for file in b.index.files:
        for resource in file.resources:
            if resource.type == "scaleway_instance_private_nic" and resource.mode == "managed":
                owner = b.ref(resource, ("server_id",), ("scaleway_instance_server",))
                if owner is not None:
                    nics.setdefault(id(owner), []).extend(
                        a
                        for _, ip in blocks(resource.values, "private_ips")
                        if (a := host(ip.get("address")))
                    )
                    nics[id(owner)].extend(_reserved(b, resource))
            elif resource.type == "scaleway_ipam_ip":
                owner_id = at(resource.values, "resource", "id")
                address = host(at(resource.values, "address"))
                if isinstance(owner_id, str) and owner_id and address:
                    ipam.setdefault(owner_id.rsplit("/", 1)[-1], []).append(address)
    b.state["scw-attached"] = (nics, ipam)
    return nics, ipam


def _reserved(b: Builder, nic: Resource) -> list[str]:
    """The addresses of the IPAM IPs a private NIC is given (`ipam_ip_ids`): reserved, so known
    before apply (https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/instance_private_nic)."""
    found: list[str] = []
    ids = at(nic.values, "ipam_ip_ids")
    for index in range(len(ids) if isinstance(ids, list) else 0):
        ip = b.ref(nic, ("ipam_ip_ids", index), ("scaleway_ipam_ip",))
        address = host(at(ip.values, "address")) if ip is not None else None
        if address:
            found.append(address)
    return found


def _nic_networks(b: Builder, server: Resource) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The VPC and Private Network of each private NIC of `server` (a server attached by
    `scaleway_instance_private_nic` rather than its `private_network` block)."""
    found = []
    for file in b.index.files:
        for nic in file.resources:
            if nic.type != "scaleway_instance_private_nic" or nic.mode != "managed":
                continue
            if b.ref(nic, ("server_id",), ("scaleway_instance_server",)) is server:
                placed = private_network_of(b, nic, "private_network_id")
                if placed is not None:
                    found.append(placed)
    return found


def _server(resource: Resource, b: Builder) -> None:
    networks = [
        p
        for index, _ in blocks(resource.values, "private_network")
        if (p := private_network_of(b, resource, "private_network", index, "pn_id"))
    ] or _nic_networks(b, resource)
    if not networks:
        b.warn(
            resource,
            "private_network",
            "is empty: an Instance on no Private Network is reached on its public address only, which crossfence does not place; it is left out",
        )
        return
    if len(networks) > 1:
        b.warn(
            resource,
            "private_network",
            f"attaches {len(networks)} Private Networks: crossfence reads the first only",
        )
    vpc, pn = networks[0]
    workload: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), "endpoints"),
        "kind": "vm",
        "network": vpc["name"],
        "subnet": pn["name"],
    }
    cidr = ipaddress.IPv4Network(pn["cidr"])
    addresses = [a for a in _nic_addresses(b, resource) if ipaddress.IPv4Address(a) in cidr]
    if addresses:
        workload["addresses"] = addresses[:1]
    else:
        b.pending_address(workload, "addresses", pn, resource, ("private_ips",))
    public = next(
        (a for _, ip in blocks(resource.values, "public_ips") if (a := host(ip.get("address")))),
        None,
    )
    if public is None:
        flexible = b.ref(resource, ("ip_id",), ("scaleway_instance_ip",))
        public = host(at(flexible.values, "address")) if flexible is not None else None
    if public is not None:
        workload["public_address"] = public
    elif (
        at(resource.values, "enable_dynamic_ip") is True or at(resource.values, "ip_id") is UNKNOWN
    ):
        workload["public_address"] = b.public_stand_in()
        b.unknown(
            workload, ("public_address",), resource, ("public_ips",), workload["public_address"]
        )
    group = b.object_of(
        b.ref(resource, ("security_group_id",), ("scaleway_instance_security_group",)),
        "security_groups",
    )
    if group is not None:
        workload["security_groups"] = [group["name"]]
    b.add(
        "workloads",
        workload,
        resource,
        {
            "addresses": "private_ips",
            "subnet": "private_network.pn_id",
            "public_address": "public_ips",
            "security_groups": "security_group_id",
        },
    )


def _finish(b: Builder) -> None:
    edge.finish(b)


TERRAFORM = TerraformMapping(
    provider="scaleway",
    cloud="scaleway",
    jurisdiction="EU",
    account=_account,
    region=region_of,
    resources=(
        ResourceMapping(
            "scaleway_vpc",
            "networks[]",
            _vpc,
            reads=("name", "enable_routing"),
            ignored={"tags": "labels"},
            unmodelled=(
                Unmodelled(
                    "enable_transitivity", "peered VPCs' packets transiting through this one", False
                ),
            ),
            docs=DOCS + "vpc",
        ),
        ResourceMapping(
            "scaleway_vpc_private_network",
            "networks[].private_networks[]",
            _private_network,
            reads=("name", "vpc_id", "ipv4_subnet.subnet"),
            ignored={"ipv6_subnets": "IPv6 is not analysed", "tags": "labels"},
            unmodelled=(
                Unmodelled(
                    "enable_default_route_propagation",
                    "default routes announced to the Private Network",
                    False,
                ),
            ),
            phase=1,
            docs=DOCS + "vpc_private_network",
        ),
        ResourceMapping(
            "scaleway_vpc_acl",
            "networks[].acl",
            _acl,
            (Argument("default_policy", "default_policy"),),
            reads=("vpc_id", "is_ipv6", "rules"),
            phase=2,
            docs=DOCS + "vpc_acl",
        ),
        ResourceMapping(
            "scaleway_vpc_connector",
            "peerings[]",
            _connector,
            reads=("name", "vpc_id", "target_vpc_id"),
            phase=2,
            docs=DOCS + "vpc_connector",
        ),
        ResourceMapping(
            "scaleway_vpc_route",
            "networks[].routes[]",
            _route,
            reads=(
                "vpc_id",
                "destination",
                "nexthop_resource_id",
                "nexthop_vpc_connector_id",
                "description",
            ),
            ignored={
                "nexthop_private_network_id": "the next-hop resource's Private Network (the resource says where it is)",
                "tags": "labels",
            },
            phase=7,
            docs=DOCS + "vpc_route",
        ),
        ResourceMapping(
            "scaleway_instance_security_group",
            "security_groups[]",
            _security_group,
            reads=(
                "name",
                "inbound_default_policy",
                "outbound_default_policy",
                "stateful",
                "enable_default_security",
                "inbound_rule",
                "outbound_rule",
            ),
            ignored={
                "external_rules": "the rules resource is read",
            },
            phase=2,
            docs=DOCS + "instance_security_group",
        ),
        ResourceMapping(
            "scaleway_instance_security_group_rules",
            "security_groups[].inbound_rules[], outbound_rules[]",
            _security_group_rules,
            reads=("security_group_id", "inbound_rule", "outbound_rule"),
            phase=3,
            docs=DOCS + "instance_security_group_rules",
        ),
        ResourceMapping(
            "scaleway_instance_server",
            "workloads[] (kind vm)",
            _server,
            reads=(
                "name",
                "private_network.pn_id",
                "private_ips",
                "public_ips",
                "ip_id",
                "enable_dynamic_ip",
                "security_group_id",
            ),
            ignored={
                "type": "capacity",
                "image": "software",
                "root_volume": "storage",
                "user_data": "configuration",
            },
            phase=6,
            docs=DOCS + "instance_server",
        ),
        *edge.MAPPINGS,
    ),
    silent={
        "scaleway_iam_api_key": "a credential",
        "scaleway_iam_application": "IAM, not traffic",
        "scaleway_iam_policy": "IAM, not traffic",
        "scaleway_secret": "a secret store",
        "scaleway_secret_version": "a secret",
        "scaleway_rdb_database": "a database inside an instance",
        "scaleway_rdb_user": "a credential",
        "scaleway_rdb_privilege": "IAM, not traffic",
        "scaleway_lb_certificate": "a certificate",
        "scaleway_instance_volume": "storage",
        "scaleway_block_volume": "storage",
        "scaleway_instance_ip_reverse_dns": "DNS naming",
        "scaleway_domain_record": "DNS naming",
        "scaleway_object": "an object in a bucket",
        "scaleway_object_bucket_policy": "IAM, not traffic",
        "scaleway_object_bucket_acl": "IAM, not traffic",
        "scaleway_account_project": "a project",
    },
    finish=_finish,
    write=scaleway_terraform,
    sections=(
        "networks",
        "security_groups",
        "routing_policies",
        "vpn_gateways",
        "load_balancers",
        "workloads",
        "clusters",
        "buckets",
        "keys",
    ),
    computed=computed,
    applied=applied,
    workload_kinds=("vm", "managed_database"),
    # whether a security group filters the Private Networks too is the blueprint's assumption
    # about the Instances (filters.py), not an argument of the group
    writes=writes,
    # a VM's ports are what its software listens on, personal data and IAP verification what it
    # does with the traffic: no Instance argument holds them
    overlay_fields={
        "security_groups": ("applies_to",),
        "workloads": ("ports", "personal_data", "iap_audience"),
        # a cluster's namespaces, mesh and manifests are Kubernetes objects, not Kapsule
        # arguments; no `scaleway_k8s_cluster` or `scaleway_k8s_pool` argument says whether
        # the CNI masquerades pod traffic leaving the cluster (what the blueprint assumes)
        "clusters": ("namespaces", "mesh", "manifests", "pods_masqueraded"),
        # who holds a key and whether it also encrypts disks: no Key Manager argument says;
        # the endpoint a bucket is reached through is the clients' route, no bucket argument
        "keys": ("held_by", "protects_disks"),
        "buckets": ("reached_via",),
    },
)
