"""The errors a crossfence user can get, and the located problems they carry.

The tree::

    CrossfenceError                 base of everything crossfence raises on purpose
    ├── InputError                  bad input: CLI exit code 2, never a traceback
    │   ├── BlueprintError          a blueprint that does not load or validate (all problems at once)
    │   ├── ManifestError           Kubernetes/Istio manifests that do not read or load
    │   ├── QueryError              a question that cannot be asked (unknown endpoint, bad port)
    │   └── compile.CompileError    a construct a compile target cannot express (never widened)
    └── UnsupportedError            valid input that crossfence does not model yet (exit code 2)

Every InputError carries `problems`: located messages `file:line:col: path: what (expected)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BlueprintError",
    "CrossfenceError",
    "InputError",
    "ManifestError",
    "Problem",
    "QueryError",
    "UnsupportedError",
    "sort_problems",
]

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in the input."""

    message: str
    """What is wrong, then what was expected in parentheses."""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""
    """Dotted path of the field (`workloads[3].addresses[0]`)."""
    severity: Severity = "error"
    code: str = "invalid"
    """Stable kind of problem: `syntax`, `unknown-field`, `unknown-reference`, `duplicate-name`,
    `invalid-cidr`, `overlap`, `outside-range`, `bgp-address`, `asn`, `overlap-connected`, ..."""

    def location(self) -> str:
        """`file:line:col` (as much of it as is known)."""
        if self.file is None:
            return "<input>"
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        if self.file is None:
            return f"{self.path}: {self.message}" if self.path else self.message
        where = self.location()
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def to_json(self) -> dict[str, object]:
        """The documented JSON shape of a problem."""
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class CrossfenceError(Exception):
    """Base of every error crossfence raises on purpose."""


@dataclass
class InputError(CrossfenceError):
    """Bad input; the CLI prints every problem and exits with code 2."""

    problems: Sequence[Problem] = field(default_factory=list)
    summary: str = "invalid input"

    def __post_init__(self) -> None:
        super().__init__(self.summary)

    def __str__(self) -> str:
        lines = [str(problem) for problem in self.problems] or [self.summary]
        return "\n".join(lines)

    @classmethod
    def single(cls, message: str, **where: object) -> InputError:
        """An error with one problem."""
        return cls([Problem(message, **where)], summary=message)  # type: ignore[arg-type]

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity error."""
        return [p for p in self.problems if p.severity == "error"]


class BlueprintError(InputError):
    """A blueprint that does not load or validate."""


class ManifestError(InputError):
    """Kubernetes or Istio manifests that do not read or load; every located problem found, the
    first of them as the summary."""

    def __post_init__(self) -> None:
        if self.problems and self.summary == InputError.summary:
            self.summary = str(self.problems[0])
        super().__post_init__()


class QueryError(InputError):
    """A question that cannot be asked of this blueprint: unknown endpoint, malformed port."""


class UnsupportedError(CrossfenceError):
    """Valid input that crossfence does not model yet; says what and where."""


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file, line, column order (unlocated last)."""
    return sorted(
        problems,
        key=lambda p: (p.file or "\uffff", p.line or 0, p.column or 0, p.path, p.message),
    )
