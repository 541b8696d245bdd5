"""The `google` Terraform provider read into the blueprint: the mapping table of every resource type, and the VPC network's resources.

One `ResourceMapping` per resource type (https://registry.terraform.io/providers/hashicorp/google/latest/docs):
the blueprint object it becomes, the arguments read, ignored (and why) and not modelled (a
warning when set). VPN and Cloud Router resources are in `terraform_vpn.py`, compute, load
balancing, DNS and the organisation's controls in `terraform_compute.py` and `terraform_services.py`.
"""

from __future__ import annotations

import re
from typing import Any

from ...terraform.build import Builder
from ...terraform.mapping import Argument, ResourceMapping, TerraformMapping, Unmodelled, lower
from ...terraform.read import Resource
from ...terraform.values import UNKNOWN, at, blocks
from . import terraform_compute as compute
from . import terraform_services as services
from . import terraform_vpn as vpn
from .tfjson import google_terraform
from .tfjson_base import applied, computed

__all__ = ["TERRAFORM", "gcp_ports", "network_of", "region_of"]

DOCS = "https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/"
_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
_PROJECT = re.compile(r"projects/([^/]+)/")


def _account(resource: Resource) -> str | None:
    project = resource.values.get("project")
    if isinstance(project, str) and project:
        return project
    for attribute in ("id", "self_link", "name", "parent"):
        value = resource.values.get(attribute)
        if isinstance(value, str):
            found = _PROJECT.search(value + "/")
            if found:
                return found.group(1)
    return None


def region_of(resource: Resource) -> str | None:
    """A resource's region: its `region`, its `zone`'s region, its `location` (GKE: either)."""
    for attribute in ("region", "zone", "location"):
        value = resource.values.get(attribute)
        if isinstance(value, str) and value:
            value = value.rsplit("/", 1)[-1]
            zone = _ZONE.match(value)
            return zone.group(1) if zone else value
    return None


def network_of(builder: Builder, resource: Resource, *path: str | int) -> dict[str, Any] | None:
    """The blueprint network a resource's network reference (default: `network`) names."""
    found = builder.ref(resource, path or ("network",), ("google_compute_network",))
    return builder.object_of(found, "networks")


_NAMED = {"6": "tcp", "17": "udp", "132": "sctp", "1": "icmp", "50": "esp", "51": "ah", "4": "ipip"}


def gcp_ports(protocol: Any, ports: Any) -> list[str]:
    """A GCP `allow`/`deny` block or `layer4_configs` entry as port specs: `tcp` with ports
    `["22", "8000-8100"]` -> `tcp/22`, `tcp/8000-8100`; `all` -> `all`; a number -> `proto/N`."""
    name = str(protocol).lower()
    name = _NAMED.get(name, name)
    if name == "all":
        return ["all"]
    if name.isdigit():
        return [f"proto/{name}"]
    if ports and name in ("tcp", "udp", "sctp"):
        return [f"{name}/{p}" for p in ports if p is not UNKNOWN]
    return [name]


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


# --- google_compute_network -------------------------------------------------------------------------
def _network(resource: Resource, b: Builder) -> None:
    fields = b.fields(resource)
    if "routing_mode" in fields:
        fields["routing_mode"] = fields["routing_mode"].lower()
    b.add(
        "networks",
        {
            "name": b.name(resource, b.text(resource, "name"), "networks"),
            "cloud": b.cloud(resource),
            **fields,
        },
        resource,
        b.argument_fields(resource.type),
    )


def _subnetwork(resource: Resource, b: Builder) -> None:
    network = network_of(b, resource)
    if network is None:
        return
    cidr = at(resource.values, "ip_cidr_range")
    subnet: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), f"subnets:{network['name']}"),
        **b.fields(resource),
    }
    region = region_of(resource)
    if region:
        subnet["region"] = region
    secondary = [
        {"name": s.get("range_name"), "cidr": s.get("ip_cidr_range")}
        for _, s in blocks(resource.values, "secondary_ip_range")
        if s.get("range_name") and s.get("ip_cidr_range") not in (None, UNKNOWN)
    ]
    if secondary:
        subnet["secondary_ranges"] = secondary
    if cidr is UNKNOWN:
        b.error(
            resource,
            ("ip_cidr_range",),
            "is known only after apply (expected the subnet's range in the plan)",
        )
        return
    b.child(network, "subnets", subnet, resource, b.argument_fields(resource.type))


