"""Helpers for blueprint fixtures written inline in the tests, so their line numbers are visible."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from crossfence import load
from crossfence.errors import BlueprintError, Problem
from crossfence.model import Blueprint

# Clouds every case can refer to; written to estate.yaml beside the case file.
CLOUDS = """\
clouds:
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
  - {name: aws, provider: aws, jurisdiction: US, region: eu-west-3}
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write dedented `text` (its first line is line 1) to folder/name."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def where(problem: Problem) -> str:
    """`case.yaml:7:15`: the problem's file name (without folder), line and column."""
    return f"{Path(problem.file or '?').name}:{problem.line}:{problem.column}"


def problems_of(path: Path) -> list[Problem]:
    """Every problem `load` reports; fails the test if the blueprint loads."""
    with pytest.raises(BlueprintError) as info:
        load(path)
    return list(info.value.problems)


def expect(problems: Iterable[Problem], location: str, fragment: str, path: str = "") -> Problem:
    """The one problem at `location` whose message contains `fragment` (and at `path`, if given)."""
    problems = list(problems)
    found = [
        p
        for p in problems
        if where(p) == location and fragment in p.message and (not path or p.path == path)
    ]
    assert len(found) == 1, f"no single {location} {fragment!r} among:\n" + "\n".join(
        f"  {where(p)} {p.path}: {p.message}" for p in problems
    )
    return found[0]


@pytest.fixture
def case(tmp_path: Path) -> Callable[[str], list[Problem]]:
    """Load `estate.yaml` (CLOUDS) + `case.yaml` (the text) and return the problems."""

    def run(text: str) -> list[Problem]:
        write(tmp_path, "estate.yaml", CLOUDS)
        write(tmp_path, "case.yaml", text)
        return problems_of(tmp_path)

    return run


@pytest.fixture
def valid_case(tmp_path: Path) -> Callable[[str], Blueprint]:
    """Load `estate.yaml` (CLOUDS) + `case.yaml` (the text), which must validate."""

    def run(text: str) -> Blueprint:
        write(tmp_path, "estate.yaml", CLOUDS)
        write(tmp_path, "case.yaml", text)
        return load(tmp_path)

    return run
