"""Semantic validation: references, names, address plans, BGP, provider constraints, warnings.

Each case is `case.yaml`, loaded beside `estate.yaml` that defines the clouds gcp, scw and aws
(see conftest.CLOUDS); its first line is line 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crossfence.errors import Problem
from crossfence.model import Blueprint

from .conftest import CLOUDS, expect, problems_of, where, write

Case = Callable[[str], list[Problem]]
ValidCase = Callable[[str], Blueprint]

HUB = """\
networks:
  - name: hub
    cloud: gcp
    subnets:
      - {name: hub-ew1, cidr: 10.0.0.0/24}
"""
"""Lines 1-5 of a case that needs a GCP network."""


# -- names ---------------------------------------------------------------------------------------


def test_duplicate_name_in_a_section(case: Case) -> None:
    problems = case(
        """
        workloads:
          - {name: api, kind: external_api, addresses: [199.36.153.4/30]}
          - {name: dns, kind: external_api, addresses: [35.199.192.0/19]}
          - {name: api, kind: external_api, addresses: [199.36.153.8/30]}
        """
    )
    problem = expect(problems, "case.yaml:4:12", "duplicate workload name 'api'")
    assert problem.message.endswith("case.yaml:2:5)")
    assert "(expected unique names; first defined at " in problem.message
    assert problem.code == "duplicate-name"


def test_duplicate_name_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", CLOUDS)
    write(
        tmp_path,
        "b.yaml",
        "clouds:\n  - {name: scw, provider: scaleway, jurisdiction: EU, region: nl-ams}\n",
    )
    problem = expect(problems_of(tmp_path), "b.yaml:2:12", "duplicate cloud name 'scw'")
    assert "first defined at " in problem.message and "a.yaml:3:5" in problem.message


def test_duplicate_subnet_within_a_network(case: Case) -> None:
    problems = case(
        """
        networks:
          - name: hub
            cloud: gcp
            subnets:
              - {name: hub-ew1, cidr: 10.0.0.0/24}
              - {name: hub-ew1, cidr: 10.0.1.0/24}
          - name: spoke
            cloud: gcp
            subnets:
              - {name: hub-ew1, cidr: 10.1.0.0/24}
        """
    )
    # the same subnet name in another network is fine; twice in one network is not
    (problem,) = problems
    assert where(problem) == "case.yaml:6:16"
    assert problem.message.startswith("duplicate subnet name 'hub-ew1' in network 'hub'")


def test_duplicate_firewall_policy_priority(case: Case) -> None:
    problems = case(
        """
        firewall_policies:
          - name: org
            cloud: gcp
            kind: hierarchical
            rules:
              - {priority: 100, action: deny}
              - {priority: 100, action: allow}
        """
    )
    expect(
        problems, "case.yaml:7:20", "priority 100 is used by rule 0 too (expected unique priorities"
    )


# -- references ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        (
            "networks:\n  - {name: hub, cloud: gpc}\n",
            "case.yaml:2:24",
            "unknown cloud 'gpc' (expected one of: aws, gcp, scw; did you mean 'gcp'?)",
        ),
        (
            HUB + "peerings:\n  - {name: p, network: hub, peer_network: hbu}\n",
            "case.yaml:7:43",
            "unknown network 'hbu' (expected one of: hub; did you mean 'hub'?)",
        ),
        (
            HUB
            + "workloads:\n  - {name: vm, kind: vm, network: hub, subnet: hub-ew2, addresses: [10.0.0.5]}\n",
            "case.yaml:7:48",
            "unknown subnet 'hub-ew2' in network 'hub' (expected one of: hub-ew1; did you mean 'hub-ew1'?)",
        ),
        (
            "keys:\n  - {name: k, kind: customer_supplied, held_by: hms}\n"
            "workloads:\n  - {name: hsm, kind: external_api, addresses: [10.0.0.0/8]}\n",
            "case.yaml:2:49",
            "unknown workload 'hms' (expected one of: hsm; did you mean 'hsm'?)",
        ),
        (
            HUB
            + "vpn_tunnels:\n  - {name: t, local: {gateway: hub-vpm}, peer: {gateway: scw-vpn}}\n"
            "vpn_gateways:\n  - {name: hub-vpn, cloud: gcp, network: hub, type: ha_vpn}\n",
            "case.yaml:7:32",
            "unknown VPN gateway 'hub-vpm' (expected one of: hub-vpn; did you mean 'hub-vpn'?)",
        ),
        (
            HUB
            + "routers:\n  - {name: hub-router, cloud: gcp, network: hub, asn: 64514}\n"
            + "vpn_gateways:\n  - {name: hub-vpn, cloud: gcp, network: hub, type: ha_vpn}\n"
            + "vpn_tunnels:\n  - {name: t, local: {gateway: hub-vpn}, peer: {gateway: hub-vpn}}\n"
            + "bgp_sessions:\n  - name: b\n    tunnel: t\n"
            + "    local: {speaker: hub-ruoter, address: 169.254.0.1/30}\n"
            + "    peer: {speaker: hub-router, address: 169.254.0.2/30}\n",
            "case.yaml:15:22",
            "unknown BGP speaker (Cloud Router or VPN gateway) 'hub-ruoter' (expected one of: "
            "hub-router, hub-vpn; did you mean 'hub-router'?)",
        ),
        (
            "routing_policies:\n  - {name: scw-gcp-policy, cloud: scw}\n"
            "bgp_sessions:\n  - name: b\n    tunnel: t\n"
            "    local: {speaker: r, address: 169.254.0.1/30}\n"
            "    peer: {speaker: s, address: 169.254.0.2/30, routing_policy: scw-gcp-polcy}\n",
            "case.yaml:7:65",
            "unknown routing policy 'scw-gcp-polcy' (expected one of: scw-gcp-policy; did you mean "
            "'scw-gcp-policy'?)",
        ),
        (
            "global_namespaces:\n  - name: shop\n    trust_domain: example.eu\n"
            "    members: [{cluster: kapsule, namespace: shop}]\n",
            "case.yaml:4:25",
            "unknown cluster 'kapsule' (expected one of: none defined)",
        ),
    ],
    ids=[
        "cloud",
        "network",
        "subnet",
        "workload",
        "vpn-gateway",
        "speaker",
        "routing-policy",
        "cluster",
    ],
)
def test_unknown_reference_with_did_you_mean(
    case: Case, text: str, location: str, message: str
) -> None:
    problem = expect(case(text), location, message)
    assert problem.code == "unknown-reference"


def test_unknown_intent_endpoint(case: Case) -> None:
    problems = case(
        """
        workloads:
          - {name: frontend, kind: external_api, addresses: [10.0.0.0/8]}
        intents:
          - {name: i, source: frontent, destination: internet, expect: allowed}
          - {name: j, source: 203.0.113.7, destination: frontend, expect: denied}
        """
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:4:23"
    assert (
        problem.message
        == "unknown endpoint 'frontent' (expected a workload, a load balancer, 'internet' or an IP address; did you mean 'frontend'?)"
    )


# -- address plans -------------------------------------------------------------------------------


def test_overlapping_subnets_in_one_network(case: Case) -> None:
    problems = case(
        """
        networks:
          - name: prod
            cloud: gcp
            subnets:
              - name: nodes
                cidr: 10.10.0.0/20
                secondary_ranges:
                  - {name: pods, cidr: 10.12.0.0/16}
              - name: more-nodes
                cidr: 10.10.8.0/24
              - name: other
                cidr: 10.20.0.0/20
                secondary_ranges:
                  - {name: other-pods, cidr: 10.12.128.0/17}
        """
    )
    assert len(problems) == 2
    first = expect(
        problems, "case.yaml:10:15", "10.10.8.0/24 (more-nodes) overlaps 10.10.0.0/20 (nodes)"
    )
    assert first.message.endswith("in network 'prod' (expected disjoint ranges within one network)")
    assert first.code == "overlap"
    expect(
        problems,
        "case.yaml:14:38",
        "10.12.128.0/17 (other/other-pods) overlaps 10.12.0.0/16 (nodes/pods) in network 'prod'",
        path="networks[0].subnets[2].secondary_ranges[0].cidr",
    )


def test_the_same_range_in_two_unconnected_networks_is_fine(valid_case: ValidCase) -> None:
    blueprint = valid_case(
        """
        networks:
          - {name: a, cloud: gcp, subnets: [{name: s, cidr: 10.0.0.0/24}]}
          - {name: b, cloud: gcp, subnets: [{name: s, cidr: 10.0.0.0/24}]}
        """
    )
    assert blueprint.warnings == ()


def test_subnet_outside_the_aws_vpc_cidr_blocks(case: Case) -> None:
    problems = case(
        """
        networks:
          - name: vpc
            cloud: aws
            cidr_blocks: [10.30.0.0/16, 10.31.0.0/16]
            subnets:
              - {name: a, cidr: 10.30.1.0/24}
              - {name: b, cidr: 10.32.0.0/24}
        """
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:7:25"
    assert problem.message == (
        "10.32.0.0/24 is outside the network's ranges (expected inside 10.30.0.0/16, 10.31.0.0/16)"
    )
    assert problem.code == "outside-range"


def test_workload_address_outside_its_subnet(case: Case) -> None:
    problems = case(
        HUB
        + """\
