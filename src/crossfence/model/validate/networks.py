"""Clouds and networks: org policies, subnets, routes, firewalls, security groups, address plans, peerings."""

from __future__ import annotations

import ipaddress

from ..base import Model
from ..network import Network, Peering
from .base import IPNetwork, Validator, did_you_mean, within

__all__ = ["check"]


def check(v: Validator) -> None:
    clouds_and_networks(v)
    peerings(v)


def provider_sections(v: Validator) -> None:
    """Objects of sections only some providers have (`routers`: GCP Cloud Routers) must be in a
    cloud of one of them."""
    for section, owners in v.vocabulary.section_owners().items():
        for item in getattr(v.bp, section):
            provider = v.provider(item.cloud)
            if provider is not None and provider not in owners:
                v.report.add(
                    item,
                    ("cloud",),
                    f"{section} are not available on {provider} clouds (expected a cloud of {' or '.join(owners)})",
                    "provider",
                )


def clouds_and_networks(v: Validator) -> None:
    bp = v.bp
    provider_sections(v)
    for policy in bp.org_policies:
        v.ref(policy, ("cloud",), policy.cloud, ("clouds",), "cloud")
    for network in bp.networks:
        v.ref(network, ("cloud",), network.cloud, ("clouds",), "cloud")
        provider = v.provider(network.cloud)
        provider_fields(v, network, provider)
        v.duplicates(network.all_subnets, "subnet", f" in network '{network.name}'")
        v.duplicates(network.routes, "route", f" in network '{network.name}'")
        v.duplicates(network.firewall_rules, "firewall rule", f" in network '{network.name}'")
        address_plan(v, network)
        public_gateways(v, network)
        for index, route in enumerate(network.routes):
            kind, target = route.next_hop
            if kind == "instance":
                v.ref(route, ("next_hop_instance",), target, ("workloads",), "workload")
            elif kind == "vpn_tunnel":
                v.ref(route, ("next_hop_vpn_tunnel",), target, ("vpn_tunnels",), "VPN tunnel")
            elif kind in ("vpn_gateway", "transit_gateway"):
                v.ref(route, (f"next_hop_{kind}",), target, ("vpn_gateways",), "VPN gateway")
            elif kind == "ip" and not any(
                ipaddress.ip_address(target) in ipaddress.ip_network(s.cidr)
                for s in network.all_subnets
            ):
                v.report.add(
                    route,
                    ("next_hop_ip",),
                    f"next hop {target} is in no subnet of network '{network.name}' "
                    "(expected an address of one of its subnets)",
                    "outside-range",
                )
            del index
        for table in network.route_tables:
            for i, name in enumerate(table.subnets):
                v.subnet_of(table, ("subnets", i), network, name)
            for i, name in enumerate(table.propagating_vpn_gateways):
                v.ref(
                    table,
                    ("propagating_vpn_gateways", i),
                    name,
                    ("vpn_gateways",),
                    "VPN gateway",
                )
        for nacl in network.network_acls:
            for i, name in enumerate(nacl.subnets):
                v.subnet_of(nacl, ("subnets", i), network, name)
        aws_associations(v, network)
    for fw_policy in bp.firewall_policies:
        v.ref(fw_policy, ("cloud",), fw_policy.cloud, ("clouds",), "cloud")
        for i, name in enumerate(fw_policy.networks):
            v.ref(fw_policy, ("networks", i), name, ("networks",), "network")
        if fw_policy.kind == "hierarchical" and fw_policy.networks:
            v.report.add(
                fw_policy,
                ("networks",),
                "a hierarchical policy applies to every network of its cloud "
                "(expected no networks: list; use kind: network to associate with networks)",
                "invalid-value",
            )
        priorities: dict[tuple[str, int], int] = {}
        for i, rule in enumerate(fw_policy.rules):
            key = (rule.direction, rule.priority)
            if key in priorities:
                v.report.add(
                    fw_policy,
                    ("rules", i, "priority"),
                    f"priority {rule.priority} is used by rule {priorities[key]} too "
                    "(expected unique priorities within a firewall policy)",
                    "duplicate-name",
                )
            priorities[key] = i
    for group in bp.security_groups:
        v.ref(group, ("cloud",), group.cloud, ("clouds",), "cloud")
        v.ref(group, ("network",), group.network, ("networks",), "network")
        for direction in ("inbound_rules", "outbound_rules"):
            for i, rule in enumerate(getattr(group, direction)):
                for j, name in enumerate(rule.security_groups):
                    v.ref(
                        group,
                        (direction, i, "security_groups", j),
                        name,
                        ("security_groups",),
                        "security group",
                    )


def aws_associations(v: Validator, network: Network) -> None:
    """AWS: one main route table and one default network ACL per VPC, one of each per subnet
    (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html,
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html); route targets exist."""
    for kind, items, flag in (
        ("route table", network.route_tables, "main"),
        ("network ACL", network.network_acls, "default"),
    ):
        first_flagged: str | None = None
        owner: dict[str, str] = {}
        for item in items:
            if getattr(item, flag):
                if first_flagged is not None:
                    v.report.add(
                        item,
                        (flag,),
                        f"{kind} '{first_flagged}' is already the {flag} one of "
                        f"'{network.name}' (expected one {flag} {kind} per VPC)",
                        "invalid-value",
                    )
                first_flagged = first_flagged or item.name
            for i, subnet in enumerate(item.subnets):
                if subnet in owner:
                    v.report.add(
                        item,
                        ("subnets", i),
                        f"subnet '{subnet}' is already associated with {kind} "
                        f"'{owner[subnet]}' (expected one {kind} per subnet)",
                        "invalid-value",
                    )
                owner.setdefault(subnet, item.name)
    kinds = {
        "vpn_gateway": (("vpn_gateways",), "VPN gateway"),
        "transit_gateway": (("vpn_gateways",), "VPN gateway"),
        "peering": (("peerings",), "peering"),
        "instance": (("workloads",), "workload"),
    }
    for table in network.route_tables:
        for route in table.routes:
            kind, target = route.next_hop
            if kind in kinds:
                sections, what = kinds[kind]
                v.ref(route, (f"next_hop_{kind}",), target, sections, what)


