"""Network checks: VPN redundancy and crypto, peer restriction, address overlaps, route advertisement and export, DNS forwarding, segmentation."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator

from ..engine.reach import Reach
from .base import Check, Context, Finding, ObjectRef, covered, ref, register

__all__: list[str] = []

CLOUD_DNS_FORWARDING = "35.199.192.0/19"
"""Where Cloud DNS sends forwarded queries from over the private path
(https://cloud.google.com/dns/docs/zones/forwarding-zones#firewall-rules)."""


def _flows_across(
    context: Context, networks: Iterable[str], remotes: Iterable[str], dispositions: tuple[str, ...]
) -> list[Reach]:
    """Flows from workloads of `networks` to workloads of `remotes` that end in `dispositions`."""
    destinations = list(context.workloads_in(remotes))
    found: list[Reach] = []
    for source in context.workloads_in(networks):
        for destination in destinations:
            port = context.probe_port(destination)
            if port is None:
                continue
            flow = context.ask(source.name, destination.name, port)
            if flow is not None and flow.disposition in dispositions:
                found.append(flow)
    return found


# -- VPN ------------------------------------------------------------------------------------


@register(
    "network.vpn-single-tunnel",
    "high",
    "HA VPN without a second tunnel",
    "An HA VPN reaches its 99.99% SLA only with a tunnel and a BGP session on each of its two "
    "interfaces; with one, a maintenance event or a lost peer cuts the clouds apart.",
    "Add a tunnel (and its BGP session) from the gateway's other interface to the peer's other "
    "interface.",
)
def single_tunnel(context: Context, check: Check) -> Iterator[Finding]:
    sessions = {s.tunnel for s in context.blueprint.bgp_sessions if s.enabled}
    for gateway in context.blueprint.vpn_gateways:
        if gateway.type != "ha_vpn":
            continue
        tunnels = [
            t
            for t in context.blueprint.vpn_tunnels
            if gateway.name in (t.local.gateway, t.peer.gateway)
        ]
        if not tunnels:
            continue
        interfaces = {
            t.local.interface if t.local.gateway == gateway.name else t.peer.interface
            for t in tunnels
            if t.name in sessions
        }
        if len(interfaces) >= 2:
            continue
        yield check.finding(
            f"HA VPN gateway {gateway.name} has {len(interfaces)} interface(s) with a tunnel and a "
            f"BGP session ({', '.join(t.name for t in tunnels)}): no redundancy",
            [ref("vpn-gateway", gateway), *(ref("vpn-tunnel", t) for t in tunnels)],
        )


_WEAK_CIPHERS = re.compile(r"(^|-)(DES|3DES|RC4|BLOWFISH|CAST|NULL)(-|$)", re.IGNORECASE)
_WEAK_INTEGRITY = re.compile(r"MD5|SHA1(-|$)|HMAC-SHA1", re.IGNORECASE)
_WEAK_DH = {1, 2, 5, 22, 23, 24}
"""MODP groups under 2048 bits and the DSA-style groups with small subgroups (RFC 8247)."""


@register(
    "network.vpn-weak-crypto",
    "high",
    "VPN tunnel with weak IKE or ESP algorithms",
    "IKEv1, DES/3DES, MD5/SHA-1 integrity and Diffie-Hellman groups under 2048 bits are "
    "deprecated (RFC 8247, RFC 8221): recorded traffic may be decrypted later.",
    "Use IKEv2 with AES-GCM (or AES-CBC with HMAC-SHA2) and DH groups 14, 19, 20 or 21.",
)
def weak_crypto(context: Context, check: Check) -> Iterator[Finding]:
    for tunnel in context.blueprint.vpn_tunnels:
        weak: list[str] = []
        if tunnel.ike_version == 1:
            weak.append("IKEv1")
        for phase, suite in (("IKE", tunnel.ike), ("ESP", tunnel.esp)):
            weak += [f"{phase} {e}" for e in suite.encryption if _WEAK_CIPHERS.search(e)]
            weak += [f"{phase} {i}" for i in suite.integrity if _WEAK_INTEGRITY.search(i)]
            weak += [f"{phase} DH group {g}" for g in suite.dh_groups if g in _WEAK_DH]
        if weak:
            yield check.finding(
                f"tunnel {tunnel.name} allows {', '.join(weak)}", [ref("vpn-tunnel", tunnel)]
            )


@register(
    "network.vpn-peer-ip-unrestricted",
    "high",
    "VPN peer addresses not restricted by organisation policy",
    "Without `compute.restrictVpnPeerIPs`, anyone with rights on the project can terminate a "
    "tunnel from any address into the hub and be routed to everything behind it.",
    "Set the `compute.restrictVpnPeerIPs` list constraint on the project (or organisation) to "
    "the peer gateways' public addresses.",
)
def peer_ip_unrestricted(context: Context, check: Check) -> Iterator[Finding]:
    gateways = {g.name: g for g in context.blueprint.vpn_gateways}
    peers: dict[str, dict[str, set[str]]] = {}  # cloud -> gateway -> peer IPs
    for tunnel in context.blueprint.vpn_tunnels:
        for here, there in ((tunnel.local, tunnel.peer), (tunnel.peer, tunnel.local)):
            gateway, peer = gateways.get(here.gateway), gateways.get(there.gateway)
            if gateway is None or gateway.type not in ("ha_vpn", "classic_vpn"):
                continue
            ip = (
                next((i.ip for i in peer.interfaces if i.id == there.interface), None)
                if peer
                else None
            )
            peers.setdefault(gateway.cloud, {}).setdefault(gateway.name, set())
            if ip is not None:
                peers[gateway.cloud][gateway.name].add(ip)
    for cloud_name, by_gateway in peers.items():
        cloud = context.blueprint.get("clouds", cloud_name)
        policies = [
            p
            for p in context.blueprint.org_policies
            if p.cloud == cloud_name and p.constraint == "compute.restrictVpnPeerIPs"
        ]
        objects: list[ObjectRef] = [ref("cloud", cloud)] if cloud is not None else []
        objects += [ref("vpn-gateway", gateways[g]) for g in sorted(by_gateway)]
        if not policies:
            yield check.finding(
                f"cloud {cloud_name} has no compute.restrictVpnPeerIPs policy: any peer address "
                f"may terminate a tunnel on {', '.join(sorted(by_gateway))}",
                objects,
            )
            continue
        allowed = {v for p in policies for v in p.allowed_values}
        if not allowed:
            yield check.finding(
                f"compute.restrictVpnPeerIPs on {cloud_name} has no allowed values: it does not "
                "restrict the peer addresses",
                [*objects, *(ref("org-policy", p) for p in policies)],
            )
            continue
        refused = sorted({ip for ips in by_gateway.values() for ip in ips} - allowed)
        if refused:
            # the constraint works, but the blueprint's own peers are outside it: no tunnel
            yield check.finding(
                f"compute.restrictVpnPeerIPs on {cloud_name} does not allow the peer address(es) "
                f"{', '.join(refused)}: their tunnels cannot be established",
                [*objects, *(ref("org-policy", p) for p in policies)],
            )


# -- addressing and routes --------------------------------------------------------------------

_OVERLAP = re.compile(r"^(\S+) \((\S+) in '([^']+)'\) overlaps (\S+) \((\S+) in '([^']+)'\)")
_IPV4 = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")


def _segment(context: Context, network_name: str, name: str) -> ObjectRef:
    network = context.blueprint.get("networks", network_name)
    for subnet in network.all_subnets if network is not None else ():
        if subnet.name == name:
            return ref("subnet", subnet, f"{network_name}/{name}")
        for secondary in subnet.secondary_ranges:
            if secondary.name == name:
                return ref("secondary-range", secondary, f"{network_name}/{name}")
    return ObjectRef("subnet", f"{network_name}/{name}")


def _mentions(flow: Reach, space: ipaddress.IPv4Network) -> bool:
    """Whether any step of the trace names an address inside `space`."""
    for hop in flow.hops:
        for step in hop.steps:
            for text in _IPV4.findall(step.detail):
                try:
                    if ipaddress.IPv4Address(text) in space:
                        return True
                except ValueError:
                    continue
    return False


@register(
    "network.overlapping-address-space",
    "high",
    "Overlapping address space across connected networks",
    "When two connected networks use the same addresses, the more specific (or the local) route "
    "wins: traffic meant for one side silently goes to the other, or nowhere.",
    "Renumber one side so that every network joined by a peering or a VPN has its own ranges.",
)
def overlapping(context: Context, check: Check) -> Iterator[Finding]:
    for warning in context.blueprint.warnings:
        match = _OVERLAP.match(warning.message) if warning.code == "overlap-connected" else None
        if match is None:
            continue
        a_range, a_name, a_net, b_range, b_name, b_net = match.groups()
        a = ipaddress.ip_network(a_range)
        b = ipaddress.ip_network(b_range)
        space = a if a.prefixlen >= b.prefixlen else b
        flows = [
            flow
            for flow in _flows_across(context, [a_net], [b_net], _DENIED)
            + _flows_across(context, [b_net], [a_net], _DENIED)
            if isinstance(space, ipaddress.IPv4Network) and _mentions(flow, space)
        ]
        yield check.finding(
            f"{a_range} ({a_name} in {a_net}) overlaps {b_range} ({b_name} in {b_net}), and the "
            "networks are connected",
            [_segment(context, a_net, a_name), _segment(context, b_net, b_name)],
            flows,
        )


_DENIED = (
    "NO_ROUTE",
    "NO_RETURN_ROUTE",
    "NO_ENDPOINT",
    "DENIED_EGRESS",
    "DENIED_INGRESS",
    "DENIED_ACL",
    "DENIED_EGRESS_NETPOL",
    "DENIED_INGRESS_NETPOL",
    "PRIVATE_TRAFFIC_TO_INTERNET",
    "NO_EXTERNAL_ADDRESS",
)


def _advertised(context: Context, router_name: str) -> list[str]:
    """What a Cloud Router advertises: its VPC's subnets by default, the custom list otherwise."""
    router = context.blueprint.get("routers", router_name)
    network = context.blueprint.get("networks", router.network)
    own = [s.cidr for s in network.all_subnets] if network is not None else []
    own += [r.cidr for s in (network.all_subnets if network else ()) for r in s.secondary_ranges]
    if router.advertise_mode == "default":
        return own
    return (own if "all_subnets" in router.advertised_groups else []) + [
        r.range for r in router.advertised_ranges
    ]


def _spokes(context: Context, hub: str) -> list[tuple[str, object]]:
    """Networks peered with `hub` whose side imports the hub's custom routes (so they use its VPN)."""
    return [
        (side.network, side)
        for side in context.blueprint.peerings
        if side.peer_network == hub and side.import_custom_routes
    ]


@register(
    "network.spoke-ranges-not-advertised",
    "high",
    "Spoke ranges not advertised over the VPN",
    "A Cloud Router advertises only its own VPC's subnets unless told otherwise; a spoke that "
    "uses the hub's VPN sends packets the other cloud cannot answer.",
    "Use custom advertisement on the hub's Cloud Router and list the spoke's ranges (nodes and "
    "pods), next to all_subnets.",
)
def spoke_ranges(context: Context, check: Check) -> Iterator[Finding]:
    for network in context.blueprint.networks:
        for router in context.routers_of(network.name):
            advertised = _advertised(context, router.name)
            for spoke_name, side in _spokes(context, network.name):
                spoke = context.blueprint.get("networks", spoke_name)
                if spoke is None:
                    continue
                service_ranges = {
                    c.service_range for c in context.blueprint.clusters if c.network == spoke_name
                }
                needed = [(s.name, s.cidr) for s in spoke.all_subnets] + [
                    (r.name, r.cidr)
                    for s in spoke.all_subnets
                    for r in s.secondary_ranges
                    if r.name not in service_ranges  # ClusterIPs are never a packet's source
                ]
                missing = [(n, c) for n, c in needed if not covered(c, advertised)]
                if not missing:
                    continue
                covers: tuple[str, ...] = ()
                also = ""
                if router.advertise_mode == "default":
                    # default mode drops every custom range at once: one mistake, one finding
                    covers = (
                        "dlp.private-api-not-routed",
                        "network.dns-forwarding-range-not-advertised",
                    )
                    also = " (default advertisement mode: no custom range is advertised at all)"
                flows = _flows_across(
                    context,
                    [spoke_name],
                    context.vpn_peer_networks(network.name),
                    ("NO_RETURN_ROUTE", "NO_ROUTE"),
                )
                yield check.finding(
                    f"{router.name} does not advertise {spoke_name}'s "
                    + ", ".join(f"{n} {c}" for n, c in missing)
                    + f" to the VPN peers: the other cloud has no route back{also}",
                    [
                        ref("router", router),
                        ref("peering", side),
                        *(_segment(context, spoke_name, n) for n, _ in missing),
                    ],
                    flows,
                    covers,
                )


@register(
    "network.peering-custom-routes-not-exported",
    "high",
    "Hub peering does not export the custom routes a spoke imports",
    "VPC peering exchanges custom (static and BGP-learned) routes only with export on one side "
    "and import on the other; a spoke that imports from a hub that does not export never learns "
    "the routes to the other cloud.",
    "Set `export_custom_routes: true` on the hub's side of the peering.",
)
def peering_no_export(context: Context, check: Check) -> Iterator[Finding]:
    sides = {(p.network, p.peer_network): p for p in context.blueprint.peerings}
    for (spoke, hub), side in sides.items():
        if not side.import_custom_routes:
            continue
        hub_side = sides.get((hub, spoke))
        if hub_side is None or hub_side.export_custom_routes:
            continue
        hub_network = context.blueprint.get("networks", hub)
        statics = [
            r
            for r in (hub_network.routes if hub_network is not None else ())
            if r.next_hop[0] != "gateway"
        ]
        remotes = context.vpn_peer_networks(hub)
        if not remotes and not statics:
            continue  # nothing custom to export
        flows = _flows_across(context, [spoke], remotes, ("NO_ROUTE",))
        yield check.finding(
            f"peering {hub_side.name} ({hub} → {spoke}) does not export custom routes, but "
            f"{side.name} imports them: {spoke} has no route to "
            + (", ".join(sorted(remotes)) or "the hub's custom routes"),
            [ref("peering", hub_side), ref("peering", side)],
            flows,
        )


_RFC_1918 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)