def _route(resource: Resource, b: Builder) -> None:
    network = network_of(b, resource)
    if network is None:
        return
    route: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), f"routes:{network['name']}"),
        **b.fields(resource),
    }
    gateway = b.text(resource, "next_hop_gateway")
    if gateway:
        if gateway.rsplit("/", 1)[-1] != "default-internet-gateway":
            b.error(
                resource,
                ("next_hop_gateway",),
                f"{gateway!r} is not a gateway GCP has (expected default-internet-gateway)",
            )
            return
        route["next_hop_gateway"] = "default_internet_gateway"
    instance = b.ref(resource, ("next_hop_instance",), ("google_compute_instance",))
    if instance is not None:
        # instances are read after routes (phase 6): the name it will have
        target = b.object_of(instance, "workloads")
        route["next_hop_instance"] = (
            target["name"]
            if target is not None
            else b.planned_name(instance, b.text(instance, "name"))
        )
    tunnel = b.ref(resource, ("next_hop_vpn_tunnel",), ("google_compute_vpn_tunnel",))
    if tunnel is not None:
        # the tunnel is joined with its other half after every resource is read: its name is known
        route["next_hop_vpn_tunnel"] = b.planned_name(tunnel, b.text(tunnel, "name"))
    ilb = b.text(resource, "next_hop_ilb")
    if ilb:
        route["next_hop_ilb"] = ilb if re.fullmatch(r"[\d.]+", ilb) else ilb.rsplit("/", 1)[-1]
    if len([k for k in route if k.startswith("next_hop_")]) != 1:
        nexthops = [
            k
            for k in (
                "next_hop_gateway",
                "next_hop_ip",
                "next_hop_instance",
                "next_hop_vpn_tunnel",
                "next_hop_ilb",
            )
            if at(resource.values, k) is UNKNOWN
        ]
        if nexthops:
            b.error(
                resource,
                (nexthops[0],),
                "is known only after apply (expected the route's next hop in the plan)",
            )
            return
    b.child(network, "routes", route, resource, b.argument_fields(resource.type))


# what a VPC firewall rule matches when a list is empty: every source (ingress without
# source_ranges, source_tags or source_service_accounts is 0.0.0.0/0: the provider's
# hashicorp/terraform-provider-google#6789 and firewall.py), every destination, every instance
# ("If neither targetServiceAccounts nor targetTags are specified, the firewall rule applies to
# all instances on the specified network": https://cloud.google.com/compute/docs/reference/rest/v1/firewalls)
_FIREWALL_GROUPS: tuple[tuple[str, ...], ...] = (
    ("source_ranges", "source_tags", "source_service_accounts"),
    ("destination_ranges",),
    ("target_tags", "target_service_accounts"),
)


def _has_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, list) and UNKNOWN in value)


def _firewall_unknowns(
    resource: Resource,
    b: Builder,
    rule: dict[str, Any],
    blocks_unknown: list[tuple[str | int, ...]],
) -> None:
    """A rule with a list known only after apply (`source_ranges` of an address to be created,
    `target_tags`...) is read so that it allows least: an empty list is not "nothing" on GCP but
    "any" (`_FIREWALL_GROUPS`), so dropping the unknown entries could open the rule to everyone.

    An allow rule keeps its known entries, and is read as disabled (it allows nothing) when what
    is left of a group would be empty (any source, any destination, every instance), or when its
    ports or protocol are unknown. A deny rule's group with an unknown entry is emptied (it denies
    from any source, to any destination, on every instance), its unknown ports widened to its
    protocol's, an unknown protocol to `all`. Either way each value is recorded: every answer
    that the rule could change is `unknown` (`crossfence.estate.unknown_endpoints`)."""
    deny = rule["action"] == "deny"
    disable = bool(blocks_unknown) and not deny
    found: list[tuple[str, tuple[str | int, ...], str | None]] = []
    for group in _FIREWALL_GROUPS:
        unknown = [a for a in group if _has_unknown(at(resource.values, a))]
        if not unknown:
            continue
        for argument in group:
            value = at(resource.values, argument)
            known = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
            rule[argument] = [] if deny else known
        disable = disable or (not deny and not any(rule[a] for a in group))
        found += [(a, (a,), "[]" if deny else None) for a in unknown]
    found += [("ports", at_, ", ".join(rule["ports"]) if deny else None) for at_ in blocks_unknown]
    if at(resource.values, "disabled") is UNKNOWN:
        disable = disable or not deny
        found.append(("disabled", ("disabled",), "false" if deny else None))
    if disable:
        rule["disabled"] = True
    for field, attribute, stand_in in found:
        held = "disabled: true" if disable and stand_in is None else stand_in
        b.unknown(rule, (field,), resource, attribute, held)


