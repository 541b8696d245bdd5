"""`crossfence report`: the HTML page of the reference example, the diagrams, the diff, and bad input as every command fails on it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from crossfence.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def island(page: str) -> Any:
    """The data the page reads."""
    found = re.search(r'<script type="application/json" id="crossfence-data">(.*?)</script>', page)
    assert found is not None
    return json.loads(found.group(1))


def test_the_report_of_the_reference_example(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = _run("report", EXAMPLE, "-o", out)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert len(page.encode()) < 2_000_000
    data = island(page)
    assert len(data["matrix"]["endpoints"]) == 15
    assert data["check"]["summary"]["suppressed"] == 1
    assert data["diff"] is None
    kinds = {n["kind"] for n in data["topology"]["nodes"]}
    assert {"cloud", "network", "subnet", "cluster", "gateway", "namespace", "pods"} <= kinds


def test_report_old_new_holds_the_documents_of_diff(tmp_path: Path) -> None:
    new = EXAMPLE / "variants" / "edge-open"
    out = tmp_path / "report.html"
    result = _run("report", EXAMPLE, new, "-o", out)
    assert result.exit_code == 0, result.output
    data = island(out.read_text(encoding="utf-8"))
    expected = json.loads(_run("diff", EXAMPLE, new, "--format", "json").stdout)
    assert data["diff"] == expected
    assert any(f["check"] == "zerotrust.iap-bypass" for f in data["diff"]["findings"]["added"])
    # the page shows NEW
    assert data["path"] == str(new)


def test_dot_and_mermaid(tmp_path: Path) -> None:
    result = _run(
        "report", EXAMPLE, "-f", "dot", "-o", tmp_path / "t.dot", "-f", "mermaid", "-o", "-"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.dot").read_text().startswith('digraph "eu-sovereign" {')
    assert result.stdout.startswith("flowchart LR\n")
    assert "customer-db" in result.stdout


def test_bad_input_fails_located_with_exit_code_2(tmp_path: Path) -> None:
    broken = tmp_path / "estate"
    shutil.copytree(EXAMPLE, broken, ignore=shutil.ignore_patterns("variants"))
    workloads = broken / "workloads.yaml"
    workloads.write_text(
        workloads.read_text().replace("personal_data: stores", "personal_data: maybe", 1)
    )
    out = tmp_path / "report.html"
    result = _run("report", broken, "-o", out)
    assert result.exit_code == 2
    assert re.search(
        rf"error: {re.escape(str(workloads))}:\d+:\d+: workloads\[\d+\]\.personal_data",
        result.stderr,
    )
    assert "Traceback" not in result.output
    # the file asked for says why (never an empty or stale report)
    page = out.read_text()
    assert (
        page.startswith("<!DOCTYPE html>") and "personal_data" in page and "Could not run" in page
    )


def test_a_manifests_folder_holds_the_documents_of_matrix_check_and_reach(tmp_path: Path) -> None:
    from tests.report.estates import write_manifests
    from tests.report.test_html import unpack

    folder = write_manifests(tmp_path / "cluster")
    out = tmp_path / "report.html"
    result = _run("report", folder, "-o", out)
    assert result.exit_code == 0, result.output
    data = island(out.read_text(encoding="utf-8"))
    assert data["matrix"] == json.loads(_run("matrix", folder, "--format", "json").stdout)
    assert data["check"] == json.loads(_run("check", folder, "--format", "json").stdout)
    traces = data["traces"]
    flows = next(
        t["flows"] for t in traces["pairs"] if (t["from"], t["to"]) == ("shop/web", "data/db")
    )
    reach = json.loads(
        _run(
            "reach", folder, "--from", "shop/web", "--to", "data/db", "-p", "tcp/5432", "-f", "json"
        ).stdout
    )
    reach.pop("schema_version")
    assert [unpack(traces, f) for f in flows] == [reach]
    assert reach["disposition"] == "DENIED_INGRESS_NETPOL"
    parents = {n["id"]: n["parent"] for n in data["topology"]["nodes"]}
    assert parents["ep:data/db"] == "ns:data" and parents["ns:data"] == "cluster:cluster"


def test_two_manifests_folders_hold_the_document_of_diff(tmp_path: Path) -> None:
    from tests.report.estates import write_manifests

    old = write_manifests(tmp_path / "old")
    new = write_manifests(tmp_path / "new")
    policy = new / "cluster.yaml"
    policy.write_text(policy.read_text().replace("{app: api}}}]", "{app: web}}}]"))
    out = tmp_path / "report.html"
    assert _run("report", old, new, "-o", out).exit_code == 0
    data = island(out.read_text(encoding="utf-8"))
    assert data["diff"] == json.loads(_run("diff", old, new, "--format", "json").stdout)
    assert {(f["from"], f["to"]) for f in data["diff"]["flows"]} >= {("shop/web", "data/db")}


def test_a_blueprint_and_a_manifests_folder_are_refused_together(tmp_path: Path) -> None:
    result = _run("report", EXAMPLE, EXAMPLE / "manifests" / "gke-prod", "-o", tmp_path / "r.html")
    assert result.exit_code == 2
    assert "(expected two blueprints, or two manifests folders)" in result.stderr


def test_a_missing_path_fails_like_other_commands(tmp_path: Path) -> None:
    result = _run("report", tmp_path / "nowhere", "-o", tmp_path / "r.html")
    matrix = _run("matrix", tmp_path / "nowhere")
    assert result.exit_code == matrix.exit_code == 2
    assert result.stderr.splitlines()[0] == matrix.stderr.splitlines()[0]


def test_skip_works_as_in_check(tmp_path: Path) -> None:
    skipped = "network.personal-data-store-shares-private-network"
    out = tmp_path / "report.html"
    result = _run("report", EXAMPLE, "--skip", skipped, "-o", out)
    assert result.exit_code == 0, result.output
    data = island(out.read_text(encoding="utf-8"))
    expected = json.loads(_run("check", EXAMPLE, "--skip", skipped, "--format", "json").stdout)
    assert data["check"] == expected and skipped in data["check"]["skipped"]
    wrong = _run("report", EXAMPLE, "--skip", "network.nope", "-o", out)
    check = _run("check", EXAMPLE, "--skip", "network.nope")
    assert wrong.exit_code == check.exit_code == 2
    assert wrong.stderr.splitlines()[0] == check.stderr.splitlines()[0]
    assert "'network.nope' is not a check id or family" in wrong.stderr


def test_report_of_terraform_plans_with_their_overlay(tmp_path: Path) -> None:
    """Terraform's JSON with --overlay, as `check` and `diff` read it: the page holds their
    documents; the state against a plan that opens the edge shows the new flow and finding."""
    terraform = EXAMPLE / "terraform"
    overlay = terraform / "overlay.yaml"
    out = tmp_path / "plan.html"
    result = _run("report", terraform / "plan.json", "--overlay", overlay, "-o", out)
    assert result.exit_code == 0, result.output
    data = island(out.read_text(encoding="utf-8"))
    expected = json.loads(
        _run("check", terraform / "plan.json", "--overlay", overlay, "-f", "json").stdout
    )
    assert data["check"] == expected
    assert data["check"]["summary"]["suppressed"] == 1
    old, new = terraform / "state.json", terraform / "variants" / "edge-open" / "plan.json"
    result = _run("report", old, new, "--overlay", overlay, "-o", out)
    assert result.exit_code == 0, result.output
    data = island(out.read_text(encoding="utf-8"))
    assert data["diff"] == json.loads(
        _run("diff", old, new, "--overlay", overlay, "-f", "json").stdout
    )
    assert any(f["check"] == "zerotrust.iap-bypass" for f in data["diff"]["findings"]["added"])


def test_an_overlay_on_a_manifests_folder_is_bad_usage(tmp_path: Path) -> None:
    folder = EXAMPLE / "manifests" / "kapsule-eu"
    result = _run(
        "report",
        folder,
        "--overlay",
        EXAMPLE / "terraform" / "overlay.yaml",
        "-o",
        tmp_path / "r.html",
    )
    assert result.exit_code == 2
    assert "expected no --overlay with manifests" in result.output


def _plan_addresses(plan: Path) -> set[str]:
    """Every resource address in a plan's planned values, read from the file itself."""

    def walk(module: dict[str, Any]) -> Any:
        for resource in module.get("resources", []):
            yield resource["address"]
        for child in module.get("child_modules", []):
            yield from walk(child)

    return set(walk(json.loads(plan.read_text(encoding="utf-8"))["planned_values"]["root_module"]))


