"""The terraform target's routes to an instance: `next_hop_instance` as the written VM's `self_link`, the VM with IP forwarding on, read back by the import's mapping as the route to that VM.

`next_hop_instance` takes the instance's URL, the zone then not needed
(https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_route);
a VM that is a route's next hop receives packets for other addresses only with IP forwarding
(`can_ip_forward`: https://cloud.google.com/vpc/docs/using-routes#canipforward).
"""

from __future__ import annotations

import json
from pathlib import Path

from crossfence import build_topology, load, reach, run_checks
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint
from crossfence.providers.gcp.tfjson import google_terraform

ESTATE = """\
clouds: [{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1, project: p1}]
networks:
  - name: vpc
    cloud: gcp
    delete_default_routes_on_create: true
    subnets:
      - {name: a, cidr: 10.0.0.0/24, region: europe-west1}
    routes:
      - {name: via-nva, destination: 0.0.0.0/0, priority: 900, next_hop_instance: nva}
    firewall_rules:
      - {name: all-in, direction: ingress, action: allow, priority: 1000, ports: [all], source_ranges: [10.0.0.0/24]}
workloads:
  - {name: nva, kind: vm, network: vpc, subnet: a, addresses: [10.0.0.5]}
  - {name: app, kind: vm, network: vpc, subnet: a, addresses: [10.0.0.10], ports: ["tcp/443"]}
"""


def _estate(tmp_path: Path) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(ESTATE, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def _answers(blueprint: Blueprint) -> tuple[list[object], list[tuple[str, tuple[str, ...]]]]:
    topology = build_topology(blueprint)
    report = run_checks(blueprint, topology)
    findings = sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )
    return list(layered_connectivity(topology).rows()), findings


def test_a_route_to_an_instance_names_the_written_instance(tmp_path: Path) -> None:
    document, problems, _ = google_terraform(_estate(tmp_path))
    assert problems == []
    route = document["resource"]["google_compute_route"]["via-nva"]
    assert route["next_hop_instance"] == "${google_compute_instance.nva.self_link}"
    assert "next_hop_instance_zone" not in route
    instances = document["resource"]["google_compute_instance"]
    assert instances["nva"]["can_ip_forward"] is True
    assert "can_ip_forward" not in instances["app"]


def test_the_round_trip_reads_the_route_to_the_instance(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    network = back.get("networks", "vpc")
    assert network is not None
    (route,) = network.routes
    assert route.next_hop_instance == "nva"
    assert _answers(back) == _answers(blueprint)
    outbound = reach(build_topology(back), "app", "internet", "tcp/443")
    assert outbound.disposition == "NEXT_HOP_NOT_MODELLED"
    assert reach(build_topology(blueprint), "app", "internet", "tcp/443").disposition == (
        outbound.disposition
    )
    # the test can fail: the route left out of the plan changes the answer
    document = json.loads(plan.read_text("utf-8"))
    resources = document["planned_values"]["root_module"]["resources"]
    document["planned_values"]["root_module"]["resources"] = [
        r for r in resources if r["type"] != "google_compute_route"
    ]
    plan.write_text(json.dumps(document), encoding="utf-8")
    without = reach(build_topology(load(plan, [overlay])), "app", "internet", "tcp/443")
    assert without.disposition != "NEXT_HOP_NOT_MODELLED"
