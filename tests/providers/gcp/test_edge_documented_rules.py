"""GCP edge rules written from Google's documentation: Cloud Armor, internet NEG sources, hybrid Private Google Access.

Each test quotes the page its expected value comes from and builds a small estate of its own.
"""

from __future__ import annotations

from pathlib import Path

from tests.providers.gcp.test_route_selection import ESTATE as HYBRID

from crossfence import build_topology, load, reach
from crossfence.ir.types import Topology

EDGE = """\
crossfence: 1
name: edge
clouds:
  - {{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1, project: edge}}
  - {{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}}
networks:
  - name: scw-vpc
    cloud: scw
    private_networks:
      - {{name: pn-app, cidr: 172.16.0.0/24}}
workloads:
  - {{name: app, kind: vm, network: scw-vpc, subnet: pn-app, addresses: [172.16.0.10], ports: ["tcp/8443"]}}
load_balancers:
  - name: front
    cloud: gcp
    kind: gcp_external_https
    address: 34.120.0.10
    security_policy: {{name: armor, default_action: {default}, denied_ranges: [203.0.113.0/28]}}
    backends:
      - {{kind: internet_neg, target: edge, port: 443}}
  - name: edge
    cloud: scw
    kind: scaleway_lb
    address: 51.15.0.10
    network: scw-vpc
    private_network: pn-app
    private_address: 172.16.0.50
    backends:
      - {{kind: workload, target: app, port: 8443}}
    acl_default_action: {acl_default}
    acls: {acls}
"""

GFE_ACL = "[{name: gfe, action: allow, index: 1, ip_ranges: [34.96.0.0/20, 34.127.192.0/18]}]"


def edge(
    tmp_path: Path, default: str = "allow", acl_default: str = "deny", acls: str = GFE_ACL
) -> Topology:
    text = EDGE.format(default=default, acl_default=acl_default, acls=acls)
    (tmp_path / "bp.yaml").write_text(text)
    return build_topology(load(tmp_path / "bp.yaml"))


# -- Cloud Armor ----------------------------------------------------------------------------------


def test_cloud_armor_denies_its_ranges_and_lets_the_rest_through_by_the_default_rule(
    tmp_path: Path,
) -> None:
    """https://cloud.google.com/armor/docs/security-policy-overview: a policy is a list of rules
    "evaluated by priority"; a request matching a `deny` rule's `src_ip_ranges` (the client's
    address, seen by the load balancer) is refused, and the default rule (priority 2147483647)
    decides every request no other rule matches — here `allow`."""
    topology = edge(tmp_path)
    denied = reach(topology, "203.0.113.5", "front", "tcp/443")
    assert not denied.allowed and denied.disposition == "DENIED_ACL"
    assert "cloud-armor" in str(denied.to_json())
    assert reach(topology, "203.0.113.200", "front", "tcp/443").allowed
    # through the chain to the workload behind both load balancers, the same answer
    assert not reach(topology, "203.0.113.5", "app", "tcp/8443").allowed
    assert reach(topology, "203.0.113.200", "app", "tcp/8443").allowed


def test_a_cloud_armor_default_deny_refuses_every_unmatched_client(tmp_path: Path) -> None:
    """https://cloud.google.com/armor/docs/security-policy-overview: the default rule's action
    applies to requests no higher-priority rule matches; with `deny` nobody outside an allow
    rule gets through (a wrong "allowed" here would hide an unreachable service's exposure the
    other way round)."""
    topology = edge(tmp_path, default="deny")
    for client in ("203.0.113.5", "203.0.113.200", "internet"):
        answer = reach(topology, client, "front", "tcp/443")
        assert not answer.allowed and answer.disposition == "DENIED_ACL", client
    assert not reach(topology, "203.0.113.200", "app", "tcp/8443").allowed


def test_cloud_armor_guards_the_load_balancer_only_not_the_origin_itself(tmp_path: Path) -> None:
    """https://cloud.google.com/armor/docs/security-policy-overview: security policies are
    attached to backend services of the load balancer and filter "requests ... before they reach
    the backends" through it; a client going straight to the external origin's own public
    address never meets the policy: only the origin's own ACL decides."""
    topology = edge(tmp_path, acl_default="allow", acls="[]")
    assert not reach(topology, "203.0.113.5", "front", "tcp/443").allowed
    direct = reach(topology, "203.0.113.5", "edge", "tcp/443")
    assert direct.allowed, direct.to_json()
    assert "cloud-armor" not in str(direct.to_json())