workloads:
  - name: vault
    kind: vm
    network: hub
    subnet: hub-ew1
    addresses: [10.0.0.10, 10.0.1.10]
"""
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:11:28"
    assert problem.path == "workloads[0].addresses[1]"
    assert problem.message == (
        "10.0.1.10 is outside subnet 'hub-ew1' 10.0.0.0/24 (expected an address inside it)"
    )


def test_pod_address_outside_the_pod_range(case: Case) -> None:
    problems = case(
        """
        networks:
          - name: scw-vpc
            cloud: scw
            private_networks: [{name: pn-apps, cidr: 172.16.0.0/22}]
        clusters:
          - {name: kapsule, cloud: scw, network: scw-vpc, subnet: pn-apps, pod_range: 100.64.0.0/16}
        workloads:
          - name: api
            kind: pods
            cluster: kapsule
            namespace: shop
            addresses: [100.65.0.1]
        """
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:12:17"
    assert problem.message == (
        "100.65.0.1 is outside the pod range of cluster 'kapsule' 100.64.0.0/16 "
        "(expected an address inside it)"
    )


def test_pod_range_with_host_bits_set(case: Case) -> None:
    problems = case(
        HUB
        + "clusters:\n"
        + "  - {name: gke, cloud: gcp, network: hub, subnet: hub-ew1, pod_range: 10.12.0.1/16}\n"
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:7:71"
    assert problem.message == (
        "'10.12.0.1/16' has host bits set (expected the network address, e.g. '10.12.0.0/16')"
    )


def test_pod_range_that_names_no_secondary_range(case: Case) -> None:
    problems = case(
        """
        networks:
          - name: prod
            cloud: gcp
            subnets:
              - name: nodes
                cidr: 10.10.0.0/20
                secondary_ranges: [{name: gke-pods, cidr: 10.12.0.0/16}]
        clusters:
          - {name: gke, cloud: gcp, network: prod, subnet: nodes, pod_range: gke-pod}
        """
    )
    expect(
        problems,
        "case.yaml:9:70",
        "'gke-pod' is neither a CIDR nor a secondary range of subnet 'nodes' "
        "(expected a CIDR or one of: gke-pods; did you mean 'gke-pods'?)",
    )


# -- VPN and BGP ---------------------------------------------------------------------------------

BGP = """\
networks:
  - {name: hub, cloud: gcp, subnets: [{name: hub-ew1, cidr: 10.0.0.0/24}]}
  - {name: vpc, cloud: scw, private_networks: [{name: pn, cidr: 172.16.0.0/22}]}
