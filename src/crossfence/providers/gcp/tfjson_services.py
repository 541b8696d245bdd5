"""GCP firewall policies, Cloud NAT, Cloud DNS and organisation policies as Terraform JSON resources, beside `tfjson.py`'s networks and VPN.

Resource and attribute names are `hashicorp/google`'s
(https://registry.terraform.io/providers/hashicorp/google/latest/docs); a test checks them
against the provider's schema. Not offered by `crossfence compile` yet.
"""

from __future__ import annotations

from typing import Any

from ...algebra.ports import parse_port_spec
from .tfjson_base import Writer as _Writer
from .tfjson_base import label as _label
from .tfjson_base import ref as _ref

__all__ = ["dns", "firewall_policies", "nats", "org_policies"]


def _layer4(specs: tuple[str, ...]) -> list[dict[str, Any]]:
    """`match.layer4_configs`: one per protocol with its ports, none for every port."""
    ports: dict[str, list[str] | None] = {}
    for spec in specs:
        protocol, low, high = parse_port_spec(spec)
        name = protocol.removeprefix("proto/")
        if low is None or high is None or ports.get(name, []) is None:
            ports[name] = None
            continue
        ports.setdefault(name, [])
        listed = ports[name]
        assert listed is not None
        listed.append(str(low) if low == high else f"{low}-{high}")
    return [
        {"ip_protocol": name, **({"ports": listed} if listed else {})}
        for name, listed in ports.items()
    ]


def firewall_policies(writer: _Writer) -> None:
    """Global and regional network firewall policies, their rules and their associations
    (https://cloud.google.com/firewall/docs/network-firewall-policies)."""
    for policy in writer.blueprint.firewall_policies:
        if policy.cloud not in writer.clouds:
            continue
        path = f"firewall_policies[{policy.name}]"
        if policy.kind == "hierarchical":
            writer.problem(
                policy,
                path,
                f"firewall policy '{policy.name}' is hierarchical: its parent organisation or "
                "folder is not in the blueprint (expected a network or regional policy, or "
                "the hierarchical policy managed where its parent is)",
            )
            continue
        regional = policy.kind == "regional"
        prefix = (
            "google_compute_region_network_firewall_policy"
            if regional
            else ("google_compute_network_firewall_policy")
        )
        label = _label(policy.name)
        body: dict[str, Any] = {"name": writer.name(policy, "firewall policy", policy.name, path)}
        if regional:
            body["region"] = writer.region(policy)
        writer.add(prefix, label, body)
        for index, rule in enumerate(policy.rules):
            match: dict[str, Any] = {"layer4_configs": _layer4(rule.ports)}
            if rule.source_ranges:
                match["src_ip_ranges"] = list(rule.source_ranges)
            if rule.destination_ranges:
                match["dest_ip_ranges"] = list(rule.destination_ranges)
            if rule.direction == "ingress" and not rule.source_ranges:
                match["src_ip_ranges"] = ["0.0.0.0/0"]  # an ingress rule needs a source
            if rule.direction == "egress" and not rule.destination_ranges:
                match["dest_ip_ranges"] = ["0.0.0.0/0"]
            rule_body: dict[str, Any] = {
                "firewall_policy": _ref(prefix, policy.name, "name"),
                "priority": rule.priority,
                "direction": rule.direction.upper(),
                "action": rule.action,
                "match": [match],
                "disabled": rule.disabled,
            }
            if regional:
                rule_body["region"] = writer.region(policy)
            if rule.target_service_accounts:
                rule_body["target_service_accounts"] = list(rule.target_service_accounts)
            if rule.description:
                rule_body["description"] = rule.description
            writer.add(f"{prefix}_rule", f"{label}-{index}", rule_body)
        for network in policy.networks:
            association: dict[str, Any] = {
                "name": f"{policy.name}-{network}",
                "attachment_target": _ref("google_compute_network", network, "id"),
                "firewall_policy": _ref(prefix, policy.name, "name"),
            }
            if regional:
                association["region"] = writer.region(policy)
            writer.add(f"{prefix}_association", _label(f"{policy.name}-{network}"), association)


