"""What a user meets first: `checks`, `--quiet` on every command, usage lines, help that wraps, shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.checks import REGISTRY
from crossfence.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
VARIANTS = EXAMPLE / "variants"
COMMANDS = ["validate", "reach", "matrix", "check", "diff", "checks", "schema", "init"]

runner = CliRunner()


def _run(*args: str | Path, **env: str) -> Any:
    return runner.invoke(app, [str(a) for a in args], env=env or None)


# -- checks --------------------------------------------------------------------------------------


def test_checks_lists_every_check_with_severity_family_and_title() -> None:
    result = _run("checks")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"{len(REGISTRY)} checks")
    for check in REGISTRY.values():
        assert check.id in result.stdout and check.family in result.stdout
    assert "(also on manifests)" in result.stdout


def test_checks_as_json() -> None:
    data = json.loads(_run("checks", "--format", "json").stdout)
    assert [c["id"] for c in data["checks"]] == list(REGISTRY)
    first = data["checks"][0]
    check = REGISTRY[first["id"]]
    assert first == {
        "id": check.id,
        "severity": check.severity,
        "title": check.title,
        "why": check.why,
        "fix": check.fix,
        "doc": check.doc,
        "family": check.family,
        "manifests": check.on_manifests is not None,
    }


# -- --quiet -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (("validate", EXAMPLE), 0, [f"valid: {EXAMPLE}"]),
        (
            ("reach", EXAMPLE, "--from", "frontend", "--to", "customer-db", "-p", "tcp/5432"),
            1,
            ["DENIED frontend → customer-db tcp/5432  (DENIED_EGRESS_NETPOL)"],
        ),
        (("matrix", EXAMPLE), 0, []),
        (("check", EXAMPLE), 0, []),
        (
            ("check", VARIANTS / "single-tunnel"),
            1,
            [
                "HIGH network.vpn-single-tunnel: HA VPN gateway hub-vpn has 1 interface(s) with "
                "a tunnel and a BGP session (tunnel-0): no redundancy "
                "(examples/eu-sovereign/variants/single-tunnel/gcp-network.yaml:103)"
            ],
        ),
        (("diff", EXAMPLE, EXAMPLE), 0, []),
        (
            ("diff", EXAMPLE, VARIANTS / "edge-open"),
            1,
            [
                "  + allowed internet → scw-edge  TCP/443",
                "  + critical zerotrust.iap-bypass: an internet client reaches scw-edge:443 "
                "directly, bypassing public-lb and its IAP",
            ],
        ),
        (("checks",), 0, list(REGISTRY)),
    ],
    ids=lambda a: a[0] if isinstance(a, tuple) else None,
)
def test_quiet_prints_only_the_verdict_and_what_fails(
    args: tuple[Any, ...], code: int, expected: list[str]
) -> None:
    result = _run(*args, "--quiet")
    assert result.exit_code == code
    assert result.stdout.splitlines() == expected
    assert result.stderr == ""


def test_quiet_schema_and_init_say_nothing(tmp_path: Path) -> None:
    result = _run("schema", "-o", tmp_path / "schema.json", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    result = _run("init", tmp_path / "estate", "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "estate" / "estate.yaml").is_file()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_quiet(command: str) -> None:
    assert "--quiet" in _run(command, "--help").stdout


# -- usage lines and help ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("validate", "validate [OPTIONS] PATH"),
        ("reach", "reach [OPTIONS] PATH"),
        ("matrix", "matrix [OPTIONS] PATH"),
        ("check", "check [OPTIONS] PATH"),
        ("diff", "diff [OPTIONS] OLD NEW"),
        ("checks", "checks [OPTIONS]"),
        ("schema", "schema [OPTIONS] [KIND]"),
        ("init", "init [OPTIONS] DIRECTORY"),
    ],
)
def test_usage_lines_use_conventional_metavars(command: str, usage: str) -> None:
    result = _run(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: crossfence {usage}" in result.stdout
    assert "{" not in result.stdout.splitlines()[1]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_paragraphs_wrap_at_the_terminal_width(command: str) -> None:
    """A docstring's line breaks are not the help's: at 200 columns each paragraph is one line,
    at 60 no line is wider than the terminal."""
    wide = _run(command, "--help", COLUMNS="200").stdout.splitlines()
    narrow = _run(command, "--help", COLUMNS="60").stdout.splitlines()
    assert max(len(line) for line in wide) > 100
    assert max(len(line) for line in narrow) <= 60
    from crossfence.cli import _help

    function = next(c.callback for c in app.registered_commands if c.callback.__name__ == command)  # type: ignore[union-attr]
    assert function is not None
    for paragraph in _help(function).split("\n\n"):
        if len(paragraph) < 190:
            assert any(paragraph.replace("\\[", "[") in line for line in wide), paragraph


def test_the_main_help_lists_the_exit_codes_and_completion() -> None:
    text = " ".join(_run("--help").stdout.split())
    assert "3 an internal error" in text
    assert "--install-completion" in text and "--show-completion" in text
    assert "[tool.crossfence]" in text


def test_shell_completion_completes_commands_and_formats() -> None:
    """Click's completion protocol, as the script `--install-completion` installs calls it."""
    environment = {**os.environ, "_CROSSFENCE_COMPLETE": "complete_bash"}

    def complete(words: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "crossfence"],
            env={**environment, "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)},
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.split()

    assert complete("crossfence va") == ["validate"]
    assert complete("crossfence check x --format s") == ["sarif"]
    assert complete("crossfence schema ma") == ["matrix"]
    # Typer detects the shell from the parent processes (`sh` under make, where it gives up);
    # with detection off, `--show-completion` takes the shell by name
    shown = subprocess.run(
        [sys.executable, "-m", "crossfence", "--show-completion", "bash"],
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "_CROSSFENCE_COMPLETE=complete_bash" in shown.stdout