vpn_gateways:
  - {name: hub-vpn, cloud: gcp, network: hub, type: ha_vpn}
  - {name: scw-vpn, cloud: scw, network: vpc, type: scaleway_s2s, asn: 12876}
routers:
  - {name: hub-router, cloud: gcp, network: hub, asn: 64514}
vpn_tunnels:
  - {name: t0, local: {gateway: hub-vpn}, peer: {gateway: scw-vpn}}
bgp_sessions:
  - name: b0
    tunnel: t0
    local: {speaker: hub-router, address: LOCAL}
    peer: {speaker: scw-vpn, address: PEER}
"""
"""A GCP <-> Scaleway session; LOCAL (line 14, column 43) and PEER (line 15, column 39)."""


def _bgp(local: str, peer: str) -> str:
    return BGP.replace("LOCAL", local).replace("PEER", peer)


def test_the_bgp_fixture_is_valid(valid_case: ValidCase) -> None:
    blueprint = valid_case(_bgp("169.254.0.1/30", "169.254.0.2/30"))
    assert blueprint.warnings == ()


@pytest.mark.parametrize(
    ("local", "peer", "location", "message"),
    [
        (
            "10.254.0.1/30",
            "169.254.0.2/30",
            "case.yaml:14:43",
            "10.254.0.1/30 is outside 169.254.0.0/16 (expected a link-local address)",
        ),
        (
            "169.254.0.1/30",
            "169.254.0.6/30",
            "case.yaml:15:39",
            "169.254.0.6/30 is not in the same /30 as 169.254.0.1/30 (expected both ends in one "
            "link-local /30, e.g. 169.254.0.0/30)",
        ),
        (
            "169.254.0.1/29",
            "169.254.0.2/30",
            "case.yaml:14:43",
            "169.254.0.1/29 is a /29 (expected a /30 link-local network)",
        ),
        (
            "169.254.0.0/30",
            "169.254.0.2/30",
            "case.yaml:14:43",
            "169.254.0.0 is the network or broadcast address of 169.254.0.0/30 (expected .1 or .2 of the /30)",
        ),
        (
            "169.254.0.1/30",
            "169.254.0.3/30",
            "case.yaml:15:39",
            "169.254.0.3 is the network or broadcast address of 169.254.0.0/30",
        ),
        (
            "169.254.0.1/30",
            "169.254.0.1/30",
            "case.yaml:15:39",
            "both ends use 169.254.0.1 (expected two different addresses)",
        ),
        (
            "169.254.0.1",
            "169.254.0.2/30",
            "case.yaml:14:43",
            "'169.254.0.1' has no prefix length (expected e.g. '169.254.0.1/30')",
        ),
        (
            "bgp-peer",
            "169.254.0.2/30",
            "case.yaml:14:43",
            "'bgp-peer' is not an address with prefix (expected e.g. '169.254.0.1/30')",
        ),
    ],
    ids=[
        "outside-link-local",
        "not-same-30",
        "not-a-30",
        "network-address",
        "broadcast-address",
        "same-address",
        "no-prefix",
        "not-an-address",
    ],
)
def test_bgp_addresses(case: Case, local: str, peer: str, location: str, message: str) -> None:
    (problem,) = case(_bgp(local, peer))
    assert where(problem) == location
    assert message in problem.message
    assert problem.code == "bgp-address"


def test_equal_asns(case: Case) -> None:
    text = _bgp("169.254.0.1/30", "169.254.0.2/30").replace("asn: 12876", "asn: 64514")
    (problem,) = case(text)
    assert where(problem) == "case.yaml:15:21"
    assert problem.message == "both ends use ASN 64514 (expected different ASNs for eBGP)"
    assert problem.code == "asn"


def test_cloud_router_needs_a_private_asn(case: Case) -> None:
    text = _bgp("169.254.0.1/30", "169.254.0.2/30").replace("asn: 64514", "asn: 15169")
    (problem,) = case(text)
    assert where(problem) == "case.yaml:8:55"
    assert problem.message.startswith("15169 is not a private ASN; Cloud Router needs 64512-65534")
    assert problem.message.endswith("(expected a private ASN)")


def test_speaker_without_an_asn(case: Case) -> None:
    text = _bgp("169.254.0.1/30", "169.254.0.2/30").replace(", asn: 12876", "")
    (problem,) = case(text)
    assert where(problem) == "case.yaml:15:21"
    assert problem.message == "'scw-vpn' has no ASN (expected asn: on the VPN gateway)"


def test_asn_out_of_range(case: Case) -> None:
    text = _bgp("169.254.0.1/30", "169.254.0.2/30").replace("asn: 12876", "asn: 4294967295")
    (problem,) = case(text)
    assert where(problem) == "case.yaml:6:72"
    assert problem.message == "4294967295 is not a valid ASN (expected 1-4294967294)"


def test_default_advertisement_with_ranges(case: Case) -> None:
    problems = case(
        HUB
        + """\