def _through_vpc(forwarding_path: str, address: str) -> bool:
    """Whether Cloud DNS sends a target's queries through the VPC, from 35.199.192.0/19. The
    Cloud DNS API reference (managedZones, `forwardingPath`): "If unset or set to DEFAULT, Cloud
    DNS makes forwarding decisions based on IP address ranges; that is, RFC1918 addresses go to
    the VPC network, non-RFC1918 addresses go to the internet. When set to PRIVATE, Cloud DNS
    always sends queries through the VPC network for this target."
    (https://cloud.google.com/dns/docs/reference/v1/managedZones)"""
    if forwarding_path == "private":
        return True
    return any(ipaddress.IPv4Address(address) in net for net in _RFC_1918)


@register(
    "network.dns-forwarding-range-not-advertised",
    "high",
    "Cloud DNS forwarding range not advertised",
    "Cloud DNS sends forwarded queries from 35.199.192.0/19 through the VPC; unless the VPN "
    "peer has a route back to that range, the answers are lost and names do not resolve.",
    "Advertise 35.199.192.0/19 from the Cloud Router (and accept it in the peer's routing policy).",
)
def dns_forwarding(context: Context, check: Check) -> Iterator[Finding]:
    sources = [
        w
        for w in context.blueprint.workloads
        if w.kind == "external_api" and covered(CLOUD_DNS_FORWARDING, w.addresses)
    ]
    for zone in context.blueprint.dns_zones:
        if zone.kind != "forwarding":
            continue
        for target in zone.forwarding_targets:
            if target.workload is None or not _through_vpc(target.forwarding_path, target.address):
                continue
            source = next((s for s in sources if s.network in zone.networks), None)
            if source is None:
                continue
            flow = context.ask(source.name, target.workload, "udp/53")
            if flow is None or flow.allowed:
                continue
            routers = [r for n in zone.networks for r in context.routers_of(n)]
            yield check.finding(
                f"queries forwarded by zone {zone.name} to {target.workload} {target.address} "
                f"from {CLOUD_DNS_FORWARDING} get no answer ({flow.disposition})",
                [
                    *(ref("router", r) for r in routers),
                    ref("dns-zone", zone),
                    *(ref("workload", w) for w in (context.workload(target.workload),) if w),
                ],
                [flow],
            )


