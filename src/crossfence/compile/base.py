"""What every compile target shares: the files it writes, their origin headers, deterministic YAML, JSON and HCL."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..model.base import Model

__all__ = [
    "CompileError",
    "Compiled",
    "Origin",
    "OutputFile",
    "Unsupported",
    "dns_label",
    "hcl_string",
    "origin",
    "origins_of",
    "to_json",
    "to_yaml",
]


class CompileError(InputError):
    """A blueprint construct a target cannot express: each problem names the object and where it
    was written. Compile writes nothing then, rather than a broader or a narrower rule."""


@dataclass(frozen=True, order=True)
class Origin:
    """A blueprint object a compiled file came from, and where it was written."""

    kind: str
    """The object's kind as the blueprint's sections name it (`global_namespaces`)."""
    name: str
    where: str
    """`file:line` relative to the blueprint (empty for objects built in code)."""

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.name} ({self.where})" if self.where else f"{self.kind} {self.name}"
        )


def origin(kind: str, obj: Model, name: str, root: Path | None) -> Origin:
    """The origin of `obj`: its `file:line`, relative to the blueprint's folder when inside it, so
    the same blueprint compiles to the same bytes wherever it is."""
    at = obj.defined_at
    if at is None:
        return Origin(kind, name, "")
    file = Path(at.file)
    if root is not None:
        base = root if root.is_dir() else root.parent
        with contextlib.suppress(ValueError):
            file = file.resolve().relative_to(base.resolve())
    return Origin(kind, name, f"{file.as_posix()}:{at.line}")


@dataclass
class OutputFile:
    """One compiled file: where it goes under the output folder, what it came from, its body."""

    path: str
    """Relative path, `/`-separated (`istio/gke-prod/authorization-policies.yaml`)."""
    origins: list[Origin]
    body: str
    """The content after the header (YAML, HCL or a JSON document)."""

    def content(self) -> bytes:
        """The file's bytes: a header naming every origin, then the body (JSON: a `//` key)."""
        names = sorted(set(self.origins))
        lines = ["Compiled by crossfence from the blueprint objects:"] + [f"  {o}" for o in names]
        if self.path.endswith(".json"):
            document = json.loads(self.body)
            return to_json({"//": lines, **document}).encode()
        header = "".join(f"# {line}\n" for line in lines)
        return (header + self.body).encode()


@dataclass
class Compiled:
    """Every file a compile wrote (or would write), by relative path."""

    files: dict[str, OutputFile] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    """What was compiled as the analysis reads it but deserves a look (a policy nothing enforces)."""

    def add(self, file: OutputFile) -> None:
        if file.path in self.files:  # two objects compiled to one path: a bug, not bad input
            raise AssertionError(f"two compiled files at {file.path}")
        self.files[file.path] = file


@dataclass
class Unsupported:
    """The problems of one compile, gathered so a run reports every one of them at once."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @staticmethod
    def _problem(obj: Model | None, path: str, message: str, severity: str) -> Problem:
        at = obj.defined_at if obj is not None else None
        return Problem(
            message,
            file=at.file if at else None,
            line=at.line if at else None,
            column=at.column if at else None,
            path=at.path if at else path,
            severity="warning" if severity == "warning" else "error",
            code="compile",
        )

    def add(self, obj: Model | None, path: str, message: str) -> None:
        """`obj` (at `path` in the blueprint) cannot be compiled: `message` says why and what
        the target could express instead."""
        self.problems.append(self._problem(obj, path, message, "error"))

    def warn(self, obj: Model | None, path: str, message: str) -> None:
        """`obj` compiles to nothing, as the analysis reads it too: say so, never silently."""
        self.warnings.append(self._problem(obj, path, message, "warning"))

    def raise_any(self) -> None:
        if self.problems:
            raise CompileError(self.problems, summary=str(self.problems[0]))


_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def dns_label(name: str) -> bool:
    """Whether `name` is an RFC 1123 label, what Kubernetes object and namespace names must be."""
    return bool(_DNS_LABEL.match(name))


def to_json(document: Any) -> str:
    """JSON as every compiled file writes it: indented by two, keys in the given order."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# YAML scalars that a reader takes for something other than the string (YAML 1.1 and 1.2)
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./:@+-]*$")
_NOT_STRINGS = re.compile(
    r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
    r"null|Null|NULL|~)$"
)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and not _NOT_STRINGS.match(text) and not text.endswith(":"):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{_scalar(key)}:"
            if isinstance(item, dict | list) and item:
                out.append(head)
                _emit(item, indent + 2, out)
            else:
                out.append(f"{head} {_flow(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                inner: list[str] = []
                _emit(item, indent + 2, inner)
                out.append(f"{pad}- {inner[0][indent + 2 :]}")
                out.extend(inner[1:])
            elif isinstance(item, list) and item:
                out.append(f"{pad}-")
                _emit(item, indent + 2, out)
            else:
                out.append(f"{pad}- {_flow(item)}")
    else:
        out.append(pad + _scalar(value))


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(documents: Sequence[dict[str, Any]]) -> str:
    """Block YAML, one `---`-separated document per object, keys in the given order, strings
    quoted wherever a reader could take them for something else."""
    parts = []
    for document in documents:
        lines: list[str] = []
        _emit(document, 0, lines)
        parts.append("\n".join(lines) + "\n")
    return "---\n".join(parts)


def hcl_string(text: str) -> str:
    """A quoted HCL string: JSON escapes, plus `${` and `%{` escaped so no template runs."""
    return json.dumps(text).replace("${", "$${").replace("%{", "%%{")


def origins_of(items: Iterable[Origin]) -> list[Origin]:
    """Origins in a stable order, each once."""
    return sorted(set(items))
