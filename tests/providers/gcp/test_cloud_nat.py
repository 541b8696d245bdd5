"""GCP internet access: an external IP address or Cloud NAT, expected values from
https://cloud.google.com/vpc/docs/vpc#internet_access_reqs and https://cloud.google.com/nat/docs/overview."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import build_topology, load, reach
from crossfence.errors import BlueprintError

HEAD = """
clouds: [{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}]
networks:
  - name: vpc
    cloud: gcp
    subnets:
      - name: nodes
        cidr: 10.0.0.0/24
        secondary_ranges: [{name: pods, cidr: 10.8.0.0/16}]
      - {name: tools, cidr: 10.0.1.0/24}
      - {name: far, cidr: 10.0.2.0/24, region: us-central1}
    routes:
      - {name: default-internet, destination: 0.0.0.0/0, next_hop_gateway: default_internet_gateway}
clusters:
  - {name: gke, cloud: gcp, kind: gke, network: vpc, subnet: nodes, pod_range: pods}
workloads:
  - {name: node-vm, kind: vm, network: vpc, subnet: nodes, addresses: [10.0.0.10]}
  - {name: app, kind: pods, cluster: gke, namespace: default, labels: {app: app}}
  - {name: tools-vm, kind: vm, network: vpc, subnet: tools, addresses: [10.0.1.10]}
  - {name: far-vm, kind: vm, network: vpc, subnet: far, addresses: [10.0.2.10]}
  - name: public-vm
    kind: vm
    network: vpc
    subnet: tools
    addresses: [10.0.1.11]
    public_address: 34.1.2.3
routers:
  - name: router
    cloud: gcp
    network: vpc
    asn: 64514
    nats:
{nats}
"""


def verdicts(tmp_path: Path, nats: str) -> dict[str, str]:
    (tmp_path / "bp.yaml").write_text(HEAD.replace("{nats}", nats))
    topology = build_topology(load(tmp_path / "bp.yaml"))
    return {
        name: reach(topology, name, "203.0.113.9", "tcp/443").disposition
        for name in ("node-vm", "app", "tools-vm", "far-vm", "public-vm")
    }


def test_all_ranges_of_the_region_are_translated(tmp_path: Path) -> None:
    """ALL_SUBNETWORKS_ALL_IP_RANGES: primary and secondary ranges (GKE pods) of every subnet in
    the router's region; Cloud NAT is regional, so far-vm (us-central1) has no way out; a VM
    with an external IP does not need NAT."""
    assert verdicts(tmp_path, "      - {name: nat}") == {
        "node-vm": "DELIVERED",
        "app": "DELIVERED",
        "tools-vm": "DELIVERED",
        "far-vm": "NO_EXTERNAL_ADDRESS",
        "public-vm": "DELIVERED",
    }


def test_primary_ranges_only_leave_the_pods_without_a_way_out(tmp_path: Path) -> None:
    """ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES: VMs (primary ranges) are translated, pods (the
    secondary range) are not."""
    nat = "      - {name: nat, source_subnetwork_ip_ranges_to_nat: ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES}"
    result = verdicts(tmp_path, nat)
    assert (result["node-vm"], result["app"]) == ("DELIVERED", "NO_EXTERNAL_ADDRESS")


def test_listed_subnets_only(tmp_path: Path) -> None:
    """LIST_OF_SUBNETWORKS: only the listed subnets (all their ranges)."""
    nat = "      - {name: nat, source_subnetwork_ip_ranges_to_nat: LIST_OF_SUBNETWORKS, subnetworks: [nodes]}"
    result = verdicts(tmp_path, nat)
    assert (result["node-vm"], result["app"], result["tools-vm"]) == (
        "DELIVERED",
        "DELIVERED",
        "NO_EXTERNAL_ADDRESS",
    )


def test_the_trace_names_the_nat_and_its_line(tmp_path: Path) -> None:
    (tmp_path / "bp.yaml").write_text(HEAD.replace("{nats}", "      - {name: nat}"))
    result = reach(build_topology(load(tmp_path / "bp.yaml")), "tools-vm", "203.0.113.9", "tcp/443")
    step = next(s for h in result.hops for s in h.steps if s.action == "APPLY_NAT")
    assert step.source is not None and step.source.resource == "router/router/nat/nat"
    assert step.source.line == HEAD.splitlines().index("{nats}") + 1


def test_without_nat_no_private_vm_reaches_the_internet(tmp_path: Path) -> None:
    (tmp_path / "bp.yaml").write_text(HEAD.replace("    nats:\n{nats}\n", ""))
    topology = build_topology(load(tmp_path / "bp.yaml"))
    result = reach(topology, "node-vm", "203.0.113.9", "tcp/443")
    assert result.disposition == "NO_EXTERNAL_ADDRESS"


@pytest.mark.parametrize(
    ("nats", "message"),
    [
        (
            "      - {name: nat, source_subnetwork_ip_ranges_to_nat: LIST_OF_SUBNETWORKS, subnetworks: [node]}",
            "unknown subnet 'node' in network 'vpc' (expected one of: far, nodes, tools; did you mean 'nodes'?)",
        ),
        (
            "      - {name: nat, source_subnetwork_ip_ranges_to_nat: LIST_OF_SUBNETWORKS, subnetworks: [far]}",
            "Cloud NAT is regional",
        ),
        (
            "      - {name: nat, source_subnetwork_ip_ranges_to_nat: LIST_OF_SUBNETWORKS}",
            "subnetworks are listed exactly when",
        ),
        ("      - {name: nat}\n      - {name: nat}", "Cloud NAT 'nat' is defined twice"),
    ],
)
def test_nat_mistakes_are_located_errors(tmp_path: Path, nats: str, message: str) -> None:
    (tmp_path / "bp.yaml").write_text(HEAD.replace("{nats}", nats))
    with pytest.raises(BlueprintError) as caught:
        load(tmp_path / "bp.yaml")
    found = [p for p in caught.value.problems if message in p.message]
    assert len(found) == 1, [p.message for p in caught.value.problems]
    assert found[0].line is not None and found[0].line >= HEAD.splitlines().index("    nats:")
