"""Terraform JSON of the wrong shape is a located error, exit code 2: never skipped in silence, never a traceback.

`terraform show -json` writes objects and lists where the format says
(https://developer.hashicorp.com/terraform/internals/json-format: "Plan Representation",
"Values Representation", "Change Representation"); `after_unknown`, `after_sensitive`,
`before_sensitive` and `sensitive_values` mirror the values with `true` (and `false`) at their
leaves. A `resources` that is an object, a resource that is a number, a `change` that is null or
a mirror that is a list used to be skipped in silence (a resource left out answers as if it did
nothing to traffic) or crash the reader; NaN, Infinity and a 5,000-digit number crashed it too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

from .plans import plan, write
from .test_read import estate

runner = CliRunner()


def _plan() -> dict[str, Any]:
    return plan(estate())


def _resources(document: dict[str, Any]) -> list[Any]:
    resources: list[Any] = document["planned_values"]["root_module"]["resources"]
    return resources


def _changes(document: dict[str, Any], key: str, value: Any) -> None:
    for change in document["resource_changes"]:
        change["change"][key] = value


CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    (
        "resources-object",
        lambda d: d["planned_values"]["root_module"].update(resources={"a": 1}),
        "planned_values.root_module.resources is an object (expected a list",
    ),
    (
        "resource-number",
        lambda d: _resources(d).append(7),
        "is a number (expected an object, as `terraform show -json` writes it)",
    ),
    (
        "values-list",
        lambda d: _resources(d)[0].update(values=[1]),
        "planned_values.root_module.resources[0].values is a list (expected an object",
    ),
    (
        "child-modules-string",
        lambda d: d["planned_values"]["root_module"].update(child_modules="x"),
        "planned_values.root_module.child_modules is a string (expected a list",
    ),
    (
        "changes-number",
        lambda d: d.update(resource_changes=5),
        "resource_changes is a number (expected a list",
    ),
    (
        "change-null",
        lambda d: d["resource_changes"][0].update(change=None),
        "resource_changes[0].change is null (expected an object",
    ),
    (
        "after-unknown-list",
        lambda d: _changes(d, "after_unknown", [1, 2]),
        "resource_changes[0].change.after_unknown is a list (expected an object or a boolean",
    ),
    (
        "sensitive-values-list",
        lambda d: _resources(d)[0].update(sensitive_values=[True]),
        "planned_values.root_module.resources[0].sensitive_values is a list",
    ),
    (
        "whole-resource-unknown",
        lambda d: _changes(d, "after_unknown", True),
        "the whole resource is marked known after apply",
    ),
    (
        "whole-resource-sensitive",
        lambda d: _changes(d, "after_sensitive", True),
        "the whole resource is marked sensitive",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["validate", "import"])
def test_a_container_of_the_wrong_shape_is_a_located_error(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], Any], message: str, command: str
) -> None:
    document = _plan()
    mutate(document)
    path = write(tmp_path / "plan.json", document)
    args = [command, str(path)] + (["-o", str(tmp_path / "out")] if command == "import" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "plan.json" in result.output and message in result.output, result.output


def test_false_mirrors_are_read_as_terraform_writes_them(tmp_path: Path) -> None:
    """`before_sensitive: false` (nothing sensitive) is what Terraform writes for a create."""
    document = _plan()
    _changes(document, "before_sensitive", False)
    _changes(document, "after_unknown", False)
    path = write(tmp_path / "plan.json", document)
    result = runner.invoke(app, ["validate", "-q", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("NaN", "1:7: NaN is not a JSON number"),
        ("Infinity", "1:7: Infinity is not a JSON number"),
        ("-Infinity", "1:7: -Infinity is not a JSON number"),
        ("9" * 5000, "1:7: a number of 5000 digits is too long (expected at most 4300 digits)"),
    ],
    ids=["nan", "infinity", "minus-infinity", "5000-digits"],
)
def test_numbers_json_has_not_are_located_errors(tmp_path: Path, number: str, message: str) -> None:
    text = json.dumps(_plan())
    path = tmp_path / "plan.json"
    path.write_text('{"x": ' + number + ", " + text[1:], encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert f"plan.json:{message}" in result.output, result.output


def test_an_address_written_twice_is_a_located_error(tmp_path: Path) -> None:
    """Terraform writes each resource instance once; a second one would be renamed (`hub-2`)
    and read as another network."""
    document = _plan()
    _resources(document).append(dict(_resources(document)[0]))
    path = write(tmp_path / "plan.json", document)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    address = _resources(document)[0]["address"]
    assert f"{address} is written twice (expected each resource address once)" in result.output
