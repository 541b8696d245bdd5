"""GCP objects of a blueprint as Terraform JSON (`*.tf.json`) for the `hashicorp/google` provider: networks, subnets, peerings, routes, firewall rules, Cloud Routers, HA VPN with its tunnels, interfaces and BGP peers.

Terraform's JSON syntax (https://developer.hashicorp.com/terraform/language/syntax/json):
`resource.<type>.<name>` objects, references as `${<type>.<name>.<attribute>}` strings, nested
blocks as lists of objects, `variable` and `terraform.required_providers`. Attribute names are
the provider's (https://registry.terraform.io/providers/hashicorp/google/latest/docs); a test
checks each against the provider schema `@cdktf/provider-google` is generated from.

A VPN pre-shared key is never written: each tunnel's `shared_secret` is a `sensitive` variable.
What Terraform cannot express as the blueprint says (a GCP name GCP refuses, a black-hole route,
a next hop the target does not manage) is a located problem, never a broader resource.
This is the start of the terraform target: it is not offered by `crossfence compile` yet.
"""

from __future__ import annotations

import re
from typing import Any

from ...algebra.ports import parse_port_spec
from ...errors import Problem
from ...model import Blueprint, FirewallRule, Network, Route, VpnGateway, VpnTunnel
from ...terraform.mapping import configuration
from .tfjson_base import Writer as _Writer
from .tfjson_base import label as _label
from .tfjson_base import ref as _ref
from .tfjson_clusters import clusters
from .tfjson_compute import instances
from .tfjson_edge import buckets, load_balancers
from .tfjson_perimeters import perimeters
from .tfjson_services import dns, firewall_policies, nats, org_policies

__all__ = ["GOOGLE_PROVIDER_VERSION", "google_terraform"]

GOOGLE_PROVIDER_VERSION = "6.50.0"
"""The `hashicorp/google` version the written attribute names are checked against (the one
`@cdktf/provider-google` 16.12.1 is generated from)."""


def google_terraform(blueprint: Blueprint) -> tuple[dict[str, Any], list[Problem], list[Problem]]:
    """The Terraform JSON document of the blueprint's GCP objects, the problems that keep it from
    being written, and the warnings."""
    writer = _Writer(blueprint)
    providers = []
    for cloud in blueprint.clouds:
        if cloud.provider == "gcp":
            provider: dict[str, Any] = {"region": cloud.region}
            if cloud.project:
                provider["project"] = cloud.project
            if len(writer.clouds) > 1:
                provider["alias"] = _label(cloud.name)
            providers.append(provider)
    networks = [n for n in blueprint.networks if n.cloud in writer.clouds]
    for network in networks:
        _network(writer, network)
    for peering in blueprint.peerings:
        if any(n.name == peering.network for n in networks):
            _peering(writer, peering)
    for router in blueprint.routers:
        if router.cloud in writer.clouds:
            _router(writer, router)
    for gateway in blueprint.vpn_gateways:
        if gateway.cloud in writer.clouds:
            _gateway(writer, gateway)
    for tunnel in blueprint.vpn_tunnels:
        local = blueprint.get("vpn_gateways", tunnel.local.gateway)
        if local is not None and local.cloud in writer.clouds:
            _tunnel(writer, tunnel, local)
    firewall_policies(writer)
    nats(writer)
    dns(writer)
    org_policies(writer)
    load_balancers(writer)
    buckets(writer)
    instances(writer)
    clusters(writer)
    perimeters(writer)
    document = configuration(
        "google",
        "hashicorp/google",
        GOOGLE_PROVIDER_VERSION,
        providers,
        writer.variables,
        writer.resources,
    )
    return document, writer.problems, writer.warnings


