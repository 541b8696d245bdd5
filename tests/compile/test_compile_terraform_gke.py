"""The terraform target's GKE clusters: `google_container_cluster` and its `google_container_node_pool`, read back by the import's mapping from the plan, not the overlay.

The arguments are the provider's
(https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_cluster,
https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/container_node_pool):
`ip_allocation_policy.cluster_secondary_range_name` / `services_secondary_range_name` (secondary
ranges of the node subnet) or `cluster_ipv4_cidr_block` / `services_ipv4_cidr_block` (CIDRs),
`private_cluster_config.enable_private_nodes`, `default_snat_status.disabled` (GKE's default
SNAT: "When disabled is set to false, default IP masquerade rules will be applied to the nodes
to prevent sNAT on cluster internal traffic"), `remove_default_node_pool`, the node pool's
`node_config.tags` and `node_config.service_account`. Pods masqueraded to every destination are
an ip-masq-agent ConfigMap (https://cloud.google.com/kubernetes-engine/docs/concepts/ip-masquerade-agent),
no argument: refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import build_topology, load, reach, run_checks
from crossfence.compile import compile_blueprint
from crossfence.compile.base import CompileError
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint
from crossfence.providers.gcp.tfjson import google_terraform

from .provider_schema import read_schema
from .test_compile_terraform import PACKAGE, _unknown

ESTATE = """\
clouds: [{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1, project: p1}]
networks:
  - name: vpc
    cloud: gcp
    subnets:
      - name: nodes
        cidr: 10.0.0.0/24
        region: europe-west1
        secondary_ranges:
          - {name: pods, cidr: 10.8.0.0/16}
          - {name: services, cidr: 10.9.0.0/20}
      - {name: other, cidr: 10.1.0.0/24, region: europe-west1}
      - {name: db, cidr: 10.2.0.0/24, region: europe-west1}
    firewall_rules:
      - {name: pods-to-db, direction: ingress, action: allow, priority: 1000, ports: ["tcp/5432"], source_tags: [prod-node], target_tags: [db]}
clusters:
  - name: prod
    cloud: gcp
    kind: gke
    network: vpc
    subnet: nodes
    pod_range: pods
    service_range: services
    node_tags: [prod-node]
    node_service_account: nodes@p1.iam.gserviceaccount.com
    namespaces:
      - {name: shop, labels: {team: shop}}
  - name: batch
    cloud: gcp
    kind: gke
    network: vpc
    subnet: other
    pod_range: 10.16.0.0/16
    service_range: 10.17.0.0/20
workloads:
  - {name: app, kind: pods, cluster: prod, namespace: shop, labels: {app: app}}
  - {name: job, kind: pods, cluster: batch, namespace: default, labels: {app: job}}
  - {name: db, kind: vm, network: vpc, subnet: db, addresses: [10.2.0.10], network_tags: [db], ports: ["tcp/5432"]}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def _answers(blueprint: Blueprint) -> tuple[list[object], list[tuple[str, tuple[str, ...]]]]:
    topology = build_topology(blueprint)
    report = run_checks(blueprint, topology)
    findings = sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )
    return list(layered_connectivity(topology).rows()), findings