def nats(writer: _Writer) -> None:
    """Cloud NAT on its Cloud Router (https://cloud.google.com/nat/docs/overview); fixed
    addresses become reserved external addresses it uses (`MANUAL_ONLY`)."""
    for router in writer.blueprint.routers:
        if router.cloud not in writer.clouds:
            continue
        for nat in router.nats:
            path = f"routers[{router.name}].nats[{nat.name}]"
            body: dict[str, Any] = {
                "name": writer.name(nat, "Cloud NAT", nat.name, path),
                "router": _ref("google_compute_router", router.name, "name"),
                "region": writer.region(router),
                "source_subnetwork_ip_ranges_to_nat": nat.source_subnetwork_ip_ranges_to_nat,
                "nat_ip_allocate_option": "MANUAL_ONLY" if nat.nat_ips else "AUTO_ONLY",
            }
            if nat.nat_ips:
                links = []
                for index, ip in enumerate(nat.nat_ips):
                    address = f"{nat.name}-ip-{index}"
                    writer.add(
                        "google_compute_address",
                        _label(address),
                        {
                            "name": address,
                            "region": writer.region(router),
                            "address": ip,
                            "address_type": "EXTERNAL",
                        },
                    )
                    links.append(_ref("google_compute_address", address, "self_link"))
                body["nat_ips"] = links
            if nat.source_subnetwork_ip_ranges_to_nat == "LIST_OF_SUBNETWORKS":
                body["subnetwork"] = [
                    {
                        "name": _ref("google_compute_subnetwork", subnet, "id"),
                        "source_ip_ranges_to_nat": ["ALL_IP_RANGES"],
                    }
                    for subnet in nat.subnetworks
                ]
            writer.add("google_compute_router_nat", _label(nat.name), body)


def dns(writer: _Writer) -> None:
    """Cloud DNS zones (private, forwarding, public) and inbound server policies
    (https://cloud.google.com/dns/docs/zones/zones-overview, https://cloud.google.com/dns/docs/policies)."""
    blueprint = writer.blueprint
    for zone in blueprint.dns_zones:
        if zone.cloud not in writer.clouds:
            continue
        path = f"dns_zones[{zone.name}]"
        if zone.kind == "peering":
            writer.problem(
                zone,
                path,
                f"DNS zone '{zone.name}' is a peering zone: the network it peers with is not in "
                "the blueprint (expected a private or forwarding zone)",
            )
            continue
        body: dict[str, Any] = {
            "name": writer.name(zone, "DNS zone", zone.name, path),
            "dns_name": zone.domain,
            "visibility": "public" if zone.kind == "public" else "private",
        }
        if zone.kind != "public":
            body["private_visibility_config"] = [
                {
                    "networks": [
                        {"network_url": _ref("google_compute_network", n, "id")}
                        for n in zone.networks
                    ]
                }
            ]
        if zone.kind == "forwarding":
            body["forwarding_config"] = [
                {
                    "target_name_servers": [
                        {"ipv4_address": t.address, "forwarding_path": t.forwarding_path}
                        for t in zone.forwarding_targets
                    ]
                }
            ]
        writer.add("google_dns_managed_zone", _label(zone.name), body)
    for policy in blueprint.dns_server_policies:
        network = blueprint.get("networks", policy.network)
        if network is None or network.cloud not in writer.clouds:
            continue
        # the inbound forwarder addresses are Google's to assign: outputs, not arguments
        writer.add(
            "google_dns_policy",
            _label(policy.name),
            {
                "name": writer.name(
                    policy, "DNS policy", policy.name, f"dns_server_policies[{policy.name}]"
                ),
                "enable_inbound_forwarding": policy.inbound_forwarding,
                "networks": [{"network_url": _ref("google_compute_network", policy.network, "id")}],
            },
        )


def org_policies(writer: _Writer) -> None:
    """Organisation policies on the cloud's project (`google_org_policy_policy`,
    https://cloud.google.com/resource-manager/docs/organization-policy/overview)."""
    for policy in writer.blueprint.org_policies:
        cloud = writer.blueprint.get("clouds", policy.cloud)
        if cloud is None or cloud.name not in writer.clouds:
            continue
        path = f"org_policies[{policy.name}]"
        if not cloud.project:
            writer.problem(
                policy,
                path,
                f"organisation policy '{policy.name}': cloud '{cloud.name}' names no project to "
                "set it on (expected clouds[].project)",
            )
            continue
        if policy.policy_kind == "boolean":
            rule: dict[str, Any] = {"enforce": "TRUE" if policy.enforce else "FALSE"}
        else:
            values: dict[str, Any] = {}
            if policy.allowed_values:
                values["allowed_values"] = list(policy.allowed_values)
            if policy.denied_values:
                values["denied_values"] = list(policy.denied_values)
            if not values:
                writer.problem(
                    policy,
                    path,
                    f"organisation policy '{policy.name}' is a list policy with no values "
                    "(expected allowed_values or denied_values)",
                )
                continue
            rule = {"values": [values]}
        parent = f"projects/{cloud.project}"
        writer.add(
            "google_org_policy_policy",
            _label(policy.name),
            {
                "name": f"{parent}/policies/{policy.constraint}",
                "parent": parent,
                "spec": [{"rules": [rule]}],
            },
        )
