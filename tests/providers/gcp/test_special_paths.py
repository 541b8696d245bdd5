"""Google's special paths: IAP TCP forwarding, health checks and Cloud DNS forwarding reach VMs
outside the VPC's routes, and the firewall still decides.

Expected values from Google's documentation:
- https://cloud.google.com/iap/docs/using-tcp-forwarding: IAP TCP forwarding connects from
  35.235.240.0/20, which an ingress firewall rule must allow;
- https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges: probes come from
  35.191.0.0/16 and 130.211.0.0/22 and need an ingress allow rule;
- https://cloud.google.com/vpc/docs/routes#special_return_paths: these services use special
  routes, outside the VPC network's routing table, to reach VMs and to be answered — a VM
  without any route to the internet still answers them.
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, load, reach
from crossfence.ir.types import Topology

ESTATE = """
clouds: [{{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}]
networks:
  - name: vpc
    cloud: gcp
    delete_default_routes_on_create: true
    subnets: [{{name: apps, cidr: 10.0.0.0/24}}]
    firewall_rules: {rules}
workloads:
  - {{name: vm, kind: vm, network: vpc, subnet: apps, addresses: [10.0.0.10]}}
"""
IAP_SSH = (
    '[{name: iap-ssh, direction: ingress, ports: ["tcp/22"], source_ranges: ["35.235.240.0/20"]}]'
)
PROBES = '[{name: probes, direction: ingress, ports: ["tcp/80"], source_ranges: ["35.191.0.0/16", "130.211.0.0/22"]}]'


def estate(tmp_path: Path, rules: str) -> Topology:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(rules=rules))
    return build_topology(load(tmp_path / "bp.yaml"))


def test_iap_reaches_a_vm_with_no_route_to_the_internet(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path, IAP_SSH), "35.235.240.7", "vm", "tcp/22")
    assert answer.allowed, answer.to_json()
    actions = [s.action for hop in answer.hops for s in hop.steps]
    assert "SPECIAL_PATH" in actions and "RETURN_SPECIAL_PATH" in actions


def test_the_firewall_still_decides(tmp_path: Path) -> None:
    net = estate(tmp_path, "[]")
    denied = reach(net, "35.235.240.7", "vm", "tcp/22")
    assert not denied.allowed and denied.disposition == "DENIED_INGRESS"
    assert "implied-deny-ingress" in str(denied.to_json())


def test_health_checks_come_from_both_ranges(tmp_path: Path) -> None:
    net = estate(tmp_path, PROBES)
    assert reach(net, "35.191.0.9", "vm", "tcp/80").allowed
    assert reach(net, "130.211.0.9", "vm", "tcp/80").allowed
    assert not reach(net, "35.191.0.9", "vm", "tcp/22").allowed


def test_any_other_internet_address_is_not_a_special_path(tmp_path: Path) -> None:
    answer = reach(estate(tmp_path, IAP_SSH), "203.0.113.7", "vm", "tcp/22")
    assert not answer.allowed and answer.disposition == "NO_ROUTE"