def public_gateways(v: Validator, network: Network) -> None:
    """Scaleway Public Gateways: unique names, attached to Private Networks of this VPC, each
    Private Network to one gateway at most."""
    v.duplicates(network.public_gateways, "public gateway", f" in network '{network.name}'")
    names = [p.name for p in network.private_networks]
    attached: dict[str, str] = {}
    for gateway in network.public_gateways:
        for index, link in enumerate(gateway.private_networks):
            field = ("private_networks", index, "private_network")
            if link.private_network not in names:
                v.report.add(
                    gateway,
                    field,
                    f"unknown Private Network '{link.private_network}' in network '{network.name}' (expected one of: {', '.join(sorted(names)) or 'none defined'}{did_you_mean(link.private_network, names)})",
                    "unknown-reference",
                )
            elif link.private_network in attached:
                v.report.add(
                    gateway,
                    field,
                    f"Private Network '{link.private_network}' is already attached to public gateway '{attached[link.private_network]}' (expected one gateway per Private Network)",
                    "duplicate-name",
                )
            else:
                attached[link.private_network] = gateway.name


def provider_fields(v: Validator, network: Network, provider: str | None) -> None:
    """Fields of `networks[]` that only some providers have (each provider lists its own)."""
    terms = v.vocabulary.terms(provider)
    if terms is None:
        return
    for name, owners in v.vocabulary.network_fields().items():
        if provider in owners or not _is_set(network, name):
            continue
        hint = terms.network_hints.get(name)
        v.report.add(
            network,
            (name,),
            hint
            or f"'{name}' is not available on {provider} networks (expected only on {' or '.join(owners)})",
            "provider",
        )


def _is_set(network: Network, name: str) -> bool:
    """Whether a field holds something other than its default."""
    info = Network.model_fields[name]
    default = info.get_default(call_default_factory=True)
    return bool(getattr(network, name) != default)


def address_plan(v: Validator, network: Network) -> None:
    ranges: list[tuple[IPNetwork, Model, tuple[str | int, ...], str]] = []
    for subnet in network.all_subnets:
        ranges.append((ipaddress.ip_network(subnet.cidr), subnet, ("cidr",), subnet.name))
        v.duplicates(subnet.secondary_ranges, "secondary range", f" in subnet '{subnet.name}'")
        for i, secondary in enumerate(subnet.secondary_ranges):
            ranges.append(
                (
                    ipaddress.ip_network(secondary.cidr),
                    subnet,
                    ("secondary_ranges", i, "cidr"),
                    f"{subnet.name}/{secondary.name}",
                )
            )
        if network.cidr_blocks and not any(
            within(ipaddress.ip_network(subnet.cidr), ipaddress.ip_network(block))
            for block in network.cidr_blocks
        ):
            v.report.add(
                subnet,
                ("cidr",),
                f"{subnet.cidr} is outside the network's ranges "
                f"(expected inside {', '.join(network.cidr_blocks)})",
                "outside-range",
            )
    for i, (net_a, _obj_a, _field_a, name_a) in enumerate(ranges):
        for net_b, obj_b, field_b, name_b in ranges[i + 1 :]:
            if net_a.overlaps(net_b):
                v.report.add(
                    obj_b,
                    field_b,
                    f"{net_b} ({name_b}) overlaps {net_a} ({name_a}) in network '{network.name}' "
                    "(expected disjoint ranges within one network)",
                    "overlap",
                )


def peerings(v: Validator) -> None:
    pairs: dict[tuple[str, str], Peering] = {}
    for peering in v.bp.peerings:
        v.ref(peering, ("network",), peering.network, ("networks",), "network")
        v.ref(peering, ("peer_network",), peering.peer_network, ("networks",), "network")
        if peering.network == peering.peer_network:
            v.report.add(
                peering,
                ("peer_network",),
                "a network cannot peer with itself (expected another network)",
                "invalid-value",
            )
        key = (peering.network, peering.peer_network)
        if key in pairs:
            v.report.add(
                peering,
                ("peer_network",),
                f"'{peering.network}' already peers with '{peering.peer_network}' (expected one peering per pair)",
                "duplicate-name",
            )
        pairs[key] = peering
    for (network, peer), peering in pairs.items():
        if (
            (peer, network) not in pairs
            and network in v.index["networks"]
            and peer in v.index["networks"]
        ):
            v.report.add(
                peering,
                ("peer_network",),
                f"no peering from '{peer}' back to '{network}': GCP keeps the peering INACTIVE, "
                "a Scaleway VPC connector stays Orphan, until both sides exist (expected a "
                "peering with network: "
                f"{peer}, peer_network: {network})",
                "peering-inactive",
                severity="warning",
            )
