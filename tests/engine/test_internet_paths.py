"""Across the internet: load-balancer frontends, the address NAT gives, HTTP conditions of an ACL,
and stateless filters on the reply of a private path.

Expected values from the providers' documentation:
- https://www.scaleway.com/en/docs/load-balancer/reference-content/configuring-frontends/: "The
  frontend listens on the port you specify" — a load balancer answers on its frontends' ports
  only;
- https://www.scaleway.com/en/docs/load-balancer/reference-content/acls/: ACLs go "by priority"
  (index), "If traffic reaches the end of the list of ACLs without any actions being applied to
  it, it is allowed to pass to the backend", and an ACL with an IP and an HTTP filter needs "the
  traffic [to] match both filters";
- https://cloud.google.com/nat/docs/overview (Cloud NAT translates the VM's address to one of its
  NAT IPs; Terraform `nat_ips`) and https://cloud.google.com/firewall/docs/understand-network-contexts
  (an external IP is a 1:1 translation): what a filter beyond the internet sees is the translated
  address, never the private one;
- https://www.scaleway.com/en/docs/instances/concepts/#security-group: "Stateless security groups
  strictly apply the default policy and inbound/outbound rules, regardless of whether a
  connection is initiated from your Instance or not".
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, connectivity, load, reach
from crossfence.engine.matrix import reference_connectivity
from crossfence.ir.types import Topology

ESTATE = """
clouds:
  - {{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}
  - {{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}}
networks:
  - name: vpc
    cloud: gcp
    subnets: [{{name: apps, cidr: 10.0.0.0/24}}]
  - name: scw-vpc
    cloud: scw
    private_networks: [{{name: pn, cidr: 172.16.0.0/24}}, {{name: pn-db, cidr: 172.16.8.0/24}}]
routers:
  - name: router
    cloud: gcp
    network: vpc
    asn: 64514
    nats: [{{name: nat, nat_ips: {nat_ips}}}]
load_balancers:
  - name: edge
    cloud: scw
    kind: scaleway_lb
    address: 51.15.0.10
    network: scw-vpc
    private_network: pn
    private_address: 172.16.0.2
    port: 443
    acl_default_action: deny
    backends: [{{target: app, port: 8443}}]
    acls: {acls}
security_groups:
  - name: db-sg
    cloud: scw
    applies_to: all_interfaces
    stateful: false
    inbound_rules: [{{ports: tcp/5432, ip_ranges: ["172.16.0.0/24"]}}]
    outbound_default_policy: drop
    outbound_rules: {db_out}
workloads:
  - {{name: caller, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.10]}}
  - {{name: public-caller, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.11], public_address: 34.1.2.3}}
  - {{name: app, kind: vm, network: scw-vpc, subnet: pn, addresses: [172.16.0.10], ports: [{{port: 8443}}]}}
  - {{name: db, kind: vm, network: scw-vpc, subnet: pn-db, addresses: [172.16.8.10], security_groups: [db-sg], ports: [{{port: 5432}}]}}
"""
FROM_NAT = '[{name: nat-only, action: allow, ip_ranges: ["35.1.1.1/32"], index: 1}]'
FROM_PRIVATE = '[{name: private-range, action: allow, ip_ranges: ["10.0.0.0/8"], index: 1}]'
FROM_ANYWHERE = "[{name: any, action: allow, index: 1}]"
API_ONLY = '[{name: api, action: allow, http_path_begins: ["/api"], index: 1}]'
REPLIES = '[{ports: "tcp/1024-65535", ip_ranges: ["172.16.0.0/24"]}]'


def estate(
    tmp_path: Path,
    acls: str = FROM_ANYWHERE,
    nat_ips: str = '["35.1.1.1"]',
    db_out: str = "[]",
) -> Topology:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(acls=acls, nat_ips=nat_ips, db_out=db_out))
    return build_topology(load(tmp_path / "bp.yaml"))


def test_a_load_balancer_answers_on_its_frontend_port_only(tmp_path: Path) -> None:
    net = estate(tmp_path)
    assert reach(net, "internet", "edge", "tcp/443").allowed
    other = reach(net, "internet", "51.15.0.10", "tcp/22")
    assert not other.allowed and other.disposition == "NO_FRONTEND"
    assert "listens on TCP/443" in str(other.to_json())


def test_filters_beyond_the_internet_see_the_nat_address(tmp_path: Path) -> None:
    """The ACL admits only Cloud NAT's address: caller (through the NAT) passes."""
    answer = reach(estate(tmp_path, FROM_NAT), "caller", "edge", "tcp/443")
    assert answer.allowed, answer.to_json()
    assert "35.1.1.1" in str(answer.to_json())


def test_a_private_range_never_admits_a_translated_source(tmp_path: Path) -> None:
    """An ACL allowing 10.0.0.0/8 must not admit caller (10.0.0.10) from across the internet:
    the edge sees 35.1.1.1, and public-caller's external IP 34.1.2.3."""
    net = estate(tmp_path, FROM_PRIVATE)
    assert reach(net, "caller", "edge", "tcp/443").disposition == "DENIED_ACL"
    assert reach(net, "public-caller", "edge", "tcp/443").disposition == "DENIED_ACL"


