"""Scaleway Instances with a flexible IP, security groups on the public interface, stateless replies.

Expected values from Scaleway's documentation:
- https://www.scaleway.com/en/docs/instances/concepts/ ("Public IP addresses are routed on the
  internet") and https://www.scaleway.com/en/docs/vpc/faq/ (a Public Gateway is how resources
  *without* a public IPv4 reach the internet): an Instance with a flexible IP reaches the
  internet through its public interface, no Public Gateway needed;
- https://www.scaleway.com/en/docs/instances/concepts/#security-group: "Security groups allow you
  to create rules to drop or allow public traffic coming to and from your Instances" ...
  "Stateless security groups strictly apply the default policy and inbound/outbound rules,
  regardless of whether a connection is initiated from your Instance or not" — a stateless
  group needs an outbound rule for the answers it sends, an inbound one for those it receives;
- https://www.scaleway.com/en/docs/public-gateways/concepts/#default-route: "The Public
  Gateway's default route advertisement takes priority over the default route through a
  resource's public interface. Outbound and inbound public traffic for resources receiving the
  route advertisement is therefore directed through the Public Gateway."
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, connectivity, load, reach
from crossfence.engine.matrix import reference_connectivity
from crossfence.ir.types import Topology

ESTATE = """
clouds: [{{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}}]
networks:
  - name: vpc
    cloud: scw
    private_networks: [{{name: pn, cidr: 172.16.0.0/24}}]
    public_gateways: {gateways}
security_groups:
  - name: web-sg
    cloud: scw
    stateful: {stateful}
    inbound_default_policy: drop
    outbound_default_policy: {outbound}
    inbound_rules: {inbound}
    outbound_rules: {outbound_rules}
workloads:
  - name: web
    kind: vm
    network: vpc
    subnet: pn
    addresses: [172.16.0.10]
    public_address: 51.15.1.10
    security_groups: [web-sg]
    ports: [{{port: 443}}]
"""
HTTPS_IN = '[{action: accept, ports: "tcp/443", ip_ranges: ["0.0.0.0/0"]}]'
REPLIES_IN = '[{action: accept, ports: "tcp/1024-65535", ip_ranges: ["0.0.0.0/0"]}]'
REPLIES_OUT = '[{action: accept, ports: "tcp/1024-65535", ip_ranges: ["0.0.0.0/0"]}]'
PUSHING = "[{name: pgw, public_address: 51.15.9.9, private_networks: [{private_network: pn, push_default_route: true}]}]"


def estate(
    tmp_path: Path,
    stateful: bool = True,
    inbound: str = HTTPS_IN,
    outbound: str = "accept",
    outbound_rules: str = "[]",
    gateways: str = "[]",
) -> Topology:
    (tmp_path / "bp.yaml").write_text(
        ESTATE.format(
            stateful=str(stateful).lower(),
            inbound=inbound,
            outbound=outbound,
            outbound_rules=outbound_rules,
            gateways=gateways,
        )
    )
    return build_topology(load(tmp_path / "bp.yaml"))


def test_a_flexible_ip_reaches_the_internet_without_a_public_gateway(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path), "web", "203.0.113.9", "tcp/443")
    assert answer.allowed, answer.to_json()
    assert "public interface" in str(answer.to_json())


def test_the_security_group_filters_the_flexible_ip(tmp_path: Path) -> None:
    net = estate(tmp_path)
    assert reach(net, "internet", "web", "tcp/443").allowed
    denied = reach(net, "internet", "web", "tcp/22")
    assert denied.disposition == "DENIED_INGRESS"
    assert "security group web-sg (inbound): denied by default" in str(denied.to_json())


def test_a_stateless_group_needs_an_outbound_rule_for_its_answers(tmp_path: Path) -> None:
    dropped = reach(estate(tmp_path, stateful=False, outbound="drop"), "internet", "web", "tcp/443")
    assert not dropped.allowed and dropped.disposition == "DENIED_REPLY"
    opened = estate(tmp_path, stateful=False, outbound="drop", outbound_rules=REPLIES_OUT)
    assert reach(opened, "internet", "web", "tcp/443").allowed


def test_a_stateless_group_needs_an_inbound_rule_for_the_answers_it_receives(
    tmp_path: Path,
) -> None:
    """web opens a connection: its outbound policy accepts, the answer comes back inbound."""
    closed = reach(estate(tmp_path, stateful=False), "web", "203.0.113.9", "tcp/443")
    assert not closed.allowed and closed.disposition == "DENIED_REPLY"
    both = estate(tmp_path, stateful=False, inbound=HTTPS_IN[:-1] + ", " + REPLIES_IN[1:])
    assert reach(both, "web", "203.0.113.9", "tcp/443").allowed


def test_a_stateful_group_answers_whatever_its_outbound_policy(tmp_path: Path) -> None:
    assert reach(estate(tmp_path, outbound="drop"), "internet", "web", "tcp/443").allowed


def test_a_pushed_default_route_takes_the_answers_away_from_the_flexible_ip(
    tmp_path: Path,
) -> None:
    net = estate(tmp_path, gateways=PUSHING)
    answer = reach(net, "internet", "web", "tcp/443")
    assert not answer.allowed and answer.disposition == "NO_RETURN_ROUTE"
    assert "public-gateway/pgw" in str(answer.to_json())
    out = reach(net, "web", "203.0.113.9", "tcp/443")
    assert out.allowed and "51.15.9.9" in str(out.to_json())  # masqueraded by the gateway


def test_matrix_lists_internet_to_the_flexible_ip_as_the_reference_does(tmp_path: Path) -> None:
    for net in (
        estate(tmp_path),
        estate(tmp_path, stateful=False, outbound="drop", outbound_rules=REPLIES_OUT),
        estate(tmp_path, gateways=PUSHING),
    ):
        fast = connectivity(net, layers="network").connections
        assert fast == reference_connectivity(net).connections
    assert connectivity(estate(tmp_path)).connections[("internet", "web")].format() == ["TCP/443"]
