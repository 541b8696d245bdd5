"""Where a field of a YAML file sits (`Location`), and the located `Problem` made of it."""

from __future__ import annotations

import functools
from collections.abc import Callable

from crossfence.errors import Problem

__all__ = ["Location", "located"]


@functools.total_ordering
class Location:
    """A place in a YAML file; line and column are 1-based (0 when unknown).

    Immutable, compared and hashed as `(file, line, column)`. The loader records one for every
    object, rule and peer but few are ever printed, and finding a field's line costs more than
    reading the field: `Location.deferred` stores how to find it and finds it on first use.
    """

    __slots__ = ("_column", "_line", "_resolve", "file")

    def __init__(self, file: str, line: int, column: int) -> None:
        self.file = file
        self._line = line
        self._column = column
        self._resolve: Callable[[], Location] | None = None

    @classmethod
    def deferred(cls, file: str, resolve: Callable[[], Location]) -> Location:
        """The location `resolve()` will give, found when its line or column is first read."""
        location = cls(file, 0, 0)
        location._resolve = resolve
        return location

    def _found(self) -> None:
        resolve = self._resolve
        if resolve is not None:
            where = resolve()
            self._line, self._column, self._resolve = where.line, where.column, None

    @property
    def line(self) -> int:
        if self._resolve is not None:
            self._found()
        return self._line

    @property
    def column(self) -> int:
        if self._resolve is not None:
            self._found()
        return self._column

    def _key(self) -> tuple[str, int, int]:
        return self.file, self.line, self.column

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: Location) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Location(file={self.file!r}, line={self.line}, column={self.column})"

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