routers:
  - name: r
    cloud: gcp
    network: hub
    asn: 64514
    advertised_ranges: [{range: 10.10.0.0/16}]
"""
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:7:5"
    assert problem.path == "routers[0].advertise_mode"
    assert problem.message.endswith("(expected advertise_mode: custom)")


def test_vpn_gateway_type_of_another_provider(case: Case) -> None:
    problems = case(
        """
        networks:
          - {name: vpc, cloud: scw, private_networks: [{name: pn, cidr: 172.16.0.0/22}]}
        vpn_gateways:
          - {name: v, cloud: scw, network: vpc, type: ha_vpn}
        """
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:4:47"
    assert problem.message == (
        "ha_vpn is a gcp gateway but cloud 'scw' is scaleway (expected a scaleway gateway type)"
    )


# -- provider-specific fields --------------------------------------------------------------------


def test_provider_specific_fields_on_the_wrong_provider(case: Case) -> None:
    problems = case(
        """
        networks:
          - name: hub
            cloud: gcp
            private_networks: [{name: pn, cidr: 172.16.0.0/22}]
            cidr_blocks: [172.16.0.0/16]
          - name: vpc
            cloud: scw
            routing_mode: global
            subnets: [{name: s, cidr: 172.17.0.0/22}]
            firewall_rules: [{name: f}]
          - name: aws-vpc
            cloud: aws
            acl: {default_policy: drop}
        """
    )
    assert {(where(p), p.path) for p in problems} == {
        ("case.yaml:4:23", "networks[0].private_networks"),
        ("case.yaml:5:18", "networks[0].cidr_blocks"),
        ("case.yaml:8:19", "networks[1].routing_mode"),
        ("case.yaml:9:14", "networks[1].subnets"),
        ("case.yaml:10:21", "networks[1].firewall_rules"),
        ("case.yaml:13:10", "networks[2].acl"),
    }
    assert all(p.code == "provider" for p in problems)
    expect(
        problems,
        "case.yaml:4:23",
        "'private_networks' is not available on gcp networks (expected only on scaleway)",
    )
    expect(
        problems,
        "case.yaml:9:14",
        "Scaleway VPCs have Private Networks, not subnets (expected private_networks:)",
    )
    expect(
        problems,
        "case.yaml:8:19",
        "'routing_mode' is not available on scaleway networks (expected only on gcp)",
    )


def test_cloud_router_in_another_cloud(case: Case) -> None:
    problems = case(
        """
        networks:
          - {name: vpc, cloud: scw, private_networks: [{name: pn, cidr: 172.16.0.0/22}]}
        routers:
          - {name: r, cloud: scw, network: vpc, asn: 64514}
        """
    )
    expect(
        problems,
        "case.yaml:4:22",
        "routers are not available on scaleway clouds (expected a cloud of gcp)",
    )


# -- model constraints ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hops", "found"),
    [
        ("", "none"),
        (
            "next_hop_gateway: default_internet_gateway, next_hop_ip: 10.0.0.5",
            "next_hop_gateway, next_hop_ip",
        ),
        ("next_hop_ip: 10.0.0.5, blackhole: true", "next_hop_ip, blackhole"),
    ],
    ids=["zero", "two", "hop-and-blackhole"],
)
def test_route_needs_exactly_one_next_hop(case: Case, hops: str, found: str) -> None:
    problems = case(
        HUB + "    routes:\n" + f"      - {{name: r, destination: 0.0.0.0/0, {hops}}}\n"
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:7:9"
    assert problem.message.startswith(
        f"a route needs exactly one next hop, found {found} (expected one of "
    )


def test_route_next_hop_ip_outside_the_network(case: Case) -> None:
    problems = case(
        HUB + "    routes:\n" + "      - {name: r, destination: 0.0.0.0/0, next_hop_ip: 10.9.0.5}\n"
    )
    (problem,) = problems
    assert where(problem) == "case.yaml:7:56"
    assert problem.message == (
        "next hop 10.9.0.5 is in no subnet of network 'hub' (expected an address of one of its subnets)"
    )


def test_workload_placement(case: Case) -> None:
    problems = case(
        """
        workloads:
          - {name: api, kind: pods, cluster: k}
          - {name: db, kind: managed_database}
          - {name: ext, kind: external_api}
        """
    )
    assert [(where(p), p.message) for p in problems] == [
        (
            "case.yaml:2:5",
            "a pods workload needs its cluster and namespace (expected cluster: and namespace:)",
        ),
        (
            "case.yaml:3:5",
            "a managed_database workload needs its network and subnet (expected network: and subnet:)",
        ),
        (
            "case.yaml:4:5",
            "an external_api needs the address ranges it is reached at (expected addresses:)",
        ),
    ]


# -- warnings ------------------------------------------------------------------------------------

CONNECTED = """\
networks:
  - {name: hub, cloud: gcp, subnets: [{name: hub-ew1, cidr: 10.0.0.0/24}]}
  - name: prod
    cloud: gcp
    subnets:
      - name: nodes
        cidr: 10.10.0.0/20
  - name: vpc
    cloud: scw
    private_networks:
      - {name: pn, cidr: 10.10.0.0/22}
