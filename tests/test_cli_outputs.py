"""Where reports go: `-o/--output` on every report command, several `--format`s in one run, a valid
document of every format on bad input, and a located error (exit 2) when a report cannot be written."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from crossfence.cli import app
from crossfence.report.schemas import output_schema

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
EDGE_OPEN = EXAMPLE / "variants" / "edge-open"
GKE_PROD = EXAMPLE / "manifests" / "gke-prod"
SARIF_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "sarif-schema-2.1.0.json"
BROKEN = "clouds:\n  - name: gcp\n    provider: gpc\n"

runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _sarif_valid(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


# -- several formats in one run ------------------------------------------------------------------


def test_text_on_the_terminal_and_sarif_to_a_file_in_one_run(tmp_path: Path) -> None:
    sarif = tmp_path / "crossfence.sarif"
    result = _run("check", EDGE_OPEN, "-f", "text", "-o", "-", "-f", "sarif", "-o", sarif)
    assert result.exit_code == 1
    assert result.stdout.startswith("eu-sovereign (")
    assert "zerotrust.iap-bypass" in result.stdout
    log = json.loads(sarif.read_text(encoding="utf-8"))
    _sarif_valid(log)
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    # the text and the file are the same report
    assert [r["ruleId"] for r in log["runs"][0]["results"] if "suppressions" not in r] == [
        "zerotrust.iap-bypass"
    ]


def test_every_format_of_check_to_its_file(tmp_path: Path) -> None:
    files = {
        fmt: tmp_path / f"report.{fmt}" for fmt in ("text", "json", "sarif", "junit", "markdown")
    }
    args: list[str | Path] = []
    for fmt, path in files.items():
        args += ["--format", fmt, "--output", path]
    result = _run("check", EDGE_OPEN, *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    text = files["text"].read_text(encoding="utf-8")
    assert "CRITICAL" in text and "\x1b[" not in text  # plain text in a file, no colour codes
    assert json.loads(files["json"].read_text(encoding="utf-8"))["summary"]["critical"] == 1
    _sarif_valid(json.loads(files["sarif"].read_text(encoding="utf-8")))
    assert ET.fromstring(files["junit"].read_text(encoding="utf-8")).find(".//failure") is not None
    assert files["markdown"].read_text(encoding="utf-8").startswith("### crossfence check: ")


@pytest.mark.parametrize(
    "args",
    [
        ("validate", EXAMPLE),
        ("reach", EXAMPLE, "--from", "frontend", "--to", "customer-api", "-p", "tcp/8443"),
        ("matrix", EXAMPLE),
        ("check", EXAMPLE),
        ("diff", EXAMPLE, EDGE_OPEN),
        ("checks",),
        ("schema",),
    ],
    ids=lambda a: a[0] if isinstance(a, tuple) else str(a),
)
def test_every_report_command_takes_an_output_file(tmp_path: Path, args: tuple[Any, ...]) -> None:
    target = tmp_path / "report.json"
    fmt = () if args[0] == "schema" else ("--format", "json")
    result = _run(*args, *fmt, "--output", target)
    assert result.exit_code in (0, 1), result.output
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))
    # as readable as any file the user writes, not mkstemp's 0600
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_one_output_without_a_format_writes_the_default_format(tmp_path: Path) -> None:
    target = tmp_path / "summary.txt"
    assert _run("validate", EXAMPLE, "-o", target).exit_code == 0
    assert target.read_text(encoding="utf-8").rstrip().endswith(f"valid: {EXAMPLE}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("-f", "text", "-f", "json"),
            "--format given 2 times (text, json) with no -o/--output (expected one -o per "
            "--format, in the same order; '-' for standard output)",
        ),
        (("-f", "text", "-f", "json", "-o", "-"), "2 --format (text, json) and 1 -o/--output (-)"),
        (
            ("-f", "text", "-f", "json", "-o", "-", "-o", "-"),
            "-o - is given for both text and json",
        ),
    ],
)
def test_formats_and_outputs_that_do_not_pair_are_a_usage_error(
    args: tuple[str, ...], message: str
) -> None:
    result = _run("validate", EXAMPLE, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert " ".join(result.stderr.split()).startswith(f"error: {message}")


def test_the_same_file_twice_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "out"
    result = _run("validate", EXAMPLE, "-f", "text", "-o", target, "-f", "json", "-o", target)
    assert result.exit_code == 2 and "is given for both text and json" in result.stderr
    assert not target.exists()


# -- bad input: every report is still a valid document -------------------------------------------


def test_bad_input_writes_a_failure_document_in_every_format(tmp_path: Path, broken: Path) -> None:
    files = {
        fmt: tmp_path / f"report.{fmt}" for fmt in ("text", "json", "sarif", "junit", "markdown")
    }
    for path in files.values():
        path.write_text("a stale report from an earlier run", encoding="utf-8")
    args: list[str | Path] = []
    for fmt, path in files.items():
        args += ["-f", fmt, "-o", path]
    result = _run("check", broken, *args)
    assert result.exit_code == 2
    assert f"error: {broken}:3:15: clouds[0].provider: 'gpc' is not allowed" in result.stderr
    assert "3 errors; nothing was done." in result.stderr
    text = files["text"].read_text(encoding="utf-8")
    assert f"error: {broken}:3:15: clouds[0].provider" in text
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    jsonschema.validate(data, output_schema("check"))
    assert data["valid"] is False and len(data["problems"]) == 3
    log = json.loads(files["sarif"].read_text(encoding="utf-8"))
    _sarif_valid(log)
    [run] = log["runs"]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    assert run["results"] == [] and run["tool"]["driver"]["rules"]
    notification = invocation["toolExecutionNotifications"][2]
    assert notification["level"] == "error"
    assert notification["message"]["text"].startswith("clouds[0].provider: 'gpc' is not allowed")
    location = notification["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == broken.as_uri()
    assert location["region"] == {"startLine": 3, "startColumn": 15}
    suite = ET.fromstring(files["junit"].read_text(encoding="utf-8")).find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
    error = suite.find("testcase/error")
    assert error is not None and f"{broken}:3:15" in (error.text or "")
    markdown = files["markdown"].read_text(encoding="utf-8")
    assert markdown.startswith(f"### crossfence check: {broken}\n")
    assert "**Could not run**: 3 errors in the input" in markdown


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("reach", "--from", "a", "--to", "b"),
        ("matrix",),
        ("check",),
    ],
    ids=lambda a: a[0],
)
def test_bad_input_json_of_every_command_has_the_problems(
    broken: Path, args: tuple[str, ...]
) -> None:
    result = _run(args[0], broken, *args[1:], "--format", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1 and data["valid"] is False
    assert [p["line"] for p in data["problems"]] == [2, 2, 3]
    jsonschema.validate(data, output_schema(args[0]))


def test_bad_input_csv_is_a_table_of_the_problems(broken: Path) -> None:
    result = _run("matrix", broken, "--format", "csv")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0] == "severity,file,line,column,path,message"
    assert lines[3].startswith(f"error,{broken},3,15,clouds[0].provider,")


def test_an_unknown_skip_still_writes_the_documents(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    result = _run("check", EXAMPLE, "--skip", "nope", "-f", "sarif", "-o", sarif)
    assert result.exit_code == 2
    log = json.loads(sarif.read_text(encoding="utf-8"))
    _sarif_valid(log)
    [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("--skip 'nope' is not a check id")
    assert "locations" not in notification


# -- reports that cannot be written --------------------------------------------------------------


def test_a_folder_or_a_missing_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    for command in (("validate", EXAMPLE), ("schema",)):
        result = _run(*command, "-o", tmp_path)
        assert result.exit_code == 2
        assert result.stderr.startswith(
            f"error: {tmp_path}: is a folder (expected the path of a file to write)"
        )
        missing = tmp_path / "nope" / "out.json"
        result = _run(*command, "-o", missing)
        assert result.exit_code == 2
        assert f"error: {missing}: folder {missing.parent} does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_is_a_located_error() -> None:
    """/dev/full fails every write with ENOSPC, as a full disk does."""
    for command in (("check", EXAMPLE, "-f", "sarif"), ("schema",), ("validate", EXAMPLE)):
        result = _run(*command, "-o", "/dev/full")
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [
            "error: /dev/full: cannot write the report: No space left on device (expected a "
            "file crossfence can write, on a disk with room)",
            "1 error; 1 report not written.",
        ]


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch: Any) -> None:
    """A report is written to a temporary file renamed over the target: a failure in the middle
    leaves the old file as it was and no temporary file behind."""
    target = tmp_path / "report.json"
    target.write_text("previous", encoding="utf-8")
    from crossfence.cli import output

    class FullDisk:
        """The temporary file, on a disk that fills up after a few bytes."""

        def __init__(self, stream: Any) -> None:
            self.stream, self.written = stream, 0

        def write(self, text: str) -> int:
            self.written += len(text)
            if self.written > 10:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return int(self.stream.write(text))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.stream, name)

    real = os.fdopen
    monkeypatch.setattr(output.os, "fdopen", lambda *a, **k: FullDisk(real(*a, **k)))
    result = _run("checks", "-f", "json", "-o", target)
    assert result.exit_code == 2
    assert f"error: {target}: cannot write the report: No space left on device" in result.stderr
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_standard_output_on_a_full_disk_in_a_real_process() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "crossfence", "validate", str(EXAMPLE)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 2
    assert done.stderr.startswith("error: <standard output>: cannot write the report: No space")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_closed_pipe_ends_quietly(fmt: str) -> None:
    """`crossfence checks | head -1`: the reader goes away (here before the first write); no
    traceback, no internal error, and exit 141 (128 + SIGPIPE) as a Unix tool killed by it
    reports, for text too (Rich's own answer is exit code 1, which `check` uses for findings)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crossfence", "checks", "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait() == 141
    assert stderr == ""


def test_a_named_pipe_nobody_reads_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """`-o` on a FIFO with no reader would block forever in open(2): it is opened without
    waiting (O_NONBLOCK gives ENXIO, fifo(7)), a located error, exit 2."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    done = subprocess.run(
        [sys.executable, "-m", "crossfence", "check", str(EXAMPLE), "-f", "json", "-o", str(pipe)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert f"{pipe}: cannot write the report: no process reads this named pipe" in done.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_a_named_pipe_with_a_reader_gets_the_report(tmp_path: Path) -> None:
    import time

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    read_end = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # a reader, before the writer comes
    try:
        command = [sys.executable, "-m", "crossfence", "check", str(EXAMPLE), "-f", "json"]
        process = subprocess.Popen([*command, "-o", str(pipe)], stderr=subprocess.PIPE, text=True)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(read_end, 65536)
            except BlockingIOError:  # the writer is there, nothing written yet
                chunk = None
            if chunk:
                chunks.append(chunk)
            elif process.poll() is not None:
                break
            else:
                time.sleep(0.01)
        assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    finally:
        os.close(read_end)
    assert json.loads(b"".join(chunks))["blueprint"] == "eu-sovereign"
