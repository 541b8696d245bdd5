"""`crossfence check` and `crossfence diff`: formats, exit codes, --fail-on, --skip, suppression, bad input."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
VARIANTS = EXAMPLE / "variants"

runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


# -- check ---------------------------------------------------------------------------------------


def test_base_example_exits_0_and_reports_the_suppressed_finding() -> None:
    result = _run("check", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "0 findings, 1 suppressed" in result.output
    assert "SUPPRESSED" in result.output and "scw-dns" in result.output


def test_a_high_finding_exits_1_with_its_trace() -> None:
    result = _run("check", VARIANTS / "eastwest-blocked")
    assert result.exit_code == 1
    assert "mesh.policy-contradicted-by-network" in result.output
    assert "deny-mesh-egress-to-scaleway" in result.output  # the rule, from the trace
    lines = (VARIANTS / "eastwest-blocked" / "gcp-network.yaml").read_text().splitlines()
    line = next(
        i for i, text in enumerate(lines, 1) if "name: deny-mesh-egress-to-scaleway" in text
    )
    assert f"gcp-network.yaml:{line}" in result.output


@pytest.mark.parametrize(
    ("fail_on", "code"), [("critical", 0), ("high", 1), ("medium", 1), ("none", 0)]
)
def test_fail_on(fail_on: str, code: int) -> None:
    result = _run("check", VARIANTS / "single-tunnel", "--fail-on", fail_on)  # a high finding
    assert result.exit_code == code


def test_a_suppressed_medium_never_fails(tmp_path: Path) -> None:
    assert _run("check", EXAMPLE, "--fail-on", "info").exit_code == 0


def test_skip_a_check_and_a_family() -> None:
    result = _run("check", VARIANTS / "single-tunnel", "--skip", "network.vpn-single-tunnel")
    assert result.exit_code == 0
    result = _run("check", VARIANTS / "single-tunnel", "--skip", "network", "-f", "json")
    data = json.loads(result.stdout)
    assert data["findings"] == [] and "network" in data["skipped"]
    assert not any(c["id"].startswith("network.") for c in data["checks"])


def test_skip_an_unknown_check_is_bad_input() -> None:
    result = _run("check", EXAMPLE, "--skip", "network.vpn-single-tunel")
    assert result.exit_code == 2
    assert "is not a check id or family" in result.output


def test_json() -> None:
    result = _run("check", VARIANTS / "edge-open", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"]["critical"] == 1 and data["summary"]["suppressed"] == 1
    [finding] = data["findings"]
    assert finding["check"] == "zerotrust.iap-bypass"
    assert finding["traces"][0]["verdict"] == "allowed"
    assert finding["explains"][0]["check"] == "intents.not-met"


def test_sarif() -> None:
    result = _run("check", VARIANTS / "backup-plaintext", "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    [active] = [r for r in log["runs"][0]["results"] if "suppressions" not in r]
    assert active["ruleId"] == "backup.plaintext-at-source"


def test_junit() -> None:
    result = _run("check", VARIANTS / "mtls-permissive", "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == ["mesh.mtls-not-strict"]


def test_markdown() -> None:
    result = _run("check", VARIANTS / "deployer-any-sa", "--format", "markdown")
    assert result.exit_code == 1
    assert "`identity.vault-role-any-service-account`" in result.stdout
    assert "controls.yaml" in result.stdout


def test_suppression_from_the_blueprint(tmp_path: Path) -> None:
    folder = tmp_path / "estate"
    shutil.copytree(VARIANTS / "single-tunnel", folder)
    with (folder / "intents.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "  - check: network.vpn-single-tunnel\n"
            "    objects: [hub-vpn]\n"
            "    reason: the second tunnel is being ordered (ticket NET-42)\n"
        )
    (folder / "clusters.yaml").write_text(
        (folder / "clusters.yaml")
        .read_text(encoding="utf-8")
        .replace("../../manifests", str(EXAMPLE / "manifests")),
        encoding="utf-8",
    )
    result = _run("check", folder, "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["findings"] == []
    reasons = {s["check"]: s["suppressed"]["reason"] for s in data["suppressed"]}
    assert (
        reasons["network.vpn-single-tunnel"] == "the second tunnel is being ordered (ticket NET-42)"
    )


def test_a_suppression_that_matches_nothing_is_reported(tmp_path: Path) -> None:
    """A suppression whose objects match no finding (a typo, or a fixed mistake) would silently
    hide a future finding: `check` warns with its location, as linters report unused `noqa`
    comments; the JSON lists it. The base example's own suppression is used."""
    assert json.loads(_run("check", EXAMPLE, "-f", "json").stdout)["unused_suppressions"] == []
    folder = tmp_path / "estate"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("variants"))
    with (folder / "intents.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "  - check: network.vpn-single-tunnel\n"
            "    objects: [hub-vnp]\n"
            "    reason: the second tunnel is being ordered (ticket NET-42)\n"
        )
    result = _run("check", folder)
    assert result.exit_code == 0, result.output
    assert "suppression of network.vpn-single-tunnel for hub-vnp matched no finding" in " ".join(
        result.stdout.split()
    )
    data = json.loads(_run("check", folder, "-f", "json").stdout)
    [unused] = data["unused_suppressions"]
    assert unused["check"] == "network.vpn-single-tunnel" and unused["objects"] == ["hub-vnp"]
    assert unused["file"].endswith("intents.yaml") and unused["line"] > 1
    # a check that did not run leaves its suppressions alone
    skipped = json.loads(
        _run("check", folder, "-f", "json", "--skip", "network.vpn-single-tunnel").stdout
    )
    assert skipped["unused_suppressions"] == []