# -- internet NEG sources -------------------------------------------------------------------------


def test_an_internet_neg_origin_does_not_see_the_health_check_ranges(tmp_path: Path) -> None:
    """https://cloud.google.com/load-balancing/docs/firewall-rules: for the global external
    Application Load Balancer, the GFE proxy ranges are the health-check ranges (35.191.0.0/16,
    130.211.0.0/22) "if the backends are instance groups, zonal NEGs (GCE_VM_IP_PORT), or hybrid
    connectivity NEGs" — for global internet NEG backends they are the "IP address ranges listed
    in the _cloud-eoips.googleusercontent.com DNS TXT record" instead. An origin ACL admitting
    only the health-check ranges therefore refuses the load balancer's requests."""
    checks = "[{name: hc, action: allow, index: 1, ip_ranges: [35.191.0.0/16, 130.211.0.0/22]}]"
    refused = reach(edge(tmp_path, acls=checks), "203.0.113.200", "app", "tcp/8443")
    assert not refused.allowed and refused.disposition == "DENIED_ACL"
    assert reach(edge(tmp_path), "203.0.113.200", "app", "tcp/8443").allowed


# -- Private Google Access --------------------------------------------------------------------------


def hybrid(tmp_path: Path, advertised: bool, accepted: bool, public: bool = False) -> Topology:
    """A VPC with Private Google Access off, an HA VPN to Scaleway, and restricted.googleapis.com."""
    text = HYBRID.format(announced='"172.16.8.0/24"', pga="false")
    if advertised:
        text = text.replace(
            "advertised_groups: [all_subnets]}",
            "advertised_groups: [all_subnets], advertised_ranges: [{range: 199.36.153.4/30}]}",
        )
    if accepted:
        text = text.replace(
            'prefix_filter_in: ["10.0.0.0/8"]',
            'prefix_filter_in: ["10.0.0.0/8", "199.36.153.4/30"]',
        )
    if public:
        text = text.replace(
            "addresses: [10.0.0.10]}", "addresses: [10.0.0.10], public_address: 34.1.2.3}"
        )
    (tmp_path / "bp.yaml").write_text(text)
    return build_topology(load(tmp_path / "bp.yaml"))


def test_hosts_beyond_a_vpn_reach_the_restricted_vip_only_through_an_advertised_route(
    tmp_path: Path,
) -> None:
    """https://cloud.google.com/vpc/docs/configure-private-google-access-hybrid — requirements:
    "Your on-premises network must be connected to a VPC network by using Cloud VPN tunnels or
    VLAN attachments", the VPC "must have appropriate routes for the private.googleapis.com or
    restricted.googleapis.com destination IP ranges", and the on-premises side learns those
    ranges from a Cloud Router custom route advertisement. The subnet's own Private Google Access
    setting is not among the requirements (it governs the VPC's VMs); the restricted range "is
    not announced to the internet"
    (https://cloud.google.com/vpc-service-controls/docs/private-connectivity)."""
    assert reach(hybrid(tmp_path, True, True), "db", "googleapis", "tcp/443").allowed
    for advertised, accepted in ((False, False), (True, False), (False, True)):
        answer = reach(hybrid(tmp_path, advertised, accepted), "db", "googleapis", "tcp/443")
        assert not answer.allowed and answer.disposition == "NO_ROUTE", (advertised, accepted)
    # from the internet the VIP is not reached at all
    topology = hybrid(tmp_path, True, True)
    assert not reach(topology, "203.0.113.9", "199.36.153.5", "tcp/443").allowed
    assert not reach(topology, "internet", "googleapis", "tcp/443").allowed


