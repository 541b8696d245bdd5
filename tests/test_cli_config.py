"""Defaults from `.crossfence.yaml` or `[tool.crossfence]` in pyproject.toml, the nearest one upward from the
working directory (as ruff and checkov users expect); a flag wins; a bad file is a located error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.cli import app
from crossfence.cli.checks import FailOn
from crossfence.cli.config import FAIL_ON

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"

runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose blueprint has one high finding (a single VPN tunnel), run from a subfolder."""
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE / "variants" / "single-tunnel", estate)
    clusters = estate / "clusters.yaml"
    clusters.write_text(
        clusters.read_text(encoding="utf-8").replace("../../manifests", str(EXAMPLE / "manifests")),
        encoding="utf-8",
    )
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "sub" / "deeper")
    return tmp_path


def _check(project: Path, *args: str) -> Any:
    return _run("check", project / "estate", *args)


def test_no_configuration_keeps_the_defaults(project: Path) -> None:
    assert _check(project).exit_code == 1  # a high finding, --fail-on high


def test_pyproject_upward_sets_fail_on_and_skip(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "infra"\n\n[tool.crossfence]\nfail-on = "critical"\nskip = ["dlp"]\n',
        encoding="utf-8",
    )
    assert _check(project).exit_code == 0
    assert json.loads(_check(project, "-f", "json").stdout)["skipped"] == ["dlp"]
    # flags win over the file
    assert _check(project, "--fail-on", "high").exit_code == 1
    assert json.loads(_check(project, "-f", "json", "--skip", "keys").stdout)["skipped"] == ["keys"]


def test_a_pyproject_without_the_table_is_passed_over(project: Path) -> None:
    (project / "sub" / "pyproject.toml").write_text(
        '[project]\nname = "crossfence-user"\n', encoding="utf-8"
    )
    (project / ".crossfence.yaml").write_text("fail-on: none\n", encoding="utf-8")
    assert _check(project).exit_code == 0


def test_the_yaml_file_comes_first_in_a_folder(project: Path) -> None:
    (project / "sub" / ".crossfence.yaml").write_text("fail-on: none\n", encoding="utf-8")
    (project / "sub" / "pyproject.toml").write_text(
        '[tool.crossfence]\nfail-on = "high"\n', encoding="utf-8"
    )
    assert _check(project).exit_code == 0


def test_format_applies_to_the_commands_that_offer_it(project: Path) -> None:
    (project / ".crossfence.yaml").write_text("format: sarif\n", encoding="utf-8")
    log = json.loads(_check(project).stdout)
    assert log["version"] == "2.1.0"
    # validate has no SARIF: its own default
    assert (
        _run("validate", project / "estate")
        .stdout.rstrip()
        .endswith("valid: " + str(project / "estate"))
    )
    assert _check(project, "-f", "text").stdout.startswith("eu-sovereign (")


def test_explicit_config_file(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "ci.yaml"
    other.write_text("fail-on: none\n", encoding="utf-8")
    assert _run("--config", other, "check", project / "estate").exit_code == 0
    missing = _run("--config", tmp_path / "nope.yaml", "check", project / "estate")
    assert missing.exit_code == 2
    assert f"error: {tmp_path / 'nope.yaml'}: does not exist or is not a file" in missing.stderr


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            ".crossfence.yaml",
            "fail_on: high\n",
            ".crossfence.yaml:1:1: fail_on: unknown setting 'fail_on' (expected one of: "
            "fail-on, skip, format, docs-url; did you mean 'fail-on'?)",
        ),
        (
            ".crossfence.yaml",
            "fail-on: hgh\n",
            ".crossfence.yaml:1:1: fail-on: 'hgh' is not allowed (expected one of: critical, "
            "high, medium, low, info, none)",
        ),
        (
            ".crossfence.yaml",
            "fail-on: [high]\n",
            ".crossfence.yaml:1:1: fail-on: ['high'] is not a string (expected e.g. 'high')",
        ),
        (
            ".crossfence.yaml",
            "format: !!python/name:os.system x\n",
            ".crossfence.yaml:1:9: format: 'x' (os.system) is not a string (expected e.g. 'json')",
        ),
        (
            ".crossfence.yaml",
            "skip:\n  - dlp\n  - network.vpn-single-tunel\n",
            ".crossfence.yaml:3:1: skip[1]: 'network.vpn-single-tunel' is not a check id or "
            "family (expected an id that `crossfence checks` lists, or a family: backup, dlp, "
            "identity, intents, keys, kubernetes, mesh, network, sovereignty, zerotrust; did you "
            "mean 'network.vpn-single-tunnel'?)",
        ),
        (
            ".crossfence.yaml",
            "fail-on: [high\n",
            ".crossfence.yaml:2:1: YAML syntax error:",
        ),
        (".crossfence.yaml", "- high\n", ".crossfence.yaml:1:1: is not a mapping of settings"),
        (
            "pyproject.toml",
            "[tool.crossfence]\nformat = 'sarif'\nfail-on = 'hgh'\n",
            "pyproject.toml:3:1: tool.crossfence.fail-on: 'hgh' is not allowed",
        ),
        (
            "pyproject.toml",
            "[tool.crossfence\nfail-on = 'high'\n",
            "pyproject.toml:1:17: TOML syntax error: Expected ']' at the end of a table declaration",
        ),
    ],
)
def test_a_bad_configuration_is_a_located_error(
    project: Path, name: str, text: str, expected: str
) -> None:
    (project / name).write_text(text, encoding="utf-8")
    result = _check(project)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {project / expected}"), result.stderr
    # the version and the help never read it
    assert _run("--version").exit_code == 0


def test_fail_on_values_are_the_options() -> None:
    assert tuple(level.value for level in FailOn) == FAIL_ON
