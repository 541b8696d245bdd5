"""Located problems in Kubernetes/Istio manifests, in the project's error tree.

    crossfence.errors.ManifestError (InputError)
    └── ManifestError               manifests that cannot be analysed: every problem found, each
                                    `file:line:col: field.path: message`; the CLI exits with 2.

Problems are `crossfence.errors.Problem`. Warnings (unknown kinds, unsupported fields) are not
raised: they are collected on the loaded `Cluster` as problems of severity "warning", never
printed by the library. `Location` is where a policy or rule sits, for traces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crossfence import errors
from crossfence.errors import Problem

__all__ = ["Location", "ManifestError", "Problem", "located"]


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


def located(location: Location, field: str, message: str, severity: str = "error") -> Problem:
    """A project `Problem` at `location`, about the field at path `field`."""
    known = location.line > 0
    return Problem(
        message,
        file=location.file,
        line=location.line if known else None,
        column=location.column if known else None,
        path=field,
        severity="warning" if severity == "warning" else "error",
        code="manifest",
    )


class ManifestError(errors.ManifestError):
    """Manifests that cannot be analysed; `problems` lists every located error found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        summary = str(problems[0]) if problems else "invalid manifests"
        super().__init__(list(problems), summary)
