"""Defaults read from `.crossfence.yaml` or `[tool.crossfence]` in `pyproject.toml`, the nearest one upward."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem

__all__ = ["FAIL_ON", "FORMATS", "KEYS", "Config", "find", "read"]

# As ruff and checkov do: from the working directory up to the root, the first folder holding a
# `.crossfence.yaml`, or a `pyproject.toml` with a `[tool.crossfence]` table, gives the defaults
# (`.crossfence.yaml` first when a folder has both); a flag given on the command line wins over
# it. Keys: `fail-on` (check), `skip` (check: a list of check ids or families), `format` (the
# default `--format` of every command that offers it), `docs-url` (where SARIF's `helpUri`
# points). A bad file is a located error (exit code 2), like a bad blueprint.

FAIL_ON = ("critical", "high", "medium", "low", "info", "none")
"""The values of `fail-on` (the `--fail-on` of `check`)."""
FORMATS = ("text", "json", "csv", "sarif", "junit", "markdown")
"""Every command's formats together; `format` applies to the commands that offer it."""
KEYS = ("fail-on", "skip", "format", "docs-url")
_YAML = ".crossfence.yaml"
_PYPROJECT = "pyproject.toml"
_MAX_BYTES = 1 << 20  # a configuration file is a few lines; a bigger one is a mistake
# `[tool.crossfence]`, `[tool.crossfence.x]`, `tool.crossfence.x = ...` or a `[tool]` table
_MAYBE_TABLE = re.compile(
    r"^\s*(\[\s*tool\s*(\]|\.\s*crossfence\b)|tool\s*\.\s*crossfence\b)", re.M
)


@dataclass(frozen=True)
class Config:
    """The defaults of one configuration file (none: `path` is None and `values` empty)."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    """The line of each key, for located errors about a value found wrong later (a `skip`
    entry that is no check)."""

    def get(self, key: str, default: Any = None) -> Any:
        """A key's value, or `default` when the file does not set it."""
        return self.values.get(key, default)

    def where(self, key: str) -> dict[str, Any]:
        """`Problem` keyword arguments locating a key: its file, line and dotted path."""
        if self.path is None:
            return {}
        table = "tool.crossfence." if self.path.suffix == ".toml" else ""
        line = self.lines.get(key, self.lines.get(key.partition("[")[0]))
        return {"file": str(self.path), "line": line, "path": f"{table}{key}"}


def _problem(
    path: Path, message: str, line: int | None = None, key: str = "", **more: Any
) -> InputError:
    table = "tool.crossfence." if path.suffix == ".toml" and key else ""
    return InputError(
        [Problem(message, str(path), line, more.get("column"), f"{table}{key}", code="config")]
    )


