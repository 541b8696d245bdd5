"""IR filters rendered as nftables: one base chain each, stateful where the cloud is, counters on every rule."""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, load
from crossfence.algebra.packets import IpSet, ServiceSet
from crossfence.ir.types import Filter, FilterRule, Source
from crossfence.lab.nft import Ruleset, address_set, filter_chains, service_matches

from .conftest import EXAMPLE

SOURCE = Source("test")


def rule(
    name: str,
    action: str,
    remote: str = "0.0.0.0/0",
    services: str = "*",
    local: str = "0.0.0.0/0",
    source_ports: str | None = None,
    group: int = 0,
    conditions: tuple[str, ...] = (),
) -> FilterRule:
    return FilterRule(
        name,
        action,  # type: ignore[arg-type]
        IpSet.parse(remote),
        IpSet.parse(local),
        ServiceSet.parse(services),
        SOURCE,
        ServiceSet.parse(source_ports) if source_ports else None,
        conditions,
        group,
    )


def render(flt: Filter, guard: str = "") -> str:
    ruleset = Ruleset()
    filter_chains(ruleset, flt, "input", "f", "saddr", "daddr", [guard])
    return ruleset.render()


def test_address_sets() -> None:
    assert address_set(IpSet.all()) is None
    assert address_set(IpSet.parse("10.0.0.0/8")) == "10.0.0.0/8"
    assert address_set(IpSet.parse("10.0.0.0/8, 172.16.0.0/22")) == "{ 10.0.0.0/8, 172.16.0.0/22 }"


def test_services_become_one_match_per_protocol() -> None:
    assert service_matches(ServiceSet.all()) == [""]
    assert service_matches(ServiceSet.none()) == []
    assert service_matches(ServiceSet.parse("tcp/443, tcp/8000-8100, udp/53")) == [
        "meta l4proto tcp th dport { 443, 8000-8100 }",
        "meta l4proto udp th dport 53",
    ]
    assert service_matches(ServiceSet.parse("tcp")) == ["meta l4proto tcp"]
    assert service_matches(ServiceSet.parse("icmp, esp")) == ["meta l4proto { 1, 50 }"]


def test_source_ports_of_a_stateless_rule() -> None:
    """A stateless rule matches replies by their source port (the service's)."""
    assert service_matches(ServiceSet.parse("tcp"), ServiceSet.parse("tcp/5432")) == [
        "meta l4proto tcp th sport 5432"
    ]
    # a rule whose source ports hold no UDP port matches no UDP packet
    assert service_matches(ServiceSet.parse("tcp, udp"), ServiceSet.parse("tcp/5432")) == [
        "meta l4proto tcp th sport 5432"
    ]


def test_a_stateful_filter_lets_its_connections_back_in_first() -> None:
    """GCP: "Cloud NGFW always checks for a firewall connection tracking table entry before it
    evaluates firewall rules" (https://cloud.google.com/firewall/docs/firewall-policies-rule-details#action-on-match);
    AWS: "Security groups are stateful" (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html)."""
    text = render(
        Filter(
            "fw", "gcp-firewall", (rule("web", "allow", "10.0.0.0/8", "tcp/80"),), "deny", SOURCE
        )
    )
    lines = [line.strip() for line in text.splitlines()]
    assert lines.index("ct state established,related accept") < lines.index(
        'ip saddr 10.0.0.0/8 meta l4proto tcp th dport 80 counter accept comment "fw: web"'
    )
    assert 'counter drop comment "fw: default (deny)"' in lines


def test_a_stateless_filter_checks_every_packet() -> None:
    """Scaleway: "This list is composed of stateless rules to control the flow of traffic between
    the Private Networks of the VPC" (https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/);
    AWS: "Network ACLs are stateless, which means that responses to allowed inbound traffic are
    subject to the rules for outbound traffic" (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html)."""
    acl = Filter(
        "acl",
        "scaleway-vpc-acl",
        (rule("answers", "allow", "172.16.8.0/24", "tcp", source_ports="tcp/5432"),),
        "deny",
        SOURCE,
        stateful=False,
    )
    text = render(acl)
    assert "ct state" not in text
    assert (
        'ip saddr 172.16.8.0/24 meta l4proto tcp th sport 5432 counter accept comment "acl: answers"'
        in text
    )


