"""The renderers of every command's output, and `SCHEMA_VERSION`, the version of the JSON ones."""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION"]

SCHEMA_VERSION = 1
"""The version of every JSON output's shape (the `schema_version` each document starts with); a
change that removes or renames a field, or changes its type, raises it. The schemas themselves
are in `report/schemas.py` (imported only to print them: they are big)."""
