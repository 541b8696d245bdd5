"""`matrix` on a blueprint: every layer by default, conditional cells, the network view, CSV rows
and the summary of a large matrix."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import crossfence
from crossfence.cli import app
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args], terminal_width=200)


def _cells(*args: str | Path) -> dict[tuple[str, str], dict[str, Any]]:
    result = _run("matrix", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return {(c["from"], c["to"]): c for c in json.loads(result.stdout)["connections"]}


def test_the_matrix_answers_as_reach_does_through_every_layer() -> None:
    """frontend → vault tcp/8200: the network lets it through, the frontend's egress
    NetworkPolicy does not; reach says denied, so the matrix lists no such pair."""
    denied = _run("reach", EXAMPLE, "--from", "frontend", "--to", "vault", "-p", "tcp/8200")
    assert denied.exit_code == 1
    cells = _cells(EXAMPLE)
    assert ("frontend", "vault") not in cells
    network = _cells(EXAMPLE, "--layers", "network")
    assert "TCP/8200" in network[("frontend", "vault")]["allowed"]


def test_a_cell_allowed_for_some_requests_only_is_conditional_with_its_conditions() -> None:
    cell = _cells(EXAMPLE)[("frontend", "customer-api")]
    assert cell["allowed"] == []
    [condition] = cell["allowed_if"]
    assert condition["services"] == ["TCP/8443"]
    assert any("GET or POST on /api/*" in c for c in condition["conditions"])
    text = _run("matrix", EXAMPLE).stdout
    assert "every layer" in text
    assert "TCP/8443: an HTTP request GET or POST on /api/*" in text


def test_csv_lists_every_pair_with_its_conditions() -> None:
    result = _run("matrix", EXAMPLE, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    by_pair = {(r["from"], r["to"]): r for r in rows}
    assert set(by_pair) == set(_cells(EXAMPLE))
    assert by_pair[("customer-api", "vault")]["allowed"] == "TCP/8200"
    conditional = json.loads(by_pair[("frontend", "customer-api")]["allowed_if"])
    assert conditional[0]["services"] == ["TCP/8443"]


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    synth = load_script(ROOT / "benchmarks" / "estate_synth.py")
    estate = synth.generate(120, 400, 2, 3, 24)
    return Path(synth.write_estate(estate, tmp_path_factory.mktemp("large") / "estate"))


def test_a_large_matrix_prints_a_summary_by_network_and_cluster(large: Path) -> None:
    matrix = crossfence.connectivity(crossfence.build_topology(crossfence.load(large)))
    assert len(matrix) > 400
    result = _run("matrix", large)
    assert result.exit_code == 0
    text = result.stdout
    assert f"{len(matrix):,} pairs, by group" in text
    assert "the full table, one pair a row: --format csv" in text
    # the counts add up to the pairs the matrix lists
    counted = 0
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) >= 5 and cells[3].replace(",", "").isdigit():
            counted += int(cells[3].replace(",", ""))
    assert counted == len(matrix)
    assert "cluster " in text and "network " in text
