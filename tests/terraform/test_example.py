"""The reference estate read from Terraform gives the YAML blueprint's answers: the matrix, the reach
verdicts of SCENARIO.md's flows (the intents), the findings; and its plan variants give their findings."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import crossfence

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"
TERRAFORM = EXAMPLE / "terraform"
OVERLAY = TERRAFORM / "overlay.yaml"
VARIANTS = ("peering-no-export", "default-advertisement", "edge-open", "single-tunnel")


@cache
def answers(
    *inputs: str,
) -> tuple[dict[Any, list[str]], list[tuple[str, tuple[str, ...]]], list[str], dict[str, bool]]:
    """(matrix, findings as (check, object names), suppressed checks, intent verdicts)."""
    paths = [Path(i) for i in inputs]
    blueprint = (
        crossfence.load(paths[0]) if len(paths) == 1 else crossfence.load(paths[0], paths[1:])
    )
    topology = crossfence.build_topology(blueprint)
    matrix = {
        pair: sorted(services.format())
        for pair, services in crossfence.connectivity(topology).connections.items()
    }
    report = crossfence.run_checks(blueprint, topology)
    findings = sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )
    suppressed = sorted(f.check.id for f in report.suppressed)
    verdicts = {
        i.name: crossfence.reach(
            topology, i.source, i.destination, i.port, i.method, i.path
        ).allowed
        for i in blueprint.intents
    }
    return matrix, findings, suppressed, verdicts


def test_plan_gives_the_blueprint_answers() -> None:
    matrix, findings, suppressed, verdicts = answers(str(EXAMPLE))
    t_matrix, t_findings, t_suppressed, t_verdicts = answers(
        str(TERRAFORM / "plan.json"), str(OVERLAY)
    )
    assert t_matrix == matrix
    assert t_verdicts == verdicts and len(verdicts) == 10
    assert t_findings == findings
    assert t_suppressed == suppressed == ["network.personal-data-store-shares-private-network"]


def test_state_gives_the_same_answers() -> None:
    assert (
        answers(str(TERRAFORM / "state.json"), str(OVERLAY))[:2]
        == answers(str(TERRAFORM / "plan.json"), str(OVERLAY))[:2]
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_plan_variants_give_their_findings(variant: str) -> None:
    matrix, findings, _, verdicts = answers(str(EXAMPLE / "variants" / variant))
    t_matrix, t_findings, _, t_verdicts = answers(
        str(TERRAFORM / "variants" / variant / "plan.json"), str(OVERLAY)
    )
    assert t_findings == findings and findings, variant
    assert t_matrix == matrix
    assert t_verdicts == verdicts


def test_the_plan_is_written_as_terraform_writes_it() -> None:
    """One compact line, format 1.2, modules with for_each keys, changes with their mirrors."""
    import json

    text = (TERRAFORM / "plan.json").read_text()
    assert text.count("\n") == 1
    plan = json.loads(text)
    assert plan["format_version"] == "1.2" and plan["terraform_version"].startswith("1.")
    modules = {m["address"] for m in plan["planned_values"]["root_module"]["child_modules"]}
    assert 'module.spoke["prod"]' in modules
    change = next(
        c
        for c in plan["resource_changes"]
        if c["address"] == "module.hub.google_compute_vpn_tunnel.this[0]"
    )
    assert set(change["change"]) == {
        "actions",
        "before",
        "after",
        "after_unknown",
        "before_sensitive",
        "after_sensitive",
    }
    assert change["change"]["after_sensitive"]["shared_secret"] is True


def test_no_secret_is_printed(tmp_path: Path) -> None:
    """The plan holds pre-shared keys, an OAuth secret, a kubeconfig: no output shows one."""
    from typer.testing import CliRunner

    from crossfence.cli import app

    runner = CliRunner()
    outputs = []
    for command in (["validate"], ["check", "--format", "json"], ["matrix", "--format", "json"]):
        result = runner.invoke(
            app, [command[0], str(TERRAFORM / "plan.json"), "--overlay", str(OVERLAY), *command[1:]]
        )
        outputs.append(result.output)
    blueprint = crossfence.load(TERRAFORM / "plan.json", [OVERLAY])
    outputs.append(blueprint.model_dump_json())
    for text in outputs:
        for secret in (
            "a pre-shared key a real state holds",
            "an OAuth client secret",
            "a kubeconfig a real state holds",
            "(a token)",
        ):
            assert secret not in text


def test_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("tf_generate", TERRAFORM / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["tf_generate"] = module
    spec.loader.exec_module(module)
    for path in module.generate(tmp_path):
        committed = TERRAFORM / path.relative_to(tmp_path)
        assert committed.read_text() == path.read_text(), (
            f"{committed} differs: run examples/eu-sovereign/terraform/generate.py"
        )
