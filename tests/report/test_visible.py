"""Control characters and bidirectional overrides in user text are shown as escapes, never passed to a terminal or a document to act on."""

from __future__ import annotations

import pytest

from crossfence.report.visible import visible


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x1b[31mb", "a\\x1b[31mb"),  # ESC: colours, cursor moves, titles
        ("a\x1b]8;;http://x\x07b", "a\\x1b]8;;http://x\\x07b"),  # OSC 8 link, BEL
        ("ok\rFAIL", "ok\\x0dFAIL"),  # CR overwrites the line
        ("a\x00b\x7f", "a\\x00b\\x7f"),
        ("a\x9b31mb", "a\\x9b31mb"),  # C1 CSI
        ("web\u202egnp.exe", "web\\u202egnp.exe"),  # right-to-left override
        ("a\u2066b\u2069", "a\\u2066b\\u2069"),  # isolates
    ],
)
def test_controls_are_escaped(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_text_tabs_line_feeds_and_other_scripts_are_left_as_written() -> None:
    text = "a\tb\nc é 日本 مرحبا [bold] <b>"
    assert visible(text) == text
