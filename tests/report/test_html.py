"""The HTML report's data island: the documents of `matrix --format json` and `check --format json`, the traces of `reach`, inert inside the page."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence import build_topology, connectivity, load
from crossfence.checks import run_checks
from crossfence.cli import app
from crossfence.report import html
from crossfence.report.html import ReportInput, island, render_html, report_data

from .estates import HOSTILE, write

VENDOR = Path(html.__file__).parent / "vendor"
runner = CliRunner()


def _data(path: Path) -> dict[str, Any]:
    blueprint = load(path)
    topology = build_topology(blueprint)
    given = ReportInput(
        blueprint, topology, connectivity(topology), run_checks(blueprint, topology), str(path)
    )
    return report_data(given)


def _cli_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_the_island_holds_the_documents_of_matrix_and_check(tmp_path: Path) -> None:
    path = write(tmp_path)
    data = _data(path)
    assert data["matrix"] == _cli_json("matrix", str(path))
    assert data["check"] == _cli_json("check", str(path))


def unpack(traces: dict[str, Any], flow: dict[str, Any]) -> dict[str, Any]:
    """A packed flow as `reach` writes it (what the page's `unpack` does)."""
    strings, sources = traces["strings"], traces["sources"]
    hops = [
        {
            "node": strings[node],
            "steps": [
                {
                    "action": strings[a],
                    "detail": strings[d],
                    "source": None if s < 0 else sources[s],
                }
                for a, d, s in steps
            ],
        }
        for node, steps in flow["hops"]
    ]
    return {**flow, "hops": hops}


def test_the_trace_of_a_pair_is_reachs_answer_on_the_destinations_port(tmp_path: Path) -> None:
    path = write(tmp_path)
    data = _data(path)
    traces = data["traces"]
    assert traces["complete"]
    flows = next(t["flows"] for t in traces["pairs"] if (t["from"], t["to"]) == ("web", "db"))
    expected = _cli_json("reach", str(path), "--from", "web", "--to", "db", "--port", "tcp/5432")
    expected.pop("schema_version")
    assert [unpack(traces, f) for f in flows] == [expected]
    denial = expected["hops"][-1]["steps"][-1]
    assert denial["action"] == "APPLY_INGRESS_FILTER"
    assert denial["source"] == {
        "resource": "hub/firewall",
        "rule": "web-to-db",
        "file": str(path),
        "line": 10,
    }


def test_every_pair_is_traced_on_each_port_as_reach_answers(tmp_path: Path) -> None:
    from crossfence.engine.layers import layered_reach

    path = write(tmp_path)
    data = _data(path)
    topology = build_topology(load(path))
    traces = data["traces"]
    assert traces["pairs"]
    for pair in traces["pairs"]:
        for flow in pair["flows"]:
            answer = layered_reach(topology, pair["from"], pair["to"], flow["port"]).to_json()
            assert unpack(traces, flow) == answer


def test_past_the_trace_budget_the_rest_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html, "TRACE_BUDGET", 1)
    traces = _data(write(tmp_path))["traces"]
    assert not traces["complete"]
    assert len(traces["pairs"]) == 1


def test_past_the_limits_the_matrix_is_counted_per_group_and_traces_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html, "FULL_MATRIX_PAIRS", 1)
    monkeypatch.setattr(html, "TRACED_ENDPOINTS", 2)
    data = _data(write(tmp_path))
    assert data["matrix"] is None and data["traces"] is None
    summary = data["matrix_summary"]
    assert sum(p["allowing"] for p in summary["pairs"]) == data["pairs"] > 1
    assert sum(g["members"] for g in summary["groups"]) == data["endpoints"]


def test_the_island_is_inert_inside_a_script_element() -> None:
    value = {"name": HOSTILE + "<!-- & \u2028 \u2029 -->"}
    text = island(value)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == value


def test_user_text_never_reaches_the_page_as_markup(tmp_path: Path) -> None:
    page = render_html(_data(write(tmp_path, name=HOSTILE, description=HOSTILE)))
    assert HOSTILE not in page
    assert "window.pwned" in page  # it is there, as escaped data
    # the scripts are the vendored ones, the island and the page's own: nothing more
    scripts = re.findall(r"<script\b", page)
    assert len(scripts) == len(html.VENDORED) + 3
    assert "&lt;/script&gt;" in page.split("<title>")[1].split("</title>")[0]


def test_the_page_loads_nothing_from_anywhere(tmp_path: Path) -> None:
    page = render_html(_data(write(tmp_path)))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None and "default-src 'none'" in policy.group(1)
    assert "connect-src 'none'" in policy.group(1)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)


def test_the_vendored_files_are_the_ones_the_readme_pins() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` .*\| `([0-9a-f]{64})` \|$", readme, re.MULTILINE)
    assert sorted(name for name, _ in rows) == sorted(html.VENDORED)
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    for licence in ("cytoscape", "layout-base", "cose-base", "cytoscape-fcose"):
        assert "Permission is hereby granted" in (VENDOR / f"LICENSE.{licence}").read_text()
    assert "3.33.1" in readme and 'version="3.33.1"' in (VENDOR / "cytoscape.min.js").read_text()
