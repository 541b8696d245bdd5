"""Markdown for a pull-request comment: a summary table, each finding's fix and traces folded."""

from __future__ import annotations

from crossfence.checks import Report
from crossfence.report.markdown import markdown


def test_base_example(base_report: Report) -> None:
    text = markdown(base_report)
    assert text.startswith("### crossfence check: eu-sovereign\n")
    assert "No finding." in text
    assert "**Suppressed**" in text and "network.personal-data-store-shares-private-network" in text


def test_variant_lists_the_finding_with_its_location_and_trace(variant_report: Report) -> None:
    text = markdown(variant_report)
    finding = variant_report.findings[0]
    row = next(line for line in text.splitlines() if f"`{finding.check.id}`" in line)
    located = finding.location()
    assert located is not None and f"`{located.file}:{located.line}`" in row
    assert f"**Fix**: {finding.check.fix}" in text
    assert text.count("<details>") == text.count("</details>") == 1
    if finding.flows:
        assert "```text\n" in text and finding.flows[0].disposition in text


def test_pipes_in_messages_do_not_break_the_table(busy_report: Report) -> None:
    for line in markdown(busy_report).splitlines():
        if line.startswith("| ") and "`" in line:
            assert line.count(" | ") == 4


def test_user_text_renders_as_written(variant_report: Report) -> None:
    """Names, messages and traces are the user's: no emphasis, link, HTML or fence of theirs
    takes effect in the comment (CommonMark backslash escapes; code spans and fences longer
    than any run of backticks inside)."""
    import copy

    report = copy.deepcopy(variant_report)
    finding = report.findings[0]
    finding.message = "a *b* [c](d) </details> `e` | f"
    if finding.flows:
        finding.flows[0].hops[0].node = "x ``` y"
    text = markdown(report)
    assert r"a \*b\* \[c\](d) \</details\> \`e\` \| f" in text
    assert text.count("</details>") == 1
    if finding.flows:
        assert "````text" in text and "  x ``` y" in text