def test_private_google_access_is_for_vms_without_an_external_address(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/access-apis-external-ip: "A virtual machine (VM) instance
    with an external IP address assigned to its network interface can connect to Google APIs and
    services"; the subnet setting (https://cloud.google.com/vpc/docs/private-google-access) is
    for "VMs in this subnet ... without assigning external IP addresses"."""
    off = reach(hybrid(tmp_path, False, False), "vm", "googleapis", "tcp/443")
    assert not off.allowed and off.disposition == "PRIVATE_GOOGLE_ACCESS_DISALLOWED"
    assert reach(hybrid(tmp_path, False, False, public=True), "vm", "googleapis", "tcp/443").allowed


def test_the_vip_needs_a_route_whose_next_hop_is_the_default_internet_gateway(
    tmp_path: Path,
) -> None:
    """https://cloud.google.com/vpc/docs/configure-private-google-access#config-routing: the VPC
    must have a route to the chosen VIP range (199.36.153.4/30 for restricted.googleapis.com)
    whose next hop is the default internet gateway — the default route does, and once it is
    deleted (`delete_default_routes_on_create`) a custom route must; a route to an appliance
    does not take the traffic to Google (crossfence says it does not model what follows)."""
    vip = "      - {{name: vip, destination: 199.36.153.4/30, next_hop_{hop}}}\n"
    answers = {}
    for case, route in (
        ("deleted", ""),
        ("gateway", vip.format(hop="gateway: default_internet_gateway")),
        ("appliance", vip.format(hop="instance: appliance")),
    ):
        text = (
            HYBRID.format(announced='"172.16.8.0/24"', pga="true")
            .replace(
                "    routing_mode: global\n",
                "    routing_mode: global\n    delete_default_routes_on_create: true\n",
            )
            .replace("    routes:\n", "    routes:\n" + route)
        )
        (tmp_path / "bp.yaml").write_text(text)
        topology = build_topology(load(tmp_path / "bp.yaml"))
        answers[case] = reach(topology, "vm", "googleapis", "tcp/443").disposition
    assert answers == {
        "deleted": "NO_ROUTE",
        "gateway": "DELIVERED",
        "appliance": "NEXT_HOP_NOT_MODELLED",
    }


# -- Cloud DNS forwarding ---------------------------------------------------------------------------


def test_forwarded_queries_are_answered_only_over_a_route_back_to_35_199_192_0_19(
    tmp_path: Path,
) -> None:
    """https://cloud.google.com/dns/docs/zones/zones-overview#forwarding-zones: "By default,
    queries forwarded to private targets originate from `35.199.192.0/19`"; the target's network
    must send the answers back through the VPN, so the Cloud Router advertises the range (a
    custom advertisement) and the peer accepts it — otherwise the answer has no way back."""
    answers = {}
    for advertised, accepted in ((False, False), (True, False), (True, True)):
        text = HYBRID.format(announced='"172.16.8.0/24"', pga="true").replace(
            "addresses: [172.16.8.10]}", 'addresses: [172.16.8.10], ports: ["udp/53"]}'
        )
        text += (
            "  - {name: cloud-dns, kind: external_api, cloud: gcp, network: hub,"
            " addresses: [35.199.192.0/19]}\n"
        )
        if advertised:
            text = text.replace(
                "advertised_groups: [all_subnets]}",
                "advertised_groups: [all_subnets], advertised_ranges: [{range: 35.199.192.0/19}]}",
            )
        if accepted:
            text = text.replace(
                'prefix_filter_in: ["10.0.0.0/8"]',
                'prefix_filter_in: ["10.0.0.0/8", "35.199.192.0/19"]',
            )
        (tmp_path / "bp.yaml").write_text(text)
        topology = build_topology(load(tmp_path / "bp.yaml"))
        answers[advertised, accepted] = reach(topology, "cloud-dns", "db", "udp/53").disposition
    assert answers == {
        (False, False): "NO_RETURN_ROUTE",
        (True, False): "NO_RETURN_ROUTE",
        (True, True): "DELIVERED",
    }


def test_an_origin_acl_admitting_part_of_the_front_end_ranges_is_not_reached(
    tmp_path: Path,
) -> None:
    """https://cloud.google.com/load-balancing/docs/firewall-rules: the GFE proxy sources for
    global internet NEG backends are "IP address ranges listed in the
    _cloud-eoips.googleusercontent.com DNS TXT record" — a set of ranges, any address of which
    may open the connection. An origin ACL admitting one /24 of them, or refusing one of the
    ranges, refuses most of the load balancer's requests: the answer is not "allowed" (it was,
    when only the first address of the set was tried)."""
    part = "[{name: gfe, action: allow, index: 1, ip_ranges: [34.96.0.0/24]}]"
    refused = reach(edge(tmp_path, acls=part), "203.0.113.200", "app", "tcp/8443")
    assert not refused.allowed and refused.disposition == "DENIED_ACL"
    assert "opens connections from any of" in str(refused.to_json())
    half = "[{name: other-half, action: deny, index: 1, ip_ranges: [34.127.192.0/18]}]"
    topology = edge(tmp_path, acl_default="allow", acls=half)
    assert not reach(topology, "203.0.113.200", "app", "tcp/8443").allowed
    assert reach(edge(tmp_path), "203.0.113.200", "app", "tcp/8443").allowed
