"""GCP external IP addresses: the VPC firewall and its routes decide internet traffic to and from a VM.

Expected values from Google's documentation:
- https://cloud.google.com/firewall/docs/understand-network-contexts: "Ingress packets routed to a
  virtual machine (VM) network interface by a Google Maglev belong to the internet network type.
  Packets are routed by a Maglev to a VM network interface when the packet destination matches
  ... A regional external IPv4 address of a VM network interface" — so firewall rules and
  policies, and the implied deny-ingress rule, apply to traffic sent to the external IP;
- https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (`sourceTags`): "Source tags
  cannot be used to control traffic to an instance's external IP address";
- https://cloud.google.com/vpc/docs/routes#route-types: the system-generated default route
  0.0.0.0/0 → default-internet-gateway "Can be removed or replaced" — without it the VM's
  answers have no way back to the internet.
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, connectivity, load, reach
from crossfence.engine.matrix import reference_connectivity

BLUEPRINT = """
clouds: [{{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}]
networks:
  - name: vpc
    cloud: gcp
    delete_default_routes_on_create: {deleted}
    subnets: [{{name: web, cidr: 10.0.0.0/24, region: europe-west1}}]
    firewall_rules:
{rules}
workloads:
  - name: web
    kind: vm
    network: vpc
    subnet: web
    addresses: [10.0.0.10]
    public_address: 34.1.2.3
    network_tags: [web]
    ports: [{{port: 443}}]
  - {{name: peer, kind: vm, network: vpc, subnet: web, addresses: [10.0.0.20], network_tags: [peer]}}
"""
HTTPS_FROM_ANYWHERE = """\
      - {name: https, direction: ingress, ports: ["tcp/443"], source_ranges: ["0.0.0.0/0"], target_tags: [web]}"""


def topology(tmp_path: Path, rules: str = "[]", deleted: bool = False):  # type: ignore[no-untyped-def]
    text = BLUEPRINT.format(
        rules=rules if rules != "[]" else "      []", deleted=str(deleted).lower()
    )
    text = text.replace("    firewall_rules:\n      []", "    firewall_rules: []")
    (tmp_path / "bp.yaml").write_text(text)
    return build_topology(load(tmp_path / "bp.yaml"))


def test_the_implied_deny_ingress_rule_applies_to_the_external_ip(tmp_path: Path) -> None:
    """No rule allows it: the implied deny-ingress rule (priority 65535) drops internet traffic
    to the external IP, on every port."""
    answer = reach(topology(tmp_path), "internet", "34.1.2.3", "tcp/443")
    assert not answer.allowed and answer.disposition == "DENIED_INGRESS"
    assert "implied-deny-ingress" in str(answer.to_json())


def test_a_firewall_rule_opens_the_external_ip_on_its_port_only(tmp_path: Path) -> None:
    net = topology(tmp_path, HTTPS_FROM_ANYWHERE)
    allowed = reach(net, "internet", "34.1.2.3", "tcp/443")
    assert allowed.allowed and allowed.disposition == "DELIVERED"
    steps = [s["action"] for h in allowed.to_json()["hops"] for s in h["steps"]]
    assert steps.index("APPLY_NAT") < steps.index("APPLY_INGRESS_FILTER") < steps.index("DELIVER")
    assert "RETURN_ROUTE" in steps
    assert reach(net, "internet", "34.1.2.3", "tcp/22").disposition == "DENIED_INGRESS"


def test_reach_internet_to_a_named_vm_targets_its_external_ip(tmp_path: Path) -> None:
    """`--to web` from the internet means web's external address, not its private one."""
    answer = reach(topology(tmp_path, HTTPS_FROM_ANYWHERE), "internet", "web", "tcp/443")
    assert answer.allowed
    assert "34.1.2.3" in answer.hops[0].steps[0].detail


def test_source_tags_never_match_internet_traffic(tmp_path: Path) -> None:
    """A rule allowing source tag `peer` lets the peer VM in, not the internet."""
    rule = """\
      - {name: from-peer, direction: ingress, ports: ["tcp/443"], source_tags: [peer], target_tags: [web]}"""
    net = topology(tmp_path, rule)
    assert reach(net, "peer", "web", "tcp/443").allowed
    assert reach(net, "internet", "web", "tcp/443").disposition == "DENIED_INGRESS"


def test_without_a_default_route_the_answer_has_no_way_back(tmp_path: Path) -> None:
    """delete_default_routes_on_create: the firewall admits the request, the reply to the
    internet client has no route."""
    answer = reach(
        topology(tmp_path, HTTPS_FROM_ANYWHERE, deleted=True), "internet", "web", "tcp/443"
    )
    assert not answer.allowed and answer.disposition == "NO_RETURN_ROUTE"


def test_the_system_default_route_carries_the_vm_to_the_internet(tmp_path: Path) -> None:
    """With its external IP and the system default route web reaches the internet; without the
    route it does not (no route)."""
    out = reach(topology(tmp_path, HTTPS_FROM_ANYWHERE), "web", "203.0.113.9", "tcp/443")
    assert out.allowed
    assert "system-generated default route" in str(out.to_json())
    assert "34.1.2.3" in str(out.to_json())  # the address the internet sees (1:1 NAT)
    blocked = reach(
        topology(tmp_path, HTTPS_FROM_ANYWHERE, deleted=True), "web", "203.0.113.9", "tcp/443"
    )
    assert blocked.disposition == "NO_ROUTE"


def test_matrix_lists_internet_to_the_external_ip(tmp_path: Path) -> None:
    net = topology(tmp_path, HTTPS_FROM_ANYWHERE)
    matrix = connectivity(net)
    assert matrix.connections[("internet", "web")].format() == ["TCP/443"]
    assert matrix.connections == reference_connectivity(net).connections
