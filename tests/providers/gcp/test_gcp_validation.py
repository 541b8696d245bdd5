"""What GCP refuses, checked at load: firewall rule fields, route next hops, firewall policy
associations, GCP-only fields and sections, one-sided peerings; each from the page cited."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from crossfence import load
from crossfence.errors import BlueprintError, Problem
from crossfence.model import Blueprint

CLOUDS = """\
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
  - {name: aws, provider: aws, jurisdiction: US, region: eu-west-3}
"""

FIREWALL = """\
networks:
  - name: vpc
    cloud: gcp
    subnets: [{name: s, cidr: 10.0.0.0/24}]
    firewall_rules:
      - {rule}
"""
"""A GCP network with one firewall rule on line 6."""


def _write(tmp_path: Path, text: str) -> None:
    (tmp_path / "estate.yaml").write_text(CLOUDS)
    (tmp_path / "case.yaml").write_text(textwrap.dedent(text).lstrip("\n"))


def problems(tmp_path: Path, text: str) -> list[Problem]:
    _write(tmp_path, text)
    with pytest.raises(BlueprintError) as caught:
        load(tmp_path)
    return list(caught.value.problems)


def loads(tmp_path: Path, text: str) -> Blueprint:
    _write(tmp_path, text)
    return load(tmp_path)


def where(problem: Problem) -> str:
    return f"{Path(problem.file or '?').name}:{problem.line}:{problem.column}"


# -- VPC firewall rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "field", "other", "column"),
    [
        ("{name: f, source_service_accounts: [a@p], source_tags: [web]}", "source", "source", 44),
        ("{name: f, source_service_accounts: [a@p], target_tags: [db]}", "source", "target", 44),
        ("{name: f, target_service_accounts: [a@p], target_tags: [db]}", "target", "target", 44),
        ("{name: f, target_service_accounts: [a@p], source_tags: [web]}", "target", "source", 44),
    ],
    ids=[
        "source-sa-source-tags",
        "source-sa-target-tags",
        "target-sa-target-tags",
        "target-sa-source-tags",
    ],
)
def test_service_accounts_and_tags_do_not_mix(
    tmp_path: Path, rule: str, field: str, other: str, column: int
) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewalls: "sourceServiceAccounts
    cannot be used at the same time as sourceTags or targetTags" and "targetServiceAccounts cannot
    be used at the same time as targetTags or sourceTags"."""
    (problem,) = problems(tmp_path, FIREWALL.replace("{rule}", rule))
    assert problem.code == "invalid-value"
    assert problem.path == f"networks[0].firewall_rules[0].{field}_service_accounts"
    assert where(problem) == f"case.yaml:6:{column}"
    assert problem.message == (
        f"a firewall rule cannot use {field}_service_accounts and {other}_tags together: GCP "
        "selects by service account or by network tag, not both (expected one of them)"
    )


def test_ranges_combine_with_tags_or_service_accounts(tmp_path: Path) -> None:
    """Same page: "sourceRanges can be set at the same time as sourceServiceAccounts" (OR), and
    source tags with target tags is the usual tag-based rule."""
    for rule in (
        "{name: f, source_ranges: [10.0.0.0/8], source_service_accounts: [a@p], target_service_accounts: [b@p]}",
        "{name: f, source_ranges: [10.0.0.0/8], source_tags: [web], target_tags: [db]}",
    ):
        loads(tmp_path, FIREWALL.replace("{rule}", rule))