def _network(writer: _Writer, network: Network) -> None:
    path = f"networks[{network.name}]"
    body: dict[str, Any] = {
        "name": writer.name(network, "network", network.name, path),
        "auto_create_subnetworks": False,
        "routing_mode": network.routing_mode.upper(),
        "delete_default_routes_on_create": network.delete_default_routes_on_create,
    }
    order = network.network_firewall_policy_enforcement_order
    if order is not None:
        body["network_firewall_policy_enforcement_order"] = order.upper()
    writer.add("google_compute_network", _label(network.name), body)
    network_id = _ref("google_compute_network", network.name, "id")
    for subnet in network.subnets:
        sub: dict[str, Any] = {
            "name": writer.name(subnet, "subnet", subnet.name, f"{path}.subnets[{subnet.name}]"),
            "network": network_id,
            "ip_cidr_range": subnet.cidr,
            "region": subnet.region or writer.region(network),
            "private_ip_google_access": subnet.private_google_access,
            # flow logs record traffic and change none (https://cloud.google.com/vpc/docs/flow-logs)
            "log_config": [
                {
                    "aggregation_interval": "INTERVAL_5_SEC",
                    "flow_sampling": 0.5,
                    "metadata": "INCLUDE_ALL_METADATA",
                }
            ],
        }
        if subnet.secondary_ranges:
            sub["secondary_ip_range"] = [
                {"range_name": r.name, "ip_cidr_range": r.cidr} for r in subnet.secondary_ranges
            ]
        writer.add("google_compute_subnetwork", _label(subnet.name), sub)
    for route in network.routes:
        _route(writer, network, route)
    for rule in network.firewall_rules:
        _firewall(writer, network, rule)


def _route(writer: _Writer, network: Network, route: Route) -> None:
    path = f"networks[{network.name}].routes[{route.name}]"
    body: dict[str, Any] = {
        "name": writer.name(route, "route", route.name, path),
        "network": _ref("google_compute_network", network.name, "id"),
        "dest_range": route.destination,
        "priority": route.priority,
    }
    if route.tags:
        body["tags"] = list(route.tags)
    if route.next_hop_gateway is not None:
        body["next_hop_gateway"] = "default-internet-gateway"
    elif route.next_hop_ip is not None:
        body["next_hop_ip"] = route.next_hop_ip
    elif route.next_hop_vpn_tunnel is not None:
        body["next_hop_vpn_tunnel"] = _ref(
            "google_compute_vpn_tunnel", route.next_hop_vpn_tunnel, "id"
        )
    elif route.next_hop_ilb is not None and re.match(r"^[0-9.]+$", route.next_hop_ilb):
        body["next_hop_ilb"] = route.next_hop_ilb
    elif route.next_hop_instance is not None and _written_vm(writer, route.next_hop_instance):
        # the instance's full URL: no next_hop_instance_zone needed
        # (https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_route)
        body["next_hop_instance"] = _ref(
            "google_compute_instance", route.next_hop_instance, "self_link"
        )
    else:
        hop = next(
            (
                f
                for f in ("next_hop_instance", "next_hop_ilb", "blackhole")
                if getattr(route, f) not in (None, False)
            ),
            "its next hop",
        )
        writer.problem(
            route,
            path,
            f"route '{route.name}': {hop} has no Terraform form here (GCP has no black-hole "
            "route; internal forwarding rules are not compiled, nor instances other than a "
            "Google VM with one address; expected next_hop_gateway, next_hop_ip, "
            "next_hop_vpn_tunnel, next_hop_instance naming such a VM, or an internal load "
            "balancer's address)",
        )
        return
    writer.add("google_compute_route", _label(route.name), body)


def _written_vm(writer: _Writer, name: str) -> bool:
    """Whether `name` is a VM compile writes as a `google_compute_instance` (`tfjson_compute`)."""
    vm = writer.blueprint.get("workloads", name)
    cloud = writer.blueprint.cloud_of(vm) if vm is not None else None
    return (
        vm is not None
        and vm.kind == "vm"
        and len(vm.addresses) == 1
        and cloud is not None
        and cloud.name in writer.clouds
    )


def _protocols(specs: tuple[str, ...]) -> list[dict[str, Any]]:
    """Firewall `allow`/`deny` blocks: one per protocol, its ports (`443`, `8000-8100`), none
    for every port (https://cloud.google.com/firewall/docs/firewalls#protocols_and_ports)."""
    ports: dict[str, list[str] | None] = {}
    for spec in specs:
        protocol, low, high = parse_port_spec(spec)
        name = protocol.removeprefix("proto/")
        if low is None or high is None:
            ports[name] = None
            continue
        if name in ports and ports[name] is None:
            continue
        text = str(low) if low == high else f"{low}-{high}"
        ports.setdefault(name, [])
        listed = ports[name]
        assert listed is not None
        listed.append(text)
    blocks = []
    for name, listed in ports.items():
        block: dict[str, Any] = {"protocol": name}
        if listed:
            block["ports"] = listed
        blocks.append(block)
    return blocks


