"""Scaleway VPC Peering (Public Beta): two VPC connectors, and custom routes on each side.

https://www.scaleway.com/en/docs/vpc-peering/reference-content/features-limitations/:
"Peering connections are always mutually consented. An owner or manager of each VPC must
independently create a peering connector towards the other. If only one side creates a
connector, it remains in an Orphan state and no connection is established"; "Traffic does not
flow between two peered VPCs automatically. You must manually create custom routes on each side";
"VPC A can communicate with VPC C via an intermediate VPC B (A ↔ B ↔ C) ... Transitivity requires
custom routes to be configured in each VPC of the chain"; "Two VPCs can only be peered if they are
located in the same Scaleway region"; "VPCs created before routing was introduced must have
routing activated before a peering connection can be successfully established".
https://www.scaleway.com/en/docs/vpc-peering/concepts/: "For two VPCs to be successfully peered,
none of the CIDR blocks attributed to their Private Networks may overlap. If an overlap is
detected, the two peering connectors will show a Conflict state"; "To route traffic between two
peered VPCs, you must create custom routes on each side".
https://www.scaleway.com/en/docs/vpc-peering/how-to/manage-routing/: "select Peering connector as
the next hop type".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.engine.reach import Reach
from crossfence.errors import BlueprintError

ESTATE = """
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc-a
    cloud: scw
    private_networks: [{name: pn-a, cidr: 172.16.0.0/24}]
    routes:
{routes_a}
  - name: vpc-b
    cloud: scw
    private_networks: [{name: pn-b, cidr: 172.17.0.0/24}]
    routes:
{routes_b}
{acl_b}
  - name: vpc-c
    cloud: scw
    private_networks: [{name: pn-c, cidr: 172.18.0.0/24}]
    routes:
{routes_c}
peerings:
{peerings}
workloads:
  - {name: app-a, kind: vm, network: vpc-a, subnet: pn-a, addresses: [172.16.0.20], ports: ["tcp/8080"]}
  - {name: app-b, kind: vm, network: vpc-b, subnet: pn-b, addresses: [172.17.0.20], ports: ["tcp/8080"]}
  - {name: db-b, kind: managed_database, network: vpc-b, subnet: pn-b, addresses: [172.17.0.30], ports: ["tcp/5432"]}
  - {name: app-c, kind: vm, network: vpc-c, subnet: pn-c, addresses: [172.18.0.20], ports: ["tcp/8080"]}