def test_the_topology_of_a_terraform_estate_names_its_resources(tmp_path: Path) -> None:
    """Read from Terraform's JSON, each box and link of the topology carries the resource it was
    read from (its address, as in the plan) and the plan file; objects of the overlay carry the
    overlay's file and line, and a blueprint's objects no address."""
    terraform = EXAMPLE / "terraform"
    plan, overlay = terraform / "plan.json", terraform / "overlay.yaml"
    out = tmp_path / "plan.html"
    assert _run("report", plan, "--overlay", overlay, "-o", out).exit_code == 0
    topology = island(out.read_text(encoding="utf-8"))["topology"]
    nodes = {n["id"]: n for n in topology["nodes"]}
    addresses = _plan_addresses(plan)
    expected = {
        "net:hub": "google_compute_network",
        "sub:hub/hub-ew1": "google_compute_subnetwork",
        "cluster:gke-prod": "google_container_cluster",
        "gw:hub-vpn": "google_compute_ha_vpn_gateway",
        "ep:vault": "google_compute_instance",
        "ep:customer-db": "scaleway_",
    }
    for node, resource_type in expected.items():
        source = nodes[node]["source"]
        assert source["address"] in addresses, node
        assert resource_type in source["address"].split(".")[-2], node
        assert Path(source["file"]).resolve() == plan and source["line"] == 1, node
    # the cloud is inferred from a network's resource: no address that would name the network
    assert nodes["cloud:gcp"]["source"] is None
    # the overlay's workloads: the overlay's file and line
    frontend = nodes["ep:frontend"]["source"]
    assert frontend["address"] is None and Path(frontend["file"]).resolve() == overlay
    assert overlay.read_text(encoding="utf-8").splitlines()[frontend["line"] - 1].strip() == (
        "- name: frontend"
    )
    edges = {e["id"]: e for e in topology["edges"]}
    tunnel = [s["address"] for s in edges["vpn:tunnel-0"]["sources"]]
    assert tunnel == [
        "module.hub.google_compute_vpn_tunnel.this[0]",
        "module.hub.google_compute_router_peer.this[0]",
    ]
    assert set(tunnel) <= addresses
    peering = [s["address"] for s in edges["peering:hub-to-prod"]["sources"]]
    assert set(peering) == {
        "google_compute_network_peering.hub_to_prod",
        "google_compute_network_peering.prod_to_hub",
    }

    # a blueprint: file and line of the YAML, no address
    assert _run("report", EXAMPLE, "-o", out).exit_code == 0
    nodes = {n["id"]: n for n in island(out.read_text(encoding="utf-8"))["topology"]["nodes"]}
    vault = nodes["ep:vault"]["source"]
    assert vault["address"] is None
    assert Path(vault["file"]).resolve() == EXAMPLE / "workloads.yaml"
    lines = (EXAMPLE / "workloads.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[vault["line"] - 1].strip() == "- name: vault"
