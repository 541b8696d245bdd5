"""Fixtures for the checks: the reference example, and copies of it with one edit."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from crossfence import load
from crossfence.checks import Report, run_checks
from crossfence.model import Blueprint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu-sovereign"

Edit = tuple[str, str, str]
"""(file, old text, new text): `old` must occur exactly once."""


@pytest.fixture(scope="session")
def base() -> Blueprint:
    return load(EXAMPLE)


@pytest.fixture(scope="session")
def base_report(base: Blueprint) -> Report:
    return run_checks(base)


@pytest.fixture
def edited(tmp_path: Path) -> Callable[..., Blueprint]:
    """A copy of the example with text edits applied, loaded."""

    def make(*edits: Edit) -> Blueprint:
        folder = tmp_path / "estate"
        shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("variants"))
        for name, old, new in edits:
            path = folder / name
            text = path.read_text(encoding="utf-8")
            assert text.count(old) == 1, f"{old!r} is not once in {name}"
            path.write_text(text.replace(old, new), encoding="utf-8")
        return load(folder)

    return make


def ids(report: Report) -> list[str]:
    """The check ids of the active findings."""
    return [f.check.id for f in report.findings]


def only(report: Report, check_id: str) -> list[str]:
    """The object names of the one active finding, which must be of `check_id`."""
    assert ids(report) == [check_id], [f"{f.check.id}: {f.message}" for f in report.findings]
    return [o.name for o in report.findings[0].objects]


__all__ = ["EXAMPLE", "Edit", "ids", "only", "run_checks"]
