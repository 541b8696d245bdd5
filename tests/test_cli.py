"""The `crossfence` command line: validate, schema, init, --version and --help, as a user runs them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

import crossfence
from crossfence.cli import app
from crossfence.model.loader import load_documents

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
VARIANTS = sorted(p.name for p in (EXAMPLE / "variants").iterdir() if (p / "estate.yaml").is_file())

# Three mistakes on lines 3, 5 and 6 of one file.
BROKEN = """\
clouds:
  - name: gcp
    provider: gpc
    jurisdiction: US
    regoin: europe-west1
  - name: Scw
"""

runner = CliRunner()


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def _executable() -> str:
    found = shutil.which("crossfence") or str(Path(sys.executable).parent / "crossfence")
    assert Path(found).is_file(), "the crossfence console script is not installed"
    return found


# -- validate ------------------------------------------------------------------------------------


def test_validate_the_example_prints_the_summary_tables() -> None:
    result = _run("validate", str(EXAMPLE))
    assert result.exit_code == 0, result.stderr
    for title in ("Clouds", "Networks", "Connections", "Clusters", "Workloads"):
        assert re.search(rf"^{title}\b", result.stdout, re.MULTILINE), f"no {title} table"
    assert re.search(r"customer-db .*vm.*172\.16\.8\.10.*stores", result.stdout)
    assert re.search(r"hub-router .*ASN 64514", result.stdout)
    assert result.stdout.rstrip().endswith(f"valid: {EXAMPLE}")
    assert result.stderr == ""


def test_validate_quiet_prints_no_tables() -> None:
    result = _run("validate", "--quiet", str(EXAMPLE))
    assert result.exit_code == 0
    assert "Workloads" not in result.stdout
    assert result.stdout.strip() == f"valid: {EXAMPLE}"


@pytest.mark.parametrize("name", VARIANTS)
def test_validate_every_variant(name: str) -> None:
    result = _run("validate", "-q", str(EXAMPLE / "variants" / name))
    assert result.exit_code == 0, result.stderr
    assert "valid: " in result.stdout
    if name == "overlapping-cidr":
        assert "warning: " in result.stderr and "overlaps" in result.stderr
        assert "1 warning(s)" in result.stdout
    else:
        assert result.stderr == ""


def test_there_are_fifteen_variants() -> None:
    assert len(VARIANTS) == 15


def test_validate_a_broken_file_prints_every_problem_located(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    result = _run("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    # every problem at once, in file order, each as file:line:col: path: what (expected)
    assert result.stderr.splitlines() == [
        f"error: {path}:2:5: clouds[0].region: missing required field 'region' (expected a value)",
        f"error: {path}:3:15: clouds[0].provider: 'gpc' is not allowed "
        "(expected 'gcp', 'scaleway' or 'aws'; did you mean 'gcp'?)",
        f"error: {path}:5:5: clouds[0].regoin: unknown field 'regoin' (expected one of: "
        "description, jurisdiction, name, port_25_restriction_removed, project, provider, region; did you mean 'region'?)",
        f"error: {path}:6:5: clouds[1].jurisdiction: missing required field 'jurisdiction' "
        "(expected a value)",
        f"error: {path}:6:5: clouds[1].provider: missing required field 'provider' "
        "(expected a value)",
        f"error: {path}:6:5: clouds[1].region: missing required field 'region' (expected a value)",
        f"error: {path}:6:11: clouds[1].name: 'Scw' is not a valid name (expected lowercase "
        "letters, digits, '-', '.', '_' or '/', starting and ending with a letter or digit, "
        "at most 128 characters)",
        "7 errors; nothing was done.",
    ]


def test_validate_a_missing_path(tmp_path: Path) -> None:
    result = _run("validate", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_json_for_a_valid_blueprint() -> None:
    result = _run("validate", "--format", "json", str(EXAMPLE))
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert set(payload) == {"schema_version", "valid", "kind", "problems", "summary"}
    assert payload["valid"] is True and payload["kind"] == "blueprint"
    assert payload["problems"] == []
    summary = payload["summary"]
    assert summary["name"] == "eu-sovereign"
    assert [c["name"] for c in summary["clouds"]] == ["gcp", "scw"]
    assert summary["counts"]["vpn_tunnels"] == 2


def test_validate_json_lists_warnings_of_a_valid_blueprint() -> None:
    result = _run("validate", "-f", "json", str(EXAMPLE / "variants" / "overlapping-cidr"))
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["valid"] is True
    assert {p["severity"] for p in payload["problems"]} == {"warning"}
    assert {p["code"] for p in payload["problems"]} == {"overlap-connected"}


def test_validate_json_for_an_invalid_blueprint(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    result = _run("validate", "--format", "json", str(path))
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert payload.get("summary") is None
    assert len(payload["problems"]) == 7
    provider = next(p for p in payload["problems"] if p["path"] == "clouds[0].provider")
    assert provider == {
        "severity": "error",
        "code": "invalid-value",
        "file": str(path),
        "line": 3,
        "column": 15,
        "path": "clouds[0].provider",
        "message": "'gpc' is not allowed (expected 'gcp', 'scaleway' or 'aws'; did you mean 'gcp'?)",
    }
    assert [(p["line"], p["column"]) for p in payload["problems"]] == sorted(
        (p["line"], p["column"]) for p in payload["problems"]
    )
    assert {p["code"] for p in payload["problems"]} >= {"invalid-value", "unknown-field"}


# -- schema --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = _run("schema")
    assert result.exit_code == 0
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_schema_is_a_valid_json_schema(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"clouds", "networks", "workloads", "intents"} <= set(schema["properties"])


def test_schema_validates_the_example(schema: dict[str, Any]) -> None:
    data, _, problems = load_documents(EXAMPLE)
    assert problems == []
    errors = list(Draft202012Validator(schema).iter_errors(data))
    assert errors == []


@pytest.mark.parametrize("name", VARIANTS)
def test_schema_validates_every_variant(schema: dict[str, Any], name: str) -> None:
    data, _, _ = load_documents(EXAMPLE / "variants" / name)
    assert list(Draft202012Validator(schema).iter_errors(data)) == []


def test_schema_rejects_an_unknown_field_and_a_wrong_literal(schema: dict[str, Any]) -> None:
    validator = Draft202012Validator(schema)
    data, _, _ = load_documents(EXAMPLE)
    data["clouds"][0]["regoin"] = "europe-west1"
    errors = list(validator.iter_errors(data))
    assert len(errors) == 1
    assert "'regoin' was unexpected" in errors[0].message
    assert list(errors[0].absolute_path) == ["clouds", 0]
    del data["clouds"][0]["regoin"]
    data["clouds"][0]["provider"] = "gpc"
    assert not validator.is_valid(data)


def test_schema_to_a_file(tmp_path: Path, schema: dict[str, Any]) -> None:
    target = tmp_path / "blueprint.json"
    result = _run("schema", "--output", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8")) == schema
    assert result.stdout == ""


# -- init ----------------------------------------------------------------------------------------


def test_init_writes_the_example_that_then_validates(tmp_path: Path) -> None:
    target = tmp_path / "estate"
    result = _run("init", str(target))
    assert result.exit_code == 0, result.stderr
    assert f"crossfence validate {target}" in result.stdout
    written = sorted(p.name for p in target.glob("*.yaml"))
    assert written == sorted(p.name for p in EXAMPLE.glob("*.yaml"))
    assert sorted(p.name for p in (target / "variants").iterdir() if p.is_dir()) == [
        name for name in sorted(VARIANTS)
    ]
    assert _run("validate", "-q", str(target)).exit_code == 0
    assert _run("validate", "-q", str(target / "variants" / "edge-open")).exit_code == 0


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    result = _run("init", str(tmp_path))
    assert result.exit_code == 2
    assert "is not empty (expected an empty or new folder; use --force)" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]
    forced = _run("init", "--force", str(tmp_path))
    assert forced.exit_code == 0
    assert (tmp_path / "estate.yaml").is_file() and (tmp_path / "notes.md").is_file()


def test_init_into_an_empty_existing_folder(tmp_path: Path) -> None:
    assert _run("init", str(tmp_path)).exit_code == 0
    assert (tmp_path / "estate.yaml").is_file()


# -- version and help ----------------------------------------------------------------------------


def test_version() -> None:
    result = _run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"crossfence {crossfence.__version__}"


def test_python_m_crossfence_is_the_command_with_the_collector_tuned() -> None:
    """`python -m crossfence` runs the same CLI (exit codes included), and the entry point sets
    the collector's first threshold to 200,000 before the CLI's imports and freezes the heap
    after the command (https://docs.python.org/3/library/gc.html#gc.set_threshold,
    https://docs.python.org/3/library/gc.html#gc.freeze)."""
    version = subprocess.run(
        [sys.executable, "-m", "crossfence", "--version"], capture_output=True, text=True
    )
    assert (version.returncode, version.stdout.strip()) == (
        0,
        f"crossfence {crossfence.__version__}",
    )
    bad = subprocess.run(
        [sys.executable, "-m", "crossfence", "validate", "/no/such/estate"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "no such file or folder" in bad.stderr
    probe = (
        "import gc, sys\n"
        "import crossfence.__main__ as entry\n"
        "assert 'crossfence.cli' not in sys.modules\n"
        "sys.argv = ['crossfence', '--version']\n"
        "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
        "print(gc.get_threshold()[0], gc.get_freeze_count() > 0)\n"
    )
    tuned = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    # ... and freezes what is left once the command is done, so the interpreter's last
    # collection at exit skips it
    assert tuned.stdout.splitlines()[-1] == "200000 True", tuned.stderr


def test_help_lists_the_commands() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    commands = set(re.findall(r"^│ (\w+) ", result.stdout, re.MULTILINE))
    assert {"validate", "schema", "init"} <= commands
    assert "One blueprint for a multi-cloud estate" in result.stdout


@pytest.mark.parametrize("command", ["validate", "schema", "init"])
def test_each_command_has_help(command: str) -> None:
    result = _run(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: crossfence {command}" in result.stdout


# -- the installed console script ----------------------------------------------------------------


def test_real_process_validates_the_example() -> None:
    done = subprocess.run(
        [_executable(), "validate", str(EXAMPLE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Workloads" in done.stdout and f"valid: {EXAMPLE}" in done.stdout


def test_real_process_on_broken_input_exits_2_without_a_traceback(tmp_path: Path) -> None:
    broken = _broken(tmp_path)
    # a YAML merge key used to crash the loader; a real process shows what a user would see
    merged = tmp_path / "merge.yaml"
    merged.write_text(
        textwrap.dedent(
            """\
            clouds:
              - &gcp {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
              - <<: *gcp
                name: gcp-dr
                regoin: europe-west4
            """
        ),
        encoding="utf-8",
    )
    for path, location in ((broken, ":3:15: "), (merged, ":5:5: ")):
        done = subprocess.run(
            [_executable(), "validate", str(path)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        assert f"error: {path}{location}" in done.stderr
