"""Control characters in user text reach no terminal and no document raw: ESC, BEL, CR and bidirectional overrides print as escapes.

YAML forbids them raw, but a double-quoted scalar writes any of them as an escape (`"\\e[31m"`,
`"\\u202e"`), as JSON does (`"\\u001b"`). A description holding `\\e]8;;http://...\\a` used to
print a live terminal hyperlink in `validate`, and `\\e[2J` would clear the screen; Markdown, DOT
and Mermaid carried them raw too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

runner = CliRunner()

HOSTILE = "E\\e[31mRED\\e]8;;http://evil\\alink\\e]8;;\\a ok\\rFAIL \\u202egnp.exe"
# (Rich drops BEL and CR itself; Markdown, DOT and Mermaid show them as escapes too)
SHOWN = ("\\x1b[31mRED", "\\x1b]8;;http://evil", "\\u202egnp.exe")
RAW = ("\x1b", "\x07", "\r", "\u202e")

BLUEPRINT = f"""\
crossfence: 1
name: "{HOSTILE}"
description: "{HOSTILE}"
clouds:
  - {{name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}}
networks:
  - name: hub
    cloud: gcp
    subnets:
      - {{name: a, cidr: 10.0.0.0/24, region: europe-west1}}
workloads:
  - {{name: web, kind: vm, network: hub, subnet: a, addresses: [10.0.0.5]}}
"""


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    path = tmp_path / "estate.yaml"
    path.write_text(BLUEPRINT, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["check", "-f", "text"],
        ["check", "-f", "markdown"],
        ["report", "-f", "dot", "-o", "-"],
    ],
    ids=["validate", "check-text", "check-markdown", "dot"],
)
def test_control_characters_print_as_escapes(estate: Path, args: list[str]) -> None:
    result = runner.invoke(app, [args[0], str(estate), *args[1:]])
    assert result.exit_code == 0, result.output
    for raw in RAW:
        assert raw not in result.stdout, (raw, result.stdout)
    # (Markdown escapes backslashes and brackets, DOT backslashes)
    flat = result.stdout.replace("\\\\", "\\").replace("\\[", "[").replace("\\]", "]")
    for shown in SHOWN:
        assert shown in flat, (shown, result.stdout)


def test_at_most_max_problems_are_printed_and_the_rest_counted() -> None:
    """Problems from any reader (a folder of 100,000 broken manifests) print the first
    `MAX_PROBLEMS` lines and a count, not a hundred thousand lines through Rich."""
    import io

    from crossfence.cli.common import print_problems
    from crossfence.cli.output import file_console
    from crossfence.errors import InputError, Problem
    from crossfence.located.guard import MAX_PROBLEMS

    error = InputError([Problem(f"bad {i}", file="a.yaml", line=i + 1) for i in range(2500)])
    stream = io.StringIO()
    print_problems(error, stream=file_console(stream))
    lines = stream.getvalue().splitlines()
    assert len(lines) == MAX_PROBLEMS + 2
    assert lines[MAX_PROBLEMS] == (
        "error: 1,500 more problems not printed: the first 1,000 are (the JSON document, "
        "`--format json`, lists them all)"
    )
    assert lines[-1] == "2500 errors; nothing was done."
