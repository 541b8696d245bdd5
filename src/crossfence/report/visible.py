"""User text made safe to show: control characters and bidirectional overrides written as visible escapes."""

from __future__ import annotations

__all__ = ["CONTROLS", "visible"]

# What a terminal acts on instead of printing (ESC starts colour, cursor and title sequences and
# OSC 8 links, BEL rings, CR and BS overwrite what was printed, C1's CSI is ESC [ on some
# terminals) and the Unicode bidirectional embeddings, overrides and isolates that reorder what
# is shown ("Trojan Source", CVE-2021-42574). A YAML double-quoted scalar (`"\e[31m"`), a JSON
# string (`"\u001b"`), a file name or a Terraform address can hold any of them. Tab and line
# feed are text.
_CODES = (
    *range(0x00, 0x09),
    *range(0x0B, 0x20),
    0x7F,
    *range(0x80, 0xA0),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
)
CONTROLS: dict[int, str] = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _CODES
}
"""A `str.translate` table: each such character to its escape (`\\x1b`, `\\u202e`)."""


def visible(text: str) -> str:
    """`text` with every control character and bidirectional override as a visible escape."""
    return text.translate(CONTROLS)