def test_each_filter_is_a_base_chain_of_its_own_in_order() -> None:
    """An accept ends one base chain only: the next filter still sees the packet."""
    ruleset = Ruleset()
    first = Filter("one", "x", (), "allow", SOURCE)
    second = Filter("two", "x", (), "deny", SOURCE)
    filter_chains(ruleset, first, "input", "a", "saddr", "daddr")
    filter_chains(ruleset, second, "input", "b", "saddr", "daddr")
    text = ruleset.render()
    assert "chain a {\n    type filter hook input priority 0;" in text
    assert "chain b {\n    type filter hook input priority 1;" in text


def test_goto_next_returns_to_the_next_group() -> None:
    """GCP firewall policies: goto_next "continues evaluating rules in the next level"
    (https://cloud.google.com/firewall/docs/firewall-policies-rule-details): each group of rules
    is a chain; `next` returns from it."""
    policy = Filter(
        "fw",
        "gcp-firewall-policy",
        (
            rule("pass-internal", "next", "10.0.0.0/8", "tcp/22", group=0),
            rule("allow-ssh", "allow", "0.0.0.0/0", "tcp/22", group=0),
            rule("deny-ssh", "deny", "0.0.0.0/0", "tcp/22", group=1),
        ),
        "deny",
        SOURCE,
    )
    text = render(policy)
    assert "jump f_g0" in text and "jump f_g1" in text
    assert text.index("jump f_g0") < text.index("jump f_g1")
    assert 'meta l4proto tcp th dport 22 counter return comment "fw: pass-internal"' in text


def test_request_conditions_let_the_connection_through_but_never_deny_it() -> None:
    """A load-balancer ACL rule with an HTTP condition decides per request: an allow lets some
    requests through (the connection is allowed), a deny stops only some requests."""
    acl = Filter(
        "lb acl",
        "lb-acl",
        (
            rule("block-admin", "deny", conditions=("the path begins with /admin",)),
            rule("api", "allow", conditions=("the path begins with /api",)),
        ),
        "deny",
        SOURCE,
    )
    text = render(acl)
    assert "block-admin" not in text
    assert 'counter accept comment "lb acl: api"' in text


def test_a_rule_that_matches_no_address_is_left_out() -> None:
    empty = Filter("fw", "x", (rule("never", "allow", "none"),), "deny", SOURCE)
    assert "never" not in render(empty)


def test_a_guard_sends_only_its_packets_to_the_filter() -> None:
    text = render(Filter("fw", "x", (), "deny", SOURCE), 'iifname "eth1"')
    assert 'iifname "eth1" jump f_f' in text
    assert "chain f_f {" in text


def test_the_reference_vpc_acl_renders_as_the_stateless_list_it_is(tmp_path: Path) -> None:
    """The example's Scaleway VPC ACL: first match, stateless, the database answers by its port."""
    topology = build_topology(load(EXAMPLE))
    acl = topology.networks["scw-vpc"].between_segments
    assert acl is not None and not acl.stateful
    text = render(acl)
    body = [line.strip() for line in text.splitlines() if "comment" in line]
    assert body[0].startswith(
        "ip saddr 100.64.0.0/16 ip daddr 172.16.8.0/24 meta l4proto tcp th dport 5432"
    )
    assert body[1].startswith(
        "ip saddr 172.16.8.0/24 ip daddr 100.64.0.0/16 meta l4proto tcp th sport 5432"
    )
    assert body[2].startswith("ip daddr 172.16.8.10/32 counter drop")
    assert body[-1].startswith("counter accept")
