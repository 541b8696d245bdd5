"""Reports to render: the reference example and variants with findings, folded ones and traces."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import load
from crossfence.checks import Report, run_checks

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="session")
def base_report() -> Report:
    return run_checks(load(EXAMPLE))


@pytest.fixture(scope="session", params=["default-advertisement", "edge-open", "db-in-gcp"])
def variant_report(request: pytest.FixtureRequest) -> Report:
    return run_checks(load(EXAMPLE / "variants" / request.param))


@pytest.fixture(scope="session")
def busy_report() -> Report:
    """More than one finding: every check, the example with the suppression's check skipped."""
    report = run_checks(load(EXAMPLE / "variants" / "edge-open"))
    other = run_checks(load(EXAMPLE / "variants" / "single-tunnel"))
    report.findings += other.findings
    return report
