"""JUnit XML: parses, one test case per check, a failure per active finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from crossfence.checks import Report
from crossfence.report.junit import junit


def test_base_example_passes_every_case(base_report: Report) -> None:
    root = ET.fromstring(junit(base_report))
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [c.id for c in base_report.checks]
    assert suite.get("failures") == "0" and suite.get("tests") == str(len(cases))
    assert not root.findall(".//failure")
    [out] = root.findall(".//system-out")
    assert "suppressed" in (out.text or "")


def test_variant_fails_its_check(variant_report: Report) -> None:
    root = ET.fromstring(junit(variant_report))
    failures = root.findall(".//testcase/failure/..")
    finding = variant_report.findings[0]
    assert [c.get("name") for c in failures] == [finding.check.id]
    [failure] = failures[0].findall("failure")
    assert failure.get("type") == finding.severity
    assert failure.get("message") == finding.message
    assert root.find("testsuite").get("failures") == "1"  # type: ignore[union-attr]


def test_skipped_checks_are_skipped_cases(base_report: Report) -> None:
    base_report_skipped = Report(
        base_report.blueprint, base_report.origin, base_report.checks[1:], skipped=["x.y"]
    )
    root = ET.fromstring(junit(base_report_skipped))
    [case] = [c for c in root.iter("testcase") if c.find("skipped") is not None]
    assert case.get("name") == "x.y"
