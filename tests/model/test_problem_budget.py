"""A file of a great many broken values says so in bounded time and memory: the first `MAX_PROBLEMS` problems, located, and how many more.

A 3 MB blueprint of a million `{}` clouds made four million pydantic errors, each located and
printed: minutes of work and gigabytes of memory (the process was killed or ran out of memory).
Validation now counts each object's problems as it goes and stops past `MAX_PROBLEMS`; a list of
more than `MAX_VALUES` plain values, or an object of more than `MAX_KEYS` keys, is one problem.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from crossfence.located.guard import MAX_KEYS, MAX_PROBLEMS, MAX_VALUES

from .conftest import CLOUDS, problems_of, where

HEAD = "crossfence: 1\nname: x\n"
NETWORK = """\
networks:
  - name: hub
    cloud: gcp
    subnets:
      - {name: a, cidr: 10.0.0.0/24, region: europe-west1}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _budget_note(problems: list[object]) -> list[object]:
    return [p for p in problems if getattr(p, "code", None) == "too-many-problems"]


def test_thousands_of_broken_items_give_the_first_problems_and_a_count(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + "clouds: [" + ", ".join(["{}"] * 5000) + "]\n")
    problems = problems_of(path)
    assert len(problems) == MAX_PROBLEMS + 1
    (note,) = _budget_note(problems)
    assert "more problems not listed: the first 1,000 are" in note.message
    first = problems[0]
    assert (first.path, where(first)) == ("clouds[0].jurisdiction", "estate.yaml:3:10")
    assert "missing required field 'jurisdiction'" in first.message


def test_one_object_with_more_problems_than_the_budget_is_named(tmp_path: Path) -> None:
    subnets = "".join("      - {}\n" for _ in range(MAX_PROBLEMS))
    text = HEAD + CLOUDS + "networks:\n  - name: hub\n    cloud: gcp\n    subnets:\n" + subnets
    problems = problems_of(_write(tmp_path, text))
    named = [p for p in problems if p.path == "networks[0]"]
    assert named and "more than 1,000 problems in this one object" in named[0].message
    assert where(named[0]) == "estate.yaml:8:5"


def test_a_long_list_of_plain_values_is_one_located_problem(tmp_path: Path) -> None:
    addresses = ", ".join(["x"] * (MAX_VALUES + 1))
    text = (
        HEAD
        + CLOUDS
        + NETWORK
        + "workloads:\n  - {name: web, kind: vm, network: hub, subnet: a, addresses: ["
        + addresses
        + "]}\n"
    )
    (problem,) = problems_of(_write(tmp_path, text))
    assert problem.path == "workloads[0].addresses"
    assert problem.message == "a list of 10,001 values (expected at most 10,000)"
    assert where(problem) == "estate.yaml:13:63"


def test_an_object_of_too_many_keys_is_one_located_problem(tmp_path: Path) -> None:
    keys = "".join(f"    k{i}: 1\n" for i in range(MAX_KEYS + 1))
    text = HEAD + CLOUDS + NETWORK + "workloads:\n  - name: web\n" + keys
    (problem,) = problems_of(_write(tmp_path, text))
    assert problem.path == "workloads[0]"
    assert "an object of 1,002 keys (expected its fields, at most 1,000 keys)" in problem.message
    assert where(problem) == "estate.yaml:13:5"


def test_a_long_list_of_objects_is_not_limited(tmp_path: Path) -> None:
    """Lists of objects (workloads, rules) are read whatever their length: only their problems
    are counted. 10,001 workloads with one problem each give the first 1,000."""
    workloads = "".join(
        f"  - {{name: w{i}, kind: vm, network: hub, subnet: a, addresses: [10.0.0.5], x: 1}}\n"
        for i in range(MAX_VALUES + 1)
    )
    problems = problems_of(_write(tmp_path, HEAD + CLOUDS + NETWORK + "workloads:\n" + workloads))
    assert len(problems) == MAX_PROBLEMS + 1
    assert all("unknown field 'x'" in p.message for p in problems[:MAX_PROBLEMS])


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_a_million_broken_items_through_the_cli_in_bounded_memory(tmp_path: Path) -> None:
    """The 3 MB file that used to need gigabytes: under a 2 GiB address-space limit it ends
    with exit code 2 and located problems (before, MemoryError: exit code 3)."""
    path = _write(tmp_path, HEAD + "clouds: [" + ",".join(["{}"] * 1_000_000) + "]\n")
    done = subprocess.run(
        [sys.executable, "-m", "crossfence", "validate", "-q", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_limited,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "estate.yaml:3:10: clouds[0].jurisdiction: missing required field" in done.stderr
    assert "more problems not listed: the first 1,000 are" in done.stderr


def test_a_boolean_in_an_integer_field_is_refused_where_it_is(tmp_path: Path) -> None:
    """pydantic reads `true` as 1: `priority: true` was priority 1, in silence."""
    rule = (
        "    firewall_rules:\n      - {name: r, direction: ingress, priority: true, "
        'action: allow, ports: ["tcp/443"], source_ranges: ["10.0.0.0/24"]}\n'
    )
    text = HEAD + CLOUDS + NETWORK.replace("    subnets:\n", rule + "    subnets:\n")
    (problem,) = problems_of(_write(tmp_path, text))
    assert problem.path == "networks[0].firewall_rules[0].priority"
    assert problem.message == "True is a boolean (expected an integer)"
    assert where(problem) == "estate.yaml:11:49"
