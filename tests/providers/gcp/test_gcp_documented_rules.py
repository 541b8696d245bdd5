"""GCP rules written from Google's documentation, one small estate per rule.

Each test quotes the page its expected value comes from.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from crossfence import BlueprintError, build_topology, connectivity, load, reach
from crossfence.algebra.packets import IpSet
from crossfence.engine.filters import decide
from crossfence.engine.matrix import reference_connectivity
from crossfence.engine.routing import lookup
from crossfence.ir.types import Topology
from crossfence.providers.gcp.firewall import GcpInstance, firewall_filters

ESTATE = """
clouds: [{{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}]
networks:
  - name: vpc
    cloud: gcp
    subnets: [{{name: s, cidr: 10.0.0.0/24, region: europe-west1}}]
    routes: {routes}
    firewall_rules:
{rules}
{policies}
workloads:
  - {{name: web, kind: vm, network: vpc, subnet: s, addresses: [10.0.0.10], public_address: 34.1.2.3, network_tags: [web], service_account: web@p.iam, ports: [{{port: 25}}, {{port: 443}}, {{port: 587}}]}}
  - {{name: peer, kind: vm, network: vpc, subnet: s, addresses: [10.0.0.20], network_tags: [peer], ports: [{{port: 25}}, {{port: 443}}]}}
  - {{name: other, kind: vm, network: vpc, subnet: s, addresses: [10.0.0.30], network_tags: [other], ports: [{{port: 443}}]}}
  - {{name: untagged, kind: vm, network: vpc, subnet: s, addresses: [10.0.0.99], ports: [{{port: 443}}]}}
"""


def estate(tmp_path: Path, rules: str, policies: str = "", routes: str = "[]") -> Topology:
    text = ESTATE.format(rules=rules, policies=policies, routes=routes)
    (tmp_path / "bp.yaml").write_text(text)
    return build_topology(load(tmp_path / "bp.yaml"))


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


# -- always blocked traffic ------------------------------------------------------------------


SMTP_OUT = """\
      - {name: smtp-out, direction: egress, priority: 0, action: allow, ports: ["tcp/25"], destination_ranges: ["0.0.0.0/0"]}
      - {name: smtp-in, direction: ingress, ports: ["tcp/25"], source_ranges: ["10.0.0.0/8"]}"""


def test_egress_to_tcp_port_25_on_the_internet_is_always_blocked(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/firewalls#blockedtraffic — the implied allow-egress rule
    "lets any instance send traffic to any destination, except for traffic blocked by Google
    Cloud" and the "Always blocked traffic" list holds "Egress traffic to TCP destination port 25
    (SMTP)"; "Your firewall rules cannot be used to allow any of this traffic". Google's own
    troubleshooting page says the same for functions
    (https://cloud.google.com/functions/docs/troubleshooting: "Google Cloud blocks connections to
    TCP destination port 25"). An explicit allow rule at priority 0 changes nothing; the
    submission port 587 is not blocked."""
    net = estate(tmp_path, SMTP_OUT)
    blocked = reach(net, "web", "203.0.113.9", "tcp/25")
    assert not blocked.allowed and blocked.disposition == "DENIED_EGRESS"
    assert "always blocked" in str(blocked.to_json())
    assert reach(net, "web", "203.0.113.9", "tcp/587").allowed


def test_port_25_between_internal_addresses_is_not_blocked(tmp_path: Path) -> None:
    """The block is for external destinations (the blocked-traffic table applies it to traffic
    from instances to external IP addresses): a VM talks SMTP to another VM's internal address
    as any other port, decided by the firewall rules."""
    net = estate(tmp_path, SMTP_OUT)
    assert reach(net, "web", "peer", "tcp/25").allowed


def test_the_matrix_agrees_with_the_walk_on_port_25(tmp_path: Path) -> None:
    net = estate(tmp_path, SMTP_OUT)
    assert connectivity(net).connections == reference_connectivity(net).connections


# -- VPC firewall rule sources, destinations and targets -------------------------------------


def test_source_ranges_and_source_tags_combine_with_or(tmp_path: Path) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (`sourceTags`): "If both
    sourceRanges and sourceTags are set, the firewall applies to traffic that has source IP
    address within sourceRanges OR the source IP that belongs to a tag listed in the sourceTags
    property. The connection does not need to match both fields for the firewall to apply."."""
    rules = """\
      - {name: in, direction: ingress, ports: ["tcp/443"], source_tags: [peer], source_ranges: ["10.0.0.99/32"], target_tags: [web]}"""
    net = estate(tmp_path, rules)
    assert reach(net, "peer", "web", "tcp/443").allowed  # by its tag
    assert reach(net, "untagged", "web", "tcp/443").allowed  # by its address
    assert reach(net, "other", "web", "tcp/443").disposition == "DENIED_INGRESS"  # by neither


def test_an_egress_deny_applies_to_its_destination_ranges_only(tmp_path: Path) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (`destinationRanges`):
    "If destination ranges are specified, the firewall rule applies only to traffic that has
    destination IP address in these ranges"."""
    rules = """\
      - {name: no-peer, direction: egress, action: deny, ports: [all], destination_ranges: ["10.0.0.20/32"]}
      - {name: in, direction: ingress, ports: ["tcp/443"], source_ranges: ["10.0.0.0/24"]}"""
    net = estate(tmp_path, rules)
    assert reach(net, "web", "peer", "tcp/443").disposition == "DENIED_EGRESS"
    assert reach(net, "web", "other", "tcp/443").allowed


def test_target_service_accounts_select_instances_by_their_service_account(
    tmp_path: Path,
) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewalls
    (`targetServiceAccounts`): "A list of service accounts indicating sets of instances located in
    the network that may make network connections as specified in allowed[]"; an instance that
    runs as another account (or none) is not a target."""
    rules = """\
      - {name: to-web-sa, direction: ingress, ports: ["tcp/443"], source_ranges: ["10.0.0.0/24"], target_service_accounts: [web@p.iam]}"""
    net = estate(tmp_path, rules)
    assert reach(net, "peer", "web", "tcp/443").allowed
    assert reach(net, "web", "peer", "tcp/443").disposition == "DENIED_INGRESS"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ("target_service_accounts: [web@p.iam], target_tags: [web]", "target_service_accounts"),
        ("target_service_accounts: [web@p.iam], source_tags: [peer]", "target_service_accounts"),
    ],
)
def test_target_service_accounts_never_mix_with_tags(tmp_path: Path, rule: str, field: str) -> None:
    """Same page: "targetServiceAccounts cannot be used at the same time as targetTags or
    sourceTags" — a located error, never a guess at which one applies."""
    rules = f'      - {{name: mixed, direction: ingress, ports: ["tcp/443"], {rule}}}'
    with pytest.raises(BlueprintError) as error:
        estate(tmp_path, rules)
    assert field in str(error.value)


def test_deny_wins_a_priority_tie_through_reach(tmp_path: Path) -> None:
    """https://cloud.google.com/sdk/gcloud/reference/compute/firewall-rules/create (`--priority`):
    "DENY rules take precedence over ALLOW rules having equal priority", whatever their order in
    the file."""
    rules = """\
      - {name: allow-443, priority: 500, action: allow, ports: ["tcp/443"], source_ranges: ["10.0.0.0/24"]}
      - {name: deny-443, priority: 500, action: deny, ports: ["tcp/443"], source_ranges: ["10.0.0.20/32"]}"""
    net = estate(tmp_path, rules)
    denied = reach(net, "peer", "web", "tcp/443")
    assert denied.disposition == "DENIED_INGRESS" and "deny-443" in str(denied.to_json())
    assert reach(net, "other", "web", "tcp/443").allowed


# -- firewall policy rules match every range they name ---------------------------------------

POLICY = """
firewall_policies:
  - name: global
    cloud: gcp
    kind: network
    networks: [vpc]
    rules:
{rules}
"""


def _policy_filters(tmp_path: Path, rules: str):  # type: ignore[no-untyped-def]
    text = ESTATE.format(
        rules="      []", policies=POLICY.format(rules=rules), routes="[]"
    ).replace("    firewall_rules:\n      []", "    firewall_rules: []")
    (tmp_path / "bp.yaml").write_text(text)
    bp = load(tmp_path / "bp.yaml")
    web = GcpInstance("vpc", ("web",), None, IpSet.from_addresses(["10.0.0.10"]))
    return firewall_filters(bp, bp.networks[0], web, [web])


def test_a_policy_ingress_rule_matches_only_its_destination_ranges(tmp_path: Path) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewallPolicies: a rule's `match`
    is one condition over `srcIpRanges`, `destIpRanges` and `layer4Configs` ("Represents a match
    condition that incoming traffic is evaluated against"); an ingress allow naming another
    destination does not open this instance (the VPC rules apply `destinationRanges` to ingress
    the same way)."""
    ingress, _ = _policy_filters(
        tmp_path,
        '      - {priority: 100, action: allow, ports: ["tcp/443"], destination_ranges: ["10.0.0.77/32"]}',
    )
    assert not decide(ingress, ip("10.0.0.10"), ip("203.0.113.9"), "tcp", 443).allowed
    assert decide(ingress, ip("10.0.0.77"), ip("203.0.113.9"), "tcp", 443).allowed


def test_a_policy_egress_rule_matches_only_its_source_ranges(tmp_path: Path) -> None:
    """Same page: `srcIpRanges` is part of the match of an egress rule too; an egress deny limited
    to other sources leaves this instance to the implied allow-egress rule, and an egress allow
    for other sources does not let it past a later deny."""
    _, egress = _policy_filters(
        tmp_path,
        """\
      - {priority: 100, direction: egress, action: allow, ports: ["tcp/443"], source_ranges: ["10.0.0.77/32"]}
      - {priority: 200, direction: egress, action: deny, ports: ["tcp/443"]}""",
    )
    decision = decide(egress, ip("10.0.0.10"), ip("203.0.113.9"), "tcp", 443)
    assert not decision.allowed and decision.rule is not None
    assert decision.rule.name == "global#200"


# -- routes ----------------------------------------------------------------------------------


def test_a_static_route_inside_a_subnet_range_is_refused(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/vpc-peering#interaction-subnet-static: "[Google Cloud]
    requires that subnet routes and peering subnet routes have the most specific destination IPv4
    or IPv6 ranges. Within any VPC network, a local static route can't have a destination that
    exactly matches or fits within a local subnet route." — the API refuses it, so a blueprint
    that has one is a located error (never a more specific route that steals the subnet's
    traffic)."""
    with pytest.raises(BlueprintError) as error:
        estate(
            tmp_path,
            "      []",
            routes="[{name: steal, destination: 10.0.0.128/25, next_hop_instance: peer}]",
        )
    assert "steal" in str(error.value) or "10.0.0.128/25" in str(error.value)


def test_static_routes_most_specific_destination_then_priority(tmp_path: Path) -> None:
    """Compute API Route resource: "Routes match packets by destination IP address, preferring
    smaller or more specific ranges over larger ones. If there is a tie, the system selects the
    route with the smallest priority value." A /24 at priority 1000 beats a /16 at priority 0; of
    two /24s the lower priority value wins."""
    routes = (
        "[{name: wide, destination: 192.168.0.0/16, priority: 0, next_hop_instance: peer},"
        " {name: narrow, destination: 192.168.1.0/24, priority: 1000, next_hop_instance: other},"
        " {name: narrow-late, destination: 192.168.1.0/24, priority: 1001, next_hop_instance: untagged}]"
    )
    net = estate(tmp_path, "      []", routes=routes)
    vpc = net.networks["vpc"]
    assert [r.next_hop.target for r in lookup(vpc, ip("192.168.1.5"))] == ["other"]
    assert [r.next_hop.target for r in lookup(vpc, ip("192.168.2.5"))] == ["peer"]


# -- VPC Network Peering route exchange --------------------------------------------------------

PEERED = """
clouds: [{{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}]
networks:
  - name: a
    cloud: gcp
    subnets: [{{name: a1, cidr: 10.1.0.0/24}}]
    routes:
      - {{name: plain, destination: 192.168.10.0/24, next_hop_ip: 10.1.0.5}}
      - {{name: tagged, destination: 192.168.20.0/24, next_hop_ip: 10.1.0.5, tags: [appliance]}}
      - {{name: to-internet, destination: 198.18.0.0/15, next_hop_gateway: default_internet_gateway}}
  - name: b
    cloud: gcp
    subnets: [{{name: b1, cidr: 10.2.0.0/24}}]
peerings:
  - {{name: a-to-b, network: a, peer_network: b, export_custom_routes: {export}}}
  - {{name: b-to-a, network: b, peer_network: a, import_custom_routes: {imports}}}
"""


def peer_routes(tmp_path: Path, export: bool, imports: bool) -> list[str]:
    text = PEERED.format(export=str(export).lower(), imports=str(imports).lower())
    (tmp_path / "bp.yaml").write_text(text)
    b = build_topology(load(tmp_path / "bp.yaml")).networks["b"]
    return sorted(f"{r.kind} {r.destination}" for r in b.routes if r.kind.startswith("peering"))


def test_subnet_routes_always_cross_custom_routes_need_export_and_import(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/vpc-peering (route exchange table): private subnet
    ranges are "Always exported / Can't be disabled" and "Always imported"; "IPv4 static routes
    —without network tags—that use a next hop different from default internet gateway | Not
    exported by default. Export is controlled by using the `--export-custom-routes` flag | Not
    imported by default. Import is controlled by using the `--import-custom-routes` flag"."""
    assert peer_routes(tmp_path, export=False, imports=False) == ["peering-subnet 10.1.0.0/24"]
    assert peer_routes(tmp_path, export=True, imports=False) == ["peering-subnet 10.1.0.0/24"]
    assert peer_routes(tmp_path, export=False, imports=True) == ["peering-subnet 10.1.0.0/24"]


def test_tagged_and_internet_gateway_static_routes_never_cross(tmp_path: Path) -> None:
    """Same table: "Static routes with network tags (all next hop types) | Can't be exported" and
    "Static routes that use the default internet gateway next hop | Can't be exported" — with
    both flags on, only the untagged static route to an IP next hop crosses."""
    assert peer_routes(tmp_path, export=True, imports=True) == [
        "peering-static 192.168.10.0/24",
        "peering-subnet 10.1.0.0/24",
    ]


def test_a_tagged_static_route_applies_only_to_instances_with_the_tag(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/routes#instance_routing_tables (the Route resource's
    `tags`: "A list of instance tags to which this route applies") — without the system default
    route, only the tagged VM has the way out to the internet."""
    rules = '      - {name: in, direction: ingress, ports: [all], source_ranges: ["0.0.0.0/0"]}'
    routes = "[{name: out, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway, tags: [web]}]"
    text = ESTATE.format(rules=rules, policies="", routes=routes).replace(
        "    subnets:", "    delete_default_routes_on_create: true\n    subnets:", 1
    )
    text = text.replace(
        "addresses: [10.0.0.20], network_tags: [peer]",
        "addresses: [10.0.0.20], public_address: 34.1.2.4, network_tags: [peer]",
    )
    (tmp_path / "bp.yaml").write_text(text)
    net = build_topology(load(tmp_path / "bp.yaml"))
    assert reach(net, "web", "203.0.113.9", "tcp/443").allowed
    assert reach(net, "peer", "203.0.113.9", "tcp/443").disposition == "NO_ROUTE"


def test_a_disabled_policy_rule_is_not_enforced(tmp_path: Path) -> None:
    """https://cloud.google.com/firewall/docs/firewall-policies-rule-details ("Enforcement": a rule
    can be enabled or disabled; a disabled rule is not evaluated) — the disabled allow leaves the
    implied deny-ingress rule to decide."""
    ingress, _ = _policy_filters(
        tmp_path,
        '      - {priority: 100, action: allow, ports: ["tcp/443"], disabled: true}',
    )
    decision = decide(ingress, ip("10.0.0.10"), ip("203.0.113.9"), "tcp", 443)
    assert not decision.allowed and decision.rule is None


def test_an_ingress_allow_at_the_implied_priority_never_takes_effect(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/firewalls#default_firewall_rules: "The implied rules
    cannot be removed, but they have the lowest possible priorities. You can create rules that
    override them as long as your rules have higher priorities (priority numbers less than
    65535). Because deny rules take precedence over allow rules of the same priority, an ingress
    allow rule with a priority of 65535 never takes effect." — at 65534 the same rule opens the
    port."""
    rule = '      - {{name: late, priority: {p}, ports: ["tcp/443"], source_ranges: ["0.0.0.0/0"]}}'
    never = reach(estate(tmp_path, rule.format(p=65535)), "peer", "web", "tcp/443")
    assert never.disposition == "DENIED_INGRESS" and "implied-deny-ingress" in str(never.to_json())
    assert reach(estate(tmp_path, rule.format(p=65534)), "peer", "web", "tcp/443").allowed


def test_port_25_to_google_private_access_vips_is_not_the_internet(tmp_path: Path) -> None:
    """The blocked-traffic table applies the SMTP block to "external IP addresses on the
    internet" and instances' external addresses; restricted.googleapis.com (199.36.153.4/30,
    https://cloud.google.com/vpc/docs/configure-private-google-access#domain-options) is reached
    on Google's network: the firewall rules alone decide there."""
    _, egress = _policy_filters(
        tmp_path, '      - {priority: 100, action: goto_next, ports: ["tcp/22"]}'
    )
    assert decide(egress, ip("10.0.0.10"), ip("199.36.153.5"), "tcp", 25).allowed
    assert not decide(egress, ip("10.0.0.10"), ip("8.8.8.8"), "tcp", 25).allowed


def test_rules_are_stateful_the_reply_ignores_an_egress_deny(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/firewalls#specifications: "VPC firewall rules are
    stateful ... When a connection is allowed through the firewall in either direction, return
    traffic matching this connection is also allowed." — web denies all egress, yet answers the
    connection its ingress rule admits; it cannot open one of its own."""
    rules = """\
      - {name: no-out, direction: egress, action: deny, ports: [all], destination_ranges: ["0.0.0.0/0"], target_tags: [web]}
      - {name: in, direction: ingress, ports: ["tcp/443"], source_ranges: ["10.0.0.0/24"]}"""
    net = estate(tmp_path, rules)
    assert reach(net, "peer", "web", "tcp/443").allowed
    assert reach(net, "web", "peer", "tcp/443").disposition == "DENIED_EGRESS"


def test_uncommon_protocols_from_the_internet_are_always_blocked(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/firewalls#blockedtraffic: "Protocols other than TCP, UDP,
    ICMP, AH, ESP, SCTP, and GRE to external IP addresses of Google Cloud resources" are always
    blocked (an earlier revision listed "Protocols other than TCP, UDP, ICMP, and IPIP"); OSPF
    (protocol 89) is outside both lists: an allow-all rule does not let it reach web's external
    address, while TCP passes, and OSPF between internal addresses is the rules' to decide."""
    rules = '      - {name: all-in, direction: ingress, ports: [all], source_ranges: ["0.0.0.0/0"]}'
    net = estate(tmp_path, rules)
    blocked = reach(net, "internet", "web", "proto/89")
    assert not blocked.allowed and "always blocked" in str(blocked.to_json())
    assert reach(net, "internet", "web", "tcp/443").allowed
    assert reach(net, "peer", "web", "proto/89").allowed
    assert connectivity(net).connections == reference_connectivity(net).connections


# -- always allowed traffic ----------------------------------------------------------------------

DENY_ALL_EGRESS = """\
      - {name: deny-out, direction: egress, priority: 0, action: deny, ports: [all], destination_ranges: ["0.0.0.0/0"]}"""


def test_the_metadata_server_is_always_reachable(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/firewalls#alwaysallowed ("Always allowed traffic"):
    "Google Cloud always allows communication between a VM instance and its corresponding
    metadata server at 169.254.169.254" ("For VM instances, VPC firewall rules and hierarchical
    firewall policies do not apply"); the server provides DHCP, DNS resolution, NTP and instance
    metadata. (Wording read in copies quoting Google's page.) A deny-all egress rule at priority 0
    stops everything but the metadata server's HTTP, DNS and NTP; another port of the address
    finds nothing listening."""
    net = estate(tmp_path, DENY_ALL_EGRESS)
    for port in ("tcp/80", "udp/53", "tcp/53", "udp/123"):
        answer = reach(net, "web", "169.254.169.254", port)
        assert answer.allowed, port
        assert "gcp/always-allowed-traffic" in str(answer.to_json())
    assert reach(net, "web", "169.254.169.254", "tcp/22").disposition == "NO_ENDPOINT"
    assert reach(net, "web", "peer", "tcp/443").disposition == "DENIED_EGRESS"
    assert reach(net, "web", "169.254.169.253", "udp/53").disposition == "DENIED_EGRESS"