@pytest.mark.parametrize(
    ("sources", "field"),
    [
        ("source_ranges: [10.0.0.0/8]", "source_ranges"),
        ("source_tags: [web]", "source_tags"),
        ("source_service_accounts: [a@p]", "source_service_accounts"),
    ],
    ids=["ranges", "tags", "service-accounts"],
)
def test_egress_rule_has_no_sources(tmp_path: Path, sources: str, field: str) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (`direction`): "for
    EGRESS traffic, you cannot specify the sourceRanges or sourceTags fields"; the API answers
    "Should not specify source tag or service account for egress direction" to source service
    accounts too."""
    (problem,) = problems(
        tmp_path, FIREWALL.replace("{rule}", f"{{name: f, direction: egress, {sources}}}")
    )
    assert problem.path == f"networks[0].firewall_rules[0].{field}"
    assert problem.message == (
        f"an egress rule has no {field}: its targets are the sources (expected destination_ranges "
        "to choose where the traffic goes)"
    )


def test_ingress_rule_may_have_destination_ranges(tmp_path: Path) -> None:
    """https://cloud.google.com/firewall/docs/firewalls: ingress rules may name destination
    ranges (the older API text said otherwise; GCP accepts them now), so they load."""
    loads(
        tmp_path,
        FIREWALL.replace(
            "{rule}",
            "{name: f, direction: ingress, source_ranges: [0.0.0.0/0], destination_ranges: [10.0.0.5/32]}",
        ),
    )


# -- protocols -----------------------------------------------------------------------------------


def test_gcp_protocols_and_protocol_numbers_load(tmp_path: Path) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (`allowed[].IPProtocol`):
    "one of the following well known protocol strings (tcp, udp, icmp, esp, ah, ipip, sctp) or the
    IP protocol number"; firewall policy rules take the same list
    (FirewallPolicyRuleMatcherLayer4Config.ipProtocol). A number with a name reads back as it."""
    bp = loads(
        tmp_path,
        FIREWALL.replace(
            "{rule}",
            '{name: f, ports: [tcp/443, udp, icmp, esp, ah, ipip, sctp/9, "proto/47", "PROTO/4"]}',
        )
        + "firewall_policies:\n"
        + "  - name: org\n    cloud: gcp\n    kind: hierarchical\n    rules:\n"
        + '      - {priority: 1, action: allow, ports: [ipip, "proto/47", "proto/6"]}\n',
    )
    assert bp.networks[0].firewall_rules[0].ports == (
        "tcp/443",
        "udp",
        "icmp",
        "esp",
        "ah",
        "ipip",
        "sctp/9",
        "proto/47",
        "ipip",
    )
    assert bp.firewall_policies[0].rules[0].ports == ("ipip", "proto/47", "tcp")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            '"47"',
            "'47' is ambiguous (expected 'proto/47' for IP protocol 47, or 'tcp/47' for a port)",
        ),
        ("47", "47 has no protocol (expected e.g. 'tcp/47', or 'proto/47' for IP protocol 47)"),
        ('"proto/256"', "'proto/256': proto/ takes one IP protocol number 0-255"),
        ('"proto/7-16"', "'proto/7-16': proto/ takes one IP protocol number 0-255"),
        (
            "ipip/80",
            "'ipip/80': ipip has no ports (expected just 'ipip'; ports only with tcp, udp, sctp)",
        ),
        (
            "gre",
            "'gre' has unknown protocol 'gre' (expected one of tcp, udp, sctp, icmp, esp, ah, ipip, all or an IP protocol number as proto/0-255",
        ),
    ],
    ids=["quoted-number", "number", "out-of-range", "range", "ipip-ports", "unnamed"],
)
def test_protocol_spelling_errors_are_located(tmp_path: Path, spec: str, message: str) -> None:
    """GCP takes a protocol name or number, and ports only for port protocols (same page:
    "This field is only applicable for the UDP or TCP protocol"); a bare number could be a port
    or a protocol, so the blueprint asks which."""
    (problem,) = problems(tmp_path, FIREWALL.replace("{rule}", f"{{name: f, ports: [{spec}]}}"))
    assert problem.path == "networks[0].firewall_rules[0].ports[0]"
    assert where(problem) == "case.yaml:6:27"
    assert message in problem.message


# -- routes --------------------------------------------------------------------------------------

ROUTE = """\
networks:
  - name: vpc
    cloud: gcp
    subnets: [{name: s, cidr: 10.0.0.0/24}]
    routes:
      - {name: r, destination: 192.0.2.0/24, {hop}}
"""


def test_gcp_route_has_no_blackhole(tmp_path: Path) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/routes: "A Route resource must have
    exactly one specification of either nextHopGateway, nextHopInstance, nextHopIp,
    nextHopVpnTunnel, or nextHopIlb": there is no blackhole next hop (packets no route matches are
    dropped, https://cloud.google.com/vpc/docs/routes)."""
    (problem,) = problems(tmp_path, ROUTE.replace("{hop}", "blackhole: true"))
    assert problem.path == "networks[0].routes[0].blackhole"
    assert where(problem) == "case.yaml:6:57"
    assert problem.message == (
        "GCP routes have no blackhole next hop; traffic that no route matches is dropped (expected "
        "one of next_hop_gateway, next_hop_ip, next_hop_instance, next_hop_vpn_tunnel)"
    )


