"""AWS internet access through an internet gateway: the route table and the network ACL both ways.

Expected values from the Amazon VPC user guide:
- https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html: "Add a route to
  your subnet's route table that directs internet-bound traffic to the internet gateway ...
  Ensure that your network access control lists and security group rules allow the desired
  internet traffic to flow to and from your instance", and "Instances in the private subnet
  can't communicate with the internet over the internet gateway, even if they have public IP
  addresses";
- https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: "Network ACLs are
  stateless, which means that responses to allowed inbound traffic are subject to the rules for
  outbound traffic (and vice versa)"; "to cover the different types of clients that might
  initiate traffic to public-facing instances in your VPC, you can open ephemeral ports
  1024-65535".
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, connectivity, load, reach
from crossfence.engine.matrix import reference_connectivity
from crossfence.ir.types import Topology

ESTATE = """
clouds: [{{name: aws, provider: aws, jurisdiction: US, region: eu-west-3}}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.0.0.0/16]
    subnets: [{{name: public, cidr: 10.0.1.0/24}}, {{name: private, cidr: 10.0.2.0/24}}]
    route_tables:
      - name: private-rt
        main: true
      - name: public-rt
        subnets: [public]
        routes:
          - {{name: internet, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway}}
    network_acls:
      - name: public-acl
        subnets: [public]
        ingress:
          - {{rule_number: 100, action: allow, ports: tcp/443, cidr: 0.0.0.0/0}}
          - {{rule_number: 200, action: allow, ports: tcp/1024-65535, cidr: 0.0.0.0/0}}
        egress:
{egress}
security_groups:
  - name: web-sg
    cloud: aws
    network: vpc
    inbound_rules: [{{ports: tcp/443, ip_ranges: [0.0.0.0/0]}}]
workloads:
  - {{name: web, kind: vm, network: vpc, subnet: public, addresses: [10.0.1.10], public_address: 15.188.1.10, security_groups: [web-sg], ports: [{{port: 443}}]}}
  - {{name: hidden, kind: vm, network: vpc, subnet: private, addresses: [10.0.2.10], public_address: 15.188.2.10, security_groups: [web-sg], ports: [{{port: 443}}]}}
"""
EPHEMERAL_OUT = """\
          - {rule_number: 100, action: allow, ports: tcp/443, cidr: 0.0.0.0/0}
          - {rule_number: 200, action: allow, ports: tcp/1024-65535, cidr: 0.0.0.0/0}"""
HTTPS_OUT_ONLY = """\
          - {rule_number: 100, action: allow, ports: tcp/443, cidr: 0.0.0.0/0}"""


def estate(tmp_path: Path, egress: str = EPHEMERAL_OUT) -> Topology:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(egress=egress))
    return build_topology(load(tmp_path / "bp.yaml"))


def test_a_public_ip_in_a_subnet_routed_to_the_gateway_is_reached(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path), "internet", "web", "tcp/443")
    assert answer.allowed, answer.to_json()
    actions = [s["action"] for h in answer.to_json()["hops"] for s in h["steps"]]
    assert actions.count("APPLY_ACL") == 1 and actions.count("APPLY_ACL_REPLY") == 1


def test_a_public_ip_in_a_subnet_without_the_route_is_not(tmp_path: Path) -> None:
    """hidden has a public IP, but its subnet uses the main table: no route to the gateway."""
    answer = reach(estate(tmp_path), "internet", "hidden", "tcp/443")
    assert not answer.allowed and answer.disposition == "NO_RETURN_ROUTE"
    out = reach(estate(tmp_path), "hidden", "203.0.113.9", "tcp/443")
    assert out.disposition == "NO_ROUTE"


def test_the_network_acl_must_let_the_answer_out_to_ephemeral_ports(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path, HTTPS_OUT_ONLY), "internet", "web", "tcp/443")
    assert not answer.allowed and answer.disposition == "DENIED_ACL"
    assert "public-acl (egress of subnet public)" in str(answer.to_json())


def test_the_network_acl_must_let_the_answer_in_when_the_instance_calls_out(
    tmp_path: Path,
) -> None:
    """web calls an internet API on 443: out through rule 100, the answer back to an ephemeral
    port through inbound rule 200."""
    assert reach(estate(tmp_path), "web", "203.0.113.9", "tcp/443").allowed
    (tmp_path / "bp.yaml").write_text(
        ESTATE.format(egress=EPHEMERAL_OUT).replace(
            "          - {rule_number: 200, action: allow, ports: tcp/1024-65535, cidr: 0.0.0.0/0}\n        egress:",
            "        egress:",
        )
    )
    closed = reach(build_topology(load(tmp_path / "bp.yaml")), "web", "203.0.113.9", "tcp/443")
    assert not closed.allowed and closed.disposition == "DENIED_ACL"


def test_matrix_lists_internet_flows_as_the_reference_does(tmp_path: Path) -> None:
    for egress in (EPHEMERAL_OUT, HTTPS_OUT_ONLY):
        net = estate(tmp_path, egress)
        assert (
            connectivity(net, layers="network").connections
            == reference_connectivity(net).connections
        )
    fast = connectivity(estate(tmp_path)).connections
    assert fast[("internet", "web")].format() == ["TCP/443"]
    assert ("internet", "hidden") not in fast
