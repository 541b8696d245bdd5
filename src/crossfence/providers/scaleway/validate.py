"""What Scaleway refuses that the model alone cannot know: custom routes, VPC connectors (peering), VPC ACL rules whose ports cannot be read."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...model import Network, Peering, Route
    from ...model.validate.base import Validator

__all__ = ["RULES"]

# https://www.scaleway.com/en/docs/vpc/how-to/manage-routing/#how-to-create-a-custom-route:
# "Select a resource type: Instance, Public Gateway or Elastic Metal. Routing is not yet compatible
# with Managed Databases"; https://www.scaleway.com/en/docs/vpc-peering/how-to/manage-routing/:
# "select Peering connector as the next hop type". crossfence follows a resource (an Instance or
# Elastic Metal server, by workload or private address) or a VPC connector.
ROUTE_NEXT_HOPS = ("instance", "ip", "peering")

# Peering fields that say how GCP exchanges routes; a VPC connector exchanges none.
GCP_PEERING_FIELDS = (
    "export_custom_routes",
    "import_custom_routes",
    "export_subnet_routes_with_public_ip",
    "import_subnet_routes_with_public_ip",
)


def _scaleway_networks(v: Validator) -> list[Network]:
    return [n for n in v.bp.networks if v.provider(n.cloud) == "scaleway"]


def custom_routes(v: Validator) -> None:
    """VPC custom routes: only with VPC routing, towards a resource of the VPC or its connector."""
    for network in _scaleway_networks(v):
        if network.routes and not network.managed_routing:
            # "Click a VPC on which you have activated routing" (how to create a custom route)
            v.report.add(
                network,
                ("routes",),
                f"custom routes need VPC routing, which '{network.name}' does not have "
                "(expected managed_routing: true, or no routes)",
                "invalid-value",
            )
        for route in network.routes:
            _route(v, network, route)


def _route(v: Validator, network: Network, route: Route) -> None:
    if "priority" in route.model_fields_set:
        v.report.add(
            route,
            ("priority",),
            "Scaleway custom routes have no priority: the most specific destination wins "
            "(expected no priority)",
            "provider",
        )
    if route.tags:
        v.report.add(
            route,
            ("tags",),
            "Scaleway route tags only label a route, and crossfence reads tags as GCP network "
            "tags that restrict it (expected no tags)",
            "provider",
        )
    kind, target = route.next_hop
    if kind not in ROUTE_NEXT_HOPS:
        v.report.add(
            route,
            ("blackhole",) if kind == "blackhole" else (f"next_hop_{kind}",),
            "a Scaleway custom route goes to a resource on a Private Network of the VPC or to a "
            "VPC connector (expected next_hop_instance, next_hop_ip or next_hop_peering)",
            "provider",
        )
    elif kind == "instance":
        _resource_hop(v, network, route, target)
    elif kind == "peering":
        _connector_hop(v, network, route, target)
    destination = ipaddress.ip_network(route.destination)
    for pn in network.private_networks:
        if ipaddress.ip_network(pn.cidr) == destination:
            v.report.add(
                route,
                ("destination",),
                f"{destination} is the range of Private Network '{pn.name}': the documentation "
                "orders routes by destination only and does not say which of the two wins; "
                "crossfence keeps the Private Network's route (expected a destination outside "
                "the Private Networks, or a more specific one)",
                "route-shadowed",
                severity="warning",
            )


def _resource_hop(v: Validator, network: Network, route: Route, target: str) -> None:
    """The next-hop resource: an Instance or Elastic Metal server ("The resource must be attached
    to a Private Network in this VPC"), never a Managed Database."""
    workload = v.index["workloads"].get(target)
    if workload is None:
        return  # an unknown name is reported by the model's rules
    if workload.kind == "managed_database":
        v.report.add(
            route,
            ("next_hop_instance",),
            f"'{target}' is a Managed Database: routing is not compatible with Managed "
            "Databases (expected an Instance or Elastic Metal server: a vm workload)",
            "invalid-value",
        )
    elif workload.kind != "vm":
        v.report.add(
            route,
            ("next_hop_instance",),
            f"'{target}' is a {workload.kind} workload (expected an Instance or Elastic "
            "Metal server: a vm workload)",
            "invalid-value",
        )
    elif workload.network != network.name:
        v.report.add(
            route,
            ("next_hop_instance",),
            f"'{target}' is not attached to a Private Network of '{network.name}' "
            "(expected a resource of this VPC)",
            "invalid-value",
        )


def _connector_hop(v: Validator, network: Network, route: Route, target: str) -> None:
    side: Peering | None = v.index["peerings"].get(target)
    own = sorted(p.name for p in v.bp.peerings if p.network == network.name)
    if side is None:
        v.report.add(
            route,
            ("next_hop_peering",),
            f"unknown VPC connector '{target}' (expected one of: "
            f"{', '.join(own) or 'none defined'}: a peering with network: {network.name})",
            "unknown-reference",
        )
    elif side.network != network.name:
        v.report.add(
            route,
            ("next_hop_peering",),
            f"VPC connector '{target}' belongs to '{side.network}' (expected a connector of "
            f"'{network.name}': a peering with network: {network.name})",
            "invalid-value",
        )


def vpc_connectors(v: Validator) -> None:
    """VPC connectors (https://www.scaleway.com/en/docs/vpc-peering/reference-content/features-limitations/):
    no route exchange, two Scaleway VPCs of one region with routing on, one connector on each
    side. Overlapping ranges ("the two peering connectors will show a Conflict status",
    https://www.scaleway.com/en/docs/vpc-peering/concepts/#cidr-block) are refused by the model's
    rule for every peering."""
    sides = {(p.network, p.peer_network) for p in v.bp.peerings}
    for side in v.bp.peerings:
        network = v.index["networks"].get(side.network)
        peer = v.index["networks"].get(side.peer_network)
        if network is None or v.provider(network.cloud) != "scaleway":
            continue
        for name in GCP_PEERING_FIELDS:
            if name in side.model_fields_set:
                v.report.add(
                    side,
                    (name,),
                    "a Scaleway VPC connector exchanges no routes: traffic crosses where a custom "
                    "route of each VPC points at its connector (expected no "
                    f"{name}; routes with next_hop_peering)",
                    "provider",
                )
        if peer is None:
            continue  # an unknown name is reported by the model
        provider = v.provider(peer.cloud)
        if provider is not None and provider != "scaleway":
            v.report.add(
                side,
                ("peer_network",),
                f"a VPC connector peers two Scaleway VPCs; '{peer.name}' is a {provider} network "
                "(expected a Scaleway VPC)",
                "provider",
            )
            continue
        if (side.peer_network, side.network) not in sides:
            # "If only one side creates a connector, it remains in an Orphan status and no
            # connection is established" (features-limitations page)
            v.report.add(
                side,
                ("peer_network",),
                f"no peering from '{peer.name}' back to '{network.name}': a Scaleway VPC "
                "connector stays Orphan until both sides exist (expected a peering with network: "
                f"{peer.name}, peer_network: {network.name})",
                "peering-inactive",
                severity="warning",
            )
        _same_region(v, side, network, peer)
        for vpc, field in ((network, "network"), (peer, "peer_network")):
            if not vpc.managed_routing:
                v.report.add(
                    side,
                    (field,),
                    f"'{vpc.name}' has no VPC routing (managed_routing: false), and routing must "
                    "be activated before a peering connection can be established (expected "
                    "managed_routing: true)",
                    "invalid-value",
                )


def _same_region(v: Validator, side: Peering, network: Network, peer: Network) -> None:
    here = v.index["clouds"].get(network.cloud)
    there = v.index["clouds"].get(peer.cloud)
    if here is None or there is None or here.region == there.region:
        return
    v.report.add(
        side,
        ("peer_network",),
        f"'{network.name}' is in {here.region} and '{peer.name}' in {there.region}: VPC Peering "
        f"connects VPCs of one region only (expected a VPC of {here.region})",
        "invalid-value",
    )


def acl_rule_ports(v: Validator) -> None:
    """Ports on a VPC ACL rule whose protocol has none, or that Scaleway does not say it reads.
    The VPC API's AclRule has `protocol` ("ANY", "TCP", "UDP", "ICMP"; default ANY) and
    `src_port_low`/`src_port_high`/`dst_port_low`/`dst_port_high` ("Starting port of the
    destination port range to which this rule applies (inclusive)") without saying whether
    ports narrow an ANY rule (https://www.scaleway.com/en/developers/api/vpc/, scaleway.vpc.v2
    AclRule). ICMP has no ports: refused. ANY with ports: an accept rule is refused as ambiguous
    (read as any port it would widen what it lets through, read as TCP and UDP only it would
    narrow it); a drop rule is kept, its ports ignored (it then drops more, never lets more
    through)."""
    for network in _scaleway_networks(v):
        if network.acl is None:
            continue
        for rule in network.acl.rules:
            for field in ("source_ports", "destination_ports"):
                if getattr(rule, field) is None:
                    continue
                if rule.protocol == "icmp":
                    v.report.add(
                        rule,
                        (field,),
                        f"a VPC ACL rule for ICMP has no {field.replace('_', ' ')} (expected "
                        "protocol tcp or udp, or no ports)",
                        "invalid-value",
                    )
                elif rule.protocol == "any" and rule.action == "accept":
                    v.report.add(
                        rule,
                        (field,),
                        f"an accept rule for any protocol with {field.replace('_', ' ')} is "
                        "ambiguous: Scaleway does not document whether ports narrow an ANY rule "
                        "(expected protocol tcp or udp, or no ports)",
                        "invalid-value",
                    )


RULES = (custom_routes, vpc_connectors, acl_rule_ports)
