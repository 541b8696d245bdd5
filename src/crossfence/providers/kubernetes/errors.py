"""Located problems in Kubernetes/Istio manifests.

The error tree::

    ManifestError (ValueError)      bad input: every problem found, each with file:line:col and a
                                    field path; the CLI maps it to exit code 2.

Warnings (unknown kinds, unsupported Istio conditions) are not exceptions: they are collected on
the loaded `Cluster` as `Problem` objects, and never printed by the library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Location", "ManifestError", "Problem"]


@dataclass(frozen=True, order=True)
class Location:
    """A place in a manifest file; line and column are 1-based (0 when unknown)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def file_line(self) -> str:
        """`file:line`, the form traces quote."""
        return f"{self.file}:{self.line}" if self.line > 0 else self.file


@dataclass(frozen=True)
class Problem:
    """One located error or warning: `netpol.yaml:12:7: spec.ingress[0].ports[0].port: ...`."""

    location: Location
    field: str
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.location}: {self.field}: {self.message}"
        return f"{self.location}: {self.message}"


class ManifestError(ValueError):
    """Manifests that cannot be analysed; `problems` lists every located error found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
