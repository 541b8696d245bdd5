"""An unexpected exception is one line and exit code 3 (distinct from 0, 1 and 2); `--debug` adds the traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import crossfence

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"

# A real process, as a user runs it, with a renderer that fails as a bug would; the message of
# the exception holds markup and an emoji code, which print as written.
PROBE = """\
import sys
import crossfence.report.summary as summary

def broken(*args, **kwargs):
    raise KeyError("no [/x] such :100: key")

summary.render_summary = broken
sys.argv = ["crossfence", *sys.argv[1:]]
from crossfence.__main__ import main
main()
"""


def _crossfence(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )


def test_an_internal_error_is_one_line_and_exit_code_3() -> None:
    done = _crossfence("validate", str(EXAMPLE))
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        f"internal error: KeyError: 'no [/x] such :100: key' — a bug in crossfence "
        f"{crossfence.__version__}, not in your input; please report it with the command and "
        "its input (run it again with crossfence --debug ... for the traceback)"
    ]


def test_debug_prints_the_traceback_then_the_line() -> None:
    done = _crossfence("--debug", "validate", str(EXAMPLE))
    assert done.returncode == 3
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert "KeyError: 'no [/x] such :100: key'\n" in done.stderr
    assert done.stderr.splitlines()[-1].endswith("(the traceback is above)")


def test_bad_input_is_still_exit_code_2_and_findings_1() -> None:
    """The codes stay apart: 2 for what the user can fix, 1 for findings, 3 for a bug."""
    assert _crossfence("validate", str(EXAMPLE / "nope")).returncode == 2
    assert _crossfence("check", str(EXAMPLE / "variants" / "edge-open"), "-q").returncode == 1
    assert _crossfence("check", str(EXAMPLE), "-q").returncode == 0


def test_an_interrupt_is_exit_code_130_not_the_code_of_findings() -> None:
    probe = PROBE.replace('raise KeyError("no [/x] such :100: key")', "raise KeyboardInterrupt")
    done = subprocess.run(
        [sys.executable, "-c", probe, "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 130
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "file"])
def test_an_os_error_of_a_renderer_is_a_bug_not_a_failed_write(
    to_file: bool, tmp_path: Path
) -> None:
    """Only a failure to write to the report's stream is "cannot write the report" (exit 2); an
    OSError the renderer raises for a reason of its own is an internal error (exit 3), and a
    report file it was writing is left as it was."""
    probe = PROBE.replace(
        "import crossfence.report.summary as summary",
        "import crossfence.report.findings as findings",
    )
    probe = probe.replace(
        'raise KeyError("no [/x] such :100: key")', 'raise FileNotFoundError("lost")'
    )
    probe = probe.replace("summary.render_summary = broken", "findings.report_json = broken")
    target = tmp_path / "report.json"
    output = ["-o", str(target)] if to_file else []
    done = subprocess.run(
        [sys.executable, "-c", probe, "check", str(EXAMPLE), "-f", "json", *output],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.startswith("internal error: FileNotFoundError: lost")
    assert list(tmp_path.iterdir()) == []