def test_a_gke_cluster_is_vpc_native_with_private_nodes_and_a_node_pool(tmp_path: Path) -> None:
    document, problems, warnings = google_terraform(_estate(tmp_path))
    assert problems == []
    prod = document["resource"]["google_container_cluster"]["prod"]
    assert prod["network"] == "${google_compute_network.vpc.id}"
    assert prod["subnetwork"] == "${google_compute_subnetwork.nodes.id}"
    assert prod["location"] == "europe-west1"
    assert prod["networking_mode"] == "VPC_NATIVE"
    # secondary ranges of the node subnet, by name
    assert prod["ip_allocation_policy"] == [
        {"cluster_secondary_range_name": "pods", "services_secondary_range_name": "services"}
    ]
    assert prod["private_cluster_config"][0]["enable_private_nodes"] is True
    # pods_masqueraded: false: GKE's default in-node SNAT rules disabled
    assert prod["default_snat_status"] == [{"disabled": True}]
    assert prod["remove_default_node_pool"] is True
    # CIDRs: GKE creates the secondary ranges from them
    batch = document["resource"]["google_container_cluster"]["batch"]
    assert batch["ip_allocation_policy"] == [
        {"cluster_ipv4_cidr_block": "10.16.0.0/16", "services_ipv4_cidr_block": "10.17.0.0/20"}
    ]
    pool = document["resource"]["google_container_node_pool"]["prod"]
    assert pool["cluster"] == "${google_container_cluster.prod.id}"
    node = pool["node_config"][0]
    assert node["tags"] == ["prod-node"]
    assert node["service_account"] == "nodes@p1.iam.gserviceaccount.com"
    # what the blueprint does not hold is the user's to supply: variables, no default
    assert node["machine_type"] == "${var.prod_machine_type}"
    assert pool["node_count"] == "${var.prod_node_count}"
    assert "default" not in document["variable"]["prod_node_count"]
    assert (
        "service_account"
        not in document["resource"]["google_container_node_pool"]["batch"]["node_config"][0]
    )
    # NetworkPolicy enforcement is not written: said, per cluster
    assert sum("NetworkPolicy enforcement" in w.message for w in warnings) == 2
    if PACKAGE.exists():
        for kind in ("google_container_cluster", "google_container_node_pool"):
            schema = read_schema(PACKAGE, kind)
            for name, body in document["resource"][kind].items():
                assert _unknown(body, schema, name) == []


def test_the_round_trip_reads_the_clusters_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    # the overlay keeps only what no cluster argument holds: the namespaces (batch has none:
    # it is the plan's alone)
    kept = {
        c["name"]: c
        for f in overlay.glob("*.yaml")
        for c in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("clusters", [])
    }
    assert {n: sorted(c) for n, c in kept.items()} == {"prod": ["name", "namespaces"]}
    for name in ("prod", "batch"):
        assert back.get("clusters", name) is not None
        original = blueprint.get("clusters", name)
        found = back.get("clusters", name)
        assert original is not None and found is not None
        for field in (
            "kind",
            "network",
            "subnet",
            "pod_range",
            "service_range",
            "node_tags",
            "node_service_account",
            "pods_masqueraded",
        ):
            assert getattr(found, field) == getattr(original, field), (name, field)
    assert reach(build_topology(back), "app", "db", "tcp/5432").allowed


def test_a_node_pool_left_out_of_the_plan_changes_the_answers(tmp_path: Path) -> None:
    """The test can fail: without the node pool the nodes have no tag, and the firewall rule
    that admits them by tag no longer does."""
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    document = json.loads(plan.read_text("utf-8"))
    resources = document["planned_values"]["root_module"]["resources"]
    document["planned_values"]["root_module"]["resources"] = [
        r for r in resources if r["type"] != "google_container_node_pool"
    ]
    plan.write_text(json.dumps(document), encoding="utf-8")
    back = load(plan, [overlay])
    assert not reach(build_topology(back), "app", "db", "tcp/5432").allowed
    assert _answers(back)[0] != _answers(blueprint)[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # masquerading to every destination is an ip-masq-agent ConfigMap, no cluster argument
        (
            (
                "    service_range: services\n",
                "    service_range: services\n    pods_masqueraded: true\n",
            ),
            "ip-masq-agent ConfigMap",
        ),
        # outside 10.0.0.0/8 GKE runs the ip-masq-agent, which masquerades to public destinations
        (("pod_range: 10.16.0.0/16", "pod_range: 100.70.0.0/16"), "outside 10.0.0.0/8"),
    ],
)
def test_what_no_argument_holds_is_a_located_error(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    assert change[0] in ESTATE
    blueprint = _estate(tmp_path, ESTATE.replace(change[0], change[1], 1))
    _, problems, _ = google_terraform(blueprint)
    assert len(problems) == 1
    assert expected in problems[0].message
    assert problems[0].file is not None and problems[0].line is not None
    with pytest.raises(CompileError):
        compile_blueprint(blueprint, ["terraform"])


def test_another_kind_of_cluster_in_a_google_cloud_stays_the_overlays(tmp_path: Path) -> None:
    text = ESTATE.replace(
        "    kind: gke\n    network: vpc\n    subnet: other",
        "    kind: generic\n    network: vpc\n    subnet: other",
    )
    blueprint = _estate(tmp_path, text)
    document, problems, _ = google_terraform(blueprint)
    assert problems == []
    assert set(document["resource"]["google_container_cluster"]) == {"prod"}
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    assert _answers(load(plan, [overlay])) == _answers(blueprint)
