"""End to end: an AWS VPC joined to a GCP hub over a virtual private gateway with BGP (fixtures/aws-gcp)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import Reach, build_topology, connectivity, load, reach
from crossfence.ir.types import Source, Topology

FIXTURE = Path(__file__).parent / "fixtures" / "aws-gcp"


@pytest.fixture(scope="module")
def topology() -> Topology:
    return build_topology(load(FIXTURE))


def line_of(file: str, marker: str) -> str:
    """`file:line` of the first fixture line containing `marker`."""
    for number, text in enumerate((FIXTURE / file).read_text().splitlines(), start=1):
        if marker in text:
            return f"{file}:{number}"
    raise AssertionError(f"{marker!r} not in {file}")


def where(source: Source | None) -> str | None:
    """`file:line` of a step's source, the file by its name (the fixture folder is implied)."""
    if source is None or source.file is None:
        return None
    return f"{Path(source.file).name}:{source.line}"


def steps(answer: Reach, action: str) -> list[tuple[str, str | None]]:
    """(detail, file:line) of every step with this action."""
    return [
        (s.detail, where(s.source)) for hop in answer.hops for s in hop.steps if s.action == action
    ]


def test_bgp_over_the_vgw_exchanges_the_vpc_and_hub_ranges(topology: Topology) -> None:
    """https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html: with dynamic routing
    the virtual private gateway advertises the VPC's CIDR to the customer gateway over BGP and,
    with route propagation, installs the learned routes into the route tables that propagate it
    — here `ops-private`, not the main table."""
    hub = [
        (str(r.destination), r.next_hop.target, r.as_path) for r in topology.networks["hub"].routes
    ]
    assert ("10.40.0.0/16", "tunnel-0", (64600,)) in hub
    assert ("10.40.0.0/16", "tunnel-1", (64600,)) in hub
    vpc = [r for r in topology.networks["ops-vpc"].routes if r.kind == "propagated"]
    assert [(str(r.destination), r.next_hop.target, r.segments) for r in vpc] == [
        ("10.0.0.0/24", "ops-vgw", ("app-a", "data-a"))
    ]
    assert not topology.notes


def test_allowed_from_gcp_shows_route_table_nacl_and_security_group_steps(
    topology: Topology,
) -> None:
    """vault (GCP) → app (AWS) tcp/22: Cloud Router route → tunnel → VGW → local route → app-nacl
    inbound rule 100 → app-sg; the reply takes the propagated route of `ops-private` and app-nacl
    outbound rule 100. Every step cites its blueprint line."""
    answer = reach(topology, "vault", "app", "tcp/22")
    assert answer.allowed and answer.disposition == "DELIVERED"
    acl = steps(answer, "APPLY_ACL")
    assert acl == [
        (
            "network ACL app-nacl (ingress of subnet app-a): allowed by rule 100; network ACLs are "
            "stateless and filter only traffic entering or leaving the subnet",
            line_of("aws.yaml", "{rule_number: 100, action: allow, ports: tcp/22"),
        )
    ]
    (sg,) = steps(answer, "APPLY_INGRESS_FILTER")
    assert sg[0].startswith(
        'security groups app-sg (inbound): allowed by app-sg inbound rule 1 ("ssh from the GCP hub")'
    )
    assert sg[1] == line_of("aws.yaml", "ssh from the GCP hub")
    back = steps(answer, "RETURN_ROUTE")
    assert back[0] == (
        "in ops-vpc: 10.0.0.0/24 → attachment ops-vgw [propagated]",
        line_of("aws.yaml", "name: ops-private"),
    )
    (reply_acl,) = steps(answer, "APPLY_ACL_REPLY")
    assert reply_acl[0].startswith(
        "network ACL app-nacl (egress of subnet app-a): allowed by rule 100"
    )
    assert reply_acl[1] == line_of("aws.yaml", "{rule_number: 100, action: allow, ports: all")
    (attach,) = steps(answer, "FORWARD_TO_ATTACHMENT")
    assert attach == ("handed to ops-vpc", line_of("aws.yaml", "name: ops-vgw"))


def test_allowed_between_subnets_through_a_security_group_reference(topology: Topology) -> None:
    """app → db tcp/5432: app-nacl out, data-nacl in (rule 110), db-sg's rule naming app-sg; db-sg
    has no outbound rule, and the stateful reply still leaves; the stateless reply needs data-nacl
    outbound rule 100 and app-nacl inbound rule 110 (ephemeral ports)."""
    answer = reach(topology, "app", "db", "tcp/5432")
    assert answer.allowed
    assert [d.split(":")[0] for d, _ in steps(answer, "APPLY_ACL")] == [
        "network ACL app-nacl (egress of subnet app-a)",
        "network ACL data-nacl (ingress of subnet data-a)",
    ]
    assert [d.split(";")[0] for d, _ in steps(answer, "APPLY_ACL_REPLY")] == [
        "network ACL data-nacl (egress of subnet data-a): allowed by rule 100",
        "network ACL app-nacl (ingress of subnet app-a): allowed by rule 110",
    ]
    (sg,) = steps(answer, "APPLY_INGRESS_FILTER")
    assert "postgres from app-sg members" in sg[0]
    assert sg[1] == line_of("aws.yaml", "postgres from app-sg members")