def _has_table(path: Path) -> bool:
    """Whether a pyproject.toml has a `[tool.crossfence]` table: most have none, and their text
    says so without a parse. One that does not parse counts (`read` reports it, located)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # not ours to report: it may well be another tool's file
    # most pyproject files have no such table, this project's own included: their text says
    # so, and tomllib is not even imported (every command looks for a configuration)
    if not _MAYBE_TABLE.search(text):
        return False
    import tomllib

    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return True
    return isinstance(tool, dict) and "crossfence" in tool


def find(start: Path) -> Path | None:
    """The configuration file for a run started in `start`: the nearest upward."""
    for folder in (start, *start.parents):
        yaml_file = folder / _YAML
        if yaml_file.is_file():
            return yaml_file
        pyproject = folder / _PYPROJECT
        if pyproject.is_file() and _has_table(pyproject):
            return pyproject
    return None


def _text(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise _problem(
                path, f"is larger than {_MAX_BYTES} bytes (expected a short configuration file)"
            )
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _problem(path, "is not UTF-8 text (expected a configuration file)") from None
    except OSError as error:
        raise _problem(
            path, f"cannot be read: {error.strerror or error} (expected a readable file)"
        ) from None


def _toml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    import tomllib

    text = _text(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib puts the position in the message: "... (at line 3, column 5)"
        found = re.search(r"\(at line (\d+), column (\d+)\)$", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)$", "", str(error))
        line, column = (int(found[1]), int(found[2])) if found else (None, None)
        raise _problem(path, f"TOML syntax error: {message}", line, column=column) from None
    tool = document.get("tool", {})
    table = tool.get("crossfence") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise _problem(path, "[tool.crossfence] is not a table (expected a table of settings)")
    # tomllib gives no positions: a key's line is found in the text of its table
    lines: dict[str, int] = {}
    inside = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("["):
            inside = (
                re.fullmatch(r"\[\s*tool\s*\.\s*crossfence\s*\]", stripped.split("#")[0].strip())
                is not None
            )
            continue
        key = re.match(r'\s*(?:tool\s*\.\s*crossfence\s*\.\s*)?"?([A-Za-z0-9_-]+)"?\s*=', raw)
        if key and (inside or raw.lstrip().startswith("tool")) and key[1] not in lines:
            lines[key[1]] = number
    return table, lines


def _yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    text = _text(path)
    try:
        root = YAML(typ="safe", pure=True).compose(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise _problem(
            path, f"YAML syntax error: {error.problem or error}", line, column=column
        ) from None
    except YAMLError as error:
        raise _problem(path, f"YAML syntax error: {error}") from None
    if root is None:
        return {}, {}
    if not isinstance(root, MappingNode):
        raise _problem(
            path,
            "is not a mapping of settings (expected e.g. 'fail-on: high')",
            root.start_mark.line + 1,
        )
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        line = lines[key] = key_node.start_mark.line + 1
        if key in values:
            raise _problem(path, f"duplicate key {key!r} (expected each setting once)", line, key)
        _known(path, key, line)
        if isinstance(value_node, SequenceNode):
            items = []
            for index, item in enumerate(value_node.value):
                lines[f"{key}[{index}]"] = item.start_mark.line + 1
                items.append(_scalar(path, item, f"{key}[{index}]", key))
            values[key] = items
        else:
            values[key] = _scalar(path, value_node, key, key)
    return values, lines


def _scalar(path: Path, node: Any, where: str, key: str) -> str:
    """A YAML value that must be a plain string (YAML's core schema: no other tag)."""
    from ruamel.yaml.nodes import ScalarNode

    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        return str(node.value)
    what = {"tag:yaml.org,2002:map": "a mapping", "tag:yaml.org,2002:seq": "a list"}.get(
        node.tag, f"{node.value!r} ({node.tag.rsplit(':', 1)[-1]})"
    )
    raise _problem(
        path,
        f"{what} is not a string (expected e.g. {_EXAMPLES[key]})",
        node.start_mark.line + 1,
        where,
        column=node.start_mark.column + 1,
    )


_EXAMPLES = {
    "fail-on": "'high'",
    "skip": "['network.vpn-single-tunnel', 'dlp']",
    "format": "'json'",
    "docs-url": "'https://example.org/crossfence/docs/checks.md'",
}


def _known(path: Path, key: str, line: int | None) -> None:
    import difflib

    if key not in KEYS:
        close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _problem(
            path, f"unknown setting {key!r} (expected one of: {', '.join(KEYS)}{hint})", line, key
        )


def _check(path: Path, values: dict[str, Any], lines: dict[str, int]) -> None:
    for key, value in values.items():
        line = lines.get(key)
        _known(path, key, line)
        if key == "skip":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _problem(
                    path,
                    f"{value!r} is not a list of check ids or families "
                    f"(expected e.g. {_EXAMPLES['skip']})",
                    line,
                    key,
                )
            continue
        if not isinstance(value, str):
            raise _problem(
                path, f"{value!r} is not a string (expected e.g. {_EXAMPLES[key]})", line, key
            )
        allowed = {"fail-on": FAIL_ON, "format": FORMATS}.get(key)
        if allowed is not None and value not in allowed:
            raise _problem(
                path,
                f"{value!r} is not allowed (expected one of: {', '.join(allowed)})",
                line,
                key,
            )
        if key == "docs-url" and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
            raise _problem(
                path,
                f"{value!r} is not an absolute URL (expected e.g. {_EXAMPLES[key]})",
                line,
                key,
            )


def read(explicit: Path | None = None, start: Path | None = None) -> Config:
    """The configuration of a run: `explicit` (`--config`), else the nearest file upward from
    `start` (the working directory), else none. Raises a located `InputError` on a bad file."""
    path = explicit if explicit is not None else find(start or Path.cwd())
    if path is None:
        return Config()
    if explicit is not None and not path.is_file():
        raise _problem(path, "does not exist or is not a file (expected the --config file)")
    values, lines = _toml(path) if path.suffix == ".toml" else _yaml(path)
    _check(path, values, lines)
    return Config(path, values, lines)