def _firewall(writer: _Writer, network: Network, rule: FirewallRule) -> None:
    path = f"networks[{network.name}].firewall_rules[{rule.name}]"
    body: dict[str, Any] = {
        "name": writer.name(rule, "firewall rule", rule.name, path),
        "network": _ref("google_compute_network", network.name, "id"),
        "direction": rule.direction.upper(),
        "priority": rule.priority,
        rule.action: _protocols(rule.ports),
        "disabled": rule.disabled,
    }
    for field in (
        "source_ranges",
        "destination_ranges",
        "source_tags",
        "source_service_accounts",
        "target_tags",
        "target_service_accounts",
    ):
        values = getattr(rule, field)
        if values:
            body[field] = list(values)
    if rule.enable_logging:
        body["log_config"] = [{"metadata": "INCLUDE_ALL_METADATA"}]
    writer.add("google_compute_firewall", _label(f"{network.name}-{rule.name}"), body)


def _router(writer: _Writer, router: Any) -> None:
    path = f"routers[{router.name}]"
    bgp: dict[str, Any] = {"asn": router.asn, "advertise_mode": router.advertise_mode.upper()}
    if router.advertise_mode == "custom":
        bgp["advertised_groups"] = [g.upper() for g in router.advertised_groups]
        bgp["advertised_ip_ranges"] = [
            {"range": r.range, **({"description": r.description} if r.description else {})}
            for r in router.advertised_ranges
        ]
    writer.add(
        "google_compute_router",
        _label(router.name),
        {
            "name": writer.name(router, "Cloud Router", router.name, path),
            "network": _ref("google_compute_network", router.network, "id"),
            "region": writer.region(router),
            "bgp": [bgp],
        },
    )


def _gateway(writer: _Writer, gateway: VpnGateway) -> None:
    path = f"vpn_gateways[{gateway.name}]"
    if gateway.type != "ha_vpn":
        writer.problem(
            gateway,
            path,
            f"VPN gateway '{gateway.name}' is a {gateway.type}: only HA VPN is compiled "
            "(expected type ha_vpn)",
        )
        return
    # the interfaces' addresses are Google's to assign: they are outputs, not arguments
    writer.add(
        "google_compute_ha_vpn_gateway",
        _label(gateway.name),
        {
            "name": writer.name(gateway, "VPN gateway", gateway.name, path),
            "network": _ref("google_compute_network", gateway.network, "id"),
            "region": writer.region(gateway),
        },
    )


def _peer_gateway(writer: _Writer, peer: VpnGateway) -> str:
    """A VPN gateway of another cloud as Google's external VPN gateway, once."""
    kind = "google_compute_external_vpn_gateway"
    if _label(peer.name) not in writer.resources.get(kind, {}):
        count = len(peer.interfaces)
        redundancy = {
            1: "SINGLE_IP_INTERNALLY_REDUNDANT",
            2: "TWO_IPS_REDUNDANCY",
            4: "FOUR_IPS_REDUNDANCY",
        }
        if count not in redundancy:
            writer.problem(
                peer,
                f"vpn_gateways[{peer.name}].interfaces",
                f"VPN gateway '{peer.name}' has {count} interfaces: an external VPN gateway has "
                "1, 2 or 4 (expected one of those)",
            )
            return ""
        writer.add(
            kind,
            _label(peer.name),
            {
                "name": writer.name(peer, "VPN gateway", peer.name, f"vpn_gateways[{peer.name}]"),
                "redundancy_type": redundancy[count],
                "interface": [
                    {"id": i.id, "ip_address": i.ip}
                    for i in sorted(peer.interfaces, key=lambda i: i.id)
                ],
            },
        )
    return _ref(kind, peer.name, "id")