peerings:
  - {name: hub-to-prod, network: hub, peer_network: prod}
  - {name: prod-to-hub, network: prod, peer_network: hub}
vpn_gateways:
  - {name: hub-vpn, cloud: gcp, network: hub, type: ha_vpn}
  - {name: scw-vpn, cloud: scw, network: vpc, type: scaleway_s2s, asn: 12876}
vpn_tunnels:
  - {name: t0, local: {gateway: hub-vpn}, peer: {gateway: scw-vpn}}
"""
"""prod (peered with hub) and vpc (VPN to hub) both use 10.10.0.0/2x."""


def test_overlap_across_connected_networks_is_a_warning(valid_case: ValidCase) -> None:
    blueprint = valid_case(CONNECTED)
    (warning,) = blueprint.warnings
    assert warning.severity == "warning"
    assert warning.code == "overlap-connected"
    assert where(warning) == "case.yaml:11:26"
    assert warning.message == (
        "10.10.0.0/22 (pn in 'vpc') overlaps 10.10.0.0/20 (nodes in 'prod'), and the two networks "
        "are connected: the more specific route shadows the other "
        "(expected disjoint address space across connected networks)"
    )


def test_overlap_without_a_connection_is_not_reported(valid_case: ValidCase) -> None:
    blueprint = valid_case(CONNECTED.split("vpn_tunnels:")[0])
    assert blueprint.warnings == ()


def test_warnings_do_not_hide_errors(case: Case) -> None:
    problems = case(
        CONNECTED
        + "workloads:\n  - {name: x, kind: vm, network: hub, subnet: hub-ew1, addresses: [10.1.0.1]}\n"
    )
    assert sorted((p.severity, p.code) for p in problems) == [
        ("error", "outside-range"),
        ("warning", "overlap-connected"),
    ]


def test_peering_without_its_reverse_side_is_a_warning(valid_case: ValidCase) -> None:
    blueprint = valid_case(
        """
        networks:
          - {name: hub, cloud: gcp}
          - {name: dev, cloud: gcp}
        peerings:
          - {name: hub-to-dev, network: hub, peer_network: dev, export_custom_routes: true}
        """
    )
    (warning,) = blueprint.warnings
    assert (warning.severity, warning.code) == ("warning", "peering-inactive")
    assert where(warning) == "case.yaml:5:52"
    assert warning.message.startswith(
        "no peering from 'dev' back to 'hub': GCP keeps the peering INACTIVE"
    )
    assert warning.message.endswith("(expected a peering with network: dev, peer_network: hub)")


def test_one_sided_aws_peering_is_not_inactive(valid_case: ValidCase) -> None:
    """An AWS VPC peering connection is one object, requester and accepter
    (https://docs.aws.amazon.com/vpc/latest/peering/create-vpc-peering-connection.html): written
    once, it is complete; `peering-inactive` is GCP's two-sided peering only."""
    blueprint = valid_case(
        """
        networks:
          - {name: a, cloud: aws, cidr_blocks: [10.0.0.0/16]}
          - {name: b, cloud: aws, cidr_blocks: [10.1.0.0/16]}
        peerings:
          - {name: pcx-ab, network: a, peer_network: b}
        """
    )
    assert blueprint.warnings == ()


def test_gcp_peering_between_overlapping_subnets_is_an_error(case: Case) -> None:
    """https://cloud.google.com/vpc/docs/vpc-peering#no-subnet-overlap: "No subnet IP range can
    exactly match, contain, or fit within another subnet IP range in a peered VPC network. At the
    time of peering, Google Cloud checks if subnets with overlapping IP ranges exist; if they do,
    then the peering fails." Secondary ranges are subnet IP ranges too."""
    problems = case(
        """
        networks:
          - name: hub
            cloud: gcp
            subnets: [{name: hub-ew1, cidr: 10.0.0.0/24}]
          - name: prod
            cloud: gcp
            subnets:
              - name: nodes
                cidr: 10.10.0.0/20
                secondary_ranges: [{name: pods, cidr: 10.0.0.0/16}]
        peerings:
          - {name: hub-to-prod, network: hub, peer_network: prod}
          - {name: prod-to-hub, network: prod, peer_network: hub}
        """
    )
    (problem,) = problems
    assert (problem.severity, problem.code) == ("error", "overlap")
    assert where(problem) == "case.yaml:12:53"
    assert problem.path == "peerings[0].peer_network"
    assert problem.message == (
        "10.0.0.0/16 (nodes/pods in 'prod') overlaps 10.0.0.0/24 (hub-ew1 in 'hub'): a VPC "
        "peering between overlapping ranges fails (expected disjoint address space across "
        "peered networks)"
    )


def test_aws_peering_between_overlapping_cidr_blocks_is_an_error(case: Case) -> None:
    """https://docs.aws.amazon.com/vpc/latest/peering/create-vpc-peering-connection.html: "Ensure
    that the VPCs do not have overlapping IPv4 CIDR blocks. If they overlap, the status of the VPC
    peering connection immediately goes to failed." The VPCs' blocks count, even when their
    subnets are disjoint."""
    problems = case(
        """
        networks:
          - name: a
            cloud: aws
            cidr_blocks: [10.0.0.0/16]
            subnets: [{name: a1, cidr: 10.0.1.0/24}]
          - name: b
            cloud: aws
            cidr_blocks: [10.0.0.0/16]
            subnets: [{name: b2, cidr: 10.0.2.0/24}]
        peerings:
          - {name: pcx-ab, network: a, peer_network: b}
        """
    )
    (problem,) = problems
    assert (problem.severity, problem.code) == ("error", "overlap")
    assert problem.path == "peerings[0].peer_network"
    assert problem.message.startswith(
        "10.0.0.0/16 (CIDR block in 'b') overlaps 10.0.0.0/16 (CIDR block in 'a'): a VPC peering "
        "between overlapping ranges fails"
    )


def test_overlap_through_a_third_peered_network_stays_a_warning(valid_case: ValidCase) -> None:
    """GCP checks the subnets of the two peered networks
    (https://cloud.google.com/vpc/docs/vpc-peering#no-subnet-overlap); two spokes of one hub are
    not peered with each other (peering is not transitive), so their overlap is only suspicious."""
    blueprint = valid_case(
        """
        networks:
          - {name: hub, cloud: gcp, subnets: [{name: h, cidr: 10.0.0.0/24}]}
          - {name: dev, cloud: gcp, subnets: [{name: d, cidr: 10.20.0.0/24}]}
          - {name: prod, cloud: gcp, subnets: [{name: p, cidr: 10.20.0.0/24}]}
        peerings:
          - {name: hub-to-dev, network: hub, peer_network: dev}
          - {name: dev-to-hub, network: dev, peer_network: hub}
          - {name: hub-to-prod, network: hub, peer_network: prod}
          - {name: prod-to-hub, network: prod, peer_network: hub}
        """
    )
    (warning,) = blueprint.warnings
    assert (warning.severity, warning.code) == ("warning", "overlap-connected")


@pytest.mark.parametrize(
    ("policy", "location", "message"),
    [
        (
            "{name: p, cloud: gcp, kind: regional, networks: [hub]}",
            "case.yaml:7:5",
            "a regional network firewall policy has one target region (expected region:, "
            "e.g. europe-west1)",
        ),
        (
            "{name: p, cloud: gcp, kind: network, region: europe-west1, networks: [hub]}",
            "case.yaml:7:50",
            "a network firewall policy has no region (expected kind: regional, or no region:)",
        ),
    ],
    ids=["regional-without-region", "region-on-a-global-policy"],
)
def test_firewall_policy_region(case: Case, policy: str, location: str, message: str) -> None:
    """https://cloud.google.com/vpc/docs/regional-firewall-policies: "The regional network
    firewall policies have one and only one target region, while the global network firewall
    policies apply automatically to all regions." """
    problems = case(HUB + f"firewall_policies:\n  - {policy}\n")
    (problem,) = problems
    assert (where(problem), problem.message) == (location, message)
    assert problem.path == "firewall_policies[0].region"


def test_a_network_cannot_peer_with_itself(case: Case) -> None:
    problems = case(
        """
        networks:
          - {name: hub, cloud: gcp}
        peerings:
          - {name: loop, network: hub, peer_network: hub}
        """
    )
    expect(
        problems, "case.yaml:4:46", "a network cannot peer with itself (expected another network)"
    )


# -- DNS -----------------------------------------------------------------------------------------


def test_dns_zone_domain_and_forwarding_targets(case: Case) -> None:
    problems = case(
        """
        dns_zones:
          - name: scw-internal
            cloud: gcp
            domain: scw.internal
            kind: forwarding
        """
    )
    assert [(where(p), p.message) for p in problems] == [
        (
            "case.yaml:2:5",
            "a forwarding zone needs targets (expected forwarding_targets:)",
        ),
        (
            "case.yaml:4:13",
            "'scw.internal' is not fully qualified (expected a trailing dot: 'scw.internal.')",
        ),
    ]


def test_duplicate_name_uses_the_singular_of_the_section(tmp_path: Path) -> None:
    """`routing_policies` reads "routing policy", not "routing policie"."""
    path = tmp_path / "bp.yaml"
    path.write_text(
        "clouds: [{name: s, provider: scaleway, jurisdiction: EU, region: fr-par}]\n"
        "routing_policies:\n"
        "  - {name: p, cloud: s}\n"
        "  - {name: p, cloud: s}\n"
    )
    from crossfence import load
    from crossfence.errors import BlueprintError

    with pytest.raises(BlueprintError) as caught:
        load(path)
    message = str(caught.value)
    assert ":4:12: routing_policies[1].name: duplicate routing policy name 'p'" in message