def test_gcp_route_has_no_aws_next_hop(tmp_path: Path) -> None:
    """Same page: a peering connection is not a next hop a GCP route can have."""
    (problem,) = problems(tmp_path, ROUTE.replace("{hop}", "next_hop_peering: pcx"))
    assert problem.path == "networks[0].routes[0].next_hop_peering"
    assert problem.message.startswith("next_hop_peering is not a next hop GCP routes have")


def test_aws_route_table_keeps_its_blackhole(tmp_path: Path) -> None:
    """The GCP next-hop rule reads GCP networks' `routes` only: an AWS route table's `blackhole`
    route is the AWS provider's to judge, and loads as before."""
    loads(
        tmp_path,
        """
        networks:
          - name: vpc
            cloud: aws
            cidr_blocks: [10.0.0.0/16]
            subnets: [{name: s, cidr: 10.0.1.0/24}]
            route_tables:
              - name: main
                main: true
                routes: [{name: drop, destination: 192.0.2.0/24, blackhole: true}]
        """,
    )


# -- firewall policies ---------------------------------------------------------------------------

POLICIES = """\
networks:
  - {name: vpc, cloud: gcp, subnets: [{name: s, cidr: 10.0.0.0/24}]}
firewall_policies:
  - {name: one, cloud: gcp, kind: {kind}, {region}networks: [vpc]}
  - {name: two, cloud: gcp, kind: {kind}, {region}networks: [vpc]}
"""


def test_one_global_network_policy_per_network(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/network-firewall-policies: a VPC network can be
    associated with only one global network firewall policy."""
    (problem,) = problems(tmp_path, POLICIES.replace("{kind}", "network").replace("{region}", ""))
    assert problem.path == "firewall_policies[1].networks[0]"
    assert where(problem) == "case.yaml:5:55"
    assert problem.message == (
        "network 'vpc' is already associated with the global network firewall policy 'one' "
        "(expected one global network firewall policy per network)"
    )


def test_one_regional_policy_per_network_and_region(tmp_path: Path) -> None:
    """https://cloud.google.com/vpc/docs/regional-firewall-policies: "In a specific region, only
    one regional network firewall policy can be associated with a network"; in two regions, two
    can."""
    (problem,) = problems(
        tmp_path,
        POLICIES.replace("{kind}", "regional").replace("{region}", "region: europe-west1, "),
    )
    assert problem.path == "firewall_policies[1].networks[0]"
    assert problem.message.startswith(
        "network 'vpc' is already associated with the regional network firewall policy in "
        "europe-west1 'one'"
    )
    two_regions = POLICIES.replace("{kind}", "regional").replace(
        "{region}", "region: europe-west1, ", 1
    )
    loads(tmp_path, two_regions.replace("{region}", "region: us-central1, "))


def test_firewall_policies_and_enforcement_order_are_gcp_only(tmp_path: Path) -> None:
    """Firewall policies and `networkFirewallPolicyEnforcementOrder`
    (https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order) are GCP's."""
    found = problems(
        tmp_path,
        """
        networks:
          - name: scw-vpc
            cloud: scw
            network_firewall_policy_enforcement_order: BEFORE_CLASSIC_FIREWALL
        firewall_policies:
          - {name: p, cloud: aws, kind: network}
        """,
    )
    assert sorted((p.path, p.message) for p in found) == [
        (
            "firewall_policies[0].cloud",
            "firewall_policies are not available on aws clouds (expected a cloud of gcp)",
        ),
        (
            "networks[0].network_firewall_policy_enforcement_order",
            "'network_firewall_policy_enforcement_order' is not available on scaleway networks "
            "(expected only on gcp)",
        ),
    ]


# -- peerings ------------------------------------------------------------------------------------


def test_one_sided_gcp_peering_is_inactive(tmp_path: Path) -> None:
    """https://cloud.google.com/compute/docs/reference/rest/v1/networks (`peerings[].state`):
    "The peering is ACTIVE when there's a matching configuration in the peer network"."""
    bp = loads(
        tmp_path,
        """
        networks:
          - {name: hub, cloud: gcp}
          - {name: dev, cloud: gcp}
        peerings:
          - {name: hub-to-dev, network: hub, peer_network: dev}
        """,
    )
    (warning,) = bp.warnings
    assert (warning.code, warning.path) == ("peering-inactive", "peerings[0].peer_network")