"""

BOTH = """  - {name: a-to-b, network: vpc-a, peer_network: vpc-b}
  - {name: b-to-a, network: vpc-b, peer_network: vpc-a}"""
CHAIN = (
    BOTH
    + """
  - {name: b-to-c, network: vpc-b, peer_network: vpc-c}
  - {name: c-to-b, network: vpc-c, peer_network: vpc-b}"""
)
A_TO_B = "      - {name: to-b, destination: 172.17.0.0/24, next_hop_peering: a-to-b}"
B_TO_A = "      - {name: to-a, destination: 172.16.0.0/24, next_hop_peering: b-to-a}"
NONE = "      []"


def text(
    routes_a: str = NONE,
    routes_b: str = NONE,
    routes_c: str = NONE,
    peerings: str = BOTH,
    acl_b: str = "",
) -> str:
    return (
        ESTATE.replace("{routes_a}", routes_a)
        .replace("{routes_b}", routes_b)
        .replace("{routes_c}", routes_c)
        .replace("{peerings}", peerings)
        .replace("{acl_b}\n", acl_b)
    )


def ask(tmp_path: Path, blueprint: str, source: str, destination: str, port: str) -> Reach:
    (tmp_path / "bp.yaml").write_text(blueprint)
    return reach(build_topology(load(tmp_path / "bp.yaml")), source, destination, port)


def actions(result: Reach) -> list[str]:
    return [s.action for h in result.hops for s in h.steps]


def test_peered_vpcs_exchange_no_route(tmp_path: Path) -> None:
    """Both connectors, no custom route: no traffic."""
    result = ask(tmp_path, text(), "app-a", "app-b", "tcp/8080")
    assert result.disposition == "NO_ROUTE"


def test_a_route_on_one_side_only_has_no_way_back(tmp_path: Path) -> None:
    result = ask(tmp_path, text(routes_a=A_TO_B), "app-a", "app-b", "tcp/8080")
    assert "FORWARD_TO_PEER" in actions(result)
    assert result.disposition == "NO_RETURN_ROUTE"


def test_custom_routes_on_each_side_carry_the_traffic_both_ways(tmp_path: Path) -> None:
    blueprint = text(routes_a=A_TO_B, routes_b=B_TO_A)
    there = ask(tmp_path, blueprint, "app-a", "app-b", "tcp/8080")
    assert there.disposition == "DELIVERED"
    route = next(s for h in there.hops for s in h.steps if s.action == "APPLY_ROUTE")
    assert "custom route to-b to VPC connector a-to-b" in route.detail
    assert route.source is not None and route.source.resource == "vpc-a/routes"
    assert ask(tmp_path, blueprint, "app-b", "app-a", "tcp/8080").disposition == "DELIVERED"


def test_an_orphan_connector_carries_nothing(tmp_path: Path) -> None:
    blueprint = text(
        routes_a=A_TO_B,
        routes_b=B_TO_A,
        peerings="  - {name: a-to-b, network: vpc-a, peer_network: vpc-b}",
    ).replace("next_hop_peering: b-to-a", "next_hop_instance: app-b")
    result = ask(tmp_path, blueprint, "app-a", "app-b", "tcp/8080")
    assert result.disposition == "NO_ROUTE"
    [route] = [s for h in result.hops for s in h.steps if s.action == "APPLY_ROUTE"]
    assert "VPC connector a-to-b is Orphan" in route.detail
    [warning] = load(tmp_path / "bp.yaml").warnings
    assert warning.code == "peering-inactive"
    assert "a Scaleway VPC connector stays Orphan" in warning.message


def test_transitive_peering_needs_custom_routes_in_each_vpc(tmp_path: Path) -> None:
    """A ↔ B ↔ C: A reaches C through B when A, B and C route it."""
    a = "      - {name: to-c, destination: 172.18.0.0/24, next_hop_peering: a-to-b}"
    b = (
        "      - {name: to-c, destination: 172.18.0.0/24, next_hop_peering: b-to-c}\n"
        "      - {name: to-a, destination: 172.16.0.0/24, next_hop_peering: b-to-a}"
    )
    c = "      - {name: to-a, destination: 172.16.0.0/24, next_hop_peering: c-to-b}"
    full = text(routes_a=a, routes_b=b, routes_c=c, peerings=CHAIN)
    result = ask(tmp_path, full, "app-a", "app-c", "tcp/8080")
    assert result.disposition == "DELIVERED"
    assert actions(result).count("FORWARD_TO_PEER") == 2
    # without B's route onwards, A's packets stop in B
    b_back_only = "      - {name: to-a, destination: 172.16.0.0/24, next_hop_peering: b-to-a}"
    partial = text(routes_a=a, routes_b=b_back_only, routes_c=c, peerings=CHAIN)
    assert ask(tmp_path, partial, "app-a", "app-c", "tcp/8080").disposition == "NO_ROUTE"


def test_a_managed_database_is_not_reached_over_a_peering(tmp_path: Path) -> None:
    """Peering traffic is routed traffic, and Managed Databases are not compatible with routing
    (https://www.scaleway.com/en/docs/vpc/reference-content/understanding-routing/#limitations)."""
    blueprint = text(routes_a=A_TO_B, routes_b=B_TO_A)
    result = ask(tmp_path, blueprint, "app-a", "db-b", "tcp/5432")
    assert result.disposition == "NO_ROUTE"
    # nor does it send over the peering
    out = ask(tmp_path, blueprint, "db-b", "app-a", "tcp/8080")
    assert out.disposition == "NO_ROUTE"
    assert "FORWARD_TO_PEER" not in actions(out)
    assert any(
        "db-b is reached only within its own segment" in s.detail
        for h in result.hops
        for s in h.steps
    )


OPEN_8080 = (
    "        - {action: accept, protocol: tcp, source: 172.16.0.0/24, destination: 172.17.0.0/24, destination_ports: '8080'}\n"
    "        - {action: accept, protocol: tcp, source: 172.17.0.0/24, source_ports: '8080', destination: 172.16.0.0/24}"
)
ACL_B = """    acl:
      default_policy: drop
      rules:
{rules}
"""


def test_the_vpc_acl_filters_what_enters_its_private_networks_over_a_peering(
    tmp_path: Path,
) -> None:
    """crossfence's reading, on the safe side: "NACLs only control traffic as it enters or exits
    the Private Network(s) of a VPC" (https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/);
    a packet from a peered VPC enters one. The peering pages do not say otherwise."""
    closed = text(routes_a=A_TO_B, routes_b=B_TO_A, acl_b=ACL_B.replace("{rules}", "        []"))
    result = ask(tmp_path, closed, "app-a", "app-b", "tcp/8080")
    assert result.disposition == "DENIED_ACL"
    # leaving pn-b towards the connector is the same boundary
    assert ask(tmp_path, closed, "app-b", "app-a", "tcp/8080").disposition == "DENIED_ACL"
    opened = text(routes_a=A_TO_B, routes_b=B_TO_A, acl_b=ACL_B.replace("{rules}", OPEN_8080))
    result = ask(tmp_path, opened, "app-a", "app-b", "tcp/8080")
    assert result.disposition == "DELIVERED"
    assert actions(result).count("APPLY_ACL") == 1
    assert actions(result).count("APPLY_ACL_REPLY") == 1


# -- what Scaleway refuses ------------------------------------------------------------------------


def problems(tmp_path: Path, blueprint: str) -> list[tuple[str, str, str]]:
    (tmp_path / "bp.yaml").write_text(blueprint)
    with pytest.raises(BlueprintError) as caught:
        load(tmp_path / "bp.yaml")
    return [(p.path or "", p.code or "", p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    "field",
    [
        "export_custom_routes",
        "import_custom_routes",
        "export_subnet_routes_with_public_ip",
        "import_subnet_routes_with_public_ip",
    ],
)
def test_gcp_route_exchange_fields_are_refused(tmp_path: Path, field: str) -> None:
    peerings = BOTH.replace("peer_network: vpc-b}", f"peer_network: vpc-b, {field}: true}}")
    assert problems(tmp_path, text(peerings=peerings)) == [
        (
            f"peerings[0].{field}",
            "provider",
            "a Scaleway VPC connector exchanges no routes: traffic crosses where a custom route "
            f"of each VPC points at its connector (expected no {field}; routes with "
            "next_hop_peering)",
        )
    ]


def test_overlapping_private_networks_are_a_conflict(tmp_path: Path) -> None:
    blueprint = text().replace(
        "{name: pn-b, cidr: 172.17.0.0/24}", "{name: pn-b, cidr: 172.16.0.0/23}"
    )
    blueprint = blueprint.replace("172.17.0.20", "172.16.1.20").replace(
        "172.17.0.30", "172.16.1.30"
    )
    found = [p for p in problems(tmp_path, blueprint) if p[1] == "overlap"]
    # https://www.scaleway.com/en/docs/vpc-peering/concepts/#cidr-block: "If an overlap is
    # detected, the two peering connectors will show a Conflict status"
    assert [(path, message) for path, _, message in found] == [
        (
            "peerings[0].peer_network",
            "172.16.0.0/23 (pn-b in 'vpc-b') overlaps 172.16.0.0/24 (pn-a in 'vpc-a'): a VPC "
            "peering between overlapping ranges fails (expected disjoint address space across "
            "peered networks)",
        )
    ]


def test_peered_vpcs_share_a_region(tmp_path: Path) -> None:
    blueprint = (
        text()
        .replace(
            "clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]",
            "clouds:\n  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}\n"
            "  - {name: scw-ams, provider: scaleway, jurisdiction: EU, region: nl-ams}",
        )
        .replace("  - name: vpc-b\n    cloud: scw\n", "  - name: vpc-b\n    cloud: scw-ams\n")
    )
    found = problems(tmp_path, blueprint)
    assert (
        "peerings[0].peer_network",
        "invalid-value",
        "'vpc-a' is in fr-par and 'vpc-b' in nl-ams: VPC Peering connects VPCs of one region "
        "only (expected a VPC of fr-par)",
    ) in found
    assert len(found) == 2  # and the same from vpc-b's connector


def test_peering_needs_vpc_routing(tmp_path: Path) -> None:
    blueprint = text().replace(
        "  - name: vpc-b\n    cloud: scw\n",
        "  - name: vpc-b\n    cloud: scw\n    managed_routing: false\n",
    )
    assert [(path, message) for path, _, message in problems(tmp_path, blueprint)] == [
        (
            path,
            "'vpc-b' has no VPC routing (managed_routing: false), and routing must be activated "
            "before a peering connection can be established (expected managed_routing: true)",
        )
        for path in ("peerings[0].peer_network", "peerings[1].network")
    ]


def test_a_connector_peers_scaleway_vpcs_only(tmp_path: Path) -> None:
    blueprint = text(peerings="  - {name: a-to-g, network: vpc-a, peer_network: gcp-vpc}").replace(
        "clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]\nnetworks:\n",
        "clouds:\n  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}\n"
        "  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1, project: p}\n"
        "networks:\n  - {name: gcp-vpc, cloud: gcp, subnets: [{name: s, cidr: 10.0.0.0/24}]}\n",
    )
    found = problems(tmp_path, blueprint)
    assert (
        "peerings[0].peer_network",
        "provider",
        "a VPC connector peers two Scaleway VPCs; 'gcp-vpc' is a gcp network (expected a "
        "Scaleway VPC)",
    ) in found


def test_a_route_goes_through_a_connector_of_its_own_vpc(tmp_path: Path) -> None:
    blueprint = text(
        routes_a="      - {name: to-b, destination: 172.17.0.0/24, next_hop_peering: b-to-a}"
    )
    assert [(path, message) for path, _, message in problems(tmp_path, blueprint)] == [
        (
            "networks[0].routes[0].next_hop_peering",
            "VPC connector 'b-to-a' belongs to 'vpc-b' (expected a connector of 'vpc-a': a "
            "peering with network: vpc-a)",
        )
    ]


@pytest.mark.parametrize("with_acl", [False, True])
def test_the_matrix_agrees_with_the_walk(tmp_path: Path, with_acl: bool) -> None:
    """The vectorised matrix answers the peering, the ACL at its boundary and the Managed
    Database as the hop-by-hop walk does."""
    from crossfence.engine.matrix import connectivity, reference_connectivity

    acl = ACL_B.replace("{rules}", OPEN_8080) if with_acl else ""
    (tmp_path / "bp.yaml").write_text(text(routes_a=A_TO_B, routes_b=B_TO_A, acl_b=acl))
    topology = build_topology(load(tmp_path / "bp.yaml"))
    fast, reference = connectivity(topology), reference_connectivity(topology)
    assert fast.to_json() == reference.to_json()
    assert ("app-a", "app-b") in fast.connections
    assert ("app-a", "db-b") not in fast.connections
    assert ("db-b", "app-a") not in fast.connections