def _tunnel(writer: _Writer, tunnel: VpnTunnel, local: VpnGateway) -> None:
    path = f"vpn_tunnels[{tunnel.name}]"
    blueprint = writer.blueprint
    peer = blueprint.get("vpn_gateways", tunnel.peer.gateway)
    session = next((s for s in blueprint.bgp_sessions if s.tunnel == tunnel.name), None)
    router_name = session.local.speaker if session is not None else None
    if peer is None or local.type != "ha_vpn":
        return
    if router_name is None or blueprint.get("routers", router_name) is None:
        writer.problem(
            tunnel,
            path,
            f"tunnel '{tunnel.name}' has no BGP session with a Cloud Router: an HA VPN tunnel "
            "needs its router (expected a bgp_sessions entry over it)",
        )
        return
    secret = f"{_label(tunnel.name).replace('-', '_')}_shared_secret"
    writer.variables[secret] = {
        "type": "string",
        "sensitive": True,
        "description": f"The IKE pre-shared key of VPN tunnel {tunnel.name}",
    }
    body: dict[str, Any] = {
        "name": writer.name(tunnel, "VPN tunnel", tunnel.name, path),
        "region": writer.region(local),
        "vpn_gateway": _ref("google_compute_ha_vpn_gateway", local.name, "id"),
        "vpn_gateway_interface": tunnel.local.interface,
        "shared_secret": f"${{var.{secret}}}",
        "router": _ref("google_compute_router", router_name, "id"),
        "ike_version": tunnel.ike_version,
    }
    if peer.cloud in writer.clouds:
        body["peer_gcp_gateway"] = _ref("google_compute_ha_vpn_gateway", peer.name, "id")
    else:
        external = _peer_gateway(writer, peer)
        if not external:
            return
        body["peer_external_gateway"] = external
        body["peer_external_gateway_interface"] = tunnel.peer.interface
    if tunnel.ike.encryption or tunnel.esp.encryption:
        writer.problem(
            tunnel,
            f"{path}.ike",
            f"tunnel '{tunnel.name}': Cloud VPN takes no cipher list; it offers its supported "
            "ciphers and the peer's configuration chooses "
            "(https://cloud.google.com/network-connectivity/docs/vpn/concepts/supported-ike-ciphers)",
            warning=True,
        )
    writer.add("google_compute_vpn_tunnel", _label(tunnel.name), body)
    if session is None:
        return
    interface = f"{session.name}-interface"
    writer.add(
        "google_compute_router_interface",
        _label(interface),
        {
            "name": interface,
            "router": _ref("google_compute_router", router_name, "name"),
            "region": writer.region(local),
            "ip_range": session.local.address,
            "vpn_tunnel": _ref("google_compute_vpn_tunnel", tunnel.name, "name"),
        },
    )
    peer_asn = _peer_asn(writer, session.peer.speaker)
    writer.add(
        "google_compute_router_peer",
        _label(session.name),
        {
            "name": writer.name(session, "BGP peer", session.name, f"bgp_sessions[{session.name}]"),
            "router": _ref("google_compute_router", router_name, "name"),
            "region": writer.region(local),
            "peer_ip_address": session.peer.address.split("/")[0],
            "peer_asn": peer_asn,
            "advertised_route_priority": session.local.advertised_route_priority,
            "interface": _ref("google_compute_router_interface", interface, "name"),
            "enable": session.enabled,
        },
    )


def _peer_asn(writer: _Writer, speaker: str) -> int | None:
    router = writer.blueprint.get("routers", speaker)
    if router is not None:
        return int(router.asn)
    gateway = writer.blueprint.get("vpn_gateways", speaker)
    return int(gateway.asn) if gateway is not None and gateway.asn is not None else None


def _peering(writer: _Writer, peering: Any) -> None:
    path = f"peerings[{peering.name}]"
    peer = writer.blueprint.get("networks", peering.peer_network)
    if peer is None or peer.cloud not in writer.clouds:
        writer.problem(
            peering,
            path,
            f"peering '{peering.name}' is with '{peering.peer_network}', not a GCP network of "
            "the blueprint (expected both sides in GCP)",
        )
        return
    writer.add(
        "google_compute_network_peering",
        _label(peering.name),
        {
            "name": writer.name(peering, "peering", peering.name, path),
            "network": _ref("google_compute_network", peering.network, "self_link"),
            "peer_network": _ref("google_compute_network", peering.peer_network, "self_link"),
            "export_custom_routes": peering.export_custom_routes,
            "import_custom_routes": peering.import_custom_routes,
            "export_subnet_routes_with_public_ip": peering.export_subnet_routes_with_public_ip,
            "import_subnet_routes_with_public_ip": peering.import_subnet_routes_with_public_ip,
        },
    )