def test_a_suppression_needs_a_reason(tmp_path: Path) -> None:
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text("suppressions:\n  - check: mesh.mtls-not-strict\n", encoding="utf-8")
    result = _run("check", blueprint)
    assert result.exit_code == 2
    assert "bp.yaml:2" in result.output and "reason" in result.output


def test_bad_blueprint_exits_2_as_json(tmp_path: Path) -> None:
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text("networks: [{name: x, cloud: nowhere}]\n", encoding="utf-8")
    result = _run("check", blueprint, "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["valid"] is False


# -- diff ----------------------------------------------------------------------------------------


def test_diff_of_a_blueprint_with_itself_is_empty() -> None:
    result = _run("diff", EXAMPLE, EXAMPLE)
    assert result.exit_code == 0
    assert "no change in connectivity or findings" in result.output


def test_diff_names_the_flows_and_findings_a_mistake_changes() -> None:
    result = _run("diff", EXAMPLE, VARIANTS / "edge-open")
    assert result.exit_code == 1  # the internet reaches scw-edge: something became allowed
    assert "+ allowed internet → scw-edge  TCP/443" in result.output
    assert "+ critical zerotrust.iap-bypass" in result.output


def test_diff_json_both_ways() -> None:
    forward = json.loads(_run("diff", EXAMPLE, VARIANTS / "single-tunnel", "-f", "json").stdout)
    back = json.loads(_run("diff", VARIANTS / "single-tunnel", EXAMPLE, "-f", "json").stdout)
    assert set(forward) == {"schema_version", "old", "new", "endpoints", "flows", "findings"}
    assert [f["check"] for f in forward["findings"]["added"]] == ["network.vpn-single-tunnel"]
    assert [f["check"] for f in back["findings"]["removed"]] == ["network.vpn-single-tunnel"]
    assert forward["flows"] == back["flows"] == []  # redundancy, not reachability


def _opened_frontend_egress(tmp_path: Path) -> Path:
    """The example with the frontend's egress NetworkPolicy opened to 0.0.0.0/0 on any port."""
    copy = tmp_path / "opened"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("variants"))
    web = copy / "manifests" / "gke-prod" / "web.yaml"
    text = web.read_text(encoding="utf-8")
    rule = (
        "    - to:\n        - ipBlock: {cidr: 172.16.0.100/32}   # kapsule-eu east-west gateway\n"
    )
    rule += "      ports:\n        - {protocol: TCP, port: 15443}\n"
    assert rule in text
    web.write_text(text.replace(rule, "    - to:\n        - ipBlock: {cidr: 0.0.0.0/0}\n"), "utf-8")
    return copy


def test_diff_shows_the_flows_a_networkpolicy_opens_and_exits_1(tmp_path: Path) -> None:
    """Opening the frontend's egress policy is seen by diff: frontend → vault on 8200 becomes
    allowed (the hub's firewall lets the prod pods in; only the policy held it back)."""
    opened = _opened_frontend_egress(tmp_path)
    result = _run("diff", EXAMPLE, opened, "-f", "json")
    assert result.exit_code == 1
    flows = {(f["from"], f["to"]): f for f in json.loads(result.stdout)["flows"]}
    assert "TCP/8200" in flows[("frontend", "vault")]["added"]
    assert all(not f["removed"] for f in flows.values())
    # the same change the other way closes those flows: no failure
    back = _run("diff", opened, EXAMPLE)
    assert back.exit_code == 0, back.output
    assert "- denied  frontend → vault  TCP/8200" in back.output


def test_diff_exits_1_on_a_new_finding_at_or_above_fail_on() -> None:
    """single-tunnel changes no flow and adds a high finding: 1 by default (--fail-on high),
    0 with --fail-on critical or none."""
    assert _run("diff", EXAMPLE, VARIANTS / "single-tunnel").exit_code == 1
    assert _run("diff", EXAMPLE, VARIANTS / "single-tunnel", "--fail-on", "critical").exit_code == 0
    assert _run("diff", EXAMPLE, VARIANTS / "single-tunnel", "--fail-on", "none").exit_code == 0
    # the finding going away is no failure
    assert _run("diff", VARIANTS / "single-tunnel", EXAMPLE).exit_code == 0


def test_a_new_workload_brings_its_flows_into_the_diff(tmp_path: Path) -> None:
    copy = tmp_path / "more"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("variants"))
    workloads = copy / "workloads.yaml"
    text = workloads.read_text(encoding="utf-8")
    assert "  - name: hsm\n" in text
    start = text.index("  - name: hsm\n")
    end = text.find("\n  - name:", start + 1)
    block = text[start : end + 1 if end >= 0 else len(text)]
    twin = block.replace("name: hsm", "name: hsm-2").replace("172.16.8.20]", "172.16.8.21]")
    workloads.write_text(text + ("\n" if not text.endswith("\n") else "") + twin, "utf-8")
    result = _run("diff", EXAMPLE, copy, "-f", "json")
    data = json.loads(result.stdout)
    assert data["endpoints"]["added"] == ["hsm-2"]
    assert any("hsm-2" in (f["from"], f["to"]) and f["added"] for f in data["flows"])
    assert result.exit_code == 1


def test_diff_bad_input_exits_2(tmp_path: Path) -> None:
    assert _run("diff", EXAMPLE, tmp_path / "missing.yaml").exit_code == 2


def test_a_suppression_of_an_unknown_check_is_bad_input(tmp_path: Path) -> None:
    blueprint = tmp_path / "bp.yaml"
    blueprint.write_text(
        "suppressions:\n  - check: network.vpn-single-tunel\n    reason: typo\n", encoding="utf-8"
    )
    result = _run("check", blueprint)
    assert result.exit_code == 2
    assert "bp.yaml:2" in result.output
    assert "did you mean 'network.vpn-single-tunnel'?" in result.output
