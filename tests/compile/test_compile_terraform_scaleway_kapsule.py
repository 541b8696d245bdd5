"""The terraform target's Kapsule clusters: a `scaleway_k8s_cluster` on its Private Network with the blueprint's pod and service ranges, a `scaleway_k8s_pool` in the node security group; read back from the plan.

https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/k8s_cluster
(`private_network_id`, `pod_cidr`, `service_cidr`; `version`, `cni` and
`delete_additional_resources` required), .../k8s_pool (`cluster_id`, `security_group_id`,
`public_ip_disabled`; `node_type` and `size` required). A pool takes one security group
(https://www.scaleway.com/en/docs/kubernetes/reference-content/security-group-management/);
nodes without public addresses need a Public Gateway that masquerades their Private Network
and advertises its default route
(https://www.scaleway.com/en/docs/kubernetes/reference-content/secure-cluster-with-private-network/).
"""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML

from crossfence import load
from crossfence.compile.tfplan import round_trip_files
from crossfence.model import Blueprint
from crossfence.providers.scaleway.tfjson import scaleway_terraform

from .provider_schema import read_pulumi_schema
from .test_compile_terraform_scaleway import PACKAGE, _unknown
from .test_compile_terraform_scaleway_vms import _answers

ESTATE = """\
clouds: [{name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}]
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: nodes, cidr: 172.16.0.0/22}
      - {name: data, cidr: 172.16.8.0/24}
    public_gateways:
      - name: gw
        public_address: 51.15.1.1
        private_networks: [{private_network: nodes, enable_masquerade: true, push_default_route: true}]
security_groups:
  - name: nodes-sg
    cloud: scw
    applies_to: all_interfaces
    inbound_default_policy: drop
    inbound_rules:
      - {action: accept, ports: tcp/8443, ip_ranges: [172.16.8.0/24]}
clusters:
  - name: k8s
    cloud: scw
    kind: kapsule
    network: vpc
    subnet: nodes
    pod_range: 100.64.0.0/16
    service_range: 100.65.0.0/16
    node_security_groups: [nodes-sg]
    namespaces: [{name: shop, labels: {team: shop}}]
workloads:
  - {name: api, kind: pods, cluster: k8s, namespace: shop, service_account: api, labels: {app: api}, ports: ["tcp/8443", "tcp/9000"]}
  - {name: client, kind: vm, network: vpc, subnet: data, addresses: [172.16.8.10]}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def test_a_kapsule_cluster_on_its_private_network(tmp_path: Path) -> None:
    document, problems, warnings = scaleway_terraform(_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    assert resources["scaleway_k8s_cluster"]["k8s"] == {
        "name": "k8s",
        "version": "${var.k8s_version}",
        "cni": "${var.k8s_cni}",
        "private_network_id": "${scaleway_vpc_private_network.nodes.id}",
        "pod_cidr": "100.64.0.0/16",
        "service_cidr": "100.65.0.0/16",
        "delete_additional_resources": False,
    }
    assert resources["scaleway_k8s_pool"]["k8s"] == {
        "name": "k8s",
        "cluster_id": "${scaleway_k8s_cluster.k8s.id}",
        "node_type": "${var.k8s_node_type}",
        "size": "${var.k8s_size}",
        "security_group_id": "${scaleway_instance_security_group.nodes-sg.id}",
        # the Public Gateway masquerades `nodes` and pushes its default route: full isolation
        "public_ip_disabled": True,
    }
    for name in ("k8s_version", "k8s_cni", "k8s_node_type", "k8s_size"):
        assert "default" not in document["variable"][name]
    assert document["variable"]["k8s_size"]["type"] == "number"
    assert not [w for w in warnings if "'k8s'" in w.message]
    if PACKAGE.exists():
        for kind in ("scaleway_k8s_cluster", "scaleway_k8s_pool"):
            schema = read_pulumi_schema(PACKAGE, kind)
            assert _unknown(resources[kind]["k8s"], schema, kind) == []


def test_nodes_without_a_public_gateway_keep_public_addresses_warned(tmp_path: Path) -> None:
    """`public_ip_disabled` requires a Public Gateway (Dynamic NAT, default route advertised):
    without one the nodes are in controlled isolation, which the warning says."""
    text = ESTATE.replace("push_default_route: true", "push_default_route: false")
    document, problems, warnings = scaleway_terraform(_estate(tmp_path, text))
    assert problems == []
    assert "public_ip_disabled" not in document["resource"]["scaleway_k8s_pool"]["k8s"]
    found = [w for w in warnings if "cluster 'k8s'" in w.message]
    assert len(found) == 1 and "public addresses" in found[0].message
    assert found[0].file is not None and found[0].line is not None


def test_two_node_security_groups_are_a_located_error(tmp_path: Path) -> None:
    """A pool's nodes are in one security group: a cluster in two cannot be written."""
    text = ESTATE.replace(
        "node_security_groups: [nodes-sg]", "node_security_groups: [nodes-sg, other-sg]"
    ).replace(
        "clusters:\n",
        "  - {name: other-sg, cloud: scw}\nclusters:\n",
    )
    document, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert [p.path for p in problems] == ["clusters[0]"]
    assert "2 node security groups" in problems[0].message
    assert problems[0].file is not None and problems[0].file.endswith("estate.yaml")
    assert problems[0].line is not None
    assert "scaleway_k8s_cluster" not in document["resource"]


def test_a_cluster_of_another_kind_is_not_written(tmp_path: Path) -> None:
    text = ESTATE.replace("kind: kapsule", "kind: generic")
    document, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert problems == []
    assert "scaleway_k8s_cluster" not in document["resource"]


def test_the_round_trip_reads_the_cluster_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    kept = {
        c["name"]: c
        for f in overlay.glob("*.yaml")
        for c in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("clusters", [])
    }
    assert sorted(kept["k8s"]) == ["name", "namespaces"]
    cluster = back.get("clusters", "k8s")
    assert cluster is not None
    assert (cluster.kind, cluster.network, cluster.subnet) == ("kapsule", "vpc", "nodes")
    assert (str(cluster.pod_range), str(cluster.service_range)) == (
        "100.64.0.0/16",
        "100.65.0.0/16",
    )
    assert cluster.node_security_groups == ("nodes-sg",)


def test_pods_masqueraded_is_the_overlays(tmp_path: Path) -> None:
    """No Kapsule argument says whether pod traffic leaving the cluster is masqueraded: the
    overlay keeps the blueprint's `pods_masqueraded`, and the answers stay equal."""
    text = ESTATE.replace(
        "    node_security_groups:", "    pods_masqueraded: true\n    node_security_groups:"
    )
    blueprint = _estate(tmp_path, text)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    cluster = back.get("clusters", "k8s")
    assert cluster is not None and cluster.pods_masqueraded is True


def test_a_pool_left_out_of_the_plan_changes_the_answers(tmp_path: Path) -> None:
    """The test can fail: without its pool, the nodes' security group is not read back."""
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    document = json.loads(plan.read_text("utf-8"))
    resources = document["planned_values"]["root_module"]["resources"]
    document["planned_values"]["root_module"]["resources"] = [
        r for r in resources if r["type"] != "scaleway_k8s_pool"
    ]
    plan.write_text(json.dumps(document), encoding="utf-8")
    assert _answers(load(plan, [overlay]))[0] != _answers(blueprint)[0]
