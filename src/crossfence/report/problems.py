"""Bad input as each format's document (JSON problems, a JUnit error, Markdown, CSV, HTML, a diagram's comments): never an empty report.

A run that cannot analyse its input (a broken blueprint, an unknown `--skip`) still writes every
report it was asked for, each a valid document of its format that says the run failed and lists
the problems with their file, line and column, so a CI step that uploads or parses the report
gets the reason instead of an empty or stale file. SARIF's is `report.sarif.sarif_failure`.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from ..errors import Problem
from . import SCHEMA_VERSION
from .junit import xml_text

__all__ = [
    "failure_comment",
    "failure_csv",
    "failure_html",
    "failure_json",
    "failure_junit",
    "failure_markdown",
]


def failure_json(problems: Sequence[Problem]) -> dict[str, Any]:
    """`{"schema_version", "valid": false, "problems": [Problem]}`, the same for every command."""
    return {
        "schema_version": SCHEMA_VERSION,
        "valid": False,
        "problems": [p.to_json() for p in problems],
    }


def _count(problems: Sequence[Problem]) -> str:
    errors = sum(1 for p in problems if p.severity == "error") or 1
    return f"{errors} error{'s' if errors != 1 else ''} in the input; nothing was analysed"


def failure_junit(problems: Sequence[Problem], name: str) -> str:
    """One test suite with one test case in error, its text every problem, one per line."""
    suites = ET.Element("testsuites", name="crossfence", tests="1", failures="0", errors="1")
    suite = ET.SubElement(
        suites, "testsuite", name=xml_text(name), tests="1", failures="0", errors="1", skipped="0"
    )
    case = ET.SubElement(suite, "testcase", classname="crossfence", name="input")
    error = ET.SubElement(case, "error", message=_count(problems), type="invalid-input")
    error.text = xml_text("\n".join(str(p) for p in problems))
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def failure_markdown(problems: Sequence[Problem], title: str) -> str:
    """A heading, the count, and each problem in a list (code spans: nothing renders as markup)."""
    lines = [f"### {title}", "", f"**Could not run**: {_count(problems)}.", ""]
    for problem in problems:
        text = str(problem).replace("`", "'")
        lines.append(f"- {problem.severity}: `{text}`")
    return "\n".join(lines) + "\n"


def failure_csv(problems: Sequence[Problem]) -> str:
    """The problems as a table (`severity,file,line,column,path,message`): its header is not the
    report's, so a reader of the report fails loudly instead of reading an empty result."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["severity", "file", "line", "column", "path", "message"])
    for p in problems:
        writer.writerow([p.severity, p.file or "", p.line or "", p.column or "", p.path, p.message])
    return stream.getvalue()


def failure_html(problems: Sequence[Problem], title: str) -> str:
    """A page saying the report could not be made, each problem on a line (escaped)."""
    from html import escape

    items = "".join(f"<li>{escape(p.severity)}: {escape(str(p))}</li>\n" for p in problems)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}: failed</title></head>\n<body>\n<h1>{escape(title)}</h1>\n"
        f"<p>Could not run: {escape(_count(problems))}.</p>\n<ul>\n{items}</ul>\n</body>\n</html>\n"
    )


def failure_comment(problems: Sequence[Problem], prefix: str) -> str:
    """A diagram file that draws nothing and says why, in the format's comments (`//` in DOT,
    `%%` in Mermaid): a documentation build fails on it instead of showing a stale drawing."""
    lines = [f"{prefix} crossfence: {_count(problems)}"]
    lines += [f"{prefix} {p.severity}: {str(p).replace(chr(10), ' ')}" for p in problems]
    return "\n".join(lines) + "\n"