def test_an_automatically_allocated_nat_address_passes_only_any_address_rules(
    tmp_path: Path,
) -> None:
    assert (
        reach(estate(tmp_path, FROM_NAT, nat_ips="[]"), "caller", "edge", "tcp/443").disposition
        == "DENIED_ACL"
    )
    assert reach(estate(tmp_path, FROM_ANYWHERE, nat_ips="[]"), "caller", "edge", "tcp/443").allowed


def test_an_acl_with_an_http_filter_allows_only_the_requests_that_pass_it(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path, API_ONLY), "internet", "edge", "tcp/443")
    assert answer.allowed
    assert answer.conditions == ["a request where the path begins with /api"]


def test_a_stateless_group_denies_the_answer_of_a_private_flow(tmp_path: Path) -> None:
    """app → db tcp/5432 between two Private Networks: db's stateless group admits the request
    and drops its answer until an outbound rule lets it out to the client's ephemeral port."""
    denied = reach(estate(tmp_path), "app", "db", "tcp/5432")
    assert not denied.allowed and denied.disposition == "DENIED_REPLY"
    assert reach(estate(tmp_path, db_out=REPLIES), "app", "db", "tcp/5432").allowed


def test_the_matrix_agrees_with_the_reference(tmp_path: Path) -> None:
    for net in (
        estate(tmp_path),
        estate(tmp_path, FROM_NAT),
        estate(tmp_path, FROM_PRIVATE, nat_ips="[]"),
        estate(tmp_path, API_ONLY, db_out=REPLIES),
    ):
        assert (
            connectivity(net, layers="network").connections
            == reference_connectivity(net).connections
        )


def test_a_load_balancer_carries_only_the_tcp_port_it_sends_to(tmp_path: Path) -> None:
    """https://www.scaleway.com/en/developers/api/load-balancer/zoned-api/: "Backends can be
    configured to use your protocol of choice (TCP or HTTP) to connect to their backend servers"
    — a load balancer proxies TCP connections to the backend's port. From the internet, app is
    reached through `edge` on tcp/8443 only: never ICMP, UDP, or another TCP port."""
    net = estate(tmp_path)
    assert reach(net, "internet", "app", "tcp/8443").allowed
    for port in ("icmp", "udp/53", "udp/8443", "tcp/22"):
        answer = reach(net, "internet", "app", port)
        assert not answer.allowed, (port, answer.to_json())
        assert "send to TCP/8443" in str(answer.to_json())


AROUND = """
clouds:
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
networks:
  - name: scw-vpc
    cloud: scw
    private_networks: [{name: pn, cidr: 172.16.0.0/24}, {name: pn-db, cidr: 172.16.8.0/24}]
    acl:
      default_policy: accept
      rules:
        - {action: drop, source: 172.16.8.0/24, destination: 172.16.0.0/24, description: no pn-db to pn}
load_balancers:
  - name: edge
    cloud: scw
    kind: scaleway_lb
    address: 51.15.0.10
    network: scw-vpc
    private_network: pn
    private_address: 172.16.0.2
    port: 443
    acl_default_action: %s
    backends: [{target: app, port: 8443}]
workloads:
  - {name: app, kind: vm, network: scw-vpc, subnet: pn, addresses: [172.16.0.10], ports: [{port: 8443}]}
  - {name: db, kind: vm, network: scw-vpc, subnet: pn-db, addresses: [172.16.8.10], public_address: 51.15.8.10}
  - {name: db-private, kind: vm, network: scw-vpc, subnet: pn-db, addresses: [172.16.8.11]}
"""


def test_a_workload_denied_directly_still_reaches_a_backend_through_a_public_frontend(
    tmp_path: Path,
) -> None:
    """https://www.scaleway.com/en/docs/vpc/reference-content/understanding-nacls/ (VPC ACLs
    filter traffic between Private Networks) and
    https://www.scaleway.com/en/docs/instances/concepts/ (a flexible IP gives an
    Instance its public interface): db's direct connection to app is dropped by the VPC ACL, but
    db goes out through its flexible IP to the public frontend of `edge`, which opens a new
    connection to app from its own private address. That path reaches app (the lab saw it); an
    instance without a public address does not; a frontend ACL that denies it closes it."""
    (tmp_path / "bp.yaml").write_text(AROUND % "allow")
    net = build_topology(load(tmp_path / "bp.yaml"))
    around = reach(net, "db", "app", "tcp/8443")
    assert around.allowed, around.to_json()
    details = [step.detail for hop in around.hops for step in hop.steps]
    assert details[0].startswith("the direct path to app is denied (DENIED_ACL")
    assert any("51.15.0.10" in d for d in details)
    assert not reach(net, "db-private", "app", "tcp/8443").allowed
    assert not reach(net, "db", "app", "tcp/22").allowed
    (tmp_path / "bp.yaml").write_text(AROUND % "deny")
    closed = reach(build_topology(load(tmp_path / "bp.yaml")), "db", "app", "tcp/8443")
    assert not closed.allowed and closed.disposition == "DENIED_ACL"
    assert str(closed.to_json()).count("VPC ACL") >= 1
