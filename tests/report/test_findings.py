"""The JSON shape of `check` (documented in crossfence.report.findings) and the text report."""

from __future__ import annotations

import json

from rich.console import Console

from crossfence.checks import Report
from crossfence.report.findings import render_report, report_json


def test_json_shape(variant_report: Report) -> None:
    data = json.loads(report_json(variant_report))
    assert set(data) == {
        "schema_version",
        "blueprint",
        "path",
        "summary",
        "checks",
        "skipped",
        "findings",
        "suppressed",
        "unused_suppressions",
    }
    assert set(data["summary"]) == {
        "checks",
        "critical",
        "high",
        "medium",
        "low",
        "info",
        "suppressed",
    }
    [finding] = data["findings"]
    assert set(finding) == {
        "check",
        "severity",
        "title",
        "message",
        "objects",
        "traces",
        "explains",
    }
    assert set(finding["objects"][0]) == {"kind", "name", "file", "line"}
    for trace in finding["traces"]:
        assert {"from", "to", "port", "verdict", "disposition", "hops"} <= set(trace)
    for suppressed in data["suppressed"]:
        assert suppressed["suppressed"]["reason"]
    assert set(data["checks"][0]) == {"id", "severity", "title", "why", "fix", "doc"}


def test_text_groups_by_severity_and_prints_traces(busy_report: Report) -> None:
    console = Console(record=True, width=200)
    render_report(busy_report, console)
    text = console.export_text()
    assert text.index("CRITICAL") < text.index("HIGH") < text.index("SUPPRESSED")
    assert "zerotrust.iap-bypass" in text and "network.vpn-single-tunnel" in text
    assert "ALLOWED internet → scw-edge tcp/443  (DELIVERED)" in text
    assert "allow-any" in text