def _firewall(resource: Resource, b: Builder) -> None:
    network = network_of(b, resource)
    if network is None:
        return
    unknown_blocks: list[tuple[str | int, ...]] = [
        (kind,) for kind in ("allow", "deny") if at(resource.values, kind) is UNKNOWN
    ]
    allow = list(blocks(resource.values, "allow"))
    deny = list(blocks(resource.values, "deny"))
    denies = (bool(deny) and not allow) or (not allow and ("deny",) in unknown_blocks)
    kind = "deny" if denies else "allow"
    ports: list[str] = []
    for index, block in deny if denies else allow:
        protocol, block_ports = block.get("protocol"), block.get("ports")
        if protocol is UNKNOWN:
            unknown_blocks.append((kind, index, "protocol"))
            ports.append("all")  # a deny widened to every protocol; an allow is disabled below
        elif _has_unknown(block_ports):
            unknown_blocks.append((kind, index, "ports"))
            ports += gcp_ports(protocol, None)
        else:
            ports += gcp_ports(protocol, block_ports)
    if (kind,) in unknown_blocks:
        ports.append("all")
    rule: dict[str, Any] = {
        "name": b.name(resource, b.text(resource, "name"), f"firewall_rules:{network['name']}"),
        **b.fields(resource),
        "action": kind,
    }
    if ports:
        rule["ports"] = ports
    if not allow and not deny and not unknown_blocks:
        # `allow`: "Each rule specifies a protocol and port-range tuple that describes a
        # permitted connection": a rule that lists none permits nothing (a hand-written plan),
        # never the model's every port
        b.warn(
            resource,
            ("allow",),
            "lists no allow or deny block: the rule is read as disabled (it allows nothing)",
        )
        rule["disabled"] = True
    _firewall_unknowns(resource, b, rule, unknown_blocks)
    fields = {
        **b.argument_fields(resource.type),
        "ports": "allow" if allow or not deny else "deny",
        "action": "deny",
    }
    b.child(network, "firewall_rules", rule, resource, fields)


def _peering(resource: Resource, b: Builder) -> None:
    network = network_of(b, resource)
    peer = network_of(b, resource, "peer_network")
    if network is None or peer is None:
        return
    b.add(
        "peerings",
        {
            "name": b.name(resource, b.text(resource, "name"), "peerings"),
            "network": network["name"],
            "peer_network": peer["name"],
            **b.fields(resource),
        },
        resource,
        {**b.argument_fields(resource.type), "network": "network", "peer_network": "peer_network"},
    )


def _finish(b: Builder) -> None:
    compute.finish(b)
    services.finish_policies(b)
    services.finish_dns(b)


_NETWORK = ResourceMapping(
    "google_compute_network",
    "networks[]",
    _network,
    (
        Argument("routing_mode", "routing_mode", lower, str.upper),
        Argument("delete_default_routes_on_create", "delete_default_routes_on_create"),
        Argument(
            "network_firewall_policy_enforcement_order", "network_firewall_policy_enforcement_order"
        ),
    ),
    reads=("name",),
    ignored={
        "mtu": "packet size only",
        "description": "free text",
        "enable_ula_internal_ipv6": "IPv6 is refused elsewhere",
    },
    unmodelled=(
        Unmodelled(
            "auto_create_subnetworks",
            "an auto mode network has a subnet in every region from 10.128.0.0/9, which the file "
            "does not list",
            False,
            # absent: the provider's schema default, `Default: true` (resource_compute_network.go)
            True,
        ),
    ),
    docs=DOCS + "compute_network",
)

