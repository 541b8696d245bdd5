"""The README is true: every `$ crossfence ...` it shows on the project's own examples is run, and
its output compared line by line (`…` stands for lines left out, `…` inside a line for the rest of
it; `$ echo $?` for the exit code)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ELLIPSIS = "…"


@dataclass
class Shown:
    line: int
    command: str
    output: list[str] = field(default_factory=list)
    exit_code: int | None = None


def _shown() -> list[Shown]:
    """Every command in a fenced block, with the lines that follow it up to the next command."""
    out: list[Shown] = []
    inside = False
    current: Shown | None = None
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            inside = not inside
            current = None
            continue
        if not inside:
            continue
        if line == "$ echo $?" and current is not None:
            current.exit_code = -1  # the next line is the code
            continue
        if line.startswith("$ crossfence "):
            current = Shown(number, line[2:].split("  #")[0].strip())
            out.append(current)
            continue
        if current is not None:
            if current.exit_code == -1:
                current.exit_code = int(line)
            else:
                current.output.append(line)
    return out


def _on_examples(shown: Shown) -> bool:
    """Whether every path the command names is one of the project's own (the others stand for
    the reader's files)."""
    words = shlex.split(shown.command)[2:]
    paths = []
    for word in words:
        if word.startswith("-"):
            break
        paths.append(word)
    return bool(paths) and all((ROOT / p).exists() for p in paths)


SHOWN = [s for s in _shown() if _on_examples(s)]


def _matches(expected: list[str], actual: list[str]) -> bool:
    """`expected` with `…` lines as any run of lines and a trailing `…` as any rest of a line."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip().startswith(ELLIPSIS):
        return any(_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    line = actual[0].rstrip()
    if head.rstrip().endswith(ELLIPSIS):
        ok = line.startswith(head.rstrip()[:-1].rstrip())
    else:
        ok = line == head.rstrip()
    return ok and _matches(rest, actual[1:])


def test_the_readme_shows_commands_on_the_examples() -> None:
    assert len(SHOWN) >= 10


@pytest.mark.parametrize("shown", SHOWN, ids=lambda s: f"README.md:{s.line}")
def test_the_readme_output_is_what_the_command_prints(shown: Shown, tmp_path: Path) -> None:
    argv = shlex.split(shown.command)[1:]
    # one stream, in the order the program writes it, as a terminal shows it (warnings first)
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb", "PYTHONUNBUFFERED": "1"}
    written = [
        w
        for w in ("crossfence.sarif", "report.html", "out")
        if w in argv and not (ROOT / w).exists()
    ]
    done = subprocess.run(
        [sys.executable, "-m", "crossfence", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    # a report the command writes with -o lands in the working directory: not left in the tree
    for name in written:
        if (ROOT / name).is_dir():  # a compile's folder
            shutil.rmtree(ROOT / name)
        else:
            (ROOT / name).unlink(missing_ok=True)
    actual = done.stdout.splitlines()
    assert _matches(shown.output, actual), (
        f"README.md:{shown.line}: `{shown.command}` prints:\n" + "\n".join(actual)
    )
    if shown.exit_code is not None:
        assert done.returncode == shown.exit_code
