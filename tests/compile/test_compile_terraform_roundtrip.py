"""Round trip of the terraform target: the compiled Terraform, read back by the import's mappings as the plan of it, with the overlay of what Terraform does not hold, answers the blueprint's layered matrix and findings.

`round_trip_files` writes the plan (`compile.tfplan.plan_of`: the compiled configuration with its
references resolved to the ids the provider computes) and the overlay (the blueprint without the
objects the target wrote, but with the addresses Google assigns); `crossfence.load(plan,
overlays=[overlay])` reads them as `import` does. Cases: the reference example, every variant,
generated estates (Hypothesis): Google's and Scaleway's Terraform, tunnels joined across the two.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from crossfence import build_topology, load, run_checks
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint

from ..scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
VARIANTS = sorted(p for p in (EXAMPLE / "variants").iterdir() if p.is_dir())


def _answers(blueprint: Blueprint) -> tuple[list[object], list[tuple[str, tuple[str, ...]]]]:
    topology = build_topology(blueprint)
    rows = list(layered_connectivity(topology).rows())
    report = run_checks(blueprint, topology)
    findings = sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )
    return rows, findings


def _read_back(blueprint: Blueprint, out: Path) -> Blueprint:
    plan, overlay = round_trip_files(blueprint, out)
    return load(plan, [overlay])


def test_the_example(tmp_path: Path) -> None:
    blueprint = load(EXAMPLE)
    back = _read_back(blueprint, tmp_path)
    assert _answers(back) == _answers(blueprint)
    # the plan, not the overlay, holds Google's network: the overlay has no GCP network
    for cloud in ("gcp", "scw"):
        overlay = (tmp_path / "overlay" / f"{cloud}.yaml").read_text("utf-8")
        for section in ("networks", "security_groups", "routing_policies"):
            assert not re.search(rf"^{section}:", overlay, re.MULTILINE), (cloud, section)
    shared = (tmp_path / "overlay" / "estate.yaml").read_text("utf-8")
    assert not re.search(r"^(vpn_tunnels|bgp_sessions):", shared, re.MULTILINE)
    plan = json.loads((tmp_path / "plan.json").read_text("utf-8"))
    types = {r["type"] for r in plan["planned_values"]["root_module"]["resources"]}
    assert {"google_compute_firewall", "google_compute_network_peering"} <= types
    # GKE and the VPC Service Controls perimeter are the plan's: the overlay keeps only the
    # cluster's namespaces, mesh and manifests
    assert {
        "google_container_cluster",
        "google_container_node_pool",
        "google_access_context_manager_service_perimeter",
    } <= types
    google = (tmp_path / "overlay" / "gcp.yaml").read_text("utf-8")
    assert "pod_range" not in google and "node_tags" not in google
    assert not re.search(r"^service_perimeters:", google, re.MULTILINE)
    assert {
        "scaleway_vpc_acl",
        "scaleway_instance_security_group",
        "scaleway_s2s_vpn_connection",
        "scaleway_lb_acl",
        "scaleway_k8s_cluster",
        "scaleway_k8s_pool",
    } <= types
    # the Kapsule cluster is the plan's: the overlay keeps its Kubernetes side only
    scw = YAML(typ="safe").load((tmp_path / "overlay" / "scw.yaml").read_text("utf-8"))
    kapsule = next(c for c in scw["clusters"] if c["name"] == "kapsule-eu")
    assert sorted(kapsule) == ["manifests", "mesh", "name", "namespaces"]
    # IAP is the plan's (only its audience, which Google assigns, is the overlay's)
    service = next(
        r
        for r in plan["planned_values"]["root_module"]["resources"]
        if r["type"] == "google_compute_backend_service"
    )
    assert service["values"]["iap"][0]["enabled"] is True


def test_a_missing_resource_changes_the_answers(tmp_path: Path) -> None:
    """The test can fail: a firewall rule left out of the plan changes the matrix."""
    blueprint = load(EXAMPLE)
    plan, overlay = round_trip_files(blueprint, tmp_path)
    document = json.loads(plan.read_text("utf-8"))
    resources = document["planned_values"]["root_module"]["resources"]
    document["planned_values"]["root_module"]["resources"] = [
        r for r in resources if r["type"] != "google_compute_firewall"
    ]
    plan.write_text(json.dumps(document), encoding="utf-8")
    assert _answers(load(plan, [overlay]))[0] != _answers(blueprint)[0]


def test_secrets_are_not_in_the_plan(tmp_path: Path) -> None:
    plan, _ = round_trip_files(load(EXAMPLE), tmp_path)
    document = json.loads(plan.read_text("utf-8"))
    tunnels = [
        r
        for r in document["planned_values"]["root_module"]["resources"]
        if r["type"] == "google_compute_vpn_tunnel"
    ]
    assert tunnels
    for tunnel in tunnels:
        assert tunnel["values"]["shared_secret"] is None
        assert tunnel["sensitive_values"]["shared_secret"] is True


@pytest.mark.parametrize("variant", VARIANTS, ids=[p.name for p in VARIANTS])
def test_every_variant(variant: Path, tmp_path: Path) -> None:
    blueprint = load(variant)
    assert _answers(_read_back(blueprint, tmp_path)) == _answers(blueprint)


@settings(max_examples=3, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(st.integers(0, 2**16), st.integers(20, 60))
def test_generated_estates_any_seed(seed: int, workloads: int) -> None:
    synth = load_script(ROOT / "benchmarks" / "estate_synth.py")
    with tempfile.TemporaryDirectory() as tmp:
        estate = synth.generate(workloads, workloads * 3, 2, seed)
        blueprint = load(synth.write_estate(estate, Path(tmp) / "estate"))
        back = _read_back(blueprint, Path(tmp) / "out")
        assert _answers(back) == _answers(blueprint)