# -- segmentation ------------------------------------------------------------------------------


@register(
    "network.personal-data-store-shares-private-network",
    "medium",
    "A personal-data store shares its Private Network with workloads that need no access",
    "A Scaleway Private Network is one layer-2 segment: the VPC ACL filters only traffic between "
    "Private Networks, so every host beside the store reaches it unless the host itself filters.",
    "Move the workloads that handle no personal data to another Private Network, or filter on "
    "the store (security group, database allowed IPs).",
)
def shared_private_network(context: Context, check: Check) -> Iterator[Finding]:
    for network in context.blueprint.networks:
        cloud = context.blueprint.get("clouds", network.cloud)
        if cloud is None or cloud.provider != "scaleway":
            continue
        for pn in network.private_networks:
            members = [
                w
                for w in context.blueprint.workloads
                if w.network == network.name and w.subnet == pn.name and w.kind != "external_api"
            ]
            for store in (w for w in members if w.personal_data == "stores"):
                port = context.probe_port(store)
                if port is None:
                    continue
                flows = [
                    flow
                    for other in members
                    if other.personal_data == "none"
                    for flow in (context.ask(other.name, store.name, port),)
                    if flow is not None and flow.allowed
                ]
                if flows:
                    who = ", ".join(f.source for f in flows)
                    verbs = ("handles", "reaches") if len(flows) == 1 else ("handle", "reach")
                    yield check.finding(
                        f"{who} {verbs[0]} no personal data but {verbs[1]} {store.name} {port} "
                        f"inside Private Network {pn.name}",
                        [
                            ref("workload", store),
                            ref("subnet", pn, f"{network.name}/{pn.name}"),
                            *(ref("workload", context.workload(f.source)) for f in flows),
                        ],
                        flows,
                    )