TERRAFORM = TerraformMapping(
    provider="google",
    cloud="gcp",
    jurisdiction="US",
    account=_account,
    region=region_of,
    resources=(
        _NETWORK,
        ResourceMapping(
            "google_compute_subnetwork",
            "networks[].subnets[]",
            _subnetwork,
            (
                Argument("ip_cidr_range", "cidr"),
                Argument("private_ip_google_access", "private_google_access"),
            ),
            reads=("name", "network", "region", "secondary_ip_range"),
            ignored={
                "log_config": "flow logs record traffic, they do not filter it",
                "description": "free text",
            },
            unmodelled=(
                Unmodelled(
                    "purpose",
                    "a proxy-only or Private Service Connect subnet carries no VM",
                    "PRIVATE",
                ),
                Unmodelled("ipv6_access_type", "IPv6 is not analysed"),
            ),
            phase=1,
            docs=DOCS + "compute_subnetwork",
        ),
        ResourceMapping(
            "google_compute_route",
            "networks[].routes[]",
            _route,
            (
                Argument("dest_range", "destination"),
                Argument("priority", "priority"),
                Argument("tags", "tags"),
                Argument("next_hop_ip", "next_hop_ip"),
            ),
            reads=(
                "name",
                "network",
                "next_hop_gateway",
                "next_hop_instance",
                "next_hop_vpn_tunnel",
                "next_hop_ilb",
            ),
            ignored={"description": "free text"},
            phase=4,
            docs=DOCS + "compute_route",
        ),
        ResourceMapping(
            "google_compute_firewall",
            "networks[].firewall_rules[]",
            _firewall,
            (
                Argument("direction", "direction", lower, str.upper),
                Argument("priority", "priority"),
                Argument("source_ranges", "source_ranges"),
                Argument("destination_ranges", "destination_ranges"),
                Argument("source_tags", "source_tags"),
                Argument("source_service_accounts", "source_service_accounts"),
                Argument("target_tags", "target_tags"),
                Argument("target_service_accounts", "target_service_accounts"),
                Argument("disabled", "disabled"),
                Argument("log_config", "enable_logging", lambda v: bool(v)),
                Argument("description", "description"),
            ),
            reads=("name", "network", "allow", "deny"),
            phase=2,
            docs=DOCS + "compute_firewall",
        ),
        ResourceMapping(
            "google_compute_network_peering",
            "peerings[]",
            _peering,
            (
                Argument("export_custom_routes", "export_custom_routes"),
                Argument("import_custom_routes", "import_custom_routes"),
                Argument(
                    "export_subnet_routes_with_public_ip", "export_subnet_routes_with_public_ip"
                ),
                Argument(
                    "import_subnet_routes_with_public_ip", "import_subnet_routes_with_public_ip"
                ),
            ),
            reads=("name", "network", "peer_network"),
            ignored={"stack_type": "IPv6 is not analysed"},
            phase=2,
            docs=DOCS + "compute_network_peering",
        ),
        *services.FIREWALL_POLICIES,
        *vpn.MAPPINGS,
        *compute.MAPPINGS,
        *services.MAPPINGS,
    ),
    silent={
        "google_project_service": "enables an API",
        "google_project_iam_member": "IAM, not traffic",
        "google_project_iam_binding": "IAM, not traffic",
        "google_project_iam_policy": "IAM, not traffic",
        "google_service_account": "an identity (firewall rules name its email)",
        "google_service_account_iam_member": "IAM, not traffic",
        "google_service_account_key": "a credential",
        "google_kms_key_ring": "a container of keys (read through google_kms_crypto_key)",
        "google_kms_crypto_key_iam_member": "IAM, not traffic",
        "google_storage_bucket_iam_member": "IAM, not traffic",
        "google_compute_ssl_certificate": "a certificate",
        "google_compute_managed_ssl_certificate": "a certificate",
        "google_compute_address": "an address (read where it is used)",
        "google_compute_global_address": "an address (read where it is used)",
        "google_access_context_manager_access_policy": "a container of perimeters",
        "google_monitoring_alert_policy": "monitoring",
        "google_logging_project_sink": "logging",
    },
    finish=_finish,
    write=google_terraform,
    sections=(
        "networks",
        "peerings",
        "routers",
        "vpn_gateways",
        "firewall_policies",
        "dns_zones",
        "dns_server_policies",
        "org_policies",
        "load_balancers",
        "buckets",
        "workloads",
        "keys",
        "clusters",
        "service_perimeters",
    ),
    # a GKE cluster is written; another kind in a Google cloud is not (the overlay keeps it)
    writes=lambda section, obj: section != "clusters" or obj.kind == "gke",
    computed=computed,
    applied=applied,
    # Google allocates them and no resource shows them: the IAP audience (the backend service's
    # number), the inbound DNS forwarders' addresses
    overlay_fields={
        "load_balancers": ("iap",),
        "dns_server_policies": ("forwarder_addresses",),
        # a VM's ports are what its software listens on; personal data and IAP verification
        # are what it does with the traffic: no instance argument holds them
        "workloads": ("ports", "personal_data", "iap_audience"),
        # who holds a key and whether it also encrypts disks: no KMS argument says
        "keys": ("held_by", "protects_disks"),
        # what the cluster runs (its namespaces, mesh, manifests): Kubernetes objects, not
        # arguments of the cluster
        "clusters": ("namespaces", "mesh", "manifests"),
    },
)
