"""Semantic validation of a blueprint: references, names, address plans, BGP and provider constraints."""

from __future__ import annotations

import difflib
import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import Problem, Severity
from .base import Model
from .blueprint import Blueprint
from .network import Network, Peering, Subnet

if TYPE_CHECKING:
    from .loader import Positions

__all__ = ["validate"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LINK_LOCAL = ipaddress.ip_network("169.254.0.0/16")
# https://cloud.google.com/network-connectivity/docs/router/concepts/overview#asns
GCP_PRIVATE_ASNS = ((64512, 65534), (4_200_000_000, 4_294_967_294))
RESERVED_ENDPOINTS = ("internet",)


class _Report:
    """Collects problems, locating each at the field it is about."""

    def __init__(self, positions: Positions | None) -> None:
        self.positions = positions
        self.problems: list[Problem] = []

    def add(
        self,
        obj: Model,
        field: tuple[str | int, ...],
        message: str,
        code: str,
        severity: Severity = "error",
    ) -> None:
        where = obj.defined_at
        loc = (*where.loc, *field) if where else field
        file, line, column = (where.file, where.line, where.column) if where else (None, None, None)
        if self.positions is not None and where is not None:
            found = self.positions.find(loc)
            if found:
                file, line, column = found
        from .loader import format_path

        self.problems.append(
            Problem(
                message,
                file=file,
                line=line,
                column=column,
                path=format_path(loc),
                severity=severity,
                code=code,
            )
        )


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _within(inner: IPNetwork, outer: IPNetwork) -> bool:
    return (
        inner.version == outer.version
        and int(outer.network_address) <= int(inner.network_address)
        and int(inner.broadcast_address) <= int(outer.broadcast_address)
    )


def _names(items: Iterable[Any]) -> list[str]:
    return [item.name for item in items]


class _Validator:
    def __init__(self, blueprint: Blueprint, report: _Report) -> None:
        self.bp = blueprint
        self.report = report
        self.index: dict[str, dict[str, Any]] = {
            section: {item.name: item for item in getattr(blueprint, section)}
            for section in (
                "clouds",
                "networks",
                "vpn_gateways",
                "peerings",
                "routers",
                "routing_policies",
                "vpn_tunnels",
                "clusters",
                "workloads",
                "load_balancers",
                "security_groups",
                "buckets",
                "keys",
                "credentials",
                "service_perimeters",
            )
        }
        self.endpoints = {**self.index["workloads"], **self.index["load_balancers"]}

    # -- helpers -------------------------------------------------------------------------------
    def cloud_nats(self, router: Any) -> None:
        """Cloud NAT: unique names; LIST_OF_SUBNETWORKS names subnets of the router's network and
        region (https://cloud.google.com/nat/docs/set-up-manage-network-address-translation)."""
        names = [n.name for n in router.nats]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.report.add(
                router,
                ("nats",),
                f"Cloud NAT '{name}' is defined twice (expected unique names)",
                "duplicate-name",
            )
        network = self.index["networks"].get(router.network)
        cloud = self.index["clouds"].get(router.cloud)
        region = router.region or (cloud.region if cloud is not None else None)
        subnets = {s.name: s for s in network.all_subnets} if network is not None else {}
        for index, nat in enumerate(router.nats):
            listed = nat.source_subnetwork_ip_ranges_to_nat == "LIST_OF_SUBNETWORKS"
            if listed != bool(nat.subnetworks):
                self.report.add(
                    router,
                    ("nats", index, "subnetworks"),
                    "subnetworks are listed exactly when source_subnetwork_ip_ranges_to_nat is LIST_OF_SUBNETWORKS (expected both or neither)",
                    "invalid-value",
                )
            for position, name in enumerate(nat.subnetworks):
                subnet = subnets.get(name)
                if network is not None and subnet is None:
                    self.report.add(
                        router,
                        ("nats", index, "subnetworks", position),
                        f"unknown subnet '{name}' in network '{router.network}' (expected one of: {', '.join(sorted(subnets)) or 'none defined'}{_did_you_mean(name, subnets)})",
                        "unknown-reference",
                    )
                elif subnet is not None and subnet.region and region and subnet.region != region:
                    self.report.add(
                        router,
                        ("nats", index, "subnetworks", position),
                        f"subnet '{name}' is in {subnet.region}, the router in {region}: Cloud NAT is regional (expected a subnet of {region})",
                        "invalid-value",
                    )

    def ref(
        self,
        obj: Model,
        field: tuple[str | int, ...],
        name: str | None,
        kinds: tuple[str, ...],
        what: str,
    ) -> Any:
        """Resolve a reference; report it when it names nothing."""
        if name is None:
            return None
        for kind in kinds:
            target = self.index[kind].get(name)
            if target is not None:
                return target
        options = [n for kind in kinds for n in self.index[kind]]
        self.report.add(
            obj,
            field,
            f"unknown {what} '{name}' (expected one of: {', '.join(sorted(options)) or 'none defined'}"
            f"{_did_you_mean(name, options)})",
            "unknown-reference",
        )
        return None

    def subnet_of(
        self, obj: Model, field: tuple[str | int, ...], network: Network | None, name: str | None
    ) -> Subnet | None:
        if network is None or name is None:
            return None
        for subnet in network.all_subnets:
            if subnet.name == name:
                return subnet
        options = _names(network.all_subnets)
        self.report.add(
            obj,
            field,
            f"unknown subnet '{name}' in network '{network.name}' "
            f"(expected one of: {', '.join(options) or 'none defined'}{_did_you_mean(name, options)})",
            "unknown-reference",
        )
        return None

    def duplicates(self, items: Iterable[Any], what: str, scope: str = "") -> None:
        seen: dict[str, Any] = {}
        for item in items:
            name = item.name
            if name in seen:
                first = seen[name].defined_at
                self.report.add(
                    item,
                    ("name",),
                    f"duplicate {what} name '{name}'{scope} (expected unique names; first defined at "
                    f"{first if first else 'another place'})",
                    "duplicate-name",
                )
            else:
                seen[name] = item

    def provider(self, cloud_name: str | None) -> str | None:
        cloud = self.index["clouds"].get(cloud_name) if cloud_name else None
        return cloud.provider if cloud else None

    # -- passes --------------------------------------------------------------------------------
    def run(self) -> None:
        from .blueprint import SECTIONS

        for section in SECTIONS:
            if section != "suppressions":
                singular = (
                    section[:-3] + "y" if section.endswith("ies") else section.removesuffix("s")
                )
                self.duplicates(getattr(self.bp, section), singular.replace("_", " "))
        workload_names = {w.name: w for w in self.bp.workloads}
        for lb in self.bp.load_balancers:
            if lb.name in workload_names:
                first = workload_names[lb.name].defined_at
                self.report.add(
                    lb,
                    ("name",),
                    f"'{lb.name}' is also a workload name (expected endpoint names unique across "
                    f"workloads and load_balancers; the workload is at {first or 'another place'})",
                    "duplicate-name",
                )
        for endpoint in self.endpoints.values():
            if endpoint.name in RESERVED_ENDPOINTS:
                self.report.add(
                    endpoint,
                    ("name",),
                    f"'{endpoint.name}' is reserved (expected another name)",
                    "duplicate-name",
                )
        self.clouds_and_networks()
        self.peerings()
        self.vpn()
        self.clusters()
        self.workloads()
        self.edge_and_dns()
        self.controls()
        self.connected_overlaps()

    def clouds_and_networks(self) -> None:
        bp = self.bp
        for policy in bp.org_policies:
            self.ref(policy, ("cloud",), policy.cloud, ("clouds",), "cloud")
        for network in bp.networks:
            self.ref(network, ("cloud",), network.cloud, ("clouds",), "cloud")
            provider = self.provider(network.cloud)
            self.provider_fields(network, provider)
            self.duplicates(network.all_subnets, "subnet", f" in network '{network.name}'")
            self.duplicates(network.routes, "route", f" in network '{network.name}'")
            self.duplicates(
                network.firewall_rules, "firewall rule", f" in network '{network.name}'"
            )
            self.address_plan(network)
            self.public_gateways(network)
            for index, route in enumerate(network.routes):
                kind, target = route.next_hop
                if kind == "instance":
                    self.ref(route, ("next_hop_instance",), target, ("workloads",), "workload")
                elif kind == "vpn_tunnel":
                    self.ref(
                        route, ("next_hop_vpn_tunnel",), target, ("vpn_tunnels",), "VPN tunnel"
                    )
                elif kind in ("vpn_gateway", "transit_gateway"):
                    self.ref(route, (f"next_hop_{kind}",), target, ("vpn_gateways",), "VPN gateway")
                elif kind == "ip" and not any(
                    ipaddress.ip_address(target) in ipaddress.ip_network(s.cidr)
                    for s in network.all_subnets
                ):
                    self.report.add(
                        route,
                        ("next_hop_ip",),
                        f"next hop {target} is in no subnet of network '{network.name}' "
                        "(expected an address of one of its subnets)",
                        "outside-range",
                    )
                del index
            for table in network.route_tables:
                for i, name in enumerate(table.subnets):
                    self.subnet_of(table, ("subnets", i), network, name)
                for i, name in enumerate(table.propagating_vpn_gateways):
                    self.ref(
                        table,
                        ("propagating_vpn_gateways", i),
                        name,
                        ("vpn_gateways",),
                        "VPN gateway",
                    )
            for nacl in network.network_acls:
                for i, name in enumerate(nacl.subnets):
                    self.subnet_of(nacl, ("subnets", i), network, name)
            self.aws_associations(network)
        for fw_policy in bp.firewall_policies:
            self.ref(fw_policy, ("cloud",), fw_policy.cloud, ("clouds",), "cloud")
            for i, name in enumerate(fw_policy.networks):
                self.ref(fw_policy, ("networks", i), name, ("networks",), "network")
            if fw_policy.kind == "hierarchical" and fw_policy.networks:
                self.report.add(
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
                    self.report.add(
                        fw_policy,
                        ("rules", i, "priority"),
                        f"priority {rule.priority} is used by rule {priorities[key]} too "
                        "(expected unique priorities within a firewall policy)",
                        "duplicate-name",
                    )
                priorities[key] = i
        for group in bp.security_groups:
            self.ref(group, ("cloud",), group.cloud, ("clouds",), "cloud")
            self.ref(group, ("network",), group.network, ("networks",), "network")
            if self.provider(group.cloud) == "aws":
                for direction in ("inbound_rules", "outbound_rules"):
                    for i, rule in enumerate(getattr(group, direction)):
                        if rule.action != "accept":
                            self.report.add(
                                group,
                                (direction, i, "action"),
                                "AWS security groups only allow (expected action: accept; "
                                "use a network ACL to deny)",
                                "invalid-value",
                            )
            for direction in ("inbound_rules", "outbound_rules"):
                for i, rule in enumerate(getattr(group, direction)):
                    for j, name in enumerate(rule.security_groups):
                        self.ref(
                            group,
                            (direction, i, "security_groups", j),
                            name,
                            ("security_groups",),
                            "security group",
                        )

    def aws_associations(self, network: Network) -> None:
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
                        self.report.add(
                            item,
                            (flag,),
                            f"{kind} '{first_flagged}' is already the {flag} one of "
                            f"'{network.name}' (expected one {flag} {kind} per VPC)",
                            "invalid-value",
                        )
                    first_flagged = first_flagged or item.name
                for i, subnet in enumerate(item.subnets):
                    if subnet in owner:
                        self.report.add(
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
                    self.ref(route, (f"next_hop_{kind}",), target, sections, what)

    def public_gateways(self, network: Network) -> None:
        """Scaleway Public Gateways: unique names, attached to Private Networks of this VPC, each
        Private Network to one gateway at most."""
        self.duplicates(network.public_gateways, "public gateway", f" in network '{network.name}'")
        names = [p.name for p in network.private_networks]
        attached: dict[str, str] = {}
        for gateway in network.public_gateways:
            for index, link in enumerate(gateway.private_networks):
                field = ("private_networks", index, "private_network")
                if link.private_network not in names:
                    self.report.add(
                        gateway,
                        field,
                        f"unknown Private Network '{link.private_network}' in network '{network.name}' (expected one of: {', '.join(sorted(names)) or 'none defined'}{_did_you_mean(link.private_network, names)})",
                        "unknown-reference",
                    )
                elif link.private_network in attached:
                    self.report.add(
                        gateway,
                        field,
                        f"Private Network '{link.private_network}' is already attached to public gateway '{attached[link.private_network]}' (expected one gateway per Private Network)",
                        "duplicate-name",
                    )
                else:
                    attached[link.private_network] = gateway.name

    def provider_fields(self, network: Network, provider: str | None) -> None:
        if provider is None:
            return
        only = {
            "private_networks": "scaleway",
            "acl": "scaleway",
            "public_gateways": "scaleway",
            "firewall_rules": "gcp",
            "routes": "gcp",
            "cidr_blocks": "aws",
            "route_tables": "aws",
            "network_acls": "aws",
        }
        for field, owner in only.items():
            if getattr(network, field) and provider != owner:
                self.report.add(
                    network,
                    (field,),
                    f"'{field}' is not available on {provider} networks (expected only on {owner})",
                    "provider",
                )
        if provider == "scaleway" and network.subnets:
            self.report.add(
                network,
                ("subnets",),
                "Scaleway VPCs have Private Networks, not subnets (expected private_networks:)",
                "provider",
            )
        if provider != "gcp" and network.routing_mode != "regional":
            self.report.add(
                network,
                ("routing_mode",),
                f"routing_mode is a GCP setting (expected it unset on {provider})",
                "provider",
            )

    def address_plan(self, network: Network) -> None:
        ranges: list[tuple[IPNetwork, Model, tuple[str | int, ...], str]] = []
        for subnet in network.all_subnets:
            ranges.append((ipaddress.ip_network(subnet.cidr), subnet, ("cidr",), subnet.name))
            self.duplicates(
                subnet.secondary_ranges, "secondary range", f" in subnet '{subnet.name}'"
            )
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
                _within(ipaddress.ip_network(subnet.cidr), ipaddress.ip_network(block))
                for block in network.cidr_blocks
            ):
                self.report.add(
                    subnet,
                    ("cidr",),
                    f"{subnet.cidr} is outside the network's ranges "
                    f"(expected inside {', '.join(network.cidr_blocks)})",
                    "outside-range",
                )
        for i, (net_a, _obj_a, _field_a, name_a) in enumerate(ranges):
            for net_b, obj_b, field_b, name_b in ranges[i + 1 :]:
                if net_a.overlaps(net_b):
                    self.report.add(
                        obj_b,
                        field_b,
                        f"{net_b} ({name_b}) overlaps {net_a} ({name_a}) in network '{network.name}' "
                        "(expected disjoint ranges within one network)",
                        "overlap",
                    )

    def peerings(self) -> None:
        pairs: dict[tuple[str, str], Peering] = {}
        for peering in self.bp.peerings:
            self.ref(peering, ("network",), peering.network, ("networks",), "network")
            self.ref(peering, ("peer_network",), peering.peer_network, ("networks",), "network")
            if peering.network == peering.peer_network:
                self.report.add(
                    peering,
                    ("peer_network",),
                    "a network cannot peer with itself (expected another network)",
                    "invalid-value",
                )
            key = (peering.network, peering.peer_network)
            if key in pairs:
                self.report.add(
                    peering,
                    ("peer_network",),
                    f"'{peering.network}' already peers with '{peering.peer_network}' (expected one peering per pair)",
                    "duplicate-name",
                )
            pairs[key] = peering
        for (network, peer), peering in pairs.items():
            if (
                (peer, network) not in pairs
                and network in self.index["networks"]
                and peer in self.index["networks"]
            ):
                self.report.add(
                    peering,
                    ("peer_network",),
                    f"no peering from '{peer}' back to '{network}': GCP keeps the peering INACTIVE "
                    "until both sides exist (expected a peering with network: "
                    f"{peer}, peer_network: {network})",
                    "peering-inactive",
                    severity="warning",
                )

    def speaker_asn(self, session: Model, end_field: str, speaker: str) -> tuple[int | None, Any]:
        target = self.ref(
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
            self.report.add(
                session,
                (end_field, "speaker"),
                f"'{speaker}' has no ASN (expected asn: on the VPN gateway)",
                "asn",
            )
        return asn, target

    def vpn(self) -> None:
        bp = self.bp
        for gateway in bp.vpn_gateways:
            self.ref(gateway, ("cloud",), gateway.cloud, ("clouds",), "cloud")
            network = self.ref(gateway, ("network",), gateway.network, ("networks",), "network")
            self.subnet_of(gateway, ("private_network",), network, gateway.private_network)
            provider = self.provider(gateway.cloud)
            expected = {
                "ha_vpn": "gcp",
                "classic_vpn": "gcp",
                "scaleway_s2s": "scaleway",
                "aws_vgw": "aws",
                "aws_tgw": "aws",
            }[gateway.type]
            if provider is not None and provider != expected:
                self.report.add(
                    gateway,
                    ("type",),
                    f"{gateway.type} is a {expected} gateway but cloud '{gateway.cloud}' is {provider} (expected a {provider} gateway type)",
                    "provider",
                )
            ids = [i.id for i in gateway.interfaces]
            if len(set(ids)) != len(ids):
                self.report.add(
                    gateway,
                    ("interfaces",),
                    "interface ids repeat (expected unique ids)",
                    "duplicate-name",
                )
        for router in bp.routers:
            self.ref(router, ("cloud",), router.cloud, ("clouds",), "cloud")
            self.ref(router, ("network",), router.network, ("networks",), "network")
            if self.provider(router.cloud) not in (None, "gcp"):
                self.report.add(
                    router,
                    ("cloud",),
                    "routers are GCP Cloud Routers (expected a gcp cloud)",
                    "provider",
                )
            if not any(low <= router.asn <= high for low, high in GCP_PRIVATE_ASNS):
                self.report.add(
                    router,
                    ("asn",),
                    f"{router.asn} is not a private ASN; Cloud Router needs 64512-65534 or 4200000000-4294967294 (expected a private ASN)",
                    "asn",
                )
            self.cloud_nats(router)
            if router.advertise_mode == "default" and (
                router.advertised_groups or router.advertised_ranges
            ):
                self.report.add(
                    router,
                    ("advertise_mode",),
                    "advertised groups and ranges only apply in custom mode (expected advertise_mode: custom)",
                    "invalid-value",
                )
        for policy in bp.routing_policies:
            self.ref(policy, ("cloud",), policy.cloud, ("clouds",), "cloud")
        for tunnel in bp.vpn_tunnels:
            ends = []
            for end_field in ("local", "peer"):
                end = getattr(tunnel, end_field)
                gateway = self.ref(
                    tunnel, (end_field, "gateway"), end.gateway, ("vpn_gateways",), "VPN gateway"
                )
                ends.append(gateway)
                if (
                    gateway is not None
                    and gateway.interfaces
                    and end.interface not in [i.id for i in gateway.interfaces]
                ):
                    self.report.add(
                        tunnel,
                        (end_field, "interface"),
                        f"gateway '{gateway.name}' has no interface {end.interface} (expected one of {[i.id for i in gateway.interfaces]})",
                        "unknown-reference",
                    )
            if tunnel.local.gateway == tunnel.peer.gateway:
                self.report.add(
                    tunnel,
                    ("peer", "gateway"),
                    "both ends are the same gateway (expected two gateways)",
                    "invalid-value",
                )
        for session in bp.bgp_sessions:
            tunnel = self.ref(session, ("tunnel",), session.tunnel, ("vpn_tunnels",), "VPN tunnel")
            asns = []
            interfaces = []
            for end_field in ("local", "peer"):
                end = getattr(session, end_field)
                asn, speaker = self.speaker_asn(session, end_field, end.speaker)
                asns.append(asn)
                self.ref(
                    session,
                    (end_field, "routing_policy"),
                    end.routing_policy,
                    ("routing_policies",),
                    "routing policy",
                )
                if tunnel is not None and speaker is not None:
                    end_gateway = self.index["vpn_gateways"].get(getattr(tunnel, end_field).gateway)
                    if (
                        end_gateway is not None
                        and speaker is not end_gateway
                        and getattr(speaker, "network", None) != end_gateway.network
                    ):
                        self.report.add(
                            session,
                            (end_field, "speaker"),
                            f"speaker '{speaker.name}' is not in network '{end_gateway.network}' of gateway '{end_gateway.name}' (expected the Cloud Router of that network or the gateway itself)",
                            "invalid-value",
                        )
                interfaces.append(self.bgp_address(session, end_field, end.address))
            if asns[0] is not None and asns[0] == asns[1]:
                self.report.add(
                    session,
                    ("peer", "speaker"),
                    f"both ends use ASN {asns[0]} (expected different ASNs for eBGP)",
                    "asn",
                )
            a, b = interfaces
            if a is not None and b is not None:
                if a.network != b.network:
                    self.report.add(
                        session,
                        ("peer", "address"),
                        f"{b} is not in the same /{a.network.prefixlen} as {a} (expected both ends in one link-local /30, e.g. {a.network})",
                        "bgp-address",
                    )
                elif a.ip == b.ip:
                    self.report.add(
                        session,
                        ("peer", "address"),
                        f"both ends use {a.ip} (expected two different addresses)",
                        "bgp-address",
                    )

    def bgp_address(
        self, session: Model, end_field: str, text: str
    ) -> ipaddress.IPv4Interface | None:
        try:
            interface = ipaddress.ip_interface(text)
        except ValueError:
            self.report.add(
                session,
                (end_field, "address"),
                f"{text!r} is not an address with prefix (expected e.g. '169.254.0.1/30')",
                "bgp-address",
            )
            return None
        if "/" not in text:
            self.report.add(
                session,
                (end_field, "address"),
                f"{text!r} has no prefix length (expected e.g. '{text}/30')",
                "bgp-address",
            )
            return None
        if not isinstance(interface, ipaddress.IPv4Interface) or interface.ip not in LINK_LOCAL:
            self.report.add(
                session,
                (end_field, "address"),
                f"{text} is outside 169.254.0.0/16 (expected a link-local address)",
                "bgp-address",
            )
            return None
        if interface.network.prefixlen != 30:
            self.report.add(
                session,
                (end_field, "address"),
                f"{text} is a /{interface.network.prefixlen} (expected a /30 link-local network)",
                "bgp-address",
            )
            return None
        if interface.ip in (interface.network.network_address, interface.network.broadcast_address):
            self.report.add(
                session,
                (end_field, "address"),
                f"{interface.ip} is the network or broadcast address of {interface.network} (expected .1 or .2 of the /30)",
                "bgp-address",
            )
            return None
        return interface

    def cluster_range(self, cluster: Any, field: str, subnet: Subnet | None) -> IPNetwork | None:
        value = getattr(cluster, field)
        if value is None:
            return None
        try:
            return ipaddress.ip_network(value)
        except ValueError:
            pass
        try:
            # '10.12.0.1/16' also matches the name pattern; say what is really wrong with it
            fixed = ipaddress.ip_network(value, strict=False)
        except ValueError:
            fixed = None
        if fixed is not None:
            self.report.add(
                cluster,
                (field,),
                f"{value!r} has host bits set (expected the network address, e.g. '{fixed}')",
                "invalid-cidr",
            )
            return None
        if subnet is None:
            return None
        for secondary in subnet.secondary_ranges:
            if secondary.name == value:
                return ipaddress.ip_network(secondary.cidr)
        options = _names(subnet.secondary_ranges)
        self.report.add(
            cluster,
            (field,),
            f"'{value}' is neither a CIDR nor a secondary range of subnet '{subnet.name}' (expected a CIDR or one of: {', '.join(options) or 'none defined'}{_did_you_mean(value, options)})",
            "unknown-reference",
        )
        return None

    def clusters(self) -> None:
        self.pod_ranges: dict[str, IPNetwork] = {}
        for cluster in self.bp.clusters:
            self.ref(cluster, ("cloud",), cluster.cloud, ("clouds",), "cloud")
            network = self.ref(cluster, ("network",), cluster.network, ("networks",), "network")
            subnet = self.subnet_of(cluster, ("subnet",), network, cluster.subnet)
            pods = self.cluster_range(cluster, "pod_range", subnet)
            self.cluster_range(cluster, "service_range", subnet)
            if pods is not None:
                self.pod_ranges[cluster.name] = pods
            self.duplicates(cluster.namespaces, "namespace", f" in cluster '{cluster.name}'")
            for i, name in enumerate(cluster.node_security_groups):
                self.ref(
                    cluster,
                    ("node_security_groups", i),
                    name,
                    ("security_groups",),
                    "security group",
                )

    def workloads(self) -> None:
        for workload in self.bp.workloads:
            self.ref(workload, ("cloud",), workload.cloud, ("clouds",), "cloud")
            network = self.ref(workload, ("network",), workload.network, ("networks",), "network")
            subnet = self.subnet_of(workload, ("subnet",), network, workload.subnet)
            cluster = self.ref(workload, ("cluster",), workload.cluster, ("clusters",), "cluster")
            for i, name in enumerate(workload.security_groups):
                self.ref(
                    workload, ("security_groups", i), name, ("security_groups",), "security group"
                )
            container: IPNetwork | None = None
            label = ""
            if subnet is not None:
                container, label = ipaddress.ip_network(subnet.cidr), f"subnet '{subnet.name}'"
            elif cluster is not None and cluster.name in self.pod_ranges:
                container, label = (
                    self.pod_ranges[cluster.name],
                    f"the pod range of cluster '{cluster.name}'",
                )
            for i, text in enumerate(workload.addresses):
                try:
                    value = (
                        ipaddress.ip_network(text, strict=True)
                        if workload.kind == "external_api"
                        else ipaddress.ip_address(text)
                    )
                except ValueError:
                    expected = (
                        "a CIDR or an address"
                        if workload.kind == "external_api"
                        else "an IP address"
                    )
                    self.report.add(
                        workload,
                        ("addresses", i),
                        f"{text!r} is not {expected} (expected e.g. '10.0.0.10')",
                        "invalid-cidr",
                    )
                    continue
                if (
                    container is not None
                    and isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address)
                    and value not in container
                ):
                    self.report.add(
                        workload,
                        ("addresses", i),
                        f"{value} is outside {label} {container} (expected an address inside it)",
                        "outside-range",
                    )
            if workload.public_address is not None:
                try:
                    ipaddress.ip_address(workload.public_address)
                except ValueError:
                    self.report.add(
                        workload,
                        ("public_address",),
                        f"{workload.public_address!r} is not an IP address (expected e.g. '51.15.0.10')",
                        "invalid-cidr",
                    )

    def edge_and_dns(self) -> None:
        bp = self.bp
        for gns in bp.global_namespaces:
            for i, member in enumerate(gns.members):
                self.ref(gns, ("members", i, "cluster"), member.cluster, ("clusters",), "cluster")
            self.duplicates(gns.policies, "policy", f" in global namespace '{gns.name}'")
            for i, policy in enumerate(gns.policies):
                for j, source in enumerate(policy.sources):
                    self.ref(gns, ("policies", i, "sources", j), source, ("workloads",), "workload")
                self.ref(
                    gns,
                    ("policies", i, "destination"),
                    policy.destination,
                    ("workloads",),
                    "workload",
                )
        for lb in bp.load_balancers:
            self.ref(lb, ("cloud",), lb.cloud, ("clouds",), "cloud")
            network = self.ref(lb, ("network",), lb.network, ("networks",), "network")
            self.subnet_of(lb, ("private_network",), network, lb.private_network)
            for i, backend in enumerate(lb.backends):
                self.ref(
                    lb,
                    ("backends", i, "target"),
                    backend.target,
                    ("workloads", "load_balancers"),
                    "backend",
                )
        for zone in bp.dns_zones:
            self.ref(zone, ("cloud",), zone.cloud, ("clouds",), "cloud")
            for i, name in enumerate(zone.networks):
                self.ref(zone, ("networks", i), name, ("networks",), "network")
            for i, target in enumerate(zone.forwarding_targets):
                self.ref(
                    zone,
                    ("forwarding_targets", i, "workload"),
                    target.workload,
                    ("workloads",),
                    "workload",
                )
            if not zone.domain.endswith("."):
                self.report.add(
                    zone,
                    ("domain",),
                    f"{zone.domain!r} is not fully qualified (expected a trailing dot: '{zone.domain}.')",
                    "invalid-value",
                )
            if zone.kind == "forwarding" and not zone.forwarding_targets:
                self.report.add(
                    zone,
                    ("forwarding_targets",),
                    "a forwarding zone needs targets (expected forwarding_targets:)",
                    "missing",
                )
        for server_policy in bp.dns_server_policies:
            self.ref(server_policy, ("network",), server_policy.network, ("networks",), "network")

    def controls(self) -> None:
        bp = self.bp
        workload = ("workloads",)
        for key in bp.keys:
            self.ref(key, ("held_by",), key.held_by, workload, "workload")
            for i, name in enumerate(key.protects):
                self.ref(key, ("protects", i), name, ("buckets",), "bucket")
        for bucket in bp.buckets:
            self.ref(bucket, ("cloud",), bucket.cloud, ("clouds",), "cloud")
            self.ref(bucket, ("encryption_key",), bucket.encryption_key, ("keys",), "key")
            self.ref(bucket, ("reached_via",), bucket.reached_via, workload, "workload")
        for perimeter in bp.service_perimeters:
            self.ref(perimeter, ("cloud",), perimeter.cloud, ("clouds",), "cloud")
        for dlp in bp.dlp_paths:
            self.ref(dlp, ("client",), dlp.client, workload, "workload")
            self.ref(dlp, ("api",), dlp.api, workload, "workload")
            self.ref(
                dlp,
                ("service_perimeter",),
                dlp.service_perimeter,
                ("service_perimeters",),
                "service perimeter",
            )
        for backup in bp.backups:
            self.ref(backup, ("agent",), backup.agent, workload, "workload")
            self.ref(backup, ("source",), backup.source, workload, "workload")
            self.ref(backup, ("destination",), backup.destination, ("buckets",), "bucket")
            self.ref(backup, ("via",), backup.via, workload, "workload")
            self.ref(backup, ("encryption_key",), backup.encryption_key, ("keys",), "key")
        for credential in bp.credentials:
            self.ref(credential, ("cloud",), credential.cloud, ("clouds",), "cloud")
            self.ref(credential, ("vault",), credential.vault, workload, "workload")
        for role in bp.vault_roles:
            self.ref(role, ("vault",), role.vault, workload, "workload")
            for i, name in enumerate(role.credentials):
                self.ref(role, ("credentials", i), name, ("credentials",), "credential")
            for i, binding in enumerate(role.bindings):
                self.ref(
                    role, ("bindings", i, "cluster"), binding.cluster, ("clusters",), "cluster"
                )
        for intent in bp.intents:
            for field in ("source", "destination"):
                value = getattr(intent, field)
                if value in RESERVED_ENDPOINTS or value in self.endpoints:
                    continue
                try:
                    ipaddress.ip_address(value)
                except ValueError:
                    options = list(self.endpoints)
                    self.report.add(
                        intent,
                        (field,),
                        f"unknown endpoint '{value}' (expected a workload, a load balancer, 'internet' or an IP address{_did_you_mean(value, options)})",
                        "unknown-reference",
                    )

    def connected_overlaps(self) -> None:
        """Overlapping ranges across networks joined by peering or VPN: legal, but routes shadow each other."""
        parent: dict[str, str] = {n.name: n.name for n in self.bp.networks}

        def find(name: str) -> str:
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        def union(a: str | None, b: str | None) -> None:
            if a in parent and b in parent:
                parent[find(a)] = find(b)

        for peering in self.bp.peerings:
            union(peering.network, peering.peer_network)
        gateways = self.index["vpn_gateways"]
        for tunnel in self.bp.vpn_tunnels:
            local, peer = gateways.get(tunnel.local.gateway), gateways.get(tunnel.peer.gateway)
            if local is not None and peer is not None:
                union(local.network, peer.network)
        ranges: dict[str, list[tuple[IPNetwork, Model, tuple[str | int, ...], str]]] = defaultdict(
            list
        )
        for network in self.bp.networks:
            for subnet in network.all_subnets:
                ranges[network.name].append(
                    (ipaddress.ip_network(subnet.cidr), subnet, ("cidr",), subnet.name)
                )
                for i, secondary in enumerate(subnet.secondary_ranges):
                    ranges[network.name].append(
                        (
                            ipaddress.ip_network(secondary.cidr),
                            subnet,
                            ("secondary_ranges", i, "cidr"),
                            f"{subnet.name}/{secondary.name}",
                        )
                    )
        for cluster in self.bp.clusters:
            pods = self.pod_ranges.get(cluster.name)
            if (
                pods is not None
                and cluster.network in parent
                and not any(pods == r[0] for r in ranges[cluster.network])
            ):
                ranges[cluster.network].append(
                    (pods, cluster, ("pod_range",), f"pods of {cluster.name}")
                )
        names = sorted(ranges)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if find(a) != find(b):
                    continue
                for net_a, _, _, label_a in ranges[a]:
                    for net_b, obj_b, field_b, label_b in ranges[b]:
                        if net_a.overlaps(net_b):
                            self.report.add(
                                obj_b,
                                field_b,
                                f"{net_b} ({label_b} in '{b}') overlaps {net_a} ({label_a} in '{a}'), and the two "
                                "networks are connected: the more specific route shadows the other "
                                "(expected disjoint address space across connected networks)",
                                "overlap-connected",
                                severity="warning",
                            )


def validate(blueprint: Blueprint, positions: Positions | None = None) -> Iterator[Problem]:
    """Every semantic problem of the blueprint: errors (it must not be used) and warnings (suspicious)."""
    report = _Report(positions)
    _Validator(blueprint, report).run()
    yield from report.problems
