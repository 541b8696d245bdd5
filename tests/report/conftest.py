"""Reports to render: the reference example and variants with findings, folded ones and traces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser); skipped
    with the reason when either is missing (`make test` installs both as root)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; make test does it as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
