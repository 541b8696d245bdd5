"""docs/checks.md is generated from the checks' own text and stays in sync with the registry."""

from __future__ import annotations

from pathlib import Path

from crossfence.checks import REGISTRY
from crossfence.report.markdown import catalogue

DOC = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


def test_checks_md_is_in_sync() -> None:
    assert DOC.read_text(encoding="utf-8") == catalogue(REGISTRY.values()), (
        "docs/checks.md is stale; regenerate it with: .venv/bin/python -c 'from crossfence.checks "
        "import REGISTRY; from crossfence.report.markdown import catalogue; "
        'open("docs/checks.md", "w").write(catalogue(REGISTRY.values()))\''
    )


def test_every_check_has_its_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    for check_id in REGISTRY:
        assert f"\n## {check_id}\n" in text
