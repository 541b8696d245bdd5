"""What GCP refuses that the model alone cannot know: Cloud Router ASNs, firewall rule fields, route next hops and destinations, firewall policy associations, one-sided peerings."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...model import FirewallRule, Network
    from ...model.validate.base import Validator

__all__ = ["RULES"]

# https://cloud.google.com/network-connectivity/docs/router/concepts/overview#asns
GCP_PRIVATE_ASNS = ((64512, 65534), (4_200_000_000, 4_294_967_294))

# https://cloud.google.com/compute/docs/reference/rest/v1/routes: "A Route resource must have
# exactly one specification of either nextHopGateway, nextHopInstance, nextHopIp,
# nextHopVpnTunnel, or nextHopIlb" — no blackhole, no gateway or peering of another cloud.
GCP_NEXT_HOPS = ("next_hop_gateway", "next_hop_ip", "next_hop_instance", "next_hop_vpn_tunnel")


def _gcp_networks(v: Validator) -> list[Network]:
    return [n for n in v.bp.networks if v.provider(n.cloud) == "gcp"]


def router_asns(v: Validator) -> None:
    """A Cloud Router's own ASN must be private."""
    for router in v.bp.routers:
        if v.provider(router.cloud) not in (None, "gcp"):
            continue
        if not any(low <= router.asn <= high for low, high in GCP_PRIVATE_ASNS):
            v.report.add(
                router,
                ("asn",),
                f"{router.asn} is not a private ASN; Cloud Router needs 64512-65534 or 4200000000-4294967294 (expected a private ASN)",
                "asn",
            )


def _firewall_rule(v: Validator, rule: FirewallRule) -> None:
    # https://cloud.google.com/compute/docs/reference/rest/v1/firewalls: "sourceServiceAccounts
    # cannot be used at the same time as sourceTags or targetTags"; "targetServiceAccounts cannot
    # be used at the same time as targetTags or sourceTags".
    for accounts in ("source_service_accounts", "target_service_accounts"):
        if not getattr(rule, accounts):
            continue
        for tags in ("source_tags", "target_tags"):
            if getattr(rule, tags):
                v.report.add(
                    rule,
                    (accounts,),
                    f"a firewall rule cannot use {accounts} and {tags} together: GCP selects "
                    "by service account or by network tag, not both (expected one of them)",
                    "invalid-value",
                )
    # Same page, `direction`: "for EGRESS traffic, you cannot specify the sourceRanges or
    # sourceTags fields"; the API refuses source service accounts too ("Should not specify source
    # tag or service account for egress direction"). Ingress destination_ranges are allowed.
    if rule.direction == "egress":
        for sources in ("source_ranges", "source_tags", "source_service_accounts"):
            if getattr(rule, sources):
                v.report.add(
                    rule,
                    (sources,),
                    f"an egress rule has no {sources}: its targets are the sources "
                    "(expected destination_ranges to choose where the traffic goes)",
                    "invalid-value",
                )


def firewall_rules(v: Validator) -> None:
    """VPC firewall rule fields GCP does not combine."""
    for network in _gcp_networks(v):
        for rule in network.firewall_rules:
            _firewall_rule(v, rule)


def route_next_hops(v: Validator) -> None:
    """A GCP static route's next hop is one GCP has: no blackhole (GCP drops a packet that no
    route matches; there is no next hop to drop it on purpose)."""
    for network in _gcp_networks(v):
        for route in network.routes:
            kind, _ = route.next_hop
            field = "blackhole" if kind == "blackhole" else f"next_hop_{kind}"
            if field in GCP_NEXT_HOPS:
                continue
            why = (
                "GCP routes have no blackhole next hop; traffic that no route matches is dropped"
                if kind == "blackhole"
                else f"{field} is not a next hop GCP routes have"
            )
            v.report.add(
                route,
                (field,),
                f"{why} (expected one of {', '.join(GCP_NEXT_HOPS)})",
                "invalid-value",
            )


def static_routes_outside_subnets(v: Validator) -> None:
    """A static route's destination may not equal or fit within a subnet range of its network."""
    # https://cloud.google.com/vpc/docs/vpc-peering#interaction-subnet-static: "[Google Cloud]
    # requires that subnet routes and peering subnet routes have the most specific destination
    # IPv4 or IPv6 ranges. Within any VPC network, a local static route can't have a destination
    # that exactly matches or fits within a local subnet route."
    for network in _gcp_networks(v):
        ranges = [
            (ipaddress.IPv4Network(cidr), subnet.name)
            for subnet in network.all_subnets
            for cidr in (subnet.cidr, *(r.cidr for r in subnet.secondary_ranges))
        ]
        for route in network.routes:
            destination = ipaddress.IPv4Network(route.destination)
            inside = next((name for prefix, name in ranges if destination.subnet_of(prefix)), None)
            if inside is not None:
                v.report.add(
                    route,
                    ("destination",),
                    f"{destination} equals or fits within a range of subnet '{inside}': GCP "
                    "refuses a static route more specific than a subnet route (expected a "
                    "destination outside the network's subnet ranges)",
                    "invalid-value",
                )


def firewall_policy_associations(v: Validator) -> None:
    """One global network firewall policy per network, one regional one per network and region."""
    # https://cloud.google.com/vpc/docs/network-firewall-policies: "a single VPC network can only
    # have one global network firewall policy associated with it";
    # https://cloud.google.com/vpc/docs/regional-firewall-policies: "In a specific region, only
    # one regional network firewall policy can be associated with a network."
    taken: dict[tuple[str, str | None], str] = {}
    for policy in v.bp.firewall_policies:
        if policy.kind == "hierarchical" or v.provider(policy.cloud) != "gcp":
            continue
        region = policy.region if policy.kind == "regional" else None
        what = (
            f"regional network firewall policy in {region}"
            if policy.kind == "regional"
            else "global network firewall policy"
        )
        for i, network in enumerate(policy.networks):
            first = taken.setdefault((network, region), policy.name)
            if first != policy.name:
                v.report.add(
                    policy,
                    ("networks", i),
                    f"network '{network}' is already associated with the {what} '{first}' "
                    f"(expected one {what} per network)",
                    "invalid-value",
                )


def one_sided_peerings(v: Validator) -> None:
    """A GCP peering is ACTIVE only when both networks have their side: a warning otherwise."""
    # https://cloud.google.com/compute/docs/reference/rest/v1/networks (`peerings[].state`): "The
    # peering is ACTIVE when there's a matching configuration in the peer network"; INACTIVE:
    # "There is no matching configuration on the peer, including the case when peer does not
    # exist."
    sides = {(p.network, p.peer_network) for p in v.bp.peerings}
    for peering in v.bp.peerings:
        network = v.index["networks"].get(peering.network)
        peer = v.index["networks"].get(peering.peer_network)
        if network is None or peer is None:
            continue
        if v.provider(network.cloud) != "gcp" or v.provider(peer.cloud) != "gcp":
            continue
        if (peering.peer_network, peering.network) not in sides:
            v.report.add(
                peering,
                ("peer_network",),
                f"no peering from '{peer.name}' back to '{network.name}': GCP keeps the peering "
                "INACTIVE until both sides exist (expected a peering with network: "
                f"{peer.name}, peer_network: {network.name})",
                "peering-inactive",
                severity="warning",
            )


RULES = (
    router_asns,
    firewall_rules,
    route_next_hops,
    static_routes_outside_subnets,
    firewall_policy_associations,
    one_sided_peerings,
)
