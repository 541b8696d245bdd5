"""Masqueraded pods: what leaves the cluster carries the node's address, and filters see that.

https://kubernetes.io/docs/tasks/administer-cluster/ip-masq-agent/: "IP Masquerade ... hides the
Pod IP address behind the cluster node's IP address" for traffic to destinations outside the
non-masquerade ranges; `pods_masqueraded: true` says the cluster does this for traffic leaving it.
"""

from __future__ import annotations

from pathlib import Path

from crossfence import build_topology, connectivity, load, reach
from crossfence.engine.matrix import reference_connectivity
from crossfence.ir.types import Topology

ESTATE = """
clouds: [{{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}]
networks:
  - name: vpc
    cloud: gcp
    subnets:
      - {{name: nodes, cidr: 10.0.0.0/24, secondary_ranges: [{{name: pods, cidr: 10.8.0.0/16}}]}}
      - {{name: db, cidr: 10.1.0.0/24}}
    firewall_rules:
      - {{name: db-in, direction: ingress, ports: ["tcp/5432"], source_ranges: ["{allowed}"], target_tags: [db]}}
clusters:
  - {{name: gke, cloud: gcp, kind: gke, network: vpc, subnet: nodes, pod_range: pods, pods_masqueraded: {masq}}}
workloads:
  - {{name: app, kind: pods, cluster: gke, namespace: default, labels: {{app: app}}}}
  - {{name: db, kind: vm, network: vpc, subnet: db, addresses: [10.1.0.10], network_tags: [db], ports: [{{port: 5432}}]}}
"""


def estate(tmp_path: Path, allowed: str, masq: bool) -> Topology:
    (tmp_path / "bp.yaml").write_text(ESTATE.format(allowed=allowed, masq=str(masq).lower()))
    return build_topology(load(tmp_path / "bp.yaml"))


def test_a_filter_downstream_sees_the_node_address(tmp_path: Path) -> None:
    assert reach(estate(tmp_path, "10.0.0.0/24", True), "app", "db", "tcp/5432").allowed
    denied = reach(estate(tmp_path, "10.8.0.0/16", True), "app", "db", "tcp/5432")
    assert not denied.allowed and denied.disposition == "DENIED_INGRESS"
    assert "SNATed to its node's address" in str(denied.to_json())


def test_without_masquerade_the_pod_address_is_seen(tmp_path: Path) -> None:
    assert reach(estate(tmp_path, "10.8.0.0/16", False), "app", "db", "tcp/5432").allowed
    assert not reach(estate(tmp_path, "10.0.0.0/24", False), "app", "db", "tcp/5432").allowed


def test_the_matrix_agrees(tmp_path: Path) -> None:
    for allowed in ("10.0.0.0/24", "10.8.0.0/16"):
        for masq in (True, False):
            net = estate(tmp_path, allowed, masq)
            assert (
                connectivity(net, layers="network").connections
                == reference_connectivity(net).connections
            )
