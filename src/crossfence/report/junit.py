"""JUnit XML rendering of a `check` report: one test case per check, a failure per finding."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..checks import Report
from .findings import trace_lines

__all__ = ["junit", "xml_text"]

# XML 1.0 forbids most control characters even as references; a name or message holding one
# (an escape byte in a file name) would make the whole report unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text an XML 1.0 document can hold: characters it forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def junit(report: Report) -> str:
    """`<testsuites><testsuite><testcase classname=family name=id>` with `<failure>` per active finding."""
    failed = {f.check.id for f in report.findings}
    suites = ET.Element("testsuites", name="crossfence")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=xml_text(f"crossfence check {report.blueprint}"),
        tests=str(len(report.checks) + len(report.skipped)),
        failures=str(len(failed)),
        errors="0",
        skipped=str(len(report.skipped)),
    )
    for check in report.checks:
        case = ET.SubElement(
            suite, "testcase", classname=f"crossfence.{check.family}", name=check.id
        )
        for finding in (f for f in report.findings if f.check.id == check.id):
            failure = ET.SubElement(
                case, "failure", message=xml_text(finding.message), type=finding.severity
            )
            lines = [finding.message, *(f"  {o}" for o in finding.objects), f"fix: {check.fix}"]
            if finding.unknowns:
                lines[1:1] = [
                    f"unknown: {finding.depends_on}",
                    *(f"  {u}" for u in finding.unknowns),
                ]
            for flow in finding.flows:
                lines += trace_lines(flow)
            failure.text = xml_text("\n".join(lines))
        suppressed = [f for f in report.suppressed if f.check.id == check.id]
        if suppressed:
            out = ET.SubElement(case, "system-out")
            out.text = xml_text(
                "\n".join(
                    f"suppressed: {f.message} (reason: {f.suppression.reason if f.suppression else ''})"
                    for f in suppressed
                )
            )
    for skipped in report.skipped:
        case = ET.SubElement(suite, "testcase", classname="crossfence", name=xml_text(skipped))
        ET.SubElement(case, "skipped", message="skipped with --skip")
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