@pytest.mark.parametrize(
    ("source", "destination", "port", "disposition", "action", "detail", "cause"),
    [
        # NACL deny: data-nacl inbound rule 100 denies postgres from the GCP hub
        (
            "vault",
            "db",
            "tcp/5432",
            "DENIED_ACL",
            "APPLY_ACL",
            "network ACL data-nacl (ingress of subnet data-a): denied by rule 100",
            ("aws.yaml", "{rule_number: 100, action: deny, ports: tcp/5432"),
        ),
        # security group without a rule: app-nacl lets 8080 in (rule 110), app-sg does not
        (
            "vault",
            "app",
            "tcp/8080",
            "DENIED_INGRESS",
            "APPLY_INGRESS_FILTER",
            "security groups app-sg (inbound): denied by default (deny)",
            ("aws.yaml", "name: app-sg"),
        ),
        # no route: isolated-a uses the main table, which has only the local route
        (
            "batch",
            "vault",
            "tcp/8200",
            "NO_ROUTE",
            "DROP",
            "no route to 10.0.0.10 in ops-vpc",
            ("aws.yaml", "name: ops-vpc"),
        ),
        # no return route: the request reaches batch, its subnet has no route back to the hub
        (
            "vault",
            "batch",
            "tcp/22",
            "NO_RETURN_ROUTE",
            "DROP",
            "no route back to 10.0.0.10 in ops-vpc",
            ("aws.yaml", "name: ops-vpc"),
        ),
        # NACL blocks the reply: data-nacl lets redis in, its outbound rules answer app-a only
        (
            "vault",
            "db",
            "tcp/6379",
            "DENIED_ACL",
            "APPLY_ACL_REPLY",
            "network ACL data-nacl (egress of subnet data-a): denied by rule *",
            ("aws.yaml", "name: data-nacl"),
        ),
    ],
    ids=["nacl-deny", "sg-no-rule", "no-route", "no-return-route", "nacl-blocks-reply"],
)
def test_denied_flows_name_the_step_and_the_blueprint_line(
    topology: Topology,
    source: str,
    destination: str,
    port: str,
    disposition: str,
    action: str,
    detail: str,
    cause: tuple[str, str],
) -> None:
    """Each denial ends the walk with a step naming its cause and the line that caused it."""
    answer = reach(topology, source, destination, port)
    assert not answer.allowed and answer.disposition == disposition
    last_detail, last_where = steps(answer, action)[-1]
    assert last_detail.startswith(detail)
    assert last_where == line_of(*cause)
    assert answer.to_json()["verdict"] == "denied"


def test_from_aws_to_gcp_uses_the_propagated_route_and_the_gcp_firewall(
    topology: Topology,
) -> None:
    """app → vault tcp/8200: the propagated route of ops-private, the VGW's BGP route into a tunnel,
    GCP firewall rule vault-from-aws; the reply re-enters app-a through app-nacl rule 110."""
    answer = reach(topology, "app", "vault", "tcp/8200")
    assert answer.allowed
    route = steps(answer, "APPLY_ROUTE")
    assert route[0][0].startswith("10.0.0.0/24 → attachment ops-vgw [propagated, priority 100]")
    assert route[1][0].startswith("10.0.0.0/24 → tunnel tunnel-0 [dynamic, priority 100]")
    assert any("vault-from-aws" in d for d, _ in steps(answer, "APPLY_INGRESS_FILTER"))
    assert steps(answer, "APPLY_ACL_REPLY")[0][0].startswith(
        "network ACL app-nacl (ingress of subnet app-a): allowed by rule 110"
    )


def test_matrix_agrees_with_reach_on_every_pair(topology: Topology) -> None:
    """The matrix walks each path once and intersects what every filter met allows (network ACLs
    on the way out and in, and on the reply); it must give reach's verdict for every pair."""
    matrix = connectivity(topology)
    assert {pair: services.format() for pair, services in matrix.connections.items()} == {
        ("app", "db"): ["TCP/5432"],
        ("app", "vault"): ["TCP/8200"],
        ("vault", "app"): ["TCP/22"],
    }
    names = [n for n in topology.endpoints if n != "internet"]
    for source in names:
        for destination in names:
            if source == destination:
                continue
            for port in (22, 5432, 6379, 8080, 8200):
                allowed = matrix.connections.get((source, destination))
                expected = allowed is not None and allowed.contains("tcp", port)
                answer = reach(topology, source, destination, f"tcp/{port}")
                assert answer.allowed is expected, (source, destination, port)
